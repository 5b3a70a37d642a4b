//! Shared work that several attacks do: rebuild a master key from shares, open escrow
//! fields with it, open sessions with a session key.

use escrowlab_core::prelude::*;

/// Rebuilds a master secret from shares `(agent index, scalar)` by Lagrange interpolation
/// at zero, and keeps it only if its public key is the published master key. With fewer
/// than `k` shares the interpolation produces a wrong scalar and this returns `None`.
pub fn rebuild_master(
    backend: &dyn Backend,
    shares: &[(usize, Scalar)],
    master_public: &[u8],
) -> Option<Scalar> {
    if shares.is_empty() {
        return None;
    }
    let s = backend.interpolate_at_zero(shares).ok()?;
    (backend.public_key_of_scalar(&s).ok()? == master_public).then_some(s)
}

/// Opens every session whose field is encrypted to a key in `masters` (key epoch → master
/// secret): decrypt the field, unwrap the session key, derive message keys, open messages.
pub fn read_with_masters(
    backend: &dyn Backend,
    transcript: &Transcript,
    masters: &BTreeMap<u32, Scalar>,
) -> Vec<(u64, Vec<u8>)> {
    let mut out = Vec::new();
    for rec in &transcript.sessions {
        let Some(field) = rec.field.as_ref().and_then(|b| EscrowField::decode(b).ok()) else {
            continue;
        };
        let Some(master) = masters.get(&field.key_epoch) else {
            continue;
        };
        // No pairing check: the AEAD tag of the wrapped key confirms the result.
        let Ok(w) = backend.decrypt_with_scalar_unverified(master, &field.te_ct) else {
            continue;
        };
        let Some(sk) = unwrap_session_key(&w, &rec.header, &field) else {
            continue;
        };
        out.extend(read_session(transcript, rec.header.session, &sk));
    }
    out
}

/// The outcome of an attack that needs escrow against a scheme with none: nothing to
/// breach, nothing recovered, blocked by `no-escrow`. `None` when the scheme escrows.
pub fn no_escrow(ctx: &AttackCtx) -> Option<Outcome> {
    if ctx.info().n > 0 {
        return None;
    }
    let mut out = Outcome::default();
    out.blocked("no-escrow");
    Some(out)
}

/// Every master secret the stolen vaults rebuild: their shares grouped by escrow key, each
/// group interpolated and kept only if it matches that key's published master key.
pub fn masters_from_loot(
    backend: &dyn Backend,
    loot: &[(usize, BTreeMap<u32, Scalar>)],
    master_keys: &BTreeMap<u32, Vec<u8>>,
) -> BTreeMap<u32, Scalar> {
    shares_by_key(loot)
        .into_iter()
        .filter_map(|(ke, shares)| {
            Some((ke, rebuild_master(backend, &shares, master_keys.get(&ke)?)?))
        })
        .collect()
}

/// Every user seen sending a session in the transcript, sorted (what an interceptor learns
/// about who talks).
pub fn senders(transcript: &Transcript) -> Vec<u32> {
    let s: BTreeSet<u32> = transcript
        .sessions
        .iter()
        .map(|r| r.header.sender)
        .collect();
    s.into_iter().collect()
}

/// Groups stolen vault contents (one map per breached agent) by key epoch.
pub fn shares_by_key(
    loot: &[(usize, BTreeMap<u32, Scalar>)],
) -> BTreeMap<u32, Vec<(usize, Scalar)>> {
    let mut by: BTreeMap<u32, Vec<(usize, Scalar)>> = BTreeMap::new();
    for (agent, vault) in loot {
        for (ke, s) in vault {
            by.entry(*ke).or_default().push((*agent, s.clone()));
        }
    }
    by
}
