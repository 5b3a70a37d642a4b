//! One agent outside the world's process (a deployed agent, `escrowlab serve agent`):
//! everything it holds in one value ([`AgentState`]: its vault, its checks, the pinned court
//! key, the users' directory, the relay's field registry and its clock), a byte format its
//! state directory stores, and its decision on a request.
//!
//! The decision is the in-process agent's ([`Agent`]'s checks, the same code), less the two
//! checks that need memory across requests: the replay cache and the use limit. A deployed
//! agent keeps those in its durable audit database, in the same transaction that records
//! the decision (`escrowlab-services`).

use super::agent::{Agent, ItemOutcome, Policy, Refusal, ShareRequest, Vault};
use super::field::{BindingRule, FieldRegistry};
use super::EscrowSystem;
use crate::backend::BackendKind;
use crate::codec::{Reader, Writer};
use crate::error::{Error, Result};
use crate::secret::Scalar;
use ed25519_dalek::VerifyingKey;

/// Everything one deployed agent holds. Its vault is secret: [`AgentState::encode`]'s
/// bytes are the agent's state at rest.
#[derive(Clone, Debug)]
pub struct AgentState {
    /// Its index `i`.
    pub index: usize,
    /// Agents in the deployment.
    pub n: usize,
    /// Shares needed.
    pub k: usize,
    /// The backend the shares belong to.
    pub backend: BackendKind,
    /// The in-process agent: its vault and its checks (its in-memory log is unused).
    agent: Agent,
    /// The pinned court master public key.
    pub court_public: Vec<u8>,
    /// Users' identity keys.
    pub directory: Vec<VerifyingKey>,
    /// The relay's field registry (public).
    pub registry: FieldRegistry,
    /// The agent's clock: simulated time, fixed at the moment after the world it was dealt
    /// from ended (an assumption: a real agent reads a real clock).
    pub now: u64,
}

const TAG: &str = "agent-state/1";

impl AgentState {
    /// The state of every agent of `escrow`, dealt from a finished world.
    pub(crate) fn of_world(world: &crate::world::World) -> Vec<AgentState> {
        let escrow: &EscrowSystem = world.escrow();
        let Some(court) = escrow.court.as_ref() else {
            return Vec::new();
        };
        escrow
            .agents
            .iter()
            .map(|a| AgentState {
                index: a.index,
                n: escrow.n,
                k: escrow.k,
                backend: escrow.backend,
                agent: Agent::with_vault(a.index, a.policy, a.vault.clone()),
                court_public: court.master_public.clone(),
                directory: world.directory.clone(),
                registry: if a.policy.field_registry {
                    world.registry.clone()
                } else {
                    FieldRegistry::default()
                },
                now: world.now + 1,
            })
            .collect()
    }

    /// The agent's checks.
    pub fn policy(&self) -> Policy {
        self.agent.policy
    }

    /// Key epochs whose shares the vault holds.
    pub fn key_epochs(&self) -> Vec<u32> {
        self.agent.vault.key_epochs()
    }

    /// Encoding (holds the vault's shares: a secret).
    pub fn encode(&self) -> Vec<u8> {
        let p = self.agent.policy;
        let mut w = Writer::tagged(TAG);
        w.u32(self.index as u32)
            .u32(self.n as u32)
            .u32(self.k as u32)
            .str(self.backend.name())
            .u8(u8::from(p.check_signature))
            .u8(u8::from(p.check_expiry))
            .u8(u8::from(p.check_scope))
            .u8(u8::from(p.replay_cache))
            .u8(u8::from(p.enforce_use_limit))
            .u8(u8::from(p.field_registry));
        match p.binding {
            BindingRule::None => w.u8(0).u32(0),
            BindingRule::Checksum(b) => w.u8(1).u32(b),
            BindingRule::Signed => w.u8(2).u32(0),
            BindingRule::Recompute => w.u8(3).u32(0),
        };
        let vault = self.agent.vault.contents();
        w.u32(vault.len() as u32);
        for (ke, s) in &vault {
            w.u32(*ke).bytes(s.as_bytes());
        }
        w.bytes(&self.court_public);
        w.u32(self.directory.len() as u32);
        for vk in &self.directory {
            w.bytes(vk.as_bytes());
        }
        let log = self.registry.entries();
        w.u32(log.len() as u32);
        for (f, h) in log {
            w.bytes(f).bytes(h);
        }
        w.u64(self.now);
        w.finish()
    }

    /// Decodes a state.
    ///
    /// # Errors
    /// [`Error::Malformed`] on bad bytes.
    pub fn decode(b: &[u8]) -> Result<AgentState> {
        let bad = |why: &str| Error::malformed("agent state", why);
        let mut r = Reader::tagged(b, "agent state", TAG)?;
        let index = r.u32()? as usize;
        let n = r.u32()? as usize;
        let k = r.u32()? as usize;
        let backend = BackendKind::parse(&r.str()?)?;
        let mut flag = || -> Result<bool> {
            match r.u8()? {
                0 => Ok(false),
                1 => Ok(true),
                _ => Err(bad("a flag is neither 0 nor 1")),
            }
        };
        let (check_signature, check_expiry, check_scope, replay_cache, enforce_use_limit) =
            (flag()?, flag()?, flag()?, flag()?, flag()?);
        let field_registry = flag()?;
        let binding = match (r.u8()?, r.u32()?) {
            (0, _) => BindingRule::None,
            (1, bits) => BindingRule::Checksum(bits),
            (2, _) => BindingRule::Signed,
            (3, _) => BindingRule::Recompute,
            _ => return Err(bad("unknown binding rule")),
        };
        if index >= n || k == 0 || k > n {
            return Err(bad("index, k and n are inconsistent"));
        }
        let policy = Policy {
            check_signature,
            check_expiry,
            check_scope,
            replay_cache,
            enforce_use_limit,
            binding,
            field_registry,
        };
        let mut vault = Vault::default();
        let shares = r.u32()? as usize;
        if shares > crate::codec::MAX_ITEMS {
            return Err(bad("too many shares"));
        }
        for _ in 0..shares {
            let ke = r.u32()?;
            vault.put(ke, Scalar(r.array::<32>()?));
        }
        let court_public = r.bytes()?.to_vec();
        let users = r.u32()? as usize;
        if users > crate::codec::MAX_ITEMS * 16 {
            return Err(bad("too many users"));
        }
        let mut directory = Vec::with_capacity(users.min(4096));
        for _ in 0..users {
            let vk = VerifyingKey::from_bytes(&r.array::<32>()?)
                .map_err(|_| bad("a directory key is not a point"))?;
            directory.push(vk);
        }
        let fields = r.u32()? as usize;
        if fields > crate::codec::MAX_ITEMS * 16 {
            return Err(bad("too many registered fields"));
        }
        let mut registry = FieldRegistry::default();
        for _ in 0..fields {
            let f = r.array::<32>()?;
            let h = r.array::<32>()?;
            registry.insert_digests(f, h);
        }
        let now = r.u64()?;
        r.finish()?;
        Ok(AgentState {
            index,
            n,
            k,
            backend,
            agent: Agent::with_vault(index, policy, vault),
            court_public,
            directory,
            registry,
            now,
        })
    }

    /// Decides a request at the agent's clock: the warrant's signature and validity, then
    /// every item's scope, binding, key retention and ciphertext, each released item's
    /// decryption share computed. The replay cache and use limit are the caller's (kept
    /// durably).
    ///
    /// # Errors
    /// The warrant-level refusal (every item refused by it).
    pub fn decide(&self, req: &ShareRequest) -> std::result::Result<Vec<ItemOutcome>, Refusal> {
        let backend = self.backend.instance().map_err(Refusal::from)?;
        let env = super::agent::AgentEnv {
            backend,
            court_public: &self.court_public,
            directory: &self.directory,
            now: self.now,
            registry: &self.registry,
        };
        self.agent.decide(&env, req)
    }
}
