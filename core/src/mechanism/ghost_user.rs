//! The ghost user (Levy and Robinson, GCHQ, 2018): no escrow key at all. Under a warrant
//! the provider, which runs the directory and the key deliveries, adds a law-enforcement
//! device to the target's conversations and suppresses the "member joined" notice. The
//! ghost receives each later session key by a real X25519 delivery, as any member does:
//! it reads every member's messages from the moment of insertion, and nothing before.
//!
//! Controls: the warrant check at the provider's insertion interface; a reconciliation of
//! the interface's active taps against the court's warrants (`reconcile_taps`); and the
//! clients' roster check (`[client] roster_check`), which refuses to encrypt to a key
//! outside the signed roster, stopping every ghost, lawful or not.

use super::{
    CourtKey, DeployView, Deployment, DynDeployment, Journal, Mechanism, MechanismInfo, Released,
    SessionView,
};
use crate::error::{Error, Result};
use crate::escrow::court::SignedWarrant;
use crate::messaging::{accept, x25519_public, KeyDelivery, SessionHeader};
use crate::vocab::{Capability, Params};
use crate::world::GHOST;
use rand::Rng;
use std::sync::Arc;

/// The ghost-user family.
pub struct GhostUser;

use crate::vocab::family::ghost_user::INFO;

/// What may be asked of the provider's insertion interface.
#[derive(Clone, Debug)]
pub enum GhostRequest {
    /// `breach_interface`: insert a tap, with no warrant, on every conversation of
    /// `target` from the current epoch on, delivering to `ghost_public`.
    Insert {
        /// The user to tap.
        target: u32,
        /// The X25519 key the tap delivers to (the intruder holds its secret).
        ghost_public: [u8; 32],
    },
    /// `breach_interface`: read the interface's list of tapped users (the docket).
    TapList,
}

/// What the interface answers.
#[derive(Clone, Debug)]
pub enum GhostResponse {
    /// Key deliveries to the inserted ghost, one per session it was added to.
    Deliveries(Vec<(SessionHeader, KeyDelivery)>),
    /// Users under a tap.
    TapList(Vec<u32>),
}

/// The provider's state.
#[derive(Clone)]
pub struct GhostDeployment {
    sessions: Arc<Vec<SessionView>>,
    /// The senders' clients (what they deliver to each roster member).
    clients: super::Clients,
    epochs: u32,
    roster_check: bool,
    reconcile: bool,
    docket: Vec<u32>,
    seed: [u8; 32],
    le_secret: [u8; 32],
}

impl GhostDeployment {
    /// Inserts a ghost with key `public` in every session of `target` from `from_epoch`
    /// to `to_epoch`; the deliveries, or none when clients check rosters.
    fn insert(
        &self,
        target: u32,
        from_epoch: u32,
        to_epoch: u32,
        public: &[u8; 32],
        journal: &mut Journal,
    ) -> Vec<(SessionHeader, KeyDelivery)> {
        let mut out = Vec::new();
        for s in self
            .sessions
            .iter()
            .filter(|s| s.members.contains(&target) && (from_epoch..=to_epoch).contains(&s.epoch))
        {
            if self.roster_check {
                journal.notice(
                    "roster-check",
                    &format!("client of user {}", s.sender),
                    format!(
                        "session {}: a key outside the signed roster; the client did not encrypt to it",
                        s.index
                    ),
                );
                journal.refuse(
                    "roster-check",
                    &format!("client of user {}", s.sender),
                    "senders' clients refuse to deliver session keys to a member outside the signed roster",
                );
                continue;
            }
            let header = SessionHeader {
                session: s.index,
                conv: s.conversation,
                epoch: s.epoch,
                sender: s.sender,
                members: s.members.clone(),
            };
            let eph = super::kdf("ghost-eph", &[&self.seed, &s.index.to_le_bytes(), public]);
            // The sender's client delivers the key to every roster member: the ghost too.
            if let Some(d) = self.clients.deliver(&header, GHOST, public, eph.0) {
                out.push((header, d));
            }
        }
        out
    }
}

impl Deployment for GhostDeployment {
    type Request = GhostRequest;
    type Response = GhostResponse;
    fn capability(_: &GhostRequest) -> Capability {
        Capability::BreachInterface
    }
    fn describe(r: &GhostRequest) -> String {
        match r {
            GhostRequest::Insert { target, .. } => format!("tap on user {target} (no warrant)"),
            GhostRequest::TapList => "tap list".into(),
        }
    }
    fn handle(&mut self, r: GhostRequest, journal: &mut Journal) -> Result<GhostResponse> {
        match r {
            GhostRequest::TapList => Ok(GhostResponse::TapList(self.docket.clone())),
            GhostRequest::Insert {
                target,
                ghost_public,
            } => {
                if !self.sessions.iter().any(|s| s.members.contains(&target)) {
                    return Err(Error::misuse(format!(
                        "user {target} is in no conversation"
                    )));
                }
                // A tap on a user already under warrant matches a warrant: reconciliation
                // of taps against warrants cannot tell it from the lawful one.
                if self.reconcile && !self.docket.contains(&target) {
                    journal.notice(
                        "tap-reconciliation",
                        "provider audit",
                        format!("an active tap on user {target} matches no warrant"),
                    );
                }
                let from = journal.epoch();
                let d = self.insert(target, from, self.epochs, &ghost_public, journal);
                journal.figure("taps_inserted", 1.0);
                Ok(GhostResponse::Deliveries(d))
            }
        }
    }
    fn serve(
        &mut self,
        w: &SignedWarrant,
        court: &CourtKey<'_>,
        journal: &mut Journal,
    ) -> Result<Vec<Released>> {
        if !court.admits(w, "insertion interface", journal) {
            return Ok(Vec::new());
        }
        // The ghost is inserted when the warrant is issued, or when its window opens if
        // that is later: nothing sent before reaches it. A warrant issued after its
        // window (a retrospective one) reads nothing.
        let issued_epoch =
            u32::try_from(w.warrant.issued / crate::world::TICKS_PER_EPOCH).unwrap_or(u32::MAX);
        let from = w.warrant.from_epoch.max(issued_epoch);
        let public = x25519_public(&self.le_secret);
        let mut released = Vec::new();
        for &t in &w.warrant.targets {
            let d = self.insert(
                t,
                from,
                w.warrant.to_epoch.min(self.epochs),
                &public,
                journal,
            );
            for (h, d) in d {
                // Law enforcement's ghost device opens its delivery.
                if let Ok(key) = accept(&d, &h, &self.le_secret) {
                    if !released.iter().any(|r: &Released| r.session == h.session) {
                        released.push(Released {
                            session: h.session,
                            key,
                        });
                    }
                }
            }
        }
        journal.figure("taps_inserted", w.warrant.targets.len() as f64);
        Ok(released)
    }
}

impl Mechanism for GhostUser {
    fn info(&self) -> &'static MechanismInfo {
        &INFO
    }
    fn deploy(&self, view: &DeployView<'_>, params: &Params) -> Result<Box<dyn DynDeployment>> {
        let mut rng = view.rng("ghost-user");
        Ok(Box::new(GhostDeployment {
            sessions: Arc::new(view.sessions()),
            clients: view.clients(),
            epochs: view.epochs(),
            roster_check: view.scheme().client.roster_check,
            reconcile: params.flag("reconcile_taps"),
            // The interface holds the warrants the court delivered: the docket is theirs.
            docket: view
                .interface_warrants(&INFO)
                .iter()
                .flat_map(|w| w.warrant.targets.iter().copied())
                .collect(),
            seed: rng.gen(),
            le_secret: rng.gen(),
        }))
    }
}
