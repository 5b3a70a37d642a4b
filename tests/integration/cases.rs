//! Real incidents as runnable cases: `escrowlab cases` lists them, `cases run NAME` runs one
//! and exits as `suite --strict` does; each built-in case's expectations hold.

use std::process::Command;

fn escrowlab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_escrowlab"))
        .env_remove("COLUMNS")
        .args(args)
        .output()
        .expect("binary runs")
}

#[test]
fn cases_lists_every_incident_with_its_date_and_how_to_run_it() {
    let o = escrowlab(&["cases"]);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8(o.stdout).unwrap();
    for (name, when) in [
        ("blaze-1994", "(1994)"),
        ("athens-2004", "(June 2004 - March 2005)"),
        ("juniper-2015", "(2012-2015)"),
        ("salt-typhoon-2024", "(2019-2024, disclosed October 2024)"),
    ] {
        assert!(text.contains(&format!("{name}  {when}")), "{text}");
        assert!(
            text.contains(&format!("run: escrowlab cases run {name}")),
            "{text}"
        );
    }
    assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
    let o = escrowlab(&["cases", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "blaze-1994",
            "athens-2004",
            "juniper-2015",
            "salt-typhoon-2024"
        ]
    );
    for c in v.as_array().unwrap() {
        assert!(!c["case"]["references"].as_array().unwrap().is_empty());
        assert!(!c["case"]["modelled"].as_array().unwrap().is_empty());
    }
}

#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn every_case_runs_and_its_expectations_hold() {
    for name in [
        "blaze-1994",
        "athens-2004",
        "juniper-2015",
        "salt-typhoon-2024",
    ] {
        let o = escrowlab(&["cases", "run", name, "--format", "json"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{name}: {err}");
        let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let cells = r["results"].as_array().unwrap();
        assert!(!cells.is_empty());
        for c in cells {
            assert_eq!(c["verdict"], "pass", "{name}: {c}");
        }
    }
}

/// What each incident is about, in numbers: Athens leaks the docket and about a quarter
/// of the traffic unnoticed; Salt Typhoon leaks the whole docket under every design, content
/// only where the interface itself taps.
#[test]
fn the_incidents_show_docket_exposure() {
    let o = escrowlab(&["cases", "run", "salt-typhoon-2024", "--format", "json"]);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for c in r["results"].as_array().unwrap() {
        assert!(c["docket"]["targets"].as_u64().unwrap() >= 1, "{c}");
        assert_eq!(c["docket"]["learned"], c["docket"]["targets"], "{c}");
        let content = c["exposure"]["messages"].as_u64().unwrap();
        // Content where the interface taps (ghost-user), and on the delivery side where
        // a combiner delivers (session escrow).
        let reads = (c["scheme"] == "ghost-user" && c["attack"] == "interface-breach")
            || (c["scheme"] == "threshold-3of5" && c["attack"] == "delivery-breach");
        assert_eq!(content > 0, reads, "{c}");
        if c["attack"] == "delivery-breach" {
            // Only what lawful access delivered: every claimed message confirmed against
            // ground truth, none outside a warrant, none from before the intruder got in.
            assert_eq!(
                c["exposure"]["messages"], c["cost"]["messages_delivered"],
                "{c}"
            );
            assert_eq!(c["out_of_scope"], 0, "{c}");
            assert_eq!(c["exposure"]["by_epoch"][0], 0, "{c}");
        }
    }
}

/// Blaze's replay variant: one try per session; a fresh key fails the chip check (and the
/// field would give law enforcement the wrong key), a reused one passes and gives it the
/// traffic key.
#[test]
fn a_replayed_leaf_passes_only_with_the_key_it_carries() {
    for (key, accepted, same) in [("fresh", 0.0, 0.0), ("reused", 1.0, 1.0)] {
        let o = escrowlab(&[
            "attack",
            "leaf-replay",
            "--scheme",
            "single-key",
            "--users",
            "20",
            "--epochs",
            "1",
            "--param",
            &format!("key={key}"),
            "--json",
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let c: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(c["cost"]["tries_mean"], 1, "{c}");
        assert_eq!(
            c["cost"]["accepted_fraction"].as_f64(),
            Some(accepted),
            "{c}"
        );
        assert_eq!(c["cost"]["lawful_key_recovered"], 1, "{c}");
        assert_eq!(
            c["cost"]["lawful_key_is_traffic_key_fraction"].as_f64(),
            Some(same),
            "{c}"
        );
        assert_eq!(c["exposure"]["messages"], 0, "{c}");
    }
}

#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn another_seed_still_passes_and_an_unknown_case_is_bad_input() {
    // Another seed changes which sessions and users there are, not what happened.
    let o = escrowlab(&["cases", "run", "juniper-2015", "--seed", "7"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = escrowlab(&["cases", "run", "no-such-case"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("unknown case `no-such-case` (known: blaze-1994, athens-2004, juniper-2015, salt-typhoon-2024)"),
        "{err}"
    );
}
