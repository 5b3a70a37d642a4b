//! Bounded robustness properties inside `cargo test`: no input to any decoder or parser
//! panics, and a bit-flipped encoding either fails to decode or decodes to something that
//! re-encodes to exactly those bytes (no silent normalisation).

use escrowlab::backend::BackendKind;
use escrowlab::config::scheme::Scheme;
use escrowlab::escrow::{
    agent::ShareRequest, audit::AuditLog, court::SignedWarrant, field::EscrowField,
};
use escrowlab::inspect::{sample, Kind};
use escrowlab::runner::suite_file::Suite;
use escrowlab::world::messaging::SessionHeader;
use proptest::prelude::*;
use std::sync::OnceLock;

fn samples() -> &'static Vec<(Kind, Vec<u8>)> {
    static S: OnceLock<Vec<(Kind, Vec<u8>)>> = OnceLock::new();
    S.get_or_init(|| {
        [
            Kind::Field,
            Kind::Warrant,
            Kind::Request,
            Kind::AuditLog,
            Kind::PublicKeySet,
        ]
        .into_iter()
        .map(|k| (k, sample(k, BackendKind::Blsttc, 1).unwrap()))
        .collect()
    })
}

fn decode_all(data: &[u8]) {
    let _ = EscrowField::decode(data);
    let _ = SessionHeader::decode(data);
    let _ = SignedWarrant::decode(data);
    let _ = ShareRequest::decode(data);
    if let Ok(log) = AuditLog::decode(data) {
        let _ = escrowlab::escrow::audit::verify(&log, None);
    }
    for kind in BackendKind::all() {
        let b = kind.instance().unwrap();
        let _ = b.k(data);
        let _ = b.check_decryption_share(data);
        let _ = b.is_identity_key(data);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        decode_all(&data);
    }

    #[test]
    fn bit_flips_are_rejected_or_round_trip(which in 0usize..5, pos in any::<prop::sample::Index>(), bit in 0u8..8) {
        let (kind, bytes) = &samples()[which];
        let mut b = bytes.clone();
        let i = pos.index(b.len());
        b[i] ^= 1 << bit;
        decode_all(&b);
        let reencoded = match kind {
            Kind::Field => EscrowField::decode(&b).ok().map(|v| v.encode()),
            Kind::Warrant => SignedWarrant::decode(&b).ok().map(|v| v.encode()),
            Kind::Request => ShareRequest::decode(&b).ok().map(|v| v.encode()),
            Kind::AuditLog => AuditLog::decode(&b).ok().map(|v| v.encode()),
            _ => None,
        };
        if let Some(r) = reencoded {
            prop_assert_eq!(r, b);
        }
    }

    #[test]
    fn truncations_never_decode(which in 0usize..4, cut in any::<prop::sample::Index>()) {
        let (kind, bytes) = &samples()[which];
        let n = cut.index(bytes.len());
        let t = &bytes[..n];
        let ok = match kind {
            Kind::Field => EscrowField::decode(t).is_ok(),
            Kind::Warrant => SignedWarrant::decode(t).is_ok(),
            Kind::Request => ShareRequest::decode(t).is_ok(),
            Kind::AuditLog => AuditLog::decode(t).is_ok(),
            _ => false,
        };
        prop_assert!(!ok, "a {n}-byte prefix of a {}-byte encoding decoded", bytes.len());
    }

    #[test]
    fn arbitrary_toml_text_never_panics(text in "[a-z_\\[\\]=\"0-9 .\\n{},-]{0,300}") {
        let _ = Scheme::from_toml_str(&text, "prop");
        let _ = Suite::from_toml_str(&text, "prop", None, &escrowlab::attacks::builtins());
    }

    #[test]
    fn mutated_builtin_schemes_never_panic(which in 0usize..5, pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let name = Scheme::builtin_names()[which];
        let text = std::fs::read_to_string(format!("{}/fixtures/schemes/{name}.toml", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let mut b = text.into_bytes();
        let i = pos.index(b.len());
        b[i] = byte;
        if let Ok(t) = String::from_utf8(b) {
            let _ = Scheme::from_toml_str(&t, "prop");
        }
    }
}

// `secrets_never_appear_in_debug_output_or_reports` reads agents' vaults: it lives in
// `core/src/internal_tests/secrets.rs`.
