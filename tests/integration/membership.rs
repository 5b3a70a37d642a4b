//! Membership verification and key pinning as mechanisms with failure modes (issue 23): who
//! signs the roster (`user`, `provider`, `log`), key transparency with a monitoring
//! probability per epoch against the ghost user with a lawful exception, and binary
//! transparency against an escrow key pushed through the update channel (where an in-band
//! pin is rewritten).

use crate::common::{cell_with, config, int};
use escrowlab::backend::BackendKind;
use escrowlab::controls::BasisKind;
use escrowlab::runner::CellResult;

fn figure(c: &CellResult, k: &str) -> f64 {
    c.cost.get(k).and_then(|v| v.as_f64()).unwrap_or(0.0)
}

/// A scheme file under the target directory (the tag keeps parallel tests apart).
fn scheme_file(tag: &str, body: &str) -> String {
    let path =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("membership-{tag}.toml"));
    std::fs::write(
        &path,
        format!("name = \"membership-{tag}\"\nsummary = \"membership test {tag}\"\n{body}"),
    )
    .unwrap();
    path.display().to_string()
}

/// A ghost-user scheme: roster checking, signed by `signer`, with `exception`.
fn ghost_scheme(tag: &str, signer: &str, pct: u32, exception: &str) -> String {
    scheme_file(
        tag,
        &format!(
            "[custody]\nkind = \"none\"\n[field]\nbinding = \"none\"\n[audit]\nlog = \"none\"\n\
             [client]\nroster_check = true\nroster_signer = \"{signer}\"\nkt_monitor_pct = {pct}\n\
             [mechanism]\nfamily = \"ghost-user\"\n\
             params = {{ exception = \"{exception}\", reconcile_taps = false }}\n"
        ),
    )
}

fn run(scheme: &str, attack: &str, params: &[(&str, escrowlab::attack::ParamValue)]) -> CellResult {
    cell_with(&config(scheme, BackendKind::Blsttc, 7), attack, params)
}

#[test]
fn the_roster_signer_decides_what_the_check_stops() {
    // Members sign: the relay's ghost is refused, an assumption.
    let user = run(&ghost_scheme("user", "user", 100, "none"), "ghost", &[]);
    assert_eq!(user.exposure.messages, 0);
    assert_eq!(user.blocked_by.as_deref(), Some("roster-check"));
    // The provider signs: its ghost is signed too, and nothing notices.
    let provider = run(
        &ghost_scheme("provider", "provider", 100, "none"),
        "ghost",
        &[],
    );
    assert!(provider.exposure.messages > 0, "{provider:?}");
    assert!(
        provider.blocked_by.is_none() && provider.detected_by.is_empty(),
        "{provider:?}"
    );
    // A key log: the ghost is logged, read until a monitor looks, then revoked.
    let none = run(&ghost_scheme("log0", "log", 0, "none"), "ghost", &[]);
    let all = run(&ghost_scheme("log100", "log", 100, "none"), "ghost", &[]);
    assert_eq!(none.exposure.messages, provider.exposure.messages);
    assert!(none.detected_by.is_empty());
    assert!(all.exposure.messages < none.exposure.messages, "{all:?}");
    assert_eq!(all.detected_by, vec!["key-transparency".to_string()]);
    let b = all.basis_of("key-transparency").expect("basis");
    assert_eq!(b.kind, BasisKind::Assumption, "{b:?}");
    assert_eq!((b.probability, b.delay_epochs), (Some(1.0), Some(0.0)));
    let half = run(&ghost_scheme("log50", "log", 50, "none"), "ghost", &[]);
    let b = half.basis_of("key-transparency").expect("basis");
    assert_eq!(b.kind, BasisKind::Measured, "{b:?}");
    let p = b.probability.unwrap();
    assert!(
        p > 0.0 && p <= 1.0 && b.rests_on.contains("1 − (1 − 0.50)"),
        "{b:?}"
    );
}

#[test]
fn a_lawful_exception_admits_only_credentialed_silent_members() {
    let extra = [("extra", int(6))];
    // No exception: the intruder's taps, like the lawful ones, are all refused.
    let none = run(
        &ghost_scheme("exc-none", "user", 100, "none"),
        "interface-breach",
        &extra,
    );
    assert_eq!(none.exposure.messages, 0);
    assert_eq!(none.blocked_by.as_deref(), Some("roster-check"));
    // Court credentials: the intruder reads the docket's targets (their credentials are in
    // the interface) and none of its own picks.
    let court = run(
        &ghost_scheme("exc-court", "user", 100, "court"),
        "interface-breach",
        &extra,
    );
    // Provider credentials: the interface signs one for anyone.
    let provider = run(
        &ghost_scheme("exc-provider", "user", 100, "provider"),
        "interface-breach",
        &extra,
    );
    assert!(court.exposure.messages > 0, "{court:?}");
    assert!(
        provider.exposure.messages > court.exposure.messages,
        "{provider:?}"
    );
    assert!(provider.exposure.users > court.exposure.users);
    // Without a log nothing notices the provider's; the court's extras are refused (and
    // the refusing clients notice them), its docket taps are not.
    assert!(provider.detected_by.is_empty(), "{provider:?}");
    assert_eq!(court.detected_by, vec!["roster-check".to_string()]);
    let b = court.basis_of("roster-check").expect("basis");
    assert!(b.rests_on.contains("credential from the court"), "{b:?}");
    assert!(court.blocked_by.is_none());
    // Under key transparency with every entry monitored, the provider-signed extras are
    // flagged and revoked; the court's, for docket targets, match warrants.
    let kt = run(
        &ghost_scheme("exc-provider-kt", "log", 100, "provider"),
        "interface-breach",
        &extra,
    );
    assert_eq!(figure(&kt, "kt_flaggable"), 6.0, "{kt:?}");
    assert_eq!(figure(&kt, "kt_caught"), 6.0);
    assert!(kt.exposure.messages < provider.exposure.messages);
    // The exception is what gives checking clients lawful access back: prospective
    // warrants read everything under a court credential, nothing without an exception.
    for (scheme, want) in [
        (
            ghost_scheme("exc-court-lawful", "user", 100, "court"),
            "(100.0%)",
        ),
        (
            ghost_scheme("exc-none-lawful", "user", 100, "none"),
            "(0.0%)",
        ),
        (
            ghost_scheme("exc-court-kt-lawful", "log", 100, "court"),
            "(100.0%)",
        ),
    ] {
        let (code, out, err) =
            crate::common::run_escrowlab(["lawful-access", "--scheme", &scheme, "--users", "60"]);
        assert_eq!(code, Some(0), "{err}");
        let line = out
            .lines()
            .find(|l| l.contains("prospective (issued"))
            .unwrap();
        assert!(line.contains(want), "{scheme}: {line}");
        // A lawful silent member matches its warrant: the auditor flags nothing.
        assert!(!out.contains("key-transparency"), "{out}");
    }
    let kt_court = run(
        &ghost_scheme("exc-court-kt", "log", 100, "court"),
        "interface-breach",
        &extra,
    );
    // The court's extras carry no credential: logged as devices their owners did not add.
    assert_eq!(figure(&kt_court, "kt_flaggable"), 6.0);
    assert!(kt_court
        .detected_by
        .contains(&"key-transparency".to_string()));
}

/// The detection curve of `fixtures/suites/key-transparency.toml` at `seed`: the monitoring
/// probability and the share of abused credentials caught, per column.
fn kt_curve(seed: u64) -> Vec<(f64, f64)> {
    let registry = escrowlab::attacks::builtins();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/suites/key-transparency.toml");
    let suite = escrowlab::runner::suite_file::Suite::load(Some(path.to_str().unwrap()), &registry)
        .expect("suite loads");
    let report = escrowlab::runner::suite::run_suite(&suite, Some(seed), None).expect("runs");
    report
        .results
        .iter()
        .map(|c| {
            let pct: f64 = c
                .scheme
                .trim_start_matches("ghost-exception-kt-")
                .parse()
                .unwrap();
            let n = figure(c, "kt_flaggable");
            assert!(n >= 30.0, "{c:?}");
            (pct / 100.0, figure(c, "kt_caught") / n)
        })
        .collect()
}

#[test]
fn a_sweep_of_the_monitoring_probability_gives_a_detection_curve_from_0_to_1() {
    for seed in [42, 1, 2] {
        let curve = kt_curve(seed);
        assert_eq!(curve.len(), 6);
        // The draws are common to every column: a higher probability never catches less.
        for w in curve.windows(2) {
            assert!(
                w[0].0 < w[1].0 && w[0].1 <= w[1].1,
                "seed {seed}: {curve:?}"
            );
        }
        assert!(curve[0].1 <= 0.05, "seed {seed}: {curve:?}");
        assert!(curve[5].1 >= 0.95, "seed {seed}: {curve:?}");
        // In between it is a probability, near the model 1 − (1 − p)³ (three epochs after
        // the insertion; 60 keys a column, so ±0.3 is over four standard deviations).
        for &(p, caught) in &curve[1..5] {
            let model = 1.0 - (1.0 - p).powi(3);
            assert!(
                caught > 0.0 && caught < 1.0 || p >= 0.7,
                "seed {seed}: {curve:?}"
            );
            assert!(
                (caught - model).abs() < 0.3,
                "seed {seed}: p={p} {caught} vs {model}"
            );
        }
    }
}

/// A single-key scheme whose clients pin the escrow key in band, with binary transparency
/// monitored `bt` % per epoch (or none).
fn pinned_scheme(tag: &str, bt: Option<u32>) -> String {
    let bt = match bt {
        Some(p) => format!("binary_transparency = true\nbt_monitor_pct = {p}\n"),
        None => String::new(),
    };
    scheme_file(
        tag,
        &format!("[custody]\nkind = \"single\"\n[client]\npin_escrow_key = true\n{bt}"),
    )
}

#[test]
fn the_update_channel_rewrites_an_in_band_pin_and_binary_transparency_catches_it() {
    let pinned = run(&pinned_scheme("pin", None), "escrow-key-substitution", &[]);
    assert!(pinned.exposure.messages > 0, "{pinned:?}");
    assert!(pinned.detected_by.is_empty() && pinned.blocked_by.is_none());
    assert_eq!(figure(&pinned, "pin_rewritten"), 1.0);
    // Every update rebuilt the epoch it ships: caught before use, an assumption.
    let bt = run(
        &pinned_scheme("bt100", Some(100)),
        "escrow-key-substitution",
        &[],
    );
    assert_eq!(bt.exposure.messages, 0);
    assert_eq!(bt.blocked_by.as_deref(), Some("binary-transparency"));
    let b = bt.basis_of("binary-transparency").unwrap();
    assert_eq!((b.kind, b.delay_epochs), (BasisKind::Assumption, Some(0.0)));
    assert_eq!(figure(&bt, "bt_delay_epochs"), 0.0);
    // A rebuilder that looks 30 % of epochs: read until caught, measured with its delay.
    let mut delays = Vec::new();
    for seed in 1..=8 {
        let c = cell_with(
            &config(&pinned_scheme("bt30", Some(30)), BackendKind::Blsttc, seed),
            "escrow-key-substitution",
            &[],
        );
        let b = c.basis_of("binary-transparency");
        if c.detected_by.contains(&"binary-transparency".to_string()) {
            let b = b.expect("a detection carries its basis");
            assert_eq!(b.kind, BasisKind::Measured);
            let d = b.delay_epochs.unwrap();
            assert_eq!(c.exposure.messages == 0, d == 0.0, "{c:?}");
            delays.push(d);
        } else {
            assert!(c.exposure.messages > 0);
        }
    }
    assert!(!delays.is_empty() && delays.len() < 8, "{delays:?}");
}
