//! The course labs (`docs/labs/labN-*.md`) and their automatic grading: `escrowlab lab`.
//!
//! Each lab has a handout, a list of graded questions with stable ids (`q2.3`, written
//! `q2_3` in an answers file) and a function that computes the answer key by running the
//! real measurements in-process with the student's seed. A student's seed is an HMAC of the
//! lab number and the student id under the course key ([`Course::seed`]), a secret only the
//! instructor holds (`escrowlab lab course init`): a student without it can compute neither
//! their own seed nor anyone else's, let alone an answer key. The seed also fixes the
//! student's world (users, epochs: [`LabWorld`]), so two students' numeric answers differ
//! while each can reproduce their own with the commands `lab start --seed` prints.
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
mod lab7;

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

mod course;
pub use course::{Course, COURSE_KEY_ENV};
mod grade;
pub use grade::{grade_attack, GRADED_LABS};

/// Fewest users of a lab world (a student's is `MIN_LAB_USERS` to `MIN_LAB_USERS + 39`).
pub const MIN_LAB_USERS: u32 = 24;
/// Fewest epochs of a lab world (a student's is 3 to 8).
pub const MIN_LAB_EPOCHS: u32 = 3;
/// Largest seed a student id maps to (seeds are 1..=`MAX_LAB_SEED`).
pub const MAX_LAB_SEED: u64 = 99_999;

/// A student's lab world: the seed and the population size it fixes. Public: anyone with
/// the seed can compute it (`lab start N --seed SEED` prints it), so the commands a student
/// runs are `--seed SEED --users USERS --epochs EPOCHS`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LabWorld {
    /// The seed.
    pub seed: u64,
    /// Users (24 to 63).
    pub users: u32,
    /// Epochs (3 to 8).
    pub epochs: u32,
}

impl LabWorld {
    /// The world a seed fixes: users and epochs from SHA-256 of `escrowlab-lab-world/SEED`.
    pub fn of(seed: u64) -> LabWorld {
        let d = Sha256::digest(format!("escrowlab-lab-world/{seed}").as_bytes());
        LabWorld {
            seed,
            users: MIN_LAB_USERS + u32::from(d[0]) % 40,
            epochs: MIN_LAB_EPOCHS + u32::from(d[1]) % 6,
        }
    }

    /// `command` with `SEED`, `USERS` and `EPOCHS` replaced by this world's figures.
    pub fn fill(&self, command: &str) -> String {
        command
            .replace("SEED", &self.seed.to_string())
            .replace("USERS", &self.users.to_string())
            .replace("EPOCHS", &self.epochs.to_string())
    }
}

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

/// Control names an answer may give (`blocked_by`, a refusal): `none` and every control a
/// built-in mechanism reports ([`crate::controls::BUILTIN`], so the lists cannot drift).
pub const CONTROLS: &[&str] = crate::controls::BUILTIN;

/// `escrowlab lab` subcommands. The course key (`--course-key PATH` or the file
/// `ESCROWLAB_COURSE_KEY` names) is needed by `answers`, `roster`, an authoritative `check`
/// and `start --student`; a student runs `start --seed` and a form-only `check`.
#[derive(clap::Subcommand, Debug)]
pub enum LabCommand {
    /// List the labs: number, title, expected time, graded questions.
    List,
    /// Print the commands of a lab for a seed (`--seed`, as the instructor handed it out;
    /// or `--student` with the course key).
    Start {
        /// Lab number (1 to 7).
        lab: u32,
        /// Your seed for this lab, as your instructor gave it to you.
        #[arg(long, conflicts_with = "student")]
        seed: Option<u64>,
        /// Student id (needs the course key; letters, digits, `.`, `_`, `-`, `@`; at most 64).
        #[arg(long)]
        student: Option<String>,
    },
    /// Check an answers file. With the course key and `--student`: grade it (exit 0 when
    /// every graded answer is right, 1 when some are wrong or missing). Without the key:
    /// check its form only (exit 0 when every question is answered in the expected form).
    /// Exit 2 when the file is not an answers file of the lab.
    Check {
        /// Lab number (1 to 7).
        lab: u32,
        /// The answers file (TOML: `lab = N` and an `[answers]` table).
        answers: PathBuf,
        /// Student id whose seed the answers were measured with (grading needs the key).
        #[arg(long)]
        student: Option<String>,
    },
    /// Print the answer key of a student as an answers file `lab check` accepts (needs the
    /// course key).
    Answers {
        /// Lab number (1 to 7).
        lab: u32,
        /// Student id.
        #[arg(long)]
        student: String,
    },
    /// Print each student's seed line for every lab, from a roster file: one student id a
    /// line, `#` comments and blank lines ignored (needs the course key).
    Roster {
        /// The roster file.
        file: PathBuf,
    },
    /// Grade the attack a student wrote (labs 1, 2, 3 and 6): run it, through the student's
    /// binary, in worlds the student never saw, and judge it by the exposure the runner
    /// measures against ground truth, its declared capabilities and its errors (needs the
    /// course key; exit 0 when every run passes, 1 when one fails).
    Grade {
        /// Lab number (1, 2, 3 or 6).
        lab: u32,
        /// Student id.
        #[arg(long)]
        student: String,
        /// The attack's id (default: the id the lab's handout gives it; lab 6 has none).
        #[arg(long)]
        attack: Option<String>,
    },
    /// The course key.
    Course {
        /// What to do.
        #[command(subcommand)]
        command: CourseCommand,
    },
}

/// `escrowlab lab course` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum CourseCommand {
    /// Create a course key (owner-only, mode 0600); refuses to replace an existing file.
    Init {
        /// Where to write it.
        #[arg(long, default_value = "course.key")]
        out: PathBuf,
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
    /// A fraction (0 to 1), right within `tolerance` × |key| (relative; exactly 0 when the
    /// key is 0). A figure over 1 is refused as a form error: a percentage, not a fraction.
    Fraction {
        /// Relative tolerance (0.01 is 1 %).
        tolerance: f64,
    },
    /// One name out of a list (case-insensitive).
    Choice {
        /// What the names are, for a message ("a scheme name").
        what: &'static str,
        /// Every accepted name.
        options: &'static [&'static str],
    },
    /// A control name (`blocked_by`): `none` or one of [`CONTROLS`].
    Control,
    /// A free-text explanation, collected for manual grading (never graded automatically).
    Text,
    /// A number the student predicts before measuring it: collected for the rubric, shown
    /// next to the measured answer of question `of` (never graded automatically; the
    /// measurement is).
    Prediction {
        /// The id of the question whose measurement it predicts.
        of: &'static str,
    },
}

impl Kind {
    /// Whether the answer is a number (what the seed-dependence measure counts).
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            Kind::Number { .. } | Kind::Integer | Kind::Fraction { .. }
        )
    }

    /// Whether `lab check` grades it (free text is collected for the instructor instead).
    pub fn is_graded(&self) -> bool {
        !matches!(self, Kind::Text | Kind::Prediction { .. })
    }
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
    /// A free-text answer: the key has none (graded by hand).
    Text,
    /// A prediction: the key has none (the measurement it predicts is graded).
    Prediction,
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
            Answer::Text => "\"(your explanation; graded by hand)\"".into(),
            Answer::Prediction => "0.0 # (your prediction; collected, not graded)".into(),
        }
    }
}

/// What runs the measurements of a lab: the attacks and the student's seed.
pub struct Measure<'a> {
    /// The attacks (the built-ins, plus any a user's binary adds).
    pub registry: &'a Registry,
    /// The student's world (seed, users, epochs).
    pub world: LabWorld,
    /// Each scheme's simulated world, built once and shared by every cell against it.
    bases: std::cell::RefCell<BTreeMap<String, std::rc::Rc<crate::attack::context::BaseWorlds>>>,
}

impl Measure<'_> {
    fn config(&self, scheme: Scheme) -> Result<WorldConfig> {
        let population = Population {
            users: self.world.users,
            epochs: self.world.epochs,
            ..Population::default()
        };
        population.validate()?;
        Ok(WorldConfig {
            backend: scheme.backend.unwrap_or(BackendKind::Blsttc),
            scheme,
            population,
            seed: self.world.seed,
        })
    }

    /// Runs one attack cell as `escrowlab attack ID --scheme S --param k=v ... --seed SEED
    /// --users USERS --epochs EPOCHS` does.
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
        let name = scheme.name.clone();
        let cell = self.cell_raw(scheme, attack, params)?;
        if let Some(e) = &cell.error {
            return Err(Error::misuse(format!(
                "lab measurement {attack} against {name}: {e}"
            )));
        }
        Ok(cell)
    }

    /// [`Measure::cell_on`], the cell returned as the runner judged it, an error cell
    /// included (an attack that used a capability it did not declare, or failed).
    ///
    /// # Errors
    /// Unknown attack or parameter, world construction errors.
    pub fn cell_raw(
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
        Ok(crate::runner::run_cell(&base, a, &resolved, &[]))
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
    /// --users USERS --epochs EPOCHS` runs it, without its two kinds of warrant (`kinds`
    /// is `None`): no lab reads them, and serving them cost most of the demonstration.
    /// Every other figure is the command's.
    ///
    /// # Errors
    /// World construction errors.
    pub fn lawful(&self, scheme: &str) -> Result<crate::lawful::LawfulReport> {
        crate::lawful::demonstrate_with(self.config(Scheme::load(scheme)?)?, false)
    }
}

/// A figure of a cell's `cost` (0 when absent or not a number).
pub fn figure(cell: &CellResult, name: &str) -> f64 {
    cell.cost.get(name).and_then(|v| v.as_f64()).unwrap_or(0.0)
}

/// `part / whole` as a fraction (0 when `whole` is 0).
pub fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The control that stopped a cell, or `none`.
pub fn blocked(cell: &CellResult) -> Answer {
    Answer::Name(cell.blocked_by.clone().unwrap_or_else(|| "none".into()))
}

/// Computes a lab's answer key, one answer per question in order.
type Compute = fn(&Measure) -> Result<Vec<Answer>>;

/// One lab.
pub struct Lab {
    /// Its number, 1 to 7.
    pub number: u32,
    /// Title.
    pub title: &'static str,
    /// Expected time, in words.
    pub time: &'static str,
    /// The handout, relative to the repository root.
    pub handout: &'static str,
    /// The commands a student runs, with `SEED`, `USERS` and `EPOCHS` where the world's
    /// figures go.
    pub commands: &'static [&'static str],
    /// The graded questions.
    pub questions: &'static [Question],
    compute: Compute,
}

impl Lab {
    /// The world a seed fixes for this lab: [`LabWorld::of`], except lab 7, whose
    /// comparison runs every attack of every class against eight schemes and so takes a
    /// smaller world (8 to 15 users, 3 epochs).
    pub fn world(&self, seed: u64) -> LabWorld {
        match self.number {
            7 => lab7::world(seed),
            _ => LabWorld::of(seed),
        }
    }

    /// The answer key for `seed`, one answer per question.
    ///
    /// # Errors
    /// A measurement failed (a bug, reported as misuse).
    pub fn key(&self, registry: &Registry, seed: u64) -> Result<Vec<Answer>> {
        let m = Measure {
            registry,
            world: self.world(seed),
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
pub fn labs() -> [&'static Lab; 7] {
    [
        &lab1::LAB,
        &lab2::LAB,
        &lab3::LAB,
        &lab4::LAB,
        &lab5::LAB,
        &lab6::LAB,
        &lab7::LAB,
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
        .ok_or_else(|| Error::input(format!("there is no lab {n} (labs: 1 to 7)")))
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

/// The course a command that needs the key uses, or an input error saying how to give it.
fn need_course<'a>(course: Option<&'a Course>, what: &str) -> Result<&'a Course> {
    course.ok_or_else(|| {
        Error::input(format!(
            "{what} needs the course key: give --course-key PATH or set {COURSE_KEY_ENV} \
             (the instructor creates it with `escrowlab lab course init`)"
        ))
    })
}

/// Runs a `lab` subcommand: the text to print and the exit status. `course_key` is the
/// `--course-key` flag (else `ESCROWLAB_COURSE_KEY` is read).
///
/// # Errors
/// [`Error::Input`] for a bad lab number, student id, answers, roster or course file, or a
/// command that needs the course key without one; I/O errors.
pub fn run(
    registry: &Registry,
    course_key: Option<&std::path::Path>,
    cmd: LabCommand,
) -> Result<(String, i32)> {
    // The course file is read only by the commands that use it: `lab list` works whatever
    // `ESCROWLAB_COURSE_KEY` names.
    let course = || Course::find(course_key);
    match cmd {
        LabCommand::List => Ok((list(), exit_codes::OK)),
        LabCommand::Course {
            command: CourseCommand::Init { out },
        } => course_init(&out),
        LabCommand::Start {
            lab: n,
            seed,
            student,
        } => {
            let l = lab(n)?;
            let (seed, who) = match (seed, student) {
                (Some(s), _) => {
                    if !(1..=MAX_LAB_SEED).contains(&s) {
                        return Err(Error::input(format!(
                            "--seed {s}: a lab seed is 1 to {MAX_LAB_SEED}"
                        )));
                    }
                    (s, None)
                }
                (None, Some(id)) => {
                    check_student(&id)?;
                    let owned = course()?;
                    let c = need_course(owned.as_ref(), "lab start --student")?;
                    (c.seed(n, &id), Some(id))
                }
                (None, None) => {
                    return Err(Error::input(
                        "lab start needs --seed SEED (the seed your instructor gave you), or \
                         --student ID with the course key",
                    ))
                }
            };
            Ok((start(l, who.as_deref(), seed), exit_codes::OK))
        }
        LabCommand::Answers { lab: n, student } => {
            let l = lab(n)?;
            check_student(&student)?;
            let owned = course()?;
            let c = need_course(owned.as_ref(), "lab answers")?;
            let seed = c.seed(n, &student);
            Ok((
                answer_key(l, &student, seed, &l.key(registry, seed)?),
                exit_codes::OK,
            ))
        }
        LabCommand::Grade {
            lab: n,
            student,
            attack,
        } => {
            check_student(&student)?;
            let owned = course()?;
            let c = need_course(owned.as_ref(), "lab grade")?;
            grade_attack(registry, c, n, &student, attack.as_deref())
        }
        LabCommand::Roster { file } => {
            let owned = course()?;
            let c = need_course(owned.as_ref(), "lab roster")?;
            roster(c, &file).map(|s| (s, exit_codes::OK))
        }
        LabCommand::Check {
            lab: n,
            answers,
            student,
        } => {
            let l = lab(n)?;
            if let Some(s) = &student {
                check_student(s)?;
            }
            let given = read_answers(l, &answers)?;
            match (course()?.as_ref(), student) {
                (Some(c), Some(student)) => {
                    let seed = c.seed(n, &student);
                    let key = l.key(registry, seed)?;
                    Ok(grade(l, &student, c.hints, &key, &given))
                }
                (Some(_), None) => Err(Error::input(
                    "lab check with the course key grades one student: give --student ID",
                )),
                (None, _) => Ok(check_form(l, &given)),
            }
        }
    }
}

fn course_init(out: &std::path::Path) -> Result<(String, i32)> {
    let shown = out.display().to_string();
    let shown = crate::text::escape_for_terminal(&shown);
    if std::fs::symlink_metadata(out).is_ok() {
        return Err(Error::input(format!(
            "--out {shown}: already exists; a course key is never replaced (every seed handed \
             out derives from it): remove it yourself or choose another path"
        )));
    }
    let course = Course::generate();
    crate::output::write_atomic_with(
        out,
        course.to_file_text().as_bytes(),
        crate::output::Access::OwnerOnly,
    )?;
    Ok((
        format!(
            "wrote a course key to {shown} (owner-only: keep it out of students' reach)\n\
             Hand out seeds with `escrowlab lab roster ROSTER --course-key {shown}`.\n"
        ),
        exit_codes::OK,
    ))
}

fn roster(c: &Course, path: &std::path::Path) -> Result<String> {
    let shown = crate::text::echo(&path.display().to_string());
    let bytes = crate::input::read_user_file(path)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::input(format!("{shown}: not a roster (not UTF-8 text)")))?;
    let mut out = String::new();
    let mut seen = std::collections::BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let id = line.split('#').next().unwrap_or("").trim();
        if id.is_empty() {
            continue;
        }
        check_student(id).map_err(|e| Error::input(format!("{shown} line {}: {e}", i + 1)))?;
        if !seen.insert(id.to_string()) {
            return Err(Error::input(format!(
                "{shown} line {}: student `{id}` is listed twice",
                i + 1
            )));
        }
        let seeds: Vec<String> = labs()
            .iter()
            .map(|l| format!("lab{}={}", l.number, c.seed(l.number, id)))
            .collect();
        out.push_str(&format!("{id}: {}\n", seeds.join(" ")));
    }
    if seen.is_empty() {
        return Err(Error::input(format!("{shown}: no student ids")));
    }
    Ok(out)
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
        "Start one with `escrowlab lab start N --seed SEED` (your instructor gives you the seed); handouts are in docs/labs/.\n",
    );
    s
}

fn start(l: &Lab, student: Option<&str>, seed: u64) -> String {
    let w = l.world(seed);
    let who = match student {
        Some(id) => format!("Student {id}: your seed for lab {} is {seed}", l.number),
        None => format!("Your seed for lab {} is {seed}", l.number),
    };
    let size = format!("{} users, {} epochs", w.users, w.epochs);
    let mut s = format!(
        "Lab {}: {} ({}, {} questions)\nHandout: {}\n{who}; your world: {size}\n\nRun (add --json to read every figure):\n",
        l.number,
        l.title,
        l.time,
        l.questions.len(),
        l.handout,
    );
    for c in l.commands {
        s.push_str(&format!("  {}\n", w.fill(c)));
    }
    s.push_str(&format!(
        "\nWrite your answers as `lab = {n}` and an [answers] table (q{n}_1 = ...); check their form with\n  escrowlab lab check {n} answers.toml\nand hand the file in: your instructor grades it.\n",
        n = l.number
    ));
    s
}

/// The Markdown table of a lab's questions its handout carries (a test keeps them equal).
pub fn questions_table(l: &Lab) -> String {
    let mut s = String::from("| id | key | what to enter | kind |\n|---|---|---|---|\n");
    for q in l.questions {
        let kind = match q.kind {
            Kind::Choice { options, .. } => format!(
                "one of: {}",
                options
                    .iter()
                    .map(|o| format!("`{o}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Kind::Control => "a control name, as `blocked_by` prints it".into(),
            k => describe(&k),
        };
        s.push_str(&format!(
            "| `{}` | `{}` | {} | {kind} |\n",
            q.id,
            q.key(),
            q.text.replace('|', "\\|")
        ));
    }
    s
}

fn describe(kind: &Kind) -> String {
    match kind {
        Kind::Number { tolerance } => format!("a number, within {} %", tolerance * 100.0),
        Kind::Fraction { tolerance } => {
            format!("a fraction from 0 to 1, within {} %", tolerance * 100.0)
        }
        Kind::Integer => "an integer".into(),
        Kind::Bool => "true or false".into(),
        Kind::Choice { what, options } => format!("{what}: {}", options.join(", ")),
        Kind::Control => "a control name, or none".into(),
        Kind::Text => "a quoted explanation, graded by hand".into(),
        Kind::Prediction { of } => {
            format!("your prediction, a number written before you measure {of}; collected")
        }
    }
}

/// Short form of a kind for a student's message (never a list of names).
fn form(kind: &Kind) -> String {
    match kind {
        Kind::Number { .. } => "a number".into(),
        Kind::Fraction { .. } => "a fraction from 0 to 1".into(),
        Kind::Integer => "an integer".into(),
        Kind::Bool => "true or false".into(),
        Kind::Choice { what, .. } => format!("{what} (a quoted name)"),
        Kind::Control => "a control name (quoted)".into(),
        Kind::Text => "a quoted explanation".into(),
        Kind::Prediction { .. } => "a number (your prediction)".into(),
    }
}

fn answer_key(l: &Lab, student: &str, seed: u64, key: &[Answer]) -> String {
    let w = l.world(seed);
    let mut s = format!(
        "# escrowlab lab {n} answer key for student {student} (seed {seed}, {} users, {} epochs).\n# Check it with `escrowlab lab check {n} FILE --student {student}` and the course key.\nlab = {n}\n\n[answers]\n",
        w.users,
        w.epochs,
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

/// What a given answer is, read in the form its question asks for.
#[derive(Debug, PartialEq)]
enum Given {
    Number(f64),
    Integer(i64),
    Bool(bool),
    Name(String),
    Text,
}

/// Reads one given answer in its question's form: `Err` says what form was expected (and
/// names the valid options only when `hints`). Reveals nothing about the key.
fn read_form(kind: &Kind, given: &toml::Value, hints: bool) -> std::result::Result<Given, String> {
    match kind {
        Kind::Number { .. } | Kind::Fraction { .. } | Kind::Prediction { .. } => {
            let g = match given {
                toml::Value::Float(f) if f.is_finite() => *f,
                toml::Value::Float(f) => {
                    return Err(format!("expected a number: {f} is not a number"))
                }
                toml::Value::Integer(i) => *i as f64,
                _ => return Err("expected a number".into()),
            };
            if matches!(kind, Kind::Fraction { .. }) && !(0.0..=1.0).contains(&g) {
                return Err(format!(
                    "expected a fraction from 0 to 1: {g} is not one (a percentage? divide by 100)"
                ));
            }
            Ok(Given::Number(g))
        }
        Kind::Integer => match given {
            toml::Value::Integer(i) => Ok(Given::Integer(*i)),
            toml::Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                Ok(Given::Integer(*f as i64))
            }
            _ => Err("expected an integer".into()),
        },
        Kind::Bool => match given {
            toml::Value::Boolean(b) => Ok(Given::Bool(*b)),
            toml::Value::String(s) if s.trim().eq_ignore_ascii_case("true") => {
                Ok(Given::Bool(true))
            }
            toml::Value::String(s) if s.trim().eq_ignore_ascii_case("false") => {
                Ok(Given::Bool(false))
            }
            _ => Err("expected true or false".into()),
        },
        Kind::Choice { what, options } => {
            let g = match given {
                toml::Value::String(g) => g.trim().to_string(),
                // An exit status may be written unquoted.
                toml::Value::Integer(i) => i.to_string(),
                _ => return Err(format!("expected {what} (a quoted string)")),
            };
            let g = g.as_str();
            if options.iter().any(|o| o.eq_ignore_ascii_case(g)) {
                Ok(Given::Name(g.to_ascii_lowercase()))
            } else if hints {
                Err(format!(
                    "expected one of the {what}s: {}",
                    options.join(", ")
                ))
            } else {
                Err(format!("not a valid {what}"))
            }
        }
        Kind::Control => {
            let Some(g) = given.as_str() else {
                return Err("expected a control name (a quoted string)".into());
            };
            let g = g.trim().to_ascii_lowercase();
            if g == "none" || CONTROLS.contains(&g.as_str()) {
                Ok(Given::Name(g))
            } else if hints {
                Err(format!(
                    "expected one of the controls: none, {}",
                    CONTROLS.join(", ")
                ))
            } else {
                Err("not a control escrowlab reports".into())
            }
        }
        Kind::Text => match given.as_str() {
            Some(s) if !s.trim().is_empty() => Ok(Given::Text),
            _ => Err("expected an explanation (a quoted, non-empty string)".into()),
        },
    }
}

/// Grades one answer: `None` when right, else why it is wrong. Without `hints` a wrong answer
/// is only "wrong"; with them, which way a number is off. Never the answer.
fn judge(q: &Question, key: &Answer, given: &toml::Value, hints: bool) -> Option<String> {
    let g = match read_form(&q.kind, given, hints) {
        Ok(g) => g,
        Err(why) => return Some(why),
    };
    let seed_hint = if q.seeded && hints {
        "; did you use the seed and world `lab start` printed?"
    } else {
        ""
    };
    match (q.kind, key, g) {
        (
            Kind::Number { tolerance } | Kind::Fraction { tolerance },
            Answer::Number(k),
            Given::Number(g),
        ) => {
            // Relative: within `tolerance` of the key itself (a key of 0 must be met exactly).
            let allowed = tolerance * k.abs();
            if (g - k).abs() <= allowed {
                None
            } else if hints {
                Some(format!(
                    "wrong — too {} by more than the {} % tolerance{seed_hint}",
                    if g > *k { "high" } else { "low" },
                    tolerance * 100.0
                ))
            } else {
                Some("wrong".into())
            }
        }
        (Kind::Integer, Answer::Integer(k), Given::Integer(g)) => (g != *k).then(|| {
            if hints {
                let way = if g > *k { "high" } else { "low" };
                format!("wrong — too {way}{seed_hint}")
            } else {
                "wrong".to_string()
            }
        }),
        (Kind::Bool, Answer::Bool(k), Given::Bool(b)) => (b != *k).then(|| "wrong".to_string()),
        (Kind::Choice { .. } | Kind::Control, Answer::Name(k), Given::Name(g)) => {
            (!g.eq_ignore_ascii_case(k)).then(|| format!("wrong{seed_hint}"))
        }
        (Kind::Text | Kind::Prediction { .. }, _, _) => None,
        _ => Some("the answer key has the wrong kind of value (a bug in escrowlab)".into()),
    }
}

fn grade(
    l: &Lab,
    student: &str,
    hints: bool,
    key: &[Answer],
    given: &BTreeMap<&'static str, toml::Value>,
) -> (String, i32) {
    let mut s = format!("lab {} for student {student}:\n", l.number);
    let mut right = 0;
    let mut texts = Vec::new();
    for (q, k) in l.questions.iter().zip(key) {
        if let Kind::Prediction { of } = q.kind {
            let measured = l
                .questions
                .iter()
                .position(|m| m.id == of)
                .and_then(|i| key.get(i));
            match (
                given.get(q.id).map(|g| read_form(&q.kind, g, false)),
                measured,
            ) {
                (Some(Ok(Given::Number(p))), Some(Answer::Number(m))) => {
                    s.push_str(&format!("{}: prediction collected\n", q.id));
                    texts.push((q.id, format!("prediction for {of}: {p}; measured {m}")));
                }
                (Some(Ok(Given::Number(p))), Some(Answer::Integer(m))) => {
                    s.push_str(&format!("{}: prediction collected\n", q.id));
                    texts.push((q.id, format!("prediction for {of}: {p}; measured {m}")));
                }
                (Some(Err(why)), _) => s.push_str(&format!("{}: {why}\n", q.id)),
                _ => s.push_str(&format!("{}: missing (a prediction)\n", q.id)),
            }
            continue;
        }
        if !q.kind.is_graded() {
            match given.get(q.id).and_then(|v| v.as_str()) {
                Some(t) if !t.trim().is_empty() => {
                    s.push_str(&format!("{}: collected for manual grading\n", q.id));
                    texts.push((q.id, t.trim().to_string()));
                }
                _ => s.push_str(&format!("{}: missing (graded by hand)\n", q.id)),
            }
            continue;
        }
        match given.get(q.id) {
            None => s.push_str(&format!("{}: missing\n", q.id)),
            Some(g) => match judge(q, k, g, hints) {
                None => {
                    right += 1;
                    s.push_str(&format!("{}: correct\n", q.id));
                }
                Some(why) => s.push_str(&format!("{}: {why}\n", q.id)),
            },
        }
    }
    let total = l.questions.iter().filter(|q| q.kind.is_graded()).count();
    s.push_str(&format!("{right} of {total} correct\n"));
    if !texts.is_empty() {
        s.push_str("\nFor manual grading (rubric: docs/labs/INSTRUCTOR.md):\n");
        for (id, t) in texts {
            s.push_str(&format!("{id}: {}\n", crate::text::echo(&t)));
        }
    }
    let code = if right == total {
        exit_codes::OK
    } else {
        exit_codes::EXPECTATION_FAILED
    };
    (s, code)
}

/// A student's check without the course key: the form of each answer, nothing about its
/// correctness (which needs the key, and so the instructor).
fn check_form(l: &Lab, given: &BTreeMap<&'static str, toml::Value>) -> (String, i32) {
    let mut s = format!(
        "lab {}: form only (no course key; your instructor grades the answers):\n",
        l.number
    );
    let mut ok = 0;
    for q in l.questions {
        match given.get(q.id) {
            None => s.push_str(&format!("{}: missing ({})\n", q.id, form(&q.kind))),
            Some(g) => match read_form(&q.kind, g, false) {
                Ok(_) => {
                    ok += 1;
                    s.push_str(&format!("{}: answered\n", q.id));
                }
                Err(why) => s.push_str(&format!("{}: {why}\n", q.id)),
            },
        }
    }
    let total = l.questions.len();
    s.push_str(&format!(
        "{ok} of {total} answered in the expected form (not graded)\n"
    ));
    let code = if ok == total {
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
    fn worlds_are_stable_and_in_range() {
        for seed in 1..200 {
            let w = LabWorld::of(seed);
            assert_eq!(w, LabWorld::of(seed));
            assert!((MIN_LAB_USERS..MIN_LAB_USERS + 40).contains(&w.users));
            assert!((3..=8).contains(&w.epochs));
        }
        let w = LabWorld::of(17);
        assert_eq!(
            w.fill("x --seed SEED --users USERS --epochs EPOCHS"),
            format!("x --seed 17 --users {} --epochs {}", w.users, w.epochs)
        );
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

    fn q(kind: Kind) -> Question {
        Question {
            id: "q9.1",
            text: "t",
            kind,
            seeded: true,
        }
    }

    #[test]
    fn without_hints_a_wrong_number_is_only_wrong_and_with_them_its_direction() {
        let q = q(Kind::Number { tolerance: 0.05 });
        let k = Answer::Number(100.0);
        assert_eq!(judge(&q, &k, &toml::Value::Float(104.0), false), None);
        assert_eq!(
            judge(&q, &k, &toml::Value::Float(110.0), false).as_deref(),
            Some("wrong")
        );
        let why = judge(&q, &k, &toml::Value::Float(110.0), true).unwrap();
        assert!(why.contains("too high") && !why.contains("100"), "{why}");
        let why = judge(&q, &k, &toml::Value::String("x".into()), false).unwrap();
        assert_eq!(why, "expected a number");
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let why = judge(&q, &k, &toml::Value::Float(bad), false).unwrap();
            assert!(
                why.starts_with("expected a number: ") && why.ends_with(" is not a number"),
                "{why}"
            );
        }
        let i = Question {
            kind: Kind::Integer,
            ..q
        };
        let why = judge(
            &i,
            &Answer::Integer(3),
            &toml::Value::Float(f64::NAN),
            false,
        )
        .unwrap();
        assert_eq!(why, "expected an integer");
    }

    #[test]
    fn fractions_are_relative_and_a_percentage_is_a_form_error() {
        let q = q(Kind::Fraction { tolerance: 0.01 });
        let k = Answer::Number(0.05);
        assert_eq!(judge(&q, &k, &toml::Value::Float(0.0504), false), None);
        // 0.059 is within 0.01 absolute but 18 % off: wrong.
        assert!(judge(&q, &k, &toml::Value::Float(0.059), false).is_some());
        let why = judge(&q, &k, &toml::Value::Float(5.0), false).unwrap();
        assert!(why.contains("percentage"), "{why}");
        // A key of 0 is met exactly.
        let z = Answer::Number(0.0);
        assert_eq!(judge(&q, &z, &toml::Value::Float(0.0), false), None);
        assert!(judge(&q, &z, &toml::Value::Float(0.001), false).is_some());
    }

    #[test]
    fn quoted_booleans_are_read_and_names_are_listed_only_with_hints() {
        let b = q(Kind::Bool);
        assert_eq!(
            judge(
                &b,
                &Answer::Bool(false),
                &toml::Value::String("false".into()),
                false
            ),
            None
        );
        let c = q(Kind::Control);
        let k = Answer::Name("threshold-custody".into());
        let moon = toml::Value::String("the-moon".into());
        let why = judge(&c, &k, &moon, false).unwrap();
        assert!(
            !why.contains("threshold-custody") && !why.contains(','),
            "{why}"
        );
        let why = judge(&c, &k, &moon, true).unwrap();
        assert!(why.contains("signed-binding") && why.contains("recompute-binding"));
        assert!(!why.contains("field-registry"), "{why}");
        let signed = toml::Value::String("signed-binding".into());
        assert_eq!(judge(&c, &k, &signed, false).as_deref(), Some("wrong"));
        assert_eq!(
            judge(
                &c,
                &k,
                &toml::Value::String("Threshold-Custody".into()),
                false
            ),
            None
        );
    }

    #[test]
    fn bad_student_ids_are_refused() {
        assert!(check_student("alice").is_ok());
        assert!(check_student("").is_err());
        assert!(check_student("a b").is_err());
        assert!(check_student(&"x".repeat(65)).is_err());
    }
}
