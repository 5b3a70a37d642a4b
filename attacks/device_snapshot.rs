//! `device-snapshot`: one copy of one user's device state (the contrast with an implant:
//! under the Double Ratchet the copy stops reading at the device's next DH ratchet step).

use escrowlab_core::prelude::*;

/// One copy of one user's device state.
pub struct DeviceSnapshot;

static META: AttackMeta = AttackMeta {
    id: "device-snapshot",
    title: "One copy of a device's state",
    actor: "border search, a backup copied once, a stolen unlocked phone returned",
    capabilities: &[Capability::Intercept, Capability::CompromiseDevice],
    description: "Copies the state of one user's device (chosen from the seed, or `user`) once, \
        at the start of epoch `at_epoch`: the identity key and that epoch's prekey, but nothing the \
        device makes afterwards (later prekeys, the session keys it opens, its ratchet key pairs). \
        It opens the session-key deliveries of that epoch addressed to the user and reads what they \
        open. Under the hash ratchet and sender keys that is each such session to its end; under the \
        Double Ratchet (`protocol = \"double-ratchet\"`) only the first chain of a session the user \
        answers, up to its own first DH ratchet step: the ratchet heals. Figures \
        `read_share_epoch_E` give the share of the device's messages of each epoch from \
        `at_epoch` on that the copy reads.",
    references: &["Perrin & Marlinspike, The Double Ratchet Algorithm, 2016", "Cohn-Gordon, Cremers & Garratt, On Post-Compromise Security, 2016"],
    params: &[
        ParamSpec { name: "user", kind: ParamKind::Bounded { min: -1, max: escrowlab_core::config::limits::MAX_USERS as i64 - 1, bound: Bound::User }, default: DefaultValue::Int(-1), doc: "user whose device is copied (-1: chosen from the seed)" },
        ParamSpec { name: "at_epoch", kind: ParamKind::Bounded { min: 0, max: 1000, bound: Bound::Epoch }, default: DefaultValue::Int(0), doc: "epoch at whose start the device's state is copied" },
    ],
};

impl Attack for DeviceSnapshot {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec, Scale};
        ClassSpec::new(
            AttackerClass::Seizure,
            &[("at_epoch", Scale::Fixed(0, "copied at the first epoch"))],
        )
    }
    fn check(&self, _scheme: &Scheme, _params: &Params) -> Exposure {
        Exposure::yes("every scheme has endpoints; escrow neither helps nor hurts here")
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        crate::endpoint_compromise::compromise(ctx, params, true)
    }
}
