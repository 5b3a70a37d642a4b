//! The attack interface: one trait, metadata, capabilities, and the context through which
//! an attack reaches the world.
//!
//! An attack never touches the mechanism's internals. It receives an [`AttackCtx`] that
//! hands out capabilities (each one a thing a real actor could obtain), records each use
//! as cost, and leaves a trace where a real system would notice. The attack returns what
//! it recovered ([`Outcome`]); the runner, not the attack, decides what that was worth by
//! comparing it with ground truth the attack never sees.

pub mod context;
pub mod registry;
mod run_size;

// The shared vocabulary, at the bottom of the crate's layers (`crate::vocab`), under the
// paths attack authors have always used.
pub use crate::vocab::capability::Capability;
pub use crate::vocab::cell::{self, CellId};
pub use crate::vocab::claims::Recovered;
pub use crate::vocab::class::{AttackerClass, ClassBounds, ClassSpec, Scale};
pub use crate::vocab::params;
pub use crate::vocab::params::{
    Bound, DefaultValue, ParamKind, ParamSpec, ParamValue, Params, RunSize,
};
pub use crate::vocab::verdict;
pub use context::{
    AttackCtx, DeviceLoot, LawfulCase, MasterSecret, MechanismEvent, PublicInfo, VaultLoot,
};
pub use registry::Registry;

use crate::config::scheme::Scheme;
use crate::error::Result;
use serde::Serialize;
use std::collections::BTreeMap;

/// Metadata every attack carries.
#[derive(Debug)]
pub struct AttackMeta {
    /// Stable id (`key-theft`).
    pub id: &'static str,
    /// Title.
    pub title: &'static str,
    /// Threat actor.
    pub actor: &'static str,
    /// Capabilities it needs (the actor is exactly this set).
    pub capabilities: &'static [Capability],
    /// One paragraph.
    pub description: &'static str,
    /// References (paper, year).
    pub references: &'static [&'static str],
    /// Parameters with defaults.
    pub params: &'static [ParamSpec],
}

/// Does a scheme expose what an attack needs? Decided from the scheme and the attack's
/// parameters alone, with no side effects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema, serde::Deserialize)]
pub struct Exposure {
    /// Whether the scheme exposes it.
    pub exposed: bool,
    /// Why (or which control removes the need).
    pub reason: String,
}

impl Exposure {
    /// The scheme exposes what the attack needs.
    pub fn yes(reason: impl Into<String>) -> Self {
        Exposure {
            exposed: true,
            reason: reason.into(),
        }
    }
    /// It does not.
    pub fn no(reason: impl Into<String>) -> Self {
        Exposure {
            exposed: false,
            reason: reason.into(),
        }
    }
}

/// What an attack returns: only what it actually recovered, plus its own figures and notes.
/// It has no way to say what blocked it or who noticed: the runner derives `blocked_by` and
/// `detected` from what the mechanism reported ([`MechanismEvent`]s).
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Claimed plaintexts by envelope id (the runner checks every one against ground truth).
    pub recovered: Recovered,
    /// The attack's own figures (tries, trials, sessions opened, ...), reported in `cost`
    /// and listed in the cell's `attack_figures` as the attack's word, not the runner's.
    pub figures: BTreeMap<String, f64>,
    /// Free-text notes for the report.
    pub notes: Vec<String>,
    /// Users the attack claims are under a warrant (the runner checks each against the
    /// standing docket, which the attack never sees whole).
    pub docket: std::collections::BTreeSet<u32>,
}

impl Outcome {
    /// Claims that `user` is a warrant target.
    pub fn claim_target(&mut self, user: u32) {
        self.docket.insert(user);
    }
    /// Records one of the attack's own figures.
    pub fn figure(&mut self, name: &str, v: f64) {
        self.figures.insert(name.to_string(), v);
    }
    /// Adds a note.
    pub fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }
}

/// One attack module.
pub trait Attack: Send + Sync {
    /// Its metadata.
    fn meta(&self) -> &'static AttackMeta;
    /// Whether `scheme` exposes what this attack, with these parameters, needs (decided
    /// from the scheme and the parameters alone, with no side effects).
    fn check(&self, scheme: &Scheme, params: &Params) -> Exposure;
    /// Runs the attack.
    ///
    /// # Errors
    /// Only for failures of the attack itself (the runner marks the cell `error`); a
    /// refusal by the mechanism is a result, which the context records.
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome>;
    /// The most units of work this attack may ask of `scheme`'s mechanism with `params`:
    /// the runner prices them, at the family's rate, in the cost estimate it checks before
    /// a run ([`crate::budget`]). A unit is what the family charges for: a
    /// chip-oracle guess under session escrow, a PBKDF2 try under an HSM guess limit, a
    /// puzzle evaluation in a crumple zone, a phone seized under device escrow, a user
    /// tapped under a ghost user. The default, 0, says the attack's own work is small
    /// beside simulating the world.
    fn max_guesses(&self, scheme: &Scheme, params: &Params) -> u64 {
        let _ = (scheme, params);
        0
    }
    /// The class of adversary this attack models and how its parameters scale within it
    /// (`escrowlab compare` runs it over that class's grid, never at its defaults). The
    /// default derives the class from the capabilities
    /// ([`AttackerClass::of_capabilities`]) and scales every parameter by its kind
    /// ([`ClassSpec::default_scale`]); an attack overrides it to say more.
    fn class(&self) -> ClassSpec {
        ClassSpec::derive(self.meta().capabilities)
    }
}

impl std::fmt::Debug for dyn Attack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Attack({})", self.meta().id)
    }
}
