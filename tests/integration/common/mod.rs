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

/// The tiniest useful world of a built-in scheme: 20 users, 2 epochs, 3 messages per
/// session, seed 3, blsttc (a loophole search over every attack stays fast on it).
pub fn tiny_config(scheme: &str) -> WorldConfig {
    WorldConfig {
        scheme: Scheme::load(scheme).expect("scheme loads"),
        population: Population {
            users: 20,
            epochs: 2,
            messages_per_session: 3,
            ..Population::default()
        },
        seed: 3,
        backend: BackendKind::Blsttc,
    }
}

/// Runs the `escrowlab` binary: its exit code, stdout and stderr.
pub fn run_escrowlab<I, S>(args: I) -> (Option<i32>, String, String)
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_escrowlab"))
        .args(args)
        .output()
        .expect("binary runs");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
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
