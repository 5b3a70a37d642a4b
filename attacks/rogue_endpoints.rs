//! `rogue-endpoints`: both ends of a conversation run a client that skips or fakes escrow
//! (Blaze's rogue–rogue case): escrow binds honest users, not the ones it is aimed at.

use escrowlab_core::prelude::*;

/// Both ends cooperate to evade escrow.
pub struct RogueEndpoints;

static META: AttackMeta = AttackMeta {
    id: "rogue-endpoints",
    title: "Rogue endpoints strip escrow",
    actor: "the targets themselves (both ends of a conversation)",
    capabilities: &[Capability::ControlClient, Capability::Intercept, Capability::ObtainWarrant, Capability::SubmitRequest],
    description: "Picks `pairs` one-to-one conversations from the seed; from epoch `at_epoch` on both \
        members run a modified client in that conversation which sends no escrow field (`strip`) or \
        random bytes in its place (`garbage`), and does not check the other end's field. Since \
        neither end is honest, no recipient check fires. Law enforcement then gets a warrant for \
        every member over the epochs whose escrow keys are still live, intercepts their traffic, \
        asks every agent for shares and combines them; the attack measures the fraction of the \
        targets' messages in the rogue conversations (from `at_epoch` on) that law enforcement \
        could not read. What law enforcement reads is not the attacker's exposure, which is 0.",
    references: &[
        "Blaze, Protocol Failure in the Escrowed Encryption Standard, 1994",
        "Abelson et al., The Risks of Key Recovery, Key Escrow, and Trusted Third-Party Encryption, 1997",
    ],
    params: &[
        ParamSpec { name: "pairs", kind: ParamKind::Int { min: 1, max: 10_000 }, default: DefaultValue::Int(5), doc: "one-to-one conversations that go rogue" },
        ParamSpec { name: "at_epoch", kind: ParamKind::Bounded { min: 0, max: 1000, bound: Bound::Epoch }, default: DefaultValue::Int(0), doc: "epoch from which both ends are rogue" },
        ParamSpec { name: "mode", kind: ParamKind::Choice(&["strip", "garbage"]), default: DefaultValue::Str("strip"), doc: "send no field, or random bytes as the field" },
    ],
};

impl Attack for RogueEndpoints {
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
                ("pairs", Scale::Every { cap: 10_000 }),
            ],
        )
    }
    fn check(&self, scheme: &Scheme, _params: &Params) -> Exposure {
        if scheme.custody.kind == CustodyKind::None {
            return Exposure::no("no escrow: law enforcement reads nothing anyway");
        }
        Exposure::yes("any client can skip escrow when the other end does not check")
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        let mut out = Outcome::default();
        let info = ctx.info();
        if !ctx.require_escrow() {
            out.notes.push(
                "not applicable: plain end-to-end encryption gives law enforcement nothing to read"
                    .into(),
            );
            return Ok(out);
        }
        let mode = if params.word("mode") == "garbage" {
            RogueMode::Garbage
        } else {
            RogueMode::Strip
        };
        let at_epoch = (params.int("at_epoch") as u32).min(info.epochs);
        let one_to_one: Vec<u32> = ctx
            .conversations()
            .iter()
            .filter(|c| !c.group)
            .map(|c| c.id)
            .collect();
        let mut rng = ctx.rng("pairs");
        let chosen: BTreeSet<u32> = one_to_one
            .choose_multiple(
                &mut rng,
                (params.int("pairs") as usize).min(one_to_one.len()),
            )
            .copied()
            .collect();
        let mut per_user: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
        for c in ctx
            .conversations()
            .iter()
            .filter(|c| chosen.contains(&c.id))
        {
            for &m in &c.members {
                per_user.entry(m).or_default().insert(c.id);
            }
        }
        ctx.advance_to(at_epoch)?;
        for (user, convs) in &per_user {
            ctx.control_client_in(*user, mode, convs.clone());
        }
        // All traffic, before the final key boundary.
        ctx.advance_to(info.epochs)?;
        // Law enforcement asks for the epochs whose keys are still live (older ones are
        // gone by retention, for honest and rogue traffic alike).
        let live_from = ctx.escrow_public_keys().keys().next().copied().unwrap_or(0);
        let from = if info.scheme.custody.lifetime == Lifetime::Epoch {
            live_from.max(at_epoch)
        } else {
            at_epoch
        };
        let to = info.epochs.saturating_sub(1);
        let targets: Vec<u32> = per_user.keys().copied().collect();
        let case = ctx.lawful_case_answers("rogue-endpoints", targets.clone(), [from, to])?;
        let read = ctx.combine_and_read(case.sessions(), case.responses());
        let read_ids: BTreeSet<u64> = read.plaintexts.iter().map(|(id, _)| *id).collect();
        let transcript = ctx.intercept().clone();
        let (mut rogue_total, mut rogue_read, mut other_total, mut other_read) =
            (0usize, 0usize, 0usize, 0usize);
        for rec in transcript
            .sessions
            .iter()
            .filter(|r| (from..=to).contains(&r.header.epoch))
        {
            let rogue = chosen.contains(&rec.header.conv);
            if !rogue && !rec.header.members.iter().any(|m| per_user.contains_key(m)) {
                continue;
            }
            let n = rec.messages.len();
            let r = rec
                .messages
                .clone()
                .filter(|i| read_ids.contains(&(*i as u64)))
                .count();
            if rogue {
                rogue_total += n;
                rogue_read += r;
            } else {
                other_total += n;
                other_read += r;
            }
        }
        out.figure("pairs", chosen.len() as f64);
        out.figure("target_messages", rogue_total as f64);
        out.figure("lawful_window_from", from as f64);
        if rogue_total > 0 {
            out.figure(
                "lawful_unreadable_fraction",
                1.0 - rogue_read as f64 / rogue_total as f64,
            );
        }
        if other_total > 0 {
            out.figure(
                "lawful_read_other_fraction",
                other_read as f64 / other_total as f64,
            );
        }
        out.notes.push(format!(
            "law enforcement read {rogue_read} of {rogue_total} messages in the rogue conversations (epochs {from}..={to}), \
             and {other_read} of {other_total} in the targets' other conversations; what it read is not attacker exposure"
        ));
        Ok(out)
    }
}
