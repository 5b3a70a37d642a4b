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
    /// `obtain_warrant`: the vendor opens a relay-proof attestation with phone `device` in
    /// custody: its fresh nonce (the slow phase; needed before [`DeviceRequest::Unlock`]
    /// when `attestation = "relay-proof"`).
    Challenge {
        /// The phone in custody.
        device: u32,
    },
    /// `obtain_warrant`: police seize phone `device` under a genuine warrant naming the
    /// identity it claims (`claimed`), and the vendor answers what the phone in custody
    /// displays (`shown`). The answer goes to that phone, and to whoever controls it.
    Unlock {
        /// The phone physically in custody.
        device: u32,
        /// The device identity it claims (and the warrant names): its own, or a relay's lie.
        claimed: u32,
        /// What it displays in recovery mode.
        shown: Vec<u8>,
        /// What it answers in the rapid phase of the attestation.
        rapid: RapidAnswers,
    },
}

/// What the phone in custody answers in the rapid phase of a relay-proof attestation.
#[derive(Clone, Debug)]
pub enum RapidAnswers {
    /// Its own secure element runs the exchange (an honest phone: it proves its own id).
    Own,
    /// A relay's answers, committed before the challenges are drawn (it cannot reach the
    /// genuine phone within a round's time bound): the prover nonce it forwarded and, per
    /// round, its answer to challenge 0 and to challenge 1.
    Committed {
        /// The prover nonce the relay sent in the slow phase.
        prover_nonce: [u8; 32],
        /// Round `i`: `[answer if the challenge is 0, answer if it is 1]`.
        answers: Vec<[bool; 2]>,
    },
}

/// The most rapid rounds an attestation runs (the PRF gives 128 bits per register).
pub const MAX_DB_ROUNDS: usize = 128;

/// A phone's secure element: its device key (enrolled with the vendor at manufacture,
/// never readable) and its nonce generator, shared by every copy of the handle (one chip).
#[derive(Clone)]
struct SecureElement {
    key: Key32,
    nonces: Arc<std::sync::Mutex<rand_chacha::ChaCha20Rng>>,
}

impl std::fmt::Debug for SecureElement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecureElement(..)")
    }
}

/// The two response registers `R0`, `R1` of a rapid exchange: bits of
/// `PRF(key, vendor nonce ‖ prover nonce)`.
fn registers(key: &Key32, vendor_nonce: &[u8; 32], prover_nonce: &[u8; 32]) -> [u8; 32] {
    super::kdf(
        "device-distance-bound",
        &[&key.0, vendor_nonce, prover_nonce],
    )
    .0
}

/// Round `i`'s response to challenge `c` from the registers.
fn response(regs: &[u8; 32], i: usize, c: bool) -> bool {
    let bit = i + if c { MAX_DB_ROUNDS } else { 0 };
    regs[bit / 8] >> (bit % 8) & 1 == 1
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
    /// The vendor's fresh nonce for a relay-proof attestation.
    Challenge([u8; 32]),
}

/// A phone in someone's hands: its recovery blob and its sealed history.
#[derive(Clone, Debug)]
pub struct SeizedDevice {
    user: u32,
    blob: Vec<u8>,
    store: Vec<(u32, Vec<u8>)>,
    se: SecureElement,
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
    /// Runs the phone's side of a rapid exchange, as its holder can: its secure element
    /// draws a fresh prover nonce and answers `challenges` (one bit a round, at most
    /// [`MAX_DB_ROUNDS`]) for `vendor_nonce`. The device key never leaves the chip.
    pub fn rapid_phase(
        &self,
        vendor_nonce: &[u8; 32],
        challenges: &[bool],
    ) -> ([u8; 32], Vec<bool>) {
        let mut np = [0u8; 32];
        if let Ok(mut rng) = self.se.nonces.lock() {
            rng.fill(&mut np);
        }
        let regs = registers(&self.se.key, vendor_nonce, &np);
        let answers = challenges
            .iter()
            .take(MAX_DB_ROUNDS)
            .enumerate()
            .map(|(i, &c)| response(&regs, i, c))
            .collect();
        (np, answers)
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
    /// `attestation = "relay-proof"`: the vendor runs a distance-bounding exchange with the
    /// phone in custody before it answers.
    attest: bool,
    /// Rapid rounds of that exchange (`db_rounds`).
    rounds: usize,
    /// The vendor's open challenges: phone in custody → nonce.
    pending: std::collections::BTreeMap<u32, [u8; 32]>,
    /// Challenges issued so far (each nonce is fresh).
    issued: u64,
    /// Each phone's secure element (its nonce generator persists across seizures).
    chips: Vec<SecureElement>,
    bricked: std::collections::BTreeSet<u32>,
    users: u32,
}

impl DeviceDeployment {
    fn storage_key(&self, user: u32) -> Key32 {
        super::kdf("device-storage", &[&self.seed, &user.to_le_bytes()])
    }
    /// The vendor's fresh nonce for the phone in custody (the slow phase).
    fn challenge(&mut self, device: u32) -> [u8; 32] {
        self.issued += 1;
        let nv = super::kdf(
            "device-db-nonce",
            &[
                &self.seed,
                &device.to_le_bytes(),
                &self.issued.to_le_bytes(),
            ],
        )
        .0;
        self.pending.insert(device, nv);
        nv
    }
    /// The relay-proof attestation: does the phone in custody (`device`) prove the identity
    /// it claims? Consumes the open challenge; reports a failure and what the check rests
    /// on.
    fn attests(
        &mut self,
        device: u32,
        claimed: u32,
        rapid: &RapidAnswers,
        journal: &mut Journal,
    ) -> bool {
        let rounds = self.rounds;
        let relay_pass = 0.75f64.powi(rounds as i32);
        journal.rests_on(crate::controls::ControlBasis::measured(
            "device-attestation",
            Some(1.0 - relay_pass),
            Some(0.0),
            format!(
                "computed: a relay that pre-asks the genuine phone answers each of the \
                 {rounds} rapid rounds right with probability 3/4 and passes with \
                 (3/4)^{rounds} = {relay_pass:.3e} (Hancke & Kuhn 2005); assumes the device key \
                 stays in its secure element and a relay cannot answer within a round's \
                 time bound"
            ),
        ));
        let Some(nv) = self.pending.remove(&device) else {
            journal.refuse(
                "device-attestation",
                "vendor",
                format!("phone {device} answered no open challenge"),
            );
            return false;
        };
        let Some(chip) = self.chips.get(claimed as usize) else {
            journal.refuse(
                "device-attestation",
                "vendor",
                format!("no device {claimed} was enrolled"),
            );
            return false;
        };
        let (np, table): ([u8; 32], Vec<[bool; 2]>) = match rapid {
            RapidAnswers::Own => {
                // The phone in custody's own chip answers: it proves its own identity.
                let own = self
                    .chips
                    .get(device as usize)
                    .cloned()
                    .unwrap_or_else(|| chip.clone());
                let mut np = [0u8; 32];
                if let Ok(mut rng) = own.nonces.lock() {
                    rng.fill(&mut np);
                }
                let regs = registers(&own.key, &nv, &np);
                (
                    np,
                    (0..rounds)
                        .map(|i| [response(&regs, i, false), response(&regs, i, true)])
                        .collect(),
                )
            }
            RapidAnswers::Committed {
                prover_nonce,
                answers,
            } => (*prover_nonce, answers.clone()),
        };
        // The vendor's challenge bits: unpredictable to the phone (derived from its secret).
        let bits = super::kdf("device-db-challenge", &[&self.seed, &nv]).0;
        let regs = registers(&chip.key, &nv, &np);
        let wrong = (0..rounds)
            .filter(|&i| {
                let c = bits[i / 8] >> (i % 8) & 1 == 1;
                table.get(i).map(|a| a[usize::from(c)]) != Some(response(&regs, i, c))
            })
            .count();
        if wrong > 0 {
            journal.refuse(
                "device-attestation",
                "vendor",
                format!("phone {device} failed {wrong} of {rounds} rapid rounds for device {claimed}'s key"),
            );
            journal.notice(
                "device-attestation",
                "vendor",
                format!("phone {device} claimed device {claimed} and failed its distance-bounding exchange"),
            );
            return false;
        }
        true
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
        let se = self
            .chips
            .get(user as usize)
            .cloned()
            .ok_or_else(|| Error::misuse(format!("no device {user}")))?;
        Ok(SeizedDevice {
            user,
            blob,
            store,
            se,
        })
    }
    /// The vendor's decryption of what phone `device` in custody shows, for the identity it
    /// claims (`claimed`, which the warrant names), after the attestation when it is on;
    /// `None` when refused.
    fn vendor_answer(
        &mut self,
        device: u32,
        claimed: u32,
        shown: &[u8],
        rapid: &RapidAnswers,
        journal: &mut Journal,
    ) -> Option<Key32> {
        if self.attest && !self.attests(device, claimed, rapid, journal) {
            return None;
        }
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
        if self.bind && id != claimed {
            journal.refuse(
                "device-binding",
                "vendor",
                format!("the blob belongs to device {id}, the warrant names device {claimed}"),
            );
            journal.notice(
                "device-binding",
                "vendor",
                format!(
                    "a recovery blob of device {id} was shown by a phone claiming device {claimed}"
                ),
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
            DeviceRequest::Challenge { .. } | DeviceRequest::Unlock { .. } => {
                Capability::ObtainWarrant
            }
        }
    }
    fn describe(r: &DeviceRequest) -> String {
        match r {
            DeviceRequest::Seize { user } => format!("phone of user {user}"),
            DeviceRequest::StealVendorKey => "vendor escrow key".into(),
            DeviceRequest::Challenge { device } => format!("vendor attestation of phone {device}"),
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
            DeviceRequest::Challenge { device } => {
                if device >= self.users {
                    return Err(Error::misuse(format!("no device {device}")));
                }
                Ok(DeviceResponse::Challenge(self.challenge(device)))
            }
            DeviceRequest::Unlock {
                device,
                claimed,
                shown,
                rapid,
            } => {
                if device >= self.users || claimed >= self.users {
                    return Err(Error::misuse(format!("no device {device} or {claimed}")));
                }
                // The phone in custody enters recovery mode: bricked.
                self.bricked.insert(device);
                Ok(DeviceResponse::Answer(
                    self.vendor_answer(device, claimed, &shown, &rapid, journal),
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
            self.challenge(t);
            let Some(sk) = self.vendor_answer(t, t, d.recovery_blob(), &RapidAnswers::Own, journal)
            else {
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
        let seed: [u8; 32] = rng.gen();
        let chip_seed = super::kdf("device-chips", &[&seed]).0;
        let chips = (0..users)
            .map(|u| SecureElement {
                key: super::kdf("device-key", &[&chip_seed, &u.to_le_bytes()]),
                nonces: Arc::new(std::sync::Mutex::new(
                    <rand_chacha::ChaCha20Rng as rand::SeedableRng>::from_seed(
                        super::kdf("device-chip-rng", &[&chip_seed, &u.to_le_bytes()]).0,
                    ),
                )),
            })
            .collect();
        Ok(Box::new(DeviceDeployment {
            backend,
            sessions: Arc::new(sessions),
            clients: view.clients(),
            by_member: Arc::new(by_member),
            vendor_public: km.public,
            vendor_secret,
            seed,
            bind: params.flag("bind_to_device"),
            attest: params.word("attestation") == "relay-proof",
            rounds: (params.int("db_rounds").clamp(1, MAX_DB_ROUNDS as i64)) as usize,
            pending: std::collections::BTreeMap::new(),
            issued: 0,
            chips,
            bricked: std::collections::BTreeSet::new(),
            users,
        }))
    }
}
