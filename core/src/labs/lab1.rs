//! Lab 1: one loophole (`docs/labs/lab1-one-loophole.md`).

use super::{blocked, figure, Answer, Kind, Lab, Measure, Question, BINDINGS, CONTROLS};
use crate::config::scheme::{CustodyKind, Scheme};
use crate::error::Result;

/// Lab 1.
pub(super) static LAB: Lab = Lab {
    number: 1,
    title: "One loophole",
    time: "3 hours",
    handout: "docs/labs/lab1-one-loophole.md",
    commands: &[
        "escrowlab lawful-access --scheme threshold-3of5 --seed SEED --users 40 --json",
        "escrowlab lawful-access --scheme threshold-3of5-epoch --seed SEED --users 40 --json",
        "escrowlab attack share-theft --scheme threshold-3of5 --param stolen=3 --seed SEED --users 40",
        "escrowlab attack share-theft --scheme threshold-3of5-epoch --param stolen=3 --seed SEED --users 40",
        "escrowlab attack field-forgery --scheme single-key --param bits=8 --param trials=1000 --seed SEED --users 40 --json",
    ],
    questions: &[
        Question {
            id: "q1.1",
            text: "lawful access on threshold-3of5 with your seed: the warrant's target user (`target`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q1.3",
            text: "the number of refused requests across all probes (`refused_requests`)",
            kind: Kind::Integer,
            seeded: false,
        },
        Question {
            id: "q1.4",
            text: "lawful access on threshold-3of5-epoch with your seed: messages read and confirmed (`in_scope_decrypted`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q1.5",
            text: "share-theft stolen=3 on threshold-3of5 with your seed: exposed users (`exposure.users`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q1.7",
            text: "share-theft stolen=3 on threshold-3of5-epoch with your seed: the exposed fraction (`exposure.fraction`)",
            kind: Kind::Number { tolerance: 0.01 },
            seeded: false,
        },
        Question {
            id: "q1.9",
            text: "field-forgery bits=8 trials=1000 on single-key with your seed: `cost.tries_mean`",
            kind: Kind::Number { tolerance: 0.005 },
            seeded: true,
        },
        Question {
            id: "q1.11",
            text: "the binding mode that makes forgery impossible rather than expensive",
            kind: Kind::Choice {
                what: "binding mode",
                options: BINDINGS,
            },
            seeded: false,
        },
        Question {
            id: "q1.12",
            text: "the figure of the field-forgery JSON that measures the failure of exceptional access",
            kind: Kind::Choice {
                what: "figure",
                options: &[
                    "tries_mean",
                    "tries",
                    "trials",
                    "accepted_fraction",
                    "exposure.fraction",
                ],
            },
            seeded: false,
        },
        Question {
            id: "q1.17",
            text: "with extra = 2, for how many of the five built-in schemes must insider-breach's check say exposed",
            kind: Kind::Integer,
            seeded: false,
        },
        Question {
            id: "q1.18",
            text: "the control `blocked_by` names when insider-breach with extra = 0 reads nothing on threshold-3of5",
            kind: Kind::Choice {
                what: "control",
                options: CONTROLS,
            },
            seeded: false,
        },
    ],
    compute,
};

fn compute(m: &Measure) -> Result<Vec<Answer>> {
    let la = m.lawful("threshold-3of5")?;
    let la_epoch = m.lawful("threshold-3of5-epoch")?;
    let st = m.cell("threshold-3of5", "share-theft", &[("stolen", "3")])?;
    let st_epoch = m.cell("threshold-3of5-epoch", "share-theft", &[("stolen", "3")])?;
    let ff = m.cell(
        "single-key",
        "field-forgery",
        &[("bits", "8"), ("trials", "1000")],
    )?;
    // insider-breach with extra = 2 holds 3 vaults: exposed wherever an escrow key exists
    // and k <= 3.
    let exposed = Scheme::builtins()
        .iter()
        .filter(|s| s.custody.kind != CustodyKind::None && s.k() <= 3)
        .filter(|s| s.family() == crate::mechanism::SESSION_ESCROW)
        .count();
    // With extra = 0 it holds one vault, as share-theft with stolen = 1 does.
    let one = m.cell("threshold-3of5", "share-theft", &[("stolen", "1")])?;
    Ok(vec![
        Answer::Integer(la.target.map_or(-1, i64::from)),
        Answer::Integer(la.refused_requests as i64),
        Answer::Integer(la_epoch.in_scope_decrypted as i64),
        Answer::Integer(st.exposure.users as i64),
        Answer::Number(st_epoch.exposure.fraction),
        Answer::Number(figure(&ff, "tries_mean")),
        Answer::Name("recompute".into()),
        Answer::Name("accepted_fraction".into()),
        Answer::Integer(exposed as i64),
        blocked(&one),
    ])
}
