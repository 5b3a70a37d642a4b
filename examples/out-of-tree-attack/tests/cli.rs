//! The `my-escrowlab` binary: escrowlab's command line, which now knows `insider-breach`.

use std::process::Command;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_my-escrowlab"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

#[test]
fn list_includes_insider_breach_and_the_builtins() {
    let out = bin().arg("list").output().expect("binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("insider-breach"), "{text}");
    assert!(text.contains("key-theft"), "{text}");
}

#[test]
fn info_describes_insider_breach() {
    let out = bin()
        .args(["info", "insider-breach"])
        .output()
        .expect("binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("extra"), "{text}");
}

#[test]
fn the_example_suite_holds_and_judges_every_cell() {
    let out = bin()
        .args(["suite", "suite.toml", "--strict"])
        .output()
        .expect("binary runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
