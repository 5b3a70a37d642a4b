//! `device-relay`: Tromer's relay against device escrow (a confused deputy). A criminal
//! steals a victim's phone, copies the recovery blob it displays onto a "relay" phone of
//! its own, and plants the relay where police will seize it under a genuine warrant. The
//! vendor decrypts what the relay displays and the answer reaches the criminal, who opens
//! the victim's phone. The relay claims the victim's identity, so binding the blob to the
//! claimed device stops nothing on its own; relay-proof attestation (a distance-bounding
//! exchange with the phone in custody) refuses it unless the relay's committed answers,
//! pre-asked from the stolen phone, survive every rapid round: `(3/4)^db_rounds`.

use crate::common::read_with_keys;
use escrowlab_core::mechanism::device_escrow::{
    DeviceDeployment, DeviceRequest, DeviceResponse, RapidAnswers, MAX_DB_ROUNDS,
};
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
        another user's device) displays that blob, claims the victim's device identity when \
        the vendor binds blobs to devices, and is seized by police under a genuine warrant \
        naming that identity; the vendor's answer, the victim's storage key, reaches the \
        criminal through the relay and opens the stolen phone's store. Against relay-proof \
        attestation the relay forwards the slow phase (the vendor's nonce to the stolen \
        phone, its nonce back), pre-asks the stolen phone with challenges it guesses, and \
        commits those answers (and a coin flip for the other challenge) to every rapid \
        round, since it cannot reach the stolen phone in a round's time (Hancke & Kuhn's \
        pre-ask strategy).",
    references: &[
        "Bellovin, Tromer's relay attack on Ozzie's CLEAR (2018)",
        "Hardy, The Confused Deputy (1988)",
        "Hancke & Kuhn, An RFID distance bounding protocol, SecureComm 2005",
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
        let bound =
            crate::common::mech_param(scheme, "bind_to_device") == Some(&ParamValue::Bool(true));
        let attested = crate::common::mech_param(scheme, "attestation")
            == Some(&ParamValue::Str("relay-proof".into()));
        match (bound, attested) {
            (true, true) => Exposure::no(
                "the phone in custody must prove the identity it claims in a distance-bounding \
                 exchange: a relay passes only with probability (3/4)^db_rounds",
            ),
            (true, false) => Exposure::yes(
                "the vendor answers for the identity the phone in custody claims, and the relay \
                 claims the victim's",
            ),
            (false, _) => {
                Exposure::yes("the vendor decrypts whatever the phone in custody displays")
            }
        }
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        let mut out = Outcome::default();
        ctx.advance_to_end()?;
        let mut users: Vec<u32> = ctx.users_in_conversations().into_iter().collect();
        let mut rng = ctx.rng("device-relay");
        users.shuffle(&mut rng);
        let n = (params.int("victims") as usize).min(users.len() / 2);
        // The design is public: the relay claims the victim's identity only where the vendor
        // binds blobs to devices (elsewhere it claims its own and attests honestly).
        let bound = ctx.mechanism_param("bind_to_device") == Some(ParamValue::Bool(true));
        let rounds = match ctx.mechanism_param("db_rounds") {
            Some(ParamValue::Int(r)) => (r.max(1) as usize).min(MAX_DB_ROUNDS),
            _ => 32,
        };
        let mut keys = Vec::new();
        let (mut tried, mut unlocked) = (0u32, 0u32);
        for pair in users.chunks(2).take(n) {
            let (victim, relay) = (pair[0], pair[1]);
            let DeviceResponse::Device(phone) =
                ctx.request::<DeviceDeployment>(DeviceRequest::Seize { user: victim })?
            else {
                continue;
            };
            // The slow phase: the vendor's nonce goes to the stolen phone through the relay.
            let DeviceResponse::Challenge(nv) =
                ctx.request::<DeviceDeployment>(DeviceRequest::Challenge { device: relay })?
            else {
                continue;
            };
            let rapid = if bound {
                // Pre-ask: guessed challenges to the stolen phone's chip; each round's
                // committed answer is the chip's for the guessed bit, a coin flip otherwise.
                let guess: Vec<bool> = (0..rounds).map(|_| rng.gen()).collect();
                let (prover_nonce, got) = phone.rapid_phase(&nv, &guess);
                let answers = guess
                    .iter()
                    .zip(&got)
                    .map(|(&c, &r)| {
                        let other: bool = rng.gen();
                        if c {
                            [other, r]
                        } else {
                            [r, other]
                        }
                    })
                    .collect();
                RapidAnswers::Committed {
                    prover_nonce,
                    answers,
                }
            } else {
                RapidAnswers::Own
            };
            tried += 1;
            let answer = ctx.request::<DeviceDeployment>(DeviceRequest::Unlock {
                device: relay,
                claimed: if bound { victim } else { relay },
                shown: phone.recovery_blob().to_vec(),
                rapid,
            })?;
            if let DeviceResponse::Answer(Some(storage)) = answer {
                unlocked += 1;
                keys.extend(phone.open_store(&storage));
            }
        }
        out.figure("relays_tried", f64::from(tried));
        out.figure("relays_unlocked", f64::from(unlocked));
        out.figure("sessions_opened", keys.len() as f64);
        out.recovered = read_with_keys(ctx.intercept(), keys);
        Ok(out)
    }
}
