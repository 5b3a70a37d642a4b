//! The vocabulary every layer shares, at the bottom of the crate: capabilities, typed
//! parameters, the mechanism's events, an attack's claims, the identity of the cell an
//! attack runs in, and how verdicts are ranked. Nothing here reaches up into the world,
//! the mechanisms, the attack context or the runner (`tests/layering.rs`).

pub mod capability;
pub mod cell;
pub mod claims;
pub mod class;
pub mod events;
pub mod family;
pub mod params;
pub mod verdict;

pub use capability::Capability;
pub use class::{AttackerClass, ClassBounds, ClassSpec, Scale};

/// Simulated ticks per epoch: the unit of simulated time every layer counts in.
pub const TICKS_PER_EPOCH: u64 = 1000;
pub use cell::CellId;
pub use claims::Recovered;
pub use events::MechanismEvent;
pub use params::{Bound, DefaultValue, ParamKind, ParamSpec, ParamValue, Params, RunSize};
