//! The conformance battery: properties that any [`Scheme`] (built in, loaded from a TOML
//! file, or built in code) either keeps or breaks, on either backend, in one call:
//! [`check_scheme`].
//!
//! Each property runs a proptest [`TestRunner`] whose RNG is seeded from the caller's seed
//! and the property's name, so a run is a pure function of `(scheme, backend, cases,
//! seed)`: the same call gives the same results, a failing property shrinks to a minimal
//! counter-example, and the command printed with it reproduces it exactly. Cases are cheap
//! by construction: worlds of 6–10 users over 2–3 epochs with 2 messages per session
//! ([`super::world_specs`]), built once per run and cloned per case, and at most two
//! sessions per request.
//!
//! The properties, and what each promises (see [`PROPERTIES`] for the order):
//!
//! - **correctness**: every message of the in-scope sessions of a valid warrant whose
//!   escrow key is still live is read by law enforcement, confirmed against ground truth.
//!   Not applicable without escrow (`custody = none`): there is no lawful-access path.
//! - **threshold-secrecy**: with fewer than `k` shares (any such subset, the crate's raw
//!   combine, the subset padded to `k` with duplicates, and Lagrange interpolation of the
//!   agents' secret shares) nobody recovers a session key, the master key (compared with
//!   the published master public key) or any plaintext (ground truth). Not applicable
//!   without escrow, or when `k = 1` (fewer than one share is no share).
//! - **scope**: a field whose session is outside the warrant's targets or outside its
//!   window, presented with its own header under a valid warrant, is never released.
//! - **warrant-validity**: an expired warrant, a forged one (court-signed, then its targets
//!   changed) and one signed by a key other than the court's never release anything.
//! - **replay**: a request served once and sent again byte for byte, and a warrant used
//!   once more than the use limit the court wrote into it (fresh request nonces), never
//!   release anything. The replay cache and the use limit are how a scheme keeps this
//!   promise; a scheme that switches both off fails it (not "not applicable": a lawful
//!   access scheme that serves replays is broken, which is what this property is for).
//! - **audit**: every share an agent releases has its audit record (granted, naming the
//!   field and the warrant), no more and no fewer; the honest log verifies; and any single
//!   tamper of a log that the audit mode promises to catch is caught by
//!   [`crate::escrow::audit::verify`]. `hash-chain` promises edit, delete, reorder, insert
//!   and chain-reset; it does *not* promise truncation of the tail or a consistent rewrite
//!   (anyone can recompute SHA-256), so those are generated but not required. `witnessed`
//!   promises all seven. Not applicable with `log = none`.
//! - **share-robustness**: with every agent answering and one bad share (a duplicate of
//!   another agent's share, a share from another key set, a share for another ciphertext,
//!   random bytes, or one agent's share sent twice) placed first, the combiner never yields
//!   a wrong plaintext, always names the offending agent, and never names an honest one.
//!   A combiner with `[combiner] verify_shares = false` fails: it cannot name anyone.
//! - **binding**: a forger's search (below) finds no field that the recipient accepts but
//!   that does not escrow the session key; a header swap, a flipped bit or a forged check
//!   is rejected by the recipient; and, whenever the agents check scope, an agent refuses
//!   a field presented under another session's header (else whoever talks to the agents
//!   gets an out-of-scope field released by pairing it with an in-scope header). Only
//!   `signed` and `recompute` let an agent check this; a `checksum` binding, keyed by the
//!   family key that only chips hold, cannot, *whatever its width*, and this is reported
//!   as a failure next to the forgery. (With the scope check off every field is released
//!   anyway, which is the scope property's
//!   finding.) The forger attacks the field as Blaze did Clipper's LEAF: it keeps a
//!   session's header, replaces the escrowed ciphertext with garbage and queries the
//!   recipient's keyless check ([`crate::escrow::field::RecipientCheck::check_keyless`]:
//!   the chip check, and under `recompute` the recomputation) with one candidate per try,
//!   up to [`FORGERY_BUDGET`] tries, then signs the accepted candidate with its own
//!   identity key. A `checksum` binding of `b` bits falls in about `2^b` tries, so 8 and 16
//!   bits are *found*, with the forgery and the number of tries; a full 256-bit check and
//!   a recomputed field survive the budget. **Binding `none` with escrow fails**: the
//!   recipient checks nothing, so a rogue sender's garbage field is accepted on the first
//!   try and escrow is evaded trivially; a binding that promises nothing is reported as the
//!   failure it is, not as "not applicable". Without escrow (`custody = none`) there is no
//!   field: not applicable.
//! - **determinism**: the same world spec gives the same transcript, and the same lawful
//!   access flow gives the same plaintexts, refusals and audit heads (at most
//!   [`DETERMINISM_MAX_CASES`] cases, each building a world afresh).

use super::{
    any_k_of_n, bad_shares, fewer_than_k, field_tampers, log_tampers, picks, warrant_cases,
    warrant_cases_of, world_specs, BadShare, FieldTamper, WarrantCase, WarrantKind, WorldSpec,
};
use crate::backend::{Backend, BackendKind};
use crate::config::scheme::{AuditMode, CustodyKind, Scheme};
use crate::escrow::agent::ShareResponse;
use crate::escrow::audit::{self, Decision};
use crate::escrow::combiner::recover;
use crate::escrow::court::{Court, SignedWarrant, Warrant};
use crate::escrow::field::{unwrap_session_key, EscrowField, FieldEnv};
use crate::lawful::{self, WARRANT_VALIDITY};
use crate::relay::read_session;
use crate::secret::{fingerprint, Key32, Scalar};
use crate::seed;
use crate::world::{identity_key, session_key_of, SessionRecord, World};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner};
use rand::{Rng, RngCore};
use serde::Serialize;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

/// Tries the binding property's forger may make against the recipient's check: 2^20.
/// A `b`-bit checksum is found in about `2^b` tries, so any check of 16 bits or fewer is
/// found with overwhelming probability (a 16-bit one fails to fall within the budget with
/// probability about `e^-16`); a 256-bit check or a recomputed field never is.
pub const FORGERY_BUDGET: u64 = 1 << 20;

/// Cases per property when the caller does not say (`check-scheme` without `--cases`).
pub const DEFAULT_CASES: u32 = 16;

/// Most cases the determinism property runs (each builds a world afresh).
pub const DETERMINISM_MAX_CASES: u32 = 4;

/// Most shrink steps per failing property (bounded so that a broken scheme is reported
/// in seconds; counted in steps, never in time, so shrinking is reproducible).
pub const MAX_SHRINK_ITERS: u32 = 256;

/// Most sessions per request in a case.
const MAX_SESSIONS: usize = 2;

/// The properties, in the order they run and are reported.
pub const PROPERTIES: [&str; 9] = [
    "correctness",
    "threshold-secrecy",
    "scope",
    "warrant-validity",
    "replay",
    "audit",
    "share-robustness",
    "binding",
    "determinism",
];

/// The outcome of one property.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum PropertyStatus {
    /// Every case held.
    Holds,
    /// A case broke the property.
    Fails {
        /// The shrunk counter-example and what went wrong.
        counterexample: String,
        /// The command that reproduces it.
        reproduce: String,
    },
    /// The property does not apply to this scheme.
    NotApplicable {
        /// Why.
        why: String,
    },
}

/// One property's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PropertyResult {
    /// The property's name (one of [`PROPERTIES`]).
    pub name: String,
    /// What the property promises for this scheme, in one line.
    pub promise: String,
    /// Holds, fails, or not applicable.
    #[serde(flatten)]
    pub status: PropertyStatus,
}

impl PropertyResult {
    /// Did the property fail?
    pub fn failed(&self) -> bool {
        matches!(self.status, PropertyStatus::Fails { .. })
    }
    /// Does it hold?
    pub fn holds(&self) -> bool {
        matches!(self.status, PropertyStatus::Holds)
    }
}

/// How to run the battery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckOptions {
    /// The threshold backend.
    pub backend: BackendKind,
    /// Cases per property (at least 1).
    pub cases: u32,
    /// The seed every case derives from.
    pub seed: u64,
    /// How the scheme was named on the command line (a built-in name or a path), for the
    /// reproduce command; `None` uses the scheme's name.
    pub source: Option<String>,
    /// Run only these properties (all when empty).
    pub only: Vec<String>,
}

/// Runs every property on `scheme` with `backend`, `cases` cases per property, from
/// `seed`. One result per property of [`PROPERTIES`], in that order.
pub fn check_scheme(
    scheme: &Scheme,
    backend: BackendKind,
    cases: u32,
    seed: u64,
) -> Vec<PropertyResult> {
    check_scheme_with(
        scheme,
        &CheckOptions {
            backend,
            cases,
            seed,
            source: None,
            only: Vec::new(),
        },
    )
}

/// What [`check_scheme_with`] costs: per case and property, a few worlds of the largest
/// population the kit generates, and the binding property's forgery budget.
pub fn estimate(scheme: &Scheme, opts: &CheckOptions) -> crate::budget::RunCost {
    let largest = crate::world::Population {
        users: 10,
        group_share: 0.5,
        epochs: 3,
        messages_per_session: 3,
        conversations: None,
        ..crate::world::Population::default()
    };
    let properties = if opts.only.is_empty() {
        PROPERTIES.len()
    } else {
        opts.only.len()
    };
    let worlds = crate::budget::WorldCost::of(scheme, &largest, opts.backend);
    let per_property = worlds.cells(2.0, 0.0, 2.0);
    // Only a checksum binding is brute-forced (the binding property's search).
    let forgery = if scheme.field.binding == crate::config::Binding::Checksum {
        worlds.cells(0.0, FORGERY_BUDGET as f64, 0.0).cpu_seconds
    } else {
        0.0
    };
    crate::budget::RunCost {
        cpu_seconds: (per_property.cpu_seconds * properties as f64 + forgery)
            * f64::from(opts.cases.max(1)),
        // Cases run one after the other, each on the threads it has.
        serial_seconds: 0.0,
        bytes: per_property.bytes,
    }
}

/// As [`check_scheme`], with the scheme's source (for the reproduce command) and an
/// optional subset of properties. Unknown names in `only` select nothing.
pub fn check_scheme_with(scheme: &Scheme, opts: &CheckOptions) -> Vec<PropertyResult> {
    let lab = Lab {
        scheme: scheme.clone(),
        backend: opts.backend,
        cases: opts.cases.max(1),
        seed: opts.seed,
        source: opts.source.clone().unwrap_or_else(|| scheme.name.clone()),
        worlds: RefCell::new(BTreeMap::new()),
    };
    let selected: Vec<&str> = PROPERTIES
        .iter()
        .copied()
        .filter(|p| opts.only.is_empty() || opts.only.iter().any(|o| o == p))
        .collect();
    crate::progress::stage(
        &format!("check-scheme {}", scheme.name),
        crate::progress::Unit::Properties,
        selected.len() as u64,
    );
    let family = scheme.family() != crate::mechanism::SESSION_ESCROW;
    selected
        .into_iter()
        .map(|name| {
            let (promise, outcome) = if family {
                mechanism_property(&lab, name)
            } else {
                match name {
                    "correctness" => correctness(&lab),
                    "threshold-secrecy" => threshold_secrecy(&lab),
                    "scope" => scope(&lab),
                    "warrant-validity" => warrant_validity(&lab),
                    "replay" => replay(&lab),
                    "audit" => audit_property(&lab),
                    "share-robustness" => share_robustness(&lab),
                    "binding" => binding(&lab),
                    _ => determinism(&lab),
                }
            };
            let status = match outcome {
                Outcome::Holds => PropertyStatus::Holds,
                Outcome::NotApplicable(why) => PropertyStatus::NotApplicable { why },
                Outcome::Fails(counterexample) => PropertyStatus::Fails {
                    counterexample,
                    reproduce: lab.reproduce(name),
                },
            };
            crate::progress::advance(crate::progress::Unit::Properties);
            PropertyResult {
                name: name.to_string(),
                promise,
                status,
            }
        })
        .collect()
}

/// A property of a family other than session escrow, through the mechanism trait.
fn mechanism_property(lab: &Lab, name: &str) -> (String, Outcome) {
    use super::mechanism_properties::{cases, serve};
    let (s, b) = (&lab.scheme, lab.backend);
    match name {
        "correctness" => (
            "a valid warrant reads messages of the target it names, when the mechanism can reach any"
                .into(),
            lab.run(name, lab.cases, (lab.specs(), cases()), |(spec, case)| {
                let Some(r) = serve(s, b, &spec, &case, false)? else { return Ok(()) };
                if r.in_scope > 0 && r.read_in_scope == 0 {
                    return Err(format!("{} in-scope messages, none read, under {}", r.in_scope, r.warrant));
                }
                Ok(())
            }),
        ),
        "scope" => (
            "a valid warrant never reads a message outside its targets and window".into(),
            lab.run(name, lab.cases, (lab.specs(), cases()), |(spec, case)| {
                let Some(r) = serve(s, b, &spec, &case, false)? else { return Ok(()) };
                if r.read_out_of_scope > 0 {
                    return Err(format!("{} messages outside {} read", r.read_out_of_scope, r.warrant));
                }
                Ok(())
            }),
        ),
        "warrant-validity" => (
            "a warrant signed by another court releases nothing".into(),
            lab.run(name, lab.cases, (lab.specs(), cases()), |(spec, case)| {
                let Some(r) = serve(s, b, &spec, &case, true)? else { return Ok(()) };
                if !r.released.is_empty() {
                    return Err(format!("{} sessions released under a wrongly signed warrant for {}", r.released.len(), r.warrant));
                }
                Ok(())
            }),
        ),
        "determinism" => (
            "the same seed gives the same lawful-access result".into(),
            lab.run(name, lab.cases.min(DETERMINISM_MAX_CASES), (lab.specs(), cases()), |(spec, case)| {
                let a = serve(s, b, &spec, &case, false)?.map(|r| r.released);
                let c = serve(s, b, &spec, &case, false)?.map(|r| r.released);
                if a != c {
                    return Err("two runs from the same seed released different sessions".into());
                }
                Ok(())
            }),
        ),
        _ => (
            format!("session escrow's `{name}` property"),
            Outcome::NotApplicable(format!(
                "a property of session escrow's agents, shares, audit logs or fields; the {} mechanism has none",
                s.family()
            )),
        ),
    }
}

enum Outcome {
    Holds,
    Fails(String),
    NotApplicable(String),
}

/// Quotes a command-line word for a POSIX shell when it needs it.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// One run of the battery: the scheme, the options, and the worlds built so far.
struct Lab {
    scheme: Scheme,
    backend: BackendKind,
    cases: u32,
    seed: u64,
    source: String,
    worlds: RefCell<BTreeMap<WorldSpec, World>>,
}

type CaseResult = Result<(), String>;

impl Lab {
    fn reproduce(&self, property: &str) -> String {
        format!(
            "escrowlab check-scheme {} --cases {} --seed {} --backend {} --property {property}",
            shell_word(&self.source),
            self.cases,
            self.seed,
            self.backend
        )
    }

    /// The world of a spec, run to its end (built once, cloned per case).
    fn world(&self, spec: &WorldSpec) -> Result<World, String> {
        if let Some(w) = self.worlds.borrow().get(spec) {
            return Ok(w.clone());
        }
        let w = crate::mechanism::run_world(spec.config(&self.scheme, self.backend))
            .map_err(|e| format!("world {spec:?} fails to build: {e}"))?;
        self.worlds.borrow_mut().insert(*spec, w.clone());
        Ok(w)
    }

    fn b(&self) -> &'static dyn Backend {
        self.backend
            .instance()
            .expect("the backend was checked by the caller")
    }

    /// Runs `test` on up to `cases` values of `strategy` with this property's seeded RNG.
    fn run<S>(
        &self,
        name: &str,
        cases: u32,
        strategy: S,
        test: impl Fn(S::Value) -> CaseResult,
    ) -> Outcome
    where
        S: Strategy,
        S::Value: Debug,
    {
        let config = Config {
            cases,
            max_shrink_iters: MAX_SHRINK_ITERS,
            max_shrink_time: 0,
            max_local_rejects: 1024,
            max_global_rejects: 1024,
            failure_persistence: None,
            rng_algorithm: RngAlgorithm::ChaCha,
            fork: false,
            timeout: 0,
            verbose: 0,
            ..Config::default()
        };
        let rng = TestRng::from_seed(
            RngAlgorithm::ChaCha,
            &seed::derive(self.seed, &format!("check-scheme/{name}"), &[]),
        );
        let mut runner = TestRunner::new_with_rng(config, rng);
        match runner.run(&strategy, |v| test(v).map_err(TestCaseError::fail)) {
            Ok(()) => Outcome::Holds,
            Err(TestError::Fail(reason, value)) => Outcome::Fails(format!("{value:?}: {reason}")),
            Err(TestError::Abort(reason)) => Outcome::Fails(format!("aborted: {reason}")),
        }
    }

    fn specs(&self) -> impl Strategy<Value = WorldSpec> {
        world_specs(self.seed)
    }

    fn escrow_na(&self) -> Option<Outcome> {
        (!self.scheme.offers_lawful_access()).then(|| {
            Outcome::NotApplicable(format!(
                "scheme `{}` escrows nothing (custody none): there is no escrow field, agent or court",
                self.scheme.name
            ))
        })
    }
}

/// Sessions whose field's escrow key is still live (a destroyed key is the scheme's
/// forward secrecy at work, not a refusal to check).
/// The live session `pick` chooses, with its record, field and current key set; `None`
/// when no session's key is still live.
fn picked_live(
    world: &World,
    pick: super::Pick,
) -> Option<(u32, &SessionRecord, EscrowField, &[u8])> {
    let live = live_sessions(world);
    let s = *live.get(pick.of(live.len()))?;
    let field = world.transcript.field(s)?;
    let public = world.escrow().keys.get(&field.key_epoch)?;
    Some((
        s,
        &world.transcript.sessions[s as usize],
        field,
        public.as_slice(),
    ))
}

fn live_sessions(world: &World) -> Vec<u32> {
    world
        .transcript
        .sessions
        .iter()
        .filter(|s| {
            world
                .transcript
                .field(s.header.session)
                .is_some_and(|f| world.escrow().keys.contains_key(&f.key_epoch))
        })
        .map(|s| s.header.session)
        .collect()
}

fn nonce16(n: u64, label: u64) -> [u8; 16] {
    let d = seed::derive(n, "check-scheme/nonce", &[label]);
    let mut out = [0u8; 16];
    out.copy_from_slice(&d[..16]);
    out
}

/// A concrete warrant case against a world.
struct Concrete {
    signed: SignedWarrant,
    /// The session whose field is requested.
    session: u32,
    /// When the request is presented.
    at: u64,
}

/// Turns a warrant case into a signed warrant and the session it asks for; `None` when
/// the world offers no such case (e.g. out of targets in a group of every user).
fn concrete(world: &World, case: &WarrantCase) -> Result<Option<Concrete>, String> {
    let live = live_sessions(world);
    if live.is_empty() {
        return Ok(None);
    }
    let session = live[case.session.of(live.len())];
    let h = world.transcript.sessions[session as usize].header.clone();
    let now = world.now;
    let mut w = Warrant {
        case_id: format!("check-{:016x}", case.nonce),
        targets: vec![h.members[case.target.of(h.members.len())]],
        from_epoch: h.epoch,
        to_epoch: h.epoch,
        issued: now,
        expires: now + WARRANT_VALIDITY,
        nonce: nonce16(case.nonce, 0),
        use_limit: case.use_limit,
    };
    let mut at = now + 1;
    let court_sign =
        |w: Warrant| lawful::issue_warrant(world, w).map_err(|e| format!("court cannot sign: {e}"));
    let signed = match case.kind {
        WarrantKind::Valid | WarrantKind::Replayed | WarrantKind::OverUsed => court_sign(w)?,
        WarrantKind::Expired => {
            at = now + WARRANT_VALIDITY + 1;
            court_sign(w)?
        }
        WarrantKind::OutOfTargets => {
            let others: Vec<u32> = (0..world.config.population.users)
                .filter(|u| !h.members.contains(u))
                .collect();
            if others.is_empty() {
                return Ok(None);
            }
            w.targets = vec![others[case.target.of(others.len())]];
            court_sign(w)?
        }
        WarrantKind::OutOfWindow => {
            let others: Vec<u32> = (0..world.epochs()).filter(|e| *e != h.epoch).collect();
            if others.is_empty() {
                return Ok(None);
            }
            let e = others[case.target.of(others.len())];
            w.from_epoch = e;
            w.to_epoch = e;
            court_sign(w)?
        }
        WarrantKind::Forged => {
            let real_targets = w.targets.clone();
            w.targets = vec![world.config.population.users];
            let mut s = court_sign(w)?;
            s.warrant.targets = real_targets;
            s
        }
        WarrantKind::WrongKey => {
            let court = world.escrow().court.as_ref().ok_or("no court")?;
            let b = world.backend();
            let (ck, cn) = world.config.scheme.court_kn();
            let other = Court::new(
                b,
                ck,
                cn,
                seed::derive(case.nonce, "check-scheme/wrong-court", &[]),
            )
            .map_err(|e| format!("other court: {e}"))?;
            let judges: Vec<usize> = (0..court.k).collect();
            other
                .issue(b, w, &judges)
                .map_err(|e| format!("other court cannot sign: {e}"))?
        }
    };
    Ok(Some(Concrete {
        signed,
        session,
        at,
    }))
}

/// Submits a request for `sessions` under `signed` to every agent.
fn ask(
    world: &mut World,
    agents: &[usize],
    signed: &SignedWarrant,
    sessions: &[u32],
    nonce: [u8; 16],
    at: u64,
) -> Vec<ShareResponse> {
    let bytes = lawful::build_request(world, signed, sessions, "check-scheme", nonce);
    lawful::submit_to(world, agents, &bytes, at)
}

/// Every agent of the world.
/// Builds the case's world and sends its warrant, with its one session, to every agent.
/// `Some((world, case, agents))` when any agent released a share; `None` when none did or
/// the case does not apply to this world.
fn release_probe(
    lab: &Lab,
    spec: &WorldSpec,
    case: &WarrantCase,
) -> Result<Option<(World, Concrete, Vec<usize>)>, String> {
    let mut world = lab.world(spec)?;
    let Some(c) = concrete(&world, case)? else {
        return Ok(None);
    };
    let all = everyone(&world);
    let rs = ask(
        &mut world,
        &all,
        &c.signed,
        &[c.session],
        nonce16(case.nonce, 1),
        c.at,
    );
    let agents: Vec<usize> = released(&rs, &[c.session])
        .iter()
        .map(|(a, _)| *a)
        .collect();
    Ok((!agents.is_empty()).then_some((world, c, agents)))
}

fn everyone(world: &World) -> Vec<usize> {
    (0..world.escrow().n).collect()
}

/// `(agent, session)` of every share released.
fn released(rs: &[ShareResponse], sessions: &[u32]) -> Vec<(usize, u32)> {
    rs.iter()
        .flat_map(|r| {
            r.items
                .iter()
                .zip(sessions)
                .filter(|(o, _)| o.is_ok())
                .map(move |(_, s)| (r.agent, *s))
        })
        .collect()
}

fn describe_session(world: &World, s: u32) -> String {
    let h = &world.transcript.sessions[s as usize].header;
    format!("session {s} (members {:?}, epoch {})", h.members, h.epoch)
}

fn describe_warrant(w: &Warrant) -> String {
    format!(
        "warrant targets {:?}, epochs {}..={}",
        w.targets, w.from_epoch, w.to_epoch
    )
}

/// Messages of `s` confirmed against ground truth when opened with `key`.
fn confirmed_with(world: &World, s: u32, key: &Key32) -> usize {
    let pts = read_session(&world.transcript, s, key);
    world
        .truth()
        .confirm(pts.iter().map(|(id, pt)| (*id, pt.as_slice())))
        .len()
}

fn correctness(lab: &Lab) -> (String, Outcome) {
    let promise =
        "every message of a valid warrant's in-scope sessions with a live key is read".to_string();
    if let Some(na) = lab.escrow_na() {
        return (promise, na);
    }
    let (k, n) = (lab.scheme.k(), lab.scheme.n());
    let strategy = (
        lab.specs(),
        warrant_cases(WarrantKind::Valid),
        any_k_of_n(k, n),
    );
    let out = lab.run("correctness", lab.cases, strategy, |(spec, case, agents)| {
        let mut world = lab.world(&spec)?;
        let Some(c) = concrete(&world, &case)? else { return Ok(()) };
        let live: BTreeSet<u32> = live_sessions(&world).into_iter().collect();
        let mut sessions: Vec<u32> = lawful::sessions_in_scope(&world, &c.signed.warrant)
            .into_iter()
            .filter(|s| live.contains(s) && *s != c.session)
            .take(MAX_SESSIONS - 1)
            .collect();
        sessions.insert(0, c.session);
        let bytes = lawful::build_request(&world, &c.signed, &sessions, "check-scheme", nonce16(case.nonce, 1));
        let rs = lawful::submit_to(&mut world, &agents, &bytes, c.at);
        let read = lawful::combine_and_read(&world, &sessions, &rs);
        let got = world.truth().confirm(read.plaintexts.iter().map(|(id, pt)| (*id, pt.as_slice())));
        let want = lawful::messages_of(&world, &sessions);
        if got != want {
            let refusals: BTreeSet<String> = rs
                .iter()
                .flat_map(|r| r.items.iter().filter_map(|o| o.as_ref().err().map(|e| format!("agent {}: {}", r.agent, e.control))))
                .collect();
            return Err(format!(
                "{} of {} warranted messages read for sessions {sessions:?} under {} from agents {agents:?}; failed sessions {:?}; refusals {:?}; rejected agents {:?}",
                got.len(),
                want.len(),
                describe_warrant(&c.signed.warrant),
                read.failed_sessions,
                refusals,
                read.rejected_agents
            ));
        }
        Ok(())
    });
    (promise, out)
}

fn threshold_secrecy(lab: &Lab) -> (String, Outcome) {
    let k = lab.scheme.k();
    let promise =
        format!("fewer than k = {k} shares recover no session key, master key or plaintext");
    if let Some(na) = lab.escrow_na() {
        return (promise, na);
    }
    if k < 2 {
        return (
            promise,
            Outcome::NotApplicable(
                "k = 1: fewer than k shares is no share at all, so there is nothing to combine"
                    .into(),
            ),
        );
    }
    let n = lab.scheme.n();
    let strategy = (lab.specs(), fewer_than_k(k, n), picks());
    let out = lab.run(
        "threshold-secrecy",
        lab.cases,
        strategy,
        |(spec, subset, pick)| {
            let world = lab.world(&spec)?;
            let Some((s, rec, field, public)) = picked_live(&world, pick) else {
                return Ok(());
            };
            let b = lab.b();
            let shares: Vec<(usize, Vec<u8>)> = subset
                .iter()
                .filter_map(|&i| Some((i, world.escrow().agents[i].release_unchecked(b, &field)?)))
                .collect();
            let mut candidates: Vec<(String, Vec<u8>)> = Vec::new();
            if let Ok(w) = b.combine_raw(public, &shares, &field.te_ct) {
                candidates.push(("raw combine of the subset".into(), w));
            }
            let mut padded = shares.clone();
            while !padded.is_empty() && padded.len() < k {
                padded.push(padded[padded.len() % shares.len()].clone());
            }
            if let Ok(w) = b.combine_raw(public, &padded, &field.te_ct) {
                candidates.push(("raw combine padded to k with duplicates".into(), w));
            }
            let points: Vec<(usize, Scalar)> = subset
                .iter()
                .filter_map(|&i| {
                    Some((
                        i,
                        world.escrow().agents[i].vault.get(field.key_epoch)?.clone(),
                    ))
                })
                .collect();
            if let Ok(m) = b.interpolate_at_zero(&points) {
                if b.public_key_of_scalar(&m).ok().as_ref()
                    == world.escrow().master_keys.get(&field.key_epoch)
                {
                    return Err(format!(
                        "interpolating the secret shares of agents {subset:?} gives the master key"
                    ));
                }
                if let Ok(w) = b.decrypt_with_scalar_unverified(&m, &field.te_ct) {
                    candidates.push(("decryption with the interpolated scalar".into(), w));
                }
            }
            for (how, w) in candidates {
                if unwrap_session_key(&w, &rec.header, &field).is_some() {
                    return Err(format!(
                        "{how} with agents {subset:?} recovers the session key of {}",
                        describe_session(&world, s)
                    ));
                }
                if let Ok(arr) = <[u8; 32]>::try_from(w.as_slice()) {
                    if confirmed_with(&world, s, &Key32(arr)) > 0 {
                        return Err(format!(
                            "{how} with agents {subset:?} reads plaintext of {}",
                            describe_session(&world, s)
                        ));
                    }
                }
            }
            Ok(())
        },
    );
    (promise, out)
}

fn scope(lab: &Lab) -> (String, Outcome) {
    let promise = "a field outside the warrant's targets or window is never released".to_string();
    if let Some(na) = lab.escrow_na() {
        return (promise, na);
    }
    let strategy = (
        lab.specs(),
        warrant_cases_of(&[WarrantKind::OutOfTargets, WarrantKind::OutOfWindow]),
    );
    let out = lab.run("scope", lab.cases, strategy, |(spec, case)| {
        if let Some((world, c, agents)) = release_probe(lab, &spec, &case)? {
            return Err(format!(
                "agents {agents:?} released shares for {} under {}",
                describe_session(&world, c.session),
                describe_warrant(&c.signed.warrant)
            ));
        }
        Ok(())
    });
    (promise, out)
}

fn warrant_validity(lab: &Lab) -> (String, Outcome) {
    let promise = "an expired, forged or wrongly signed warrant releases nothing".to_string();
    if let Some(na) = lab.escrow_na() {
        return (promise, na);
    }
    let strategy = (lab.specs(), warrant_cases(WarrantKind::Valid));
    let out = lab.run("warrant-validity", lab.cases, strategy, |(spec, valid)| {
        for kind in [
            WarrantKind::Expired,
            WarrantKind::Forged,
            WarrantKind::WrongKey,
        ] {
            let case = WarrantCase { kind, ..valid };
            if let Some((world, c, agents)) = release_probe(lab, &spec, &case)? {
                return Err(format!(
                    "agents {agents:?} released shares for {} to a {:?} warrant",
                    describe_session(&world, c.session),
                    case.kind
                ));
            }
        }
        Ok(())
    });
    (promise, out)
}

fn replay(lab: &Lab) -> (String, Outcome) {
    let promise = "a replayed request or an over-used warrant releases nothing".to_string();
    if let Some(na) = lab.escrow_na() {
        return (promise, na);
    }
    let (k, n) = (lab.scheme.k(), lab.scheme.n());
    let strategy = (
        lab.specs(),
        warrant_cases_of(&[WarrantKind::Replayed, WarrantKind::OverUsed]),
        any_k_of_n(k, n),
    );
    let out = lab.run("replay", lab.cases, strategy, |(spec, case, agents)| {
        let mut world = lab.world(&spec)?;
        let Some(c) = concrete(&world, &case)? else {
            return Ok(());
        };
        let sessions = [c.session];
        let (uses, last) = match case.kind {
            WarrantKind::Replayed => {
                let bytes = lawful::build_request(
                    &world,
                    &c.signed,
                    &sessions,
                    "check-scheme",
                    nonce16(case.nonce, 1),
                );
                lawful::submit_to(&mut world, &agents, &bytes, c.at);
                (1, lawful::submit_to(&mut world, &agents, &bytes, c.at + 1))
            }
            _ => {
                let limit = c.signed.warrant.use_limit;
                for u in 0..limit {
                    ask(
                        &mut world,
                        &agents,
                        &c.signed,
                        &sessions,
                        nonce16(case.nonce, 1 + u64::from(u)),
                        c.at + u64::from(u),
                    );
                }
                let at = c.at + u64::from(limit);
                (
                    limit,
                    ask(
                        &mut world,
                        &agents,
                        &c.signed,
                        &sessions,
                        nonce16(case.nonce, 100),
                        at,
                    ),
                )
            }
        };
        let rel = released(&last, &sessions);
        if !rel.is_empty() {
            let agents: Vec<usize> = rel.iter().map(|(a, _)| *a).collect();
            let what = if case.kind == WarrantKind::Replayed {
                "the same request sent again".to_string()
            } else {
                format!(
                    "request {} under a warrant with use limit {}",
                    uses + 1,
                    c.signed.warrant.use_limit
                )
            };
            return Err(format!(
                "agents {agents:?} released shares for {} to {what}",
                describe_session(&world, c.session)
            ));
        }
        Ok(())
    });
    (promise, out)
}

fn audit_property(lab: &Lab) -> (String, Outcome) {
    let mode = lab.scheme.audit.log;
    let promise = match mode {
        AuditMode::None => "no log: nothing promised".to_string(),
        AuditMode::HashChain => "every release is recorded; edit, delete, reorder, insert and chain-reset are detected (truncate and rewrite need a witness)".to_string(),
        AuditMode::Witnessed => "every release is recorded; every single tamper (edit, delete, reorder, insert, chain-reset, truncate, rewrite) is detected".to_string(),
    };
    if let Some(na) = lab.escrow_na() {
        return (promise, na);
    }
    if mode == AuditMode::None {
        return (
            promise,
            Outcome::NotApplicable(
                "audit log none: the agents keep no log, so there is nothing to verify".into(),
            ),
        );
    }
    let (k, n) = (lab.scheme.k(), lab.scheme.n());
    let strategy = (
        lab.specs(),
        warrant_cases(WarrantKind::Valid),
        picks(),
        log_tampers(),
        any_k_of_n(k, n),
    );
    let out = lab.run(
        "audit",
        lab.cases,
        strategy,
        |(spec, case, probe, tamper, agents)| {
            let mut world = lab.world(&spec)?;
            let Some(c) = concrete(&world, &case)? else {
                return Ok(());
            };
            // A lawful request and an out-of-scope probe.
            let mut asked: Vec<(SignedWarrant, u32, Vec<ShareResponse>)> = Vec::new();
            let rs = ask(
                &mut world,
                &agents,
                &c.signed,
                &[c.session],
                nonce16(case.nonce, 1),
                c.at,
            );
            asked.push((c.signed.clone(), c.session, rs));
            let live = live_sessions(&world);
            let p = live[probe.of(live.len())];
            let rs = ask(
                &mut world,
                &agents,
                &c.signed,
                &[p],
                nonce16(case.nonce, 2),
                c.at + 1,
            );
            asked.push((c.signed.clone(), p, rs));
            // Completeness: each release has its record, and no record claims a release that
            // did not happen.
            let mut granted_per_agent: BTreeMap<usize, usize> = BTreeMap::new();
            for (signed, s, rs) in &asked {
                let field = world.transcript.field(*s).ok_or("no field")?;
                let field_id = format!("s{s}:{}", fingerprint(&field.te_ct));
                for r in rs {
                    if r.items.first().is_some_and(|o| o.is_ok()) {
                        *granted_per_agent.entry(r.agent).or_default() += 1;
                        let log = &world.escrow().agents[r.agent].audit;
                        let found = log.entries().iter().any(|e| {
                            e.record.decision == Decision::Granted
                                && e.record.field_id == field_id
                                && e.record.warrant_fp == signed.fingerprint()
                        });
                        if !found {
                            return Err(format!(
                                "agent {} released a share for {} with no audit record",
                                r.agent,
                                describe_session(&world, *s)
                            ));
                        }
                    }
                }
            }
            let witness = (mode == AuditMode::Witnessed).then_some(&world.escrow().witness);
            for a in &world.escrow().agents {
                let g = a.audit.granted_count();
                let want = granted_per_agent.get(&a.index).copied().unwrap_or(0);
                if g != want {
                    return Err(format!(
                        "agent {}'s log records {g} releases, it made {want}",
                        a.index
                    ));
                }
                if let Err(t) = audit::verify(&a.audit, witness) {
                    return Err(format!(
                        "agent {}'s honest log fails verification: {t}",
                        a.index
                    ));
                }
            }
            // One tamper of one agent's log.
            // The tampered log is that of an agent that was asked (its log has entries).
            let i = agents[case.target.of(agents.len())];
            let log = &world.escrow().agents[i].audit;
            let Some(tampered) = tamper.apply(log) else {
                return Ok(());
            };
            if tamper.promised_by(mode) && audit::verify(&tampered, witness).is_ok() {
                return Err(format!(
                    "{} of agent {i}'s log ({} entries) is not detected",
                    tamper.kind(),
                    log.len()
                ));
            }
            Ok(())
        },
    );
    (promise, out)
}

/// Agent `offender`'s replacement share, per kind.
fn bad_share_bytes(
    lab: &Lab,
    world: &World,
    s: u32,
    field: &EscrowField,
    bad: &BadShare,
    honest: &[(usize, Vec<u8>)],
) -> Result<Vec<(usize, Vec<u8>)>, String> {
    let b = lab.b();
    let mut shares = honest.to_vec();
    let replace = |shares: &mut Vec<(usize, Vec<u8>)>, offender: usize, bytes: Vec<u8>| {
        shares.retain(|(i, _)| *i != offender);
        shares.insert(0, (offender, bytes));
    };
    let own = |i: usize| {
        honest
            .iter()
            .find(|(j, _)| *j == i)
            .map(|(_, s)| s.clone())
            .ok_or(format!("agent {i} holds no share"))
    };
    match *bad {
        BadShare::Duplicate { offender, source } => replace(&mut shares, offender, own(source)?),
        BadShare::Repeated { agent } => {
            let mine = own(agent)?;
            shares.retain(|(i, _)| *i != agent);
            shares.insert(0, (agent, mine.clone()));
            shares.insert(0, (agent, mine));
        }
        BadShare::OtherKeySet { offender, seed: sd } => {
            let (k, n) = (world.escrow().k, world.escrow().n);
            let km = b
                .dealer_keygen(k, n, seed::derive(sd, "check-scheme/other-key-set", &[]))
                .map_err(|e| e.to_string())?;
            let d = b
                .decryption_share(&km.shares[offender], &field.te_ct)
                .map_err(|e| e.to_string())?;
            replace(&mut shares, offender, d);
        }
        BadShare::OtherCiphertext { offender, other } => {
            let others: Vec<u32> = live_sessions(world)
                .into_iter()
                .filter(|x| *x != s)
                .collect();
            if others.is_empty() {
                return Ok(shares);
            }
            let o = others[other.of(others.len())];
            let of = world.transcript.field(o).ok_or("no field")?;
            let d = world.escrow().agents[offender]
                .release_unchecked(b, &of)
                .ok_or("no share for the other field")?;
            replace(&mut shares, offender, d);
        }
        BadShare::RandomBytes { offender, seed: sd } => {
            let len = own(offender)?.len();
            let mut bytes = vec![0u8; len];
            seed::rng(sd, "check-scheme/random-share", &[]).fill_bytes(&mut bytes);
            replace(&mut shares, offender, bytes);
        }
    }
    Ok(shares)
}

fn share_robustness(lab: &Lab) -> (String, Outcome) {
    let promise =
        "no bad share yields a wrong plaintext; the offending agent, and only it, is named"
            .to_string();
    if let Some(na) = lab.escrow_na() {
        return (promise, na);
    }
    let n = lab.scheme.n();
    let strategy = (lab.specs(), bad_shares(n), picks());
    let out = lab.run("share-robustness", lab.cases, strategy, |(spec, bad, pick)| {
        let world = lab.world(&spec)?;
        let Some((s, rec, field, public)) = picked_live(&world, pick) else {
            return Ok(());
        };
        let b = lab.b();
        let honest: Vec<(usize, Vec<u8>)> =
            world.escrow().agents.iter().filter_map(|a| Some((a.index, a.release_unchecked(b, &field)?))).collect();
        let shares = bad_share_bytes(lab, &world, s, &field, &bad, &honest)?;
        let messages = rec.messages.len();
        let offender = bad.offender();
        let named: Vec<usize> = match recover(b, public, world.escrow().n, &rec.header, &field, &shares, world.escrow().verify_shares) {
            Ok(rcv) => {
                let read = confirmed_with(&world, s, &rcv.session_key);
                if read != messages {
                    return Err(format!("the combiner returned a wrong session key for {}: {read} of {messages} messages open", describe_session(&world, s)));
                }
                rcv.rejected.iter().map(|(a, _)| *a).collect()
            }
            Err(crate::Error::ShareRejected { agent, .. }) => vec![agent],
            Err(e) => {
                if let Some(o) = offender {
                    return Err(format!("agent {o}'s bad share is not named; the combiner says: {e}"));
                }
                Vec::new()
            }
        };
        if let Some(o) = offender {
            if !named.contains(&o) {
                return Err(format!("agent {o}'s bad share is not named (named: {named:?})"));
            }
        }
        if let Some(h) = named.iter().find(|a| Some(**a) != offender) {
            return Err(format!("honest agent {h} is named as the offender"));
        }
        Ok(())
    });
    (promise, out)
}

/// What the binding forger found.
struct Forgery {
    tries: u64,
    session: u32,
    field: EscrowField,
}

/// The Blaze search: replace a session's escrowed ciphertext with garbage and query the
/// recipient's keyless check with one candidate per try, up to [`FORGERY_BUDGET`].
fn forge(lab: &Lab, world: &World) -> Result<Option<Forgery>, String> {
    let Some(&s) = live_sessions(world).first() else {
        return Ok(None);
    };
    let rec = &world.transcript.sessions[s as usize];
    let honest = world
        .transcript
        .field(s)
        .ok_or("the session has no field")?;
    let conv = &world.conversations[rec.header.conv as usize];
    let session_key = session_key_of(world.config.seed, conv, s);
    let escrow_public = world
        .escrow()
        .keys
        .get(&honest.key_epoch)
        .ok_or("the session's key is gone")?;
    let sender_vk = world.directory[rec.header.sender as usize];
    let env = FieldEnv {
        backend: lab.b(),
        rule: world.escrow().rule,
        family_key: &world.escrow().family_key,
    };
    let check = env
        .prepare_recipient_check(
            &rec.header,
            &session_key,
            honest.key_epoch,
            escrow_public,
            &sender_vk,
        )
        .map_err(|e| e.to_string())?;
    let mut rng = seed::rng(lab.seed, "check-scheme/forger", &[]);
    let mut cand = honest.clone();
    rng.fill_bytes(&mut cand.te_ct);
    rng.fill_bytes(&mut cand.wrapped);
    cand.check = (0..honest.check.len()).map(|_| rng.gen()).collect();
    cand.sig.clear();
    let at = |c: &mut EscrowField, t: u64| c.te_ct[..8].copy_from_slice(&t.to_be_bytes());
    // The search is a pure function of its inputs: remember its outcome for the process,
    // so that schemes sharing keys and traffic (a scheme and its broken variants) search
    // once. Then search in parallel, keeping the first try that passes.
    let memo_key: [u8; 32] = {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(format!("{:?}|{}|", world.escrow().rule, lab.backend));
        h.update(world.escrow().family_key);
        h.update(session_key.0);
        h.update(rec.header.encode());
        h.update(cand.encode());
        h.update(escrow_public);
        h.finalize().into()
    };
    static SEARCHES: std::sync::OnceLock<std::sync::Mutex<BTreeMap<[u8; 32], Option<u64>>>> =
        std::sync::OnceLock::new();
    let memo = SEARCHES.get_or_init(Default::default);
    let known = memo
        .lock()
        .map_err(|_| "poisoned memo")?
        .get(&memo_key)
        .copied();
    let found = match known {
        Some(found) => found,
        None => {
            use rayon::prelude::*;
            let found = (1..=FORGERY_BUDGET)
                .into_par_iter()
                .map_init(
                    || cand.clone(),
                    |c, t| {
                        at(c, t);
                        check.check_keyless(c).is_ok().then_some(t)
                    },
                )
                .find_first(Option::is_some)
                .flatten();
            memo.lock()
                .map_err(|_| "poisoned memo")?
                .insert(memo_key, found);
            found
        }
    };
    let Some(t) = found else { return Ok(None) };
    at(&mut cand, t);
    if world.escrow().rule.agent_verifiable() {
        cand.sign(
            &rec.header,
            &identity_key(world.config.seed, rec.header.sender),
        );
    }
    check
        .check(&cand)
        .map_err(|e| format!("forgery accepted by the keyless check fails the full check: {e}"))?;
    // Does it escrow the session key? Decrypt with the whole escrow key (from k shares).
    let b = lab.b();
    let points: Vec<(usize, Scalar)> = world
        .escrow()
        .agents
        .iter()
        .filter_map(|a| Some((a.index, a.vault.get(cand.key_epoch)?.clone())))
        .take(world.escrow().k)
        .collect();
    let escrowed = b
        .interpolate_at_zero(&points)
        .ok()
        .and_then(|m| b.decrypt_with_scalar_unverified(&m, &cand.te_ct).ok())
        .and_then(|w| unwrap_session_key(&w, &rec.header, &cand))
        .is_some_and(|k| k == session_key);
    if escrowed {
        return Err("the forger's garbage field escrows the session key (impossible)".into());
    }
    Ok(Some(Forgery {
        tries: t,
        session: s,
        field: cand,
    }))
}

fn binding(lab: &Lab) -> (String, Outcome) {
    let rule = crate::escrow::field::BindingRule::from_scheme(
        lab.scheme.field.binding,
        lab.scheme.field.checksum_bits,
    );
    let promise = format!(
        "no field that escrows nothing passes the recipient ({} forger tries); swapped headers, flipped bits, forged checks are rejected{}",
        FORGERY_BUDGET,
        if lab.scheme.warrant.check_scope { "; agents refuse a field under another header" } else { "" }
    );
    if let Some(na) = lab.escrow_na() {
        return (promise, na);
    }
    // The forger, once per run, on the smallest world.
    let spec = WorldSpec {
        users: 6,
        epochs: 2,
        messages_per_session: super::MESSAGES_PER_SESSION,
        seed: lab.seed,
    };
    let forgery = match lab.world(&spec).and_then(|w| forge(lab, &w)) {
        Ok(f) => f,
        Err(e) => {
            return (
                promise,
                Outcome::Fails(format!("the forgery search could not run: {e}")),
            )
        }
    };
    let agents_check = lab.scheme.warrant.check_scope;
    let strategy = (
        lab.specs(),
        field_tampers(),
        warrant_cases(WarrantKind::Valid),
    );
    let tampers = lab.run("binding", lab.cases, strategy, |(spec, tamper, case)| {
        let mut world = lab.world(&spec)?;
        let Some(c) = concrete(&world, &case)? else { return Ok(()) };
        let s = c.session;
        let rec = world.transcript.sessions[s as usize].clone();
        let field = world.transcript.field(s).ok_or("no field")?;
        let conv = &world.conversations[rec.header.conv as usize];
        let session_key = session_key_of(world.config.seed, conv, s);
        let mut bad = field.clone();
        let mut swapped_from = None;
        match tamper {
            FieldTamper::HeaderSwap { other } => {
                let others: Vec<u32> = live_sessions(&world).into_iter().filter(|x| *x != s).collect();
                if others.is_empty() {
                    return Ok(());
                }
                let o = others[other.of(others.len())];
                bad = world.transcript.field(o).ok_or("no field")?;
                swapped_from = Some(o);
            }
            FieldTamper::BitFlip { byte, bit } => {
                let len = bad.te_ct.len() + bad.wrapped.len();
                let i = byte.of(len);
                if i < bad.te_ct.len() {
                    bad.te_ct[i] ^= 1 << bit;
                } else {
                    bad.wrapped[i - bad.te_ct.len()] ^= 1 << bit;
                }
            }
            FieldTamper::ForgedCheck { seed: sd } => {
                let mut r = seed::rng(sd, "check-scheme/forged-check", &[]);
                let len = bad.check.len().max(1);
                loop {
                    let c: Vec<u8> = (0..len).map(|_| r.gen()).collect();
                    if c != field.check {
                        bad.check = c;
                        break;
                    }
                }
            }
        }
        if bad == field {
            return Ok(());
        }
        let env = FieldEnv { backend: lab.b(), rule: world.escrow().rule, family_key: &world.escrow().family_key };
        let public = &world.escrow().keys[&field.key_epoch];
        let vk = world.directory[rec.header.sender as usize];
        if env.recipient_check(&rec.header, &session_key, &bad, public, &vk).is_ok() {
            return Err(format!("the recipient of {} accepts the tampered field", describe_session(&world, s)));
        }
        let out_of_scope = |o: u32| {
            let h = &world.transcript.sessions[o as usize].header;
            !c.signed.warrant.covers(h.epoch, &h.members)
        };
        if let (true, Some(o)) = (agents_check, swapped_from.filter(|o| out_of_scope(*o))) {
            let item = (rec.header.clone(), bad.clone());
            let req = crate::escrow::agent::ShareRequest {
                warrant: c.signed.clone(),
                items: vec![item],
                requester: "check-scheme".into(),
                nonce: nonce16(case.nonce, 1),
            };
            let all: Vec<usize> = (0..world.escrow().n).collect();
            let rs = lawful::submit_to(&mut world, &all, &req.encode(), c.at);
            let rel = released(&rs, &[s]);
            if !rel.is_empty() {
                let agents: Vec<usize> = rel.iter().map(|(a, _)| *a).collect();
                return Err(format!("agents {agents:?} released the field of out-of-scope session {o} presented under the header of {}", describe_session(&world, s)));
            }
        }
        Ok(())
    });
    let out = match (forgery, tampers) {
        (None, t) => t,
        (Some(f), t) => {
            let also = match t {
                Outcome::Fails(c) => format!("; also {c}"),
                _ => String::new(),
            };
            Outcome::Fails(format!(
                "forgery found after {} tries (budget {}): world {spec:?}, session {} keeps its header, escrows garbage (threshold ciphertext {}…, check {}) and passes the recipient's {} check{also}",
                f.tries,
                FORGERY_BUDGET,
                f.session,
                hex::encode(&f.field.te_ct[..12]),
                if f.field.check.is_empty() { "(none)".to_string() } else { hex::encode(&f.field.check) },
                rule.control()
            ))
        }
    };
    (promise, out)
}

fn transcript_digest(world: &World) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(format!("{:?}", world.transcript.sessions));
    for e in world.transcript.envelopes.iter() {
        h.update(format!("{:?}", e.header));
        h.update(&e.ciphertext);
        h.update(e.time.to_be_bytes());
    }
    hex::encode(h.finalize())
}

fn determinism(lab: &Lab) -> (String, Outcome) {
    let promise =
        "the same seed gives the same transcript and the same lawful-access result".to_string();
    let cases = lab.cases.min(DETERMINISM_MAX_CASES);
    let escrow = lab.scheme.custody.kind != CustodyKind::None;
    let strategy = (lab.specs(), warrant_cases(WarrantKind::Valid));
    let out = lab.run("determinism", cases, strategy, |(spec, case)| {
        let a = lab.world(&spec)?;
        let b = crate::mechanism::run_world(spec.config(&lab.scheme, lab.backend)).map_err(|e| e.to_string())?;
        if transcript_digest(&a) != transcript_digest(&b) {
            return Err("two worlds from the same spec differ in their transcripts".into());
        }
        if !escrow {
            return Ok(());
        }
        let mut results = Vec::new();
        for mut w in [a, b] {
            let Some(c) = concrete(&w, &case)? else { return Ok(()) };
            let all = everyone(&w);
            let rs = ask(&mut w, &all, &c.signed, &[c.session], nonce16(case.nonce, 1), c.at);
            let read = lawful::combine_and_read(&w, &[c.session], &rs);
            let heads: Vec<String> = w.escrow().agents.iter().map(|a| hex::encode(a.audit.head())).collect();
            results.push(format!("{:?} {:?} {:?} {heads:?}", read.plaintexts, read.failed_sessions, read.rejected_agents));
        }
        if results[0] != results[1] {
            return Err("the same lawful-access request on two worlds from the same spec gives different results".into());
        }
        Ok(())
    });
    (promise, out)
}
