//! The ground-truth store: a digest of every plaintext, readable only by the measuring code.
//!
//! Nothing in this module hands out a plaintext, and it holds none: each message is kept as
//! a 128-bit SHA-256 digest (16 bytes, where a plaintext with its allocation took about 70),
//! so memory grows with messages by 16 bytes each. The runner passes in what an attack
//! claims to have recovered (as [`crate::vocab::Recovered`], digested as it was recorded)
//! and gets back which claims are exactly right. A wrong plaintext matches with probability
//! 2^-128 per claim.

use std::collections::BTreeSet;

pub(crate) use crate::vocab::claims::digest;
pub use crate::vocab::claims::PlaintextDigest;

/// Plaintext digests by envelope id.
#[derive(Clone, Default)]
pub struct GroundTruth {
    digests: crate::append_log::AppendLog<PlaintextDigest>,
}

impl std::fmt::Debug for GroundTruth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GroundTruth({} messages, sealed)", self.digests.len())
    }
}

impl GroundTruth {
    /// Records the digest of the next envelope id's plaintext.
    pub(crate) fn push(&mut self, digest: PlaintextDigest) {
        self.digests.push(digest);
    }
    /// Makes room for exactly `additional` more messages.
    pub(crate) fn reserve_exact(&mut self, additional: usize) {
        self.digests.reserve_exact(additional);
    }
    /// One digest, for copying an honest session into a diverged world (crate-internal:
    /// attacks never reach a `GroundTruth`).
    pub(crate) fn get(&self, id: u64) -> Option<PlaintextDigest> {
        self.digests.get(id as usize).copied()
    }
    /// The store as it stood after its first `n` messages.
    pub(crate) fn prefix(&self, n: usize) -> GroundTruth {
        GroundTruth {
            digests: self.digests.prefix(n),
        }
    }
    /// Number of messages.
    pub fn len(&self) -> usize {
        self.digests.len()
    }
    /// Whether no message was sent.
    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }
    /// The envelope ids whose claimed plaintext is exactly the one sent. Claims for unknown
    /// ids or with wrong bytes count for nothing.
    pub fn confirm<'a>(&self, claims: impl IntoIterator<Item = (u64, &'a [u8])>) -> BTreeSet<u64> {
        self.confirm_ids(claims.into_iter().map(|(id, pt)| (id, digest(pt))))
            .into_iter()
            .collect()
    }
    /// The ids of `claims` whose digest matches ground truth, sorted, each once: a list
    /// that costs the claims, not the world's messages (what the runner measures with).
    pub(crate) fn confirm_ids(
        &self,
        claims: impl IntoIterator<Item = (u64, PlaintextDigest)>,
    ) -> Vec<u64> {
        let mut ids: Vec<u64> = claims
            .into_iter()
            .filter(|(id, d)| self.digests.get(*id as usize) == Some(d))
            .map(|(id, _)| id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}
