//! The conformance battery on the built-in schemes and the broken fixtures, on both
//! backends, and `check-scheme` as a user runs it.
//!
//! How many cases each check runs by default (raise the library ones with `PROPTEST_CASES`):
//! - every built-in scheme, through the CLI: 32 cases per property (blsttc), the "Done when"
//!   commands exactly;
//! - every built-in scheme and broken fixture, through the library: 4 cases per property on
//!   each backend;
//! - generated sound schemes: 6 schemes, 2 cases per property each;
//! - the pure strategies (scheme files, log tampers): 64 cases; the decoders
//!   (`tests/integration/robustness.rs`): 256.

use escrowlab::backend::{Backend, BackendKind};
use escrowlab::config::scheme::Scheme;
use escrowlab::testing::{self, check_scheme, PropertyResult, PropertyStatus};
use proptest::prelude::*;
use std::collections::BTreeSet;

/// Cases per property in the library tests: `PROPTEST_CASES`, else 4.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4)
}

fn broken(name: &str) -> String {
    format!(
        "{}/fixtures/schemes/broken/{name}.toml",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn failing(results: &[PropertyResult]) -> BTreeSet<&str> {
    results
        .iter()
        .filter(|r| r.failed())
        .map(|r| r.name.as_str())
        .collect()
}

fn escrowlab(args: &[&str]) -> (Option<i32>, String, String) {
    crate::common::run_escrowlab(args)
}

#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn builtins_keep_their_promises_on_both_backends() {
    for backend in BackendKind::all() {
        for name in Scheme::builtin_names() {
            let scheme = Scheme::load(name).unwrap();
            let r = check_scheme(&scheme, backend, cases(), 1);
            assert_eq!(r.len(), testing::PROPERTIES.len());
            // Known findings: the single key's 16-bit check is forgeable; roster-checking
            // clients refuse the lawful ghost too; a crumple zone checks no warrant.
            let want: BTreeSet<&str> = match name {
                "single-key" => ["binding"].into(),
                "ghost-user-checked" => ["correctness"].into(),
                "crumple-zone" => ["warrant-validity"].into(),
                _ => BTreeSet::new(),
            };
            assert_eq!(failing(&r), want, "{name}/{backend}: {r:#?}");
            if name == "e2e-baseline" {
                let correctness = &r[0];
                assert!(
                    matches!(&correctness.status, PropertyStatus::NotApplicable { why } if why.contains("escrows nothing"))
                );
                assert!(r.iter().find(|p| p.name == "determinism").unwrap().holds());
            }
            if name == "single-key" {
                let b = r.iter().find(|p| p.name == "binding").unwrap();
                let PropertyStatus::Fails {
                    counterexample,
                    reproduce,
                } = &b.status
                else {
                    unreachable!()
                };
                assert!(
                    counterexample.contains("forgery found after")
                        && counterexample.contains("tries"),
                    "{counterexample}"
                );
                assert!(
                    reproduce.starts_with("escrowlab check-scheme single-key "),
                    "{reproduce}"
                );
            }
        }
    }
}

#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn each_broken_fixture_fails_exactly_the_property_it_breaks_on_both_backends() {
    let table = [
        ("no-scope-check", "scope"),
        ("no-replay-cache", "replay"),
        ("unverified-combiner", "share-robustness"),
        ("checksum-8", "binding"),
    ];
    for backend in BackendKind::all() {
        for (file, property) in table {
            let scheme = Scheme::load(&broken(file)).unwrap();
            let r = check_scheme(&scheme, backend, cases(), 1);
            assert_eq!(failing(&r), [property].into(), "{file}/{backend}: {r:#?}");
        }
    }
}

#[test]
fn the_same_seed_gives_the_same_results_and_counterexamples() {
    let scheme = Scheme::load(&broken("no-replay-cache")).unwrap();
    let opts = testing::CheckOptions {
        backend: BackendKind::Blsttc,
        cases: 2,
        seed: 9,
        source: None,
        only: vec!["replay".into(), "scope".into()],
    };
    let a = testing::check_scheme_with(&scheme, &opts);
    let b = testing::check_scheme_with(&scheme, &opts);
    assert_eq!(a, b);
    assert_eq!(failing(&a), ["replay"].into());
}

#[test]
fn binding_none_with_escrow_fails_on_the_first_try() {
    let text = std::fs::read_to_string(format!(
        "{}/fixtures/schemes/threshold-3of5.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let scheme = Scheme::from_toml_str(
        &text.replace("binding = \"signed\"", "binding = \"none\""),
        "test",
    )
    .unwrap();
    let r = check_scheme(&scheme, BackendKind::Blsttc, 1, 0);
    let b = r.iter().find(|p| p.name == "binding").unwrap();
    let PropertyStatus::Fails { counterexample, .. } = &b.status else {
        panic!("{b:?}")
    };
    assert!(
        counterexample.contains("forgery found after 1 tries"),
        "{counterexample}"
    );
}

#[test]
fn interpolating_more_points_than_needed_never_panics_on_both_backends() {
    // Regression: threshold_crypto's `Poly::interpolate` panics on extra consistent points.
    for backend in BackendKind::all() {
        let b: &dyn Backend = backend.instance().unwrap();
        let km = b.dealer_keygen(3, 5, [4; 32]).unwrap();
        let points: Vec<_> = km.shares.iter().cloned().enumerate().collect();
        // Five points of a degree-2 polynomial: an answer or an error, never a panic.
        if let Ok(m) = b.interpolate_at_zero(&points) {
            assert_eq!(
                b.public_key_of_scalar(&m).unwrap(),
                b.master_public_key(&km.public).unwrap(),
                "{backend}"
            );
        }
        let m = b.interpolate_at_zero(&points[1..4]).unwrap();
        assert_eq!(
            b.public_key_of_scalar(&m).unwrap(),
            b.master_public_key(&km.public).unwrap(),
            "{backend}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Every generated configuration is a valid scheme file.
    #[test]
    fn generated_schemes_are_valid_scheme_files(s in testing::schemes()) {
        let text = toml::to_string(&s).unwrap();
        prop_assert_eq!(Scheme::from_toml_str(&text, "generated").unwrap(), s);
    }

    /// Log tampers change the log (or do not apply), and a promised one is always caught.
    #[test]
    fn log_tampers_always_change_the_log(t in testing::log_tampers(), n in 1usize..6) {
        use escrowlab::escrow::audit::{verify, AuditLog, AuditRecord, Decision};
        let mut log = AuditLog::new(0);
        for i in 0..n {
            log.append(AuditRecord { time: i as u64, case_id: "c".into(), warrant_fp: "w".into(), field_id: format!("f{i}"), requester: "r".into(), decision: Decision::Granted });
        }
        if let Some(tampered) = t.apply(&log) {
            prop_assert_ne!(&tampered, &log);
            if t.promised_by(escrowlab::config::scheme::AuditMode::HashChain) {
                prop_assert!(verify(&tampered, None).is_err(), "{} not caught", t.kind());
            }
        }
    }
}

#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn sound_generated_schemes_hold_every_applicable_property() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for seed in 0..6 {
        let scheme = testing::sound_schemes()
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let r = check_scheme(&scheme, BackendKind::Blsttc, 2, seed);
        assert!(failing(&r).is_empty(), "{scheme:#?}\n{r:#?}");
    }
}

#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn done_when_sound_builtins_exit_0() {
    for name in [
        "e2e-baseline",
        "threshold-3of5",
        "threshold-3of5-epoch",
        "hardened",
    ] {
        let (code, out, err) = escrowlab(&["check-scheme", name, "--cases", "32"]);
        assert_eq!(code, Some(0), "{name}:\n{out}\n{err}");
    }
}

#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn done_when_single_key_exits_1_naming_binding() {
    let (code, out, _) = escrowlab(&["check-scheme", "single-key", "--cases", "32"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("binding") && l.contains("FAILS")),
        "{out}"
    );
    assert!(out.contains("(failing: binding)"), "{out}");
    assert!(
        out.contains("forgery found after")
            && out.contains("reproduce: escrowlab check-scheme single-key"),
        "{out}"
    );
}

#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn done_when_each_broken_file_exits_1_naming_its_property() {
    for (file, property) in [
        ("no-scope-check", "scope"),
        ("no-replay-cache", "replay"),
        ("unverified-combiner", "share-robustness"),
        ("checksum-8", "binding"),
    ] {
        let path = broken(file);
        let (code, out, err) = escrowlab(&["check-scheme", &path, "--cases", "32"]);
        assert_eq!(code, Some(1), "{file}:\n{out}\n{err}");
        assert!(
            out.contains(&format!("(failing: {property})")),
            "{file}:\n{out}"
        );
    }
    // Every file in the directory is covered.
    let dir = format!("{}/fixtures/schemes/broken", env!("CARGO_MANIFEST_DIR"));
    assert_eq!(std::fs::read_dir(dir).unwrap().count(), 4);
}

#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn a_hand_written_scheme_file_is_checked_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("mine.toml");
    std::fs::write(
        &good,
        r#"name = "mine"
summary = "A 2-of-3 DKG key with recomputed binding and a witnessed log"
[custody]
kind = "threshold"
k = 2
n = 3
keygen = "dkg"
[field]
binding = "recompute"
[audit]
log = "witnessed"
"#,
    )
    .unwrap();
    let (code, out, err) = escrowlab(&["check-scheme", good.to_str().unwrap(), "--cases", "4"]);
    assert_eq!(code, Some(0), "{out}\n{err}");
    assert_eq!(
        out.lines().filter(|l| l.contains(" holds ")).count(),
        testing::PROPERTIES.len(),
        "{out}"
    );

    // The same file with expiry checks off fails warrant-validity, and the printed
    // command reproduces the failure exactly.
    let bad = dir.path().join("no expiry.toml");
    std::fs::write(
        &bad,
        std::fs::read_to_string(&good)
            .unwrap()
            .replace("[audit]", "[warrant]\ncheck_expiry = false\n[audit]"),
    )
    .unwrap();
    let (code, out, _) = escrowlab(&[
        "check-scheme",
        bad.to_str().unwrap(),
        "--cases",
        "4",
        "--json",
    ]);
    assert_eq!(code, Some(1), "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let p = v["properties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "warrant-validity")
        .unwrap();
    assert_eq!(p["status"], "fails");
    let reproduce = p["reproduce"].as_str().unwrap();
    assert!(
        reproduce.contains("'") && reproduce.contains("--property warrant-validity"),
        "{reproduce}"
    );
    let words: Vec<String> = reproduce
        .trim_start_matches("escrowlab ")
        .split('\'')
        .enumerate()
        .flat_map(|(i, part)| {
            if i % 2 == 1 {
                vec![part.to_string()]
            } else {
                part.split_whitespace().map(String::from).collect()
            }
        })
        .collect();
    let args: Vec<&str> = words.iter().map(String::as_str).chain(["--json"]).collect();
    let (code, again, _) = escrowlab(&args);
    assert_eq!(code, Some(1));
    let w: serde_json::Value = serde_json::from_str(&again).unwrap();
    assert_eq!(
        &w["properties"][0], p,
        "the reproduce command gives the same counter-example"
    );
}

#[test]
fn bad_input_exits_2() {
    for args in [
        &["check-scheme", "no-such-scheme"][..],
        &["check-scheme", "hardened", "--cases", "0"],
        &["check-scheme", "hardened", "--property", "nope"],
        &["check-scheme", "hardened", "--backend", "nope"],
    ] {
        let (code, _, err) = escrowlab(args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}
