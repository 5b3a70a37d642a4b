//! Output for a person at a terminal: the progress line (only on a terminal), `info`
//! without Markdown, the `attack` cost line as `key=value` pairs, widths, plurals,
//! explained sentinels, `sample`'s one line, and warnings for parameters that cannot take
//! effect (on stderr and in the cell's JSON, the run going on).

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_escrowlab");

fn escrowlab_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(BIN);
    c.args(args).env_remove("COLUMNS");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("binary runs")
}

fn escrowlab(args: &[&str]) -> Output {
    escrowlab_env(args, &[])
}

fn ok(o: &Output) -> (String, String) {
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(0), "stdout:\n{out}\nstderr:\n{err}");
    (out, err)
}

fn widest(s: &str) -> usize {
    s.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

/// A small attack run: a handful of users over two epochs.
const SMALL: [&str; 4] = ["--users", "20", "--epochs", "2"];

fn attack(id: &str, scheme: &str, params: &[&str], json: bool) -> Output {
    let mut args = vec!["attack", id, "--scheme", scheme];
    args.extend_from_slice(&SMALL);
    for p in params {
        args.extend_from_slice(&["--param", p]);
    }
    if json {
        args.push("--json");
    }
    escrowlab(&args)
}

// ----- progress -----

#[test]
fn no_progress_output_when_stderr_is_not_a_terminal() {
    // Delay 0 would draw at once on a terminal; a pipe gets nothing.
    for args in [
        &[
            "attack",
            "share-theft",
            "--scheme",
            "threshold-3of5",
            "--users",
            "20",
        ][..],
        &["lawful-access", "--users", "20", "--epochs", "2"],
        &[
            "check-scheme",
            "threshold-3of5",
            "--cases",
            "1",
            "--property",
            "correctness",
        ],
    ] {
        let o = escrowlab_env(args, &[("ESCROWLAB_PROGRESS_DELAY_MS", "0")]);
        let (_, err) = ok(&o);
        assert!(err.is_empty(), "{args:?}: stderr is {err:?}");
    }
}

/// Under a pseudo-terminal (`script` from util-linux) the line is drawn with `\r`, shows
/// the count and the unit, and is cleared at the end.
#[test]
fn progress_appears_under_a_pseudo_terminal() {
    let Ok(probe) = Command::new("script").arg("--version").output() else {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return;
    };
    assert!(probe.status.success(), "script --version failed");
    let cmd = format!(
        "'{BIN}' attack share-theft --scheme threshold-3of5 --users 20 --epochs 2 > /dev/null"
    );
    let o = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("ESCROWLAB_PROGRESS_DELAY_MS", "0")
        .output()
        .expect("script runs");
    let tty = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{tty:?}");
    assert!(tty.contains("\rattack share-theft"), "{tty:?}");
    assert!(
        tty.contains("(simulating): ") && tty.contains("/2 epochs, "),
        "{tty:?}"
    );
    assert!(
        tty.ends_with("\r\x1b[K"),
        "the line is not cleared: {tty:?}"
    );
}

// ----- info, attack, help, sample -----

#[test]
fn info_is_plain_text_wrapped_to_the_terminal_width() {
    for cols in ["60", "100", "200"] {
        let o = escrowlab_env(&["info", "field-forgery"], &[("COLUMNS", cols)]);
        let (out, _) = ok(&o);
        for md in ["## ", "**", "|---|", "| `"] {
            assert!(!out.contains(md), "Markdown `{md}` in:\n{out}");
        }
        let limit = cols.parse::<usize>().unwrap().min(100);
        assert!(
            widest(&out) <= limit,
            "COLUMNS={cols}: wider than {limit}:\n{out}"
        );
        assert!(out.starts_with("field-forgery — "), "{out}");
        // The parameter table as aligned columns: each row's default starts where the
        // header's does.
        let head = out.lines().find(|l| l.contains("parameter")).unwrap();
        let col = head.find("default").unwrap();
        let row = out
            .lines()
            .find(|l| l.trim_start().starts_with("max_tries"))
            .unwrap();
        assert_eq!(&row[col..col + 7], "1048576", "{head}\n{row}");
    }
}

#[test]
fn attack_cost_is_key_value_pairs_within_100_columns() {
    let (out, _) = ok(&attack("mobile-adversary", "threshold-3of5", &[], false));
    let cost = out.lines().find(|l| l.starts_with("cost: ")).unwrap();
    assert!(!out.contains('{'), "raw JSON in:\n{out}");
    let cost_lines: String = out
        .lines()
        .skip_while(|l| !l.starts_with("cost: "))
        .take_while(|l| l.starts_with("cost: ") || l.starts_with("      "))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(cost_lines.lines().count() > 1, "not wrapped:\n{out}");
    assert!(widest(&cost_lines) <= 100, "{out}");
    assert!(cost.contains("agents_compromised="), "{cost}");
    assert!(
        out.contains("capabilities=compromise_agent:"),
        "nested counts as name:count:\n{out}"
    );
}

#[test]
fn a_sentinel_parameter_is_explained() {
    let (out, _) = ok(&attack("endpoint-compromise", "hardened", &[], false));
    let head = out.lines().next().unwrap();
    assert!(
        head.contains("user=-1 (chosen from the seed)"),
        "unexplained sentinel: {head}"
    );
}

#[test]
fn help_wraps_to_columns() {
    let o = escrowlab_env(&["--help"], &[("COLUMNS", "80")]);
    let (out, _) = ok(&o);
    assert!(widest(&out) <= 80, "{out}");
    let o = escrowlab_env(&["loophole", "--help"], &[("COLUMNS", "80")]);
    let (out, _) = ok(&o);
    assert!(widest(&out) <= 80, "{out}");
}

#[test]
fn sample_says_what_it_wrote_where_and_how_many_bytes() {
    let dir = std::env::temp_dir().join(format!("escrowlab-terminal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("warrant.bin");
    let (out, err) = ok(&escrowlab(&[
        "sample",
        "warrant",
        "--out",
        path.to_str().unwrap(),
    ]));
    let len = std::fs::metadata(&path).unwrap().len();
    assert!(err.is_empty(), "{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("wrote warrant ("), "{out}");
    assert!(out.contains(&format!("{len} bytes")), "{out}");
    assert!(out.contains(path.to_str().unwrap()), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn plurals_and_articles_read_right() {
    let (out, _) = ok(&escrowlab(&[
        "lawful-access",
        "--users",
        "20",
        "--epochs",
        "1",
    ]));
    assert!(out.contains("20 users × 1 epoch,"), "{out}");
    let (out, _) = ok(&attack(
        "field-forgery",
        "single-key",
        &["bits=8", "trials=2"],
        false,
    ));
    assert!(out.contains("an 8-bit chip check"), "{out}");
    assert!(out.contains("compares 8 bits"), "{out}");
    assert!(!out.contains("(s)"), "{out}");
}

// ----- check() and warnings -----

fn json(o: &Output) -> serde_json::Value {
    let (out, _) = ok(o);
    serde_json::from_str(&out).unwrap()
}

#[test]
fn share_theft_check_compares_stolen_with_k() {
    let c = json(&attack(
        "share-theft",
        "threshold-3of5",
        &["stolen=2"],
        true,
    ));
    assert_eq!(c["check"]["exposed"], false, "{c:#}");
    assert_eq!(c["exposure"]["messages"], 0);
    let c = json(&attack(
        "share-theft",
        "threshold-3of5",
        &["stolen=3", "at_epoch=1"],
        true,
    ));
    assert_eq!(c["check"]["exposed"], true, "{c:#}");
    assert!(c["exposure"]["messages"].as_u64().unwrap() > 0);
}

#[test]
fn share_theft_at_epoch_0_under_epoch_keys_is_blocked_before_any_key_exists() {
    let c = json(&attack(
        "share-theft",
        "threshold-3of5-epoch",
        &["stolen=3", "at_epoch=0"],
        true,
    ));
    assert_eq!(c["blocked_by"], "key-not-created", "{c:#}");
    assert_eq!(c["check"]["exposed"], false, "{c:#}");
    let reason = c["check"]["reason"].as_str().unwrap();
    assert!(
        reason.contains("before the first epoch key exists"),
        "{reason}"
    );
}

#[test]
fn other_checks_read_their_parameters() {
    let no = |id: &str, scheme: &str, p: &[&str], why: &str| {
        let c = json(&attack(id, scheme, p, true));
        assert_eq!(c["check"]["exposed"], false, "{id} {p:?}: {c:#}");
        let reason = c["check"]["reason"].as_str().unwrap();
        assert!(reason.contains(why), "{id} {p:?}: {reason}");
    };
    no(
        "collusion",
        "threshold-3of5",
        &["colluders=2"],
        "2 of 5 agents collude",
    );
    no(
        "mobile-adversary",
        "threshold-3of5",
        &["epochs=2"],
        "2 breaches",
    );
    no(
        "warrant-forgery",
        "hardened",
        &["judges_stolen=1"],
        "2-of-3 court: 1 judge's key signs nothing",
    );
    let c = json(&attack(
        "warrant-forgery",
        "hardened",
        &["judges_stolen=2"],
        true,
    ));
    assert_eq!(c["check"]["exposed"], true, "{c:#}");
    no(
        "rogue-agent",
        "threshold-3of5",
        &["extra_breaches=1"],
        "2 of the 3 needed",
    );
    let c = json(&attack(
        "collusion",
        "threshold-3of5",
        &["colluders=3"],
        true,
    ));
    assert_eq!(c["check"]["exposed"], true, "{c:#}");
}

#[test]
fn parameters_that_cannot_take_effect_are_warnings_not_errors() {
    for (id, scheme, p, what) in [
        (
            "share-theft",
            "threshold-3of5",
            "stolen=6",
            "the run has 5 escrow agents",
        ),
        (
            "key-theft",
            "single-key",
            "at_epoch=2",
            "the run has 2 epochs",
        ),
        (
            "warrant-forgery",
            "threshold-3of5",
            "judges_stolen=2",
            "the run has 1 judge",
        ),
    ] {
        let o = attack(id, scheme, &[p], true);
        let (out, err) = ok(&o);
        let name = p.split('=').next().unwrap();
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 1, "{id} {p}: {err}");
        assert!(
            lines[0].starts_with("escrowlab: warning: ")
                && lines[0].contains(&format!("parameter `{name}`"))
                && lines[0].contains(what),
            "{id} {p}: {err}"
        );
        let c: serde_json::Value = serde_json::from_str(&out).unwrap();
        let w = c["warnings"].as_array().expect("warnings in the cell");
        assert_eq!(w.len(), 1, "{c:#}");
        assert!(w[0].as_str().unwrap().contains(what), "{c:#}");
    }
    // A parameter that takes effect: no warning, no `warnings` key.
    let o = attack("share-theft", "threshold-3of5", &["stolen=5"], true);
    let (out, err) = ok(&o);
    assert!(err.is_empty(), "{err}");
    let c: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(c.get("warnings").is_none(), "{c:#}");
}

// ----- suite -----

/// A suite shaped like the default one (every built-in scheme, every attack, the same
/// sweeps) on a small population.
fn small_suite(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("small.toml");
    std::fs::write(
        &path,
        r#"seed = 42
schemes = ["e2e-baseline", "single-key", "threshold-3of5", "threshold-3of5-epoch", "hardened"]
attacks = "all"
utility_targets = 1

[population]
users = 12
group_share = 0.2
epochs = 2
messages_per_session = 2

[sweep]
share-theft = { stolen = [0, 1, 2, 3, 4, 5] }
target-substitution = { resign = [false, true] }
audit-tamper = { tamper = ["edit", "delete", "reorder", "truncate", "rewrite", "chain-reset", "insert"] }
"#,
    )
    .unwrap();
    path
}

#[test]
fn suite_table_fits_100_columns_and_warns_once_per_cell() {
    let dir = std::env::temp_dir().join(format!("escrowlab-terminal-s-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let suite = small_suite(&dir);
    let o = escrowlab(&["suite", suite.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(widest(&out) <= 100, "wider than 100 columns:\n{out}");
    assert!(out.contains("12 users × 2 epochs"), "{out}");
    // single-key has one agent: stolen = 2..=5 cannot take effect there, one line per cell;
    // the schemes with five agents take every value.
    let warnings: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("escrowlab: warning: "))
        .collect();
    let theft: Vec<&&str> = warnings
        .iter()
        .filter(|l| l.contains("share-theft") && l.contains("`stolen`"))
        .collect();
    assert_eq!(theft.len(), 4, "{err}");
    assert!(
        theft.iter().all(|l| l.contains("single-key / share-theft")),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn markdown_report_explains_sentinel_parameters() {
    let dir = std::env::temp_dir().join(format!("escrowlab-terminal-m-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("one.toml");
    std::fs::write(
        &path,
        "schemes = [\"single-key\"]\nattacks = [\"endpoint-compromise\"]\nutility_targets = 1\n\
         [population]\nusers = 12\nepochs = 1\nmessages_per_session = 2\n",
    )
    .unwrap();
    let o = escrowlab(&["suite", path.to_str().unwrap(), "--format", "markdown"]);
    let (out, _) = ok(&o);
    let row = out
        .lines()
        .find(|l| l.starts_with("| single-key | endpoint-compromise |"))
        .unwrap_or_else(|| panic!("no cell row in:\n{out}"));
    assert!(row.contains("user=-1 (chosen from the seed)"), "{row}");
    // One cell: "1 cell", "1 epoch".
    assert!(out.contains("\n1 cell: "), "{out}");
    assert!(out.contains("12 users × 1 epoch × "), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
