//! escrowlab's built-in attack library, a crate that sees only `escrowlab-core`'s public
//! API, exactly like a user's own attack crate.
//!
//! The attack library: one file per attack, registered in [`REGISTRY`].
//!
//! To add an attack: write `attacks/my_attack.rs` implementing [`escrowlab_core::attack::Attack`],
//! add `pub mod my_attack;` below and one line to [`REGISTRY`]. `escrowlab list`, the
//! suite, `docs/ATTACKS.md` and the tests pick it up from there.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod agent_api;
pub mod audit_tamper;
pub mod client_key_extraction;
pub mod collusion;
pub mod common;
pub mod crumple_budget;
pub mod dealer;
pub mod delivery_breach;
pub mod device_relay;
pub mod device_seizure;
pub mod endpoint_compromise;
pub mod escrow_key_substitution;
pub mod field_forgery;
pub mod ghost;
pub mod hsm_brute_force;
pub mod hsm_rollback;
pub mod interface_breach;
pub mod key_theft;
pub mod leaf_replay;
pub mod ledger_docket;
pub mod ledger_fork;
pub mod ledger_off_record;
pub mod malicious_shares;
pub mod mobile_adversary;
pub mod rogue_agent;
pub mod rogue_endpoints;
pub mod scope_abuse;
pub mod shadow_taps;
pub mod share_theft;
pub mod target_substitution;
pub mod warrant_forgery;
pub mod warrant_replay;

use escrowlab_core::attack::{Attack, Registry};

/// Every registered attack, in catalogue order.
pub static REGISTRY: &[&dyn Attack] = &[
    &key_theft::KeyTheft,
    &share_theft::ShareTheft,
    &mobile_adversary::MobileAdversary,
    &dealer::Dealer,
    &collusion::Collusion,
    &rogue_agent::RogueAgent,
    &warrant_replay::WarrantReplay,
    &scope_abuse::ScopeAbuse,
    &target_substitution::TargetSubstitution,
    &field_forgery::FieldForgery,
    &leaf_replay::LeafReplay,
    &client_key_extraction::ClientKeyExtraction,
    &rogue_endpoints::RogueEndpoints,
    &ghost::Ghost,
    &audit_tamper::AuditTamper,
    &malicious_shares::MaliciousShares,
    &escrow_key_substitution::EscrowKeySubstitution,
    &warrant_forgery::WarrantForgery,
    &endpoint_compromise::EndpointCompromise,
    &interface_breach::InterfaceBreach,
    &delivery_breach::DeliveryBreach,
    &shadow_taps::ShadowTaps,
    &device_seizure::DeviceSeizure,
    &device_relay::DeviceRelay,
    &hsm_brute_force::HsmBruteForce,
    &hsm_rollback::HsmRollback,
    &crumple_budget::CrumpleBudget,
    &ledger_off_record::OffLedger,
    &ledger_fork::LedgerFork,
    &ledger_docket::LedgerDocket,
];

/// A registry holding every built-in attack (start here and add your own with
/// [`Registry::with`]).
pub fn builtins() -> Registry {
    Registry::of(REGISTRY)
}

/// Looks a built-in attack up by id.
pub fn find(id: &str) -> Option<&'static dyn Attack> {
    REGISTRY.iter().copied().find(|a| a.meta().id == id)
}
