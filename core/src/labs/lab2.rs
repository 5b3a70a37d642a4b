//! Lab 2: binding strength and Blaze's forgery (`docs/labs/lab2-binding-strength.md`).

use super::{figure, Answer, Kind, Lab, Measure, Question, BINDINGS};
use crate::error::Result;

/// Lab 2.
pub(super) static LAB: Lab = Lab {
    number: 2,
    title: "Binding strength and Blaze's forgery",
    time: "2 hours",
    handout: "docs/labs/lab2-binding-strength.md",
    commands: &[
        "escrowlab attack field-forgery --scheme single-key --param bits=4 --param trials=1000 --seed SEED --users USERS --epochs EPOCHS --json",
        "escrowlab attack field-forgery --scheme single-key --param bits=8 --param trials=1000 --seed SEED --users USERS --epochs EPOCHS --json",
        "escrowlab attack field-forgery --scheme single-key --param bits=12 --param trials=100 --seed SEED --users USERS --epochs EPOCHS --json",
        "escrowlab attack field-forgery --scheme threshold-3of5 --param trials=4 --param max_tries=1000 --seed SEED --users USERS --epochs EPOCHS --json",
        "escrowlab attack field-forgery --scheme hardened --seed SEED --users USERS --epochs EPOCHS --json",
    ],
    questions: &[
        Question {
            id: "q2.1",
            text: "bits=8, trials=1000: `cost.tries_mean`",
            kind: Kind::Number { tolerance: 0.005 },
            seeded: true,
        },
        Question {
            id: "q2.2",
            text: "the distribution of the number of tries of one trial",
            kind: Kind::Choice {
                what: "distribution",
                options: &["uniform", "normal", "poisson", "geometric", "binomial"],
            },
            seeded: false,
        },
        Question {
            id: "q2.3",
            text: "bits=8, trials=1000: `cost.tries_median`",
            kind: Kind::Number { tolerance: 0.005 },
            seeded: true,
        },
        Question {
            id: "q2.4",
            text: "bits=8, trials=1000: `cost.tries_max`",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q2.5",
            text: "is the bits=8 forgery against single-key detected (`detected`)",
            kind: Kind::Bool,
            seeded: false,
        },
        Question {
            id: "q2.6",
            text: "bits=4, trials=1000: `cost.tries_mean`",
            kind: Kind::Number { tolerance: 0.005 },
            seeded: true,
        },
        Question {
            id: "q2.7",
            text: "bits=12, trials=100: `cost.tries_mean`",
            kind: Kind::Number { tolerance: 0.005 },
            seeded: true,
        },
        Question {
            id: "q2.7b",
            text: "before running bits=12: your prediction of its `cost.tries_mean`",
            kind: Kind::Prediction { of: "q2.7" },
            seeded: false,
        },
        Question {
            id: "q2.8",
            text: "how many times the mean tries grew from bits=4 to bits=8 (your q2.1 divided by your q2.6)",
            kind: Kind::Number { tolerance: 0.01 },
            seeded: true,
        },
        Question {
            id: "q2.9",
            text: "threshold-3of5 (trials=4, max_tries=1000): was any forged field accepted (`cost.accepted_fraction` above 0)",
            kind: Kind::Bool,
            seeded: false,
        },
        Question {
            id: "q2.10",
            text: "the binding mode of hardened, under which no forged field is ever accepted",
            kind: Kind::Choice {
                what: "binding mode",
                options: BINDINGS,
            },
            seeded: false,
        },
        Question {
            id: "q2.11",
            text: "one paragraph for a policy maker: why a forgery that exposes nothing is still a failure of exceptional access, and which figure measures it",
            kind: Kind::Text,
            seeded: false,
        },
    ],
    compute,
};

fn compute(m: &Measure) -> Result<Vec<Answer>> {
    let ff = |bits: &str, trials: &str| {
        m.cell(
            "single-key",
            "field-forgery",
            &[("bits", bits), ("trials", trials)],
        )
    };
    let b4 = ff("4", "1000")?;
    let b8 = ff("8", "1000")?;
    let b12 = ff("12", "100")?;
    let signed = m.cell(
        "threshold-3of5",
        "field-forgery",
        &[("trials", "4"), ("max_tries", "1000")],
    )?;
    Ok(vec![
        Answer::Number(figure(&b8, "tries_mean")),
        Answer::Name("geometric".into()),
        Answer::Number(figure(&b8, "tries_median")),
        Answer::Integer(figure(&b8, "tries_max") as i64),
        Answer::Bool(b8.detected),
        Answer::Number(figure(&b4, "tries_mean")),
        Answer::Number(figure(&b12, "tries_mean")),
        Answer::Prediction,
        Answer::Number(figure(&b8, "tries_mean") / figure(&b4, "tries_mean")),
        Answer::Bool(figure(&signed, "accepted_fraction") > 0.0),
        Answer::Name("recompute".into()),
        Answer::Text,
    ])
}
