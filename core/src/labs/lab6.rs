//! Lab 6: your own attack and your own scheme, out of tree
//! (`docs/labs/lab6-your-own.md`).

use super::{blocked, figure, Answer, Kind, Lab, Measure, Question};
use crate::config::scheme::Scheme;
use crate::error::Result;

/// Lab 6.
pub(super) static LAB: Lab = Lab {
    number: 6,
    title: "Your own attack and your own scheme, out of tree",
    time: "3 hours",
    handout: "docs/labs/lab6-your-own.md",
    commands: &[
        "escrowlab attack mobile-adversary --scheme refresh-only.toml --seed SEED --users USERS --epochs EPOCHS",
        "escrowlab attack share-theft --scheme refresh-only.toml --param stolen=3 --seed SEED --users USERS --epochs EPOCHS",
        "escrowlab attack share-theft --scheme two-of-five.toml --param stolen=2 --seed SEED --users USERS --epochs EPOCHS",
        "escrowlab suite lab6-suite.toml; echo $?",
        "lab6-escrowlab list",
        "lab6-escrowlab attack insider-breach --scheme two-of-five.toml --param agent=4 --param extra=1 --seed SEED --users USERS --epochs EPOCHS",
        "lab6-escrowlab suite lab6-suite.toml; echo $?",
    ],
    questions: &[
        Question {
            id: "q6.1",
            text: "mobile-adversary on refresh-only.toml: the control in `blocked_by`",
            kind: Kind::Control,
            seeded: false,
        },
        Question {
            id: "q6.2",
            text: "mobile-adversary on refresh-only.toml: shares it collected in all (`cost.shares_collected`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q6.3",
            text: "share-theft stolen=3 on refresh-only.toml: exposed messages sent before the breach (`before_compromise`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q6.4",
            text: "share-theft stolen=2 on two-of-five.toml: exposed messages (`exposure.messages`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q6.5",
            text: "the exit status of `escrowlab suite lab6-suite.toml` (the stock binary, which does not know insider-breach)",
            kind: Kind::Choice {
                what: "exit status",
                options: &["0", "1", "2"],
            },
            seeded: false,
        },
        Question {
            id: "q6.6",
            text: "insider-breach agent=4 extra=1 on two-of-five.toml: exposed messages (`exposure.messages`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q6.7",
            text: "insider-breach agent=4 extra=1 on two-of-five.toml: exposed users (`exposure.users`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q6.8",
            text: "the exit status of `lab6-escrowlab suite lab6-suite.toml` with one expectation you know to be false",
            kind: Kind::Choice {
                what: "exit status",
                options: &["0", "1", "2"],
            },
            seeded: false,
        },
        Question {
            id: "q6.9",
            text: "your attack: the actor, the capabilities, what `check` decides, and a run where `check` says exposed but `run` reads less",
            kind: Kind::Text,
            seeded: false,
        },
    ],
    compute,
};

/// `refresh-only.toml` as the handout has the student write it.
pub(super) const REFRESH_ONLY: &str = r#"name = "refresh-only"
summary = "hardened with one static key, refreshed every epoch"

[custody]
kind = "threshold"
k = 3
n = 5
keygen = "dkg"
lifetime = "static"
retention = 0
refresh = true

[field]
binding = "recompute"

[warrant]
court = { kind = "threshold", k = 2, n = 3 }
check_signature = true
check_expiry = true
check_scope = true
replay_cache = true
use_limit = 1
field_registry = true

[audit]
log = "witnessed"

[combiner]
verify_shares = true

[client]
roster_check = true
pin_escrow_key = true
"#;

/// `two-of-five.toml`: `threshold-3of5.toml` with `k = 2`, as the handout has it written.
pub(super) const TWO_OF_FIVE: &str = r#"name = "two-of-five"
summary = "a 2-of-5 static key"

[custody]
kind = "threshold"
k = 2
n = 5
keygen = "dealer"
lifetime = "static"
retention = 0
refresh = false

[field]
binding = "signed"

[warrant]
court = { kind = "single" }
check_signature = true
check_expiry = true
check_scope = true
replay_cache = true
use_limit = 1

[audit]
log = "hash-chain"
"#;

fn two_of_five() -> Result<Scheme> {
    Scheme::from_toml_str(TWO_OF_FIVE, "two-of-five.toml")
}

fn compute(m: &Measure) -> Result<Vec<Answer>> {
    let refresh = Scheme::from_toml_str(REFRESH_ONLY, "refresh-only.toml")?;
    let mob = m.cell_on(refresh.clone(), "mobile-adversary", &[])?;
    let theft = m.cell_on(refresh, "share-theft", &[("stolen", "3")])?;
    let two = two_of_five()?;
    let two_theft = m.cell_on(two.clone(), "share-theft", &[("stolen", "2")])?;
    // insider-breach agent=4 extra=1 breaches agents 4 and 0 at epoch 2: two vaults of a
    // 2-of-5 key, what share-theft with stolen=2 takes (agents 0 and 1), so the same
    // key falls and the same users are exposed.
    let insider = m.cell_on(two, "share-theft", &[("stolen", "2")])?;
    Ok(vec![
        blocked(&mob),
        Answer::Integer(figure(&mob, "shares_collected") as i64),
        Answer::Integer(theft.before_compromise as i64),
        Answer::Integer(two_theft.exposure.messages as i64),
        Answer::Name("2".into()),
        Answer::Integer(insider.exposure.messages as i64),
        Answer::Integer(insider.exposure.users as i64),
        Answer::Name("1".into()),
        Answer::Text,
    ])
}
