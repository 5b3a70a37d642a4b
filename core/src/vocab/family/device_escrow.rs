//! What device escrow is, as every layer names it: its family id, capabilities and
//! parameters (its implementation is [`crate::mechanism::device_escrow`]).

use super::MechanismInfo;
use crate::vocab::Capability;
use crate::vocab::{DefaultValue, ParamKind, ParamSpec};

/// What `attestation` accepts: `none` (the phone's claimed identity is its own word) or
/// `relay-proof` (a distance-bounding exchange keyed by the phone's secure element).
pub const ATTESTATIONS: &[&str] = &["none", "relay-proof"];

/// The family's parameters (the scheme's `[mechanism.params]`).
static PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "bind_to_device",
        kind: ParamKind::Bool,
        default: DefaultValue::Bool(false),
        doc: "the recovery blob names its device inside the ciphertext and the vendor answers \
              only when it matches the identity the phone in custody claims (CLEAR as \
              published does not); without attestation a relay claims the victim's identity \
              and passes",
    },
    ParamSpec {
        name: "attestation",
        kind: ParamKind::Choice(ATTESTATIONS),
        default: DefaultValue::Str("none"),
        doc: "`relay-proof`: the phone in custody proves the identity it claims with a \
              distance-bounding exchange keyed by its secure element's device key (Hancke & \
              Kuhn 2005): a relay cannot forward the rapid rounds in time and passes with \
              probability (3/4)^db_rounds; `none`: its claim is its own word",
    },
    ParamSpec {
        name: "db_rounds",
        kind: ParamKind::Int { min: 1, max: 128 },
        default: DefaultValue::Int(32),
        doc: "rapid rounds of the relay-proof exchange (chosen; a relay passes with \
              (3/4)^rounds, about 1.0e-4 at 32)",
    },
];

/// The family's description: what it is, what exists under it, its parameters.
pub static INFO: MechanismInfo = MechanismInfo {
    family: "device-escrow",
    title: "Device escrow (Ozzie's CLEAR, 2018)",
    summary: "Each device's storage key is encrypted to one vendor escrow key. Reading \
              needs the physical device: recovery mode shows the encrypted storage key and \
              bricks the phone; the vendor decrypts it under a warrant.",
    lawful_scope: "only devices seized under the warrant: the target's own history on its \
                   phone, up to the seizure; nothing later (the phone is bricked)",
    references: &[
        "Levy, Cracking the Crypto War, Wired (April 2018), on Ozzie's CLEAR",
        "Green, A few thoughts on Ray Ozzie's Clear proposal (2018)",
        "Tromer, relay attack on CLEAR, as reported by Bellovin (2018)",
    ],
    capabilities: &[
        (Capability::Intercept, "read the relay's transcript"),
        (
            Capability::SeizeDevice,
            "take a phone: its recovery blob and its sealed store",
        ),
        (
            Capability::CompromiseVault,
            "steal the vendor's escrow private key from its vault",
        ),
        (
            Capability::ObtainWarrant,
            "have police seize a planted phone under a genuine warrant and take the vendor's answer",
        ),
        (Capability::CompromiseDevice, "implant a user's device"),
    ],
    absent: "device escrow has no session escrow field, no agents and no relay-side insertion",
    params: PARAMS,
};
