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
//!
//! Who signs that roster decides what the check stops (`[client] roster_signer`): members
//! (`user`, their identity keys verified out of band: refused), the provider (`provider`:
//! a member its interface inserts is signed too, so nothing is stopped), or a key log
//! (`log`, key transparency: the inserted key must be logged, [`crate::messaging::keylog`],
//! and a monitor who looks in an epoch, with probability `kt_monitor_pct`, sees it and has
//! it revoked after that epoch).
//!
//! The lawful exception (`exception`, the design the 2018–19 debate was about): checking
//! clients accept a silent member carrying an Ed25519 credential for its target, signed by
//! the provider or the court. Under key transparency the credential is logged with the key,
//! and an auditor who looks flags a silent member whose credential matches no warrant. The
//! loophole is the credential: an intruder in the interface (`interface-breach`) uses the
//! provider's signing key for anyone, or the court's credentials for the docket's targets.

use super::{
    CourtKey, DeployView, Deployment, DynDeployment, Journal, Mechanism, MechanismInfo, Released,
    SessionView,
};
use crate::config::RosterSigner;
use crate::error::{Error, Result};
use crate::escrow::court::SignedWarrant;
use crate::messaging::keylog::{self, Entry, KeyLog};
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
    /// Who signs the roster.
    signer: RosterSigner,
    /// The lawful exception's issuer: `none`, `provider` or `court`.
    exception: &'static str,
    /// The key that signs exception credentials: the provider's (under `provider` the
    /// interface signs with it), or the court's (under `court` used only in `serve`, the
    /// court issuing a credential with a warrant it signed: no request reaches it).
    issuer: ed25519_dalek::SigningKey,
    /// Under `court`: the credentials the court issued for its warrants' targets.
    court_credentials: std::collections::BTreeMap<u32, [u8; 64]>,
    /// Key transparency: the log, the monitors' draws and their chance per epoch.
    log: KeyLog,
    kt_seed: [u8; 32],
    kt_pct: u32,
    /// Silent members or devices a monitor would flag, those it flagged, and the epochs
    /// it took (summed).
    kt: (u32, u32, u32),
}

/// The message an exception credential signs: the target it authorises a silent member for.
fn credential_message(target: u32) -> Vec<u8> {
    let mut m = b"escrowlab ghost exception v1".to_vec();
    m.extend_from_slice(&target.to_le_bytes());
    m
}

impl GhostDeployment {
    /// Inserts a ghost with key `public` in every session of `target` from `from_epoch`
    /// to `to_epoch`; the deliveries, or none when clients check rosters.
    /// The exception credential the interface can present for `target`, if any: signed on
    /// the spot with the provider's key, or one the court issued.
    fn credential(&self, target: u32) -> Option<[u8; 64]> {
        use ed25519_dalek::Signer;
        match self.exception {
            "provider" => Some(self.issuer.sign(&credential_message(target)).to_bytes()),
            "court" => self.court_credentials.get(&target).copied(),
            _ => None,
        }
    }

    /// Whether a checking client accepts a silent member for `target` carrying `cred`: the
    /// signature verifies under the issuer's public key.
    fn credential_verifies(&self, target: u32, cred: &[u8; 64]) -> bool {
        use ed25519_dalek::Verifier;
        self.issuer
            .verifying_key()
            .verify(
                &credential_message(target),
                &ed25519_dalek::Signature::from_bytes(cred),
            )
            .is_ok()
    }

    /// Key transparency: logs the silent member, has the client verify its inclusion, and
    /// returns the last epoch its key is used (`to_epoch`, or the epoch a monitor flagged
    /// it, after which it is revoked).
    fn kt_log(
        &mut self,
        target: u32,
        from_epoch: u32,
        to_epoch: u32,
        public: &[u8; 32],
        cred: Option<[u8; 64]>,
        journal: &mut Journal,
    ) -> u32 {
        let tag = match cred {
            Some(c) => super::kdf("ghost-credential", &[&c]).0,
            None => [0; 32],
        };
        let entry = Entry {
            owner: target,
            key: *public,
            tag,
        };
        let i = self.log.append(entry);
        // The sender's client accepts the key only with an inclusion proof against the
        // published root.
        let root = self.log.root();
        if !self.log.prove(i).is_some_and(|p| p.verifies(&root)) {
            return from_epoch.saturating_sub(1);
        }
        // What a monitor who looks sees: a device its owner did not add (no credential),
        // or a silent member whose credential matches no warrant (the auditor).
        let flaggable = cred.is_none() || !self.docket.contains(&target);
        if !flaggable {
            return to_epoch;
        }
        self.kt.0 += 1;
        let p = f64::from(self.kt_pct) / 100.0;
        let left = self.epochs.saturating_sub(from_epoch);
        let caught = keylog::first_look(&self.kt_seed, target, from_epoch, self.epochs, p);
        if let Some(d) = caught {
            self.kt.1 += 1;
            self.kt.2 += d - from_epoch;
            journal.notice(
                "key-transparency",
                if cred.is_none() {
                    "the target's monitor"
                } else {
                    "exception auditor"
                },
                format!(
                    "user {target}: a logged {} at epoch {d}, {} epoch(s) after it was logged; \
                     revoked from the next epoch",
                    if cred.is_none() {
                        "device its owner did not add"
                    } else {
                        "silent member whose credential matches no warrant"
                    },
                    d - from_epoch
                ),
            );
        }
        journal.figure("kt_flaggable", 1.0);
        journal.figure("kt_caught", if caught.is_some() { 1.0 } else { 0.0 });
        let (n, c, delay) = self.kt;
        let model = 1.0 - (1.0 - p).powi(left as i32);
        let rests = format!(
            "measured: {c} of {n} flaggable key(s) seen by a monitor (kt_monitor_pct = {}; \
             the model gives 1 − (1 − {p:.2})^{left} = {model:.4} for a key logged at epoch \
             {from_epoch}){}",
            self.kt_pct,
            if self.kt_pct >= 100 {
                "; every monitor looks every epoch: an assumption"
            } else {
                ""
            }
        );
        journal.rests_on(crate::controls::ControlBasis {
            control: "key-transparency".into(),
            kind: if self.kt_pct >= 100 {
                crate::controls::BasisKind::Assumption
            } else {
                crate::controls::BasisKind::Measured
            },
            probability: Some(f64::from(c) / f64::from(n.max(1))),
            delay_epochs: (c > 0).then(|| f64::from(delay) / f64::from(c)),
            rests_on: rests,
        });
        caught.map_or(to_epoch, |d| d.min(to_epoch))
    }

    fn insert(
        &mut self,
        target: u32,
        from_epoch: u32,
        to_epoch: u32,
        public: &[u8; 32],
        journal: &mut Journal,
    ) -> Vec<(SessionHeader, KeyDelivery)> {
        let mut out = Vec::new();
        let mut to_epoch = to_epoch;
        // Does a checking client take the silent member? A provider-signed roster signs
        // whatever the provider inserts; a member-signed one needs an exception credential;
        // a key log takes what is logged, where monitors may see it.
        let mut refused = false;
        if self.roster_check && self.signer != RosterSigner::Provider {
            let cred = self
                .credential(target)
                .filter(|c| self.credential_verifies(target, c));
            match self.signer {
                RosterSigner::Log => {
                    to_epoch = self.kt_log(target, from_epoch, to_epoch, public, cred, journal);
                }
                _ => {
                    refused = cred.is_none();
                    if refused && self.exception != "none" {
                        journal.rests_on(crate::controls::ControlBasis {
                            control: "roster-check".into(),
                            kind: crate::controls::BasisKind::Assumption,
                            probability: Some(1.0),
                            delay_epochs: Some(0.0),
                            rests_on: format!(
                                "members sign the roster, their identity keys verified out of \
                                 band (assumed: every client checks, at once), and a silent \
                                 member needs an Ed25519 credential from the {} (cryptographic: \
                                 none exists for this target, and forging one needs the \
                                 issuer's key)",
                                self.exception
                            ),
                        });
                    }
                }
            }
        }
        let sessions = Arc::clone(&self.sessions);
        for s in sessions
            .iter()
            .filter(|s| s.members.contains(&target) && (from_epoch..=to_epoch).contains(&s.epoch))
        {
            if refused {
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
                    if self.exception == "none" {
                        "senders' clients refuse to deliver session keys to a member outside the signed roster"
                    } else {
                        "senders' clients refuse a silent member without a valid exception credential"
                    },
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
        // The interface keeps the warrant it serves (the auditor reconciles logged silent
        // members against these), and under `court` the court issues a credential for each
        // target with the warrant it signed.
        for &t in &w.warrant.targets {
            if !self.docket.contains(&t) {
                self.docket.push(t);
            }
            if self.exception == "court" {
                use ed25519_dalek::Signer;
                let c = self.issuer.sign(&credential_message(t)).to_bytes();
                self.court_credentials.entry(t).or_insert(c);
            }
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
        let exception = match params.word("exception") {
            "provider" => "provider",
            "court" => "court",
            _ => "none",
        };
        let issuer = ed25519_dalek::SigningKey::from_bytes(&view.rng("ghost-exception").gen());
        let docket: Vec<u32> = view
            .interface_warrants(&INFO)
            .iter()
            .flat_map(|w| w.warrant.targets.iter().copied())
            .collect();
        // The court signs one credential per warrant's target; the interface holds them.
        let court_credentials = if exception == "court" {
            use ed25519_dalek::Signer;
            docket
                .iter()
                .map(|&t| (t, issuer.sign(&credential_message(t)).to_bytes()))
                .collect()
        } else {
            Default::default()
        };
        let client = &view.scheme().client;
        Ok(Box::new(GhostDeployment {
            signer: client.roster_signer,
            exception,
            issuer,
            court_credentials,
            log: KeyLog::default(),
            kt_seed: crate::seed::derive(view.world().config.seed, "kt-monitor", &[]),
            kt_pct: client.kt_monitor_pct,
            kt: (0, 0, 0),
            sessions: Arc::new(view.sessions()),
            clients: view.clients(),
            epochs: view.epochs(),
            roster_check: view.scheme().client.roster_check,
            reconcile: params.flag("reconcile_taps"),
            // The interface holds the warrants the court delivered: the docket is theirs.
            docket,
            seed: rng.gen(),
            le_secret: rng.gen(),
        }))
    }
}
