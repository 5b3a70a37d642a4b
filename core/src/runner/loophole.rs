//! One loophole, measured: the worst single attack under an escrow scheme, next to the
//! distribution of plain end-to-end encryption's single-device failures over *every*
//! device of the same population, over several seeds, with 95 % intervals.
//!
//! A device failure is measured by really running the registered [`DEVICE_ATTACK`]
//! (`endpoint-compromise`) once per user, its `user` parameter picking the device, against
//! the [`BASELINE_SCHEME`] (`e2e-baseline`) world of the same population and seed. That
//! world is built once ([`super::base_worlds`]) and every device's cell runs against
//! copies of it, in parallel, with the results kept in user order so that the output is
//! the same whatever the thread count.
//!
//! The worst single attack under a scheme is the cell of every attack in the registry at
//! its default parameters that exposes the most users (ties: the most messages, then the
//! first in registry order). `loophole` runs the attacks in registry order and stops at
//! the first cell that exposes every message of the world ([`worst_attack_pruned`]): no
//! later cell can expose more, and a tie goes to the earlier one, so the worst cell is the
//! same; the attacks not run are listed per row (`skipped`). Measured: `loophole --users
//! 1000 --seeds 1` (every escrow scheme) took 37.7 s of CPU against 104 s before (release,
//! identical figures); under `single-key`, `threshold-3of5` and `threshold-3of5-epoch` key
//! theft, share theft or the dealer already read everything.
//!
//! Over seeds, every figure is given as its mean and a 95 % Student t interval with
//! n − 1 degrees of freedom ([`Estimate`]); the ratio worst-attack users / worst-device
//! users is computed per seed first, and its interval is taken over those per-seed ratios.

use super::{base_worlds, run_cell, CellResult};
use crate::attack::context::BaseWorlds;
use crate::attack::{Attack, ParamValue, Params, Registry};
use crate::backend::BackendKind;
use crate::budget::{RunCost, WorldCost};
use crate::config::scheme::Scheme;
use crate::error::{Error, Result};
use crate::world::{Population, WorldConfig};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// The attack whose per-device runs measure plain E2E's single-device failures.
pub const DEVICE_ATTACK: &str = "endpoint-compromise";
/// The parameter of [`DEVICE_ATTACK`] that picks the device.
pub const DEVICE_PARAM: &str = "user";
/// The scheme plain E2E is measured under (built for the measurement whether or not a
/// suite runs it).
pub const BASELINE_SCHEME: &str = "e2e-baseline";
/// The escrow scheme `loophole` measures by default: the headline's (`single-key`, whose
/// worst single attack, a stolen master key, reads every active user). Under
/// `threshold-3of5` and `threshold-3of5-epoch` the worst single attack reads the same users
/// (share theft, the dealer) at a larger world's cost; `--scheme all` measures every
/// built-in escrow scheme ([`LoopholeOptions::every_escrow_scheme`]).
pub const DEFAULT_SCHEME: &str = "single-key";
/// The `--scheme` value that stands for every built-in session-escrow scheme.
pub const ALL_SCHEMES: &str = "all";
/// The JSON schema name of the `loophole` command's output.
pub const SCHEMA: &str = "escrowlab-loophole/1";
/// Population sizes `loophole` measures by default.
pub const DEFAULT_SIZES: [u32; 2] = [100, 1_000];
/// Seeds `loophole` measures by default.
pub const DEFAULT_SEEDS: u32 = 3;
/// The base seed: seed `i` (0-based) is `base + i`.
pub const DEFAULT_BASE_SEED: u64 = 42;
/// Fewest users per population size (a conversation needs two).
pub const MIN_USERS: u32 = 2;
/// Most users per population size (the population limit). Every device is compromised in
/// its own run, but each run reads only the sessions its device is a member of (indexed
/// once per world), so the E2E measurement grows with the memberships, not users²; the
/// run-time budget bounds what one run may ask for.
pub const MAX_USERS: u32 = crate::limits::MAX_USERS as u32;
/// Most population sizes in one `loophole` run.
pub const MAX_SIZES: usize = 16;
/// Most population models in one `loophole` run.
pub const MAX_MODELS: usize = 8;
/// Most seeds in one `loophole` run.
pub const MAX_SEEDS: u32 = 1_000;
/// Which comparison a one-loophole line makes (`loophole` and the suites' reports print
/// it): the escrow side is any class at the run's own parameters, the baseline one class.
pub const COMPARISON: &str = "each scheme's worst single attack of any attacker class, at the \
    parameters the run gives it (not maximised over a class), against plain E2E whose clients \
    check no roster (`e2e-baseline`) in the seizure class at d = 1: `endpoint-compromise` on \
    one device, every device in turn; `escrowlab compare` makes the comparison class by class, \
    with parameters maximised over each class and both baselines";
/// What every interval in this module is, in words (printed with the results).
pub const INTERVAL: &str =
    "mean over seeds with a 95% Student t interval (n-1 degrees of freedom); per-seed ratios";

/// Rounds a reported figure to 6 decimals (monotone, so an interval still contains its mean).
fn round6(x: f64) -> f64 {
    if x.is_finite() {
        (x * 1e6).round() / 1e6
    } else {
        x
    }
}

// ----- statistics (Student t from `statrs`) -----

/// `P(T ≤ t)` for Student's t with `df` degrees of freedom (`statrs`; NaN for
/// `df ≤ 0`).
pub fn t_cdf(t: f64, df: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |d| d.cdf(t))
}

/// The two-sided 95 % critical value of Student's t with `df` degrees of freedom (the
/// 0.975 quantile, from `statrs`): 12.706 for 1, 4.303 for 2, 2.776 for 4, tending to
/// 1.960.
///
/// # Panics
/// Never; `df = 0` has no t distribution and returns infinity.
pub fn t_critical_95(df: u32) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    if df == 0 {
        return f64::INFINITY;
    }
    StudentsT::new(0.0, 1.0, f64::from(df)).map_or(f64::INFINITY, |d| d.inverse_cdf(0.975))
}

/// One figure over seeds: its mean, a 95 % Student t interval (n − 1 degrees of freedom),
/// and the per-seed values it was computed from.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Estimate {
    /// Mean over seeds.
    pub mean: f64,
    /// The 95 % interval `mean ± t(0.975, n−1) · s / √n`; `None` (JSON `null`) with one
    /// seed, where there is no spread to estimate.
    pub ci95: Option<[f64; 2]>,
    /// The value at each seed, in seed order.
    pub per_seed: Vec<f64>,
}

impl Estimate {
    /// The estimate from per-seed values (an empty slice gives mean 0 and no interval).
    pub fn of(values: &[f64]) -> Estimate {
        let n = values.len();
        if n == 0 {
            return Estimate {
                mean: 0.0,
                ci95: None,
                per_seed: Vec::new(),
            };
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let ci95 = (n >= 2).then(|| {
            let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            let half = t_critical_95((n - 1) as u32) * (var / n as f64).sqrt();
            [round6(mean - half), round6(mean + half)]
        });
        Estimate {
            mean: round6(mean),
            ci95,
            per_seed: values.iter().copied().map(round6).collect(),
        }
    }
    /// `mean [lo, hi]` with `digits` decimals (`mean` alone with one seed).
    pub fn show(&self, digits: usize) -> String {
        match self.ci95 {
            Some([lo, hi]) => format!("{:.d$} [{:.d$}, {:.d$}]", self.mean, lo, hi, d = digits),
            None => format!("{:.d$}", self.mean, d = digits),
        }
    }
}

// ----- plain E2E: every device -----

/// What compromising one device exposed.
#[derive(
    Clone, Copy, Debug, Serialize, PartialEq, Eq, schemars::JsonSchema, serde::Deserialize,
)]
pub struct DeviceExposure {
    /// The user whose device was compromised.
    pub user: u32,
    /// Users with an exposed message they sent.
    pub users: usize,
    /// Exposed messages.
    pub messages: usize,
}

/// Mean, median and worst of one figure over devices.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, schemars::JsonSchema, serde::Deserialize)]
pub struct Spread {
    /// Mean over devices.
    pub mean: f64,
    /// Median over devices (the mean of the two middle values for an even count).
    pub median: f64,
    /// Largest over devices.
    pub worst: usize,
}

impl Spread {
    fn of(mut v: Vec<usize>) -> Spread {
        if v.is_empty() {
            return Spread {
                mean: 0.0,
                median: 0.0,
                worst: 0,
            };
        }
        v.sort_unstable();
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2] as f64
        } else {
            (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0
        };
        Spread {
            mean: round6(v.iter().sum::<usize>() as f64 / n as f64),
            median,
            worst: v[n - 1],
        }
    }
}

/// The distribution of plain-E2E single-device failures over every device of one world:
/// [`DEVICE_ATTACK`] run once per user against [`BASELINE_SCHEME`].
#[derive(Clone, Debug, Serialize, PartialEq, schemars::JsonSchema, serde::Deserialize)]
pub struct DeviceFailures {
    /// The scheme measured (`e2e-baseline`).
    pub scheme: String,
    /// The attack run per device (`endpoint-compromise`).
    pub attack: String,
    /// The world's seed.
    pub seed: u64,
    /// Devices measured: every user of the population (minus any whose run errored).
    pub devices: usize,
    /// Of those, devices whose compromise exposed nothing (users in no conversation).
    pub idle_devices: usize,
    /// Users who sent any message.
    pub users_total: usize,
    /// All messages.
    pub messages_total: usize,
    /// Users exposed by one device: mean, median, worst over devices.
    pub users: Spread,
    /// Messages exposed by one device: mean, median, worst over devices.
    pub messages: Spread,
    /// The worst device: most users exposed, ties by messages, then the lowest user.
    pub worst_device: DeviceExposure,
    /// Every device's figures, in user order (not serialized: one entry per user).
    #[serde(skip)]
    pub per_device: Vec<DeviceExposure>,
    /// Every device's exposed users (those with an exposed message they sent, sorted),
    /// aligned with `per_device` (not serialized).
    #[serde(skip)]
    pub exposed_users: Vec<Vec<u32>>,
    /// Devices whose run errored, with the error.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// How many devices plain E2E must lose to expose half, 90 % and all of the active
    /// users (greedy set cover over the devices' measured exposures).
    #[serde(default)]
    pub coverage: Coverage,
}

/// Devices an attacker must compromise, under plain E2E, to expose a share of the active
/// users: a greedy set cover over every device's measured exposure (the users with an
/// exposed message they sent). Greedy takes, each time, the device exposing the most users
/// not yet exposed; for any share it needs at most about ln(users) times the fewest
/// devices that reach it, and for a fixed number k of devices it exposes at least
/// (1 − 1/e) ≈ 63 % of what the best k devices would (Nemhauser, Wolsey & Fisher 1978;
/// Feige 1998 shows no polynomial algorithm does better unless P = NP). The counts are
/// therefore upper bounds on the devices needed, and within those factors of the optimum.
#[derive(
    Clone, Copy, Debug, Default, Serialize, PartialEq, Eq, schemars::JsonSchema, serde::Deserialize,
)]
pub struct Coverage {
    /// Users to cover: those exposed by some device (every active user: each user's own
    /// device exposes what that user sent).
    pub users: usize,
    /// Devices to expose at least half of them.
    pub devices_50: usize,
    /// Devices to expose at least 90 %.
    pub devices_90: usize,
    /// Devices to expose all of them.
    pub devices_100: usize,
}

impl Coverage {
    /// The greedy cover of `sets` (each a device's exposed users). Lazy evaluation with a
    /// max-heap: ties go to the lowest device index, so the result is deterministic.
    pub fn greedy(sets: &[Vec<u32>]) -> Coverage {
        use std::collections::BinaryHeap;
        let universe: std::collections::BTreeSet<u32> = sets.iter().flatten().copied().collect();
        let total = universe.len();
        let mut covered = std::collections::HashSet::with_capacity(total);
        let mut heap: BinaryHeap<(usize, std::cmp::Reverse<usize>)> = sets
            .iter()
            .enumerate()
            .map(|(i, s)| (s.len(), std::cmp::Reverse(i)))
            .collect();
        let mut cov = Coverage {
            users: total,
            ..Coverage::default()
        };
        let (mut taken, mut done) = (0usize, 0usize);
        let mark = |done: usize, taken: usize, cov: &mut Coverage| {
            if cov.devices_50 == 0 && 2 * done >= total {
                cov.devices_50 = taken;
            }
            if cov.devices_90 == 0 && 10 * done >= 9 * total {
                cov.devices_90 = taken;
            }
            if cov.devices_100 == 0 && done >= total {
                cov.devices_100 = taken;
            }
        };
        while done < total {
            let Some((gain, std::cmp::Reverse(i))) = heap.pop() else {
                break;
            };
            let fresh = sets[i].iter().filter(|u| !covered.contains(*u)).count();
            if fresh < gain {
                if fresh > 0 {
                    heap.push((fresh, std::cmp::Reverse(i)));
                }
                continue;
            }
            covered.extend(sets[i].iter().copied());
            taken += 1;
            done += fresh;
            mark(done, taken, &mut cov);
        }
        cov
    }
}

/// Is `a` a worse exposure than `b`: more users, ties broken by more messages?
fn worse(a: (usize, usize), b: (usize, usize)) -> bool {
    a > b
}

/// Runs `attack` (normally [`DEVICE_ATTACK`]) once per user of `base`, its
/// [`DEVICE_PARAM`] parameter set to that user and every other parameter at its default,
/// in parallel, and summarises the exposures over every device.
///
/// # Errors
/// [`Error::Input`] when `attack` has no integer `user` parameter accepting every user.
pub fn device_failures(base: &BaseWorlds, attack: &dyn Attack) -> Result<DeviceFailures> {
    let id = attack.meta().id;
    let users = base.config.population.users;
    let params: Vec<Params> = (0..users)
        .map(|u| {
            let given = BTreeMap::from([(DEVICE_PARAM.to_string(), ParamValue::Int(i64::from(u)))]);
            Params::resolve(id, attack.meta().params, &given)
        })
        .collect::<Result<_>>()?;
    let cells: Vec<CellResult> = params
        .par_iter()
        .map(|p| crate::attack::cell::outside(|| run_cell(base, attack, p, &[])))
        .collect();
    let mut per_device = Vec::with_capacity(cells.len());
    let mut exposed_users = Vec::with_capacity(cells.len());
    let mut errors = Vec::new();
    let coverage = Coverage::greedy(
        &cells
            .iter()
            .filter(|c| c.error.is_none())
            .map(|c| c.exposed_users.clone())
            .collect::<Vec<_>>(),
    );
    let (mut users_total, mut messages_total) = (0, 0);
    for (u, c) in (0..users).zip(&cells) {
        users_total = users_total.max(c.exposure.users_total);
        messages_total = messages_total.max(c.exposure.messages_total);
        match &c.error {
            Some(e) => errors.push(format!("{id} user={u}: {e}")),
            None => {
                per_device.push(DeviceExposure {
                    user: u,
                    users: c.exposure.users,
                    messages: c.exposure.messages,
                });
                exposed_users.push(c.exposed_users.clone());
            }
        }
    }
    let mut worst_device = DeviceExposure {
        user: 0,
        users: 0,
        messages: 0,
    };
    for d in &per_device {
        if worse(
            (d.users, d.messages),
            (worst_device.users, worst_device.messages),
        ) {
            worst_device = *d;
        }
    }
    Ok(DeviceFailures {
        scheme: base.config.scheme.name.clone(),
        attack: id.to_string(),
        seed: base.config.seed,
        devices: per_device.len(),
        idle_devices: per_device.iter().filter(|d| d.messages == 0).count(),
        users_total,
        messages_total,
        users: Spread::of(per_device.iter().map(|d| d.users).collect()),
        messages: Spread::of(per_device.iter().map(|d| d.messages).collect()),
        worst_device,
        per_device,
        exposed_users,
        errors,
        coverage,
    })
}

/// The world configuration of plain E2E for a population and seed: the built-in
/// [`BASELINE_SCHEME`], on `backend` (default: the scheme's, else blsttc).
///
/// # Errors
/// [`Error::Input`] for a backend not compiled in or a population out of range.
pub fn baseline_config(
    population: &Population,
    seed: u64,
    backend: Option<BackendKind>,
) -> Result<WorldConfig> {
    let scheme = Scheme::load(BASELINE_SCHEME)?;
    let backend = backend.or(scheme.backend).unwrap_or(BackendKind::Blsttc);
    backend.instance()?;
    population.validate()?;
    Ok(WorldConfig {
        scheme,
        population: population.clone(),
        seed,
        backend,
    })
}

/// Plain E2E's single-device failures over every device of the `e2e-baseline` world of
/// `population` and `seed` (built here, whether or not the caller runs that scheme), or
/// `None` when `registry` has no [`DEVICE_ATTACK`].
///
/// # Errors
/// As [`baseline_config`], [`super::base_worlds`] and [`device_failures`].
pub fn baseline_device_failures(
    registry: &Registry,
    population: &Population,
    seed: u64,
    backend: Option<BackendKind>,
) -> Result<Option<DeviceFailures>> {
    let Some(attack) = registry.find(DEVICE_ATTACK) else {
        return Ok(None);
    };
    let config = baseline_config(population, seed, backend)?;
    let base = base_worlds(&config.scheme, &config)?;
    device_failures(&base, attack).map(Some)
}

// ----- the worst single attack -----

/// The worst single attack against one world.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct WorstCell {
    /// Attack id.
    pub attack: String,
    /// Its (default) parameters.
    pub params: BTreeMap<String, ParamValue>,
    /// Exposed users.
    pub users: usize,
    /// Exposed messages.
    pub messages: usize,
    /// Exposed fraction of messages.
    pub fraction: f64,
    /// Users who sent any message.
    pub users_total: usize,
    /// All messages.
    pub messages_total: usize,
}

/// The worst of `cells` that did not error: most users exposed, ties by messages, then the
/// first. The one rule behind every one-loophole figure (suite and `loophole`).
pub fn worst_cell<'a>(cells: impl IntoIterator<Item = &'a CellResult>) -> Option<WorstCell> {
    let mut best: Option<&CellResult> = None;
    for c in cells.into_iter().filter(|c| c.error.is_none()) {
        let key = (c.exposure.users, c.exposure.messages);
        if best.is_none_or(|b| worse(key, (b.exposure.users, b.exposure.messages))) {
            best = Some(c);
        }
    }
    best.map(|c| WorstCell {
        attack: c.attack.clone(),
        params: c.params.clone(),
        users: c.exposure.users,
        messages: c.exposure.messages,
        fraction: c.exposure.fraction,
        users_total: c.exposure.users_total,
        messages_total: c.exposure.messages_total,
    })
}

/// Runs every attack in `registry` at its default parameters against `base`, one cell
/// each, in parallel; returns the worst cell and the errors of the cells that failed.
pub fn worst_attack(registry: &Registry, base: &BaseWorlds) -> (Option<WorstCell>, Vec<String>) {
    let attacks: Vec<&'static dyn Attack> = registry.iter().collect();
    let cells: Vec<std::result::Result<CellResult, String>> = attacks
        .par_iter()
        .map(|a| {
            let id = a.meta().id;
            Params::resolve(id, a.meta().params, &BTreeMap::new())
                .map(|p| crate::attack::cell::outside(|| run_cell(base, *a, &p, &[])))
                .map_err(|e| format!("{id}: {e}"))
        })
        .collect();
    let mut errors = Vec::new();
    let mut ok = Vec::new();
    for c in cells {
        match c {
            Ok(c) => {
                if let Some(e) = &c.error {
                    errors.push(format!("{}: {e}", c.attack));
                }
                ok.push(c);
            }
            Err(e) => errors.push(e),
        }
    }
    (worst_cell(&ok), errors)
}

/// What [`worst_attack_pruned`] found: the worst cell, the errors, the attacks skipped.
pub type Searched = (Option<WorstCell>, Vec<String>, Vec<String>);

/// As [`worst_attack`], but a cell that exposed every message of the world (all its users
/// and all its messages: no cell can expose more, and a tie goes to the first in registry
/// order) ends the search for every attack after it in registry order. Cells are taken in
/// registry order by every thread, so the first fully exposing attack is always run and
/// the cells after it that had not started are not run at all: the worst cell is the one
/// [`worst_attack`] finds. The result is deterministic whatever the thread count: the
/// errors and skips reported are those of the attacks before the first fully exposing one
/// (always run) and every attack after it is reported as skipped (whether or not a thread
/// had started it). Returns the worst cell, the errors, and the attacks skipped.
pub fn worst_attack_pruned(registry: &Registry, base: &BaseWorlds) -> Searched {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let attacks: Vec<&'static dyn Attack> = registry.iter().collect();
    let next = AtomicUsize::new(0);
    // The lowest index of a cell that exposed everything (usize::MAX: none yet).
    let full = AtomicUsize::new(usize::MAX);
    let slots: Mutex<Vec<Option<std::result::Result<CellResult, String>>>> =
        Mutex::new(vec![None; attacks.len()]);
    let (users_total, messages_total) = (base.active_users(), base.finished().message_count());
    let worker = || loop {
        let i = next.fetch_add(1, Ordering::SeqCst);
        if i >= attacks.len() || i > full.load(Ordering::SeqCst) {
            return;
        }
        let a = attacks[i];
        let id = a.meta().id;
        let cell = Params::resolve(id, a.meta().params, &BTreeMap::new())
            .map(|p| crate::attack::cell::outside(|| run_cell(base, a, &p, &[])))
            .map_err(|e| format!("{id}: {e}"));
        if let Ok(c) = &cell {
            if c.error.is_none()
                && c.exposure.users >= users_total
                && c.exposure.messages >= messages_total
                && messages_total > 0
            {
                full.fetch_min(i, Ordering::SeqCst);
            }
        }
        slots.lock().expect("no cell panics outside its guard")[i] = Some(cell);
    };
    let threads = rayon::current_num_threads().max(1);
    rayon::scope(|s| {
        for _ in 0..threads {
            s.spawn(|_| worker());
        }
    });
    let cut = full.load(Ordering::SeqCst);
    let slots = slots
        .into_inner()
        .expect("no cell panics outside its guard");
    let mut errors = Vec::new();
    let mut skipped = Vec::new();
    let mut ok = Vec::new();
    for (i, (a, c)) in attacks.iter().zip(slots).enumerate() {
        if i > cut {
            skipped.push(a.meta().id.to_string());
            continue;
        }
        match c {
            Some(Ok(c)) => {
                if let Some(e) = &c.error {
                    errors.push(format!("{}: {e}", c.attack));
                }
                ok.push(c);
            }
            Some(Err(e)) => errors.push(e),
            None => skipped.push(a.meta().id.to_string()),
        }
    }
    (worst_cell(&ok), errors, skipped)
}

// ----- the `loophole` command -----

/// What `escrowlab loophole` measures.
#[derive(Clone, Debug)]
pub struct LoopholeOptions {
    /// Population sizes (users), in the order reported.
    pub sizes: Vec<u32>,
    /// Seeds per size and scheme.
    pub seeds: u32,
    /// Seed `i` (0-based) is `base_seed + i` (wrapping).
    pub base_seed: u64,
    /// The escrow schemes measured.
    pub schemes: Vec<Scheme>,
    /// Epochs of every world.
    pub epochs: u32,
    /// Messages per session of every world.
    pub messages_per_session: u32,
    /// Fraction of conversations that are groups.
    pub group_share: f64,
    /// Backend override (default: each scheme's own, else blsttc).
    pub backend: Option<BackendKind>,
    /// The population models swept, each a template whose model, model parameters,
    /// group sizes and conversations are used (its users, epochs, messages per session and
    /// group share come from these options). Default: one, `uniform`.
    pub shapes: Vec<Population>,
}

impl LoopholeOptions {
    /// The defaults of `escrowlab loophole`: sizes 100 and 1000; 3 seeds from 42; the
    /// headline's scheme ([`DEFAULT_SCHEME`]); the default suite's population shape (4
    /// epochs, 20 messages per session, group share 0.2).
    pub fn defaults() -> LoopholeOptions {
        let p = Population::default();
        LoopholeOptions {
            sizes: DEFAULT_SIZES.to_vec(),
            seeds: DEFAULT_SEEDS,
            base_seed: DEFAULT_BASE_SEED,
            schemes: Scheme::builtins()
                .into_iter()
                .filter(|s| s.name == DEFAULT_SCHEME)
                .collect(),
            epochs: p.epochs,
            messages_per_session: p.messages_per_session,
            group_share: p.group_share,
            backend: None,
            shapes: vec![p],
        }
    }

    /// Every built-in session-escrow scheme (all but `e2e-baseline`), in built-in order:
    /// what `--scheme all` measures.
    pub fn every_escrow_scheme() -> Vec<Scheme> {
        Scheme::builtins()
            .into_iter()
            .filter(|s| s.name != BASELINE_SCHEME && s.family() == crate::mechanism::SESSION_ESCROW)
            .collect()
    }

    /// The seeds measured, in order.
    pub fn seed_list(&self) -> Vec<u64> {
        (0..u64::from(self.seeds))
            .map(|i| self.base_seed.wrapping_add(i))
            .collect()
    }

    /// What the measurement costs: per size and seed, plain E2E over every device and every
    /// attack (with its brute-force guesses) against each scheme.
    ///
    /// # Errors
    /// When the baseline scheme cannot be built.
    pub fn estimate(&self, registry: &Registry) -> Result<RunCost> {
        let attacks: Vec<&'static dyn Attack> = registry.iter().collect();
        let per_seed = |shape: &Population, users: u32| -> Result<RunCost> {
            let population = self.population_of(shape, users);
            let e2e = baseline_config(&population, 0, self.backend)?
                .cost()
                .every_device(f64::from(users));
            let schemes = self.schemes.iter().map(|scheme| {
                let backend = self
                    .backend
                    .or(scheme.backend)
                    .unwrap_or(BackendKind::Blsttc);
                let (cells, guesses, diverging) = priced_search(&attacks, scheme, &population);
                WorldCost::of(scheme, &population, backend).cells_at(
                    crate::budget::LOOPHOLE_CELL_SHARE,
                    cells,
                    guesses,
                    diverging,
                )
            });
            Ok(e2e + schemes.sum())
        };
        let mut total = RunCost::default();
        for shape in &self.shapes {
            for users in self.sizes_of(shape) {
                let one = per_seed(shape, users)?;
                for _ in 0..self.seeds {
                    total = total + one;
                }
            }
        }
        Ok(total)
    }

    /// The population of one size, under the first model swept (`uniform` by default).
    pub fn population(&self, users: u32) -> Population {
        match self.shapes.first() {
            Some(shape) => self.population_of(shape, users),
            None => self.population_of(&Population::default(), users),
        }
    }

    /// The sizes measured under `shape`: the sizes asked for, or a real graph's own size
    /// (`model = "edges"`, whatever the sizes).
    pub fn sizes_of(&self, shape: &Population) -> Vec<u32> {
        if shape.model == crate::world::Model::Edges {
            vec![shape.users]
        } else {
            self.sizes.clone()
        }
    }

    /// The population of one size under one of the models swept (`shape`; a real graph
    /// keeps its own users and conversations).
    pub fn population_of(&self, shape: &Population, users: u32) -> Population {
        if shape.model == crate::world::Model::Edges {
            return Population {
                epochs: self.epochs,
                messages_per_session: self.messages_per_session,
                ..shape.clone()
            };
        }
        Population {
            users,
            group_share: self.group_share,
            epochs: self.epochs,
            messages_per_session: self.messages_per_session,
            ..shape.clone()
        }
    }

    /// Checks every figure against its documented limit.
    ///
    /// # Errors
    /// [`Error::Input`] naming the option and the accepted range.
    pub fn validate(&self) -> Result<()> {
        if self.sizes.is_empty() || self.sizes.len() > MAX_SIZES {
            return Err(Error::input(format!(
                "--users lists {} sizes (accepted: 1..={MAX_SIZES})",
                self.sizes.len()
            )));
        }
        for (i, &u) in self.sizes.iter().enumerate() {
            if !(MIN_USERS..=MAX_USERS).contains(&u) {
                return Err(Error::input(format!(
                    "--users {u} is out of range (accepted: {MIN_USERS}..={MAX_USERS} per size, \
                     within the run-time budget)"
                )));
            }
            if self.sizes[..i].contains(&u) {
                return Err(Error::input(format!("--users lists {u} twice")));
            }
            for shape in self
                .shapes
                .iter()
                .filter(|s| s.model != crate::world::Model::Edges)
            {
                self.population_of(shape, u).validate().map_err(|e| {
                    Error::input(format!(
                        "{} population of {u} users: {e}",
                        shape.model.name()
                    ))
                })?;
            }
        }
        for shape in self
            .shapes
            .iter()
            .filter(|s| s.model == crate::world::Model::Edges)
        {
            self.population_of(shape, shape.users).validate()?;
        }
        if self.shapes.is_empty() || self.shapes.len() > MAX_MODELS {
            return Err(Error::input(format!(
                "--model lists {} models (accepted: 1..={MAX_MODELS})",
                self.shapes.len()
            )));
        }
        for (i, s) in self.shapes.iter().enumerate() {
            if self.shapes[..i].contains(s) {
                return Err(Error::input(format!(
                    "--model lists {} twice",
                    s.model.name()
                )));
            }
        }
        if !(1..=MAX_SEEDS).contains(&self.seeds) {
            return Err(Error::input(format!(
                "--seeds {} is out of range (accepted: 1..={MAX_SEEDS})",
                self.seeds
            )));
        }
        if self.schemes.is_empty() {
            return Err(Error::input("no scheme to measure"));
        }
        for (i, s) in self.schemes.iter().enumerate() {
            if self.schemes[..i].iter().any(|t| t.name == s.name) {
                return Err(Error::input(format!("--scheme {} is given twice", s.name)));
            }
            self.backend
                .or(s.backend)
                .unwrap_or(BackendKind::Blsttc)
                .instance()?;
        }
        Ok(())
    }
}

/// The worst single attack under a scheme at one size, over seeds.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct WorstAttackEstimate {
    /// The attacks that were the worst at some seed, in order of first appearance.
    pub names: Vec<String>,
    /// The worst attack at each seed, in seed order.
    pub per_seed: Vec<String>,
    /// Users it exposed.
    pub users: Estimate,
    /// Messages it exposed.
    pub messages: Estimate,
    /// The fraction of all messages it exposed.
    pub fraction: Estimate,
}

/// Plain E2E's single-device failures at one size, over seeds.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct E2eEstimate {
    /// The scheme (`e2e-baseline`).
    pub scheme: String,
    /// The attack run once per device (`endpoint-compromise`).
    pub attack: String,
    /// Devices measured per seed (every user).
    pub devices: Estimate,
    /// Devices whose compromise exposed nothing (users in no conversation).
    pub idle_devices: Estimate,
    /// Users exposed by the worst device.
    pub worst_device_users: Estimate,
    /// Messages exposed by the worst device.
    pub worst_device_messages: Estimate,
    /// Users exposed by one device, mean over devices.
    pub mean_device_users: Estimate,
    /// Users exposed by one device, median over devices.
    pub median_device_users: Estimate,
    /// Messages exposed by one device, mean over devices.
    pub mean_device_messages: Estimate,
    /// Messages exposed by one device, median over devices.
    pub median_device_messages: Estimate,
    /// Users who sent any message.
    pub users_total: Estimate,
    /// All messages.
    pub messages_total: Estimate,
    /// Devices to expose half of the active users (greedy set cover; see [`Coverage`]).
    pub devices_for_50: Estimate,
    /// Devices to expose 90 % of the active users.
    pub devices_for_90: Estimate,
    /// Devices to expose every active user.
    pub devices_for_100: Estimate,
}

impl E2eEstimate {
    fn of(runs: &[DeviceFailures]) -> E2eEstimate {
        let e = |f: &dyn Fn(&DeviceFailures) -> f64| {
            Estimate::of(&runs.iter().map(f).collect::<Vec<_>>())
        };
        E2eEstimate {
            scheme: BASELINE_SCHEME.into(),
            attack: DEVICE_ATTACK.into(),
            devices: e(&|d| d.devices as f64),
            idle_devices: e(&|d| d.idle_devices as f64),
            worst_device_users: e(&|d| d.worst_device.users as f64),
            worst_device_messages: e(&|d| d.worst_device.messages as f64),
            mean_device_users: e(&|d| d.users.mean),
            median_device_users: e(&|d| d.users.median),
            mean_device_messages: e(&|d| d.messages.mean),
            median_device_messages: e(&|d| d.messages.median),
            users_total: e(&|d| d.users_total as f64),
            messages_total: e(&|d| d.messages_total as f64),
            devices_for_50: e(&|d| d.coverage.devices_50 as f64),
            devices_for_90: e(&|d| d.coverage.devices_90 as f64),
            devices_for_100: e(&|d| d.coverage.devices_100 as f64),
        }
    }
}

/// One model × size × scheme of the `loophole` command.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct LoopholeRow {
    /// The population model.
    pub model: crate::world::Model,
    /// The model with its parameters and group sizes, in one line.
    pub population: String,
    /// Conversations in the population (a parameter of the model, not a measurement).
    pub conversations: u32,
    /// Users in the population.
    pub users: u32,
    /// The escrow scheme.
    pub scheme: String,
    /// Its backend.
    pub backend: String,
    /// The worst single attack under the scheme.
    pub worst_attack: WorstAttackEstimate,
    /// Plain E2E's single-device failures (the same for every scheme of a size).
    pub e2e: E2eEstimate,
    /// Worst-attack users / E2E worst-device users, computed per seed; `None` (JSON
    /// `null`) if at some seed no device exposed anyone.
    pub ratio: Option<Estimate>,
    /// Cells that errored (attack or device runs), `seed N: ...`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// Attacks not run, per seed (`seed N: a, b, ...`): an earlier attack in registry order
    /// had already exposed every message, so none of them could be the worst
    /// ([`worst_attack_pruned`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<String>,
}

/// The result of `escrowlab loophole`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct LoopholeReport {
    /// `escrowlab-loophole/1`.
    pub schema: &'static str,
    /// Which comparison the ratios make ([`COMPARISON`]).
    pub comparison: &'static str,
    /// The base seed.
    pub base_seed: u64,
    /// The seeds measured (`base_seed + i`).
    pub seeds: Vec<u64>,
    /// Epochs of every world.
    pub epochs: u32,
    /// Messages per session of every world.
    pub messages_per_session: u32,
    /// Fraction of conversations that are groups.
    pub group_share: f64,
    /// What every interval is.
    pub interval: &'static str,
    /// One row per model × size × scheme, models outer, then sizes, in the order asked.
    pub results: Vec<LoopholeRow>,
    /// Per model and scheme, the growth exponent of the ratio with the population size
    /// (empty with fewer than two sizes).
    pub growth: Vec<Growth>,
}

/// How the ratio grows with the population: the least-squares slope of ln(ratio) against
/// ln(users) over every (size, seed) point of one model and scheme, with its 95 % Student t
/// interval (points − 2 degrees of freedom). A ratio growing like n^b has slope b; like
/// n / log n, a slope a little under 1.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Growth {
    /// The population model.
    pub model: crate::world::Model,
    /// The escrow scheme.
    pub scheme: String,
    /// The sizes fitted.
    pub sizes: Vec<u32>,
    /// (size, seed) points fitted.
    pub points: usize,
    /// The slope.
    pub exponent: f64,
    /// Its 95 % interval; `None` (JSON `null`) with fewer than three points.
    pub ci95: Option<[f64; 2]>,
}

/// The least-squares slope of `y` on `x` and its 95 % Student t interval (n − 2 degrees of
/// freedom; `None` below three points or with no spread in `x`).
pub fn slope(points: &[(f64, f64)]) -> Option<(f64, Option<[f64; 2]>)> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let b = sxy / sxx;
    let ci = (points.len() >= 3).then(|| {
        let a = my - b * mx;
        let sse: f64 = points.iter().map(|p| (p.1 - a - b * p.0).powi(2)).sum();
        let se = (sse / (n - 2.0) / sxx).sqrt();
        let half = t_critical_95(points.len() as u32 - 2) * se;
        [round6(b - half), round6(b + half)]
    });
    Some((round6(b), ci))
}

fn growth_of(results: &[LoopholeRow]) -> Vec<Growth> {
    let mut keys: Vec<(crate::world::Model, String)> = Vec::new();
    for r in results {
        let k = (r.model, r.scheme.clone());
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys.into_iter()
        .filter_map(|(model, scheme)| {
            let rows: Vec<&LoopholeRow> = results
                .iter()
                .filter(|r| r.model == model && r.scheme == scheme)
                .collect();
            let points: Vec<(f64, f64)> = rows
                .iter()
                .filter_map(|r| r.ratio.as_ref().map(|e| (r.users, e)))
                .flat_map(|(u, e)| {
                    e.per_seed
                        .iter()
                        .filter(|v| **v > 0.0)
                        .map(move |v| (f64::from(u).ln(), v.ln()))
                })
                .collect();
            let (exponent, ci95) = slope(&points)?;
            Some(Growth {
                model,
                scheme,
                sizes: rows.iter().map(|r| r.users).collect(),
                points: points.len(),
                exponent,
                ci95,
            })
        })
        .collect()
}

/// The cells [`worst_attack_pruned`] is expected to run under `scheme`, priced in registry
/// order as `(cells, guesses, diverging cells)`: every fully applicable attack (one lacking a
/// capability stops at its first refused request), up to and including the first whose
/// `check` says the scheme exposes it, when the scheme keeps every escrow key it creates to
/// the end of the run (static keys, or epoch keys kept at least as long as the run lasts).
/// That attack is expected to read every message, where the search stops. A scheme that
/// destroys keys is priced with every cell, since no single attack may read everything.
/// The guess is about the search, not the figures: were it wrong, the run would go on past
/// the expected stop and take longer than estimated, with the same results.
fn priced_search(
    attacks: &[&'static dyn Attack],
    scheme: &Scheme,
    population: &Population,
) -> (f64, f64, f64) {
    use crate::config::scheme::Lifetime;
    let keeps_every_key = match scheme.custody.lifetime {
        Lifetime::Static => true,
        Lifetime::Epoch => scheme.custody.retention >= population.epochs,
    };
    let (mut cells, mut guesses, mut diverging) = (0.0, 0.0, 0.0);
    for a in attacks {
        let Ok(params) = Params::resolve(a.meta().id, a.meta().params, &BTreeMap::new()) else {
            continue;
        };
        guesses += super::guesses(*a, scheme, &params);
        if !super::fully_applicable(*a, scheme) {
            continue;
        }
        cells += 1.0;
        if super::diverges_under(*a, scheme) {
            diverging += 1.0;
        }
        if keeps_every_key && super::check_exposes(*a, scheme, &params) {
            break;
        }
    }
    (cells, guesses, diverging)
}

/// Runs the `loophole` measurement: per size and seed, plain E2E over every device, and per
/// scheme the worst of every attack in `registry` at default parameters.
///
/// # Errors
/// [`Error::Input`] for options out of range or a registry without [`DEVICE_ATTACK`];
/// world construction errors.
pub fn run(registry: &Registry, opts: &LoopholeOptions) -> Result<LoopholeReport> {
    opts.validate()?;
    let device_attack = registry.find(DEVICE_ATTACK).ok_or_else(|| {
        Error::input(format!(
            "the attack registry has no `{DEVICE_ATTACK}`, which measures plain E2E's device failures"
        ))
    })?;
    opts.estimate(registry)?.within_budget(
        "this loophole measurement",
        "--users, --seeds, --epochs, --messages or the number of schemes",
    )?;
    let seeds = opts.seed_list();
    // Per size and seed: one cell per device of plain E2E, one per attack and scheme.
    let per_seed = (opts.schemes.len() * registry.iter().count()) as u64;
    crate::progress::stage(
        "loophole",
        crate::progress::Unit::Cells,
        opts.shapes
            .iter()
            .flat_map(|shape| opts.sizes_of(shape))
            .map(|u| (u64::from(u) + per_seed) * seeds.len() as u64)
            .sum::<u64>(),
    );
    let mut results = Vec::new();
    for (shape, users) in opts
        .shapes
        .iter()
        .flat_map(|m| opts.sizes_of(m).into_iter().map(move |u| (m, u)))
    {
        let population = opts.population_of(shape, users);
        let mut e2e_runs = Vec::with_capacity(seeds.len());
        // worst[scheme][seed]
        let mut worst: Vec<Vec<Searched>> =
            vec![Vec::with_capacity(seeds.len()); opts.schemes.len()];
        for &seed in &seeds {
            // Plain E2E (every device) and the schemes' attack cells share the threads.
            let (e2e, schemes) = rayon::join(
                || -> Result<DeviceFailures> {
                    let _runner = crate::attack::cell::RunnerFrame::enter();
                    let config = baseline_config(&population, seed, opts.backend)?;
                    let base = base_worlds(&config.scheme, &config)?;
                    device_failures(&base, device_attack)
                },
                || -> Result<Vec<Searched>> {
                    let _runner = crate::attack::cell::RunnerFrame::enter();
                    opts.schemes
                        .iter()
                        .map(|scheme| {
                            let config = WorldConfig {
                                scheme: scheme.clone(),
                                population: population.clone(),
                                seed,
                                backend: opts
                                    .backend
                                    .or(scheme.backend)
                                    .unwrap_or(BackendKind::Blsttc),
                            };
                            let base = base_worlds(scheme, &config)?;
                            let (worst, errors, skipped) = worst_attack_pruned(registry, &base);
                            Ok((worst, errors, skipped))
                        })
                        .collect()
                },
            );
            e2e_runs.push(e2e?);
            for (w, s) in worst.iter_mut().zip(schemes?) {
                w.push(s);
            }
        }
        let e2e = E2eEstimate::of(&e2e_runs);
        for (scheme, per_seed) in opts.schemes.iter().zip(worst) {
            let mut errors = Vec::new();
            for (seed, d) in seeds.iter().zip(&e2e_runs) {
                errors.extend(d.errors.iter().map(|e| format!("seed {seed}: {e}")));
            }
            let mut skipped: Vec<String> = Vec::new();
            for (seed, (_, errs, skips)) in seeds.iter().zip(&per_seed) {
                errors.extend(errs.iter().map(|e| format!("seed {seed}: {e}")));
                if !skips.is_empty() {
                    skipped.push(format!("seed {seed}: {}", skips.join(", ")));
                }
            }
            let cells: Vec<Option<&WorstCell>> =
                per_seed.iter().map(|(w, _, _)| w.as_ref()).collect();
            let pick = |f: &dyn Fn(&WorstCell) -> f64| {
                Estimate::of(&cells.iter().map(|c| c.map_or(0.0, f)).collect::<Vec<_>>())
            };
            let names_per_seed: Vec<String> = cells
                .iter()
                .map(|c| c.map_or_else(|| "none".to_string(), |c| c.attack.clone()))
                .collect();
            let mut names: Vec<String> = Vec::new();
            for n in &names_per_seed {
                if !names.contains(n) {
                    names.push(n.clone());
                }
            }
            let ratios: Option<Vec<f64>> = cells
                .iter()
                .zip(&e2e_runs)
                .map(|(c, d)| {
                    let num = c.map_or(0, |c| c.users) as f64;
                    (d.worst_device.users > 0).then(|| num / d.worst_device.users as f64)
                })
                .collect();
            results.push(LoopholeRow {
                model: population.model,
                population: population.model_summary(),
                conversations: population.conversation_count(),
                users,
                scheme: scheme.name.clone(),
                backend: opts
                    .backend
                    .or(scheme.backend)
                    .unwrap_or(BackendKind::Blsttc)
                    .name()
                    .to_string(),
                worst_attack: WorstAttackEstimate {
                    names,
                    per_seed: names_per_seed,
                    users: pick(&|c| c.users as f64),
                    messages: pick(&|c| c.messages as f64),
                    fraction: pick(&|c| c.fraction),
                },
                e2e: e2e.clone(),
                ratio: ratios.map(|r| Estimate::of(&r)),
                errors,
                skipped,
            });
        }
    }
    Ok(LoopholeReport {
        schema: SCHEMA,
        comparison: COMPARISON,
        base_seed: opts.base_seed,
        seeds,
        epochs: opts.epochs,
        messages_per_session: opts.messages_per_session,
        group_share: opts.group_share,
        interval: INTERVAL,
        growth: growth_of(&results),
        results,
    })
}

impl LoopholeReport {
    /// Did any attack or device run error?
    pub fn has_errors(&self) -> bool {
        self.results.iter().any(|r| !r.errors.is_empty())
    }

    /// The JSON rendering (pretty, newline-terminated, byte-identical for the same options).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        s.push('\n');
        s
    }

    /// The terminal rendering: per size, plain E2E's device failures, then one line per
    /// scheme with the worst attack, its exposure and the ratio.
    pub fn to_text(&self) -> String {
        let n = self.seeds.len();
        let seeds = match (self.seeds.first(), self.seeds.last()) {
            (Some(a), Some(b)) if n > 1 => format!("seeds {a}..={b} ({n})"),
            (Some(a), _) => format!("seed {a} (1)"),
            _ => "no seeds".into(),
        };
        let mut out = format!(
            "escrowlab loophole — {seeds}; {} × {} messages/session, group share {}\n",
            crate::text::count(self.epochs, "epoch", "epochs"),
            self.messages_per_session,
            self.group_share
        );
        if n > 1 {
            out.push_str(&format!(
                "Figures are means over seeds with a 95% interval [lo, hi] (Student t,\nn-1 = {}); ratios are computed per seed, then averaged.\n",
                crate::text::count(n - 1, "degree of freedom", "degrees of freedom")
            ));
        } else {
            out.push_str("One seed: figures without intervals (use --seeds 2 or more).\n");
        }
        out.push_str(&format!(
            "Plain E2E: `{DEVICE_ATTACK}` run once per device (every user) under `{BASELINE_SCHEME}`.\n"
        ));
        out.push_str(&crate::text::wrap(
            &format!("Comparison: {COMPARISON}."),
            100,
            "",
            "  ",
        ));
        out.push('\n');
        out.push_str(
            "Coverage: greedy set cover over the devices' exposures (an upper bound on the\n\
             devices needed; any k greedy devices expose >= (1 - 1/e) of what the best k do).\n",
        );
        let mut last_size = None;
        let mut last_model = None;
        let several = self
            .results
            .iter()
            .any(|r| Some(r.model) != self.results.first().map(|f| f.model))
            || self
                .results
                .first()
                .is_some_and(|r| r.model != crate::world::Model::Uniform);
        for r in &self.results {
            if several && last_model != Some(r.model) {
                last_model = Some(r.model);
                last_size = None;
                out.push_str(&format!("\n== population model: {}\n", r.population));
            }
            if last_size != Some(r.users) {
                last_size = Some(r.users);
                let e = &r.e2e;
                out.push_str(&format!(
                    "\n{} users ({:.0} messages): plain E2E, one device of every {:.0} exposes\n  worst device  {} users, {} messages\n  mean device   {} users, {} messages\n  median device {} users, {} messages\n",
                    r.users,
                    e.messages_total.mean,
                    e.devices.mean,
                    e.worst_device_users.show(1),
                    e.worst_device_messages.show(1),
                    e.mean_device_users.show(2),
                    e.mean_device_messages.show(1),
                    e.median_device_users.show(2),
                    e.median_device_messages.show(1),
                ));
                out.push_str(&format!(
                    "  devices to lose for 50% / 90% / 100% of active users (greedy cover):\n    {} / {} / {}\n",
                    e.devices_for_50.show(1),
                    e.devices_for_90.show(1),
                    e.devices_for_100.show(1),
                ));
                out.push_str(&format!(
                    "  {:<22} {:<24} {}\n  {:<22}   {}\n",
                    "scheme",
                    "worst single attack",
                    "× worst E2E device (users)",
                    "",
                    "users exposed; messages exposed"
                ));
            }
            // Two lines per scheme, so the table fits 100 columns with intervals.
            let w = &r.worst_attack;
            out.push_str(&format!(
                "  {:<22} {:<24} {}\n  {:<22}   users {}; messages {}\n",
                r.scheme,
                w.names.join(", "),
                r.ratio
                    .as_ref()
                    .map_or_else(|| "n/a".to_string(), |x| x.show(1)),
                "",
                w.users.show(1),
                w.messages.show(0),
            ));
            for e in &r.errors {
                out.push_str(&format!("    error: {e}\n"));
            }
        }
        if !self.growth.is_empty() {
            out.push_str(
                "\nGrowth of the ratio with users: least-squares slope of ln(ratio) on ln(users)\n\
                 over every (size, seed) point, 95% interval (Student t, points - 2 df)\n",
            );
            for g in &self.growth {
                out.push_str(&format!(
                    "  {:<11} {:<22} exponent {:.3}{}\n",
                    g.model.name(),
                    g.scheme,
                    g.exponent,
                    g.ci95
                        .map_or_else(String::new, |[lo, hi]| format!(" [{lo:.3}, {hi:.3}]"))
                ));
            }
        }
        out
    }
}
