//! Escrow agents: each holds a vault (its shares at rest), a policy (which checks are on)
//! and an audit log. An agent releases a decryption share only when every enabled check
//! passes, and records every decision.

use super::audit::{AuditLog, AuditRecord, Decision};
use super::court::{verify_warrant, SignedWarrant};
use super::field::{verify_signature, BindingRule, EscrowField};
use crate::backend::Backend;
use crate::codec::{Reader, Writer};
use crate::error::{Error, Result};
use crate::messaging::SessionHeader;
use crate::secret::{fingerprint, Scalar};
use ed25519_dalek::VerifyingKey;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// An agent's shares at rest, one per live escrow key.
#[derive(Clone, Default)]
pub struct Vault {
    shares: BTreeMap<u32, Scalar>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.shares.iter().map(|(k, v)| (k, v.fingerprint())))
            .finish()
    }
}

impl Vault {
    /// Stores (or replaces) the share of key `key_epoch`.
    pub fn put(&mut self, key_epoch: u32, share: Scalar) {
        self.shares.insert(key_epoch, share);
    }
    /// The share of a key, if it is still held.
    pub fn get(&self, key_epoch: u32) -> Option<&Scalar> {
        self.shares.get(&key_epoch)
    }
    /// Destroys a key's share (zeroized as it drops).
    pub fn destroy(&mut self, key_epoch: u32) {
        self.shares.remove(&key_epoch);
    }
    /// A copy of everything in the vault (what a vault breach takes).
    pub fn contents(&self) -> BTreeMap<u32, Scalar> {
        self.shares.clone()
    }
    /// Key epochs held.
    pub fn key_epochs(&self) -> Vec<u32> {
        self.shares.keys().copied().collect()
    }
}

/// Which checks an agent runs: each a switch in the scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Verify the court's signature (rejecting identity keys).
    pub check_signature: bool,
    /// Refuse outside the warrant's validity period.
    pub check_expiry: bool,
    /// Refuse fields outside the warrant's targets and window.
    pub check_scope: bool,
    /// Refuse a request whose exact bytes were already served.
    pub replay_cache: bool,
    /// Enforce the warrant's use limit.
    pub enforce_use_limit: bool,
    /// How fields are bound (decides whether the scope check can verify the header).
    pub binding: BindingRule,
    /// Check fields against the relay's registry of the header each was carried under.
    pub field_registry: bool,
}

/// A request for decryption shares under a warrant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShareRequest {
    /// The signed warrant.
    pub warrant: SignedWarrant,
    /// Session headers and their fields.
    pub items: Vec<(SessionHeader, EscrowField)>,
    /// Who asks (free text, recorded in the audit log).
    pub requester: String,
    /// Request nonce.
    pub nonce: [u8; 16],
}

impl ShareRequest {
    /// Canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::tagged("share-request");
        w.bytes(&self.warrant.encode())
            .str(&self.requester)
            .bytes(&self.nonce)
            .u32(self.items.len() as u32);
        for (h, f) in &self.items {
            w.bytes(&h.encode()).bytes(&f.encode());
        }
        w.finish()
    }
    /// Decodes a request.
    ///
    /// # Errors
    /// [`Error::Malformed`] on bad bytes.
    pub fn decode(b: &[u8]) -> Result<Self> {
        let mut r = Reader::tagged(b, "share request", "share-request")?;
        let warrant = SignedWarrant::decode(r.bytes()?)?;
        let requester = r.str()?;
        let nonce = r.array::<16>()?;
        let n = r.u32()? as usize;
        if n > crate::codec::MAX_ITEMS {
            return Err(Error::malformed("share request", "too many items"));
        }
        let mut items = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            let h = SessionHeader::decode(r.bytes()?)?;
            let f = EscrowField::decode(r.bytes()?)?;
            items.push((h, f));
        }
        r.finish()?;
        Ok(ShareRequest {
            warrant,
            items,
            requester,
            nonce,
        })
    }
}

/// One item's outcome: the decryption share, or the control that refused it.
pub type ItemOutcome = std::result::Result<Vec<u8>, Refusal>;

/// Why an item was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The control that fired.
    pub control: String,
    /// Details.
    pub reason: String,
}

impl From<Error> for Refusal {
    fn from(e: Error) -> Self {
        match e {
            Error::Refused { control, reason } => Refusal {
                control: control.into(),
                reason,
            },
            Error::Malformed { what, reason } => Refusal {
                control: "malformed".into(),
                reason: format!("{what}: {reason}"),
            },
            other => Refusal {
                control: "error".into(),
                reason: other.to_string(),
            },
        }
    }
}

/// What an agent answers: one outcome per item. Only an agent (or, for an insider who
/// controls one, `AttackCtx::forge_answer`) makes one.
#[derive(Clone, Debug)]
pub struct ShareResponse {
    /// The context that handed it to an attack (`None` until one does): an answer is
    /// bound to the cell it was given in.
    pub(crate) cell: Option<crate::vocab::cell::CellId>,
    /// The agent.
    pub(crate) agent: usize,
    /// Per item, in request order.
    pub(crate) items: Vec<ItemOutcome>,
}

impl ShareResponse {
    /// The context that handed it to an attack (`None` for an answer no context handed
    /// out); every other context refuses it.
    pub fn cell(&self) -> Option<crate::vocab::CellId> {
        self.cell
    }
    /// The agent that answered.
    pub fn agent(&self) -> usize {
        self.agent
    }
    /// Per item, in request order: a decryption share or the refusal.
    pub fn items(&self) -> &[ItemOutcome] {
        &self.items
    }
}

/// What an agent sees of the world when it decides.
pub struct AgentEnv<'a> {
    /// The backend.
    pub backend: &'a dyn Backend,
    /// The pinned court master public key.
    pub court_public: &'a [u8],
    /// Users' identity keys (for verifying field signatures).
    pub directory: &'a [VerifyingKey],
    /// Current simulated time.
    pub now: u64,
    /// The relay's field registry.
    pub registry: &'a crate::escrow::field::FieldRegistry,
}

/// One escrow agent.
#[derive(Clone, Debug)]
pub struct Agent {
    /// Index `i` (its share is the polynomial at `x = i + 1`).
    pub index: usize,
    /// Shares at rest.
    pub(crate) vault: Vault,
    /// Its checks.
    pub(crate) policy: Policy,
    /// Its audit log.
    pub(crate) audit: AuditLog,
    served: BTreeSet<[u8; 32]>,
    uses: BTreeMap<[u8; 16], u32>,
}

impl Agent {
    /// A new agent with an empty vault.
    pub fn new(index: usize, policy: Policy) -> Self {
        Agent {
            index,
            vault: Vault::default(),
            policy,
            audit: AuditLog::new(index),
            served: BTreeSet::new(),
            uses: BTreeMap::new(),
        }
    }

    /// An agent holding `vault`, with an empty log and no memory of earlier requests (a
    /// deployed agent's, [`super::standalone::AgentState`]).
    pub(crate) fn with_vault(index: usize, policy: Policy, vault: Vault) -> Self {
        Agent {
            vault,
            ..Agent::new(index, policy)
        }
    }

    /// The decision on a decoded request without the checks that need memory (replay cache,
    /// use limit) and without recording it: the warrant's signature and validity, then each
    /// item's checks and share.
    pub(crate) fn decide(
        &self,
        env: &AgentEnv<'_>,
        req: &ShareRequest,
    ) -> std::result::Result<Vec<ItemOutcome>, Refusal> {
        Self::check_signature_and_expiry(self.policy, env, &req.warrant).map_err(Refusal::from)?;
        use rayon::prelude::*;
        Ok(req
            .items
            .par_iter()
            .map(|(h, f)| {
                self.serve_item(env, &req.warrant, h, f)
                    .map_err(Refusal::from)
            })
            .collect())
    }

    fn check_signature_and_expiry(
        policy: Policy,
        env: &AgentEnv<'_>,
        w: &SignedWarrant,
    ) -> Result<()> {
        if policy.check_signature && !verify_warrant(env.backend, env.court_public, w) {
            return Err(Error::refused(
                "signature",
                "the warrant's signature does not verify against the court key",
            ));
        }
        if policy.check_expiry && (env.now > w.warrant.expires || env.now < w.warrant.issued) {
            return Err(Error::refused(
                "expiry",
                format!(
                    "time {} is outside the warrant's validity {}..={}",
                    env.now, w.warrant.issued, w.warrant.expires
                ),
            ));
        }
        Ok(())
    }

    fn record(
        &mut self,
        now: u64,
        w: Option<&SignedWarrant>,
        field_id: &str,
        requester: &str,
        d: Decision,
    ) {
        self.audit.append(AuditRecord {
            time: now,
            case_id: w
                .map(|w| w.warrant.case_id.clone())
                .unwrap_or_else(|| "?".into()),
            warrant_fp: w.map(|w| w.fingerprint()).unwrap_or_else(|| "?".into()),
            field_id: field_id.to_string(),
            requester: requester.to_string(),
            decision: d,
        });
    }

    /// Warrant-level checks: signature, expiry, replay cache, use limit.
    fn check_warrant(
        &mut self,
        env: &AgentEnv<'_>,
        req: &ShareRequest,
        digest: [u8; 32],
    ) -> Result<()> {
        let w = &req.warrant;
        Self::check_signature_and_expiry(self.policy, env, w)?;
        if self.policy.replay_cache && self.served.contains(&digest) {
            return Err(Error::refused(
                "replay-cache",
                "this exact request was already served",
            ));
        }
        let used = self.uses.get(&w.warrant.nonce).copied().unwrap_or(0);
        if self.policy.enforce_use_limit && w.warrant.use_limit > 0 && used >= w.warrant.use_limit {
            return Err(Error::refused(
                "use-limit",
                format!(
                    "the warrant was already used {}",
                    crate::text::count(used, "time", "times")
                ),
            ));
        }
        Ok(())
    }

    /// Item-level checks and the share itself.
    fn serve_item(
        &self,
        env: &AgentEnv<'_>,
        w: &SignedWarrant,
        h: &SessionHeader,
        f: &EscrowField,
    ) -> Result<Vec<u8>> {
        if self.policy.check_scope {
            if self.policy.binding.agent_verifiable() {
                let vk = env
                    .directory
                    .get(h.sender as usize)
                    .ok_or_else(|| Error::refused("binding", "unknown sender"))?;
                verify_signature(h, f, vk).map_err(|e| match e {
                    Error::Refused { reason, .. } => Error::refused("binding", reason),
                    other => other,
                })?;
            }
            if self.policy.field_registry {
                match env.registry.matches(&f.te_ct, h) {
                    Some(true) => {}
                    Some(false) => {
                        return Err(Error::refused(
                            "binding",
                            "the field was carried under another session's header",
                        ));
                    }
                    None => {
                        return Err(Error::refused(
                            "binding",
                            "the relay never carried this field",
                        ))
                    }
                }
            }
            if !w.warrant.covers(h.epoch, &h.members) {
                return Err(Error::refused(
                    "scope",
                    "the session is outside the warrant's targets or window",
                ));
            }
        }
        let share = self.vault.get(f.key_epoch).ok_or_else(|| {
            Error::refused(
                "retention",
                format!("escrow key of epoch {} is destroyed", f.key_epoch),
            )
        })?;
        if !env.backend.verify_ciphertext(&f.te_ct) {
            return Err(Error::refused(
                "ciphertext",
                "the field's threshold ciphertext does not verify",
            ));
        }
        env.backend.decryption_share(share, &f.te_ct)
    }

    /// Handles request bytes as they arrive at the agent's API.
    pub(crate) fn handle(&mut self, env: &AgentEnv<'_>, bytes: &[u8]) -> ShareResponse {
        let req = match ShareRequest::decode(bytes) {
            Ok(r) => r,
            Err(e) => {
                let refusal = Refusal::from(e);
                self.record(
                    env.now,
                    None,
                    "*",
                    "?",
                    Decision::Refused {
                        control: refusal.control.clone(),
                    },
                );
                return ShareResponse {
                    cell: None,
                    agent: self.index,
                    items: vec![Err(refusal)],
                };
            }
        };
        let digest: [u8; 32] = Sha256::digest(bytes).into();
        if let Err(e) = self.check_warrant(env, &req, digest) {
            let refusal = Refusal::from(e);
            self.record(
                env.now,
                Some(&req.warrant),
                "*",
                &req.requester,
                Decision::Refused {
                    control: refusal.control.clone(),
                },
            );
            return ShareResponse {
                cell: None,
                agent: self.index,
                items: req.items.iter().map(|_| Err(refusal.clone())).collect(),
            };
        }
        self.served.insert(digest);
        *self.uses.entry(req.warrant.warrant.nonce).or_insert(0) += 1;
        // Items are independent (each a pairing check and a share): decide them in
        // parallel, record them in request order.
        let outcomes: Vec<ItemOutcome> = {
            use rayon::prelude::*;
            let this = &*self;
            req.items
                .par_iter()
                .map(|(h, f)| {
                    this.serve_item(env, &req.warrant, h, f)
                        .map_err(Refusal::from)
                })
                .collect()
        };
        let mut items = Vec::with_capacity(req.items.len());
        for ((h, f), out) in req.items.iter().zip(outcomes) {
            let field_id = format!("s{}:{}", h.session, fingerprint(&f.te_ct));
            let d = match &out {
                Ok(_) => Decision::Granted,
                Err(r) => Decision::Refused {
                    control: r.control.clone(),
                },
            };
            self.record(env.now, Some(&req.warrant), &field_id, &req.requester, d);
            items.push(out);
        }
        ShareResponse {
            cell: None,
            agent: self.index,
            items,
        }
    }

    /// An insider releasing a share with no check and no audit record (`act_as_agent`).
    /// `None` when the agent no longer holds the key.
    pub(crate) fn release_unchecked(
        &self,
        backend: &dyn Backend,
        f: &EscrowField,
    ) -> Option<Vec<u8>> {
        let share = self.vault.get(f.key_epoch)?;
        backend.decryption_share(share, &f.te_ct).ok()
    }
}
