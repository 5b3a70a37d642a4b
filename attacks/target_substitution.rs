//! `target-substitution`: Tromer's confused deputy against CLEAR — a victim's escrow field
//! attached to the header of an account the court has a warrant for.

use super::agent_api::{item_refusals, item_shares};
use escrowlab_core::prelude::*;

/// Target substitution (confused deputy).
pub struct TargetSubstitution;

static META: AttackMeta = AttackMeta {
    id: "target-substitution",
    title: "Target substitution (confused deputy)",
    actor: "criminal who plants an account and gets it warranted",
    capabilities: &[
        Capability::Intercept,
        Capability::SubmitRequest,
        Capability::CompromiseDevice,
        Capability::ObtainWarrant,
    ],
    description: "A criminal plants an account P (a seeded user) and gets the court to issue a \
        genuine warrant for P over every epoch. From the intercepted transcript it takes `victims` \
        sessions of other users (sessions P is not in), and for each builds a header that names P \
        as sender and adds P to the members, keeping the victim's escrow field byte for byte. The \
        request under P's warrant passes the scope check on the header. Agents that can verify \
        the binding (the sender's signature over header ‖ field: `signed`, `recompute`) refuse \
        with `binding`; under `checksum` or `none` they cannot tell, release shares, and the \
        criminal recovers the wrapping key and unwraps it with the victim's true header, reading \
        the victim's messages. With `resign = true` the criminal also signs the substituted \
        header with P's own identity key (it owns P's device: `compromise_device(P)`), which \
        the agents' signature check accepts — a sender signature binds a field to *a* header, \
        not to the one the key was escrowed under.",
    references: &[
        "Tromer, comment on Ozzie's CLEAR proposal, 2018 (as reported by Green, 2018)",
        "Green, A few thoughts on Ray Ozzie's 'Clear' proposal, 2018",
        "Blaze, Protocol Failure in the Escrowed Encryption Standard, 1994",
    ],
    params: &[
        ParamSpec {
            name: "victims",
            kind: ParamKind::Int {
                min: 1,
                max: 100_000,
            },
            default: DefaultValue::Int(10),
            doc: "victim sessions attached to the planted account's header",
        },
        ParamSpec {
            name: "resign",
            kind: ParamKind::Bool,
            default: DefaultValue::Bool(false),
            doc: "also re-sign each substituted header with the planted account's own identity key",
        },
    ],
};

impl Attack for TargetSubstitution {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec, Scale};
        ClassSpec::new(
            AttackerClass::Insider,
            &[("victims", Scale::Every { cap: 100_000 })],
        )
    }
    fn check(&self, scheme: &Scheme, params: &Params) -> Exposure {
        if scheme.custody.kind == CustodyKind::None {
            return Exposure::no("no escrow: there are no warrants");
        }
        if !scheme.warrant.check_scope {
            return Exposure::yes("agents do not check scope at all");
        }
        match scheme.field.binding {
            Binding::None | Binding::Checksum => {
                Exposure::yes("agents cannot verify which header a field belongs to (no sender signature)")
            }
            Binding::Signed | Binding::Recompute if scheme.warrant.field_registry => Exposure::no(
                "agents check the sender's signature and the relay's registry of the header each field was carried under",
            ),
            Binding::Signed | Binding::Recompute if params.flag("resign") => Exposure::yes(
                "the planted account re-signs the victim's field: a sender signature binds a field to a header, not to the one it was escrowed under",
            ),
            Binding::Signed | Binding::Recompute => {
                Exposure::no("agents verify the sender's signature over header ‖ field")
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
        let transcript = ctx.intercept().clone();
        let senders = super::common::senders(&transcript);
        let mut rng = ctx.rng("choices");
        let Some(&planted) = senders.choose(&mut rng) else {
            out.notes.push("no traffic".into());
            return Ok(out);
        };
        let resign = params.flag("resign");
        let planted_key = if resign {
            Some(ctx.compromise_device(planted)?.identity().clone())
        } else {
            None
        };
        let window = [0, info.epochs.saturating_sub(1)];
        let warrant = ctx.obtain_warrant("case-planted", vec![planted], window)?;
        let mut candidates: Vec<u32> = transcript
            .sessions
            .iter()
            .filter(|s| s.field.is_some() && !s.header.members.contains(&planted))
            .map(|s| s.header.session)
            .collect();
        candidates.shuffle(&mut rng);
        candidates.truncate(params.int("victims") as usize);
        candidates.sort_unstable();
        let victims = candidates;
        let mut items = Vec::with_capacity(victims.len());
        for &v in &victims {
            let (Some(rec), Some(mut field)) =
                (transcript.sessions.get(v as usize), transcript.field(v))
            else {
                continue;
            };
            let mut h = rec.header.clone();
            h.sender = planted;
            h.members.push(planted);
            h.members.sort_unstable();
            if let Some(key) = &planted_key {
                field.resign(&h, key);
            }
            items.push((h, field));
        }
        out.figure("victim_sessions", victims.len() as f64);
        let req = ShareRequest {
            warrant,
            items,
            requester: "officer:case-planted".into(),
            nonce: rng.gen(),
        };
        let bytes = req.encode();
        let responses: Vec<ShareResponse> = (0..info.n)
            .filter_map(|i| ctx.submit_request(i, &bytes, 1))
            .collect();
        let mut served = 0usize;
        let mut controls: Vec<String> = Vec::new();
        for idx in 0..victims.len() {
            if item_shares(&responses, idx) >= info.k {
                served += 1;
            }
            for c in item_refusals(&responses, idx) {
                if !controls.contains(&c) {
                    controls.push(c);
                }
            }
        }
        out.figure("victim_sessions_served", served as f64);
        // The shares decrypt the victim's own field: unwrap with the victim's true header.
        let read = ctx.combine_and_read(&victims, &responses);
        out.figure(
            "victim_sessions_read",
            (victims.len() - read.failed_sessions.len()) as f64,
        );
        if !controls.is_empty() {
            out.notes
                .push(format!("controls that refused: {}", controls.join(", ")));
        }
        out.recovered = read.plaintexts.into();
        Ok(out)
    }
}
