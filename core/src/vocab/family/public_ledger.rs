//! What the public ledger is, as every layer names it: its family id, capabilities and
//! parameters (its implementation is [`crate::mechanism::public_ledger`]).

use super::MechanismInfo;
use crate::vocab::Capability;
use crate::vocab::{DefaultValue, ParamKind, ParamSpec};

/// How a ledger record names the sessions it covers: `clear` (their ids, as the record
/// was designed) or `committed` (a salted SHA-256 commitment per session, opened to the
/// agents with the request).
pub const RECORD_IDS: &[&str] = &["clear", "committed"];

/// The family's parameters (the scheme's `[mechanism.params]`).
static PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "k",
        kind: ParamKind::Int { min: 1, max: 15 },
        default: DefaultValue::Int(3),
        doc: "agents whose shares open a session",
    },
    ParamSpec {
        name: "n",
        kind: ParamKind::Int { min: 1, max: 15 },
        default: DefaultValue::Int(5),
        doc: "agents holding shares",
    },
    ParamSpec {
        name: "gossip",
        kind: ParamKind::Bool,
        default: DefaultValue::Bool(true),
        doc: "agents publish the ledger head they checked a proof against, and public \
              monitors compare it with the head they see (a fork is noticed when the two \
              views meet: `monitors_pct`, `gossip_interval`)",
    },
    ParamSpec {
        name: "monitors_pct",
        kind: ParamKind::Int { min: 0, max: 100 },
        default: DefaultValue::Int(100),
        doc: "percent chance that an agent's checked head reaches an independent monitor \
              (drawn once per agent from the seed); a fork is noticed only when an agent that \
              released against it gossips. 100 (the default) is the old model's every-view \
              assumption; no deployed figure exists for it, so sweep it",
    },
    ParamSpec {
        name: "gossip_interval",
        kind: ParamKind::Int { min: 1, max: 100 },
        default: DefaultValue::Int(1),
        doc: "epochs between gossip rounds: a fork is noticed at the first round after the \
              release (the detection delay)",
    },
    ParamSpec {
        name: "record_ids",
        kind: ParamKind::Choice(RECORD_IDS),
        default: DefaultValue::Str("clear"),
        doc: "how a record names the sessions accessed: `clear` publishes their ids, so \
              anyone who can link a session id to its members (the relay's headers, or a \
              member of the session) learns who is under a warrant (`ledger-docket`); \
              `committed` publishes SHA-256(salt ‖ session id) with a 256-bit salt per \
              record that only the agents and the requester see",
    },
];

/// The family's description: what it is, what exists under it, its parameters.
pub static INFO: MechanismInfo = MechanismInfo {
    family: "public-ledger",
    title: "Accountable escrow with a public ledger of accesses",
    summary: "Session keys escrowed to a k-of-n threshold key; an agent releases a share \
              only against a record appended to a public hash-chained ledger, with an \
              inclusion proof, so every access is visible afterwards. The check is each \
              agent's procedure (accountable escrow, Liu, Ryan & Chen 2014): publication \
              does not gate decryption cryptographically, as it does in ARLEAS (Green, \
              Kaptchuk & Van Laer 2021), and k agents together release off the ledger.",
    lawful_scope: "every session of the warrant's targets inside its window, each access \
                   recorded on the public ledger",
    references: &[
        "Green, Kaptchuk and Van Laer, Abuse Resistant Law Enforcement Access Systems, EUROCRYPT (2021)",
        "Laurie, Langley and Kasper, Certificate Transparency, RFC 6962 (2013)",
    ],
    capabilities: &[
        (
            Capability::Intercept,
            "read the relay's transcript with every session's escrow field",
        ),
        (
            Capability::CompromiseVault,
            "copy one agent's key share (an insider, or a breach)",
        ),
        (
            Capability::SubmitRequest,
            "ask an agent for a share (it wants a warrant and an inclusion proof)",
        ),
        (
            Capability::ControlLedger,
            "operate the ledger: show the agents a fork the public never sees",
        ),
        (
            Capability::ObtainWarrant,
            "obtain a real warrant from the court",
        ),
        (Capability::CompromiseDevice, "implant a user's device"),
        (
            Capability::ReadPublic,
            "read the ledger's published records, as anyone can, at no cost",
        ),
        (
            Capability::ControlDealer,
            "run the key ceremony: a trusted dealer computes the agents' master secret to \
             deal their shares, and may keep it",
        ),
    ],
    absent: "the ledger design has no relay-side insertion, no device recovery and no \
             puzzles",
    params: PARAMS,
};
