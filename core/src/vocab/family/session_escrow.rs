//! What session-key escrow is, as every layer names it: its family id, capabilities and
//! parameters (its implementation is [`crate::mechanism::session_escrow`]).

use super::MechanismInfo;
use crate::vocab::Capability;

/// The family's description: what it is, what exists under it, its parameters.
pub static INFO: MechanismInfo = MechanismInfo {
    family: super::SESSION_ESCROW,
    title: "Session-key escrow to threshold agents",
    summary: "Every session key travels with an escrow field: the key encrypted to a k-of-n \
              threshold key on BLS12-381 held by independent agents. A court signs a scoped \
              warrant; each agent checks it, logs the request and releases a verified \
              decryption share; the combiner needs k of them.",
    lawful_scope: "every session of the warrant's targets inside its epoch window, past or \
                   future, while the escrow key is retained",
    references: &[
        "NIST FIPS 185, Escrowed Encryption Standard (1994)",
        "Abelson et al., Keys Under Doormats (2015)",
    ],
    capabilities: &[
        (
            Capability::Intercept,
            "read the relay's transcript, escrow fields included",
        ),
        (
            Capability::CompromiseAgent,
            "read an escrow agent's vault of key shares",
        ),
        (Capability::CompromiseDevice, "implant a user's device"),
        (Capability::StealCourtKey, "take a judge's signing key"),
        (
            Capability::ControlRelay,
            "add hidden members, alter envelopes",
        ),
        (
            Capability::ActAsAgent,
            "release shares as an agent without its checks",
        ),
        (Capability::SubmitRequest, "send requests to an agent's API"),
        (Capability::WriteAuditLog, "rewrite an agent's audit log"),
        (
            Capability::ControlDealer,
            "control the dealer at key generation",
        ),
        (
            Capability::ControlClient,
            "control a client or its update channel",
        ),
        (
            Capability::ObtainWarrant,
            "obtain a real warrant from the court",
        ),
        (
            Capability::BreachInterface,
            "read the agents' warrant store (the docket); releases still need the agents",
        ),
    ],
    absent: "session escrow has agents, a court, a dealer and a relay; it has no device \
             recovery mode, no guess-limited HSM, no puzzle and no public ledger",
    params: &[],
};
