//! Shared work of the attacks that talk to the agents' API: reading a captured request,
//! and summarising what the agents answered.

use crate::prelude::*;

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
        for o in &r.items {
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
        if let Some(Err(e)) = r.items.get(idx) {
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
        .map(|r| r.items.iter().filter(|o| o.is_ok()).count())
        .sum()
}

/// Decryption shares released for item `idx`.
pub fn item_shares(responses: &[ShareResponse], idx: usize) -> usize {
    responses
        .iter()
        .filter(|r| r.items.get(idx).is_some_and(|o| o.is_ok()))
        .count()
}
