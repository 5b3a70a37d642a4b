//! escrowlab's parties as deployed services (issue 26), kept out of `escrowlab-core` so that
//! core and crates built against `escrowlab` without its `services` feature never compile
//! SQLite or a network stack.
//!
//! - [`audit_db`]: an agent's durable audit log (the hash chain of
//!   [`escrowlab_core::escrow::audit`], one SQLite row per entry) with its replay cache, and
//!   [`inspect_audit_db`], what `escrowlab inspect audit-db PATH` runs;
//! - [`wire`]: the versioned frame protocol; [`pki`]: the throwaway CA and TLS configs;
//! - [`vault`]: an agent's state sealed at rest under the operator's key;
//! - [`agent`]: `escrowlab serve agent`; [`cluster`]: `escrowlab cluster up|down`;
//! - [`remote`]: the law-enforcement client and `escrowlab lawful-access --remote DIR`;
//! - [`cli`]: those commands, dispatched before core's parser.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod agent;
pub mod audit_db;
pub mod cli;
pub mod cluster;
pub mod files;
pub mod pki;
pub mod remote;
pub mod vault;
pub mod wire;

pub use audit_db::{inspect_audit_db, inspect_main, AuditDb, DbError, Inspection};
