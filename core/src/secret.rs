//! Secret values: zeroized on drop, never printed.

use sha2::{Digest, Sha256};
use std::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A BLS12-381 scalar (a key share or a master secret), 32 bytes big-endian.
///
/// `Debug` and `Display` print a fingerprint, never the value.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Scalar(pub [u8; 32]);

impl Scalar {
    /// A short public fingerprint (first 8 hex digits of SHA-256 of the bytes).
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.0)
    }
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scalar(fp:{})", self.fingerprint())
    }
}

/// A 32-byte symmetric key (session key, chain key, wrapping key). Zeroized on drop.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Key32(pub [u8; 32]);

impl Key32 {
    /// A short public fingerprint.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.0)
    }
}

impl fmt::Debug for Key32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key32(fp:{})", self.fingerprint())
    }
}

/// First 8 hex digits of SHA-256 of `bytes`.
pub fn fingerprint(bytes: &[u8]) -> String {
    hex::encode(&Sha256::digest(bytes)[..4])
}
