//! Everything an attack module (or a lab exercise) needs, in one `use`.

pub use crate::attack::{
    Attack, AttackCtx, AttackMeta, Capability, DefaultValue, DeviceLoot, Exposure, Outcome,
    ParamKind, ParamSpec, ParamValue, Params, PublicInfo,
};
pub use crate::backend::Backend;
pub use crate::config::scheme::{AuditMode, Binding, CustodyKind, Keygen, Lifetime, Scheme};
pub use crate::error::{Error, Result};
pub use crate::escrow::agent::{ShareRequest, ShareResponse};
pub use crate::escrow::combiner::read_session;
pub use crate::escrow::court::{SignedWarrant, Warrant};
pub use crate::escrow::field::{unwrap_session_key, BindingRule, EscrowField};
pub use crate::secret::{Key32, Scalar};
pub use crate::world::messaging::{accept, SessionHeader};
pub use crate::world::{RogueMode, Transcript, GHOST};
pub use rand::seq::SliceRandom;
pub use rand::Rng;
pub use std::collections::{BTreeMap, BTreeSet};
