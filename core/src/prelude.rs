//! Everything an attack module (or a lab exercise) needs, in one `use`.

pub use crate::attack::{
    Attack, AttackCtx, AttackMeta, Bound, Capability, DefaultValue, DeviceLoot, Exposure,
    LawfulCase, MasterSecret, MechanismEvent, Outcome, ParamKind, ParamSpec, ParamValue, Params,
    PublicInfo, Recovered, Registry, VaultLoot,
};
pub use crate::backend::Backend;
pub use crate::config::scheme::{AuditMode, Binding, CustodyKind, Keygen, Lifetime, Scheme};
pub use crate::error::{Error, Result};
pub use crate::escrow::agent::{ItemOutcome, Refusal, ShareRequest, ShareResponse};
pub use crate::escrow::court::{SignedWarrant, Warrant};
pub use crate::escrow::field::{unwrap_session_key, BindingRule, EscrowField};
pub use crate::messaging::Keying;
pub use crate::relay::{
    open_chain, open_envelopes, open_with_key, read_session, read_session_as_member,
    read_session_snapshot, Envelope,
};
pub use crate::secret::{Key32, Scalar};
pub use crate::world::messaging::{accept, SessionHeader};
pub use crate::world::{
    Conversation, RogueMode, SessionRecord, Transcript, GHOST, TICKS_PER_EPOCH,
};
pub use rand::seq::SliceRandom;
pub use rand::Rng;
pub use std::collections::{BTreeMap, BTreeSet};
