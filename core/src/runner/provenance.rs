//! Provenance: what produced a report (escrowlab's version, the seed, the population, the
//! backends) and a digest of each scheme's definition, so a reader can tell whether two
//! reports measured the same thing.

use crate::config::scheme::Scheme;
use schemars::JsonSchema;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// escrowlab's version (of `escrowlab-core`, which measures every figure).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// One scheme of a report, identified by its definition.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, JsonSchema)]
pub struct SchemeDigest {
    /// The scheme's name.
    pub name: String,
    /// The backend it ran on.
    pub backend: String,
    /// SHA-256 (lower-case hex) of the scheme's canonical form: see [`scheme_digest`].
    pub sha256: String,
}

/// What produced a report.
#[derive(Clone, Debug, Serialize, PartialEq, JsonSchema)]
pub struct Provenance {
    /// escrowlab's version.
    pub version: String,
    /// The suite's source (`built-in default suite` or its path).
    pub suite: String,
    /// The seed every figure derives from.
    pub seed: u64,
    /// Backends used.
    pub backends: Vec<String>,
    /// The simulated population.
    pub population: crate::world::Population,
    /// Each scheme's definition digest, in suite order.
    pub schemes: Vec<SchemeDigest>,
}

/// The SHA-256 (lower-case hex) of a scheme's canonical form: the compact JSON of the
/// parsed scheme, every omitted setting filled in with its default, fields in the order of
/// the type. The same scheme named as a built-in or loaded from a copy of its file (or from
/// a file that spells out its defaults, or orders its keys differently) has one digest.
pub fn scheme_digest(scheme: &Scheme) -> String {
    let canonical = serde_json::to_vec(scheme).unwrap_or_default();
    hex::encode(Sha256::digest(&canonical))
}
