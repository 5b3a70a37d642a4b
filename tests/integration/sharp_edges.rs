//! One test per row of the "Sharp edges" table in CRATE-NOTES.md: each shows the raw crate
//! (or our deliberately unchecked `combine_raw` / `verify_signature_raw`) misbehaving, and
//! our wrapper refusing.

use escrowlab::backend::safe::{safe_combine, safe_combine_signatures};
use escrowlab::backend::{Backend, BackendKind, KeyMaterial};
use escrowlab::secret::Scalar;
use escrowlab::Error;
use std::panic::{catch_unwind, AssertUnwindSafe};

const MSG: &[u8] = b"session key: 32 bytes of secret!";

fn seed(n: u8) -> [u8; 32] {
    [n; 32]
}

fn backends() -> Vec<&'static dyn Backend> {
    BackendKind::all()
        .into_iter()
        .map(|k| k.instance().unwrap())
        .collect()
}

fn check(pt: &[u8]) -> bool {
    pt == MSG
}

/// A 2-of-3 key, a ciphertext of MSG, and all three decryption shares.
/// Indexed encoded shares.
type Shares = Vec<(usize, Vec<u8>)>;

fn setup(b: &dyn Backend) -> (KeyMaterial, Vec<u8>, Shares) {
    let km = b.dealer_keygen(2, 3, seed(1)).unwrap();
    let ct = b.encrypt(&km.public, MSG, seed(2)).unwrap();
    let shares = (0..3)
        .map(|i| (i, b.decryption_share(&km.shares[i], &ct).unwrap()))
        .collect();
    (km, ct, shares)
}

/// Agent `i`'s share for a different ciphertext: a valid point, the wrong one.
fn bad_share(b: &dyn Backend, km: &KeyMaterial, i: usize) -> Vec<u8> {
    let other = b.encrypt(&km.public, b"another message", seed(3)).unwrap();
    b.decryption_share(&km.shares[i], &other).unwrap()
}

#[test]
fn unverified_bad_share_gives_wrong_plaintext() {
    for b in backends() {
        let (km, ct, good) = setup(b);
        let shares = vec![(0, bad_share(b, &km, 0)), good[1].clone()];
        // Raw: Ok, and the plaintext is wrong.
        let raw = b
            .combine_raw(&km.public, &shares, &ct)
            .expect("the crate does not notice");
        assert_ne!(raw, MSG, "{}", b.kind());
        // Safe: refused, naming agent 0.
        match safe_combine(b, &km.public, 3, &shares, &ct, check) {
            Err(Error::ShareRejected { agent: 0, .. }) => {}
            other => panic!(
                "{}: expected ShareRejected for agent 0, got {other:?}",
                b.kind()
            ),
        }

        // Same for signatures: a share over another message makes a wrong signature raw.
        let mpk = b.master_public_key(&km.public).unwrap();
        let sig_shares = vec![
            (0, b.sign_share(&km.shares[0], b"forged").unwrap()),
            (1, b.sign_share(&km.shares[1], MSG).unwrap()),
        ];
        let raw_sig = b
            .combine_signatures_raw(&km.public, &sig_shares)
            .expect("the crate does not notice");
        assert!(!b.verify_signature_raw(&mpk, &raw_sig, MSG), "{}", b.kind());
        assert!(matches!(
            safe_combine_signatures(b, &km.public, 3, &sig_shares, MSG),
            Err(Error::ShareRejected { agent: 0, .. })
        ));
    }
}

#[test]
fn bad_share_first_defeats_good_ones() {
    for b in backends() {
        let (km, ct, good) = setup(b);
        let shares = vec![(0, bad_share(b, &km, 0)), good[1].clone(), good[2].clone()];
        // Raw: only the first k = 2 shares are used; the extra good one does not help.
        assert_ne!(
            b.combine_raw(&km.public, &shares, &ct).unwrap(),
            MSG,
            "{}",
            b.kind()
        );
        // Safe: the bad share is dropped and named, the two good ones decrypt.
        let out = safe_combine(b, &km.public, 3, &shares, &ct, check).unwrap();
        assert_eq!(out.plaintext, MSG);
        assert_eq!(out.rejected.len(), 1);
        assert_eq!(out.rejected[0].0, 0);
    }
}

#[test]
fn duplicate_indices_give_garbage() {
    for b in backends() {
        let (km, ct, good) = setup(b);
        let dup = vec![good[1].clone(), good[1].clone()];
        // Raw: no DuplicateEntry error, just a wrong plaintext.
        let raw = b
            .combine_raw(&km.public, &dup, &ct)
            .expect("the crate does not detect duplicates");
        assert_ne!(raw, MSG, "{}", b.kind());
        // Safe: duplicates are deduplicated; with a third distinct share it decrypts...
        let mut with_dup = dup.clone();
        with_dup.push(good[2].clone());
        let out = safe_combine(b, &km.public, 3, &with_dup, &ct, check).unwrap();
        assert_eq!(out.plaintext, MSG);
        assert!(out.rejected.is_empty(), "a duplicate is not a rejection");
        // ...and with only the duplicate it refuses for lack of shares.
        assert!(matches!(
            safe_combine(b, &km.public, 3, &dup, &ct, check),
            Err(Error::Refused {
                control: "threshold",
                ..
            })
        ));
        // Signatures: same story.
        let s1 = b.sign_share(&km.shares[1], MSG).unwrap();
        let mpk = b.master_public_key(&km.public).unwrap();
        let raw_sig = b
            .combine_signatures_raw(&km.public, &[(1, s1.clone()), (1, s1.clone())])
            .unwrap();
        assert!(!b.verify_signature_raw(&mpk, &raw_sig, MSG));
        assert!(
            safe_combine_signatures(b, &km.public, 3, &[(1, s1.clone()), (1, s1)], MSG).is_err()
        );
    }
}

#[test]
fn malleable_ciphertext_is_refused() {
    for b in backends() {
        let (km, ct, _) = setup(b);
        // The body V is the last bytes of the encoding: flip one bit of the first byte of V.
        let pos = ct.len() - MSG.len();
        let mut flipped = ct.clone();
        flipped[pos] ^= 0x01;
        assert!(!b.verify_ciphertext(&flipped));
        // Decryption shares do not verify the ciphertext, and neither does the raw combine:
        // the plaintext comes out with the same bit flipped.
        let shares: Vec<(usize, Vec<u8>)> = (0..2)
            .map(|i| (i, b.decryption_share(&km.shares[i], &flipped).unwrap()))
            .collect();
        let raw = b.combine_raw(&km.public, &shares, &flipped).unwrap();
        let mut expected = MSG.to_vec();
        expected[0] ^= 0x01;
        assert_eq!(raw, expected, "{}: XOR-malleable", b.kind());
        // Safe: refused by the ciphertext check before any share is looked at.
        assert!(matches!(
            safe_combine(b, &km.public, 3, &shares, &flipped, |_| true),
            Err(Error::Refused {
                control: "ciphertext",
                ..
            })
        ));
    }
}

/// Compressed identity points: the infinity flag set, everything else zero.
fn identity(len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    v[0] = 0xc0;
    v
}

#[test]
fn identity_key_and_signature() {
    let (pk0, sig0) = (identity(48), identity(96));
    for b in backends() {
        assert!(b.is_identity_key(&pk0));
        let forged_ok = b.verify_signature_raw(&pk0, &sig0, b"any warrant at all");
        match b.kind() {
            BackendKind::ThresholdCrypto => {
                assert!(forged_ok, "threshold_crypto accepts the identity pair")
            }
            BackendKind::Blsttc => assert!(!forged_ok, "blsttc rejects the identity key itself"),
        }
        // Our verification rejects identity keys first, in both backends.
        assert!(!b.verify_signature(&pk0, &sig0, b"any warrant at all"));
        // A court key *set* that is the identity: the shares "verify", the combine is refused.
        // (blsttc already refuses the identity share key; threshold_crypto accepts the
        // share and combines it, and only the final identity-key check refuses.)
        let shares = vec![(0, sig0.clone())];
        let r = safe_combine_signatures(b, &pk0, 1, &shares, b"warrant");
        match b.kind() {
            BackendKind::ThresholdCrypto => {
                assert!(b.verify_signature_share(&pk0, 0, &sig0, b"warrant"));
                assert!(
                    matches!(
                        r,
                        Err(Error::Refused {
                            control: "signature",
                            ..
                        })
                    ),
                    "{r:?}"
                );
            }
            BackendKind::Blsttc => assert!(
                matches!(r, Err(Error::ShareRejected { agent: 0, .. })),
                "{r:?}"
            ),
        }
    }
    #[cfg(feature = "threshold_crypto")]
    {
        // Straight through the crate's API.
        let pk = threshold_crypto::PublicKey::from_bytes(<[u8; 48]>::try_from(&pk0[..]).unwrap())
            .unwrap();
        let sig = threshold_crypto::Signature::from_bytes(<[u8; 96]>::try_from(&sig0[..]).unwrap())
            .unwrap();
        assert!(pk.verify(&sig, b"transfer everything"));
    }
    let pk = blsttc::PublicKey::from_bytes(<[u8; 48]>::try_from(&pk0[..]).unwrap()).unwrap();
    let sig = blsttc::Signature::from_bytes(<[u8; 96]>::try_from(&sig0[..]).unwrap()).unwrap();
    assert!(!pk.verify(&sig, b"transfer everything"));
}

#[test]
fn blsttc_serde_secret_key_panics_on_non_canonical() {
    let json = serde_json::to_string(&[0xffu8; 32]).unwrap();
    // Raw: serde deserialisation panics (an `unwrap` inside the crate).
    let raw = catch_unwind(|| serde_json::from_str::<blsttc::SecretKey>(&json));
    assert!(
        raw.is_err(),
        "blsttc serde SecretKey did not panic on 32 x 0xff"
    );
    // The crate's `from_bytes` returns an error instead.
    assert!(blsttc::SecretKey::from_bytes([0xff; 32]).is_err());
    // Ours: an error, in every backend, through the check and the conversion.
    for b in backends() {
        assert!(matches!(
            b.check_scalar(&Scalar([0xff; 32])),
            Err(Error::Malformed { .. })
        ));
        assert!(b.sign_with_scalar(&Scalar([0xff; 32]), MSG).is_err());
    }
    assert!(matches!(
        <escrowlab::backend::blsttc_backend::Blsttc as escrowlab::backend::ThresholdBackend>::share_from_scalar(
            &Scalar([0xff; 32])
        ),
        Err(Error::Malformed { .. })
    ));
    // threshold_crypto's serde refuses the same value without panicking.
    #[cfg(feature = "threshold_crypto")]
    {
        let limbs = serde_json::to_string(&[u64::MAX; 4]).unwrap();
        assert!(serde_json::from_str::<threshold_crypto::SecretKey>(&limbs).is_err());
    }
}

#[test]
fn interpolation_with_duplicate_x() {
    #[cfg(feature = "threshold_crypto")]
    {
        use threshold_crypto::ff::Field;
        use threshold_crypto::poly::Poly;
        use threshold_crypto::Fr;
        let samples = vec![(1u64, Fr::one()), (1u64, Fr::zero())];
        let raw = catch_unwind(AssertUnwindSafe(|| Poly::interpolate(samples.clone())));
        assert!(
            raw.is_err(),
            "threshold_crypto Poly::interpolate did not panic on a duplicate x"
        );
    }
    // blsttc reports it as an error.
    let samples = vec![(1u64, 7u64), (1u64, 9u64)];
    assert!(matches!(
        blsttc::poly::Poly::interpolate(samples),
        Err(blsttc::Error::DuplicateEntry)
    ));
    // Ours: Misuse, in both backends, and no panic.
    for b in backends() {
        let km = b.dealer_keygen(2, 3, seed(4)).unwrap();
        let pts = vec![(1, km.shares[1].clone()), (1, km.shares[1].clone())];
        let r = catch_unwind(AssertUnwindSafe(|| b.interpolate_at_zero(&pts)));
        assert!(matches!(r, Ok(Err(Error::Misuse(_)))), "{}", b.kind());
    }
}

#[test]
fn threshold_crypto_secrets_in_toml_are_out_of_spec() {
    #[cfg(feature = "threshold_crypto")]
    {
        use threshold_crypto::serde_impl::SerdeSecret;
        #[derive(serde::Serialize)]
        struct Out<'a> {
            key: SerdeSecret<&'a threshold_crypto::SecretKeyShare>,
        }
        #[derive(serde::Deserialize)]
        struct In {
            key: SerdeSecret<threshold_crypto::SecretKeyShare>,
        }
        let tc = BackendKind::ThresholdCrypto.instance().unwrap();
        // A canonical scalar whose lower limbs have their top bit set (> i64::MAX).
        let mut bytes = [0u8; 32];
        bytes[8] = 0xff;
        bytes[16] = 0x80;
        bytes[24] = 0xfe;
        bytes[31] = 0x01;
        let scalar = Scalar(bytes);
        tc.check_scalar(&scalar).unwrap();
        let share =
            <escrowlab::backend::tc_backend::ThresholdCrypto as escrowlab::backend::ThresholdBackend>::share_from_scalar(
                &scalar,
            )
            .unwrap();
        // Raw: serialising the limbs fails, or what it writes does not read back.
        // Raw: toml 0.8 fails to serialise most limbs; toml 1.x writes them as integers
        // above i64::MAX, which the TOML spec (64-bit signed integers) does not allow, so
        // other TOML readers reject the file.
        match toml::to_string(&Out {
            key: SerdeSecret(&share),
        }) {
            Err(_) => {}
            Ok(text) => {
                let out_of_spec = text
                    .split(|c: char| !c.is_ascii_digit())
                    .filter_map(|t| t.parse::<u128>().ok())
                    .any(|v| v > i64::MAX as u128);
                assert!(
                    out_of_spec,
                    "expected an out-of-spec TOML integer in {text:?}"
                );
                // (toml 1.x itself reads it back; the problem is portability.)
                if let Ok(back) = toml::from_str::<In>(&text) {
                    assert!(back.key.into_inner() == share);
                }
            }
        }
        // Ours: key material is a 32-byte scalar stored as a hex string; it round-trips.
        #[derive(serde::Serialize, serde::Deserialize)]
        struct Hex {
            key: String,
        }
        let s = toml::to_string(&Hex {
            key: hex::encode(scalar.as_bytes()),
        })
        .unwrap();
        let back: Hex = toml::from_str(&s).unwrap();
        assert_eq!(hex::decode(back.key).unwrap(), bytes);
    }
}

/// Found while measuring share theft: blsttc's `Poly::interpolate` refuses more than
/// degree + 2 points of one polynomial (a consistent extra point zeroes its Newton basis, and
/// the next point reports `DuplicateEntry`), so a thief holding all five shares of a 3-of-5 key would
/// "fail". Our interpolation takes any number of distinct points.
#[test]
fn blsttc_interpolate_refuses_extra_consistent_points_ours_does_not() {
    use blsttc::poly::Poly;
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(9);
    let poly = Poly::random(2, &mut rng);
    let samples: Vec<(u64, blsttc::Fr)> = (1..=5u64).map(|x| (x, poly.evaluate(x))).collect();
    assert!(
        Poly::interpolate(samples.clone()).is_err(),
        "the raw crate refuses two extra consistent points"
    );
    let b = BackendKind::Blsttc.instance().unwrap();
    let pts: Vec<(usize, escrowlab::secret::Scalar)> = samples
        .iter()
        .map(|(x, y)| (*x as usize - 1, escrowlab::secret::Scalar(y.to_bytes_be())))
        .collect();
    let s = b.interpolate_at_zero(&pts).unwrap();
    assert_eq!(s.0, poly.evaluate(0u64).to_bytes_be());
}
