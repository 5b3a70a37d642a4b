//! Scheme files: built-ins, validation errors with their locations, loading.

use escrowlab::config::limits::MAX_AGENTS;
use escrowlab::config::scheme::{AuditMode, Binding, Court, CustodyKind, Keygen, Lifetime, Scheme};
use escrowlab::Error;

const BASE: &str = r#"name = "t"
summary = "a test scheme"
[custody]
kind = "threshold"
k = 3
n = 5
"#;

/// Parses `text` as file `t.toml` and returns the error message (panics on success).
fn err(text: &str) -> String {
    match Scheme::from_toml_str(text, "t.toml") {
        Ok(s) => panic!("accepted: {s:?}"),
        Err(e @ Error::Config { .. }) => e.to_string(),
        Err(e) => panic!("not a config error: {e:?}"),
    }
}

fn assert_at(text: &str, loc: &str, needle: &str) {
    let msg = err(text);
    assert!(
        msg.starts_with(&format!("t.toml:{loc}: ")),
        "expected at {loc}: {msg}"
    );
    assert!(msg.contains(needle), "expected {needle:?} in: {msg}");
}

#[test]
fn every_builtin_parses_and_round_trips() {
    let names = Scheme::builtin_names();
    assert_eq!(
        names,
        [
            "e2e-baseline",
            "single-key",
            "threshold-3of5",
            "threshold-3of5-epoch",
            "hardened",
            "ghost-user",
            "ghost-user-checked",
            "device-escrow",
            "device-escrow-bound",
            "hsm-guess-limit",
            "hsm-guess-limit-signable",
            "crumple-zone",
            "public-ledger"
        ]
    );
    let all = Scheme::builtins();
    assert_eq!(all.len(), names.len());
    for (s, name) in all.iter().zip(&names) {
        assert_eq!(&s.name, name);
        assert!(!s.summary.is_empty() && !s.summary.contains('\n'));
        let text = toml::to_string(s).expect("serializes");
        let back = Scheme::from_toml_str(&text, "roundtrip").expect("re-parses");
        assert_eq!(&back, s, "round trip of {name}:\n{text}");
        assert_eq!(Scheme::load(name).expect("loads by name"), *s);
    }
}

#[test]
fn builtins_have_the_intended_shape() {
    let b = Scheme::load("e2e-baseline").unwrap();
    assert_eq!(b.custody.kind, CustodyKind::None);
    assert_eq!((b.k(), b.n()), (0, 0));
    assert!(!b.offers_lawful_access());
    assert!(b.weakened_controls().is_empty());
    assert_eq!(b.audit.log, AuditMode::None);

    let s = Scheme::load("single-key").unwrap();
    assert_eq!((s.k(), s.n()), (1, 1));
    assert_eq!(s.field.binding, Binding::Checksum);
    assert_eq!(s.weakened_controls(), ["checksum binding (16 bits)"]);

    let t = Scheme::load("threshold-3of5").unwrap();
    assert_eq!((t.k(), t.n()), (3, 5));
    assert_eq!(t.custody.keygen, Keygen::Dealer);
    assert!(t.weakened_controls().is_empty());

    let e = Scheme::load("threshold-3of5-epoch").unwrap();
    assert_eq!(e.custody.lifetime, Lifetime::Epoch);
    assert_eq!(e.custody.retention, 1);
    assert!(e.custody.refresh);

    let h = Scheme::load("hardened").unwrap();
    assert_eq!(h.custody.keygen, Keygen::Dkg);
    assert_eq!(h.field.binding, Binding::Recompute);
    assert_eq!(h.warrant.court, Court::Threshold { k: 2, n: 3 });
    assert_eq!(h.audit.log, AuditMode::Witnessed);
    assert!(h.weakened_controls().is_empty());
    assert_eq!(h.court_kn(), (2, 3));
    assert!(h.client.roster_check && h.client.pin_escrow_key);
    assert_eq!(t.court_kn(), (1, 1));
    assert!(!t.client.roster_check && !t.client.pin_escrow_key);
}

#[test]
fn defaults_apply() {
    let s = Scheme::from_toml_str(BASE, "t.toml").unwrap();
    assert_eq!(s.backend, None);
    assert_eq!(s.field.binding, Binding::Signed);
    assert_eq!(s.field.checksum_bits, 16);
    assert_eq!(s.warrant.court, Court::Single);
    assert!(s.warrant.check_signature && s.warrant.check_expiry && s.warrant.check_scope);
    assert!(s.warrant.replay_cache);
    assert_eq!(s.warrant.use_limit, 1);
    assert_eq!(s.audit.log, AuditMode::HashChain);
    assert!(s.combiner.verify_shares);
    let with_backend = format!("backend = \"threshold_crypto\"\n{BASE}");
    let s = Scheme::from_toml_str(&with_backend, "t.toml").unwrap();
    assert_eq!(s.backend.map(|b| b.name()), Some("threshold_crypto"));
}

#[test]
fn broken_fixtures_load_by_path_and_say_what_is_weak() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/schemes/broken/");
    let cases = [
        ("no-scope-check", vec!["no scope check"]),
        ("no-replay-cache", vec!["no replay cache", "no use limit"]),
        (
            "unverified-combiner",
            vec!["combiner does not verify shares"],
        ),
        ("checksum-8", vec!["checksum binding (8 bits)"]),
    ];
    for (name, weak) in cases {
        let path = format!("{dir}{name}.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# BROKEN: "), "{name} says what is broken");
        let s = Scheme::load(&path).unwrap();
        assert_eq!(s.name, format!("broken/{name}"));
        assert_eq!(s.weakened_controls(), weak, "{name}");
        assert!(
            Scheme::load(&format!("broken/{name}")).is_err(),
            "not a built-in"
        );
    }
}

#[test]
fn threshold_k_and_n_errors_point_at_the_key() {
    assert_at(
        &BASE.replace("k = 3", "k = 0"),
        "5:1",
        "k must be at least 1",
    );
    assert_at(
        &BASE.replace("k = 3", "k = 6"),
        "5:1",
        "k = 6 is larger than n = 5",
    );
    assert_at(
        &BASE.replace("n = 5", "n = 0"),
        "6:1",
        "n must be at least 1",
    );
    assert_at(
        &BASE.replace("n = 5", "n = 65"),
        "6:1",
        "above the limit of 64",
    );
    let ok = BASE.replace("n = 5", &format!("n = {MAX_AGENTS}"));
    Scheme::from_toml_str(&ok, "t.toml").unwrap();
    // k defaulted (absent) and larger than n: points at the [custody] table.
    let text = "name = \"t\"\nsummary = \"s\"\n[custody]\nkind = \"threshold\"\nk = 2\n";
    assert_at(text, "5:1", "k = 2 is larger than n = 1");
    // Indented key: the column follows.
    assert_at(&BASE.replace("k = 3", "   k = 9"), "5:4", "larger than n");
}

#[test]
fn single_and_none_custody_take_no_k_or_n() {
    let single = "name = \"t\"\nsummary = \"s\"\n[custody]\nkind = \"single\"\nn = 3\n";
    assert_at(single, "5:1", "custody kind `single` takes no n");
    let single = "name = \"t\"\nsummary = \"s\"\n[custody]\nkind = \"single\"\nk = 1\nn = 1\n";
    assert_eq!(Scheme::from_toml_str(single, "t.toml").unwrap().k(), 1);
    let none = "name = \"t\"\nsummary = \"s\"\n[custody]\nkind = \"none\"\nk = 2\n";
    assert_at(none, "5:1", "custody kind `none` takes no k");
}

#[test]
fn checksum_bits_are_checked_only_for_checksum_binding() {
    let t = format!("{BASE}[field]\nbinding = \"checksum\"\nchecksum_bits = 0\n");
    assert_at(&t, "9:1", "checksum_bits = 0 is outside 1..=64");
    let t = format!("{BASE}[field]\nbinding = \"checksum\"\nchecksum_bits = 65\n");
    assert_at(&t, "9:1", "checksum_bits = 65");
    let t = format!("{BASE}[field]\nbinding = \"signed\"\nchecksum_bits = 0\n");
    Scheme::from_toml_str(&t, "t.toml").unwrap();
    // custody none with a binding is fine (the binding is ignored).
    let t = "name = \"t\"\nsummary = \"s\"\n[custody]\nkind = \"none\"\n[field]\nbinding = \"recompute\"\n";
    Scheme::from_toml_str(t, "t.toml").unwrap();
}

#[test]
fn court_errors_point_inside_the_inline_table() {
    let court = |c: &str| format!("{BASE}[warrant]\ncourt = {c}\n");
    assert_at(
        &court("{ kind = \"threshold\", k = 4, n = 3 }"),
        "8:31",
        "court k = 4 is larger than court n = 3",
    );
    assert_at(
        &court("{ kind = \"threshold\", k = 0, n = 3 }"),
        "8:31",
        "court k must be at least 1",
    );
    assert_at(
        &court("{ kind = \"threshold\", k = 2, n = 17 }"),
        "8:38",
        "above the limit of 16 judges",
    );
    assert_at(
        &court("{ kind = \"threshold\", k = 0, n = 0 }"),
        "8:38",
        "court n must be at least 1",
    );
    let ok = Scheme::from_toml_str(&court("{ kind = \"threshold\", k = 16, n = 16 }"), "t.toml")
        .unwrap();
    assert_eq!(ok.warrant.court, Court::Threshold { k: 16, n: 16 });
    // Unknown kind or stray key in the court table: rejected on the court line.
    assert!(err(&court("{ kind = \"panel\" }")).starts_with("t.toml:8:"));
    assert!(err(&court("{ kind = \"single\", k = 2 }")).starts_with("t.toml:8:"));
    assert!(err(&court("{ kind = \"threshold\", k = 2, n = 3, m = 1 }")).starts_with("t.toml:8:"));
}

#[test]
fn retention_name_and_summary_are_checked() {
    let t = BASE.replace("n = 5", "n = 5\nretention = 1001");
    assert_at(&t, "7:1", "retention = 1001 is above the limit of 1000");
    Scheme::from_toml_str(&BASE.replace("n = 5", "n = 5\nretention = 1000"), "t.toml").unwrap();

    assert_at(
        &BASE.replace("name = \"t\"", "name = \"\""),
        "1:1",
        "name must not be empty",
    );
    assert_at(
        &BASE.replace("name = \"t\"", "name = \"Big\""),
        "1:1",
        "name may contain only",
    );
    assert_at(
        &BASE.replace("name = \"t\"", "name = \"a b\""),
        "1:1",
        "name may contain only",
    );
    let long = format!("name = \"{}\"", "a".repeat(65));
    assert_at(
        &BASE.replace("name = \"t\"", &long),
        "1:1",
        "longer than 64",
    );
    let ok = format!("name = \"{}\"", "a".repeat(64));
    Scheme::from_toml_str(&BASE.replace("name = \"t\"", &ok), "t.toml").unwrap();
    Scheme::from_toml_str(&BASE.replace("name = \"t\"", "name = \"x/y-2\""), "t.toml").unwrap();

    let s = BASE.replace("summary = \"a test scheme\"", "summary = \"  \"");
    assert_at(&s, "2:1", "summary must not be empty");
    let s = BASE.replace("summary = \"a test scheme\"", "summary = \"two\\nlines\"");
    assert_at(&s, "2:1", "summary must be a single line");
}

#[test]
fn unknown_keys_are_rejected_where_they_are() {
    assert_at(
        &format!("{BASE}colour = \"red\"\n"),
        "7:1",
        "unknown field `colour`",
    );
    assert_at(
        &format!("{BASE}[audit]\nlog = \"none\"\n  verbose = true\n"),
        "9:3",
        "unknown field `verbose`",
    );
    assert_at(
        &format!("surprise = 1\n{BASE}"),
        "1:1",
        "unknown field `surprise`",
    );
    let t = format!("{BASE}[extra]\nx = 1\n");
    assert!(err(&t).starts_with("t.toml:7:"), "{}", err(&t));
}

#[test]
fn wrong_types_and_values_are_rejected() {
    let msg = err(&BASE.replace("k = 3", "k = \"three\""));
    assert!(msg.starts_with("t.toml:5:5: "), "{msg}");
    let msg = err(&BASE.replace("k = 3", "k = -1"));
    assert!(msg.starts_with("t.toml:5:5: "), "{msg}");
    let msg = err(&BASE.replace("\"threshold\"", "\"many\""));
    assert!(msg.starts_with("t.toml:4:8: "), "{msg}");
    assert!(msg.contains("many"), "{msg}");
    let msg = err(&format!("{BASE}[audit]\nlog = \"hashchain\"\n"));
    assert!(msg.starts_with("t.toml:8:7: "), "{msg}");
    let msg = err(&format!("backend = \"openssl\"\n{BASE}"));
    assert!(msg.starts_with("t.toml:1:11: "), "{msg}");
    let msg = err(&format!("{BASE}[warrant]\ncheck_scope = \"no\"\n"));
    assert!(msg.starts_with("t.toml:8:15: "), "{msg}");
    // TOML syntax error.
    let msg = err(&format!("{BASE}[field\n"));
    assert!(msg.starts_with("t.toml:7:"), "{msg}");
}

#[test]
fn missing_required_keys_are_rejected() {
    let msg = err(&BASE.replace("name = \"t\"\n", ""));
    assert!(
        msg.starts_with("t.toml:1:1: ") && msg.contains("missing field `name`"),
        "{msg}"
    );
    let msg = err(&BASE.replace("summary = \"a test scheme\"\n", ""));
    assert!(msg.contains("missing field `summary`"), "{msg}");
    let msg = err("name = \"t\"\nsummary = \"s\"\n");
    assert!(msg.contains("missing field `custody`"), "{msg}");
    let msg = err("name = \"t\"\nsummary = \"s\"\n[custody]\nk = 1\n");
    assert!(msg.contains("missing field `kind`"), "{msg}");
}

#[test]
fn load_by_path_reads_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.toml");
    std::fs::write(&path, BASE).unwrap();
    let s = Scheme::load(path.to_str().unwrap()).unwrap();
    assert_eq!((s.name.as_str(), s.k(), s.n()), ("t", 3, 5));

    // Errors name the file as given.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, BASE.replace("k = 3", "k = 9")).unwrap();
    let msg = Scheme::load(bad.to_str().unwrap()).unwrap_err().to_string();
    assert!(
        msg.starts_with(&format!("{}:5:1: ", bad.display())),
        "{msg}"
    );

    // Not UTF-8: the file and place are named.
    let bin = dir.path().join("bin.toml");
    std::fs::write(&bin, b"name = \"t\"\nsummary = \"\xff\"\n").unwrap();
    let e = Scheme::load(bin.to_str().unwrap()).unwrap_err();
    assert!(matches!(e, Error::Config { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.starts_with(&format!("{}:2:12: ", bin.display())),
        "{msg}"
    );
    assert!(msg.contains("not valid UTF-8"), "{msg}");

    // Too large.
    let big = dir.path().join("big.toml");
    let mut text = BASE.to_string();
    text.push_str(&"# padding padding padding padding padding padding padding\n".repeat(20_000));
    std::fs::write(&big, text).unwrap();
    let msg = Scheme::load(big.to_str().unwrap()).unwrap_err().to_string();
    assert!(msg.contains("larger than the limit"), "{msg}");
}

#[test]
fn unknown_name_lists_the_builtins() {
    let e = Scheme::load("no-such-scheme").unwrap_err();
    assert!(matches!(e, Error::Input(_)), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("no-such-scheme"), "{msg}");
    for name in Scheme::builtin_names() {
        assert!(msg.contains(name), "{name} missing from: {msg}");
    }
}

#[test]
fn court_kind_and_keys_must_agree() {
    let court = |c: &str| format!("{BASE}[warrant]\ncourt = {c}\n");
    let msg = err(&court("{ kind = \"single\", k = 2, n = 3 }"));
    assert!(
        msg.starts_with("t.toml:8:9: ") && msg.contains("takes no k or n"),
        "{msg}"
    );
    let msg = err(&court("{ kind = \"threshold\", k = 2 }"));
    assert!(
        msg.starts_with("t.toml:8:9: ") && msg.contains("needs both k and n"),
        "{msg}"
    );
}

/// A scheme of mechanism family `family` with the `[mechanism]` table `params`.
fn family_scheme(family: &str, params: &str) -> String {
    format!(
        "name = \"f\"\nsummary = \"a family scheme\"\n[custody]\nkind = \"none\"\n\
         [mechanism]\nfamily = \"{family}\"\nparams = {{ {params} }}\n"
    )
}

#[test]
fn a_familys_parameters_are_checked_like_custody_naming_the_family_and_the_type() {
    // k <= n, as custody's; k = n is the largest accepted.
    assert!(
        Scheme::from_toml_str(&family_scheme("public-ledger", "k = 3, n = 3"), "t.toml").is_ok()
    );
    assert_at(
        &family_scheme("public-ledger", "k = 9, n = 3"),
        "7:12",
        "mechanism family `public-ledger`: k = 9 is larger than n = 3",
    );
    // The default n (5) counts: k = 6 alone is larger.
    assert_at(
        &family_scheme("public-ledger", "k = 6"),
        "7:12",
        "k = 6 is larger than n = 5",
    );
    // Wrong types: the family, the type wanted and the type found, never serde's words.
    for (params, found) in [
        ("k = 2.5", "not the float 2.5"),
        ("k = \"10\"", "not the string \"10\""),
        ("k = true", "not the boolean true"),
        ("k = [1]", "not an array"),
    ] {
        let msg = err(&family_scheme("public-ledger", params));
        assert!(
            msg.starts_with("t.toml:7:12: mechanism family `public-ledger`: parameter `k` is an integer in 1..=15, "),
            "{params}: {msg}"
        );
        assert!(msg.ends_with(found), "{params}: {msg}");
        assert!(!msg.contains("untagged"), "{msg}");
    }
    assert_at(
        &family_scheme("hsm-guess-limit", "passcode = 4"),
        "7:12",
        "mechanism family `hsm-guess-limit`: parameter `passcode` is one of the strings",
    );
    assert_at(
        &family_scheme("hsm-guess-limit", "members = 100"),
        "7:12",
        "mechanism family `hsm-guess-limit`: parameter `members` = 100 is not accepted (accepted: an integer in 1..=15)",
    );
    assert_at(
        &family_scheme("hsm-guess-limit", "speed = 1"),
        "7:12",
        "mechanism family `hsm-guess-limit` has no parameter `speed` (its parameters: ",
    );
    // A [mechanism] table without a family is not silently session escrow.
    assert_at(
        "name = \"f\"\nsummary = \"s\"\n[custody]\nkind = \"none\"\n[mechanism]\nparams = { k = 2 }\n",
        "5:2",
        "[mechanism] needs `family` (one of: session-escrow, ",
    );
}

#[test]
fn hsm_attacks_refuse_more_members_than_the_cluster_has() {
    use escrowlab::attack::{ParamValue, Params, RunSize};
    use std::collections::BTreeMap;
    let registry = escrowlab::attacks::builtins();
    let population = escrowlab::world::Population::default();
    for (scheme, members) in [
        (Scheme::load("hsm-guess-limit").unwrap(), 5),
        (
            Scheme::from_toml_str(&family_scheme("hsm-guess-limit", "members = 3"), "t.toml")
                .unwrap(),
            3,
        ),
    ] {
        let size = RunSize::of(&scheme, &population);
        assert_eq!(size.members, Some(members));
        for id in ["hsm-brute-force", "hsm-counter-rollback"] {
            let specs = registry.find(id).unwrap().meta().params;
            let given = |m: i64| BTreeMap::from([("members".to_string(), ParamValue::Int(m))]);
            assert!(Params::check_run(id, specs, &given(members as i64), &size).is_ok());
            let e = Params::check_run(id, specs, &given(members as i64 + 1), &size)
                .unwrap_err()
                .to_string();
            assert_eq!(
                e,
                format!(
                    "attack `{id}`: parameter `members` = {} is outside the run: the run has \
                     {members} HSM members",
                    members + 1
                )
            );
        }
    }
    // Through the command line: refused before any work, with exit 2.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_escrowlab"))
        .args([
            "attack",
            "hsm-counter-rollback",
            "--scheme",
            "hsm-guess-limit",
        ])
        .args(["--users", "20", "--param", "members=15"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("parameter `members` = 15 is outside the run: the run has 5 HSM members"),
        "{err}"
    );
}
