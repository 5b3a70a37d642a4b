//! The cost budget: runs whose estimate is over 10 minutes or 2 GiB on the reference machine
//! are refused before they start, with the estimate and what to lower; the built-in runs
//! fit it.

use escrowlab::config::budget::{WorldCost, MAX_BYTES, MAX_WALL_SECONDS};
use escrowlab::config::scheme::Scheme;
use escrowlab::world::Population;
use std::process::Command;

fn escrowlab(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_escrowlab"))
        .current_dir(dir)
        .env_remove(escrowlab::config::budget::LIFT_VAR)
        .args(args)
        .output()
        .expect("binary runs")
}

/// Asserts a refusal: exit 2, one line on stderr with the estimate and the budget, and
/// nothing on stdout (nothing ran).
fn assert_refused(o: &std::process::Output, lower: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert!(o.stdout.is_empty(), "a refused run printed a report");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("is estimated at"), "{err}");
    assert!(
        err.contains("over the budget of 10 min and 2.0 GiB"),
        "{err}"
    );
    assert!(err.contains(lower), "{err}");
}

#[test]
fn a_suite_of_200_users_over_1000_epochs_is_refused_before_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("big.toml"),
        "seed = 1\nschemes = [\"single-key\", \"hardened\"]\nattacks = \"all\"\n\
         [population]\nusers = 200\nepochs = 1000\n",
    )
    .unwrap();
    let out = dir.path().join("r.json");
    let o = escrowlab(
        dir.path(),
        &["suite", "big.toml", "--format", "json", "--out", "r.json"],
    );
    assert_refused(&o, "epochs");
    assert!(!out.exists(), "a refused suite wrote a report");
}

#[test]
fn a_64_of_64_dkg_is_refused_with_its_estimate() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("dkg64.toml"),
        "name = \"dkg64\"\nsummary = \"a 64-of-64 DKG\"\n\
         [custody]\nkind = \"threshold\"\nk = 64\nn = 64\nkeygen = \"dkg\"\n",
    )
    .unwrap();
    let o = escrowlab(
        dir.path(),
        &[
            "lawful-access",
            "--scheme",
            "dkg64.toml",
            "--users",
            "10",
            "--epochs",
            "2",
        ],
    );
    assert_refused(&o, "fewer agents under a DKG");
}

#[test]
fn a_forgery_of_days_is_refused_naming_its_guesses() {
    let o = escrowlab(
        std::path::Path::new("."),
        &[
            "attack",
            "field-forgery",
            "--scheme",
            "single-key",
            "--param",
            "bits=24",
            "--param",
            "trials=100000",
        ],
    );
    assert_refused(&o, "guesses");
}

#[test]
fn check_scheme_with_too_many_cases_is_refused() {
    let o = escrowlab(
        std::path::Path::new("."),
        &["check-scheme", "hardened", "--cases", "100000"],
    );
    assert_refused(&o, "--cases");
}

#[test]
fn the_default_runs_fit_the_budget_by_estimate() {
    let registry = escrowlab::attacks::builtins();
    let suite = escrowlab::runner::suite_file::Suite::load(None, &registry).unwrap();
    let e = escrowlab::runner::suite::estimate(&suite, &suite.cells(), None).unwrap();
    assert!(e.wall_seconds() < MAX_WALL_SECONDS / 4.0, "{e:?}");
    assert!(e.bytes < MAX_BYTES / 4.0, "{e:?}");
    let lh = escrowlab::runner::loophole::LoopholeOptions::defaults();
    lh.estimate(&registry)
        .unwrap()
        .within_budget("the default loophole", "-")
        .unwrap();
}

#[test]
fn cost_grows_with_what_is_simulated() {
    let scheme = Scheme::load("threshold-3of5").unwrap();
    let small = Population::default();
    let world = |p: &Population| WorldCost::of(&scheme, p, escrowlab::backend::BackendKind::Blsttc);
    let cost = |p: &Population| world(p).cells(1.0, 0.0, 1.0);
    let base = cost(&small);
    for bigger in [
        Population {
            users: 400,
            ..small.clone()
        },
        Population {
            epochs: 8,
            ..small.clone()
        },
        Population {
            messages_per_session: 40,
            ..small.clone()
        },
    ] {
        let e = cost(&bigger);
        assert!(e.cpu_seconds > base.cpu_seconds, "{bigger:?}");
        // The process's fixed bytes dominate a small run: the world itself grows by the
        // factor, the whole estimate by something.
        assert!(e.bytes > base.bytes, "{bigger:?}");
        assert!(
            world(&bigger).bytes > world(&small).bytes * 1.2,
            "{bigger:?}"
        );
    }
}

#[test]
fn ten_million_messages_fit_when_the_attack_reads_the_shared_world() {
    // `attack key-theft --scheme single-key --users 100000 --epochs 5`: 10^7 messages. The
    // thief reads the shared world (measured 1.27 GB peak); an attack that changes traffic
    // holds a second world and is refused on memory.
    let scheme = Scheme::load("single-key").unwrap();
    let p = Population {
        users: 100_000,
        epochs: 5,
        ..Population::default()
    };
    let w = WorldCost::of(&scheme, &p, escrowlab::backend::BackendKind::Blsttc);
    assert_eq!(w.messages, 1e7);
    let reader = w.cells(1.0, 0.0, 0.0);
    reader.within_budget("key-theft", "-").unwrap();
    assert!(
        reader.bytes > 1.1e9 && reader.bytes < 1.6e9,
        "the estimate stays near the measured 1.27 GB: {reader:?}"
    );
    let diverging = w.cells(1.0, 0.0, 1.0);
    assert!(diverging.bytes > MAX_BYTES, "{diverging:?}");
    let err = diverging
        .within_budget("ghost", "users")
        .unwrap_err()
        .to_string();
    assert!(err.contains("GiB") && err.contains("users"), "{err}");
}

/// A family's deployment is priced: the ledger encrypts every session key, the HSM
/// cluster derives every user's passcode key; a ghost user holds keys only.
#[test]
fn family_deployments_are_priced() {
    let p = Population::default();
    let cpu = |name: &str| {
        WorldCost::of(
            &Scheme::load(name).unwrap(),
            &p,
            escrowlab::backend::BackendKind::Blsttc,
        )
        .cpu_seconds
    };
    let plain = cpu("e2e-baseline");
    assert_eq!(cpu("ghost-user"), plain);
    assert!(
        cpu("public-ledger") > plain * 2.0,
        "{} vs {plain}",
        cpu("public-ledger")
    );
    assert!(cpu("hsm-guess-limit") > plain);
    assert!(cpu("crumple-zone") > plain);
}
