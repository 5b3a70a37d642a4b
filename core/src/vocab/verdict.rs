//! How far along its path an attempt got when the mechanism refused it: the runner
//! reports, as a cell's `blocked_by`, the refusal of the attack's *best* attempt (the one
//! that got furthest), not its first, so an attack cannot pre-empt the real reason by
//! provoking a shallow refusal on purpose.
//!
//! Session escrow's controls are ranked in the order its paths pass them: a path that
//! does not exist; a key that does not exist; the request path's agent checks in the order
//! agents run them (signature, expiry, replay cache, use limit, binding, scope); custody
//! (too few shares, of the wrong epochs, of mixed sharing generations); and last the
//! checks that run on material the attacker already holds (share verification, the
//! published-key check). A control not in this table (another family's) ranks in the
//! middle; equal ranks keep the earliest refusal.

/// The rank of `control` along its path (higher: the attempt got further).
pub fn depth(control: &str) -> u8 {
    match control {
        "not-applicable" | "no-escrow" | "no-court" | "no-court-key" | "no-audit-log" => 0,
        "malformed" | "error" => 1,
        "key-not-created" | "retention" | "dkg" => 2,
        "signature" | "warrant-signature" => 3,
        "expiry" => 4,
        "replay-cache" => 5,
        "use-limit" | "threshold-custody" => 6,
        "binding" | "epoch-keys" => 7,
        "scope" | "scope-check" | "proactive-refresh" => 8,
        "share-verification"
        | "combiner-aead-check"
        | "share-commitment-check"
        | "published-key-check" => 9,
        _ => 5,
    }
}

/// The index of the refusal of the best attempt among `controls` (in the order they were
/// recorded): the deepest, the earliest of equals.
pub fn best_attempt<'a>(controls: impl IntoIterator<Item = &'a str>) -> Option<usize> {
    controls
        .into_iter()
        .enumerate()
        .min_by_key(|(i, c)| (std::cmp::Reverse(depth(c)), *i))
        .map(|(i, _)| i)
}
