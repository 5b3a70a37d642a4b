//! Lab 3: threshold custody, mobile adversaries and proactive refresh
//! (`docs/labs/lab3-threshold-custody.md`).

use super::{blocked, figure, Answer, Kind, Lab, Measure, Question, SCHEMES};
use crate::error::Result;

/// Lab 3.
pub(super) static LAB: Lab = Lab {
    number: 3,
    title: "Threshold custody, mobile adversaries, proactive refresh",
    time: "2 hours",
    handout: "docs/labs/lab3-threshold-custody.md",
    commands: &[
        "escrowlab attack share-theft --scheme threshold-3of5 --param stolen=2 --seed SEED --users USERS --epochs EPOCHS",
        "escrowlab attack share-theft --scheme threshold-3of5 --param stolen=3 --seed SEED --users USERS --epochs EPOCHS",
        "escrowlab attack share-theft --scheme threshold-3of5-epoch --param stolen=3 --seed SEED --users USERS --epochs EPOCHS",
        "escrowlab attack share-theft --scheme threshold-3of5-epoch --param stolen=3 --param at_epoch=0 --seed SEED --users USERS --epochs EPOCHS",
        "escrowlab attack share-theft --scheme threshold-3of5-epoch --param stolen=3 --param at_epoch=1 --seed SEED --users USERS --epochs EPOCHS",
        "escrowlab attack mobile-adversary --scheme threshold-3of5 --seed SEED --users USERS --epochs EPOCHS",
        "escrowlab attack mobile-adversary --scheme threshold-3of5-epoch --seed SEED --users USERS --epochs EPOCHS",
    ],
    questions: &[
        Question {
            id: "q3.1",
            text: "stolen=3 on threshold-3of5: exposed messages (`exposure.messages`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q3.2",
            text: "stolen=2 on threshold-3of5: the control in `blocked_by`",
            kind: Kind::Control,
            seeded: false,
        },
        Question {
            id: "q3.3",
            text: "stolen=3 on threshold-3of5: messages exposed that were sent before the breach (`before_compromise`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q3.4",
            text: "stolen=3 on threshold-3of5-epoch: exposed messages (`exposure.messages`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q3.4b",
            text: "before running stolen=3 on threshold-3of5-epoch: your prediction of its `exposure.messages`",
            kind: Kind::Prediction { of: "q3.4" },
            seeded: false,
        },
        Question {
            id: "q3.5",
            text: "stolen=3 on threshold-3of5-epoch: the messages the thief cannot read (`exposure.messages_total` minus `exposure.messages`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q3.6",
            text: "stolen=3 at_epoch=0 on threshold-3of5-epoch: the control in `blocked_by`",
            kind: Kind::Control,
            seeded: false,
        },
        Question {
            id: "q3.7",
            text: "stolen=3 at_epoch=1 on threshold-3of5-epoch: exposed messages (`exposure.messages`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q3.8",
            text: "mobile-adversary on threshold-3of5: exposed messages (`exposure.messages`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q3.9",
            text: "mobile-adversary on threshold-3of5-epoch: the control in `blocked_by`",
            kind: Kind::Control,
            seeded: false,
        },
        Question {
            id: "q3.10",
            text: "mobile-adversary on threshold-3of5-epoch: shares it collected in all (`cost.shares_collected`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q3.11",
            text: "the one 3-of-5 built-in scheme whose key the mobile adversary rebuilds",
            kind: Kind::Choice {
                what: "scheme name",
                options: SCHEMES,
            },
            seeded: false,
        },
        Question {
            id: "q3.12",
            text: "the experiment that separates epoch keys from proactive refresh",
            kind: Kind::Text,
            seeded: false,
        },
    ],
    compute,
};

fn compute(m: &Measure) -> Result<Vec<Answer>> {
    let theft = |scheme: &str, stolen: &str, at: &str| {
        m.cell(
            scheme,
            "share-theft",
            &[("stolen", stolen), ("at_epoch", at)],
        )
    };
    let s2 = theft("threshold-3of5", "2", "2")?;
    let s3 = theft("threshold-3of5", "3", "2")?;
    let e3 = theft("threshold-3of5-epoch", "3", "2")?;
    let e3_0 = theft("threshold-3of5-epoch", "3", "0")?;
    let e3_1 = theft("threshold-3of5-epoch", "3", "1")?;
    let mob = m.cell("threshold-3of5", "mobile-adversary", &[])?;
    let mob_epoch = m.cell("threshold-3of5-epoch", "mobile-adversary", &[])?;
    let falls: Vec<&str> = ["threshold-3of5", "threshold-3of5-epoch"]
        .into_iter()
        .zip([&mob, &mob_epoch])
        .filter(|(_, c)| c.exposure.messages > 0)
        .map(|(s, _)| s)
        .collect();
    Ok(vec![
        Answer::Integer(s3.exposure.messages as i64),
        blocked(&s2),
        Answer::Integer(s3.before_compromise as i64),
        Answer::Integer(e3.exposure.messages as i64),
        Answer::Prediction,
        Answer::Integer(e3.exposure.messages_total as i64 - e3.exposure.messages as i64),
        blocked(&e3_0),
        Answer::Integer(e3_1.exposure.messages as i64),
        Answer::Integer(mob.exposure.messages as i64),
        blocked(&mob_epoch),
        Answer::Integer(figure(&mob_epoch, "shares_collected") as i64),
        Answer::Name(falls.join(",")),
        Answer::Text,
    ])
}
