//! The court: a single key, or k-of-n judges by threshold signature, signing scoped
//! warrants that agents check.

use crate::backend::safe::safe_combine_signatures;
use crate::backend::Backend;
use crate::codec::{Reader, Writer};
use crate::error::{Error, Result};
use crate::secret::{fingerprint, Scalar};

/// A warrant: who, when, until when, how many uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warrant {
    /// Case identifier.
    pub case_id: String,
    /// Target users: a session is in scope when one of its members is a target.
    pub targets: Vec<u32>,
    /// First epoch of the window (inclusive).
    pub from_epoch: u32,
    /// Last epoch of the window (inclusive).
    pub to_epoch: u32,
    /// Issue time (simulated ticks).
    pub issued: u64,
    /// Expiry time (simulated ticks).
    pub expires: u64,
    /// Unique nonce.
    pub nonce: [u8; 16],
    /// How many requests an agent may serve under it (0 = unlimited).
    pub use_limit: u32,
}

impl Warrant {
    /// Canonical encoding (the signed message).
    pub fn encode(&self) -> Vec<u8> {
        Writer::tagged("warrant")
            .str(&self.case_id)
            .u32s(&self.targets)
            .u32(self.from_epoch)
            .u32(self.to_epoch)
            .u64(self.issued)
            .u64(self.expires)
            .bytes(&self.nonce)
            .u32(self.use_limit)
            .finish()
    }
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Warrant {
            case_id: r.str()?,
            targets: r.u32s()?,
            from_epoch: r.u32()?,
            to_epoch: r.u32()?,
            issued: r.u64()?,
            expires: r.u64()?,
            nonce: r.array::<16>()?,
            use_limit: r.u32()?,
        })
    }
    /// Does the warrant's scope cover a session of `epoch` with these members?
    pub fn covers(&self, epoch: u32, members: &[u32]) -> bool {
        (self.from_epoch..=self.to_epoch).contains(&epoch)
            && members.iter().any(|m| self.targets.contains(m))
    }
}

/// A warrant with the court's signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedWarrant {
    /// The warrant.
    pub warrant: Warrant,
    /// The court's (combined) signature over `warrant.encode()`.
    pub signature: Vec<u8>,
}

impl SignedWarrant {
    /// Canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        Writer::tagged("signed-warrant")
            .bytes(&self.warrant.encode())
            .bytes(&self.signature)
            .finish()
    }
    /// Decodes a signed warrant.
    ///
    /// # Errors
    /// [`Error::Malformed`] on bad bytes.
    pub fn decode(b: &[u8]) -> Result<Self> {
        let mut r = Reader::tagged(b, "warrant", "signed-warrant")?;
        let wb = r.bytes()?;
        let signature = r.bytes()?.to_vec();
        r.finish()?;
        let mut wr = Reader::tagged(wb, "warrant", "warrant")?;
        let warrant = Warrant::read(&mut wr)?;
        wr.finish()?;
        if warrant.from_epoch > warrant.to_epoch {
            return Err(Error::malformed("warrant", "window ends before it starts"));
        }
        Ok(SignedWarrant { warrant, signature })
    }
    /// Public fingerprint (for audit records).
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.encode())
    }
}

/// The court's keys: `n` judges, any `k` of whom sign (`k = n = 1` for a single court key).
#[derive(Clone)]
pub struct Court {
    /// Encoded public key set.
    pub public: Vec<u8>,
    /// The master public key agents pin.
    pub master_public: Vec<u8>,
    judges: Vec<Scalar>,
    /// Judges needed.
    pub k: usize,
}

impl std::fmt::Debug for Court {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Court({}-of-{}, pk fp:{})",
            self.k,
            self.judges.len(),
            fingerprint(&self.master_public)
        )
    }
}

impl Court {
    /// Generates the court's keys.
    ///
    /// # Errors
    /// As the backend's key generation.
    pub(crate) fn new(backend: &dyn Backend, k: usize, n: usize, seed: [u8; 32]) -> Result<Self> {
        let km = backend.dealer_keygen(k, n, seed)?;
        let master_public = backend.master_public_key(&km.public)?;
        Ok(Court {
            public: km.public,
            master_public,
            judges: km.shares,
            k,
        })
    }
    /// Number of judges.
    pub fn n(&self) -> usize {
        self.judges.len()
    }
    /// Has `judges` sign the warrant. Fewer than `k` judges is refused.
    ///
    /// # Errors
    /// [`Error::Refused`] (`threshold`) with too few judges; [`Error::Misuse`] for an unknown judge.
    pub fn issue(
        &self,
        backend: &dyn Backend,
        warrant: Warrant,
        judges: &[usize],
    ) -> Result<SignedWarrant> {
        let msg = warrant.encode();
        let mut shares = Vec::new();
        for &j in judges {
            let s = self
                .judges
                .get(j)
                .ok_or_else(|| Error::misuse(format!("no judge {j}")))?;
            shares.push((j, backend.sign_share(s, &msg)?));
        }
        let (signature, _) =
            safe_combine_signatures(backend, &self.public, self.n(), &shares, &msg)?;
        Ok(SignedWarrant { warrant, signature })
    }
    /// The key of one judge (what `steal_court_key` takes).
    pub(crate) fn judge_key(&self, j: usize) -> Option<&Scalar> {
        self.judges.get(j)
    }
}

/// Verifies a warrant's signature against a pinned court key, rejecting identity keys.
pub fn verify_warrant(backend: &dyn Backend, court_public: &[u8], w: &SignedWarrant) -> bool {
    backend.verify_signature(court_public, &w.signature, &w.warrant.encode())
}
