//! Shared work of the attacks that talk to the agents' API: reading a captured request,
//! and summarising what the agents answered.

use escrowlab_core::prelude::*;

/// The session ids a captured request asks about, in item order (decoded from the bytes
/// themselves, as anyone who captured them can).
///
/// # Errors
/// [`Error::Malformed`] when the bytes are not a request.
pub fn sessions_of_request(bytes: &[u8]) -> Result<Vec<u32>> {
    Ok(ShareRequest::decode(bytes)?
        .items
        .iter()
        .map(|(h, _)| h.session)
        .collect())
}

/// Every control that refused any item, in order of first appearance.
pub fn refusal_controls(responses: &[ShareResponse]) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for r in responses {
        for o in r.items() {
            if let Err(e) = o {
                if !v.contains(&e.control) {
                    v.push(e.control.clone());
                }
            }
        }
    }
    v
}

/// The controls that refused item `idx`, over all agents, in order of first appearance.
pub fn item_refusals(responses: &[ShareResponse], idx: usize) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for r in responses {
        if let Some(Err(e)) = r.items().get(idx) {
            if !v.contains(&e.control) {
                v.push(e.control.clone());
            }
        }
    }
    v
}

/// Decryption shares released, over all agents and items.
pub fn shares_released(responses: &[ShareResponse]) -> usize {
    responses
        .iter()
        .map(|r| r.items().iter().filter(|o| o.is_ok()).count())
        .sum()
}

/// Decryption shares released for item `idx`.
pub fn item_shares(responses: &[ShareResponse], idx: usize) -> usize {
    responses
        .iter()
        .filter(|r| r.items().get(idx).is_some_and(|o| o.is_ok()))
        .count()
}

/// The attacker's fast combiner: for each session (items in the order of `sessions`), the
/// first `k` released decryption shares are combined with the crate's raw combine, and the
/// result is accepted only if it unwraps the field's session key under the session's true
/// header (the AEAD tag is the check; no pairing is spent verifying shares). Returns the
/// opened messages and the number of sessions opened.
pub fn combine_fast(
    ctx: &mut AttackCtx,
    sessions: &[u32],
    responses: &[ShareResponse],
) -> (Vec<(u64, Vec<u8>)>, usize) {
    let b = ctx.backend();
    let k = ctx.info().k;
    let keys = ctx.escrow_public_keys();
    let transcript = ctx.intercept();
    let mut out = Vec::new();
    // One request item per escrow field (one per chain under a chain protocol); a session
    // counts as opened when any of its fields opened.
    let mut opened_sessions = std::collections::BTreeSet::new();
    for (idx, (s, field)) in crate::common::request_items(transcript, sessions)
        .into_iter()
        .enumerate()
    {
        let Some(rec) = transcript.sessions.get(s as usize) else {
            continue;
        };
        let Some(public) = keys.get(&field.key_epoch) else {
            continue;
        };
        let shares: Vec<(usize, Vec<u8>)> = responses
            .iter()
            .filter_map(|r| {
                r.items()
                    .get(idx)
                    .and_then(|o| o.as_ref().ok())
                    .map(|sh| (r.agent(), sh.clone()))
            })
            .take(k)
            .collect();
        if shares.len() < k {
            continue;
        }
        let Ok(w) = b.combine_raw(public, &shares, &field.te_ct) else {
            continue;
        };
        let Some(sk) = unwrap_session_key(&w, &rec.header, &field) else {
            continue;
        };
        opened_sessions.insert(s);
        out.extend(read_session(transcript, s, &sk));
    }
    let opened = opened_sessions.len();
    (out, opened)
}
