//! key-theft, share-theft and endpoint-compromise: measured figures against schemes where
//! each must succeed and where each must be blocked.

use crate::common;
use common::{cell, int};

#[test]
fn key_theft_single_key_exposes_everything_past_and_future() {
    let c = cell("single-key", "key-theft", &[("at_epoch", int(2))]);
    assert_eq!(c.exposure.fraction, 1.0);
    assert_eq!(c.exposure.users, c.exposure.users_total);
    assert!(
        c.before_compromise > 0,
        "messages from epochs 0-1 were sent before the theft"
    );
    // Every message is out of scope but the standing docket's targets' (their warrants
    // cover them, whoever reads).
    assert!(c.docket.targets > 0);
    assert!(c.out_of_scope < c.exposure.messages, "{}", c.out_of_scope);
    assert!(
        c.out_of_scope * 5 >= c.exposure.messages * 4,
        "{}",
        c.out_of_scope
    );
    assert!(
        !c.detected,
        "a vault copy leaves no trace: {:?}",
        c.detected_by
    );
}

#[test]
fn key_theft_threshold_is_blocked_by_custody() {
    let c = cell("threshold-3of5", "key-theft", &[]);
    assert_eq!(c.exposure.messages, 0);
    assert_eq!(c.blocked_by.as_deref(), Some("threshold-custody"));
}

#[test]
fn share_theft_below_threshold_gets_nothing_and_at_threshold_everything() {
    for stolen in 0..=2 {
        let c = cell("threshold-3of5", "share-theft", &[("stolen", int(stolen))]);
        assert_eq!(c.exposure.messages, 0, "stolen = {stolen}");
    }
    let c = cell("threshold-3of5", "share-theft", &[("stolen", int(3))]);
    assert_eq!(c.exposure.fraction, 1.0);
}

#[test]
fn share_theft_epoch_keys_limit_the_damage() {
    let c = cell(
        "threshold-3of5-epoch",
        "share-theft",
        &[("stolen", int(3)), ("at_epoch", int(2))],
    );
    assert!(
        c.exposure.fraction > 0.0 && c.exposure.fraction < 1.0,
        "{}",
        c.exposure.fraction
    );
}

#[test]
fn endpoint_compromise_exposes_one_users_conversations_only() {
    let c = cell("e2e-baseline", "endpoint-compromise", &[("user", int(3))]);
    assert!(c.exposure.messages > 0);
    assert!(c.exposure.fraction < 0.2, "{}", c.exposure.fraction);
    let late = cell(
        "e2e-baseline",
        "endpoint-compromise",
        &[("user", int(3)), ("at_epoch", int(2))],
    );
    assert!(
        late.exposure.messages < c.exposure.messages,
        "forward secrecy: earlier epochs stay closed"
    );
    assert_eq!(late.before_compromise, 0);
}
