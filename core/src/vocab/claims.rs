//! What an attack claims to have recovered: digests of plaintexts by envelope id, which the
//! runner compares with ground truth.

use sha2::{Digest, Sha256};

/// A plaintext's digest: the first 16 bytes of SHA-256 over a domain tag and the bytes.
pub type PlaintextDigest = [u8; 16];

/// The digest the store and [`Recovered`] both use. The domain tag is
/// short (14 bytes) so that a plaintext of up to 41 bytes is digested in one SHA-256
/// compression: every message is digested twice (by the world and by a thief's claims).
pub(crate) fn digest(plaintext: &[u8]) -> PlaintextDigest {
    let mut h = Sha256::new();
    h.update(b"escrowlab-pt/1");
    h.update(plaintext);
    let full = h.finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    out
}

/// The plaintexts an attack claims to have recovered, by envelope id. Each is digested as it
/// is recorded (a 128-bit SHA-256 digest), and the ids are kept as runs of consecutive ids
/// (a session's messages are consecutive), so a claim costs about 16 bytes: a thief that
/// reads ten million messages holds 160 MB of claims, not their plaintexts. The runner
/// compares the digests with ground truth's. Build it with [`Recovered::push`], `extend`,
/// `collect()` or `.into()` from `(id, plaintext)` pairs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recovered {
    /// Runs of consecutive claimed ids: (first id, number of ids), in the order claimed.
    runs: Vec<(u64, u64)>,
    /// The digests, one per claimed id, in the order claimed.
    digests: Vec<PlaintextDigest>,
}

impl Recovered {
    /// Claims that envelope `id` carried `plaintext`.
    pub fn push(&mut self, id: u64, plaintext: &[u8]) {
        match self.runs.last_mut() {
            Some((first, n)) if first.checked_add(*n) == Some(id) => *n += 1,
            _ => self.runs.push((id, 1)),
        }
        self.digests.push(digest(plaintext));
    }
    /// Number of claims.
    pub fn len(&self) -> usize {
        self.digests.len()
    }
    /// Makes room for exactly `additional` more claims (a thief that may open every
    /// message reserves the transcript's length once instead of growing by doubling).
    pub fn reserve_exact(&mut self, additional: usize) {
        self.digests.reserve_exact(additional);
    }
    /// Makes room for at least `additional` more claims, growing as a `Vec` grows (for
    /// claims gathered a session at a time).
    pub fn reserve(&mut self, additional: usize) {
        self.digests.reserve(additional);
    }
    /// Whether nothing is claimed.
    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }
    /// The envelope ids claimed, in the order claimed.
    pub fn ids(&self) -> impl Iterator<Item = u64> + '_ {
        self.runs.iter().flat_map(|&(first, n)| first..first + n)
    }
    /// Moves every claim of `other` into this one.
    pub fn append(&mut self, other: &mut Recovered) {
        let mut runs = std::mem::take(&mut other.runs).into_iter();
        if let (Some((first, n)), Some((next, m))) = (self.runs.last_mut(), runs.as_slice().first())
        {
            if first.checked_add(*n) == Some(*next) {
                *n += m;
                runs.next();
            }
        }
        self.runs.extend(runs);
        self.digests.append(&mut other.digests);
    }
    /// The claims as digests (for the runner's comparison with ground truth).
    pub(crate) fn digests(&self) -> impl Iterator<Item = (u64, PlaintextDigest)> + '_ {
        self.ids().zip(self.digests.iter().copied())
    }
}

impl Extend<(u64, Vec<u8>)> for Recovered {
    fn extend<I: IntoIterator<Item = (u64, Vec<u8>)>>(&mut self, iter: I) {
        for (id, pt) in iter {
            self.push(id, &pt);
        }
    }
}

impl FromIterator<(u64, Vec<u8>)> for Recovered {
    fn from_iter<I: IntoIterator<Item = (u64, Vec<u8>)>>(iter: I) -> Self {
        let mut r = Recovered::default();
        r.extend(iter);
        r
    }
}

impl From<Vec<(u64, Vec<u8>)>> for Recovered {
    fn from(v: Vec<(u64, Vec<u8>)>) -> Self {
        v.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Recovered;

    #[test]
    fn recovered_keeps_ids_in_claim_order_as_merged_runs() {
        let mut a = Recovered::default();
        for id in [3, 4, 5, 9, 2] {
            a.push(id, b"x");
        }
        let mut b: Recovered = vec![(10, b"y".to_vec()), (11, b"z".to_vec())].into();
        a.append(&mut b);
        assert!(b.is_empty());
        assert_eq!(a.ids().collect::<Vec<_>>(), [3, 4, 5, 9, 2, 10, 11]);
        assert_eq!(a.len(), 7);
        // 10 follows 9 only through `append` of a run that starts right after the last
        // one: the same claims pushed one by one compare equal.
        let mut c = Recovered::default();
        for (id, pt) in [
            (3, "x"),
            (4, "x"),
            (5, "x"),
            (9, "x"),
            (2, "x"),
            (10, "y"),
            (11, "z"),
        ] {
            c.push(id, pt.as_bytes());
        }
        assert_eq!(a, c);
        let mut d = Recovered::default();
        d.push(1, b"x");
        let mut e: Recovered = vec![(2, b"x".to_vec()), (3, b"x".to_vec())].into();
        d.append(&mut e);
        assert_eq!(d.runs, [(1, 3)], "a run continued across append merges");
        assert_eq!(d.digests().map(|(id, _)| id).collect::<Vec<_>>(), [1, 2, 3]);
    }
}
