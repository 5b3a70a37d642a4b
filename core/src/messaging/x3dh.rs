//! X3DH key agreement, written from its specification (Marlinspike and Perrin, *The X3DH
//! Key Agreement Protocol*, revision 1, 2016-11-04, signal.org/docs/specifications/x3dh):
//! the session setup a Double Ratchet conversation starts from.
//!
//! - Curve X25519, hash SHA-256, info [`INFO`].
//! - Identity keys: each user's Ed25519 identity key (the world's directory) signs the
//!   signed prekey and, converted to X25519 (the secret's SHA-512-derived scalar, the
//!   public key's Montgomery form, as libsodium's `ed25519_sk_to_curve25519` does), takes
//!   part in the DH. The specification uses XEdDSA for one key serving both; the conversion
//!   is the same key relationship in the other direction (Thormarker, eprint 2021/509,
//!   analyses the joint use).
//! - `Encode(PK)`: the 32 bytes of the X25519 public key (no curve-type byte).
//! - `KDF(KM)`: HKDF-SHA-256 of `F || KM` with `F` 32 bytes of `0xFF`, a zero salt of 32
//!   bytes and [`INFO`], 32 bytes out (section 2.2).
//! - `AD = Encode(IK_A) || Encode(IK_B)` (section 3.3).

use super::double_ratchet::DhPair;
use crate::error::{Error, Result};
use crate::secret::Key32;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use rand::{CryptoRng, RngCore};

/// Info string of `KDF`.
pub const INFO: &[u8] = b"escrowlab-x3dh";

/// A user's identity key as X3DH uses it in DH: the X25519 form of its Ed25519 key.
pub fn identity_dh(identity: &SigningKey) -> DhPair {
    DhPair::from_secret(identity.to_scalar_bytes())
}

/// The X25519 form of an identity verifying key.
pub fn identity_dh_public(identity: &VerifyingKey) -> [u8; 32] {
    identity.to_montgomery().to_bytes()
}

/// What a responder publishes on the server (section 3.2).
#[derive(Clone, Debug)]
pub struct PrekeyBundle {
    /// `IK_B`: the identity verifying key.
    pub identity: VerifyingKey,
    /// `SPK_B`: the signed prekey.
    pub signed_prekey: [u8; 32],
    /// `Sig(IK_B, Encode(SPK_B))`.
    pub signature: Signature,
    /// `OPK_B`, when a one-time prekey is left.
    pub one_time_prekey: Option<[u8; 32]>,
}

impl PrekeyBundle {
    /// The bundle of a responder with identity `identity`, signed prekey `spk` and one-time
    /// prekey `opk`.
    pub fn new(identity: &SigningKey, spk: &DhPair, opk: Option<&DhPair>) -> PrekeyBundle {
        PrekeyBundle {
            identity: identity.verifying_key(),
            signed_prekey: spk.public,
            signature: identity.sign(&spk.public),
            one_time_prekey: opk.map(|k| k.public),
        }
    }
}

/// The initial message's key material (section 3.3): what the initiator sends with its first
/// ratchet message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitialMessage {
    /// `IK_A`: the initiator's identity verifying key.
    pub identity: [u8; 32],
    /// `EK_A`: its ephemeral public key.
    pub ephemeral: [u8; 32],
    /// Whether a one-time prekey was used (the responder then deletes it).
    pub used_one_time_prekey: bool,
}

fn kdf(km: &[u8]) -> Key32 {
    let mut ikm = vec![0xFFu8; 32];
    ikm.extend_from_slice(km);
    Key32(super::hkdf32(&ikm, &[0u8; 32], INFO))
}

fn associated_data(ik_a: &[u8; 32], ik_b: &[u8; 32]) -> Vec<u8> {
    [&ik_a[..], &ik_b[..]].concat()
}

/// The initiator's side (section 3.3): verifies the bundle's signature, draws the ephemeral
/// key from `rng`, and returns `SK`, the associated data and the initial message.
///
/// # Errors
/// [`Error::Input`] when the signed prekey's signature does not verify (the protocol aborts).
pub fn initiate(
    alice: &SigningKey,
    bundle: &PrekeyBundle,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(Key32, Vec<u8>, InitialMessage)> {
    bundle
        .identity
        .verify(&bundle.signed_prekey, &bundle.signature)
        .map_err(|_| Error::input("the signed prekey's signature does not verify"))?;
    let ik_a = identity_dh(alice);
    let ek = DhPair::generate(rng);
    let ik_b = identity_dh_public(&bundle.identity);
    let mut km = Vec::with_capacity(128);
    km.extend_from_slice(&ik_a.dh(&bundle.signed_prekey));
    km.extend_from_slice(&ek.dh(&ik_b));
    km.extend_from_slice(&ek.dh(&bundle.signed_prekey));
    if let Some(opk) = &bundle.one_time_prekey {
        km.extend_from_slice(&ek.dh(opk));
    }
    let ad = associated_data(&ik_a.public, &ik_b);
    Ok((
        kdf(&km),
        ad,
        InitialMessage {
            identity: alice.verifying_key().to_bytes(),
            ephemeral: ek.public,
            used_one_time_prekey: bundle.one_time_prekey.is_some(),
        },
    ))
}

/// The responder's side (section 3.4): `SK` and the associated data from the initial
/// message, its identity, signed prekey and the one-time prekey the message used.
///
/// # Errors
/// [`Error::Input`] for an initiator identity that is no Ed25519 key, or a message that used a
/// one-time prekey the responder no longer has.
pub fn respond(
    bob: &SigningKey,
    spk: &DhPair,
    opk: Option<&DhPair>,
    msg: &InitialMessage,
) -> Result<(Key32, Vec<u8>)> {
    let alice = VerifyingKey::from_bytes(&msg.identity)
        .map_err(|_| Error::input("the initiator's identity is no Ed25519 key"))?;
    let ik_a = identity_dh_public(&alice);
    let ik_b = identity_dh(bob);
    let mut km = Vec::with_capacity(128);
    km.extend_from_slice(&spk.dh(&ik_a));
    km.extend_from_slice(&ik_b.dh(&msg.ephemeral));
    km.extend_from_slice(&spk.dh(&msg.ephemeral));
    match (msg.used_one_time_prekey, opk) {
        (true, Some(opk)) => km.extend_from_slice(&opk.dh(&msg.ephemeral)),
        (true, None) => {
            return Err(Error::input(
                "the message used a one-time prekey that is gone",
            ))
        }
        (false, _) => {}
    }
    Ok((kdf(&km), associated_data(&ik_a, &ik_b.public)))
}
