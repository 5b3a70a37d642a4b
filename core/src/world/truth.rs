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
        self.confirm_digests(claims.into_iter().map(|(id, pt)| (id, digest(pt))))
            .iter()
            .collect()
    }
    /// [`GroundTruth::confirm`] for claims already digested, as a set of one bit per
    /// message (1.25 MB for ten million messages, where a `BTreeSet` took about 150 MB).
    pub(crate) fn confirm_digests(
        &self,
        claims: impl IntoIterator<Item = (u64, PlaintextDigest)>,
    ) -> IdSet {
        let mut set = IdSet::with_capacity(self.len());
        for (id, d) in claims {
            if self.digests.get(id as usize) == Some(&d) {
                set.insert(id);
            }
        }
        set
    }
}

/// A set of envelope ids below a fixed bound, one bit each.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct IdSet {
    words: Vec<u64>,
    len: usize,
}

impl IdSet {
    /// An empty set that can hold ids below `bound`.
    pub(crate) fn with_capacity(bound: usize) -> IdSet {
        IdSet {
            words: vec![0; bound.div_ceil(64)],
            len: 0,
        }
    }
    /// Adds `id` (an id at or over the bound is ignored: it names no message).
    pub(crate) fn insert(&mut self, id: u64) {
        let Some(w) = self.words.get_mut((id / 64) as usize) else {
            return;
        };
        let bit = 1u64 << (id % 64);
        if *w & bit == 0 {
            *w |= bit;
            self.len += 1;
        }
    }
    /// Number of ids in the set.
    pub(crate) fn len(&self) -> usize {
        self.len
    }
    /// Whether `id` is in the set.
    pub(crate) fn contains(&self, id: u64) -> bool {
        self.words
            .get((id / 64) as usize)
            .is_some_and(|w| w & (1u64 << (id % 64)) != 0)
    }
    /// The ids in increasing order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.words.iter().enumerate().flat_map(|(i, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let bit = w.trailing_zeros();
                w &= w - 1;
                Some(i as u64 * 64 + u64::from(bit))
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::IdSet;

    #[test]
    fn id_set_counts_each_id_once_and_lists_them_in_order() {
        let mut s = IdSet::with_capacity(130);
        for id in [129, 0, 64, 63, 64, 200] {
            s.insert(id);
        }
        assert_eq!(s.len(), 4, "a repeat and an id past the bound add nothing");
        assert_eq!(s.iter().collect::<Vec<_>>(), [0, 63, 64, 129]);
        assert!(s.contains(63) && !s.contains(65) && !s.contains(10_000));
    }
}
