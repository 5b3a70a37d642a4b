//! `escrowlab cluster up|down`: a local deployment on loopback, one process per agent.
//!
//! `cluster up --agents N --threshold K --dir DIR [--scheme S] [world options]` deals the
//! world's escrow keys (the same world `lawful-access --remote DIR` rebuilds), writes each
//! agent's state into `DIR/agent-I/`, sealed under the vault key ([`crate::vault`]; the
//! operator's `--vault-key-file`, or else a new key in `DIR/vault.key`) with mode 0600, makes a throwaway CA and a certificate
//! per party (`agent-I`, `law-enforcement`), starts `escrowlab serve agent` for each agent
//! (detached, in its own process group, logging to `DIR/agent-I/log`), and waits until
//! each has written the ephemeral port it bound (`DIR/agent-I/addr`) and its pid. The
//! command line is kept in `DIR/cluster.json`, so a client rebuilds exactly that world.
//! `cluster down --dir DIR` stops every agent whose pid is recorded.

use crate::agent::{ADDR_FILE, PID_FILE, STATE_FILE};
use escrowlab_core::cli::WorldArgs;
use escrowlab_core::config::scheme::{CustodyKind, Scheme};
use escrowlab_core::world::WorldConfig;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The deployment's description file.
pub const CLUSTER_FILE: &str = "cluster.json";
/// The law-enforcement client's directory (its certificate and key).
pub const CLIENT_DIR: &str = "law-enforcement";
/// How long `cluster up` waits for an agent to listen.
pub const START_TIMEOUT: Duration = Duration::from_secs(60);

/// `cluster up`'s options (kept in `cluster.json` to rebuild the same world).
#[derive(clap::Parser, Debug)]
#[command(name = "escrowlab cluster up")]
pub struct UpArgs {
    /// Agents (n).
    #[arg(long)]
    pub agents: usize,
    /// Shares needed (k).
    #[arg(long)]
    pub threshold: usize,
    /// The deployment's directory (must not hold a deployment yet).
    #[arg(long)]
    pub dir: PathBuf,
    /// Built-in threshold scheme name or path to a scheme TOML file (its k and n are
    /// replaced by --threshold and --agents).
    #[arg(long, default_value = "threshold-3of5")]
    pub scheme: String,
    /// The key every agent's state is sealed under: 32 bytes, raw or as 64 hex digits,
    /// mode 0600. Without it a new key is drawn and written to DIR/vault.key.
    #[arg(long)]
    pub vault_key_file: Option<PathBuf>,
    /// Agents that answer garbage shares (Byzantine), by index; repeatable.
    #[arg(long)]
    pub byzantine: Vec<usize>,
    /// The simulated world.
    #[command(flatten)]
    pub world: WorldArgs,
}

impl UpArgs {
    /// The world configuration: the scheme with `k = threshold`, `n = agents`.
    ///
    /// # Errors
    /// Bad input, as text.
    pub fn config(&self) -> Result<WorldConfig, String> {
        let mut scheme = Scheme::load(&self.scheme).map_err(|e| e.to_string())?;
        if scheme.custody.kind != CustodyKind::Threshold {
            return Err(format!(
                "scheme `{}` is not a threshold scheme: a deployment needs agents",
                self.scheme
            ));
        }
        if self.threshold == 0 || self.threshold > self.agents || self.agents > 64 {
            return Err(format!(
                "--threshold {} --agents {}: need 1 <= threshold <= agents <= 64",
                self.threshold, self.agents
            ));
        }
        if let Some(b) = self.byzantine.iter().find(|&&b| b >= self.agents) {
            return Err(format!("--byzantine {b}: there are {} agents", self.agents));
        }
        if (scheme.custody.k, scheme.custody.n) != (self.threshold, self.agents) {
            scheme.custody.k = self.threshold;
            scheme.custody.n = self.agents;
            scheme.name = format!("{}@{}of{}", scheme.name, self.threshold, self.agents);
        }
        self.world.config(scheme).map_err(|e| e.to_string())
    }
}

/// An agent's directory.
pub fn agent_dir(dir: &Path, i: usize) -> PathBuf {
    dir.join(format!("agent-{i}"))
}

/// The TLS name of agent `i`.
pub fn agent_name(i: usize) -> String {
    format!("agent-{i}")
}

/// The vault key `cluster up` draws when the operator supplies none.
pub const VAULT_KEY_FILE: &str = "vault.key";

/// `cluster.json`.
#[derive(serde::Serialize, serde::Deserialize, Debug)]
pub struct ClusterFile {
    /// The wire protocol version.
    pub protocol: u8,
    /// The vault key file every agent is started with (an absolute path).
    pub vault_key_file: PathBuf,
    /// Agents.
    pub agents: usize,
    /// Shares needed.
    pub threshold: usize,
    /// `cluster up`'s arguments, as given.
    pub args: Vec<String>,
}

impl ClusterFile {
    /// Reads `DIR/cluster.json`.
    ///
    /// # Errors
    /// Missing or bad file, as text.
    pub fn load(dir: &Path) -> Result<ClusterFile, String> {
        let p = dir.join(CLUSTER_FILE);
        let text = std::fs::read_to_string(&p).map_err(|e| {
            format!(
                "{}: {e} (start a deployment with `escrowlab cluster up`)",
                p.display()
            )
        })?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))
    }
    /// The `cluster up` arguments parsed back.
    ///
    /// # Errors
    /// Arguments that no longer parse.
    pub fn up_args(&self) -> Result<UpArgs, String> {
        use clap::Parser;
        UpArgs::try_parse_from(std::iter::once("cluster-up".to_string()).chain(self.args.clone()))
            .map_err(|e| format!("{CLUSTER_FILE}: {e}"))
    }
}

/// Starts `escrowlab serve agent` for agent `i` of the deployment in `dir`, detached.
///
/// # Errors
/// The process cannot be started, or does not listen within [`START_TIMEOUT`].
pub fn start_agent(dir: &Path, i: usize, key_file: &Path, byzantine: bool) -> Result<u32, String> {
    let adir = agent_dir(dir, i);
    let _ = std::fs::remove_file(adir.join(ADDR_FILE));
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(adir.join("log"))
        .map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut cmd = std::process::Command::new(exe);
    cmd.args(["serve", "agent", "--dir"])
        .arg(&adir)
        .arg("--vault-key-file")
        .arg(key_file)
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log);
    if byzantine {
        cmd.arg("--byzantine");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot start agent {i}: {e}"))?;
    let pid = child.id();
    crate::files::write_atomic(&adir.join(PID_FILE), pid.to_string().as_bytes())
        .map_err(|e| e.to_string())?;
    let start = Instant::now();
    while !adir.join(ADDR_FILE).exists() {
        if start.elapsed() > START_TIMEOUT || !alive(pid) {
            let log = std::fs::read_to_string(adir.join("log")).unwrap_or_default();
            return Err(format!(
                "agent {i} did not start listening: {}",
                log.lines().last().unwrap_or("no log")
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(pid)
}

/// Is process `pid` running (and not a zombie)?
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(s) => !s
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// `cluster up`.
///
/// # Errors
/// Bad input or a deployment that did not start, as text.
pub fn up(args: &[String]) -> Result<String, String> {
    use clap::Parser;
    let a = UpArgs::try_parse_from(std::iter::once("cluster-up".to_string()).chain(args.to_vec()))
        .map_err(|e| e.to_string())?;
    if a.dir.join(CLUSTER_FILE).exists() {
        return Err(format!(
            "{}: already holds a deployment (run `escrowlab cluster down --dir {}` and remove it)",
            a.dir.display(),
            a.dir.display()
        ));
    }
    let config = a.config()?;
    let supplied = match &a.vault_key_file {
        Some(p) => Some((
            crate::vault::VaultKey::load(p)?,
            std::fs::canonicalize(p).map_err(|e| format!("vault key {}: {e}", p.display()))?,
        )),
        None => None,
    };
    let states = escrowlab_core::lawful::deal(config).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&a.dir).map_err(|e| format!("{}: {e}", a.dir.display()))?;
    let (key, key_file) = match supplied {
        Some(k) => k,
        None => {
            let p = std::fs::canonicalize(&a.dir)
                .map_err(|e| format!("{}: {e}", a.dir.display()))?
                .join(VAULT_KEY_FILE);
            (crate::vault::VaultKey::generate(&p)?, p)
        }
    };
    let mut parties = Vec::new();
    for s in &states {
        let d = agent_dir(&a.dir, s.index);
        std::fs::create_dir_all(&d).map_err(|e| format!("{}: {e}", d.display()))?;
        crate::vault::write_sealed(
            &d.join(STATE_FILE),
            &key,
            &zeroize::Zeroizing::new(s.encode()),
        )?;
        parties.push((agent_name(s.index), d));
    }
    parties.push((CLIENT_DIR.to_string(), a.dir.join(CLIENT_DIR)));
    let refs: Vec<(String, &Path)> = parties
        .iter()
        .map(|(n, d)| (n.clone(), d.as_path()))
        .collect();
    crate::pki::issue(&refs)?;
    let file = ClusterFile {
        protocol: crate::wire::VERSION,
        vault_key_file: key_file.clone(),
        agents: a.agents,
        threshold: a.threshold,
        args: args.to_vec(),
    };
    crate::files::write_atomic(
        &a.dir.join(CLUSTER_FILE),
        serde_json::to_string_pretty(&file)
            .map_err(|e| e.to_string())?
            .as_bytes(),
    )
    .map_err(|e| e.to_string())?;
    let mut out = String::new();
    for i in 0..a.agents {
        match start_agent(&a.dir, i, &key_file, a.byzantine.contains(&i)) {
            Ok(pid) => {
                let addr = std::fs::read_to_string(agent_dir(&a.dir, i).join(ADDR_FILE))
                    .unwrap_or_default();
                out.push_str(&format!("agent {i}: pid {pid}, listening on {addr}\n"));
            }
            Err(e) => {
                let _ = down(&a.dir);
                return Err(e);
            }
        }
    }
    out.push_str(&format!(
        "deployment of {} agents ({}-of-{}) up in {}, their vaults sealed under {}{}\n",
        a.agents,
        a.threshold,
        a.agents,
        a.dir.display(),
        key_file.display(),
        if a.vault_key_file.is_none() {
            " (a new key: keep it elsewhere, and pass --vault-key-file, for a vault a copy of DIR does not open)"
        } else {
            ""
        }
    ));
    Ok(out)
}

/// `cluster down`: stops every agent whose pid is recorded in `dir` (SIGTERM through
/// `kill`), then removes the `addr` and `pid` files. Returns how many were stopped.
///
/// # Errors
/// `dir` holds no deployment.
pub fn down(dir: &Path) -> Result<usize, String> {
    let file = ClusterFile::load(dir)?;
    let mut stopped = 0;
    for i in 0..file.agents {
        let adir = agent_dir(dir, i);
        if let Some(pid) = std::fs::read_to_string(adir.join(PID_FILE))
            .ok()
            .and_then(|p| p.trim().parse::<u32>().ok())
        {
            if alive(pid) && is_agent_process(pid) {
                let _ = std::process::Command::new("kill")
                    .arg(pid.to_string())
                    .status();
                stopped += 1;
            }
        }
        let _ = std::fs::remove_file(adir.join(PID_FILE));
        let _ = std::fs::remove_file(adir.join(ADDR_FILE));
    }
    Ok(stopped)
}

/// Is `pid` an `escrowlab serve agent` process (so a reused pid is never signalled)?
fn is_agent_process(pid: u32) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| {
        let args: Vec<&[u8]> = c.split(|&b| b == 0).collect();
        args.windows(2)
            .any(|w| w[0] == b"serve" && w[1] == b"agent")
    })
}
