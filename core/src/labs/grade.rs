//! `escrowlab lab grade`: the attack a student wrote, run in worlds the student never saw.
//!
//! The student's binary registers their attack next to the built-ins (`cli::main_with`);
//! the instructor runs `lab grade N --student ID` through that binary with the course key.
//! Each lab's task fixes the runs (scheme, parameters) and what each must show. Every
//! verdict comes from the runner and the mechanism, never from the attack: the exposure is
//! what the runner confirmed against ground truth, an undeclared capability or a failure
//! is the runner's error cell, and `blocked_by` is what the mechanism reported. The grading
//! worlds derive from the course key under a label no student seed uses
//! ([`Course::grading_seed`]), so a student cannot run them beforehand.

use super::{lab6, Course, LabWorld, Measure};
use crate::attack::Registry;
use crate::config::scheme::Scheme;
use crate::error::{Error, Result};
use crate::exit_codes;
use crate::vocab::Capability;
use std::time::{Duration, Instant};

/// The labs whose attack `lab grade` runs.
pub const GRADED_LABS: &[u32] = &[1, 2, 3, 6];

/// Grading worlds per student.
const WORLDS: u32 = 2;

/// Longest a run may take (wall clock, debug or release): an attack that takes longer fails.
const TIME_LIMIT: Duration = Duration::from_secs(120);

/// What one run must show.
#[derive(Clone, Copy)]
enum Expect {
    /// Exactly the messages a built-in reference attack reads in the same world (more than
    /// none).
    SameAs(&'static str, &'static [(&'static str, &'static str)]),
    /// Something (more than no message).
    Something,
    /// Nothing, without an error.
    Nothing,
    /// What the attack's own `check` claims: something when it says exposed, nothing when
    /// it says not.
    AsChecked,
    /// As many forged sessions accepted by an honest recipient (the context's count) as a
    /// built-in reference attack gets in the same world (more than none), within the
    /// oracle budget `trials × max_tries`.
    AcceptedAs(&'static str, &'static [(&'static str, &'static str)]),
    /// No forged session accepted, without an error, within the oracle budget.
    NoneAccepted,
}

/// The grading scheme of lab 2: `single-key` with chips that check a number of bits the
/// grading world fixes (6 to 10), which the student never saw.
const CHECKSUM_VARIANT: &str = "single-key (grading checksum width)";

/// One run of a task.
struct Run {
    scheme: &'static str,
    params: &'static [(&'static str, &'static str)],
    expect: Expect,
}

/// A lab's attack task.
struct Task {
    lab: u32,
    /// The attack id the handout gives (none: the student names it).
    attack: Option<&'static str>,
    /// The capabilities the task allows (none listed: any the attack declares).
    allowed: &'static [Capability],
    what: &'static str,
    runs: &'static [Run],
}

static TASKS: &[Task] = &[
    Task {
        lab: 1,
        attack: Some("insider-breach"),
        allowed: &[Capability::Intercept, Capability::CompromiseAgent],
        what: "rebuild the escrow key from k breached vaults and read what it opens",
        runs: &[
            Run {
                scheme: "threshold-3of5",
                params: &[("extra", "2")],
                expect: Expect::SameAs("share-theft", &[("stolen", "3")]),
            },
            Run {
                scheme: "threshold-3of5",
                params: &[("extra", "0")],
                expect: Expect::Nothing,
            },
            Run {
                scheme: "threshold-3of5-epoch",
                params: &[("extra", "2")],
                expect: Expect::SameAs("share-theft", &[("stolen", "3")]),
            },
        ],
    },
    Task {
        lab: 2,
        attack: Some("leaf-search"),
        allowed: &[Capability::ControlClient],
        what: "Blaze's search loop: forge escrow fields an honest recipient accepts, through \
               the sender's own chip, within `max_tries` queries per forged session",
        runs: &[
            Run {
                scheme: CHECKSUM_VARIANT,
                params: &[("trials", "4"), ("max_tries", "65536")],
                expect: Expect::AcceptedAs("field-forgery", &[("trials", "4")]),
            },
            Run {
                scheme: "threshold-3of5",
                params: &[("trials", "2"), ("max_tries", "2048")],
                expect: Expect::NoneAccepted,
            },
            Run {
                scheme: "hardened",
                params: &[("trials", "2"), ("max_tries", "2048")],
                expect: Expect::NoneAccepted,
            },
        ],
    },
    Task {
        lab: 3,
        attack: Some("mobile-breach"),
        allowed: &[Capability::Intercept, Capability::CompromiseAgent],
        what: "a mobile adversary, one vault per epoch, that beats a scheme without refresh",
        runs: &[
            Run {
                scheme: "threshold-3of5",
                params: &[],
                expect: Expect::Something,
            },
            Run {
                scheme: "threshold-3of5-epoch",
                params: &[],
                expect: Expect::Nothing,
            },
        ],
    },
    Task {
        lab: 6,
        attack: None,
        allowed: &[],
        what: "your own attack: its measured exposure agrees with its own check",
        runs: &[
            Run {
                scheme: "two-of-five.toml",
                params: &[],
                expect: Expect::AsChecked,
            },
            Run {
                scheme: "refresh-only.toml",
                params: &[],
                expect: Expect::AsChecked,
            },
            Run {
                scheme: "threshold-3of5",
                params: &[],
                expect: Expect::AsChecked,
            },
        ],
    },
];

/// The chip width of lab 2's grading scheme in the world of `seed`.
fn grading_bits(seed: u64) -> u32 {
    6 + (seed % 5) as u32
}

fn scheme(name: &str, seed: u64) -> Result<Scheme> {
    match name {
        CHECKSUM_VARIANT => {
            let mut s = Scheme::load("single-key")?;
            s.field.checksum_bits = grading_bits(seed);
            s.name = format!("single-key-{}bit", grading_bits(seed));
            Ok(s)
        }
        "two-of-five.toml" => Scheme::from_toml_str(lab6::TWO_OF_FIVE, name),
        "refresh-only.toml" => Scheme::from_toml_str(lab6::REFRESH_ONLY, name),
        _ => Scheme::load(name),
    }
}

fn shown(params: &[(&str, &str)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!(" {k}={v}"))
        .collect::<String>()
}

/// Grades the attack `attack` (default: the lab's) of `student` for lab `lab`: the report
/// and the exit status (0 when every run passes, 1 when one fails).
///
/// # Errors
/// [`Error::Input`] when the lab has no attack task, or the binary has no such attack (run
/// it through the student's binary); world construction errors.
pub fn grade_attack(
    registry: &Registry,
    course: &Course,
    lab: u32,
    student: &str,
    attack: Option<&str>,
) -> Result<(String, i32)> {
    let task = TASKS.iter().find(|t| t.lab == lab).ok_or_else(|| {
        Error::input(format!(
            "lab {lab} has no attack to grade (`lab grade` grades labs {})",
            GRADED_LABS
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let id = match (attack, task.attack) {
        (Some(a), _) => a.to_string(),
        (None, Some(a)) => a.to_string(),
        (None, None) => {
            return Err(Error::input(format!(
                "lab {lab}: give the student's attack with --attack ID"
            )))
        }
    };
    let Some(a) = registry.find(&id) else {
        return Err(Error::input(format!(
            "this binary has no attack `{}`: run `lab grade` through the student's binary, \
             built from their attack crate",
            crate::text::echo(&id)
        )));
    };
    let meta = a.meta();
    let declared: Vec<&str> = meta.capabilities.iter().map(|c| c.name()).collect();
    let mut s = format!(
        "lab {lab} attack grade for student {student}: `{id}` ({})\ntask: {}\ndeclares: {}\n",
        meta.title,
        task.what,
        if declared.is_empty() {
            "no capability".to_string()
        } else {
            declared.join(", ")
        }
    );
    let mut passed = 0;
    let mut total = 0;
    let beyond: Vec<&str> = meta
        .capabilities
        .iter()
        .filter(|c| !task.allowed.is_empty() && !task.allowed.contains(c))
        .map(|c| c.name())
        .collect();
    if !beyond.is_empty() {
        total += 1;
        s.push_str(&format!(
            "capabilities: FAIL — declares {}, which this task does not allow (allowed: {})\n",
            beyond.join(", "),
            task.allowed
                .iter()
                .map(|c| c.name())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut read_any = false;
    for w in 1..=WORLDS {
        let seed = course.grading_seed(lab, student, w);
        let world = LabWorld::of(seed);
        let m = Measure {
            registry,
            world,
            bases: Default::default(),
        };
        s.push_str(&format!(
            "grading world {w} ({} users, {} epochs):\n",
            world.users, world.epochs
        ));
        for run in task.runs {
            total += 1;
            let label = if run.scheme == CHECKSUM_VARIANT {
                format!(
                    "  single-key with {}-bit chips{}",
                    grading_bits(seed),
                    shown(run.params)
                )
            } else {
                format!("  {}{}", run.scheme, shown(run.params))
            };
            match judge_run(&m, &id, run, &mut read_any) {
                Ok(None) => {
                    passed += 1;
                    s.push_str(&format!("{label}: pass\n"));
                }
                Ok(Some(why)) => s.push_str(&format!("{label}: FAIL — {why}\n")),
                Err(e) => s.push_str(&format!("{label}: FAIL — {e}\n")),
            }
        }
    }
    if task.attack.is_none() {
        // An attack of the student's own design must read something somewhere.
        total += 1;
        if read_any {
            passed += 1;
        } else {
            s.push_str("overall: FAIL — it read nothing in any run\n");
        }
    }
    s.push_str(&format!("{passed} of {total} checks pass\n"));
    let code = if passed == total {
        exit_codes::OK
    } else {
        exit_codes::EXPECTATION_FAILED
    };
    Ok((s, code))
}

/// One run: `None` when it shows what the task asks, else why not. Only the runner's
/// judgement is used (confirmed exposure, error cell, the mechanism's `blocked_by`).
fn judge_run(m: &Measure, id: &str, run: &Run, read_any: &mut bool) -> Result<Option<String>> {
    let start = Instant::now();
    let seed = m.world.seed;
    let cell = m.cell_raw(scheme(run.scheme, seed)?, id, run.params)?;
    if start.elapsed() > TIME_LIMIT {
        return Ok(Some(format!(
            "took longer than the {} s limit",
            TIME_LIMIT.as_secs()
        )));
    }
    if let Some(e) = &cell.error {
        return Ok(Some(format!("the runner made the cell an error: {e}")));
    }
    if !cell.applicable {
        return Ok(Some(
            "the runner found the attack not applicable here".into(),
        ));
    }
    let read = cell.exposure.messages;
    *read_any |= read > 0;
    let blocked = cell.blocked_by.as_deref().unwrap_or("none");
    Ok(match run.expect {
        Expect::SameAs(reference, params) => {
            let r = m.cell_on(scheme(run.scheme, seed)?, reference, params)?;
            let want = r.exposure.messages;
            (read != want || want == 0).then(|| {
                format!("read {read} confirmed message(s); the task's reference reads {want}")
            })
        }
        Expect::Something => (read == 0).then(|| {
            format!("read nothing (blocked by {blocked}); the task is to read something here")
        }),
        Expect::Nothing => {
            (read > 0).then(|| format!("read {read} message(s) where the task expects nothing"))
        }
        Expect::AcceptedAs(..) | Expect::NoneAccepted => {
            let accepted = cell.recipient_accepted;
            let tries = cell.cost.get("tries").and_then(|v| v.as_u64()).unwrap_or(0);
            let param = |k: &str| {
                run.params
                    .iter()
                    .find(|(n, _)| *n == k)
                    .and_then(|(_, v)| v.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            let budget = param("trials") * param("max_tries");
            if tries > budget {
                Some(format!(
                    "used {tries} chip queries, over the budget of {budget} (trials × max_tries)"
                ))
            } else if let Expect::AcceptedAs(reference, params) = run.expect {
                let r = m.cell_on(scheme(run.scheme, seed)?, reference, params)?;
                let want = r.recipient_accepted;
                (accepted != want || want == 0).then(|| {
                    format!(
                        "an honest recipient accepted {accepted} forged session(s) \
                         ({tries} chip queries); the task's reference gets {want} accepted"
                    )
                })
            } else {
                (accepted > 0).then(|| {
                    format!(
                        "an honest recipient accepted {accepted} forged session(s) where the \
                         binding should make that impossible"
                    )
                })
            }
        }
        Expect::AsChecked => {
            let says = cell.check.exposed;
            match (says, read > 0) {
                (true, false) => Some(format!(
                    "its check says exposed, but it read nothing (blocked by {blocked})"
                )),
                (false, true) => Some(format!(
                    "its check says not exposed, but it read {read} message(s)"
                )),
                _ => None,
            }
        }
    })
}
