//! The primary backend: blsttc 8 (blst underneath, RFC 9380 hash-to-G2).
//!
//! Encodings are the crate's own `to_bytes` (48-byte compressed G1, 96-byte compressed
//! G2, 32-byte big-endian scalars; a public key set is its coefficients' compressed G1
//! points concatenated; a ciphertext is `U ‖ W ‖ V`). Every decode checks lengths before
//! calling the crate, so that no input can reach a panicking path (an empty commitment
//! would make `PublicKeySet::threshold` underflow).

use super::{KeyGenOutput, ThresholdBackend};
use crate::error::{Error, Result};
use crate::secret::Scalar;
use blsttc::blstrs::G2Prepared;
use blsttc::group::ff::Field;
use blsttc::group::prime::PrimeCurveAffine;
use blsttc::group::Curve;
use blsttc::poly::{BivarCommitment, BivarPoly, Commitment, Poly};
use blsttc::{
    Ciphertext, DecryptionShare, Fr, G1Affine, G1Projective, G2Affine, G2Projective, PublicKey,
    PublicKeySet, SecretKey, SecretKeyShare, Signature, SignatureShare,
};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

/// Compressed G1 size.
const G1_LEN: usize = 48;
/// Compressed G2 size.
const G2_LEN: usize = 96;

/// The blsttc 8.0.2 backend.
pub struct Blsttc;

/// The points of a ciphertext `(U, V, W)` with `H = hash_g1_g2(U, V)`, read back from its
/// encoding (already checked when it was decoded, so without the subgroup checks again).
struct CtPoints {
    u: G1Affine,
    w: G2Affine,
    h: G2Affine,
}

/// blsttc's domain separation tag for hashing to G2 (`blsttc::DST`).
const HASH_DST: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_";

impl CtPoints {
    fn of(ct: &Ciphertext) -> Option<CtPoints> {
        let (u, w, h) = Self::points(ct, true)?;
        Some(CtPoints { u: u?, w, h })
    }

    /// W and H only (a share check needs U's bytes for H, not U as a point, so U's
    /// decompression, a square root, is skipped).
    fn w_h(ct: &Ciphertext) -> Option<(G2Affine, G2Affine)> {
        let (_, w, h) = Self::points(ct, false)?;
        Some((w, h))
    }

    fn points(ct: &Ciphertext, with_u: bool) -> Option<(Option<G1Affine>, G2Affine, G2Affine)> {
        let b = ct.to_bytes();
        if b.len() < G1_LEN + G2_LEN {
            return None;
        }
        let u = if with_u {
            Some(g1_of(&b[..G1_LEN])?)
        } else {
            None
        };
        let w: [u8; G2_LEN] = b[G1_LEN..G1_LEN + G2_LEN].try_into().ok()?;
        let w = Option::from(G2Affine::from_compressed_unchecked(&w))?;
        let v = &b[G1_LEN + G2_LEN..];
        // The crate's `hash_g1_g2`: V (or its SHA3-256 when longer than 64 bytes), then U
        // compressed, hashed to G2.
        let mut msg = if v.len() > 64 {
            use tiny_keccak::Hasher;
            let mut sha3 = tiny_keccak::Sha3::v256();
            sha3.update(v);
            let mut out = [0u8; 32];
            sha3.finalize(&mut out);
            out.to_vec()
        } else {
            v.to_vec()
        };
        msg.extend_from_slice(&b[..G1_LEN]);
        let h = G2Projective::hash_to_curve(&msg, HASH_DST, &[]).to_affine();
        Some((u, w, h))
    }
}

/// Public key share `i` of `public` as a point. A combiner checks many shares from the
/// same agents, so each thread keeps the points of its last few key sets: deriving one
/// costs k − 1 full scalar multiplications (the crate's polynomial evaluation in the
/// exponent) and a decompression, once per key set and agent rather than once per share.
fn public_key_share_point(public: &PublicKeySet, i: usize) -> Option<G1Affine> {
    use std::cell::RefCell;
    use std::collections::BTreeMap;
    /// Key sets a thread remembers, and agents per key set.
    const KEY_SETS: usize = 8;
    const AGENTS: usize = 1024;
    type Shares = BTreeMap<usize, G1Affine>;
    thread_local! {
        static KNOWN: RefCell<Vec<(PublicKeySet, Shares)>> = const { RefCell::new(Vec::new()) };
    }
    KNOWN.with(|known| {
        let mut known = known.borrow_mut();
        let at = match known.iter().position(|(p, _)| p == public) {
            Some(at) => at,
            None => {
                if known.len() == KEY_SETS {
                    known.remove(0);
                }
                known.push((public.clone(), BTreeMap::new()));
                known.len() - 1
            }
        };
        let shares = &mut known[at].1;
        if let Some(p) = shares.get(&i) {
            return Some(*p);
        }
        let p = g1_of(&public.public_key_share(i).to_bytes())?;
        if shares.len() < AGENTS {
            shares.insert(i, p);
        }
        Some(p)
    })
}

/// A G1 point from its (already checked) compressed encoding.
fn g1_of(b: &[u8]) -> Option<G1Affine> {
    let a: [u8; G1_LEN] = b.get(..G1_LEN)?.try_into().ok()?;
    Option::from(G1Affine::from_compressed_unchecked(&a))
}

/// Whether e(a1, b1) · e(a2, b2) = 1: two Miller loops and one final exponentiation.
fn pairing_product_is_one(a1: &G1Affine, b1: &G2Affine, a2: &G1Affine, b2: &G2Affine) -> bool {
    use blsttc::group::Group;
    use pairing::{MillerLoopResult, MultiMillerLoop};
    let (p1, p2) = (G2Prepared::from(*b1), G2Prepared::from(*b2));
    let gt =
        blsttc::blstrs::Bls12::multi_miller_loop(&[(a1, &p1), (a2, &p2)]).final_exponentiation();
    bool::from(gt.is_identity())
}

/// A sub-seed for participant `index` of a protocol step named `label`.
fn sub_seed(seed: &[u8; 32], label: &str, index: usize) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"escrowlab/blsttc/");
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
        .map(Fr::from)
        .ok_or_else(|| Error::misuse(format!("agent index {i} out of range")))
}

/// A ciphertext's U bytes and its body V (the crate's encoding is U (48 bytes) ‖ W (96) ‖
/// V); W is not looked at.
fn u_and_body(ct: &[u8]) -> Result<([u8; G1_LEN], &[u8])> {
    const WHAT: &str = "ciphertext";
    if ct.len() < G1_LEN + G2_LEN {
        return Err(Error::malformed(
            WHAT,
            format!("{} bytes is too short", ct.len()),
        ));
    }
    Ok((fixed(&ct[..G1_LEN], WHAT)?, &ct[G1_LEN + G2_LEN..]))
}

/// The crate's body mask: `out` becomes `body` xor ChaCha20(SHA3-256(`g`)), one byte from
/// each 32-bit word, where `g` is the compressed U·sk.
fn unmask_body(g: &[u8; G1_LEN], body: &[u8], out: &mut Vec<u8>) {
    let mut sha3 = tiny_keccak::Sha3::v256();
    tiny_keccak::Hasher::update(&mut sha3, g);
    let mut digest = [0u8; 32];
    tiny_keccak::Hasher::finalize(sha3, &mut digest);
    let mut rng = ChaCha20Rng::from_seed(digest);
    out.clear();
    out.extend(
        body.iter()
            .map(|b| b ^ rand_chacha::rand_core::RngCore::next_u32(&mut rng) as u8),
    );
}

/// The flags of a compressed G1 encoding (its first byte's top three bits).
const COMPRESSED_FLAG: u8 = 0x80;
const INFINITY_FLAG: u8 = 0x40;
const COMPRESSED_SIGN: u8 = 0x20;

/// The compressed encoding of `k`·U, with the sign flag clear, from U's compressed bytes
/// without decompressing U (which costs a square root, about 15 % of the multiplication).
///
/// U = (x, y) on E: y² = x³ + 4 with y unknown; s = x³ + 4 = y². The map
/// ψ(X, Y) = (s·X, s·y·Y) is an isomorphism from E onto E′: Y² = X³ + 4s³ (it scales by
/// t = y: (t²X, t³Y)), and ψ(U) = (x·s, s²) needs no y. The crate's scalar
/// multiplication (Jacobian formulas that never use the curve's constant b; its GLV
/// endomorphism (βX, Y) commutes with ψ) computes k·ψ(U) = ψ(k·U) = (s·x_k, ·), so
/// x_k = X / (Z²·s). The sign of k·U's y is not learned; the caller tries both.
///
/// `None` for an encoding that is not a compressed finite x below p, or an x at which
/// the curve has a point of order 2. An x that is not on E at all (s not a square) makes
/// ψ a twist and gives a value the caller's AEAD tag rejects, as an unchecked U outside
/// the subgroup does on the decompressing path.
fn x_of_multiple(u: &[u8; G1_LEN], k: &Fr) -> Option<[u8; G1_LEN]> {
    if u[0] & COMPRESSED_FLAG == 0 || u[0] & INFINITY_FLAG != 0 {
        return None;
    }
    let mut xb = *u;
    xb[0] &= !(COMPRESSED_FLAG | INFINITY_FLAG | COMPRESSED_SIGN);
    if xb >= FIELD_MODULUS_BE {
        return None;
    }
    // The generator's Jacobian Z is 1: the field's one, in the field type blstrs does
    // not export by name.
    let one = <G1Projective as blsttc::group::Group>::generator().z();
    let x = field_of_be(&xb, one);
    let s = x.square() * x + one.double().double();
    if bool::from(s.is_zero()) {
        return None;
    }
    let q = G1Projective::from_raw_unchecked(x * s, s.square(), one) * *k;
    let inv = inverse(q.z().square() * s)?;
    let mut out = (q.x() * inv).to_bytes_be();
    out[0] |= COMPRESSED_FLAG;
    Some(out)
}

/// `v`⁻¹, `None` for zero.
fn inverse<F: Field>(v: F) -> Option<F> {
    Option::from(v.invert())
}

/// BLS12-381's base-field modulus p, big-endian.
const FIELD_MODULUS_BE: [u8; G1_LEN] = [
    0x1a, 0x01, 0x11, 0xea, 0x39, 0x7f, 0xe6, 0x9a, 0x4b, 0x1b, 0xa7, 0xb6, 0x43, 0x4b, 0xac, 0xd7,
    0x64, 0x77, 0x4b, 0x84, 0xf3, 0x85, 0x12, 0xbf, 0x67, 0x30, 0xd2, 0xa0, 0xf6, 0xb0, 0xf6, 0x24,
    0x1e, 0xab, 0xff, 0xfe, 0xb1, 0x53, 0xff, 0xff, 0xb9, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xaa, 0xab,
];

/// The field element of a big-endian integer below p (`one` is the field's one), by
/// Horner's rule over its six 64-bit limbs, with public field operations only.
fn field_of_be<F: Field + From<u64>>(b: &[u8; G1_LEN], one: F) -> F {
    let radix = F::from(u64::MAX) + one;
    b.chunks_exact(8).fold(F::zero(), |acc, limb| {
        let limb = u64::from_be_bytes(limb.try_into().expect("8-byte chunk"));
        acc * radix + F::from(limb)
    })
}

fn fr_of(s: &Scalar) -> Result<Fr> {
    Option::from(Fr::from_bytes_be(&s.0))
        .ok_or_else(|| Error::malformed("scalar", "not a canonical BLS12-381 scalar"))
}

fn fixed<const N: usize>(b: &[u8], what: &'static str) -> Result<[u8; N]> {
    b.try_into()
        .map_err(|_| Error::malformed(what, format!("expected {N} bytes, got {}", b.len())))
}

fn crate_err(what: &'static str) -> impl Fn(blsttc::Error) -> Error {
    move |e| Error::malformed(what, e.to_string())
}

fn commitment_of(public: &PublicKeySet) -> Commitment {
    // The encoding was produced by the crate from valid points; it decodes.
    Commitment::from_bytes(public.to_bytes())
        .unwrap_or_else(|_| unreachable!("a valid commitment re-decodes"))
}

impl Blsttc {
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
        // Each dealer d: a bivariate polynomial, its public commitment, the rows it sends.
        // Each dealer d: a bivariate polynomial, its public commitment, and the row it
        // sends to each participant j (`inbox[j][d]`).
        let mut commitments: Vec<BivarCommitment> = Vec::with_capacity(n);
        let mut inbox: Vec<Vec<Poly>> = (0..n).map(|_| Vec::with_capacity(n)).collect();
        for d in 0..n {
            let mut rng = ChaCha20Rng::from_seed(sub_seed(&seed, "dkg", d));
            let bivar = BivarPoly::random(degree, &mut rng);
            commitments.push(bivar.commitment());
            for (j, received) in inbox.iter_mut().enumerate() {
                let mut row = bivar.row(x_of(j)?);
                if corrupt == Some((d, j)) {
                    row = row + Fr::from(1u64);
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
                let mut acc = Fr::from(0u64);
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
                    let value = row.evaluate(Fr::from(0u64));
                    if (G1Affine::generator() * value).to_affine() != expected.evaluate(Fr::from(0u64)) {
                        return Err(Error::ShareRejected {
                            agent: d,
                            reason: format!(
                                "dealer {d}'s value for participant {j} does not match its commitment"
                            ),
                        });
                    }
                    acc += value;
                }
                Ok(SecretKeyShare::from_mut(&mut acc))
            })
            .collect();
        let shares = checked.into_iter().collect::<Result<Vec<_>>>()?;
        let mut master = commitments[0].row(Fr::from(0u64));
        for c in &commitments[1..] {
            master += c.row(Fr::from(0u64));
        }
        Ok(KeyGenOutput {
            public: PublicKeySet::from(master),
            shares,
            dealer_master: None,
        })
    }
}

impl ThresholdBackend for Blsttc {
    const NAME: &'static str = "blsttc";
    type PublicKeySet = PublicKeySet;
    type SecretKeyShare = SecretKeyShare;
    type PublicKey = PublicKey;
    type Ciphertext = Ciphertext;
    type DecryptionShare = DecryptionShare;
    type SignatureShare = SignatureShare;
    type Signature = Signature;

    fn dealer_keygen(k: usize, n: usize, seed: [u8; 32]) -> Result<KeyGenOutput<Self>> {
        check_k_n(k, n)?;
        let mut rng = ChaCha20Rng::from_seed(seed);
        let poly = Poly::random(k - 1, &mut rng);
        let master = Scalar(poly.evaluate(Fr::from(0u64)).to_bytes_be());
        let shares = (0..n)
            .map(|i| Ok(SecretKeyShare::from_mut(&mut poly.evaluate(x_of(i)?))))
            .collect::<Result<Vec<_>>>()?;
        let public = PublicKeySet::from(poly.commitment());
        Ok(KeyGenOutput {
            public,
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
        let mut new: Vec<Fr> = shares
            .iter()
            .map(|s| fr_of(&Scalar(s.to_bytes())))
            .collect::<Result<Vec<_>>>()?;
        let mut commitment = commitment_of(public);
        for a in 0..n {
            let mut rng = ChaCha20Rng::from_seed(sub_seed(&seed, "refresh", a));
            let random = Poly::random(k - 1, &mut rng);
            let c0 = random.evaluate(Fr::from(0u64));
            let delta = random - c0;
            for (j, s) in new.iter_mut().enumerate() {
                *s += delta.evaluate(x_of(j)?);
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
        let mut rng = ChaCha20Rng::from_seed(seed);
        public.public_key().encrypt_with_rng(&mut rng, msg)
    }

    fn verify_ciphertext(ct: &Ciphertext) -> bool {
        // e(g1, W) = e(U, H(U, V)), as one product of two pairings with one final
        // exponentiation instead of the crate's two full pairings.
        let Some(p) = CtPoints::of(ct) else {
            return ct.verify();
        };
        pairing_product_is_one(&G1Affine::generator(), &p.w, &-p.u, &p.h)
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
        // e(S, H(U, V)) = e(PK_i, W), as one product of pairings.
        let (Some((w, h)), Some(s), Some(pk)) = (
            CtPoints::w_h(ct),
            g1_of(&share.to_bytes()),
            public_key_share_point(public, i),
        ) else {
            return public
                .public_key_share(i)
                .verify_decryption_share(share, ct);
        };
        pairing_product_is_one(&s, &h, &-pk, &w)
    }

    fn verify_decryption_shares(
        public: &PublicKeySet,
        shares: &[(usize, &DecryptionShare)],
        ct: &Ciphertext,
    ) -> bool {
        // Batch verification by a random linear combination: with weights r_i,
        // e(Σ r_i S_i, H) = e(Σ r_i PK_i, W). A wrong share passes with probability at most
        // 2^-128 over the weights, which are 128-bit and derived (Fiat–Shamir) from the
        // ciphertext, the key set and every share, so no agent can choose its share
        // knowing them, and the result is deterministic.
        if shares.len() < 2 {
            return shares
                .iter()
                .all(|(i, d)| Self::verify_decryption_share(public, *i, d, ct));
        }
        let Some((w, h)) = CtPoints::w_h(ct) else {
            return false;
        };
        let mut transcript = Sha256::new();
        transcript.update(b"escrowlab/blsttc/batch-decryption-shares");
        transcript.update(ct.to_bytes());
        transcript.update(public.public_key().to_bytes());
        let mut points = Vec::with_capacity(shares.len());
        let mut xs = Vec::with_capacity(shares.len());
        for (i, d) in shares {
            let bytes = d.to_bytes();
            transcript.update((*i as u64).to_be_bytes());
            transcript.update(bytes);
            let (Some(s), Ok(x)) = (g1_of(&bytes), x_of(*i)) else {
                return false;
            };
            points.push(s.to_curve());
            xs.push(x);
        }
        // The commitment's coefficients C_j (the public key set's encoding): PK_i =
        // Σ_j C_j x_i^j, so Σ_i r_i PK_i = Σ_j C_j (Σ_i r_i x_i^j), one multi-scalar
        // multiplication over k points instead of evaluating each PK_i (k each).
        let coeff_bytes = public.to_bytes();
        let Some(coeffs) = coeff_bytes
            .chunks(G1_LEN)
            .map(|c| g1_of(c).map(|p| p.to_curve()))
            .collect::<Option<Vec<G1Projective>>>()
        else {
            return false;
        };
        let seed: [u8; 32] = transcript.finalize().into();
        let weights: Vec<Fr> = (0..shares.len())
            .map(|j| {
                let mut h = Sha256::new();
                h.update(seed);
                h.update((j as u64).to_be_bytes());
                let d = h.finalize();
                let mut w = [0u8; 32];
                w[16..].copy_from_slice(&d[..16]);
                Option::from(Fr::from_bytes_be(&w)).unwrap_or_else(Fr::one)
            })
            .collect();
        let mut key_scalars = vec![Fr::zero(); coeffs.len()];
        for (r, x) in weights.iter().zip(&xs) {
            let mut term = *r;
            for c in key_scalars.iter_mut() {
                *c += term;
                term *= x;
            }
        }
        let pk = G1Projective::multi_exp(&coeffs, &key_scalars).to_affine();
        let s = G1Projective::multi_exp(&points, &weights).to_affine();
        pairing_product_is_one(&s, &h, &-pk, &w)
    }

    fn combine_decryption_shares_raw(
        public: &PublicKeySet,
        shares: &[(usize, DecryptionShare)],
        ct: &Ciphertext,
    ) -> Result<Vec<u8>> {
        public
            .decrypt(shares.iter().map(|(i, s)| (*i, s)), ct)
            .map_err(|e| Error::refused("threshold", format!("blsttc combine: {e}")))
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
            .map_err(|e| Error::refused("threshold", format!("blsttc combine: {e}")))
    }

    fn verify_signature_raw(pk: &PublicKey, sig: &Signature, msg: &[u8]) -> bool {
        pk.verify(sig, msg)
    }

    fn is_identity_key(pk: &PublicKey) -> bool {
        *pk == PublicKey::from(G1Affine::identity())
    }

    fn sign_with_scalar(secret: &Scalar, msg: &[u8]) -> Result<Signature> {
        Ok(SecretKey::from_bytes(secret.0)
            .map_err(crate_err("scalar"))?
            .sign(msg))
    }

    fn share_to_scalar(share: &SecretKeyShare) -> Scalar {
        Scalar(share.to_bytes())
    }

    fn share_from_scalar(scalar: &Scalar) -> Result<SecretKeyShare> {
        SecretKeyShare::from_bytes(scalar.0).map_err(crate_err("scalar"))
    }

    fn interpolate_at_zero(points: &[(usize, Scalar)]) -> Result<Scalar> {
        if points.is_empty() {
            return Err(Error::misuse("interpolation needs at least one point"));
        }
        let mut samples: Vec<(Fr, Fr)> = Vec::with_capacity(points.len());
        for (n, (i, s)) in points.iter().enumerate() {
            if points[..n].iter().any(|(j, _)| j == i) {
                return Err(Error::misuse(format!(
                    "duplicate index {i} in interpolation"
                )));
            }
            samples.push((x_of(*i)?, fr_of(s)?));
        }
        // Lagrange at zero, computed directly. The crate's `Poly::interpolate` returns
        // `DuplicateEntry` when it is given more than degree + 1 points of one polynomial
        // (a consistent extra point zeroes its Newton basis), which is exactly what a thief
        // holding more than k shares has.
        let mut acc = Fr::from(0u64);
        for (i, (xi, yi)) in samples.iter().enumerate() {
            let mut num = Fr::from(1u64);
            let mut den = Fr::from(1u64);
            for (j, (xj, _)) in samples.iter().enumerate() {
                if i != j {
                    num *= xj;
                    den *= *xj - xi;
                }
            }
            let inv: Option<Fr> = den.invert().into();
            let inv = inv.ok_or_else(|| Error::misuse("duplicate index in interpolation"))?;
            acc += *yi * num * inv;
        }
        Ok(Scalar(acc.to_bytes_be()))
    }

    fn public_key_of_scalar(secret: &Scalar) -> Result<PublicKey> {
        Ok(SecretKey::from_bytes(secret.0)
            .map_err(crate_err("scalar"))?
            .public_key())
    }

    fn decrypt_with_scalar(secret: &Scalar, ct: &Ciphertext) -> Result<Option<Vec<u8>>> {
        let sk = SecretKey::from_bytes(secret.0).map_err(crate_err("scalar"))?;
        // `SecretKey::decrypt` verifies the ciphertext itself.
        Ok(sk.decrypt(ct))
    }

    fn decrypt_with_scalar_unverified(secret: &Scalar, ct: &Ciphertext) -> Result<Vec<u8>> {
        // The master key as the only share of a degree-0 sharing: the crate's unchecked
        // combine of that one share is U·sk xored into the body.
        let share = SecretKeyShare::from_bytes(secret.0).map_err(crate_err("scalar"))?;
        let public = PublicKeySet::from(Poly::constant(fr_of(secret)?).commitment());
        let d = share.decrypt_share_no_verify(ct);
        public
            .decrypt([(0usize, &d)], ct)
            .map_err(crate_err("ciphertext"))
    }

    fn decrypt_bytes_with_scalar_unverified(secret: &Scalar, ct: &[u8]) -> Result<Vec<u8>> {
        // The crate's ciphertext is U (48 bytes) ‖ W (96) ‖ V, and decryption is
        // V xor ChaCha20(SHA3-256(compressed U·sk)), each byte from one 32-bit word. The
        // thief needs only U: W (a G2 point, checked only by the agents' pairing test) is
        // not decoded, and U's subgroup check is skipped, since a U outside the group only
        // yields a key the AEAD tag rejects.
        let (u, body) = u_and_body(ct)?;
        let u: G1Affine = Option::from(G1Affine::from_compressed_unchecked(&u))
            .ok_or_else(|| Error::malformed("ciphertext", "U is not a point of the curve"))?;
        let g = (u * fr_of(secret)?).to_affine();
        let mut plain = Vec::new();
        unmask_body(&g.to_compressed(), body, &mut plain);
        Ok(plain)
    }

    fn decrypt_bytes_with_scalar_confirmed(
        secret: &Scalar,
        ct: &[u8],
        confirm: &mut dyn FnMut(&[u8]) -> bool,
    ) -> Result<bool> {
        // U·sk is computed from U's x-coordinate alone (`x_of_multiple`: no square root
        // to decompress U), which leaves the sign of U·sk's y open: both compressed
        // encodings are tried, and `confirm` (an AEAD tag) says which one it is.
        let (u, body) = u_and_body(ct)?;
        let mut g = x_of_multiple(&u, &fr_of(secret)?).ok_or_else(|| {
            Error::malformed("ciphertext", "U is not an x-coordinate of the curve")
        })?;
        let mut plain = Vec::new();
        unmask_body(&g, body, &mut plain);
        if confirm(&plain) {
            return Ok(true);
        }
        g[0] |= COMPRESSED_SIGN;
        unmask_body(&g, body, &mut plain);
        Ok(confirm(&plain))
    }

    fn encode_public_set(v: &PublicKeySet) -> Vec<u8> {
        v.to_bytes()
    }

    fn decode_public_set(b: &[u8]) -> Result<PublicKeySet> {
        const WHAT: &str = "public key set";
        if b.is_empty() || b.len() % G1_LEN != 0 {
            return Err(Error::malformed(
                WHAT,
                format!("length {} is not a positive multiple of {G1_LEN}", b.len()),
            ));
        }
        let set = PublicKeySet::from_bytes(b.to_vec()).map_err(crate_err(WHAT))?;
        let last: [u8; G1_LEN] = fixed(&b[b.len() - G1_LEN..], WHAT)?;
        if b.len() > G1_LEN && last == G1Affine::identity().to_compressed() {
            return Err(Error::malformed(
                WHAT,
                "highest coefficient is the identity (non-canonical degree)",
            ));
        }
        Ok(set)
    }

    fn encode_public_key(v: &PublicKey) -> Vec<u8> {
        v.to_bytes().to_vec()
    }

    fn decode_public_key(b: &[u8]) -> Result<PublicKey> {
        PublicKey::from_bytes(fixed(b, "public key")?).map_err(crate_err("public key"))
    }

    fn encode_ciphertext(v: &Ciphertext) -> Vec<u8> {
        v.to_bytes()
    }

    fn decode_ciphertext(b: &[u8]) -> Result<Ciphertext> {
        const WHAT: &str = "ciphertext";
        if b.len() < G1_LEN + G2_LEN {
            return Err(Error::malformed(
                WHAT,
                format!("{} bytes is too short", b.len()),
            ));
        }
        if b.len() == G1_LEN + G2_LEN {
            // An empty body: the crate's `from_bytes` refuses it although `to_bytes` writes
            // it, so go through its serde form (same point checks) instead.
            let arr = |x: &[u8]| serde_json::Value::from(x.to_vec());
            let (u, w) = b.split_at(G1_LEN);
            let value = serde_json::Value::Array(vec![arr(u), arr(&[]), arr(w)]);
            return serde_json::from_value(value)
                .map_err(|e| Error::malformed(WHAT, e.to_string()));
        }
        Ciphertext::from_bytes(b).map_err(crate_err(WHAT))
    }

    fn encode_decryption_share(v: &DecryptionShare) -> Vec<u8> {
        v.to_bytes().to_vec()
    }

    fn decode_decryption_share(b: &[u8]) -> Result<DecryptionShare> {
        DecryptionShare::from_bytes(fixed(b, "decryption share")?)
            .map_err(crate_err("decryption share"))
    }

    fn encode_signature_share(v: &SignatureShare) -> Vec<u8> {
        v.to_bytes().to_vec()
    }

    fn decode_signature_share(b: &[u8]) -> Result<SignatureShare> {
        SignatureShare::from_bytes(fixed(b, "signature share")?)
            .map_err(crate_err("signature share"))
    }

    fn encode_signature(v: &Signature) -> Vec<u8> {
        v.to_bytes().to_vec()
    }

    fn decode_signature(b: &[u8]) -> Result<Signature> {
        Signature::from_bytes(fixed(b, "signature")?).map_err(crate_err("signature"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_identity_encoding_is_this_crates() {
        assert_eq!(
            G1Affine::identity().to_compressed(),
            crate::backend::G1_IDENTITY
        );
    }

    /// `x_of_multiple` (no square root for U) gives k·U's x exactly, for points whose y
    /// has either sign, and refuses what is not a finite compressed x below p.
    #[test]
    fn x_of_multiple_is_the_x_of_the_multiple() {
        use blsttc::group::Group;
        let mut signs = [0usize; 2];
        for i in 1..=40u64 {
            let u = (G1Projective::generator() * Fr::from(1000 + i * i)).to_affine();
            let k = Fr::from(u64::MAX - 7 * i) * Fr::from(0x1234_5678_9abc + i);
            let bytes = u.to_compressed();
            signs[usize::from(bytes[0] & COMPRESSED_SIGN != 0)] += 1;
            let mut want = (u * k).to_affine().to_compressed();
            want[0] &= !COMPRESSED_SIGN;
            assert_eq!(x_of_multiple(&bytes, &k), Some(want), "point {i}");
        }
        assert!(
            signs[0] > 0 && signs[1] > 0,
            "both signs of U's y: {signs:?}"
        );

        let u = G1Affine::generator().to_compressed();
        let k = Fr::from(5u64);
        let mut uncompressed_flag = u;
        uncompressed_flag[0] &= !COMPRESSED_FLAG;
        assert_eq!(x_of_multiple(&uncompressed_flag, &k), None);
        assert_eq!(
            x_of_multiple(&G1Affine::identity().to_compressed(), &k),
            None
        );
        let mut too_big = FIELD_MODULUS_BE;
        too_big[0] |= COMPRESSED_FLAG;
        assert_eq!(x_of_multiple(&too_big, &k), None);
    }
}
