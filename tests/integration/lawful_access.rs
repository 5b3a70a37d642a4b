//! Lawful access end to end, on every built-in scheme and both backends, and the switches
//! that must refuse (and, switched off, must not).

use crate::common;
use common::{config, small_population};
use escrowlab::backend::BackendKind;
use escrowlab::config::scheme::Scheme;
use escrowlab::lawful::{self, demonstrate};
use escrowlab::world::WorldConfig;

#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn lawful_access_works_on_every_builtin_scheme_and_backend() {
    for backend in BackendKind::all() {
        for name in Scheme::builtin_names() {
            let r = demonstrate(config(name, backend, 11)).expect("demonstration runs");
            assert!(
                r.in_scope_messages > 0,
                "{name}/{backend}: the warrant covers traffic"
            );
            assert_eq!(r.out_of_scope_decrypted, 0, "{name}/{backend}");
            let scheme = Scheme::load(name).unwrap();
            if scheme.family() != "session-escrow" {
                assert_eq!(r.family, scheme.family());
                if name == "ghost-user-checked" {
                    // Roster-checking clients refuse the lawful ghost too.
                    assert_eq!(r.in_scope_decrypted, 0, "{name}/{backend}");
                    assert!(r.notices.iter().any(|n| n.control == "roster-check"));
                } else {
                    assert!(r.in_scope_decrypted > 0, "{name}/{backend}: {r:?}");
                }
                continue;
            }
            if name == "e2e-baseline" {
                assert_eq!(r.in_scope_decrypted, 0);
                assert!(r.note.as_deref().unwrap_or("").contains("escrows nothing"));
                continue;
            }
            assert_eq!(
                r.in_scope_decrypted, r.in_scope_messages,
                "{name}/{backend}"
            );
            assert!(r.refused_requests > 0, "{name}/{backend}");
            assert!(r.audit_verified, "{name}/{backend}");
            assert!(r.audit_entries > 0);
            for p in &r.probes {
                assert_eq!(
                    p.granted_by, 0,
                    "{name}/{backend}: probe {} must be refused",
                    p.kind
                );
                assert_eq!(p.messages_read, 0);
            }
            let controls: Vec<&str> = r.probes.iter().map(|p| p.controls[0].as_str()).collect();
            assert_eq!(
                controls,
                ["scope", "expiry", "replay-cache"],
                "{name}/{backend}"
            );
        }
    }
}

fn with_toml(base: &str, edit: impl Fn(String) -> String) -> WorldConfig {
    let text = std::fs::read_to_string(format!(
        "{}/fixtures/schemes/{base}.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let scheme = Scheme::from_toml_str(&edit(text), "test").expect("edited scheme parses");
    WorldConfig {
        scheme,
        population: small_population(),
        seed: 11,
        backend: BackendKind::Blsttc,
    }
}

fn probe<'a>(r: &'a lawful::LawfulReport, kind: &str) -> &'a lawful::Probe {
    r.probes.iter().find(|p| p.kind == kind).expect("probe ran")
}

#[test]
fn scope_switch_off_releases_out_of_scope_traffic() {
    let r = demonstrate(with_toml("threshold-3of5", |t| {
        t.replace("check_scope = true", "check_scope = false")
    }))
    .unwrap();
    let p = probe(&r, "out-of-scope");
    assert_eq!(p.granted_by, 5);
    assert!(p.messages_read > 0);
    assert_eq!(r.out_of_scope_decrypted, p.messages_read);
}

#[test]
fn expiry_switch_off_honours_expired_warrants() {
    let r = demonstrate(with_toml("threshold-3of5", |t| {
        t.replace("check_expiry = true", "check_expiry = false")
    }))
    .unwrap();
    let p = probe(&r, "expired");
    assert_eq!(p.granted_by, 5);
    assert!(p.messages_read > 0);
}

#[test]
fn replay_switches_off_serve_replays() {
    let cfg = WorldConfig {
        scheme: Scheme::load(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/schemes/broken/no-replay-cache.toml"
        ))
        .unwrap(),
        population: small_population(),
        seed: 11,
        backend: BackendKind::Blsttc,
    };
    let r = demonstrate(cfg).unwrap();
    let p = probe(&r, "replayed");
    assert_eq!(p.granted_by, 5);
    assert!(p.messages_read > 0);
}

// The step-by-step lawful-access tests (tampered share, unverifying combiner, retention),
// refresh and determinism need world internals: they live in
// `core/src/internal_tests/{lawful_access,world}.rs`.

/// `lawful-access` serves both kinds of warrant, as `compare` does: under the ghost user a
/// prospective warrant reads and a retrospective one does not; under session escrow both
/// read everything, costing one request per agent per warrant; the HSM family states its
/// assumption.
#[test]
fn lawful_access_reports_both_kinds_with_their_cost() {
    let run = |scheme: &str| -> serde_json::Value {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_escrowlab"))
            .args([
                "lawful-access",
                "--scheme",
                scheme,
                "--users",
                "20",
                "--epochs",
                "2",
                "--json",
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let g = run("ghost-user");
    let k = &g["kinds"];
    assert_eq!(k["targets"].as_array().unwrap().len(), lawful::KIND_TARGETS);
    assert_eq!(k["prospective_from_epoch"], 1);
    assert!(k["prospective"]["read"].as_u64().unwrap() > 0, "{k}");
    assert_eq!(
        k["prospective"]["read"], k["prospective"]["warranted"],
        "{k}"
    );
    assert_eq!(k["retrospective"]["read"], 0, "{k}");
    assert!(k["retrospective"]["warranted"].as_u64().unwrap() > 0, "{k}");
    assert_eq!(k["prospective"]["cost"]["taps_inserted"], 5.0, "{k}");
    let t = run("threshold-3of5");
    let k = &t["kinds"];
    for kind in ["prospective", "retrospective"] {
        assert_eq!(k[kind]["read"], k[kind]["warranted"], "{k}");
        assert_eq!(k[kind]["cost"]["agent_requests"], 25.0, "{k}");
    }
    // The retrospective warrants cover more than the prospective ones.
    assert!(
        k["retrospective"]["warranted"].as_u64() > k["prospective"]["warranted"].as_u64(),
        "{k}"
    );
    let h = run("hsm-guess-limit");
    assert!(h["kinds"]["assumption"]
        .as_str()
        .unwrap()
        .contains("compelled disclosure"));
}
