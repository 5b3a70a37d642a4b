//! `escrowlab lab`: the six labs, their answer keys and the grader, through the binary as a
//! student runs it; and the handouts, which must name every graded question.

use std::path::PathBuf;
use std::process::{Command, Output};

fn escrowlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_escrowlab"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("UTF-8")
}

/// Writes `text` to a file in a fresh temporary directory (kept alive by the returned guard).
fn file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = dir.path().join(name);
    std::fs::write(&p, text).expect("write");
    (dir, p)
}

fn key(lab: u32, student: &str) -> String {
    let o = escrowlab(&["lab", "answers", &lab.to_string(), "--student", student]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stdout(&o)
}

fn check(lab: u32, path: &std::path::Path, student: &str) -> Output {
    escrowlab(&[
        "lab",
        "check",
        &lab.to_string(),
        path.to_str().expect("UTF-8 path"),
        "--student",
        student,
    ])
}

/// The question ids of a lab, from its answer key (`# q2.1: ...` comments).
fn question_ids(key: &str) -> Vec<String> {
    key.lines()
        .filter_map(|l| l.strip_prefix("# "))
        .filter_map(|l| l.split_once(':').map(|(id, _)| id.to_string()))
        .filter(|id| id.starts_with('q'))
        .collect()
}

#[test]
fn lab_list_shows_six_labs() {
    let o = escrowlab(&["lab", "list"]);
    assert_eq!(o.status.code(), Some(0));
    let s = stdout(&o);
    let rows: Vec<&str> = s
        .lines()
        .filter(|l| {
            l.split_whitespace()
                .next()
                .is_some_and(|w| w.parse::<u32>().is_ok())
        })
        .collect();
    assert_eq!(rows.len(), 6, "{s}");
    for (i, r) in rows.iter().enumerate() {
        assert!(r.starts_with(&(i + 1).to_string()), "{r}");
        assert!(r.contains("hours"), "expected time missing: {r}");
    }
}

#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn every_lab_accepts_its_own_answer_key_and_the_handout_names_every_question() {
    for lab in 1..=6u32 {
        let k = key(lab, "alice");
        let ids = question_ids(&k);
        assert!(ids.len() >= 5, "lab {lab}: {ids:?}");
        let (_d, p) = file("a.toml", &k);
        let o = check(lab, &p, "alice");
        assert_eq!(
            o.status.code(),
            Some(0),
            "lab {lab}:\n{}{}",
            stdout(&o),
            stderr(&o)
        );
        assert!(stdout(&o).contains(&format!("{n} of {n} correct", n = ids.len())));
        // The handout is the lab's docs/labs/labN-*.md and names every graded id.
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/labs");
        let handout = std::fs::read_dir(&dir)
            .expect("docs/labs")
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .find(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&format!("lab{lab}-")) && n.ends_with(".md"))
            })
            .unwrap_or_else(|| panic!("no handout for lab {lab}"));
        let text = std::fs::read_to_string(&handout).expect("handout");
        for id in &ids {
            assert!(
                text.contains(&format!("`{id}`")),
                "{} does not name question {id}",
                handout.display()
            );
            assert!(
                text.contains(&format!("`{}`", id.replace('.', "_"))),
                "{} does not give the answers-file key of {id}",
                handout.display()
            );
        }
    }
}

#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn another_students_key_fails_naming_the_seeded_questions() {
    let (_d, p) = file("alice.toml", &key(2, "alice"));
    let o = check(2, &p, "bob");
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let s = stdout(&o);
    assert!(s.contains("q2.1: wrong"), "{s}");
    assert!(s.contains("lab start"), "the hint names `lab start`: {s}");
    // Seed-independent answers stay right.
    assert!(s.contains("q2.2: correct"), "{s}");
}

#[test]
fn one_changed_answer_is_named_without_giving_the_answer_away() {
    let k = key(3, "alice");
    let changed = k
        .lines()
        .map(|l| {
            if l.starts_with("q3_4 = ") {
                "q3_4 = 0.99".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(changed.trim(), k.trim(), "q3_4 is in the key");
    let (_d, p) = file("a.toml", &changed);
    let o = check(3, &p, "alice");
    assert_eq!(o.status.code(), Some(1));
    let s = stdout(&o);
    let wrong: Vec<&str> = s.lines().filter(|l| l.contains("wrong")).collect();
    assert_eq!(wrong.len(), 1, "{s}");
    assert!(wrong[0].starts_with("q3.4: wrong — too high"), "{s}");
    let right = k
        .lines()
        .find_map(|l| l.strip_prefix("q3_4 = "))
        .expect("key line");
    assert!(
        !wrong[0].contains(right),
        "the hint gives the answer away: {s}"
    );
}

#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn a_missing_answer_and_a_name_outside_the_choices_are_named() {
    let k = key(4, "alice");
    let edited: String = k
        .lines()
        .filter(|l| !l.starts_with("q4_2 = "))
        .map(|l| {
            if l.starts_with("q4_1 = ") {
                "q4_1 = \"the-moon\"".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let (_d, p) = file("a.toml", &edited);
    let o = check(4, &p, "alice");
    assert_eq!(o.status.code(), Some(1));
    let s = stdout(&o);
    assert!(s.contains("q4.2: missing"), "{s}");
    assert!(s.contains("q4.1: expected one of the controls"), "{s}");
}

#[test]
fn files_that_are_not_answers_files_of_the_lab_exit_2_with_one_line() {
    let cases: &[(&str, &str)] = &[
        ("garbage", "this is [not toml\n\u{0}"),
        ("wrong lab", "lab = 3\n[answers]\nq2_1 = 1\n"),
        ("no lab", "[answers]\nq2_1 = 1\n"),
        ("unknown question", "lab = 2\n[answers]\nq2_99 = 1\n"),
        ("dotted key", "lab = 2\n[answers]\nq2.1 = 1\n"),
        ("no answers table", "lab = 2\n"),
    ];
    for (what, text) in cases {
        let (_d, p) = file("a.toml", text);
        let o = check(2, &p, "alice");
        assert_eq!(o.status.code(), Some(2), "{what}: {}", stdout(&o));
        let e = stderr(&o);
        assert_eq!(e.lines().count(), 1, "{what}: {e}");
        assert!(e.starts_with("escrowlab: error: "), "{what}: {e}");
    }
    let o = escrowlab(&["lab", "check", "2", "/nonexistent/a.toml", "--student", "x"]);
    assert_eq!(o.status.code(), Some(2));
    let o = escrowlab(&["lab", "start", "7", "--student", "x"]);
    assert_eq!(o.status.code(), Some(2));
    let o = escrowlab(&["lab", "start", "1", "--student", "two words"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn lab_start_prints_the_seed_the_key_uses_and_commands_with_it() {
    let o = escrowlab(&["lab", "start", "5", "--student", "alice"]);
    assert_eq!(o.status.code(), Some(0));
    let s = stdout(&o);
    let seed = s
        .split("your seed for lab 5 is ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .expect("seed line")
        .to_string();
    assert!(s.contains(&format!("--seed {seed} ")), "{s}");
    assert!(!s.contains("SEED"), "{s}");
    assert!(key(5, "alice").contains(&format!("(seed {seed})")));
}

/// Lab 5 lists `audit-tamper`'s modes (the grader offers them as choices): they must be the
/// attack's own, so the lab cannot drift from the attack.
#[test]
fn lab5_knows_every_audit_tamper_mode() {
    let registry = escrowlab::attacks::builtins();
    let attack = registry
        .find("audit-tamper")
        .expect("audit-tamper is built in");
    let spec = attack
        .meta()
        .params
        .iter()
        .find(|p| p.name == "tamper")
        .expect("a tamper parameter");
    let escrowlab::attack::ParamKind::Choice(modes) = spec.kind else {
        panic!("tamper is a choice");
    };
    assert_eq!(modes, escrowlab::labs::LAB5_TAMPERS);
}
