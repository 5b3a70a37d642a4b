//! What the mechanism did in response to an attack, in its own words.

use serde::Serialize;

/// Something the mechanism did in response to an attack: a refusal or rejection that
/// stopped it (`blocks`), or a check that noticed it (`detects`). Recorded by the context,
/// never by the attack; the runner derives a cell's `blocked_by` and `detected` from these.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema, serde::Deserialize,
)]
pub struct MechanismEvent {
    /// The control (`scope-check`, `threshold-custody`, `recipient-field-check`, ...).
    pub control: String,
    /// Which part of the mechanism reported it (`agent 2`, `combiner`, `published master key`,
    /// `recipient client`, ...).
    pub source: String,
    /// What happened.
    pub detail: String,
}
