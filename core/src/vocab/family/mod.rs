//! Mechanism families as every layer names them: what a family is ([`MechanismInfo`]: its
//! id, the capabilities that exist under it, its parameters), the six built-in families'
//! descriptions, and the families a user registered. Configuration checks a scheme's
//! `[mechanism]` table against these descriptions; the implementations behind them
//! (deployments, requests, warrants served) are [`crate::mechanism`]'s, one layer up.

pub mod crumple_zone;
pub mod device_escrow;
pub mod ghost_user;
pub mod hsm_guess_limit;
pub mod public_ledger;
pub mod session_escrow;

use super::Capability;
use super::ParamSpec;
use std::sync::{Mutex, OnceLock};

/// Id of today's session-key escrow family (the world carries its fields itself).
pub const SESSION_ESCROW: &str = "session-escrow";

/// What a mechanism is, for listings, reports and the applicability check.
#[derive(Debug)]
pub struct MechanismInfo {
    /// Family id (`ghost-user`): `[a-z0-9-]+`.
    pub family: &'static str,
    /// Title.
    pub title: &'static str,
    /// One paragraph: what is attached to the messaging world, and how a warrant is served.
    pub summary: &'static str,
    /// What lawful access can read under it, said in every lawful-access report.
    pub lawful_scope: &'static str,
    /// References.
    pub references: &'static [&'static str],
    /// The capabilities that exist under it, each with what it means here.
    pub capabilities: &'static [(Capability, &'static str)],
    /// Why the capabilities not listed do not exist (one sentence).
    pub absent: &'static str,
    /// The family's parameters (the scheme's `[mechanism.params]`).
    pub params: &'static [ParamSpec],
}

impl MechanismInfo {
    /// Does `c` exist under this mechanism?
    pub fn has(&self, c: Capability) -> bool {
        self.capabilities.iter().any(|(x, _)| *x == c)
    }
    /// Why an attack declaring `declared` cannot run here at all (none of its capabilities
    /// exists under this mechanism), or `None` when it runs; capabilities are then checked
    /// per request, and only the requests that need a missing one are refused.
    pub fn none_applicable(&self, declared: &[Capability]) -> Option<String> {
        if declared.is_empty() || declared.iter().any(|c| self.has(*c)) {
            return None;
        }
        self.not_applicable(declared)
    }
    /// Why an attack needing every capability of `needed` cannot run here, or `None` when
    /// it can.
    pub fn not_applicable(&self, needed: &[Capability]) -> Option<String> {
        let missing: Vec<&str> = needed
            .iter()
            .filter(|c| !self.has(**c))
            .map(|c| c.name())
            .collect();
        if missing.is_empty() {
            return None;
        }
        Some(format!(
            "not applicable: {} does not exist under the {} mechanism ({})",
            missing.join(", "),
            self.family,
            self.absent
        ))
    }
}

/// The built-in families' descriptions, in the order of the debate.
pub fn builtins() -> [&'static MechanismInfo; 6] {
    [
        &session_escrow::INFO,
        &ghost_user::INFO,
        &device_escrow::INFO,
        &hsm_guess_limit::INFO,
        &crumple_zone::INFO,
        &public_ledger::INFO,
    ]
}

fn registered() -> &'static Mutex<Vec<&'static MechanismInfo>> {
    static R: OnceLock<Mutex<Vec<&'static MechanismInfo>>> = OnceLock::new();
    R.get_or_init(|| Mutex::new(Vec::new()))
}

/// Records a registered family's description (called by `mechanism::register`, which
/// checks the id and refuses a family already known).
pub(crate) fn record(info: &'static MechanismInfo) {
    registered()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(info);
}

/// Every known family's description: built-ins, then registered ones.
pub fn all() -> Vec<&'static MechanismInfo> {
    let mut v = builtins().to_vec();
    v.extend(
        registered()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .copied(),
    );
    v
}

/// The description of family `id`, when it is known.
pub fn find(id: &str) -> Option<&'static MechanismInfo> {
    all().into_iter().find(|m| m.family == id)
}
