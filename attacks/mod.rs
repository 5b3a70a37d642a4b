//! The attack library: one file per attack, registered in [`REGISTRY`].
//!
//! To add an attack: write `attacks/my_attack.rs` implementing [`crate::attack::Attack`],
//! add `pub mod my_attack;` below and one line to [`REGISTRY`]. `escrowlab list`, the
//! suite, `docs/ATTACKS.md` and the tests pick it up from there.

pub mod common;
pub mod endpoint_compromise;
pub mod escrow_key_substitution;
pub mod field_forgery;
pub mod ghost;
pub mod key_theft;
pub mod rogue_endpoints;
pub mod share_theft;

use crate::attack::Attack;

/// Every registered attack, in catalogue order.
pub static REGISTRY: &[&dyn Attack] = &[
    &key_theft::KeyTheft,
    &share_theft::ShareTheft,
    &field_forgery::FieldForgery,
    &rogue_endpoints::RogueEndpoints,
    &ghost::Ghost,
    &escrow_key_substitution::EscrowKeySubstitution,
    &endpoint_compromise::EndpointCompromise,
];

/// Looks an attack up by id.
pub fn find(id: &str) -> Option<&'static dyn Attack> {
    REGISTRY.iter().copied().find(|a| a.meta().id == id)
}
