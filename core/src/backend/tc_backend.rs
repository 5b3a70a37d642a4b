//! The comparison backend: threshold_crypto 0.4 (pure-Rust `pairing 0.16`, rand 0.7).
//!
//! The crate has `to_bytes`/`from_bytes` only for keys and signatures. Everything else is
//! reached through its serde implementations with `serde_json::Value` as an in-memory
//! bridge, and laid out here as plain bytes in the same shapes as the blsttc backend:
//! - scalars: 32 bytes big-endian (the crate's `FrRepr` is four little-endian u64 limbs);
//! - public key set: the coefficients' 48-byte compressed G1 points, concatenated;
//! - ciphertext: `U (48) ‖ W (96) ‖ V`;
//! - decryption share: 48-byte compressed G1; signatures and shares: 96-byte compressed G2.
//!
//! Every decode checks lengths first and returns [`Error::Malformed`]; the crate's own
//! checks (on-curve, subgroup) then run inside its deserialiser, which returns errors.

use super::{KeyGenOutput, ThresholdBackend};
use crate::error::{Error, Result};
use crate::secret::Scalar;
use rand07::rngs::StdRng;
use rand07::SeedableRng;
use rayon::prelude::*;
use serde_json::Value;
use sha2::{Digest, Sha256};
use threshold_crypto::ff::{Field, PrimeField};
use threshold_crypto::group::{CurveAffine, CurveProjective};
use threshold_crypto::poly::{BivarCommitment, BivarPoly, Commitment, Poly};
use threshold_crypto::serde_impl::{FieldWrap, SerdeSecret};
use threshold_crypto::{
    Ciphertext, DecryptionShare, Fr, FrRepr, G1Affine, IntoFr, PublicKey, PublicKeySet, SecretKey,
    SecretKeyShare, Signature, SignatureShare, G1,
};

/// Compressed G1 size.
const G1_LEN: usize = 48;
/// Compressed G2 size.
const G2_LEN: usize = 96;

/// The threshold_crypto 0.4.0 backend.
pub struct ThresholdCrypto;

/// A sub-seed for participant `index` of a protocol step named `label`.
fn sub_seed(seed: &[u8; 32], label: &str, index: usize) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"escrowlab/threshold_crypto/");
    h.update(label.as_bytes());
    h.update(seed);
    h.update((index as u64).to_be_bytes());
    h.finalize().into()
}

fn check_k_n(k: usize, n: usize) -> Result<()> {
    if k == 0 || k > n {
        return Err(Error::misuse(format!("a {k}-of-{n} key needs 1 <= k <= n")));
    }
    Ok(())
}

/// `x = i + 1` as a field element, refusing an index that would wrap.
fn x_of(i: usize) -> Result<Fr> {
    u64::try_from(i)
        .ok()
        .and_then(|v| v.checked_add(1))
        .map(IntoFr::into_fr)
        .ok_or_else(|| Error::misuse(format!("agent index {i} out of range")))
}

/// Big-endian bytes to a field element; non-canonical values are refused.
fn fr_of(s: &Scalar) -> Result<Fr> {
    let mut limbs = [0u64; 4];
    for (k, chunk) in s.0.chunks_exact(8).enumerate() {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        limbs[3 - k] = u64::from_be_bytes(b);
    }
    Fr::from_repr(FrRepr(limbs))
        .map_err(|_| Error::malformed("scalar", "not a canonical BLS12-381 scalar"))
}

/// A field element as 32 bytes big-endian.
fn scalar_of(fr: &Fr) -> Scalar {
    let limbs = fr.into_repr().0;
    let mut out = [0u8; 32];
    for k in 0..4 {
        out[8 * k..8 * k + 8].copy_from_slice(&limbs[3 - k].to_be_bytes());
    }
    Scalar(out)
}

/// The share's field element, through the crate's only way out (serde).
fn share_fr(share: &SecretKeyShare) -> Fr {
    serde_json::to_value(SerdeSecret(share))
        .and_then(serde_json::from_value::<FieldWrap<Fr>>)
        .map(FieldWrap::into_inner)
        .unwrap_or_else(|_| unreachable!("a secret key share round-trips through serde"))
}

fn bytes_value(b: &[u8]) -> Value {
    Value::Array(b.iter().map(|x| Value::from(*x)).collect())
}

/// The bytes of a JSON array of small numbers (what the crate's serde writes for points).
fn value_bytes(v: &Value) -> Vec<u8> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_u64().and_then(|n| u8::try_from(n).ok()))
                .collect()
        })
        .unwrap_or_default()
}

fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or_else(|_| unreachable!("crate values serialise"))
}

fn from_value<T: serde::de::DeserializeOwned>(v: Value, what: &'static str) -> Result<T> {
    serde_json::from_value(v).map_err(|e| Error::malformed(what, e.to_string()))
}

fn fixed<const N: usize>(b: &[u8], what: &'static str) -> Result<[u8; N]> {
    b.try_into()
        .map_err(|_| Error::malformed(what, format!("expected {N} bytes, got {}", b.len())))
}

fn identity_g1() -> Vec<u8> {
    G1::zero().into_affine().into_compressed().as_ref().to_vec()
}

fn commitment_of(public: &PublicKeySet) -> Commitment {
    from_value(to_value(public)["commit"].clone(), "public key set")
        .unwrap_or_else(|_| unreachable!("a valid commitment re-decodes"))
}

impl ThresholdCrypto {
    /// The DKG with an optional faulty dealer: `corrupt = Some((dealer, recipient))` makes
    /// `dealer` send `recipient` a row that does not match its commitment. Exposed so that
    /// tests can show the receiving participant refusing it.
    ///
    /// # Errors
    /// As [`ThresholdBackend::dkg_keygen`].
    pub fn dkg_with_fault(
        k: usize,
        n: usize,
        seed: [u8; 32],
        corrupt: Option<(usize, usize)>,
    ) -> Result<KeyGenOutput<Self>> {
        check_k_n(k, n)?;
        let degree = k - 1;
        // Each dealer d: a bivariate polynomial, its public commitment, and the row it
        // sends to each participant j (`inbox[j][d]`).
        let mut commitments: Vec<BivarCommitment> = Vec::with_capacity(n);
        let mut inbox: Vec<Vec<Poly>> = (0..n).map(|_| Vec::with_capacity(n)).collect();
        for d in 0..n {
            let mut rng = StdRng::from_seed(sub_seed(&seed, "dkg", d));
            let bivar = BivarPoly::random(degree, &mut rng);
            commitments.push(bivar.commitment());
            for (j, received) in inbox.iter_mut().enumerate() {
                let mut row = bivar.row(x_of(j)?);
                if corrupt == Some((d, j)) {
                    row = row + Fr::one();
                }
                received.push(row);
            }
        }
        // Each participant j checks every row it received against the dealer's commitment
        // and sums the rows' values at 0. The commitment's row for j is computed once (k²
        // multiplications) and serves both checks; participants check in parallel, and the
        // first failure in participant order is the one reported.
        let checked: Vec<Result<SecretKeyShare>> = inbox
            .par_iter()
            .enumerate()
            .map(|(j, received)| {
                let m = x_of(j)?;
                let mut acc = Fr::zero();
                for (d, (commitment, row)) in commitments.iter().zip(received).enumerate() {
                    let expected = commitment.row(m);
                    if row.commitment() != expected {
                        return Err(Error::ShareRejected {
                            agent: d,
                            reason: format!(
                                "dealer {d}'s row for participant {j} does not match its commitment"
                            ),
                        });
                    }
                    let value = row.evaluate(Fr::zero());
                    if G1Affine::one().mul(value) != expected.evaluate(Fr::zero()) {
                        return Err(Error::ShareRejected {
                            agent: d,
                            reason: format!(
                                "dealer {d}'s value for participant {j} does not match its commitment"
                            ),
                        });
                    }
                    acc.add_assign(&value);
                }
                Ok(SecretKeyShare::from_mut(&mut acc))
            })
            .collect();
        let shares = checked.into_iter().collect::<Result<Vec<_>>>()?;
        let mut master = commitments[0].row(Fr::zero());
        for c in &commitments[1..] {
            master += c.row(Fr::zero());
        }
        Ok(KeyGenOutput {
            public: PublicKeySet::from(master),
            shares,
            dealer_master: None,
        })
    }
}

impl ThresholdBackend for ThresholdCrypto {
    const NAME: &'static str = "threshold_crypto";
    type PublicKeySet = PublicKeySet;
    type SecretKeyShare = SecretKeyShare;
    type PublicKey = PublicKey;
    type Ciphertext = Ciphertext;
    type DecryptionShare = DecryptionShare;
    type SignatureShare = SignatureShare;
    type Signature = Signature;

    fn dealer_keygen(k: usize, n: usize, seed: [u8; 32]) -> Result<KeyGenOutput<Self>> {
        check_k_n(k, n)?;
        let mut rng = StdRng::from_seed(seed);
        let poly = Poly::random(k - 1, &mut rng);
        let master = scalar_of(&poly.evaluate(Fr::zero()));
        let shares = (0..n)
            .map(|i| Ok(SecretKeyShare::from_mut(&mut poly.evaluate(x_of(i)?))))
            .collect::<Result<Vec<_>>>()?;
        Ok(KeyGenOutput {
            public: PublicKeySet::from(poly.commitment()),
            shares,
            dealer_master: Some(master),
        })
    }

    fn dkg_keygen(k: usize, n: usize, seed: [u8; 32]) -> Result<KeyGenOutput<Self>> {
        Self::dkg_with_fault(k, n, seed, None)
    }

    fn refresh(
        public: &PublicKeySet,
        shares: &[SecretKeyShare],
        seed: [u8; 32],
    ) -> Result<(PublicKeySet, Vec<SecretKeyShare>)> {
        let k = public.threshold() + 1;
        let n = shares.len();
        if n < k {
            return Err(Error::misuse(format!(
                "refresh needs one share per agent: {n} shares for k = {k}"
            )));
        }
        let mut new: Vec<Fr> = shares.iter().map(share_fr).collect();
        let mut commitment = commitment_of(public);
        for a in 0..n {
            let mut rng = StdRng::from_seed(sub_seed(&seed, "refresh", a));
            let random = Poly::random(k - 1, &mut rng);
            let c0 = random.evaluate(Fr::zero());
            let delta = random - c0;
            for (j, s) in new.iter_mut().enumerate() {
                s.add_assign(&delta.evaluate(x_of(j)?));
            }
            commitment += delta.commitment();
        }
        let shares = new.iter_mut().map(SecretKeyShare::from_mut).collect();
        Ok((PublicKeySet::from(commitment), shares))
    }

    fn threshold(public: &PublicKeySet) -> usize {
        public.threshold()
    }

    fn master_public_key(public: &PublicKeySet) -> PublicKey {
        public.public_key()
    }

    fn public_key_share(public: &PublicKeySet, i: usize) -> PublicKey {
        // A share key computed by the crate is a valid point: it re-decodes.
        PublicKey::from_bytes(public.public_key_share(i).to_bytes())
            .unwrap_or_else(|_| unreachable!("a public key share re-decodes"))
    }

    fn share_matches_commitment(public: &PublicKeySet, i: usize, share: &SecretKeyShare) -> bool {
        share.public_key_share() == public.public_key_share(i)
    }

    fn encrypt(public: &PublicKeySet, msg: &[u8], seed: [u8; 32]) -> Ciphertext {
        let mut rng = StdRng::from_seed(seed);
        public.public_key().encrypt_with_rng(&mut rng, msg)
    }

    fn verify_ciphertext(ct: &Ciphertext) -> bool {
        ct.verify()
    }

    fn decryption_share(share: &SecretKeyShare, ct: &Ciphertext) -> DecryptionShare {
        share.decrypt_share_no_verify(ct)
    }

    fn verify_decryption_share(
        public: &PublicKeySet,
        i: usize,
        share: &DecryptionShare,
        ct: &Ciphertext,
    ) -> bool {
        public
            .public_key_share(i)
            .verify_decryption_share(share, ct)
    }

    fn combine_decryption_shares_raw(
        public: &PublicKeySet,
        shares: &[(usize, DecryptionShare)],
        ct: &Ciphertext,
    ) -> Result<Vec<u8>> {
        public
            .decrypt(shares.iter().map(|(i, s)| (*i, s)), ct)
            .map_err(|e| Error::refused("threshold", format!("threshold_crypto combine: {e}")))
    }

    fn sign_share(share: &SecretKeyShare, msg: &[u8]) -> SignatureShare {
        share.sign(msg)
    }

    fn verify_signature_share(
        public: &PublicKeySet,
        i: usize,
        sig: &SignatureShare,
        msg: &[u8],
    ) -> bool {
        public.public_key_share(i).verify(sig, msg)
    }

    fn combine_signatures_raw(
        public: &PublicKeySet,
        shares: &[(usize, SignatureShare)],
    ) -> Result<Signature> {
        public
            .combine_signatures(shares.iter().map(|(i, s)| (*i, s)))
            .map_err(|e| Error::refused("threshold", format!("threshold_crypto combine: {e}")))
    }

    fn verify_signature_raw(pk: &PublicKey, sig: &Signature, msg: &[u8]) -> bool {
        pk.verify(sig, msg)
    }

    fn is_identity_key(pk: &PublicKey) -> bool {
        pk.to_bytes()[..] == identity_g1()[..]
    }

    fn sign_with_scalar(secret: &Scalar, msg: &[u8]) -> Result<Signature> {
        Ok(SecretKey::from_mut(&mut fr_of(secret)?).sign(msg))
    }

    fn share_to_scalar(share: &SecretKeyShare) -> Scalar {
        scalar_of(&share_fr(share))
    }

    fn share_from_scalar(scalar: &Scalar) -> Result<SecretKeyShare> {
        Ok(SecretKeyShare::from_mut(&mut fr_of(scalar)?))
    }

    fn interpolate_at_zero(points: &[(usize, Scalar)]) -> Result<Scalar> {
        if points.is_empty() {
            return Err(Error::misuse("interpolation needs at least one point"));
        }
        let mut samples: Vec<(Fr, Fr)> = Vec::with_capacity(points.len());
        for (n, (i, s)) in points.iter().enumerate() {
            // The crate's `Poly::interpolate` panics on a duplicate x: refuse it here.
            if points[..n].iter().any(|(j, _)| j == i) {
                return Err(Error::misuse(format!(
                    "duplicate index {i} in interpolation"
                )));
            }
            samples.push((x_of(*i)?, fr_of(s)?));
        }
        // Lagrange at zero, computed directly (see the blsttc backend for why the crate's
        // interpolation is not used).
        let mut acc = Fr::zero();
        for (i, (xi, yi)) in samples.iter().enumerate() {
            let mut num = Fr::one();
            let mut den = Fr::one();
            for (j, (xj, _)) in samples.iter().enumerate() {
                if i != j {
                    num.mul_assign(xj);
                    let mut d = *xj;
                    d.sub_assign(xi);
                    den.mul_assign(&d);
                }
            }
            let inv = den
                .inverse()
                .ok_or_else(|| Error::misuse("duplicate index in interpolation"))?;
            let mut term = *yi;
            term.mul_assign(&num);
            term.mul_assign(&inv);
            acc.add_assign(&term);
        }
        Ok(scalar_of(&acc))
    }

    fn public_key_of_scalar(secret: &Scalar) -> Result<PublicKey> {
        Ok(SecretKey::from_mut(&mut fr_of(secret)?).public_key())
    }

    fn decrypt_with_scalar(secret: &Scalar, ct: &Ciphertext) -> Result<Option<Vec<u8>>> {
        let sk = SecretKey::from_mut(&mut fr_of(secret)?);
        // `SecretKey::decrypt` verifies the ciphertext itself.
        Ok(sk.decrypt(ct))
    }

    fn decrypt_with_scalar_unverified(secret: &Scalar, ct: &Ciphertext) -> Result<Vec<u8>> {
        // The master key as the only share of a degree-0 sharing: the crate's unchecked
        // combine of that one share is U·sk xored into the body.
        let fr = fr_of(secret)?;
        let public = PublicKeySet::from(Poly::constant(fr).commitment());
        let share = SecretKeyShare::from_mut(&mut fr_of(secret)?);
        let d = share.decrypt_share_no_verify(ct);
        public
            .decrypt(vec![(0usize, &d)], ct)
            .map_err(|e| Error::refused("threshold", e.to_string()))
    }

    fn encode_public_set(v: &PublicKeySet) -> Vec<u8> {
        let value = to_value(v);
        let coeffs = value["commit"]["coeff"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        coeffs.iter().flat_map(value_bytes).collect()
    }

    fn decode_public_set(b: &[u8]) -> Result<PublicKeySet> {
        const WHAT: &str = "public key set";
        if b.is_empty() || b.len() % G1_LEN != 0 {
            return Err(Error::malformed(
                WHAT,
                format!("length {} is not a positive multiple of {G1_LEN}", b.len()),
            ));
        }
        if b.len() > G1_LEN && b[b.len() - G1_LEN..] == identity_g1()[..] {
            return Err(Error::malformed(
                WHAT,
                "highest coefficient is the identity (non-canonical degree)",
            ));
        }
        let coeff: Vec<Value> = b.chunks_exact(G1_LEN).map(bytes_value).collect();
        from_value(serde_json::json!({ "commit": { "coeff": coeff } }), WHAT)
    }

    fn encode_public_key(v: &PublicKey) -> Vec<u8> {
        v.to_bytes().to_vec()
    }

    fn decode_public_key(b: &[u8]) -> Result<PublicKey> {
        PublicKey::from_bytes(fixed::<G1_LEN>(b, "public key")?)
            .map_err(|e| Error::malformed("public key", e.to_string()))
    }

    fn encode_ciphertext(v: &Ciphertext) -> Vec<u8> {
        let value = to_value(v);
        let mut out = value_bytes(&value[0]);
        out.extend(value_bytes(&value[2]));
        out.extend(value_bytes(&value[1]));
        out
    }

    fn decode_ciphertext(b: &[u8]) -> Result<Ciphertext> {
        const WHAT: &str = "ciphertext";
        if b.len() < G1_LEN + G2_LEN {
            return Err(Error::malformed(
                WHAT,
                format!("{} bytes is too short", b.len()),
            ));
        }
        let (u, rest) = b.split_at(G1_LEN);
        let (w, v) = rest.split_at(G2_LEN);
        from_value(
            Value::Array(vec![bytes_value(u), bytes_value(v), bytes_value(w)]),
            WHAT,
        )
    }

    fn encode_decryption_share(v: &DecryptionShare) -> Vec<u8> {
        value_bytes(&to_value(v))
    }

    fn decode_decryption_share(b: &[u8]) -> Result<DecryptionShare> {
        const WHAT: &str = "decryption share";
        fixed::<G1_LEN>(b, WHAT)?;
        from_value(bytes_value(b), WHAT)
    }

    fn encode_signature_share(v: &SignatureShare) -> Vec<u8> {
        v.to_bytes().to_vec()
    }

    fn decode_signature_share(b: &[u8]) -> Result<SignatureShare> {
        SignatureShare::from_bytes(fixed::<G2_LEN>(b, "signature share")?)
            .map_err(|e| Error::malformed("signature share", e.to_string()))
    }

    fn encode_signature(v: &Signature) -> Vec<u8> {
        v.to_bytes().to_vec()
    }

    fn decode_signature(b: &[u8]) -> Result<Signature> {
        Signature::from_bytes(fixed::<G2_LEN>(b, "signature")?)
            .map_err(|e| Error::malformed("signature", e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_shared_identity_encoding_is_this_crates() {
        assert_eq!(super::identity_g1(), crate::backend::G1_IDENTITY.to_vec());
    }
}
