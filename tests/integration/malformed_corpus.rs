//! Runs the whole malformed-input corpus (fixtures/malformed/cases.toml) through the CLI:
//! every case exits 2 with its message (and file:line for TOML), nothing panics, and no
//! raw control character reaches the terminal.

use serde::Deserialize;
use std::path::Path;
use std::process::Command;

#[derive(Deserialize)]
struct Cases {
    case: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    file: String,
    run: Vec<String>,
    expect: String,
    line: Option<usize>,
}

fn check(args: &[String], expect: &str, location: Option<String>) -> Result<(), String> {
    let o = Command::new(env!("CARGO_BIN_EXE_escrowlab"))
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    let err = String::from_utf8_lossy(&o.stderr);
    if o.status.code() != Some(2) {
        return Err(format!(
            "{args:?}: exit {:?}, stderr: {err}",
            o.status.code()
        ));
    }
    if err.contains("panicked") || String::from_utf8_lossy(&o.stdout).contains("panicked") {
        return Err(format!("{args:?}: panicked: {err}"));
    }
    if let Some(c) = err.chars().find(|c| c.is_control() && *c != '\n') {
        return Err(format!("{args:?}: raw control character {c:?} in {err:?}"));
    }
    if !err.contains(expect) {
        return Err(format!("{args:?}: expected {expect:?} in {err:?}"));
    }
    if let Some(loc) = location {
        if !err.contains(&loc) {
            return Err(format!("{args:?}: expected location {loc:?} in {err:?}"));
        }
    }
    Ok(())
}

#[test]
fn every_corpus_file_gives_its_error_and_exit_2() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/malformed");
    let cases: Cases =
        toml::from_str(&std::fs::read_to_string(dir.join("cases.toml")).unwrap()).unwrap();
    let files = std::fs::read_dir(&dir).unwrap().count() - 1;
    assert!(files >= 50, "the corpus has {files} files");
    assert_eq!(
        cases.case.len(),
        files,
        "every corpus file has a case in cases.toml"
    );
    let mut failures = Vec::new();
    for c in &cases.case {
        let path = dir.join(&c.file).display().to_string();
        let args: Vec<String> = c.run.iter().map(|a| a.replace("{file}", &path)).collect();
        let loc = c.line.map(|l| format!("{path}:{l}:"));
        if let Err(e) = check(&args, &c.expect, loc) {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} corpus failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_ten_megabyte_file_is_refused_without_reading_it_all() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.toml");
    std::fs::write(&big, vec![b'#'; 10 << 20]).unwrap();
    let p = big.display().to_string();
    check(
        &["lawful-access".into(), "--scheme".into(), p.clone()],
        "larger than the limit",
        None,
    )
    .unwrap();
    check(&["suite".into(), p.clone()], "larger than the limit", None).unwrap();
    check(
        &["inspect".into(), "field".into(), p],
        "larger than the limit",
        None,
    )
    .unwrap();
}
