//! `dealer`: whoever runs the key ceremony keeps the master secret, or hands out
//! inconsistent shares.

use crate::common::read_with_masters;
use escrowlab_core::prelude::*;

/// Compromised dealer at key generation.
pub struct Dealer;

static META: AttackMeta = AttackMeta {
    id: "dealer",
    title: "Compromised dealer at key generation",
    actor: "whoever runs the key ceremony",
    capabilities: &[Capability::Intercept, Capability::ControlDealer, Capability::ObtainWarrant, Capability::SubmitRequest],
    description: "Controls the dealer from the first key ceremony on. In mode `keep` the dealer \
        keeps its copy of every master secret it generates (a trusted dealer computes it to deal \
        the shares); at the end of the run the attacker checks each copy against the published \
        master key and opens every escrow field in the transcript with it: past, present and \
        destroyed keys, silently. In mode `inconsistent` the dealer hands agent `victim` a share \
        off another polynomial, which does not match the published commitment; agents check their \
        shares against the commitment at key creation, so this is detected, and the attack \
        measures the fraction of k-subsets of agents for which a lawful case then fails. A \
        dealer-free key generation (DKG) never computes the master secret and has no dealer to \
        control.",
    references: &[
        "Pedersen, A Threshold Cryptosystem without a Trusted Party, EUROCRYPT 1991",
        "Feldman, A Practical Scheme for Non-interactive Verifiable Secret Sharing, FOCS 1987",
        "Gennaro, Jarecki, Krawczyk & Rabin, Secure Distributed Key Generation for Discrete-Log Based Cryptosystems, 1999",
    ],
    params: &[
        ParamSpec {
            name: "mode",
            kind: ParamKind::Choice(&["keep", "inconsistent"]),
            default: DefaultValue::Str("keep"),
            doc: "keep: the dealer keeps the master secrets; inconsistent: it deals agent `victim` a bad share",
        },
        ParamSpec {
            name: "victim",
            kind: ParamKind::Bounded {
            min: 0,
            max: 63,
            bound: Bound::Agent,
        },
            default: DefaultValue::Int(0),
            doc: "agent handed the inconsistent share (mode inconsistent)",
        },
    ],
};

/// Every `k`-subset of `0..n`, in lexicographic order.
fn subsets(n: usize, k: usize) -> Vec<Vec<usize>> {
    fn go(start: usize, n: usize, k: usize, cur: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if cur.len() == k {
            out.push(cur.clone());
            return;
        }
        for i in start..n {
            cur.push(i);
            go(i + 1, n, k, cur, out);
            cur.pop();
        }
    }
    let mut out = Vec::new();
    if k <= n {
        go(0, n, k, &mut Vec::new(), &mut out);
    }
    out
}

impl Attack for Dealer {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec, Scale};
        ClassSpec::new(AttackerClass::Provider, &[("victim", Scale::Fixed(0, "agents are interchangeable: the agent dealt an inconsistent share may be any one"))])
    }
    fn check(&self, scheme: &Scheme, _params: &Params) -> Exposure {
        match (scheme.custody.kind, scheme.custody.keygen) {
            (CustodyKind::None, _) => Exposure::no("no escrow key exists"),
            (CustodyKind::Threshold, Keygen::Dkg) => {
                Exposure::no("dealer-free key generation: no one computes the master secret")
            }
            (CustodyKind::Single, _) => Exposure::yes(
                "the agency generates its one key: the generator holds the master secret",
            ),
            (CustodyKind::Threshold, Keygen::Dealer) => {
                Exposure::yes("a trusted dealer computes the master secret to deal the shares")
            }
        }
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        if !ctx.require_escrow() {
            return Ok(Outcome::default());
        }
        let mut out = Outcome::default();
        let info = ctx.info();
        let dkg = info.scheme.custody.kind == CustodyKind::Threshold
            && info.scheme.custody.keygen == Keygen::Dkg;
        if params.word("mode") == "inconsistent" {
            return self.inconsistent(ctx, params, out, dkg);
        }
        ctx.control_dealer()?;
        ctx.advance_to_end()?;
        let b = ctx.backend();
        let master_pks = ctx.escrow_master_keys();
        let copies = ctx.dealer_copies();
        let mut masters = Vec::new();
        for m in copies {
            // The dealer's copy is only worth something if it is the published key's secret.
            if master_pks.get(&m.key_epoch()).is_some_and(|pk| {
                b.public_key_of_scalar(m.secret()).ok().as_deref() == Some(pk.as_slice())
            }) {
                masters.push(m);
            }
        }
        out.figure("keys_generated", master_pks.len() as f64);
        out.figure("keys_kept", masters.len() as f64);
        if masters.is_empty() {
            out.notes.push(
                "the key ceremony left no master secret anywhere: a DKG never computes it".into(),
            );
        } else {
            out.notes.push(format!(
                "the dealer kept {} of {} {}, including keys later destroyed by the agents",
                masters.len(),
                master_pks.len(),
                escrowlab_core::text::plural(master_pks.len(), "master secret", "master secrets")
            ));
        }
        out.recovered = read_with_masters(b, ctx.intercept(), &masters);
        Ok(out)
    }
}

impl Dealer {
    /// Mode `inconsistent`: deal a bad share, then measure which k-subsets of agents can
    /// still serve a lawful case.
    fn inconsistent(
        &self,
        ctx: &mut AttackCtx,
        params: &Params,
        mut out: Outcome,
        dkg: bool,
    ) -> Result<Outcome> {
        let info = ctx.info();
        let victim = (params.int("victim") as usize).min(info.n - 1);
        ctx.control_dealer_inconsistent(victim)?;
        ctx.advance_to_end()?;
        // A lawful case over the last epoch, for the first seeded user who had traffic then.
        let last = info.epochs.saturating_sub(1);
        let mut rng = ctx.rng("target");
        let mut case = None;
        for attempt in 0..32 {
            let target = rng.gen_range(0..info.users);
            let c = ctx.lawful_case_answers(
                &format!("dealer-probe-{attempt}"),
                vec![target],
                [last, last],
            )?;
            if !c.sessions().is_empty() {
                case = Some(c);
                break;
            }
        }
        let Some(case) = case else {
            out.notes
                .push("no seeded target had traffic in the last epoch".into());
            return Ok(out);
        };
        let combos = subsets(info.n, info.k);
        let mut failing = 0usize;
        let mut named = BTreeSet::new();
        for s in &combos {
            let answers: Vec<ShareResponse> = case
                .responses()
                .iter()
                .filter(|r| s.contains(&r.agent()))
                .cloned()
                .collect();
            let read = ctx.combine_and_read(case.sessions(), &answers);
            if !read.failed_sessions.is_empty() {
                failing += 1;
            }
            named.extend(read.rejected_agents);
        }
        let all = ctx.combine_and_read(case.sessions(), case.responses());
        named.extend(all.rejected_agents.iter().copied());
        let fraction = if combos.is_empty() {
            0.0
        } else {
            failing as f64 / combos.len() as f64
        };
        out.figure("subsets", combos.len() as f64);
        out.figure("failing_subsets", failing as f64);
        out.figure("failing_subsets_fraction", fraction);
        out.figure(
            "lawful_success_all_agents",
            1.0 - all.failed_sessions.len() as f64 / case.sessions().len() as f64,
        );
        out.figure(
            "victim_named_by_combiner",
            if named.contains(&victim) { 1.0 } else { 0.0 },
        );
        if dkg {
            out.notes.push("no dealer: every participant's row is checked against its commitment inside the DKG".into());
        } else {
            out.notes.push(format!(
                "agent {victim} holds a share off the commitment: {failing} of {} {}-subsets of agents cannot serve a \
                 lawful case; the attacker itself reads nothing",
                combos.len(),
                info.k
            ));
        }
        Ok(out)
    }
}
