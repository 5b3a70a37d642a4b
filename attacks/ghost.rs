//! `ghost`: whoever controls the relay adds a hidden member to group conversations (the
//! GCHQ "silent participant" proposal, 2018).

use escrowlab_core::prelude::*;
use escrowlab_core::world::messaging::x25519_public;

/// A silent participant added by the relay.
pub struct Ghost;

static META: AttackMeta = AttackMeta {
    id: "ghost",
    title: "Ghost participant",
    actor: "provider insider, or anyone who controls the relay",
    capabilities: &[Capability::ControlRelay, Capability::Intercept],
    description: "Generates an X25519 key pair of its own and, controlling the relay, lists that key \
        as a hidden member of `groups` group conversations (chosen from the seed) from epoch \
        `at_epoch` on, suppressing the member-joined notice when `suppress_notice` is set. Senders' \
        clients then encrypt each new session key to the ghost as to any member; the attacker \
        opens those deliveries with its secret and reads the sessions from the intercepted \
        transcript. No escrow key is involved: the attack needs only the relay, which is why it \
        is open to whoever runs the service, not only to police. A client that checks recipients \
        against a roster its members sign refuses to encrypt to the extra key and reports it; \
        against a provider-signed roster the check passes the ghost; under key transparency \
        (`roster_signer = \"log\"`) the ghost's key is logged and read until a monitor looks \
        (`kt_monitor_pct` per epoch), then revoked; a visible join notice lets users notice.",
    references: &[
        "Levy & Robinson (GCHQ), Principles for a More Informed Exceptional Access Debate, Lawfare, 2018",
        "Open letter to GCHQ on the threats posed by the ghost proposal, 2019",
    ],
    params: &[
        ParamSpec { name: "groups", kind: ParamKind::Int { min: 1, max: 10_000 }, default: DefaultValue::Int(5), doc: "group conversations to join" },
        ParamSpec { name: "at_epoch", kind: ParamKind::Bounded { min: 0, max: 1000, bound: Bound::Epoch }, default: DefaultValue::Int(1), doc: "epoch from which the ghost is a member" },
        ParamSpec { name: "suppress_notice", kind: ParamKind::Bool, default: DefaultValue::Bool(true), doc: "suppress the member-joined notice" },
    ],
};

impl Attack for Ghost {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec, Scale};
        ClassSpec::new(
            AttackerClass::Provider,
            &[
                (
                    "at_epoch",
                    Scale::Fixed(
                        0,
                        "from the first epoch: a later start reads a subset of what this one reads",
                    ),
                ),
                ("groups", Scale::Every { cap: 10_000 }),
            ],
        )
    }
    fn check(&self, scheme: &Scheme, _params: &Params) -> Exposure {
        if scheme.client.refuses_inserted_member() {
            Exposure::no("clients check session-key recipients against the roster members sign")
        } else {
            Exposure::yes(
                "clients encrypt session keys to whatever member list the relay gives them",
            )
        }
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        let mut out = Outcome::default();
        let info = ctx.info();
        let at_epoch = (params.int("at_epoch") as u32).min(info.epochs);
        let groups: Vec<u32> = ctx
            .conversations()
            .iter()
            .filter(|c| c.group)
            .map(|c| c.id)
            .collect();
        let mut rng = ctx.rng("ghost");
        let chosen: BTreeSet<u32> = groups
            .choose_multiple(&mut rng, (params.int("groups") as usize).min(groups.len()))
            .copied()
            .collect();
        let ghost_secret: [u8; 32] = rng.gen();
        let ghost_public = x25519_public(&ghost_secret);
        ctx.advance_to(at_epoch)?;
        ctx.control_relay_ghost(chosen.clone(), ghost_public, params.flag("suppress_notice"));
        ctx.advance_to_end()?;
        let transcript = ctx.intercept().clone();
        let (mut targeted, mut opened) = (0usize, 0usize);
        for rec in transcript
            .sessions
            .iter()
            .filter(|r| chosen.contains(&r.header.conv) && r.header.epoch >= at_epoch)
        {
            targeted += 1;
            let Some(d) = rec.deliveries.iter().find(|d| d.recipient == GHOST) else {
                continue;
            };
            if let Ok(key) = accept(d, &rec.header, &ghost_secret) {
                opened += 1;
                out.recovered
                    .extend(read_session(&transcript, rec.header.session, &key));
            }
        }
        out.figure("groups_joined", chosen.len() as f64);
        out.figure("sessions_targeted", targeted as f64);
        out.figure("sessions_opened", opened as f64);
        if targeted > 0 && opened == 0 {
            if info.scheme.client.refuses_inserted_member() {
                out.notes.push("senders' clients found the ghost's key outside the signed roster and did not encrypt to it".into());
            } else {
                out.notes
                    .push("no session key was delivered to the ghost".into());
            }
        }
        Ok(out)
    }
}
