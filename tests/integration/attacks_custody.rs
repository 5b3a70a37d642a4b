//! mobile-adversary, dealer, collusion, rogue-agent and malicious-shares: measured figures
//! against schemes where each must succeed and where each must be blocked or detected.

use crate::common;
use common::{cell, int};
use escrowlab::attack::ParamValue;
use escrowlab::backend::BackendKind;
use escrowlab::runner::{run_one, CellResult};
use std::collections::BTreeMap;

const UNVERIFIED: &str = "fixtures/schemes/broken/unverified-combiner.toml";

fn word(s: &str) -> ParamValue {
    ParamValue::Str(s.into())
}

fn fig(c: &CellResult, name: &str) -> f64 {
    c.cost
        .get(name)
        .and_then(|v| v.as_f64())
        .unwrap_or_else(|| panic!("figure `{name}` missing: {:?}", c.cost))
}

/// threshold-3of5 with proactive refresh of its static key (isolates refresh from epoch keys).
fn static_refreshed_cell(attack: &str) -> CellResult {
    let mut cfg = common::config("threshold-3of5", BackendKind::Blsttc, 7);
    cfg.scheme.custody.refresh = true;
    cfg.scheme.name = "threshold-3of5-refresh".into();
    let c = run_one(
        &escrowlab::attacks::builtins(),
        &cfg.scheme,
        attack,
        &BTreeMap::new(),
        &cfg,
    )
    .expect("cell runs");
    assert!(c.error.is_none(), "{:?}", c.error);
    c
}

#[test]
fn mobile_adversary_rebuilds_a_static_key_after_k_epochs() {
    let c = cell("threshold-3of5", "mobile-adversary", &[]);
    assert_eq!(
        fig(&c, "epochs_to_key"),
        2.0,
        "breaches at epochs 0, 1, 2 give k = 3 shares"
    );
    assert_eq!(fig(&c, "breaches_to_key"), 3.0);
    assert_eq!(fig(&c, "shares_collected"), 4.0);
    assert_eq!(c.exposure.fraction, 1.0);
    common::out_of_scope_but_the_standing_docket(&c, c.exposure.messages);
    assert!(!c.detected, "{:?}", c.detected_by);
    assert_eq!(c.blocked_by, None);
    // Two epochs are two breaches: not enough.
    let short = cell("threshold-3of5", "mobile-adversary", &[("epochs", int(2))]);
    assert_eq!(fig(&short, "epochs_to_key"), -1.0);
    assert_eq!(short.exposure.messages, 0);
    assert_eq!(short.blocked_by.as_deref(), Some("threshold-custody"));
    // One agency key falls at the first breach.
    let single = cell("single-key", "mobile-adversary", &[]);
    assert_eq!(fig(&single, "epochs_to_key"), 0.0);
    assert_eq!(single.exposure.fraction, 1.0);
}

#[test]
fn mobile_adversary_is_stopped_by_refresh_and_by_epoch_keys() {
    let c = static_refreshed_cell("mobile-adversary");
    assert_eq!(c.exposure.messages, 0);
    assert_eq!(
        fig(&c, "most_agents_per_key"),
        4.0,
        "four agents' shares of the one key were taken"
    );
    // Breaches at the start of epochs 0 and 1 precede the first refresh (epoch 1's boundary):
    // two shares of generation 0, then one each of generations 1 and 2.
    assert_eq!(
        fig(&c, "most_shares_per_generation"),
        2.0,
        "never k from one generation"
    );
    assert_eq!(fig(&c, "epochs_to_key"), -1.0);
    assert_eq!(c.blocked_by.as_deref(), Some("proactive-refresh"));
    for scheme in ["threshold-3of5-epoch", "hardened"] {
        let c = cell(scheme, "mobile-adversary", &[]);
        assert_eq!(c.exposure.messages, 0, "{scheme}");
        assert_eq!(fig(&c, "epochs_to_key"), -1.0, "{scheme}");
        assert!(fig(&c, "most_shares_per_generation") < 3.0, "{scheme}");
        assert_eq!(c.blocked_by.as_deref(), Some("epoch-keys"), "{scheme}");
    }
}

#[test]
fn dealer_keeps_every_master_silently() {
    for scheme in ["threshold-3of5", "threshold-3of5-epoch", "single-key"] {
        let c = cell(scheme, "dealer", &[]);
        assert_eq!(c.exposure.fraction, 1.0, "{scheme}");
        assert_eq!(c.exposure.users, c.exposure.users_total, "{scheme}");
        assert!(!c.detected, "{scheme}: {:?}", c.detected_by);
        assert_eq!(fig(&c, "keys_kept"), fig(&c, "keys_generated"), "{scheme}");
    }
    // Epoch keys: the dealer kept the four traffic keys and the one made at the final boundary,
    // including those the agents destroyed.
    assert_eq!(
        fig(&cell("threshold-3of5-epoch", "dealer", &[]), "keys_kept"),
        5.0
    );
}

#[test]
fn dealer_runs_through_the_ledger_and_hsm_key_ceremonies() {
    // The ledger's trusted dealer kept the agents' master secret: every field opens, with
    // no agent asked and nothing on the ledger.
    let l = cell("public-ledger", "dealer", &[]);
    assert_eq!(l.blocked_by, None, "{:?}", l.blocked_by);
    assert_eq!(l.exposure.fraction, 1.0);
    assert_eq!(fig(&l, "keys_kept"), 1.0);
    assert!(!l.detected, "{:?}", l.detected_by);
    // The HSM ceremony's copy of the cluster key unlocks every uploaded record; every
    // passcode then falls offline, past the limit.
    let h = cell("hsm-guess-limit", "dealer", &[]);
    assert_eq!(h.blocked_by, None, "{:?}", h.blocked_by);
    assert!(fig(&h, "records_uploaded") > 1.0);
    assert_eq!(fig(&h, "records_unlocked"), fig(&h, "records_uploaded"));
    assert!(fig(&h, "records_opened") >= h.exposure.users_total as f64);
    assert!(fig(&h, "offline_tries") > fig(&h, "records_opened") * 10.0);
    assert_eq!(h.exposure.fraction, 1.0);
    assert!(!h.detected, "{:?}", h.detected_by);
    // Under the other families there is still no dealer.
    let g = cell("ghost-user", "dealer", &[]);
    assert_eq!(g.blocked_by.as_deref(), Some("not-applicable"));
}

#[test]
fn dealer_has_nothing_to_keep_under_dkg() {
    let c = cell("hardened", "dealer", &[]);
    assert_eq!(c.exposure.messages, 0);
    assert_eq!(fig(&c, "keys_kept"), 0.0);
    assert_eq!(c.blocked_by.as_deref(), Some("dkg"));
}

#[test]
fn inconsistent_dealer_breaks_subsets_and_is_detected() {
    let c = cell(
        "threshold-3of5",
        "dealer",
        &[("mode", word("inconsistent")), ("victim", int(0))],
    );
    assert_eq!(c.exposure.messages, 0);
    // 3-subsets of 5 containing agent 0: C(4,2) = 6 of C(5,3) = 10.
    assert_eq!(fig(&c, "subsets"), 10.0);
    assert_eq!(fig(&c, "failing_subsets_fraction"), 0.6);
    assert_eq!(
        fig(&c, "lawful_success_all_agents"),
        1.0,
        "the verifying combiner uses the other four"
    );
    assert!(
        c.detected_by
            .contains(&"share-commitment-check".to_string()),
        "{:?}",
        c.detected_by
    );
    assert!(
        c.detected_by.contains(&"share-verification".to_string()),
        "{:?}",
        c.detected_by
    );
    // Under DKG there is no dealer to make inconsistent.
    let h = cell("hardened", "dealer", &[("mode", word("inconsistent"))]);
    assert_eq!(fig(&h, "failing_subsets_fraction"), 0.0);
    assert!(!h.detected, "{:?}", h.detected_by);
    assert_eq!(h.blocked_by.as_deref(), Some("dkg"));
}

#[test]
fn k_colluders_open_everything_undetected() {
    let c = cell("threshold-3of5", "collusion", &[]);
    assert_eq!(c.exposure.fraction, 1.0);
    // No warrant of the attack's covers any of it.
    common::out_of_scope_but_the_standing_docket(&c, c.exposure.messages);
    assert!(
        !c.detected,
        "act_as_agent leaves no audit record: {:?}",
        c.detected_by
    );
    assert_eq!(fig(&c, "sessions_combine_failed"), 0.0);
}

#[test]
fn collusion_below_threshold_or_after_key_destruction() {
    let c = cell("threshold-3of5", "collusion", &[("colluders", int(2))]);
    assert_eq!(c.exposure.messages, 0);
    assert_eq!(c.blocked_by.as_deref(), Some("threshold-custody"));
    assert_eq!(
        fig(&c, "sessions_combine_failed"),
        fig(&c, "shares_released") / 2.0
    );
    // Epoch keys, retention 1: at the end only epoch 3's key is still held: a quarter.
    for scheme in ["threshold-3of5-epoch", "hardened"] {
        let e = cell(scheme, "collusion", &[]);
        assert_eq!(e.exposure.fraction, 0.25, "{scheme}");
        assert!(!e.detected, "{scheme}: {:?}", e.detected_by);
        assert_eq!(
            fig(&e, "sessions_key_destroyed"),
            3.0 * fig(&e, "sessions_opened"),
            "{scheme}"
        );
    }
    // Colluding earlier (start of epoch 2) while keys 0 and 1 are still held opens what was sent so far.
    let early = cell("threshold-3of5-epoch", "collusion", &[("at_epoch", int(2))]);
    assert_eq!(early.exposure.fraction, 0.5);
}

#[test]
fn rogue_agent_leak_lowers_the_bar_to_k_minus_one() {
    let c = cell("threshold-3of5", "rogue-agent", &[]);
    assert_eq!(fig(&c, "agents_compromised"), 1.0);
    assert_eq!(c.exposure.messages, 0);
    assert_eq!(c.blocked_by.as_deref(), Some("threshold-custody"));
    let one = cell(
        "threshold-3of5",
        "rogue-agent",
        &[("extra_breaches", int(1))],
    );
    assert_eq!(one.exposure.messages, 0, "leak + k - 2 breaches");
    let two = cell(
        "threshold-3of5",
        "rogue-agent",
        &[("extra_breaches", int(2))],
    );
    assert_eq!(two.exposure.fraction, 1.0, "leak + k - 1 breaches");
    assert_eq!(fig(&two, "keys_recovered"), 1.0);
}

#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn rogue_agent_cannot_reuse_shares_on_other_fields() {
    let c = cell("threshold-3of5", "rogue-agent", &[("mode", word("reuse"))]);
    assert!(
        c.exposure.messages > 0,
        "the case's shares open the warranted sessions"
    );
    assert_eq!(c.out_of_scope, 0);
    assert_eq!(fig(&c, "other_sessions_opened"), 0.0);
    assert!(fig(&c, "reuse_tries") > 100.0);
    // Something was exposed (the warranted sessions), so nothing "blocked" the cell; the
    // combiner's share check is what refused every reuse, and it says so.
    assert_eq!(c.blocked_by, None);
    assert!(
        c.refusals
            .iter()
            .any(|e| e.control == "share-verification" && e.source == "combiner"),
        "{:?}",
        c.refusals
    );
}

#[test]
fn rogue_combiner_cannot_rebuild_the_master_key() {
    let c = cell(
        "threshold-3of5",
        "rogue-agent",
        &[("mode", word("combiner"))],
    );
    assert_eq!(fig(&c, "keys_recovered"), 0.0);
    assert!(fig(&c, "rebuild_attempts") > 0.0);
    assert_eq!(c.out_of_scope, 0, "it reads only what the warrant covers");
    // Decryption shares read as scalars fail the published master-key check.
    assert!(
        c.refusals
            .iter()
            .any(|e| e.control == "published-key-check"),
        "{:?}",
        c.refusals
    );
}

#[test]
fn verifying_combiner_survives_malicious_shares_and_names_the_agent() {
    for kind in ["random", "duplicate", "wrong-key", "wrong-ciphertext"] {
        let c = cell(
            "threshold-3of5",
            "malicious-shares",
            &[("kind", word(kind)), ("agent", int(1))],
        );
        assert_eq!(fig(&c, "lawful_success_rate"), 1.0, "{kind}");
        assert_eq!(fig(&c, "agent_named"), 1.0, "{kind}");
        assert_eq!(
            c.detected_by,
            vec!["share-verification".to_string()],
            "{kind}"
        );
        assert_eq!(c.exposure.messages, 0, "{kind}");
    }
}

#[test]
fn unverified_combiner_fails_and_names_nobody() {
    for kind in ["random", "duplicate", "wrong-key", "wrong-ciphertext"] {
        let c = cell(UNVERIFIED, "malicious-shares", &[("kind", word(kind))]);
        assert_eq!(
            fig(&c, "lawful_success_rate"),
            0.0,
            "{kind}: the rogue share is among the first k"
        );
        assert!(fig(&c, "failed_sessions") > 0.0, "{kind}");
        assert_eq!(fig(&c, "agent_named"), 0.0, "{kind}");
        assert!(!c.detected, "{kind}: {:?}", c.detected_by);
        assert_eq!(c.exposure.messages, 0, "{kind}");
    }
}
