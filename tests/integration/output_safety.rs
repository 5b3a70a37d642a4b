//! Writing output safely: `--out` writes only regular files (refusing FIFOs, devices,
//! directories and dangling links before any work, following a link to a regular file),
//! leaves no temporary file behind and removes stale ones, gives the report the mode the
//! umask says (secret samples 0600); standard output's write errors exit 2 with one line,
//! and a closed pipe ends quietly. (Unix: FIFOs, device nodes, modes and umasks.)
#![cfg(unix)]

use std::collections::BTreeSet;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_escrowlab");

/// A suite of one small cell, so every run here takes a moment.
const TINY_SUITE: &str = r#"
seed = 3
schemes = ["single-key"]
attacks = ["key-theft"]
[population]
users = 20
epochs = 2
messages_per_session = 4
"#;

/// A temporary directory holding `tiny.toml`.
fn lab() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tiny.toml"), TINY_SUITE).unwrap();
    dir
}

fn suite_file(dir: &tempfile::TempDir) -> String {
    dir.path().join("tiny.toml").to_str().unwrap().to_string()
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("binary runs")
}

/// Runs `suite tiny.toml --format json --out OUT`.
fn suite_out(dir: &tempfile::TempDir, out: &Path) -> Output {
    run(&[
        "suite",
        &suite_file(dir),
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ])
}

/// Runs the binary with `args` under `umask` (through `sh`).
fn with_umask(umask: &str, args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("umask {umask}; exec \"$0\" \"$@\""))
        .arg(BIN)
        .args(args)
        .output()
        .expect("sh runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The names in `dir`.
fn names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The bad-`--out` contract: exit 2, one line naming the path and saying `why`, and the
/// directory exactly as it was.
fn assert_refused(dir: &tempfile::TempDir, out: &Path, why: &str) {
    let before = names(dir.path());
    let o = suite_out(dir, out);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{}: {err}", out.display());
    assert_eq!(err.lines().count(), 1, "one line: {err:?}");
    assert!(
        err.contains(&format!("--out {}: ", out.display())) && err.contains(why),
        "{why:?} not in {err:?}"
    );
    assert!(o.stdout.is_empty(), "no report on standard output");
    assert_eq!(names(dir.path()), before, "nothing created or removed");
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo {}", path.display());
}

#[test]
fn a_fifo_is_refused_before_the_run_and_stays_a_fifo() {
    let dir = lab();
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    assert_refused(&dir, &fifo, "is a FIFO (named pipe), not a regular file");
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
}

#[test]
fn a_character_device_is_refused_when_one_can_be_made() {
    let dir = lab();
    for (name, minor) in [("full", "7"), ("null", "3")] {
        let dev = dir.path().join(name);
        let made = Command::new("mknod")
            .arg(&dev)
            .args(["c", "1", minor])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !made {
            println!("skipped: mknod is not permitted here (not root?)");
            return;
        }
        assert_refused(&dir, &dev, "is a character device, not a regular file");
        let t = std::fs::symlink_metadata(&dev).unwrap().file_type();
        assert!(t.is_char_device(), "{name} is still a character device");
    }
}

#[test]
fn a_directory_and_a_path_naming_one_are_refused() {
    let dir = lab();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    assert_refused(&dir, &sub, "is a directory, not a regular file");
    assert!(sub.is_dir());
    // A missing directory with a trailing slash: refused by the check before the run, not
    // by a failed rename after it.
    let missing = PathBuf::from(format!("{}/missing/", dir.path().display()));
    assert_refused(&dir, &missing, "names a directory, not a file");
    let nested = dir.path().join("missing").join("report.json");
    assert_refused(&dir, &nested, "does not exist");
}

#[test]
fn dangling_links_and_links_to_special_files_are_refused() {
    let dir = lab();
    let dangling = dir.path().join("dangling");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
    assert_refused(&dir, &dangling, "is a dangling symbolic link");
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    let to_fifo = dir.path().join("to-fifo");
    std::os::unix::fs::symlink(&fifo, &to_fifo).unwrap();
    assert_refused(&dir, &to_fifo, "is a symbolic link to a FIFO");
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
}

#[test]
fn a_link_to_a_regular_file_replaces_the_target_and_keeps_the_link() {
    let dir = lab();
    let reports = dir.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    let target = reports.join("report.json");
    std::fs::write(&target, "old report").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
    let link = dir.path().join("latest.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let o = suite_out(&dir, &link);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read_link(&link).unwrap(), target);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    assert_eq!(v["schema"], "escrowlab-report/1");
    assert_eq!(mode(&target), 0o640, "the replaced file keeps its mode");
    assert_eq!(names(&reports), BTreeSet::from(["report.json".to_string()]));
    assert_eq!(
        names(dir.path()),
        BTreeSet::from(["latest.json", "reports", "tiny.toml"].map(String::from))
    );
}

#[test]
fn a_new_report_gets_the_umask_mode_and_a_secret_sample_0600() {
    let dir = lab();
    let suite = suite_file(&dir);
    for (umask, want) in [("022", 0o644), ("077", 0o600), ("002", 0o664)] {
        let out = dir.path().join(format!("report-{umask}.json"));
        let args = ["suite", &suite, "--format", "json", "--out"];
        let o = with_umask(umask, &[&args[..], &[out.to_str().unwrap()]].concat());
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(mode(&out), want, "umask {umask}");
    }
    for kind in ["secret-share", "decryption-share"] {
        let out = dir.path().join(kind);
        std::fs::write(&out, "old").unwrap();
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
        let o = with_umask("000", &["sample", kind, "--out", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(mode(&out), 0o600, "{kind} is secret whatever it replaces");
    }
    let warrant = dir.path().join("warrant");
    let o = with_umask(
        "022",
        &["sample", "warrant", "--out", warrant.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(mode(&warrant), 0o644);
    assert!(
        !names(dir.path())
            .iter()
            .any(|n| n.starts_with(".escrowlab")),
        "no temporary file left: {:?}",
        names(dir.path())
    );
}

#[test]
fn a_stale_temporary_file_is_removed_and_a_fresh_one_kept() {
    let dir = lab();
    let stale = dir.path().join(".escrowlab-report-999999-aBcDeF");
    let fresh = dir.path().join(".escrowlab-report-1-gHiJkL");
    std::fs::write(&stale, "half a report").unwrap();
    std::fs::write(&fresh, "a concurrent run's report").unwrap();
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(an_hour_ago)
        .unwrap();
    let out = dir.path().join("report.json");
    let o = suite_out(&dir, &out);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stale.exists(), "the stale temporary file is removed");
    assert!(fresh.exists(), "a recent one may be a live run's: kept");
    assert!(out.is_file());
}

fn dev_full() -> Option<std::fs::File> {
    let f = std::fs::OpenOptions::new().write(true).open("/dev/full");
    if f.is_err() {
        println!("skipped: no /dev/full");
    }
    f.ok()
}

#[test]
fn a_failed_write_to_standard_output_exits_2_with_one_line() {
    let dir = lab();
    let suite = suite_file(&dir);
    for args in [
        &["suite", &suite, "--format", "json"][..],
        &["list", "--json"],
        &["lawful-access", "--json", "--users", "10", "--epochs", "1"],
        &["--help"],
    ] {
        let Some(full) = dev_full() else { return };
        let o = Command::new(BIN).args(args).stdout(full).output().unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err:?}");
        assert!(
            err.starts_with("escrowlab: error: standard output: No space left on device"),
            "{args:?}: {err:?}"
        );
    }
}

#[test]
fn a_closed_pipe_ends_quietly_with_the_commands_status() {
    let dir = lab();
    let suite = suite_file(&dir);
    for args in [
        &["list", "--json"][..],
        &["schemes"],
        &["suite", &suite, "--format", "json"],
        &["--help"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let o = Command::new(BIN)
            .args(args)
            .stdout(writer)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        assert!(o.stderr.is_empty(), "{args:?}: {}", stderr(&o));
    }
}

/// A forged result line: what a newline in echoed input must not be able to print.
const FORGED: &str = "escrowlab: all 145 expectations held";

#[test]
fn a_newline_in_any_echoed_input_stays_on_the_one_error_line() {
    let dir = tempfile::tempdir().unwrap();
    let nl = format!("x\n{FORGED}");
    let bad_key = dir.path().join("key.toml");
    std::fs::write(
        &bad_key,
        "name = \"k\"\nsummary = \"s\"\n\"x\\n{FORGED}\" = 1\n[custody]\nkind = \"none\"\n"
            .replace("{FORGED}", FORGED),
    )
    .unwrap();
    let missing_dir = dir.path().join(&nl).join("report.txt");
    let missing_file = dir.path().join(&nl);
    let param = format!("{nl}=1");
    let tiny = lab();
    let suite = suite_file(&tiny);
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("info", vec!["info", &nl]),
        ("cases run", vec!["cases", "run", &nl]),
        ("check-scheme", vec!["check-scheme", &nl]),
        ("--scheme", vec!["attack", "key-theft", "--scheme", &nl]),
        (
            "--param",
            vec![
                "attack",
                "key-theft",
                "--scheme",
                "single-key",
                "--param",
                &param,
            ],
        ),
        ("lab --student", vec!["lab", "start", "1", "--student", &nl]),
        (
            "--out",
            vec!["suite", &suite, "--out", missing_dir.to_str().unwrap()],
        ),
        (
            "inspect",
            vec!["inspect", "field", missing_file.to_str().unwrap()],
        ),
        (
            "unknown TOML key",
            vec!["check-scheme", bad_key.to_str().unwrap()],
        ),
    ];
    // clap's own usage errors keep their usage lines, but a value they quote stays on its
    // line.
    for (path, args) in [
        ("subcommand", vec![nl.as_str()]),
        (
            "--users",
            vec![
                "attack",
                "key-theft",
                "--scheme",
                "single-key",
                "--users",
                &nl,
            ],
        ),
    ] {
        let o = run(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{path}: {err}");
        assert!(err.contains(&format!("x\\n{FORGED}")), "{path}: {err:?}");
        assert!(
            !err.lines().any(|l| l.starts_with(FORGED)),
            "{path}: forged line: {err:?}"
        );
    }
    for (path, args) in cases {
        let o = run(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{path}: {err}");
        assert!(o.stdout.is_empty(), "{path}: printed {:?}", o.stdout);
        assert_eq!(
            err.matches('\n').count(),
            1,
            "{path}: not one line: {err:?}"
        );
        assert!(err.starts_with("escrowlab: error: "), "{path}: {err:?}");
        assert!(
            err.contains(&format!("x\\n{FORGED}")),
            "{path}: newline not escaped as \\n: {err:?}"
        );
        assert!(
            !err.lines().any(|l| l.starts_with(FORGED)),
            "{path}: forged line: {err:?}"
        );
    }
}
