//! The binary as a user runs it: exit codes, output shape, determinism.

use std::process::Command;

fn escrowlab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_escrowlab"))
        .args(args)
        .output()
        .expect("binary runs")
}

#[test]
fn schemes_lists_a_scheme_of_every_family() {
    let o = escrowlab(&["schemes"]);
    assert_eq!(o.status.code(), Some(0));
    let s = String::from_utf8(o.stdout).unwrap();
    for (n, family) in [
        ("e2e-baseline", "session-escrow"),
        ("single-key", "session-escrow"),
        ("threshold-3of5", "session-escrow"),
        ("threshold-3of5-epoch", "session-escrow"),
        ("hardened", "session-escrow"),
        ("ghost-user", "ghost-user"),
        ("device-escrow", "device-escrow"),
        ("hsm-guess-limit", "hsm-guess-limit"),
        ("crumple-zone", "crumple-zone"),
        ("public-ledger", "public-ledger"),
    ] {
        assert!(
            s.lines().any(|l| {
                let w: Vec<&str> = l.split_whitespace().collect();
                w.first() == Some(&n) && w.get(1) == Some(&family)
            }),
            "{n} ({family}) missing in:\n{s}"
        );
    }
}

/// Every family's built-in serves a warrant end to end: something in scope read, nothing
/// outside it, and the report says what the family can read.
#[test]
fn lawful_access_works_under_every_family() {
    for (scheme, reads) in [
        ("ghost-user", "after the ghost's insertion"),
        ("device-escrow", "only devices seized"),
        // Under relay-proof attestation the genuine phone in custody proves itself.
        ("device-escrow-bound", "only devices seized"),
        ("hsm-guess-limit", "passcode is disclosed"),
        ("crumple-zone", "pays for"),
        ("public-ledger", "recorded on the public ledger"),
    ] {
        let o = escrowlab(&["lawful-access", "--scheme", scheme, "--json"]);
        assert_eq!(o.status.code(), Some(0), "{scheme}");
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(
            v["in_scope_decrypted"].as_u64().unwrap() > 0,
            "{scheme}: {v}"
        );
        assert_eq!(v["out_of_scope_decrypted"], 0, "{scheme}: {v}");
        assert_eq!(
            v["family"],
            scheme.trim_end_matches("-bound"),
            "{scheme}: {v}"
        );
        assert!(
            v["reads"].as_str().unwrap().contains(reads),
            "{scheme}: {v}"
        );
    }
}

#[test]
fn lawful_access_json_is_byte_identical_for_the_same_seed() {
    let args = [
        "lawful-access",
        "--scheme",
        "threshold-3of5",
        "--seed",
        "7",
        "--users",
        "40",
        "--json",
    ];
    let a = escrowlab(&args);
    let b = escrowlab(&args);
    assert_eq!(
        a.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&a.stderr)
    );
    assert_eq!(a.stdout, b.stdout);
    let v: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    assert!(v["in_scope_messages"].as_u64().unwrap() > 0);
    assert_eq!(v["in_scope_decrypted"], v["in_scope_messages"]);
    assert_eq!(v["out_of_scope_decrypted"], 0);
    assert_eq!(v["audit_verified"], true);
    let c = escrowlab(&[
        "lawful-access",
        "--scheme",
        "threshold-3of5",
        "--seed",
        "8",
        "--users",
        "40",
        "--json",
    ]);
    assert_ne!(
        a.stdout, c.stdout,
        "a different seed gives a different world"
    );
}

#[test]
fn bad_input_exits_2_with_a_clear_message() {
    for args in [
        &["lawful-access", "--scheme", "no-such-scheme"][..],
        &["lawful-access", "--users", "0"],
        &["attack", "no-such-attack", "--scheme", "hardened"],
        &[
            "attack",
            "share-theft",
            "--scheme",
            "hardened",
            "--param",
            "stolen=x",
        ],
        &[
            "attack",
            "share-theft",
            "--scheme",
            "hardened",
            "--param",
            "nope=1",
        ],
        &["suite", "/no/such/suite.toml"],
        &["frobnicate"],
    ] {
        let o = escrowlab(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.trim().is_empty());
    }
}

#[test]
fn list_json_names_every_registered_attack() {
    let o = escrowlab(&["list", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    let want: Vec<&str> = escrowlab::attacks::REGISTRY
        .iter()
        .map(|a| a.meta().id)
        .collect();
    assert_eq!(ids, want);
}

#[test]
fn out_into_a_missing_directory_fails_before_any_work() {
    let o = escrowlab(&[
        "suite",
        "--out",
        "/no/such/dir/report.json",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not exist"));
}

#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn suite_json_is_byte_identical_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("small.toml");
    std::fs::write(
        &suite,
        "seed = 5\nschemes = [\"single-key\", \"hardened\"]\nattacks = \"all\"\n\
         [population]\nusers = 12\nepochs = 2\nmessages_per_session = 2\n\
         [sweep]\nshare-theft = { stolen = [2, 3] }\n",
    )
    .unwrap();
    let run = |threads: &str| {
        Command::new(env!("CARGO_BIN_EXE_escrowlab"))
            .args(["suite", suite.to_str().unwrap(), "--format", "json"])
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap()
    };
    let one = run("1");
    let two = run("2");
    let four = run("4");
    assert!(
        one.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    assert_eq!(one.stdout, two.stdout);
    assert_eq!(one.stdout, four.stdout);
    let v: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    assert_eq!(v["schema"], "escrowlab-report/1");
    assert!(v["results"].as_array().unwrap().len() >= 4);
}

#[test]
fn a_false_expectation_exits_1_and_a_true_one_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let suite = |exposure: &str| {
        let p = dir.path().join(format!("s{}.toml", exposure.len()));
        std::fs::write(
            &p,
            format!(
                "seed = 2\nschemes = [\"single-key\"]\nattacks = [\"key-theft\"]\n\
                 [population]\nusers = 12\nepochs = 2\nmessages_per_session = 2\n\
                 [[expect]]\nscheme = \"single-key\"\nattack = \"key-theft\"\nexposure = {exposure}\n"
            ),
        )
        .unwrap();
        escrowlab(&["suite", p.to_str().unwrap(), "--format", "junit"])
    };
    let t = suite("1.0");
    assert_eq!(
        t.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&t.stderr)
    );
    let f = suite("\"<= 0.5\"");
    assert_eq!(f.status.code(), Some(1));
    let xml = String::from_utf8(f.stdout).unwrap();
    assert!(
        xml.contains("<failure") && xml.contains("exposure 1 expected &lt;= 0.5"),
        "{xml}"
    );
}

#[test]
fn mechanisms_json_lists_each_defence_with_params_basis_and_the_attacks_on_it() {
    let o = escrowlab(&["mechanisms", "--json"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let registry = escrowlab::attacks::builtins();
    let attacks: Vec<&str> = registry.iter().map(|a| a.meta().id).collect();
    for fam in v.as_array().unwrap() {
        let family = fam["family"].as_str().unwrap();
        let defences = fam["defences"].as_array().unwrap();
        // A user's own family may have none; every built-in one has some.
        if family == "crumple-zone" {
            continue;
        }
        assert!(!defences.is_empty(), "{family}");
        let own: Vec<&str> = fam["params"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        for d in defences {
            let control = d["control"].as_str().unwrap();
            assert!(escrowlab::controls::is_builtin(control), "{control}");
            let kind = d["basis"]["kind"].as_str().unwrap();
            assert!(
                ["assumption", "cryptographic", "design", "measured"].contains(&kind),
                "{control}: {kind}"
            );
            assert!(!d["cited_default"].as_str().unwrap().is_empty());
            // What it assumes and with what probability it works (issue 23).
            assert!(!d["assumes"].as_str().unwrap().is_empty(), "{control}");
            let works = d["works"].as_str().unwrap();
            assert!(
                ["certain by construction (", "a parameter", "measured"]
                    .iter()
                    .any(|p| works.starts_with(p)),
                "{control}: {works}"
            );
            for a in d["attacks"].as_array().unwrap() {
                assert!(attacks.contains(&a.as_str().unwrap()), "{control}: {a}");
            }
            // A family parameter is one the family declares, with its declared default.
            for p in d["params"].as_array().unwrap() {
                let name = p["name"].as_str().unwrap();
                if !name.contains('.') {
                    assert!(own.contains(&name), "{family}: {name}");
                    let declared = fam["params"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|q| q["name"] == name)
                        .unwrap();
                    let shown = match &declared["default"] {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    assert_eq!(p["default"].as_str().unwrap(), shown, "{family}: {name}");
                }
            }
        }
    }
}
