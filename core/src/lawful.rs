//! The lawful-access flow, end to end: a court issues a scoped warrant, law enforcement
//! asks every agent for shares, combines, and reads exactly the warranted traffic. Also
//! the requests agents must refuse (out of scope, expired, replayed).

use crate::error::Result;
use crate::escrow::agent::{ShareRequest, ShareResponse};
use crate::escrow::audit;
use crate::escrow::combiner::recover;
use crate::escrow::court::{SignedWarrant, Warrant};
use crate::mechanism::Mechanism;
use crate::relay::read_session;
use crate::seed;
use crate::world::{World, WorldConfig, TICKS_PER_EPOCH};
use rand::seq::SliceRandom;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// How long a warrant is valid (ticks).
pub const WARRANT_VALIDITY: u64 = TICKS_PER_EPOCH / 2;

/// Sessions in the transcript a warrant covers (with or without an escrow field: a session
/// whose field was stripped is still warranted traffic).
pub(crate) fn sessions_in_scope(world: &World, w: &Warrant) -> Vec<u32> {
    world
        .transcript
        .sessions
        .iter()
        .filter(|s| w.covers(s.header.epoch, &s.header.members))
        .map(|s| s.header.session)
        .collect()
}

/// Envelope ids of the messages of these sessions.
pub(crate) fn messages_of(world: &World, sessions: &[u32]) -> BTreeSet<u64> {
    sessions
        .iter()
        .filter_map(|s| world.transcript.sessions.get(*s as usize))
        .flat_map(|r| r.messages.clone().map(|i| i as u64))
        .collect()
}

/// Builds the request bytes for `sessions` under a warrant.
pub(crate) fn build_request(
    world: &World,
    warrant: &SignedWarrant,
    sessions: &[u32],
    requester: &str,
    nonce: [u8; 16],
) -> Vec<u8> {
    let items = sessions
        .iter()
        .filter_map(|&s| {
            Some((
                world.transcript.sessions.get(s as usize)?.header.clone(),
                world.transcript.field(s)?,
            ))
        })
        .collect();
    ShareRequest {
        warrant: warrant.clone(),
        items,
        requester: requester.to_string(),
        nonce,
    }
    .encode()
}

/// What combining the agents' answers produced.
#[derive(Debug, Default, Clone)]
pub struct ReadOutcome {
    /// `(envelope id, plaintext)` of every message opened.
    pub plaintexts: Vec<(u64, Vec<u8>)>,
    /// Agents whose share was rejected by the combiner.
    pub rejected_agents: BTreeSet<usize>,
    /// Sessions whose key could not be recovered.
    pub failed_sessions: Vec<u32>,
}

/// One session's combine: its plaintexts and the agents whose shares were rejected, or
/// the agent named by a failed combine (if any).
type SessionRead = Result<(Vec<(u64, Vec<u8>)>, Vec<usize>), Option<usize>>;

/// Combines per-session shares from `responses` (items in the order of `sessions`) and
/// reads the messages.
pub(crate) fn combine_and_read(
    world: &World,
    sessions: &[u32],
    responses: &[ShareResponse],
) -> ReadOutcome {
    use rayon::prelude::*;
    let b = world.escrow.b();
    // `build_request` leaves out sessions without a field, so answers' items follow the
    // sessions that have one.
    let mut jobs = Vec::with_capacity(sessions.len());
    let mut idx = 0usize;
    for &s in sessions {
        let has_field = world.transcript.field(s).is_some();
        jobs.push((s, has_field.then_some(idx)));
        if has_field {
            idx += 1;
        }
    }
    // Sessions are independent (share checks are pairings): combine them in parallel and
    // merge in request order.
    let results: Vec<(u32, SessionRead)> = jobs
        .par_iter()
        .map(|&(s, item)| {
            let (Some(item), Some(rec), Some(field)) = (
                item,
                world.transcript.sessions.get(s as usize),
                world.transcript.field(s),
            ) else {
                return (s, Err(None));
            };
            let Some(public) = world.escrow.keys.get(&field.key_epoch) else {
                return (s, Err(None));
            };
            let shares = shares_of_item(responses, item);
            match recover(
                b,
                public,
                world.escrow.n,
                &rec.header,
                &field,
                &shares,
                world.escrow.verify_shares,
            ) {
                Ok(rcv) => (
                    s,
                    Ok((
                        read_session(&world.transcript, s, &rcv.session_key),
                        rcv.rejected.iter().map(|(a, _)| *a).collect(),
                    )),
                ),
                Err(crate::Error::ShareRejected { agent, .. }) => (s, Err(Some(agent))),
                Err(_) => (s, Err(None)),
            }
        })
        .collect();
    let mut out = ReadOutcome::default();
    for (s, r) in results {
        match r {
            Ok((plaintexts, rejected)) => {
                out.plaintexts.extend(plaintexts);
                out.rejected_agents.extend(rejected);
            }
            Err(agent) => {
                out.rejected_agents.extend(agent);
                out.failed_sessions.push(s);
            }
        }
    }
    out
}

/// The shares every answer in `responses` released for request item `item`.
fn shares_of_item(responses: &[ShareResponse], item: usize) -> Vec<(usize, Vec<u8>)> {
    responses
        .iter()
        .filter_map(|r| {
            r.items
                .get(item)
                .and_then(|o| o.as_ref().ok())
                .map(|sh| (r.agent, sh.clone()))
        })
        .collect()
}

/// Combines per-session shares from `responses` (items in the order of `sessions`, as
/// [`combine_and_read`] reads them) into the session keys they recover.
pub(crate) fn combine_keys(
    world: &World,
    sessions: &[u32],
    responses: &[ShareResponse],
) -> Vec<(u32, crate::secret::Key32)> {
    let b = world.escrow.b();
    let mut out = Vec::new();
    let mut item = 0usize;
    for &s in sessions {
        let (Some(rec), Some(field)) = (
            world.transcript.sessions.get(s as usize),
            world.transcript.field(s),
        ) else {
            continue;
        };
        let i = item;
        item += 1;
        let Some(public) = world.escrow.keys.get(&field.key_epoch) else {
            continue;
        };
        let shares = shares_of_item(responses, i);
        if let Ok(rcv) = recover(
            b,
            public,
            world.escrow.n,
            &rec.header,
            &field,
            &shares,
            world.escrow.verify_shares,
        ) {
            out.push((s, rcv.session_key));
        }
    }
    out
}

/// Submits request bytes to every agent in `agents` at time `now`.
pub(crate) fn submit_to(
    world: &mut World,
    agents: &[usize],
    bytes: &[u8],
    now: u64,
) -> Vec<ShareResponse> {
    let dir = world.directory.clone();
    agents
        .iter()
        .filter_map(|&i| world.escrow.submit(i, bytes, &dir, &world.registry, now))
        .collect()
}

/// Issues a warrant from the world's court with the first `k` judges.
///
/// # Errors
/// When the scheme has no court, or signing fails.
pub(crate) fn issue_warrant(world: &World, warrant: Warrant) -> Result<SignedWarrant> {
    let court = world
        .escrow
        .court
        .as_ref()
        .ok_or_else(|| crate::Error::misuse("this scheme has no court"))?;
    let judges: Vec<usize> = (0..court.k).collect();
    court.issue(world.escrow.b(), warrant, &judges)
}

/// One refused (or wrongly granted) probe request.
#[derive(Debug, Clone, Serialize)]
pub struct Probe {
    /// `out-of-scope`, `expired` or `replayed`.
    pub kind: String,
    /// Agents that refused it.
    pub refused_by: usize,
    /// Agents that released shares.
    pub granted_by: usize,
    /// The controls that fired.
    pub controls: Vec<String>,
    /// Messages law enforcement could read with what was released.
    pub messages_read: usize,
}

/// The outcome of a lawful-access demonstration (`escrowlab lawful-access --json`).
#[derive(Debug, Clone, Serialize)]
pub struct LawfulReport {
    /// Scheme name.
    pub scheme: String,
    /// Backend.
    pub backend: String,
    /// Seed.
    pub seed: u64,
    /// Users.
    pub users: u32,
    /// Epochs.
    pub epochs: u32,
    /// Messages in the world.
    pub messages_total: usize,
    /// The warrant's target.
    pub target: Option<u32>,
    /// The warrant's window (inclusive epochs).
    pub window: Option<[u32; 2]>,
    /// Messages the warrant covers.
    pub in_scope_messages: usize,
    /// Of those, decrypted and confirmed against ground truth.
    pub in_scope_decrypted: usize,
    /// Messages outside the warrant that law enforcement decrypted (confirmed).
    pub out_of_scope_decrypted: usize,
    /// Agent answers that refused a request entirely.
    pub refused_requests: usize,
    /// The probe requests and what the agents did with them.
    pub probes: Vec<Probe>,
    /// Agents whose share the combiner rejected.
    pub rejected_share_agents: Vec<usize>,
    /// Audit entries over all agents.
    pub audit_entries: usize,
    /// Did every audit log verify (against the witness when witnessed)?
    pub audit_verified: bool,
    /// Why law enforcement reads nothing, when it does not.
    pub note: Option<String>,
    /// The mechanism family.
    pub family: String,
    /// What lawful access can read under this family (counted accordingly: a ghost reads
    /// only what is sent after its insertion, device escrow only seized phones).
    pub reads: String,
    /// What the mechanism measured while serving the warrant (devices bricked, hash
    /// evaluations, ledger records).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub mechanism_figures: BTreeMap<String, f64>,
    /// What the mechanism noticed while serving it (the target's notice of a bricked
    /// phone, a roster check).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<crate::attack::MechanismEvent>,
    /// What it refused.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refusals: Vec<crate::attack::MechanismEvent>,
}

impl LawfulReport {
    /// A report of nothing read yet, for `world` built from `config` under `info`'s family.
    pub(crate) fn empty(
        config: &WorldConfig,
        world: &World,
        info: &crate::mechanism::MechanismInfo,
    ) -> LawfulReport {
        LawfulReport {
            scheme: config.scheme.name.clone(),
            backend: config.backend.name().into(),
            seed: config.seed,
            users: config.population.users,
            epochs: world.epochs(),
            messages_total: world.message_count(),
            target: None,
            window: None,
            in_scope_messages: 0,
            in_scope_decrypted: 0,
            out_of_scope_decrypted: 0,
            refused_requests: 0,
            probes: Vec::new(),
            rejected_share_agents: Vec::new(),
            audit_entries: 0,
            audit_verified: true,
            note: None,
            family: info.family.into(),
            reads: info
                .lawful_scope
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            mechanism_figures: BTreeMap::new(),
            notices: Vec::new(),
            refusals: Vec::new(),
        }
    }
}

/// Runs the demonstration on a fresh world.
///
/// # Errors
/// World construction errors.
pub fn demonstrate(config: WorldConfig) -> Result<LawfulReport> {
    if config.scheme.family() != crate::mechanism::SESSION_ESCROW {
        return crate::mechanism::lawful::demonstrate(config);
    }
    // One warrant for one target, and the probes the agents must refuse.
    config.cost().lawful(2.0).within_budget(
        &format!("lawful access under {}", config.scheme.name),
        crate::config::budget::LOWER_WORLD,
    )?;
    crate::progress::stage(
        "lawful-access (simulating)",
        crate::progress::Unit::Epochs,
        u64::from(config.population.epochs),
    );
    let mut world = World::run(config.clone())?;
    crate::progress::stage(
        "lawful-access (warrant and probes)",
        crate::progress::Unit::None,
        0,
    );
    let scheme = &config.scheme;
    let epochs = world.epochs();
    let mut report = LawfulReport::empty(
        &config,
        &world,
        crate::mechanism::session_escrow::SessionEscrow.info(),
    );
    // Target and window, from the seed.
    let mut rng = seed::rng(config.seed, "lawful-target", &[]);
    let candidates: Vec<u32> = world.active_users().into_iter().collect();
    let Some(&target) = candidates.choose(&mut rng) else {
        report.note = Some("no user sent any message".into());
        return Ok(report);
    };
    let span = if scheme.custody.lifetime == crate::config::scheme::Lifetime::Epoch {
        scheme.custody.retention.max(1)
    } else {
        2
    };
    let window = [epochs.saturating_sub(span), epochs - 1];
    report.target = Some(target);
    report.window = Some(window);
    let now = world.now;
    let nonce = |label: u64| -> [u8; 16] {
        seed::derive(config.seed, "nonce", &[label])[..16]
            .try_into()
            .unwrap_or([0; 16])
    };
    let warrant = Warrant {
        case_id: format!("case-{}-1", config.seed),
        targets: vec![target],
        from_epoch: window[0],
        to_epoch: window[1],
        issued: now,
        expires: now + WARRANT_VALIDITY,
        nonce: nonce(1),
        use_limit: scheme.warrant.use_limit,
    };
    let in_scope = sessions_in_scope(&world, &warrant);
    let in_scope_ids = messages_of(&world, &in_scope);
    report.in_scope_messages = in_scope_ids.len();
    if !world.escrow.has_escrow() {
        report.note = Some(format!(
            "scheme `{}` escrows nothing: there is no escrow key, no agent and no court, so law enforcement can read none of the {} warranted messages",
            scheme.name, report.in_scope_messages
        ));
        return Ok(report);
    }
    let signed = issue_warrant(&world, warrant.clone())?;
    let all: Vec<usize> = (0..world.escrow.n).collect();
    let first = build_request(&world, &signed, &in_scope, "law-enforcement", nonce(11));
    let responses = submit_to(&mut world, &all, &first, now + 1);
    report.refused_requests += responses
        .iter()
        .filter(|r| r.items.iter().all(|o| o.is_err()))
        .count();
    let read = combine_and_read(&world, &in_scope, &responses);
    let mut decrypted: BTreeSet<u64> = world
        .truth()
        .confirm(read.plaintexts.iter().map(|(id, pt)| (*id, pt.as_slice())));
    report.rejected_share_agents = read.rejected_agents.iter().copied().collect();

    // Probes the agents must refuse.
    let outside: Vec<u32> = world
        .transcript
        .sessions
        .iter()
        .filter(|s| {
            !s.header.members.contains(&target) && (window[0]..=window[1]).contains(&s.header.epoch)
        })
        .map(|s| s.header.session)
        .take(3)
        .collect();
    let probes: Vec<(&str, Vec<u8>, Vec<u32>, u64)> = vec![
        (
            "out-of-scope",
            {
                let mut w3 = warrant.clone();
                w3.case_id = format!("case-{}-3", config.seed);
                w3.nonce = nonce(3);
                let s3 = issue_warrant(&world, w3)?;
                build_request(&world, &s3, &outside, "law-enforcement", nonce(12))
            },
            outside.clone(),
            now + 2,
        ),
        (
            "expired",
            {
                let mut w2 = warrant.clone();
                w2.case_id = format!("case-{}-2", config.seed);
                w2.nonce = nonce(2);
                let s2 = issue_warrant(&world, w2)?;
                build_request(&world, &s2, &in_scope, "law-enforcement", nonce(13))
            },
            in_scope.clone(),
            now + WARRANT_VALIDITY + TICKS_PER_EPOCH,
        ),
        ("replayed", first.clone(), in_scope.clone(), now + 3),
    ];
    for (kind, bytes, sessions, at) in probes {
        let rs = submit_to(&mut world, &all, &bytes, at);
        let refused = rs
            .iter()
            .filter(|r| r.items.iter().all(|o| o.is_err()))
            .count();
        let mut controls: Vec<String> = rs
            .iter()
            .flat_map(|r| {
                r.items
                    .iter()
                    .filter_map(|o| o.as_ref().err().map(|e| e.control.clone()))
            })
            .collect();
        controls.sort();
        controls.dedup();
        let got = combine_and_read(&world, &sessions, &rs);
        let confirmed = world
            .truth()
            .confirm(got.plaintexts.iter().map(|(id, pt)| (*id, pt.as_slice())));
        decrypted.extend(confirmed.iter().copied());
        report.refused_requests += refused;
        report.probes.push(Probe {
            kind: kind.into(),
            refused_by: refused,
            granted_by: rs.len() - refused,
            controls,
            messages_read: confirmed.len(),
        });
    }
    report.in_scope_decrypted = decrypted.intersection(&in_scope_ids).count();
    report.out_of_scope_decrypted = decrypted.difference(&in_scope_ids).count();
    report.audit_entries = world.escrow.agents.iter().map(|a| a.audit.len()).sum();
    let witness = (world.escrow.audit_mode == crate::config::scheme::AuditMode::Witnessed)
        .then_some(&world.escrow.witness);
    report.audit_verified = world
        .escrow
        .agents
        .iter()
        .all(|a| audit::verify(&a.audit, witness).is_ok());
    Ok(report)
}
