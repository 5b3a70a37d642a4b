//! `suite --shard I/N` and `merge`: four shards run as parallel processes and merged give
//! the unsharded report byte for byte, in every format; parts that do not make one whole
//! run are refused with exit 2 and say why.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SUITE: &str = r#"seed = 7
schemes = ["e2e-baseline", "single-key", "threshold-3of5", "threshold-3of5-epoch"]
attacks = ["key-theft", "share-theft", "endpoint-compromise", "warrant-replay"]

[population]
users = 16
epochs = 3
messages_per_session = 3

[sweep]
share-theft = { stolen = [1, 2, 3] }

[[expect]]
scheme = "threshold-3of5"
attack = "share-theft"
params = { stolen = 3 }
exposure = 1.0
comment = "k shares rebuild the key"

[[expect]]
scheme = "threshold-3of5"
attack = "share-theft"
params = { stolen = 1 }
exposure = 0.0
"#;

fn escrowlab(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_escrowlab"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run escrowlab")
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), SUITE).unwrap();
    dir
}

/// Runs the four shards at once, as separate processes, and returns the part paths.
fn shards(dir: &Path, n: u32) -> Vec<PathBuf> {
    let children: Vec<_> = (1..=n)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_escrowlab"))
                .current_dir(dir)
                .args(["suite", "s.toml", "--shard", &format!("{i}/{n}")])
                .args(["--out", &format!("part{i}.jsonl")])
                .spawn()
                .expect("spawn a shard")
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success(), "a shard failed");
    }
    (1..=n)
        .map(|i| dir.join(format!("part{i}.jsonl")))
        .collect()
}

#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn four_parallel_shards_merge_into_the_unsharded_report_byte_for_byte() {
    let dir = setup();
    let parts = shards(dir.path(), 4);
    // Every part holds some units, and no two parts hold the same one.
    let mut units = Vec::new();
    for p in &parts {
        let text = std::fs::read_to_string(p).unwrap();
        let mut lines = text.lines();
        let head: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
        assert_eq!(head["schema"], "escrowlab-shard/1");
        assert_eq!(head["of"], 4);
        let mine: Vec<u64> = lines
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["unit"]
                    .as_u64()
                    .unwrap()
            })
            .collect();
        assert!(!mine.is_empty(), "{} holds no unit", p.display());
        units.extend(mine);
    }
    let n = units.len();
    units.sort_unstable();
    units.dedup();
    assert_eq!(units.len(), n, "a unit ran in two shards");
    assert_eq!(
        units,
        (0..n as u64).collect::<Vec<_>>(),
        "a unit is missing"
    );

    // Parts given in a shuffled order.
    let mut shuffled: Vec<&str> = vec!["part3.jsonl", "part1.jsonl", "part4.jsonl", "part2.jsonl"];
    for format in ["json", "table", "markdown", "junit", "html", "csv"] {
        let whole = escrowlab(dir.path(), &["suite", "s.toml", "--format", format]);
        let mut args = vec!["merge"];
        args.append(&mut shuffled.clone());
        args.extend(["--format", format]);
        let merged = escrowlab(dir.path(), &args);
        assert_eq!(
            merged.status.code(),
            whole.status.code(),
            "{format}: exit codes differ; merge stderr: {}",
            String::from_utf8_lossy(&merged.stderr)
        );
        assert!(!whole.stdout.is_empty());
        assert!(
            merged.stdout == whole.stdout,
            "{format}: the merged report differs from the unsharded one"
        );
        shuffled.rotate_left(1);
    }
    // --strict is the merge's: the suite leaves cells unjudged.
    let strict = escrowlab(
        dir.path(),
        &[
            "merge",
            "part1.jsonl",
            "part2.jsonl",
            "part3.jsonl",
            "part4.jsonl",
            "--strict",
        ],
    );
    assert_eq!(strict.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&strict.stderr).contains("unjudged"));
}

#[test]
fn parts_that_do_not_make_one_run_are_refused() {
    let dir = setup();
    shards(dir.path(), 3);
    let d = dir.path();
    let text = |o: &Output| String::from_utf8_lossy(&o.stderr).into_owned();
    // A shard missing.
    let o = escrowlab(d, &["merge", "part1.jsonl", "part3.jsonl"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("missing 2/3"), "{}", text(&o));
    // A shard twice.
    let o = escrowlab(d, &["merge", "part1.jsonl", "part1.jsonl", "part2.jsonl"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("given twice"), "{}", text(&o));
    // A part of another run (another seed).
    let o = escrowlab(
        d,
        &[
            "suite",
            "s.toml",
            "--shard",
            "2/3",
            "--seed",
            "8",
            "--out",
            "other.jsonl",
        ],
    );
    assert!(o.status.success());
    let o = escrowlab(d, &["merge", "part1.jsonl", "other.jsonl", "part3.jsonl"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("different run"), "{}", text(&o));
    // A unit line moved into the wrong part.
    let p2 = std::fs::read_to_string(d.join("part2.jsonl")).unwrap();
    let stolen = p2.lines().nth(1).unwrap();
    let p1 = std::fs::read_to_string(d.join("part1.jsonl")).unwrap();
    std::fs::write(d.join("bad1.jsonl"), format!("{p1}{stolen}\n")).unwrap();
    let o = escrowlab(d, &["merge", "bad1.jsonl", "part2.jsonl", "part3.jsonl"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("does not belong to shard 1/3"),
        "{}",
        text(&o)
    );
    // A unit line dropped.
    let short: String = p2
        .lines()
        .take(p2.lines().count() - 1)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(d.join("short2.jsonl"), short).unwrap();
    let o = escrowlab(d, &["merge", "part1.jsonl", "short2.jsonl", "part3.jsonl"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("missing"), "{}", text(&o));
    // Garbage, and a truncated line.
    std::fs::write(d.join("garbage.jsonl"), b"\x00\xffnot json").unwrap();
    let o = escrowlab(d, &["merge", "garbage.jsonl"]);
    assert_eq!(o.status.code(), Some(2));
    std::fs::write(d.join("cut.jsonl"), &p1[..p1.len() / 2]).unwrap();
    let o = escrowlab(d, &["merge", "cut.jsonl", "part2.jsonl", "part3.jsonl"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(o.stdout.is_empty(), "nothing is printed for bad parts");
}

#[test]
fn bad_shard_specs_are_refused_before_any_work() {
    let dir = setup();
    for spec in ["0/4", "5/4", "4", "a/b", "1/0", "-1/4", "1/100001"] {
        let o = escrowlab(dir.path(), &["suite", "s.toml", &format!("--shard={spec}")]);
        assert_eq!(o.status.code(), Some(2), "--shard {spec}");
        assert!(o.stdout.is_empty());
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("--shard"),
            "--shard {spec}"
        );
    }
    let o = escrowlab(
        dir.path(),
        &["suite", "s.toml", "--shard", "1/2", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(2), "--format belongs to the merge");
    // Digits too large for the index type are out of range, not "not a number".
    for (spec, why) in [
        (
            "4294967296/4294967296",
            "N = 4294967296 is out of range (1 to 100000)",
        ),
        (
            "99999999999999999999999/4",
            "I = 99999999999999999999999 is out of range (1 to N = 4)",
        ),
        ("3/2", "I = 3 is out of range (1 to N = 2)"),
        ("x/2", "I is not a number"),
    ] {
        let o = escrowlab(dir.path(), &["suite", "s.toml", "--shard", spec]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "--shard {spec}: {err}");
        assert!(err.contains(why), "--shard {spec}: {why:?} not in {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

/// Rewrites `src` into `dst` with `f` applied to each JSON line (0: the header); returns
/// the 1-based line number of the first line `f` changed.
fn edit(
    d: &Path,
    src: &str,
    dst: &str,
    mut f: impl FnMut(usize, &mut serde_json::Value) -> bool,
) -> usize {
    let text = std::fs::read_to_string(d.join(src)).unwrap();
    let mut first = 0;
    let out: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            if f(i, &mut v) && first == 0 {
                first = i + 1;
            }
            format!("{}\n", serde_json::to_string(&v).unwrap())
        })
        .collect();
    std::fs::write(d.join(dst), out).unwrap();
    assert!(first > 0, "the edit changed nothing in {src}");
    first
}

/// The cell of `attack` with `stolen` (or any, when `None`) on `threshold-3of5`.
fn is_cell(v: &serde_json::Value, attack: &str, stolen: Option<i64>) -> bool {
    let c = &v["result"]["cell"];
    c["scheme"] == "threshold-3of5"
        && c["attack"] == attack
        && stolen.is_none_or(|s| c["params"]["stolen"] == s)
}

/// Merges the two parts with `edited` in place of the one it was made from, and asserts
/// a refusal naming that part, the line and `field`.
fn assert_refused_at(d: &Path, edited: &str, line: usize, field: &str, parts: [&str; 2]) {
    let o = escrowlab(d, &["merge", parts[0], parts[1]]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{field}: {err}");
    assert!(
        o.stdout.is_empty(),
        "{field}: a refused merge printed a report"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("{edited}:{line}: {field}")),
        "expected `{edited}:{line}: {field}` in: {err}"
    );
}

/// `merge` re-judges what it is given: every cell's figures against their invariants and
/// expectations, every header against the suite it names. Parts edited by hand (or by a
/// broken worker) are refused with exit 2, naming the part, the line and the field.
#[test]
fn merge_re_judges_the_parts_and_refuses_edited_ones() {
    let dir = setup();
    let d = dir.path();
    shards(d, 2);
    // Whichever part holds the cell the expectation `exposure = 1.0` judges.
    let holder = ["part1.jsonl", "part2.jsonl"]
        .into_iter()
        .find(|p| {
            std::fs::read_to_string(d.join(p))
                .unwrap()
                .lines()
                .any(|l| is_cell(&serde_json::from_str(l).unwrap(), "share-theft", Some(3)))
        })
        .unwrap();
    let other = if holder == "part1.jsonl" {
        "part2.jsonl"
    } else {
        "part1.jsonl"
    };
    // An edited exposure: the fraction no longer matches the counts.
    let line = edit(d, holder, "exposure.jsonl", |_, v| {
        if !is_cell(v, "share-theft", Some(3)) {
            return false;
        }
        v["result"]["cell"]["exposure"]["fraction"] = 0.0.into();
        true
    });
    assert_refused_at(
        d,
        "exposure.jsonl",
        line,
        "exposure.fraction",
        ["exposure.jsonl", other],
    );
    // A consistent edit of the counts: re-judged, the expectation `exposure = 1.0` fails
    // where the part says it passed.
    let line = edit(d, holder, "consistent.jsonl", |_, v| {
        if !is_cell(v, "share-theft", Some(3)) {
            return false;
        }
        let x = &mut v["result"]["cell"]["exposure"];
        x["messages"] = 0.into();
        x["users"] = 0.into();
        x["fraction"] = 0.0.into();
        let epochs = x["by_epoch"].as_array().unwrap().len();
        x["by_epoch"] = serde_json::json!(vec![0; epochs]);
        v["result"]["cell"]["out_of_scope"] = 0.into();
        v["result"]["cell"]["before_compromise"] = 0.into();
        true
    });
    assert_refused_at(
        d,
        "consistent.jsonl",
        line,
        "verdict",
        ["consistent.jsonl", other],
    );
    // An edited verdict.
    let line = edit(d, holder, "verdict.jsonl", |_, v| {
        if !is_cell(v, "share-theft", Some(3)) {
            return false;
        }
        v["result"]["cell"]["verdict"] = "fail".into();
        true
    });
    assert_refused_at(
        d,
        "verdict.jsonl",
        line,
        "verdict",
        ["verdict.jsonl", other],
    );
    // A fraction above 1.
    let line = edit(d, holder, "above.jsonl", |_, v| {
        if !is_cell(v, "share-theft", Some(3)) {
            return false;
        }
        v["result"]["cell"]["exposure"]["fraction"] = 5.0.into();
        true
    });
    assert_refused_at(
        d,
        "above.jsonl",
        line,
        "exposure.fraction = 5 is outside [0, 1]",
        ["above.jsonl", other],
    );
    // More exposed than there are messages.
    let line = edit(d, holder, "count.jsonl", |_, v| {
        if !is_cell(v, "share-theft", None) {
            return false;
        }
        v["result"]["cell"]["exposure"]["messages_total"] = 0.into();
        true
    });
    assert_refused_at(d, "count.jsonl", line, "exposure.", ["count.jsonl", other]);
    // A per-epoch array of another length than the run's.
    let line = edit(d, holder, "epochs.jsonl", |_, v| {
        if !is_cell(v, "share-theft", None) {
            return false;
        }
        v["result"]["cell"]["exposure"]["by_epoch"] = serde_json::json!(vec![0; 100_000]);
        true
    });
    assert_refused_at(
        d,
        "epochs.jsonl",
        line,
        "exposure.by_epoch has 100000 entries",
        ["epochs.jsonl", other],
    );
    // A scheme the suite does not run at that unit, and params its sweep does not give.
    let line = edit(d, holder, "scheme.jsonl", |_, v| {
        if !is_cell(v, "share-theft", Some(3)) {
            return false;
        }
        v["result"]["cell"]["scheme"] = "moon-escrow".into();
        true
    });
    assert_refused_at(d, "scheme.jsonl", line, "scheme", ["scheme.jsonl", other]);
    let line = edit(d, holder, "params.jsonl", |_, v| {
        if !is_cell(v, "share-theft", Some(3)) {
            return false;
        }
        v["result"]["cell"]["params"]["stolen"] = 4.into();
        true
    });
    assert_refused_at(d, "params.jsonl", line, "params", ["params.jsonl", other]);
    // A foreign seed, claimed by every part's header.
    edit(d, "part1.jsonl", "seed1.jsonl", |i, v| {
        if i != 0 {
            return false;
        }
        v["seed"] = 999.into();
        true
    });
    edit(d, "part2.jsonl", "seed2.jsonl", |i, v| {
        if i != 0 {
            return false;
        }
        v["seed"] = 999.into();
        true
    });
    assert_refused_at(d, "seed1.jsonl", 1, "seed", ["seed1.jsonl", "seed2.jsonl"]);
    // A scheme digest that is not the suite's.
    edit(d, "part1.jsonl", "digest1.jsonl", |i, v| {
        if i != 0 {
            return false;
        }
        v["schemes"][1]["sha256"] = "00".repeat(32).into();
        true
    });
    edit(d, "part2.jsonl", "digest2.jsonl", |i, v| {
        if i != 0 {
            return false;
        }
        v["schemes"][1]["sha256"] = "00".repeat(32).into();
        true
    });
    assert_refused_at(
        d,
        "digest1.jsonl",
        1,
        "schemes[1].sha256",
        ["digest1.jsonl", "digest2.jsonl"],
    );
    // The untouched parts still merge.
    let o = escrowlab(d, &["merge", "part1.jsonl", "part2.jsonl"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// A run whose seed overrode the suite's merges when merge is told the seed, and not
/// otherwise.
#[test]
fn merge_takes_the_seed_the_shards_were_run_with() {
    let dir = setup();
    let d = dir.path();
    for i in 1..=2 {
        let o = escrowlab(
            d,
            &[
                "suite",
                "s.toml",
                "--seed",
                "8",
                "--shard",
                &format!("{i}/2"),
                "--out",
                &format!("s8-{i}.jsonl"),
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let o = escrowlab(d, &["merge", "s8-1.jsonl", "s8-2.jsonl"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("s8-1.jsonl:1: seed = 8"));
    let o = escrowlab(d, &["merge", "s8-1.jsonl", "s8-2.jsonl", "--seed", "8"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
