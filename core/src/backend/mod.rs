//! Threshold BLS12-381 behind one interface.
//!
//! [`ThresholdBackend`] is the typed interface, with associated types, that each crate
//! implements ([`blsttc_backend::Blsttc`], [`tc_backend::ThresholdCrypto`]). The mechanism
//! does not depend on either: it talks to a [`Backend`] trait object whose values are the
//! byte encodings that travel in the transcript, in warrants and in vaults. The blanket
//! adapter [`Erased`] turns any `ThresholdBackend` into a `Backend`, so a new backend is
//! one `impl` away from every test and the whole suite.
//!
//! Indices are 0-based agent indices; the crates evaluate share `i` at `x = i + 1`.
//! `k` is the number of shares needed (the crates' `threshold` is `k - 1`).

pub mod blsttc_backend;
pub mod safe;
#[cfg(feature = "threshold_crypto")]
pub mod tc_backend;

use crate::error::{Error, Result};
use crate::secret::Scalar;
use std::fmt;

/// Output of a key generation: the public commitment and each agent's share.
pub struct KeyGenOutput<B: ThresholdBackend + ?Sized> {
    /// The public key set (commitment to the sharing polynomial).
    pub public: B::PublicKeySet,
    /// Share `i` belongs to agent `i` (evaluated at `x = i + 1`).
    pub shares: Vec<B::SecretKeyShare>,
    /// The master secret, present only when a trusted dealer built it (the dealer's
    /// transient copy). A dealer-free key generation always returns `None`: no code path
    /// of the DKG computes it.
    pub dealer_master: Option<Scalar>,
}

/// The typed interface over one threshold BLS12-381 crate.
///
/// Every method is deterministic in its inputs: randomness enters only as a seed, which
/// each backend turns into an RNG of the `rand` generation its crate accepts.
pub trait ThresholdBackend: Send + Sync + 'static {
    /// The name used on the command line and in reports.
    const NAME: &'static str;
    /// Public key set: commitment to the sharing polynomial.
    type PublicKeySet: Clone + Send + Sync;
    /// One agent's secret share.
    type SecretKeyShare: Clone + Send + Sync;
    /// A master or share public key.
    type PublicKey: Clone + Send + Sync;
    /// Threshold ciphertext.
    type Ciphertext: Clone + Send + Sync;
    /// One agent's decryption share for one ciphertext.
    type DecryptionShare: Clone + Send + Sync;
    /// One signer's signature share.
    type SignatureShare: Clone + Send + Sync;
    /// A combined (or single-key) signature.
    type Signature: Clone + Send + Sync;

    /// Trusted-dealer key generation of a `k`-of-`n` key. The dealer's copy of the master
    /// secret is returned in `dealer_master` so that a compromised dealer can be modelled.
    ///
    /// # Errors
    /// [`Error::Misuse`] unless `1 <= k <= n`.
    fn dealer_keygen(k: usize, n: usize, seed: [u8; 32]) -> Result<KeyGenOutput<Self>>;

    /// Dealer-free key generation (bivariate-polynomial DKG): every participant deals a
    /// bivariate polynomial, every share is checked against the dealer's commitment, each
    /// participant sums its rows. The master secret is never computed.
    ///
    /// # Errors
    /// [`Error::Misuse`] unless `1 <= k <= n`; [`Error::ShareRejected`] when a dealt row
    /// does not match its commitment.
    fn dkg_keygen(k: usize, n: usize, seed: [u8; 32]) -> Result<KeyGenOutput<Self>>;

    /// Proactive refresh: adds a random polynomial with zero constant term. The public key
    /// is unchanged; shares from before and after do not combine.
    ///
    /// # Errors
    /// [`Error::Misuse`] when `shares` does not hold one share per agent.
    fn refresh(
        public: &Self::PublicKeySet,
        shares: &[Self::SecretKeyShare],
        seed: [u8; 32],
    ) -> Result<(Self::PublicKeySet, Vec<Self::SecretKeyShare>)>;

    /// `k - 1` as the crate counts it.
    fn threshold(public: &Self::PublicKeySet) -> usize;
    /// The master public key.
    fn master_public_key(public: &Self::PublicKeySet) -> Self::PublicKey;
    /// The public key of share `i`.
    fn public_key_share(public: &Self::PublicKeySet, i: usize) -> Self::PublicKey;
    /// Does `share` match the published commitment at index `i`?
    fn share_matches_commitment(
        public: &Self::PublicKeySet,
        i: usize,
        share: &Self::SecretKeyShare,
    ) -> bool;

    /// Encrypts `msg` to the master key with an RNG seeded from `seed`.
    fn encrypt(public: &Self::PublicKeySet, msg: &[u8], seed: [u8; 32]) -> Self::Ciphertext;
    /// Checks the ciphertext's integrity proof (two pairings).
    fn verify_ciphertext(ct: &Self::Ciphertext) -> bool;
    /// Agent `i`'s decryption share. Does not verify the ciphertext: callers do.
    fn decryption_share(
        share: &Self::SecretKeyShare,
        ct: &Self::Ciphertext,
    ) -> Self::DecryptionShare;
    /// Checks a decryption share against the public key share `i`.
    fn verify_decryption_share(
        public: &Self::PublicKeySet,
        i: usize,
        share: &Self::DecryptionShare,
        ct: &Self::Ciphertext,
    ) -> bool;
    /// Checks every decryption share of `shares` (agent index, share) at once: `true` only
    /// when each would pass [`ThresholdBackend::verify_decryption_share`] (up to a
    /// negligible error). The default checks them one by one; a backend may batch them.
    fn verify_decryption_shares(
        public: &Self::PublicKeySet,
        shares: &[(usize, &Self::DecryptionShare)],
        ct: &Self::Ciphertext,
    ) -> bool {
        shares
            .iter()
            .all(|(i, d)| Self::verify_decryption_share(public, *i, d, ct))
    }
    /// The crate's own combine, **with none of its checks added**: exposed so that the
    /// sharp edges can be shown and a naive combiner can be modelled. Use
    /// [`safe::safe_combine`] for anything else.
    ///
    /// # Errors
    /// Whatever the crate reports (too few shares, or a duplicate entry in blsttc).
    fn combine_decryption_shares_raw(
        public: &Self::PublicKeySet,
        shares: &[(usize, Self::DecryptionShare)],
        ct: &Self::Ciphertext,
    ) -> Result<Vec<u8>>;

    /// Signature share of agent/judge `share` over `msg`.
    fn sign_share(share: &Self::SecretKeyShare, msg: &[u8]) -> Self::SignatureShare;
    /// Checks a signature share against public key share `i`.
    fn verify_signature_share(
        public: &Self::PublicKeySet,
        i: usize,
        sig: &Self::SignatureShare,
        msg: &[u8],
    ) -> bool;
    /// The crate's own signature combine (no share verification).
    ///
    /// # Errors
    /// Whatever the crate reports.
    fn combine_signatures_raw(
        public: &Self::PublicKeySet,
        shares: &[(usize, Self::SignatureShare)],
    ) -> Result<Self::Signature>;
    /// Verifies a signature, **as the crate does it** (threshold_crypto accepts the identity
    /// key with the identity signature; callers must reject identity keys themselves).
    fn verify_signature_raw(pk: &Self::PublicKey, sig: &Self::Signature, msg: &[u8]) -> bool;
    /// Is this public key the identity (zero) point?
    fn is_identity_key(pk: &Self::PublicKey) -> bool;
    /// Signs with a whole secret scalar (a stolen master key, or a forger's own key).
    ///
    /// # Errors
    /// [`Error::Malformed`] when the scalar is not canonical.
    fn sign_with_scalar(secret: &Scalar, msg: &[u8]) -> Result<Self::Signature>;

    /// A share's secret scalar, big-endian.
    fn share_to_scalar(share: &Self::SecretKeyShare) -> Scalar;
    /// A share from a big-endian scalar.
    ///
    /// # Errors
    /// [`Error::Malformed`] when the bytes are not a canonical scalar.
    fn share_from_scalar(scalar: &Scalar) -> Result<Self::SecretKeyShare>;
    /// Lagrange interpolation at zero of points `(i, scalar)` with `x = i + 1`.
    ///
    /// # Errors
    /// [`Error::Misuse`] on duplicate indices or no points.
    fn interpolate_at_zero(points: &[(usize, Scalar)]) -> Result<Scalar>;
    /// The public key of a secret scalar.
    ///
    /// # Errors
    /// [`Error::Malformed`] when the scalar is not canonical.
    fn public_key_of_scalar(secret: &Scalar) -> Result<Self::PublicKey>;
    /// Decrypts with a whole secret scalar (a stolen or rebuilt master key), verifying the
    /// ciphertext first. `None` when the ciphertext is invalid.
    ///
    /// # Errors
    /// [`Error::Malformed`] when the scalar is not canonical.
    fn decrypt_with_scalar(secret: &Scalar, ct: &Self::Ciphertext) -> Result<Option<Vec<u8>>>;
    /// Decrypts with a whole secret scalar **without** verifying the ciphertext (what a
    /// thief holding the master key does: one G1 multiplication, no pairing; the caller
    /// confirms the result some other way, e.g. an AEAD tag).
    ///
    /// # Errors
    /// [`Error::Malformed`] when the scalar is not canonical.
    fn decrypt_with_scalar_unverified(secret: &Scalar, ct: &Self::Ciphertext) -> Result<Vec<u8>>;
    /// [`ThresholdBackend::decrypt_with_scalar_unverified`] from the ciphertext's bytes. A
    /// backend may decode only what decryption uses and skip point checks whose failure
    /// could only produce a wrong result (the caller's AEAD tag rejects it); the default
    /// decodes the whole ciphertext.
    ///
    /// # Errors
    /// [`Error::Malformed`] for bytes that are not a ciphertext or a scalar that is not
    /// canonical.
    fn decrypt_bytes_with_scalar_unverified(secret: &Scalar, ct: &[u8]) -> Result<Vec<u8>> {
        Self::decrypt_with_scalar_unverified(secret, &Self::decode_ciphertext(ct)?)
    }
    /// The thief's decryption with a whole secret scalar, confirmed by the caller: hands
    /// `confirm` each candidate plaintext in turn until it accepts one (`Ok(true)`) or
    /// none is left (`Ok(false)`). The ciphertext is not verified. A backend may compute
    /// less than one exact plaintext (the blsttc backend skips U's square root and so
    /// offers two candidates); `confirm` must reject a wrong one, as an AEAD tag does.
    /// The default offers [`ThresholdBackend::decrypt_bytes_with_scalar_unverified`]'s.
    ///
    /// # Errors
    /// [`Error::Malformed`] for bytes that are not a ciphertext or a scalar that is not
    /// canonical.
    fn decrypt_bytes_with_scalar_confirmed(
        secret: &Scalar,
        ct: &[u8],
        confirm: &mut dyn FnMut(&[u8]) -> bool,
    ) -> Result<bool> {
        Ok(confirm(&Self::decrypt_bytes_with_scalar_unverified(
            secret, ct,
        )?))
    }

    /// Byte encoding of a public key set.
    fn encode_public_set(v: &Self::PublicKeySet) -> Vec<u8>;
    /// Decodes a public key set.
    ///
    /// # Errors
    /// [`Error::Malformed`].
    fn decode_public_set(b: &[u8]) -> Result<Self::PublicKeySet>;
    /// Byte encoding of a public key (48-byte compressed G1).
    fn encode_public_key(v: &Self::PublicKey) -> Vec<u8>;
    /// Decodes a public key.
    ///
    /// # Errors
    /// [`Error::Malformed`].
    fn decode_public_key(b: &[u8]) -> Result<Self::PublicKey>;
    /// Byte encoding of a ciphertext.
    fn encode_ciphertext(v: &Self::Ciphertext) -> Vec<u8>;
    /// Decodes a ciphertext.
    ///
    /// # Errors
    /// [`Error::Malformed`].
    fn decode_ciphertext(b: &[u8]) -> Result<Self::Ciphertext>;
    /// Byte encoding of a decryption share.
    fn encode_decryption_share(v: &Self::DecryptionShare) -> Vec<u8>;
    /// Decodes a decryption share.
    ///
    /// # Errors
    /// [`Error::Malformed`].
    fn decode_decryption_share(b: &[u8]) -> Result<Self::DecryptionShare>;
    /// Byte encoding of a signature share.
    fn encode_signature_share(v: &Self::SignatureShare) -> Vec<u8>;
    /// Decodes a signature share.
    ///
    /// # Errors
    /// [`Error::Malformed`].
    fn decode_signature_share(b: &[u8]) -> Result<Self::SignatureShare>;
    /// Byte encoding of a signature.
    fn encode_signature(v: &Self::Signature) -> Vec<u8>;
    /// Decodes a signature.
    ///
    /// # Errors
    /// [`Error::Malformed`].
    fn decode_signature(b: &[u8]) -> Result<Self::Signature>;
}

/// Which backend to use, as chosen on the command line or in a scheme file.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
pub enum BackendKind {
    /// blsttc 8 (blst underneath): the default.
    #[serde(rename = "blsttc")]
    #[value(name = "blsttc")]
    Blsttc,
    /// threshold_crypto 0.4 (pure-Rust pairing 0.16): the comparison backend.
    #[serde(rename = "threshold_crypto")]
    #[value(name = "threshold_crypto")]
    ThresholdCrypto,
}

impl BackendKind {
    /// Every backend compiled into this build.
    pub fn all() -> Vec<BackendKind> {
        let mut v = vec![BackendKind::Blsttc];
        if cfg!(feature = "threshold_crypto") {
            v.push(BackendKind::ThresholdCrypto);
        }
        v
    }

    /// The name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Blsttc => "blsttc",
            BackendKind::ThresholdCrypto => "threshold_crypto",
        }
    }

    /// Parses a backend name.
    ///
    /// # Errors
    /// [`Error::Input`] for an unknown name or a backend not compiled in.
    pub fn parse(s: &str) -> Result<BackendKind> {
        match s {
            "blsttc" => Ok(BackendKind::Blsttc),
            "threshold_crypto" if cfg!(feature = "threshold_crypto") => Ok(BackendKind::ThresholdCrypto),
            "threshold_crypto" => Err(Error::input(
                "backend `threshold_crypto` is not compiled in (cargo feature `threshold_crypto` is off)",
            )),
            other => Err(Error::input(format!(
                "unknown backend `{other}` (accepted: blsttc, threshold_crypto)"
            ))),
        }
    }

    /// The backend as a trait object.
    ///
    /// # Errors
    /// [`Error::Input`] when the backend is not compiled in.
    pub fn instance(self) -> Result<&'static dyn Backend> {
        match self {
            BackendKind::Blsttc => Ok(&Erased::<blsttc_backend::Blsttc>::INSTANCE),
            #[cfg(feature = "threshold_crypto")]
            BackendKind::ThresholdCrypto => Ok(&Erased::<tc_backend::ThresholdCrypto>::INSTANCE),
            #[cfg(not(feature = "threshold_crypto"))]
            BackendKind::ThresholdCrypto => Err(Error::input(
                "backend `threshold_crypto` is not compiled in (cargo feature `threshold_crypto` is off)",
            )),
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Key material of one threshold key, in the byte encodings that the mechanism stores.
pub struct KeyMaterial {
    /// Encoded public key set.
    pub public: Vec<u8>,
    /// Agent `i`'s share as a secret scalar.
    pub shares: Vec<Scalar>,
    /// The dealer's transient copy of the master secret (`None` for a DKG).
    pub dealer_master: Option<Scalar>,
}

/// The object-safe, byte-level face of a backend that the mechanism and attacks use.
///
/// All values are the encodings defined by the backend; every decode is checked and
/// returns [`Error::Malformed`] on bad bytes, never panics.
pub trait Backend: Send + Sync {
    /// Which backend this is.
    fn kind(&self) -> BackendKind;
    /// Dealer key generation; see [`ThresholdBackend::dealer_keygen`].
    ///
    /// # Errors
    /// As the typed method.
    fn dealer_keygen(&self, k: usize, n: usize, seed: [u8; 32]) -> Result<KeyMaterial>;
    /// DKG; see [`ThresholdBackend::dkg_keygen`].
    ///
    /// # Errors
    /// As the typed method.
    fn dkg_keygen(&self, k: usize, n: usize, seed: [u8; 32]) -> Result<KeyMaterial>;
    /// Proactive refresh; see [`ThresholdBackend::refresh`].
    ///
    /// # Errors
    /// As the typed method, or [`Error::Malformed`] on bad encodings.
    fn refresh(
        &self,
        public: &[u8],
        shares: &[Scalar],
        seed: [u8; 32],
    ) -> Result<(Vec<u8>, Vec<Scalar>)>;
    /// Shares needed, `k`.
    ///
    /// # Errors
    /// [`Error::Malformed`].
    fn k(&self, public: &[u8]) -> Result<usize>;
    /// Encoded master public key.
    ///
    /// # Errors
    /// [`Error::Malformed`].
    fn master_public_key(&self, public: &[u8]) -> Result<Vec<u8>>;
    /// Does the share match the commitment at `i`?
    ///
    /// # Errors
    /// [`Error::Malformed`].
    fn share_matches_commitment(&self, public: &[u8], i: usize, share: &Scalar) -> Result<bool>;
    /// Threshold-encrypts `msg`.
    ///
    /// # Errors
    /// [`Error::Malformed`].
    fn encrypt(&self, public: &[u8], msg: &[u8], seed: [u8; 32]) -> Result<Vec<u8>>;
    /// Verifies a ciphertext; `false` also for undecodable bytes.
    fn verify_ciphertext(&self, ct: &[u8]) -> bool;
    /// Decryption share of `share` for `ct` (ciphertext not verified here).
    ///
    /// # Errors
    /// [`Error::Malformed`].
    fn decryption_share(&self, share: &Scalar, ct: &[u8]) -> Result<Vec<u8>>;
    /// Verifies a decryption share; `false` also for undecodable bytes.
    fn verify_decryption_share(&self, public: &[u8], i: usize, dshare: &[u8], ct: &[u8]) -> bool;
    /// Verifies several decryption shares of one ciphertext at once (batched where the
    /// backend can); `false` when any fails or does not decode.
    fn verify_decryption_shares(
        &self,
        public: &[u8],
        shares: &[(usize, Vec<u8>)],
        ct: &[u8],
    ) -> bool;
    /// The crate's unchecked combine.
    ///
    /// # Errors
    /// As the crate, or [`Error::Malformed`].
    fn combine_raw(&self, public: &[u8], shares: &[(usize, Vec<u8>)], ct: &[u8])
        -> Result<Vec<u8>>;
    /// Signature share.
    ///
    /// # Errors
    /// [`Error::Malformed`].
    fn sign_share(&self, share: &Scalar, msg: &[u8]) -> Result<Vec<u8>>;
    /// Verifies a signature share; `false` also for undecodable bytes.
    fn verify_signature_share(&self, public: &[u8], i: usize, sig: &[u8], msg: &[u8]) -> bool;
    /// The crate's unchecked signature combine.
    ///
    /// # Errors
    /// As the crate, or [`Error::Malformed`].
    fn combine_signatures_raw(&self, public: &[u8], shares: &[(usize, Vec<u8>)])
        -> Result<Vec<u8>>;
    /// Verifies a signature exactly as the crate does (no identity-key check).
    fn verify_signature_raw(&self, pk: &[u8], sig: &[u8], msg: &[u8]) -> bool;
    /// Verifies a signature, rejecting identity (zero) keys first.
    fn verify_signature(&self, pk: &[u8], sig: &[u8], msg: &[u8]) -> bool;
    /// Is this encoded key the identity point? `false` for undecodable bytes.
    fn is_identity_key(&self, pk: &[u8]) -> bool;
    /// Signs with a whole secret scalar.
    ///
    /// # Errors
    /// [`Error::Malformed`].
    fn sign_with_scalar(&self, secret: &Scalar, msg: &[u8]) -> Result<Vec<u8>>;
    /// Checks that a scalar is a canonical share encoding for this backend.
    ///
    /// # Errors
    /// [`Error::Malformed`].
    fn check_scalar(&self, s: &Scalar) -> Result<()>;
    /// Lagrange interpolation at zero with `x = i + 1`.
    ///
    /// # Errors
    /// [`Error::Misuse`] on duplicates or no points; [`Error::Malformed`].
    fn interpolate_at_zero(&self, points: &[(usize, Scalar)]) -> Result<Scalar>;
    /// Encoded public key of a scalar.
    ///
    /// # Errors
    /// [`Error::Malformed`].
    fn public_key_of_scalar(&self, secret: &Scalar) -> Result<Vec<u8>>;
    /// Decrypts with a whole secret scalar; `Ok(None)` when the ciphertext is invalid.
    ///
    /// # Errors
    /// [`Error::Malformed`].
    fn decrypt_with_scalar(&self, secret: &Scalar, ct: &[u8]) -> Result<Option<Vec<u8>>>;
    /// Decrypts with a whole secret scalar without verifying the ciphertext.
    ///
    /// # Errors
    /// [`Error::Malformed`].
    fn decrypt_with_scalar_unverified(&self, secret: &Scalar, ct: &[u8]) -> Result<Vec<u8>>;
    /// Decrypts with a whole secret scalar without verifying the ciphertext, offering each
    /// candidate plaintext to `confirm` until it accepts one: `Ok(true)` when it did (see
    /// [`ThresholdBackend::decrypt_bytes_with_scalar_confirmed`]).
    ///
    /// # Errors
    /// [`Error::Malformed`].
    fn decrypt_with_scalar_confirmed(
        &self,
        secret: &Scalar,
        ct: &[u8],
        confirm: &mut dyn FnMut(&[u8]) -> bool,
    ) -> Result<bool>;
    /// Checks that bytes decode as a decryption share: a valid group point other than the
    /// identity (a share that is the identity carries nothing from any key).
    ///
    /// # Errors
    /// [`Error::Malformed`].
    fn check_decryption_share(&self, share: &[u8]) -> Result<()>;
}

/// The compressed encoding of the G1 identity (the point at infinity), the same in both
/// backends: the compression and infinity flags (`0xc0`), then 47 zero bytes. Decoders
/// accept no other encoding of the identity.
pub const G1_IDENTITY: [u8; 48] = {
    let mut b = [0u8; 48];
    b[0] = 0xc0;
    b
};

/// Adapter from a typed [`ThresholdBackend`] to the byte-level [`Backend`].
pub struct Erased<B>(std::marker::PhantomData<fn() -> B>);

/// Runs `f` on the decoded form of the public key set `bytes`. Every sender encrypts to the
/// same few escrow keys, and decoding one costs a decompression and a subgroup check per
/// coefficient, so each thread keeps its last few decoded key sets (per backend) and
/// decodes a set once rather than once per session.
///
/// # Errors
/// [`Error::Malformed`] when `bytes` does not decode (nothing is kept then).
fn with_decoded_public_set<B: ThresholdBackend + 'static, T>(
    bytes: &[u8],
    f: impl FnOnce(&B::PublicKeySet) -> T,
) -> Result<T>
where
    B::PublicKeySet: 'static,
{
    use std::any::{Any, TypeId};
    use std::cell::RefCell;
    /// Key sets a thread keeps decoded.
    const KEPT: usize = 8;
    type Kept = Vec<(TypeId, Vec<u8>, Box<dyn Any>)>;
    thread_local! {
        static DECODED: RefCell<Kept> = const { RefCell::new(Vec::new()) };
    }
    let kept = DECODED.with(|d| {
        d.borrow()
            .iter()
            .find(|(t, b, _)| *t == TypeId::of::<B>() && b == bytes)
            .and_then(|(_, _, p)| p.downcast_ref::<B::PublicKeySet>().cloned())
    });
    let public = match kept {
        Some(p) => p,
        None => {
            let p = B::decode_public_set(bytes)?;
            DECODED.with(|d| {
                let mut d = d.borrow_mut();
                if d.len() == KEPT {
                    d.remove(0);
                }
                d.push((TypeId::of::<B>(), bytes.to_vec(), Box::new(p.clone())));
            });
            p
        }
    };
    Ok(f(&public))
}

impl<B> Erased<B> {
    /// The one instance (the adapter holds no state).
    pub const INSTANCE: Erased<B> = Erased(std::marker::PhantomData);
}

impl<B: ThresholdBackend> Erased<B> {
    fn material(out: KeyGenOutput<B>) -> KeyMaterial {
        KeyMaterial {
            public: B::encode_public_set(&out.public),
            shares: out.shares.iter().map(B::share_to_scalar).collect(),
            dealer_master: out.dealer_master,
        }
    }
    fn shares_of(scalars: &[Scalar]) -> Result<Vec<B::SecretKeyShare>> {
        scalars.iter().map(B::share_from_scalar).collect()
    }
}

impl<B: ThresholdBackend> Backend for Erased<B> {
    fn kind(&self) -> BackendKind {
        BackendKind::parse(B::NAME).unwrap_or(BackendKind::Blsttc)
    }
    fn dealer_keygen(&self, k: usize, n: usize, seed: [u8; 32]) -> Result<KeyMaterial> {
        B::dealer_keygen(k, n, seed).map(Self::material)
    }
    fn dkg_keygen(&self, k: usize, n: usize, seed: [u8; 32]) -> Result<KeyMaterial> {
        B::dkg_keygen(k, n, seed).map(Self::material)
    }
    fn refresh(
        &self,
        public: &[u8],
        shares: &[Scalar],
        seed: [u8; 32],
    ) -> Result<(Vec<u8>, Vec<Scalar>)> {
        let p = B::decode_public_set(public)?;
        let s = Self::shares_of(shares)?;
        let (np, ns) = B::refresh(&p, &s, seed)?;
        Ok((
            B::encode_public_set(&np),
            ns.iter().map(B::share_to_scalar).collect(),
        ))
    }
    fn k(&self, public: &[u8]) -> Result<usize> {
        Ok(B::threshold(&B::decode_public_set(public)?) + 1)
    }
    fn master_public_key(&self, public: &[u8]) -> Result<Vec<u8>> {
        Ok(B::encode_public_key(&B::master_public_key(
            &B::decode_public_set(public)?,
        )))
    }
    fn share_matches_commitment(&self, public: &[u8], i: usize, share: &Scalar) -> Result<bool> {
        let p = B::decode_public_set(public)?;
        Ok(B::share_matches_commitment(
            &p,
            i,
            &B::share_from_scalar(share)?,
        ))
    }
    fn encrypt(&self, public: &[u8], msg: &[u8], seed: [u8; 32]) -> Result<Vec<u8>> {
        with_decoded_public_set::<B, _>(public, |p| B::encode_ciphertext(&B::encrypt(p, msg, seed)))
    }
    fn verify_ciphertext(&self, ct: &[u8]) -> bool {
        B::decode_ciphertext(ct)
            .map(|c| B::verify_ciphertext(&c))
            .unwrap_or(false)
    }
    fn decryption_share(&self, share: &Scalar, ct: &[u8]) -> Result<Vec<u8>> {
        let s = B::share_from_scalar(share)?;
        let c = B::decode_ciphertext(ct)?;
        Ok(B::encode_decryption_share(&B::decryption_share(&s, &c)))
    }
    fn verify_decryption_share(&self, public: &[u8], i: usize, dshare: &[u8], ct: &[u8]) -> bool {
        let (Ok(p), Ok(d), Ok(c)) = (
            B::decode_public_set(public),
            B::decode_decryption_share(dshare),
            B::decode_ciphertext(ct),
        ) else {
            return false;
        };
        B::verify_decryption_share(&p, i, &d, &c)
    }
    fn verify_decryption_shares(
        &self,
        public: &[u8],
        shares: &[(usize, Vec<u8>)],
        ct: &[u8],
    ) -> bool {
        let (Ok(p), Ok(c)) = (B::decode_public_set(public), B::decode_ciphertext(ct)) else {
            return false;
        };
        let Ok(decoded) = shares
            .iter()
            .map(|(i, b)| B::decode_decryption_share(b).map(|d| (*i, d)))
            .collect::<Result<Vec<_>>>()
        else {
            return false;
        };
        let refs: Vec<(usize, &B::DecryptionShare)> =
            decoded.iter().map(|(i, d)| (*i, d)).collect();
        B::verify_decryption_shares(&p, &refs, &c)
    }
    fn combine_raw(
        &self,
        public: &[u8],
        shares: &[(usize, Vec<u8>)],
        ct: &[u8],
    ) -> Result<Vec<u8>> {
        let p = B::decode_public_set(public)?;
        let c = B::decode_ciphertext(ct)?;
        let d = shares
            .iter()
            .map(|(i, b)| Ok((*i, B::decode_decryption_share(b)?)))
            .collect::<Result<Vec<_>>>()?;
        B::combine_decryption_shares_raw(&p, &d, &c)
    }
    fn sign_share(&self, share: &Scalar, msg: &[u8]) -> Result<Vec<u8>> {
        Ok(B::encode_signature_share(&B::sign_share(
            &B::share_from_scalar(share)?,
            msg,
        )))
    }
    fn verify_signature_share(&self, public: &[u8], i: usize, sig: &[u8], msg: &[u8]) -> bool {
        let (Ok(p), Ok(s)) = (B::decode_public_set(public), B::decode_signature_share(sig)) else {
            return false;
        };
        B::verify_signature_share(&p, i, &s, msg)
    }
    fn combine_signatures_raw(
        &self,
        public: &[u8],
        shares: &[(usize, Vec<u8>)],
    ) -> Result<Vec<u8>> {
        let p = B::decode_public_set(public)?;
        let s = shares
            .iter()
            .map(|(i, b)| Ok((*i, B::decode_signature_share(b)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(B::encode_signature(&B::combine_signatures_raw(&p, &s)?))
    }
    fn verify_signature_raw(&self, pk: &[u8], sig: &[u8], msg: &[u8]) -> bool {
        let (Ok(k), Ok(s)) = (B::decode_public_key(pk), B::decode_signature(sig)) else {
            return false;
        };
        B::verify_signature_raw(&k, &s, msg)
    }
    fn verify_signature(&self, pk: &[u8], sig: &[u8], msg: &[u8]) -> bool {
        let (Ok(k), Ok(s)) = (B::decode_public_key(pk), B::decode_signature(sig)) else {
            return false;
        };
        !B::is_identity_key(&k) && B::verify_signature_raw(&k, &s, msg)
    }
    fn is_identity_key(&self, pk: &[u8]) -> bool {
        B::decode_public_key(pk)
            .map(|k| B::is_identity_key(&k))
            .unwrap_or(false)
    }
    fn sign_with_scalar(&self, secret: &Scalar, msg: &[u8]) -> Result<Vec<u8>> {
        Ok(B::encode_signature(&B::sign_with_scalar(secret, msg)?))
    }
    fn check_scalar(&self, s: &Scalar) -> Result<()> {
        B::share_from_scalar(s).map(|_| ())
    }
    fn interpolate_at_zero(&self, points: &[(usize, Scalar)]) -> Result<Scalar> {
        B::interpolate_at_zero(points)
    }
    fn public_key_of_scalar(&self, secret: &Scalar) -> Result<Vec<u8>> {
        Ok(B::encode_public_key(&B::public_key_of_scalar(secret)?))
    }
    fn decrypt_with_scalar(&self, secret: &Scalar, ct: &[u8]) -> Result<Option<Vec<u8>>> {
        B::decrypt_with_scalar(secret, &B::decode_ciphertext(ct)?)
    }
    fn decrypt_with_scalar_unverified(&self, secret: &Scalar, ct: &[u8]) -> Result<Vec<u8>> {
        B::decrypt_bytes_with_scalar_unverified(secret, ct)
    }
    fn decrypt_with_scalar_confirmed(
        &self,
        secret: &Scalar,
        ct: &[u8],
        confirm: &mut dyn FnMut(&[u8]) -> bool,
    ) -> Result<bool> {
        B::decrypt_bytes_with_scalar_confirmed(secret, ct, confirm)
    }
    fn check_decryption_share(&self, share: &[u8]) -> Result<()> {
        B::decode_decryption_share(share)?;
        if share == G1_IDENTITY {
            return Err(Error::malformed(
                "decryption share",
                "is the identity point (point at infinity)",
            ));
        }
        Ok(())
    }
}
