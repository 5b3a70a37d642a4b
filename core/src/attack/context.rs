//! The context through which an attack reaches the world: capabilities, each recorded as
//! cost, each able to leave a trace.

use super::Capability;
use crate::backend::Backend;
use crate::config::scheme::Scheme;
use crate::error::{Error, Result};
use crate::escrow::agent::ShareResponse;
use crate::escrow::audit::{AuditLog, Witness};
use crate::escrow::court::{SignedWarrant, Warrant};
use crate::escrow::field::{chip_check, BindingRule, EscrowField};
use crate::lawful;
use crate::secret::{Key32, Scalar};
use crate::seed;
use crate::world::messaging::SessionHeader;
use crate::world::{
    identity_key, prekey_secret, Conversation, GhostHook, RogueMode, Transcript, World,
    WorldConfig, TICKS_PER_EPOCH,
};
use ed25519_dalek::SigningKey;
use rand_chacha::ChaCha20Rng;
use std::collections::{BTreeMap, BTreeSet};

/// The honest world at every epoch boundary, built once per scheme and shared by every
/// cell: `snapshots[j]` is the world about to simulate epoch `j` (the last one is finished).
pub struct BaseWorlds {
    /// The configuration.
    pub config: WorldConfig,
    snapshots: Vec<World>,
}

impl BaseWorlds {
    /// Simulates the honest world once, keeping a snapshot at each boundary.
    ///
    /// # Errors
    /// As [`World::new`] and [`World::step`].
    pub fn build(config: WorldConfig) -> Result<Self> {
        let mut w = World::new(config.clone(), Default::default())?;
        let mut snapshots = vec![w.clone()];
        while !w.finished() {
            w.step()?;
            snapshots.push(w.clone());
        }
        let honest = std::sync::Arc::new(crate::world::HonestRun::of(&w));
        for s in &mut snapshots {
            s.honest = Some(honest.clone());
        }
        Ok(BaseWorlds { config, snapshots })
    }
    /// The finished honest world.
    pub fn finished(&self) -> &World {
        self.snapshots.last().expect("at least one snapshot")
    }
    /// The snapshot about to simulate epoch `j` (clamped to the finished world).
    pub fn at(&self, j: u32) -> &World {
        &self.snapshots[(j as usize).min(self.snapshots.len() - 1)]
    }
}

/// Public knowledge about the system under attack (Kerckhoffs: the design is public).
#[derive(Clone, Debug)]
pub struct PublicInfo {
    /// The scheme.
    pub scheme: Scheme,
    /// Users.
    pub users: u32,
    /// Epochs in the run.
    pub epochs: u32,
    /// Shares needed.
    pub k: usize,
    /// Agents.
    pub n: usize,
}

/// What a device implant yields: the identity key and the prekeys the device holds from
/// the moment of compromise on (earlier prekeys were deleted).
pub struct DeviceLoot {
    /// The user.
    pub user: u32,
    /// Identity signing key.
    pub identity: SigningKey,
    /// Prekey secrets by epoch, from the compromise on.
    pub prekeys: BTreeMap<u32, [u8; 32]>,
}

/// One capability use.
#[derive(Clone, Debug)]
pub struct CapabilityUse {
    /// Which.
    pub capability: Capability,
    /// On what (agent 2, user 17, ...).
    pub detail: String,
    /// Simulated time.
    pub time: u64,
}

/// The attack's handle on the world.
pub struct AttackCtx<'a> {
    base: &'a BaseWorlds,
    world: World,
    pristine: bool,
    uses: Vec<CapabilityUse>,
    agents_compromised: BTreeSet<usize>,
    devices_compromised: BTreeSet<u32>,
    docket: Vec<SignedWarrant>,
    tries: u64,
    attack: String,
}

impl<'a> AttackCtx<'a> {
    /// A context at the start of epoch 0 of the honest world.
    pub fn new(base: &'a BaseWorlds, attack: &str) -> Self {
        AttackCtx {
            base,
            world: base.at(0).clone(),
            pristine: true,
            uses: Vec::new(),
            agents_compromised: BTreeSet::new(),
            devices_compromised: BTreeSet::new(),
            docket: Vec::new(),
            tries: 0,
            attack: attack.to_string(),
        }
    }

    fn record(&mut self, capability: Capability, detail: impl Into<String>) {
        self.uses.push(CapabilityUse {
            capability,
            detail: detail.into(),
            time: self.world.now,
        });
    }

    // ----- time -----

    /// Public facts about the system.
    pub fn info(&self) -> PublicInfo {
        PublicInfo {
            scheme: self.world.config.scheme.clone(),
            users: self.world.config.population.users,
            epochs: self.world.epochs(),
            k: self.world.escrow.k,
            n: self.world.escrow.n,
        }
    }
    /// The epoch about to be simulated (equal to `epochs` once traffic is over).
    pub fn epoch(&self) -> u32 {
        self.world.next_epoch.min(self.world.epochs())
    }
    /// Current simulated time.
    pub fn now(&self) -> u64 {
        self.world.now
    }
    /// Lets the world run until it is about to simulate `epoch` (or to its end).
    ///
    /// # Errors
    /// Simulation errors.
    pub fn advance_to(&mut self, epoch: u32) -> Result<()> {
        let target = epoch.min(self.world.epochs() + 1);
        if self.pristine && target >= self.world.next_epoch {
            self.world = self.base.at(target).clone();
            return Ok(());
        }
        while self.world.next_epoch < target {
            self.world.step()?;
        }
        Ok(())
    }
    /// Lets the world run to its end (all traffic, and the final key boundary).
    ///
    /// # Errors
    /// Simulation errors.
    pub fn advance_to_end(&mut self) -> Result<()> {
        self.advance_to(self.world.epochs() + 1)
    }
    /// A deterministic RNG for the attacker's own choices.
    pub fn rng(&self, label: &str) -> ChaCha20Rng {
        seed::rng(
            self.world.config.seed,
            &format!("attack:{}:{label}", self.attack),
            &[],
        )
    }
    /// The backend (public code).
    pub fn backend(&self) -> &'static dyn Backend {
        self.world.escrow.b()
    }
    /// Published escrow public key sets, by key epoch (live keys only).
    pub fn escrow_public_keys(&self) -> BTreeMap<u32, Vec<u8>> {
        self.world.escrow.keys.clone()
    }
    /// Published master public keys, by key epoch (also for destroyed keys).
    pub fn escrow_master_keys(&self) -> BTreeMap<u32, Vec<u8>> {
        self.world.escrow.master_keys.clone()
    }
    /// The court's pinned master public key (public), if there is a court.
    pub fn court_public(&self) -> Option<Vec<u8>> {
        self.world
            .escrow
            .court
            .as_ref()
            .map(|c| c.master_public.clone())
    }
    /// Users' identity keys (the public directory).
    pub fn directory(&self) -> Vec<ed25519_dalek::VerifyingKey> {
        self.world.directory.clone()
    }
    /// Users who are members of at least one conversation (metadata anyone watching the
    /// service for a while learns; it reveals no content).
    pub fn users_in_conversations(&self) -> BTreeSet<u32> {
        self.world
            .conversations
            .iter()
            .flat_map(|c| c.members.iter().copied())
            .collect()
    }
    /// Simulated attacker work, counted by the attack (brute-force tries, ...).
    pub fn count_tries(&mut self, n: u64) {
        self.tries += n;
    }

    // ----- capabilities -----

    /// `intercept`: the relay transcript so far.
    pub fn intercept(&mut self) -> &Transcript {
        if !self
            .uses
            .iter()
            .any(|u| u.capability == Capability::Intercept)
        {
            self.record(Capability::Intercept, "relay transcript");
        }
        &self.world.transcript
    }

    /// `compromise_agent(i)`: a copy of agent `i`'s vault now (key epoch → share).
    ///
    /// # Errors
    /// [`Error::Misuse`] for an unknown agent.
    pub fn compromise_agent(&mut self, i: usize) -> Result<BTreeMap<u32, Scalar>> {
        let v = self
            .world
            .escrow
            .agents
            .get(i)
            .ok_or_else(|| Error::misuse(format!("no agent {i}")))?
            .vault
            .contents();
        self.record(
            Capability::CompromiseAgent,
            format!("agent {i} vault (epoch {})", self.epoch()),
        );
        self.agents_compromised.insert(i);
        Ok(v)
    }

    /// `compromise_device(user)`: an implant from now on.
    ///
    /// # Errors
    /// [`Error::Misuse`] for an unknown user.
    pub fn compromise_device(&mut self, user: u32) -> Result<DeviceLoot> {
        if user >= self.world.config.population.users {
            return Err(Error::misuse(format!("no user {user}")));
        }
        let s = self.world.config.seed;
        let from = self.epoch();
        let prekeys = (from..self.world.epochs())
            .map(|e| (e, prekey_secret(s, user, e)))
            .collect();
        self.record(
            Capability::CompromiseDevice,
            format!("user {user} from epoch {from}"),
        );
        self.devices_compromised.insert(user);
        Ok(DeviceLoot {
            user,
            identity: identity_key(s, user),
            prekeys,
        })
    }

    /// What an implant on `loot.user`'s device reads when that device opens a session
    /// itself: the session keys it generates from the compromise on (session → key).
    pub fn implant_session_keys(&self, loot: &DeviceLoot) -> BTreeMap<u32, Key32> {
        let from = loot.prekeys.keys().next().copied().unwrap_or(u32::MAX);
        let w = &self.world;
        w.transcript
            .sessions
            .iter()
            .filter(|r| r.header.sender == loot.user && r.header.epoch >= from)
            .filter_map(|r| {
                let conv = w.conversations.get(r.header.conv as usize)?;
                Some((
                    r.header.session,
                    crate::world::session_key_of(w.config.seed, conv, r.header.session),
                ))
            })
            .collect()
    }

    /// `steal_court_key(judge)`: one judge's signing key (the whole court key when single).
    pub fn steal_court_key(&mut self, judge: usize) -> Option<Scalar> {
        let k = self.world.escrow.court.as_ref()?.judge_key(judge)?.clone();
        self.record(Capability::StealCourtKey, format!("judge {judge}"));
        Some(k)
    }

    /// `control_relay`: add a silent member to conversations from the current epoch on.
    pub fn control_relay_ghost(
        &mut self,
        conversations: BTreeSet<u32>,
        ghost_public: [u8; 32],
        suppress_notice: bool,
    ) {
        self.record(
            Capability::ControlRelay,
            format!("ghost in {} conversation(s)", conversations.len()),
        );
        self.world.hooks.ghost = Some(GhostHook {
            conversations,
            from_epoch: self.epoch(),
            ghost_public,
            suppress_notice,
        });
        self.pristine = false;
    }

    /// `act_as_agent(i)`: agent `i` releases a share for `field` with no check and no record.
    pub fn act_as_agent(&mut self, i: usize, field: &EscrowField) -> Option<Vec<u8>> {
        if !self.agents_compromised.contains(&i) {
            self.record(Capability::ActAsAgent, format!("agent {i}"));
            self.agents_compromised.insert(i);
        }
        let b = self.backend();
        self.world.escrow.agents.get(i)?.release_unchecked(b, field)
    }

    /// `submit_request(i, bytes)`: sends bytes to agent `i`'s API at the current time
    /// plus `delay` ticks.
    pub fn submit_request(&mut self, i: usize, bytes: &[u8], delay: u64) -> Option<ShareResponse> {
        self.record(Capability::SubmitRequest, format!("agent {i}"));
        self.pristine = false;
        let dir = self.world.directory.clone();
        let now = self.world.now + delay;
        self.world
            .escrow
            .submit(i, bytes, &dir, &self.world.registry, now)
    }

    /// `write_audit_log(i)`: write access to agent `i`'s log.
    pub fn write_audit_log(&mut self, i: usize) -> Option<&mut AuditLog> {
        self.record(Capability::WriteAuditLog, format!("agent {i}"));
        self.pristine = false;
        self.world.escrow.agents.get_mut(i).map(|a| &mut a.audit)
    }

    /// `control_dealer`: the dealer keeps its copy of every master secret it generates.
    /// Must be called before any key exists that the attacker wants (it rebuilds the
    /// world from key generation on).
    ///
    /// # Errors
    /// Key generation errors.
    pub fn control_dealer(&mut self) -> Result<()> {
        self.record(Capability::ControlDealer, "key ceremony");
        self.rerun_key_ceremony(|h| h.capture_dealer = true)
    }

    /// Rebuilds the world from key generation on with changed hooks, back to the current
    /// epoch. What a dealer does changes keys, not traffic: honest sessions stay valid.
    fn rerun_key_ceremony(&mut self, change: impl FnOnce(&mut crate::world::Hooks)) -> Result<()> {
        let mut hooks = self.world.hooks.clone();
        change(&mut hooks);
        let target = self.world.next_epoch;
        let honest = self.world.honest.clone();
        self.world = World::new(self.world.config.clone(), hooks)?;
        self.world.honest = honest;
        self.pristine = false;
        while self.world.next_epoch < target {
            self.world.step()?;
        }
        Ok(())
    }

    /// What a controlled dealer kept (key epoch, master secret).
    pub fn dealer_copies(&self) -> Vec<(u32, Scalar)> {
        if self
            .uses
            .iter()
            .any(|u| u.capability == Capability::ControlDealer)
        {
            self.world.escrow.dealer_copies.clone()
        } else {
            Vec::new()
        }
    }

    /// `control_client(user)`: the user's client skips or fakes escrow from now on.
    pub fn control_client(&mut self, user: u32, mode: RogueMode) {
        self.record(Capability::ControlClient, format!("user {user} ({mode:?})"));
        self.world.hooks.rogue_clients.insert(user, mode);
        self.pristine = false;
    }

    /// `control_client` of the update channel: every client escrows to `public` from now on.
    pub fn push_escrow_key(&mut self, public: Vec<u8>) {
        self.record(
            Capability::ControlClient,
            "client update channel: escrow key",
        );
        self.world.hooks.escrow_key_override = Some((self.epoch(), public));
        self.pristine = false;
    }

    /// The attacker's own client chip as an oracle: would an honest recipient's chip accept
    /// `field` for `session_key`? Each call is one try.
    pub fn chip_oracle(&mut self, session_key: &Key32, field: &EscrowField) -> bool {
        self.tries += 1;
        let bits = self.world.escrow.rule.check_bits();
        bits == 0
            || chip_check(&self.world.escrow.family_key, session_key, field, bits) == field.check
    }

    /// What an honest recipient does with a session the attacker (a rogue sender) opens:
    /// the full recipient check.
    ///
    /// # Errors
    /// [`Error::Refused`] naming the binding control when the recipient rejects it.
    pub fn recipient_accepts(
        &mut self,
        header: &SessionHeader,
        session_key: &Key32,
        field: &EscrowField,
    ) -> Result<()> {
        let w = &self.world;
        let env = crate::escrow::field::FieldEnv {
            backend: w.escrow.b(),
            rule: w.escrow.rule,
            family_key: &w.escrow.family_key,
        };
        let pk = w
            .escrow
            .keys
            .get(&field.key_epoch)
            .cloned()
            .unwrap_or_default();
        let vk = w
            .directory
            .get(header.sender as usize)
            .copied()
            .ok_or_else(|| Error::misuse("unknown sender"))?;
        env.recipient_check(header, session_key, field, &pk, &vk)
    }

    /// Lawful access run by law enforcement now, for `targets` over `window`: the court
    /// issues a warrant, the request goes to every agent. The attacker (an officer, or
    /// whoever watches the agent API) gets the warrant and the request bytes.
    ///
    /// # Errors
    /// When the scheme has no court.
    pub fn lawful_case(
        &mut self,
        case: &str,
        targets: Vec<u32>,
        window: [u32; 2],
    ) -> Result<(SignedWarrant, Vec<u8>)> {
        let c = self.lawful_case_answers(case, targets, window)?;
        Ok((c.warrant, c.request))
    }

    /// Combines per-session shares and reads the messages (the attacker's own combiner,
    /// which verifies shares like law enforcement's does).
    pub fn combine_and_read(
        &self,
        sessions: &[u32],
        responses: &[ShareResponse],
    ) -> lawful::ReadOutcome {
        lawful::combine_and_read(&self.world, sessions, responses)
    }

    /// Builds request bytes (anyone can build bytes; sending them is `submit_request`).
    pub fn build_request(
        &self,
        warrant: &SignedWarrant,
        sessions: &[u32],
        requester: &str,
        nonce: [u8; 16],
    ) -> Vec<u8> {
        lawful::build_request(&self.world, warrant, sessions, requester, nonce)
    }

    /// Advances the clock by `ticks` within the current epoch boundary (for expiry).
    pub fn wait(&mut self, ticks: u64) {
        self.world.now += ticks.min(TICKS_PER_EPOCH * 1000);
        self.pristine = false;
    }

    /// The conversations and their members, as the relay routes them (what a relay
    /// operator knows, and what the members of each conversation know of their own).
    pub fn conversations(&self) -> Vec<Conversation> {
        self.world.conversations.clone()
    }

    /// `control_client(user)` limited to some conversations: the user's client skips or
    /// fakes escrow from now on, but only in `conversations` (a modified client two
    /// users share between themselves), and behaves honestly elsewhere.
    pub fn control_client_in(&mut self, user: u32, mode: RogueMode, conversations: BTreeSet<u32>) {
        self.record(
            Capability::ControlClient,
            format!(
                "user {user} ({mode:?}) in {} conversation(s)",
                conversations.len()
            ),
        );
        self.world.hooks.rogue_clients.insert(user, mode);
        // With no conversation in scope nothing about the simulated traffic changes.
        if !conversations.is_empty() {
            self.pristine = false;
        }
        self.world.hooks.rogue_scope.insert(user, conversations);
    }

    /// The identity signing key of a user whose client the attacker controls (a rogue
    /// endpoint holds its own key). `None` unless `control_client` was used on `user`.
    pub fn client_identity(&self, user: u32) -> Option<SigningKey> {
        self.world
            .hooks
            .rogue_clients
            .contains_key(&user)
            .then(|| identity_key(self.world.config.seed, user))
    }

    /// Runs the experiment with client chips that check `bits` bits (a variant of a
    /// `checksum` scheme: the Clipper LEAF had 16). Returns `false`, changing nothing, when
    /// the scheme's binding is not a checksum.
    pub fn set_chip_bits(&mut self, bits: u32) -> bool {
        if !matches!(self.world.escrow.rule, BindingRule::Checksum(_)) {
            return false;
        }
        self.world.escrow.rule = BindingRule::Checksum(bits);
        // Traffic from here on differs from the honest run's.
        self.world.honest = None;
        self.world.config.scheme.field.checksum_bits = bits;
        self.pristine = false;
        true
    }

    /// Ends the attack and hands its world and traces to the runner (an attack holds
    /// only `&mut AttackCtx` and so cannot call this).
    pub(crate) fn into_parts(self) -> CtxParts {
        CtxParts {
            world: self.world,
            uses: self.uses,
            agents_compromised: self.agents_compromised,
            devices_compromised: self.devices_compromised,
            docket: self.docket,
            tries: self.tries,
        }
    }

    /// The court issues (and dockets) a warrant for `targets` over `window` now, and hands
    /// it to the officer *without* submitting any request: what an officer holding a valid,
    /// unused warrant has. The warrant is counted as issued by the court (it covers its
    /// scope for `out_of_scope`).
    ///
    /// # Errors
    /// When the scheme has no court.
    pub fn obtain_warrant(
        &mut self,
        case: &str,
        targets: Vec<u32>,
        window: [u32; 2],
    ) -> Result<SignedWarrant> {
        let now = self.world.now;
        let warrant = Warrant {
            case_id: case.to_string(),
            targets,
            from_epoch: window[0],
            to_epoch: window[1],
            issued: now,
            expires: now + lawful::WARRANT_VALIDITY,
            nonce: seed::derive(
                self.world.config.seed,
                "attack-nonce",
                &[self.docket.len() as u64],
            )[..16]
                .try_into()
                .unwrap_or([0; 16]),
            use_limit: self.world.config.scheme.warrant.use_limit,
        };
        let signed = lawful::issue_warrant(&self.world, warrant)?;
        self.docket.push(signed.clone());
        self.pristine = false;
        Ok(signed)
    }

    /// What the outside audit witness holds (public checkpoints of every agent's chain
    /// head), when the scheme's audit is witnessed. The attacker can read it, never
    /// rewrite it.
    pub fn audit_witness(&self) -> Option<Witness> {
        (self.world.escrow.audit_mode == crate::config::scheme::AuditMode::Witnessed)
            .then(|| self.world.escrow.witness.clone())
    }

    /// `control_dealer`, handing out inconsistent shares: the dealer gives agent `victim`
    /// a share off another polynomial, which does not match the published commitment.
    /// Rebuilds the world from key generation on, like [`AttackCtx::control_dealer`].
    ///
    /// # Errors
    /// Key generation errors.
    pub fn control_dealer_inconsistent(&mut self, victim: usize) -> Result<()> {
        self.record(
            Capability::ControlDealer,
            format!("key ceremony: inconsistent share to agent {victim}"),
        );
        self.rerun_key_ceremony(|h| h.dealer_inconsistent = Some(victim))
    }

    /// As [`AttackCtx::lawful_case`], also returning what the case produced: the sessions
    /// requested (in request order) and every agent's answer. Whoever sits where the answers
    /// arrive (the officer, the combiner, an agent in the loop) sees these.
    ///
    /// # Errors
    /// When the scheme has no court.
    pub fn lawful_case_answers(
        &mut self,
        case: &str,
        targets: Vec<u32>,
        window: [u32; 2],
    ) -> Result<LawfulCase> {
        let now = self.world.now;
        let signed = self.obtain_warrant(case, targets, window)?;
        // Only sessions that carry a field can be requested; answers follow this order.
        let sessions: Vec<u32> = lawful::sessions_in_scope(&self.world, &signed.warrant)
            .into_iter()
            .filter(|&s| self.world.transcript.field(s).is_some())
            .collect();
        let bytes = lawful::build_request(
            &self.world,
            &signed,
            &sessions,
            &format!("officer:{case}"),
            signed.warrant.nonce,
        );
        let all: Vec<usize> = (0..self.world.escrow.n).collect();
        let responses = lawful::submit_to(&mut self.world, &all, &bytes, now + 1);
        Ok(LawfulCase {
            warrant: signed,
            request: bytes,
            sessions,
            responses,
        })
    }

    /// `act_as_agent(i)` without releasing anything through the vault: the insider decides
    /// what agent `i` sends (e.g. replaces its answers before they leave).
    pub fn act_as_agent_sender(&mut self, i: usize) {
        if !self.agents_compromised.contains(&i) {
            self.record(
                Capability::ActAsAgent,
                format!("agent {i} (controls its answers)"),
            );
            self.agents_compromised.insert(i);
        }
    }
}

/// What a lawful case run through [`AttackCtx::lawful_case_answers`] produced.
#[derive(Clone, Debug)]
pub struct LawfulCase {
    /// The warrant the court issued.
    pub warrant: SignedWarrant,
    /// The request bytes sent to every agent.
    pub request: Vec<u8>,
    /// The sessions requested, in request order (answers' items follow this order).
    pub sessions: Vec<u32>,
    /// Every agent's answer.
    pub responses: Vec<ShareResponse>,
}

/// What the runner measures after an attack.
pub(crate) struct CtxParts {
    pub(crate) world: World,
    pub(crate) uses: Vec<CapabilityUse>,
    pub(crate) agents_compromised: BTreeSet<usize>,
    pub(crate) devices_compromised: BTreeSet<u32>,
    pub(crate) docket: Vec<SignedWarrant>,
    pub(crate) tries: u64,
}
