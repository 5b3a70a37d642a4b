//! What crypto crumple zones is, as every layer names it: its family id, capabilities and
//! parameters (its implementation is [`crate::mechanism::crumple_zone`]).

use super::MechanismInfo;
use crate::vocab::Capability;
use crate::vocab::{DefaultValue, ParamKind, ParamSpec};

/// The family's parameters (the scheme's `[mechanism.params]`).
static PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "puzzle_bits",
        kind: ParamKind::Int { min: 1, max: 24 },
        default: DefaultValue::Int(10),
        doc: "bits of work per session field (about 2^bits SHA-256 evaluations to open one)",
    },
    ParamSpec {
        name: "gate_bits",
        kind: ParamKind::Int { min: 1, max: 28 },
        default: DefaultValue::Int(16),
        doc: "bits of the gatekeeper puzzle solved once before any field opens",
    },
];

/// The family's description: what it is, what exists under it, its parameters.
pub static INFO: MechanismInfo = MechanismInfo {
    family: "crumple-zone",
    title: "Crypto crumple zones (Wright–Varia 2018)",
    summary: "Each session key is locked behind a hash puzzle of d bits, all behind one \
              gatekeeper puzzle: anyone who pays the work reads the session, law \
              enforcement and thief alike; no warrant is checked and nothing is logged.",
    lawful_scope: "the warrant's sessions that law enforcement pays for: one gatekeeper \
                   puzzle, then 2^d work per session",
    references: &[
        "Wright and Varia, Crypto Crumple Zones: Enabling Limited Access without Mass Surveillance, IEEE EuroS&P (2018)",
    ],
    capabilities: &[
        (
            Capability::Intercept,
            "read the relay's transcript with every session's crumple field",
        ),
        (Capability::SpendWork, "evaluate hashes against the puzzles"),
        (Capability::CompromiseDevice, "implant a user's device"),
    ],
    absent: "a crumple zone has no agents, no court check, no ledger and no device recovery: \
             its only gate is work",
    params: PARAMS,
};
