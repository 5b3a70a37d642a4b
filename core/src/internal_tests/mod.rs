//! Unit tests that need the mechanism's internals (world secrets, the lawful-access steps,
//! agents' vaults): they moved here from the root package's integration tests when those
//! internals became crate-private. Tests that only need the public API stay in `tests/`.

mod lawful_access;
mod secrets;
mod world;

use crate::backend::BackendKind;
use crate::config::scheme::Scheme;
use crate::world::{Population, WorldConfig};

/// The workspace's fixture directory (`fixtures/` at the root, next to `core/`).
macro_rules! fixture {
    ($path:literal) => {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/", $path)
    };
}
pub(crate) use fixture;

/// A small population that keeps tests fast: 40 users, 4 epochs, 5 messages per session
/// (as `tests/integration/common` in the root package).
pub(crate) fn small_population() -> Population {
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
pub(crate) fn config(scheme: &str, backend: BackendKind, seed: u64) -> WorldConfig {
    WorldConfig {
        scheme: Scheme::load(scheme).expect("scheme loads"),
        population: small_population(),
        seed,
        backend,
    }
}
