//! `escrowlab cost`: the projection is built from rates it measured and from assumptions
//! it states; every assumption is a flag, and bad figures are refused with exit 2.

use serde_json::Value;
use std::process::Command;

fn cost(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_escrowlab"))
        .arg("cost")
        .args(if args.contains(&"--measure-ms") {
            &[][..]
        } else {
            &["--measure-ms", "5"][..]
        })
        .args(if args.contains(&"--coverage-users") {
            &[][..]
        } else {
            &["--coverage-users", "60"][..]
        })
        .args(args)
        .output()
        .expect("run escrowlab");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let (code, out, err) = cost(&all);
    assert_eq!(code, 0, "stderr: {err}");
    serde_json::from_str(&out).expect("one JSON object")
}

fn rate(j: &Value, op: &str) -> f64 {
    j["rates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["op"] == op)
        .unwrap_or_else(|| panic!("rate {op} measured"))["seconds"]
        .as_f64()
        .unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-300)
}

#[test]
fn projection_is_the_measured_rates_times_the_stated_traffic() {
    let j = json(&[]);
    assert_eq!(j["schema"], "escrowlab-cost/1");
    for op in [
        "sender.escrow_wrap",
        "thief.session",
        "message.open",
        "agent.share",
        "combiner.verify_share",
        "combiner.combine",
    ] {
        let r = rate(&j, op);
        assert!(r > 0.0 && r < 1.0, "{op}: {r} s per operation");
    }
    // A pairing-based share costs far more than an AEAD open: the rates are measured, not
    // one constant.
    assert!(rate(&j, "agent.share") > 10.0 * rate(&j, "message.open"));
    let a = &j["assumptions"];
    assert_eq!(a["messages_per_day"].as_f64(), Some(1e11));
    // The escrow fields a day are measured: one field per session of 20 messages under
    // the hash ratchet.
    let f = &j["field_rate"];
    assert_eq!(f["protocol"], "hash-ratchet");
    let per_message = f["fields"].as_f64().unwrap() / f["messages"].as_f64().unwrap();
    assert!(close(per_message, 1.0 / 20.0), "{per_message}");
    let fields = a["sessions_per_day"].as_f64().unwrap();
    assert_eq!(fields, 5e9);
    let core_s = fields * rate(&j, "thief.session") + 1e11 * rate(&j, "message.open");
    let thief = &j["thief"];
    assert!(close(thief["core_seconds"].as_f64().unwrap(), core_s));
    assert!(close(
        thief["core_hours"].as_f64().unwrap(),
        core_s / 3600.0
    ));
    assert!(close(
        thief["wall_hours"].as_f64().unwrap(),
        core_s / 3600.0 / 1000.0
    ));
    assert!(close(
        thief["usd"].as_f64().unwrap(),
        core_s / 3600.0 * 0.045
    ));
    // Plain E2E: the greedy cover's devices per user, measured, at the stated price.
    let per_user = a["e2e_devices_per_user"].as_f64().unwrap();
    let c = &j["coverage"];
    assert!(close(
        per_user,
        c["devices_100"].as_f64().unwrap() / c["active_users"].as_f64().unwrap()
    ));
    assert!(per_user > 0.0 && per_user < 1.0, "{per_user}");
    assert!(close(
        j["plain_e2e"]["usd"].as_f64().unwrap(),
        2e9 * per_user * 65_000.0
    ));
    // One warrant: one user's share of 30 days.
    let w = &j["lawful_per_warrant"];
    assert!(close(w["sessions"].as_f64().unwrap(), 5e9 / 2e9 * 30.0));
    assert!(close(w["messages"].as_f64().unwrap(), 1e11 / 2e9 * 30.0));
    assert!(!a["sources"].as_array().unwrap().is_empty());
}

#[test]
fn every_assumption_is_a_flag() {
    let j = json(&[
        "--messages-per-day",
        "1000",
        "--sessions-per-day",
        "10",
        "--users",
        "5",
        "--cores",
        "2",
        "--price-per-core-hour",
        "1.5",
        "--device-cost",
        "7",
        "--warrant-days",
        "2",
    ]);
    let a = &j["assumptions"];
    assert_eq!(a["messages_per_day"].as_f64(), Some(1000.0));
    assert_eq!(a["cores"].as_u64(), Some(2));
    let per_user = a["e2e_devices_per_user"].as_f64().unwrap();
    assert!(close(
        j["plain_e2e"]["usd"].as_f64().unwrap(),
        5.0 * per_user * 7.0
    ));
    let core_s = 10.0 * rate(&j, "thief.session") + 1000.0 * rate(&j, "message.open");
    assert!(close(j["thief"]["core_seconds"].as_f64().unwrap(), core_s));
    assert!(close(
        j["thief"]["wall_hours"].as_f64().unwrap(),
        core_s / 3600.0 / 2.0
    ));
    assert!(close(
        j["lawful_per_warrant"]["sessions"].as_f64().unwrap(),
        4.0
    ));
    // Given, the figure is not measured.
    assert!(j.get("field_rate").is_none());
}

/// `--protocol`: the Double Ratchet with per-chain escrow makes a field per speaker turn,
/// several times the hash ratchet's; an escrowed seed goes back to one per session.
#[test]
fn the_field_rate_is_measured_per_protocol() {
    let rate_of = |args: &[&str]| {
        let j = json(args);
        let f = &j["field_rate"];
        let per_message = f["fields"].as_f64().unwrap() / f["messages"].as_f64().unwrap();
        assert!(close(
            j["assumptions"]["sessions_per_day"].as_f64().unwrap(),
            (1e11 * per_message).round()
        ));
        per_message
    };
    let hash = rate_of(&[]);
    let dr = rate_of(&["--protocol", "double-ratchet"]);
    let seed = rate_of(&["--protocol", "double-ratchet", "--ratchet-escrow", "seed"]);
    assert!(dr > 5.0 * hash, "{dr} vs {hash}");
    assert!(close(seed, hash), "{seed} vs {hash}");
}

#[test]
fn the_text_states_its_assumptions_within_100_columns() {
    let (code, out, err) = cost(&[]);
    assert_eq!(code, 0, "{err}");
    for needle in [
        "core-hours",
        "plain E2E",
        "one warrant",
        "assumptions",
        "Pegasus",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in:\n{out}");
    }
    for line in out.lines() {
        assert!(line.chars().count() <= 100, "too wide: {line}");
    }
}

#[test]
fn bad_figures_are_refused_with_exit_2() {
    for args in [
        &["--cores", "0"][..],
        &["--messages-per-day=-5"],
        &["--messages-per-day", "NaN"],
        &["--price-per-core-hour=-1"],
        &["--sessions-per-day", "1e12"],
        &["--measure-ms", "0"],
        &["--users", "0"],
    ] {
        let (code, out, err) = cost(args);
        assert_eq!(code, 2, "{args:?}: stdout {out} stderr {err}");
        assert!(out.is_empty(), "{args:?} printed a projection");
        assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err}");
    }
}

#[test]
fn counts_are_whole_prices_positive_and_every_figure_finite() {
    for (args, why) in [
        (
            &["--users", "0.5"][..],
            "--users is a count: it must be a whole number from 1 to 1e18, not 0.5",
        ),
        (
            &["--users=1e-300"],
            "--users is a count: it must be a whole number from 1 to 1e18, not 1e-300",
        ),
        (
            &["--messages-per-day", "1000.5"],
            "--messages-per-day is a count",
        ),
        (
            &["--sessions-per-day", "0.25"],
            "--sessions-per-day is a count",
        ),
        (
            &["--price-per-core-hour=0"],
            "--price-per-core-hour is a price: it must be a number above 0",
        ),
        (
            &["--device-cost", "0"],
            "--device-cost is a price: it must be a number above 0",
        ),
        // Valid figures whose projection overflows: refused, never written as null.
        (
            &[
                "--json",
                "--price-per-core-hour",
                "1e-300",
                "--messages-per-day",
                "1",
                "--sessions-per-day",
                "1",
            ],
            "make `crumple.0.messages_per_billion` not a finite number",
        ),
    ] {
        let (code, out, err) = cost(args);
        assert_eq!(code, 2, "{args:?}: stdout {out} stderr {err}");
        assert!(out.is_empty(), "{args:?} printed a projection");
        assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err}");
        assert!(err.contains(why), "{args:?}: {why:?} not in {err}");
    }
    // Small whole counts are accepted, and their JSON has no null anywhere.
    let j = json(&[
        "--users",
        "1",
        "--messages-per-day",
        "1",
        "--sessions-per-day",
        "1",
    ]);
    fn no_null(v: &Value, path: &str) {
        match v {
            Value::Null => panic!("null at {path}"),
            Value::Array(a) => a.iter().for_each(|x| no_null(x, path)),
            Value::Object(m) => m
                .iter()
                .for_each(|(k, x)| no_null(x, &format!("{path}.{k}"))),
            _ => {}
        }
    }
    no_null(&j, "");
}
