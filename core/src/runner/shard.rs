//! A suite's work as numbered units, so it can be split across machines and put back
//! together: `escrowlab suite --shard I/N` runs units `u` with `u mod N = I − 1` and writes
//! them as JSON Lines; `escrowlab merge` reads every part and builds the report.
//!
//! The unsharded run goes through the same units and the same [`assemble`], so a merge of
//! all N parts is byte-identical to it by construction (a test runs 4 shards as processes
//! and compares the bytes).
//!
//! Units, in order: 0 is plain E2E's single-device failures over every device (the
//! one-loophole reference); then, scheme by scheme, each cell of that scheme in suite order
//! followed by the scheme's lawful utility. A shard rebuilds the world of every scheme it
//! has a unit of (worlds are deterministic in the seed, so every shard builds the same one).

use super::loophole::{DeviceExposure, DeviceFailures};
use super::report_model::{Report, SchemeSummary};
use super::{base_worlds, lawful_utility, run_cell, CellResult, LawfulUtility};
use crate::backend::BackendKind;
use crate::budget::{self, WorldCost};
use crate::config::scheme::Scheme;
use crate::error::{Error, Result};
use crate::runner::suite_file::{CellSpec, Suite};
use crate::world::{Population, WorldConfig};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The schema name of a part's header line.
pub const SCHEMA: &str = "escrowlab-shard/1";

/// Largest shard count.
pub const MAX_SHARDS: u32 = 100_000;

/// Which 1/N of the units to run: 1-based `index` of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 1..=count.
    pub index: u32,
    /// Number of shards.
    pub count: u32,
}

impl Shard {
    /// Every unit: shard 1 of 1.
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };

    /// Parses `I/N` (1 ≤ I ≤ N ≤ [`MAX_SHARDS`]).
    ///
    /// # Errors
    /// [`Error::Input`] saying what is wrong.
    pub fn parse(s: &str) -> Result<Shard> {
        let bad = |why: &str| {
            Error::input(format!(
                "--shard {}: {why} (expected I/N with 1 <= I <= N <= {MAX_SHARDS}, e.g. 2/4)",
                crate::text::echo(s)
            ))
        };
        let (i, n) = s.split_once('/').ok_or_else(|| bad("no '/'"))?;
        // Digits too large for any integer type are still a number, only out of range.
        let number = |part: &str, name: &str| -> Result<u64> {
            let t = part.trim();
            if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(&format!("{name} is not a number")));
            }
            Ok(t.parse::<u64>().unwrap_or(u64::MAX))
        };
        let index = number(i, "I")?;
        let count = number(n, "N")?;
        if count == 0 || count > u64::from(MAX_SHARDS) {
            return Err(bad(&format!(
                "N = {} is out of range (1 to {MAX_SHARDS})",
                crate::text::echo(n.trim())
            )));
        }
        if index == 0 || index > count {
            return Err(bad(&format!(
                "I = {} is out of range (1 to N = {count})",
                crate::text::echo(i.trim())
            )));
        }
        // Both fit: count <= MAX_SHARDS and index <= count.
        Ok(Shard {
            index: index as u32,
            count: count as u32,
        })
    }

    /// Does this shard run unit `u`?
    pub fn owns(self, u: usize) -> bool {
        u % self.count as usize == (self.index - 1) as usize
    }
}

/// What a report needs to know of a scheme besides its cells.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SchemeMeta {
    /// Name.
    pub name: String,
    /// Summary line.
    pub summary: String,
    /// Backend it runs on.
    pub backend: String,
    /// Controls deliberately weakened in it.
    pub weakened: Vec<String>,
    /// SHA-256 of its definition ([`super::provenance::scheme_digest`]).
    pub sha256: String,
}

/// The first line of every part: the run it belongs to, and everything the report needs
/// besides the units' results, so `merge` needs no suite file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// [`SCHEMA`].
    pub schema: String,
    /// escrowlab's version (parts of different versions are not merged).
    pub escrowlab_version: String,
    /// This part's shard index (1-based).
    pub shard: u32,
    /// Number of shards.
    pub of: u32,
    /// Units of the whole run.
    pub units: usize,
    /// The suite's source.
    pub suite: String,
    /// The seed.
    pub seed: u64,
    /// Backends used, in report order.
    pub backends: Vec<String>,
    /// The population.
    pub population: Population,
    /// The schemes, in suite order.
    pub schemes: Vec<SchemeMeta>,
}

impl Header {
    /// The same run, whatever the shard?
    fn same_run(&self, other: &Header) -> bool {
        Header {
            shard: other.shard,
            ..self.clone()
        } == *other
    }
}

/// One unit's result.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitResult {
    /// Plain E2E's single-device failures (`None`: no `endpoint-compromise` in the registry).
    Baseline {
        /// The distribution.
        failures: Option<Box<DeviceFailures>>,
        /// Every device's exposure (not part of the report's JSON, kept for merging).
        per_device: Vec<DeviceExposure>,
    },
    /// One cell.
    Cell(Box<CellResult>),
    /// A scheme's lawful utility.
    Utility(LawfulUtility),
}

/// One line of a part after the header.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Line {
    /// The unit's number.
    pub unit: usize,
    /// Its result.
    pub result: UnitResult,
}

/// What one unit is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unit {
    Baseline,
    Cell(usize),
    Utility(usize),
}

/// The units of `cells` (grouped by scheme, in suite order) for `schemes` schemes.
fn units(schemes: usize, cells: &[CellSpec]) -> Vec<Unit> {
    let mut out = vec![Unit::Baseline];
    for si in 0..schemes {
        out.extend(
            cells
                .iter()
                .enumerate()
                .filter(|(_, c)| c.scheme == si)
                .map(|(ci, _)| Unit::Cell(ci)),
        );
        out.push(Unit::Utility(si));
    }
    out
}

/// Where each unit stands in [`units`]' order, built once (a lookup per unit would be
/// quadratic in a suite of many cells).
struct UnitIndex {
    /// Unit number of each cell, by cell index.
    cell: Vec<usize>,
    /// Unit number of each scheme's lawful utility, by scheme index.
    utility: Vec<usize>,
}

impl UnitIndex {
    fn of(all: &[Unit], cells: usize, schemes: usize) -> UnitIndex {
        let mut ix = UnitIndex {
            cell: vec![usize::MAX; cells],
            utility: vec![usize::MAX; schemes],
        };
        for (u, unit) in all.iter().enumerate() {
            match *unit {
                Unit::Cell(ci) => ix.cell[ci] = u,
                Unit::Utility(si) => ix.utility[si] = u,
                Unit::Baseline => {}
            }
        }
        ix
    }
    fn of_unit(&self, unit: Unit) -> usize {
        match unit {
            Unit::Baseline => 0,
            Unit::Cell(ci) => self.cell[ci],
            Unit::Utility(si) => self.utility[si],
        }
    }
}

/// The backend a scheme of `suite` runs on.
pub fn backend_of(suite: &Suite, scheme: &Scheme, backend: Option<BackendKind>) -> BackendKind {
    backend
        .or(suite.file.backend)
        .or(scheme.backend)
        .unwrap_or(BackendKind::Blsttc)
}

/// The header of `shard` of `suite` run with `seed` and `backend`.
///
/// # Errors
/// A backend not compiled in.
pub fn header(
    suite: &Suite,
    seed: u64,
    backend: Option<BackendKind>,
    shard: Shard,
) -> Result<Header> {
    let mut backends: Vec<String> = Vec::new();
    let mut schemes = Vec::new();
    for scheme in &suite.schemes {
        let be = backend_of(suite, scheme, backend);
        be.instance()?;
        if !backends.iter().any(|b| b == be.name()) {
            backends.push(be.name().into());
        }
        schemes.push(SchemeMeta {
            name: scheme.name.clone(),
            summary: scheme.summary.clone(),
            backend: be.name().into(),
            weakened: scheme
                .weakened_controls()
                .iter()
                .map(|s| s.to_string())
                .collect(),
            sha256: super::provenance::scheme_digest(scheme),
        });
    }
    Ok(Header {
        schema: SCHEMA.into(),
        escrowlab_version: env!("CARGO_PKG_VERSION").into(),
        shard: shard.index,
        of: shard.count,
        units: units(suite.schemes.len(), &suite.cells()).len(),
        suite: suite.source.clone(),
        seed,
        backends,
        population: suite.file.population.clone(),
        schemes,
    })
}

/// What running `shard` of `suite` costs: the baseline if it owns it, then every scheme it
/// has a unit of: the world, its owned cells with their guesses, its utility if owned.
///
/// # Errors
/// When the baseline scheme cannot be built.
pub fn estimate(
    suite: &Suite,
    cells: &[CellSpec],
    backend: Option<BackendKind>,
    shard: Shard,
) -> Result<budget::RunCost> {
    let population = &suite.file.population;
    let all = units(suite.schemes.len(), cells);
    let ix = UnitIndex::of(&all, cells.len(), suite.schemes.len());
    let owned = |unit: Unit| shard.owns(ix.of_unit(unit));
    let mut total = budget::RunCost::default();
    if owned(Unit::Baseline) {
        total = total
            + super::loophole::baseline_config(population, 0, backend.or(suite.file.backend))?
                .cost()
                .every_device(f64::from(population.users));
    }
    for (si, scheme) in suite.schemes.iter().enumerate() {
        let mine: Vec<usize> = (0..cells.len())
            .filter(|&ci| cells[ci].scheme == si && owned(Unit::Cell(ci)))
            .collect();
        let utility = owned(Unit::Utility(si));
        if mine.is_empty() && !utility {
            continue;
        }
        let cost = WorldCost::of(scheme, population, backend_of(suite, scheme, backend));
        let guesses: f64 = mine
            .iter()
            .map(|&ci| super::guesses(cells[ci].attack, scheme, &cells[ci].params))
            .sum();
        let diverging = mine
            .iter()
            .filter(|&&ci| super::diverges_under(cells[ci].attack, scheme))
            .count();
        // A cell whose attack lacks one of its capabilities here runs, but stops at its first
        // refused request: priced as not run (measured: the default loophole at 300 users took
        // 35.1 s of CPU with such cells run, 34.7 s with them skipped).
        let run = mine
            .iter()
            .filter(|&&ci| super::fully_applicable(cells[ci].attack, scheme))
            .count();
        let mut e = cost.cells(run as f64, guesses, diverging as f64);
        if utility {
            // Lawful utility serves its warrants one after the other, beside the cells.
            let u = cost.utility_s(suite.file.utility_targets as f64);
            e.cpu_seconds += u;
            e.serial_seconds += u;
        }
        total = total + e;
    }
    Ok(total)
}

/// Runs the units of `suite` that `shard` owns, with `seed` and `backend`: the header and
/// each owned unit's result, in unit order.
///
/// # Errors
/// The cost budget, or world construction errors (bad input was rejected when the suite
/// was loaded).
pub fn run_shard(
    suite: &Suite,
    seed: u64,
    backend: Option<BackendKind>,
    shard: Shard,
) -> Result<(Header, Vec<Line>)> {
    let cells = suite.cells();
    let what = if shard == Shard::WHOLE {
        "this suite".to_string()
    } else {
        format!("shard {}/{} of this suite", shard.index, shard.count)
    };
    estimate(suite, &cells, backend, shard)?.within_budget(
        &what,
        &format!(
            "{}, the number of cells, utility_targets, or run more shards",
            budget::LOWER_WORLD
        ),
    )?;
    let head = header(suite, seed, backend, shard)?;
    let all = units(suite.schemes.len(), &cells);
    let ix = UnitIndex::of(&all, cells.len(), suite.schemes.len());
    let index_of = |unit: Unit| ix.of_unit(unit);
    let owned_cells = (0..cells.len())
        .filter(|&ci| shard.owns(index_of(Unit::Cell(ci))))
        .count() as u64;
    crate::progress::stage(
        "suite",
        crate::progress::Unit::Cells,
        // The every-device baseline runs one cell per user.
        if shard.owns(0) {
            u64::from(suite.file.population.users)
        } else {
            0
        } + owned_cells,
    );
    let mut lines = Vec::new();
    if shard.owns(0) {
        let failures = super::loophole::baseline_device_failures(
            &suite.registry,
            &suite.file.population,
            seed,
            backend.or(suite.file.backend),
        )?;
        let per_device = failures
            .as_ref()
            .map(|f| f.per_device.clone())
            .unwrap_or_default();
        lines.push(Line {
            unit: 0,
            result: UnitResult::Baseline {
                failures: failures.map(Box::new),
                per_device,
            },
        });
    }
    for (si, scheme) in suite.schemes.iter().enumerate() {
        let mine: Vec<usize> = (0..cells.len())
            .filter(|&ci| cells[ci].scheme == si && shard.owns(index_of(Unit::Cell(ci))))
            .collect();
        let utility_unit = index_of(Unit::Utility(si));
        let utility = shard.owns(utility_unit);
        if mine.is_empty() && !utility {
            continue;
        }
        let config = WorldConfig {
            scheme: scheme.clone(),
            population: suite.file.population.clone(),
            seed,
            backend: backend_of(suite, scheme, backend),
        };
        let base = base_worlds(scheme, &config)?;
        // Lawful utility works on its own copy of the world: it runs beside the cells.
        let (out, lawful): (Vec<CellResult>, _) = rayon::join(
            || {
                mine.par_iter()
                    .map(|&ci| {
                        let c = &cells[ci];
                        // Runner code, whichever thread picks the job up.
                        let mut cell = crate::attack::cell::outside(|| {
                            run_cell(&base, c.attack, &c.params, &suite.file.expect)
                        });
                        cell.warnings = suite.run_warnings(c);
                        cell
                    })
                    .collect()
            },
            || utility.then(|| lawful_utility(&base, suite.file.utility_targets)),
        );
        for (ci, cell) in mine.iter().zip(out) {
            lines.push(Line {
                unit: index_of(Unit::Cell(*ci)),
                result: UnitResult::Cell(Box::new(cell)),
            });
        }
        if let Some(u) = lawful {
            lines.push(Line {
                unit: utility_unit,
                result: UnitResult::Utility(u),
            });
        }
    }
    lines.sort_by_key(|l| l.unit);
    Ok((head, lines))
}

/// Builds the report from the header and every unit's result (`lines` sorted by unit,
/// one per unit: [`merge`] checks that).
///
/// # Errors
/// [`Error::Input`] when a unit is missing or of the wrong kind.
pub fn assemble(head: &Header, lines: Vec<Line>) -> Result<Report> {
    let missing = |what: &str| Error::input(format!("the parts lack {what}"));
    let mut it = lines.into_iter().peekable();
    let e2e = match it.next() {
        Some(Line {
            unit: 0,
            result:
                UnitResult::Baseline {
                    failures,
                    per_device,
                },
        }) => failures.map(|f| {
            let mut f = *f;
            f.per_device = per_device;
            f
        }),
        _ => return Err(missing("unit 0 (plain E2E over every device)")),
    };
    let mut summaries = Vec::new();
    let mut results = Vec::new();
    for meta in &head.schemes {
        let mut cells = Vec::new();
        let utility = loop {
            match it.next() {
                Some(Line {
                    result: UnitResult::Cell(c),
                    ..
                }) => cells.push(*c),
                Some(Line {
                    result: UnitResult::Utility(u),
                    ..
                }) => break u,
                _ => return Err(missing(&format!("the units of scheme {}", meta.name))),
            }
        };
        summaries.push(SchemeSummary::from_meta(meta, utility, &cells).with_e2e(e2e.as_ref()));
        results.append(&mut cells);
    }
    if it.next().is_some() {
        return Err(Error::input("the parts hold more units than the run has"));
    }
    let digests = head
        .schemes
        .iter()
        .map(|m| super::provenance::SchemeDigest {
            name: m.name.clone(),
            backend: m.backend.clone(),
            sha256: m.sha256.clone(),
        })
        .collect();
    Ok(Report::from_parts(
        &head.suite,
        head.seed,
        head.backends.clone(),
        head.population.clone(),
        summaries,
        digests,
        results,
    ))
}

/// The JSON Lines of a part: the header, then one line per unit.
pub fn to_json_lines(head: &Header, lines: &[Line]) -> String {
    let mut s = String::new();
    let mut push = |v: serde_json::Result<String>| {
        s.push_str(&v.unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}")));
        s.push('\n');
    };
    push(serde_json::to_string(head));
    for l in lines {
        push(serde_json::to_string(l));
    }
    s
}

/// Where a merge finds the suite the parts name, and the overrides their run used.
#[derive(Clone, Debug, Default)]
pub struct MergeOptions {
    /// The suite file, when the path in the parts' header does not resolve from here
    /// (`None`: the header's, `builtin:default` being the built-in suite).
    pub suite: Option<String>,
    /// The seed the shards were run with, when it overrode the suite's (`suite --seed`).
    pub seed: Option<u64>,
    /// The backend the shards were run with, when it overrode the suite's
    /// (`suite --backend`).
    pub backend: Option<BackendKind>,
}

/// Reads the parts at `paths` and builds the report of the whole run, re-judged: the
/// suite the header names is loaded again, the header recomputed from it and compared
/// field by field, every unit checked against the unit the suite has at its number and
/// against the invariants of its figures, and every cell's expectations applied again.
///
/// # Errors
/// [`Error::Input`] (exit 2) naming the part, the line and the field: a part that does not
/// parse, parts of different runs or versions, a shard missing or given twice, a unit
/// missing, repeated or in the wrong shard, a header that is not the named suite's, a
/// figure out of its range or inconsistent with the others, a cell of a scheme, attack or
/// parameters the suite does not run there, a verdict or failures that re-judging does
/// not reproduce.
pub fn merge(
    paths: &[std::path::PathBuf],
    registry: &crate::attack::Registry,
    opts: &MergeOptions,
) -> Result<Report> {
    let mut head: Option<(Header, String)> = None;
    let mut seen_shards = Vec::new();
    let mut lines: Vec<(Line, Origin)> = Vec::new();
    for path in paths {
        let (h, mut l) = read_part(path)?;
        let name = crate::text::echo(&path.display().to_string());
        match &head {
            None => head = Some((h.clone(), name.clone())),
            Some((first, _)) if !first.same_run(&h) => {
                return Err(Error::input(format!(
                    "{name}:1: a part of a different run (suite, seed, backend, population, \
                     shard count or escrowlab version differ from the first part's)"
                )))
            }
            Some(_) => {}
        }
        if seen_shards.contains(&h.shard) {
            return Err(Error::input(format!(
                "{name}: shard {}/{} given twice",
                h.shard, h.of
            )));
        }
        seen_shards.push(h.shard);
        lines.append(&mut l);
    }
    let (head, first_part) = head.ok_or_else(|| Error::input("merge: no parts given"))?;
    if seen_shards.len() != head.of as usize {
        let missing: Vec<String> = (1..=head.of)
            .filter(|i| !seen_shards.contains(i))
            .take(10)
            .map(|i| format!("{i}/{}", head.of))
            .collect();
        return Err(Error::input(format!(
            "merge: {} of {} shards given; missing {}",
            seen_shards.len(),
            head.of,
            missing.join(", ")
        )));
    }
    lines.sort_by_key(|(l, _)| l.unit);
    for (i, (l, _)) in lines.iter().enumerate() {
        if l.unit != i {
            return Err(Error::input(format!(
                "merge: unit {} {}",
                i.min(l.unit),
                if l.unit < i {
                    "appears twice"
                } else {
                    "is missing"
                }
            )));
        }
    }
    if lines.len() != head.units {
        return Err(Error::input(format!(
            "merge: units {}..{} are missing (the parts hold {} of the run's {} units)",
            lines.len(),
            head.units,
            lines.len(),
            head.units
        )));
    }
    let suite = suite_of(&head, &first_part, registry, opts)?;
    let cells = suite.cells();
    let all = units(suite.schemes.len(), &cells);
    let mut out = Vec::with_capacity(lines.len());
    for ((mut line, origin), unit) in lines.into_iter().zip(&all) {
        rejudge(&suite, &head, &cells, *unit, &mut line.result)
            .map_err(|e| Error::input(format!("{}:{}: {e}", origin.part, origin.line)))?;
        // The text renderings explain sentinel parameters from the attacks' docs, which
        // the parts do not carry: restored from this binary's registry.
        if let UnitResult::Cell(c) = &mut line.result {
            if let Some(a) = registry.find(&c.attack) {
                c.param_meanings = super::param_meanings(a.meta(), &c.params);
            }
        }
        out.push(line);
    }
    assemble(&Header { shard: 1, ..head }, out)
}

/// Where a unit line came from: the part (as echoed) and its line number.
#[derive(Clone, Debug)]
struct Origin {
    part: String,
    line: usize,
}

/// Loads the suite the header names (or `opts.suite`) and checks the header against the
/// one it gives: suite, seed, population, units, backends and every scheme's name,
/// summary, weakened controls and digest.
fn suite_of(
    head: &Header,
    part: &str,
    registry: &crate::attack::Registry,
    opts: &MergeOptions,
) -> Result<Suite> {
    let named = opts.suite.clone().unwrap_or_else(|| head.suite.clone());
    let suite = if named == "builtin:default" {
        Suite::load(None, registry)
    } else {
        Suite::load(Some(&named), registry)
    }
    .map_err(|e| {
        Error::input(format!(
            "{part}:1: suite: cannot load the suite the parts name ({}): {e} (run merge where \
             its path resolves, or give it with --suite)",
            crate::text::clip_quoted(&named)
        ))
    })?;
    let seed = opts.seed.unwrap_or(suite.file.seed);
    let want = header(&suite, seed, opts.backend, Shard::WHOLE)?;
    let field = |name: &str, got: String, expected: String| {
        Error::input(format!(
            "{part}:1: {name} = {got} is not the suite's ({expected}): the parts are not a run \
             of {} (give the run's overrides with --seed or --backend)",
            crate::text::clip_quoted(&named)
        ))
    };
    if opts.suite.is_none() && head.suite != want.suite {
        return Err(field(
            "suite",
            crate::text::clip_quoted(&head.suite).into_owned(),
            crate::text::clip_quoted(&want.suite).into_owned(),
        ));
    }
    if head.seed != want.seed {
        return Err(field("seed", head.seed.to_string(), want.seed.to_string()));
    }
    if head.population != want.population {
        return Err(field(
            "population",
            format!("{:?}", head.population),
            format!("{:?}", want.population),
        ));
    }
    if head.units != want.units {
        return Err(field(
            "units",
            head.units.to_string(),
            want.units.to_string(),
        ));
    }
    if head.backends != want.backends {
        return Err(field(
            "backends",
            format!("{:?}", head.backends),
            format!("{:?}", want.backends),
        ));
    }
    if head.schemes.len() != want.schemes.len() {
        return Err(field(
            "schemes",
            head.schemes.len().to_string(),
            want.schemes.len().to_string(),
        ));
    }
    for (i, (got, exp)) in head.schemes.iter().zip(&want.schemes).enumerate() {
        if got.sha256 != exp.sha256 {
            return Err(field(
                &format!("schemes[{i}].sha256"),
                crate::text::clip_quoted(&got.sha256).into_owned(),
                crate::text::clip_quoted(&exp.sha256).into_owned(),
            ));
        }
        if got != exp {
            return Err(field(
                &format!("schemes[{i}]"),
                crate::text::clip_quoted(&got.name).into_owned(),
                crate::text::clip_quoted(&exp.name).into_owned(),
            ));
        }
    }
    Ok(suite)
}

/// Checks one unit's result against the unit the suite has at its number and the
/// invariants of its figures, and re-judges a cell: its expectations, verdict, failures
/// and warnings are computed again and must be what the part says.
fn rejudge(
    suite: &Suite,
    head: &Header,
    cells: &[CellSpec],
    unit: Unit,
    result: &mut UnitResult,
) -> std::result::Result<(), String> {
    let epochs = (head.population.epochs.max(1)) as usize;
    match (unit, result) {
        (
            Unit::Baseline,
            UnitResult::Baseline {
                failures,
                per_device,
            },
        ) => {
            let users = head.population.users as usize;
            if per_device.len() > users {
                return Err(format!(
                    "per_device has {} entries for {users} users",
                    per_device.len()
                ));
            }
            if let Some(f) = failures {
                if f.seed != head.seed {
                    return Err(format!(
                        "seed = {} in the baseline, the header says {}",
                        f.seed, head.seed
                    ));
                }
                check_le("devices", f.devices as f64, users as f64)?;
                check_le("idle_devices", f.idle_devices as f64, f.devices as f64)?;
                if per_device.len() != f.devices {
                    return Err(format!(
                        "per_device has {} entries for {} devices",
                        per_device.len(),
                        f.devices
                    ));
                }
                for d in per_device.iter() {
                    check_le("per_device.users", d.users as f64, f.users_total as f64)?;
                    check_le(
                        "per_device.messages",
                        d.messages as f64,
                        f.messages_total as f64,
                    )?;
                }
            } else if !per_device.is_empty() {
                return Err("per_device without failures".into());
            }
            Ok(())
        }
        (Unit::Cell(ci), UnitResult::Cell(cell)) => {
            let spec = &cells[ci];
            let scheme = &suite.schemes[spec.scheme].name;
            if &cell.scheme != scheme {
                return Err(format!(
                    "scheme = {}: the suite runs {} at this unit",
                    crate::text::clip_quoted(&cell.scheme),
                    crate::text::clip_quoted(scheme)
                ));
            }
            let id = spec.attack.meta().id;
            if cell.attack != id {
                return Err(format!(
                    "attack = {}: the suite runs {} at this unit",
                    crate::text::clip_quoted(&cell.attack),
                    crate::text::clip_quoted(id)
                ));
            }
            if cell.params != spec.params.0 {
                return Err(format!(
                    "params = {}: the suite's sweep gives {} at this unit",
                    crate::text::clip_quoted(&fmt_params(&cell.params)),
                    crate::text::clip_quoted(&fmt_params(&spec.params.0))
                ));
            }
            check_cell(cell, epochs)?;
            let (verdict, failures) = (cell.verdict, std::mem::take(&mut cell.failures));
            // The suite's expectations, not the part's copy of them.
            cell.expected = suite
                .file
                .expect
                .iter()
                .filter(|e| e.matches(scheme, id, &cell.params))
                .cloned()
                .collect();
            super::judge(cell);
            if cell.verdict != verdict {
                return Err(format!(
                    "verdict = {}: re-judged from the cell's figures it is {}",
                    verdict_name(verdict),
                    verdict_name(cell.verdict)
                ));
            }
            if cell.failures != failures {
                return Err("failures: not what re-judging the cell's figures gives".to_string());
            }
            let warnings = suite.run_warnings(spec);
            if cell.warnings != warnings {
                return Err("warnings: not the suite's for this cell".to_string());
            }
            Ok(())
        }
        (Unit::Utility(_), UnitResult::Utility(u)) => {
            check_le(
                "lawful_utility.readable",
                u.readable as f64,
                u.warranted_messages as f64,
            )?;
            check_ratio(
                "lawful_utility.fraction",
                u.fraction,
                u.readable,
                u.warranted_messages,
            )?;
            let p = &u.prospective;
            check_le(
                "lawful_utility.prospective.readable",
                p.readable as f64,
                p.warranted_messages as f64,
            )?;
            check_ratio(
                "lawful_utility.prospective.fraction",
                p.fraction,
                p.readable,
                p.warranted_messages,
            )
        }
        (want, _) => Err(format!(
            "result: the suite has {} at this unit",
            match want {
                Unit::Baseline => "plain E2E over every device",
                Unit::Cell(_) => "a cell",
                Unit::Utility(_) => "a scheme's lawful utility",
            }
        )),
    }
}

/// The invariants of one cell's figures.
fn check_cell(cell: &CellResult, epochs: usize) -> std::result::Result<(), String> {
    let x = &cell.exposure;
    check_le(
        "exposure.messages",
        x.messages as f64,
        x.messages_total as f64,
    )?;
    check_le("exposure.users", x.users as f64, x.users_total as f64)?;
    check_ratio(
        "exposure.fraction",
        x.fraction,
        x.messages,
        x.messages_total,
    )?;
    for (name, v) in [
        ("exposure.by_epoch", &x.by_epoch),
        ("exposure.total_by_epoch", &x.total_by_epoch),
    ] {
        if v.len() != epochs {
            return Err(format!(
                "{name} has {} entries: the run has {epochs} epochs",
                v.len()
            ));
        }
    }
    let sum = |v: &[usize]| v.iter().fold(0usize, |a, b| a.saturating_add(*b));
    if sum(&x.by_epoch) != x.messages {
        return Err(format!(
            "exposure.by_epoch sums to {}, exposure.messages = {}",
            sum(&x.by_epoch),
            x.messages
        ));
    }
    if sum(&x.total_by_epoch) != x.messages_total {
        return Err(format!(
            "exposure.total_by_epoch sums to {}, exposure.messages_total = {}",
            sum(&x.total_by_epoch),
            x.messages_total
        ));
    }
    for (e, (a, b)) in x.by_epoch.iter().zip(&x.total_by_epoch).enumerate() {
        check_le(&format!("exposure.by_epoch[{e}]"), *a as f64, *b as f64)?;
    }
    check_le("out_of_scope", cell.out_of_scope as f64, x.messages as f64)?;
    check_le(
        "before_compromise",
        cell.before_compromise as f64,
        x.messages as f64,
    )?;
    let d = &cell.docket;
    check_le("docket.learned", d.learned as f64, d.targets as f64)?;
    check_le("docket.learned", d.learned as f64, d.claimed as f64)?;
    if d.wrong_claims != d.claimed - d.learned {
        return Err(format!(
            "docket.wrong_claims = {}: claimed {} less learned {} is {}",
            d.wrong_claims,
            d.claimed,
            d.learned,
            d.claimed - d.learned
        ));
    }
    check_ratio("docket.recall", d.recall, d.learned, d.targets)?;
    check_ratio("docket.precision", d.precision, d.learned, d.claimed)?;
    let f1 = if d.recall + d.precision > 0.0 {
        2.0 * d.recall * d.precision / (d.recall + d.precision)
    } else {
        0.0
    };
    check_fraction("docket.fraction", d.fraction, f1)?;
    if cell.detected == cell.detected_by.is_empty() {
        return Err(format!(
            "detected = {} with {} controls in detected_by",
            cell.detected,
            cell.detected_by.len()
        ));
    }
    if cell.blocked_by.is_some() && x.messages > 0 {
        return Err("blocked_by is set on a cell that exposed messages".into());
    }
    Ok(())
}

/// `got <= bound`, or an error naming `field`.
fn check_le(field: &str, got: f64, bound: f64) -> std::result::Result<(), String> {
    if got <= bound {
        Ok(())
    } else {
        Err(format!("{field} = {got} is more than its total, {bound}"))
    }
}

/// A fraction in [0, 1] equal to `num / den` (0 when `den` is 0).
fn check_ratio(field: &str, got: f64, num: usize, den: usize) -> std::result::Result<(), String> {
    let want = if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    };
    check_fraction(field, got, want)
}

/// A fraction in [0, 1] equal to `want` up to rounding.
fn check_fraction(field: &str, got: f64, want: f64) -> std::result::Result<(), String> {
    if !(0.0..=1.0).contains(&got) {
        return Err(format!("{field} = {got} is outside [0, 1]"));
    }
    if (got - want).abs() > 1e-9 {
        return Err(format!(
            "{field} = {got} does not match the counts it is computed from ({want})"
        ));
    }
    Ok(())
}

fn verdict_name(v: super::Verdict) -> &'static str {
    match v {
        super::Verdict::Pass => "pass",
        super::Verdict::Fail => "fail",
        super::Verdict::Unjudged => "unjudged",
        super::Verdict::Error => "error",
    }
}

fn fmt_params(p: &std::collections::BTreeMap<String, crate::attack::ParamValue>) -> String {
    p.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads one part: header line, then unit lines, each checked, each with where it came
/// from.
fn read_part(path: &Path) -> Result<(Header, Vec<(Line, Origin)>)> {
    let bytes = crate::input::read_user_file(path)?;
    let name = crate::text::echo(&path.display().to_string());
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| Error::input(format!("{name}: not UTF-8 text (not a shard part)")))?;
    let mut rows = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, first) = rows
        .next()
        .ok_or_else(|| Error::input(format!("{name}: empty (not a shard part)")))?;
    let head: Header = serde_json::from_str(first).map_err(|e| {
        Error::input(format!(
            "{name}:1: not an escrowlab shard header ({SCHEMA}): {e}"
        ))
    })?;
    if head.schema != SCHEMA {
        return Err(Error::input(format!(
            "{name}:1: schema {} is not {SCHEMA}",
            crate::text::clip_quoted(&head.schema)
        )));
    }
    if head.escrowlab_version != env!("CARGO_PKG_VERSION") {
        return Err(Error::input(format!(
            "{name}:1: written by escrowlab {}; this is {}",
            crate::text::clip_quoted(&head.escrowlab_version),
            env!("CARGO_PKG_VERSION")
        )));
    }
    if head.of == 0 || head.of > MAX_SHARDS || head.shard == 0 || head.shard > head.of {
        return Err(Error::input(format!(
            "{name}:1: shard {}/{} is out of range",
            head.shard, head.of
        )));
    }
    let shard = Shard {
        index: head.shard,
        count: head.of,
    };
    let mut lines = Vec::new();
    for (i, row) in rows {
        let line: Line = serde_json::from_str(row)
            .map_err(|e| Error::input(format!("{name}:{}: not a unit result: {e}", i + 1)))?;
        if line.unit >= head.units || !shard.owns(line.unit) {
            return Err(Error::input(format!(
                "{name}:{}: unit {} does not belong to shard {}/{}",
                i + 1,
                line.unit,
                head.shard,
                head.of
            )));
        }
        lines.push((
            line,
            Origin {
                part: name.clone(),
                line: i + 1,
            },
        ));
    }
    Ok((head, lines))
}
