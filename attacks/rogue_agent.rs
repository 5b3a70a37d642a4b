//! `rogue-agent`: one insider agent or a rogue combiner tries to get more than a warrant
//! gives: reuse a case's shares on other fields, leak its key share, or rebuild the master
//! key from what a combiner receives.

use crate::common::read_with_masters;
use escrowlab_core::attack::context::LawfulCase;
use escrowlab_core::prelude::*;

/// One rogue agent, or a rogue combiner.
pub struct RogueAgent;

static META: AttackMeta = AttackMeta {
    id: "rogue-agent",
    title: "One rogue agent or rogue combiner",
    actor: "insider at one agent, or at law enforcement's combiner",
    capabilities: &[Capability::Intercept, Capability::CompromiseAgent, Capability::ObtainWarrant, Capability::SubmitRequest],
    description: "Three insider moves. `reuse`: a lawful case runs for one target; the insider \
        takes every agent's decryption shares for the target's fields and applies them to every \
        other field in the transcript (combine, then unwrap the session key): shares are \
        per-ciphertext, so nothing outside the warrant opens. `leak`: agent `agent` leaks its vault \
        share at epoch `at_epoch`; the attacker breaches `extra_breaches` further agents and \
        interpolates: the leak lowers the bar to k - 1 breaches, no further. `combiner`: the \
        combiner of a lawful case tries to rebuild the master key from what it receives; it only \
        ever receives decryption shares (group elements bound to one ciphertext), never key \
        shares, so interpolating them as scalars yields nothing that matches the master key.",
    references: &[
        "Abelson et al., The Risks of Key Recovery, 1997",
        "Boneh, Boyen & Halevi, Chosen Ciphertext Secure Public Key Threshold Encryption Without Random Oracles, 2006",
        "Shoup & Gennaro, Securing Threshold Cryptosystems against Chosen Ciphertext Attack, 1998",
    ],
    params: &[
        ParamSpec {
            name: "mode",
            kind: ParamKind::Choice(&["leak", "reuse", "combiner"]),
            default: DefaultValue::Str("leak"),
            doc: "leak: the agent leaks its share; reuse: a case's shares on other fields; combiner: rebuild from received shares",
        },
        ParamSpec {
            name: "agent",
            kind: ParamKind::Bounded {
            min: 0,
            max: 63,
            bound: Bound::Agent,
        },
            default: DefaultValue::Int(0),
            doc: "the rogue agent (mode leak)",
        },
        ParamSpec {
            name: "extra_breaches",
            kind: ParamKind::Bounded {
            min: 0,
            max: 63,
            bound: Bound::Agents,
        },
            default: DefaultValue::Int(0),
            doc: "further agents breached after the leak (mode leak)",
        },
        ParamSpec {
            name: "reuse_fields",
            kind: ParamKind::Int { min: 0, max: 1_000_000 },
            default: DefaultValue::Int(100),
            doc: "other fields (under the same key) each case share set is tried on, in transcript order (0: all; mode reuse)",
        },
        ParamSpec {
            name: "at_epoch",
            kind: ParamKind::Bounded {
            min: 0,
            max: 1000,
            bound: Bound::Epoch,
        },
            default: DefaultValue::Int(2),
            doc: "epoch at whose start the leak and breaches happen (mode leak)",
        },
    ],
};

impl Attack for RogueAgent {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec, Scale};
        ClassSpec::new(
            AttackerClass::Insider,
            &[
                ("agent", Scale::Fixed(0, "agents are interchangeable: each holds one share of the same sharing, so agent 0 stands for any")),
                ("extra_breaches", Scale::ExtraParties),
                ("reuse_fields", Scale::Every { cap: 1_000_000 }),
            ],
        )
    }
    fn check(&self, scheme: &Scheme, params: &Params) -> Exposure {
        if scheme.custody.kind == CustodyKind::None {
            return Exposure::no("no escrow key exists");
        }
        let (k, n) = (scheme.k(), scheme.n());
        match params.word("mode") {
            "reuse" | "combiner" => Exposure::yes(format!(
                "one insider's share lowers the bar to {} more; per-ciphertext shares stop reuse",
                escrowlab_core::text::count(k - 1, "breach", "breaches")
            )),
            _ => {
                let extra = usize::try_from(params.int("extra_breaches")).unwrap_or(0);
                let held = (1 + extra).min(n);
                if held < k {
                    return Exposure::no(format!(
                        "the leaked share plus {extra} breached is {held} of the {k} needed: one \
                         insider's share lowers the bar to {} more",
                        escrowlab_core::text::count(k - 1, "breach", "breaches")
                    ));
                }
                if let Some(no) =
                    crate::common::breach_before_any_key(scheme, params.int("at_epoch"))
                {
                    return no;
                }
                Exposure::yes(format!(
                    "the leaked share plus {extra} breached is {held} of the {k} needed"
                ))
            }
        }
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        let mut out = Outcome::default();
        if !ctx.require_escrow() {
            return Ok(out);
        }
        match params.word("mode") {
            "reuse" => reuse(ctx, params, &mut out)?,
            "combiner" => combiner(ctx, &mut out)?,
            _ => leak(ctx, params, &mut out)?,
        }
        Ok(out)
    }
}

/// A lawful case for the first seeded user with traffic in the last epoch.
fn case_for_someone(ctx: &mut AttackCtx, label: &str) -> Result<Option<LawfulCase>> {
    let info = ctx.info();
    let last = info.epochs.saturating_sub(1);
    let mut rng = ctx.rng(label);
    for attempt in 0..32 {
        let target = rng.gen_range(0..info.users);
        let c =
            ctx.lawful_case_answers(&format!("{label}-{attempt}"), vec![target], [last, last])?;
        if !c.sessions().is_empty() {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

/// The released shares of item `idx` of a case, as `(agent, share)`.
fn shares_of(case: &LawfulCase, idx: usize) -> Vec<(usize, Vec<u8>)> {
    case.responses()
        .iter()
        .filter_map(|r| {
            r.items()
                .get(idx)
                .and_then(|o| o.as_ref().ok())
                .map(|s| (r.agent(), s.clone()))
        })
        .collect()
}

fn reuse(ctx: &mut AttackCtx, params: &Params, out: &mut Outcome) -> Result<()> {
    let limit = match params.int("reuse_fields") {
        0 => usize::MAX,
        n => n as usize,
    };
    ctx.advance_to_end()?;
    let Some(case) = case_for_someone(ctx, "rogue-reuse")? else {
        out.notes
            .push("no target had traffic in the last epoch".into());
        return Ok(());
    };
    let transcript = ctx.intercept().clone();
    let in_case: BTreeSet<u32> = case.sessions().iter().copied().collect();
    let (mut tries, mut opened_other, mut opened_own) = (0u64, 0usize, BTreeSet::new());
    // One request item per escrow field: under a chain protocol a session has one per
    // chain, and each chain's shares open that chain.
    for (idx, (s, field)) in crate::common::request_items(&transcript, case.sessions())
        .into_iter()
        .enumerate()
    {
        let shares = shares_of(&case, idx);
        let Some(rec) = transcript.sessions.get(s as usize) else {
            continue;
        };
        // The shares open their own field (what the warrant allows) ...
        if let Some(sk) = ctx.combine_shares(&rec.header, &field, &shares) {
            opened_own.insert(s);
            out.recovered.extend(read_session(&transcript, s, &sk));
        }
        // ... and are tried on other fields under the same key (up to `reuse_fields`).
        let others = transcript
            .sessions
            .iter()
            .filter(|r| !in_case.contains(&r.header.session))
            .flat_map(|r| {
                r.fields()
                    .filter_map(|f| EscrowField::decode(f).ok())
                    .filter(|f| f.key_epoch == field.key_epoch)
                    .map(move |f| (r, f))
            })
            .take(limit);
        for (other, of) in others {
            tries += 1;
            if let Some(sk) = ctx.combine_shares(&other.header, &of, &shares) {
                opened_other += 1;
                out.recovered
                    .extend(read_session(&transcript, other.header.session, &sk));
            }
        }
    }
    ctx.count_tries(tries);
    out.figure("warranted_sessions", case.sessions().len() as f64);
    out.figure("warranted_sessions_opened", opened_own.len() as f64);
    out.figure("reuse_tries", tries as f64);
    out.figure("other_sessions_opened", opened_other as f64);
    if opened_other == 0 {
        out.notes.push(format!(
            "the case's shares opened its own {} and none of {} on other fields",
            escrowlab_core::text::count(opened_own.len(), "session", "sessions"),
            escrowlab_core::text::count(tries, "reuse try", "reuse tries")
        ));
    }
    Ok(())
}

fn leak(ctx: &mut AttackCtx, params: &Params, out: &mut Outcome) -> Result<()> {
    let info = ctx.info();
    let agent = (params.int("agent") as usize).min(info.n - 1);
    let extra = (params.int("extra_breaches") as usize).min(info.n - 1);
    ctx.advance_to(params.int("at_epoch") as u32)?;
    // The rogue agent hands over its vault: what a breach of it would take.
    let mut loot = vec![ctx.compromise_agent(agent)?];
    for i in (0..info.n).filter(|&i| i != agent).take(extra) {
        loot.push(ctx.compromise_agent(i)?);
    }
    ctx.advance_to_end()?;
    let b = ctx.backend();
    let masters = ctx.rebuild_masters(&loot);
    out.figure("keys_recovered", masters.len() as f64);
    if masters.is_empty() {
        out.notes.push(format!(
            "the leaked share plus {extra} stolen {} is {} of the {} needed",
            escrowlab_core::text::plural(extra, "one", "ones"),
            extra + 1,
            info.k
        ));
    } else {
        out.notes.push(format!(
            "the leaked share plus {extra} stolen {} rebuilt {}",
            escrowlab_core::text::plural(extra, "one", "ones"),
            escrowlab_core::text::count(masters.len(), "key", "keys")
        ));
    }
    let transcript = ctx.intercept().clone();
    out.recovered = read_with_masters(b, &transcript, &masters);
    Ok(())
}

/// A decryption share's bytes read as a canonical scalar: the first 32 bytes with the top
/// bits cleared so they lie below the group order.
fn as_scalar(bytes: &[u8]) -> Scalar {
    let mut s = [0u8; 32];
    let n = bytes.len().min(32);
    s[..n].copy_from_slice(&bytes[..n]);
    s[0] &= 0x3f;
    Scalar(s)
}

fn combiner(ctx: &mut AttackCtx, out: &mut Outcome) -> Result<()> {
    ctx.advance_to_end()?;
    let Some(case) = case_for_someone(ctx, "rogue-combiner")? else {
        out.notes
            .push("no target had traffic in the last epoch".into());
        return Ok(());
    };
    let b = ctx.backend();
    let master_pks = ctx.escrow_master_keys();
    let transcript = ctx.intercept().clone();
    let k = ctx.info().k;
    let mut attempts = 0u64;
    let mut masters: BTreeMap<u32, MasterSecret> = BTreeMap::new();
    for (idx, (_, field)) in crate::common::request_items(&transcript, case.sessions())
        .into_iter()
        .enumerate()
    {
        if !master_pks.contains_key(&field.key_epoch) {
            continue;
        }
        let shares = shares_of(&case, idx);
        // Everything the combiner received, read as points of the sharing polynomial.
        let points: Vec<(usize, Scalar)> = shares.iter().map(|(i, d)| (*i, as_scalar(d))).collect();
        for take in [k.min(points.len()), points.len()] {
            attempts += 1;
            let Ok(candidate) = b.interpolate_at_zero(&points[..take]) else {
                continue;
            };
            if let Some(m) = ctx.check_master(field.key_epoch, candidate) {
                masters.insert(field.key_epoch, m);
            }
        }
    }
    // The combiner's legitimate work: combining the shares of the warranted sessions.
    let read = ctx.combine_and_read(case.sessions(), case.responses());
    out.recovered = read.plaintexts.into();
    let masters: Vec<MasterSecret> = masters.into_values().collect();
    out.recovered
        .append(&mut read_with_masters(b, &transcript, &masters));
    out.figure("rebuild_attempts", attempts as f64);
    out.figure("keys_recovered", masters.len() as f64);
    out.figure("warranted_sessions", case.sessions().len() as f64);
    out.figure(
        "warranted_sessions_failed",
        read.failed_sessions.len() as f64,
    );
    if masters.is_empty() {
        out.notes.push(
            "the combiner receives only decryption shares, bound to one ciphertext each; read as scalars they \
             interpolate to nothing that matches the master key"
                .into(),
        );
    }
    Ok(())
}
