//! `crumple-budget`: anyone with a hash budget against a crypto crumple zone. It solves
//! the gatekeeper puzzle once, then opens sessions one puzzle at a time until the budget
//! runs out: exposure grows with money, not with authorization, and nothing notices.

use crate::common::read_with_keys;
use escrowlab_core::mechanism::crumple_zone::{CrumpleDeployment, CrumpleRequest, CrumpleResponse};
use escrowlab_core::prelude::*;

/// Budgeted crumple-zone search.
pub struct CrumpleBudget;

static META: AttackMeta = AttackMeta {
    id: "crumple-budget",
    title: "Buying sessions out of a crumple zone",
    actor: "anyone with compute: a thief, a foreign service, a rogue officer",
    capabilities: &[Capability::Intercept, Capability::SpendWork],
    description: "Intercepts every session's crumple field, spends up to `budget` hash \
        evaluations (counted by the mechanism) solving the gatekeeper puzzle and then each \
        session's puzzle in transcript order, and reads the sessions it opened.",
    references: &["Wright and Varia, Crypto Crumple Zones, IEEE EuroS&P (2018)"],
    params: &[ParamSpec {
        name: "budget",
        kind: ParamKind::Int {
            min: 0,
            max: 1 << 40,
        },
        default: DefaultValue::Int(1 << 20),
        doc: "hash evaluations the attacker can pay for",
    }],
};

impl Attack for CrumpleBudget {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec, Scale};
        ClassSpec::new(AttackerClass::Compute, &[("budget", Scale::Work)])
    }
    fn check(&self, scheme: &Scheme, params: &Params) -> Exposure {
        if let Some(no) = crate::common::other_family(scheme, "crumple-zone") {
            return no;
        }
        let gate = match scheme
            .mechanism
            .as_ref()
            .and_then(|m| m.params.get("gate_bits"))
        {
            Some(ParamValue::Int(g)) => *g,
            _ => 16,
        };
        if params.int("budget") < (1i64 << gate.min(40)) {
            Exposure::no("the budget may not cover the gatekeeper puzzle")
        } else {
            Exposure::yes("past the gate, every session costs the same small price")
        }
    }
    fn max_guesses(&self, scheme: &Scheme, params: &Params) -> u64 {
        if scheme.family() != "crumple-zone" {
            return 0;
        }
        params.int("budget").max(0) as u64
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        let mut out = Outcome::default();
        ctx.advance_to_end()?;
        let CrumpleResponse::Fields(_, fields) =
            ctx.request::<CrumpleDeployment>(CrumpleRequest::Fields)?
        else {
            return Ok(out);
        };
        let mut left = params.int("budget").max(0) as u64;
        let before = ctx.spent();
        let CrumpleResponse::Gate(gate) =
            ctx.request::<CrumpleDeployment>(CrumpleRequest::SolveGate { budget: left })?
        else {
            return Ok(out);
        };
        left = left.saturating_sub(ctx.spent() - before);
        let mut keys = Vec::new();
        if let Some(gate) = gate {
            for f in fields.iter() {
                if left == 0 {
                    break;
                }
                let before = ctx.spent();
                let answer = ctx.request::<CrumpleDeployment>(CrumpleRequest::SolveField {
                    field: f.clone(),
                    gate: gate.clone(),
                    budget: left,
                })?;
                left = left.saturating_sub(ctx.spent() - before);
                if let CrumpleResponse::Session(Some(k)) = answer {
                    keys.push((f.session, k));
                }
            }
        }
        out.figure("sessions_opened", keys.len() as f64);
        out.recovered = read_with_keys(ctx.intercept(), keys);
        Ok(out)
    }
}
