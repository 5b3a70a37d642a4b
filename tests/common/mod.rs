//! Helpers shared by integration tests.
#![allow(dead_code)]

use escrowlab::attack::ParamValue;
use escrowlab::backend::BackendKind;
use escrowlab::config::scheme::Scheme;
use escrowlab::runner::{run_one, CellResult};
use escrowlab::world::{Population, WorldConfig};
use std::collections::BTreeMap;

/// A small population that keeps tests fast: 40 users, 4 epochs, 5 messages per session.
pub fn small_population() -> Population {
    Population {
        users: 40,
        epochs: 4,
        messages_per_session: 5,
        group_share: 0.2,
        conversations: None,
    }
}

/// World config for a built-in scheme (or a path) on the small population.
pub fn config(scheme: &str, backend: BackendKind, seed: u64) -> WorldConfig {
    WorldConfig {
        scheme: Scheme::load(scheme).expect("scheme loads"),
        population: small_population(),
        seed,
        backend,
    }
}

/// Runs one attack cell against a scheme on the small population (blsttc, seed 7).
pub fn cell(scheme: &str, attack: &str, params: &[(&str, ParamValue)]) -> CellResult {
    cell_on(scheme, attack, params, BackendKind::Blsttc)
}

/// Same, on a chosen backend.
pub fn cell_on(
    scheme: &str,
    attack: &str,
    params: &[(&str, ParamValue)],
    backend: BackendKind,
) -> CellResult {
    let cfg = config(scheme, backend, 7);
    let given: BTreeMap<String, ParamValue> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let c = run_one(
        &escrowlab::attacks::builtins(),
        &cfg.scheme,
        attack,
        &given,
        &cfg,
    )
    .expect("cell runs");
    assert!(c.error.is_none(), "attack errored: {:?}", c.error);
    c
}

/// Integer parameter shorthand.
pub fn int(v: i64) -> ParamValue {
    ParamValue::Int(v)
}
