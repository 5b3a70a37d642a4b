//! Defences as mechanisms with their own failure modes (issue 23): every block and
//! detection says what it rests on, and the HSM guess limit's own failure modes (human
//! PINs guessed in frequency order, records destroyed past the limit, the cluster key held
//! whole by each member) and ledger gossip that sees a fork only when views meet are
//! exercised by attacks on the defence itself.

use crate::common::cell;
use escrowlab::attack::ParamValue;
use escrowlab::controls::BasisKind;

fn int(v: i64) -> ParamValue {
    ParamValue::Int(v)
}

fn figure(c: &escrowlab::runner::CellResult, k: &str) -> f64 {
    c.cost.get(k).and_then(|v| v.as_f64()).unwrap_or(0.0)
}

#[test]
fn a_guess_limit_block_carries_its_probability_and_a_roster_check_is_an_assumption() {
    // Enough single-target seeds are blocked; find the block in a sweep of targets = 1 by
    // guessing online only (members = 0).
    let c = cell(
        "hsm-guess-limit-signable",
        "hsm-brute-force",
        &[("members", int(0))],
    );
    assert_eq!(c.blocked_by.as_deref(), Some("guess-limit"), "{c:?}");
    let b = c.basis_of("guess-limit").expect("basis");
    assert_eq!(b.kind, BasisKind::Measured);
    // Uniform 4-digit passcodes, 10 guesses: 1 - 10/10000.
    assert!((b.probability.unwrap() - 0.999).abs() < 1e-9, "{b:?}");
    assert_eq!(c.blocked_shown().as_deref(), Some("guess-limit, p=0.999"));

    let g = cell("ghost-user-checked", "ghost", &[]);
    assert_eq!(g.blocked_by.as_deref(), Some("roster-check"));
    let b = g.basis_of("roster-check").expect("basis");
    assert_eq!(b.kind, BasisKind::Assumption);
    assert!(g.detected_only_by_assumption());
    assert_eq!(g.blocked_shown().as_deref(), Some("roster-check, assumed"));
}

#[test]
fn human_pins_fall_to_the_limit_an_order_of_magnitude_more_often_than_uniform_ones() {
    // Every user of the small population is a target, guessed online up to the limit.
    let all = int(1000);
    let human = cell(
        "hsm-guess-limit",
        "hsm-brute-force",
        &[("members", int(0)), ("targets", all.clone())],
    );
    let uniform = cell(
        "hsm-guess-limit-signable",
        "hsm-brute-force",
        &[("members", int(0)), ("targets", all)],
    );
    let destroyed_h = figure(&human, "records_destroyed");
    let destroyed_u = figure(&uniform, "records_destroyed");
    let targets = human.exposure.users_total as f64;
    assert!(destroyed_h > 0.0 && destroyed_u > 0.0);
    // Opened online = targets whose record was not destroyed (every target is guessed to
    // the end). Human PINs: 14.8 % expected; uniform: 0.1 %.
    let opened_h = targets - destroyed_h;
    let opened_u = targets - destroyed_u;
    assert!(
        opened_h >= 10.0 * opened_u.max(1.0) || opened_h / targets > 0.05,
        "{opened_h} vs {opened_u} of {targets}"
    );
    assert!(human.exposure.messages > uniform.exposure.messages);
}

#[test]
fn records_the_limit_destroyed_are_gone_from_a_later_breach() {
    let targets = int(30);
    let online = cell(
        "hsm-guess-limit",
        "hsm-brute-force",
        &[("members", int(0)), ("targets", targets.clone())],
    );
    let breach_after = cell(
        "hsm-guess-limit",
        "hsm-brute-force",
        &[
            ("members", int(3)),
            ("guess_first", ParamValue::Bool(true)),
            ("targets", targets.clone()),
        ],
    );
    let breach_only = cell(
        "hsm-guess-limit",
        "hsm-brute-force",
        &[("members", int(3)), ("targets", targets)],
    );
    assert!(figure(&breach_after, "records_destroyed") > 0.0);
    // The breach after the limit adds nothing to what guessing opened.
    assert_eq!(breach_after.exposure.messages, online.exposure.messages);
    // A breach before any guessing opens every target's record.
    assert!(breach_only.exposure.messages > online.exposure.messages);
}

#[test]
fn one_member_opens_every_record_when_each_holds_the_whole_cluster_key() {
    let whole = cell("hsm-guess-limit", "hsm-brute-force", &[("members", int(1))]);
    assert!(whole.exposure.messages > 0, "{whole:?}");
    let split = cell(
        "hsm-guess-limit-signable",
        "hsm-brute-force",
        &[("members", int(1))],
    );
    assert_eq!(split.exposure.messages, 0);
    assert_eq!(split.blocked_by.as_deref(), Some("cluster-majority"));
    assert_eq!(
        split.basis_of("cluster-majority").map(|b| b.kind),
        Some(BasisKind::Cryptographic)
    );
}

/// A public-ledger scheme file with the given gossip parameters (written under the
/// target directory; the test's own name keeps parallel tests apart).
fn ledger_scheme(tag: &str, monitors_pct: i64, interval: i64) -> String {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("ledger-gossip-{tag}.toml"));
    std::fs::write(
        &path,
        format!(
            "name = \"ledger-gossip-{tag}\"\nsummary = \"public ledger, gossip {monitors_pct} %\"\n\n\
             [custody]\nkind = \"none\"\n\n[field]\nbinding = \"none\"\n\n[audit]\nlog = \"none\"\n\n\
             [mechanism]\nfamily = \"public-ledger\"\n\
             params = {{ k = 3, n = 5, gossip = true, monitors_pct = {monitors_pct}, gossip_interval = {interval} }}\n"
        ),
    )
    .unwrap();
    path.display().to_string()
}

fn ledger_fork(scheme: &str, seed: u64) -> escrowlab::runner::CellResult {
    let cfg = crate::common::config(scheme, escrowlab::backend::BackendKind::Blsttc, seed);
    let c = escrowlab::runner::run_one(
        &escrowlab::attacks::builtins(),
        &cfg.scheme,
        "ledger-fork",
        &std::collections::BTreeMap::new(),
        &cfg,
    )
    .expect("cell runs");
    assert!(c.error.is_none(), "{:?}", c.error);
    c
}

#[test]
fn a_fork_is_seen_only_when_a_forked_agents_view_meets_a_monitor() {
    let none = ledger_fork(&ledger_scheme("none", 0, 1), 7);
    assert!(none.exposure.messages > 0);
    assert!(
        !none.detected_by.contains(&"ledger-gossip".to_string()),
        "{none:?}"
    );
    let all = ledger_fork(&ledger_scheme("all", 100, 3), 7);
    assert!(all.detected_by.contains(&"ledger-gossip".to_string()));
    let b = all.basis_of("ledger-gossip").unwrap();
    assert_eq!(b.kind, BasisKind::Assumption);
    // The attack acts at the end of epoch 4 of 4: the next round of every 3 is 2 epochs on.
    assert_eq!(b.delay_epochs, Some(2.0));
    // One agent in five gossips: detection over seeds is a probability, not a certainty.
    let scheme = ledger_scheme("fifth", 20, 1);
    let seen: Vec<bool> = (1..=10)
        .map(|s| {
            let c = ledger_fork(&scheme, s);
            if let Some(b) = c.basis_of("ledger-gossip") {
                assert_eq!(b.kind, BasisKind::Measured);
                assert!((b.probability.unwrap() - 0.488).abs() < 1e-9, "{b:?}");
            }
            c.detected_by.contains(&"ledger-gossip".to_string())
        })
        .collect();
    assert!(
        seen.iter().any(|d| *d) && seen.iter().any(|d| !*d),
        "{seen:?}"
    );
}

/// A public-ledger scheme file naming its records' sessions `record_ids`.
fn ledger_ids_scheme(record_ids: &str) -> String {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("ledger-ids-{record_ids}.toml"));
    std::fs::write(
        &path,
        format!(
            "name = \"ledger-ids-{record_ids}\"\nsummary = \"public ledger, record ids {record_ids}\"\n\n\
             [custody]\nkind = \"none\"\n\n[field]\nbinding = \"none\"\n\n[audit]\nlog = \"none\"\n\n\
             [mechanism]\nfamily = \"public-ledger\"\n\
             params = {{ k = 3, n = 5, record_ids = \"{record_ids}\" }}\n"
        ),
    )
    .unwrap();
    path.display().to_string()
}

#[test]
fn an_observer_names_the_docket_from_clear_records_and_nothing_from_committed_ones() {
    let clear = cell(&ledger_ids_scheme("clear"), "ledger-docket", &[]);
    assert!(clear.docket.targets > 0, "{:?}", clear.docket);
    assert_eq!(clear.docket.recall, 1.0, "{:?}", clear.docket);
    assert!(clear.docket.precision >= 0.5, "{:?}", clear.docket);
    assert_eq!(clear.exposure.messages, 0);
    assert!(figure(&clear, "sessions_linked") > 0.0);
    assert_eq!(clear.blocked_by, None);
    let committed = cell(&ledger_ids_scheme("committed"), "ledger-docket", &[]);
    assert_eq!(committed.docket.claimed, 0, "{:?}", committed.docket);
    assert_eq!(figure(&committed, "sessions_linked"), 0.0);
    assert_eq!(
        figure(&committed, "sessions_published"),
        figure(&clear, "sessions_published")
    );
    assert_eq!(committed.blocked_by.as_deref(), Some("session-commitment"));
    let b = committed.basis_of("session-commitment").unwrap();
    assert_eq!(b.kind, BasisKind::Cryptographic);
}

/// The device-escrow scheme with `params` (TOML inline-table body) on the small population.
fn device_scheme(params: &str) -> escrowlab::world::WorldConfig {
    let text = format!(
        "name = \"device-test\"\nsummary = \"device escrow under test\"\n[custody]\nkind = \
         \"none\"\n[field]\nbinding = \"none\"\n[audit]\nlog = \"none\"\n[mechanism]\nfamily = \
         \"device-escrow\"\nparams = {{ {params} }}\n"
    );
    let mut cfg =
        crate::common::config("device-escrow", escrowlab::backend::BackendKind::Blsttc, 7);
    cfg.scheme = escrowlab::config::scheme::Scheme::from_toml_str(&text, "device-test").unwrap();
    cfg
}

#[test]
fn binding_without_attestation_lets_the_relay_claim_the_victims_identity() {
    let cfg = device_scheme("bind_to_device = true");
    let c = crate::common::cell_with(&cfg, "device-relay", &[("victims", int(5))]);
    assert_eq!(figure(&c, "relays_tried"), 5.0, "{c:?}");
    assert_eq!(figure(&c, "relays_unlocked"), 5.0, "{c:?}");
    assert!(c.exposure.messages > 0, "{c:?}");
    assert!(
        !c.detected_by.iter().any(|d| d == "device-binding"),
        "{c:?}"
    );
}

#[test]
fn relay_proof_attestation_refuses_the_relay_with_the_probability_its_rounds_give() {
    // 32 rounds (the built-in scheme): every relay refused, the block measured.
    let c = cell(
        "device-escrow-bound",
        "device-relay",
        &[("victims", int(18))],
    );
    assert_eq!(figure(&c, "relays_tried"), 18.0, "{c:?}");
    assert_eq!(figure(&c, "relays_unlocked"), 0.0, "{c:?}");
    assert_eq!(c.exposure.messages, 0);
    assert_eq!(c.blocked_by.as_deref(), Some("device-attestation"));
    assert!(c.detected_by.iter().any(|d| d == "device-attestation"));
    let b = c.basis_of("device-attestation").expect("basis");
    assert_eq!(b.kind, BasisKind::Measured);
    assert!((b.probability.unwrap() - (1.0 - 0.75f64.powi(32))).abs() < 1e-12);

    // Two rounds: the pre-ask strategy passes with 0.75^2 = 0.5625 a relay; 18 relays (the
    // 36 users in conversations, paired).
    let cfg = device_scheme("bind_to_device = true, attestation = \"relay-proof\", db_rounds = 2");
    let c = crate::common::cell_with(&cfg, "device-relay", &[("victims", int(18))]);
    let passed = figure(&c, "relays_unlocked");
    assert_eq!(figure(&c, "relays_tried"), 18.0);
    // Binomial(20, 0.5625): mean 11.25, sd 2.2; outside [3, 19] has probability < 1e-4.
    assert!(
        (3.0..=19.0).contains(&passed),
        "{passed} of 20 relays passed 2 rounds"
    );
    assert!(c.exposure.messages > 0);
}
