//! What a real actor could obtain: the capabilities an attack declares and the context
//! hands out, one each.

use serde::Serialize;

/// Something a real actor could obtain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// Read the relay's transcript (network or provider access).
    Intercept,
    /// Read an agent's vault at a time T.
    CompromiseAgent,
    /// Implant a user's device from a time T on.
    CompromiseDevice,
    /// Take a judge's (or the court's) signing key.
    StealCourtKey,
    /// Control the relay: add members, drop or alter envelopes, suppress notices.
    ControlRelay,
    /// Act as an agent: release shares without checks (an insider).
    ActAsAgent,
    /// Submit requests to an agent's API.
    SubmitRequest,
    /// Write an agent's audit log.
    WriteAuditLog,
    /// Control the dealer at key generation.
    ControlDealer,
    /// Control a client (a rogue endpoint, or the client update channel).
    ControlClient,
    /// Obtain a real warrant from the court (an officer with a case, or whoever stands in
    /// the officer's place).
    ObtainWarrant,
    /// Breach the lawful-access interface itself: read its store of warrants (the docket)
    /// and use it as its operator does (Salt Typhoon, 2024).
    BreachInterface,
    /// Take a device into physical custody (a seizure, or a theft).
    SeizeDevice,
    /// Read a mechanism-side secret store: a vendor's escrow vault, an HSM member, a
    /// ledger-bound agent.
    CompromiseVault,
    /// Sign firmware for the mechanism's hardware (the code-signing key).
    SignFirmware,
    /// Spend computation (hash evaluations) on the mechanism's puzzles.
    SpendWork,
    /// Operate the public ledger: choose what each party is shown.
    ControlLedger,
    /// Read what a mechanism publishes for anyone (the public ledger's records): free, no
    /// compromise.
    ReadPublic,
}

impl Capability {
    /// Whether holding this capability lets an attack change the world's traffic (so its
    /// cell works on a copy of the world instead of the shared one).
    pub fn changes_traffic(self) -> bool {
        matches!(
            self,
            Capability::ControlRelay | Capability::ControlClient | Capability::ControlDealer
        )
    }
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Capability::Intercept => "intercept",
            Capability::CompromiseAgent => "compromise_agent",
            Capability::CompromiseDevice => "compromise_device",
            Capability::StealCourtKey => "steal_court_key",
            Capability::ControlRelay => "control_relay",
            Capability::ActAsAgent => "act_as_agent",
            Capability::SubmitRequest => "submit_request",
            Capability::WriteAuditLog => "write_audit_log",
            Capability::ControlDealer => "control_dealer",
            Capability::ControlClient => "control_client",
            Capability::ObtainWarrant => "obtain_warrant",
            Capability::BreachInterface => "breach_interface",
            Capability::SeizeDevice => "seize_device",
            Capability::CompromiseVault => "compromise_vault",
            Capability::SignFirmware => "sign_firmware",
            Capability::SpendWork => "spend_work",
            Capability::ControlLedger => "control_ledger",
            Capability::ReadPublic => "read_public",
        }
    }
    /// Whether obtaining it marks the moment of compromise (for `before_compromise`).
    /// Passive interception does not: it is assumed from the start.
    pub fn is_compromise(self) -> bool {
        !matches!(
            self,
            Capability::Intercept
                | Capability::SubmitRequest
                | Capability::ObtainWarrant
                | Capability::SpendWork
                | Capability::ReadPublic
        )
    }
}
