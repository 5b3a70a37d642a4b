//! What device escrow is, as every layer names it: its family id, capabilities and
//! parameters (its implementation is [`crate::mechanism::device_escrow`]).

use super::MechanismInfo;
use crate::vocab::Capability;
use crate::vocab::{DefaultValue, ParamKind, ParamSpec};

/// The family's parameters (the scheme's `[mechanism.params]`).
static PARAMS: &[ParamSpec] = &[ParamSpec {
    name: "bind_to_device",
    kind: ParamKind::Bool,
    default: DefaultValue::Bool(false),
    doc: "the recovery blob names its device inside the ciphertext and the vendor answers \
          only for the device the warrant names (stops Tromer's relay; CLEAR as published \
          does not)",
}];

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
