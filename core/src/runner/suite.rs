//! Runs a whole suite: every scheme's worlds built once, every cell run against copies,
//! in parallel, with the results in a fixed order whatever the thread count.

use super::{base_worlds, lawful_utility, run_cell, CellResult};
use crate::backend::BackendKind;
use crate::config::budget::{self, WorldCost};
use crate::config::scheme::Scheme;
use crate::config::suite::{CellSpec, Suite};
use crate::error::Result;
use crate::report::{Report, SchemeSummary};
use crate::world::WorldConfig;
use rayon::prelude::*;

/// The backend a scheme of `suite` runs on.
fn backend_of(suite: &Suite, scheme: &Scheme, backend: Option<BackendKind>) -> BackendKind {
    backend
        .or(suite.file.backend)
        .or(scheme.backend)
        .unwrap_or(BackendKind::Blsttc)
}

/// What running `cells` of `suite` costs: plain E2E over every device, then each scheme's
/// world, its cells (with their brute-force guesses) and its lawful utility, one scheme
/// after the other.
///
/// # Errors
/// When the baseline scheme cannot be built.
pub fn estimate(
    suite: &Suite,
    cells: &[CellSpec],
    backend: Option<BackendKind>,
) -> Result<budget::RunCost> {
    let population = &suite.file.population;
    let users = f64::from(population.users);
    let e2e = super::loophole::baseline_config(population, 0, backend.or(suite.file.backend))?
        .cost()
        .every_device(users);
    let schemes = suite.schemes.iter().enumerate().map(|(si, scheme)| {
        let cost = WorldCost::of(scheme, population, backend_of(suite, scheme, backend));
        let mine = cells.iter().filter(|c| c.scheme == si);
        let guesses: f64 = mine
            .clone()
            .map(|c| super::guesses(c.attack, scheme, &c.params))
            .sum();
        let mut e = cost.cells(mine.count() as f64, guesses);
        e.cpu_seconds += cost.utility_s(suite.file.utility_targets as f64);
        e
    });
    Ok(e2e + schemes.sum())
}

/// Runs `suite` (with `seed` overriding the file's) and builds the report.
///
/// # Errors
/// World construction errors (bad input was rejected when the suite was loaded).
pub fn run_suite(suite: &Suite, seed: Option<u64>, backend: Option<BackendKind>) -> Result<Report> {
    let seed = seed.unwrap_or(suite.file.seed);
    let cells = suite.cells();
    estimate(suite, &cells, backend)?.within_budget(
        "this suite",
        &format!("{} or the number of cells", budget::LOWER_WORLD),
    )?;
    crate::progress::stage(
        "suite",
        crate::progress::Unit::Cells,
        // The every-device baseline runs one cell per user.
        u64::from(suite.file.population.users) + cells.len() as u64,
    );
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
        let be = backend_of(suite, scheme, backend);
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
                    .map(|c| {
                        let mut cell = run_cell(&base, c.attack, &c.params, &suite.file.expect);
                        cell.warnings = crate::attack::Params::run_warnings(
                            c.attack.meta().id,
                            c.attack.meta().params,
                            &c.given,
                            &crate::attack::RunSize::of(scheme, &suite.file.population),
                        );
                        cell
                    })
                    .collect()
            },
            || lawful_utility(&base, suite.file.utility_targets),
        );
        summaries.push(SchemeSummary::new(scheme, be, utility, &out).with_e2e(e2e.as_ref()));
        results.append(&mut out);
    }
    Ok(Report::new(suite, seed, &backends, summaries, results))
}
