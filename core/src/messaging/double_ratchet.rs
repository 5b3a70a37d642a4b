//! The Double Ratchet, written from its specification (Perrin and Marlinspike, *The Double
//! Ratchet Algorithm*, revision 1, 2016-11-20, signal.org/docs/specifications/doubleratchet),
//! section 3's functions and state, for a 1:1 conversation.
//!
//! - `GENERATE_DH`/`DH`: X25519 (x25519-dalek), the key pair drawn from the caller's seeded
//!   stream, so a run is deterministic.
//! - `KDF_RK(rk, dh_out)`: HKDF-SHA-256 with `rk` as salt, `dh_out` as input key material and
//!   [`INFO_RK`] as info, 64 bytes: the new root key and a chain key (section 5.2).
//! - `KDF_CK(ck)`: HMAC-SHA-256 keyed by `ck`: the message key of input `0x01`, the next
//!   chain key of input `0x02` (section 5.2).
//! - `ENCRYPT(mk, plaintext, ad)`: **the one departure from section 5.2's recommendation**
//!   (AES-256-CBC with HMAC-SHA-256): ChaCha20-Poly1305, the AEAD escrowlab uses everywhere,
//!   under a key and nonce from HKDF-SHA-256 of `mk` (zero salt, [`INFO_MSG`], 44 bytes);
//!   section 3.1 allows any AEAD, and a message key encrypts one message only.
//! - `HEADER`/`CONCAT`: the sender's ratchet public key, `pn` and `n`, encoded as 32 bytes
//!   then two little-endian `u32`s and appended to the associated data.
//! - Skipped message keys are stored per (ratchet key, counter), at most [`MAX_SKIP`] per
//!   chain and [`MAX_STORED`] in all (the oldest dropped first), as section 3.2 requires of
//!   an implementation that must not let a sender fill its memory.
//! - Decryption is transactional (section 3.5's note): a message that fails to decrypt
//!   leaves the state exactly as it was.

use crate::error::{Error, Result};
use crate::secret::Key32;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hkdf::Hkdf;
use rand::{CryptoRng, RngCore};
use sha2::Sha256;
use std::collections::{BTreeMap, VecDeque};
use x25519_dalek::{PublicKey, StaticSecret};

/// Info string of `KDF_RK`.
pub const INFO_RK: &[u8] = b"escrowlab-double-ratchet-root";
/// Info string of the message-key expansion in `ENCRYPT`.
pub const INFO_MSG: &[u8] = b"escrowlab-double-ratchet-message";
/// Most message keys skipped in one chain (section 3.2's `MAX_SKIP`).
pub const MAX_SKIP: u32 = 1000;
/// Most skipped message keys kept in all; the oldest go first.
pub const MAX_STORED: usize = 2000;

/// An X25519 key pair.
#[derive(Clone)]
pub struct DhPair {
    secret: StaticSecret,
    /// The public key.
    pub public: [u8; 32],
}

impl std::fmt::Debug for DhPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DhPair({})", hex::encode(&self.public[..4]))
    }
}

impl DhPair {
    /// `GENERATE_DH()`, from the caller's (seeded) stream.
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> DhPair {
        let mut b = [0u8; 32];
        rng.fill_bytes(&mut b);
        DhPair::from_secret(b)
    }
    /// The pair of a known secret.
    pub fn from_secret(secret: [u8; 32]) -> DhPair {
        let secret = StaticSecret::from(secret);
        let public = PublicKey::from(&secret).to_bytes();
        DhPair { secret, public }
    }
    /// `DH(self, public)`.
    pub fn dh(&self, public: &[u8; 32]) -> [u8; 32] {
        self.secret
            .diffie_hellman(&PublicKey::from(*public))
            .to_bytes()
    }
}

/// `KDF_RK(rk, dh_out)`: the new root key and a chain key.
pub fn kdf_rk(rk: &Key32, dh_out: &[u8; 32]) -> (Key32, Key32) {
    let hk = Hkdf::<Sha256>::new(Some(&rk.0), dh_out);
    let mut out = [0u8; 64];
    hk.expand(INFO_RK, &mut out)
        .expect("64 bytes is a valid HKDF length");
    let (a, b) = out.split_at(32);
    (
        Key32(a.try_into().expect("32 bytes")),
        Key32(b.try_into().expect("32 bytes")),
    )
}

/// `KDF_CK(ck)`: the next chain key and the message key.
pub fn kdf_ck(ck: &Key32) -> (Key32, Key32) {
    (
        Key32(super::hmac(&ck.0, &[0x02])),
        Key32(super::hmac(&ck.0, &[0x01])),
    )
}

fn aead_of(mk: &Key32) -> (ChaCha20Poly1305, [u8; 12]) {
    let hk = Hkdf::<Sha256>::new(Some(&[0u8; 32]), &mk.0);
    let mut out = [0u8; 44];
    hk.expand(INFO_MSG, &mut out)
        .expect("44 bytes is a valid HKDF length");
    let nonce: [u8; 12] = out[32..].try_into().expect("12 bytes");
    (ChaCha20Poly1305::new(Key::from_slice(&out[..32])), nonce)
}

/// `ENCRYPT(mk, plaintext, ad)`.
pub fn encrypt(mk: &Key32, plaintext: &[u8], ad: &[u8]) -> Vec<u8> {
    let (c, nonce) = aead_of(mk);
    c.encrypt(
        Nonce::from_slice(&nonce),
        Payload {
            msg: plaintext,
            aad: ad,
        },
    )
    .expect("ChaCha20-Poly1305 encryption of a bounded message cannot fail")
}

/// `DECRYPT(mk, ciphertext, ad)`; `None` when the tag fails.
pub fn decrypt(mk: &Key32, ciphertext: &[u8], ad: &[u8]) -> Option<Vec<u8>> {
    let (c, nonce) = aead_of(mk);
    c.decrypt(
        Nonce::from_slice(&nonce),
        Payload {
            msg: ciphertext,
            aad: ad,
        },
    )
    .ok()
}

/// `HEADER(dh_pair, pn, n)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// The sender's current ratchet public key.
    pub dh: [u8; 32],
    /// Messages in the sender's previous sending chain.
    pub pn: u32,
    /// This message's number in the current sending chain.
    pub n: u32,
}

impl Header {
    /// Bytes of an encoded header.
    pub const LEN: usize = 40;
    /// The encoding `CONCAT` appends to the associated data.
    pub fn encode(&self) -> [u8; Self::LEN] {
        let mut b = [0u8; Self::LEN];
        b[..32].copy_from_slice(&self.dh);
        b[32..36].copy_from_slice(&self.pn.to_le_bytes());
        b[36..].copy_from_slice(&self.n.to_le_bytes());
        b
    }
    /// Decodes [`Header::encode`]'s bytes.
    ///
    /// # Errors
    /// [`Error::Input`] for bytes of another length.
    pub fn decode(b: &[u8]) -> Result<Header> {
        let b: &[u8; Self::LEN] = b
            .try_into()
            .map_err(|_| Error::input(format!("a ratchet header is {} bytes", Self::LEN)))?;
        Ok(Header {
            dh: b[..32].try_into().expect("32 bytes"),
            pn: u32::from_le_bytes(b[32..36].try_into().expect("4 bytes")),
            n: u32::from_le_bytes(b[36..].try_into().expect("4 bytes")),
        })
    }
}

/// `CONCAT(ad, header)`.
pub fn concat(ad: &[u8], header: &Header) -> Vec<u8> {
    let mut v = Vec::with_capacity(ad.len() + Header::LEN);
    v.extend_from_slice(ad);
    v.extend_from_slice(&header.encode());
    v
}

/// One party's Double Ratchet state (section 3.2).
#[derive(Clone, Debug)]
pub struct State {
    dhs: DhPair,
    dhr: Option<[u8; 32]>,
    rk: Key32,
    cks: Option<Key32>,
    ckr: Option<Key32>,
    ns: u32,
    nr: u32,
    pn: u32,
    skipped: BTreeMap<([u8; 32], u32), Key32>,
    skipped_order: VecDeque<([u8; 32], u32)>,
    /// DH ratchet steps this party has taken (a figure for healing measurements).
    steps: u32,
}

impl State {
    /// `RatchetInitAlice(SK, bob_dh_public_key)`: the initiator, who knows the responder's
    /// ratchet (signed prekey) public key.
    pub fn init_alice(
        sk: &Key32,
        bob_public: &[u8; 32],
        rng: &mut (impl RngCore + CryptoRng),
    ) -> State {
        let dhs = DhPair::generate(rng);
        let (rk, cks) = kdf_rk(sk, &dhs.dh(bob_public));
        State::fresh(dhs, Some(*bob_public), rk, Some(cks))
    }

    /// `RatchetInitBob(SK, bob_dh_key_pair)`: the responder, with its ratchet key pair.
    pub fn init_bob(sk: &Key32, bob_pair: DhPair) -> State {
        State::fresh(bob_pair, None, sk.clone(), None)
    }

    /// A state before any message: no receiving chain, counters at zero, nothing skipped.
    fn fresh(dhs: DhPair, dhr: Option<[u8; 32]>, rk: Key32, cks: Option<Key32>) -> State {
        State {
            dhs,
            dhr,
            rk,
            cks,
            ckr: None,
            ns: 0,
            nr: 0,
            pn: 0,
            skipped: BTreeMap::new(),
            skipped_order: VecDeque::new(),
            steps: 0,
        }
    }

    /// This party's current ratchet public key.
    pub fn ratchet_public(&self) -> [u8; 32] {
        self.dhs.public
    }

    /// DH ratchet steps taken on receiving (each a new receiving and sending chain).
    pub fn steps(&self) -> u32 {
        self.steps
    }

    /// Skipped message keys held.
    pub fn skipped_keys(&self) -> usize {
        self.skipped.len()
    }

    /// `RatchetEncrypt(state, plaintext, AD)`: the header and the ciphertext.
    ///
    /// # Errors
    /// [`Error::Misuse`] for a responder that has not yet received a message (it has no
    /// sending chain: section 3.3).
    pub fn encrypt(&mut self, plaintext: &[u8], ad: &[u8]) -> Result<(Header, Vec<u8>)> {
        let ck = self.cks.as_ref().ok_or_else(|| {
            Error::misuse("no sending chain yet: the responder must receive a message first")
        })?;
        let (ck, mk) = kdf_ck(ck);
        self.cks = Some(ck);
        let header = Header {
            dh: self.dhs.public,
            pn: self.pn,
            n: self.ns,
        };
        self.ns += 1;
        Ok((header, encrypt(&mk, plaintext, &concat(ad, &header))))
    }

    /// The message key a sender would use next, without using it (what an implant on the
    /// device can read; the state is unchanged).
    pub fn peek_sending_key(&self) -> Option<Key32> {
        self.cks.as_ref().map(|ck| kdf_ck(ck).1)
    }

    /// `RatchetDecrypt(state, header, ciphertext, AD)`: the plaintext; the state is changed
    /// only when it decrypts.
    ///
    /// # Errors
    /// [`Error::Input`] when the message does not decrypt or would skip more than
    /// [`MAX_SKIP`] keys (the state is then unchanged).
    pub fn decrypt(
        &mut self,
        header: &Header,
        ciphertext: &[u8],
        ad: &[u8],
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<Vec<u8>> {
        let ad = concat(ad, header);
        if let Some(mk) = self.skipped.get(&(header.dh, header.n)) {
            let pt = decrypt(mk, ciphertext, &ad)
                .ok_or_else(|| Error::input("a message under a skipped key failed to decrypt"))?;
            self.skipped.remove(&(header.dh, header.n));
            self.skipped_order.retain(|k| *k != (header.dh, header.n));
            return Ok(pt);
        }
        let mut next = self.clone();
        if Some(header.dh) != next.dhr {
            next.skip(header.pn)?;
            next.dh_ratchet(header, rng);
        }
        next.skip(header.n)?;
        let ck = next
            .ckr
            .as_ref()
            .ok_or_else(|| Error::input("no receiving chain for this message"))?;
        let (ck, mk) = kdf_ck(ck);
        next.ckr = Some(ck);
        next.nr += 1;
        let pt = decrypt(&mk, ciphertext, &ad)
            .ok_or_else(|| Error::input("the message failed to decrypt"))?;
        *self = next;
        Ok(pt)
    }

    /// `SkipMessageKeys(state, until)`.
    fn skip(&mut self, until: u32) -> Result<()> {
        if self.nr.saturating_add(MAX_SKIP) < until {
            return Err(Error::input(format!(
                "the message would skip more than {MAX_SKIP} message keys"
            )));
        }
        if let (Some(mut ck), Some(dhr)) = (self.ckr.clone(), self.dhr) {
            while self.nr < until {
                let (next, mk) = kdf_ck(&ck);
                ck = next;
                self.skipped.insert((dhr, self.nr), mk);
                self.skipped_order.push_back((dhr, self.nr));
                while self.skipped_order.len() > MAX_STORED {
                    if let Some(old) = self.skipped_order.pop_front() {
                        self.skipped.remove(&old);
                    }
                }
                self.nr += 1;
            }
            self.ckr = Some(ck);
        }
        Ok(())
    }

    /// `DHRatchet(state, header)`.
    fn dh_ratchet(&mut self, header: &Header, rng: &mut (impl RngCore + CryptoRng)) {
        self.pn = self.ns;
        self.ns = 0;
        self.nr = 0;
        self.dhr = Some(header.dh);
        let (rk, ckr) = kdf_rk(&self.rk, &self.dhs.dh(&header.dh));
        self.rk = rk;
        self.ckr = Some(ckr);
        self.dhs = DhPair::generate(rng);
        let (rk, cks) = kdf_rk(&self.rk, &self.dhs.dh(&header.dh));
        self.rk = rk;
        self.cks = Some(cks);
        self.steps += 1;
    }
}
