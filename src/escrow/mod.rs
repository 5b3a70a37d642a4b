//! The escrow mechanism: agents, their vaults, policies and audit logs.
pub mod audit;
