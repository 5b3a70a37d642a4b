//! warrant-replay, scope-abuse, target-substitution, warrant-forgery and audit-tamper:
//! measured figures against schemes where each must succeed and where each must be
//! blocked or detected.

use crate::common;
use common::{cell, int};
use escrowlab::attack::ParamValue;
use escrowlab::runner::CellResult;

const NO_REPLAY_CACHE: &str = "fixtures/schemes/broken/no-replay-cache.toml";
const NO_SCOPE_CHECK: &str = "fixtures/schemes/broken/no-scope-check.toml";

fn word(v: &str) -> ParamValue {
    ParamValue::Str(v.into())
}

fn figure(c: &CellResult, name: &str) -> i64 {
    c.cost
        .get(name)
        .and_then(|v| v.as_i64())
        .unwrap_or_else(|| panic!("no figure {name} in {:?}", c.cost))
}

fn detected(c: &CellResult, by: &str) -> bool {
    c.detected_by.iter().any(|d| d == by)
}

#[test]
fn warrant_replay_each_replay_is_refused_by_its_own_control() {
    for (mode, control) in [
        ("exact", "replay-cache"),
        ("fresh", "use-limit"),
        ("expired", "expiry"),
    ] {
        let c = cell("threshold-3of5", "warrant-replay", &[("mode", word(mode))]);
        assert_eq!(c.exposure.messages, 0, "{mode}");
        assert_eq!(c.blocked_by.as_deref(), Some(control), "{mode}");
        assert!(detected(&c, "agent-refusal"), "{mode}: {:?}", c.detected_by);
        assert_eq!(figure(&c, "replays_refused"), 1, "{mode}");
    }
    let all = cell("threshold-3of5", "warrant-replay", &[]);
    assert_eq!(all.exposure.messages, 0);
    // The best attempt: the fresh request got past expiry and the replay cache to the use
    // limit (the agents check in that order).
    assert_eq!(all.blocked_by.as_deref(), Some("use-limit"));
    assert_eq!(figure(&all, "replays_refused"), 3);
    assert_eq!(figure(&all, "replays_succeeded"), 0);
}

#[test]
fn warrant_replay_without_replay_cache_reads_the_warranted_messages() {
    let c = cell(NO_REPLAY_CACHE, "warrant-replay", &[]);
    assert!(c.exposure.messages > 0);
    // The exact bytes and the fresh request both get every share; expiry still holds.
    assert_eq!(figure(&c, "replays_succeeded"), 2);
    assert_eq!(figure(&c, "replays_refused"), 1);
    assert_eq!(
        figure(&c, "exact_shares_released"),
        5 * figure(&c, "warranted_sessions")
    );
    assert_eq!(figure(&c, "expired_shares_released"), 0);
    assert_eq!(c.blocked_by, None, "the attack was not stopped");
    // Read by someone who is not law enforcement, yet covered by a docketed warrant.
    assert_eq!(c.out_of_scope, 0);
    let exact = cell(
        NO_REPLAY_CACHE,
        "warrant-replay",
        &[("mode", word("exact"))],
    );
    assert_eq!(exact.exposure.messages, c.exposure.messages);
    assert!(
        !exact.detected,
        "a served replay leaves only granted records under a real warrant: {:?}",
        exact.detected_by
    );
}

#[test]
fn scope_abuse_is_refused_by_the_scope_check() {
    let c = cell("threshold-3of5", "scope-abuse", &[]);
    assert_eq!(c.out_of_scope, 0);
    // The officer reads what the warrant covers, so the cell is not "blocked"; every
    // out-of-scope item was refused by the agents' scope check, as they report it.
    assert_eq!(c.blocked_by, None);
    assert!(
        c.refusals
            .iter()
            .any(|e| e.control == "scope" && e.source.starts_with("agent ")),
        "{:?}",
        c.refusals
    );
    assert!(detected(&c, "agent-refusal"));
    assert_eq!(figure(&c, "victim_sessions"), 20);
    assert_eq!(figure(&c, "victim_sessions_served"), 0);
    // The officer still reads what the warrant covers.
    assert!(c.exposure.messages > 0);
}

#[test]
fn scope_abuse_without_scope_check_reads_other_users() {
    let c = cell(NO_SCOPE_CHECK, "scope-abuse", &[]);
    assert_eq!(figure(&c, "victim_sessions_served"), 20);
    // 20 victim sessions of 5 messages each.
    common::out_of_scope_but_the_standing_docket(&c, 20 * 5);
    assert_eq!(c.blocked_by, None);
    assert!(!c.detected, "{:?}", c.detected_by);
    let fewer = cell(NO_SCOPE_CHECK, "scope-abuse", &[("victims", int(4))]);
    assert!(fewer.out_of_scope <= 4 * 5 && fewer.out_of_scope < c.out_of_scope);
}

#[test]
fn target_substitution_opens_victims_under_a_checksum_binding() {
    let c = cell("single-key", "target-substitution", &[]);
    assert_eq!(figure(&c, "victim_sessions_read"), 10);
    common::out_of_scope_but_the_standing_docket(&c, 10 * 5);
    assert_eq!(c.exposure.messages, 10 * 5);
    assert_eq!(c.blocked_by, None);
}

#[test]
fn target_substitution_is_refused_by_a_signed_or_recomputed_binding() {
    for scheme in ["threshold-3of5", "hardened"] {
        let c = cell(scheme, "target-substitution", &[]);
        assert_eq!(c.out_of_scope, 0, "{scheme}");
        assert_eq!(c.exposure.messages, 0, "{scheme}");
        assert_eq!(c.blocked_by.as_deref(), Some("binding"), "{scheme}");
        assert!(detected(&c, "agent-refusal"), "{scheme}");
    }
}

#[test]
fn target_substitution_resigned_by_the_planted_account_passes_the_signature_check() {
    // The planted account's owner signs the substituted header with its own identity key:
    // a sender signature binds a field to a header, not to the header it was escrowed under.
    let c = cell(
        "threshold-3of5",
        "target-substitution",
        &[("resign", ParamValue::Bool(true))],
    );
    assert_eq!(figure(&c, "victim_sessions_served"), 10);
    common::out_of_scope_but_the_standing_docket(&c, 10 * 5);
    assert_eq!(c.blocked_by, None);
    // Hardened's field registry remembers the header each field was carried under: the
    // re-signed field is refused.
    let h = cell(
        "hardened",
        "target-substitution",
        &[("resign", ParamValue::Bool(true))],
    );
    assert_eq!(h.out_of_scope, 0);
    assert_eq!(h.blocked_by.as_deref(), Some("binding"));
    assert!(detected(&h, "agent-refusal"));
}

#[test]
fn warrant_forgery_with_one_court_key_reads_everything_but_the_docket_shows_it() {
    let c = cell("threshold-3of5", "warrant-forgery", &[("sessions", int(0))]);
    assert_eq!(c.exposure.fraction, 1.0);
    assert_eq!(figure(&c, "sessions_read"), figure(&c, "sessions_covered"));
    common::out_of_scope_but_the_standing_docket(&c, c.exposure.messages);
    assert_eq!(figure(&c, "court_key_recovered"), 1);
    assert_eq!(figure(&c, "agents_asked"), 3, "only k agents are needed");
    assert_eq!(c.detected_by, vec!["docket-audit".to_string()]);
    // The default requests a random 40 of the sessions (to bound the agents' pairings):
    // every one of them opens.
    let d = cell("threshold-3of5", "warrant-forgery", &[]);
    assert_eq!(figure(&d, "sessions_requested"), 40);
    assert_eq!(figure(&d, "sessions_read"), 40);
    assert_eq!(d.exposure.messages, 40 * 5);
}

#[test]
fn warrant_forgery_against_a_threshold_court_needs_k_judges() {
    let one = cell("hardened", "warrant-forgery", &[("judges_stolen", int(1))]);
    assert_eq!(one.exposure.messages, 0);
    assert_eq!(one.blocked_by.as_deref(), Some("signature"));
    assert_eq!(figure(&one, "court_key_recovered"), 0);
    assert!(detected(&one, "agent-refusal"));
    assert!(!detected(&one, "docket-audit"));
    let two = cell(
        "hardened",
        "warrant-forgery",
        &[("judges_stolen", int(2)), ("sessions", int(0))],
    );
    assert_eq!(figure(&two, "court_key_recovered"), 1);
    // Epoch keys with retention 1: only the last epoch's sessions are still readable.
    assert_eq!(two.exposure.fraction, 0.25);
    assert!(detected(&two, "docket-audit"));
}

#[test]
fn audit_tamper_against_a_hash_chain_catches_mid_log_edits_only() {
    for kind in ["edit", "delete", "reorder", "chain-reset", "insert"] {
        let c = cell("threshold-3of5", "audit-tamper", &[("tamper", word(kind))]);
        assert_eq!(c.exposure.messages, 0, "{kind}");
        assert_eq!(
            c.detected_by,
            vec![format!("audit-verify:{kind}")],
            "{kind}"
        );
        assert_eq!(figure(&c, "silent_accesses"), 0, "{kind}");
    }
    for kind in ["truncate", "rewrite"] {
        let c = cell("threshold-3of5", "audit-tamper", &[("tamper", word(kind))]);
        assert!(!c.detected, "{kind}: {:?}", c.detected_by);
        assert!(figure(&c, "records_hidden") > 0, "{kind}");
        assert_eq!(
            figure(&c, "silent_accesses"),
            figure(&c, "records_hidden"),
            "{kind}"
        );
    }
}

#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn audit_tamper_against_a_witnessed_log_is_always_caught() {
    for kind in [
        "edit",
        "delete",
        "reorder",
        "truncate",
        "rewrite",
        "chain-reset",
        "insert",
    ] {
        let c = cell("hardened", "audit-tamper", &[("tamper", word(kind))]);
        assert_eq!(
            c.detected_by,
            vec![format!("audit-verify:{kind}")],
            "{kind}"
        );
        assert_eq!(figure(&c, "silent_accesses"), 0, "{kind}");
        assert_eq!(c.exposure.messages, 0);
    }
}
