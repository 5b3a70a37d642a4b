//! An escrowlab attack written out of tree: `insider-breach`.
//!
//! This crate is what a user writes to add an attack of their own. It depends on `escrowlab`
//! alone, sees only its public API (`escrowlab::prelude::*`), and registers the attack next
//! to the built-ins in a one-line `main` (`src/main.rs`):
//!
//! ```no_run
//! std::process::exit(escrowlab::cli::main_with(
//!     escrowlab::attacks::builtins().with(&escrowlab_example_attack::InsiderBreach),
//! ))
//! ```
//!
//! What the attack may do is fixed by the API, not by this code: every capability it uses
//! goes through [`AttackCtx`] and must be declared in [`AttackMeta::capabilities`] (using an
//! undeclared one makes the cell an error); vault copies ([`VaultLoot`]) and rebuilt keys
//! ([`MasterSecret`]) are made only by the context; and the [`Outcome`] carries only what the
//! attack claims to have read. The runner checks each claim against ground truth and derives
//! `blocked_by` and `detected` from what the mechanism reported.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use escrowlab::attacks::common::read_with_masters;
use escrowlab::prelude::*;

/// Insider vault breach: an insider at agent `agent` copies its vault at the start of epoch
/// `at_epoch`, breaches `extra` further agents (the next ones after `agent`, wrapping
/// around), rebuilds every escrow key the copies suffice for and reads the intercepted
/// traffic escrowed to those keys.
pub struct InsiderBreach;

static META: AttackMeta = AttackMeta {
    id: "insider-breach",
    title: "Insider vault breach",
    actor: "insider at one agent who can breach a few others",
    capabilities: &[Capability::Intercept, Capability::CompromiseAgent],
    description: "Copies the vault of agent `agent` (an insider's own) at the start of epoch \
        `at_epoch`, then breaches `extra` further agents (the next ones after `agent`, wrapping \
        around, none twice), rebuilds every escrow key it holds enough shares of (checked against \
        the published master key) and reads every intercepted field escrowed to a rebuilt key.",
    references: &[
        "Abelson et al., The Risks of Key Recovery, Key Escrow, and Trusted Third-Party Encryption, 1997, §3",
        "Shamir, How to Share a Secret, 1979",
    ],
    params: &[
        ParamSpec {
            name: "agent",
            kind: ParamKind::Int { min: 0, max: 63 },
            default: DefaultValue::Int(0),
            doc: "the insider's own agent (must exist in the scheme)",
        },
        ParamSpec {
            name: "extra",
            kind: ParamKind::Int { min: 0, max: 63 },
            default: DefaultValue::Int(0),
            doc: "further agents breached (the next ones after `agent`, wrapping around; at most n - 1)",
        },
        ParamSpec {
            name: "at_epoch",
            kind: ParamKind::Int { min: 0, max: 1000 },
            default: DefaultValue::Int(2),
            doc: "epoch at whose start the vaults are copied",
        },
    ],
};

/// The agents breached: `agent` first, then the `extra` next ones modulo `n`, none twice.
/// `agent` itself does not wrap: an agent the scheme does not have is the caller's mistake,
/// which [`AttackCtx::compromise_agent`] reports as an error.
fn breached_agents(agent: usize, extra: usize, n: usize) -> Vec<usize> {
    let further = (1..=extra.min(n.saturating_sub(1))).map(|j| (agent + j) % n);
    std::iter::once(agent).chain(further).collect()
}

impl Attack for InsiderBreach {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }

    fn check(&self, scheme: &Scheme, params: &Params) -> Exposure {
        let vaults = (params.int("extra") as usize + 1).min(scheme.n());
        match scheme.custody.kind {
            CustodyKind::None => Exposure::no("no escrow key exists"),
            _ if vaults >= scheme.k() => Exposure::yes(format!(
                "{vaults} breached vault(s) hold the {} share(s) needed to rebuild the key",
                scheme.k()
            )),
            _ => Exposure::no(format!(
                "threshold custody: {vaults} vault(s) of the {} needed",
                scheme.k()
            )),
        }
    }

    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        let mut out = Outcome::default();
        // Under a scheme with no escrow the mechanism reports `no-escrow` and there is
        // nothing to breach.
        if !ctx.require_escrow() {
            return Ok(out);
        }
        let n = ctx.info().n;
        // See the timeline in `escrowlab::attack::context`: after `advance_to(e)` a vault
        // holds the retained keys of epochs before `e`, never epoch `e`'s own key.
        ctx.advance_to(params.int("at_epoch") as u32)?;
        let agents = breached_agents(
            params.int("agent") as usize,
            params.int("extra") as usize,
            n,
        );
        let mut loot = Vec::with_capacity(agents.len());
        for &i in &agents {
            // An unknown agent is a misuse error, and so the cell's error.
            loot.push(ctx.compromise_agent(i)?);
        }
        // The keys are stolen; the traffic they open keeps arriving until the end.
        ctx.advance_to_end()?;
        let backend = ctx.backend();
        // The context rebuilds each key and checks it against the published master key;
        // when the shares do not suffice, the mechanism reports why (`threshold-custody`, ...).
        let masters = ctx.rebuild_masters(&loot);
        out.figure("vaults_breached", loot.len() as f64);
        out.figure("keys_recovered", masters.len() as f64);
        let transcript = ctx.intercept().clone();
        out.recovered = read_with_masters(backend, &transcript, &masters);
        out.note(format!(
            "breached agents {agents:?} at epoch {}; rebuilt {} key(s)",
            params.int("at_epoch"),
            masters.len()
        ));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::breached_agents;

    #[test]
    fn breached_agents_wrap_and_never_repeat() {
        assert_eq!(breached_agents(0, 0, 5), vec![0]);
        assert_eq!(breached_agents(3, 3, 5), vec![3, 4, 0, 1]);
        assert_eq!(breached_agents(1, 9, 5), vec![1, 2, 3, 4, 0]);
        assert_eq!(breached_agents(0, 2, 1), vec![0]);
        assert_eq!(breached_agents(3, 0, 1), vec![3]);
    }
}
