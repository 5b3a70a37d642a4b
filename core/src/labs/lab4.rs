//! Lab 4: warrant controls and insider misuse (`docs/labs/lab4-warrant-controls.md`).

use super::{blocked, Answer, Kind, Lab, Measure, Question};
use crate::error::Result;

/// Lab 4.
pub(super) static LAB: Lab = Lab {
    number: 4,
    title: "Warrant controls and insider misuse",
    time: "2.5 hours",
    handout: "docs/labs/lab4-warrant-controls.md",
    commands: &[
        "escrowlab attack warrant-replay --scheme threshold-3of5 --param mode=exact --seed SEED --users USERS --epochs EPOCHS",
        "escrowlab attack warrant-replay --scheme threshold-3of5 --param mode=fresh --seed SEED --users USERS --epochs EPOCHS",
        "escrowlab attack warrant-replay --scheme threshold-3of5 --param mode=expired --seed SEED --users USERS --epochs EPOCHS",
        "escrowlab attack scope-abuse --scheme threshold-3of5 --seed SEED --users USERS --epochs EPOCHS",
        "escrowlab attack target-substitution --scheme threshold-3of5 --seed SEED --users USERS --epochs EPOCHS",
        "escrowlab attack target-substitution --scheme threshold-3of5 --param resign=true --seed SEED --users USERS --epochs EPOCHS",
        "escrowlab attack target-substitution --scheme hardened --param resign=true --seed SEED --users USERS --epochs EPOCHS",
        "escrowlab attack collusion --scheme threshold-3of5 --param colluders=2 --seed SEED --users USERS --epochs EPOCHS",
        "escrowlab attack collusion --scheme threshold-3of5-epoch --param colluders=3 --seed SEED --users USERS --epochs EPOCHS",
        "escrowlab attack rogue-agent --scheme threshold-3of5 --param extra_breaches=1 --seed SEED --users USERS --epochs EPOCHS",
        "escrowlab attack rogue-agent --scheme threshold-3of5 --param extra_breaches=2 --seed SEED --users USERS --epochs EPOCHS",
        "escrowlab attack rogue-agent --scheme threshold-3of5 --param mode=reuse --param reuse_fields=10 --seed SEED --users USERS --epochs EPOCHS",
    ],
    questions: &[
        Question {
            id: "q4.1",
            text: "warrant-replay mode=exact on threshold-3of5: the control in `blocked_by`",
            kind: Kind::Control,
            seeded: false,
        },
        Question {
            id: "q4.2",
            text: "warrant-replay mode=fresh on threshold-3of5: the control in `blocked_by`",
            kind: Kind::Control,
            seeded: false,
        },
        Question {
            id: "q4.3",
            text: "warrant-replay mode=expired on threshold-3of5: the control in `blocked_by`",
            kind: Kind::Control,
            seeded: false,
        },
        Question {
            id: "q4.4",
            text: "scope-abuse on threshold-3of5: the share of all messages the officer read (`exposure.fraction`)",
            kind: Kind::Fraction { tolerance: 0.01 },
            seeded: true,
        },
        Question {
            id: "q4.5",
            text: "scope-abuse on threshold-3of5: the messages the officer did not read (`exposure.messages_total` minus `exposure.messages`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q4.6",
            text: "target-substitution on threshold-3of5 (resign=false): the control in `blocked_by`",
            kind: Kind::Control,
            seeded: false,
        },
        Question {
            id: "q4.7",
            text: "target-substitution resign=true on threshold-3of5: victims' users exposed (`exposure.users`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q4.8",
            text: "target-substitution resign=true on hardened: the control in `blocked_by`",
            kind: Kind::Control,
            seeded: false,
        },
        Question {
            id: "q4.9",
            text: "collusion colluders=2 on threshold-3of5: the control in `blocked_by`",
            kind: Kind::Control,
            seeded: false,
        },
        Question {
            id: "q4.10",
            text: "collusion colluders=3 on threshold-3of5-epoch: exposed messages (`exposure.messages`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q4.11",
            text: "rogue-agent mode=leak extra_breaches=2 on threshold-3of5: exposed messages (`exposure.messages`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q4.12",
            text: "rogue-agent mode=reuse reuse_fields=10 on threshold-3of5: the exposed fraction (`exposure.fraction`)",
            kind: Kind::Fraction { tolerance: 0.01 },
            seeded: true,
        },
        Question {
            id: "q4.13",
            text: "which controls could notice the insider attacks of Task 3, and which of them the default schemes have",
            kind: Kind::Text,
            seeded: false,
        },
    ],
    compute,
};

fn compute(m: &Measure) -> Result<Vec<Answer>> {
    let replay = |mode: &str| m.cell("threshold-3of5", "warrant-replay", &[("mode", mode)]);
    let exact = replay("exact")?;
    let fresh = replay("fresh")?;
    let expired = replay("expired")?;
    let scope = m.cell("threshold-3of5", "scope-abuse", &[])?;
    let subst = m.cell("threshold-3of5", "target-substitution", &[])?;
    let resign = m.cell(
        "threshold-3of5",
        "target-substitution",
        &[("resign", "true")],
    )?;
    let hardened = m.cell("hardened", "target-substitution", &[("resign", "true")])?;
    let two = m.cell("threshold-3of5", "collusion", &[("colluders", "2")])?;
    let epoch3 = m.cell("threshold-3of5-epoch", "collusion", &[("colluders", "3")])?;
    let leak = m.cell("threshold-3of5", "rogue-agent", &[("extra_breaches", "2")])?;
    let reuse = m.cell(
        "threshold-3of5",
        "rogue-agent",
        &[("mode", "reuse"), ("reuse_fields", "10")],
    )?;
    Ok(vec![
        blocked(&exact),
        blocked(&fresh),
        blocked(&expired),
        Answer::Number(scope.exposure.fraction),
        Answer::Integer(scope.exposure.messages_total as i64 - scope.exposure.messages as i64),
        blocked(&subst),
        Answer::Integer(resign.exposure.users as i64),
        blocked(&hardened),
        blocked(&two),
        Answer::Integer(epoch3.exposure.messages as i64),
        Answer::Integer(leak.exposure.messages as i64),
        Answer::Number(reuse.exposure.fraction),
        Answer::Text,
    ])
}
