//! The proposals suite: every attack against one scheme of every family passes `--strict`,
//! every cell carries a `docket` figure, and the matrix spans every family with the
//! not-applicable cells reported as such (never as a measured zero).

use std::collections::BTreeSet;
use std::process::Command;

#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn the_proposals_suite_passes_strict_with_a_docket_figure_in_every_cell() {
    let o = Command::new(env!("CARGO_BIN_EXE_escrowlab"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "suite",
            "fixtures/suites/proposals.toml",
            "--strict",
            "--format",
            "json",
        ])
        .output()
        .expect("binary runs");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let cells = r["results"].as_array().unwrap();
    let mut families = BTreeSet::new();
    for c in cells {
        let d = &c["docket"];
        assert!(d["targets"].as_u64().unwrap() >= 1, "{c}");
        assert!(d["learned"].as_u64().unwrap() <= d["targets"].as_u64().unwrap());
        assert_eq!(c["verdict"], "pass", "{c}");
        let scheme = escrowlab::config::Scheme::load(c["scheme"].as_str().unwrap()).unwrap();
        families.insert(scheme.family().to_string());
        if c["applicable"] == false {
            assert_eq!(c["blocked_by"], "not-applicable", "{c}");
            assert_eq!(c["exposure"]["messages"], 0, "{c}");
            assert!(c["check"]["reason"]
                .as_str()
                .unwrap()
                .starts_with("not applicable"));
        }
    }
    assert_eq!(
        families,
        [
            "crumple-zone",
            "device-escrow",
            "ghost-user",
            "hsm-guess-limit",
            "public-ledger",
            "session-escrow"
        ]
        .into_iter()
        .map(String::from)
        .collect()
    );
    // Lawful utility, warrants over the whole run served when it is over: a ghost inserted
    // then reads nothing of the past; every other family reads all of it.
    for s in r["schemes"].as_array().unwrap() {
        let name = s["name"].as_str().unwrap();
        let want = if name.starts_with("ghost-user") {
            0.0
        } else {
            1.0
        };
        assert_eq!(s["lawful_utility"]["fraction"], want, "{name}: {s}");
        // Prospective warrants (issued at the middle epoch) read under every family, the
        // ghost user included (not where clients check the roster: they refuse the lawful
        // ghost too); the HSM family says what its lawful path assumes.
        let p = &s["lawful_utility"]["prospective"];
        let read = p["fraction"].as_f64().unwrap();
        if name == "ghost-user-checked" {
            assert_eq!(read, 0.0, "{name}: {p}");
        } else {
            assert!(read > 0.0, "{name}: {p}");
        }
        assert!(p["warranted_messages"].as_u64().unwrap() > 0, "{name}: {p}");
        assert_eq!(
            s["lawful_utility"].get("assumption").is_some(),
            name.starts_with("hsm"),
            "{name}"
        );
    }
    // Every attack has at least one family it applies to.
    let applicable: BTreeSet<&str> = cells
        .iter()
        .filter(|c| c["applicable"] == true)
        .map(|c| c["attack"].as_str().unwrap())
        .collect();
    let all: BTreeSet<&str> = cells
        .iter()
        .map(|c| c["attack"].as_str().unwrap())
        .collect();
    assert_eq!(applicable, all);
}
