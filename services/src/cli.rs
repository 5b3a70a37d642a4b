//! The services' commands, handled before core's parser: `escrowlab serve agent`,
//! `escrowlab cluster up|down`, `escrowlab lawful-access --remote DIR` and
//! `escrowlab inspect audit-db PATH`.

use std::ffi::OsString;
use std::path::PathBuf;

const BAD_INPUT: i32 = escrowlab_core::exit_codes::BAD_INPUT;

fn fail(msg: &str) -> i32 {
    eprintln!("escrowlab: error: {msg}");
    BAD_INPUT
}

fn strings(args: &[OsString]) -> Result<Vec<String>, i32> {
    args.iter()
        .map(|a| a.to_str().map(str::to_string))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| fail("an argument is not UTF-8"))
}

/// Runs a services command when `args` (the process arguments, program name first) name
/// one, and returns its exit status; `None` when they name none (core's parser takes them).
pub fn dispatch(args: &[OsString]) -> Option<i32> {
    let a = |i: usize| args.get(i).and_then(|s| s.to_str());
    match (a(1), a(2)) {
        (Some("inspect"), Some("audit-db")) => Some(crate::audit_db::inspect_main(&args[3..])),
        (Some("serve"), _) => Some(serve(&args[2..])),
        (Some("cluster"), _) => Some(cluster(&args[2..])),
        (Some("lawful-access"), _) if args.iter().any(|x| x == "--remote") => {
            Some(lawful_remote(&args[2..]))
        }
        _ => None,
    }
}

const SERVE_USAGE: &str =
    "usage: escrowlab serve agent --dir DIR --vault-key-file KEY [--listen ADDR] [--byzantine]

Runs one escrow agent of a deployment (`escrowlab cluster up` starts them): its state,
audit database and certificate are in DIR; it listens on ADDR (default 127.0.0.1:0, an
ephemeral port written to DIR/addr) for share requests over mutually authenticated TLS.
--vault-key-file: the 32-byte key (raw, or 64 hex digits; mode 0600) DIR/state.bin is
sealed under; without it the agent does not start.
--byzantine: answers garbage in place of every share it releases (a lying agent).";

fn serve(args: &[OsString]) -> i32 {
    let args = match strings(args) {
        Ok(a) => a,
        Err(c) => return c,
    };
    if args.first().map(String::as_str) != Some("agent") || args.iter().any(|a| a == "--help") {
        if args.iter().any(|a| a == "--help") {
            println!("{SERVE_USAGE}");
            return 0;
        }
        return fail(&format!(
            "`serve` runs an agent (court and combiner are not services yet)\n{SERVE_USAGE}"
        ));
    }
    let (mut dir, mut key, mut listen, mut conduct) =
        (None, None, "127.0.0.1:0".to_string(), Default::default());
    let mut it = args[1..].iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--dir" => dir = it.next().map(PathBuf::from),
            "--vault-key-file" => match it.next() {
                Some(k) => key = Some(PathBuf::from(k)),
                None => return fail("--vault-key-file needs a path"),
            },
            "--listen" => match it.next() {
                Some(l) => listen = l.clone(),
                None => return fail("--listen needs an address"),
            },
            "--byzantine" => conduct = crate::agent::Conduct::Garbage,
            other => return fail(&format!("unexpected argument `{other}`\n{SERVE_USAGE}")),
        }
    }
    let Some(dir) = dir else {
        return fail(&format!("--dir is required\n{SERVE_USAGE}"));
    };
    let Some(key) = key else {
        return fail(&format!(
            "--vault-key-file is required: {} is sealed under the operator's vault key\n{SERVE_USAGE}",
            dir.join(crate::agent::STATE_FILE).display()
        ));
    };
    match crate::agent::run(dir, &key, &listen, conduct) {
        Ok(()) => 0,
        Err(e) => fail(&e),
    }
}

const CLUSTER_USAGE: &str = "usage: escrowlab cluster up --agents N --threshold K --dir DIR [--vault-key-file KEY] [--scheme S] [--byzantine I]... [world options]
       escrowlab cluster down --dir DIR

`up` deals a world's escrow keys to N agent processes on loopback (each its own state
directory under DIR, a throwaway CA and per-party certificates, ports and pids written into
DIR; each agent's state sealed under KEY, or under a new key written to DIR/vault.key);
`down` stops them. World options are lawful-access's (--seed, --users, --epochs, ...).";

fn cluster(args: &[OsString]) -> i32 {
    let args = match strings(args) {
        Ok(a) => a,
        Err(c) => return c,
    };
    match args.first().map(String::as_str) {
        Some("up") => {
            if args.iter().any(|a| a == "--help") {
                println!("{CLUSTER_USAGE}");
                return 0;
            }
            match crate::cluster::up(&args[1..]) {
                Ok(out) => {
                    print!("{out}");
                    0
                }
                Err(e) => fail(&e),
            }
        }
        Some("down") => match args.get(1..) {
            Some([flag, dir]) if flag == "--dir" => {
                match crate::cluster::down(std::path::Path::new(dir)) {
                    Ok(n) => {
                        println!("stopped {n} agents");
                        0
                    }
                    Err(e) => fail(&e),
                }
            }
            _ => fail(CLUSTER_USAGE),
        },
        Some("--help") => {
            println!("{CLUSTER_USAGE}");
            0
        }
        _ => fail(CLUSTER_USAGE),
    }
}

fn lawful_remote(args: &[OsString]) -> i32 {
    let args = match strings(args) {
        Ok(a) => a,
        Err(c) => return c,
    };
    let (mut dir, mut json) = (None, false);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--remote" => dir = it.next().map(PathBuf::from),
            "--json" => json = true,
            other => {
                return fail(&format!(
                "lawful-access --remote DIR takes only --json (the world is the deployment's): unexpected `{other}`"
            ))
            }
        }
    }
    let Some(dir) = dir else {
        return fail("--remote needs the deployment's directory");
    };
    match crate::remote::lawful_access(&dir) {
        Ok(v) => {
            if json {
                println!("{v}");
            } else {
                let g = |k: &str| v.get(k).cloned().unwrap_or_default();
                let r = v.get("remote").cloned().unwrap_or_default();
                println!(
                    "lawful access against the deployment in {}: {} of {} warranted messages read, {} outside the warrant; audit entries {}, verified {}; request latency p50 {:.1} ms, p99 {:.1} ms ({} requests)",
                    dir.display(),
                    g("in_scope_decrypted"),
                    g("in_scope_messages"),
                    g("out_of_scope_decrypted"),
                    g("audit_entries"),
                    g("audit_verified"),
                    r.get("request_p50_ms").and_then(|x| x.as_f64()).unwrap_or(0.0),
                    r.get("request_p99_ms").and_then(|x| x.as_f64()).unwrap_or(0.0),
                    r.get("requests").cloned().unwrap_or_default(),
                );
            }
            0
        }
        Err(e) => fail(&e),
    }
}
