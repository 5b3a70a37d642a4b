//! Every random value flows from one `u64` seed through labelled derivations, so the same
//! seed gives the same world whatever the order or the thread in which parts are built.

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};

/// Derives 32 bytes from the master seed, a label and a path of indices.
pub(crate) fn derive(seed: u64, label: &str, path: &[u64]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"escrowlab-seed-v1");
    h.update(seed.to_be_bytes());
    h.update((label.len() as u32).to_be_bytes());
    h.update(label.as_bytes());
    for p in path {
        h.update(p.to_be_bytes());
    }
    h.finalize().into()
}

/// A deterministic RNG for one labelled purpose.
pub(crate) fn rng(seed: u64, label: &str, path: &[u64]) -> ChaCha20Rng {
    ChaCha20Rng::from_seed(derive(seed, label, path))
}
