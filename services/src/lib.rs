//! escrowlab's parties as deployed services (issue 26), kept out of `escrowlab-core` so that
//! core and crates built against `escrowlab` without its `services` feature never compile
//! SQLite or a network stack.
//!
//! So far: [`audit_db`], an agent's durable audit log (the hash chain of
//! [`escrowlab_core::escrow::audit`], one SQLite row per entry) with its replay cache, and
//! [`inspect_audit_db`], what `escrowlab inspect audit-db PATH` runs.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod audit_db;

pub use audit_db::{inspect_audit_db, inspect_main, AuditDb, DbError, Inspection};
