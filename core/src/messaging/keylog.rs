//! A key log for key transparency: the smallest honest stand-in for an auditable key
//! directory (CONIKS; WhatsApp's `akd`). Each epoch the provider publishes the root of a
//! SHA-256 Merkle tree over every key it vouches for (`owner`, `key`, `tag`); a client
//! accepts a member's key only with an inclusion proof against the published root, so a key
//! the provider adds must be in the log, where a monitor can see it.
//!
//! What it leaves out, and why (docs/THREAT-MODEL.md, "Membership verification"): the
//! directory's privacy (a VRF hiding who is in the tree) and its history proofs, which the
//! measurement does not exercise; and equivocation (showing different roots to different
//! clients), which the model excludes by assuming roots are gossiped. Whether a monitor
//! looks in a given epoch is a parameter (`kt_monitor_pct`), not something the log decides.
//!
//! The tree is RFC 6962's: leaves hashed as `SHA-256(0x00 ‖ leaf)`, nodes as
//! `SHA-256(0x01 ‖ left ‖ right)`, an odd node carried up unchanged.

use sha2::{Digest, Sha256};

/// One logged key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The user the key is a device (or a silent member) of.
    pub owner: u32,
    /// The X25519 public key.
    pub key: [u8; 32],
    /// What authorises it: zero for a device its owner added, the digest of an
    /// exception credential for a silent member.
    pub tag: [u8; 32],
}

impl Entry {
    fn leaf(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update([0u8]);
        h.update(self.owner.to_le_bytes());
        h.update(self.key);
        h.update(self.tag);
        h.finalize().into()
    }
}

fn node(l: &[u8; 32], r: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(l);
    h.update(r);
    h.finalize().into()
}

/// An inclusion proof: the entry, its index and the sibling hashes from leaf to root.
#[derive(Clone, Debug)]
pub struct Proof {
    /// The entry proved.
    pub entry: Entry,
    index: usize,
    size: usize,
    path: Vec<[u8; 32]>,
}

impl Proof {
    /// Whether the proof leads from its entry to `root`.
    pub fn verifies(&self, root: &[u8; 32]) -> bool {
        let (mut h, mut i, mut n) = (self.entry.leaf(), self.index, self.size);
        let mut path = self.path.iter();
        while n > 1 {
            if i % 2 == 1 {
                let Some(s) = path.next() else { return false };
                h = node(s, &h);
            } else if i + 1 < n {
                let Some(s) = path.next() else { return false };
                h = node(&h, s);
            }
            i /= 2;
            n = n.div_ceil(2);
        }
        path.next().is_none() && &h == root
    }
}

/// The log as published at one epoch: its entries and their tree.
#[derive(Clone, Debug, Default)]
pub struct KeyLog {
    entries: Vec<Entry>,
}

impl KeyLog {
    /// Appends `e`; its index.
    pub fn append(&mut self, e: Entry) -> usize {
        self.entries.push(e);
        self.entries.len() - 1
    }
    /// The entries, in order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }
    fn levels(&self) -> Vec<Vec<[u8; 32]>> {
        let mut levels = vec![self.entries.iter().map(Entry::leaf).collect::<Vec<_>>()];
        while levels.last().is_some_and(|l| l.len() > 1) {
            let l = levels.last().expect("non-empty");
            let up = l
                .chunks(2)
                .map(|c| {
                    if c.len() == 2 {
                        node(&c[0], &c[1])
                    } else {
                        c[0]
                    }
                })
                .collect();
            levels.push(up);
        }
        levels
    }
    /// The published root (`SHA-256("")` for an empty log).
    pub fn root(&self) -> [u8; 32] {
        match self.levels().last().and_then(|l| l.first()) {
            Some(r) => *r,
            None => Sha256::digest(b"").into(),
        }
    }
    /// The inclusion proof of entry `index`, if it exists.
    pub fn prove(&self, index: usize) -> Option<Proof> {
        let entry = self.entries.get(index)?.clone();
        let levels = self.levels();
        let mut path = Vec::new();
        let mut i = index;
        for l in &levels[..levels.len() - 1] {
            let sib = i ^ 1;
            if sib < l.len() {
                path.push(l[sib]);
            }
            i /= 2;
        }
        Some(Proof {
            entry,
            index,
            size: self.entries.len(),
            path,
        })
    }
}

/// Whether a monitor looks at `owner`'s entries in `epoch`, with probability `p`, from
/// `seed`: the same draw for every scheme of a run (common random numbers), so a higher `p`
/// never looks less.
pub fn monitored(seed: &[u8; 32], owner: u32, epoch: u32, p: f64) -> bool {
    let mut h = Sha256::new();
    h.update(b"kt-monitor");
    h.update(seed);
    h.update(owner.to_le_bytes());
    h.update(epoch.to_le_bytes());
    let d: [u8; 32] = h.finalize().into();
    let u = u64::from_le_bytes(d[..8].try_into().expect("8 bytes")) as f64 / 2f64.powi(64);
    u < p
}

/// The first epoch in `from..to` at which a monitor looks at `owner`'s entries, if any.
pub fn first_look(seed: &[u8; 32], owner: u32, from: u32, to: u32, p: f64) -> Option<u32> {
    (from..to).find(|&e| monitored(seed, owner, e, p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_proof_verifies_and_a_changed_entry_does_not() {
        for n in 1..12u32 {
            let mut log = KeyLog::default();
            for i in 0..n {
                log.append(Entry {
                    owner: i,
                    key: [i as u8; 32],
                    tag: [0; 32],
                });
            }
            let root = log.root();
            for i in 0..n as usize {
                let p = log.prove(i).unwrap();
                assert!(p.verifies(&root), "n={n} i={i}");
                let mut bad = p.clone();
                bad.entry.key[0] ^= 1;
                assert!(!bad.verifies(&root), "n={n} i={i}");
            }
        }
    }

    #[test]
    fn monitoring_is_monotone_in_p_and_bounded() {
        let seed = [7u8; 32];
        assert_eq!(first_look(&seed, 3, 0, 50, 0.0), None);
        assert_eq!(first_look(&seed, 3, 0, 50, 1.0), Some(0));
        let looks = |p: f64| (0..400).filter(|&o| monitored(&seed, o, 1, p)).count();
        let (a, b) = (looks(0.2), looks(0.5));
        assert!(
            a <= b && (50..110).contains(&a) && (160..240).contains(&b),
            "{a} {b}"
        );
    }
}
