//! `device-relay`: Tromer's relay against device escrow (a confused deputy). A criminal
//! steals a victim's phone, copies the recovery blob it displays onto a "relay" phone of
//! its own, and plants the relay where police will seize it under a genuine warrant. The
//! vendor decrypts what the relay displays and the answer reaches the criminal, who opens
//! the victim's phone. Stopped only when the vendor's answer is bound to the phone the
//! warrant names.

use crate::common::read_with_keys;
use escrowlab_core::mechanism::device_escrow::{DeviceDeployment, DeviceRequest, DeviceResponse};
use escrowlab_core::prelude::*;

/// Tromer's relay.
pub struct DeviceRelay;

static META: AttackMeta = AttackMeta {
    id: "device-relay",
    title: "Tromer's relay against device escrow",
    actor: "criminal who steals a phone and plants a relay phone for police to seize",
    capabilities: &[
        Capability::SeizeDevice,
        Capability::ObtainWarrant,
        Capability::Intercept,
    ],
    description: "For each of `victims` victims (chosen from the seed): steals the victim's \
        phone and reads the recovery blob it displays; a relay phone (the criminal's own, \
        another user's device) displays that blob and is seized by police under a genuine \
        warrant naming the relay; the vendor's answer, the victim's storage key, reaches the \
        criminal through the relay and opens the stolen phone's store.",
    references: &[
        "Bellovin, Tromer's relay attack on Ozzie's CLEAR (2018)",
        "Hardy, The Confused Deputy (1988)",
    ],
    params: &[ParamSpec {
        name: "victims",
        kind: ParamKind::Bounded {
            min: 1,
            max: 1000,
            bound: Bound::Users,
        },
        default: DefaultValue::Int(1),
        doc: "phones stolen and opened through relays",
    }],
};

impl Attack for DeviceRelay {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec};
        ClassSpec::new(AttackerClass::Seizure, &[])
    }
    fn check(&self, scheme: &Scheme, _: &Params) -> Exposure {
        if let Some(no) = crate::common::other_family(scheme, "device-escrow") {
            return no;
        }
        let bound = scheme
            .mechanism
            .as_ref()
            .and_then(|m| m.params.get("bind_to_device"))
            == Some(&ParamValue::Bool(true));
        if bound {
            Exposure::no("the vendor answers only for the phone the warrant names")
        } else {
            Exposure::yes("the vendor decrypts whatever the phone in custody displays")
        }
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        let mut out = Outcome::default();
        ctx.advance_to_end()?;
        let mut users: Vec<u32> = ctx.users_in_conversations().into_iter().collect();
        let mut rng = ctx.rng("device-relay");
        users.shuffle(&mut rng);
        let n = (params.int("victims") as usize).min(users.len() / 2);
        let mut keys = Vec::new();
        for pair in users.chunks(2).take(n) {
            let (victim, relay) = (pair[0], pair[1]);
            let DeviceResponse::Device(phone) =
                ctx.request::<DeviceDeployment>(DeviceRequest::Seize { user: victim })?
            else {
                continue;
            };
            let answer = ctx.request::<DeviceDeployment>(DeviceRequest::Unlock {
                device: relay,
                shown: phone.recovery_blob().to_vec(),
            })?;
            if let DeviceResponse::Answer(Some(storage)) = answer {
                keys.extend(phone.open_store(&storage));
            }
        }
        out.figure("sessions_opened", keys.len() as f64);
        out.recovered = read_with_keys(ctx.intercept(), keys);
        Ok(out)
    }
}
