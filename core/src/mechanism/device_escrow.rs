//! Device escrow (Ozzie's CLEAR, 2018): each device keeps its message history (here, the
//! session keys of every session its user took part in) sealed under a storage key, and
//! the storage key encrypted to one vendor escrow key on BLS12-381. With a warrant and the
//! phone in hand, police put it into recovery mode, which shows the encrypted storage key
//! and bricks the phone for good (its owner notices); the vendor decrypts it for them.
//!
//! Exposure is bounded by the devices someone holds: a thief of the vendor key still needs
//! each phone. Tromer's relay: a criminal who has stolen a victim's phone makes a planted
//! "relay" phone display the victim's recovery blob; police seize the relay under a genuine
//! warrant and the vendor's answer opens the victim's phone. The control is
//! `bind_to_device`: the blob carries the device's identity inside the ciphertext and the
//! vendor answers only for the device the warrant names.

use super::{
    CourtKey, DeployView, Deployment, DynDeployment, Journal, Mechanism, MechanismInfo, Released,
    SessionView,
};
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::escrow::court::SignedWarrant;
use crate::messaging::open;
use crate::secret::{Key32, Scalar};
use crate::vocab::{Capability, Params};
use rand::Rng;
use std::sync::Arc;

/// The device-escrow family.
pub struct DeviceEscrow;

use crate::vocab::family::device_escrow::INFO;

/// What may be asked of device escrow.
#[derive(Clone, Debug)]
pub enum DeviceRequest {
    /// `seize_device`: take user `user`'s phone.
    Seize {
        /// Whose phone.
        user: u32,
    },
    /// `compromise_vault`: copy the vendor's escrow private key.
    StealVendorKey,
    /// `obtain_warrant`: police seize phone `device` under a genuine warrant naming it, and
    /// the vendor answers what the phone in custody displays (`shown`). The answer goes to
    /// that phone, and to whoever controls it.
    Unlock {
        /// The phone the warrant names (the one in custody).
        device: u32,
        /// What it displays in recovery mode.
        shown: Vec<u8>,
    },
}

/// What device escrow answers.
#[derive(Clone, Debug)]
pub enum DeviceResponse {
    /// A phone in hand.
    Device(SeizedDevice),
    /// The vendor's escrow key.
    VendorKey(Scalar),
    /// The vendor's answer: the storage key it decrypted, `None` when it refused.
    Answer(Option<Key32>),
}

/// A phone in someone's hands: its recovery blob and its sealed history.
#[derive(Clone, Debug)]
pub struct SeizedDevice {
    user: u32,
    blob: Vec<u8>,
    store: Vec<(u32, Vec<u8>)>,
}

impl SeizedDevice {
    /// Whose phone.
    pub fn user(&self) -> u32 {
        self.user
    }
    /// What recovery mode displays: the storage key encrypted to the vendor key.
    pub fn recovery_blob(&self) -> &[u8] {
        &self.blob
    }
    /// Opens the store with a storage key: `(session, session key)` for each record
    /// whose tag verifies (a wrong key opens nothing).
    pub fn open_store(&self, storage_key: &Key32) -> Vec<(u32, Key32)> {
        self.store
            .iter()
            .filter_map(|(s, sealed)| {
                let k = record_key(storage_key, *s);
                let pt = open(&k, &s.to_le_bytes(), sealed)?;
                Some((*s, Key32(pt.try_into().ok()?)))
            })
            .collect()
    }
}

/// Reads a storage key out of a decrypted recovery blob (`device id ‖ storage key`).
pub fn storage_key_of_blob(plain: &[u8]) -> Option<(u32, Key32)> {
    if plain.len() != 36 {
        return None;
    }
    let id = u32::from_le_bytes(plain[..4].try_into().ok()?);
    Some((id, Key32(plain[4..].try_into().ok()?)))
}

fn record_key(storage: &Key32, session: u32) -> Key32 {
    super::kdf("device-store", &[&storage.0, &session.to_le_bytes()])
}

/// The vendor and its fleet.
#[derive(Clone)]
pub struct DeviceDeployment {
    backend: &'static dyn Backend,
    sessions: Arc<Vec<SessionView>>,
    /// The phones' clients (what a phone stores of each key it has seen).
    clients: super::Clients,
    /// Each user's sessions (indices into `sessions`, in order), built once at deployment:
    /// a seizure reads its owner's list instead of scanning every session.
    by_member: Arc<Vec<Vec<u32>>>,
    vendor_public: Vec<u8>,
    vendor_secret: Scalar,
    seed: [u8; 32],
    bind: bool,
    bricked: std::collections::BTreeSet<u32>,
    users: u32,
}

impl DeviceDeployment {
    fn storage_key(&self, user: u32) -> Key32 {
        super::kdf("device-storage", &[&self.seed, &user.to_le_bytes()])
    }
    fn take(&mut self, user: u32, journal: &mut Journal, why: &str) -> Result<SeizedDevice> {
        if user >= self.users {
            return Err(Error::misuse(format!("no user {user}")));
        }
        let sk = self.storage_key(user);
        let mut plain = user.to_le_bytes().to_vec();
        plain.extend_from_slice(&sk.0);
        let eseed = super::kdf("device-blob", &[&self.seed, &user.to_le_bytes()]);
        let blob = self.backend.encrypt(&self.vendor_public, &plain, eseed.0)?;
        let store = self
            .by_member
            .get(user as usize)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.sessions.get(i as usize))
            // The phone holds what it has seen: sessions up to the moment it is taken.
            .filter(|s| s.epoch < journal.epoch())
            .map(|s| {
                (
                    s.index,
                    // The phone's store: every key it has seen, sealed under its storage key.
                    self.clients
                        .seal(s.index, &record_key(&sk, s.index))
                        .unwrap_or_default(),
                )
            })
            .collect();
        if self.bricked.insert(user) {
            journal.notice(
                "owner-notice",
                &format!("owner of device {user}"),
                format!("the phone was {why}"),
            );
            journal.figure("devices_taken", 1.0);
        }
        Ok(SeizedDevice { user, blob, store })
    }
    /// The vendor's decryption of what a phone in custody shows, for the phone the warrant
    /// names; `None` when refused.
    fn vendor_answer(&self, device: u32, shown: &[u8], journal: &mut Journal) -> Option<Key32> {
        let plain = match self.backend.decrypt_with_scalar(&self.vendor_secret, shown) {
            Ok(Some(p)) => p,
            _ => {
                journal.refuse(
                    "vendor-blob-check",
                    "vendor",
                    "what the phone displays is not a valid recovery blob",
                );
                return None;
            }
        };
        let Some((id, key)) = storage_key_of_blob(&plain) else {
            journal.refuse("vendor-blob-check", "vendor", "malformed recovery blob");
            return None;
        };
        if self.bind && id != device {
            journal.refuse(
                "device-binding",
                "vendor",
                format!("the blob belongs to device {id}, the warrant names device {device}"),
            );
            journal.notice(
                "device-binding",
                "vendor",
                format!("a recovery blob of device {id} was shown by device {device}"),
            );
            return None;
        }
        journal.figure("vendor_unlocks", 1.0);
        Some(key)
    }
}

impl Deployment for DeviceDeployment {
    type Request = DeviceRequest;
    type Response = DeviceResponse;
    fn capability(r: &DeviceRequest) -> Capability {
        match r {
            DeviceRequest::Seize { .. } => Capability::SeizeDevice,
            DeviceRequest::StealVendorKey => Capability::CompromiseVault,
            DeviceRequest::Unlock { .. } => Capability::ObtainWarrant,
        }
    }
    fn describe(r: &DeviceRequest) -> String {
        match r {
            DeviceRequest::Seize { user } => format!("phone of user {user}"),
            DeviceRequest::StealVendorKey => "vendor escrow key".into(),
            DeviceRequest::Unlock { device, .. } => format!("vendor unlock for phone {device}"),
        }
    }
    fn handle(&mut self, r: DeviceRequest, journal: &mut Journal) -> Result<DeviceResponse> {
        match r {
            DeviceRequest::Seize { user } => {
                Ok(DeviceResponse::Device(self.take(user, journal, "taken")?))
            }
            DeviceRequest::StealVendorKey => {
                Ok(DeviceResponse::VendorKey(self.vendor_secret.clone()))
            }
            DeviceRequest::Unlock { device, shown } => {
                if device >= self.users {
                    return Err(Error::misuse(format!("no device {device}")));
                }
                // The phone in custody enters recovery mode: bricked.
                self.bricked.insert(device);
                Ok(DeviceResponse::Answer(
                    self.vendor_answer(device, &shown, journal),
                ))
            }
        }
    }
    fn serve(
        &mut self,
        w: &SignedWarrant,
        court: &CourtKey<'_>,
        journal: &mut Journal,
    ) -> Result<Vec<Released>> {
        if !court.admits(w, "vendor", journal) {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for &t in &w.warrant.targets {
            let d = self.take(t, journal, "seized and bricked under a warrant")?;
            let Some(sk) = self.vendor_answer(t, d.recovery_blob(), journal) else {
                continue;
            };
            for (session, key) in d.open_store(&sk) {
                let in_window = self
                    .sessions
                    .get(session as usize)
                    .is_some_and(|s| w.warrant.covers(s.epoch, &s.members));
                if in_window {
                    out.push(Released { session, key });
                }
            }
        }
        Ok(out)
    }
}

impl Mechanism for DeviceEscrow {
    fn info(&self) -> &'static MechanismInfo {
        &INFO
    }
    fn deploy(&self, view: &DeployView<'_>, params: &Params) -> Result<Box<dyn DynDeployment>> {
        let mut rng = view.rng("device-escrow");
        let backend = view.backend();
        let km = backend.dealer_keygen(1, 1, rng.gen())?;
        let vendor_secret = km
            .shares
            .first()
            .cloned()
            .ok_or_else(|| Error::misuse("vendor key generation returned no share"))?;
        let sessions = view.sessions();
        let users = view.users();
        let mut by_member = vec![Vec::new(); users as usize];
        for (i, s) in sessions.iter().enumerate() {
            for &m in &s.members {
                if let Some(list) = by_member.get_mut(m as usize) {
                    // A member listed twice in one session still holds it once.
                    if list.last() != Some(&(i as u32)) {
                        list.push(i as u32);
                    }
                }
            }
        }
        Ok(Box::new(DeviceDeployment {
            backend,
            sessions: Arc::new(sessions),
            clients: view.clients(),
            by_member: Arc::new(by_member),
            vendor_public: km.public,
            vendor_secret,
            seed: rng.gen(),
            bind: params.flag("bind_to_device"),
            bricked: std::collections::BTreeSet::new(),
            users,
        }))
    }
}
