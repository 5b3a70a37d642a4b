//! `key-theft`: an outside attacker steals the escrow master key where it sits in one place.

use crate::common::read_with_masters;
use escrowlab_core::prelude::*;

/// Escrow master-key theft.
pub struct KeyTheft;

static META: AttackMeta = AttackMeta {
    id: "key-theft",
    title: "Escrow master-key theft",
    actor: "outside attacker who breaches the key store",
    capabilities: &[Capability::Intercept, Capability::CompromiseAgent],
    description: "Breaches the one place that holds escrow key material (the agency's vault, or \
        the first agent's vault when custody is split), takes what is there at epoch `at_epoch`, \
        rebuilds the master secret if what it took suffices (checked against the published master \
        key), then decrypts every escrow field in the intercepted transcript offline, derives the \
        message keys and opens every message: past and future, without touching any agent again.",
    references: &[
        "Abelson et al., The Risks of Key Recovery, Key Escrow, and Trusted Third-Party Encryption, 1997, §3.1.3",
        "Abelson et al., Keys Under Doormats, 2015",
        "Green, A few thoughts on Ray Ozzie's 'Clear' proposal, 2018",
    ],
    params: &[ParamSpec {
        name: "at_epoch",
        kind: ParamKind::Bounded {
            min: 0,
            max: 1000,
            bound: Bound::Epoch,
        },
        default: DefaultValue::Int(2),
        doc: "epoch at whose start the vault is breached",
    }],
};

impl Attack for KeyTheft {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec};
        ClassSpec::new(AttackerClass::Outsider, &[])
    }
    fn check(&self, scheme: &Scheme, params: &Params) -> Exposure {
        if scheme.custody.kind != CustodyKind::None {
            if let Some(no) = crate::common::breach_before_any_key(scheme, params.int("at_epoch")) {
                return no;
            }
        }
        match scheme.custody.kind {
            CustodyKind::None => Exposure::no("no escrow key exists"),
            CustodyKind::Single => {
                Exposure::yes("one agency key: the master secret sits in one vault")
            }
            CustodyKind::Threshold if scheme.k() <= 1 => {
                Exposure::yes("1-of-n: every share is the master key")
            }
            CustodyKind::Threshold => {
                Exposure::no("threshold custody: no single vault holds the master secret")
            }
        }
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        let mut out = Outcome::default();
        if !ctx.require_escrow() {
            return Ok(out);
        }
        ctx.advance_to(params.int("at_epoch") as u32)?;
        let vault = ctx.compromise_agent(0)?;
        ctx.advance_to_end()?;
        let b = ctx.backend();
        let masters = ctx.rebuild_masters(&[vault]);
        out.figure("keys_recovered", masters.len() as f64);
        out.recovered = read_with_masters(b, ctx.intercept(), &masters);
        // Under a chain-per-speaker protocol, what the thief had to open: one field per
        // new sending chain, or one per session under the escrowed-seed design (counted on
        // the intercepted transcript), and their bytes. Each field is one threshold
        // encryption for the sender and one decryption for the thief: the work per
        // message follows the field count (`escrowlab cost` prices one).
        let t = ctx.intercept();
        if t.sessions.iter().any(|r| r.keying != Keying::HashRatchet) {
            let (fields, bytes) = t
                .sessions
                .iter()
                .flat_map(|r| r.fields())
                .fold((0usize, 0usize), |(n, b), f| (n + 1, b + f.len()));
            let messages = t.envelopes.len().max(1) as f64;
            out.figure("escrow_fields", fields as f64);
            out.figure("escrow_fields_per_message", fields as f64 / messages);
            out.figure("escrow_bytes_per_message", bytes as f64 / messages);
        }
        Ok(out)
    }
}
