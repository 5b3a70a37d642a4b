//! Inputs the malformed corpus cannot hold as files: FIFOs and directories given as a
//! scheme, suite or `inspect` file, a 500 KB key, control characters and conflicts on the
//! command line, parameters beyond the run. Each must exit 2 at once with its message,
//! no panic and no raw control character; every run has a watchdog so a regression that
//! blocks fails instead of hanging the test suite.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one command may take before the watchdog kills it.
const WATCHDOG: Duration = Duration::from_secs(60);

/// Runs the CLI with `args` under the watchdog; returns (exit code, stderr).
fn run(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_escrowlab"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > WATCHDOG {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{args:?} still running after {WATCHDOG:?}: killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (status.code(), err)
}

/// Exit 2, `expect` on stderr, no panic, no raw control character.
fn refused(args: &[&str], expect: &str) -> String {
    let (code, err) = run(args);
    assert_eq!(code, Some(2), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    assert!(
        !err.chars().any(|c| c.is_control() && c != '\n'),
        "{args:?}: raw control character in {err:?}"
    );
    assert!(
        err.contains(expect),
        "{args:?}: expected {expect:?} in {err:?}"
    );
    err
}

#[cfg(unix)]
#[test]
fn a_fifo_as_scheme_suite_or_inspect_file_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo failed");
    let p = fifo.to_str().unwrap();
    let what = format!("{p}: is a FIFO (named pipe), not a regular file");
    refused(&["suite", p], &what);
    refused(&["attack", "key-theft", "--scheme", p], &what);
    refused(&["lawful-access", "--scheme", p], &what);
    refused(&["inspect", "field", p], &what);
    // A scheme named by a suite, relative to the suite's directory.
    let suite = dir.path().join("suite.toml");
    std::fs::write(&suite, "schemes = [\"pipe\"]\nattacks = [\"key-theft\"]\n").unwrap();
    refused(
        &["suite", suite.to_str().unwrap()],
        "is a FIFO (named pipe)",
    );
}

#[test]
fn a_directory_as_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().to_str().unwrap();
    let what = format!("{p}: is a directory, not a regular file");
    refused(&["suite", p], &what);
    refused(&["inspect", "warrant", p], &what);
    refused(&["attack", "key-theft", "--scheme", p], &what);
}

#[test]
fn a_500_kb_unknown_key_is_echoed_cut_to_a_readable_length() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big-key.toml");
    let key = "k".repeat(500_000);
    std::fs::write(
        &path,
        format!("name = \"x\"\nsummary = \"y\"\n[custody]\nkind = \"single\"\n{key} = 1\n"),
    )
    .unwrap();
    let err = refused(
        &["lawful-access", "--scheme", path.to_str().unwrap()],
        "…(500000 bytes)`",
    );
    assert!(err.len() < 1000, "{} bytes of error", err.len());
    assert!(err.contains(":5:1: unknown field `kkk"), "{err}");
}

#[test]
fn control_characters_on_the_command_line_are_escaped() {
    refused(
        &["info", "\u{1b}[2J\u{9b}x"],
        "unknown attack `\\u{1b}[2J\\u{9b}x`",
    );
    let long = "a".repeat(10_000);
    let err = refused(&["info", &long], "…(10000 bytes)`");
    assert!(err.len() < 1000, "{} bytes of error", err.len());
}

#[test]
fn a_param_given_twice_is_an_error() {
    refused(
        &[
            "attack",
            "share-theft",
            "--scheme",
            "threshold-3of5",
            "--param",
            "stolen=1",
            "--param",
            "stolen=5",
        ],
        "--param `stolen` is given twice",
    );
}

/// An index of a user or an agent the run does not have is impossible: an error. (A count
/// above what the run has, or an epoch after its last, is legal and only a warning: see
/// tests/integration/terminal.rs.)
#[test]
fn parameters_beyond_the_run_are_errors_naming_the_bound() {
    let attack = |id: &str, scheme: &str, extra: &[&str], expect: &str| {
        let mut args = vec!["attack", id, "--scheme", scheme];
        args.extend_from_slice(extra);
        refused(&args, expect);
    };
    attack(
        "endpoint-compromise",
        "threshold-3of5",
        &["--users", "20", "--param", "user=100000"],
        "parameter `user` = 100000 is outside the run: the run has 20 users (indices 0..=19)",
    );
    attack(
        "rogue-agent",
        "threshold-3of5",
        &["--param", "agent=5"],
        "parameter `agent` = 5 is outside the run: the run has 5 escrow agents (indices 0..=4)",
    );
}

#[cfg(feature = "threshold_crypto")]
#[test]
fn identity_points_are_malformed_on_the_other_backend_too() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/malformed");
    let file = |f: &str| dir.join(f).display().to_string();
    let share = file("decryption-share-identity.bin");
    refused(
        &[
            "inspect",
            "decryption-share",
            &share,
            "--backend",
            "threshold_crypto",
        ],
        "malformed decryption share: is the identity point",
    );
    let set = file("public-key-set-identity.bin");
    refused(
        &[
            "inspect",
            "public-key-set",
            &set,
            "--backend",
            "threshold_crypto",
        ],
        "malformed public key set: the master public key is the identity point",
    );
}
