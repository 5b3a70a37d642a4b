//! `scope-abuse`: an officer with a valid warrant for one target slips sessions of other
//! users, and of the target outside the window, into the request.

use super::agent_api::{item_refusals, item_shares};
use escrowlab_core::prelude::*;

/// Warrant scope abuse.
pub struct ScopeAbuse;

static META: AttackMeta = AttackMeta {
    id: "scope-abuse",
    title: "Warrant scope abuse",
    actor: "law enforcement officer holding a valid warrant",
    capabilities: &[Capability::Intercept, Capability::SubmitRequest, Capability::ObtainWarrant],
    description: "At the end of the run the court issues the officer a genuine warrant for one \
        seeded target over the last two epochs (obtained, not yet used). The officer submits one \
        request under it, with a fresh nonce, to every agent: the target's in-scope sessions mixed \
        with `victims` sessions the warrant does not cover — the target's sessions outside the \
        window first, then other users' sessions, all taken from the intercepted transcript with \
        their true headers and fields. Agents that check scope refuse the extra items (`scope`); \
        agents that do not release shares for them, and the officer reads messages no court \
        authorised (out_of_scope, measured by the runner against the docket).",
    references: &[
        "Abelson et al., The Risks of Key Recovery, Key Escrow, and Trusted Third-Party Encryption, 1997, §3.4",
        "Landau, Surveillance or Security?, 2010",
    ],
    params: &[ParamSpec {
        name: "victims",
        kind: ParamKind::Int { min: 1, max: 100_000 },
        default: DefaultValue::Int(20),
        doc: "out-of-scope sessions slipped into the request",
    }],
};

impl Attack for ScopeAbuse {
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
    fn check(&self, scheme: &Scheme, _params: &Params) -> Exposure {
        if scheme.custody.kind == CustodyKind::None {
            Exposure::no("no escrow: there are no warrants")
        } else if scheme.warrant.check_scope {
            Exposure::no("agents check every item against the warrant's targets and window")
        } else {
            Exposure::yes("agents do not check scope: any field under any valid warrant is served")
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
        let Some(&target) = senders.choose(&mut rng) else {
            out.notes.push("no traffic".into());
            return Ok(out);
        };
        let last = info.epochs.saturating_sub(1);
        let window = [last.saturating_sub(1), last];
        let warrant = ctx.obtain_warrant("case-scope", vec![target], window)?;
        let with_field = |s: &&escrowlab_core::world::SessionRecord| s.field.is_some();
        let in_scope: Vec<u32> = transcript
            .sessions
            .iter()
            .filter(with_field)
            .filter(|s| warrant.warrant.covers(s.header.epoch, &s.header.members))
            .map(|s| s.header.session)
            .collect();
        // Out of scope: the target outside the window first, then other users' sessions.
        let mut target_outside: Vec<u32> = Vec::new();
        let mut others: Vec<u32> = Vec::new();
        for s in transcript.sessions.iter().filter(with_field) {
            if warrant.warrant.covers(s.header.epoch, &s.header.members) {
                continue;
            }
            if s.header.members.contains(&target) {
                target_outside.push(s.header.session);
            } else {
                others.push(s.header.session);
            }
        }
        target_outside.shuffle(&mut rng);
        others.shuffle(&mut rng);
        let want = params.int("victims") as usize;
        let mut victims: Vec<u32> = target_outside
            .iter()
            .copied()
            .take(want.div_ceil(2))
            .collect();
        victims.extend(others.iter().copied().take(want - victims.len()));
        victims.sort_unstable();
        out.figure("in_scope_sessions", in_scope.len() as f64);
        out.figure("victim_sessions", victims.len() as f64);
        let mut sessions = in_scope.clone();
        sessions.extend(&victims);
        let bytes = ctx.build_request(&warrant, &sessions, "officer:case-scope", rng.gen());
        let responses: Vec<ShareResponse> = (0..info.n)
            .filter_map(|i| ctx.submit_request(i, &bytes, 1))
            .collect();
        let read = ctx.combine_and_read(&sessions, &responses);
        let k = info.k;
        let mut controls: Vec<String> = Vec::new();
        // One request item per escrow field (one per chain under a chain protocol): a
        // victim session is served when any of its fields was.
        let victim_set: std::collections::BTreeSet<u32> = victims.iter().copied().collect();
        let mut served = std::collections::BTreeSet::new();
        for (idx, (s, _)) in super::common::request_items(&transcript, &sessions)
            .into_iter()
            .enumerate()
        {
            if !victim_set.contains(&s) {
                continue;
            }
            if item_shares(&responses, idx) >= k {
                served.insert(s);
            }
            for c in item_refusals(&responses, idx) {
                if !controls.contains(&c) {
                    controls.push(c);
                }
            }
        }
        let opened = served.len();
        out.figure("victim_sessions_served", opened as f64);
        if !controls.is_empty() {
            out.notes.push(format!(
                "controls that refused out-of-scope items: {}",
                controls.join(", ")
            ));
        }
        out.notes.push(format!(
            "request of {} in-scope and {}; {} got k shares",
            in_scope.len(),
            escrowlab_core::text::count(
                victims.len(),
                "out-of-scope session",
                "out-of-scope sessions"
            ),
            escrowlab_core::text::count(opened, "out-of-scope session", "out-of-scope sessions")
        ));
        out.recovered = read.plaintexts.into();
        Ok(out)
    }
}
