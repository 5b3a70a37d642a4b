//! `device-seizure`: phones taken under device escrow (CLEAR), with and without the
//! vendor's escrow key. A thief of the vendor key still needs each phone in hand: the
//! exposure is bounded by the phones taken, and every phone taken is noticed by its owner.

use crate::common::read_with_keys;
use escrowlab_core::mechanism::device_escrow::{
    storage_key_of_blob, DeviceDeployment, DeviceRequest, DeviceResponse,
};
use escrowlab_core::prelude::*;

/// Phones taken, with or without the vendor key.
pub struct DeviceSeizure;

static META: AttackMeta = AttackMeta {
    id: "device-seizure",
    title: "Phones taken under device escrow",
    actor: "thief or hostile agency that takes phones, and may hold the stolen vendor key",
    capabilities: &[
        Capability::SeizeDevice,
        Capability::CompromiseVault,
        Capability::Intercept,
    ],
    description: "Takes `devices` phones, chosen from the seed among users in conversations. \
        With `stolen_key`, it first copies the vendor's escrow private key, decrypts each \
        phone's recovery blob to its storage key, opens the phone's sealed store of session \
        keys and reads those sessions from the intercepted transcript. Without it, the store \
        stays sealed.",
    references: &[
        "Green, A few thoughts on Ray Ozzie's Clear proposal (2018)",
        "Levy, Cracking the Crypto War, Wired (2018)",
    ],
    params: &[
        ParamSpec {
            name: "devices",
            kind: ParamKind::Bounded {
                min: 0,
                max: 1_000_000,
                bound: Bound::Users,
            },
            default: DefaultValue::Int(5),
            doc: "phones taken",
        },
        ParamSpec {
            name: "stolen_key",
            kind: ParamKind::Bool,
            default: DefaultValue::Bool(true),
            doc: "the attacker also holds the vendor's escrow private key",
        },
    ],
};

impl Attack for DeviceSeizure {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec};
        ClassSpec::new(AttackerClass::Seizure, &[])
    }
    fn check(&self, scheme: &Scheme, params: &Params) -> Exposure {
        if let Some(no) = crate::common::other_family(scheme, "device-escrow") {
            return no;
        }
        match (params.int("devices"), params.flag("stolen_key")) {
            (0, _) => Exposure::no("no phone taken: device escrow needs the phone in hand"),
            (_, false) => {
                Exposure::no("phones taken, but their stores open only with the vendor key")
            }
            _ => Exposure::yes("the vendor key opens every phone in hand"),
        }
    }
    /// Every phone taken is one unit of work for the family: its recovery blob encrypted to
    /// the vendor key and decrypted, its store sealed and opened, priced (and its bytes
    /// held) by `budget`.
    fn max_guesses(&self, scheme: &Scheme, params: &Params) -> u64 {
        if scheme.family() != "device-escrow" {
            return 0;
        }
        params.int("devices").max(0) as u64
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        let mut out = Outcome::default();
        ctx.advance_to_end()?;
        let mut users: Vec<u32> = ctx.users_in_conversations().into_iter().collect();
        let mut rng = ctx.rng("device-seizure");
        users.shuffle(&mut rng);
        users.truncate(params.int("devices") as usize);
        let vendor = if params.flag("stolen_key") {
            match ctx.request::<DeviceDeployment>(DeviceRequest::StealVendorKey)? {
                DeviceResponse::VendorKey(k) => Some(k),
                _ => None,
            }
        } else {
            None
        };
        let b = ctx.backend();
        let mut keys = Vec::new();
        for u in users {
            let DeviceResponse::Device(phone) =
                ctx.request::<DeviceDeployment>(DeviceRequest::Seize { user: u })?
            else {
                continue;
            };
            let Some(vk) = &vendor else { continue };
            let Ok(Some(plain)) = b.decrypt_with_scalar(vk, phone.recovery_blob()) else {
                continue;
            };
            if let Some((_, storage)) = storage_key_of_blob(&plain) {
                keys.extend(phone.open_store(&storage));
            }
        }
        out.figure("sessions_opened", keys.len() as f64);
        out.recovered = read_with_keys(ctx.intercept(), keys);
        Ok(out)
    }
}
