//! The integration tests in one binary: one link of the library instead of one per file.
//! Each former `tests/NAME.rs` is the module `NAME` here, its contents unchanged; run one
//! with `cargo test --test integration NAME::`.
//!
//! Two tiers. Plain `cargo test` runs the fast tier. The heavy statistical and CLI-sweep
//! tests are marked `#[ignore = "slow tier: cargo test -- --include-ignored"]`; `.ci/run`
//! always runs them too (`cargo test -- --include-ignored`).
//!
//! `tests/compile_fail.rs` (trybuild) stays its own binary.

mod common;

mod attacks_clients;
mod attacks_core;
mod attacks_custody;
mod attacks_warrants;
mod audit_db;
mod audit_log;
mod backend_conformance;
mod boundary;
mod budget;
mod cases;
mod cli;
mod compare;
mod cost;
mod coverage;
mod defences;
mod deployment;
mod docs;
mod double_ratchet;
mod edges;
mod fault_isolation;
mod html_report;
mod input_files;
mod labs;
mod lawful_access;
mod layering;
mod loophole;
mod malformed_corpus;
mod mechanism_trait;
mod membership;
mod output_safety;
mod populations;
mod properties;
mod proposals;
mod protocols;
mod report_schema;
mod reports;
mod robustness;
mod scheme_config;
mod shard;
mod sharp_edges;
mod slurm;
mod suite_discipline;
mod terminal;
