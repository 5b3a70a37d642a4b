//! The simulated world: a population of users with identity and key-agreement keys,
//! 1:1 and group conversations, one session per conversation per epoch with a fresh key
//! delivered to every member and escrowed, hash-ratchet messages, a relay that records
//! every envelope, a ground-truth store, and a clock.

pub use crate::messaging;
pub mod activity;
pub mod attachment;
pub mod edges;
pub mod model;
pub mod truth;

pub use activity::Activity;
pub use messaging::Protocol;
pub use model::{GroupSizes, Model};

pub use crate::detection::Detection;
pub use crate::relay::FieldRegistry;
pub use crate::relay::{Envelope, Envelopes, SessionRecord, Transcript};

use crate::backend::BackendKind;
use crate::config::limits;
use crate::config::scheme::Scheme;
use crate::error::{Error, Result};
use crate::secret::Key32;
use crate::seed;
use attachment::{SessionAttachment, Setup};
use ed25519_dalek::{SigningKey, VerifyingKey};
use messaging::{deliver, x25519_public, SessionHeader};
use rand::seq::SliceRandom;
use rand::Rng;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use truth::GroundTruth;

pub use crate::vocab::TICKS_PER_EPOCH;
/// Recipient index used in a delivery to a ghost participant.
pub const GHOST: u32 = u32::MAX;

/// Size and shape of the simulated population.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Population {
    /// Users.
    #[serde(default = "defaults::users")]
    pub users: u32,
    /// Fraction of conversations that are groups (3 or more members; see `group_sizes`).
    #[serde(default = "defaults::group_share")]
    pub group_share: f64,
    /// Epochs simulated.
    #[serde(default = "defaults::epochs")]
    pub epochs: u32,
    /// Messages per session (under `activity = "heavy-tailed"`, their mean).
    #[serde(default = "defaults::messages")]
    pub messages_per_session: u32,
    /// Conversations (default: as many as users under `uniform`; under a heavy-tailed
    /// model, `users × mean weight / mean members`).
    #[serde(default)]
    pub conversations: Option<u32>,
    /// How many conversations a user is in ([`Model`]; default `uniform`, the original
    /// generator).
    #[serde(default)]
    pub model: Model,
    /// `power-law`: the degree exponent γ (default 2.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exponent: Option<f64>,
    /// `power-law`: the smallest weight, in expected conversations (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_degree: Option<f64>,
    /// `power-law`, `log-normal`: the largest weight (default users − 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_degree: Option<f64>,
    /// `log-normal`: μ of the weight's logarithm (default 0.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mu: Option<f64>,
    /// `log-normal`: σ of the weight's logarithm (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sigma: Option<f64>,
    /// Group sizes ([`GroupSizes`]; default uniform from 3 to 8).
    #[serde(default, skip_serializing_if = "GroupSizes::is_uniform")]
    pub group_sizes: GroupSizes,
    /// `group_sizes = "power-law"`: the exponent β of `P(s) ∝ s^(−β)` (default 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_exponent: Option<f64>,
    /// `group_sizes = "power-law"`: the largest group (3 to 1024; default 1024).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_group: Option<u32>,
    /// `model = "edges"`: the edge list the population is read from (one conversation per
    /// line; [`edges`]). Its users and conversations are the file's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edges: Option<String>,
    /// How traffic is spread over conversations and sessions ([`Activity`]; default
    /// `constant`, the original traffic: one session per conversation per epoch).
    #[serde(default)]
    pub activity: Activity,
    /// `activity = "heavy-tailed"`: mean sessions per conversation per epoch (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sessions_per_epoch: Option<f64>,
    /// `activity = "heavy-tailed"`: the Pareto shape α of sessions per conversation and
    /// messages per session (default 1.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity_exponent: Option<f64>,
    /// Share of users who never write (default 0 under `constant`, 0.1 under
    /// `heavy-tailed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silent_share: Option<f64>,
    /// How sessions are keyed ([`Protocol`]: `hash-ratchet`, the original world and the
    /// default; `double-ratchet`; `sender-keys`).
    #[serde(default, skip_serializing_if = "Protocol::is_default")]
    pub protocol: Protocol,
    /// Epochs of message history every device keeps (0, the default: none, the original
    /// world, where a compromised device holds only what comes after the compromise).
    /// A device snapshot or implant at epoch e also takes the stored plaintexts of the
    /// device's sessions of epochs e − `history_epochs` to e − 1. Signal and WhatsApp keep
    /// every message until deleted (disappearing messages are off by default), so a
    /// messenger-like world sets it to its number of epochs.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub history_epochs: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

mod defaults {
    pub fn users() -> u32 {
        200
    }
    pub fn group_share() -> f64 {
        0.2
    }
    pub fn epochs() -> u32 {
        4
    }
    pub fn messages() -> u32 {
        20
    }
}

impl Default for Population {
    fn default() -> Self {
        Population {
            users: defaults::users(),
            group_share: defaults::group_share(),
            epochs: defaults::epochs(),
            messages_per_session: defaults::messages(),
            conversations: None,
            model: Model::Uniform,
            exponent: None,
            min_degree: None,
            max_degree: None,
            mu: None,
            sigma: None,
            group_sizes: GroupSizes::Uniform,
            group_exponent: None,
            max_group: None,
            edges: None,
            activity: Activity::Constant,
            sessions_per_epoch: None,
            activity_exponent: None,
            silent_share: None,
            protocol: Protocol::HashRatchet,
            history_epochs: 0,
        }
    }
}

impl Population {
    /// Checks every figure against its documented limit.
    ///
    /// # Errors
    /// [`Error::Input`] naming the field and the accepted range.
    pub fn validate(&self) -> Result<()> {
        let range = |name: &str, v: u64, lo: u64, hi: u64| {
            if v < lo || v > hi {
                Err(Error::input(format!(
                    "{name} = {v} is out of range (accepted: {lo}..={hi})"
                )))
            } else {
                Ok(())
            }
        };
        range("users", self.users as u64, 2, limits::MAX_USERS as u64)?;
        range("history_epochs", self.history_epochs as u64, 0, 1000)?;
        self.validate_model()?;
        self.validate_activity()?;
        let max_conversations = match self.model {
            Model::Edges => {
                let path = self.edges.as_deref().ok_or_else(|| {
                    Error::input("model = \"edges\" needs edges = \"PATH\" (an edge list)")
                })?;
                let g = edges::load(path)?;
                if g.users != self.users {
                    return Err(Error::input(format!(
                        "users = {} but the edge list {} names {} users (leave users out: a graph's users are its own)",
                        self.users,
                        crate::text::echo(path),
                        g.users
                    )));
                }
                edges::MAX_EDGE_CONVERSATIONS as u64
            }
            _ => {
                if self.edges.is_some() {
                    return Err(Error::input(
                        "edges applies to model = \"edges\" only; remove it or set that model",
                    ));
                }
                limits::MAX_USERS as u64
            }
        };
        range("epochs", self.epochs as u64, 1, limits::MAX_EPOCHS as u64)?;
        range(
            "messages_per_session",
            self.messages_per_session as u64,
            1,
            limits::MAX_MESSAGES_PER_SESSION as u64,
        )?;
        let convs = self.conversation_count() as u64;
        range("conversations", convs, 1, max_conversations)?;
        // Under heavy-tailed activity, the expected total (sessions per epoch is a mean).
        let total = (convs as f64
            * self.sessions_per_epoch_resolved()
            * self.epochs as f64
            * self.messages_per_session as f64)
            .round() as u64;
        if total > limits::MAX_TOTAL_MESSAGES {
            return Err(Error::input(format!(
                "conversations × {}epochs × messages_per_session = {total} messages is over the limit of {}",
                if self.activity == Activity::HeavyTailed {
                    "sessions_per_epoch × "
                } else {
                    ""
                },
                limits::MAX_TOTAL_MESSAGES
            )));
        }
        if !(0.0..=1.0).contains(&self.group_share) || self.group_share.is_nan() {
            return Err(Error::input(format!(
                "group_share = {} is out of range (accepted: 0.0..=1.0)",
                self.group_share
            )));
        }
        Ok(())
    }
    /// Under `model = "edges"`, this population with its users and conversations taken
    /// from the edge list (read once per process); any other model, unchanged. Every entry
    /// point (command line, suite file, `loophole`) calls it before validating.
    ///
    /// # Errors
    /// As [`edges::load`]: the file cannot be read or a line is malformed (exit 2, naming
    /// `file:line:column`).
    pub fn with_edges(mut self) -> Result<Population> {
        if self.model == Model::Edges {
            if let Some(path) = &self.edges {
                let g = edges::load(path)?;
                self.users = g.users;
                self.conversations = Some(g.conversations.len() as u32);
            }
        }
        Ok(self)
    }
    /// Number of conversations.
    pub fn conversation_count(&self) -> u32 {
        self.conversations
            .unwrap_or_else(|| self.default_conversations())
    }
}

/// Everything a world is built from.
#[derive(Clone, Debug)]
pub struct WorldConfig {
    /// The scheme.
    pub scheme: Scheme,
    /// The population.
    pub population: Population,
    /// The one seed.
    pub seed: u64,
    /// The threshold backend.
    pub backend: BackendKind,
}

/// A conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversation {
    /// Id (index).
    pub id: u32,
    /// Members, sorted.
    pub members: Vec<u32>,
    /// Group (3+ members) or 1:1.
    pub group: bool,
}

/// How a rogue client treats escrow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RogueMode {
    /// Sends no escrow field.
    Strip,
    /// Sends random bytes as the field.
    Garbage,
}

/// A silent participant added by whoever controls the relay.
#[derive(Clone, Debug)]
pub struct GhostHook {
    /// Conversations to join.
    pub conversations: BTreeSet<u32>,
    /// From this epoch on.
    pub from_epoch: u32,
    /// The ghost's X25519 public key (the attacker holds the secret).
    pub ghost_public: [u8; 32],
    /// Suppress the "member joined" notice clients would show.
    pub suppress_notice: bool,
}

/// Changes an attacker makes to how the world runs. Empty for an honest world.
#[derive(Clone, Debug, Default)]
pub struct Hooks {
    /// The dealer keeps its copies of master secrets.
    pub(crate) capture_dealer: bool,
    /// The dealer hands this agent a share that does not match the published commitment
    /// (honoured only where a dealer generates keys).
    pub(crate) dealer_inconsistent: Option<usize>,
    /// A ghost participant.
    pub(crate) ghost: Option<GhostHook>,
    /// From an epoch on, clients escrow to this public key set instead.
    pub(crate) escrow_key_override: Option<(u32, Vec<u8>)>,
    /// Rogue clients.
    pub(crate) rogue_clients: BTreeMap<u32, RogueMode>,
    /// Conversations a rogue client is rogue in (a user absent here is rogue in all of its
    /// conversations): two users evading together need not touch their other conversations.
    pub(crate) rogue_scope: BTreeMap<u32, BTreeSet<u32>>,
}

impl Hooks {
    /// Does any hook change how traffic is produced from `epoch` on?
    pub fn touches_traffic(&self) -> bool {
        self.ghost.is_some() || self.escrow_key_override.is_some() || !self.rogue_clients.is_empty()
    }
}

/// The whole simulated world.
#[derive(Clone, Debug)]
pub struct World {
    /// What it was built from.
    pub(crate) config: WorldConfig,
    /// Users' identity (verifying) keys: the directory.
    pub(crate) directory: Vec<VerifyingKey>,
    /// Conversations.
    pub(crate) conversations: Vec<Conversation>,
    /// The relay's transcript.
    pub(crate) transcript: Transcript,
    truth: GroundTruth,
    /// What the family has clients attach to every session (session escrow's field and
    /// its keys, agents and court), and its epoch boundary.
    pub(crate) attachment: Box<dyn SessionAttachment>,
    /// Attacker hooks in force.
    pub(crate) hooks: Hooks,
    /// The next epoch to simulate.
    pub(crate) next_epoch: u32,
    /// Current simulated time.
    pub(crate) now: u64,
    /// Client-side detections.
    pub(crate) detections: Vec<Detection>,
    /// Sessions whose field some honest recipient rejected.
    pub(crate) rejected_sessions: BTreeSet<u32>,
    /// The relay's registry of fields and the headers they were carried under.
    pub(crate) registry: FieldRegistry,
    /// The honest run of the same configuration, when this world is a copy of it: sessions
    /// that no hook touches are identical there (same seed, same derivations), so they are
    /// copied instead of recomputed.
    pub(crate) honest: Option<std::sync::Arc<HonestRun>>,
    /// Who is silent, and how many sessions and messages each conversation has per epoch.
    pub(crate) plan: std::sync::Arc<activity::Plan>,
}

/// How much traffic a world had seen: its transcript, ground truth and field registry
/// only grow, so a world of an earlier moment of a run holds a prefix of each of a later
/// one's. [`World::without_traffic`] keeps a world's state without them, and
/// [`World::with_traffic_of`] restores them from the later world.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TrafficMark {
    sessions: usize,
    envelopes: usize,
    registered: usize,
}

impl TrafficMark {
    /// Does this mark stand before any traffic (then the light world is the whole world)?
    pub(crate) fn is_start(&self) -> bool {
        self.sessions == 0 && self.envelopes == 0 && self.registered == 0
    }
}

/// The finished honest run of a configuration: the finished honest world itself, shared
/// (not copied) by every world that may reuse its sessions.
pub type HonestRun = World;

/// Per-session output of the parallel simulation.
struct SessionOut {
    record: SessionRecord,
    traffic: crate::relay::SessionTraffic,
    /// Digests of the plaintexts (ground truth keeps nothing else).
    plaintexts: Vec<truth::PlaintextDigest>,
    detections: Vec<Detection>,
    rejected: bool,
}

impl World {
    /// Builds the population, with `attachment` as what the family has clients attach to
    /// every session (its keys made now where they are static), before any traffic.
    ///
    /// # Errors
    /// [`Error::Input`] for an invalid population.
    pub(crate) fn new(
        config: WorldConfig,
        hooks: Hooks,
        mut attachment: Box<dyn SessionAttachment>,
    ) -> Result<World> {
        config.population.validate()?;
        let s = config.seed;
        let users = config.population.users;
        let directory = (0..users)
            .map(|u| identity_key(s, u).verifying_key())
            .collect();
        let conversations = model::make_conversations(&config.population, s);
        let plan = std::sync::Arc::new(activity::Plan::new(&config.population, &conversations, s));
        let detections = attachment.take_detections();
        Ok(World {
            config,
            directory,
            conversations,
            transcript: Transcript::default(),
            truth: GroundTruth::default(),
            attachment,
            hooks,
            next_epoch: 0,
            now: 0,
            detections,
            rejected_sessions: BTreeSet::new(),
            registry: FieldRegistry::default(),
            honest: None,
            plan,
        })
    }

    /// This world without its traffic (transcript, ground truth, field registry), with the
    /// mark that restores them from a later moment of the same run: a snapshot whose size
    /// does not grow with the messages sent so far.
    pub(crate) fn without_traffic(&self) -> (World, TrafficMark) {
        let mark = TrafficMark {
            sessions: self.transcript.sessions.len(),
            envelopes: self.transcript.envelopes.len(),
            registered: self.registry.log_len(),
        };
        let light = World {
            config: self.config.clone(),
            directory: self.directory.clone(),
            conversations: self.conversations.clone(),
            transcript: Transcript::default(),
            truth: GroundTruth::default(),
            attachment: self.attachment.clone(),
            hooks: self.hooks.clone(),
            next_epoch: self.next_epoch,
            now: self.now,
            detections: self.detections.clone(),
            rejected_sessions: self.rejected_sessions.clone(),
            registry: FieldRegistry::default(),
            honest: self.honest.clone(),
            plan: self.plan.clone(),
        };
        (light, mark)
    }

    /// This world (made by [`World::without_traffic`]) with its traffic up to `mark` taken
    /// from `later`, a later moment of the same run.
    pub(crate) fn with_traffic_of(mut self, later: &World, mark: TrafficMark) -> World {
        self.transcript = later.transcript.prefix(mark.sessions, mark.envelopes);
        self.truth = later.truth.prefix(mark.envelopes);
        self.registry = later.registry.prefix(mark.registered);
        self
    }

    /// Runs every remaining epoch and the final boundary.
    ///
    /// # Errors
    /// As [`World::step`].
    pub(crate) fn run_to_end(&mut self) -> Result<()> {
        while !self.finished() {
            self.step()?;
        }
        Ok(())
    }

    /// The threshold backend the world was built with.
    pub fn backend(&self) -> &'static dyn crate::backend::Backend {
        self.config
            .backend
            .instance()
            .expect("a world is only built with a compiled-in backend")
    }

    /// Epochs in the run.
    pub fn epochs(&self) -> u32 {
        self.config.population.epochs
    }

    /// Has the last epoch (and the final boundary) passed?
    pub fn finished(&self) -> bool {
        self.next_epoch > self.epochs()
    }

    /// The measuring code's view of the plaintexts.
    pub(crate) fn truth(&self) -> &GroundTruth {
        &self.truth
    }

    /// Advances one epoch: the escrow boundary (new keys, destruction, refresh) and then the
    /// epoch's traffic. Past the last epoch it runs the final boundary only.
    ///
    /// # Errors
    /// Key generation or encoding errors.
    pub(crate) fn step(&mut self) -> Result<()> {
        let epoch = self.next_epoch;
        if epoch > self.epochs() {
            return Ok(());
        }
        self.attachment.begin_epoch(epoch)?;
        self.detections
            .append(&mut self.attachment.take_detections());
        self.now = epoch as u64 * TICKS_PER_EPOCH;
        self.next_epoch += 1;
        if epoch == self.epochs() {
            return Ok(());
        }
        let base = self.transcript.sessions.len() as u32;
        let slots = self
            .plan
            .sessions(&self.conversations, epoch, self.config.seed);
        let outs: Vec<Result<SessionOut>> = slots
            .par_iter()
            .enumerate()
            .map(|(i, slot)| {
                let conv = &self.conversations[slot.conv as usize];
                self.simulate_session(conv, epoch, base + i as u32, slot.messages)
            })
            .collect();
        let messages: usize = outs.iter().flatten().map(|o| o.plaintexts.len()).sum();
        self.transcript.envelopes.reserve_exact(outs.len());
        self.truth.reserve_exact(messages);
        self.transcript.sessions.reserve_exact(outs.len());
        for out in outs {
            let mut out = out?;
            out.record.messages = self.transcript.envelopes.push_session(out.traffic);
            for pt in out.plaintexts {
                self.truth.push(pt);
            }
            if out.rejected {
                self.rejected_sessions.insert(out.record.header.session);
            }
            self.detections.append(&mut out.detections);
            if let Some(key) = out
                .record
                .field
                .as_ref()
                .and_then(|f| self.attachment.registry_key(f))
            {
                self.registry.register(&key, &out.record.header);
            }
            for f in &out.record.chain_fields {
                if let Some(key) = self.attachment.registry_key(f) {
                    self.registry.register(&key, &out.record.header);
                }
            }
            self.transcript.sessions.push(out.record);
        }
        // The epoch is over: the clock stands at the start of the next one.
        self.now = (epoch as u64 + 1) * TICKS_PER_EPOCH;
        crate::progress::advance(crate::progress::Unit::Epochs);
        Ok(())
    }

    /// How `user`'s client treats escrow in conversation `conv` (`None`: honestly).
    pub fn rogue_mode(&self, user: u32, conv: u32) -> Option<RogueMode> {
        let mode = *self.hooks.rogue_clients.get(&user)?;
        match self.hooks.rogue_scope.get(&user) {
            Some(scope) if !scope.contains(&conv) => None,
            _ => Some(mode),
        }
    }

    /// The key pushed through the update channel and in force at `epoch`, if any: from the
    /// push until binary transparency catches the update (clients then roll it back). A pin
    /// shipped in the same channel does not stop it: the update rewrites the pin.
    pub(crate) fn pushed_key(&self, epoch: u32) -> Option<&[u8]> {
        let (from, pk) = self.hooks.escrow_key_override.as_ref()?;
        if epoch < *from || self.bt_caught().is_some_and(|d| epoch >= d) {
            return None;
        }
        Some(pk.as_slice())
    }

    /// The epoch at which an independent rebuilder first checks the logged client updates
    /// after a pushed escrow key (binary transparency), if it does within the run.
    pub fn bt_caught(&self) -> Option<u32> {
        let c = &self.config.scheme.client;
        let (from, _) = self.hooks.escrow_key_override.as_ref()?;
        if !c.binary_transparency {
            return None;
        }
        let seed = crate::seed::derive(self.config.seed, "bt-monitor", &[]);
        crate::messaging::keylog::first_look(
            &seed,
            0,
            *from,
            self.epochs(),
            f64::from(c.bt_monitor_pct) / 100.0,
        )
    }

    /// Key transparency under a ghost the relay inserted (`roster_signer = "log"`): the
    /// epoch at which a monitor first checks conversation `conv`'s logged keys after the
    /// ghost's insertion, if within the run. The ghost's key is revoked after that epoch.
    pub fn kt_caught(&self, conv: u32) -> Option<u32> {
        let c = &self.config.scheme.client;
        let g = self.hooks.ghost.as_ref()?;
        if !(c.roster_check && c.roster_signer == crate::config::RosterSigner::Log) {
            return None;
        }
        let seed = crate::seed::derive(self.config.seed, "kt-monitor", &[]);
        crate::messaging::keylog::first_look(
            &seed,
            conv,
            g.from_epoch,
            self.epochs(),
            f64::from(c.kt_monitor_pct) / 100.0,
        )
    }

    /// Binary transparency's detection, in the epoch a rebuilder catches the pushed key's
    /// update (clients roll it back from then on).
    fn bt_detection(&self, epoch: u32, session: u32) -> Option<Detection> {
        let d = self.bt_caught()?;
        let from = self.hooks.escrow_key_override.as_ref()?.0;
        (d == epoch).then(|| Detection {
            control: "binary-transparency".into(),
            epoch,
            detail: format!(
                "session {session}: a rebuilder found that the logged update's escrow key does not \
                 reproduce from source, {} epoch(s) after the push; clients rolled it back",
                d - from
            ),
        })
    }

    /// What the clients' own controls measured in this world, as cell figures:
    /// `pin_rewritten` (1: an escrow key was pushed through the update channel while
    /// clients pin the key in band, so the same update rewrote the pin) and
    /// `bt_delay_epochs` (epochs from the push to a rebuilder catching it).
    pub fn client_figures(&self) -> Vec<(&'static str, f64)> {
        let mut out = Vec::new();
        let c = &self.config.scheme.client;
        if let Some((from, _)) = self.hooks.escrow_key_override.as_ref() {
            if c.pin_escrow_key && self.attachment.active() {
                out.push(("pin_rewritten", 1.0));
            }
            if let Some(d) = self.bt_caught() {
                out.push(("bt_delay_epochs", f64::from(d - from)));
            }
        }
        out
    }

    /// What the clients' own controls that fired in this world rest on, with the
    /// probability and delay the run measured: key transparency against a relay's ghost,
    /// binary transparency against a pushed escrow key. The runner reports them.
    pub fn client_bases(&self) -> Vec<crate::controls::ControlBasis> {
        let mut out = Vec::new();
        let c = &self.config.scheme.client;
        let epochs = self.epochs();
        if let (true, Some((from, _))) = (
            c.binary_transparency,
            self.hooks.escrow_key_override.as_ref(),
        ) {
            let p = f64::from(c.bt_monitor_pct) / 100.0;
            let left = epochs.saturating_sub(*from);
            let model = 1.0 - (1.0 - p).powi(left as i32);
            let caught = self.bt_caught();
            let rests = format!(
                "computed: a rebuilder checks the logged updates with p = {p:.2} per epoch; over the {left} \
                 epoch(s) after the push, 1 − (1 − {p:.2})^{left} = {model:.4}; this run: {}",
                match caught {
                    Some(d) => format!("caught at epoch {d}, {} epoch(s) after the push", d - from),
                    None => "not caught".into(),
                }
            );
            out.push(crate::controls::ControlBasis {
                control: "binary-transparency".into(),
                kind: if c.bt_monitor_pct >= 100 {
                    crate::controls::BasisKind::Assumption
                } else {
                    crate::controls::BasisKind::Measured
                },
                probability: Some(if c.bt_monitor_pct >= 100 { 1.0 } else { model }),
                delay_epochs: caught.map(|d| f64::from(d - from)),
                rests_on: if c.bt_monitor_pct >= 100 {
                    format!("every update is rebuilt in the epoch it ships (bt_monitor_pct = 100): {rests}")
                } else {
                    rests
                },
            });
        }
        if let Some(g) = self.hooks.ghost.as_ref() {
            if c.roster_check && c.roster_signer == crate::config::RosterSigner::Log {
                let p = f64::from(c.kt_monitor_pct) / 100.0;
                let (mut caught, mut delay) = (0usize, 0u32);
                for &conv in &g.conversations {
                    if let Some(d) = self.kt_caught(conv) {
                        caught += 1;
                        delay += d - g.from_epoch;
                    }
                }
                let n = g.conversations.len().max(1);
                let left = epochs.saturating_sub(g.from_epoch);
                let model = 1.0 - (1.0 - p).powi(left as i32);
                out.push(crate::controls::ControlBasis {
                    control: "key-transparency".into(),
                    kind: if c.kt_monitor_pct >= 100 {
                        crate::controls::BasisKind::Assumption
                    } else {
                        crate::controls::BasisKind::Measured
                    },
                    probability: Some(caught as f64 / n as f64),
                    delay_epochs: (caught > 0).then(|| f64::from(delay) / caught as f64),
                    rests_on: format!(
                        "measured: {caught} of {n} ghost key(s) seen by a monitor (kt_monitor_pct = {}; \
                         the model gives 1 − (1 − {p:.2})^{left} = {model:.4} each){}",
                        c.kt_monitor_pct,
                        if c.kt_monitor_pct >= 100 {
                            "; every monitor looks every epoch: an assumption"
                        } else {
                            ""
                        }
                    ),
                });
            }
        }
        out
    }

    /// The honest run's copy of this session, when no hook touches it (with the client
    /// detection a pinned key still records).
    fn reuse_honest(&self, conv: &Conversation, epoch: u32, session: u32) -> Option<SessionOut> {
        let honest = self.honest.as_ref()?;
        let rec = honest.transcript.sessions.get(session as usize)?;
        if rec.header.conv != conv.id || rec.header.epoch != epoch {
            return None;
        }
        if conv
            .members
            .iter()
            .any(|&m| self.rogue_mode(m, conv.id).is_some())
        {
            return None;
        }
        if self
            .hooks
            .ghost
            .as_ref()
            .is_some_and(|g| epoch >= g.from_epoch && g.conversations.contains(&conv.id))
        {
            return None;
        }
        let mut detections = Vec::new();
        if self.attachment.active() {
            if self.pushed_key(epoch).is_some() {
                return None;
            }
            if let Some(d) = self.bt_detection(epoch, session) {
                detections.push(d);
            }
        }
        if rec.messages.end > honest.transcript.envelopes.len() {
            return None;
        }
        let plaintexts = rec
            .messages
            .clone()
            .map(|i| honest.truth.get(i as u64))
            .collect::<Option<Vec<_>>>()?;
        Some(SessionOut {
            record: SessionRecord {
                messages: 0..0,
                ..rec.clone()
            },
            traffic: honest
                .transcript
                .envelopes
                .session_traffic(rec.messages.start)?,
            plaintexts,
            detections,
            rejected: false,
        })
    }

    fn simulate_session(
        &self,
        conv: &Conversation,
        epoch: u32,
        session: u32,
        messages: u32,
    ) -> Result<SessionOut> {
        let s = self.config.seed;
        let mut rng = seed::rng(s, "session", &[session as u64]);
        let sender = *conv
            .members
            .choose(&mut rng)
            .expect("conversations have members");
        let header = SessionHeader {
            session,
            conv: conv.id,
            epoch,
            sender,
            members: conv.members.clone(),
        };
        let session_key = Key32(rng.gen());
        debug_assert_eq!(session_key, session_key_of(s, conv, session));
        if let Some(out) = self.reuse_honest(conv, epoch, session) {
            return Ok(out);
        }
        // What the family has the sender's client attach (session escrow's field).
        // Under per-chain escrow (a chain keying, the per-chain design, an honest sender)
        // the session-level field would open nothing: the attachment only moves the
        // stream as making it would (so the traffic is the same under every protocol).
        let keying = self.config.population.protocol.keying(conv.members.len());
        let seeded =
            self.config.scheme.field.ratchet_escrow == crate::config::scheme::RatchetEscrow::Seed;
        let per_chain = keying != messaging::Keying::HashRatchet
            && !seeded
            && self.rogue_mode(sender, conv.id).is_none();
        let before_attach = rng.clone();
        let attached = self.attachment.attach(
            &Setup {
                header: &header,
                session_key: &session_key,
                rogue: self.rogue_mode(sender, conv.id),
                honest_recipient: conv
                    .members
                    .iter()
                    .any(|&m| m != sender && self.rogue_mode(m, conv.id).is_none()),
                pushed_key: self.pushed_key(epoch),
                // An in-band pin is rewritten by the update that pushes the key.
                pinned: false,
                signer: &IdentitySigner {
                    seed: s,
                    user: sender,
                    verifying: &self.directory[sender as usize],
                },
                sender_identity: &self.directory[sender as usize],
                field_wanted: !per_chain,
            },
            &mut rng,
        )?;
        let mut detections = attached.detections;
        let rejected = attached.rejected;
        // Key deliveries.
        let mut deliveries = Vec::new();
        for &m in conv.members.iter().filter(|&&m| m != sender) {
            let pk = x25519_public(&prekey_secret(s, m, epoch));
            deliveries.push(deliver(
                &session_key,
                &header,
                m,
                &pk,
                seed::derive(s, "eph", &[session as u64, m as u64]),
            ));
        }
        if self.attachment.active() {
            if let Some(d) = self.bt_detection(epoch, session) {
                detections.push(d);
            }
        }
        if let Some(g) = &self.hooks.ghost {
            let client = &self.config.scheme.client;
            let caught = self.kt_caught(conv.id);
            if epoch >= g.from_epoch && g.conversations.contains(&conv.id) {
                if caught == Some(epoch) {
                    detections.push(Detection {
                        control: "key-transparency".into(),
                        epoch,
                        detail: format!("conversation {}: a monitor found a logged key no member added, {} epoch(s) after it was logged; revoked from the next epoch", conv.id, epoch - g.from_epoch),
                    });
                }
                if caught.is_some_and(|d| epoch > d) {
                    // Revoked: the clients no longer find the key in the log.
                } else if client.roster_check
                    && client.roster_signer == crate::config::RosterSigner::User
                {
                    // The sender's client compares the recipients the relay lists with the
                    // signed roster and does not encrypt the session key to the extra key.
                    detections.push(Detection {
                        control: "roster-check".into(),
                        epoch,
                        detail: format!("session {session}: a key outside the signed roster was listed as a member; no key delivered to it"),
                    });
                } else {
                    deliveries.push(deliver(
                        &session_key,
                        &header,
                        GHOST,
                        &g.ghost_public,
                        seed::derive(s, "eph-ghost", &[session as u64]),
                    ));
                    if !g.suppress_notice {
                        detections.push(Detection {
                            control: "join-notice".into(),
                            epoch,
                            detail: format!(
                                "session {session}: clients showed a member-joined notice"
                            ),
                        });
                    }
                }
            }
        }
        // Messages: the relay keeps what replays them (see `Envelopes`); ground truth keeps
        // the digest of each plaintext.
        let prekeys = (keying == messaging::Keying::DoubleRatchet).then(|| {
            let pk = |m: u32| (m, x25519_public(&prekey_secret(s, m, epoch)));
            [pk(conv.members[0]), pk(conv.members[1])]
        });
        // The escrowed-seed design: the ratchet's key pairs and sender keys derive from
        // the session key, which the session's one field escrows.
        let seeded =
            self.config.scheme.field.ratchet_escrow == crate::config::scheme::RatchetEscrow::Seed;
        let traffic = crate::relay::SessionTraffic::keyed(
            &header,
            &self.plan.speakers(&conv.members),
            messages,
            &session_key,
            &rng,
            keying,
            prekeys,
        )
        .with_seeded(seeded);
        let plaintexts = traffic.plaintexts().map(|p| truth::digest(&p)).collect();
        let (mut field, mut chain_fields) = (attached.field, Vec::new());
        if per_chain && field.is_some() {
            // Per-chain escrow: the session key opens no chain, so the client escrows
            // every new sending chain's key, each in its own field bound to the session's
            // header (from a stream of its own, so the traffic is the same under every
            // protocol).
            let mut fields = Vec::new();
            for (i, chain_key) in traffic.chain_keys().iter().enumerate() {
                let again = self.attachment.attach(
                    &Setup {
                        header: &header,
                        session_key: chain_key,
                        rogue: None,
                        honest_recipient: true,
                        pushed_key: self.pushed_key(epoch),
                        pinned: false,
                        signer: &IdentitySigner {
                            seed: s,
                            user: sender,
                            verifying: &self.directory[sender as usize],
                        },
                        sender_identity: &self.directory[sender as usize],
                        field_wanted: true,
                    },
                    &mut seed::rng(s, "chain-field", &[session as u64, i as u64]),
                )?;
                fields.extend(again.field);
            }
            if fields.is_empty() {
                // No chain (a session without messages): the session-level field after all,
                // from the stream as it stood.
                field = self
                    .attachment
                    .attach(
                        &Setup {
                            header: &header,
                            session_key: &session_key,
                            rogue: None,
                            honest_recipient: true,
                            pushed_key: self.pushed_key(epoch),
                            pinned: self.config.scheme.client.pin_escrow_key,
                            signer: &IdentitySigner {
                                seed: s,
                                user: sender,
                                verifying: &self.directory[sender as usize],
                            },
                            sender_identity: &self.directory[sender as usize],
                            field_wanted: true,
                        },
                        &mut before_attach.clone(),
                    )?
                    .field;
            } else {
                field = Some(fields.remove(0));
                chain_fields = fields;
            }
        }
        Ok(SessionOut {
            record: SessionRecord {
                header,
                field,
                deliveries,
                messages: 0..0,
                keying,
                chain_fields,
            },
            traffic,
            plaintexts,
            detections,
            rejected,
        })
    }

    /// Total messages.
    pub fn message_count(&self) -> usize {
        self.transcript.envelopes.len()
    }

    /// Authors of a set of envelopes.
    pub fn authors(&self, ids: &BTreeSet<u64>) -> BTreeSet<u32> {
        ids.iter()
            .filter_map(|id| self.transcript.envelopes.header(*id as usize))
            .map(|h| h.sender)
            .collect()
    }

    /// Users who sent at least one message.
    pub fn active_users(&self) -> BTreeSet<u32> {
        self.transcript
            .envelopes
            .headers()
            .map(|h| h.sender)
            .collect()
    }
}

/// A user's identity key as its device signs with it: the directory already holds the
/// verifying key, so a signature only expands the secret (a hash), and only when one is
/// made, instead of rebuilding the key pair (a base-point multiplication) every session.
/// Its signatures are byte for byte those of [`identity_key`].
pub(crate) struct IdentitySigner<'a> {
    /// The world's seed.
    pub(crate) seed: u64,
    /// The signing user.
    pub(crate) user: u32,
    /// Its verifying key (from the directory).
    pub(crate) verifying: &'a ed25519_dalek::VerifyingKey,
}

impl ed25519_dalek::Signer<ed25519_dalek::Signature> for IdentitySigner<'_> {
    fn try_sign(
        &self,
        msg: &[u8],
    ) -> std::result::Result<ed25519_dalek::Signature, ed25519_dalek::SignatureError> {
        let expanded =
            ed25519_dalek::hazmat::ExpandedSecretKey::from(&identity_secret(self.seed, self.user));
        Ok(ed25519_dalek::hazmat::raw_sign::<sha2::Sha512>(
            &expanded,
            msg,
            self.verifying,
        ))
    }
}

/// A user's identity signing key (derived from the seed; held only by the device).
pub(crate) fn identity_key(seed: u64, user: u32) -> SigningKey {
    SigningKey::from_bytes(&identity_secret(seed, user))
}

/// The secret of a user's identity key, derived from the seed.
fn identity_secret(seed: u64, user: u32) -> [u8; 32] {
    seed::derive(seed, "identity", &[u64::from(user)])
}

/// The session key a sender's device generated (what an implant on that device reads).
pub(crate) fn session_key_of(seed: u64, conv: &Conversation, session: u32) -> Key32 {
    let mut rng = seed::rng(seed, "session", &[session as u64]);
    let _sender = conv.members.choose(&mut rng);
    Key32(rng.gen())
}

/// A user's prekey secret for an epoch (deleted by the device after the epoch).
pub(crate) fn prekey_secret(seed: u64, user: u32, epoch: u32) -> [u8; 32] {
    seed::derive(seed, "prekey", &[user as u64, epoch as u64])
}

#[cfg(test)]
mod identity_signer_tests {
    use super::*;
    use ed25519_dalek::Signer;

    #[test]
    fn the_lazy_signer_signs_exactly_as_the_identity_key() {
        for (seed, user) in [(1u64, 0u32), (7, 3), (u64::MAX, 99)] {
            let key = identity_key(seed, user);
            let verifying = key.verifying_key();
            let lazy = IdentitySigner {
                seed,
                user,
                verifying: &verifying,
            };
            for msg in [&b""[..], b"field", &[0xAB; 300]] {
                assert_eq!(lazy.sign(msg), key.sign(msg));
            }
        }
    }
}
