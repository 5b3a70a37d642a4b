//! The report's data: what a run measured, per cell and per scheme, with its provenance.
//! The runner builds it; `crate::report` renders it (JSON is primary, `escrowlab-report/1`,
//! its schema in `docs/report.schema.json`), and re-exports it under its old paths.

use super::provenance::{self, scheme_digest, Provenance, SchemeDigest};

use crate::backend::BackendKind;
use crate::config::scheme::Scheme;
use crate::runner::loophole::{worst_cell, DeviceFailures};
use crate::runner::suite_file::Suite;
use crate::runner::{CellResult, LawfulUtility, Verdict};
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::BTreeMap;

/// The report schema name.
pub const SCHEMA: &str = "escrowlab-report/1";

/// The worst single cell of a scheme.
#[derive(Clone, Debug, Serialize, PartialEq, JsonSchema)]
pub struct Worst {
    /// Attack id.
    pub attack: String,
    /// Its parameters.
    pub params: BTreeMap<String, crate::attack::ParamValue>,
    /// Exposure fraction of messages.
    pub fraction: f64,
    /// Exposed messages.
    pub messages: usize,
    /// Exposed users.
    pub users: usize,
}

/// A scheme's one-loophole comparison: its worst single attack next to the distribution of
/// plain E2E's single-device failures over *every* device of the same population and seed
/// (`endpoint-compromise` run once per user under `e2e-baseline`; see
/// [`crate::runner::loophole`]).
#[derive(Clone, Debug, Serialize, PartialEq, JsonSchema)]
pub struct OneLoophole {
    /// Plain E2E's single-device failures: mean, median and worst over every device.
    pub e2e: DeviceFailures,
    /// Worst-attack users / worst-device users (`None` when no device exposed anyone).
    pub ratio_to_worst_device: Option<f64>,
    /// Worst-attack users / median-device users (`None` when the median device exposed
    /// no one).
    pub ratio_to_median_device: Option<f64>,
}

impl OneLoophole {
    /// The comparison of a scheme's worst cell (`None`: every cell errored, counted as
    /// exposing no one) with plain E2E's device failures.
    pub fn new(worst: Option<&Worst>, e2e: &DeviceFailures) -> Self {
        let users = worst.map_or(0, |w| w.users) as f64;
        let ratio = |d: f64| (d > 0.0).then(|| round6(users / d));
        OneLoophole {
            e2e: e2e.clone(),
            ratio_to_worst_device: ratio(e2e.worst_device.users as f64),
            ratio_to_median_device: ratio(e2e.users.median),
        }
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Per-scheme figures.
#[derive(Clone, Debug, Serialize, PartialEq, JsonSchema)]
pub struct SchemeSummary {
    /// Name.
    pub name: String,
    /// Summary line.
    pub summary: String,
    /// Backend used.
    pub backend: String,
    /// Controls deliberately weakened in it.
    pub weakened: Vec<String>,
    /// Fraction of warranted messages law enforcement reads.
    pub lawful_utility: LawfulUtility,
    /// The one-loophole figure: the worst exposure any single attack reaches (most users,
    /// ties by messages; [`crate::runner::loophole::worst_cell`]).
    pub worst: Option<Worst>,
    /// The worst single attack compared with plain E2E's single-device failures over every
    /// device (`None` when the registry has no `endpoint-compromise`).
    pub loophole: Option<OneLoophole>,
}

impl SchemeSummary {
    /// Summarises one scheme's cells (without the E2E comparison: see
    /// [`SchemeSummary::with_e2e`]).
    pub fn new(
        scheme: &Scheme,
        backend: BackendKind,
        lawful_utility: LawfulUtility,
        cells: &[CellResult],
    ) -> Self {
        SchemeSummary {
            name: scheme.name.clone(),
            summary: scheme.summary.clone(),
            backend: backend.name().into(),
            weakened: scheme
                .weakened_controls()
                .iter()
                .map(|s| s.to_string())
                .collect(),
            lawful_utility,
            worst: worst_of(cells.iter()),
            loophole: None,
        }
    }

    /// Summarises one scheme's cells from what a shard part records of the scheme.
    pub fn from_meta(
        meta: &crate::runner::shard::SchemeMeta,
        lawful_utility: LawfulUtility,
        cells: &[CellResult],
    ) -> Self {
        SchemeSummary {
            name: meta.name.clone(),
            summary: meta.summary.clone(),
            backend: meta.backend.clone(),
            weakened: meta.weakened.clone(),
            lawful_utility,
            worst: worst_of(cells.iter()),
            loophole: None,
        }
    }

    /// Adds the one-loophole comparison with plain E2E's single-device failures (`None`
    /// leaves it out).
    #[must_use]
    pub fn with_e2e(mut self, e2e: Option<&DeviceFailures>) -> Self {
        self.loophole = e2e.map(|d| OneLoophole::new(self.worst.as_ref(), d));
        self
    }
}

fn worst_of<'a>(cells: impl Iterator<Item = &'a CellResult>) -> Option<Worst> {
    worst_cell(cells).map(|c| Worst {
        attack: c.attack,
        params: c.params,
        fraction: c.fraction,
        messages: c.messages,
        users: c.users,
    })
}

/// Counts of verdicts.
#[derive(Clone, Debug, Default, Serialize, PartialEq, JsonSchema)]
pub struct Tally {
    /// Cells.
    pub cells: usize,
    /// Passed expectations.
    pub pass: usize,
    /// Failed expectations.
    pub fail: usize,
    /// No expectation.
    pub unjudged: usize,
    /// Attack errors.
    pub error: usize,
}

/// A suite report.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Report {
    /// `escrowlab-report/1`.
    pub schema: &'static str,
    /// The suite's source.
    pub suite: String,
    /// The seed.
    pub seed: u64,
    /// Backends used.
    pub backends: Vec<String>,
    /// The population.
    pub population: crate::world::Population,
    /// The schemes used.
    pub schemes: Vec<SchemeSummary>,
    /// The suite's own `endpoint-compromise` cell(s) under `e2e-baseline` (one seeded
    /// device), when the suite ran them. The one-loophole lines compare with every device
    /// instead: see [`SchemeSummary::loophole`].
    pub baseline_worst: Option<Worst>,
    /// One object per cell.
    pub results: Vec<CellResult>,
    /// Verdict counts.
    pub tally: Tally,
    /// What produced the report: version, seed, backends, population, scheme digests.
    pub provenance: Provenance,
}

impl Report {
    /// Assembles a report.
    pub fn new(
        suite: &Suite,
        seed: u64,
        backends: &[BackendKind],
        schemes: Vec<SchemeSummary>,
        results: Vec<CellResult>,
    ) -> Self {
        let digests = suite
            .schemes
            .iter()
            .map(|sc| SchemeDigest {
                name: sc.name.clone(),
                backend: schemes
                    .iter()
                    .find(|s| s.name == sc.name)
                    .map(|s| s.backend.clone())
                    .unwrap_or_default(),
                sha256: scheme_digest(sc),
            })
            .collect();
        Report::from_parts(
            &suite.source,
            seed,
            backends.iter().map(|b| b.name().to_string()).collect(),
            suite.file.population.clone(),
            schemes,
            digests,
            results,
        )
    }

    /// Assembles a report from its parts (what [`crate::runner::shard`] records).
    pub fn from_parts(
        source: &str,
        seed: u64,
        backends: Vec<String>,
        population: crate::world::Population,
        schemes: Vec<SchemeSummary>,
        digests: Vec<SchemeDigest>,
        results: Vec<CellResult>,
    ) -> Self {
        let mut tally = Tally {
            cells: results.len(),
            ..Tally::default()
        };
        for r in &results {
            match r.verdict {
                Verdict::Pass => tally.pass += 1,
                Verdict::Fail => tally.fail += 1,
                Verdict::Unjudged => tally.unjudged += 1,
                Verdict::Error => tally.error += 1,
            }
        }
        // The plain-E2E reference point: one compromised device under `e2e-baseline`.
        let baseline_worst = worst_of(
            results
                .iter()
                .filter(|c| c.scheme == "e2e-baseline" && c.attack == "endpoint-compromise"),
        );
        let provenance = Provenance {
            version: provenance::VERSION.to_string(),
            suite: source.to_string(),
            seed,
            backends: backends.clone(),
            // The model's parameters with their defaults filled in: the provenance names
            // every figure the population was generated from.
            population: population.resolved(),
            schemes: digests,
        };
        Report {
            schema: SCHEMA,
            suite: source.to_string(),
            seed,
            backends,
            population,
            schemes,
            baseline_worst,
            results,
            tally,
            provenance,
        }
    }
    /// Did every expectation hold and no attack error?
    pub fn all_held(&self) -> bool {
        self.tally.fail == 0 && self.tally.error == 0
    }
    /// The JSON rendering.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        s.push('\n');
        s
    }
}
