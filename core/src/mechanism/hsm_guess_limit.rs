//! HSM-guarded escrow with a guess limit (the iCloud Keychain / WhatsApp backup pattern):
//! each user's backup (the session keys of every session the user took part in, sealed
//! under a history key) is escrowed in a record sealed under a key derived from the user's
//! passcode with PBKDF2-HMAC-SHA256. A cluster of HSMs holds the record and opens it only
//! on a correct passcode; every member counts failed guesses on its own and the record is
//! released only when a majority of members are under the limit. After `limit` failures
//! the majority destroys its copy.
//!
//! Lawful access: a warrant served together with a compelled-disclosure order for the
//! target's passcode (a RIPA s.49 notice): the cluster checks the court's signature and
//! the passcode, and releases the backup.
//!
//! What the limit rests on: a majority of members (each holds the record and its own
//! counter; a minority rolled back gains nothing), and the firmware signing key (firmware
//! that ignores counters lifts the limit for every user; Apple destroyed the admin cards
//! that could sign it: `signing_key_destroyed`). Without the limit, the record falls to
//! an offline search over the passcode space, each try one PBKDF2.

use super::{
    CourtKey, DeployView, Deployment, DynDeployment, Journal, Mechanism, MechanismInfo, Released,
    SessionView,
};
use crate::error::{Error, Result};
use crate::escrow::court::SignedWarrant;
use crate::messaging::{open, seal};
use crate::secret::Key32;
use crate::vocab::{Capability, Params};
use rand::Rng;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The HSM guess-limit family.
pub struct HsmGuessLimit;

use crate::vocab::family::hsm_guess_limit::INFO;
pub use crate::vocab::family::hsm_guess_limit::{CLUSTER_KEYS, PASSCODE_KINDS, PIN_MODELS};

/// The ten commonest human-chosen 4-digit PINs and their shares, in frequency order: the
/// iPhone unlock-code data set (Amitay 2011, 204 508 PINs) as analysed by Bonneau,
/// Preibusch & Anderson, "A birthday present every eleven wallets? The security of
/// customer-chosen banking PINs", Financial Cryptography 2012. 1234 was chosen 8 884
/// times (4.34 %); the ten together hold about 15 % (14.81 % here, the other shares read
/// from the published ranking). The other 9 990 PINs share the remaining 85.19 % uniformly
/// in this model: it under-states the attacker past the tenth guess (real data keep
/// falling off), so success within `limit` guesses is a lower bound once `limit` > 10.
pub const HUMAN_PINS4: &[(&str, f64)] = &[
    ("1234", 0.0434),
    ("0000", 0.0257),
    ("2580", 0.0227),
    ("1111", 0.0164),
    ("5555", 0.0082),
    ("5683", 0.0072),
    ("0852", 0.0070),
    ("2222", 0.0064),
    ("1212", 0.0061),
    ("1998", 0.0050),
];

/// Whether the human PIN table applies to passcodes of `kind` under model `pins`.
fn human(kind: &str, pins: &str) -> bool {
    pins == "human" && kind == "digits4"
}

/// The attacker's `i`-th guess against a passcode of `kind` chosen under model `pins`: in
/// frequency order (the published table first, then the rest in enumeration order) for
/// human PINs, in enumeration order otherwise. Every passcode of the space comes exactly
/// once for `i` below [`passcode_space`].
pub fn guess_at(kind: &str, pins: &str, i: u64) -> String {
    if !human(kind, pins) {
        return passcode_at(kind, i);
    }
    let top = HUMAN_PINS4.len() as u64;
    if i < top {
        return HUMAN_PINS4[i as usize].0.to_string();
    }
    // The (i - top)-th PIN of the enumeration that is not in the table.
    let mut want = i - top;
    let mut skipped_below: Vec<u64> = HUMAN_PINS4
        .iter()
        .filter_map(|(p, _)| p.parse::<u64>().ok())
        .collect();
    skipped_below.sort_unstable();
    for s in skipped_below {
        if s <= want {
            want += 1;
        }
    }
    passcode_at(kind, want)
}

/// The probability that a user's passcode is among the attacker's first `guesses` guesses
/// (in the order of [`guess_at`]): the model's figure, not a measurement.
pub fn success_within(kind: &str, pins: &str, guesses: u64) -> f64 {
    let space = passcode_space(kind);
    let g = guesses.min(space);
    if !human(kind, pins) {
        return g as f64 / space as f64;
    }
    let top = HUMAN_PINS4.len() as u64;
    let head: f64 = HUMAN_PINS4.iter().take(g as usize).map(|(_, f)| f).sum();
    let rest = 1.0 - HUMAN_PINS4.iter().map(|(_, f)| f).sum::<f64>();
    head + rest * g.saturating_sub(top) as f64 / (space - top) as f64
}

/// A passcode drawn under model `pins` (one uniform draw from `rng` for a table entry or
/// for uniform; the uniform draw of a kind without a table is the same as before).
fn draw_passcode(kind: &str, pins: &str, rng: &mut impl Rng) -> String {
    let space = passcode_space(kind);
    if !human(kind, pins) {
        return passcode_at(kind, rng.gen_range(0..space));
    }
    let u: f64 = rng.gen();
    let mut acc = 0.0;
    for (p, f) in HUMAN_PINS4 {
        acc += f;
        if u < acc {
            return (*p).to_string();
        }
    }
    let top = HUMAN_PINS4.len() as u64;
    guess_at(kind, pins, top + rng.gen_range(0..space - top))
}

/// A user's escrow record as an HSM member stores it: the passcode-sealed history key.
#[derive(Clone, Debug)]
pub struct EscrowRecord {
    user: u32,
    salt: [u8; 16],
    iterations: u32,
    sealed: Vec<u8>,
    backup: Arc<Vec<(u32, Vec<u8>)>>,
}

impl EscrowRecord {
    /// Whose record.
    pub fn user(&self) -> u32 {
        self.user
    }
    /// Tries one passcode: the history key when it is right (one PBKDF2 and one AEAD).
    pub fn try_passcode(&self, passcode: &str) -> Option<Key32> {
        let k = passcode_key(passcode, &self.salt, self.iterations);
        let pt = open(&k, &self.user.to_le_bytes(), &self.sealed)?;
        Some(Key32(pt.try_into().ok()?))
    }
    /// Opens the backup with the history key: `(session, session key)` per record.
    pub fn open_backup(&self, history: &Key32) -> Vec<(u32, Key32)> {
        open_backup(&self.backup, history)
    }
}

fn open_backup(backup: &[(u32, Vec<u8>)], history: &Key32) -> Vec<(u32, Key32)> {
    backup
        .iter()
        .filter_map(|(s, sealed)| {
            let k = super::kdf("hsm-backup", &[&history.0, &s.to_le_bytes()]);
            let pt = open(&k, &s.to_le_bytes(), sealed)?;
            Some((*s, Key32(pt.try_into().ok()?)))
        })
        .collect()
}

/// PBKDF2-HMAC-SHA256 of a passcode.
fn passcode_key(passcode: &str, salt: &[u8; 16], iterations: u32) -> Key32 {
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(passcode.as_bytes(), salt, iterations, &mut out);
    Key32(out)
}

/// The number of passcodes of a kind.
pub fn passcode_space(kind: &str) -> u64 {
    match kind {
        "digits4" => 10_000,
        "digits6" => 1_000_000,
        "alnum4" => 36u64.pow(4),
        _ => 36u64.pow(6),
    }
}

/// The `i`-th passcode of a kind, in enumeration order (`0000`, `0001`, ...).
pub fn passcode_at(kind: &str, mut i: u64) -> String {
    match kind {
        "digits4" => format!("{:04}", i % 10_000),
        "digits6" => format!("{:06}", i % 1_000_000),
        _ => {
            const A: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
            let mut s = vec![b'a'; if kind == "alnum4" { 4 } else { 6 }];
            for c in s.iter_mut().rev() {
                *c = A[(i % 36) as usize];
                i /= 36;
            }
            String::from_utf8(s).unwrap_or_default()
        }
    }
}

/// What may be asked of the cluster.
#[derive(Clone, Debug)]
pub enum HsmRequest {
    /// `submit_request`: one passcode guess for `user`'s record.
    Guess {
        /// Whose record.
        user: u32,
        /// The guess.
        passcode: String,
    },
    /// `compromise_vault`: take HSM member `member`: every record it holds.
    TakeMember {
        /// Which member.
        member: usize,
    },
    /// `compromise_vault`: on a member taken, reset its counter for `user` (a rollback).
    RollBack {
        /// Which member.
        member: usize,
        /// Whose counter.
        user: u32,
    },
    /// `sign_firmware`: push firmware that ignores counters and exports every record.
    Firmware,
    /// `control_dealer`: the copy of the cluster key that the key ceremony computed before
    /// loading it into the members, when the ceremony's dealer kept one.
    DealerCopy,
    /// `intercept`: the locked records as the users' clients upload them through the
    /// provider's escrow service to the cluster (encrypted to the cluster key, before any
    /// member counted a guess or destroyed a copy).
    Uploads,
}

/// What the cluster answers.
#[derive(Clone, Debug)]
pub enum HsmResponse {
    /// A guess's outcome: the record (opened by the attacker with the right passcode) when
    /// the cluster released it, `None` when wrong or refused.
    Guess(Option<EscrowRecord>),
    /// What one member holds.
    Member(MemberLoot),
    /// Records exported by firmware (empty when no firmware could be signed).
    Records(Vec<EscrowRecord>),
    /// A counter rolled back (or not).
    RolledBack(bool),
    /// The dealer's copy of the cluster key (`None`: the ceremony computed none) and the
    /// cluster's public key set.
    DealerCopy(Option<crate::secret::Scalar>, Vec<u8>),
    /// Every locked record as uploaded.
    Uploads(Vec<LockedRecord>),
}

/// A record as the cluster stores it: the passcode-sealed record, encrypted to the
/// cluster's threshold key (a majority of members decrypt it together).
#[derive(Clone, Debug)]
pub struct LockedRecord {
    /// Whose record.
    pub user: u32,
    /// The record encrypted to the cluster key.
    pub locked: Vec<u8>,
    record: EscrowRecord,
}

/// What one HSM member yields: its key share, the cluster's public key set, and every
/// locked record.
#[derive(Clone, Debug)]
pub struct MemberLoot {
    /// Member index.
    pub member: usize,
    /// Its share of the cluster key.
    pub share: crate::secret::Scalar,
    /// The cluster's public key set.
    pub public: Vec<u8>,
    /// Every locked record.
    pub records: Vec<LockedRecord>,
}

/// Unlocks a record with the cluster's master secret (rebuilt from a majority of
/// shares): the passcode-sealed record, or `None` when the secret is wrong.
pub fn unlock(
    backend: &dyn crate::backend::Backend,
    master: &crate::secret::Scalar,
    r: &LockedRecord,
) -> Option<EscrowRecord> {
    let plain = backend.decrypt_with_scalar(master, &r.locked).ok()??;
    (plain == r.record.sealed).then(|| r.record.clone())
}

/// The cluster's state.
#[derive(Clone)]
pub struct HsmDeployment {
    records: Arc<Vec<EscrowRecord>>,
    passcodes: Arc<Vec<String>>,
    sessions: Arc<Vec<SessionView>>,
    limit: u32,
    members: usize,
    signing_destroyed: bool,
    /// Failures per member per user.
    counters: Vec<BTreeMap<u32, u32>>,
    /// Records each member destroyed when its counter reached the limit: gone from its
    /// store, so a later breach of that member finds nothing for that user.
    destroyed: Vec<std::collections::BTreeSet<u32>>,
    /// `success_within(limit)` under the scheme's passcode model.
    p_within_limit: f64,
    /// The passcode model (`human` or `uniform`, and whether the table applied).
    pin_model: String,
    /// Online guessing seen in this cell: records opened through the interface, and
    /// records destroyed by the limit.
    online_opened: u32,
    online_destroyed: u32,
    taken: Vec<usize>,
    /// Each member holds the whole cluster key (`cluster_key = "whole"`).
    whole_key: bool,
    cluster_public: Vec<u8>,
    cluster_shares: Arc<Vec<crate::secret::Scalar>>,
    /// The cluster key the ceremony computed to load (or deal) it into the members.
    dealer_master: Option<crate::secret::Scalar>,
    /// Every record encrypted to the cluster key: what each member's storage holds.
    locked: Arc<Vec<LockedRecord>>,
}

impl HsmDeployment {
    fn majority(&self) -> usize {
        self.members / 2 + 1
    }
    /// One guess through the cluster's rules: the record when right and allowed.
    fn guess(&mut self, user: u32, passcode: &str, journal: &mut Journal) -> Option<EscrowRecord> {
        let rec = self.records.get(user as usize)?.clone();
        let under: Vec<usize> = (0..self.members)
            .filter(|m| self.counters[*m].get(&user).copied().unwrap_or(0) < self.limit)
            .collect();
        if under.len() < self.majority() {
            journal.refuse(
                "guess-limit",
                "HSM cluster",
                format!(
                    "user {user}'s record was destroyed after {} failed guesses",
                    self.limit
                ),
            );
            self.label(journal);
            return None;
        }
        journal.work(1);
        if rec.try_passcode(passcode).is_some() {
            for m in under {
                self.counters[m].insert(user, 0);
            }
            return Some(rec);
        }
        let mut destroyed_now = false;
        for m in under {
            let c = self.counters[m].entry(user).or_insert(0);
            *c += 1;
            if *c >= self.limit && self.destroyed[m].insert(user) {
                destroyed_now = true;
            }
        }
        if destroyed_now
            && self.destroyed.iter().filter(|d| d.contains(&user)).count() >= self.majority()
        {
            self.online_destroyed += 1;
            journal.figure("records_destroyed", 1.0);
        }
        None
    }

    /// What the guess limit rests on, given with its refusal: the model's probability that
    /// it stops a guesser (the passcode is not among the `limit` guesses in frequency
    /// order), and what this cell saw.
    fn label(&self, journal: &mut Journal) {
        journal.rests_on(crate::controls::ControlBasis::measured(
            "guess-limit",
            Some(1.0 - self.p_within_limit),
            None,
            format!(
                "computed: 1 − P(the passcode is among the first {} guesses in frequency order) \
                 under the {} model = {:.4}; this cell: {} records destroyed by the limit, \
                 {} opened through the interface",
                self.limit,
                self.pin_model,
                1.0 - self.p_within_limit,
                self.online_destroyed,
                self.online_opened
            ),
        ));
    }
    /// The locked records member `m` still holds (every record, less those it destroyed).
    fn held_by(&self, m: usize) -> Vec<LockedRecord> {
        self.locked
            .iter()
            .filter(|r| !self.destroyed[m].contains(&r.user))
            .cloned()
            .collect()
    }
}

impl Deployment for HsmDeployment {
    type Request = HsmRequest;
    type Response = HsmResponse;
    fn capability(r: &HsmRequest) -> Capability {
        match r {
            HsmRequest::Guess { .. } => Capability::SubmitRequest,
            HsmRequest::TakeMember { .. } | HsmRequest::RollBack { .. } => {
                Capability::CompromiseVault
            }
            HsmRequest::Firmware => Capability::SignFirmware,
            HsmRequest::DealerCopy => Capability::ControlDealer,
            HsmRequest::Uploads => Capability::Intercept,
        }
    }
    fn describe(r: &HsmRequest) -> String {
        match r {
            HsmRequest::Guess { user, .. } => format!("guess on user {user}'s record"),
            HsmRequest::TakeMember { member } => format!("HSM member {member}"),
            HsmRequest::RollBack { member, user } => {
                format!("counter of user {user} on HSM member {member}")
            }
            HsmRequest::Firmware => "firmware for every HSM member".into(),
            HsmRequest::DealerCopy => "the cluster key ceremony's dealer".into(),
            HsmRequest::Uploads => "escrow records uploaded to the cluster".into(),
        }
    }
    fn handle(&mut self, r: HsmRequest, journal: &mut Journal) -> Result<HsmResponse> {
        match r {
            // The ceremony's copy is silent: no member counts anything for it.
            HsmRequest::DealerCopy => Ok(HsmResponse::DealerCopy(
                self.dealer_master.clone(),
                self.cluster_public.clone(),
            )),
            HsmRequest::Uploads => Ok(HsmResponse::Uploads(self.locked.to_vec())),
            HsmRequest::Guess { user, passcode } => {
                if user as usize >= self.records.len() {
                    return Err(Error::misuse(format!("no user {user}")));
                }
                let got = self.guess(user, &passcode, journal);
                if got.is_some() {
                    self.online_opened += 1;
                }
                Ok(HsmResponse::Guess(got))
            }
            HsmRequest::TakeMember { member } => {
                if member >= self.members {
                    return Err(Error::misuse(format!("no HSM member {member}")));
                }
                if !self.taken.contains(&member) {
                    self.taken.push(member);
                }
                if !self.whole_key && self.taken.len() < self.majority() {
                    journal.refuse(
                        "cluster-majority",
                        "HSM cluster",
                        format!(
                            "{} of {} members taken: a record opens only with a majority ({})",
                            self.taken.len(),
                            self.members,
                            self.majority()
                        ),
                    );
                }
                Ok(HsmResponse::Member(MemberLoot {
                    member,
                    share: self.cluster_shares[member].clone(),
                    public: self.cluster_public.clone(),
                    records: self.held_by(member),
                }))
            }
            HsmRequest::RollBack { member, user } => {
                if member >= self.members || !self.taken.contains(&member) {
                    journal.refuse(
                        "member-integrity",
                        &format!("HSM member {member}"),
                        "a counter can only be rolled back on a member under the attacker's control",
                    );
                    return Ok(HsmResponse::RolledBack(false));
                }
                self.counters[member].insert(user, 0);
                Ok(HsmResponse::RolledBack(true))
            }
            HsmRequest::Firmware => {
                if self.signing_destroyed {
                    journal.refuse(
                        "signing-key-destroyed",
                        "HSM cluster",
                        "the cards able to sign firmware for the cluster were destroyed",
                    );
                    return Ok(HsmResponse::Records(Vec::new()));
                }
                journal.notice(
                    "firmware-transparency",
                    "HSM cluster",
                    "a firmware change was installed on every member",
                );
                // The firmware runs on every member: it exports every record some member
                // still holds (none once the limit destroyed it everywhere).
                let gone = |u: u32| self.destroyed.iter().all(|d| d.contains(&u));
                Ok(HsmResponse::Records(
                    self.records
                        .iter()
                        .filter(|r| !gone(r.user))
                        .cloned()
                        .collect(),
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
        if !court.admits(w, "HSM cluster", journal) {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for &t in &w.warrant.targets {
            // The passcode the target disclosed under the order.
            let Some(code) = self.passcodes.get(t as usize).cloned() else {
                continue;
            };
            // Lawful access here assumes compelled disclosure: counted as a cost.
            journal.figure("passcodes_disclosed", 1.0);
            let Some(rec) = self.guess(t, &code, journal) else {
                continue;
            };
            let Some(history) = rec.try_passcode(&code) else {
                continue;
            };
            journal.figure("records_released", 1.0);
            // The backup holds every session; only those the warrant covers are handed on.
            out.extend(
                rec.open_backup(&history)
                    .into_iter()
                    .filter(|(session, _)| {
                        self.sessions
                            .get(*session as usize)
                            .is_some_and(|s| w.warrant.covers(s.epoch, &s.members))
                    })
                    .map(|(session, key)| Released { session, key }),
            );
        }
        Ok(out)
    }
}

impl Mechanism for HsmGuessLimit {
    fn info(&self) -> &'static MechanismInfo {
        &INFO
    }
    fn deploy(&self, view: &DeployView<'_>, params: &Params) -> Result<Box<dyn DynDeployment>> {
        let mut rng = view.rng("hsm-guess-limit");
        let kind = params.word("passcode").to_string();
        let pins = params.word("pins").to_string();
        let whole_key = params.word("cluster_key") == "whole";
        let iterations = params.int("kdf_iterations").clamp(1, 1_000_000) as u32;
        let members = params.int("members").clamp(1, 15) as usize;
        let sessions = view.sessions();
        let clients = view.clients();
        let users = view.users();
        let mut records = Vec::with_capacity(users as usize);
        let mut passcodes = Vec::with_capacity(users as usize);
        let mut by_user: Vec<Vec<&SessionView>> = vec![Vec::new(); users as usize];
        for s in &sessions {
            for &m in &s.members {
                if let Some(v) = by_user.get_mut(m as usize) {
                    v.push(s);
                }
            }
        }
        let mut sealed_records = Vec::with_capacity(users as usize);
        for (u, mine) in by_user.iter().enumerate() {
            let u = u as u32;
            let code = draw_passcode(&kind, &pins, &mut rng);
            let salt: [u8; 16] = rng.gen();
            let history = Key32(rng.gen());
            let backup: Vec<(u32, Vec<u8>)> = mine
                .iter()
                .map(|s| {
                    let k = super::kdf("hsm-backup", &[&history.0, &s.index.to_le_bytes()]);
                    // The user's client backs the key up under its history key.
                    (s.index, clients.seal(s.index, &k).unwrap_or_default())
                })
                .collect();
            let k = passcode_key(&code, &salt, iterations);
            sealed_records.push(EscrowRecord {
                user: u,
                salt,
                iterations,
                sealed: seal(&k, &u.to_le_bytes(), &history.0),
                backup: Arc::new(backup),
            });
            passcodes.push(code);
        }
        drop(by_user);
        records.extend(sealed_records);
        let backend = view.backend();
        let majority = members / 2 + 1;
        // The whole key at every member is a sharing with quorum 1: each share is the key.
        let quorum = if whole_key { 1 } else { majority };
        let km = backend.dealer_keygen(quorum, members, rng.gen())?;
        let lock_seed: [u8; 32] = rng.gen();
        let locked = records
            .iter()
            .map(|r: &EscrowRecord| {
                let seed = super::kdf("hsm-lock", &[&lock_seed, &r.user.to_le_bytes()]);
                Ok(LockedRecord {
                    user: r.user,
                    locked: backend.encrypt(&km.public, &r.sealed, seed.0)?,
                    record: r.clone(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let limit = params.int("limit").clamp(1, 1000) as u32;
        Ok(Box::new(HsmDeployment {
            whole_key,
            destroyed: vec![std::collections::BTreeSet::new(); members],
            p_within_limit: success_within(&kind, &pins, limit as u64),
            pin_model: if human(&kind, &pins) {
                "human-PIN (Bonneau et al. 2012)".into()
            } else {
                format!("uniform {kind}")
            },
            online_opened: 0,
            online_destroyed: 0,
            cluster_public: km.public,
            cluster_shares: Arc::new(km.shares),
            dealer_master: km.dealer_master,
            locked: Arc::new(locked),
            records: Arc::new(records),
            passcodes: Arc::new(passcodes),
            sessions: Arc::new(sessions),
            limit,
            members,
            signing_destroyed: params.flag("signing_key_destroyed"),
            counters: vec![BTreeMap::new(); members],
            taken: Vec::new(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passcodes_enumerate_their_whole_space_in_order() {
        for kind in PASSCODE_KINDS {
            let space = passcode_space(kind);
            let first = passcode_at(kind, 0);
            let last = passcode_at(kind, space - 1);
            assert_ne!(first, last, "{kind}");
            assert_eq!(first.len(), last.len(), "{kind}");
            // Wraps around: the space is exactly this big.
            assert_eq!(passcode_at(kind, space), first, "{kind}");
        }
        assert_eq!(passcode_at("digits4", 42), "0042");
        assert_eq!(passcode_at("alnum4", 0), "aaaa");
        assert_eq!(
            passcode_at("alnum4", 36),
            "abaa".chars().rev().collect::<String>()
        );
        let distinct: std::collections::BTreeSet<String> = (0..36u64.pow(2))
            .map(|i| passcode_at("alnum4", i))
            .collect();
        assert_eq!(distinct.len(), 36 * 36);
    }

    #[test]
    fn human_guesses_are_a_permutation_in_frequency_order() {
        let all: std::collections::BTreeSet<String> = (0..10_000)
            .map(|i| guess_at("digits4", "human", i))
            .collect();
        assert_eq!(all.len(), 10_000);
        assert_eq!(guess_at("digits4", "human", 0), "1234");
        assert_eq!(guess_at("digits4", "human", 9), "1998");
        // Past the table: enumeration order without the table's PINs.
        assert_eq!(guess_at("digits4", "human", 10), "0001");
        assert_eq!(guess_at("digits4", "uniform", 10), "0010");
        assert_eq!(guess_at("digits6", "human", 7), "000007");
    }

    #[test]
    fn success_within_the_limit_follows_the_model() {
        let p = success_within("digits4", "human", 10);
        assert!((p - 0.1481).abs() < 1e-9, "{p}");
        assert!((success_within("digits4", "uniform", 10) - 0.001).abs() < 1e-12);
        assert!((success_within("digits4", "human", 10_000) - 1.0).abs() < 1e-9);
        assert!(success_within("digits4", "human", 3) > 0.09);
    }

    #[test]
    fn drawn_pins_follow_the_table() {
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        let n = 100_000;
        let mut top1 = 0;
        let mut top10 = 0;
        for _ in 0..n {
            let c = draw_passcode("digits4", "human", &mut rng);
            top1 += usize::from(c == "1234");
            top10 += usize::from(HUMAN_PINS4.iter().any(|(p, _)| *p == c));
        }
        let f1 = top1 as f64 / n as f64;
        let f10 = top10 as f64 / n as f64;
        assert!((f1 - 0.0434).abs() < 0.004, "{f1}");
        assert!((f10 - 0.1481).abs() < 0.006, "{f10}");
    }

    #[test]
    fn a_record_opens_with_its_passcode_only() {
        let salt = [3u8; 16];
        let k = passcode_key("0042", &salt, 10);
        let rec = EscrowRecord {
            user: 1,
            salt,
            iterations: 10,
            sealed: seal(&k, &1u32.to_le_bytes(), &[9u8; 32]),
            backup: Arc::new(Vec::new()),
        };
        assert_eq!(rec.try_passcode("0042").map(|h| h.0), Some([9u8; 32]));
        assert!(rec.try_passcode("0043").is_none());
    }
}
