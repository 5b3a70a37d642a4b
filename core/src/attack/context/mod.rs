//! The context through which an attack reaches the world: capabilities, each recorded as
//! cost, each able to leave a trace.
//!
//! This is the attack boundary. Everything an attack learns beyond public information
//! comes out of a method here that records the capability it stands for; loot and tokens
//! (vault copies, device loot, rebuilt master keys, lawful cases, agent answers) have
//! private fields and only this module makes them; and what the mechanism does in
//! response (an agent's refusal, a combiner's rejection, a client check, a failed check
//! against a published key, a key that was never created) is recorded here as a
//! [`MechanismEvent`] the attack cannot write. The runner derives `blocked_by` and
//! `detected` from those events alone.
//!
//! # The timeline an attack sees
//! Epoch `e` runs from tick `e * TICKS_PER_EPOCH`. At its start comes the *key boundary*:
//! under `lifetime = "epoch"` the key for epoch `e` is created (and keys older than
//! `retention` epochs are destroyed, their shares zeroized); under `refresh = true` every
//! live key is re-shared (its sharing generation goes up by one) — refresh first happens at
//! the boundary of epoch 1, never at epoch 0. Then epoch `e`'s sessions are simulated.
//! `advance_to(e)` stops *before* epoch `e`'s key boundary: after it, [`AttackCtx::epoch`]
//! is `e`, the transcript holds epochs `0..e`, and a vault copied now holds the keys of
//! epochs before `e` that are still retained (never epoch `e`'s own key, which does not
//! exist yet). `advance_to_end()` runs every epoch and the final boundary.

mod escrow;

use crate::backend::Backend;
use crate::config::scheme::Scheme;
use crate::error::{Error, Result};
use crate::escrow::agent::{ItemOutcome, ShareResponse};
use crate::escrow::audit::{AuditLog, Witness};
use crate::escrow::court::{SignedWarrant, Warrant};
use crate::escrow::field::{chip_check, BindingRule, EscrowField};
use crate::mechanism::session_flow as lawful;
use crate::secret::{Key32, Scalar};
use crate::seed;
use crate::vocab::cell::CellId;
use crate::vocab::Capability;
use crate::world::messaging::SessionHeader;
use crate::world::{
    identity_key, prekey_secret, Conversation, GhostHook, RogueMode, TrafficMark, Transcript,
    World, WorldConfig, TICKS_PER_EPOCH,
};
use ed25519_dalek::SigningKey;
use rand_chacha::ChaCha20Rng;
use std::collections::{BTreeMap, BTreeSet};

/// The honest world at every epoch boundary, built once per scheme and shared by every
/// cell. The finished world is kept whole; the world about to simulate epoch `j` is kept
/// without its traffic (transcript, ground truth, field registry are prefixes of the
/// finished world's), so the snapshots cost memory per epoch boundary, not per message:
/// one world's messages in all, however many epochs. Opaque outside the crate: nothing of
/// the world inside is reachable from it.
pub struct BaseWorlds {
    /// The configuration.
    pub config: WorldConfig,
    finished: std::sync::Arc<World>,
    snapshots: Vec<(World, TrafficMark)>,
    active_users: usize,
    /// Per user, the indices of the finished world's sessions it is a member of (built on
    /// first use, once per world): what a device's cell walks instead of every session.
    member_index: std::sync::OnceLock<Vec<Vec<u32>>>,
    /// Messages per epoch of the finished world (built on first use, once per world).
    messages_by_epoch: std::sync::OnceLock<Vec<usize>>,
    /// The scheme's mechanism family.
    mechanism: &'static dyn crate::mechanism::Mechanism,
    /// Its deployment on the finished world (families other than session escrow).
    deployment: Option<Box<dyn crate::mechanism::DynDeployment>>,
    /// The court of a family other than session escrow (session escrow's is in the world).
    family_court: Option<std::sync::Arc<crate::escrow::court::Court>>,
    /// The standing docket: warrants the court has issued and the lawful-access interface
    /// holds, one per target ([`crate::mechanism::standing_targets`]).
    docket: Vec<SignedWarrant>,
}

impl BaseWorlds {
    /// Simulates the honest world once, keeping a light snapshot at each boundary.
    ///
    /// # Errors
    /// As [`World::new`] and [`World::step`].
    /// [`Error::Boundary`] when called from inside an attack's cell.
    pub(crate) fn build(config: WorldConfig) -> Result<Self> {
        crate::vocab::cell::refuse_inside("building a world (runner::base_worlds)")?;
        let mut w = crate::mechanism::new_world(config.clone(), Default::default())?;
        let mut snapshots = vec![w.without_traffic()];
        while !w.finished() {
            w.step()?;
            snapshots.push(w.without_traffic());
        }
        // The finished world is the honest run every copy reuses sessions from: shared, not
        // copied (it has no `honest` of its own: nothing is left for it to simulate).
        let active_users = w.active_users().len();
        let mechanism = crate::mechanism::of_scheme(&config.scheme)?;
        let family = mechanism.info().family != crate::mechanism::SESSION_ESCROW;
        let family_court = if family {
            let (k, n) = config.scheme.court_kn();
            Some(std::sync::Arc::new(crate::escrow::court::Court::new(
                w.backend(),
                k,
                n,
                seed::derive(config.seed, "court", &[]),
            )?))
        } else {
            None
        };
        let targets = crate::mechanism::standing_targets(&w);
        let court = family_court.as_deref().or(w.escrow().court.as_ref());
        let docket = match court {
            Some(c) => crate::mechanism::standing_docket(
                w.backend(),
                c,
                &targets,
                w.epochs(),
                config.scheme.warrant.use_limit,
            )?,
            None => Vec::new(),
        };
        let deployment = if family {
            let params = crate::mechanism::params_of(&config.scheme)?;
            let view = crate::mechanism::DeployView::new(&w, family_court.clone(), docket.clone());
            Some(mechanism.deploy(&view, &params)?)
        } else {
            None
        };
        let finished = std::sync::Arc::new(w);
        for (s, _) in &mut snapshots {
            s.honest = Some(finished.clone());
        }
        Ok(BaseWorlds {
            config,
            active_users,
            finished,
            snapshots,
            member_index: std::sync::OnceLock::new(),
            messages_by_epoch: std::sync::OnceLock::new(),
            mechanism,
            deployment,
            family_court,
            docket,
        })
    }
    /// The mechanism family of the scheme.
    pub fn mechanism(&self) -> &'static dyn crate::mechanism::Mechanism {
        self.mechanism
    }
    /// The standing docket's targets (what a breach of the lawful-access interface can
    /// learn).
    pub(crate) fn standing_docket(&self) -> &[SignedWarrant] {
        &self.docket
    }
    /// The standing docket's targets.
    pub(crate) fn docket_targets(&self) -> BTreeSet<u32> {
        self.docket
            .iter()
            .flat_map(|w| w.warrant.targets.iter().copied())
            .collect()
    }
    /// The deployment of a family other than session escrow.
    pub(crate) fn deployment(&self) -> Option<&dyn crate::mechanism::DynDeployment> {
        self.deployment.as_deref()
    }
    /// The court of a family other than session escrow.
    pub(crate) fn family_court(&self) -> Option<&crate::escrow::court::Court> {
        self.family_court.as_deref()
    }
    /// Users who sent a message in the finished honest world.
    pub(crate) fn active_users(&self) -> usize {
        self.active_users
    }
    /// The finished honest world.
    pub(crate) fn finished(&self) -> &World {
        &self.finished
    }
    /// Is `world` the finished honest world itself (not a copy)?
    pub(crate) fn is_finished(&self, world: &World) -> bool {
        std::ptr::eq(world, &*self.finished)
    }
    /// The indices of the finished world's sessions `user` is a member of, in order. The
    /// index over every user is built on the first call (one pass over the sessions) and
    /// shared by every later one.
    pub(crate) fn sessions_of(&self, user: u32) -> &[u32] {
        let index = self.member_index.get_or_init(|| {
            let w = &self.finished;
            let mut index = vec![Vec::new(); w.config.population.users as usize];
            for (i, rec) in w.transcript.sessions.iter().enumerate() {
                for &m in &rec.header.members {
                    if let Some(v) = index.get_mut(m as usize) {
                        v.push(i as u32);
                    }
                }
            }
            index
        });
        index.get(user as usize).map_or(&[], |v| v.as_slice())
    }
    /// Messages per epoch of the finished world (a message whose session is out of the
    /// timeline's range counts in the last epoch), computed on the first call.
    pub(crate) fn messages_by_epoch(&self) -> &[usize] {
        self.messages_by_epoch
            .get_or_init(|| messages_by_epoch(&self.finished))
    }
    /// The finished honest world, shared: the run a diverged copy reuses sessions from.
    pub(crate) fn honest(&self) -> std::sync::Arc<World> {
        self.finished.clone()
    }
    /// The world about to simulate epoch `j`: the finished world itself (borrowed) at the
    /// end, a rebuilt copy before it.
    pub(crate) fn at_shared(&self, j: u32) -> std::borrow::Cow<'_, World> {
        if (j as usize) + 1 < self.snapshots.len() {
            std::borrow::Cow::Owned(self.at(j))
        } else {
            std::borrow::Cow::Borrowed(&self.finished)
        }
    }
    /// The world about to simulate epoch 0: the first snapshot itself (borrowed) when it
    /// holds no traffic, which is always so; a copy otherwise.
    pub(crate) fn start(&self) -> std::borrow::Cow<'_, World> {
        match self.snapshots.first() {
            Some((light, mark)) if mark.is_start() && self.snapshots.len() > 1 => {
                std::borrow::Cow::Borrowed(light)
            }
            _ => std::borrow::Cow::Owned(self.at(0)),
        }
    }
    /// A copy of the world about to simulate epoch `j` (clamped to the finished world).
    pub(crate) fn at(&self, j: u32) -> World {
        match self.snapshots.get(j as usize) {
            Some((light, mark)) if (j as usize) + 1 < self.snapshots.len() => {
                light.clone().with_traffic_of(&self.finished, *mark)
            }
            _ => World::clone(&self.finished),
        }
    }
}

/// Messages per epoch of `world`, from one pass over its headers (a message whose session
/// is out of the timeline's range counts in the last epoch).
pub(crate) fn messages_by_epoch(world: &World) -> Vec<usize> {
    let epochs = world.epochs().max(1) as usize;
    let mut total = vec![0usize; epochs];
    let sessions = &world.transcript.sessions;
    for header in world.transcript.envelopes.headers() {
        let epoch = sessions
            .get(header.session as usize)
            .map_or(0, |s| (s.header.epoch as usize).min(epochs - 1));
        total[epoch] += 1;
    }
    total
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
/// Only [`AttackCtx::compromise_device`] makes one.
pub struct DeviceLoot {
    cell: CellId,
    user: u32,
    from_epoch: u32,
    identity: SigningKey,
    prekeys: BTreeMap<u32, [u8; 32]>,
}

impl DeviceLoot {
    /// The context that made it (every other context refuses it).
    pub fn cell(&self) -> CellId {
        self.cell
    }
    /// The user whose device it is.
    pub fn user(&self) -> u32 {
        self.user
    }
    /// The epoch from which the implant sits on the device.
    pub fn from_epoch(&self) -> u32 {
        self.from_epoch
    }
    /// The device's identity signing key.
    pub fn identity(&self) -> &SigningKey {
        &self.identity
    }
    /// The device's prekey secret for `epoch` (only epochs from the compromise on).
    pub fn prekey(&self, epoch: u32) -> Option<&[u8; 32]> {
        self.prekeys.get(&epoch)
    }
    /// The epochs whose prekeys the implant holds.
    pub fn prekey_epochs(&self) -> Vec<u32> {
        self.prekeys.keys().copied().collect()
    }
}

/// A copy of one agent's vault, taken by [`AttackCtx::compromise_agent`] (only the context
/// makes one): the share of every key the agent held at that moment, with its sharing
/// generation.
#[derive(Clone)]
pub struct VaultLoot {
    cell: CellId,
    agent: usize,
    taken_at_epoch: u32,
    shares: BTreeMap<u32, (Scalar, u32)>,
}

impl std::fmt::Debug for VaultLoot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VaultLoot")
            .field("agent", &self.agent)
            .field("taken_at_epoch", &self.taken_at_epoch)
            .field("key_epochs", &self.key_epochs())
            .finish()
    }
}

impl VaultLoot {
    /// The context that made it (every other context refuses it).
    pub fn cell(&self) -> CellId {
        self.cell
    }
    /// The agent breached.
    pub fn agent(&self) -> usize {
        self.agent
    }
    /// The epoch at whose start the copy was taken.
    pub fn taken_at_epoch(&self) -> u32 {
        self.taken_at_epoch
    }
    /// The key epochs whose shares the vault held.
    pub fn key_epochs(&self) -> Vec<u32> {
        self.shares.keys().copied().collect()
    }
    /// The share of key `key_epoch`.
    pub fn share(&self, key_epoch: u32) -> Option<&Scalar> {
        self.shares.get(&key_epoch).map(|(s, _)| s)
    }
    /// The sharing generation of that share (0 at creation, +1 at every refresh).
    pub fn generation(&self, key_epoch: u32) -> Option<u32> {
        self.shares.get(&key_epoch).map(|(_, g)| *g)
    }
    /// Whether the vault held nothing.
    pub fn is_empty(&self) -> bool {
        self.shares.is_empty()
    }
}

/// An escrow master secret the context rebuilt from stolen shares and checked against the
/// published master key (or a dealer's kept copy). Only the context makes one.
#[derive(Clone)]
pub struct MasterSecret {
    cell: CellId,
    key_epoch: u32,
    secret: Scalar,
}

impl std::fmt::Debug for MasterSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterSecret(key epoch {})", self.key_epoch)
    }
}

impl MasterSecret {
    /// The context that made it (every other context refuses it).
    pub fn cell(&self) -> CellId {
        self.cell
    }
    /// The key epoch it belongs to.
    pub fn key_epoch(&self) -> u32 {
        self.key_epoch
    }
    /// The secret scalar.
    pub fn secret(&self) -> &Scalar {
        &self.secret
    }
}

pub use crate::vocab::events::MechanismEvent;

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
    /// This context's identity: every loot and token it makes carries it.
    cell: CellId,
    /// Boundary violations (foreign loot handed in): the runner makes the cell an error.
    violations: Vec<String>,
    /// The world as this attack has it: the shared base world until the attack changes
    /// something (a pristine context that only advanced borrows the finished world instead
    /// of copying it).
    world: std::borrow::Cow<'a, World>,
    pristine: bool,
    uses: Vec<CapabilityUse>,
    agents_compromised: BTreeSet<usize>,
    devices_compromised: BTreeSet<u32>,
    docket: Vec<SignedWarrant>,
    tries: u64,
    attack: String,
    blocks: Vec<MechanismEvent>,
    case_refusals: Vec<MechanismEvent>,
    detects: Vec<MechanismEvent>,
    /// Every event of the three lists above, tagged with its list: a repeated event is
    /// found in constant time (a seizure of 10^5 phones records 10^5 owners' notices).
    seen: std::collections::HashSet<(u8, MechanismEvent)>,
    forgeable: BTreeSet<usize>,
    /// The capabilities the attack declares (empty for a context made by hand).
    declared: &'static [Capability],
    /// This cell's copy of the family's deployment, made on the first request.
    deployment: Option<Box<dyn crate::mechanism::DynDeployment>>,
    /// Figures the mechanism reported while answering requests (measured, not the
    /// attack's word).
    mechanism_figures: BTreeMap<String, f64>,
    /// Sessions the attacker opened as a sender that an honest recipient's full check
    /// accepted (counted here, never the attack's word).
    recipient_accepted: u64,
    /// What the mechanism said its controls rest on (measured probability or delay).
    mechanism_bases: BTreeMap<String, crate::controls::ControlBasis>,
}

impl<'a> AttackCtx<'a> {
    /// A context at the start of epoch 0 of the honest world, for tools and tests that
    /// drive an attack by hand (the runner makes its own).
    ///
    /// # Errors
    /// [`Error::Boundary`] when called from inside an attack's cell: an attack cannot make
    /// a second context (its loot would be foreign to the one the runner gave it anyway).
    pub fn new(base: &'a BaseWorlds, attack: &str) -> Result<Self> {
        crate::vocab::cell::refuse_inside("AttackCtx::new")?;
        Ok(Self::for_runner(base, attack))
    }

    /// The runner's context for one cell of an attack declaring `declared`.
    pub(crate) fn for_cell(
        base: &'a BaseWorlds,
        attack: &str,
        declared: &'static [Capability],
    ) -> Self {
        let mut ctx = Self::for_runner(base, attack);
        ctx.declared = declared;
        ctx
    }

    /// A context with no declared capabilities.
    pub(crate) fn for_runner(base: &'a BaseWorlds, attack: &str) -> Self {
        AttackCtx {
            base,
            cell: CellId::fresh(),
            violations: Vec::new(),
            world: base.start(),
            pristine: true,
            uses: Vec::new(),
            agents_compromised: BTreeSet::new(),
            devices_compromised: BTreeSet::new(),
            docket: Vec::new(),
            tries: 0,
            attack: attack.to_string(),
            blocks: Vec::new(),
            case_refusals: Vec::new(),
            detects: Vec::new(),
            seen: std::collections::HashSet::new(),
            forgeable: BTreeSet::new(),
            declared: &[],
            deployment: None,
            mechanism_figures: BTreeMap::new(),
            recipient_accepted: 0,
            mechanism_bases: BTreeMap::new(),
        }
    }

    /// The mechanism under attack (public: the design is known).
    pub fn mechanism(&self) -> &'static crate::mechanism::MechanismInfo {
        self.base.mechanism.info()
    }

    /// Sends `request` to the mechanism's deployment (a family other than session escrow)
    /// and returns its answer. The request's capability must exist under the mechanism:
    /// otherwise the mechanism reports `not-applicable` and nothing happens. Its use is
    /// recorded; what the mechanism refused, noticed or measured while answering is
    /// recorded as the mechanism's words (the attack never sees the journal).
    ///
    /// # Errors
    /// [`Error::Misuse`] when the capability does not exist here, when the world's
    /// mechanism is not a `D`, or as [`crate::mechanism::Deployment::handle`].
    pub fn request<D: crate::mechanism::Deployment>(
        &mut self,
        request: D::Request,
    ) -> Result<D::Response> {
        let cap = D::capability(&request);
        let info = self.base.mechanism.info();
        if !info.has(cap) {
            self.block(
                "not-applicable",
                info.family,
                format!("{} does not exist under this mechanism", cap.name()),
            );
            return Err(Error::misuse(format!(
                "capability {} does not exist under the {} mechanism",
                cap.name(),
                info.family
            )));
        }
        if self.deployment.is_none() {
            self.deployment = self.base.deployment().map(|d| d.clone_box());
        }
        let Some(dep) = self.deployment.as_mut() else {
            self.block(
                "not-applicable",
                info.family,
                format!(
                    "the attack asks for another mechanism's deployment ({}); {} takes no requests",
                    std::any::type_name::<D>(),
                    info.family
                ),
            );
            return Err(Error::misuse(format!(
                "the {} mechanism takes no requests: its machinery is in the world",
                info.family
            )));
        };
        let Some(d) = dep.as_any_mut().downcast_mut::<D>() else {
            self.block(
                "not-applicable",
                info.family,
                format!(
                    "the attack asks for another mechanism's deployment ({})",
                    std::any::type_name::<D>()
                ),
            );
            return Err(Error::misuse(format!(
                "the world's mechanism is {}, not {}",
                info.family,
                std::any::type_name::<D>()
            )));
        };
        let mut journal = crate::mechanism::Journal::new(
            Some(cap),
            self.world.now,
            self.world.next_epoch.min(self.world.epochs()),
        )
        .in_cell(self.cell);
        let detail = D::describe(&request);
        let answer = d.handle(request, &mut journal);
        self.record(cap, detail);
        self.absorb(journal);
        answer
    }

    fn absorb(&mut self, j: crate::mechanism::Journal) {
        for v in j.violations {
            if !self.violations.contains(&v) {
                self.violations.push(v);
            }
        }
        for e in j.refusals {
            push_unique(&mut self.blocks, &mut self.seen, 0, e);
        }
        for e in j.notices {
            push_unique(&mut self.detects, &mut self.seen, 1, e);
        }
        self.tries += j.work;
        for (k, v) in j.figures {
            *self.mechanism_figures.entry(k).or_insert(0.0) += v;
        }
        self.mechanism_bases.extend(j.bases);
        self.docket.extend(j.issued);
    }

    /// Work counted so far in this cell (the mechanism's count of guesses and hash
    /// evaluations it made the attacker do, plus the attack's own [`Self::count_tries`]).
    pub fn spent(&self) -> u64 {
        self.tries
    }

    /// An integer parameter of the scheme's mechanism, resolved with its default (public:
    /// the design is known).
    pub fn mechanism_param_int(&self, name: &str) -> Option<i64> {
        let p = crate::mechanism::params_of(&self.world.config.scheme).ok()?;
        match p.0.get(name)? {
            crate::attack::ParamValue::Int(v) => Some(*v),
            _ => None,
        }
    }

    /// A parameter of the scheme's mechanism, resolved with its default (public: the design
    /// is known).
    pub fn mechanism_param(&self, name: &str) -> Option<crate::attack::ParamValue> {
        let p = crate::mechanism::params_of(&self.world.config.scheme).ok()?;
        p.0.get(name).cloned()
    }

    /// `breach_interface`: the lawful-access interface's store of warrants (the standing
    /// docket), as an intruder in it reads them.
    pub fn breach_interface(&mut self) -> Vec<SignedWarrant> {
        let info = self.base.mechanism.info();
        if !info.has(Capability::BreachInterface) {
            self.block(
                "not-applicable",
                info.family,
                "breach_interface does not exist under this mechanism",
            );
            return Vec::new();
        }
        self.record(Capability::BreachInterface, "warrant store");
        self.base.docket.clone()
    }

    fn block(&mut self, control: &str, source: impl Into<String>, detail: impl Into<String>) {
        let family = self.base.mechanism.info().family;
        if control == "no-escrow" && family != crate::mechanism::SESSION_ESCROW {
            // Session escrow's machinery reached for under another family: the path does
            // not exist here (whatever escrow the family has is reached by its requests).
            push_unique(&mut self.blocks, &mut self.seen, 0,
                event(
                    "not-applicable",
                    family,
                    format!(
                        "session escrow's agents, fields and court do not exist under the {family} mechanism"
                    ),
                ),
            );
            return;
        }
        push_unique(
            &mut self.blocks,
            &mut self.seen,
            0,
            event(control, source, detail),
        );
    }

    fn detect(&mut self, control: &str, source: impl Into<String>, detail: impl Into<String>) {
        push_unique(
            &mut self.detects,
            &mut self.seen,
            1,
            event(control, source, detail),
        );
    }

    /// What the mechanism refused or rejected so far (read-only: an attack may adapt to it,
    /// never write it).
    pub fn refusals(&self) -> &[MechanismEvent] {
        &self.blocks
    }

    /// Whether loot stamped `cell` was made by this context; when not, the violation is
    /// recorded (the runner makes the cell an error naming it).
    fn own(&mut self, cell: CellId, what: &str) -> bool {
        if cell == self.cell {
            return true;
        }
        self.foreign(what);
        false
    }

    /// Records that `what`, made by another context, was handed to this one.
    fn foreign(&mut self, what: &str) {
        let msg = format!(
            "{what} made by another context was handed to this cell's context (loot is bound to the context that made it)"
        );
        crate::vocab::cell::violation(msg.clone());
        if !self.violations.contains(&msg) {
            self.violations.push(msg);
        }
    }

    /// Whether an agent's answer was handed out by this context (any other is a recorded
    /// violation).
    fn own_answer(&mut self, r: &ShareResponse) -> bool {
        match r.cell {
            Some(c) => self.own(c, "an agent's answer"),
            None => {
                self.foreign("an agent's answer");
                false
            }
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
            k: self.world.escrow().k,
            n: self.world.escrow().n,
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
        // An untouched world jumps to the snapshot (nothing to do when it is already there:
        // the runner's closing `advance_to_end` after an attack that ran to the end).
        if self.pristine && target > self.world.next_epoch {
            self.world = self.base.at_shared(target);
            return Ok(());
        }
        while self.world.next_epoch < target {
            self.world.to_mut().step()?;
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
        self.world.backend()
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
        self.note_intercept("relay transcript");
        &self.world.transcript
    }

    /// `intercept`, read by member: the relay transcript so far, and the indices (into
    /// `transcript.sessions`, in order) of the sessions `user` is a member of. The relay
    /// routes every session to its members, so this is what an interceptor learns from the
    /// transcript's metadata; it costs the user's own sessions on the finished world (a
    /// per-world index), a walk over every session otherwise.
    pub fn intercept_sessions_of(
        &mut self,
        user: u32,
    ) -> (&Transcript, std::borrow::Cow<'_, [u32]>) {
        self.note_intercept("relay transcript");
        let w: &World = &self.world;
        let ids = if self.base.is_finished(w) {
            std::borrow::Cow::Borrowed(self.base.sessions_of(user))
        } else {
            std::borrow::Cow::Owned(
                w.transcript
                    .sessions
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.header.members.contains(&user))
                    .map(|(i, _)| i as u32)
                    .collect(),
            )
        };
        (&w.transcript, ids)
    }

    /// Whether capability `cap` exists under the scheme's mechanism. When it does not, the
    /// mechanism reports `not-applicable` (the request is refused, never the attack's
    /// block) and the caller does nothing: capabilities are checked per request.
    fn permit(&mut self, cap: Capability) -> bool {
        let info = self.base.mechanism.info();
        if info.has(cap) {
            return true;
        }
        self.block(
            "not-applicable",
            info.family,
            format!("{} does not exist under this mechanism", cap.name()),
        );
        false
    }

    /// Records `intercept` once per cell.
    fn note_intercept(&mut self, what: &str) {
        if !self
            .uses
            .iter()
            .any(|u| u.capability == Capability::Intercept)
        {
            self.record(Capability::Intercept, what);
        }
    }

    /// `compromise_device(user)`: an implant from now on.
    ///
    /// # Errors
    /// [`Error::Misuse`] for an unknown user.
    pub fn compromise_device(&mut self, user: u32) -> Result<DeviceLoot> {
        if !self.permit(Capability::CompromiseDevice) {
            return Err(Error::misuse(
                "compromise_device does not exist under this mechanism",
            ));
        }
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
            cell: self.cell,
            user,
            from_epoch: from,
            identity: identity_key(s, user),
            prekeys,
        })
    }

    /// The message history stored on `loot.user()`'s device when it was compromised: the
    /// plaintexts of the device's sessions of the `history_epochs` epochs before the
    /// compromise (`[population] history_epochs`; none by default), as `(envelope id,
    /// plaintext)`. The loot proves the `compromise_device` capability.
    pub fn device_history(&mut self, loot: &DeviceLoot) -> Vec<(u64, Vec<u8>)> {
        if !self.own(loot.cell, "device loot") {
            return Vec::new();
        }
        let keep = self.world.config.population.history_epochs;
        let from = loot.from_epoch;
        if keep == 0 || from == 0 {
            return Vec::new();
        }
        let first = from.saturating_sub(keep);
        let w = &self.world;
        let mut out = Vec::new();
        for r in w.transcript.sessions.iter() {
            if r.header.epoch < first
                || r.header.epoch >= from
                || !r.header.members.contains(&loot.user)
            {
                continue;
            }
            let Some(conv) = w.conversations.get(r.header.conv as usize) else {
                continue;
            };
            let key = crate::world::session_key_of(w.config.seed, conv, r.header.session);
            out.extend(crate::relay::read_session_as_member(
                &w.transcript,
                r.header.session,
                loot.user,
                &key,
            ));
        }
        out
    }

    /// What an implant on `loot.user()`'s device reads when that device opens a session
    /// itself: the session keys it generates from the compromise on (session → key). The
    /// loot proves the `compromise_device` capability: only the context makes it.
    ///
    /// Loot from another context is refused: the cell becomes an error naming it, and
    /// nothing is returned.
    pub fn implant_session_keys(&mut self, loot: &DeviceLoot) -> BTreeMap<u32, Key32> {
        if !self.own(loot.cell, "device loot") {
            return BTreeMap::new();
        }
        let from = loot.from_epoch;
        let w = &self.world;
        // A session the device sent is one it is a member of: on the finished world, the
        // member index lists them without a walk over every session.
        let indexed: Vec<&crate::relay::SessionRecord> = if self.base.is_finished(w) {
            self.base
                .sessions_of(loot.user)
                .iter()
                .filter_map(|&i| w.transcript.sessions.get(i as usize))
                .collect()
        } else {
            w.transcript.sessions.iter().collect()
        };
        indexed
            .into_iter()
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

    /// `control_relay`: add a silent member to conversations from the current epoch on.
    pub fn control_relay_ghost(
        &mut self,
        conversations: BTreeSet<u32>,
        ghost_public: [u8; 32],
        suppress_notice: bool,
    ) {
        if !self.permit(Capability::ControlRelay) {
            return;
        }
        self.record(
            Capability::ControlRelay,
            format!(
                "ghost in {}",
                crate::text::count(conversations.len(), "conversation", "conversations")
            ),
        );
        self.world.to_mut().hooks.ghost = Some(GhostHook {
            conversations,
            from_epoch: self.epoch(),
            ghost_public,
            suppress_notice,
        });
        self.pristine = false;
    }

    /// Advances the clock by `ticks` within the current epoch boundary (for expiry).
    pub fn wait(&mut self, ticks: u64) {
        self.world.to_mut().now += ticks.min(TICKS_PER_EPOCH * 1000);
        self.pristine = false;
    }

    /// The conversations and their members, as the relay routes them: what a relay
    /// operator knows (`control_relay`, when the attack declares it) or what an interceptor
    /// reads off the session headers (`intercept` otherwise).
    pub fn conversations(&mut self) -> Vec<Conversation> {
        if self.declared.contains(&Capability::ControlRelay)
            && !self.declared.contains(&Capability::Intercept)
        {
            self.record(Capability::ControlRelay, "conversation routing");
        } else {
            self.note_intercept("conversation membership");
        }
        self.world.conversations.clone()
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

    /// The session key of `session`, when its sender is a user whose client the attacker
    /// controls (a client knows the keys of the sessions it opened, and an earlier
    /// session's key is what replaying that session's escrow field needs). `None` for a
    /// session someone else sent, or one that does not exist.
    pub fn client_session_key(&self, session: u32) -> Option<Key32> {
        let rec = self.world.transcript.sessions.get(session as usize)?;
        if !self
            .world
            .hooks
            .rogue_clients
            .contains_key(&rec.header.sender)
        {
            return None;
        }
        let conv = self
            .world
            .conversations
            .iter()
            .find(|c| c.id == rec.header.conv)?;
        Some(crate::world::session_key_of(
            self.world.config.seed,
            conv,
            session,
        ))
    }

    /// Ends the attack and hands its world and traces to the runner (an attack holds
    /// only `&mut AttackCtx` and so cannot call this).
    pub(crate) fn into_parts(self) -> CtxParts<'a> {
        CtxParts {
            violations: self.violations,
            world: self.world,
            uses: self.uses,
            agents_compromised: self.agents_compromised,
            devices_compromised: self.devices_compromised,
            docket: self.docket,
            tries: self.tries,
            blocks: self.blocks,
            case_refusals: self.case_refusals,
            detects: self.detects,
            mechanism_figures: self.mechanism_figures,
            recipient_accepted: self.recipient_accepted,
            mechanism_bases: self.mechanism_bases,
        }
    }
}

fn event(control: &str, source: impl Into<String>, detail: impl Into<String>) -> MechanismEvent {
    MechanismEvent {
        control: control.to_string(),
        source: source.into(),
        detail: detail.into(),
    }
}

/// Appends `e` to `list` (tagged `tag` in `seen`) unless the same event is already there.
fn push_unique(
    list: &mut Vec<MechanismEvent>,
    seen: &mut std::collections::HashSet<(u8, MechanismEvent)>,
    tag: u8,
    e: MechanismEvent,
) {
    if seen.insert((tag, e.clone())) {
        list.push(e);
    }
}

/// Every refusal in the agents' answers, as mechanism events whose source is the agent
/// (followed by `suffix`).
fn refusal_events(responses: &[ShareResponse], suffix: &str) -> Vec<MechanismEvent> {
    responses
        .iter()
        .flat_map(|r| {
            r.items.iter().filter_map(move |o| {
                o.as_ref().err().map(|refusal| MechanismEvent {
                    control: refusal.control.clone(),
                    source: format!("agent {}{suffix}", r.agent),
                    detail: refusal.reason.clone(),
                })
            })
        })
        .collect()
}

/// What a lawful case run through [`AttackCtx::lawful_case_answers`] produced. Only the
/// context makes one.
#[derive(Clone, Debug)]
pub struct LawfulCase {
    cell: CellId,
    warrant: SignedWarrant,
    request: Vec<u8>,
    sessions: Vec<u32>,
    responses: Vec<ShareResponse>,
}

impl LawfulCase {
    /// The context that made it (every other context refuses it).
    pub fn cell(&self) -> CellId {
        self.cell
    }
    /// The warrant the court issued.
    pub fn warrant(&self) -> &SignedWarrant {
        &self.warrant
    }
    /// The request bytes sent to every agent.
    pub fn request(&self) -> &[u8] {
        &self.request
    }
    /// The sessions requested, in request order (answers' items follow this order).
    pub fn sessions(&self) -> &[u32] {
        &self.sessions
    }
    /// Every agent's answer.
    pub fn responses(&self) -> &[ShareResponse] {
        &self.responses
    }
}

/// What the runner measures after an attack.
pub(crate) struct CtxParts<'a> {
    pub(crate) violations: Vec<String>,
    pub(crate) world: std::borrow::Cow<'a, World>,
    pub(crate) uses: Vec<CapabilityUse>,
    pub(crate) agents_compromised: BTreeSet<usize>,
    pub(crate) devices_compromised: BTreeSet<u32>,
    pub(crate) docket: Vec<SignedWarrant>,
    pub(crate) tries: u64,
    pub(crate) blocks: Vec<MechanismEvent>,
    pub(crate) case_refusals: Vec<MechanismEvent>,
    pub(crate) detects: Vec<MechanismEvent>,
    pub(crate) mechanism_figures: BTreeMap<String, f64>,
    pub(crate) recipient_accepted: u64,
    pub(crate) mechanism_bases: BTreeMap<String, crate::controls::ControlBasis>,
}
