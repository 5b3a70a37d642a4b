//! escrowlab: a testbed that builds the best key-escrow "exceptional access" mechanism it
//! can, attacks it, and measures against ground truth who gets exposed.
//!
//! See `docs/ARCHITECTURE.md` for the map of modules and the data flow.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod append_log;
pub mod attack;
pub mod backend;
pub mod budget;
pub mod cases;
pub mod cli;
pub mod codec;
pub mod config;
pub mod controls;
pub mod cost;
pub mod detection;
pub mod docs;
pub mod error;
pub mod escrow;
pub mod exit_codes;
pub mod input;
pub mod inspect;
pub mod labs;
pub mod lawful;
pub mod limits;
pub mod mechanism;
pub mod messaging;
pub mod output;
pub mod panics;
pub mod prelude;
pub mod progress;
pub mod relay;
pub mod report;
pub mod runner;
pub mod secret;
pub(crate) mod seed;
pub mod testing;
pub mod text;
pub mod vocab;
pub mod world;

#[cfg(test)]
mod internal_tests;

pub use error::{Error, Result};
