//! escrowlab: a testbed that builds the best key-escrow "exceptional access" mechanism it
//! can, attacks it, and measures against ground truth who gets exposed.
//!
//! See `docs/ARCHITECTURE.md` for the map of modules and the data flow.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod backend;
pub mod config;
pub mod error;
pub mod escrow;
pub mod secret;

pub use error::{Error, Result};
