//! Configuration read from TOML files: schemes (what mechanism is built) and the limits
//! every file is checked against.

/// The documented limits (a module of the foundation layer, under its old path).
pub use crate::limits;
pub mod scheme;

/// One documented key of a configuration file: what docs/SCHEMES.md and docs/SUITES.md
/// are generated from (a test checks every table against its parser, both ways).
#[derive(Clone, Copy, Debug)]
pub struct KeyDoc {
    /// The table it sits in, dotted (`custody`, `warrant.court`, `expect`); empty for the
    /// top level. A `*` stands for a name the file chooses (an attack id).
    pub table: &'static str,
    /// The key.
    pub key: &'static str,
    /// Its TOML type.
    pub ty: &'static str,
    /// The default when it is left out, or `required`.
    pub default: &'static str,
    /// The accepted values.
    pub allowed: &'static str,
    /// What it switches.
    pub doc: &'static str,
    /// A valid value, as TOML (used by the test that feeds each key to the parser).
    pub example: &'static str,
}

pub use scheme::{
    AuditMode, Binding, Client, Court, CustodyKind, Keygen, Lifetime, RosterSigner, Scheme,
};
