//! Session escrow's lawful-access flow, step by step: which sessions a warrant covers, the
//! request bytes, submission to the agents, combining their shares and reading. Used by
//! session escrow's deployment, the attack context (an officer's or insider's view of the
//! same flow), the property kit and the lawful-access demonstration (`crate::lawful`).

use crate::error::Result;
use crate::escrow::agent::{ShareRequest, ShareResponse};
use crate::escrow::combiner::recover;
use crate::escrow::court::{SignedWarrant, Warrant};
use crate::relay::read_session;
use crate::world::{World, TICKS_PER_EPOCH};
use std::collections::BTreeSet;

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
    // One item per field: a session under a chain protocol has one per chain.
    let items = sessions
        .iter()
        .filter_map(|&s| {
            let header = &world.transcript.sessions.get(s as usize)?.header;
            Some(
                world
                    .transcript
                    .fields(s)
                    .into_iter()
                    .map(move |f| (header.clone(), f)),
            )
        })
        .flatten()
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
    let b = world.backend();
    // `build_request` leaves out sessions without a field, so answers' items follow the
    // sessions that have one.
    // (session, item, field): one job per field (a chain protocol's session has several),
    // a session without one a job that fails.
    let mut jobs = Vec::with_capacity(sessions.len());
    let mut idx = 0usize;
    for &s in sessions {
        let fields = world.transcript.fields(s);
        if fields.is_empty() {
            jobs.push((s, None));
        }
        for f in fields {
            jobs.push((s, Some((idx, f))));
            idx += 1;
        }
    }
    // Sessions are independent (share checks are pairings): combine them in parallel and
    // merge in request order.
    let results: Vec<(u32, SessionRead)> = jobs
        .par_iter()
        .map(|(s, item)| {
            let s = *s;
            let (Some((item, field)), Some(rec)) =
                (item.as_ref(), world.transcript.sessions.get(s as usize))
            else {
                return (s, Err(None));
            };
            let (item, field) = (*item, field.clone());
            let Some(public) = world.escrow().keys.get(&field.key_epoch) else {
                return (s, Err(None));
            };
            let shares = shares_of_item(responses, item);
            match recover(
                b,
                public,
                world.escrow().n,
                &rec.header,
                &field,
                &shares,
                world.escrow().verify_shares,
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
    let b = world.backend();
    let mut out = Vec::new();
    let mut item = 0usize;
    for (s, field) in sessions
        .iter()
        .flat_map(|&s| world.transcript.fields(s).into_iter().map(move |f| (s, f)))
    {
        let Some(rec) = world.transcript.sessions.get(s as usize) else {
            continue;
        };
        let i = item;
        item += 1;
        let Some(public) = world.escrow().keys.get(&field.key_epoch) else {
            continue;
        };
        let shares = shares_of_item(responses, i);
        if let Ok(rcv) = recover(
            b,
            public,
            world.escrow().n,
            &rec.header,
            &field,
            &shares,
            world.escrow().verify_shares,
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
    agents
        .iter()
        .filter_map(|&i| world.submit_to_agent(i, bytes, now))
        .collect()
}

/// Issues a warrant from the world's court with the first `k` judges.
///
/// # Errors
/// When the scheme has no court, or signing fails.
pub(crate) fn issue_warrant(world: &World, warrant: Warrant) -> Result<SignedWarrant> {
    let court = world
        .escrow()
        .court
        .as_ref()
        .ok_or_else(|| crate::Error::misuse("this scheme has no court"))?;
    let judges: Vec<usize> = (0..court.k).collect();
    court.issue(world.backend(), warrant, &judges)
}
