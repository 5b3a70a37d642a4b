//! The suite runner: builds each scheme's world once, runs attack cells against copies of
//! it, and measures every figure itself from what the attacks return, compared with
//! ground truth the attacks never see.

pub mod compare;
pub mod expect;
pub mod loophole;
pub mod provenance;
pub mod report_model;
pub mod shard;
pub mod suite;
pub mod suite_file;

use crate::attack::context::{AttackCtx, BaseWorlds, MechanismEvent};
use crate::attack::{Attack, Exposure, Outcome, ParamValue, Params};
use crate::config::scheme::{AuditMode, Scheme};
use crate::escrow::audit::{self, Decision};
use crate::world::{World, WorldConfig};
use expect::Expectation;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Exposure figures of a cell.
#[derive(Clone, Debug, Serialize, PartialEq, JsonSchema, Deserialize)]
pub struct ExposureFigures {
    /// Messages whose plaintext the attacker recovered, confirmed against ground truth.
    pub messages: usize,
    /// All messages.
    pub messages_total: usize,
    /// `messages / messages_total`.
    pub fraction: f64,
    /// Users with at least one exposed message they sent.
    pub users: usize,
    /// Users who sent any message.
    pub users_total: usize,
    /// Exposed messages per epoch (index = epoch of the message's session), from the same
    /// ground-truth confirmation as `messages`: they sum to it.
    pub by_epoch: Vec<usize>,
    /// All messages per epoch: they sum to `messages_total`.
    pub total_by_epoch: Vec<usize>,
}

/// Docket exposure of a cell: which warrant targets the attacker learned (the
/// counter-intelligence loss no content figure shows), judged so that naming everyone
/// earns nothing.
///
/// The headline, `fraction`, is the F1 score of the attacker's claims against the
/// standing docket: the harmonic mean of `recall` (docket targets named) and `precision`
/// (named users who are targets). An attack that names exactly the docket scores 1; one
/// that names every user scores about twice the docket's share of the users (a docket of
/// 2 % of users: about 0.04), however much of the docket it covers.
#[derive(Clone, Debug, Default, Serialize, PartialEq, JsonSchema, Deserialize)]
pub struct DocketFigures {
    /// Targets of the standing docket (warrants the lawful-access interface holds).
    pub targets: usize,
    /// Users the attacker named as targets (distinct).
    #[serde(default)]
    pub claimed: usize,
    /// Of the docket's targets, the ones the attacker named.
    pub learned: usize,
    /// The headline: F1 of the claims against the docket, `2PR / (P + R)` (0 when there is
    /// no docket or no claim).
    pub fraction: f64,
    /// `learned / targets` (0 when there is no docket).
    #[serde(default)]
    pub recall: f64,
    /// `learned / claimed` (0 when nothing was claimed).
    #[serde(default)]
    pub precision: f64,
    /// Users the attacker named who are under no warrant.
    pub wrong_claims: usize,
    /// Which targets it learned (at most [`crate::mechanism::MAX_DOCKET`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub learned_targets: Vec<u32>,
}

impl DocketFigures {
    /// Judges `claimed` (the users the attack named) against the
    /// standing docket's `targets`.
    pub fn judge(targets: &BTreeSet<u32>, claimed: &BTreeSet<u32>) -> DocketFigures {
        let learned_targets: Vec<u32> = claimed.intersection(targets).copied().collect();
        let learned = learned_targets.len();
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let recall = ratio(learned, targets.len());
        let precision = ratio(learned, claimed.len());
        let fraction = if recall + precision > 0.0 {
            2.0 * recall * precision / (recall + precision)
        } else {
            0.0
        };
        DocketFigures {
            targets: targets.len(),
            claimed: claimed.len(),
            learned,
            fraction,
            recall,
            precision,
            wrong_claims: claimed.len() - learned,
            learned_targets,
        }
    }
}

/// A cell's verdict.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq, JsonSchema, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every matching expectation held.
    Pass,
    /// Some expectation failed.
    Fail,
    /// No expectation applies: reported, not judged.
    Unjudged,
    /// The attack failed (error or panic).
    Error,
}

/// One measured cell: one attack with one parameter set against one scheme.
#[derive(Clone, Debug, Serialize, JsonSchema, Deserialize)]
pub struct CellResult {
    /// Scheme name.
    pub scheme: String,
    /// Attack id.
    pub attack: String,
    /// Resolved parameters.
    pub params: BTreeMap<String, ParamValue>,
    /// What `check` said about the scheme.
    pub check: Exposure,
    /// Exposure.
    pub exposure: ExposureFigures,
    /// Exposed messages not covered by any warrant the court issued.
    pub out_of_scope: usize,
    /// Warrant targets the attacker learned.
    #[serde(default)]
    pub docket: DocketFigures,
    /// Whether the attack could run at all: `false` when it needs a capability that does
    /// not exist under the scheme's mechanism (then `blocked_by` is `not-applicable` and
    /// `check.reason` says which).
    #[serde(default = "yes")]
    pub applicable: bool,
    /// Exposed messages sent before the attacker's first compromise.
    pub before_compromise: usize,
    /// Whether any check, witness or audit comparison noticed.
    pub detected: bool,
    /// Which controls noticed.
    pub detected_by: Vec<String>,
    /// Every detection with the part of the mechanism that reported it.
    pub detections: Vec<MechanismEvent>,
    /// The control that stopped the attack, as the mechanism reported it: set only when the
    /// attack exposed nothing, and only from a mechanism event (never from the attack).
    pub blocked_by: Option<String>,
    /// What `blocked_by` and each control of `detected_by` rest on: an assumption (certain
    /// by construction), a cryptographic assumption, a fact of the design, or a measured
    /// probability and delay, one entry per control, `blocked_by`'s first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub basis: Vec<crate::controls::ControlBasis>,
    /// Every refusal or rejection the mechanism reported to what the attack did.
    pub refusals: Vec<MechanismEvent>,
    /// Refusals inside lawful cases the attack took part in (context: they never set
    /// `blocked_by`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub case_refusals: Vec<MechanismEvent>,
    /// Capabilities used, agents and devices compromised, tries (measured by the context),
    /// and the attack's own figures (named in `attack_figures`).
    pub cost: Map<String, Value>,
    /// Which `cost` entries are the attack's own figures (its word, not a measurement by the
    /// runner).
    pub attack_figures: Vec<String>,
    /// The expectations that applied.
    pub expected: Vec<Expectation>,
    /// Verdict.
    pub verdict: Verdict,
    /// Why an expectation failed, or the error.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<String>,
    /// Error message when the attack failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The attack's notes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Parameters given for the run (not defaults) that are legal but cannot take effect
    /// in it (a count above what it has, an epoch after its last), one sentence each. Set
    /// by the callers that know what was given ([`run_one`], the suite runner).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// What the sentinel values among `params` mean (`user` → "chosen from the seed" for
    /// `user = -1`), from the parameters' docs, for the text renderings (JSON keeps the
    /// bare values).
    #[serde(skip)]
    pub param_meanings: BTreeMap<String, &'static str>,
    /// The users with an exposed message they sent (the set `exposure.users` counts), in id
    /// order: what coverage figures are computed from. Not serialized.
    #[serde(skip)]
    pub exposed_users: Vec<u32>,
    /// Sessions the attacker opened as a rogue sender that an honest recipient's full
    /// check accepted, counted by the attack context (what a forgery achieves: it exposes
    /// nothing). Not serialized; `lab grade 2` judges a search loop by it.
    #[serde(skip)]
    pub recipient_accepted: u64,
}

impl CellResult {
    /// What `control` rests on in this cell, when it was reported (see [`CellResult::basis`]).
    pub fn basis_of(&self, control: &str) -> Option<&crate::controls::ControlBasis> {
        self.basis.iter().find(|b| b.control == control)
    }
    /// A reported control with its basis, as the tables print it: `threshold-custody`,
    /// `roster-check, assumed`, `guess-limit, p=0.9312`.
    pub fn control_shown(&self, control: &str) -> String {
        match self.basis_of(control).map(|b| b.short()) {
            Some(s) if !s.is_empty() => format!("{control}, {s}"),
            _ => control.to_string(),
        }
    }
    /// `blocked_by` with its basis (see [`CellResult::control_shown`]).
    pub fn blocked_shown(&self) -> Option<String> {
        self.blocked_by.as_deref().map(|b| {
            if b == "not-applicable" {
                b.to_string()
            } else {
                self.control_shown(b)
            }
        })
    }
    /// `detected_by` with their bases, joined by `, ` (`-` when nothing noticed).
    pub fn detected_shown(&self) -> String {
        if self.detected_by.is_empty() {
            return "-".into();
        }
        self.detected_by
            .iter()
            .map(|c| match self.basis_of(c).map(|b| b.short()) {
                Some(s) if !s.is_empty() => format!("{c} ({s})"),
                _ => c.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
    /// Whether the cell was detected only by controls the model assumes always work
    /// (certain by construction, not measured).
    pub fn detected_only_by_assumption(&self) -> bool {
        self.detected
            && self.detected_by.iter().all(|c| {
                self.basis_of(c)
                    .is_some_and(|b| b.kind == crate::controls::BasisKind::Assumption)
            })
    }
    /// The parameters as `name=value`, a sentinel with its meaning
    /// (`user=-1 (chosen from the seed)`), joined by `sep`.
    pub fn params_shown(&self, sep: &str) -> String {
        self.params
            .iter()
            .map(|(k, v)| match self.param_meanings.get(k) {
                Some(m) => format!("{k}={v} ({m})"),
                None => format!("{k}={v}"),
            })
            .collect::<Vec<_>>()
            .join(sep)
    }
}

fn num(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        Value::from(v as i64)
    } else {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

/// What each reported control rests on: the mechanism's measured basis when it gave one,
/// the control's built-in basis otherwise; `blocked_by` first, then `detected_by` in order.
fn bases(
    blocked_by: Option<&str>,
    detected_by: &[String],
    measured: &BTreeMap<String, crate::controls::ControlBasis>,
) -> Vec<crate::controls::ControlBasis> {
    let mut out: Vec<crate::controls::ControlBasis> = Vec::new();
    for c in blocked_by
        .into_iter()
        .chain(detected_by.iter().map(|s| s.as_str()))
    {
        if out.iter().any(|b| b.control == c) {
            continue;
        }
        if let Some(b) = measured
            .get(c)
            .cloned()
            .or_else(|| crate::controls::ControlBasis::builtin(c))
        {
            out.push(b);
        }
    }
    out
}

/// Detections visible after an attack, each with its source: client checks that fired,
/// audit verification (against the witness when witnessed), agents' refusals, the
/// comparison of granted audit records with the court's docket, and what the context
/// recorded (combiner rejections, recipient checks).
fn detections(
    world: &World,
    docket_fps: &BTreeSet<String>,
    from_ctx: &[MechanismEvent],
) -> Vec<MechanismEvent> {
    let mut d: Vec<MechanismEvent> = Vec::new();
    // One detection per control and source, found in constant time (a seizure of 10^5
    // phones brings 10^5 owners' notices).
    let mut seen: std::collections::HashSet<(String, String)> = std::collections::HashSet::new();
    let mut push = |control: &str, source: &str, detail: String| {
        if seen.insert((control.to_string(), source.to_string())) {
            d.push(MechanismEvent {
                control: control.to_string(),
                source: source.to_string(),
                detail,
            });
        }
    };
    for x in &world.detections {
        push(&x.control, "client", x.detail.clone());
    }
    let esc = &world.escrow();
    if esc.audit_mode != AuditMode::None {
        let witness = (esc.audit_mode == AuditMode::Witnessed).then_some(&esc.witness);
        for a in &esc.agents {
            if let Err(t) = audit::verify(&a.audit, witness) {
                push(
                    &format!("audit-verify:{}", t.kind()),
                    "audit verifier",
                    format!("agent {}: {t}", a.index),
                );
            }
            for e in a.audit.entries() {
                match &e.record.decision {
                    Decision::Refused { .. } => {
                        push(
                            "agent-refusal",
                            "audit log",
                            format!("agent {} logged a refusal", a.index),
                        );
                    }
                    Decision::Granted if !docket_fps.contains(&e.record.warrant_fp) => {
                        push(
                            "docket-audit",
                            "audit vs court docket",
                            format!(
                                "agent {} granted a warrant the court never docketed",
                                a.index
                            ),
                        );
                    }
                    Decision::Granted => {}
                }
            }
        }
    }
    for e in from_ctx {
        push(&e.control, &e.source, e.detail.clone());
    }
    d.sort_by(|a, b| (&a.control, &a.source).cmp(&(&b.control, &b.source)));
    d
}

/// Calls into attack code (`method` names the call for the message), turning a panic into
/// the cell's error: "the attack panicked in check(): ...".
fn guarded<T>(method: &str, f: impl FnOnce() -> T) -> Result<T, String> {
    crate::panics::contained(f).map_err(|p| format!("the attack panicked in {method}: {p}"))
}

/// Whether no boundary violation was recorded, by the context or on the cell's thread.
fn violations_empty(ctx: &[String], thread: &[String]) -> bool {
    ctx.is_empty() && thread.is_empty()
}

/// Whether every capability `attack` declares exists under `scheme`'s mechanism: only then
/// is its brute force (`max_guesses`) priced, since a request that needs a missing
/// capability is refused before any work.
pub(crate) fn fully_applicable(attack: &dyn Attack, scheme: &Scheme) -> bool {
    crate::mechanism::of_scheme(scheme).map_or(true, |m| {
        m.info()
            .not_applicable(attack.meta().capabilities)
            .is_none()
    })
}

/// Whether `attack` may change the world's traffic under `scheme`'s mechanism: it declares
/// a traffic-changing capability that exists there.
pub(crate) fn diverges_under(attack: &dyn Attack, scheme: &Scheme) -> bool {
    let Ok(m) = crate::mechanism::of_scheme(scheme) else {
        return changes_traffic(attack);
    };
    attack
        .meta()
        .capabilities
        .iter()
        .any(|c| c.changes_traffic() && m.info().has(*c))
}

/// Whether `attack`'s `check` says `scheme` exposes it at `params` (contained: a panic counts
/// as not exposed here, and [`run_cell`] makes that cell an error).
pub(crate) fn check_exposes(attack: &dyn Attack, scheme: &Scheme, params: &Params) -> bool {
    let guard = crate::attack::cell::enter();
    let c = guarded("check()", || attack.check(scheme, params));
    drop(guard);
    c.is_ok_and(|e| e.exposed)
}

/// Runs the attack's `check` and `run`, each contained: a panic in either, or an error
/// from `run`, becomes the error, and `run` is skipped when `check` panicked.
/// The attack's brute-force guesses for the cost estimate, contained: a panic counts as none
/// here, and [`run_cell`] makes that cell an error naming `max_guesses()`.
pub(crate) fn guesses(attack: &dyn Attack, scheme: &Scheme, params: &Params) -> f64 {
    // An attack lacking any capability it needs here is refused before its brute force.
    if !fully_applicable(attack, scheme) {
        return 0.0;
    }
    let guard = crate::attack::cell::enter();
    let g = guarded("max_guesses()", || attack.max_guesses(scheme, params));
    drop(guard);
    g.map_or(0.0, |g| g as f64)
}

fn check_and_run(
    attack: &dyn Attack,
    scheme: &Scheme,
    ctx: &mut AttackCtx,
    params: &Params,
) -> (Exposure, Option<Outcome>, Option<String>) {
    if let Err(e) = guarded("max_guesses()", || attack.max_guesses(scheme, params)) {
        return (Exposure::no("max_guesses() panicked"), None, Some(e));
    }
    let check = match guarded("check()", || attack.check(scheme, params)) {
        Ok(c) => c,
        Err(e) => return (Exposure::no("check() panicked"), None, Some(e)),
    };
    match guarded("run()", || attack.run(ctx, params)) {
        Ok(Ok(o)) => (check, Some(o), None),
        Ok(Err(e)) => (check, None, Some(e.to_string())),
        Err(e) => (check, None, Some(e)),
    }
}

fn yes() -> bool {
    true
}

/// The cell of an attack that needs a capability the mechanism does not have: not run,
/// nothing exposed, `blocked_by` `not-applicable` with the reason.
fn not_applicable_cell(
    base: &BaseWorlds,
    attack: &dyn Attack,
    params: &Params,
    expectations: &[Expectation],
    reason: String,
) -> CellResult {
    let meta = attack.meta();
    let scheme = &base.config.scheme;
    let world = base.finished();
    let epochs = world.epochs().max(1) as usize;
    let mut total_by_epoch = vec![0usize; epochs];
    for header in world.transcript.envelopes.headers() {
        let epoch = world
            .transcript
            .sessions
            .get(header.session as usize)
            .map_or(0, |s| (s.header.epoch as usize).min(epochs - 1));
        total_by_epoch[epoch] += 1;
    }
    let event = MechanismEvent {
        control: "not-applicable".into(),
        source: base.mechanism().info().family.into(),
        detail: reason.clone(),
    };
    let mut cell = CellResult {
        scheme: scheme.name.clone(),
        attack: meta.id.to_string(),
        params: params.0.clone(),
        check: Exposure::no(reason),
        exposure: ExposureFigures {
            messages: 0,
            messages_total: world.message_count(),
            fraction: 0.0,
            users: 0,
            users_total: base.active_users(),
            by_epoch: vec![0; epochs],
            total_by_epoch,
        },
        out_of_scope: 0,
        docket: DocketFigures {
            targets: base.docket_targets().len(),
            ..Default::default()
        },
        applicable: false,
        before_compromise: 0,
        detected: false,
        detected_by: Vec::new(),
        detections: Vec::new(),
        blocked_by: Some("not-applicable".into()),
        basis: Vec::new(),
        refusals: vec![event],
        case_refusals: Vec::new(),
        cost: Map::new(),
        attack_figures: Vec::new(),
        expected: expectations
            .iter()
            .filter(|e| e.matches(&scheme.name, meta.id, &params.0))
            .cloned()
            .collect(),
        verdict: Verdict::Unjudged,
        failures: Vec::new(),
        error: None,
        notes: Vec::new(),
        warnings: Vec::new(),
        param_meanings: param_meanings(meta, &params.0),
        exposed_users: Vec::new(),
        recipient_accepted: 0,
    };
    judge(&mut cell);
    crate::progress::advance(crate::progress::Unit::Cells);
    cell
}

/// Runs one cell against a scheme's base worlds and measures it. Every call into the
/// attack's code (`check`, `run`) is contained: a panic marks this cell `error`, naming
/// the method, and never reaches the caller. (`meta` is a static description, already
/// called when the attack was registered.)
pub fn run_cell(
    base: &BaseWorlds,
    attack: &dyn Attack,
    params: &Params,
    expectations: &[Expectation],
) -> CellResult {
    let meta = attack.meta();
    let scheme = &base.config.scheme;
    // A nested run from inside a cell: refused, and the outer cell is an error.
    if let Err(e) = crate::attack::cell::refuse_inside("runner::run_cell") {
        let mut cell = not_applicable_cell(base, attack, params, expectations, String::new());
        cell.applicable = true;
        cell.blocked_by = None;
        cell.refusals.clear();
        cell.error = Some(e.to_string());
        judge(&mut cell);
        return cell;
    }
    // Capabilities are checked per request: the attack runs when any capability it
    // declares exists here, and only the requests that need a missing one are refused.
    if let Some(reason) = base.mechanism().info().none_applicable(meta.capabilities) {
        return not_applicable_cell(base, attack, params, expectations, reason);
    }
    let mut ctx = AttackCtx::for_cell(base, meta.id, meta.capabilities);
    let guard = crate::attack::cell::enter();
    let (check, outcome, error) = check_and_run(attack, scheme, &mut ctx, params);
    let thread_violations = guard.finish();
    // Measure against the whole run, whatever point in time the attack stopped at.
    let error = match (error, ctx.advance_to_end()) {
        (None, Err(e)) => Some(format!("the world could not finish after the attack: {e}")),
        (e, _) => e,
    };
    let parts = ctx.into_parts();
    let world = &parts.world;
    let outcome = outcome.unwrap_or_default();
    let confirmed = world.truth().confirm_ids(outcome.recovered.digests());
    let docket_targets = base.docket_targets();
    let docket = DocketFigures::judge(&docket_targets, &outcome.docket);
    // The mechanism said every path the attack tried does not exist here (or it lacks a
    // capability here and tried nothing), and the attack reached nothing: not applicable,
    // whatever it made of those refusals (an error included). A path that does exist and
    // reached something keeps the cell applicable; its refused requests are listed, never
    // its block.
    let all_absent = parts.blocks.iter().all(|e| e.control == "not-applicable");
    let lacks = !fully_applicable(attack, scheme);
    if all_absent
        && (lacks || !parts.blocks.is_empty())
        && confirmed.is_empty()
        && docket.claimed == 0
        && violations_empty(&parts.violations, &thread_violations)
    {
        let reason = match parts.blocks.first() {
            Some(e) => e.detail.clone(),
            None => base
                .mechanism()
                .info()
                .not_applicable(meta.capabilities)
                .unwrap_or_default()
                .trim_start_matches("not applicable: ")
                .to_string(),
        };
        return not_applicable_cell(
            base,
            attack,
            params,
            expectations,
            format!("not applicable: {reason}"),
        );
    }
    // The claims are judged: what is left to measure needs only the ids.
    drop(outcome.recovered);
    let messages_total = world.message_count();
    // A world the attack never changed is the finished base world: its count is known.
    let users_total = match &parts.world {
        std::borrow::Cow::Borrowed(_) => base.active_users(),
        std::borrow::Cow::Owned(w) => w.active_users().len(),
    };
    // Messages per epoch: the base world's (computed once per world) when the attack left
    // it untouched, else one pass over the headers. Then the confirmed messages only (their
    // headers replayed without sealing): per epoch, from the session each belongs to (a
    // message whose session is out of the timeline's range is counted in the last epoch);
    // authors, scope and timing. A cell costs what it exposed, not the whole world.
    let epochs = world.epochs().max(1) as usize;
    let first_compromise = parts
        .uses
        .iter()
        .filter(|u| u.capability.is_compromise())
        .map(|u| u.time)
        .min();
    let total_by_epoch = if base.is_finished(world) {
        base.messages_by_epoch().to_vec()
    } else {
        crate::attack::context::messages_by_epoch(world)
    };
    let mut by_epoch = vec![0usize; epochs];
    let mut authors = BTreeSet::new();
    let mut out_of_scope = 0;
    let mut before_compromise = 0;
    for (id, header) in world.transcript.envelopes.headers_of(&confirmed) {
        let session = world.transcript.sessions.get(header.session as usize);
        let epoch = session.map_or(0, |s| (s.header.epoch as usize).min(epochs - 1));
        by_epoch[epoch] += 1;
        authors.insert(header.sender);
        // Covered by a warrant the court issued: in this cell, or on the standing docket.
        let covered = session.is_some_and(|s| {
            parts
                .docket
                .iter()
                .chain(base.standing_docket())
                .any(|w| w.warrant.covers(s.header.epoch, &s.header.members))
        });
        if !covered {
            out_of_scope += 1;
        }
        if let (Some(t0), Some(t)) = (
            first_compromise,
            world.transcript.envelopes.time(id as usize),
        ) {
            if t < t0 {
                before_compromise += 1;
            }
        }
    }
    let users = authors.len();
    let exposed_users: Vec<u32> = authors.into_iter().collect();
    let docket_fps: BTreeSet<String> = parts
        .docket
        .iter()
        .chain(base.standing_docket())
        .map(|w| w.fingerprint())
        .collect();
    let detections = detections(world, &docket_fps, &parts.detects);
    let detected_by: Vec<String> = detections
        .iter()
        .map(|e| e.control.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // Refusals: what the context recorded, then client refusals seen in the world.
    let mut refusals = parts.blocks.clone();
    let case_refusals = parts.case_refusals.clone();
    let mut seen: std::collections::HashSet<MechanismEvent> = refusals.iter().cloned().collect();
    for x in world.detections.iter().filter(|x| x.refused()) {
        let e = MechanismEvent {
            control: x.control.clone(),
            source: "client".into(),
            detail: x.detail.clone(),
        };
        if seen.insert(e.clone()) {
            refusals.push(e);
        }
    }
    // The control that stopped it: the mechanism's refusal of the attack's best attempt
    // (the one that got furthest along its path; refusals inside the lawful cases it rode
    // on are context, not blocks; a path that does not exist here is not a block), and
    // only when nothing was exposed.
    let blocked_by = if confirmed.is_empty() {
        let real: Vec<&MechanismEvent> = refusals
            .iter()
            .filter(|e| e.control != "not-applicable")
            .collect();
        crate::attack::verdict::best_attempt(real.iter().map(|e| e.control.as_str()))
            .map(|i| real[i].control.clone())
    } else {
        None
    };
    // A capability the attack used but did not declare makes the cell an error.
    let undeclared: BTreeSet<&str> = parts
        .uses
        .iter()
        .map(|u| u.capability)
        .filter(|c| !meta.capabilities.contains(c))
        .map(|c| c.name())
        .collect();
    let error = match (error, undeclared.is_empty()) {
        (e, true) => e,
        (None, false) => Some(format!(
            "the attack used capabilities it does not declare: {} (declared: {})",
            undeclared.into_iter().collect::<Vec<_>>().join(", "),
            meta.capabilities
                .iter()
                .map(|c| c.name())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        (Some(e), false) => Some(format!(
            "{e}; it also used capabilities it does not declare: {}",
            undeclared.into_iter().collect::<Vec<_>>().join(", ")
        )),
    };
    // Loot laundered from another context, or a world, context, nested run or mechanism
    // built inside the cell: the cell is an error naming it.
    let mut violations = parts.violations.clone();
    for v in thread_violations {
        if !violations.contains(&v) {
            violations.push(v);
        }
    }
    let error = match (error, violations.is_empty()) {
        (e, true) => e,
        (None, false) => Some(format!("attack boundary: {}", violations.join("; "))),
        (Some(e), false) => Some(format!("{e}; attack boundary: {}", violations.join("; "))),
    };
    let mut cost = Map::new();
    let mut caps: BTreeMap<&str, u64> = BTreeMap::new();
    for u in &parts.uses {
        *caps.entry(u.capability.name()).or_insert(0) += 1;
    }
    cost.insert(
        "capabilities".into(),
        serde_json::to_value(&caps).unwrap_or(Value::Null),
    );
    cost.insert(
        "agents_compromised".into(),
        Value::from(parts.agents_compromised.len()),
    );
    cost.insert(
        "devices_compromised".into(),
        Value::from(parts.devices_compromised.len()),
    );
    cost.insert("tries".into(), Value::from(parts.tries));
    // What the mechanism measured while answering the attack's requests.
    for (k, v) in &parts.mechanism_figures {
        cost.insert(k.clone(), num(*v));
    }
    // What the clients' own controls measured (a rewritten pin, binary transparency's delay).
    for (k, v) in parts.world.client_figures() {
        cost.insert(k.to_string(), num(v));
    }
    let mut attack_figures = Vec::new();
    for (k, v) in &outcome.figures {
        // The runner's own measurements are not the attack's to overwrite.
        if cost.contains_key(k) {
            continue;
        }
        cost.insert(k.clone(), num(*v));
        attack_figures.push(k.clone());
    }
    let fraction = if messages_total == 0 {
        0.0
    } else {
        confirmed.len() as f64 / messages_total as f64
    };
    let mut measured = parts.mechanism_bases.clone();
    for b in world.client_bases() {
        measured.entry(b.control.clone()).or_insert(b);
    }
    let basis = bases(blocked_by.as_deref(), &detected_by, &measured);
    let mut cell = CellResult {
        scheme: scheme.name.clone(),
        attack: meta.id.to_string(),
        params: params.0.clone(),
        check,
        exposure: ExposureFigures {
            messages: confirmed.len(),
            messages_total,
            fraction,
            users,
            users_total,
            by_epoch,
            total_by_epoch,
        },
        out_of_scope,
        docket,
        applicable: true,
        before_compromise,
        detected: !detected_by.is_empty(),
        detected_by,
        detections,
        basis,
        blocked_by,
        refusals,
        case_refusals,
        cost,
        attack_figures,
        expected: expectations
            .iter()
            .filter(|e| e.matches(&scheme.name, meta.id, &params.0))
            .cloned()
            .collect(),
        verdict: Verdict::Unjudged,
        failures: Vec::new(),
        error,
        notes: outcome.notes.clone(),
        warnings: Vec::new(),
        param_meanings: param_meanings(meta, &params.0),
        exposed_users,
        recipient_accepted: parts.recipient_accepted,
    };
    judge(&mut cell);
    crate::progress::advance(crate::progress::Unit::Cells);
    cell
}

/// What the sentinel values among `params` mean (`user = -1`: chosen from the seed), from
/// the parameters' docs in `meta`.
pub fn param_meanings(
    meta: &crate::attack::AttackMeta,
    params: &BTreeMap<String, ParamValue>,
) -> BTreeMap<String, &'static str> {
    meta.params
        .iter()
        .filter_map(|s| {
            let m = s.sentinel_meaning(params.get(s.name)?)?;
            Some((s.name.to_string(), m))
        })
        .collect()
}

/// Applies the cell's expectations and sets its verdict.
pub fn judge(cell: &mut CellResult) {
    expect::apply(cell)
}

/// Lawful utility of a scheme: the fraction of warranted messages law enforcement reads,
/// in both kinds of warrant, with what serving them cost. The top-level figures are the
/// retrospective kind (warrants issued at the end of the run, covering every epoch: the
/// suite's figure since its first report).
#[derive(Clone, Debug, Serialize, PartialEq, JsonSchema, Deserialize)]
pub struct LawfulUtility {
    /// Messages covered by the retrospective warrants.
    pub warranted_messages: usize,
    /// Of those, read and confirmed.
    pub readable: usize,
    /// `readable / warranted_messages`.
    pub fraction: f64,
    /// What serving the retrospective warrants cost, as the mechanism measured it, by
    /// figure (summed over the warrants).
    pub cost: BTreeMap<String, f64>,
    /// The same targets served warrants issued at the start of epoch `from_epoch` (the
    /// middle epoch), covering it to the last, executed at the end.
    pub prospective: KindUtility,
    /// What lawful access assumes under the family, when it assumes anything (the HSM
    /// family: compelled disclosure of passcodes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assumption: Option<String>,
}

/// Lawful utility of one kind of warrant.
#[derive(Clone, Debug, Serialize, PartialEq, JsonSchema, Deserialize)]
pub struct KindUtility {
    /// The first epoch the warrants cover (they are issued at its start).
    pub from_epoch: u32,
    /// Messages covered by the warrants.
    pub warranted_messages: usize,
    /// Of those, read and confirmed.
    pub readable: usize,
    /// `readable / warranted_messages`.
    pub fraction: f64,
    /// What serving them cost, by figure.
    pub cost: BTreeMap<String, f64>,
}

/// Measures lawful utility on the finished world: `targets` seeded users, each served a
/// retrospective warrant (issued at the end, over every epoch) and a prospective one
/// (issued at the middle epoch), through [`crate::lawful::serve_kind`], the path
/// `compare` and `lawful-access` use too.
pub fn lawful_utility(base: &BaseWorlds, targets: usize) -> LawfulUtility {
    use crate::lawful::{serve_kind, WarrantKind};
    let world = base.finished();
    let chosen = crate::lawful::choose_targets(world, targets, "utility", false);
    let serve = |kind| {
        serve_kind(
            world,
            base.deployment(),
            base.family_court(),
            &chosen,
            kind,
            "utility",
        )
    };
    let retro = serve(WarrantKind::Retrospective);
    let pro = serve(WarrantKind::Prospective);
    LawfulUtility {
        warranted_messages: retro.warranted,
        readable: retro.read,
        fraction: retro.fraction(),
        cost: retro.cost,
        prospective: KindUtility {
            from_epoch: WarrantKind::Prospective.from_epoch(world.epochs()),
            warranted_messages: pro.warranted,
            readable: pro.read,
            fraction: pro.fraction(),
            cost: pro.cost,
        },
        assumption: crate::lawful::assumption_of(base.mechanism().info().family)
            .map(str::to_string),
    }
}

/// Builds the base worlds of a scheme.
///
/// # Errors
/// World construction errors.
///
/// [`crate::Error::Boundary`] when called from inside an attack's cell.
pub fn base_worlds(scheme: &Scheme, config: &WorldConfig) -> crate::Result<BaseWorlds> {
    BaseWorlds::build(WorldConfig {
        scheme: scheme.clone(),
        ..config.clone()
    })
}

/// Runs one attack against one scheme on a fresh world: what `escrowlab attack` does.
///
/// # Errors
/// [`crate::Error::Input`] for an unknown attack or bad parameters; world construction errors;
/// [`crate::Error::Boundary`] when called from inside an attack's cell.
pub fn run_one(
    registry: &crate::attack::Registry,
    scheme: &Scheme,
    attack_id: &str,
    given: &BTreeMap<String, ParamValue>,
    config: &WorldConfig,
) -> crate::Result<CellResult> {
    crate::attack::cell::refuse_inside("runner::run_one")?;
    let attack = registry
        .find(attack_id)
        .ok_or_else(|| registry.unknown(attack_id))?;
    let params = Params::resolve(attack_id, attack.meta().params, given)?;
    let size = crate::attack::RunSize::of(scheme, &config.population);
    Params::check_run(attack_id, attack.meta().params, given, &size)?;
    let guesses = guesses(attack, scheme, &params);
    let lower = if guesses > 0.0 {
        format!(
            "the parameters that set the attack's {guesses} guesses, or {}",
            crate::budget::LOWER_WORLD
        )
    } else {
        crate::budget::LOWER_WORLD.to_string()
    };
    let diverging = f64::from(u8::from(changes_traffic(attack)));
    config.cost().cells(1.0, guesses, diverging).within_budget(
        &format!("attack {attack_id} against {}", scheme.name),
        &lower,
    )?;
    crate::progress::stage(
        &format!("attack {attack_id} (simulating)"),
        crate::progress::Unit::Epochs,
        u64::from(config.population.epochs),
    );
    let base = base_worlds(scheme, config)?;
    crate::progress::stage(
        &format!("attack {attack_id} (attacking)"),
        crate::progress::Unit::None,
        0,
    );
    let mut cell = run_cell(&base, attack, &params, &[]);
    cell.warnings = Params::run_warnings(attack_id, attack.meta().params, given, &size);
    Ok(cell)
}

/// Whether `attack` may change the world's traffic (its cell then works on a copy of the
/// world): it holds a capability that can.
pub(crate) fn changes_traffic(attack: &dyn Attack) -> bool {
    attack
        .meta()
        .capabilities
        .iter()
        .any(|c| c.changes_traffic())
}
