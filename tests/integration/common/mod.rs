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
        ..Population::default()
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
    cell_with(&config(scheme, backend, 7), attack, params)
}

/// Runs one attack cell on a world configuration of the test's own.
pub fn cell_with(cfg: &WorldConfig, attack: &str, params: &[(&str, ParamValue)]) -> CellResult {
    let given: BTreeMap<String, ParamValue> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let c = run_one(
        &escrowlab::attacks::builtins(),
        &cfg.scheme,
        attack,
        &given,
        cfg,
    )
    .expect("cell runs");
    assert!(c.error.is_none(), "attack errored: {:?}", c.error);
    c
}

/// Integer parameter shorthand.
pub fn int(v: i64) -> ParamValue {
    ParamValue::Int(v)
}

/// Asserts that of the cell's `read` messages outside the warrants it obtained, all but the
/// standing docket's targets' are out of scope: a standing warrant covers its target's
/// messages whoever reads them (one target in fifty active users, so at most a fifth of them
/// here).
#[allow(dead_code)]
pub fn out_of_scope_but_the_standing_docket(c: &CellResult, read: usize) {
    assert!(c.docket.targets > 0, "a standing docket");
    assert!(c.out_of_scope <= read, "{} > {read}", c.out_of_scope);
    assert!(
        c.out_of_scope * 5 >= read * 4,
        "{} of {read}: more than a fifth covered by the standing docket",
        c.out_of_scope
    );
}
