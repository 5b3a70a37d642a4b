//! `share-theft`: an outside attacker breaches `stolen` agents' vaults and interpolates.

use crate::common::read_with_masters;
use escrowlab_core::prelude::*;

/// Threshold share theft.
pub struct ShareTheft;

static META: AttackMeta = AttackMeta {
    id: "share-theft",
    title: "Threshold share theft",
    actor: "outside attacker breaching several agents",
    capabilities: &[Capability::Intercept, Capability::CompromiseAgent],
    description:
        "Breaches the vaults of agents 0..stolen at the start of epoch `at_epoch`, groups \
        the stolen shares by escrow key, and for each key rebuilds the master secret by Lagrange \
        interpolation at x = 0 (shares sit at x = i + 1), keeping it only if its public key equals \
        the published one. With at least k shares of one key generation it then reads every field \
        encrypted to that key; with fewer, interpolation yields a wrong scalar and nothing opens.",
    references: &[
        "Shamir, How to Share a Secret, 1979",
        "Abelson et al., The Risks of Key Recovery, 1997 (\"regardless of ... secret-sharing\")",
    ],
    params: &[
        ParamSpec {
            name: "stolen",
            kind: ParamKind::Bounded {
                min: 0,
                max: 64,
                bound: Bound::Agents,
            },
            default: DefaultValue::Int(3),
            doc: "number of agents whose vaults are breached (agents 0..stolen)",
        },
        ParamSpec {
            name: "at_epoch",
            kind: ParamKind::Bounded {
                min: 0,
                max: 1000,
                bound: Bound::Epoch,
            },
            default: DefaultValue::Int(2),
            doc: "epoch at whose start the vaults are breached",
        },
    ],
};

impl Attack for ShareTheft {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec};
        ClassSpec::new(AttackerClass::Coalition, &[])
    }
    fn check(&self, scheme: &Scheme, params: &Params) -> Exposure {
        if scheme.custody.kind == CustodyKind::None {
            return Exposure::no("no escrow key exists");
        }
        let (k, n) = (scheme.k(), scheme.n());
        let stolen = usize::try_from(params.int("stolen")).unwrap_or(0).min(n);
        if stolen < k {
            return Exposure::no(format!(
                "{stolen} of {n} vaults breached; {k} shares are needed to rebuild the key"
            ));
        }
        if let Some(no) = crate::common::breach_before_any_key(scheme, params.int("at_epoch")) {
            return no;
        }
        let what = if scheme.custody.lifetime == Lifetime::Epoch {
            "the epoch keys they still hold"
        } else {
            "the key"
        };
        Exposure::yes(format!(
            "{stolen} of {n} vaults breached, {k} needed: enough to rebuild {what}"
        ))
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        let mut out = Outcome::default();
        let info = ctx.info();
        let stolen = (params.int("stolen") as usize).min(info.n);
        ctx.advance_to(params.int("at_epoch") as u32)?;
        if !ctx.require_escrow() {
            return Ok(out);
        }
        let mut loot = Vec::new();
        for i in 0..stolen {
            loot.push(ctx.compromise_agent(i)?);
        }
        ctx.advance_to_end()?;
        let b = ctx.backend();
        let masters = ctx.rebuild_masters(&loot);
        out.figure("keys_recovered", masters.len() as f64);
        out.recovered = read_with_masters(b, ctx.intercept(), &masters);
        Ok(out)
    }
}
