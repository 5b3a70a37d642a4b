//! The lawful-access mechanism: escrow keys and their custody, agents, the court and its
//! warrants, the audit log, and the combiner.

pub mod agent;
pub mod attachment;
pub mod audit;
pub mod combiner;
pub mod court;
pub mod field;
pub mod standalone;

use crate::backend::{Backend, BackendKind, KeyMaterial};
use crate::config::scheme::{AuditMode, CustodyKind, Keygen, Lifetime, Scheme};
use crate::detection::Detection;
use crate::error::Result;
use crate::secret::Scalar;
use crate::seed;
use agent::{Agent, AgentEnv, Policy, ShareResponse};
use audit::Witness;
use court::Court;
use ed25519_dalek::VerifyingKey;
use field::BindingRule;
use std::collections::{BTreeMap, BTreeSet};

/// The escrow side of a world: keys, agents, court, witness.
#[derive(Clone, Debug)]
pub struct EscrowSystem {
    /// The backend.
    pub(crate) backend: BackendKind,
    /// How fields are bound.
    pub(crate) rule: BindingRule,
    /// Custody kind.
    pub(crate) custody: CustodyKind,
    /// Shares needed.
    pub(crate) k: usize,
    /// Agents.
    pub(crate) n: usize,
    /// Live escrow keys: key epoch → current encoded public key set.
    pub(crate) keys: BTreeMap<u32, Vec<u8>>,
    /// Master public keys ever published (key epoch → master key), kept after destruction.
    pub(crate) master_keys: BTreeMap<u32, Vec<u8>>,
    /// Key epochs whose keys were destroyed.
    pub(crate) destroyed: BTreeSet<u32>,
    /// Refresh generation of each live key.
    pub(crate) generation: BTreeMap<u32, u32>,
    /// The agents.
    pub(crate) agents: Vec<Agent>,
    /// The court (`None` when the scheme offers no lawful access).
    pub(crate) court: Option<Court>,
    /// The outside witness of audit chain heads.
    pub(crate) witness: Witness,
    /// Audit mode.
    pub(crate) audit_mode: AuditMode,
    /// The family key inside every client chip (checks `checksum`/`signed` bindings).
    pub(crate) family_key: [u8; 32],
    /// Does the combiner verify shares?
    pub(crate) verify_shares: bool,
    /// Dealer copies of master secrets, kept only when the dealer is compromised.
    pub(crate) dealer_copies: Vec<(u32, Scalar)>,
    /// Detections raised inside the escrow system (an agent whose share fails the
    /// commitment check at key creation). The world moves them into its own list.
    pub(crate) detections: Vec<Detection>,
    dealer: DealerConduct,
    seed: u64,
    scheme: Scheme,
}

/// How the dealer of a key ceremony behaves (honest: the default, which keeps nothing).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DealerConduct {
    /// The dealer keeps its copy of every master secret it generates.
    pub keep_copies: bool,
    /// The dealer hands this agent a share off another polynomial, which does not match the
    /// published commitment.
    pub inconsistent_share_to: Option<usize>,
}

impl EscrowSystem {
    /// Sets up the escrow side of a scheme (static keys are generated now; epoch keys at
    /// the start of each epoch), with the dealer behaving as `dealer` says (a DKG has no
    /// dealer, so `dealer` changes nothing there).
    ///
    /// # Errors
    /// As key generation.
    pub(crate) fn with_dealer(
        scheme: &Scheme,
        backend: BackendKind,
        seed: u64,
        dealer: DealerConduct,
    ) -> Result<Self> {
        let b = backend.instance()?;
        let (k, n) = (scheme.k().max(1), scheme.n().max(1));
        let policy = Policy {
            check_signature: scheme.warrant.check_signature,
            check_expiry: scheme.warrant.check_expiry,
            check_scope: scheme.warrant.check_scope,
            replay_cache: scheme.warrant.replay_cache,
            enforce_use_limit: scheme.warrant.use_limit > 0,
            binding: BindingRule::from_scheme(scheme.field.binding, scheme.field.checksum_bits),
            field_registry: scheme.warrant.field_registry,
        };
        let has_escrow = scheme.custody.kind != CustodyKind::None;
        let agents = if has_escrow {
            (0..n).map(|i| Agent::new(i, policy)).collect()
        } else {
            Vec::new()
        };
        let court = if has_escrow {
            let (ck, cn) = scheme.court_kn();
            Some(Court::new(b, ck, cn, seed::derive(seed, "court", &[]))?)
        } else {
            None
        };
        let mut sys = EscrowSystem {
            backend,
            rule: policy.binding,
            custody: scheme.custody.kind,
            k: if has_escrow { k } else { 0 },
            n: if has_escrow { n } else { 0 },
            keys: BTreeMap::new(),
            master_keys: BTreeMap::new(),
            destroyed: BTreeSet::new(),
            generation: BTreeMap::new(),
            agents,
            court,
            witness: Witness::default(),
            audit_mode: scheme.audit.log,
            family_key: seed::derive(seed, "family-key", &[]),
            verify_shares: scheme.combiner.verify_shares,
            dealer_copies: Vec::new(),
            detections: Vec::new(),
            dealer,
            seed,
            scheme: scheme.clone(),
        };
        if has_escrow && scheme.custody.lifetime == Lifetime::Static {
            sys.create_key(0)?;
        }
        Ok(sys)
    }

    /// The escrow side of a world whose clients escrow nothing (plain end-to-end
    /// encryption's): no keys, agents or court.
    pub(crate) fn empty() -> &'static EscrowSystem {
        static EMPTY: std::sync::OnceLock<EscrowSystem> = std::sync::OnceLock::new();
        EMPTY.get_or_init(|| {
            let scheme = Scheme::builtins()
                .into_iter()
                .find(|s| {
                    s.custody.kind == CustodyKind::None
                        && s.family() == crate::vocab::family::SESSION_ESCROW
                })
                .expect("a built-in scheme without custody (e2e-baseline)");
            EscrowSystem::with_dealer(&scheme, BackendKind::Blsttc, 0, DealerConduct::default())
                .expect("an escrow side without custody makes no keys")
        })
    }

    /// The backend as a trait object.
    pub fn b(&self) -> &'static dyn Backend {
        self.backend
            .instance()
            .expect("a world is only built with a compiled-in backend")
    }

    /// Is there any escrow at all?
    pub fn has_escrow(&self) -> bool {
        self.custody != CustodyKind::None
    }

    /// The key epoch that sessions of `epoch` escrow to.
    pub fn key_epoch_for(&self, epoch: u32) -> u32 {
        match self.scheme.custody.lifetime {
            Lifetime::Static => 0,
            Lifetime::Epoch => epoch,
        }
    }

    fn keygen(&self, key_epoch: u32) -> Result<KeyMaterial> {
        let b = self.b();
        let s = seed::derive(self.seed, "escrow-keygen", &[key_epoch as u64]);
        match (self.custody, self.scheme.custody.keygen) {
            (CustodyKind::Threshold, Keygen::Dkg) => b.dkg_keygen(self.k, self.n, s),
            (CustodyKind::Threshold, Keygen::Dealer) => b.dealer_keygen(self.k, self.n, s),
            _ => b.dealer_keygen(1, 1, s),
        }
    }

    fn create_key(&mut self, key_epoch: u32) -> Result<()> {
        let mut km = self.keygen(key_epoch)?;
        // Only a dealer (a key generation that computed the master secret) can misbehave.
        if let Some(m) = &km.dealer_master {
            if self.dealer.keep_copies {
                self.dealer_copies.push((key_epoch, m.clone()));
            }
            if let Some(victim) = self
                .dealer
                .inconsistent_share_to
                .filter(|&v| v < km.shares.len())
            {
                let s = seed::derive(self.seed, "dealer-inconsistent", &[key_epoch as u64]);
                let other =
                    self.b()
                        .dealer_keygen(self.k.min(km.shares.len()), km.shares.len(), s)?;
                km.shares[victim] = other.shares[victim].clone();
            }
        }
        // Every agent checks its share against the published commitment and reports a
        // mismatch (it keeps the share: it has no other).
        let b = self.b();
        for (i, (agent, share)) in self.agents.iter_mut().zip(km.shares).enumerate() {
            if !b.share_matches_commitment(&km.public, i, &share)? {
                self.detections.push(Detection {
                    control: "share-commitment-check".into(),
                    epoch: key_epoch,
                    detail: format!("agent {i}: its share of key {key_epoch} does not match the published commitment"),
                });
            }
            agent.vault.put(key_epoch, share);
        }
        self.master_keys
            .insert(key_epoch, b.master_public_key(&km.public)?);
        self.keys.insert(key_epoch, km.public);
        self.generation.insert(key_epoch, 0);
        Ok(())
    }

    /// Epoch boundary: create this epoch's key, destroy keys past retention, refresh the rest.
    ///
    /// # Errors
    /// As key generation.
    pub(crate) fn begin_epoch(&mut self, epoch: u32) -> Result<()> {
        if !self.has_escrow() {
            return Ok(());
        }
        let epoch_keys = self.scheme.custody.lifetime == Lifetime::Epoch;
        if epoch_keys {
            let retention = self.scheme.custody.retention;
            let expired: Vec<u32> = self
                .keys
                .keys()
                .copied()
                .filter(|&ke| ke.saturating_add(retention) < epoch)
                .collect();
            for ke in expired {
                self.destroy_key(ke);
            }
        }
        if self.scheme.custody.refresh && epoch > 0 {
            let live: Vec<u32> = self.keys.keys().copied().collect();
            for ke in live {
                self.refresh_key(ke, epoch)?;
            }
        }
        if epoch_keys && !self.keys.contains_key(&epoch) {
            self.create_key(epoch)?;
        }
        Ok(())
    }

    fn destroy_key(&mut self, ke: u32) {
        self.keys.remove(&ke);
        self.generation.remove(&ke);
        for a in &mut self.agents {
            a.vault.destroy(ke);
        }
        self.destroyed.insert(ke);
    }

    fn refresh_key(&mut self, ke: u32, epoch: u32) -> Result<()> {
        let shares: Option<Vec<Scalar>> = self
            .agents
            .iter()
            .map(|a| a.vault.get(ke).cloned())
            .collect();
        let (Some(shares), Some(public)) = (shares, self.keys.get(&ke)) else {
            return Ok(());
        };
        let s = seed::derive(self.seed, "refresh", &[ke as u64, epoch as u64]);
        let (np, ns) = self.b().refresh(public, &shares, s)?;
        for (a, sh) in self.agents.iter_mut().zip(ns) {
            a.vault.put(ke, sh);
        }
        self.keys.insert(ke, np);
        *self.generation.entry(ke).or_insert(0) += 1;
        Ok(())
    }

    /// Submits request bytes to agent `i` at time `now`, publishing its chain head to the
    /// witness afterwards when the audit is witnessed.
    pub(crate) fn submit(
        &mut self,
        i: usize,
        bytes: &[u8],
        directory: &[VerifyingKey],
        registry: &crate::escrow::field::FieldRegistry,
        now: u64,
    ) -> Option<ShareResponse> {
        let b = self.b();
        let court_public = self.court.as_ref()?.master_public.clone();
        let env = AgentEnv {
            backend: b,
            court_public: &court_public,
            directory,
            now,
            registry,
        };
        let agent = self.agents.get_mut(i)?;
        let resp = agent.handle(&env, bytes);
        if self.audit_mode == AuditMode::Witnessed {
            self.witness.publish(i, &self.agents[i].audit);
        }
        Some(resp)
    }
}
