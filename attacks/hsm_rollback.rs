//! `hsm-counter-rollback`: rolling back guess counters on HSM members the attacker
//! controls, between rounds of guesses through the recovery interface. Each member counts
//! on its own and a guess needs a majority under the limit: a minority rolled back gains
//! no guess.

use crate::common::read_with_keys;
use escrowlab_core::mechanism::hsm_guess_limit::{
    guess_at, passcode_space, HsmDeployment, HsmRequest, HsmResponse,
};
use escrowlab_core::prelude::*;

/// Guess-counter rollback.
pub struct HsmRollback;

static META: AttackMeta = AttackMeta {
    id: "hsm-counter-rollback",
    title: "Guess-counter rollback on HSM members",
    actor: "insider who can reset the counters of some HSM members",
    capabilities: &[
        Capability::SubmitRequest,
        Capability::CompromiseVault,
        Capability::Intercept,
    ],
    description: "Takes `members` HSM members, then guesses one target's passcode through the \
        recovery interface, rolling back the target's counter on every member it holds after \
        each guess, up to `guesses` guesses. The cluster's measured count of guesses it \
        evaluated (`cost.tries`) is what the rollback bought.",
    references: &[
        "Apple Platform Security Guide, Escrow security for iCloud Keychain (2024)",
        "Skorobogatov, The bumpy road towards iPhone 5c NAND mirroring (2016)",
    ],
    params: &[
        ParamSpec {
            name: "members",
            kind: ParamKind::Bounded {
                min: 0,
                max: 15,
                bound: Bound::Members,
            },
            default: DefaultValue::Int(1),
            doc: "HSM members whose counters are rolled back",
        },
        ParamSpec {
            name: "guesses",
            kind: ParamKind::Int {
                min: 1,
                max: 100_000,
            },
            default: DefaultValue::Int(100),
            doc: "guesses attempted",
        },
    ],
};

impl Attack for HsmRollback {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec, Scale};
        ClassSpec::new(AttackerClass::Coalition, &[("guesses", Scale::Work)])
    }
    fn check(&self, scheme: &Scheme, params: &Params) -> Exposure {
        if let Some(no) = crate::common::other_family(scheme, "hsm-guess-limit") {
            return no;
        }
        let members = match scheme
            .mechanism
            .as_ref()
            .and_then(|m| m.params.get("members"))
        {
            Some(ParamValue::Int(m)) => *m,
            _ => 5,
        };
        if params.int("members") > members / 2 {
            Exposure::yes("a majority rolled back: the limit no longer holds")
        } else {
            Exposure::no("a minority rolled back: a guess still needs a majority under the limit")
        }
    }
    /// Every guess is one PBKDF2 at the scheme's iterations on the cluster, priced by the
    /// family (`budget`).
    fn max_guesses(&self, scheme: &Scheme, params: &Params) -> u64 {
        if scheme.family() != "hsm-guess-limit" {
            return 0;
        }
        params.int("guesses").max(1) as u64
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        let mut out = Outcome::default();
        ctx.advance_to_end()?;
        let scheme = ctx.info().scheme;
        let kind = match scheme
            .mechanism
            .as_ref()
            .and_then(|m| m.params.get("passcode"))
        {
            Some(ParamValue::Str(k)) => k.clone(),
            _ => "digits4".to_string(),
        };
        let pins = match scheme.mechanism.as_ref().and_then(|m| m.params.get("pins")) {
            Some(ParamValue::Str(k)) => k.clone(),
            _ => "human".to_string(),
        };
        let mut users: Vec<u32> = ctx.users_in_conversations().into_iter().collect();
        let mut rng = ctx.rng("hsm-counter-rollback");
        users.shuffle(&mut rng);
        let Some(&target) = users.first() else {
            return Ok(out);
        };
        let members = params.int("members") as usize;
        for m in 0..members {
            ctx.request::<HsmDeployment>(HsmRequest::TakeMember { member: m })?;
        }
        let mut keys = Vec::new();
        let limit = (params.int("guesses") as u64).min(passcode_space(&kind));
        for i in 0..limit {
            let code = guess_at(&kind, &pins, i);
            let answer = ctx.request::<HsmDeployment>(HsmRequest::Guess {
                user: target,
                passcode: code.clone(),
            })?;
            if let HsmResponse::Guess(Some(rec)) = answer {
                if let Some(h) = rec.try_passcode(&code) {
                    keys.extend(rec.open_backup(&h));
                }
                break;
            }
            for m in 0..members {
                ctx.request::<HsmDeployment>(HsmRequest::RollBack {
                    member: m,
                    user: target,
                })?;
            }
        }
        out.recovered = read_with_keys(ctx.intercept(), keys);
        Ok(out)
    }
}
