//! Reports: JSON is primary (`escrowlab-report/1`); the table, Markdown and JUnit XML are
//! rendered from the same data.

pub mod junit;
pub mod text;

use crate::backend::BackendKind;
use crate::config::scheme::Scheme;
use crate::config::suite::Suite;
use crate::runner::{CellResult, LawfulUtility, Verdict};
use serde::Serialize;
use std::collections::BTreeMap;

/// The report schema name.
pub const SCHEMA: &str = "escrowlab-report/1";

/// The worst single cell of a scheme.
#[derive(Clone, Debug, Serialize, PartialEq)]
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

/// Per-scheme figures.
#[derive(Clone, Debug, Serialize, PartialEq)]
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
    /// The one-loophole figure: the worst exposure any single attack reaches.
    pub worst: Option<Worst>,
}

impl SchemeSummary {
    /// Summarises one scheme's cells.
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
        }
    }
}

fn worst_of<'a>(cells: impl Iterator<Item = &'a CellResult>) -> Option<Worst> {
    let mut best: Option<&CellResult> = None;
    for c in cells.filter(|c| c.error.is_none()) {
        if best.is_none_or(|b| c.exposure.messages > b.exposure.messages) {
            best = Some(c);
        }
    }
    best.map(|c| Worst {
        attack: c.attack.clone(),
        params: c.params.clone(),
        fraction: c.exposure.fraction,
        messages: c.exposure.messages,
        users: c.exposure.users,
    })
}

/// Counts of verdicts.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
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
#[derive(Clone, Debug, Serialize)]
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
    /// The worst single failure of plain E2E: `endpoint-compromise` (one device) under
    /// `e2e-baseline`, when the suite ran it.
    pub baseline_worst: Option<Worst>,
    /// One object per cell.
    pub results: Vec<CellResult>,
    /// Verdict counts.
    pub tally: Tally,
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
        Report {
            schema: SCHEMA,
            suite: suite.source.clone(),
            seed,
            backends: backends.iter().map(|b| b.name().to_string()).collect(),
            population: suite.file.population.clone(),
            schemes,
            baseline_worst,
            results,
            tally,
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
