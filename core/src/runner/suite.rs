//! Runs a whole suite: every scheme's worlds built once, every cell run against copies,
//! in parallel, with the results in a fixed order whatever the thread count. The run goes
//! through the same numbered units as a sharded one ([`super::shard`]), so merging every
//! shard gives the same bytes.

use super::report_model::Report;
use super::shard::{self, Shard};
use crate::backend::BackendKind;
use crate::budget;
use crate::error::Result;
use crate::runner::suite_file::{CellSpec, Suite};

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
    shard::estimate(suite, cells, backend, Shard::WHOLE)
}

/// Runs `suite` (with `seed` overriding the file's) and builds the report.
///
/// # Errors
/// The cost budget, or world construction errors (bad input was rejected when the suite
/// was loaded).
pub fn run_suite(suite: &Suite, seed: Option<u64>, backend: Option<BackendKind>) -> Result<Report> {
    let seed = seed.unwrap_or(suite.file.seed);
    let (head, lines) = shard::run_shard(suite, seed, backend, Shard::WHOLE)?;
    shard::assemble(&head, lines)
}
