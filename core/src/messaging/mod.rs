//! The end-to-end layer: headers, hash-ratchet message keys, ChaCha20-Poly1305 messages
//! with the header as associated data, and session-key delivery by X25519.

pub mod double_ratchet;
pub mod keylog;
pub mod x3dh;

/// How a session's messages are keyed (the world option `protocol`).
///
/// - `hash-ratchet` (the default, the original world): one symmetric chain per session from
///   the session key, shared by every member; no post-compromise security.
/// - `double-ratchet`: 1:1 sessions run the Double Ratchet ([`double_ratchet`]): the session
///   key is the shared secret `SK` of the setup, the responder's epoch prekey is its first
///   ratchet key, and each change of speaker is a DH ratchet step with a fresh key pair from
///   the speaker's device; groups use sender keys.
/// - `sender-keys`: groups give every sender its own chain (a sender key, fresh from the
///   sender's device in each session, distributed to the members with the session's
///   delivery); 1:1 sessions keep the hash ratchet, as WhatsApp's groups do beside their
///   pairwise sessions (the choice that changes the group side only).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    /// One symmetric hash chain per session (the original world).
    #[default]
    HashRatchet,
    /// The Double Ratchet for 1:1 sessions, sender keys for groups.
    DoubleRatchet,
    /// Sender keys for groups, the hash ratchet for 1:1 sessions.
    SenderKeys,
}

impl Protocol {
    /// The name used in configuration files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::HashRatchet => "hash-ratchet",
            Protocol::DoubleRatchet => "double-ratchet",
            Protocol::SenderKeys => "sender-keys",
        }
    }
    /// Is this the default (the original world)?
    pub fn is_default(&self) -> bool {
        *self == Protocol::HashRatchet
    }
    /// How a session with `members` members is keyed under this protocol.
    pub fn keying(self, members: usize) -> Keying {
        match (self, members > 2) {
            (Protocol::HashRatchet, _) | (Protocol::SenderKeys, false) => Keying::HashRatchet,
            (Protocol::DoubleRatchet, false) => Keying::DoubleRatchet,
            (_, true) => Keying::SenderKeys,
        }
    }
}

/// How one session is keyed (its protocol applied to its size).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Keying {
    /// One hash chain from the session key.
    #[default]
    HashRatchet,
    /// The Double Ratchet: a new sending chain at every change of speaker.
    DoubleRatchet,
    /// One chain per sender, each from a sender key of the sender's device.
    SenderKeys,
}

use crate::codec::{Reader, Writer};
use crate::error::{Error, Result};
use crate::secret::Key32;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use x25519_dalek::{PublicKey as XPublic, StaticSecret};

/// Header of one message; it is the AEAD associated data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageHeader {
    /// Conversation.
    pub conv: u32,
    /// Global session index.
    pub session: u32,
    /// Sender (user index).
    pub sender: u32,
    /// Epoch.
    pub epoch: u32,
    /// Position in the session's ratchet.
    pub counter: u32,
}

impl MessageHeader {
    /// Canonical encoding (associated data).
    pub fn encode(&self) -> Vec<u8> {
        Writer::tagged("msg-header")
            .u32(self.conv)
            .u32(self.session)
            .u32(self.sender)
            .u32(self.epoch)
            .u32(self.counter)
            .finish()
    }
}

/// The header of a session: who is in it, when, and who opened it. The escrow field is
/// bound to it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SessionHeader {
    /// Global session index.
    pub session: u32,
    /// Conversation.
    pub conv: u32,
    /// Epoch.
    pub epoch: u32,
    /// The member who opened the session and escrowed its key.
    pub sender: u32,
    /// Every member, sender included, sorted.
    pub members: Vec<u32>,
}

impl SessionHeader {
    /// Canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        Writer::tagged("session-header")
            .u32(self.session)
            .u32(self.conv)
            .u32(self.epoch)
            .u32(self.sender)
            .u32s(&self.members)
            .finish()
    }
    /// Decodes a session header.
    ///
    /// # Errors
    /// [`Error::Malformed`] on bad bytes.
    pub fn decode(b: &[u8]) -> Result<Self> {
        let mut r = Reader::tagged(b, "session header", "session-header")?;
        let h = SessionHeader {
            session: r.u32()?,
            conv: r.u32()?,
            epoch: r.u32()?,
            sender: r.u32()?,
            members: r.u32s()?,
        };
        r.finish()?;
        Ok(h)
    }
}

type HmacSha256 = Hmac<Sha256>;

/// HMAC-SHA256 of `data` under `key`.
pub fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut m = <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(data);
    m.finalize().into_bytes().into()
}

/// HKDF-SHA256 to 32 bytes.
pub fn hkdf32(ikm: &[u8], salt: &[u8], info: &[u8]) -> [u8; 32] {
    let hk = Hkdf::<Sha256>::new(Some(salt), ikm);
    let mut out = [0u8; 32];
    hk.expand(info, &mut out)
        .expect("32 bytes is a valid HKDF length");
    out
}

/// A symmetric hash ratchet: `chain_{i+1} = HMAC(chain_i, 2)`, `message_key_i = HMAC(chain_i, 1)`.
/// Advancing overwrites (and so deletes) the used chain key.
#[derive(Clone, Debug)]
pub struct Ratchet {
    chain: Key32,
    /// Counter of the next message key.
    pub position: u32,
}

impl Ratchet {
    /// The ratchet at position 0 for a session key.
    pub fn new(session_key: &Key32) -> Self {
        Ratchet {
            chain: Key32(hkdf32(&session_key.0, b"escrowlab-ratchet", b"chain")),
            position: 0,
        }
    }
    /// Takes the next message key and deletes the chain key that produced it.
    pub fn next_key(&mut self) -> Key32 {
        // Both HMACs share one keyed state (the chain key's inner and outer pads are
        // hashed once, not twice): 6 SHA-256 compressions a step instead of 8.
        let keyed =
            <HmacSha256 as Mac>::new_from_slice(&self.chain.0).expect("HMAC takes any key length");
        let mut message = keyed.clone();
        message.update(&[1]);
        let mut chain = keyed;
        chain.update(&[2]);
        self.chain = Key32(chain.finalize().into_bytes().into());
        self.position += 1;
        Key32(message.finalize().into_bytes().into())
    }
    /// The key for `counter`, if it is not already behind the ratchet (a deleted key is gone).
    pub fn key_at(&mut self, counter: u32) -> Option<Key32> {
        if counter < self.position {
            return None;
        }
        while self.position < counter {
            // A skipped position needs only its chain step, not its message key.
            self.chain = Key32(hmac(&self.chain.0, &[2]));
            self.position += 1;
        }
        Some(self.next_key())
    }
}

/// Derives the message key at `counter` from a session key (what the escrow combiner does).
pub fn message_key(session_key: &Key32, counter: u32) -> Key32 {
    let mut r = Ratchet::new(session_key);
    r.key_at(counter).expect("a fresh ratchet is at position 0")
}

/// Seals `plaintext` with a single-use key and `ad` as associated data (zero nonce: every
/// key in escrowlab seals exactly one message).
pub fn seal(key: &Key32, ad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let c = ChaCha20Poly1305::new(Key::from_slice(&key.0));
    c.encrypt(
        Nonce::from_slice(&[0u8; 12]),
        Payload {
            msg: plaintext,
            aad: ad,
        },
    )
    .expect("ChaCha20-Poly1305 encryption of a bounded message cannot fail")
}

/// Opens a sealed message; `None` when the tag fails.
pub fn open(key: &Key32, ad: &[u8], ciphertext: &[u8]) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    open_into(key, ad, ciphertext, &mut buf).then_some(buf)
}

/// Opens a sealed message into `buf` (cleared first, its allocation reused); `false` when
/// the tag fails (then `buf` holds nothing).
pub fn open_into(key: &Key32, ad: &[u8], ciphertext: &[u8], buf: &mut Vec<u8>) -> bool {
    use chacha20poly1305::aead::AeadInPlace;
    buf.clear();
    let Some(body) = ciphertext.len().checked_sub(TAG_LEN) else {
        return false;
    };
    buf.extend_from_slice(&ciphertext[..body]);
    let c = ChaCha20Poly1305::new(Key::from_slice(&key.0));
    let ok = c
        .decrypt_in_place_detached(
            Nonce::from_slice(&[0u8; 12]),
            ad,
            buf,
            chacha20poly1305::Tag::from_slice(&ciphertext[body..]),
        )
        .is_ok();
    if !ok {
        buf.clear();
    }
    ok
}

/// Bytes of a ChaCha20-Poly1305 tag.
const TAG_LEN: usize = 16;

/// A session key encrypted to one recipient's epoch prekey.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyDelivery {
    /// Recipient user index (or a ghost's pseudo-index).
    pub recipient: u32,
    /// Sender's ephemeral X25519 public key.
    pub ephemeral: [u8; 32],
    /// AEAD of the session key.
    pub sealed: Vec<u8>,
}

fn delivery_key(shared: &[u8; 32], header: &SessionHeader, recipient: u32) -> (Key32, Vec<u8>) {
    let mut ad = header.encode();
    ad.extend_from_slice(&recipient.to_be_bytes());
    (Key32(hkdf32(shared, b"escrowlab-delivery", &ad)), ad)
}

/// Encrypts `session_key` to `prekey` with an ephemeral secret from `eph_seed`.
pub fn deliver(
    session_key: &Key32,
    header: &SessionHeader,
    recipient: u32,
    prekey: &[u8; 32],
    eph_seed: [u8; 32],
) -> KeyDelivery {
    let eph = StaticSecret::from(eph_seed);
    let shared = eph.diffie_hellman(&XPublic::from(*prekey));
    let (k, ad) = delivery_key(shared.as_bytes(), header, recipient);
    KeyDelivery {
        recipient,
        ephemeral: XPublic::from(&eph).to_bytes(),
        sealed: seal(&k, &ad, &session_key.0),
    }
}

/// Opens a delivery with the recipient's prekey secret.
///
/// # Errors
/// [`Error::Refused`] (`delivery`) when the tag fails (wrong key or altered bytes).
pub fn accept(
    delivery: &KeyDelivery,
    header: &SessionHeader,
    prekey_secret: &[u8; 32],
) -> Result<Key32> {
    let sk = StaticSecret::from(*prekey_secret);
    let shared = sk.diffie_hellman(&XPublic::from(delivery.ephemeral));
    let (k, ad) = delivery_key(shared.as_bytes(), header, delivery.recipient);
    let pt = open(&k, &ad, &delivery.sealed)
        .ok_or_else(|| Error::refused("delivery", "session key delivery does not open"))?;
    let arr: [u8; 32] = pt
        .try_into()
        .map_err(|_| Error::malformed("key delivery", "not 32 bytes"))?;
    Ok(Key32(arr))
}

/// The X25519 public key of a secret.
pub fn x25519_public(secret: &[u8; 32]) -> [u8; 32] {
    XPublic::from(&StaticSecret::from(*secret)).to_bytes()
}

#[cfg(test)]
mod open_tests {
    use super::*;

    #[test]
    fn open_into_reads_what_seal_wrote_and_nothing_else() {
        let key = Key32([3; 32]);
        let ct = seal(&key, b"ad", b"forty bytes of a message, more or less..");
        let mut buf = vec![0xEE; 7];
        assert!(open_into(&key, b"ad", &ct, &mut buf));
        assert_eq!(buf, b"forty bytes of a message, more or less..");
        assert_eq!(open(&key, b"ad", &ct).as_deref(), Some(&buf[..]));
        // A wrong key, wrong associated data, a flipped bit or a cut tag: refused, and the
        // buffer holds nothing.
        let mut flipped = ct.clone();
        flipped[0] ^= 1;
        for (k, ad, c) in [
            (Key32([4; 32]), &b"ad"[..], &ct[..]),
            (key.clone(), &b"AD"[..], &ct[..]),
            (key.clone(), &b"ad"[..], &flipped[..]),
            (key.clone(), &b"ad"[..], &ct[..ct.len() - 1]),
            (key.clone(), &b"ad"[..], &ct[..3]),
        ] {
            assert!(!open_into(&k, ad, c, &mut buf));
            assert!(buf.is_empty());
            assert_eq!(open(&k, ad, c), None);
        }
        // An empty message seals to its tag alone.
        let empty = seal(&key, b"", b"");
        assert!(open_into(&key, b"", &empty, &mut buf));
        assert!(buf.is_empty());
    }
}
