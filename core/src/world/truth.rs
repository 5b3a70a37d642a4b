//! The ground-truth store: every plaintext, readable only by the measuring code.
//!
//! Nothing in this module hands out a plaintext. The runner passes in what an attack
//! claims to have recovered and gets back which claims are exactly right.

use std::collections::BTreeSet;

/// Plaintexts by envelope id.
#[derive(Clone, Default)]
pub struct GroundTruth {
    plaintexts: Vec<Vec<u8>>,
}

impl std::fmt::Debug for GroundTruth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GroundTruth({} messages, sealed)", self.plaintexts.len())
    }
}

impl GroundTruth {
    /// Records the plaintext of the next envelope id.
    pub(crate) fn push(&mut self, plaintext: Vec<u8>) {
        self.plaintexts.push(plaintext);
    }
    /// One plaintext, for copying an honest session into a diverged world (crate-internal:
    /// attacks never reach a `GroundTruth`).
    pub(crate) fn get(&self, id: u64) -> Option<&[u8]> {
        self.plaintexts.get(id as usize).map(Vec::as_slice)
    }
    /// The store as it stood after its first `n` messages.
    pub(crate) fn prefix(&self, n: usize) -> GroundTruth {
        GroundTruth {
            plaintexts: self.plaintexts[..n.min(self.plaintexts.len())].to_vec(),
        }
    }
    /// Number of messages.
    pub fn len(&self) -> usize {
        self.plaintexts.len()
    }
    /// Whether no message was sent.
    pub fn is_empty(&self) -> bool {
        self.plaintexts.is_empty()
    }
    /// The envelope ids whose claimed plaintext is exactly the one sent. Claims for unknown
    /// ids or with wrong bytes count for nothing.
    pub fn confirm<'a>(&self, claims: impl IntoIterator<Item = (u64, &'a [u8])>) -> BTreeSet<u64> {
        claims
            .into_iter()
            .filter(|(id, pt)| {
                self.plaintexts
                    .get(*id as usize)
                    .is_some_and(|t| t.as_slice() == *pt)
            })
            .map(|(id, _)| id)
            .collect()
    }
}
