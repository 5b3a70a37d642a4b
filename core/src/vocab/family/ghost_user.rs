//! What the ghost user is, as every layer names it: its family id, capabilities and
//! parameters (its implementation is [`crate::mechanism::ghost_user`]).

use super::MechanismInfo;
use crate::vocab::Capability;
use crate::vocab::{DefaultValue, ParamKind, ParamSpec};

/// The family's parameters (the scheme's `[mechanism.params]`).
static PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "reconcile_taps",
        kind: ParamKind::Bool,
        default: DefaultValue::Bool(true),
        doc: "the provider reconciles the insertion interface's active taps against the \
              court's warrants, so a tap without a warrant is noticed",
    },
    ParamSpec {
        name: "exception",
        kind: ParamKind::Choice(EXCEPTIONS),
        default: DefaultValue::Str("none"),
        doc: "the lawful exception to roster-checking clients (the 2018–19 ghost debate): \
              `none`: a checking client refuses every silent member; `provider` or `court`: \
              it accepts a silent member that carries an Ed25519 credential for the target \
              signed by that issuer (the provider's interface holds the provider's signing \
              key; under `court` it holds only the credentials the court issued for its \
              warrants). Under key transparency each silent member is logged with its \
              credential and an auditor who looks (`kt_monitor_pct`) flags one that matches \
              no warrant",
    },
];

/// The values of `exception`.
pub const EXCEPTIONS: &[&str] = &["none", "provider", "court"];

/// The family's description: what it is, what exists under it, its parameters.
pub static INFO: MechanismInfo = MechanismInfo {
    family: "ghost-user",
    title: "Ghost user (GCHQ, Levy–Robinson 2018)",
    summary: "No escrow key. Under a warrant the provider adds a silent law-enforcement \
              member to the target's conversations through its insertion interface and \
              suppresses the notice; the ghost receives every later session key like any \
              member.",
    lawful_scope: "only messages sent after the ghost's insertion (nothing retroactive), \
                   in the target's conversations, every member's",
    references: &[
        "Levy and Robinson, Principles for a More Informed Exceptional Access Debate, Lawfare (2018)",
        "Open letter to GCHQ, 47 signatories (May 2019)",
    ],
    capabilities: &[
        (Capability::Intercept, "read the relay's transcript"),
        (
            Capability::ControlRelay,
            "a provider insider adds a ghost directly, bypassing the insertion interface",
        ),
        (
            Capability::BreachInterface,
            "an intruder in the provider's insertion interface: inserts taps and reads the tap list",
        ),
        (Capability::CompromiseDevice, "implant a user's device"),
    ],
    absent: "a ghost-user design has no escrow key, no agents, no court key held by the \
             provider and no device recovery",
    params: PARAMS,
};
