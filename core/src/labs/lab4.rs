//! Lab 4: warrant controls and insider misuse (`docs/labs/lab4-warrant-controls.md`).

use super::{blocked, figure, Answer, Kind, Lab, Measure, Question, CONTROLS};
use crate::error::Result;

/// Lab 4.
pub(super) static LAB: Lab = Lab {
    number: 4,
    title: "Warrant controls and insider misuse",
    time: "2.5 hours",
    handout: "docs/labs/lab4-warrant-controls.md",
    commands: &[
        "escrowlab attack warrant-replay --scheme threshold-3of5 --param mode=exact --seed SEED --users 40",
        "escrowlab attack warrant-replay --scheme threshold-3of5 --param mode=fresh --seed SEED --users 40",
        "escrowlab attack warrant-replay --scheme threshold-3of5 --param mode=expired --seed SEED --users 40",
        "escrowlab attack scope-abuse --scheme threshold-3of5 --seed SEED --users 40",
        "escrowlab attack target-substitution --scheme threshold-3of5 --seed SEED --users 40",
        "escrowlab attack target-substitution --scheme threshold-3of5 --param resign=true --seed SEED --users 40",
        "escrowlab attack target-substitution --scheme hardened --param resign=true --seed SEED --users 40",
        "escrowlab attack collusion --scheme threshold-3of5 --param colluders=2 --seed SEED --users 40",
        "escrowlab attack collusion --scheme threshold-3of5-epoch --param colluders=3 --seed SEED --users 40",
        "escrowlab attack rogue-agent --scheme threshold-3of5 --param extra_breaches=1 --seed SEED --users 40",
        "escrowlab attack rogue-agent --scheme threshold-3of5 --param mode=reuse --param reuse_fields=10 --seed SEED --users 40",
    ],
    questions: &[
        Question {
            id: "q4.1",
            text: "warrant-replay mode=exact on threshold-3of5: the control in `blocked_by`",
            kind: Kind::Choice {
                what: "control",
                options: CONTROLS,
            },
            seeded: false,
        },
        Question {
            id: "q4.2",
            text: "warrant-replay mode=fresh on threshold-3of5: the control in `blocked_by`",
            kind: Kind::Choice {
                what: "control",
                options: CONTROLS,
            },
            seeded: false,
        },
        Question {
            id: "q4.3",
            text: "warrant-replay mode=expired on threshold-3of5: the control in `blocked_by`",
            kind: Kind::Choice {
                what: "control",
                options: CONTROLS,
            },
            seeded: false,
        },
        Question {
            id: "q4.4",
            text: "scope-abuse on threshold-3of5 with your seed: messages the officer read (`exposure.messages`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q4.5",
            text: "scope-abuse on threshold-3of5: messages read outside the warrant (`out_of_scope`)",
            kind: Kind::Integer,
            seeded: false,
        },
        Question {
            id: "q4.6",
            text: "target-substitution on threshold-3of5 (resign=false): the control in `blocked_by`",
            kind: Kind::Choice {
                what: "control",
                options: CONTROLS,
            },
            seeded: false,
        },
        Question {
            id: "q4.7",
            text: "target-substitution resign=true on threshold-3of5 with your seed: victims' users exposed (`exposure.users`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q4.8",
            text: "target-substitution resign=true on hardened: the control in `blocked_by`",
            kind: Kind::Choice {
                what: "control",
                options: CONTROLS,
            },
            seeded: false,
        },
        Question {
            id: "q4.9",
            text: "collusion colluders=2 on threshold-3of5: the control in `blocked_by`",
            kind: Kind::Choice {
                what: "control",
                options: CONTROLS,
            },
            seeded: false,
        },
        Question {
            id: "q4.10",
            text: "collusion colluders=3 on threshold-3of5-epoch: the exposed fraction (`exposure.fraction`)",
            kind: Kind::Number { tolerance: 0.01 },
            seeded: false,
        },
        Question {
            id: "q4.11",
            text: "rogue-agent mode=leak: the smallest `extra_breaches` that exposes anything on threshold-3of5",
            kind: Kind::Integer,
            seeded: false,
        },
        Question {
            id: "q4.12",
            text: "rogue-agent mode=reuse reuse_fields=10 on threshold-3of5: `cost.other_sessions_opened`",
            kind: Kind::Integer,
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
    let mut extra = -1;
    for x in 0..=4 {
        let cell = m.cell(
            "threshold-3of5",
            "rogue-agent",
            &[("extra_breaches", &x.to_string())],
        )?;
        if cell.exposure.messages > 0 {
            extra = x;
            break;
        }
    }
    let reuse = m.cell(
        "threshold-3of5",
        "rogue-agent",
        &[("mode", "reuse"), ("reuse_fields", "10")],
    )?;
    Ok(vec![
        blocked(&exact),
        blocked(&fresh),
        blocked(&expired),
        Answer::Integer(scope.exposure.messages as i64),
        Answer::Integer(scope.out_of_scope as i64),
        blocked(&subst),
        Answer::Integer(resign.exposure.users as i64),
        blocked(&hardened),
        blocked(&two),
        Answer::Number(epoch3.exposure.fraction),
        Answer::Integer(extra),
        Answer::Integer(figure(&reuse, "other_sessions_opened") as i64),
    ])
}
