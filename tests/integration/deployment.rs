//! The deployed system (issue 26): agents as their own processes on loopback, spoken to over
//! mutually authenticated TLS. Real processes, real sockets, no mocks; every test stops the
//! processes it started, also when it fails (the guard's `Drop`).

use escrowlab::escrow::agent::ShareRequest;
use escrowlab::escrow::audit::Decision;
use escrowlab::lawful::WarrantFlow;
use escrowlab::secret::fingerprint;
use escrowlab::services::cluster::{agent_dir, ClusterFile};
use escrowlab::services::remote::Client;
use escrowlab::services::{inspect_audit_db, AuditDb};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The small world every test deploys: 40 users, 2 epochs.
const WORLD: [&str; 4] = ["--users", "40", "--epochs", "2"];

/// A deployment in a temporary directory; `Drop` stops every agent (cluster down, then the
/// agents this test restarted itself).
struct Deployment {
    dir: tempfile::TempDir,
    restarted: Vec<Child>,
}

impl Deployment {
    fn up(agents: usize, threshold: usize, extra: &[&str]) -> Deployment {
        let dir = tempfile::tempdir().unwrap();
        let d = Deployment {
            dir,
            restarted: Vec::new(),
        };
        let (n, k) = (agents.to_string(), threshold.to_string());
        let mut args = vec![
            "cluster",
            "up",
            "--agents",
            &n,
            "--threshold",
            &k,
            "--dir",
            d.dir.path().to_str().unwrap(),
        ];
        args.extend_from_slice(&WORLD);
        args.extend_from_slice(extra);
        let (code, out, err) = crate::common::run_escrowlab(&args);
        assert_eq!(code, Some(0), "cluster up: {out}{err}");
        d
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn pid(&self, i: usize) -> u32 {
        std::fs::read_to_string(agent_dir(self.path(), i).join("pid"))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }

    /// SIGKILL to agent `i`.
    fn kill(&self, i: usize) {
        let pid = self.pid(i);
        let st = Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .unwrap();
        assert!(st.success());
        let start = Instant::now();
        while escrowlab::services::cluster::alive(pid) {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "agent {i} survives SIGKILL"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = std::fs::remove_file(agent_dir(self.path(), i).join("addr"));
    }

    /// Starts agent `i` again from its state directory (its audit database kept).
    fn restart(&mut self, i: usize) {
        let adir = agent_dir(self.path(), i);
        let _ = std::fs::remove_file(adir.join("addr"));
        let key = ClusterFile::load(self.path()).unwrap().vault_key_file;
        let child = Command::new(env!("CARGO_BIN_EXE_escrowlab"))
            .args(["serve", "agent", "--dir"])
            .arg(&adir)
            .arg("--vault-key-file")
            .arg(key)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.restarted.push(child);
        let start = Instant::now();
        while !adir.join("addr").exists() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "agent {i} did not restart"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn lawful(&self) -> Value {
        let (code, out, err) = crate::common::run_escrowlab([
            "lawful-access",
            "--remote",
            self.path().to_str().unwrap(),
            "--json",
        ]);
        assert_eq!(code, Some(0), "{err}");
        serde_json::from_str(&out).unwrap()
    }

    fn flow(&self) -> WarrantFlow {
        let file = ClusterFile::load(self.path()).unwrap();
        WarrantFlow::new(file.up_args().unwrap().config().unwrap()).unwrap()
    }

    fn db(&self, i: usize) -> PathBuf {
        agent_dir(self.path(), i).join("audit.db")
    }
}

/// CPU seconds (user + system) process `pid` has used so far, from /proc.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, r)| r.split_whitespace().collect())
        .unwrap_or_default();
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command.
    let ticks: f64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i).and_then(|f| f.parse::<f64>().ok()))
        .sum();
    ticks / 100.0
}

impl Drop for Deployment {
    fn drop(&mut self) {
        // The agents' CPU (they are not the test's children): shown with --nocapture.
        if let Ok(file) = ClusterFile::load(self.path()) {
            let cpu: f64 = (0..file.agents)
                .filter_map(|i| std::fs::read_to_string(agent_dir(self.path(), i).join("pid")).ok())
                .filter_map(|p| p.trim().parse::<u32>().ok())
                .map(cpu_seconds)
                .sum();
            eprintln!("deployment: the running agents used {cpu:.2} s of CPU");
        }
        let _ = Command::new(env!("CARGO_BIN_EXE_escrowlab"))
            .args(["cluster", "down", "--dir"])
            .arg(self.dir.path())
            .output();
        for c in &mut self.restarted {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn num(v: &Value, k: &str) -> u64 {
    v[k].as_u64().unwrap_or_else(|| panic!("{k} in {v}"))
}

/// The Done-when, on a small world: the remote flow reads every warranted message
/// and nothing else, with the figures of the in-process flow; the replayed request (the
/// first request's exact bytes, sent again over the wire) is refused by every agent and
/// each logs the refusal in its audit database.
#[test]
fn remote_lawful_access_reads_the_warrant_and_a_wire_replay_is_refused_and_logged() {
    let d = Deployment::up(5, 3, &[]);
    let r = d.lawful();
    assert!(num(&r, "in_scope_messages") > 0);
    assert_eq!(num(&r, "in_scope_decrypted"), num(&r, "in_scope_messages"));
    assert_eq!(num(&r, "out_of_scope_decrypted"), 0);
    assert_eq!(r["audit_verified"], true);
    assert_eq!(r["remote"]["unanswered"].as_array().unwrap().len(), 0);
    // The same figures as the in-process demonstration of the same world.
    let (code, out, err) = crate::common::run_escrowlab(
        ["lawful-access", "--json"]
            .iter()
            .chain(WORLD.iter())
            .copied()
            .collect::<Vec<_>>(),
    );
    assert_eq!(code, Some(0), "{err}");
    let local: Value = serde_json::from_str(&out).unwrap();
    for k in [
        "in_scope_messages",
        "in_scope_decrypted",
        "out_of_scope_decrypted",
        "refused_requests",
        "audit_entries",
        "target",
    ] {
        assert_eq!(r[k], local[k], "{k}");
    }
    let replay = r["probes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "replayed")
        .unwrap();
    assert_eq!(replay["refused_by"], 5);
    assert_eq!(replay["granted_by"], 0);
    assert_eq!(replay["controls"], serde_json::json!(["replay-cache"]));
    for i in 0..5 {
        let log = AuditDb::open(&d.db(i)).unwrap().log().unwrap();
        let replays = log
            .entries()
            .iter()
            .filter(|e| {
                e.record.decision
                    == Decision::Refused {
                        control: "replay-cache".into(),
                    }
            })
            .count();
        assert_eq!(replays, 1, "agent {i} logs the replayed request once");
        assert!(inspect_audit_db(&d.db(i)).unwrap().is_valid());
    }
}

/// With N − K agents down (SIGKILL), lawful access still reads every warranted message,
/// and names the agents that did not answer.
#[test]
fn lawful_access_survives_n_minus_k_agents_down() {
    let d = Deployment::up(5, 3, &[]);
    d.kill(3);
    d.kill(4);
    let r = d.lawful();
    assert!(num(&r, "in_scope_messages") > 0);
    assert_eq!(num(&r, "in_scope_decrypted"), num(&r, "in_scope_messages"));
    assert_eq!(num(&r, "out_of_scope_decrypted"), 0);
    let down: Vec<u64> = r["remote"]["unanswered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[0].as_u64().unwrap())
        .collect();
    assert_eq!(down, vec![3, 4]);
    assert_eq!(r["rejected_share_agents"], serde_json::json!([]));
}

/// A lying agent (its checks and log honest, garbage in place of every share it releases)
/// is named by the combiner, and the three honest agents left (one other is down) still
/// open every warranted session.
#[test]
fn a_lying_agent_is_named_and_three_honest_agents_still_read() {
    let d = Deployment::up(5, 3, &["--byzantine", "1"]);
    d.kill(4);
    let r = d.lawful();
    assert!(num(&r, "in_scope_messages") > 0);
    assert_eq!(num(&r, "in_scope_decrypted"), num(&r, "in_scope_messages"));
    assert_eq!(num(&r, "out_of_scope_decrypted"), 0);
    assert_eq!(r["rejected_share_agents"], serde_json::json!([1]));
}

/// Bad bytes on the wire get an error reply, never a crash or a hang: garbage, a frame of
/// another version, an oversized length, a request that does not decode. The agent then
/// still serves.
#[test]
fn malformed_frames_get_an_error_reply_and_the_agent_keeps_serving() {
    use escrowlab::services::wire::{self, Kind};
    let d = Deployment::up(3, 2, &[]);
    let c = Client::open(d.path()).unwrap();
    let (kind, why) = c.exchange(0, Kind::Answer, b"x").unwrap();
    assert_eq!(kind, Kind::Error);
    assert!(String::from_utf8_lossy(&why).contains("share requests"));
    // A request that does not decode: refused (and logged), answered.
    let reply = c.ask(0, b"not a share request");
    let (_, items) = reply.answer.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].as_ref().unwrap_err().control, "malformed");
    // Raw frames below TLS are cut off at the handshake; the agent still serves after.
    let addr = std::fs::read_to_string(agent_dir(d.path(), 0).join("addr")).unwrap();
    for junk in [
        b"garbage".to_vec(),
        wire::encode_frame(Kind::ShareRequest, b"plaintext"),
    ] {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(addr.trim()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let _ = s.write_all(&junk);
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf);
    }
    let flow = d.flow();
    let req = flow.request(0).unwrap();
    let (_, items) = c.ask(0, &req).answer.unwrap();
    assert!(
        items.iter().any(|i| i.is_ok()),
        "the agent serves after the junk"
    );
    // Through TLS, a frame of another version and an oversized one get an error frame.
    let bad_version = {
        let mut f = wire::encode_frame(Kind::ShareRequest, b"");
        f[4] = 9;
        f
    };
    assert!(wire::decode_frame(&bad_version).is_err());
    assert!(inspect_audit_db(&d.db(0)).unwrap().is_valid());
}

/// `escrowlab serve agent` in `adir` with `args` after `--dir adir`, to its exit (it must
/// exit: every caller expects a refusal to start).
fn serve_refuses(adir: &Path, args: &[&std::ffi::OsStr]) -> String {
    let mut all: Vec<&std::ffi::OsStr> = vec!["serve".as_ref(), "agent".as_ref(), "--dir".as_ref()];
    all.push(adir.as_os_str());
    all.extend_from_slice(args);
    let (code, _, err) = crate::common::run_escrowlab(&all);
    assert_eq!(code, Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// Issue point 2, a vault sealed at rest: every agent's `state.bin` is mode 0600 and holds
/// no 16-byte run of its state (the vault shares, the checks, the pinned key); it opens only
/// under the deployment's vault key. Without a key, under the wrong key, under a key file
/// others may read, or from an altered file, an agent refuses to start (exit 2, a message
/// naming the cause); under the right key it serves again.
#[test]
fn sealed_vaults_open_only_under_their_key_and_agents_refuse_to_start_without_it() {
    use escrowlab::escrow::standalone::AgentState;
    use escrowlab::services::vault::{read_sealed, VaultKey};
    use std::collections::HashSet;
    use std::ffi::OsStr;
    let mut d = Deployment::up(3, 2, &[]);
    let key_file = ClusterFile::load(d.path()).unwrap().vault_key_file;
    assert_eq!(key_file, d.path().canonicalize().unwrap().join("vault.key"));
    let key = VaultKey::load(&key_file).unwrap();
    for i in 0..3 {
        let state = agent_dir(d.path(), i).join("state.bin");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&state).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "agent {i}");
        }
        let sealed = std::fs::read(&state).unwrap();
        let plain = read_sealed(&state, &key).unwrap();
        let s = AgentState::decode(&plain).unwrap();
        assert_eq!(s.index, i);
        assert!(!s.key_epochs().is_empty(), "agent {i} holds shares");
        assert!(AgentState::decode(&sealed).is_err());
        let runs: HashSet<&[u8]> = sealed.windows(16).collect();
        let seen = plain.windows(16).filter(|w| runs.contains(w)).count();
        assert_eq!(
            seen, 0,
            "agent {i}: {seen} runs of its state appear in state.bin"
        );
    }
    // A second sealing of the same state draws a fresh nonce.
    assert_ne!(key.seal(b"same"), key.seal(b"same"));
    d.kill(0);
    let adir = agent_dir(d.path(), 0);
    let err = serve_refuses(&adir, &[]);
    assert!(err.contains("--vault-key-file is required"), "{err}");
    let wrong = d.path().join("wrong.key");
    escrowlab::services::files::write_secret(&wrong, &[7u8; 32]).unwrap();
    let err = serve_refuses(&adir, &[OsStr::new("--vault-key-file"), wrong.as_os_str()]);
    assert!(err.contains("wrong vault key"), "{err}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let open_key = d.path().join("open.key");
        std::fs::copy(&key_file, &open_key).unwrap();
        std::fs::set_permissions(&open_key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = serve_refuses(
            &adir,
            &[OsStr::new("--vault-key-file"), open_key.as_os_str()],
        );
        assert!(err.contains("mode 0644"), "{err}");
    }
    let short = d.path().join("short.key");
    escrowlab::services::files::write_secret(&short, &[7u8; 31]).unwrap();
    let err = serve_refuses(&adir, &[OsStr::new("--vault-key-file"), short.as_os_str()]);
    assert!(err.contains("a vault key is 32 bytes"), "{err}");
    // One flipped bit in the sealed body, then in the header: refused; restored: served.
    let state = adir.join("state.bin");
    let good = std::fs::read(&state).unwrap();
    for at in [good.len() / 2, 4] {
        let mut bad = good.clone();
        bad[at] ^= 1;
        std::fs::write(&state, &bad).unwrap();
        let err = serve_refuses(
            &adir,
            &[OsStr::new("--vault-key-file"), key_file.as_os_str()],
        );
        assert!(
            err.contains("altered") || err.contains("sealed vault format"),
            "{err}"
        );
    }
    std::fs::write(&state, &good).unwrap();
    d.restart(0);
    let c = Client::open(d.path()).unwrap();
    let req = d.flow().request(0).unwrap();
    let (_, items) = c.ask(0, &req).answer.unwrap();
    assert!(
        items.iter().any(|i| i.is_ok()),
        "the agent serves under its key"
    );
}

/// The operator's own key, as 64 hex digits: `cluster up --vault-key-file` seals under it,
/// writes no key of its own, and its agents serve; a key file others may read is refused
/// before anything is dealt.
#[test]
fn cluster_up_seals_under_the_operators_key_and_refuses_a_readable_one() {
    use escrowlab::services::vault::{read_sealed, VaultKey};
    let keys = tempfile::tempdir().unwrap();
    let key_file = keys.path().join("operator.key");
    escrowlab::services::files::write_secret(
        &key_file,
        format!("{}\n", "ab".repeat(32)).as_bytes(),
    )
    .unwrap();
    let d = Deployment::up(2, 2, &["--vault-key-file", key_file.to_str().unwrap()]);
    assert!(!d.path().join("vault.key").exists());
    assert_eq!(
        ClusterFile::load(d.path()).unwrap().vault_key_file,
        key_file.canonicalize().unwrap()
    );
    let key = VaultKey::from_bytes([0xab; 32]);
    assert!(read_sealed(&agent_dir(d.path(), 1).join("state.bin"), &key).is_ok());
    let c = Client::open(d.path()).unwrap();
    let req = d.flow().request(0).unwrap();
    let (_, items) = c.ask(1, &req).answer.unwrap();
    assert!(items.iter().any(|i| i.is_ok()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o640)).unwrap();
        let dir = keys.path().join("d");
        let (code, _, err) = crate::common::run_escrowlab([
            "cluster",
            "up",
            "--agents",
            "2",
            "--threshold",
            "2",
            "--dir",
            dir.to_str().unwrap(),
            "--vault-key-file",
            key_file.to_str().unwrap(),
        ]);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains("mode 0640"), "{err}");
        assert!(!dir.exists(), "nothing is dealt or written");
    }
}

/// SIGKILL of an agent while 100 warrants are in flight. Afterwards, on every agent: the
/// chain verifies, every share the client received has exactly one granted audit row, no
/// field was granted twice under one warrant, no warrant was served more than its use
/// limit; the killed agent, restarted on its state directory, serves again and still
/// refuses a request it served before it died.
#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn sigkill_with_100_warrants_in_flight_loses_and_duplicates_nothing() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    const WARRANTS: u64 = 100;
    const VICTIM: usize = 2;
    let mut d = Deployment::up(5, 3, &[]);
    let flow = d.flow();
    let requests: Vec<Vec<u8>> = (0..WARRANTS).map(|i| flow.request(i).unwrap()).collect();
    let client = Client::open(d.path()).unwrap();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    // (agent, request index, item index) of every share the client received.
    let received = Mutex::new(Vec::<(usize, usize, usize)>::new());
    let victim_pid = d.pid(VICTIM);
    std::thread::scope(|sc| {
        for _ in 0..4 {
            sc.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(req) = requests.get(i) else { break };
                for r in client.ask_all(req) {
                    if let Ok((_, items)) = r.answer {
                        let mut got = received.lock().unwrap();
                        for (j, it) in items.iter().enumerate() {
                            if it.is_ok() {
                                got.push((r.agent, i, j));
                            }
                        }
                    }
                }
                done.fetch_add(1, Ordering::SeqCst);
            });
        }
        // Kill the victim once a quarter of the warrants are through, the rest in flight.
        while done.load(Ordering::SeqCst) < WARRANTS as usize / 4 {
            std::thread::sleep(Duration::from_millis(1));
        }
        Command::new("kill")
            .args(["-9", &victim_pid.to_string()])
            .status()
            .unwrap();
    });
    let received = received.into_inner().unwrap();
    let by_victim = received.iter().filter(|r| r.0 == VICTIM).count();
    assert!(by_victim > 0, "the victim served before it died");
    let decoded: Vec<ShareRequest> = requests
        .iter()
        .map(|r| ShareRequest::decode(r).unwrap())
        .collect();
    let use_limit = decoded[0].warrant.warrant.use_limit;
    assert!(use_limit > 0, "the scheme limits uses");
    let mut granted_total = 0;
    for a in 0..5 {
        let ins = inspect_audit_db(&d.db(a)).unwrap();
        assert!(ins.is_valid(), "agent {a}: {}", ins.to_text());
        let db = AuditDb::open(&d.db(a)).unwrap();
        let log = db.log().unwrap();
        let mut grants: BTreeMap<(String, String), usize> = BTreeMap::new();
        for e in log.entries() {
            if e.record.decision == Decision::Granted {
                *grants
                    .entry((e.record.case_id.clone(), e.record.field_id.clone()))
                    .or_default() += 1;
            }
        }
        assert!(
            grants.values().all(|&c| c == 1),
            "agent {a} granted a field twice"
        );
        granted_total += grants.len();
        for (agent, i, j) in received.iter().filter(|r| r.0 == a) {
            let req = &decoded[*i];
            let (h, f) = &req.items[*j];
            let key = (
                req.warrant.warrant.case_id.clone(),
                format!("s{}:{}", h.session, fingerprint(&f.te_ct)),
            );
            assert_eq!(
                grants.get(&key),
                Some(&1),
                "agent {agent}: a released share without its row"
            );
        }
        for req in &decoded {
            let uses = db.uses(&hex::encode(req.warrant.warrant.nonce)).unwrap();
            assert!(uses <= use_limit, "agent {a}: a warrant used {uses} times");
        }
    }
    assert!(granted_total >= received.len());
    eprintln!(
        "sigkill: {} shares received, {granted_total} granted rows, victim released {by_victim}",
        received.len()
    );
    // The victim, restarted, serves a new warrant and still refuses an old request.
    d.kill_if_alive(VICTIM);
    d.restart(VICTIM);
    let fresh = flow.request(WARRANTS).unwrap();
    let (_, items) = client.ask(VICTIM, &fresh).answer.unwrap();
    assert!(
        items.iter().all(|i| i.is_ok()),
        "the restarted agent serves"
    );
    let (_, again) = client.ask(VICTIM, &requests[0]).answer.unwrap();
    assert!(
        again.iter().all(|i| i.is_err()),
        "a request served before the crash stays refused"
    );
    assert!(inspect_audit_db(&d.db(VICTIM)).unwrap().is_valid());
}

impl Deployment {
    fn kill_if_alive(&self, i: usize) {
        if escrowlab::services::cluster::alive(self.pid(i)) {
            self.kill(i);
        }
        let _ = std::fs::remove_file(agent_dir(self.path(), i).join("addr"));
    }
}
