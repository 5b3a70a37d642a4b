//! `interface-breach`: an intruder inside the lawful-access interface itself (Salt
//! Typhoon, 2024). It reads the interface's store of warrants, learning every target under
//! surveillance, and where the interface can tap (a ghost-user provider's insertion
//! interface) it taps those targets and a few users of its own choosing.

use crate::common::read_with_keys;
use escrowlab_core::mechanism::ghost_user::{GhostDeployment, GhostRequest, GhostResponse};
use escrowlab_core::prelude::*;
use escrowlab_core::world::messaging::x25519_public;

/// Lawful-access interface breach.
pub struct InterfaceBreach;

static META: AttackMeta = AttackMeta {
    id: "interface-breach",
    title: "Breach of the lawful-access interface",
    actor: "intruder inside the provider's or agency's lawful-intercept systems",
    capabilities: &[Capability::BreachInterface, Capability::Intercept],
    description: "At the start of epoch `at_epoch` the intruder reads the lawful-access \
        interface's warrant store and names every target it finds (docket exposure, the \
        counter-intelligence loss). Where the interface itself inserts taps (ghost user), it \
        taps every target it learned and `extra` users of its own choosing, delivering to a \
        key it holds, and reads what they send from then on.",
    references: &[
        "FBI and CISA, Joint statement on PRC-affiliated telecommunications infrastructure compromise (13 Nov 2024)",
        "Landau, Surveillance or Security? (2010), on CALEA interfaces as targets",
    ],
    params: &[
        ParamSpec {
            name: "at_epoch",
            kind: ParamKind::Bounded {
                min: 0,
                max: 1000,
                bound: Bound::Epoch,
            },
            default: DefaultValue::Int(1),
            doc: "epoch at whose start the intruder gets in",
        },
        ParamSpec {
            name: "extra",
            kind: ParamKind::Int { min: 0, max: 1000 },
            default: DefaultValue::Int(3),
            doc: "users outside the docket the intruder also taps (where the interface taps)",
        },
    ],
};

impl Attack for InterfaceBreach {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec, Scale};
        ClassSpec::new(
            AttackerClass::Outsider,
            &[("extra", Scale::Every { cap: 1000 })],
        )
    }
    fn check(&self, scheme: &Scheme, _: &Params) -> Exposure {
        match scheme.family() {
            "ghost-user" if scheme.client.roster_check => Exposure::yes(
                "the warrant store is readable; taps pass roster-checking clients only under a \
                 provider-signed roster, with the interface's exception credentials, or logged \
                 where key transparency's monitors may catch them",
            ),
            "ghost-user" => {
                Exposure::yes("the insertion interface holds the docket and inserts taps")
            }
            _ if scheme.custody.kind == CustodyKind::None => {
                Exposure::no("no lawful access: there is no interface and no docket")
            }
            _ => Exposure::yes(
                "the agents' warrant store holds the docket (no content: releases need agents)",
            ),
        }
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        let mut out = Outcome::default();
        ctx.advance_to(params.int("at_epoch") as u32)?;
        let store = ctx.breach_interface();
        let mut targets: BTreeSet<u32> = BTreeSet::new();
        for w in &store {
            targets.extend(w.warrant.targets.iter().copied());
        }
        for t in &targets {
            out.claim_target(*t);
        }
        out.figure("warrants_read", store.len() as f64);
        if ctx.mechanism().family != "ghost-user" {
            return Ok(out);
        }
        let mut rng = ctx.rng("interface-breach");
        let ghost_secret: [u8; 32] = rng.gen();
        let ghost_public = x25519_public(&ghost_secret);
        let mut chosen: Vec<u32> = ctx
            .users_in_conversations()
            .into_iter()
            .filter(|u| !targets.contains(u))
            .collect();
        chosen.shuffle(&mut rng);
        chosen.truncate(params.int("extra") as usize);
        let mut keys = BTreeMap::new();
        for user in targets.iter().copied().chain(chosen) {
            let answer = ctx.request::<GhostDeployment>(GhostRequest::Insert {
                target: user,
                ghost_public,
            })?;
            if let GhostResponse::Deliveries(ds) = answer {
                for (header, d) in ds {
                    if let Ok(k) = accept(&d, &header, &ghost_secret) {
                        keys.insert(header.session, k);
                    }
                }
            }
        }
        out.figure("sessions_tapped", keys.len() as f64);
        ctx.advance_to_end()?;
        out.recovered = read_with_keys(ctx.intercept(), keys);
        Ok(out)
    }
}
