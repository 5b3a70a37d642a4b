//! `escrowlab lab`: the seven labs, the course key, their answer keys and the grader, through
//! the binary as a student and an instructor run it; the handouts, which must carry every
//! graded question; and how much of each lab's answer key depends on the student.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the binary with no course key in the environment.
fn escrowlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_escrowlab"))
        .args(args)
        .env_remove(escrowlab::labs::COURSE_KEY_ENV)
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

/// A course key made by `lab course init` in a fresh directory, with `hints` set as asked.
fn course(hints: bool) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = dir.path().join("course.key");
    let o = escrowlab(&["lab", "course", "init", "--out", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    if hints {
        let t = std::fs::read_to_string(&p).unwrap();
        assert!(t.contains("hints = false"), "{t}");
        std::fs::write(&p, t.replace("hints = false", "hints = true")).unwrap();
    }
    (dir, p)
}

fn key(lab: u32, student: &str, course: &Path) -> String {
    let o = escrowlab(&[
        "lab",
        "answers",
        &lab.to_string(),
        "--student",
        student,
        "--course-key",
        course.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stdout(&o)
}

fn check(lab: u32, path: &Path, student: &str, course: &Path) -> Output {
    escrowlab(&[
        "lab",
        "check",
        &lab.to_string(),
        path.to_str().expect("UTF-8 path"),
        "--student",
        student,
        "--course-key",
        course.to_str().unwrap(),
    ])
}

/// `key` with the answer of `id` (written `q3_4`) replaced by `value`.
fn with_answer(key: &str, id: &str, value: &str) -> String {
    let changed = key
        .lines()
        .map(|l| {
            if l.starts_with(&format!("{id} = ")) {
                format!("{id} = {value}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(changed.trim(), key.trim(), "{id} is in the key");
    changed
}

fn handout(lab: u32) -> (PathBuf, String) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/labs");
    let path = std::fs::read_dir(&dir)
        .expect("docs/labs")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("lab{lab}-")) && n.ends_with(".md"))
        })
        .unwrap_or_else(|| panic!("no handout for lab {lab}"));
    let text = std::fs::read_to_string(&path).expect("handout");
    (path, text)
}

#[test]
fn lab_list_shows_seven_labs() {
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
    assert_eq!(rows.len(), 7, "{s}");
    for (i, r) in rows.iter().enumerate() {
        assert!(r.starts_with(&(i + 1).to_string()), "{r}");
        assert!(r.contains("hours"), "expected time missing: {r}");
    }
}

#[test]
fn answers_roster_and_start_by_student_need_the_course_key() {
    let (_d, roster) = file("roster.txt", "alice\n");
    for args in [
        vec!["lab", "answers", "1", "--student", "alice"],
        vec!["lab", "roster", roster.to_str().unwrap()],
        vec!["lab", "start", "1", "--student", "alice"],
    ] {
        let o = escrowlab(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stdout(&o));
        let e = stderr(&o);
        assert_eq!(e.lines().count(), 1, "{e}");
        assert!(e.contains("needs the course key"), "{e}");
        assert!(e.contains("lab course init"), "{e}");
        assert!(stdout(&o).is_empty());
    }
}

#[test]
fn course_init_writes_an_owner_only_key_and_never_replaces_it() {
    let (_d, p) = course(false);
    let text = std::fs::read_to_string(&p).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let o = escrowlab(&["lab", "course", "init", "--out", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&p).unwrap(),
        text,
        "the key was replaced"
    );
    // Two courses have different keys, so different seeds for the same student.
    let (_e, q) = course(false);
    let roster = |c: &Path| {
        let (_r, f) = file("roster.txt", "alice\n");
        stdout(&escrowlab(&[
            "lab",
            "roster",
            f.to_str().unwrap(),
            "--course-key",
            c.to_str().unwrap(),
        ]))
    };
    assert_ne!(roster(&p), roster(&q));
    // A file that is not a course key is refused as input.
    let (_f, bad) = file("course.key", "key = \"abc\"\n");
    let o = escrowlab(&[
        "lab",
        "answers",
        "1",
        "--student",
        "alice",
        "--course-key",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn the_roster_prints_the_seed_lab_start_uses_and_the_environment_finds_the_key() {
    let (_d, c) = course(false);
    let (_r, roster) = file("roster.txt", "# section A\nalice\n\nbob  # late\n");
    let o = escrowlab(&[
        "lab",
        "roster",
        roster.to_str().unwrap(),
        "--course-key",
        c.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let s = stdout(&o);
    let lines: Vec<&str> = s.lines().collect();
    assert_eq!(lines.len(), 2, "{s}");
    assert!(lines[0].starts_with("alice: lab1=") && lines[1].starts_with("bob: lab1="));
    let seed5 = lines[0]
        .split_whitespace()
        .find_map(|w| w.strip_prefix("lab5="))
        .expect("lab 5 seed")
        .to_string();
    // The instructor's `lab start --student` (key from the environment) and the student's
    // `lab start --seed` print the same commands.
    let by_id = Command::new(env!("CARGO_BIN_EXE_escrowlab"))
        .args(["lab", "start", "5", "--student", "alice"])
        .env(escrowlab::labs::COURSE_KEY_ENV, &c)
        .output()
        .unwrap();
    assert_eq!(by_id.status.code(), Some(0), "{}", stderr(&by_id));
    let by_seed = escrowlab(&["lab", "start", "5", "--seed", &seed5]);
    assert_eq!(by_seed.status.code(), Some(0));
    let cmds = |o: &Output| {
        stdout(o)
            .lines()
            .filter(|l| l.trim_start().starts_with("escrowlab "))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert!(!cmds(&by_seed).is_empty());
    assert_eq!(cmds(&by_id), cmds(&by_seed));
    let s = stdout(&by_seed);
    assert!(s.contains(&format!("--seed {seed5} ")), "{s}");
    for placeholder in ["SEED", "USERS", "EPOCHS"] {
        assert!(!s.contains(placeholder), "{s}");
    }
    // A student listed twice is refused.
    let (_t, twice) = file("roster.txt", "alice\nalice\n");
    let o = escrowlab(&[
        "lab",
        "roster",
        twice.to_str().unwrap(),
        "--course-key",
        c.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn without_hints_check_prints_no_direction_and_no_list_of_names() {
    let (_d, c) = course(false);
    let (_h, hinted) = course(true);
    // Lab 3's key is the quickest to compute; its key differs per course, so each course
    // grades its own key.
    for (course, hints) in [(&c, false), (&hinted, true)] {
        let k = key(3, "alice", course);
        let k = with_answer(&k, "q3_1", "99999");
        let k = with_answer(&k, "q3_2", "\"the-moon\"");
        let (_f, p) = file("a.toml", &k);
        let o = check(3, &p, "alice", course);
        assert_eq!(o.status.code(), Some(1));
        let s = stdout(&o);
        let q31 = s.lines().find(|l| l.starts_with("q3.1: ")).expect("q3.1");
        let q32 = s.lines().find(|l| l.starts_with("q3.2: ")).expect("q3.2");
        if hints {
            assert!(q31.contains("too high"), "{s}");
            assert!(q32.contains("threshold-custody, "), "{s}");
        } else {
            assert_eq!(q31, "q3.1: wrong", "{s}");
            for word in ["too high", "too low", "threshold-custody"] {
                assert!(!s.contains(word), "{word}: {s}");
            }
            assert!(!q32.contains(','), "{s}");
        }
        assert!(s.contains("q3.12: collected for manual grading"), "{s}");
    }
}

#[test]
fn without_the_key_check_judges_the_form_only() {
    let (_d, c) = course(false);
    let k = key(3, "alice", &c);
    let (_f, p) = file("a.toml", &k);
    let o = escrowlab(&["lab", "check", "3", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let s = stdout(&o);
    assert!(s.contains("form only"), "{s}");
    assert!(!s.contains("correct") && !s.contains("wrong"), "{s}");
    // A wrong value in the right form passes the form check: it reveals nothing.
    let (_g, q) = file("b.toml", &with_answer(&k, "q3_1", "12345"));
    let o = escrowlab(&["lab", "check", "3", q.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(stdout(&o), s);
    // A wrong form, or a missing answer, is named (exit 1).
    let bad = with_answer(&k, "q3_1", "\"many\"");
    let bad: String = bad
        .lines()
        .filter(|l| !l.starts_with("q3_4 = "))
        .map(|l| format!("{l}\n"))
        .collect();
    let (_h, r) = file("c.toml", &bad);
    let o = escrowlab(&["lab", "check", "3", r.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let s = stdout(&o);
    assert!(s.contains("q3.1: expected an integer"), "{s}");
    assert!(s.contains("q3.4: missing"), "{s}");
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
        let o = escrowlab(&["lab", "check", "2", p.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{what}: {}", stdout(&o));
        let e = stderr(&o);
        assert_eq!(e.lines().count(), 1, "{what}: {e}");
        assert!(e.starts_with("escrowlab: error: "), "{what}: {e}");
    }
    let o = escrowlab(&["lab", "check", "2", "/nonexistent/a.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let o = escrowlab(&["lab", "start", "8", "--seed", "5"]);
    assert_eq!(o.status.code(), Some(2));
    let o = escrowlab(&["lab", "start", "1", "--seed", "0"]);
    assert_eq!(o.status.code(), Some(2));
    let o = escrowlab(&["lab", "start", "1"]);
    assert_eq!(o.status.code(), Some(2));
    let (_d, c) = course(false);
    let o = escrowlab(&[
        "lab",
        "start",
        "1",
        "--student",
        "two words",
        "--course-key",
        c.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
}

/// Every handout carries its lab's question table as the grader has it (regenerate with
/// `ESCROWLAB_BLESS=1 cargo test --test integration labs::`), so a handout never names a
/// question the grader lacks or describes one differently.
#[test]
fn every_handout_carries_its_question_table() {
    for l in escrowlab::labs::labs() {
        let (path, text) = handout(l.number);
        let want = escrowlab::labs::questions_table(l);
        let start = text
            .find("| id | key | what to enter | kind |")
            .unwrap_or_else(|| panic!("{} has no question table", path.display()));
        let len = text[start..]
            .split_inclusive('\n')
            .take_while(|line| line.starts_with('|'))
            .map(str::len)
            .sum::<usize>();
        let have = &text[start..start + len];
        if have != want && std::env::var_os("ESCROWLAB_BLESS").is_some() {
            let mut new = text.clone();
            new.replace_range(start..start + len, &want);
            std::fs::write(&path, new).expect("write handout");
            continue;
        }
        assert_eq!(
            have,
            want,
            "{}'s question table is stale: run `ESCROWLAB_BLESS=1 cargo test --test integration labs::`",
            path.display()
        );
        for q in l.questions {
            assert!(
                text.matches(&format!("`{}`", q.id)).count() >= 2,
                "{} names question {} only in its table",
                path.display(),
                q.id
            );
        }
        // Numbering: a graded id `qN.M` or `qN.Mb` is named under written question QN.M
        // (as "graded: `qN.M`" or "collected: `qN.M`", possibly across a line break).
        let mut bullets: Vec<(Option<String>, String)> = vec![(None, String::new())];
        for line in text.lines() {
            let t = line.trim_start();
            if let Some(rest) = t.strip_prefix("- Q") {
                bullets.push((rest.split(". ").next().map(str::to_string), String::new()));
            } else if t.starts_with('#') || t.starts_with('|') || t.starts_with("- ") {
                bullets.push((None, String::new()));
            }
            if let Some(b) = bullets.last_mut() {
                b.1.push(' ');
                b.1.push_str(&t.to_ascii_lowercase());
            }
        }
        let mut found = std::collections::BTreeMap::<String, Vec<Option<String>>>::new();
        for (under, body) in &bullets {
            let body = body.split_whitespace().collect::<Vec<_>>().join(" ");
            for q in l.questions {
                for how in ["graded: ", "collected: "] {
                    if body.contains(&format!("{how}`{}`", q.id)) {
                        found
                            .entry(q.id.to_string())
                            .or_default()
                            .push(under.clone());
                    }
                }
            }
        }
        for q in l.questions {
            let number = q.id[1..].trim_end_matches(|c: char| c.is_ascii_lowercase());
            let places = found.get(q.id).cloned().unwrap_or_default();
            assert!(
                places.iter().any(|p| p.as_deref() == Some(number)),
                "{}: {} is not asked (\"graded: `{}`\" or \"collected: …\") under Q{number}; found under {places:?}",
                path.display(),
                q.id,
                q.id
            );
        }
    }
}

#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn every_lab_accepts_its_own_answer_key_and_rejects_another_students() {
    let (_d, c) = course(false);
    for lab in 1..=7u32 {
        let k = key(lab, "alice", &c);
        let (_f, p) = file("alice.toml", &k);
        let o = check(lab, &p, "alice", &c);
        assert_eq!(
            o.status.code(),
            Some(0),
            "lab {lab}:\n{}{}",
            stdout(&o),
            stderr(&o)
        );
        let o = check(lab, &p, "bob", &c);
        assert_eq!(o.status.code(), Some(1), "lab {lab}: {}", stdout(&o));
        assert!(stdout(&o).contains(": wrong"), "{}", stdout(&o));
    }
}

/// How many of each lab's answers differ between students: the answer keys of 20 students
/// under one course key. No two students share every answer of a lab, and at least 90 % of
/// the numeric answers (over every pair of students and every numeric question) differ.
/// Per question, the share of pairs with the same answer is printed.
#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn numeric_answers_depend_on_the_student() {
    use escrowlab::labs::{labs, Answer, Course};
    let course = Course::from_key(*b"escrowlab seed-dependence test!!", false);
    let students: Vec<String> = (1..=20).map(|i| format!("student{i:02}")).collect();
    let mut failures = Vec::new();
    for l in labs() {
        // Two threads: the answer keys are independent.
        let (a, b) = students.split_at(students.len() / 2);
        let keys: Vec<Vec<Answer>> = std::thread::scope(|s| {
            let run = |ids: &[String]| {
                ids.iter()
                    .map(|id| {
                        let reg = escrowlab::attacks::builtins();
                        l.key(&reg, course.seed(l.number, id)).expect("answer key")
                    })
                    .collect::<Vec<_>>()
            };
            let h = s.spawn(move || run(a));
            let mut first = run(b);
            let mut second = h.join().expect("thread");
            second.append(&mut first);
            second
        });
        let pairs: Vec<(usize, usize)> = (0..keys.len())
            .flat_map(|i| (i + 1..keys.len()).map(move |j| (i, j)))
            .collect();
        let graded: Vec<usize> = (0..l.questions.len())
            .filter(|&q| l.questions[q].kind.is_graded())
            .collect();
        for &(i, j) in &pairs {
            if graded.iter().all(|&q| keys[i][q] == keys[j][q]) {
                failures.push(format!(
                    "lab {}: {} and {} share every answer",
                    l.number, students[i], students[j]
                ));
            }
        }
        let mut same_numeric = 0usize;
        let mut numeric = 0usize;
        println!(
            "lab {}: share of student pairs with the same answer",
            l.number
        );
        for (q, question) in l.questions.iter().enumerate() {
            if !question.kind.is_graded() {
                continue;
            }
            let same = pairs
                .iter()
                .filter(|&&(i, j)| keys[i][q] == keys[j][q])
                .count();
            let share = same as f64 / pairs.len() as f64;
            let mark = if question.kind.is_numeric() {
                numeric += pairs.len();
                same_numeric += same;
                "numeric"
            } else {
                "conceptual"
            };
            println!("  {:<6} {mark:<10} {:>5.1} %", question.id, share * 100.0);
        }
        let differ = 1.0 - same_numeric as f64 / numeric.max(1) as f64;
        println!(
            "lab {}: {:.1} % of numeric answers differ between students",
            l.number,
            differ * 100.0
        );
        if differ < 0.9 {
            failures.push(format!(
                "lab {}: only {:.1} % of numeric answers differ",
                l.number,
                differ * 100.0
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
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

/// Attacks a lab 1 student might hand in, each registered as `insider-breach`: the
/// reference solution, one that uses a capability it does not declare, and one that reads
/// nothing.
mod submissions {
    use escrowlab::attacks::common::read_with_masters;
    use escrowlab::prelude::*;

    const PARAMS: &[ParamSpec] = &[
        ParamSpec {
            name: "agent",
            kind: ParamKind::Int { min: 0, max: 63 },
            default: DefaultValue::Int(0),
            doc: "the insider's own agent",
        },
        ParamSpec {
            name: "extra",
            kind: ParamKind::Int { min: 0, max: 63 },
            default: DefaultValue::Int(0),
            doc: "further agents breached",
        },
        ParamSpec {
            name: "at_epoch",
            kind: ParamKind::Int { min: 0, max: 1000 },
            default: DefaultValue::Int(2),
            doc: "epoch at whose start the vaults are copied",
        },
    ];

    const fn meta(capabilities: &'static [Capability]) -> AttackMeta {
        AttackMeta {
            id: "insider-breach",
            title: "Insider vault breach (a submission)",
            actor: "insider at one agent who can breach a few others",
            capabilities,
            description: "Copies `extra` + 1 vaults, rebuilds the keys they suffice for and \
                reads what they open.",
            references: &[],
            params: PARAMS,
        }
    }

    static FULL: AttackMeta = meta(&[Capability::Intercept, Capability::CompromiseAgent]);
    static INTERCEPT_ONLY: AttackMeta = meta(&[Capability::Intercept]);

    /// How a submission behaves.
    pub struct Submission {
        meta: &'static AttackMeta,
        reads: bool,
    }

    /// The reference solution (as `examples/out-of-tree-attack`).
    pub static REFERENCE: Submission = Submission {
        meta: &FULL,
        reads: true,
    };
    /// Breaches vaults without declaring `compromise_agent`.
    pub static UNDECLARED: Submission = Submission {
        meta: &INTERCEPT_ONLY,
        reads: true,
    };
    /// Declares everything, breaches nothing and reads nothing.
    pub static NOTHING: Submission = Submission {
        meta: &FULL,
        reads: false,
    };

    impl Attack for Submission {
        fn meta(&self) -> &'static AttackMeta {
            self.meta
        }

        fn check(&self, scheme: &Scheme, params: &Params) -> Exposure {
            let vaults = (params.int("extra") as usize + 1).min(scheme.n());
            if scheme.custody.kind != CustodyKind::None && vaults >= scheme.k() {
                Exposure::yes("enough vaults")
            } else {
                Exposure::no("too few vaults")
            }
        }

        fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
            let mut out = Outcome::default();
            if !self.reads || !ctx.require_escrow() {
                ctx.intercept();
                return Ok(out);
            }
            let n = ctx.info().n;
            ctx.advance_to(params.int("at_epoch") as u32)?;
            let agent = params.int("agent") as usize;
            let extra = (params.int("extra") as usize).min(n.saturating_sub(1));
            let mut loot = Vec::new();
            for j in 0..=extra {
                loot.push(ctx.compromise_agent((agent + j) % n)?);
            }
            ctx.advance_to_end()?;
            let backend = ctx.backend();
            let masters = ctx.rebuild_masters(&loot);
            let transcript = ctx.intercept().clone();
            out.recovered = read_with_masters(backend, &transcript, &masters);
            Ok(out)
        }
    }
}

fn grade_lab1(submission: &'static submissions::Submission) -> (String, i32) {
    let registry = escrowlab::attacks::builtins().with(submission);
    let course = escrowlab::labs::Course::from_key([9; 32], false);
    escrowlab::labs::grade_attack(&registry, &course, 1, "alice", None).expect("grades")
}

#[test]
fn lab_grade_passes_the_reference_attack() {
    let (s, code) = grade_lab1(&submissions::REFERENCE);
    println!("{s}");
    assert_eq!(code, 0, "{s}");
    assert!(s.contains("declares: intercept, compromise_agent"), "{s}");
    assert!(!s.contains("FAIL"), "{s}");
}

#[test]
fn lab_grade_fails_an_attack_that_uses_an_undeclared_capability() {
    let (s, code) = grade_lab1(&submissions::UNDECLARED);
    assert_eq!(code, 1, "{s}");
    // The runner's judgement: the cell is an error naming the capability.
    assert!(s.contains("the runner made the cell an error"), "{s}");
    assert!(s.contains("compromise_agent"), "{s}");
}

#[test]
fn lab_grade_fails_an_attack_that_recovers_nothing() {
    let (s, code) = grade_lab1(&submissions::NOTHING);
    assert_eq!(code, 1, "{s}");
    assert!(
        s.contains("read 0 confirmed message(s); the task's reference reads"),
        "{s}"
    );
}

/// Attacks a lab 2 student might hand in, each registered as `leaf-search`: the reference
/// search loop, one that drives the client without declaring `control_client`, and one
/// that puts a random field to the recipient without searching.
mod leaf_submissions {
    use escrowlab::escrow::field::truncate_bits;
    use escrowlab::prelude::*;

    const PARAMS: &[ParamSpec] = &[
        ParamSpec {
            name: "trials",
            kind: ParamKind::Int { min: 1, max: 1000 },
            default: DefaultValue::Int(4),
            doc: "forged sessions",
        },
        ParamSpec {
            name: "max_tries",
            kind: ParamKind::Int {
                min: 1,
                max: 1 << 24,
            },
            default: DefaultValue::Int(1 << 16),
            doc: "chip queries allowed per forged session",
        },
    ];

    const fn meta(capabilities: &'static [Capability]) -> AttackMeta {
        AttackMeta {
            id: "leaf-search",
            title: "Blaze's search loop (a submission)",
            actor: "rogue sender",
            capabilities,
            description: "Searches check values through its own chip until one passes, then \
                opens the session to an honest recipient.",
            references: &[],
            params: PARAMS,
        }
    }

    static FULL: AttackMeta = meta(&[Capability::ControlClient]);
    static NONE_DECLARED: AttackMeta = meta(&[]);

    /// How a submission behaves.
    pub struct Submission {
        meta: &'static AttackMeta,
        search: bool,
    }

    /// The reference search loop.
    pub static REFERENCE: Submission = Submission {
        meta: &FULL,
        search: true,
    };
    /// Searches without declaring `control_client`.
    pub static UNDECLARED: Submission = Submission {
        meta: &NONE_DECLARED,
        search: true,
    };
    /// Puts one random field to the recipient per session, with no search.
    pub static NO_SEARCH: Submission = Submission {
        meta: &FULL,
        search: false,
    };

    impl Attack for Submission {
        fn meta(&self) -> &'static AttackMeta {
            self.meta
        }

        fn check(&self, scheme: &Scheme, _params: &Params) -> Exposure {
            match scheme.field.binding {
                Binding::None | Binding::Checksum => Exposure::yes("a short chip check"),
                _ => Exposure::no("out of reach"),
            }
        }

        fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
            let out = Outcome::default();
            if !ctx.require_escrow() {
                return Ok(out);
            }
            ctx.advance_to(1)?;
            let info = ctx.info();
            let rule = BindingRule::from_scheme(
                info.scheme.field.binding,
                info.scheme.field.checksum_bits,
            );
            let bits = rule.check_bits();
            let mut rng = ctx.rng("leaf-search");
            let sender = 0;
            let peer = 1;
            ctx.control_client_in(sender, RogueMode::Garbage, BTreeSet::new());
            let key_epoch = ctx
                .escrow_public_keys()
                .keys()
                .next_back()
                .copied()
                .unwrap_or(0);
            for t in 0..params.int("trials") as u32 {
                let header = SessionHeader {
                    session: u32::MAX - t,
                    conv: u32::MAX,
                    epoch: ctx.epoch(),
                    sender,
                    members: vec![sender, peer],
                };
                let session_key = Key32(rng.gen());
                let mut te_ct = vec![0u8; 256];
                rng.fill(&mut te_ct[..]);
                let mut wrapped = vec![0u8; 48];
                rng.fill(&mut wrapped[..]);
                let mut field = EscrowField {
                    key_epoch,
                    te_ct,
                    wrapped,
                    check: Vec::new(),
                    sig: Vec::new(),
                };
                let mut c = [0u8; 32];
                rng.fill(&mut c);
                field.check = truncate_bits(&c, bits);
                if self.search {
                    for _ in 0..params.int("max_tries") {
                        if ctx.chip_oracle(&session_key, &field) {
                            break;
                        }
                        rng.fill(&mut c);
                        field.check = truncate_bits(&c, bits);
                    }
                }
                // The recipient's verdict is the runner's to count; a refusal is no error.
                let _ = ctx.recipient_accepts(&header, &session_key, &field);
            }
            Ok(out)
        }
    }
}

fn grade_lab2(submission: &'static leaf_submissions::Submission) -> (String, i32) {
    let registry = escrowlab::attacks::builtins().with(submission);
    let course = escrowlab::labs::Course::from_key([7; 32], false);
    escrowlab::labs::grade_attack(&registry, &course, 2, "alice", None).expect("grades")
}

/// Lab 2's search loop, graded by the recipients' acceptances the context counted: the
/// reference passes; one that drives the client without declaring it fails (the runner's
/// error cell); one that does not search gets nothing accepted and fails.
#[test]
fn lab_grade_2_judges_the_search_loop_by_what_recipients_accepted() {
    let (s, code) = grade_lab2(&leaf_submissions::REFERENCE);
    assert_eq!(code, 0, "{s}");
    assert!(
        s.contains("-bit chips trials=4 max_tries=65536: pass"),
        "{s}"
    );
    let (s, code) = grade_lab2(&leaf_submissions::UNDECLARED);
    assert_eq!(code, 1, "{s}");
    assert!(
        s.contains("the runner made the cell an error") && s.contains("control_client"),
        "{s}"
    );
    let (s, code) = grade_lab2(&leaf_submissions::NO_SEARCH);
    assert_eq!(code, 1, "{s}");
    assert!(s.contains("the task's reference gets 4 accepted"), "{s}");
}

#[test]
fn lab_grade_needs_the_key_and_the_students_binary() {
    let o = escrowlab(&["lab", "grade", "1", "--student", "alice"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("needs the course key"),
        "{}",
        stderr(&o)
    );
    let (_d, c) = course(false);
    // The stock binary does not know the student's attack.
    let o = escrowlab(&[
        "lab",
        "grade",
        "1",
        "--student",
        "alice",
        "--course-key",
        c.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("student's binary"), "{}", stderr(&o));
    let o = escrowlab(&[
        "lab",
        "grade",
        "4",
        "--student",
        "alice",
        "--course-key",
        c.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
}

/// The quoted outputs of the handouts and INSTRUCTOR.md, compared with what the tool
/// prints. A quote is a ```` ```console ```` block: each `$ escrowlab …` line is a command,
/// run as written (no placeholders: a quote is of one concrete world), and the lines after
/// it, up to the next `$ ` line or the end of the block, are exactly its standard output.
/// Regenerate them with `ESCROWLAB_BLESS=1 cargo test --test integration labs::`. Quotes are
/// kept to small worlds, so this runs in the fast tier.
#[test]
fn handout_quotes_match_what_the_tool_prints() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/labs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("docs/labs")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.sort();
    let bless = std::env::var_os("ESCROWLAB_BLESS").is_some();
    let mut quotes = 0;
    let mut failures = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("handout");
        let before = quotes;
        let mut out = String::new();
        let mut lines = text.split_inclusive('\n');
        while let Some(line) = lines.next() {
            out.push_str(line);
            if line.trim_end() != "```console" {
                continue;
            }
            let mut block: Vec<&str> = Vec::new();
            let mut closing = "";
            for l in lines.by_ref() {
                if l.trim_end() == "```" {
                    closing = l;
                    break;
                }
                block.push(l.trim_end_matches('\n'));
            }
            assert!(
                !closing.is_empty(),
                "{}: unclosed console block",
                path.display()
            );
            let mut entries: Vec<(String, Vec<&str>)> = Vec::new();
            for l in block {
                if let Some(cmd) = l.strip_prefix("$ ") {
                    entries.push((cmd.to_string(), Vec::new()));
                } else {
                    let Some(e) = entries.last_mut() else {
                        panic!(
                            "{}: a console block starts with `$ COMMAND`",
                            path.display()
                        );
                    };
                    e.1.push(l);
                }
            }
            for (cmd, want) in entries {
                let args: Vec<&str> = cmd.split_whitespace().collect();
                assert_eq!(
                    args.first(),
                    Some(&"escrowlab"),
                    "{}: {cmd}",
                    path.display()
                );
                assert!(
                    !args
                        .iter()
                        .any(|a| matches!(*a, "SEED" | "USERS" | "EPOCHS")),
                    "{}: a quote runs one concrete world, not `{cmd}`",
                    path.display()
                );
                let o = escrowlab(&args[1..]);
                let got = stdout(&o);
                let got = got.trim_end();
                quotes += 1;
                out.push_str(&format!("$ {cmd}\n"));
                if !got.is_empty() {
                    out.push_str(got);
                    out.push('\n');
                }
                let want = want.join("\n");
                if want.trim_end() != got {
                    failures.push(format!(
                        "{}: `{cmd}` prints\n{got}\nbut the handout quotes\n{want}",
                        path.display()
                    ));
                }
            }
            out.push_str(closing);
        }
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        assert!(
            !name.starts_with("lab") || quotes > before,
            "{name} quotes no output (a ```console block)"
        );
        if bless && out != text {
            std::fs::write(&path, out).expect("write handout");
        }
    }
    assert!(quotes >= 10, "only {quotes} quoted commands found");
    if !bless {
        assert!(
            failures.is_empty(),
            "stale quotes (regenerate with `ESCROWLAB_BLESS=1 cargo test --test integration labs::`):\n{}",
            failures.join("\n\n")
        );
    }
}

/// Every `escrowlab` command of every handout's shell blocks runs as written, with `SEED`,
/// `USERS` and `EPOCHS` filled in from one seed's world: exit 0 and no error. Commands
/// that read a file the student writes first (a scheme, a suite, an answers file) or name
/// a placeholder of the student's own (`YOUR-ATTACK-ID`) are skipped; redirections and
/// trailing comments are dropped. (It does not compare the outputs the handouts quote:
/// those are illustrations from one world, and each student's world differs.)
#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn every_handout_command_runs_as_written() {
    let mut ran = 0;
    let mut failures = Vec::new();
    for lab in 1..=7u32 {
        let world = escrowlab::labs::lab(lab).expect("lab").world(4242);
        let (path, text) = handout(lab);
        let mut in_sh = false;
        for line in text.lines() {
            let t = line.trim();
            if t.starts_with("```") {
                in_sh = t == "```sh";
                continue;
            }
            if !in_sh || !t.starts_with("escrowlab ") {
                continue;
            }
            let cmd = t
                .split(" #")
                .next()
                .and_then(|c| c.split(';').next())
                .and_then(|c| c.split(" > ").next())
                .and_then(|c| c.split(" | ").next())
                .unwrap_or("")
                .trim();
            let cmd = world.fill(cmd);
            let args: Vec<&str> = cmd.split_whitespace().skip(1).collect();
            let placeholder = args.iter().any(|a| {
                a.len() > 1
                    && a.chars().any(|c| c.is_ascii_uppercase())
                    && a.chars()
                        .all(|c| c.is_ascii_uppercase() || c == '-' || c == '_' || c == '.')
            });
            let reads_file = args
                .iter()
                .any(|a| a.ends_with(".toml") || a.ends_with(".json") || a.ends_with(".txt"));
            if placeholder || reads_file || args.first() == Some(&"suite") {
                continue;
            }
            let o = escrowlab(&args);
            ran += 1;
            if o.status.code() != Some(0) {
                failures.push(format!(
                    "{}: `{cmd}` exited {:?}: {}",
                    path.display(),
                    o.status.code(),
                    stderr(&o).lines().next().unwrap_or("")
                ));
            }
        }
    }
    assert!(ran >= 40, "only {ran} handout commands found");
    assert!(failures.is_empty(), "{failures:#?}");
}
