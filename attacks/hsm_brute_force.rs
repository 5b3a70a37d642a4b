//! `hsm-brute-force`: lifting an HSM cluster's guess limit and searching users' passcodes.
//! With a minority of members, or none, the attacker has the limit's guesses through the
//! recovery interface and no more. With a majority it rebuilds the cluster key, unlocks
//! the records and searches each passcode offline, one PBKDF2 a try; with the firmware
//! signing key it installs firmware that exports them.

use crate::common::{mech_param, read_with_keys};
use escrowlab_core::mechanism::hsm_guess_limit::{
    guess_at, passcode_space, unlock, EscrowRecord, HsmDeployment, HsmRequest, HsmResponse,
};
use escrowlab_core::prelude::*;

/// HSM guess-limit brute force.
pub struct HsmBruteForce;

static META: AttackMeta = AttackMeta {
    id: "hsm-brute-force",
    title: "Passcode search past an HSM guess limit",
    actor: "insider or intruder in the HSM cluster, or holder of its firmware signing key",
    capabilities: &[
        Capability::SubmitRequest,
        Capability::CompromiseVault,
        Capability::SignFirmware,
        Capability::Intercept,
    ],
    description: "Targets `targets` users (chosen from the seed). Takes `members` HSM members; \
        with a majority it rebuilds the cluster key from their shares and unlocks the records; \
        with `firmware` it signs firmware that exports them. An unlocked record is searched \
        offline over the whole passcode space in the order of the scheme's passcode model \
        (commonest human PINs first, or enumeration order), one PBKDF2 per try, until the \
        record opens. Without either, it makes guesses through the recovery interface in the \
        same order until the cluster refuses. With `guess_first` it guesses online first and \
        takes members after. An opened record yields the user's backup: \
        the session keys of every session the user took part in.",
    references: &[
        "Apple Platform Security Guide, Escrow security for iCloud Keychain (2024)",
        "Bonneau, The science of guessing (2012), on PIN distributions",
    ],
    params: &[
        ParamSpec {
            name: "members",
            kind: ParamKind::Bounded {
                min: 0,
                max: 15,
                bound: Bound::Members,
            },
            default: DefaultValue::Int(3),
            doc: "HSM members taken (a majority of the cluster unlocks records)",
        },
        ParamSpec {
            name: "firmware",
            kind: ParamKind::Bool,
            default: DefaultValue::Bool(false),
            doc: "sign firmware that exports every record (needs the signing key to exist)",
        },
        ParamSpec {
            name: "guess_first",
            kind: ParamKind::Bool,
            default: DefaultValue::Bool(false),
            doc: "guess every target through the recovery interface up to the limit first, and \
                  take members only afterwards (a record the limit destroyed is gone from the \
                  members' stores: the later breach finds nothing of it)",
        },
        ParamSpec {
            name: "targets",
            kind: ParamKind::Bounded {
                min: 1,
                max: 1000,
                bound: Bound::Users,
            },
            default: DefaultValue::Int(1),
            doc: "users whose passcodes are searched",
        },
    ],
};

impl Attack for HsmBruteForce {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec};
        ClassSpec::new(AttackerClass::Coalition, &[])
    }
    fn check(&self, scheme: &Scheme, params: &Params) -> Exposure {
        if let Some(no) = crate::common::other_family(scheme, "hsm-guess-limit") {
            return no;
        }
        let members = match mech_param(scheme, "members") {
            Some(ParamValue::Int(m)) => *m,
            _ => 5,
        };
        let whole = mech_param(scheme, "cluster_key") != Some(&ParamValue::Str("threshold".into()));
        if whole && params.int("members") >= 1 {
            return Exposure::yes(
                "each member holds the whole cluster key: one member taken unlocks every record it still holds",
            );
        }
        let destroyed =
            mech_param(scheme, "signing_key_destroyed") != Some(&ParamValue::Bool(false));
        if params.int("members") > members / 2 {
            Exposure::yes("a majority of members rebuilds the cluster key: the limit is gone")
        } else if params.flag("firmware") && !destroyed {
            Exposure::yes("signed firmware lifts the limit on every member")
        } else {
            Exposure::no("the limit holds: only its guesses, a small chance per user")
        }
    }
    fn max_guesses(&self, scheme: &Scheme, params: &Params) -> u64 {
        if scheme.family() != "hsm-guess-limit" {
            return 0;
        }
        let kind = match mech_param(scheme, "passcode") {
            Some(ParamValue::Str(k)) => k.as_str(),
            _ => "digits4",
        };
        // Each try is one PBKDF2 at the scheme's iterations, priced by the family
        // (`budget`): the whole space for every target, offline or through the limit.
        passcode_space(kind).saturating_mul(params.int("targets").max(1) as u64)
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        let mut out = Outcome::default();
        ctx.advance_to_end()?;
        let scheme = ctx.info().scheme;
        let (kind, pins) = crate::common::pin_model(&scheme);
        let space = passcode_space(&kind);
        let guess = |i: u64| guess_at(&kind, &pins, i);
        let mut users: Vec<u32> = ctx.users_in_conversations().into_iter().collect();
        let mut rng = ctx.rng("hsm-brute-force");
        users.shuffle(&mut rng);
        users.truncate(params.int("targets") as usize);
        let mut keys = Vec::new();
        let mut opened_online: BTreeSet<u32> = BTreeSet::new();
        if params.flag("guess_first") {
            for &u in &users {
                if let Some(k) = online(ctx, u, space, &guess)? {
                    keys.extend(k);
                    opened_online.insert(u);
                }
            }
        }
        // Offline records, by member majority or by firmware.
        let mut offline: BTreeMap<u32, EscrowRecord> = BTreeMap::new();
        let mut shares = Vec::new();
        let mut public = Vec::new();
        let mut locked = Vec::new();
        for m in 0..params.int("members") as usize {
            if let HsmResponse::Member(loot) =
                ctx.request::<HsmDeployment>(HsmRequest::TakeMember { member: m })?
            {
                shares.push((loot.member, loot.share));
                public = loot.public;
                // What each member still holds (a record it destroyed is not there).
                for r in loot.records {
                    if !locked.iter().any(
                        |l: &escrowlab_core::mechanism::hsm_guess_limit::LockedRecord| {
                            l.user == r.user
                        },
                    ) {
                        locked.push(r);
                    }
                }
            }
        }
        let b = ctx.backend();
        if !shares.is_empty() && shares.len() >= b.k(&public).unwrap_or(usize::MAX) {
            if let Ok(master) = b.interpolate_at_zero(&shares) {
                for r in &locked {
                    if users.contains(&r.user) {
                        if let Some(rec) = unlock(b, &master, r) {
                            offline.insert(r.user, rec);
                        }
                    }
                }
            }
        }
        if params.flag("firmware") {
            if let HsmResponse::Records(rs) = ctx.request::<HsmDeployment>(HsmRequest::Firmware)? {
                for r in rs.into_iter().filter(|r| users.contains(&r.user())) {
                    offline.insert(r.user(), r);
                }
            }
        }
        let mut offline_tries = 0u64;
        for &u in &users {
            if opened_online.contains(&u) {
                continue;
            }
            if let Some(rec) = offline.get(&u) {
                for i in 0..space {
                    offline_tries += 1;
                    if let Some(h) = rec.try_passcode(&guess(i)) {
                        keys.extend(rec.open_backup(&h));
                        break;
                    }
                }
                continue;
            }
            if params.flag("guess_first") {
                continue;
            }
            // Online, through the limit.
            if let Some(k) = online(ctx, u, space, &guess)? {
                keys.extend(k);
            }
        }
        ctx.count_tries(offline_tries);
        out.figure("offline_tries", offline_tries as f64);
        out.figure("records_unlocked", offline.len() as f64);
        out.figure("passcode_space", space as f64);
        out.recovered = read_with_keys(ctx.intercept(), keys);
        Ok(out)
    }
}

/// Guesses `u`'s passcode through the recovery interface in the model's order until the
/// record opens (its session keys) or the cluster refuses (`None`).
fn online(
    ctx: &mut AttackCtx,
    u: u32,
    space: u64,
    guess: &dyn Fn(u64) -> String,
) -> Result<Option<Vec<(u32, Key32)>>> {
    for i in 0..space {
        let code = guess(i);
        let answer = ctx.request::<HsmDeployment>(HsmRequest::Guess {
            user: u,
            passcode: code.clone(),
        })?;
        if let HsmResponse::Guess(Some(rec)) = answer {
            return Ok(rec.try_passcode(&code).map(|h| rec.open_backup(&h)));
        }
        if ctx
            .refusals()
            .iter()
            .any(|e| e.control == "guess-limit" && e.detail.contains(&format!("user {u}'")))
        {
            return Ok(None);
        }
    }
    Ok(None)
}
