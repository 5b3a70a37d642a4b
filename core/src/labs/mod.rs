//! The course labs (`docs/labs/labN-*.md`) and their automatic grading: `escrowlab lab`.
//!
//! Each lab has a handout, a list of graded questions with stable ids (`q2.3`, written
//! `q2_3` in an answers file) and a function that computes the answer key by running the
//! real measurements in-process with the student's seed. A student's seed is derived from
//! the lab number and the student id ([`student_seed`]), so two students' numeric answers
//! differ while each can reproduce their own with the commands `lab start` prints.
//!
//! The answers file is TOML:
//!
//! ```toml
//! lab = 2
//!
//! [answers]
//! q2_1 = 246.9
//! q2_6 = "geometric"
//! ```

mod lab1;
mod lab2;
mod lab3;
mod lab4;
mod lab5;
/// The `tamper` values lab 5 asks about (tests check they are `audit-tamper`'s).
pub use lab5::TAMPERS as LAB5_TAMPERS;
mod lab6;

use crate::attack::{ParamValue, Registry};
use crate::backend::BackendKind;
use crate::config::scheme::Scheme;
use crate::error::{Error, Result};
use crate::exit_codes;
use crate::runner::CellResult;
use crate::world::{Population, WorldConfig};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Users of every lab world (small, so grading takes a second).
pub const LAB_USERS: u32 = 40;
/// Epochs of every lab world.
pub const LAB_EPOCHS: u32 = 4;
/// Largest seed a student id maps to (seeds are 1..=`MAX_LAB_SEED`).
pub const MAX_LAB_SEED: u64 = 99_999;

/// The built-in scheme names (answers that name a scheme).
pub const SCHEMES: &[&str] = &[
    "e2e-baseline",
    "single-key",
    "threshold-3of5",
    "threshold-3of5-epoch",
    "hardened",
];

/// The binding modes of an escrow field.
pub const BINDINGS: &[&str] = &["none", "checksum", "signed", "recompute"];

/// Control names an answer may give (`blocked_by`, a refusal), and `none`.
pub const CONTROLS: &[&str] = &[
    "none",
    "no-escrow",
    "threshold-custody",
    "epoch-keys",
    "proactive-refresh",
    "retention",
    "key-not-created",
    "published-key-check",
    "signature",
    "expiry",
    "scope",
    "replay-cache",
    "use-limit",
    "binding",
    "field-registry",
    "share-verification",
    "key-pinning",
    "roster-check",
    "recipient-field-check",
    "agent-refusal",
    "docket-audit",
];

/// `escrowlab lab` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum LabCommand {
    /// List the labs: number, title, expected time, graded questions.
    List,
    /// Print a student's seed for a lab and the commands to run with it.
    Start {
        /// Lab number (1 to 6).
        lab: u32,
        /// Student id (letters, digits, `.`, `_`, `-`, `@`; at most 64).
        #[arg(long)]
        student: String,
    },
    /// Grade an answers file: exit 0 when every answer is right, 1 when some are wrong or
    /// missing (each named, with a hint), 2 when the file is not an answers file of the lab.
    Check {
        /// Lab number (1 to 6).
        lab: u32,
        /// The answers file (TOML: `lab = N` and an `[answers]` table).
        answers: PathBuf,
        /// Student id: the seed the answers were measured with.
        #[arg(long)]
        student: String,
    },
    /// Print the answer key of a student as an answers file `lab check` accepts.
    Answers {
        /// Lab number (1 to 6).
        lab: u32,
        /// Student id.
        #[arg(long)]
        student: String,
    },
}

/// How a question is answered and graded.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// A measured number, right within `tolerance` × max(|key|, 1).
    Number {
        /// Relative tolerance (0.01 is 1 %).
        tolerance: f64,
    },
    /// An integer, right only when equal.
    Integer,
    /// `true` or `false`.
    Bool,
    /// One name out of a list (case-insensitive).
    Choice {
        /// What the names are, for a message ("a scheme name").
        what: &'static str,
        /// Every accepted name.
        options: &'static [&'static str],
    },
}

/// One graded question.
#[derive(Clone, Copy, Debug)]
pub struct Question {
    /// Stable id, `qN.M` (written `qN_M` in an answers file).
    pub id: &'static str,
    /// The question, one line.
    pub text: &'static str,
    /// How it is answered.
    pub kind: Kind,
    /// Whether the answer depends on the student's seed.
    pub seeded: bool,
}

impl Question {
    /// The key of this question in an answers file (`q2_3`).
    pub fn key(&self) -> String {
        self.id.replace('.', "_")
    }
}

/// An answer: the key's value or a student's.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// A number.
    Number(f64),
    /// An integer.
    Integer(i64),
    /// A truth value.
    Bool(bool),
    /// A name.
    Name(String),
}

impl Answer {
    /// The answer as a TOML value.
    fn to_toml(&self) -> String {
        match self {
            Answer::Number(v) => {
                let s = format!("{v}");
                if s.contains(['.', 'e', 'E']) || !v.is_finite() {
                    s
                } else {
                    format!("{s}.0")
                }
            }
            Answer::Integer(v) => v.to_string(),
            Answer::Bool(v) => v.to_string(),
            Answer::Name(s) => toml::Value::String(s.clone()).to_string(),
        }
    }
}

/// What runs the measurements of a lab: the attacks and the student's seed.
pub struct Measure<'a> {
    /// The attacks (the built-ins, plus any a user's binary adds).
    pub registry: &'a Registry,
    /// The student's seed.
    pub seed: u64,
    /// Each scheme's simulated world, built once and shared by every cell against it.
    bases: std::cell::RefCell<BTreeMap<String, std::rc::Rc<crate::attack::context::BaseWorlds>>>,
}

impl Measure<'_> {
    fn config(&self, scheme: Scheme) -> Result<WorldConfig> {
        let population = Population {
            users: LAB_USERS,
            epochs: LAB_EPOCHS,
            ..Population::default()
        };
        population.validate()?;
        Ok(WorldConfig {
            backend: scheme.backend.unwrap_or(BackendKind::Blsttc),
            scheme,
            population,
            seed: self.seed,
        })
    }

    /// Runs one attack cell as `escrowlab attack ID --scheme S --param k=v ... --seed SEED
    /// --users 40` does.
    ///
    /// # Errors
    /// Unknown attack or parameter, world construction errors.
    pub fn cell(&self, scheme: &str, attack: &str, params: &[(&str, &str)]) -> Result<CellResult> {
        self.cell_on(Scheme::load(scheme)?, attack, params)
    }

    /// [`Measure::cell`] against a scheme given as a value (one a lab writes in TOML).
    ///
    /// # Errors
    /// As [`Measure::cell`].
    pub fn cell_on(
        &self,
        scheme: Scheme,
        attack: &str,
        params: &[(&str, &str)],
    ) -> Result<CellResult> {
        let a = self
            .registry
            .find(attack)
            .ok_or_else(|| self.registry.unknown(attack))?;
        let mut given: BTreeMap<String, ParamValue> = BTreeMap::new();
        for (k, v) in params {
            let spec = a
                .meta()
                .params
                .iter()
                .find(|s| s.name == *k)
                .ok_or_else(|| {
                    Error::misuse(format!("attack `{attack}` has no parameter `{k}`"))
                })?;
            given.insert(k.to_string(), spec.parse(attack, v)?);
        }
        let resolved = crate::attack::Params::resolve(attack, a.meta().params, &given)?;
        let base = self.base(scheme)?;
        let cell = crate::runner::run_cell(&base, a, &resolved, &[]);
        let config = &base.config;
        if let Some(e) = &cell.error {
            return Err(Error::misuse(format!(
                "lab measurement {attack} against {}: {e}",
                config.scheme.name
            )));
        }
        Ok(cell)
    }

    /// The scheme's base worlds, built on first use.
    fn base(&self, scheme: Scheme) -> Result<std::rc::Rc<crate::attack::context::BaseWorlds>> {
        if let Some(b) = self.bases.borrow().get(&scheme.name) {
            return Ok(b.clone());
        }
        let name = scheme.name.clone();
        let config = self.config(scheme)?;
        let b = std::rc::Rc::new(crate::runner::base_worlds(&config.scheme, &config)?);
        self.bases.borrow_mut().insert(name, b.clone());
        Ok(b)
    }

    /// The lawful-access demonstration as `escrowlab lawful-access --scheme S --seed SEED
    /// --users 40` runs it.
    ///
    /// # Errors
    /// World construction errors.
    pub fn lawful(&self, scheme: &str) -> Result<crate::lawful::LawfulReport> {
        crate::lawful::demonstrate(self.config(Scheme::load(scheme)?)?)
    }
}

/// A figure of a cell's `cost` (0 when absent or not a number).
pub fn figure(cell: &CellResult, name: &str) -> f64 {
    cell.cost.get(name).and_then(|v| v.as_f64()).unwrap_or(0.0)
}

/// The control that stopped a cell, or `none`.
pub fn blocked(cell: &CellResult) -> Answer {
    Answer::Name(cell.blocked_by.clone().unwrap_or_else(|| "none".into()))
}

/// Computes a lab's answer key, one answer per question in order.
type Compute = fn(&Measure) -> Result<Vec<Answer>>;

/// One lab.
pub struct Lab {
    /// Its number, 1 to 6.
    pub number: u32,
    /// Title.
    pub title: &'static str,
    /// Expected time, in words.
    pub time: &'static str,
    /// The handout, relative to the repository root.
    pub handout: &'static str,
    /// The commands a student runs, with `SEED` where the seed goes.
    pub commands: &'static [&'static str],
    /// The graded questions.
    pub questions: &'static [Question],
    compute: Compute,
}

impl Lab {
    /// The answer key for `seed`, one answer per question.
    ///
    /// # Errors
    /// A measurement failed (a bug, reported as misuse).
    pub fn key(&self, registry: &Registry, seed: u64) -> Result<Vec<Answer>> {
        let m = Measure {
            registry,
            seed,
            bases: Default::default(),
        };
        let answers = (self.compute)(&m)?;
        if answers.len() != self.questions.len() {
            return Err(Error::misuse(format!(
                "lab {}: {} answers for {} questions",
                self.number,
                answers.len(),
                self.questions.len()
            )));
        }
        Ok(answers)
    }
}

/// Every lab, in order.
pub fn labs() -> [&'static Lab; 6] {
    [
        &lab1::LAB,
        &lab2::LAB,
        &lab3::LAB,
        &lab4::LAB,
        &lab5::LAB,
        &lab6::LAB,
    ]
}

/// The lab numbered `n`.
///
/// # Errors
/// [`Error::Input`] when there is no such lab.
pub fn lab(n: u32) -> Result<&'static Lab> {
    labs()
        .into_iter()
        .find(|l| l.number == n)
        .ok_or_else(|| Error::input(format!("there is no lab {n} (labs: 1 to 6)")))
}

/// Checks a student id: 1 to 64 characters, letters, digits, `.`, `_`, `-`, `@`.
///
/// # Errors
/// [`Error::Input`] for anything else.
pub fn check_student(id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(Error::input(format!(
            "--student `{}`: a student id is 1 to 64 letters, digits, `.`, `_`, `-` or `@`",
            crate::text::echo(id)
        )))
    }
}

/// A student's seed for a lab: SHA-256 of `escrowlab-lab/N/ID`, reduced to 1..=99999.
pub fn student_seed(lab: u32, student: &str) -> u64 {
    let d = Sha256::digest(format!("escrowlab-lab/{lab}/{student}").as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    u64::from_be_bytes(b) % MAX_LAB_SEED + 1
}

/// Runs a `lab` subcommand: the text to print and the exit status.
///
/// # Errors
/// [`Error::Input`] for a bad lab number, student id or answers file; I/O errors.
pub fn run(registry: &Registry, cmd: LabCommand) -> Result<(String, i32)> {
    match cmd {
        LabCommand::List => Ok((list(), exit_codes::OK)),
        LabCommand::Start { lab: n, student } => {
            let l = lab(n)?;
            check_student(&student)?;
            Ok((start(l, &student), exit_codes::OK))
        }
        LabCommand::Answers { lab: n, student } => {
            let l = lab(n)?;
            check_student(&student)?;
            let seed = student_seed(n, &student);
            Ok((
                answer_key(l, &student, seed, &l.key(registry, seed)?),
                exit_codes::OK,
            ))
        }
        LabCommand::Check {
            lab: n,
            answers,
            student,
        } => {
            let l = lab(n)?;
            check_student(&student)?;
            let given = read_answers(l, &answers)?;
            let seed = student_seed(n, &student);
            let key = l.key(registry, seed)?;
            Ok(grade(l, &student, seed, &key, &given))
        }
    }
}

fn list() -> String {
    let mut s = format!(
        "{:<4} {:<57} {:<10} {}\n",
        "lab", "title", "time", "questions"
    );
    for l in labs() {
        s.push_str(&format!(
            "{:<4} {:<57} {:<10} {}\n",
            l.number,
            l.title,
            l.time,
            l.questions.len()
        ));
    }
    s.push_str(
        "Start one with `escrowlab lab start N --student ID`; handouts are in docs/labs/.\n",
    );
    s
}

fn start(l: &Lab, student: &str) -> String {
    let seed = student_seed(l.number, student);
    let mut s = format!(
        "Lab {}: {} ({}, {} graded questions)\nHandout: {}\nStudent {student}: your seed for lab {} is {seed}\n\nRun (add --json to read every figure):\n",
        l.number,
        l.title,
        l.time,
        l.questions.len(),
        l.handout,
        l.number
    );
    for c in l.commands {
        s.push_str(&format!("  {}\n", c.replace("SEED", &seed.to_string())));
    }
    s.push_str(&format!(
        "\nWrite your answers as `lab = {n}` and an [answers] table (q{n}_1 = ...), then grade them:\n  escrowlab lab check {n} answers.toml --student {student}\n",
        n = l.number
    ));
    s
}

fn describe(kind: &Kind) -> String {
    match kind {
        Kind::Number { tolerance } => format!("a number, within {} %", tolerance * 100.0),
        Kind::Integer => "an integer".into(),
        Kind::Bool => "true or false".into(),
        Kind::Choice { what, options } => format!("{what}: {}", options.join(", ")),
    }
}

fn answer_key(l: &Lab, student: &str, seed: u64, key: &[Answer]) -> String {
    let mut s = format!(
        "# escrowlab lab {n} answer key for student {student} (seed {seed}).\n# Check it with `escrowlab lab check {n} FILE --student {student}`.\nlab = {n}\n\n[answers]\n",
        n = l.number
    );
    for (q, a) in l.questions.iter().zip(key) {
        s.push_str(&format!(
            "# {}: {} ({})\n{} = {}\n",
            q.id,
            q.text,
            describe(&q.kind),
            q.key(),
            a.to_toml()
        ));
    }
    s
}

/// Reads and validates an answers file of lab `l`: the answers it gives, by question id.
fn read_answers(l: &Lab, path: &std::path::Path) -> Result<BTreeMap<&'static str, toml::Value>> {
    let shown = crate::text::echo(&path.display().to_string());
    let bytes = crate::input::read_user_file(path)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::input(format!("{shown}: not an answers file (not UTF-8 text)")))?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let first = e.message().lines().next().unwrap_or("").to_string();
        Error::input(format!(
            "{shown}: not a TOML answers file ({})",
            crate::text::echo(&first)
        ))
    })?;
    for k in table.keys() {
        if !matches!(k.as_str(), "lab" | "student" | "answers") {
            return Err(Error::input(format!(
                "{shown}: unknown key `{}` (an answers file has `lab`, an optional `student` and `[answers]`)",
                crate::text::echo(k)
            )));
        }
    }
    match table.get("lab") {
        Some(toml::Value::Integer(n)) if *n == i64::from(l.number) => {}
        Some(toml::Value::Integer(n)) => {
            return Err(Error::input(format!(
                "{shown}: an answers file of lab {n}, not of lab {}",
                l.number
            )))
        }
        _ => {
            return Err(Error::input(format!(
                "{shown}: not an answers file of lab {n}: it needs `lab = {n}` at the top",
                n = l.number
            )))
        }
    }
    let Some(answers) = table.get("answers").and_then(|v| v.as_table()) else {
        return Err(Error::input(format!(
            "{shown}: not an answers file: it needs an [answers] table"
        )));
    };
    let mut out = BTreeMap::new();
    for (k, v) in answers {
        match l.questions.iter().find(|q| q.key() == *k) {
            Some(q) => {
                out.insert(q.id, v.clone());
            }
            None if v.is_table() && k.starts_with('q') => {
                return Err(Error::input(format!(
                    "{shown}: `{}.…` is a dotted key; write question q{}.M as `q{}_M`",
                    crate::text::echo(k),
                    l.number,
                    l.number
                )))
            }
            None => {
                return Err(Error::input(format!(
                    "{shown}: unknown question `{}` for lab {} (its questions: {})",
                    crate::text::echo(k),
                    l.number,
                    l.questions
                        .iter()
                        .map(|q| q.key())
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
        }
    }
    Ok(out)
}

/// Grades one answer: `None` when right, else why it is wrong (never the answer).
fn judge(q: &Question, key: &Answer, given: &toml::Value) -> Option<String> {
    let seed_hint = if q.seeded {
        "; did you use the seed from `lab start` with your student id?"
    } else {
        ""
    };
    match (q.kind, key) {
        (Kind::Number { tolerance }, Answer::Number(k)) => {
            let g = match given {
                toml::Value::Float(f) if f.is_finite() => *f,
                toml::Value::Float(f) => {
                    return Some(format!("expected a number: {f} is not a number"))
                }
                toml::Value::Integer(i) => *i as f64,
                _ => return Some("expected a number".into()),
            };
            let allowed = tolerance * k.abs().max(1.0);
            if (g - k).abs() <= allowed {
                None
            } else {
                Some(format!(
                    "wrong — too {} by more than the {} % tolerance{seed_hint}",
                    if g > *k { "high" } else { "low" },
                    tolerance * 100.0
                ))
            }
        }
        (Kind::Integer, Answer::Integer(k)) => {
            let g = match given {
                toml::Value::Integer(i) => *i,
                toml::Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => *f as i64,
                _ => return Some("expected an integer".into()),
            };
            (g != *k).then(|| format!("wrong — not the measured value{seed_hint}"))
        }
        (Kind::Bool, Answer::Bool(k)) => match given {
            toml::Value::Boolean(b) => (b != k).then(|| "wrong".to_string()),
            _ => Some("expected true or false".into()),
        },
        (Kind::Choice { what, options }, Answer::Name(k)) => {
            let Some(g) = given.as_str() else {
                return Some(format!("expected {what} (a quoted string)"));
            };
            let g = g.trim();
            if !options.iter().any(|o| o.eq_ignore_ascii_case(g)) {
                return Some(format!(
                    "expected one of the {what}s: {}",
                    options.join(", ")
                ));
            }
            (!g.eq_ignore_ascii_case(k))
                .then(|| format!("wrong — not the {what} the measurement shows{seed_hint}"))
        }
        _ => Some("the answer key has the wrong kind of value (a bug in escrowlab)".into()),
    }
}

fn grade(
    l: &Lab,
    student: &str,
    seed: u64,
    key: &[Answer],
    given: &BTreeMap<&'static str, toml::Value>,
) -> (String, i32) {
    let mut s = format!("lab {} for student {student} (seed {seed}):\n", l.number);
    let mut right = 0;
    for (q, k) in l.questions.iter().zip(key) {
        match given.get(q.id) {
            None => s.push_str(&format!("{}: missing\n", q.id)),
            Some(g) => match judge(q, k, g) {
                None => {
                    right += 1;
                    s.push_str(&format!("{}: correct\n", q.id));
                }
                Some(why) => s.push_str(&format!("{}: {why}\n", q.id)),
            },
        }
    }
    let total = l.questions.len();
    s.push_str(&format!("{right} of {total} correct\n"));
    let code = if right == total {
        exit_codes::OK
    } else {
        exit_codes::EXPECTATION_FAILED
    };
    (s, code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_stable_small_and_differ_between_students() {
        let a = student_seed(2, "alice");
        let b = student_seed(2, "bob");
        assert_ne!(a, b);
        assert!((1..=MAX_LAB_SEED).contains(&a));
        assert_eq!(a, student_seed(2, "alice"));
        assert_ne!(a, student_seed(3, "alice"));
    }

    #[test]
    fn question_ids_are_unique_and_numbered_by_lab() {
        for l in labs() {
            let mut seen = std::collections::BTreeSet::new();
            for q in l.questions {
                assert!(q.id.starts_with(&format!("q{}.", l.number)), "{}", q.id);
                assert!(seen.insert(q.id), "duplicate {}", q.id);
                assert!(!q.text.contains('\n'));
            }
        }
    }

    #[test]
    fn judging_a_number_names_the_direction_not_the_value() {
        let q = Question {
            id: "q9.1",
            text: "t",
            kind: Kind::Number { tolerance: 0.05 },
            seeded: true,
        };
        let k = Answer::Number(100.0);
        assert_eq!(judge(&q, &k, &toml::Value::Float(104.0)), None);
        let why = judge(&q, &k, &toml::Value::Float(110.0)).unwrap();
        assert!(why.contains("too high") && !why.contains("100"), "{why}");
        let why = judge(&q, &k, &toml::Value::String("x".into())).unwrap();
        assert_eq!(why, "expected a number");
        // Not a number is refused as such, never graded "too low" or "too high".
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let why = judge(&q, &k, &toml::Value::Float(bad)).unwrap();
            assert!(
                why.starts_with("expected a number: ") && why.ends_with(" is not a number"),
                "{why}"
            );
        }
        let i = Question {
            kind: Kind::Integer,
            ..q
        };
        let why = judge(&i, &Answer::Integer(3), &toml::Value::Float(f64::NAN)).unwrap();
        assert_eq!(why, "expected an integer");
    }

    #[test]
    fn bad_student_ids_are_refused() {
        assert!(check_student("alice").is_ok());
        assert!(check_student("").is_err());
        assert!(check_student("a b").is_err());
        assert!(check_student(&"x".repeat(65)).is_err());
    }
}
