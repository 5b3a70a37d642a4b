//! The one error type of escrowlab. Each variant says who is at fault.

use std::fmt;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in a file a problem was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file as the user named it (or `builtin:NAME`).
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        Ok(())
    }
}

/// Everything that can go wrong in escrowlab.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The caller (a user, a file, a command line) gave input that is not acceptable.
    /// Exit status 2.
    #[error("{0}")]
    Input(String),
    /// A configuration file is wrong at a known place. Exit status 2.
    #[error("{location}: {message}")]
    Config {
        /// Where.
        location: Location,
        /// What.
        message: String,
    },
    /// Bytes that were meant to be a value of `what` did not decode.
    /// Attacker-supplied bytes end here as often as corrupted files.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// The kind of value (escrow field, warrant, share, key, audit log, ...).
        what: &'static str,
        /// Why it was rejected.
        reason: String,
    },
    /// A control of the mechanism rejected a request: the requester (maybe an attacker)
    /// is at fault. `control` names the switch that fired (`signature`, `expiry`,
    /// `scope`, `binding`, `replay-cache`, `use-limit`, ...).
    #[error("refused by {control}: {reason}")]
    Refused {
        /// The control that fired.
        control: &'static str,
        /// Details.
        reason: String,
    },
    /// A decryption or signature share failed verification; the agent is named.
    #[error("share from agent {agent} rejected: {reason}")]
    ShareRejected {
        /// The agent whose share failed.
        agent: usize,
        /// Why.
        reason: String,
    },
    /// The code of escrowlab was called in a way it does not allow (a bug in the caller).
    #[error("API misuse: {0}")]
    Misuse(String),
    /// An attack crossed the attack boundary: it handed one context loot another context
    /// made, or built a world, a context, a nested run or a mechanism from inside its cell.
    /// The attack is at fault; the runner reports its cell as an error naming this.
    #[error("attack boundary: {0}")]
    Boundary(String),
    /// An I/O error on a file the user named.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// An attack module failed (returned an error or panicked). Its cell is marked `error`.
    #[error("attack `{attack}` failed: {message}")]
    Attack {
        /// The attack id.
        attack: String,
        /// What it said.
        message: String,
    },
}

impl Error {
    /// Shorthand for [`Error::Input`].
    pub fn input(msg: impl Into<String>) -> Self {
        Error::Input(msg.into())
    }
    /// Shorthand for [`Error::Misuse`].
    pub fn misuse(msg: impl Into<String>) -> Self {
        Error::Misuse(msg.into())
    }
    /// Shorthand for [`Error::Malformed`].
    pub fn malformed(what: &'static str, reason: impl Into<String>) -> Self {
        Error::Malformed {
            what,
            reason: reason.into(),
        }
    }
    /// Shorthand for [`Error::Refused`].
    pub fn refused(control: &'static str, reason: impl Into<String>) -> Self {
        Error::Refused {
            control,
            reason: reason.into(),
        }
    }
    /// Is this error the user's input (exit status 2)?
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            Error::Input(_) | Error::Config { .. } | Error::Malformed { .. } | Error::Io { .. }
        )
    }
}
