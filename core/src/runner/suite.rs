//! Runs a whole suite: every scheme's worlds built once, every cell run against copies,
//! in parallel, with the results in a fixed order whatever the thread count.

use super::{base_worlds, lawful_utility, run_cell, CellResult};
use crate::backend::BackendKind;
use crate::config::suite::Suite;
use crate::error::Result;
use crate::report::{Report, SchemeSummary};
use crate::world::WorldConfig;
use rayon::prelude::*;

/// Runs `suite` (with `seed` overriding the file's) and builds the report.
///
/// # Errors
/// World construction errors (bad input was rejected when the suite was loaded).
pub fn run_suite(suite: &Suite, seed: Option<u64>, backend: Option<BackendKind>) -> Result<Report> {
    let seed = seed.unwrap_or(suite.file.seed);
    let cells = suite.cells();
    let mut results: Vec<CellResult> = Vec::with_capacity(cells.len());
    let mut summaries = Vec::new();
    let mut backends = Vec::new();
    // The one-loophole reference: plain E2E's single-device failures over every device.
    let e2e = super::loophole::baseline_device_failures(
        &suite.registry,
        &suite.file.population,
        seed,
        backend.or(suite.file.backend),
    )?;
    for (si, scheme) in suite.schemes.iter().enumerate() {
        let be = backend
            .or(suite.file.backend)
            .or(scheme.backend)
            .unwrap_or(BackendKind::Blsttc);
        be.instance()?;
        if !backends.contains(&be) {
            backends.push(be);
        }
        let config = WorldConfig {
            scheme: scheme.clone(),
            population: suite.file.population.clone(),
            seed,
            backend: be,
        };
        let base = base_worlds(scheme, &config)?;
        let mine: Vec<_> = cells.iter().filter(|c| c.scheme == si).collect();
        // Lawful utility works on its own copy of the world: it runs beside the cells.
        let (mut out, utility): (Vec<CellResult>, _) = rayon::join(
            || {
                mine.par_iter()
                    .map(|c| run_cell(&base, c.attack, &c.params, &suite.file.expect))
                    .collect()
            },
            || lawful_utility(&base, suite.file.utility_targets),
        );
        summaries.push(SchemeSummary::new(scheme, be, utility, &out).with_e2e(e2e.as_ref()));
        results.append(&mut out);
    }
    Ok(Report::new(suite, seed, &backends, summaries, results))
}
