//! `ledger-fork`: the ledger operator hides an access from the public. It obtains a real
//! warrant, appends its record to a fork shown only to the agents, and collects the shares
//! they release against proofs from that fork: the access happens, in scope, but the public
//! ledger never shows it, unless agents gossip the head they checked.

use crate::common::read_with_keys;
use escrowlab_core::mechanism::public_ledger::{
    combine_field, LedgerDeployment, LedgerRecord, LedgerRequest, LedgerResponse,
};
use escrowlab_core::prelude::*;

/// Silent access through a forked ledger.
pub struct LedgerFork;

static META: AttackMeta = AttackMeta {
    id: "ledger-fork",
    title: "Silent access through a forked ledger",
    actor: "the ledger's operator, acting with an officer who holds a real warrant",
    capabilities: &[
        Capability::ObtainWarrant,
        Capability::ControlLedger,
        Capability::SubmitRequest,
        Capability::Intercept,
    ],
    description: "Obtains a real warrant for `targets` users (chosen from the seed), appends \
        the request's record to a fork of the ledger shown only to the agents, and asks the \
        agents for their shares of the targets' sessions with proofs against the fork's head. \
        What it reads is in the warrant's scope; the measure is whether anyone noticed the \
        access missing from the public ledger.",
    references: &[
        "Green, Kaptchuk and Van Laer, Abuse Resistant Law Enforcement Access Systems, EUROCRYPT (2021)",
        "Chuat et al., Efficient Gossip Protocols for Verifying the Consistency of Certificate Logs (2015)",
    ],
    params: &[ParamSpec {
        name: "targets",
        kind: ParamKind::Bounded {
            min: 1,
            max: 1000,
            bound: Bound::Users,
        },
        default: DefaultValue::Int(1),
        doc: "users under the hidden warrant",
    }],
};

impl Attack for LedgerFork {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec};
        ClassSpec::new(AttackerClass::Provider, &[])
    }
    fn check(&self, scheme: &Scheme, _: &Params) -> Exposure {
        if let Some(no) = crate::common::other_family(scheme, "public-ledger") {
            return no;
        }
        Exposure::yes("agents check proofs against the head they are shown")
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        let mut out = Outcome::default();
        ctx.advance_to_end()?;
        let mut users: Vec<u32> = ctx.users_in_conversations().into_iter().collect();
        let mut rng = ctx.rng("ledger-fork");
        users.shuffle(&mut rng);
        users.truncate(params.int("targets") as usize);
        let LedgerResponse::Warrant(w) =
            ctx.request::<LedgerDeployment>(LedgerRequest::Warrant {
                targets: users.clone(),
            })?
        else {
            return Ok(out);
        };
        let LedgerResponse::Fields(public, fields) =
            ctx.request::<LedgerDeployment>(LedgerRequest::Fields)?
        else {
            return Ok(out);
        };
        let transcript = ctx.intercept().clone();
        let sessions: Vec<u32> = transcript
            .sessions
            .iter()
            .filter(|s| w.warrant.covers(s.header.epoch, &s.header.members))
            .map(|s| s.header.session)
            .collect();
        let LedgerResponse::Proof(proof) =
            ctx.request::<LedgerDeployment>(LedgerRequest::Fork {
                record: LedgerRecord {
                    warrant: w.fingerprint(),
                    sessions: sessions.clone(),
                },
            })?
        else {
            return Ok(out);
        };
        let b = ctx.backend();
        let k = b.k(&public)?;
        let n = ctx.mechanism_param_int("n").unwrap_or(5) as usize;
        let mut keys = Vec::new();
        for s in sessions {
            let mut shares = Vec::new();
            for a in 0..n {
                if shares.len() >= k {
                    break;
                }
                if let LedgerResponse::DecryptionShare(Some(d)) =
                    ctx.request::<LedgerDeployment>(LedgerRequest::Request {
                        agent: a,
                        session: s,
                        warrant: Some(w.clone()),
                        proof: Some(proof.clone()),
                    })?
                {
                    shares.push((a, d));
                }
            }
            let Some(field) = fields.get(s as usize) else {
                continue;
            };
            if shares.len() >= k {
                if let Some(key) = combine_field(b, &public, &shares, field) {
                    keys.push((s, key));
                }
            }
        }
        out.figure("sessions_opened", keys.len() as f64);
        out.recovered = read_with_keys(&transcript, keys);
        Ok(out)
    }
}
