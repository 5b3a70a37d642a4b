//! The escrow access field (EAF): one per session, the session key threshold-encrypted to
//! the escrow key of that epoch, plus a binding to the session header.
//!
//! Binding modes (a scheme setting):
//! - `none`: nothing ties the field to the session; a recipient cannot tell a bogus field.
//! - `checksum`: a `bits`-bit check, HMAC under a family key that only client chips hold,
//!   over session key ‖ field (the Clipper LEAF design; Blaze 1994 forges it in ≈ 2^bits tries).
//! - `signed`: a full 256-bit chip check, plus the sender's identity signature over
//!   header ‖ field, which agents verify so a field cannot be moved to another header.
//! - `recompute`: the field is a deterministic function of session key ‖ header (the
//!   wrapping key and the encryption randomness are derived from them), so a recipient
//!   recomputes it byte for byte; also signed as above.

use crate::backend::Backend;
use crate::codec::{Reader, Writer};
use crate::config::scheme::Binding;
use crate::error::{Error, Result};
use crate::messaging::{hkdf32, hmac, open, seal, SessionHeader};
use crate::secret::Key32;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// An escrow access field as it travels in the transcript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EscrowField {
    /// Which escrow key it is encrypted to (the epoch, or 0 for a static key).
    pub key_epoch: u32,
    /// Threshold ciphertext of the per-field wrapping key.
    pub te_ct: Vec<u8>,
    /// The session key sealed under the wrapping key (header as associated data).
    pub wrapped: Vec<u8>,
    /// Chip check bits (`checksum`: `bits` bits; `signed`: 256 bits; else empty).
    pub check: Vec<u8>,
    /// Sender's Ed25519 signature over header ‖ body (`signed`, `recompute`; else empty).
    pub sig: Vec<u8>,
}

/// How a field is bound, resolved from the scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindingRule {
    /// No binding.
    None,
    /// A chip check of this many bits.
    Checksum(u32),
    /// Full chip check and sender signature.
    Signed,
    /// Deterministic field, recomputed by recipients; signed.
    Recompute,
}

impl BindingRule {
    /// From the scheme's binding and checksum size.
    pub fn from_scheme(b: Binding, bits: u32) -> Self {
        match b {
            Binding::None => BindingRule::None,
            Binding::Checksum => BindingRule::Checksum(bits),
            Binding::Signed => BindingRule::Signed,
            Binding::Recompute => BindingRule::Recompute,
        }
    }
    /// Can an agent, who does not know the session key, verify that a field belongs to a
    /// header? Only when the field is signed.
    pub fn agent_verifiable(self) -> bool {
        matches!(self, BindingRule::Signed | BindingRule::Recompute)
    }
    /// Bits of the chip check.
    pub fn check_bits(self) -> u32 {
        match self {
            BindingRule::Checksum(b) => b,
            BindingRule::Signed => 256,
            _ => 0,
        }
    }
    /// The control name used in reports when this binding stops something.
    pub fn control(self) -> &'static str {
        match self {
            BindingRule::None => "none",
            BindingRule::Checksum(_) => "checksum-binding",
            BindingRule::Signed => "signed-binding",
            BindingRule::Recompute => "recompute-binding",
        }
    }
}

impl EscrowField {
    /// The part covered by the check and the signature.
    fn body(&self) -> Vec<u8> {
        Writer::tagged("eaf-body")
            .u32(self.key_epoch)
            .bytes(&self.te_ct)
            .bytes(&self.wrapped)
            .finish()
    }
    /// Canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        Writer::tagged("eaf")
            .u32(self.key_epoch)
            .bytes(&self.te_ct)
            .bytes(&self.wrapped)
            .bytes(&self.check)
            .bytes(&self.sig)
            .finish()
    }
    /// Decodes a field.
    ///
    /// # Errors
    /// [`Error::Malformed`] on bad bytes.
    pub fn decode(b: &[u8]) -> Result<Self> {
        let mut r = Reader::tagged(b, "escrow field", "eaf")?;
        let f = EscrowField {
            key_epoch: r.u32()?,
            te_ct: r.bytes()?.to_vec(),
            wrapped: r.bytes()?.to_vec(),
            check: r.bytes()?.to_vec(),
            sig: r.bytes()?.to_vec(),
        };
        r.finish()?;
        if f.check.len() > 32 || !(f.sig.is_empty() || f.sig.len() == 64) {
            return Err(Error::malformed(
                "escrow field",
                "check or signature has a wrong length",
            ));
        }
        Ok(f)
    }
    /// The message the sender signs: header ‖ body ‖ check (public: anyone can compute it).
    pub fn signed_message(&self, header: &SessionHeader) -> Vec<u8> {
        Writer::tagged("eaf-sig")
            .bytes(&header.encode())
            .bytes(&self.body())
            .bytes(&self.check)
            .finish()
    }
    /// (Re)signs the field for `header` with `signer`'s identity key, replacing any
    /// signature: what whoever holds the key named as sender in `header` can do to any
    /// field's bytes (the body and check are untouched).
    pub fn resign(&mut self, header: &SessionHeader, signer: &SigningKey) {
        self.sig = signer
            .sign(&self.signed_message(header))
            .to_bytes()
            .to_vec();
    }
    /// Signs the field for `header` with the sender's identity key (replacing any
    /// signature), as a sender's client does under `signed` and `recompute`.
    pub fn sign(&mut self, header: &SessionHeader, sender: &SigningKey) {
        self.sig = sender
            .sign(&self.signed_message(header))
            .to_bytes()
            .to_vec();
    }
}

fn wrap_ad(header: &SessionHeader, key_epoch: u32) -> Vec<u8> {
    let mut ad = header.encode();
    ad.extend_from_slice(&key_epoch.to_be_bytes());
    ad
}

/// The chip check: the first `bits` bits of HMAC(family key, session key ‖ body).
pub fn chip_check(
    family_key: &[u8; 32],
    session_key: &Key32,
    field: &EscrowField,
    bits: u32,
) -> Vec<u8> {
    let mut data = session_key.0.to_vec();
    data.extend_from_slice(&field.body());
    let mac = hmac(family_key, &data);
    truncate_bits(&mac, bits)
}

/// The first `bits` bits of `bytes`, in `ceil(bits / 8)` bytes, the rest masked to zero.
pub fn truncate_bits(bytes: &[u8], bits: u32) -> Vec<u8> {
    let nbytes = bits.div_ceil(8) as usize;
    let mut v = bytes[..nbytes.min(bytes.len())].to_vec();
    let rem = bits % 8;
    if rem != 0 {
        if let Some(last) = v.last_mut() {
            *last &= 0xffu8 << (8 - rem);
        }
    }
    v
}

/// Everything a client needs to build and check fields.
pub struct FieldEnv<'a> {
    /// The backend.
    pub backend: &'a dyn Backend,
    /// The binding rule.
    pub rule: BindingRule,
    /// The family key in every client's chip.
    pub family_key: &'a [u8; 32],
}

impl FieldEnv<'_> {
    /// Builds the field for a session, encrypting to `escrow_public` (an encoded public
    /// key set). `seed` supplies the randomness unless the rule is `recompute`.
    ///
    /// # Errors
    /// [`Error::Malformed`] when the public key set does not decode.
    pub fn make(
        &self,
        header: &SessionHeader,
        session_key: &Key32,
        key_epoch: u32,
        escrow_public: &[u8],
        sender: &dyn Signer<Signature>,
        seed: [u8; 32],
    ) -> Result<EscrowField> {
        let (w, te_seed) = if self.rule == BindingRule::Recompute {
            let info = wrap_ad(header, key_epoch);
            (
                hkdf32(&session_key.0, b"escrowlab-eaf-w", &info),
                hkdf32(&session_key.0, b"escrowlab-eaf-r", &info),
            )
        } else {
            (
                hkdf32(&seed, b"escrowlab-eaf-w", b""),
                hkdf32(&seed, b"escrowlab-eaf-r", b""),
            )
        };
        let w = Key32(w);
        let te_ct = self.backend.encrypt(escrow_public, &w.0, te_seed)?;
        let wrapped = seal(&w, &wrap_ad(header, key_epoch), &session_key.0);
        let mut f = EscrowField {
            key_epoch,
            te_ct,
            wrapped,
            check: Vec::new(),
            sig: Vec::new(),
        };
        let bits = self.rule.check_bits();
        if bits > 0 {
            f.check = chip_check(self.family_key, session_key, &f, bits);
        }
        if self.rule.agent_verifiable() {
            f.sig = sender.sign(&f.signed_message(header)).to_bytes().to_vec();
        }
        Ok(f)
    }

    /// What an honest recipient checks before accepting a session: the chip check, the
    /// sender's signature, and under `recompute` the whole field, recomputed.
    ///
    /// # Errors
    /// [`Error::Refused`] naming the binding control that fired.
    pub fn recipient_check(
        &self,
        header: &SessionHeader,
        session_key: &Key32,
        field: &EscrowField,
        escrow_public: &[u8],
        sender: &VerifyingKey,
    ) -> Result<()> {
        self.prepare_recipient_check(header, session_key, field.key_epoch, escrow_public, sender)?
            .check(field)
    }

    /// The recipient's check of one session, prepared once: under `recompute` the expected
    /// field body is computed here, so that checking a candidate field afterwards costs at
    /// most one HMAC (plus a signature verification). [`FieldEnv::recipient_check`] is
    /// exactly `prepare_recipient_check(..)?.check(field)`.
    ///
    /// # Errors
    /// [`Error::Malformed`] when the escrow public key set does not decode (`recompute`).
    pub fn prepare_recipient_check<'s>(
        &'s self,
        header: &'s SessionHeader,
        session_key: &'s Key32,
        key_epoch: u32,
        escrow_public: &[u8],
        sender: &'s VerifyingKey,
    ) -> Result<RecipientCheck<'s>> {
        let expected = if self.rule == BindingRule::Recompute {
            let info = wrap_ad(header, key_epoch);
            let w = Key32(hkdf32(&session_key.0, b"escrowlab-eaf-w", &info));
            let r = hkdf32(&session_key.0, b"escrowlab-eaf-r", &info);
            let te_ct = self.backend.encrypt(escrow_public, &w.0, r)?;
            let wrapped = seal(&w, &info, &session_key.0);
            Some((key_epoch, te_ct, wrapped))
        } else {
            None
        };
        let chip_mac = <Hmac<Sha256> as Mac>::new_from_slice(self.family_key)
            .expect("HMAC takes any key length");
        Ok(RecipientCheck {
            env: self,
            header,
            session_key,
            sender,
            expected,
            chip_mac,
        })
    }
}

/// A recipient's check of one session's field, prepared by
/// [`FieldEnv::prepare_recipient_check`].
pub struct RecipientCheck<'s> {
    env: &'s FieldEnv<'s>,
    header: &'s SessionHeader,
    session_key: &'s Key32,
    sender: &'s VerifyingKey,
    /// `recompute`: the key epoch the expectation was computed for, and the expected body.
    expected: Option<(u32, Vec<u8>, Vec<u8>)>,
    /// The chip's HMAC, keyed once with the family key (so a check costs no key schedule).
    chip_mac: Hmac<Sha256>,
}

impl RecipientCheck<'_> {
    fn chip(&self, field: &EscrowField) -> Result<()> {
        let bits = self.env.rule.check_bits();
        // Exactly `chip_check`, with the family key's HMAC schedule computed once.
        let check = || {
            let mut m = self.chip_mac.clone();
            m.update(&self.session_key.0);
            m.update(&field.body());
            truncate_bits(&m.finalize().into_bytes(), bits)
        };
        if bits > 0 && check() != field.check {
            return Err(Error::refused(
                self.env.rule.control(),
                "the chip check over the field fails",
            ));
        }
        Ok(())
    }

    fn recomputed(&self, field: &EscrowField) -> Result<()> {
        if let Some((ke, te_ct, wrapped)) = &self.expected {
            if *ke != field.key_epoch || *te_ct != field.te_ct || *wrapped != field.wrapped {
                return Err(Error::refused(
                    self.env.rule.control(),
                    "the field differs from its recomputation",
                ));
            }
        }
        Ok(())
    }

    /// The part of the check that a sender cannot satisfy on its own: the chip check
    /// (keyed by the family key, which only chips hold) and, under `recompute`, the
    /// comparison with the recomputed field. The sender's signature is left out: a rogue
    /// sender signs whatever it sends. This is the oracle a forger queries, one candidate
    /// per try, as Blaze (1994) queried a Clipper chip with candidate LEAFs.
    ///
    /// # Errors
    /// [`Error::Refused`] naming the binding control that fired.
    pub fn check_keyless(&self, field: &EscrowField) -> Result<()> {
        self.chip(field)?;
        self.recomputed(field)
    }

    /// The whole check, in this order: the chip check, the sender's signature, and under
    /// `recompute` the comparison with the recomputed field.
    ///
    /// # Errors
    /// [`Error::Refused`] naming the binding control that fired.
    pub fn check(&self, field: &EscrowField) -> Result<()> {
        self.chip(field)?;
        if self.env.rule.agent_verifiable() {
            verify_signature(self.header, field, self.sender)
                .map_err(|_| Error::refused(self.env.rule.control(), "sender signature fails"))?;
        }
        self.recomputed(field)
    }
}

/// Verifies the sender's signature binding `field` to `header` (what an agent can check).
///
/// # Errors
/// [`Error::Refused`] (`binding`) when absent or invalid.
pub fn verify_signature(
    header: &SessionHeader,
    field: &EscrowField,
    sender: &VerifyingKey,
) -> Result<()> {
    let sig: [u8; 64] = field
        .sig
        .as_slice()
        .try_into()
        .map_err(|_| Error::refused("binding", "the field is not signed"))?;
    sender
        .verify(&field.signed_message(header), &Signature::from_bytes(&sig))
        .map_err(|_| {
            Error::refused(
                "binding",
                "the field's signature does not match this header",
            )
        })
}

/// Opens the wrapped session key with a recovered wrapping key (the AEAD check a combiner
/// relies on). `None` when the wrapping key is wrong or the header is not the field's.
pub fn unwrap_session_key(w: &[u8], header: &SessionHeader, field: &EscrowField) -> Option<Key32> {
    let w: [u8; 32] = w.try_into().ok()?;
    let pt = open(&Key32(w), &wrap_ad(header, field.key_epoch), &field.wrapped)?;
    Some(Key32(pt.try_into().ok()?))
}

pub use crate::relay::FieldRegistry;

impl crate::relay::Transcript {
    /// Decoded escrow field of a session (session escrow reads the field the relay carries).
    pub fn field(&self, session: u32) -> Option<EscrowField> {
        self.sessions
            .get(session as usize)?
            .field
            .as_ref()
            .and_then(|b| EscrowField::decode(b).ok())
    }
    /// Every decoded escrow field of a session: the first, then (under a chain protocol)
    /// one per later chain. Under the hash ratchet, [`field`](Self::field) alone.
    pub fn fields(&self, session: u32) -> Vec<EscrowField> {
        self.sessions
            .get(session as usize)
            .map(|r| {
                r.fields()
                    .filter_map(|b| EscrowField::decode(b).ok())
                    .collect()
            })
            .unwrap_or_default()
    }
}
