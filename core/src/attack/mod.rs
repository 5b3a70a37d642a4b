//! The attack interface: one trait, metadata, capabilities, and the context through which
//! an attack reaches the world.
//!
//! An attack never touches the mechanism's internals. It receives an [`AttackCtx`] that
//! hands out capabilities (each one a thing a real actor could obtain), records each use
//! as cost, and leaves a trace where a real system would notice. The attack returns what
//! it recovered ([`Outcome`]); the runner, not the attack, decides what that was worth by
//! comparing it with ground truth the attack never sees.

pub mod cell;
pub mod context;
pub mod params;
pub mod registry;
pub mod verdict;

pub use cell::CellId;
pub use context::{
    AttackCtx, DeviceLoot, LawfulCase, MasterSecret, MechanismEvent, PublicInfo, VaultLoot,
};
pub use params::{Bound, DefaultValue, ParamKind, ParamSpec, ParamValue, Params, RunSize};
pub use registry::Registry;

use crate::config::scheme::Scheme;
use crate::error::Result;
use serde::Serialize;
use std::collections::BTreeMap;

/// Something a real actor could obtain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// Read the relay's transcript (network or provider access).
    Intercept,
    /// Read an agent's vault at a time T.
    CompromiseAgent,
    /// Implant a user's device from a time T on.
    CompromiseDevice,
    /// Take a judge's (or the court's) signing key.
    StealCourtKey,
    /// Control the relay: add members, drop or alter envelopes, suppress notices.
    ControlRelay,
    /// Act as an agent: release shares without checks (an insider).
    ActAsAgent,
    /// Submit requests to an agent's API.
    SubmitRequest,
    /// Write an agent's audit log.
    WriteAuditLog,
    /// Control the dealer at key generation.
    ControlDealer,
    /// Control a client (a rogue endpoint, or the client update channel).
    ControlClient,
    /// Obtain a real warrant from the court (an officer with a case, or whoever stands in
    /// the officer's place).
    ObtainWarrant,
    /// Breach the lawful-access interface itself: read its store of warrants (the docket)
    /// and use it as its operator does (Salt Typhoon, 2024).
    BreachInterface,
    /// Take a device into physical custody (a seizure, or a theft).
    SeizeDevice,
    /// Read a mechanism-side secret store: a vendor's escrow vault, an HSM member, a
    /// ledger-bound agent.
    CompromiseVault,
    /// Sign firmware for the mechanism's hardware (the code-signing key).
    SignFirmware,
    /// Spend computation (hash evaluations) on the mechanism's puzzles.
    SpendWork,
    /// Operate the public ledger: choose what each party is shown.
    ControlLedger,
}

impl Capability {
    /// Whether holding this capability lets an attack change the world's traffic (so its
    /// cell works on a copy of the world instead of the shared one).
    pub fn changes_traffic(self) -> bool {
        matches!(
            self,
            Capability::ControlRelay | Capability::ControlClient | Capability::ControlDealer
        )
    }
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Capability::Intercept => "intercept",
            Capability::CompromiseAgent => "compromise_agent",
            Capability::CompromiseDevice => "compromise_device",
            Capability::StealCourtKey => "steal_court_key",
            Capability::ControlRelay => "control_relay",
            Capability::ActAsAgent => "act_as_agent",
            Capability::SubmitRequest => "submit_request",
            Capability::WriteAuditLog => "write_audit_log",
            Capability::ControlDealer => "control_dealer",
            Capability::ControlClient => "control_client",
            Capability::ObtainWarrant => "obtain_warrant",
            Capability::BreachInterface => "breach_interface",
            Capability::SeizeDevice => "seize_device",
            Capability::CompromiseVault => "compromise_vault",
            Capability::SignFirmware => "sign_firmware",
            Capability::SpendWork => "spend_work",
            Capability::ControlLedger => "control_ledger",
        }
    }
    /// Whether obtaining it marks the moment of compromise (for `before_compromise`).
    /// Passive interception does not: it is assumed from the start.
    pub fn is_compromise(self) -> bool {
        !matches!(
            self,
            Capability::Intercept
                | Capability::SubmitRequest
                | Capability::ObtainWarrant
                | Capability::SpendWork
        )
    }
}

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

/// The plaintexts an attack claims to have recovered, by envelope id. Each is digested as it
/// is recorded (a 128-bit SHA-256 digest), and the ids are kept as runs of consecutive ids
/// (a session's messages are consecutive), so a claim costs about 16 bytes: a thief that
/// reads ten million messages holds 160 MB of claims, not their plaintexts. The runner
/// compares the digests with ground truth's. Build it with [`Recovered::push`], `extend`,
/// `collect()` or `.into()` from `(id, plaintext)` pairs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recovered {
    /// Runs of consecutive claimed ids: (first id, number of ids), in the order claimed.
    runs: Vec<(u64, u64)>,
    /// The digests, one per claimed id, in the order claimed.
    digests: Vec<crate::world::truth::PlaintextDigest>,
}

impl Recovered {
    /// Claims that envelope `id` carried `plaintext`.
    pub fn push(&mut self, id: u64, plaintext: &[u8]) {
        match self.runs.last_mut() {
            Some((first, n)) if first.checked_add(*n) == Some(id) => *n += 1,
            _ => self.runs.push((id, 1)),
        }
        self.digests.push(crate::world::truth::digest(plaintext));
    }
    /// Number of claims.
    pub fn len(&self) -> usize {
        self.digests.len()
    }
    /// Makes room for exactly `additional` more claims (a thief that may open every
    /// message reserves the transcript's length once instead of growing by doubling).
    pub fn reserve_exact(&mut self, additional: usize) {
        self.digests.reserve_exact(additional);
    }
    /// Makes room for at least `additional` more claims, growing as a `Vec` grows (for
    /// claims gathered a session at a time).
    pub fn reserve(&mut self, additional: usize) {
        self.digests.reserve(additional);
    }
    /// Whether nothing is claimed.
    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }
    /// The envelope ids claimed, in the order claimed.
    pub fn ids(&self) -> impl Iterator<Item = u64> + '_ {
        self.runs.iter().flat_map(|&(first, n)| first..first + n)
    }
    /// Moves every claim of `other` into this one.
    pub fn append(&mut self, other: &mut Recovered) {
        let mut runs = std::mem::take(&mut other.runs).into_iter();
        if let (Some((first, n)), Some((next, m))) = (self.runs.last_mut(), runs.as_slice().first())
        {
            if first.checked_add(*n) == Some(*next) {
                *n += m;
                runs.next();
            }
        }
        self.runs.extend(runs);
        self.digests.append(&mut other.digests);
    }
    /// The claims as digests (for the runner's comparison with ground truth).
    pub(crate) fn digests(
        &self,
    ) -> impl Iterator<Item = (u64, crate::world::truth::PlaintextDigest)> + '_ {
        self.ids().zip(self.digests.iter().copied())
    }
}

impl Extend<(u64, Vec<u8>)> for Recovered {
    fn extend<I: IntoIterator<Item = (u64, Vec<u8>)>>(&mut self, iter: I) {
        for (id, pt) in iter {
            self.push(id, &pt);
        }
    }
}

impl FromIterator<(u64, Vec<u8>)> for Recovered {
    fn from_iter<I: IntoIterator<Item = (u64, Vec<u8>)>>(iter: I) -> Self {
        let mut r = Recovered::default();
        r.extend(iter);
        r
    }
}

impl From<Vec<(u64, Vec<u8>)>> for Recovered {
    fn from(v: Vec<(u64, Vec<u8>)>) -> Self {
        v.into_iter().collect()
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
    /// a run ([`crate::config::budget`]). A unit is what the family charges for: a
    /// chip-oracle guess under session escrow, a PBKDF2 try under an HSM guess limit, a
    /// puzzle evaluation in a crumple zone, a phone seized under device escrow, a user
    /// tapped under a ghost user. The default, 0, says the attack's own work is small
    /// beside simulating the world.
    fn max_guesses(&self, scheme: &Scheme, params: &Params) -> u64 {
        let _ = (scheme, params);
        0
    }
}

impl std::fmt::Debug for dyn Attack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Attack({})", self.meta().id)
    }
}

#[cfg(test)]
mod tests {
    use super::Recovered;

    #[test]
    fn recovered_keeps_ids_in_claim_order_as_merged_runs() {
        let mut a = Recovered::default();
        for id in [3, 4, 5, 9, 2] {
            a.push(id, b"x");
        }
        let mut b: Recovered = vec![(10, b"y".to_vec()), (11, b"z".to_vec())].into();
        a.append(&mut b);
        assert!(b.is_empty());
        assert_eq!(a.ids().collect::<Vec<_>>(), [3, 4, 5, 9, 2, 10, 11]);
        assert_eq!(a.len(), 7);
        // 10 follows 9 only through `append` of a run that starts right after the last
        // one: the same claims pushed one by one compare equal.
        let mut c = Recovered::default();
        for (id, pt) in [
            (3, "x"),
            (4, "x"),
            (5, "x"),
            (9, "x"),
            (2, "x"),
            (10, "y"),
            (11, "z"),
        ] {
            c.push(id, pt.as_bytes());
        }
        assert_eq!(a, c);
        let mut d = Recovered::default();
        d.push(1, b"x");
        let mut e: Recovered = vec![(2, b"x".to_vec()), (3, b"x".to_vec())].into();
        d.append(&mut e);
        assert_eq!(d.runs, [(1, 3)], "a run continued across append merges");
        assert_eq!(d.digests().map(|(id, _)| id).collect::<Vec<_>>(), [1, 2, 3]);
    }
}
