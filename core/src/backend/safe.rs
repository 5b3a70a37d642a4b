//! The checks the threshold crates leave to their callers, done once, here.
//!
//! A safe combine drops unknown indices, verifies every share, dedupes by index,
//! requires `k`, verifies the ciphertext, passes exactly `k` shares, and finally has the
//! caller's authenticated check (an AEAD tag) confirm the recovered value.

use super::Backend;
use crate::error::{Error, Result};

/// What a safe combine produced, with the agents whose shares were thrown out.
#[derive(Debug, Clone)]
pub struct Combined {
    /// The recovered plaintext (already confirmed by the caller's check).
    pub plaintext: Vec<u8>,
    /// Agents whose share was rejected, with the reason. A share that is a duplicate of an
    /// already-accepted index is not listed: it is simply not used.
    pub rejected: Vec<(usize, String)>,
}

/// Agents whose share was thrown out, with the reason.
pub type Rejections = Vec<(usize, String)>;

/// Filters `shares` down to verified, deduplicated ones, naming the rejected agents.
fn verified_shares(
    shares: &[(usize, Vec<u8>)],
    n: usize,
    verify: impl Fn(usize, &[u8]) -> bool,
) -> (Vec<(usize, Vec<u8>)>, Rejections) {
    let mut good: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut rejected = Vec::new();
    for (i, bytes) in shares {
        if *i >= n {
            rejected.push((*i, format!("unknown agent index {i} (n = {n})")));
            continue;
        }
        if good.iter().any(|(j, _)| j == i) {
            continue;
        }
        if verify(*i, bytes) {
            good.push((*i, bytes.clone()));
        } else {
            rejected.push((
                *i,
                "share does not verify against the agent's public key share".into(),
            ));
        }
    }
    (good, rejected)
}

/// Fewer than `k` good shares: the first rejected agent is blamed when one was rejected,
/// else there were simply too few.
fn require_k(good: usize, k: usize, rejected: &Rejections, what: &str) -> Result<()> {
    if good >= k {
        return Ok(());
    }
    if let Some((agent, reason)) = rejected.first() {
        return Err(Error::ShareRejected {
            agent: *agent,
            reason: reason.clone(),
        });
    }
    Err(Error::refused(
        "threshold",
        format!("{good} valid distinct {what}, {k} needed"),
    ))
}

/// Combines decryption shares safely.
///
/// `n` is the number of agents; `check` is the authenticated check of the recovered
/// plaintext (for escrow fields: the AEAD tag of the wrapped session key).
///
/// # Errors
/// [`Error::Refused`] (`ciphertext`) when the ciphertext does not verify;
/// [`Error::ShareRejected`] naming the first bad agent when fewer than `k` good shares
/// remain because of it; [`Error::Refused`] (`threshold`) when fewer than `k` shares were
/// given at all; [`Error::Refused`] (`key-check`) when the recovered value fails `check`.
pub fn safe_combine(
    backend: &dyn Backend,
    public: &[u8],
    n: usize,
    shares: &[(usize, Vec<u8>)],
    ct: &[u8],
    check: impl Fn(&[u8]) -> bool,
) -> Result<Combined> {
    if !backend.verify_ciphertext(ct) {
        return Err(Error::refused(
            "ciphertext",
            "the threshold ciphertext does not verify",
        ));
    }
    let k = backend.k(public)?;
    // First every distinct known agent's first share, checked in one batch; only when the
    // batch fails are they checked one by one, to name the offenders (same result either
    // way: a share that passes alone passes in the batch and the reverse).
    let mut first: Vec<(usize, Vec<u8>)> = Vec::new();
    for (i, b) in shares {
        if *i < n && !first.iter().any(|(j, _)| j == i) {
            first.push((*i, b.clone()));
        }
    }
    let (good, rejected) = if !first.is_empty()
        && first.len() == shares.iter().filter(|(i, _)| *i < n).count()
        && backend.verify_decryption_shares(public, &first, ct)
    {
        let unknown = shares
            .iter()
            .filter(|(i, _)| *i >= n)
            .map(|(i, _)| (*i, format!("unknown agent index {i} (n = {n})")))
            .collect();
        (first, unknown)
    } else {
        verified_shares(shares, n, |i, b| {
            backend.verify_decryption_share(public, i, b, ct)
        })
    };
    require_k(good.len(), k, &rejected, "shares")?;
    let plaintext = backend.combine_raw(public, &good[..k], ct)?;
    if !check(&plaintext) {
        return Err(Error::refused(
            "key-check",
            "the recovered key fails its authentication tag",
        ));
    }
    Ok(Combined {
        plaintext,
        rejected,
    })
}

/// Combines signature shares safely and verifies the result against the master key
/// (rejecting an identity key). Returns the signature and the rejected signers.
///
/// # Errors
/// As [`safe_combine`]; [`Error::Refused`] (`signature`) when the combined signature does
/// not verify.
pub fn safe_combine_signatures(
    backend: &dyn Backend,
    public: &[u8],
    n: usize,
    shares: &[(usize, Vec<u8>)],
    msg: &[u8],
) -> Result<(Vec<u8>, Rejections)> {
    let k = backend.k(public)?;
    let (good, rejected) = verified_shares(shares, n, |i, b| {
        backend.verify_signature_share(public, i, b, msg)
    });
    require_k(good.len(), k, &rejected, "signature shares")?;
    let sig = backend.combine_signatures_raw(public, &good[..k])?;
    let pk = backend.master_public_key(public)?;
    if !backend.verify_signature(&pk, &sig, msg) {
        return Err(Error::refused(
            "signature",
            "the combined signature does not verify",
        ));
    }
    Ok((sig, rejected))
}
