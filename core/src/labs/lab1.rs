//! Lab 1: one loophole (`docs/labs/lab1-one-loophole.md`).

use super::{blocked, figure, ratio, Answer, Kind, Lab, Measure, Question, BINDINGS};
use crate::error::Result;

/// Lab 1.
pub(super) static LAB: Lab = Lab {
    number: 1,
    title: "One loophole",
    time: "3 hours",
    handout: "docs/labs/lab1-one-loophole.md",
    commands: &[
        "escrowlab lawful-access --scheme threshold-3of5 --seed SEED --users USERS --epochs EPOCHS --json",
        "escrowlab lawful-access --scheme threshold-3of5-epoch --seed SEED --users USERS --epochs EPOCHS --json",
        "escrowlab attack share-theft --scheme threshold-3of5 --param stolen=3 --seed SEED --users USERS --epochs EPOCHS",
        "escrowlab attack share-theft --scheme threshold-3of5-epoch --param stolen=3 --seed SEED --users USERS --epochs EPOCHS",
        "escrowlab attack field-forgery --scheme single-key --param bits=8 --param trials=1000 --seed SEED --users USERS --epochs EPOCHS --json",
    ],
    questions: &[
        Question {
            id: "q1.1",
            text: "lawful access on threshold-3of5: the warrant's target user (`target`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q1.3",
            text: "lawful access on threshold-3of5: the messages the warrant does not cover (`messages_total` minus `in_scope_messages`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q1.4",
            text: "lawful access on threshold-3of5-epoch: the share of all messages the warrant opens (`in_scope_decrypted` / `messages_total`)",
            kind: Kind::Fraction { tolerance: 0.01 },
            seeded: true,
        },
        Question {
            id: "q1.5",
            text: "share-theft stolen=3 on threshold-3of5: exposed users, the users who sent anything (`exposure.users`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q1.7",
            text: "share-theft stolen=3 on threshold-3of5-epoch: exposed messages (`exposure.messages`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q1.7b",
            text: "before running share-theft stolen=3 on threshold-3of5-epoch: your prediction of its `exposure.messages`, from your static-key run and your world",
            kind: Kind::Prediction { of: "q1.7" },
            seeded: false,
        },
        Question {
            id: "q1.7c",
            text: "share-theft stolen=3: the messages epoch keys save (`exposure.messages` on threshold-3of5 minus on threshold-3of5-epoch)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q1.9",
            text: "field-forgery bits=8 trials=1000 on single-key: `cost.tries_mean`",
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
            id: "q1.18",
            text: "the control `blocked_by` names when insider-breach with extra = 0 reads nothing on threshold-3of5",
            kind: Kind::Control,
            seeded: false,
        },
        Question {
            id: "q1.19",
            text: "one thing your attack can express that share-theft cannot, with a parameter setting where the two differ",
            kind: Kind::Text,
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
    // With extra = 0 insider-breach holds one vault, as share-theft with stolen = 1 does.
    let one = m.cell("threshold-3of5", "share-theft", &[("stolen", "1")])?;
    Ok(vec![
        Answer::Integer(la.target.map_or(-1, i64::from)),
        Answer::Integer(la.messages_total as i64 - la.in_scope_messages as i64),
        Answer::Number(ratio(la_epoch.in_scope_decrypted, la_epoch.messages_total)),
        Answer::Integer(st.exposure.users as i64),
        Answer::Integer(st_epoch.exposure.messages as i64),
        Answer::Prediction,
        Answer::Integer(st.exposure.messages as i64 - st_epoch.exposure.messages as i64),
        Answer::Number(figure(&ff, "tries_mean")),
        Answer::Name("recompute".into()),
        Answer::Name("accepted_fraction".into()),
        blocked(&one),
        Answer::Text,
    ])
}
