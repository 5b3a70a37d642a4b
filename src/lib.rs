//! escrowlab: a testbed that builds the best key-escrow "exceptional access" mechanism it
//! can, attacks it, and measures against ground truth who gets exposed.
//!
//! This crate puts three workspace members behind one name:
//! - everything of [`escrowlab_core`] (the mechanism, the simulated world, the attack
//!   interface, the suite runner and the reports), re-exported at the top level;
//! - [`attacks`], the built-in attack library (`escrowlab-attacks`), which sees only the
//!   public API of `escrowlab-core`, exactly as a user's attack crate does;
//! - [`cli`], the command line, with the built-in attacks or with a registry of your own.
//!
//! See `docs/ARCHITECTURE.md` for the map of modules and the data flow.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use escrowlab_attacks as attacks;
pub use escrowlab_core::*;
/// The parties as deployed services (the `services` feature, a default).
#[cfg(feature = "services")]
pub use escrowlab_services as services;

/// The command line.
pub mod cli {
    pub use escrowlab_core::cli::*;

    /// Runs the CLI on the process arguments with the built-in attacks. With the
    /// `services` feature (a default), the deployment's commands are
    /// [`escrowlab_services::cli::dispatch`]'s (`inspect audit-db`, `serve agent`,
    /// `cluster up|down`, `lawful-access --remote DIR`); every other command is
    /// [`main_with`]'s.
    pub fn main() -> i32 {
        #[cfg(feature = "services")]
        {
            let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
            if let Some(code) = escrowlab_services::cli::dispatch(&args) {
                return code;
            }
        }
        main_with(crate::attacks::builtins())
    }
}
