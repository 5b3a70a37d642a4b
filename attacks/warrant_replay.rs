//! `warrant-replay`: replay a captured warrant and request to the agents — the exact bytes
//! again, a fresh request under the same warrant, and the same after the warrant expired.

use super::agent_api::{refusal_controls, sessions_of_request, shares_released};
use escrowlab_core::lawful::WARRANT_VALIDITY;
use escrowlab_core::prelude::*;

/// Warrant and request replay.
pub struct WarrantReplay;

static META: AttackMeta = AttackMeta {
    id: "warrant-replay",
    title: "Warrant and request replay",
    actor: "anyone who saw a warrant and request on the agent API (or an insider)",
    capabilities: &[Capability::Intercept, Capability::SubmitRequest, Capability::ObtainWarrant],
    description: "Law enforcement runs one legitimate case at the end of the run (a seeded target \
        over every epoch); the attacker, watching the agent API, captures the signed warrant and \
        the exact request bytes. It then replays to every agent: (exact) the captured bytes again, \
        which a replay cache refuses; (fresh) a new request with a fresh nonce under the same \
        warrant for the same sessions, which a use limit refuses; (expired) a fresh request after \
        the warrant's validity has passed, which the expiry check refuses. Whatever shares come \
        back it combines (verifying them) and reads: the warranted messages, now read by someone \
        who is not law enforcement. Red October's one-shot delegation is the control being tested.",
    references: &[
        "Abelson et al., The Risks of Key Recovery, Key Escrow, and Trusted Third-Party Encryption, 1997, §3.4",
        "Sullivan, Red October: CloudFlare's open source implementation of the two-man rule, 2013",
    ],
    params: &[ParamSpec {
        name: "mode",
        kind: ParamKind::Choice(&["all", "exact", "fresh", "expired"]),
        default: DefaultValue::Str("all"),
        doc: "which replays to try: the exact bytes, a fresh request under the same warrant, after expiry, or all three in that order",
    }],
};

impl Attack for WarrantReplay {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec};
        ClassSpec::new(AttackerClass::Insider, &[])
    }
    fn check(&self, scheme: &Scheme, _params: &Params) -> Exposure {
        let w = &scheme.warrant;
        if scheme.custody.kind == CustodyKind::None {
            return Exposure::no("no escrow: there are no warrants to replay");
        }
        let mut open = Vec::new();
        if !w.replay_cache {
            open.push("no replay cache");
        }
        if w.use_limit == 0 {
            open.push("unlimited warrant uses");
        }
        if !w.check_expiry {
            open.push("no expiry check");
        }
        if open.is_empty() {
            Exposure::no("replay cache, use limit and expiry check are all on")
        } else {
            Exposure::yes(open.join(", "))
        }
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        if !ctx.require_escrow() {
            return Ok(Outcome::default());
        }
        let mut out = Outcome::default();
        let info = ctx.info();
        ctx.advance_to_end()?;
        // The legitimate case: a target the attacker does not choose, drawn from the senders.
        let senders = super::common::senders(ctx.intercept());
        let Some(&target) = senders.choose(&mut ctx.rng("target")) else {
            out.notes.push("no traffic".into());
            return Ok(out);
        };
        let window = [0, info.epochs.saturating_sub(1)];
        let (warrant, captured) = ctx.lawful_case("case-replayed", vec![target], window)?;
        // The attacker learns the sessions from the captured bytes themselves.
        let sessions = sessions_of_request(&captured)?;
        out.figure("warranted_sessions", sessions.len() as f64);
        let modes: Vec<&str> = match params.word("mode") {
            "all" => vec!["exact", "fresh", "expired"],
            m => vec![m],
        };
        let mut rng = ctx.rng("nonces");
        let mut refused_total = 0usize;
        let mut succeeded = 0usize;
        let mut all_controls: Vec<String> = Vec::new();
        let mut read: BTreeMap<u64, Vec<u8>> = BTreeMap::new();
        for mode in modes {
            let bytes = match mode {
                "exact" => captured.clone(),
                "fresh" => ctx.build_request(&warrant, &sessions, "replayer", rng.gen()),
                _ => {
                    ctx.wait(WARRANT_VALIDITY + 10);
                    ctx.build_request(&warrant, &sessions, "replayer", rng.gen())
                }
            };
            let responses: Vec<ShareResponse> = (0..info.n)
                .filter_map(|i| ctx.submit_request(i, &bytes, 2))
                .collect();
            let controls = refusal_controls(&responses);
            let released = shares_released(&responses);
            let got = ctx.combine_and_read(&sessions, &responses);
            out.notes.push(format!(
                "{mode}: {} released, {} read, refused by [{}]",
                escrowlab_core::text::count(released, "share", "shares"),
                escrowlab_core::text::count(got.plaintexts.len(), "message", "messages"),
                controls.join(", ")
            ));
            out.figure(&format!("{mode}_shares_released"), released as f64);
            if released == 0 {
                refused_total += 1;
            } else {
                succeeded += 1;
            }
            for c in controls {
                if !all_controls.contains(&c) {
                    all_controls.push(c);
                }
            }
            read.extend(got.plaintexts);
        }
        out.figure("replays_refused", refused_total as f64);
        out.figure("replays_succeeded", succeeded as f64);
        if !all_controls.is_empty() {
            out.notes.push(format!(
                "controls that refused: {}",
                all_controls.join(", ")
            ));
        }
        out.recovered = read.into_iter().collect();
        Ok(out)
    }
}
