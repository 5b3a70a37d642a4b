//! Lab 7: the families compared (`docs/labs/lab7-families-compared.md`), built on
//! `escrowlab compare`: attacker classes, the risk a family adds over plain end-to-end
//! encryption, and lawful access before and after the fact.

use super::{Answer, Kind, Lab, LabWorld, Measure, Question};
use crate::error::{Error, Result};
use crate::runner::compare::{self, CompareOptions, CompareReport, SchemeRow};
use crate::vocab::{AttackerClass, ClassBounds};

/// Fewest users of a lab 7 world (a student's is 8 to 15).
pub const MIN_USERS: u32 = 8;

/// Lab 7's world for `seed`: 8 to 15 users and 3 epochs, from the same digest as
/// [`LabWorld::of`].
pub(super) fn world(seed: u64) -> LabWorld {
    let w = LabWorld::of(seed);
    LabWorld {
        seed,
        users: MIN_USERS + (w.users - super::MIN_LAB_USERS) % 8,
        epochs: EPOCHS,
    }
}

/// Messages per session of lab 7's worlds (small: `compare` runs every attack of every
/// class against eight schemes).
pub const MESSAGES: u32 = 2;
/// Epochs of lab 7's worlds.
pub const EPOCHS: u32 = 3;
/// `W`, the compute class's bound in lab 7 (small enough to run in seconds).
pub const WORK: u64 = 4096;
/// Warrant targets served in each kind.
pub const WARRANTS: u32 = 3;

/// The class names an answer may give.
const CLASSES: &[&str] = &[
    "outsider",
    "insider",
    "coalition",
    "seizure",
    "compute",
    "provider",
];

/// The family names an answer may give.
const FAMILIES: &[&str] = &[
    "session-escrow",
    "hsm-guess-limit",
    "crumple-zone",
    "device-escrow",
    "ghost-user",
    "public-ledger",
];

/// Lab 7.
pub(super) static LAB: Lab = Lab {
    number: 7,
    title: "The families compared",
    time: "2.5 hours",
    handout: "docs/labs/lab7-families-compared.md",
    commands: &[
        "escrowlab compare --users USERS --seeds 1 --seed SEED --epochs EPOCHS --messages 2 --work 4096 --warrants 3",
        "escrowlab compare --users USERS --seeds 1 --seed SEED --epochs EPOCHS --messages 2 --work 4096 --warrants 3 --json",
    ],
    questions: &[
        Question {
            id: "q7.1",
            text: "e2e-baseline, seizure class: the worst exposure, as a fraction of active users (`classes[seizure].worst.mean`)",
            kind: Kind::Fraction { tolerance: 0.01 },
            seeded: true,
        },
        Question {
            id: "q7.2",
            text: "threshold-3of5, seizure class: the worst exposure, as a fraction of active users (`worst.mean`)",
            kind: Kind::Fraction { tolerance: 0.01 },
            seeded: true,
        },
        Question {
            id: "q7.2b",
            text: "before reading threshold-3of5's seizure row: your prediction of its worst exposure (q7.2), from e2e-baseline's",
            kind: Kind::Prediction { of: "q7.2" },
            seeded: false,
        },
        Question {
            id: "q7.3",
            text: "the applicable class in which threshold-3of5 adds the least risk over e2e-baseline-checked (the smallest `marginal_risk_checked.mean`)",
            kind: Kind::Choice {
                what: "attacker class",
                options: CLASSES,
            },
            seeded: false,
        },
        Question {
            id: "q7.4",
            text: "the class in which ghost-user adds no risk over e2e-baseline but adds risk over e2e-baseline-checked",
            kind: Kind::Choice {
                what: "attacker class",
                options: CLASSES,
            },
            seeded: false,
        },
        Question {
            id: "q7.6",
            text: "threshold-3of5, prospective lawful access: the messages the warrants cover (`prospective.warranted.mean`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q7.7",
            text: "threshold-3of5, retrospective lawful access: the messages the warrants cover (`retrospective.warranted.mean`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q7.7b",
            text: "the warranted messages only the retrospective warrants cover (your q7.7 minus your q7.6)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q7.8",
            text: "ghost-user: does a retrospective warrant read anything (`retrospective.utility.mean` above 0)",
            kind: Kind::Bool,
            seeded: false,
        },
        Question {
            id: "q7.9",
            text: "crumple-zone, prospective lawful access: the hash evaluations serving the warrants cost (`prospective.cost.work.mean`)",
            kind: Kind::Number { tolerance: 0.005 },
            seeded: true,
        },
        Question {
            id: "q7.10",
            text: "the family whose lawful access assumes compelled disclosure (`assumption`)",
            kind: Kind::Choice {
                what: "family",
                options: FAMILIES,
            },
            seeded: false,
        },
        Question {
            id: "q7.11",
            text: "why a family is judged by its marginal risk over plain end-to-end encryption rather than by its exposure alone, with two of your own rows as evidence",
            kind: Kind::Text,
            seeded: false,
        },
    ],
    compute,
};

/// The comparison a lab 7 student runs in `m`'s world (the options of `lab start 7`'s
/// commands).
///
/// # Errors
/// As [`compare::run`].
pub(super) fn comparison(m: &Measure) -> Result<CompareReport> {
    let mut opts = CompareOptions::defaults()?;
    opts.users = m.world.users;
    opts.seeds = 1;
    opts.base_seed = m.world.seed;
    opts.population.epochs = m.world.epochs;
    opts.population.messages_per_session = MESSAGES;
    opts.bounds = ClassBounds {
        work: WORK,
        ..ClassBounds::default()
    };
    opts.warrants = WARRANTS;
    let report = compare::run(m.registry, &opts)?;
    if report.has_errors() {
        return Err(Error::misuse(format!(
            "lab 7's comparison had errored cells: {}",
            report.errors.join("; ")
        )));
    }
    Ok(report)
}

fn row<'r>(r: &'r CompareReport, scheme: &str) -> Result<&'r SchemeRow> {
    r.families
        .iter()
        .chain(&r.baselines)
        .find(|s| s.scheme == scheme)
        .ok_or_else(|| Error::misuse(format!("lab 7: compare has no row for {scheme}")))
}

fn class(row: &SchemeRow, c: AttackerClass) -> Result<&compare::ClassRow> {
    row.classes
        .iter()
        .find(|x| x.class == c)
        .ok_or_else(|| Error::misuse(format!("lab 7: no {} row", c.name())))
}

fn compute(m: &Measure) -> Result<Vec<Answer>> {
    let r = comparison(m)?;
    let base = row(&r, "e2e-baseline")?;
    let th = row(&r, "threshold-3of5")?;
    let ghost = row(&r, "ghost-user")?;
    let crumple = row(&r, "crumple-zone")?;
    // The applicable class where the mechanism adds the least over plain E2E whose clients
    // check membership (the first in report order on a tie).
    let least_class = th
        .classes
        .iter()
        .filter(|c| c.applicable)
        .fold(None::<&compare::ClassRow>, |best, c| match best {
            Some(b) if b.marginal_risk_checked.mean <= c.marginal_risk_checked.mean => Some(b),
            _ => Some(c),
        })
        .map_or_else(|| "none".to_string(), |c| c.class.name().to_string());
    let ghost_class = ghost
        .classes
        .iter()
        .find(|c| c.applicable && c.marginal_risk.mean == 0.0 && c.marginal_risk_checked.mean > 0.0)
        .map_or_else(|| "none".to_string(), |c| c.class.name().to_string());
    let prospective = th.prospective.warranted.mean;
    let retrospective = th.retrospective.warranted.mean;
    let family = r
        .families
        .iter()
        .find(|s| s.assumption.is_some())
        .map_or_else(|| "none".to_string(), |s| s.family.clone());
    Ok(vec![
        Answer::Number(class(base, AttackerClass::Seizure)?.worst.mean),
        Answer::Number(class(th, AttackerClass::Seizure)?.worst.mean),
        Answer::Prediction,
        Answer::Name(least_class),
        Answer::Name(ghost_class),
        Answer::Integer(prospective.round() as i64),
        Answer::Integer(retrospective.round() as i64),
        Answer::Integer((retrospective - prospective).round() as i64),
        Answer::Bool(ghost.retrospective.utility.mean > 0.0),
        Answer::Number(crumple.prospective.cost.get("work").map_or(0.0, |e| e.mean)),
        Answer::Name(family),
        Answer::Text,
    ])
}
