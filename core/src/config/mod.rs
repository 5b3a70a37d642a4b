//! Configuration read from TOML files: schemes (what mechanism is built) and the limits
//! every file is checked against.

pub mod budget;
pub mod limits;
pub mod scheme;
pub mod suite;

pub use scheme::{AuditMode, Binding, Client, Court, CustodyKind, Keygen, Lifetime, Scheme};
