//! `malicious-shares`: one rogue agent sends bad decryption shares to law enforcement's
//! combiner during a lawful case.

use escrowlab_core::attack::context::LawfulCase;
use escrowlab_core::prelude::*;

/// Bogus, duplicate, wrong-key or wrong-ciphertext shares from one rogue agent.
pub struct MaliciousShares;

static META: AttackMeta = AttackMeta {
    id: "malicious-shares",
    title: "Malicious decryption shares from one rogue agent",
    actor: "insider at one escrow agent",
    capabilities: &[Capability::Intercept, Capability::ActAsAgent, Capability::ObtainWarrant, Capability::SubmitRequest],
    description: "During a lawful case, agent `agent` replaces each decryption share it sends with \
        a bad one, built for real: `random` bytes of a share's length; a `duplicate` of another \
        agent's share sent under its own index; a share computed with its share of a `wrong-key` \
        set (a fresh dealer key generation); or a real share for a `wrong-ciphertext` (another \
        session's field). Its answer arrives first. Law enforcement's combiner then combines and \
        reads: a verifying combiner checks every share against the agent's public key share, drops \
        the bad one, succeeds with the others and names the agent; a naive combiner takes the \
        first k shares, gets a wrong key that the AEAD tag rejects, and cannot say whose share \
        caused it. The attacker recovers nothing: this attack measures lawful access and blame.",
    references: &[
        "Shoup & Gennaro, Securing Threshold Cryptosystems against Chosen Ciphertext Attack, 1998",
        "Boneh, Boyen & Halevi, Chosen Ciphertext Secure Public Key Threshold Encryption Without Random Oracles, 2006",
    ],
    params: &[
        ParamSpec {
            name: "agent",
            kind: ParamKind::Bounded {
            min: 0,
            max: 63,
            bound: Bound::Agent,
        },
            default: DefaultValue::Int(0),
            doc: "the rogue agent",
        },
        ParamSpec {
            name: "kind",
            kind: ParamKind::Choice(&["random", "duplicate", "wrong-key", "wrong-ciphertext"]),
            default: DefaultValue::Str("wrong-ciphertext"),
            doc: "what the rogue agent sends instead of its share",
        },
    ],
};

impl Attack for MaliciousShares {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec, Scale};
        ClassSpec::new(AttackerClass::Insider, &[("agent", Scale::Fixed(0, "agents are interchangeable: each holds one share of the same sharing, so agent 0 stands for any"))])
    }
    fn check(&self, scheme: &Scheme, _params: &Params) -> Exposure {
        match scheme.custody.kind {
            CustodyKind::None => Exposure::no("no escrow key exists"),
            _ if scheme.combiner.verify_shares => Exposure::no(
                "the combiner verifies every share against the agent's public key share",
            ),
            _ => Exposure::yes("the combiner combines whatever shares arrive first"),
        }
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        if !ctx.require_escrow() {
            return Ok(Outcome::default());
        }
        let mut out = Outcome::default();
        let info = ctx.info();
        let rogue = (params.int("agent") as usize).min(info.n - 1);
        let kind = params.word("kind").to_string();
        ctx.advance_to_end()?;
        let Some(case) = case_for_someone(ctx)? else {
            out.notes
                .push("no target had traffic in the last epoch".into());
            return Ok(out);
        };
        let b = ctx.backend();
        let transcript = ctx.intercept().clone();
        let mut rng = ctx.rng("bad-shares");
        let in_case: BTreeSet<u32> = case.sessions().iter().copied().collect();
        let other_key = if kind == "wrong-key" {
            let seed: [u8; 32] = rng.gen();
            Some(b.dealer_keygen(info.k, info.n, seed)?)
        } else {
            None
        };
        ctx.act_as_agent_sender(rogue);
        let Some(honest) = case
            .responses()
            .iter()
            .find(|r| r.agent() == rogue)
            .cloned()
        else {
            out.notes.push(format!("agent {rogue} gave no answer"));
            return Ok(out);
        };
        let mut bad_items = Vec::with_capacity(case.sessions().len());
        // One request item per escrow field (one per chain under a chain protocol).
        for (idx, (_, field)) in crate::common::request_items(&transcript, case.sessions())
            .into_iter()
            .enumerate()
        {
            let own = honest
                .items()
                .get(idx)
                .cloned()
                .unwrap_or_else(|| Ok(Vec::new()));
            let bad: Option<Vec<u8>> = match kind.as_str() {
                "random" => {
                    let len = own.as_ref().map(|v| v.len()).unwrap_or(48).max(1);
                    let mut v = vec![0u8; len];
                    rng.fill(&mut v[..]);
                    Some(v)
                }
                "duplicate" => case
                    .responses()
                    .iter()
                    .filter(|r| r.agent() != rogue)
                    .find_map(|r| r.items().get(idx).and_then(|o| o.as_ref().ok()).cloned()),
                "wrong-key" => other_key
                    .as_ref()
                    .and_then(|km| km.shares.get(rogue))
                    .and_then(|sh| b.decryption_share(sh, &field.te_ct).ok()),
                _ => {
                    // A real share, for another session's field under the same key.
                    let other = transcript
                        .sessions
                        .iter()
                        .filter(|r| !in_case.contains(&r.header.session))
                        .filter_map(|r| r.field.as_ref().and_then(|f| EscrowField::decode(f).ok()))
                        .find(|f| f.key_epoch == field.key_epoch);
                    other.and_then(|of| ctx.act_as_agent(rogue, &of))
                }
            };
            bad_items.push(bad.map(Ok).unwrap_or(own));
        }
        // The rogue agent's answer arrives first.
        let mut responses = vec![ctx.forge_answer(rogue, bad_items)?];
        responses.extend(
            case.responses()
                .iter()
                .filter(|r| r.agent() != rogue)
                .cloned(),
        );
        let read = ctx.combine_and_read(case.sessions(), &responses);
        let total = case.sessions().len();
        let rate = 1.0 - read.failed_sessions.len() as f64 / total as f64;
        let named = read.rejected_agents.contains(&rogue);
        out.figure("warranted_sessions", total as f64);
        out.figure("failed_sessions", read.failed_sessions.len() as f64);
        out.figure("lawful_success_rate", rate);
        out.figure("agent_named", if named { 1.0 } else { 0.0 });
        out.notes.push(format!(
            "exposure is 0 by design: the rogue agent recovers nothing, it only tries to spoil lawful access; \
             law enforcement read {} of {}, and the combiner {} agent {rogue}",
            total - read.failed_sessions.len(),
            escrowlab_core::text::count(total, "warranted session", "warranted sessions"),
            if named { "named" } else { "did not name" }
        ));
        Ok(out)
    }
}

/// A lawful case for the first seeded user with traffic in the last epoch.
fn case_for_someone(ctx: &mut AttackCtx) -> Result<Option<LawfulCase>> {
    let info = ctx.info();
    let last = info.epochs.saturating_sub(1);
    let mut rng = ctx.rng("target");
    for attempt in 0..32 {
        let target = rng.gen_range(0..info.users);
        let c = ctx.lawful_case_answers(
            &format!("malicious-shares-{attempt}"),
            vec![target],
            [last, last],
        )?;
        if !c.sessions().is_empty() {
            return Ok(Some(c));
        }
    }
    Ok(None)
}
