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
