//! `off-ledger`: insiders who release shares without a ledger record. Each holds one
//! agent's key share and computes decryption shares itself, with no record anywhere; it
//! asks the honest agents for the rest, which want a warrant and an inclusion proof.

use crate::common::read_with_keys;
use escrowlab_core::mechanism::public_ledger::{
    combine_field, LedgerDeployment, LedgerRequest, LedgerResponse,
};
use escrowlab_core::prelude::*;

/// Off-ledger release by insiders.
pub struct OffLedger;

static META: AttackMeta = AttackMeta {
    id: "off-ledger",
    title: "Insiders releasing shares off the ledger",
    actor: "insiders at `insiders` of the ledger-bound agents",
    capabilities: &[
        Capability::CompromiseVault,
        Capability::SubmitRequest,
        Capability::Intercept,
    ],
    description: "Copies the key shares of agents 0..`insiders`, computes their decryption \
        shares of every intercepted escrow field, and asks the other agents for theirs \
        without a warrant or a ledger record; combines whatever reaches the threshold and \
        reads those sessions.",
    references: &[
        "Green, Kaptchuk and Van Laer, Abuse Resistant Law Enforcement Access Systems, EUROCRYPT (2021)",
    ],
    params: &[ParamSpec {
        name: "insiders",
        kind: ParamKind::Int { min: 0, max: 15 },
        default: DefaultValue::Int(1),
        doc: "agents whose shares the insiders hold",
    }],
};

impl Attack for OffLedger {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec, Scale};
        ClassSpec::new(AttackerClass::Coalition, &[("insiders", Scale::Parties)])
    }
    fn check(&self, scheme: &Scheme, params: &Params) -> Exposure {
        if let Some(no) = crate::common::other_family(scheme, "public-ledger") {
            return no;
        }
        let k = match scheme.mechanism.as_ref().and_then(|m| m.params.get("k")) {
            Some(ParamValue::Int(k)) => *k,
            _ => 3,
        };
        if params.int("insiders") >= k {
            Exposure::yes("k insiders decrypt with no record: the ledger never sees it")
        } else {
            Exposure::no("fewer than k insiders: honest agents want a ledger record")
        }
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        let mut out = Outcome::default();
        ctx.advance_to_end()?;
        let LedgerResponse::Fields(public, fields) =
            ctx.request::<LedgerDeployment>(LedgerRequest::Fields)?
        else {
            return Ok(out);
        };
        let b = ctx.backend();
        let k = b.k(&public)?;
        let n = ctx.mechanism_param_int("n").unwrap_or(5) as usize;
        let insiders = (params.int("insiders") as usize).min(n);
        let mut shares = Vec::new();
        for a in 0..insiders {
            if let LedgerResponse::Share(i, s) =
                ctx.request::<LedgerDeployment>(LedgerRequest::StealShare { agent: a })?
            {
                shares.push((i, s));
            }
        }
        let mut keys = Vec::new();
        for (session, field) in fields.iter().enumerate() {
            let mut dshares: Vec<(usize, Vec<u8>)> = shares
                .iter()
                .filter_map(|(i, s)| Some((*i, b.decryption_share(s, field).ok()?)))
                .collect();
            // The rest from honest agents, asked without a warrant or a record (one try).
            for a in insiders..n {
                if dshares.len() >= k {
                    break;
                }
                if let LedgerResponse::DecryptionShare(Some(d)) =
                    ctx.request::<LedgerDeployment>(LedgerRequest::Request {
                        agent: a,
                        session: session as u32,
                        warrant: None,
                        proof: None,
                    })?
                {
                    dshares.push((a, d));
                }
            }
            if dshares.len() < k {
                if insiders < k {
                    break; // Honest agents refuse every session alike.
                }
                continue;
            }
            if let Some(key) = combine_field(b, &public, &dshares[..k], field) {
                keys.push((session as u32, key));
            }
        }
        out.figure("sessions_opened", keys.len() as f64);
        out.recovered = read_with_keys(ctx.intercept(), keys);
        Ok(out)
    }
}
