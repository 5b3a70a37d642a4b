//! Lawful-access mechanisms behind one trait.
//!
//! The messaging world (users, conversations, sessions, hash-ratchet messages, the relay's
//! transcript, ground truth) is common to every mechanism. A [`Mechanism`] says what is
//! attached to it so that a warrant can be served, and which capabilities exist in it: an
//! attack that needs a capability the mechanism does not have is *not applicable*, with the
//! reason, and is never run. Its [`Deployment`] is the mechanism's running state on one
//! world; it answers typed requests, one capability each, and serves warrants.
//!
//! The boundary holds by construction: an attack never holds a deployment. It sends a
//! request through [`AttackCtx::request`](crate::attack::AttackCtx::request), which checks
//! the capability, records its use, and hands the deployment a [`Journal`] the attack never
//! sees. Refusals and notices in it are the mechanism's words; the runner turns them into
//! `blocked_by` and `detected`.
//!
//! Six families are built in ([`builtins`]); a user's own is added with [`register`].

pub mod crumple_zone;
pub mod device_escrow;
pub mod ghost_user;
pub mod hsm_guess_limit;
pub mod public_ledger;
pub mod session_escrow;
pub mod session_flow;

use crate::error::{Error, Result};
use crate::escrow::court::SignedWarrant;
use crate::secret::Key32;
use crate::vocab::MechanismEvent;
use crate::vocab::{Capability, Params};
use crate::world::attachment::{Nothing, SessionAttachment};
use crate::world::{Hooks, World, WorldConfig};
use rand_chacha::ChaCha20Rng;
use std::any::Any;
use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

pub use crate::vocab::family::{MechanismInfo, SESSION_ESCROW};

/// One session of the finished honest world, as a mechanism sees it when it is deployed:
/// its metadata, never its key (what a family gets of the key is what its design has the
/// clients produce: [`Clients`]).
#[derive(Clone, Debug)]
pub struct SessionView {
    /// Session index (as in the transcript).
    pub index: u32,
    /// Conversation id.
    pub conversation: u32,
    /// Epoch.
    pub epoch: u32,
    /// Members, sorted.
    pub members: Vec<u32>,
    /// Who opened the session.
    pub sender: u32,
    /// Messages in it.
    pub messages: usize,
}

impl SessionView {
    /// The session's header, as the relay carries it.
    pub fn header(&self) -> crate::messaging::SessionHeader {
        crate::messaging::SessionHeader {
            session: self.index,
            conv: self.conversation,
            epoch: self.epoch,
            sender: self.sender,
            members: self.members.clone(),
        }
    }
}

/// The messenger's clients, as a family's design has them treat session keys. Each method
/// is one thing a client does with a key it holds (seal it under a key the design
/// provisions, encrypt it to a published key, deliver it to a member, split it) and
/// returns what the client stores or sends; no method returns a key. A family is given
/// session keys only in the form its design has the clients produce: a design that
/// provisions a key it also holds can open what it asked clients to seal, which is that
/// design, stated in code a reviewer reads. Cheap to clone (shared).
#[derive(Clone)]
pub struct Clients {
    keys: std::sync::Arc<Vec<Key32>>,
}

impl std::fmt::Debug for Clients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clients({} sessions)", self.keys.len())
    }
}

impl Clients {
    fn key(&self, session: u32) -> Option<&Key32> {
        self.keys.get(session as usize)
    }
    /// The sender's client seals session `session`'s key under `wrapping` (ChaCha20-Poly1305,
    /// the session index as associated data), as it does for a backup or an escrow store.
    /// `None` for a session that does not exist.
    pub fn seal(&self, session: u32, wrapping: &Key32) -> Option<Vec<u8>> {
        let k = self.key(session)?;
        Some(crate::messaging::seal(
            wrapping,
            &session.to_le_bytes(),
            &k.0,
        ))
    }
    /// The sender's client encrypts session `session`'s key to a published public key (a
    /// threshold key set or a single key) with the backend's encryption, seeded by `seed`.
    ///
    /// # Errors
    /// As the backend's `encrypt`; [`Error::Misuse`] for a session that does not exist.
    pub fn encrypt_to(
        &self,
        backend: &dyn crate::backend::Backend,
        session: u32,
        public: &[u8],
        seed: [u8; 32],
    ) -> Result<Vec<u8>> {
        let k = self
            .key(session)
            .ok_or_else(|| Error::misuse(format!("no session {session}")))?;
        backend.encrypt(public, &k.0, seed)
    }
    /// The sender's client delivers session `header.session`'s key to `member`'s X25519
    /// key `public` (as it does to every member of the roster it was given), with an
    /// ephemeral secret from `eph`. `None` for a session that does not exist.
    pub fn deliver(
        &self,
        header: &crate::messaging::SessionHeader,
        member: u32,
        public: &[u8; 32],
        eph: [u8; 32],
    ) -> Option<crate::messaging::KeyDelivery> {
        let k = self.key(header.session)?;
        Some(crate::messaging::deliver(k, header, member, public, eph))
    }
    /// The sender's client splits session `session`'s key into two XOR shares, `pad` and
    /// the one returned (`key XOR pad`), for a design that hands each to a different party.
    /// `None` for a session that does not exist.
    pub fn xor_share(&self, session: u32, pad: &[u8; 32]) -> Option<[u8; 32]> {
        let k = self.key(session)?;
        let mut out = [0u8; 32];
        for (o, (a, b)) in out.iter_mut().zip(pad.iter().zip(k.0.iter())) {
            *o = a ^ b;
        }
        Some(out)
    }
}

/// The finished honest world, as a mechanism is deployed on it: public facts, session
/// metadata, the clients ([`Clients`]) and, for a family whose design has a lawful-access
/// interface, the warrants the court delivered to it. Never a bare session key, never the
/// docket as a list.
pub struct DeployView<'w> {
    world: &'w World,
    court: Option<std::sync::Arc<crate::escrow::court::Court>>,
    standing: Vec<SignedWarrant>,
}

impl<'w> DeployView<'w> {
    pub(crate) fn new(
        world: &'w World,
        court: Option<std::sync::Arc<crate::escrow::court::Court>>,
        standing: Vec<SignedWarrant>,
    ) -> Self {
        DeployView {
            world,
            court,
            standing,
        }
    }
    /// The whole world (session escrow's deployment is the world itself).
    pub(crate) fn world(&self) -> &World {
        self.world
    }
    /// The scheme.
    pub fn scheme(&self) -> &crate::config::Scheme {
        &self.world.config.scheme
    }
    /// The court (its keys: a mechanism that issues warrants itself, for an officer, signs
    /// with it).
    pub fn court(&self) -> Option<std::sync::Arc<crate::escrow::court::Court>> {
        self.court.clone()
    }
    /// The standing warrants the court has delivered to this family's lawful-access
    /// interface, signed, one per target: given only to a family whose design has such an
    /// interface (it lists `breach_interface`); empty otherwise. A family learns the
    /// docket through the court, never as a list of users.
    pub fn interface_warrants(&self, info: &MechanismInfo) -> Vec<SignedWarrant> {
        if info.has(Capability::BreachInterface) {
            self.standing.clone()
        } else {
            Vec::new()
        }
    }
    /// The standing warrants served on this family over the run, signed (a family whose
    /// design records each service in public, like the ledger, records them at
    /// deployment). A family learns them as the court delivers them, never as a list of
    /// users.
    pub fn served_warrants(&self) -> Vec<SignedWarrant> {
        self.standing.clone()
    }
    /// Users.
    pub fn users(&self) -> u32 {
        self.world.config.population.users
    }
    /// Epochs.
    pub fn epochs(&self) -> u32 {
        self.world.epochs()
    }
    /// The run's seed (derive the mechanism's own randomness from it with [`Self::rng`]).
    pub fn rng(&self, label: &str) -> ChaCha20Rng {
        crate::seed::rng(self.world.config.seed, &format!("mechanism:{label}"), &[])
    }
    /// The threshold backend of the run.
    pub fn backend(&self) -> &'static dyn crate::backend::Backend {
        self.world.backend()
    }
    /// Every session's metadata, in order.
    pub fn sessions(&self) -> Vec<SessionView> {
        self.world
            .transcript
            .sessions
            .iter()
            .map(|rec| {
                let h = &rec.header;
                SessionView {
                    index: h.session,
                    conversation: h.conv,
                    epoch: h.epoch,
                    members: h.members.clone(),
                    sender: h.sender,
                    messages: rec.messages.len(),
                }
            })
            .collect()
    }
    /// The clients that opened the sessions, for what the family's design has them do with
    /// each session key.
    pub fn clients(&self) -> Clients {
        let seed = self.world.config.seed;
        let keys = self
            .world
            .transcript
            .sessions
            .iter()
            .map(|rec| {
                let h = &rec.header;
                self.world
                    .conversations
                    .get(h.conv as usize)
                    .map(|c| crate::world::session_key_of(seed, c, h.session))
                    .unwrap_or(Key32([0; 32]))
            })
            .collect();
        Clients {
            keys: std::sync::Arc::new(keys),
        }
    }
    /// Members of each conversation.
    pub fn conversations(&self) -> Vec<Vec<u32>> {
        self.world
            .conversations
            .iter()
            .map(|c| c.members.clone())
            .collect()
    }
}

/// What a deployment reports while it answers one request or serves one warrant: the
/// mechanism's own words. Attacks never hold one.
#[derive(Debug)]
pub struct Journal {
    capability: Option<Capability>,
    now: u64,
    epoch: u32,
    pub(crate) refusals: Vec<MechanismEvent>,
    pub(crate) notices: Vec<MechanismEvent>,
    pub(crate) work: u64,
    pub(crate) figures: BTreeMap<String, f64>,
    /// What the controls this request fired rest on, when the mechanism measured it.
    pub(crate) bases: BTreeMap<String, crate::controls::ControlBasis>,
    pub(crate) issued: Vec<SignedWarrant>,
    /// The cell the request came from (`None` while serving a warrant).
    pub(crate) cell: Option<crate::vocab::CellId>,
    /// Loot from another context that a request handed in.
    pub(crate) violations: Vec<String>,
}

/// The cell a family's loot was handed out in. A deployment stamps loot it returns with
/// [`Journal::stamp`] and, when the loot comes back in a later request, checks it with
/// [`Journal::owns`]: loot is bound to the cell that made it, as the context's own is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct LootStamp(Option<crate::vocab::CellId>);

impl Journal {
    pub(crate) fn new(capability: Option<Capability>, now: u64, epoch: u32) -> Self {
        Journal {
            capability,
            now,
            epoch,
            refusals: Vec::new(),
            notices: Vec::new(),
            work: 0,
            figures: BTreeMap::new(),
            bases: BTreeMap::new(),
            issued: Vec::new(),
            cell: None,
            violations: Vec::new(),
        }
    }
    /// The same journal for a request from cell `cell`.
    pub(crate) fn in_cell(mut self, cell: crate::vocab::CellId) -> Self {
        self.cell = Some(cell);
        self
    }
    /// The stamp for loot this request hands out.
    pub fn stamp(&self) -> LootStamp {
        LootStamp(self.cell)
    }
    /// Whether loot stamped `stamp` was handed out in this request's cell. When not, the
    /// cell is reported as an error naming `what` (loot laundered from another context).
    pub fn owns(&mut self, stamp: &LootStamp, what: &str) -> bool {
        if stamp.0.is_some() && stamp.0 == self.cell {
            return true;
        }
        let msg = format!(
            "{what} made by another context was handed to this cell's mechanism (loot is bound to the context that made it)"
        );
        crate::vocab::cell::violation(msg.clone());
        if !self.violations.contains(&msg) {
            self.violations.push(msg);
        }
        false
    }
    /// The capability the request uses (`None` while serving a warrant).
    pub fn capability(&self) -> Option<Capability> {
        self.capability
    }
    /// Simulated time of the request.
    pub fn now(&self) -> u64 {
        self.now
    }
    /// The epoch the world is about to simulate (its number of epochs once traffic is over).
    pub fn epoch(&self) -> u32 {
        self.epoch
    }
    /// A control refused or rejected what was asked.
    pub fn refuse(&mut self, control: &str, source: &str, detail: impl Into<String>) {
        push(&mut self.refusals, control, source, detail.into());
    }
    /// A control, a person or a log noticed what was asked.
    pub fn notice(&mut self, control: &str, source: &str, detail: impl Into<String>) {
        push(&mut self.notices, control, source, detail.into());
    }
    /// Work the mechanism made the requester do (guesses checked, hashes evaluated).
    pub fn work(&mut self, n: u64) {
        self.work = self.work.saturating_add(n);
    }
    /// A figure the mechanism measured (devices bricked, ledger entries).
    pub fn figure(&mut self, name: &str, v: f64) {
        *self.figures.entry(name.to_string()).or_insert(0.0) += v;
    }
    /// What a control this mechanism reports rests on, as measured or computed from its
    /// parameters (the probability that it stops the attack, the delay before it notices):
    /// it replaces the control's default basis ([`crate::controls::ControlBasis::builtin`])
    /// in the cell's report. The last one given for a control is kept.
    pub fn rests_on(&mut self, basis: crate::controls::ControlBasis) {
        self.bases.insert(basis.control.clone(), basis);
    }
    /// The court issued `w` in answer to the request (it covers its scope when the runner
    /// counts what was exposed outside any warrant).
    pub fn warrant_issued(&mut self, w: SignedWarrant) {
        self.issued.push(w);
    }
}

fn push(list: &mut Vec<MechanismEvent>, control: &str, source: &str, detail: String) {
    let e = MechanismEvent {
        control: control.into(),
        source: source.into(),
        detail,
    };
    if !list.contains(&e) {
        list.push(e);
    }
}

/// A session key a deployment handed to law enforcement for a warrant.
#[derive(Clone, Debug)]
pub struct Released {
    /// Session index.
    pub session: u32,
    /// Its key.
    pub key: Key32,
}

/// The court key a deployment checks warrants against (the court's pinned public key and
/// the backend that verifies its signatures).
pub struct CourtKey<'a> {
    /// The pinned master public key.
    pub public: &'a [u8],
    /// The backend.
    pub backend: &'static dyn crate::backend::Backend,
}

impl CourtKey<'_> {
    /// Does the court's signature on `w` verify?
    pub fn verifies(&self, w: &SignedWarrant) -> bool {
        crate::escrow::court::verify_warrant(self.backend, self.public, w)
    }
    /// Checks `w`'s signature as `source` does before serving it; a bad one is refused
    /// (`warrant-signature`) in `journal`.
    pub fn admits(&self, w: &SignedWarrant, source: &str, journal: &mut Journal) -> bool {
        if self.verifies(w) {
            return true;
        }
        journal.refuse(
            "warrant-signature",
            source,
            "the warrant's signature does not verify",
        );
        false
    }
}

/// A mechanism's running state on one world.
pub trait Deployment: Clone + Send + Sync + 'static {
    /// What an attack (or a tool) may ask of it.
    type Request: 'static;
    /// What it answers.
    type Response: 'static;
    /// The capability `request` uses (checked against the mechanism's and the attack's
    /// declarations, and recorded, before [`Deployment::handle`] runs).
    fn capability(request: &Self::Request) -> Capability;
    /// One line saying what is asked (for the cost record).
    fn describe(request: &Self::Request) -> String;
    /// Answers one request. Refusals and notices go in `journal`.
    ///
    /// # Errors
    /// [`Error::Misuse`] for a request that names what does not exist.
    fn handle(&mut self, request: Self::Request, journal: &mut Journal) -> Result<Self::Response>;
    /// Serves a court-signed warrant end to end: checks it against `court`, and releases
    /// the session keys it yields (only those the mechanism can reach: none from before a
    /// ghost's insertion, none off a device not seized).
    ///
    /// # Errors
    /// Internal failures only; a refusal goes in `journal` and releases nothing.
    fn serve(
        &mut self,
        warrant: &SignedWarrant,
        court: &CourtKey<'_>,
        journal: &mut Journal,
    ) -> Result<Vec<Released>>;
}

/// A [`Deployment`] with its types erased (what a [`Mechanism`] returns). Implemented for
/// every deployment.
pub trait DynDeployment: Send + Sync {
    /// A copy (each cell works on its own).
    fn clone_box(&self) -> Box<dyn DynDeployment>;
    /// For [`AttackCtx::request`](crate::attack::AttackCtx::request).
    fn as_any_mut(&mut self) -> &mut dyn Any;
    /// [`Deployment::serve`].
    ///
    /// # Errors
    /// As [`Deployment::serve`].
    fn serve_dyn(
        &mut self,
        warrant: &SignedWarrant,
        court: &CourtKey<'_>,
        journal: &mut Journal,
    ) -> Result<Vec<Released>>;
}

impl<D: Deployment> DynDeployment for D {
    fn clone_box(&self) -> Box<dyn DynDeployment> {
        Box::new(self.clone())
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn serve_dyn(
        &mut self,
        warrant: &SignedWarrant,
        court: &CourtKey<'_>,
        journal: &mut Journal,
    ) -> Result<Vec<Released>> {
        self.serve(warrant, court, journal)
    }
}

impl Clone for Box<dyn DynDeployment> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// A lawful-access mechanism family.
pub trait Mechanism: Send + Sync {
    /// What it is.
    fn info(&self) -> &'static MechanismInfo;
    /// Deploys it on a finished honest world, with the scheme's resolved parameters.
    ///
    /// # Errors
    /// Key generation failures.
    fn deploy(&self, world: &DeployView<'_>, params: &Params) -> Result<Box<dyn DynDeployment>>;
    /// What the family has the sender's client attach to every session while the traffic
    /// is produced, with its epoch boundary (session escrow's field, keys, agents and
    /// court); `None`, the default, for a family that attaches nothing and acts only on the
    /// finished world. `hooks` are the attacker's changes in force (a dealer that keeps
    /// copies), which only the built-in families can read.
    ///
    /// # Errors
    /// Key generation failures.
    fn attachment(
        &self,
        config: &WorldConfig,
        hooks: &Hooks,
    ) -> Result<Option<Box<dyn SessionAttachment>>> {
        let _ = (config, hooks);
        Ok(None)
    }
}

/// Builds the world of `config` before any traffic, with the attacker's `hooks` in force
/// and what the scheme's mechanism has clients attach to every session.
///
/// # Errors
/// As [`of_scheme`], the mechanism's [`Mechanism::attachment`] and the population's
/// validation.
pub(crate) fn new_world(config: WorldConfig, hooks: Hooks) -> Result<World> {
    let mechanism = of_scheme(&config.scheme)?;
    let attachment: Box<dyn SessionAttachment> = match mechanism.attachment(&config, &hooks)? {
        Some(a) => a,
        None => Box::new(Nothing),
    };
    World::new(config, hooks, attachment)
}

/// Builds and runs the honest world of `config` to the end of its last epoch.
///
/// # Errors
/// As [`new_world`] and the world's epochs.
pub(crate) fn run_world(config: WorldConfig) -> Result<World> {
    let mut w = new_world(config, Hooks::default())?;
    w.run_to_end()?;
    Ok(w)
}

fn registered() -> &'static Mutex<Vec<&'static dyn Mechanism>> {
    static R: OnceLock<Mutex<Vec<&'static dyn Mechanism>>> = OnceLock::new();
    R.get_or_init(|| Mutex::new(Vec::new()))
}

/// The built-in families, in the order of the debate.
pub fn builtins() -> Vec<&'static dyn Mechanism> {
    vec![
        &session_escrow::SessionEscrow,
        &ghost_user::GhostUser,
        &device_escrow::DeviceEscrow,
        &hsm_guess_limit::HsmGuessLimit,
        &crumple_zone::CrumpleZone,
        &public_ledger::PublicLedger,
    ]
}

/// Adds a user's own mechanism (before schemes naming its family are loaded).
///
/// # Errors
/// [`Error::Misuse`] when a mechanism of that family is already known, or the id is not
/// `[a-z0-9-]+`.
pub fn register(m: &'static dyn Mechanism) -> Result<()> {
    crate::vocab::cell::refuse_inside("mechanism::register")?;
    let id = m.info().family;
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(Error::misuse(format!(
            "mechanism family {id:?} is not [a-z0-9-]+"
        )));
    }
    if find(id).is_some() {
        return Err(Error::misuse(format!(
            "a mechanism of family `{id}` is already known"
        )));
    }
    registered()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(m);
    crate::vocab::family::record(m.info());
    Ok(())
}

/// Every known family: built-ins, then registered ones.
pub fn all() -> Vec<&'static dyn Mechanism> {
    let mut v = builtins();
    v.extend(
        registered()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .copied(),
    );
    v
}

/// The mechanism of family `id`.
pub fn find(id: &str) -> Option<&'static dyn Mechanism> {
    all().into_iter().find(|m| m.info().family == id)
}

/// The mechanism a scheme uses (session escrow when it names none).
///
/// # Errors
/// [`Error::Input`] for a family nobody registered.
pub fn of_scheme(scheme: &crate::config::Scheme) -> Result<&'static dyn Mechanism> {
    let id = scheme.family();
    find(id).ok_or_else(|| {
        Error::input(format!(
            "scheme `{}` uses mechanism family `{}`, which is not known (known: {})",
            scheme.name,
            crate::text::echo(id),
            all()
                .iter()
                .map(|m| m.info().family)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

/// The scheme's `[mechanism.params]`, resolved against its family's declarations.
///
/// # Errors
/// [`Error::Input`] for an unknown family, parameter or value.
pub fn params_of(scheme: &crate::config::Scheme) -> Result<Params> {
    let m = of_scheme(scheme)?;
    let empty = BTreeMap::new();
    let given = scheme.mechanism.as_ref().map_or(&empty, |s| &s.params);
    Params::resolve(m.info().family, m.info().params, given)
}

/// Derives a 32-byte key from `parts` (SHA-256 over length-prefixed parts, domain `label`).
pub(crate) fn kdf(label: &str, parts: &[&[u8]]) -> Key32 {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update((label.len() as u64).to_le_bytes());
    h.update(label.as_bytes());
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    Key32(h.finalize().into())
}

/// Most standing warrants a world's docket holds.
pub const MAX_DOCKET: usize = 100;

/// The standing docket's targets: one in fifty of the users who sent a message (at least
/// one, at most [`MAX_DOCKET`]), chosen from the seed.
pub(crate) fn standing_targets(world: &World) -> Vec<u32> {
    use rand::seq::SliceRandom;
    let active: Vec<u32> = world.active_users().into_iter().collect();
    if active.is_empty() {
        return Vec::new();
    }
    let n = (active.len() / 50).clamp(1, MAX_DOCKET);
    let mut rng = crate::seed::rng(world.config.seed, "standing-docket", &[]);
    let mut t: Vec<u32> = active.choose_multiple(&mut rng, n).copied().collect();
    t.sort_unstable();
    t
}

/// Signs one standing warrant per target over every epoch.
///
/// # Errors
/// Signing failures.
pub(crate) fn standing_docket(
    backend: &dyn crate::backend::Backend,
    court: &crate::escrow::court::Court,
    targets: &[u32],
    epochs: u32,
    use_limit: u32,
) -> Result<Vec<SignedWarrant>> {
    use rayon::prelude::*;
    let judges: Vec<usize> = (0..court.k).collect();
    // Each warrant is signed independently (threshold signatures with every share
    // checked): on every core, collected in target order.
    targets
        .par_iter()
        .map(|&t| {
            let nonce = kdf("standing-warrant", &[&t.to_le_bytes()]).0;
            let w = crate::escrow::court::Warrant {
                case_id: format!("standing-{t}"),
                targets: vec![t],
                from_epoch: 0,
                to_epoch: epochs.saturating_sub(1),
                issued: 0,
                expires: u64::from(epochs) * crate::world::TICKS_PER_EPOCH,
                nonce: nonce[..16].try_into().unwrap_or([0; 16]),
                use_limit,
            };
            court.issue(backend, w, &judges)
        })
        .collect()
}
