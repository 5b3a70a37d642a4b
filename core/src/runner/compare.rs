//! The six families on equal footing (`escrowlab compare`): per family scheme and per
//! attacker class, the worst attack with its parameters maximised over the class (never
//! at its defaults), plain E2E's worst in the same class, the difference (the risk the
//! mechanism adds), and lawful access served the same warrants at the same moments, with
//! what it cost; every figure over several seeds with a 95 % interval.
//!
//! **Classes.** Every attack declares its [`AttackerClass`] and how its parameters scale
//! within it ([`crate::attack::Attack::class`]). Under class bounds `c` (coalition), `d`
//! (devices) and `W` (work), each attack runs at every parameter set of its class's grid
//! ([`ClassSpec::grid`]): the parties the class allows, every target, and every mode,
//! flag, epoch and index. A class's figure for a scheme is the worst cell of any attack of
//! that class (most users exposed, ties by messages). An attack counts in its own class
//! only: a coalition row is the worst coalition attack, not also the worst insider one.
//! A parameter that picks one user (the device implanted) is swept over every user on
//! the two baselines; under each escrow scheme the [`DEVICE_CANDIDATES`] users whose
//! choice exposed the most there are tried (the same device holds the same sessions
//! whatever the scheme).
//!
//! **Baselines.** Plain E2E is measured under the same classes twice: `e2e-baseline`,
//! whose clients check no roster (a provider inserting members reads what it likes, as it
//! does under the ghost user), and [`BASELINE_CHECKED`], the same with clients that
//! verify membership. The marginal risk of a family in a class is its worst exposure minus
//! the baseline's worst in that class, per seed, then over seeds.
//!
//! **Lawful access.** Every scheme is served the same warrants: `warrants` targets chosen
//! from the seed among active users, each in two kinds: *prospective* (issued at the start
//! of epoch `epochs / 2`, covering that epoch to the last) and *retrospective* (issued at
//! the end of the run, covering every epoch). Both are executed at the end of the run;
//! a ghost is inserted when its warrant is issued, so only a prospective warrant reads
//! anything under the ghost user. The cost is what the mechanism measured while serving:
//! devices taken, hash evaluations (`work`), passcodes disclosed, taps inserted, ledger
//! records, agent requests.

use super::loophole::{Estimate, BASELINE_SCHEME, INTERVAL};
use super::{base_worlds, run_cell, CellResult};
use crate::attack::context::BaseWorlds;
use crate::attack::{
    Attack, AttackerClass, ClassBounds, ClassSpec, ParamValue, Params, Registry, RunSize,
};
use crate::backend::BackendKind;
use crate::budget::{RunCost, WorldCost};
use crate::config::scheme::Scheme;
use crate::error::{Error, Result};
use crate::world::{Population, WorldConfig};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The JSON schema name of `compare`'s output.
pub const SCHEMA: &str = "escrowlab-compare/1";
/// Plain E2E whose clients verify conversation membership (built here from
/// `e2e-baseline` with `[client] roster_check = true`).
pub const BASELINE_CHECKED: &str = "e2e-baseline-checked";
const BASELINE_CHECKED_TOML: &str = r#"
name = "e2e-baseline-checked"
summary = "Plain end-to-end encryption with no escrow, clients verifying membership"

[custody]
kind = "none"

[field]
binding = "none"

[audit]
log = "none"

[client]
roster_check = true
"#;
/// One scheme per family, measured by default.
pub const FAMILY_SCHEMES: [&str; 6] = [
    "threshold-3of5",
    "hsm-guess-limit",
    "crumple-zone",
    "device-escrow",
    "ghost-user",
    "public-ledger",
];
/// Users by default.
pub const DEFAULT_USERS: u32 = 200;
/// Seeds by default.
pub const DEFAULT_SEEDS: u32 = 3;
/// Base seed by default: seed `i` is `base + i`.
pub const DEFAULT_BASE_SEED: u64 = 42;
/// Warrant targets by default (each served in both kinds).
pub const DEFAULT_WARRANTS: u32 = 5;
/// Most users `compare` accepts (every user's device is a cell of the seizure class).
pub const MAX_USERS: u32 = 2_000;
/// Most seeds.
pub const MAX_SEEDS: u32 = 100;
/// Most warrant targets.
pub const MAX_WARRANTS: u32 = 1_000;
pub use crate::lawful::{LawfulOnce, WarrantKind, HSM_ASSUMPTION};

/// The built-in plain-E2E scheme whose clients verify membership.
///
/// # Panics
/// Never: the text is a constant checked by the tests.
pub fn baseline_checked() -> Scheme {
    Scheme::from_toml_str(BASELINE_CHECKED_TOML, "builtin:e2e-baseline-checked")
        .unwrap_or_else(|e| panic!("built-in {BASELINE_CHECKED} is invalid: {e}"))
}

/// What `escrowlab compare` measures.
#[derive(Clone, Debug)]
pub struct CompareOptions {
    /// Users per world.
    pub users: u32,
    /// Seeds.
    pub seeds: u32,
    /// Seed `i` is `base_seed + i` (wrapping).
    pub base_seed: u64,
    /// The family schemes measured (the two baselines are always measured too).
    pub schemes: Vec<Scheme>,
    /// The population template (its users are replaced by `users`).
    pub population: Population,
    /// Backend override.
    pub backend: Option<BackendKind>,
    /// The bounds of the classes.
    pub bounds: ClassBounds,
    /// Warrant targets served in each kind.
    pub warrants: u32,
}

impl CompareOptions {
    /// The defaults: 200 users, 3 seeds from 42, one scheme per family, the default
    /// population shape, `c = 3`, `d = 1`, `W = 2^20`, 5 warrants.
    ///
    /// # Errors
    /// When a built-in scheme cannot be loaded.
    pub fn defaults() -> Result<CompareOptions> {
        Ok(CompareOptions {
            users: DEFAULT_USERS,
            seeds: DEFAULT_SEEDS,
            base_seed: DEFAULT_BASE_SEED,
            schemes: FAMILY_SCHEMES
                .iter()
                .map(|s| Scheme::load(s))
                .collect::<Result<_>>()?,
            population: Population::default(),
            backend: None,
            bounds: ClassBounds::default(),
            warrants: DEFAULT_WARRANTS,
        })
    }
    /// The seeds, in order.
    pub fn seed_list(&self) -> Vec<u64> {
        (0..u64::from(self.seeds))
            .map(|i| self.base_seed.wrapping_add(i))
            .collect()
    }
    /// The population measured.
    pub fn population(&self) -> Population {
        Population {
            users: self.users,
            ..self.population.clone()
        }
    }
    /// Every scheme measured: the family schemes, then the two baselines.
    pub fn all_schemes(&self) -> Result<Vec<Scheme>> {
        let mut v = self.schemes.clone();
        v.push(Scheme::load(BASELINE_SCHEME)?);
        v.push(baseline_checked());
        Ok(v)
    }
    /// Checks every option against its limit.
    ///
    /// # Errors
    /// [`Error::Input`] naming the option and the accepted range.
    pub fn validate(&self) -> Result<()> {
        if !(2..=MAX_USERS).contains(&self.users) {
            return Err(Error::input(format!(
                "--users {} is out of range (accepted: 2..={MAX_USERS})",
                self.users
            )));
        }
        if !(1..=MAX_SEEDS).contains(&self.seeds) {
            return Err(Error::input(format!(
                "--seeds {} is out of range (accepted: 1..={MAX_SEEDS})",
                self.seeds
            )));
        }
        if !(1..=MAX_WARRANTS).contains(&self.warrants) {
            return Err(Error::input(format!(
                "--warrants {} is out of range (accepted: 1..={MAX_WARRANTS})",
                self.warrants
            )));
        }
        if !(1..=64).contains(&self.bounds.coalition) {
            return Err(Error::input(format!(
                "--coalition {} is out of range (accepted: 1..=64)",
                self.bounds.coalition
            )));
        }
        if !(1..=self.users).contains(&self.bounds.devices) {
            return Err(Error::input(format!(
                "--devices {} is out of range (accepted: 1..={}, the users)",
                self.bounds.devices, self.users
            )));
        }
        if !(1..=1u64 << 40).contains(&self.bounds.work) {
            return Err(Error::input(format!(
                "--work {} is out of range (accepted: 1..={})",
                self.bounds.work,
                1u64 << 40
            )));
        }
        if self.schemes.is_empty() {
            return Err(Error::input("no scheme to compare"));
        }
        for (i, s) in self.schemes.iter().enumerate() {
            if self.schemes[..i].iter().any(|t| t.name == s.name) {
                return Err(Error::input(format!("--scheme {} is given twice", s.name)));
            }
            if s.name == BASELINE_SCHEME || s.name == BASELINE_CHECKED {
                return Err(Error::input(format!(
                    "--scheme {}: the baselines are always measured; give escrow schemes",
                    s.name
                )));
            }
        }
        self.population().validate()
    }

    /// The cells of one scheme's world: every attack at every parameter set of its class's
    /// grid.
    ///
    /// # Errors
    /// [`Error::Input`] when a grid's parameter set is refused by the attack's own ranges.
    pub fn cells_of(
        &self,
        registry: &Registry,
        scheme: &Scheme,
    ) -> Result<Vec<(&'static dyn Attack, AttackerClass, Params)>> {
        let size = RunSize::of(scheme, &self.population());
        let mut out = Vec::new();
        for a in registry.iter() {
            let spec = class_of(a);
            let (grid, _) = spec.grid(a.meta().params, &self.bounds, &size);
            for given in grid {
                let p = Params::resolve(a.meta().id, a.meta().params, &given)?;
                out.push((a, spec.class, p));
            }
        }
        Ok(out)
    }

    /// What the comparison costs: per seed and scheme, its world and every cell of every
    /// grid (with the brute-force guesses the parameters set), and the lawful warrants.
    ///
    /// # Errors
    /// As [`CompareOptions::cells_of`].
    pub fn estimate(&self, registry: &Registry) -> Result<RunCost> {
        let population = self.population();
        let mut one_seed = RunCost::default();
        for scheme in self.all_schemes()? {
            let backend = self
                .backend
                .or(scheme.backend)
                .unwrap_or(BackendKind::Blsttc);
            let mut cells = self.cells_of(registry, &scheme)?;
            if scheme.name != BASELINE_SCHEME && scheme.name != BASELINE_CHECKED {
                // Under a family, the user sweep is cut to the baselines' worst users.
                let kept: BTreeSet<i64> = (0..DEVICE_CANDIDATES as i64 * 2).collect();
                cells = restrict_users(&cells, &kept);
            }
            let guesses: f64 = cells
                .iter()
                .map(|(a, _, p)| super::guesses(*a, &scheme, p))
                .sum();
            let diverging = cells
                .iter()
                .filter(|(a, _, _)| super::diverges_under(*a, &scheme))
                .count();
            // A cell that picks one user's device and leaves the traffic alone is priced as
            // one device of `loophole`'s sweep (it reads that device's sessions); any other
            // applicable cell as a suite cell.
            let device =
                |a: &dyn Attack| !user_params(a).is_empty() && !super::diverges_under(a, &scheme);
            let devices = cells
                .iter()
                .filter(|(a, _, _)| super::fully_applicable(*a, &scheme) && device(*a))
                .count();
            let applicable = cells
                .iter()
                .filter(|(a, _, _)| super::fully_applicable(*a, &scheme) && !device(*a))
                .count();
            let w = WorldCost::of(&scheme, &population, backend);
            let sweep = w.every_device(devices as f64).cpu_seconds - w.cpu_seconds;
            one_seed = one_seed
                + w.cells(applicable as f64, guesses, diverging as f64)
                + RunCost {
                    cpu_seconds: sweep,
                    serial_seconds: 0.0,
                    bytes: 0.0,
                }
                + RunCost {
                    cpu_seconds: w.utility_s(2.0 * f64::from(self.warrants)),
                    serial_seconds: w.utility_s(2.0 * f64::from(self.warrants)),
                    bytes: 0.0,
                };
        }
        let mut total = RunCost::default();
        for _ in 0..self.seeds {
            total = total + one_seed;
        }
        Ok(total)
    }
}

/// An attack's class, contained: a panic in `class()` falls back to the class derived
/// from its capabilities.
pub fn class_of(attack: &dyn Attack) -> ClassSpec {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| attack.class()))
        .unwrap_or_else(|_| ClassSpec::derive(attack.meta().capabilities))
}

/// The worst cell of one class in one world.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Worst {
    /// The seed of the world.
    pub seed: u64,
    /// Whether any attack of the class could run at all under the scheme (one that needs
    /// a capability the mechanism does not model is not applicable: its 0 is no evidence).
    pub applicable: bool,
    /// The attack (none when no attack of the class reached anything).
    pub attack: Option<String>,
    /// Its parameters.
    pub params: BTreeMap<String, ParamValue>,
    /// Users exposed.
    pub users: usize,
    /// Users who sent any message.
    pub users_total: usize,
    /// Messages exposed.
    pub messages: usize,
    /// All messages.
    pub messages_total: usize,
}

impl Worst {
    fn users_fraction(&self) -> f64 {
        if self.users_total == 0 {
            0.0
        } else {
            self.users as f64 / self.users_total as f64
        }
    }
    fn messages_fraction(&self) -> f64 {
        if self.messages_total == 0 {
            0.0
        } else {
            self.messages as f64 / self.messages_total as f64
        }
    }
}

/// What one scheme's world gave at one seed.
#[derive(Clone, Debug, Default)]
pub struct WorldResult {
    /// The worst cell per class.
    pub worst: BTreeMap<AttackerClass, Worst>,
    /// Cells run per class.
    pub cells: BTreeMap<AttackerClass, usize>,
    /// Prospective lawful access.
    pub prospective: LawfulOnce,
    /// Retrospective lawful access.
    pub retrospective: LawfulOnce,
    /// Cells that errored.
    pub errors: Vec<String>,
    /// The user indices (of parameters that pick one user) whose cells exposed the most,
    /// worst first, at most [`DEVICE_CANDIDATES`].
    pub top_users: Vec<i64>,
}

/// What the comparison assumes about the single-user sweep, stated in its output.
pub fn device_assumption() -> String {
    format!(
        "a parameter that picks one user (the device seized or implanted) is swept over every \
         user on the two plain-E2E baselines only; under each escrow scheme it is tried on the \
         {DEVICE_CANDIDATES} users whose choice exposed the most there, at the same seed (the \
         same device holds the same sessions whatever the scheme, so a family's figure for \
         such an attack is a lower bound if another user would expose more under it)"
    )
}

/// How many of the worst single-user choices found by sweeping every user on plain E2E are
/// tried under each escrow scheme (the device an attacker seizes or implants is the same
/// device, holding the same sessions, whatever the scheme; the sweep over every user runs
/// on the baselines).
pub const DEVICE_CANDIDATES: usize = 8;

/// The names of `attack`'s parameters that pick one user.
fn user_params(attack: &dyn Attack) -> Vec<&'static str> {
    attack
        .meta()
        .params
        .iter()
        .filter(|p| {
            matches!(
                p.kind,
                crate::attack::ParamKind::Bounded {
                    bound: crate::attack::Bound::User,
                    ..
                }
            )
        })
        .map(|p| p.name)
        .collect()
}

/// Keeps the cells whose user-picking parameters are among `candidates`.
pub fn restrict_users(
    cells: &[(&'static dyn Attack, AttackerClass, Params)],
    candidates: &BTreeSet<i64>,
) -> Vec<(&'static dyn Attack, AttackerClass, Params)> {
    cells
        .iter()
        .filter(|(a, _, p)| {
            user_params(*a)
                .iter()
                .all(|n| candidates.contains(&p.int(n)))
        })
        .cloned()
        .collect()
}

/// Serves `targets`' warrants of `kind` on `base` and measures what was read
/// ([`crate::lawful::serve_kind`], shared with the suites' lawful utility and
/// `lawful-access`).
pub fn lawful(base: &BaseWorlds, targets: &[u32], kind: WarrantKind) -> LawfulOnce {
    crate::lawful::serve_kind(
        base.finished(),
        base.deployment(),
        base.family_court(),
        targets,
        kind,
        "compare",
    )
}

/// Measures one scheme's world: every cell of every class grid, and lawful access.
pub fn measure_world(
    base: &BaseWorlds,
    cells: &[(&'static dyn Attack, AttackerClass, Params)],
    warrants: usize,
) -> WorldResult {
    let results: Vec<CellResult> = cells
        .par_iter()
        .map(|(a, _, p)| crate::attack::cell::outside(|| run_cell(base, *a, p, &[])))
        .collect();
    let seed = base.config.seed;
    let mut worst: BTreeMap<AttackerClass, Worst> = BTreeMap::new();
    let mut counts: BTreeMap<AttackerClass, usize> = BTreeMap::new();
    let mut errors = Vec::new();
    let mut by_user: BTreeMap<i64, (usize, usize)> = BTreeMap::new();
    for ((a, _, p), c) in cells.iter().zip(&results) {
        for n in user_params(*a) {
            let u = p.int(n);
            if u >= 0 && c.error.is_none() {
                let e = by_user.entry(u).or_insert((0, 0));
                *e = (*e).max((c.exposure.users, c.exposure.messages));
            }
        }
    }
    let mut ranked: Vec<(i64, (usize, usize))> = by_user.into_iter().collect();
    ranked.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    let top_users = ranked
        .into_iter()
        .take(DEVICE_CANDIDATES)
        .map(|(u, _)| u)
        .collect();
    for ((_, class, _), c) in cells.iter().zip(&results) {
        *counts.entry(*class).or_insert(0) += 1;
        let entry = worst.entry(*class).or_insert_with(|| Worst {
            seed,
            applicable: false,
            attack: None,
            params: BTreeMap::new(),
            users: 0,
            users_total: c.exposure.users_total,
            messages: 0,
            messages_total: c.exposure.messages_total,
        });
        if let Some(e) = &c.error {
            errors.push(format!("{} {}: {e}", c.attack, c.params_shown(" ")));
            continue;
        }
        entry.applicable |= c.applicable;
        entry.users_total = entry.users_total.max(c.exposure.users_total);
        entry.messages_total = entry.messages_total.max(c.exposure.messages_total);
        if (c.exposure.users, c.exposure.messages) > (entry.users, entry.messages) {
            entry.attack = Some(c.attack.clone());
            entry.params = c.params.clone();
            entry.users = c.exposure.users;
            entry.messages = c.exposure.messages;
            entry.users_total = c.exposure.users_total;
            entry.messages_total = c.exposure.messages_total;
        }
    }
    for class in AttackerClass::ALL {
        worst.entry(class).or_insert_with(|| Worst {
            seed,
            applicable: false,
            attack: None,
            params: BTreeMap::new(),
            users: 0,
            users_total: base.active_users(),
            messages: 0,
            messages_total: base.finished().message_count(),
        });
    }
    let targets = crate::lawful::choose_targets(base.finished(), warrants, "compare", true);
    WorldResult {
        worst,
        cells: counts,
        prospective: lawful(base, &targets, WarrantKind::Prospective),
        retrospective: lawful(base, &targets, WarrantKind::Retrospective),
        errors,
        top_users,
    }
}

// ----- the report -----

/// One class's figures for one scheme.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ClassRow {
    /// The class (`coalition`).
    pub class: AttackerClass,
    /// The class with its bound, in words.
    pub description: String,
    /// Cells run in the class per seed.
    pub cells: usize,
    /// Whether any attack of the class applies under the scheme (at every seed). When
    /// not, `worst` is 0 for want of a modelled capability, not because the mechanism
    /// stops the class, and the marginal risk says nothing.
    pub applicable: bool,
    /// The worst exposure: fraction of active users with an exposed message.
    pub worst: Estimate,
    /// The worst exposure as a fraction of messages.
    pub worst_messages: Estimate,
    /// Plain E2E (`e2e-baseline`, clients verify nothing): its worst in the class.
    pub baseline: Estimate,
    /// Plain E2E whose clients verify membership: its worst in the class.
    pub baseline_checked: Estimate,
    /// `worst − baseline`, per seed: the risk the mechanism adds over plain E2E.
    pub marginal_risk: Estimate,
    /// `worst − baseline_checked`, per seed.
    pub marginal_risk_checked: Estimate,
    /// The worst cell at each seed: attack and maximised parameters.
    pub worst_cells: Vec<Worst>,
}

/// Lawful access of one kind for one scheme, over seeds.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct LawfulRow {
    /// Fraction of warranted messages read.
    pub utility: Estimate,
    /// Messages the warrants covered.
    pub warranted: Estimate,
    /// What serving cost per seed (all warrants), by figure.
    pub cost: BTreeMap<String, Estimate>,
}

/// One scheme's comparison.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SchemeRow {
    /// Scheme name.
    pub scheme: String,
    /// Its family.
    pub family: String,
    /// Per class.
    pub classes: Vec<ClassRow>,
    /// Warrants issued at an epoch, reading what follows.
    pub prospective: LawfulRow,
    /// Warrants issued at the end, reading the past.
    pub retrospective: LawfulRow,
    /// What lawful access assumes under this family, when it assumes anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumption: Option<String>,
}

/// One class, described.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ClassInfo {
    /// The class.
    pub class: AttackerClass,
    /// In words, with its bound.
    pub description: String,
    /// The attacks that declare it.
    pub attacks: Vec<String>,
}

/// `escrowlab compare`'s output.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CompareReport {
    /// `escrowlab-compare/1`.
    pub schema: &'static str,
    /// Users per world.
    pub users: u32,
    /// The population model.
    pub population: String,
    /// Epochs.
    pub epochs: u32,
    /// Messages per session.
    pub messages_per_session: u32,
    /// The seeds.
    pub seeds: Vec<u64>,
    /// What every interval is.
    pub interval: &'static str,
    /// The class bounds.
    pub bounds: ClassBounds,
    /// The classes and their attacks.
    pub classes: Vec<ClassInfo>,
    /// Warrant targets served in each kind.
    pub warrants: u32,
    /// The family schemes.
    pub families: Vec<SchemeRow>,
    /// The two plain-E2E baselines, measured the same way.
    pub baselines: Vec<SchemeRow>,
    /// What the comparison assumes beyond the mechanisms (the single-user sweep).
    pub assumptions: Vec<String>,
    /// Cells that errored.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

fn assumption_of(family: &str) -> Option<String> {
    crate::lawful::assumption_of(family).map(str::to_string)
}

fn lawful_row(per_seed: &[&LawfulOnce]) -> LawfulRow {
    let names: BTreeSet<&String> = per_seed.iter().flat_map(|l| l.cost.keys()).collect();
    LawfulRow {
        utility: Estimate::of(&per_seed.iter().map(|l| l.fraction()).collect::<Vec<_>>()),
        warranted: Estimate::of(
            &per_seed
                .iter()
                .map(|l| l.warranted as f64)
                .collect::<Vec<_>>(),
        ),
        cost: names
            .into_iter()
            .map(|n| {
                let v: Vec<f64> = per_seed
                    .iter()
                    .map(|l| l.cost.get(n).copied().unwrap_or(0.0))
                    .collect();
                (n.clone(), Estimate::of(&v))
            })
            .collect(),
    }
}

/// Runs the comparison.
///
/// # Errors
/// Bad options, over budget, world construction errors.
pub fn run(registry: &Registry, opts: &CompareOptions) -> Result<CompareReport> {
    opts.validate()?;
    opts.estimate(registry)?.within_budget(
        &format!("compare with {} users and {} seeds", opts.users, opts.seeds),
        "--users, --seeds, --scheme, --work",
    )?;
    let schemes = opts.all_schemes()?;
    let seeds = opts.seed_list();
    let population = opts.population();
    // Baselines first (every user swept), then the families (the baselines' worst users).
    let n = schemes.len();
    let order: Vec<usize> = (n - 2..n).chain(0..n - 2).collect();
    let mut results: Vec<Vec<WorldResult>> = vec![Vec::new(); n];
    let mut candidates: Vec<BTreeSet<i64>> = vec![BTreeSet::new(); seeds.len()];
    let mut errors = Vec::new();
    for &i in &order {
        let scheme = &schemes[i];
        let backend = opts
            .backend
            .or(scheme.backend)
            .unwrap_or(BackendKind::Blsttc);
        backend.instance()?;
        let all_cells = opts.cells_of(registry, scheme)?;
        let baseline = i >= n - 2;
        let mut per_seed = Vec::new();
        for (j, &seed) in seeds.iter().enumerate() {
            let config = WorldConfig {
                scheme: scheme.clone(),
                population: population.clone(),
                seed,
                backend,
            };
            let base = base_worlds(scheme, &config)?;
            let cells = if baseline {
                all_cells.clone()
            } else {
                restrict_users(&all_cells, &candidates[j])
            };
            let r = measure_world(&base, &cells, opts.warrants as usize);
            if baseline {
                candidates[j].extend(r.top_users.iter().copied());
            }
            errors.extend(
                r.errors
                    .iter()
                    .map(|e| format!("{} seed {seed}: {e}", scheme.name)),
            );
            per_seed.push(r);
        }
        results[i] = per_seed;
    }
    let (base_plain, base_checked) = (&results[n - 2], &results[n - 1]);
    let registry_classes: Vec<(AttackerClass, &'static str)> = registry
        .iter()
        .map(|a| (class_of(a).class, a.meta().id))
        .collect();
    let row = |scheme: &Scheme, res: &[WorldResult]| -> Result<SchemeRow> {
        let family = crate::mechanism::of_scheme(scheme)?
            .info()
            .family
            .to_string();
        let classes = AttackerClass::ALL
            .iter()
            .map(|&class| {
                let get = |r: &WorldResult| r.worst.get(&class).cloned();
                let w: Vec<Worst> = res.iter().filter_map(get).collect();
                let b: Vec<f64> = base_plain
                    .iter()
                    .filter_map(get)
                    .map(|w| w.users_fraction())
                    .collect();
                let bc: Vec<f64> = base_checked
                    .iter()
                    .filter_map(get)
                    .map(|w| w.users_fraction())
                    .collect();
                let wf: Vec<f64> = w.iter().map(Worst::users_fraction).collect();
                let diff =
                    |b: &[f64]| -> Vec<f64> { wf.iter().zip(b).map(|(x, y)| x - y).collect() };
                ClassRow {
                    class,
                    description: class.describe(&opts.bounds),
                    cells: res
                        .first()
                        .and_then(|r| r.cells.get(&class).copied())
                        .unwrap_or(0),
                    applicable: !w.is_empty() && w.iter().all(|w| w.applicable),
                    worst: Estimate::of(&wf),
                    worst_messages: Estimate::of(
                        &w.iter().map(Worst::messages_fraction).collect::<Vec<_>>(),
                    ),
                    baseline: Estimate::of(&b),
                    baseline_checked: Estimate::of(&bc),
                    marginal_risk: Estimate::of(&diff(&b)),
                    marginal_risk_checked: Estimate::of(&diff(&bc)),
                    worst_cells: w,
                }
            })
            .collect();
        Ok(SchemeRow {
            scheme: scheme.name.clone(),
            assumption: assumption_of(&family),
            family,
            classes,
            prospective: lawful_row(&res.iter().map(|r| &r.prospective).collect::<Vec<_>>()),
            retrospective: lawful_row(&res.iter().map(|r| &r.retrospective).collect::<Vec<_>>()),
        })
    };
    let mut rows = Vec::new();
    for (s, r) in schemes.iter().zip(&results) {
        rows.push(row(s, r)?);
    }
    let baselines = rows.split_off(n - 2);
    Ok(CompareReport {
        schema: SCHEMA,
        users: opts.users,
        population: population.model.name().to_string(),
        epochs: population.epochs,
        messages_per_session: population.messages_per_session,
        seeds,
        interval: INTERVAL,
        bounds: opts.bounds,
        classes: AttackerClass::ALL
            .iter()
            .map(|&c| ClassInfo {
                class: c,
                description: c.describe(&opts.bounds),
                attacks: registry_classes
                    .iter()
                    .filter(|(k, _)| *k == c)
                    .map(|(_, id)| (*id).to_string())
                    .collect(),
            })
            .collect(),
        warrants: opts.warrants,
        families: rows,
        baselines,
        assumptions: vec![device_assumption()],
        errors,
    })
}

fn pct(e: &Estimate) -> String {
    let p = |x: f64| format!("{:.1}", 100.0 * x);
    match e.ci95 {
        Some([lo, hi]) => format!("{}% [{}, {}]", p(e.mean), p(lo), p(hi)),
        None => format!("{}%", p(e.mean)),
    }
}

impl CompareReport {
    /// The seeds, comma-separated (as the text and the generated section print them).
    fn seed_list(&self) -> String {
        self.seeds
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
    /// One JSON object.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
    /// Whether any cell errored.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
    /// The family × class table in Markdown: worst exposure (users), baseline, marginal
    /// risk, each with its interval.
    pub fn table_markdown(&self) -> String {
        let mut s = String::from(
            "| scheme | class | worst (users) | worst attack (first seed) | plain E2E | marginal risk | plain E2E, verifying clients | marginal risk vs verifying |\n|---|---|---|---|---|---|---|---|\n",
        );
        for r in self.families.iter().chain(&self.baselines) {
            for c in &r.classes {
                let attack = c
                    .worst_cells
                    .first()
                    .and_then(|w| w.attack.clone())
                    .unwrap_or_else(|| "—".into());
                let na = "n/a".to_string();
                let (worst, m, mc) = if c.applicable {
                    (
                        pct(&c.worst),
                        pct(&c.marginal_risk),
                        pct(&c.marginal_risk_checked),
                    )
                } else {
                    (na.clone(), na.clone(), na)
                };
                s.push_str(&format!(
                    "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
                    r.scheme,
                    c.class.name(),
                    worst,
                    attack,
                    pct(&c.baseline),
                    m,
                    pct(&c.baseline_checked),
                    mc,
                ));
            }
        }
        s
    }
    /// The lawful-access table in Markdown.
    pub fn lawful_markdown(&self) -> String {
        let mut s = String::from(
            "| scheme | prospective utility | retrospective utility | prospective cost | retrospective cost |\n|---|---|---|---|---|\n",
        );
        let cost = |l: &LawfulRow| cost_text(l, "none measured", "; ");
        for r in self.families.iter().chain(&self.baselines) {
            s.push_str(&format!(
                "| {}{} | {} | {} | {} | {} |\n",
                r.scheme,
                if r.assumption.is_some() { " ¹" } else { "" },
                pct(&r.prospective.utility),
                pct(&r.retrospective.utility),
                cost(&r.prospective),
                cost(&r.retrospective),
            ));
        }
        if self.families.iter().any(|r| r.assumption.is_some()) {
            s.push_str(&format!("\n¹ {HSM_ASSUMPTION}.\n"));
        }
        s
    }
    /// The text report.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "compare: {} users ({} population), {} epochs, {} messages per session; seeds {}\n\
             figures: {INTERVAL}\n\
             exposure: fraction of active users with an exposed message, worst attack of the class \
             with its parameters maximised over the class (never at defaults)\n\n",
            self.users,
            self.population,
            self.epochs,
            self.messages_per_session,
            self.seed_list()
        );
        for c in &self.classes {
            s.push_str(&format!(
                "class {}: {} ({})\n",
                c.class.name(),
                c.description,
                c.attacks.join(", ")
            ));
        }
        s.push('\n');
        s.push_str(&self.table_markdown());
        s.push_str(
            "\nn/a: no attack of the class applies under the scheme's mechanism (it does not \
             model the capability): 0 for want of a model, not a defence.\n",
        );
        for a in &self.assumptions {
            s.push_str(&format!("assumption: {a}.\n"));
        }
        s.push_str(&format!(
            "\nlawful access: {} warrant targets, prospective (issued at the middle epoch) and \
             retrospective (issued at the end)\n\n",
            self.warrants
        ));
        s.push_str(&self.lawful_markdown());
        for e in &self.errors {
            s.push_str(&format!("error: {e}\n"));
        }
        s
    }
}

/// The marker lines around THREAT-MODEL.md's generated cross-family section.
pub const THREAT_MODEL_BEGIN: &str =
    "<!-- BEGIN generated by `escrowlab compare` (CompareReport::threat_model_markdown): do not edit; regenerate with `ESCROWLAB_BLESS=1 cargo test --test integration compare::threat_model -- --include-ignored` -->";
/// The closing marker.
pub const THREAT_MODEL_END: &str = "<!-- END generated by `escrowlab compare` -->";

/// The closeness under which a fraction counts as all (1) or none (0).
const EPS: f64 = 1e-9;

impl CompareReport {
    /// The command line that reproduces this report.
    pub fn command(&self) -> String {
        let mut s = format!(
            "escrowlab compare --users {} --seeds {} --seed {} --epochs {} --messages {}",
            self.users,
            self.seeds.len(),
            self.seeds.first().copied().unwrap_or(DEFAULT_BASE_SEED),
            self.epochs,
            self.messages_per_session
        );
        let d = ClassBounds::default();
        if self.bounds.coalition != d.coalition {
            s.push_str(&format!(" --coalition {}", self.bounds.coalition));
        }
        if self.bounds.devices != d.devices {
            s.push_str(&format!(" --devices {}", self.bounds.devices));
        }
        if self.bounds.work != d.work {
            s.push_str(&format!(" --work {}", self.bounds.work));
        }
        if self.warrants != DEFAULT_WARRANTS {
            s.push_str(&format!(" --warrants {}", self.warrants));
        }
        s
    }

    /// What the measured marginal risk says, for one family, about the claim that one
    /// loophole exposes everyone (a paragraph generated from the figures).
    pub fn family_paragraph(f: &SchemeRow) -> String {
        let name = |c: &ClassRow| {
            let attack = c
                .worst_cells
                .first()
                .and_then(|w| w.attack.clone())
                .unwrap_or_else(|| "no attack".into());
            format!("{} (`{attack}`)", c.description)
        };
        let applicable: Vec<&ClassRow> = f.classes.iter().filter(|c| c.applicable).collect();
        let everyone: Vec<&ClassRow> = applicable
            .iter()
            .copied()
            .filter(|c| c.worst.per_seed.iter().all(|x| *x >= 1.0 - EPS))
            .collect();
        let mut s = format!("**{} (`{}`).** ", f.family, f.scheme);
        if everyone.is_empty() {
            match applicable
                .iter()
                .max_by(|a, b| a.worst.mean.total_cmp(&b.worst.mean))
            {
                Some(c) => s.push_str(&format!(
                    "No class reaches every active user at every seed: the worst is {} at {}, \
                     a marginal risk of {} over plain E2E. At these class bounds the claim \
                     that one loophole exposes everyone does not hold for this family. ",
                    name(c),
                    pct(&c.worst),
                    pct(&c.marginal_risk)
                )),
                None => s.push_str("No class applies: nothing was measured. "),
            }
        } else {
            let (added, shared): (Vec<&ClassRow>, Vec<&ClassRow>) = everyone
                .iter()
                .copied()
                .partition(|c| c.marginal_risk.mean > EPS);
            if !added.is_empty() {
                s.push_str(&format!(
                    "One loophole exposes every active user, at every seed, and the mechanism \
                     adds it: {}. ",
                    added
                        .iter()
                        .map(|c| format!(
                            "{}, marginal risk {} over plain E2E",
                            name(c),
                            pct(&c.marginal_risk)
                        ))
                        .collect::<Vec<_>>()
                        .join("; ")
                ));
            }
            if !shared.is_empty() {
                s.push_str(&format!(
                    "Under {} every active user is exposed too, but plain E2E whose clients \
                     check no roster is as open in that class (marginal risk {}), so that \
                     loophole is not the mechanism's; against clients that verify membership \
                     the family adds {}. ",
                    shared
                        .iter()
                        .map(|c| name(c))
                        .collect::<Vec<_>>()
                        .join(" and "),
                    shared
                        .iter()
                        .map(|c| pct(&c.marginal_risk))
                        .collect::<Vec<_>>()
                        .join(", "),
                    shared
                        .iter()
                        .map(|c| pct(&c.marginal_risk_checked))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        // The class already named as the worst when none reaches everyone.
        let named = if everyone.is_empty() {
            applicable
                .iter()
                .max_by(|a, b| a.worst.mean.total_cmp(&b.worst.mean))
                .map(|c| c.class)
        } else {
            None
        };
        for c in applicable
            .iter()
            .copied()
            .filter(|c| !everyone.iter().any(|e| e.class == c.class))
            .filter(|c| c.worst.mean > EPS && Some(c.class) != named)
        {
            if c.marginal_risk.mean.abs() <= EPS {
                s.push_str(&format!(
                    "Under {} the family exposes no more than plain E2E loses the same way \
                     ({}, marginal risk {}). ",
                    name(c),
                    pct(&c.worst),
                    pct(&c.marginal_risk)
                ));
            } else {
                s.push_str(&format!(
                    "Under {} it exposes {} of active users, a marginal risk of {}{}. ",
                    name(c),
                    pct(&c.worst),
                    pct(&c.marginal_risk),
                    if c.marginal_risk.mean < 0.0 {
                        " (below plain E2E: a single-user attack is tried on the baselines' \
                         worst users only, so the family's figure is a lower bound)"
                    } else {
                        ""
                    }
                ));
            }
        }
        let na: Vec<&str> = f
            .classes
            .iter()
            .filter(|c| !c.applicable)
            .map(|c| c.class.name())
            .collect();
        if !na.is_empty() {
            s.push_str(&format!(
                "No attack of the {} class{} applies under this mechanism (it does not model \
                 the capability): no evidence either way. ",
                na.join(", "),
                if na.len() > 1 { "es" } else { "" }
            ));
        }
        let cost = |l: &LawfulRow| cost_text(l, "no measured cost", ", ");
        s.push_str(&format!(
            "Lawful access reads {} of the warranted messages prospectively ({}) and {} \
             retrospectively ({}).",
            pct(&f.prospective.utility),
            cost(&f.prospective),
            pct(&f.retrospective.utility),
            cost(&f.retrospective)
        ));
        if let Some(a) = &f.assumption {
            s.push_str(&format!(" Its lawful path {a}."));
        }
        s
    }

    /// THREAT-MODEL.md's cross-family section, between [`THREAT_MODEL_BEGIN`] and
    /// [`THREAT_MODEL_END`] (markers included).
    pub fn threat_model_markdown(&self) -> String {
        let mut s = format!("{THREAT_MODEL_BEGIN}\n\n");
        s.push_str("## Across families, on equal footing (generated by `escrowlab compare`)\n\n");
        s.push_str(&format!(
            "Measured with `{}`: {} users ({} population), {} epochs, {} messages per \
             session, seeds {}. Every figure is the {INTERVAL}; exposure is the fraction of \
             active users with an exposed message. Each class's figure is the worst attack \
             of that class with its parameters maximised over the class (never at their \
             defaults), on the family's scheme and on both plain-E2E baselines; the \
             marginal risk is the difference, seed by seed. The configuration is kept small \
             so that this section is regenerated by the test suite; the same command at 200 \
             users and 3 seeds is the issue's reference run.\n\n",
            self.command(),
            self.users,
            self.population,
            self.epochs,
            self.messages_per_session,
            self.seed_list()
        ));
        s.push_str("Classes:\n\n");
        for c in &self.classes {
            s.push_str(&format!(
                "- `{}`: {} ({})\n",
                c.class.name(),
                c.description,
                c.attacks
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        s.push_str("\nAssumptions:\n\n");
        for a in &self.assumptions {
            s.push_str(&format!("- The single-user sweep: {a}.\n"));
        }
        s.push_str(&format!(
            "- The HSM family's lawful path {HSM_ASSUMPTION}.\n"
        ));
        s.push_str("\n### Worst exposure and marginal risk, by family and class\n\n");
        s.push_str(&self.table_markdown());
        s.push_str(
            "\nn/a: no attack of the class applies under the scheme's mechanism (it does not \
             model the capability): 0 for want of a model, not a defence.\n",
        );
        s.push_str(&format!(
            "\n### Lawful access, both kinds\n\n{} warrant targets chosen from each seed, the \
             same for every scheme: prospective (issued at the start of the middle epoch, \
             covering it to the last) and retrospective (issued at the end, covering every \
             epoch), both executed at the end; cost as the mechanism measured it, per seed.\n\n",
            self.warrants
        ));
        s.push_str(&self.lawful_markdown());
        s.push_str("\n### What the marginal risk says about \"one loophole exposes everyone\"\n\n");
        for f in &self.families {
            s.push_str(&Self::family_paragraph(f));
            s.push_str("\n\n");
        }
        s.push_str(THREAT_MODEL_END);
        s.push('\n');
        s
    }
}

/// A lawful row's measured costs as text (`none` when nothing was measured), joined by `sep`.
fn cost_text(l: &LawfulRow, none: &str, sep: &str) -> String {
    if l.cost.is_empty() {
        return none.to_string();
    }
    l.cost
        .iter()
        .map(|(k, v)| format!("{k} {}", v.show(1)))
        .collect::<Vec<_>>()
        .join(sep)
}
