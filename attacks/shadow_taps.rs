//! `shadow-taps`: an insider with control of the switch (the relay) taps users through the
//! intercept function itself, bypassing the management system that would have recorded a
//! tap (the Athens Affair, 2004–05). Every conversation of each target gets a silent
//! member whose key the insider holds; the insider also reads the intercept subsystem's
//! list of lawful taps.

use crate::common::read_with_keys;
use escrowlab_core::prelude::*;
use escrowlab_core::world::messaging::x25519_public;

/// Shadow taps by a switch insider.
pub struct ShadowTaps;

static META: AttackMeta = AttackMeta {
    id: "shadow-taps",
    title: "Shadow taps by a switch insider (Athens)",
    actor: "insider or intruder with code control of the switch that carries lawful intercept",
    capabilities: &[
        Capability::ControlRelay,
        Capability::BreachInterface,
        Capability::Intercept,
    ],
    description: "At the start of epoch `at_epoch` the insider reads the intercept \
        subsystem's list of lawful taps (docket exposure), then adds a silent member, whose \
        key it holds, to every conversation of `targets` users chosen from the seed, with \
        the 'member joined' notice suppressed and no tap record: the management system that \
        logs taps is bypassed, not edited. It reads what those conversations carry from \
        then on. Clients that check rosters against a signed membership log refuse the \
        hidden member and report it.",
    references: &[
        "Prevelakis and Spinellis, The Athens Affair, IEEE Spectrum (2007)",
        "ADAE, decision fining Vodafone Greece (Dec 2006)",
    ],
    params: &[
        ParamSpec {
            name: "targets",
            kind: ParamKind::Bounded {
                min: 1,
                max: 1_000_000,
                bound: Bound::Users,
            },
            default: DefaultValue::Int(100),
            doc: "users tapped (Athens: about 100 numbers)",
        },
        ParamSpec {
            name: "at_epoch",
            kind: ParamKind::Bounded {
                min: 0,
                max: 1000,
                bound: Bound::Epoch,
            },
            default: DefaultValue::Int(0),
            doc: "epoch at whose start the taps go live",
        },
    ],
};

impl Attack for ShadowTaps {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec, Scale};
        ClassSpec::new(
            AttackerClass::Provider,
            &[(
                "at_epoch",
                Scale::Fixed(
                    0,
                    "from the first epoch: a later start reads a subset of what this one reads",
                ),
            )],
        )
    }
    fn check(&self, scheme: &Scheme, _: &Params) -> Exposure {
        if scheme.client.refuses_inserted_member() {
            Exposure::no("clients check rosters members sign: a hidden member gets no session key")
        } else {
            Exposure::yes("whoever runs the switch adds silent members; nothing logs them")
        }
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        let mut out = Outcome::default();
        let at = params.int("at_epoch") as u32;
        ctx.advance_to(at)?;
        for w in ctx.breach_interface() {
            for t in w.warrant.targets {
                out.claim_target(t);
            }
        }
        let mut users: Vec<u32> = ctx.users_in_conversations().into_iter().collect();
        let mut rng = ctx.rng("shadow-taps");
        users.shuffle(&mut rng);
        users.truncate(params.int("targets") as usize);
        let targets: BTreeSet<u32> = users.into_iter().collect();
        let conversations: BTreeSet<u32> = ctx
            .conversations()
            .iter()
            .filter(|c| c.members.iter().any(|m| targets.contains(m)))
            .map(|c| c.id)
            .collect();
        let secret: [u8; 32] = rng.gen();
        ctx.control_relay_ghost(conversations.clone(), x25519_public(&secret), true);
        ctx.advance_to_end()?;
        let transcript = ctx.intercept().clone();
        let mut keys = Vec::new();
        for rec in transcript
            .sessions
            .iter()
            .filter(|r| conversations.contains(&r.header.conv) && r.header.epoch >= at)
        {
            if let Some(d) = rec.deliveries.iter().find(|d| d.recipient == GHOST) {
                if let Ok(k) = accept(d, &rec.header, &secret) {
                    keys.push((rec.header.session, k));
                }
            }
        }
        out.figure("users_tapped", targets.len() as f64);
        out.figure("conversations_tapped", conversations.len() as f64);
        out.recovered = read_with_keys(&transcript, keys);
        Ok(out)
    }
}
