//! `audit-tamper`: an insider with write access to an agent's audit log hides the
//! accesses of a case.

use escrowlab_core::escrow::audit::{verify, AuditEntry, AuditLog, AuditRecord, Decision};
use escrowlab_core::prelude::*;

/// Audit log tampering.
pub struct AuditTamper;

const TAMPERS: &[&str] = &[
    "edit",
    "delete",
    "reorder",
    "truncate",
    "rewrite",
    "chain-reset",
    "insert",
];

static META: AttackMeta = AttackMeta {
    id: "audit-tamper",
    title: "Audit log tampering",
    actor: "insider with write access to an agent's audit log",
    capabilities: &[
        Capability::Intercept,
        Capability::WriteAuditLog,
        Capability::ObtainWarrant,
        Capability::SubmitRequest,
    ],
    description: "At the end of the run law enforcement runs three lawful cases in turn (a prior \
        case, the case to hide, a later case), each granted by every agent. An insider at agent 0 \
        then rewrites that agent's log to hide the hidden case's granted records: `edit` \
        re-attributes them to the prior case's warrant in place; `rewrite` does the same and \
        recomputes every later hash so the chain is consistent; `delete` removes them from the \
        middle; `truncate` cuts the log from the first of them on (losing the later case too); \
        `chain-reset` re-attributes them and restarts the chain at the first one (it links to the \
        genesis value); `reorder` moves one of them before its predecessor; `insert` forges an \
        extra record. The insider checks its work with the public verifier (against the witness, \
        which it can read but not rewrite, when the audit is witnessed): `silent_accesses` counts \
        the hidden case's granted records removed or altered that verification does not flag. A \
        plain SHA-256 chain has no key, so a recomputed rewrite or a cut tail verifies; only a \
        witness that saw earlier heads catches them. Nothing is decrypted: exposure is 0.",
    references: &[
        "Schneier, Kelsey, Secure audit logs to support computer forensics, 1999",
        "Crosby, Wallach, Efficient data structures for tamper-evident logging, 2009",
        "Laurie, Langley, Kasper, Certificate Transparency (RFC 6962), 2013",
    ],
    params: &[ParamSpec {
        name: "tamper",
        kind: ParamKind::Choice(TAMPERS),
        default: DefaultValue::Str("truncate"),
        doc: "edit | delete | reorder | truncate | rewrite | chain-reset | insert",
    }],
};

/// Recomputes `prev` and `hash` of every entry from `from` on (seq numbers kept as stored).
fn rechain(log: &mut AuditLog, from: usize, reset_at: Option<usize>) {
    let agent = log.agent();
    let entries = log.entries_mut();
    for i in from..entries.len() {
        let prev = if Some(i) == reset_at || i == 0 {
            AuditLog::genesis(agent)
        } else {
            entries[i - 1].hash
        };
        let e = &mut entries[i];
        e.prev = prev;
        e.hash = AuditEntry::compute_hash(agent, e.seq, &e.prev, &e.record);
    }
}

impl Attack for AuditTamper {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec};
        ClassSpec::new(AttackerClass::Insider, &[])
    }
    fn check(&self, scheme: &Scheme, _params: &Params) -> Exposure {
        match scheme.audit.log {
            AuditMode::None => {
                Exposure::yes("no audit log: there is nothing to tamper with and nothing to notice")
            }
            AuditMode::HashChain => {
                Exposure::yes("an unkeyed hash chain: a cut tail or a recomputed rewrite verifies")
            }
            AuditMode::Witnessed => {
                Exposure::no("a witness holds earlier chain heads: every tamper kind is caught")
            }
        }
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        if !ctx.require_escrow() {
            return Ok(Outcome::default());
        }
        let mut out = Outcome::default();
        let info = ctx.info();
        ctx.advance_to_end()?;
        let last = info.epochs.saturating_sub(1);
        let window = [last, last];
        // Three disjoint targets, each with traffic in the window.
        let sessions: Vec<Vec<u32>> = ctx
            .intercept()
            .sessions
            .iter()
            .filter(|s| s.header.epoch == last)
            .map(|s| s.header.members.clone())
            .collect();
        let mut rng = ctx.rng("targets");
        let mut order: Vec<usize> = (0..sessions.len()).collect();
        order.shuffle(&mut rng);
        let mut targets: Vec<u32> = Vec::new();
        for i in order {
            if targets.len() < 3 && !sessions[i].iter().any(|m| targets.contains(m)) {
                targets.push(sessions[i][0]);
            }
        }
        if targets.len() < 3 {
            out.notes
                .push("too few conversations for three cases".into());
            return Ok(out);
        }
        let (prior, _) = ctx.lawful_case("case-prior", vec![targets[0]], window)?;
        ctx.wait(5);
        let (hidden, _) = ctx.lawful_case("case-hidden", vec![targets[1]], window)?;
        ctx.wait(5);
        ctx.lawful_case("case-later", vec![targets[2]], window)?;
        let tamper = params.word("tamper").to_string();
        let witness = ctx.audit_witness();
        let Some(log) = ctx.write_audit_log(0) else {
            return Ok(out);
        };
        let hidden_fp = hidden.fingerprint();
        let is_hidden =
            |r: &AuditRecord| r.warrant_fp == hidden_fp && r.decision == Decision::Granted;
        let original: Vec<AuditRecord> = log
            .entries()
            .iter()
            .map(|e| e.record.clone())
            .filter(|r| is_hidden(r))
            .collect();
        let positions: Vec<usize> = log
            .entries()
            .iter()
            .enumerate()
            .filter(|(_, e)| is_hidden(&e.record))
            .map(|(i, _)| i)
            .collect();
        out.figure("hidden_case_records", original.len() as f64);
        let (Some(&first), Some(&last_pos)) = (positions.first(), positions.last()) else {
            out.notes
                .push("the hidden case left no granted record at agent 0".into());
            return Ok(out);
        };
        let disguise = |r: &mut AuditRecord| {
            r.case_id = prior.warrant.case_id.clone();
            r.warrant_fp = prior.fingerprint();
        };
        match tamper.as_str() {
            "edit" => {
                for &i in &positions {
                    disguise(&mut log.entries_mut()[i].record);
                }
            }
            "rewrite" | "chain-reset" => {
                for &i in &positions {
                    disguise(&mut log.entries_mut()[i].record);
                }
                let reset = (tamper == "chain-reset").then_some(first);
                rechain(log, first, reset);
            }
            "delete" => {
                log.entries_mut().drain(first..=last_pos);
            }
            "truncate" => {
                log.entries_mut().truncate(first);
            }
            "reorder" => {
                // Move the first hidden record before its predecessor (or after its successor).
                let other = if first > 0 {
                    first - 1
                } else {
                    (first + 1).min(log.len() - 1)
                };
                log.entries_mut().swap(other, first);
            }
            _ => {
                // insert: a forged record, correctly hashed onto its predecessor, with the
                // sequence number of the entry it is slipped in front of.
                let mut forged = log.entries()[first].clone();
                disguise(&mut forged.record);
                forged.record.field_id = "s0:forged".into();
                forged.hash =
                    AuditEntry::compute_hash(log.agent(), forged.seq, &forged.prev, &forged.record);
                log.entries_mut().insert(first, forged);
            }
        }
        let removed_or_altered = original
            .iter()
            .filter(|r| !log.entries().iter().any(|e| &e.record == *r))
            .count();
        let verdict = verify(log, witness.as_ref());
        let silent = if verdict.is_ok() {
            removed_or_altered
        } else {
            0
        };
        out.figure("records_hidden", removed_or_altered as f64);
        out.figure("silent_accesses", silent as f64);
        match verdict {
            Ok(()) => out.notes.push(format!(
                "{tamper}: the tampered log verifies; {} hidden",
                escrowlab_core::text::count(removed_or_altered, "access", "accesses")
            )),
            Err(t) => out
                .notes
                .push(format!("{tamper}: verification flags it: {t}")),
        }
        Ok(out)
    }
}
