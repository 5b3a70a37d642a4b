//! `insider-breach` run cell by cell through the library, the way escrowlab's own tests run
//! the built-ins: the registry is the built-ins plus this crate's attack.

use escrowlab::attack::{ParamValue, Registry};
use escrowlab::backend::BackendKind;
use escrowlab::config::scheme::Scheme;
use escrowlab::runner::{run_one, CellResult};
use escrowlab::world::{Population, WorldConfig};
use escrowlab_example_attack::InsiderBreach;
use std::collections::BTreeMap;

/// The built-in attacks plus `insider-breach`.
fn registry() -> Registry {
    escrowlab::attacks::builtins().with(&InsiderBreach)
}

/// The suite's tiny population (30 users, 3 epochs, 4 messages per session) under a
/// built-in scheme, seed 7, blsttc.
fn config(scheme: &str) -> WorldConfig {
    WorldConfig {
        scheme: Scheme::load(scheme).expect("built-in scheme loads"),
        population: Population {
            users: 30,
            epochs: 3,
            messages_per_session: 4,
            group_share: 0.2,
            conversations: None,
            ..Population::default()
        },
        seed: 7,
        backend: BackendKind::Blsttc,
    }
}

/// One `insider-breach` cell against a built-in scheme on a tiny population (the suite's:
/// 30 users, 3 epochs, 4 messages per session), seed 7, blsttc.
fn cell(scheme: &str, params: &[(&str, i64)]) -> CellResult {
    let config = config(scheme);
    let given: BTreeMap<String, ParamValue> = params
        .iter()
        .map(|(k, v)| (k.to_string(), ParamValue::Int(*v)))
        .collect();
    let c = run_one(
        &registry(),
        &config.scheme,
        "insider-breach",
        &given,
        &config,
    )
    .expect("cell runs");
    assert!(c.error.is_none(), "attack errored: {:?}", c.error);
    c
}

#[test]
fn registered_next_to_the_builtins() {
    let r = registry();
    assert!(r.find("insider-breach").is_some());
    assert!(r.find("key-theft").is_some());
    assert_eq!(r.len(), escrowlab::attacks::builtins().len() + 1);
}

#[test]
fn single_key_insider_reads_everything() {
    let c = cell("single-key", &[("agent", 0)]);
    assert!(c.check.exposed, "check: {:?}", c.check);
    assert!(c.exposure.messages_total > 0);
    assert_eq!(c.exposure.messages, c.exposure.messages_total);
    assert_eq!(c.exposure.fraction, 1.0);
    assert_eq!(c.blocked_by, None);
    assert!(!c.detected, "a vault copy is silent: {:?}", c.detections);
}

#[test]
fn threshold_one_vault_reads_nothing() {
    let c = cell("threshold-3of5", &[("extra", 0)]);
    assert!(!c.check.exposed, "check: {:?}", c.check);
    assert_eq!(c.exposure.messages, 0);
    // The label is the mechanism's (the published-key check on the rebuilt key), not ours.
    assert_eq!(c.blocked_by.as_deref(), Some("threshold-custody"));
}

#[test]
fn threshold_three_vaults_read_everything() {
    let c = cell("threshold-3of5", &[("extra", 2)]);
    assert!(c.check.exposed, "check: {:?}", c.check);
    assert!(c.exposure.messages_total > 0);
    assert_eq!(c.exposure.messages, c.exposure.messages_total);
    assert_eq!(c.blocked_by, None);
    assert_eq!(c.cost.get("agents_compromised"), Some(&3.into()));
}

#[test]
fn insider_at_another_agent_wraps_around() {
    // Agents 4, 0 and 1: three vaults, so the same as agents 0, 1 and 2.
    let c = cell("threshold-3of5", &[("agent", 4), ("extra", 2)]);
    assert_eq!(c.exposure.messages, c.exposure.messages_total);
}

#[test]
fn unknown_agent_is_the_cells_error() {
    let config = config("single-key");
    let given = BTreeMap::from([("agent".to_string(), ParamValue::Int(3))]);
    let c = run_one(
        &registry(),
        &config.scheme,
        "insider-breach",
        &given,
        &config,
    )
    .expect("cell runs");
    assert!(
        c.error.is_some(),
        "single-key has one agent: agent 3 does not exist"
    );
}
