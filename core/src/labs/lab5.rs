//! Lab 5: audit and detection (`docs/labs/lab5-audit-detection.md`).

use super::{figure, ratio, Answer, Kind, Lab, Measure, Question};
use crate::error::Result;

/// The `tamper` values of `audit-tamper` (a test checks they are the attack's own).
pub const TAMPERS: &[&str] = &[
    "edit",
    "delete",
    "reorder",
    "truncate",
    "rewrite",
    "chain-reset",
    "insert",
];

/// Lab 5.
pub(super) static LAB: Lab = Lab {
    number: 5,
    title: "Audit and detection",
    time: "2 hours",
    handout: "docs/labs/lab5-audit-detection.md",
    commands: &[
        "escrowlab lawful-access --scheme threshold-3of5 --seed SEED --users USERS --epochs EPOCHS",
        "escrowlab lawful-access --scheme hardened --seed SEED --users USERS --epochs EPOCHS",
        "escrowlab attack audit-tamper --scheme threshold-3of5 --param tamper=edit --seed SEED --users USERS --epochs EPOCHS",
        "escrowlab attack audit-tamper --scheme threshold-3of5 --param tamper=rewrite --seed SEED --users USERS --epochs EPOCHS",
        "escrowlab attack audit-tamper --scheme hardened --param tamper=rewrite --seed SEED --users USERS --epochs EPOCHS",
        "(and every other tamper: edit, delete, reorder, truncate, rewrite, chain-reset, insert)",
    ],
    questions: &[
        Question {
            id: "q5.1",
            text: "lawful access on threshold-3of5: `audit_entries`",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q5.1b",
            text: "lawful access on threshold-3of5: the warrant's target user, whose accesses the insider hides (`target`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q5.2",
            text: "lawful access: does hardened write more audit entries than threshold-3of5 for the same case",
            kind: Kind::Bool,
            seeded: false,
        },
        Question {
            id: "q5.2b",
            text: "lawful access on hardened: the share of all messages the audited case read (`in_scope_decrypted` / `messages_total`)",
            kind: Kind::Fraction { tolerance: 0.01 },
            seeded: true,
        },
        Question {
            id: "q5.2c",
            text: "lawful access on hardened: the messages the warrant does not cover (`messages_total` minus `in_scope_messages`)",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q5.5",
            text: "audit-tamper rewrite on threshold-3of5: `cost.silent_accesses`",
            kind: Kind::Integer,
            seeded: true,
        },
        Question {
            id: "q5.6",
            text: "the silent tamper on threshold-3of5 that also loses the later case's records",
            kind: Kind::Choice {
                what: "tamper mode",
                options: TAMPERS,
            },
            seeded: false,
        },
        Question {
            id: "q5.7",
            text: "audit-tamper rewrite on hardened: the control in `detected_by`",
            kind: Kind::Choice {
                what: "detection",
                options: &[
                    "audit-verify:edit",
                    "audit-verify:delete",
                    "audit-verify:reorder",
                    "audit-verify:truncate",
                    "audit-verify:rewrite",
                    "audit-verify:chain-reset",
                    "audit-verify:insert",
                    "agent-refusal",
                    "docket-audit",
                    "none",
                ],
            },
            seeded: false,
        },
        Question {
            id: "q5.8",
            text: "does the witness prevent the insider from rewriting the log (rather than reveal that it was rewritten)",
            kind: Kind::Bool,
            seeded: false,
        },
        Question {
            id: "q5.10",
            text: "what an auditor can conclude from a verified log, a log that fails verification and a witnessed log that fails verification",
            kind: Kind::Text,
            seeded: false,
        },
    ],
    compute,
};

fn compute(m: &Measure) -> Result<Vec<Answer>> {
    let la = m.lawful("threshold-3of5")?;
    let la_h = m.lawful("hardened")?;
    let tamper = |scheme: &str, t: &str| m.cell(scheme, "audit-tamper", &[("tamper", t)]);
    let mut silent = [Vec::new(), Vec::new()];
    let mut rewrite = Vec::new();
    for (i, s) in ["threshold-3of5", "hardened"].into_iter().enumerate() {
        for t in TAMPERS {
            let c = tamper(s, t)?;
            if figure(&c, "silent_accesses") > 0.0 {
                silent[i].push(*t);
            }
            if *t == "rewrite" {
                rewrite.push(c.clone());
            }
        }
    }
    // Of the silent ones, the tamper that cuts the log (losing the later case) is the
    // one that hides more than the hidden case: it is named by the attack's description.
    let loses_later = if silent[0].contains(&"truncate") {
        "truncate"
    } else {
        "none"
    };
    let detected = rewrite
        .get(1)
        .and_then(|c| c.detected_by.first().cloned())
        .unwrap_or_else(|| "none".into());
    Ok(vec![
        Answer::Integer(la.audit_entries as i64),
        Answer::Integer(la.target.map_or(-1, i64::from)),
        Answer::Bool(la_h.audit_entries > la.audit_entries),
        Answer::Number(ratio(la_h.in_scope_decrypted, la_h.messages_total)),
        Answer::Integer(la_h.messages_total as i64 - la_h.in_scope_messages as i64),
        Answer::Integer(
            rewrite
                .first()
                .map_or(0.0, |c| figure(c, "silent_accesses")) as i64,
        ),
        Answer::Name(loses_later.into()),
        Answer::Name(detected),
        Answer::Bool(false),
        Answer::Text,
    ])
}
