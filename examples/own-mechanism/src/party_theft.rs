//! `party-theft`: the split-escrow design's own attack. A thief copies the keys of
//! `parties` of the two parties and decrypts every half it can; a session opens only when
//! both halves do.

use crate::split_escrow::{join, SplitDeployment, SplitRequest, SplitResponse};
use escrowlab::prelude::*;

/// Theft of one or both parties' keys.
pub struct PartyTheft;

static META: AttackMeta = AttackMeta {
    id: "party-theft",
    title: "Theft of split-escrow party keys",
    actor: "outside attacker who breaches the provider's and/or the clerk's key store",
    capabilities: &[Capability::CompromiseVault, Capability::Intercept],
    description: "Copies the keys of the first `parties` parties, decrypts every half of every \
        intercepted split field it can, and opens the sessions whose two halves it has.",
    references: &["Micali, Fair Public-Key Cryptosystems, CRYPTO (1992)"],
    params: &[ParamSpec {
        name: "parties",
        kind: ParamKind::Int { min: 1, max: 2 },
        default: DefaultValue::Int(1),
        doc: "parties breached",
    }],
};

impl Attack for PartyTheft {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn check(&self, scheme: &Scheme, params: &Params) -> Exposure {
        if scheme.family() != "split-escrow" {
            return Exposure::no("aimed at split escrow");
        }
        if params.int("parties") == 2 {
            Exposure::yes("both halves of every field")
        } else {
            Exposure::no("one half of a field says nothing about the key")
        }
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        let mut out = Outcome::default();
        ctx.advance_to_end()?;
        let SplitResponse::Fields(fields) = ctx.request::<SplitDeployment>(SplitRequest::Fields)?
        else {
            return Ok(out);
        };
        let mut keys = Vec::new();
        for party in 0..params.int("parties") as usize {
            if let SplitResponse::Key(k) =
                ctx.request::<SplitDeployment>(SplitRequest::StealKey { party })?
            {
                keys.push(k);
            }
        }
        let b = ctx.backend();
        let transcript = ctx.intercept().clone();
        for (session, f) in fields.iter().enumerate() {
            let halves: Vec<Vec<u8>> = keys
                .iter()
                .zip(f.iter())
                .filter_map(|(k, ct)| b.decrypt_with_scalar(k, ct).ok()?)
                .collect();
            if let [x, y] = halves.as_slice() {
                if let Some(key) = join(x, y) {
                    out.recovered
                        .extend(read_session(&transcript, session as u32, &key));
                }
            }
        }
        Ok(out)
    }
}
