//! One conformance suite, run over every backend: each test body is generic over
//! `B: ThresholdBackend` and drives the byte-level [`Backend`] face through [`Erased`].

use escrowlab::backend::blsttc_backend::Blsttc;
use escrowlab::backend::safe::{safe_combine, safe_combine_signatures};
use escrowlab::backend::{Backend, BackendKind, Erased, KeyMaterial, ThresholdBackend};
use escrowlab::secret::Scalar;
use escrowlab::Error;

const MSG: &[u8] = b"session key: 32 bytes of secret!";
const SHAPES: [(usize, usize); 3] = [(1, 1), (2, 3), (3, 5)];

fn seed(n: u8) -> [u8; 32] {
    let mut s = [0u8; 32];
    s[0] = n;
    s[31] = 0xa5;
    s
}

fn be<B: ThresholdBackend>() -> &'static dyn Backend {
    // `Erased` holds no state: a leaked zero-sized value is free.
    Box::leak(Box::new(Erased::<B>::INSTANCE))
}

/// A tiny deterministic generator for garbage bytes (xorshift64*).
struct Garbage(u64);
impl Garbage {
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n)
            .map(|_| {
                self.0 ^= self.0 >> 12;
                self.0 ^= self.0 << 25;
                self.0 ^= self.0 >> 27;
                (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
            })
            .collect()
    }
}

fn dshares(b: &dyn Backend, km: &KeyMaterial, ct: &[u8], idx: &[usize]) -> Vec<(usize, Vec<u8>)> {
    idx.iter()
        .map(|&i| (i, b.decryption_share(&km.shares[i], ct).unwrap()))
        .collect()
}

fn msg_check(pt: &[u8]) -> bool {
    pt == MSG
}

/// Round trip through `safe_combine` with the last `k` agents, and refusal with `k - 1`.
fn round_trip(b: &dyn Backend, km: &KeyMaterial, k: usize, n: usize, s: u8) {
    let ct = b.encrypt(&km.public, MSG, seed(s)).unwrap();
    assert!(b.verify_ciphertext(&ct));
    let idx: Vec<usize> = (n - k..n).collect();
    let shares = dshares(b, km, &ct, &idx);
    for (i, d) in &shares {
        assert!(b.verify_decryption_share(&km.public, *i, d, &ct));
    }
    let out = safe_combine(b, &km.public, n, &shares, &ct, msg_check).unwrap();
    assert_eq!(out.plaintext, MSG);
    assert!(out.rejected.is_empty());
    if k > 1 {
        let few = &shares[..k - 1];
        assert!(matches!(
            safe_combine(b, &km.public, n, few, &ct, msg_check),
            Err(Error::Refused {
                control: "threshold",
                ..
            })
        ));
        assert!(
            b.combine_raw(&km.public, few, &ct).is_err(),
            "raw combine of k-1 shares must fail"
        );
    }
}

fn dealer_keygen_k_of_n<B: ThresholdBackend>() {
    let b = be::<B>();
    for (k, n) in SHAPES {
        let km = b.dealer_keygen(k, n, seed(1)).unwrap();
        assert_eq!(km.shares.len(), n);
        assert_eq!(b.k(&km.public).unwrap(), k);
        let master = km
            .dealer_master
            .as_ref()
            .expect("a dealer holds the master");
        assert_eq!(
            b.public_key_of_scalar(master).unwrap(),
            b.master_public_key(&km.public).unwrap()
        );
        for (i, s) in km.shares.iter().enumerate() {
            assert!(b.share_matches_commitment(&km.public, i, s).unwrap());
            // A share at the wrong index does not match (unless k = 1: all shares are equal).
            if k > 1 {
                assert!(!b
                    .share_matches_commitment(&km.public, (i + 1) % n, s)
                    .unwrap());
            }
        }
        round_trip(b, &km, k, n, 2);
    }
}

fn bad_k_and_n<B: ThresholdBackend>() {
    let b = be::<B>();
    for (k, n) in [(0, 3), (4, 3), (0, 0), (2, 1)] {
        assert!(
            matches!(b.dealer_keygen(k, n, seed(1)), Err(Error::Misuse(_))),
            "dealer {k}-of-{n}"
        );
        assert!(
            matches!(b.dkg_keygen(k, n, seed(1)), Err(Error::Misuse(_))),
            "dkg {k}-of-{n}"
        );
    }
}

fn dkg_matches_commitment<B: ThresholdBackend>() {
    let b = be::<B>();
    for (k, n) in SHAPES {
        let km = b.dkg_keygen(k, n, seed(3)).unwrap();
        assert!(
            km.dealer_master.is_none(),
            "a DKG has no dealer copy of the master"
        );
        assert_eq!(km.shares.len(), n);
        assert_eq!(b.k(&km.public).unwrap(), k);
        for (i, s) in km.shares.iter().enumerate() {
            assert!(
                b.share_matches_commitment(&km.public, i, s).unwrap(),
                "share {i} of {k}-of-{n}"
            );
        }
        // The test (not the DKG) interpolates k shares: the master key it finds is the
        // one the commitment publishes, whichever k agents are used.
        let mpk = b.master_public_key(&km.public).unwrap();
        for start in [0, n - k] {
            let pts: Vec<(usize, Scalar)> = (start..start + k)
                .map(|i| (i, km.shares[i].clone()))
                .collect();
            let secret = b.interpolate_at_zero(&pts).unwrap();
            assert_eq!(b.public_key_of_scalar(&secret).unwrap(), mpk);
        }
        round_trip(b, &km, k, n, 4);
    }
}

fn refresh_keeps_key<B: ThresholdBackend>() {
    let b = be::<B>();
    let (k, n) = (3, 5);
    let km = b.dealer_keygen(k, n, seed(5)).unwrap();
    let (public2, shares2) = b.refresh(&km.public, &km.shares, seed(6)).unwrap();
    assert_eq!(
        b.master_public_key(&public2).unwrap(),
        b.master_public_key(&km.public).unwrap()
    );
    assert_eq!(b.k(&public2).unwrap(), k);
    for (i, s) in shares2.iter().enumerate() {
        assert_ne!(s, &km.shares[i], "refresh changes every share");
        assert!(b.share_matches_commitment(&public2, i, s).unwrap());
        assert!(!b
            .share_matches_commitment(&public2, i, &km.shares[i])
            .unwrap());
    }
    let km2 = KeyMaterial {
        public: public2.clone(),
        shares: shares2.clone(),
        dealer_master: None,
    };
    round_trip(b, &km2, k, n, 7);

    // Mixing two old shares and one new share: the raw combine recovers garbage, the safe
    // combine refuses (the old shares do not verify against the new commitment), and the
    // interpolated scalar is not the master key.
    let ct = b.encrypt(&public2, MSG, seed(8)).unwrap();
    let mut mixed = dshares(b, &km, &ct, &[0, 1]);
    mixed.extend(dshares(b, &km2, &ct, &[2]));
    assert_ne!(b.combine_raw(&public2, &mixed, &ct).unwrap(), MSG);
    assert!(safe_combine(b, &public2, n, &mixed, &ct, msg_check).is_err());
    let pts = vec![
        (0, km.shares[0].clone()),
        (1, km.shares[1].clone()),
        (2, shares2[2].clone()),
    ];
    let secret = b.interpolate_at_zero(&pts).unwrap();
    assert_ne!(
        b.public_key_of_scalar(&secret).unwrap(),
        b.master_public_key(&public2).unwrap()
    );

    assert!(matches!(
        b.refresh(&km.public, &km.shares[..2], seed(6)),
        Err(Error::Misuse(_))
    ));
}

fn stolen_shares<B: ThresholdBackend>() {
    let b = be::<B>();
    let (k, n) = (3, 5);
    let km = b.dealer_keygen(k, n, seed(9)).unwrap();
    let mpk = b.master_public_key(&km.public).unwrap();
    let stolen: Vec<(usize, Scalar)> = [4, 1, 3]
        .iter()
        .map(|&i| (i, km.shares[i].clone()))
        .collect();
    let secret = b.interpolate_at_zero(&stolen).unwrap();
    assert_eq!(b.public_key_of_scalar(&secret).unwrap(), mpk);
    assert_eq!(Some(&secret), km.dealer_master.as_ref());
    let ct = b.encrypt(&km.public, MSG, seed(10)).unwrap();
    assert_eq!(
        b.decrypt_with_scalar(&secret, &ct).unwrap().as_deref(),
        Some(MSG)
    );
    let sig = b.sign_with_scalar(&secret, b"warrant").unwrap();
    assert!(b.verify_signature(&mpk, &sig, b"warrant"));
    assert!(!b.verify_signature(&mpk, &sig, b"other warrant"));

    let fewer = b.interpolate_at_zero(&stolen[..k - 1]).unwrap();
    assert_ne!(b.public_key_of_scalar(&fewer).unwrap(), mpk);
    assert_ne!(
        b.decrypt_with_scalar(&fewer, &ct).unwrap().as_deref(),
        Some(MSG)
    );

    // A ciphertext that does not verify is not decrypted, even with the master key.
    let mut bad = ct.clone();
    *bad.last_mut().unwrap() ^= 1;
    assert_eq!(b.decrypt_with_scalar(&secret, &bad).unwrap(), None);

    // The thief's unchecked path (which may decode only U) opens exactly what the checked
    // path opens, for every body length, and a wrong key opens something else.
    for len in [0usize, 1, 31, 32, 33, 48, 200] {
        let msg: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
        let ct = b.encrypt(&km.public, &msg, seed(20 + len as u8)).unwrap();
        assert_eq!(
            b.decrypt_with_scalar_unverified(&secret, &ct).unwrap(),
            msg,
            "length {len}"
        );
        if len > 0 {
            assert_ne!(b.decrypt_with_scalar_unverified(&fewer, &ct).unwrap(), msg);
        }
    }
    // The confirmed path (which may skip U's square root and offer two candidates) offers
    // the plaintext among at most two candidates, for either sign of U·sk's y, and with a
    // wrong key offers no candidate that is the plaintext.
    // Every candidate `decrypt_with_scalar_confirmed` offers with `key`, and whether one
    // was accepted (the one equal to `msg`).
    let offered_by = |key: &Scalar, ct: &[u8], msg: &[u8]| {
        let mut offered = Vec::new();
        let accepted = b
            .decrypt_with_scalar_confirmed(key, ct, &mut |w| {
                offered.push(w.to_vec());
                w == msg
            })
            .unwrap();
        (accepted, offered)
    };
    for i in 0..24u8 {
        let msg: Vec<u8> = (0..32).map(|j| j ^ i).collect();
        let ct = b.encrypt(&km.public, &msg, seed(40 + i)).unwrap();
        let (accepted, offered) = offered_by(&secret, &ct, &msg);
        assert!(accepted, "ciphertext {i}: no candidate accepted");
        assert!(offered.len() <= 2 && offered.last() == Some(&msg));
        let (accepted, wrong) = offered_by(&fewer, &ct, &msg);
        assert!(!accepted && !wrong.is_empty() && !wrong.contains(&msg));
    }
    // Garbage gives an error or bytes, never a panic; too short is an error.
    assert!(b
        .decrypt_with_scalar_unverified(&secret, &ct[..100])
        .is_err());
    assert!(b
        .decrypt_with_scalar_confirmed(&secret, &ct[..100], &mut |_| true)
        .is_err());
    for i in 0..48 {
        let mut g = ct.clone();
        g[i] ^= 0x5a;
        let _ = b.decrypt_with_scalar_unverified(&secret, &g);
        let _ = b.decrypt_with_scalar_confirmed(&secret, &g, &mut |w| w.is_empty());
    }
}

fn threshold_signatures<B: ThresholdBackend>() {
    let b = be::<B>();
    for (k, n) in SHAPES {
        let km = b.dealer_keygen(k, n, seed(11)).unwrap();
        let mpk = b.master_public_key(&km.public).unwrap();
        let msg = b"warrant #1";
        let shares: Vec<(usize, Vec<u8>)> = (0..n)
            .map(|i| (i, b.sign_share(&km.shares[i], msg).unwrap()))
            .collect();
        for (i, s) in &shares {
            assert!(b.verify_signature_share(&km.public, *i, s, msg));
            assert!(!b.verify_signature_share(&km.public, *i, s, b"warrant #2"));
        }
        let (sig, rejected) =
            safe_combine_signatures(b, &km.public, n, &shares[n - k..], msg).unwrap();
        assert!(rejected.is_empty());
        assert!(b.verify_signature(&mpk, &sig, msg));
        assert!(b.verify_signature_raw(&mpk, &sig, msg));
        assert!(!b.verify_signature(&mpk, &sig, b"warrant #2"));
        // The threshold signature is the signature of the master scalar.
        assert_eq!(
            sig,
            b.sign_with_scalar(km.dealer_master.as_ref().unwrap(), msg)
                .unwrap()
        );
        if k > 1 {
            assert!(matches!(
                safe_combine_signatures(b, &km.public, n, &shares[..k - 1], msg),
                Err(Error::Refused {
                    control: "threshold",
                    ..
                })
            ));
            // A share from another message, first: refused by name, the good ones still sign.
            let mut with_bad = vec![(0, b.sign_share(&km.shares[0], b"forged").unwrap())];
            with_bad.extend(shares[1..].iter().cloned());
            let (sig2, rejected) =
                safe_combine_signatures(b, &km.public, n, &with_bad, msg).unwrap();
            assert_eq!(sig2, sig);
            assert_eq!(rejected.len(), 1);
            assert_eq!(rejected[0].0, 0);
        }
    }
}

fn determinism<B: ThresholdBackend>() {
    let b = be::<B>();
    let a1 = b.dealer_keygen(2, 3, seed(12)).unwrap();
    let a2 = b.dealer_keygen(2, 3, seed(12)).unwrap();
    assert_eq!(a1.public, a2.public);
    assert_eq!(a1.shares, a2.shares);
    assert_eq!(a1.dealer_master, a2.dealer_master);
    let a3 = b.dealer_keygen(2, 3, seed(13)).unwrap();
    assert_ne!(a1.public, a3.public);
    let d1 = b.dkg_keygen(2, 3, seed(12)).unwrap();
    let d2 = b.dkg_keygen(2, 3, seed(12)).unwrap();
    assert_eq!(d1.public, d2.public);
    assert_eq!(d1.shares, d2.shares);
    assert_ne!(d1.public, a1.public);
    let c1 = b.encrypt(&a1.public, MSG, seed(14)).unwrap();
    let c2 = b.encrypt(&a1.public, MSG, seed(14)).unwrap();
    assert_eq!(c1, c2);
    assert_ne!(c1, b.encrypt(&a1.public, MSG, seed(15)).unwrap());
    // An empty message round-trips through the encoding too.
    let empty = b.encrypt(&a1.public, b"", seed(14)).unwrap();
    assert!(b.verify_ciphertext(&empty));
    assert_eq!(
        B::encode_ciphertext(&B::decode_ciphertext(&empty).unwrap()),
        empty
    );
    assert_eq!(
        b.decrypt_with_scalar(a1.dealer_master.as_ref().unwrap(), &empty)
            .unwrap(),
        Some(vec![])
    );
    let r1 = b.refresh(&a1.public, &a1.shares, seed(16)).unwrap();
    let r2 = b.refresh(&a1.public, &a1.shares, seed(16)).unwrap();
    assert_eq!(r1, r2);
    assert_eq!(
        b.decryption_share(&a1.shares[0], &c1).unwrap(),
        b.decryption_share(&a1.shares[0], &c1).unwrap()
    );
    // Encodings round-trip byte for byte through the typed decoders.
    let p = B::decode_public_set(&a1.public).unwrap();
    assert_eq!(B::encode_public_set(&p), a1.public);
    let c = B::decode_ciphertext(&c1).unwrap();
    assert_eq!(B::encode_ciphertext(&c), c1);
    let d = b.decryption_share(&a1.shares[1], &c1).unwrap();
    assert_eq!(
        B::encode_decryption_share(&B::decode_decryption_share(&d).unwrap()),
        d
    );
    let s = b.sign_share(&a1.shares[1], MSG).unwrap();
    assert_eq!(
        B::encode_signature_share(&B::decode_signature_share(&s).unwrap()),
        s
    );
    let mpk = b.master_public_key(&a1.public).unwrap();
    assert_eq!(
        B::encode_public_key(&B::decode_public_key(&mpk).unwrap()),
        mpk
    );
    let sig = b
        .sign_with_scalar(a1.dealer_master.as_ref().unwrap(), MSG)
        .unwrap();
    assert_eq!(
        B::encode_signature(&B::decode_signature(&sig).unwrap()),
        sig
    );
    for (i, share) in a1.shares.iter().enumerate() {
        let typed = B::share_from_scalar(share).unwrap();
        assert_eq!(&B::share_to_scalar(&typed), share, "share {i}");
    }
}

/// Every decoder, by name, as a function of bytes to "decoded?".
/// A decoder under test: does it accept these bytes?
type Decoder = fn(&[u8]) -> bool;

fn decoders<B: ThresholdBackend>() -> Vec<(&'static str, Decoder)> {
    vec![
        ("public set", |b| B::decode_public_set(b).is_ok()),
        ("public key", |b| B::decode_public_key(b).is_ok()),
        ("ciphertext", |b| B::decode_ciphertext(b).is_ok()),
        ("decryption share", |b| {
            B::decode_decryption_share(b).is_ok()
        }),
        ("signature share", |b| B::decode_signature_share(b).is_ok()),
        ("signature", |b| B::decode_signature(b).is_ok()),
    ]
}

/// Byte ranges of the points inside each valid encoding: (start, len).
fn point_regions(name: &str, len: usize) -> Vec<(usize, usize)> {
    match name {
        "public set" => (0..len / 48).map(|c| (c * 48, 48)).collect(),
        "public key" | "decryption share" => vec![(0, 48)],
        "ciphertext" => vec![(0, 48), (48, 96)],
        _ => vec![(0, 96)],
    }
}

fn garbage_never_decodes<B: ThresholdBackend>() {
    let b = be::<B>();
    let km = b.dealer_keygen(3, 5, seed(17)).unwrap();
    let ct = b.encrypt(&km.public, MSG, seed(18)).unwrap();
    let valid: Vec<Vec<u8>> = vec![
        km.public.clone(),
        b.master_public_key(&km.public).unwrap(),
        ct.clone(),
        b.decryption_share(&km.shares[0], &ct).unwrap(),
        b.sign_share(&km.shares[0], MSG).unwrap(),
        b.sign_with_scalar(km.dealer_master.as_ref().unwrap(), MSG)
            .unwrap(),
    ];
    let mut g = Garbage(0x9e37_79b9_7f4a_7c15);
    for ((name, decode), good) in decoders::<B>().into_iter().zip(&valid) {
        assert!(decode(good), "{name}: the valid encoding decodes");
        // Random garbage of the right length and of other lengths.
        for len in [0, 1, 31, 32, 47, 48, 95, 96, 143, 144, 145, 176, good.len()] {
            for _ in 0..4 {
                let junk = g.bytes(len);
                assert!(!decode(&junk), "{name}: {len} random bytes decoded");
            }
        }
        // Truncations and extensions.
        for cut in [0, 1, good.len() / 2, good.len().saturating_sub(1)] {
            if name == "ciphertext" && cut > 144 {
                continue; // a shorter body is a valid (different) ciphertext
            }
            assert!(!decode(&good[..cut]), "{name}: truncated to {cut} decoded");
        }
        if name != "ciphertext" {
            let mut longer = good.clone();
            longer.push(0);
            assert!(!decode(&longer), "{name}: extended by a byte decoded");
        }
        // Bit flips in the x coordinate of every point, and in the compression/infinity flags.
        for (start, plen) in point_regions(name, good.len()) {
            for pos in [start + 1, start + plen / 2, start + plen - 1] {
                for bit in [0, 3, 7] {
                    let mut f = good.clone();
                    f[pos] ^= 1 << bit;
                    assert!(
                        !decode(&f),
                        "{name}: bit {bit} of byte {pos} flipped decoded"
                    );
                }
            }
            for bit in [6, 7] {
                let mut f = good.clone();
                f[start] ^= 1 << bit;
                assert!(
                    !decode(&f),
                    "{name}: flag bit {bit} of byte {start} flipped decoded"
                );
            }
        }
    }
    // The byte-level face: undecodable input is an error or `false`, never a panic.
    let junk = g.bytes(100);
    assert!(!b.verify_ciphertext(&junk));
    assert!(b.k(&junk).is_err());
    assert!(b.master_public_key(&junk).is_err());
    assert!(b.encrypt(&junk, MSG, seed(1)).is_err());
    assert!(!b.verify_decryption_share(&km.public, 0, &junk, &ct));
    assert!(!b.verify_signature_share(&km.public, 0, &junk, MSG));
    assert!(!b.verify_signature(&junk, &junk, MSG));
    assert!(!b.is_identity_key(&junk));
    assert!(b
        .combine_raw(&km.public, &[(0, junk.clone())], &ct)
        .is_err());
    assert!(b
        .combine_signatures_raw(&km.public, &[(0, junk.clone())])
        .is_err());
    assert!(b.decryption_share(&km.shares[0], &junk).is_err());
    // Scalars: anything at or above the group order is refused.
    let order_be = hex_order();
    for bad in [[0xff; 32], order_be] {
        let s = Scalar(bad);
        assert!(matches!(b.check_scalar(&s), Err(Error::Malformed { .. })));
        assert!(b.sign_with_scalar(&s, MSG).is_err());
        assert!(b.public_key_of_scalar(&s).is_err());
        assert!(b.decrypt_with_scalar(&s, &ct).is_err());
        assert!(b.decryption_share(&s, &ct).is_err());
        assert!(b.interpolate_at_zero(&[(0, s.clone())]).is_err());
    }
    let mut below = order_be;
    below[31] -= 1;
    assert!(b.check_scalar(&Scalar(below)).is_ok());
    assert!(matches!(b.interpolate_at_zero(&[]), Err(Error::Misuse(_))));
}

/// The BLS12-381 group order r, big-endian.
fn hex_order() -> [u8; 32] {
    let v =
        hex::decode("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001").unwrap();
    v.try_into().unwrap()
}

/// The batch check of many decryption shares agrees with checking them one by one: every
/// good share passes, and one share of another ciphertext, a share under the wrong index,
/// or a repeated share makes the batch fail (and the one-by-one fallback names it).
fn batch_share_check<B: ThresholdBackend>() {
    let b = be::<B>();
    let km = b.dealer_keygen(4, 9, seed(31)).unwrap();
    let ct = b.encrypt(&km.public, MSG, seed(32)).unwrap();
    let other = b.encrypt(&km.public, MSG, seed(33)).unwrap();
    let all: Vec<usize> = (0..9).collect();
    let good = dshares(b, &km, &ct, &all);
    assert!(b.verify_decryption_shares(&km.public, &good, &ct));
    assert!(b.verify_decryption_shares(&km.public, &good[..1], &ct));
    let mut wrong_ct = good.clone();
    wrong_ct[5] = dshares(b, &km, &other, &[5])[0].clone();
    assert!(!b.verify_decryption_shares(&km.public, &wrong_ct, &ct));
    let mut wrong_index = good.clone();
    wrong_index.swap(2, 3);
    wrong_index[2].0 = 2;
    wrong_index[3].0 = 3;
    assert!(!b.verify_decryption_shares(&km.public, &wrong_index, &ct));
    let mut repeated = good.clone();
    repeated[7].1 = repeated[6].1.clone();
    assert!(!b.verify_decryption_shares(&km.public, &repeated, &ct));
    // safe_combine still reads the message past the bad share and names the agent.
    let r = safe_combine(b, &km.public, 9, &wrong_ct, &ct, msg_check).unwrap();
    assert_eq!(r.plaintext, MSG);
    assert_eq!(r.rejected.len(), 1);
    assert_eq!(r.rejected[0].0, 5);
}

macro_rules! conformance {
    ($name:ident, $B:ty) => {
        mod $name {
            use super::*;
            #[test]
            fn dealer_keygen_k_of_n() {
                super::dealer_keygen_k_of_n::<$B>()
            }
            #[test]
            fn bad_k_and_n() {
                super::bad_k_and_n::<$B>()
            }
            #[test]
            fn batch_share_check() {
                super::batch_share_check::<$B>()
            }
            #[test]
            fn dkg_matches_commitment() {
                super::dkg_matches_commitment::<$B>()
            }
            #[test]
            fn refresh_keeps_key() {
                super::refresh_keeps_key::<$B>()
            }
            #[test]
            fn stolen_shares() {
                super::stolen_shares::<$B>()
            }
            #[test]
            fn threshold_signatures() {
                super::threshold_signatures::<$B>()
            }
            #[test]
            fn determinism() {
                super::determinism::<$B>()
            }
            #[test]
            fn garbage_never_decodes() {
                super::garbage_never_decodes::<$B>()
            }
            #[test]
            fn name_and_kind() {
                let b = be::<$B>();
                assert_eq!(b.kind().name(), <$B as ThresholdBackend>::NAME);
                assert!(BackendKind::all().contains(&b.kind()));
                assert_eq!(
                    BackendKind::parse(<$B as ThresholdBackend>::NAME).unwrap(),
                    b.kind()
                );
            }
        }
    };
}

conformance!(blsttc, Blsttc);
#[cfg(feature = "threshold_crypto")]
conformance!(
    threshold_crypto,
    escrowlab::backend::tc_backend::ThresholdCrypto
);

#[test]
fn dkg_refuses_a_faulty_dealer() {
    let r = Blsttc::dkg_with_fault(2, 3, seed(20), Some((1, 2)));
    assert!(
        matches!(r, Err(Error::ShareRejected { agent: 1, .. })),
        "blsttc"
    );
    #[cfg(feature = "threshold_crypto")]
    {
        use escrowlab::backend::tc_backend::ThresholdCrypto;
        let r = ThresholdCrypto::dkg_with_fault(3, 4, seed(20), Some((2, 0)));
        assert!(
            matches!(r, Err(Error::ShareRejected { agent: 2, .. })),
            "threshold_crypto"
        );
    }
}

#[test]
fn backends_share_public_key_encoding() {
    // Compressed G1 public keys of the same scalar are byte-identical across the crates.
    let kinds = BackendKind::all();
    let s = Scalar(seed(21));
    let pks: Vec<Vec<u8>> = kinds
        .iter()
        .map(|k| k.instance().unwrap().public_key_of_scalar(&s).unwrap())
        .collect();
    assert!(pks.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn interpolation_with_more_than_k_shares_still_gives_the_master() {
    for kind in escrowlab::backend::BackendKind::all() {
        let b = kind.instance().unwrap();
        let km = b.dealer_keygen(3, 5, [4; 32]).unwrap();
        let master = b.master_public_key(&km.public).unwrap();
        for take in 3..=5 {
            let pts: Vec<(usize, escrowlab::secret::Scalar)> =
                km.shares.iter().cloned().enumerate().take(take).collect();
            let s = b.interpolate_at_zero(&pts).unwrap();
            assert_eq!(
                b.public_key_of_scalar(&s).unwrap(),
                master,
                "{kind}: {take} shares"
            );
        }
    }
}
