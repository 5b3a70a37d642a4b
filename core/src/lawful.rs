//! The lawful-access flow, end to end: a court issues a scoped warrant, law enforcement
//! asks every agent for shares, combines, and reads exactly the warranted traffic. Also
//! the requests agents must refuse (out of scope, expired, replayed).

use crate::attack::context::BaseWorlds;
use crate::error::Result;
use crate::escrow::agent::ItemOutcome;
use crate::escrow::audit;
use crate::escrow::court::Warrant;
pub use crate::escrow::standalone::AgentState;
use crate::mechanism::{CourtKey, Journal, Mechanism};
use crate::relay::read_session;
use crate::seed;
use crate::world::{World, WorldConfig, TICKS_PER_EPOCH};
use rand::seq::SliceRandom;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

// Session escrow's flow lives with its mechanism; its public items keep their old paths.
#[allow(unused_imports)]
pub(crate) use crate::mechanism::session_flow::{
    build_request, combine_and_read, combine_keys, issue_warrant, messages_of, sessions_in_scope,
    submit_to,
};
pub use crate::mechanism::session_flow::{ReadOutcome, WARRANT_VALIDITY};

/// One refused (or wrongly granted) probe request.
#[derive(Debug, Clone, Serialize)]
pub struct Probe {
    /// `out-of-scope`, `expired` or `replayed`.
    pub kind: String,
    /// Agents that refused it.
    pub refused_by: usize,
    /// Agents that released shares.
    pub granted_by: usize,
    /// The controls that fired.
    pub controls: Vec<String>,
    /// Messages law enforcement could read with what was released.
    pub messages_read: usize,
}

/// The outcome of a lawful-access demonstration (`escrowlab lawful-access --json`).
#[derive(Debug, Clone, Serialize)]
pub struct LawfulReport {
    /// Scheme name.
    pub scheme: String,
    /// Backend.
    pub backend: String,
    /// Seed.
    pub seed: u64,
    /// Users.
    pub users: u32,
    /// Epochs.
    pub epochs: u32,
    /// Messages in the world.
    pub messages_total: usize,
    /// The warrant's target.
    pub target: Option<u32>,
    /// The warrant's window (inclusive epochs).
    pub window: Option<[u32; 2]>,
    /// Messages the warrant covers.
    pub in_scope_messages: usize,
    /// Of those, decrypted and confirmed against ground truth.
    pub in_scope_decrypted: usize,
    /// Messages outside the warrant that law enforcement decrypted (confirmed).
    pub out_of_scope_decrypted: usize,
    /// Agent answers that refused a request entirely.
    pub refused_requests: usize,
    /// The probe requests and what the agents did with them.
    pub probes: Vec<Probe>,
    /// Agents whose share the combiner rejected.
    pub rejected_share_agents: Vec<usize>,
    /// Audit entries over all agents.
    pub audit_entries: usize,
    /// Did every audit log verify (against the witness when witnessed)?
    pub audit_verified: bool,
    /// Why law enforcement reads nothing, when it does not.
    pub note: Option<String>,
    /// The mechanism family.
    pub family: String,
    /// What lawful access can read under this family (counted accordingly: a ghost reads
    /// only what is sent after its insertion, device escrow only seized phones).
    pub reads: String,
    /// What the mechanism measured while serving the warrant (devices bricked, hash
    /// evaluations, ledger records).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub mechanism_figures: BTreeMap<String, f64>,
    /// What the mechanism noticed while serving it (the target's notice of a bricked
    /// phone, a roster check).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<crate::vocab::MechanismEvent>,
    /// What it refused.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refusals: Vec<crate::vocab::MechanismEvent>,
    /// Lawful access in both kinds, with its cost: [`KIND_TARGETS`] targets chosen from the
    /// seed, each served a prospective and a retrospective warrant (as `compare` serves
    /// them), on the finished world before the demonstration's own warrant and probes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kinds: Option<Kinds>,
}

impl LawfulReport {
    /// A report of nothing read yet, for `world` built from `config` under `info`'s family.
    pub(crate) fn empty(
        config: &WorldConfig,
        world: &World,
        info: &crate::mechanism::MechanismInfo,
    ) -> LawfulReport {
        LawfulReport {
            scheme: config.scheme.name.clone(),
            backend: config.backend.name().into(),
            seed: config.seed,
            users: config.population.users,
            epochs: world.epochs(),
            messages_total: world.message_count(),
            target: None,
            window: None,
            in_scope_messages: 0,
            in_scope_decrypted: 0,
            out_of_scope_decrypted: 0,
            refused_requests: 0,
            probes: Vec::new(),
            rejected_share_agents: Vec::new(),
            audit_entries: 0,
            audit_verified: true,
            note: None,
            family: info.family.into(),
            reads: info
                .lawful_scope
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            mechanism_figures: BTreeMap::new(),
            notices: Vec::new(),
            refusals: Vec::new(),
            kinds: None,
        }
    }
}

/// Runs the demonstration on a fresh world.
///
/// # Errors
/// World construction errors.
pub fn demonstrate(config: WorldConfig) -> Result<LawfulReport> {
    demonstrate_with(config, true)
}

/// [`demonstrate`], with both kinds of warrant (`kinds`, the costliest part: 2 ×
/// [`KIND_TARGETS`] warrants served) only when `with_kinds`. Every other figure of the
/// report is the same either way: the kinds are served on the world before the
/// demonstration's own warrant and leave it unchanged. The labs' answer keys read none of
/// the kinds.
///
/// # Errors
/// As [`demonstrate`].
pub(crate) fn demonstrate_with(config: WorldConfig, with_kinds: bool) -> Result<LawfulReport> {
    if config.scheme.family() != crate::mechanism::SESSION_ESCROW {
        return demonstrate_through_mechanism_with(config, with_kinds);
    }
    demonstrate_session(config, with_kinds, Route::InProcess)
}

/// The answers of a deployment's agents to one request's bytes: `(agent, outcome per
/// item)` for every agent that answered (an agent that is down, or whose answer did not
/// decode, is left out).
pub type RemoteSubmit<'a> = &'a mut dyn FnMut(&[u8]) -> Vec<(usize, Vec<ItemOutcome>)>;

/// Where the flow's requests go.
enum Route<'a> {
    /// To the world's own agents, at the time the flow gives.
    InProcess,
    /// To a deployment's agents, over their wire; their clocks are their own
    /// ([`AgentState::now`]).
    Remote(RemoteSubmit<'a>),
}

impl Route<'_> {
    fn submit(
        &mut self,
        world: &mut World,
        agents: &[usize],
        bytes: &[u8],
        now: u64,
    ) -> Vec<crate::escrow::agent::ShareResponse> {
        match self {
            Route::InProcess => submit_to(world, agents, bytes, now),
            Route::Remote(f) => f(bytes)
                .into_iter()
                .filter(|(a, _)| agents.contains(a))
                .map(|(agent, items)| crate::escrow::agent::ShareResponse {
                    cell: None,
                    agent,
                    items,
                })
                .collect(),
        }
    }
}

/// Deals a deployment: builds the world of `config` (session escrow only) and returns every
/// agent's state ([`AgentState`]: its vault, checks, the pinned court key, directory,
/// registry and clock), for `escrowlab cluster up` to write into each agent's own state
/// directory. The same `config` rebuilds the same world on the client
/// ([`demonstrate_remote`]).
///
/// # Errors
/// A scheme of another family or without custody ([`crate::Error::Input`]); world
/// construction errors.
pub fn deal(config: WorldConfig) -> Result<Vec<AgentState>> {
    if config.scheme.family() != crate::mechanism::SESSION_ESCROW {
        return Err(crate::Error::input(format!(
            "scheme `{}` is of the `{}` family: only session escrow's agents can be deployed",
            config.scheme.name,
            config.scheme.family()
        )));
    }
    admit(&config)?;
    let world = crate::mechanism::run_world(config.clone())?;
    let states = AgentState::of_world(&world);
    if states.is_empty() {
        return Err(crate::Error::input(format!(
            "scheme `{}` escrows nothing: there is no agent to deploy",
            config.scheme.name
        )));
    }
    Ok(states)
}

/// [`demonstrate`] against a deployment: the same world rebuilt from `config`, the same
/// warrant and probes, each request's bytes handed to `submit` (which sends them to every
/// agent and returns the answers). Differences from the in-process flow: the `expired`
/// probe carries a warrant that expired before the agents' clock (they read their own
/// clock, fixed when dealt), and `audit_entries`/`audit_verified` are left for the caller
/// to read from the agents' own logs. No `kinds`.
///
/// # Errors
/// As [`demonstrate`].
pub fn demonstrate_remote(config: WorldConfig, submit: RemoteSubmit<'_>) -> Result<LawfulReport> {
    if config.scheme.family() != crate::mechanism::SESSION_ESCROW {
        return Err(crate::Error::input(format!(
            "scheme `{}` is not session escrow: no deployment to ask",
            config.scheme.name
        )));
    }
    demonstrate_session(config, false, Route::Remote(submit))
}

fn demonstrate_session(
    config: WorldConfig,
    with_kinds: bool,
    mut route: Route<'_>,
) -> Result<LawfulReport> {
    let remote = matches!(route, Route::Remote(_));
    // One warrant for one target, and the probes the agents must refuse.
    admit(&config)?;
    let mut world = crate::mechanism::run_world(config.clone())?;
    crate::progress::stage(
        "lawful-access (warrant and probes)",
        crate::progress::Unit::None,
        0,
    );
    let scheme = &config.scheme;
    let epochs = world.epochs();
    let mut report = LawfulReport::empty(
        &config,
        &world,
        crate::mechanism::session_escrow::SessionEscrow.info(),
    );
    if with_kinds {
        report.kinds = Some(kinds_of(
            &world,
            None,
            None,
            crate::mechanism::SESSION_ESCROW,
        ));
    }
    // Target and window, from the seed.
    let mut rng = seed::rng(config.seed, "lawful-target", &[]);
    let candidates: Vec<u32> = world.active_users().into_iter().collect();
    let Some(&target) = candidates.choose(&mut rng) else {
        report.note = Some("no user sent any message".into());
        return Ok(report);
    };
    let span = if scheme.custody.lifetime == crate::config::scheme::Lifetime::Epoch {
        scheme.custody.retention.max(1)
    } else {
        2
    };
    let window = [epochs.saturating_sub(span), epochs - 1];
    report.target = Some(target);
    report.window = Some(window);
    let now = world.now;
    let nonce = |label: u64| -> [u8; 16] {
        seed::derive(config.seed, "nonce", &[label])[..16]
            .try_into()
            .unwrap_or([0; 16])
    };
    let warrant = Warrant {
        case_id: format!("case-{}-1", config.seed),
        targets: vec![target],
        from_epoch: window[0],
        to_epoch: window[1],
        issued: now,
        expires: now + WARRANT_VALIDITY,
        nonce: nonce(1),
        use_limit: scheme.warrant.use_limit,
    };
    let in_scope = sessions_in_scope(&world, &warrant);
    let in_scope_ids = messages_of(&world, &in_scope);
    report.in_scope_messages = in_scope_ids.len();
    if !world.escrow().has_escrow() {
        report.note = Some(format!(
            "scheme `{}` escrows nothing: there is no escrow key, no agent and no court, so law enforcement can read none of the {} warranted messages",
            scheme.name, report.in_scope_messages
        ));
        return Ok(report);
    }
    let signed = issue_warrant(&world, warrant.clone())?;
    let all: Vec<usize> = (0..world.escrow().n).collect();
    let first = build_request(&world, &signed, &in_scope, "law-enforcement", nonce(11));
    let responses = route.submit(&mut world, &all, &first, now + 1);
    report.refused_requests += responses
        .iter()
        .filter(|r| r.items.iter().all(|o| o.is_err()))
        .count();
    let read = combine_and_read(&world, &in_scope, &responses);
    let mut decrypted: BTreeSet<u64> = world
        .truth()
        .confirm(read.plaintexts.iter().map(|(id, pt)| (*id, pt.as_slice())));
    report.rejected_share_agents = read.rejected_agents.iter().copied().collect();

    // Probes the agents must refuse.
    let outside: Vec<u32> = world
        .transcript
        .sessions
        .iter()
        .filter(|s| {
            !s.header.members.contains(&target) && (window[0]..=window[1]).contains(&s.header.epoch)
        })
        .map(|s| s.header.session)
        .take(3)
        .collect();
    let probes: Vec<(&str, Vec<u8>, Vec<u32>, u64)> = vec![
        (
            "out-of-scope",
            {
                let mut w3 = warrant.clone();
                w3.case_id = format!("case-{}-3", config.seed);
                w3.nonce = nonce(3);
                let s3 = issue_warrant(&world, w3)?;
                build_request(&world, &s3, &outside, "law-enforcement", nonce(12))
            },
            outside.clone(),
            now + 2,
        ),
        (
            "expired",
            {
                let mut w2 = warrant.clone();
                w2.case_id = format!("case-{}-2", config.seed);
                w2.nonce = nonce(2);
                if remote {
                    // The agents' clock is their own: a warrant that expired before it.
                    w2.issued = now.saturating_sub(WARRANT_VALIDITY + TICKS_PER_EPOCH);
                    w2.expires = now.saturating_sub(TICKS_PER_EPOCH);
                }
                let s2 = issue_warrant(&world, w2)?;
                build_request(&world, &s2, &in_scope, "law-enforcement", nonce(13))
            },
            in_scope.clone(),
            now + WARRANT_VALIDITY + TICKS_PER_EPOCH,
        ),
        ("replayed", first.clone(), in_scope.clone(), now + 3),
    ];
    for (kind, bytes, sessions, at) in probes {
        let rs = route.submit(&mut world, &all, &bytes, at);
        let refused = rs
            .iter()
            .filter(|r| r.items.iter().all(|o| o.is_err()))
            .count();
        let mut controls: Vec<String> = rs
            .iter()
            .flat_map(|r| {
                r.items
                    .iter()
                    .filter_map(|o| o.as_ref().err().map(|e| e.control.clone()))
            })
            .collect();
        controls.sort();
        controls.dedup();
        let got = combine_and_read(&world, &sessions, &rs);
        let confirmed = world
            .truth()
            .confirm(got.plaintexts.iter().map(|(id, pt)| (*id, pt.as_slice())));
        decrypted.extend(confirmed.iter().copied());
        report.refused_requests += refused;
        report.probes.push(Probe {
            kind: kind.into(),
            refused_by: refused,
            granted_by: rs.len() - refused,
            controls,
            messages_read: confirmed.len(),
        });
    }
    report.in_scope_decrypted = decrypted.intersection(&in_scope_ids).count();
    report.out_of_scope_decrypted = decrypted.difference(&in_scope_ids).count();
    report.audit_entries = world.escrow().agents.iter().map(|a| a.audit.len()).sum();
    let witness = (world.escrow().audit_mode == crate::config::scheme::AuditMode::Witnessed)
        .then_some(&world.escrow().witness);
    report.audit_verified = world
        .escrow()
        .agents
        .iter()
        .all(|a| audit::verify(&a.audit, witness).is_ok());
    Ok(report)
}

/// The budget check and the progress stage both demonstrations start with.
fn admit(config: &WorldConfig) -> Result<()> {
    // The demonstration's warrant and probes, and both kinds for `KIND_TARGETS` targets.
    config
        .cost()
        .lawful(2.0 + 2.0 * KIND_TARGETS as f64)
        .within_budget(
            &format!("lawful access under {}", config.scheme.name),
            crate::budget::LOWER_WORLD,
        )?;
    crate::progress::stage(
        "lawful-access (simulating)",
        crate::progress::Unit::Epochs,
        u64::from(config.population.epochs),
    );
    Ok(())
}

/// Runs the demonstration for a family scheme.
///
/// # Errors
/// World construction and deployment errors.
pub fn demonstrate_through_mechanism(config: WorldConfig) -> Result<LawfulReport> {
    demonstrate_through_mechanism_with(config, true)
}

fn demonstrate_through_mechanism_with(
    config: WorldConfig,
    with_kinds: bool,
) -> Result<LawfulReport> {
    admit(&config)?;
    let base = BaseWorlds::build(config.clone())?;
    crate::progress::stage(
        "lawful-access (serving the warrant)",
        crate::progress::Unit::None,
        0,
    );
    let info = base.mechanism().info();
    let world = base.finished();
    let epochs = world.epochs();
    let mut report = LawfulReport::empty(&config, world, info);
    if with_kinds {
        report.kinds = Some(kinds_of(
            world,
            base.deployment(),
            base.family_court(),
            info.family,
        ));
    }
    let mut rng = seed::rng(config.seed, "lawful-target", &[]);
    let candidates: Vec<u32> = world.active_users().into_iter().collect();
    let Some(&target) = candidates.choose(&mut rng) else {
        report.note = Some("no user sent any message".into());
        return Ok(report);
    };
    // The same window as session escrow's own flow: the last epochs whose keys are kept.
    let span = if config.scheme.custody.lifetime == crate::config::scheme::Lifetime::Epoch {
        config.scheme.custody.retention.max(1)
    } else {
        2
    };
    let window = [epochs.saturating_sub(span), epochs.saturating_sub(1)];
    report.target = Some(target);
    report.window = Some(window);
    let Some(court) = base.family_court().or(world.escrow().court.as_ref()) else {
        report.note = Some(format!(
            "scheme `{}` has no court: there is no lawful access to serve",
            config.scheme.name
        ));
        return Ok(report);
    };
    let backend = world.backend();
    let now = world.now;
    let warrant = Warrant {
        case_id: format!("case-{}-1", config.seed),
        targets: vec![target],
        from_epoch: window[0],
        to_epoch: window[1],
        // Issued when its window opens (a prospective warrant: a ghost is inserted then),
        // executed when the window has closed (a phone seized then holds all of it).
        issued: u64::from(window[0]) * crate::world::TICKS_PER_EPOCH,
        expires: now + WARRANT_VALIDITY,
        nonce: seed::derive(config.seed, "nonce", &[1])[..16]
            .try_into()
            .unwrap_or([0; 16]),
        use_limit: config.scheme.warrant.use_limit,
    };
    let judges: Vec<usize> = (0..court.k).collect();
    let signed = court.issue(backend, warrant.clone(), &judges)?;
    let mut deployment = match base.deployment() {
        Some(d) => d.clone_box(),
        // Session escrow's deployment is the world itself: made when asked for.
        None => base.mechanism().deploy(
            &crate::mechanism::DeployView::new(world, None, Vec::new()),
            &crate::mechanism::params_of(&config.scheme)?,
        )?,
    };
    let mut journal = Journal::new(None, now, epochs);
    let released = deployment.serve_dyn(
        &signed,
        &CourtKey {
            public: &court.master_public,
            backend,
        },
        &mut journal,
    )?;
    // Read what was released, confirm it, and split it by the warrant's scope.
    let transcript = &world.transcript;
    let mut in_scope_ids = BTreeSet::new();
    for rec in transcript.sessions.iter() {
        if warrant.covers(rec.header.epoch, &rec.header.members) {
            in_scope_ids.extend(rec.messages.clone().map(|i| i as u64));
        }
    }
    report.in_scope_messages = in_scope_ids.len();
    let mut claims = Vec::new();
    for r in &released {
        claims.extend(read_session(transcript, r.session, &r.key));
    }
    let decrypted = world
        .truth()
        .confirm(claims.iter().map(|(id, pt)| (*id, pt.as_slice())));
    report.in_scope_decrypted = decrypted.intersection(&in_scope_ids).count();
    report.out_of_scope_decrypted = decrypted.difference(&in_scope_ids).count();
    report.mechanism_figures = journal.figures.clone();
    if journal.work > 0 {
        report
            .mechanism_figures
            .insert("work".into(), journal.work as f64);
    }
    report.notices = journal.notices;
    report.refusals = journal.refusals;
    report.refused_requests = usize::from(released.is_empty() && !report.refusals.is_empty());
    if report.in_scope_decrypted < report.in_scope_messages && !report.refusals.is_empty() {
        let controls: std::collections::BTreeSet<&str> =
            report.refusals.iter().map(|e| e.control.as_str()).collect();
        report.note = Some(format!(
            "{} of {} warranted messages read: refused by {}",
            report.in_scope_decrypted,
            report.in_scope_messages,
            controls.into_iter().collect::<Vec<_>>().join(", ")
        ));
    } else if report.in_scope_decrypted < report.in_scope_messages {
        report.note = Some(format!(
            "{} of {} warranted messages read: under {} lawful access reads {}",
            report.in_scope_decrypted, report.in_scope_messages, info.family, info.lawful_scope
        ));
    }
    Ok(report)
}

// ----- the two kinds of warrant, served the same way to every family -----

/// Warrant targets `lawful-access` serves in each kind (as `compare` does by default).
pub const KIND_TARGETS: usize = 5;

/// What the HSM family's lawful path assumes.
pub const HSM_ASSUMPTION: &str = "assumes compelled disclosure: every target discloses its \
    passcode under the order (the mechanism keeps none it could use otherwise); the utility \
    is conditional on that";

/// What lawful access assumes under `family`, when it assumes anything beyond the
/// mechanism.
pub fn assumption_of(family: &str) -> Option<&'static str> {
    (family == "hsm-guess-limit").then_some(HSM_ASSUMPTION)
}

/// The two kinds of warrant every family is served.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WarrantKind {
    /// Issued at the start of epoch `epochs / 2`, covering it to the last.
    Prospective,
    /// Issued at the end of the run, covering every epoch.
    Retrospective,
}

impl WarrantKind {
    /// The first epoch a warrant of this kind covers in a run of `epochs`.
    pub fn from_epoch(self, epochs: u32) -> u32 {
        match self {
            WarrantKind::Prospective => epochs / 2,
            WarrantKind::Retrospective => 0,
        }
    }
    /// When it is issued in a run of `epochs` that ended at `now`.
    pub fn issued(self, epochs: u32, now: u64) -> u64 {
        match self {
            WarrantKind::Prospective => u64::from(epochs / 2) * TICKS_PER_EPOCH,
            WarrantKind::Retrospective => now,
        }
    }
}

/// Lawful access of one kind in one world: what the warrants covered, what was read, and
/// what serving them cost.
#[derive(Clone, Debug, Default, Serialize, serde::Deserialize, PartialEq, schemars::JsonSchema)]
pub struct LawfulOnce {
    /// Messages the warrants cover.
    pub warranted: usize,
    /// Of those, read and confirmed against ground truth.
    pub read: usize,
    /// What serving cost, as the mechanism measured it (devices taken, hash evaluations as
    /// `work`, passcodes disclosed, taps, ledger records; agent requests under session
    /// escrow), summed over the warrants.
    pub cost: BTreeMap<String, f64>,
}

impl LawfulOnce {
    /// `read / warranted` (0 when nothing was warranted).
    pub fn fraction(&self) -> f64 {
        if self.warranted == 0 {
            0.0
        } else {
            self.read as f64 / self.warranted as f64
        }
    }
}

/// `n` active users of `world` chosen from its seed under `label` (the same for every
/// scheme of the same population and seed), sorted when `sorted`.
pub fn choose_targets(world: &World, n: usize, label: &str, sorted: bool) -> Vec<u32> {
    let mut rng = seed::rng(world.config.seed, &format!("{label}-targets"), &[]);
    let users: Vec<u32> = world.active_users().into_iter().collect();
    let mut chosen: Vec<u32> = users
        .choose_multiple(&mut rng, n.min(users.len()))
        .copied()
        .collect();
    if sorted {
        chosen.sort_unstable();
    }
    chosen
}

/// Serves one warrant of `kind` per target on the finished `world`, one after the other,
/// and measures what was read (confirmed against ground truth) and what it cost. Every
/// warrant is executed at the end of the run; a family other than session escrow serves
/// it through a copy of its `deployment`, signed by its `court` (a ghost is inserted
/// when its warrant is issued, so only a prospective one reads anything under the ghost
/// user); under session escrow law enforcement asks every agent, on one copy of the world
/// for all the warrants. `label` names the cases, nonces and requester.
pub fn serve_kind(
    world: &World,
    deployment: Option<&dyn crate::mechanism::DynDeployment>,
    court: Option<&crate::escrow::court::Court>,
    targets: &[u32],
    kind: WarrantKind,
    label: &str,
) -> LawfulOnce {
    let epochs = world.epochs();
    let mut out = LawfulOnce::default();
    let mut warranted = BTreeSet::new();
    let mut read = BTreeSet::new();
    let mut deployment = deployment.map(|d| d.clone_box());
    let mut escrow_world: Option<World> = None;
    for (i, &t) in targets.iter().enumerate() {
        let w = Warrant {
            case_id: format!("{label}-{i}"),
            targets: vec![t],
            from_epoch: kind.from_epoch(epochs),
            to_epoch: epochs.saturating_sub(1),
            issued: kind.issued(epochs, world.now),
            expires: world.now + WARRANT_VALIDITY,
            nonce: seed::derive(world.config.seed, &format!("{label}-nonce"), &[i as u64])[..16]
                .try_into()
                .unwrap_or([0; 16]),
            use_limit: 0,
        };
        let sessions = sessions_in_scope(world, &w);
        warranted.extend(messages_of(world, &sessions));
        if let Some(d) = deployment.as_mut() {
            let Some(court) = court else {
                continue;
            };
            let b = world.backend();
            let judges: Vec<usize> = (0..court.k).collect();
            let Ok(signed) = court.issue(b, w, &judges) else {
                continue;
            };
            let mut journal = Journal::new(None, world.now, epochs);
            let key = CourtKey {
                public: &court.master_public,
                backend: b,
            };
            let Ok(released) = d.serve_dyn(&signed, &key, &mut journal) else {
                continue;
            };
            for (k, v) in &journal.figures {
                *out.cost.entry(k.clone()).or_insert(0.0) += v;
            }
            if journal.work > 0 {
                *out.cost.entry("work".into()).or_insert(0.0) += journal.work as f64;
            }
            let mut claims = Vec::new();
            for r in &released {
                claims.extend(read_session(&world.transcript, r.session, &r.key));
            }
            read.extend(
                world
                    .truth()
                    .confirm(claims.iter().map(|(id, pt)| (*id, pt.as_slice()))),
            );
            continue;
        }
        // Session escrow: law enforcement asks every agent (none under plain E2E).
        if world.escrow().n == 0 {
            continue;
        }
        let ew = escrow_world.get_or_insert_with(|| world.clone());
        let Ok(signed) = issue_warrant(ew, w) else {
            continue;
        };
        let bytes = build_request(ew, &signed, &sessions, label, signed.warrant.nonce);
        let all: Vec<usize> = (0..ew.escrow().n).collect();
        *out.cost.entry("agent_requests".into()).or_insert(0.0) += all.len() as f64;
        let now = ew.now + 1;
        let rs = submit_to(ew, &all, &bytes, now);
        let got = combine_and_read(ew, &sessions, &rs);
        read.extend(
            ew.truth()
                .confirm(got.plaintexts.iter().map(|(id, pt)| (*id, pt.as_slice()))),
        );
    }
    out.warranted = warranted.len();
    out.read = read.intersection(&warranted).count();
    out
}

/// Both kinds served to the same targets: what `lawful-access` reports beside its
/// demonstration.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Kinds {
    /// The targets, one warrant each per kind (chosen from the seed as `compare` does).
    pub targets: Vec<u32>,
    /// The first epoch a prospective warrant covers (it is issued at its start).
    pub prospective_from_epoch: u32,
    /// Warrants issued at epoch `prospective_from_epoch`, covering it to the last.
    pub prospective: LawfulOnce,
    /// Warrants issued at the end of the run, covering every epoch.
    pub retrospective: LawfulOnce,
    /// What lawful access assumes under the family, when it assumes anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumption: Option<&'static str>,
}

/// Serves [`KIND_TARGETS`] targets in both kinds on `world` (see [`serve_kind`]), with
/// `compare`'s targets, cases and nonces.
pub fn kinds_of(
    world: &World,
    deployment: Option<&dyn crate::mechanism::DynDeployment>,
    court: Option<&crate::escrow::court::Court>,
    family: &str,
) -> Kinds {
    let targets = choose_targets(world, KIND_TARGETS, "compare", true);
    Kinds {
        prospective_from_epoch: WarrantKind::Prospective.from_epoch(world.epochs()),
        prospective: serve_kind(
            world,
            deployment,
            court,
            &targets,
            WarrantKind::Prospective,
            "compare",
        ),
        retrospective: serve_kind(
            world,
            deployment,
            court,
            &targets,
            WarrantKind::Retrospective,
            "compare",
        ),
        assumption: assumption_of(family),
        targets,
    }
}

/// A cost map in words: `agent_requests 25, work 1024` (`none measured` when empty).
pub fn cost_words(cost: &BTreeMap<String, f64>) -> String {
    if cost.is_empty() {
        return "none measured".into();
    }
    cost.iter()
        .map(|(k, v)| {
            if v.fract() == 0.0 && v.abs() < 1e15 {
                format!("{k} {v:.0}")
            } else {
                format!("{k} {v:.1}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Warrant after warrant for one target, against any transport: what the fault test and
/// the load benchmark run, in process ([`WarrantFlow::serve_in_process`]) or against a
/// deployment (the same request bytes sent over its wire). Each warrant is the
/// demonstration's (same target and window, from the seed) with its own case id and nonce.
pub struct WarrantFlow {
    world: World,
    warrant: Warrant,
    sessions: Vec<u32>,
    in_scope: BTreeSet<u64>,
}

/// What one warrant's answers opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowRead {
    /// Warranted messages decrypted and confirmed against ground truth.
    pub in_scope_decrypted: usize,
    /// Messages outside the warrant decrypted and confirmed.
    pub out_of_scope_decrypted: usize,
    /// Agents whose share the combiner rejected.
    pub rejected_agents: Vec<usize>,
}

impl WarrantFlow {
    /// Builds the world of `config` (session escrow) and picks the demonstration's target
    /// and window.
    ///
    /// # Errors
    /// Another family, no escrow, nobody active; world construction errors.
    pub fn new(config: WorldConfig) -> Result<WarrantFlow> {
        if config.scheme.family() != crate::mechanism::SESSION_ESCROW {
            return Err(crate::Error::input(format!(
                "scheme `{}` is not session escrow: no agents to ask",
                config.scheme.name
            )));
        }
        let world = crate::mechanism::run_world(config.clone())?;
        if world.escrow().court.is_none() {
            return Err(crate::Error::input(format!(
                "scheme `{}` escrows nothing: no agents to ask",
                config.scheme.name
            )));
        }
        let mut rng = seed::rng(config.seed, "lawful-target", &[]);
        let candidates: Vec<u32> = world.active_users().into_iter().collect();
        let &target = candidates
            .choose(&mut rng)
            .ok_or_else(|| crate::Error::input("no user sent any message"))?;
        let epochs = world.epochs();
        let span = if config.scheme.custody.lifetime == crate::config::scheme::Lifetime::Epoch {
            config.scheme.custody.retention.max(1)
        } else {
            2
        };
        let warrant = Warrant {
            case_id: format!("case-{}-flow", config.seed),
            targets: vec![target],
            from_epoch: epochs.saturating_sub(span),
            to_epoch: epochs - 1,
            issued: world.now,
            expires: world.now + WARRANT_VALIDITY,
            nonce: [0; 16],
            use_limit: config.scheme.warrant.use_limit,
        };
        let sessions = sessions_in_scope(&world, &warrant);
        let in_scope = messages_of(&world, &sessions);
        Ok(WarrantFlow {
            world,
            warrant,
            sessions,
            in_scope,
        })
    }

    /// Warranted messages each warrant covers.
    pub fn in_scope_messages(&self) -> usize {
        self.in_scope.len()
    }

    /// The request bytes of warrant number `i` (its own case id and nonce, signed by the
    /// court's first `k` judges).
    ///
    /// # Errors
    /// Signing errors.
    pub fn request(&self, i: u64) -> Result<Vec<u8>> {
        let mut w = self.warrant.clone();
        w.case_id = format!("{}-{i}", w.case_id);
        w.nonce = seed::derive(self.world_seed(), "flow-nonce", &[i])[..16]
            .try_into()
            .unwrap_or([0; 16]);
        let signed = issue_warrant(&self.world, w)?;
        let nonce = seed::derive(self.world_seed(), "flow-request", &[i])[..16]
            .try_into()
            .unwrap_or([0; 16]);
        Ok(build_request(
            &self.world,
            &signed,
            &self.sessions,
            "law-enforcement",
            nonce,
        ))
    }

    fn world_seed(&self) -> u64 {
        self.world.config.seed
    }

    /// Serves request bytes with the world's own agents (in process), at the deployed
    /// agents' clock ([`AgentState::now`]).
    pub fn serve_in_process(&mut self, request: &[u8]) -> Vec<(usize, Vec<ItemOutcome>)> {
        let all: Vec<usize> = (0..self.world.escrow().n).collect();
        let now = self.world.now + 1;
        submit_to(&mut self.world, &all, request, now)
            .into_iter()
            .map(|r| (r.agent, r.items))
            .collect()
    }

    /// Combines `answers` to one request and reads what they open.
    pub fn read(&self, answers: Vec<(usize, Vec<ItemOutcome>)>) -> FlowRead {
        let responses: Vec<crate::escrow::agent::ShareResponse> = answers
            .into_iter()
            .map(|(agent, items)| crate::escrow::agent::ShareResponse {
                cell: None,
                agent,
                items,
            })
            .collect();
        let got = combine_and_read(&self.world, &self.sessions, &responses);
        let read = self
            .world
            .truth()
            .confirm(got.plaintexts.iter().map(|(id, pt)| (*id, pt.as_slice())));
        FlowRead {
            in_scope_decrypted: read.intersection(&self.in_scope).count(),
            out_of_scope_decrypted: read.difference(&self.in_scope).count(),
            rejected_agents: got.rejected_agents.into_iter().collect(),
        }
    }
}
