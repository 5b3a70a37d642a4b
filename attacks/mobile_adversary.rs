//! `mobile-adversary`: a persistent attacker breaches one agent per epoch and accumulates
//! shares, against proactive refresh and epoch keys.

use crate::common::{no_escrow, read_with_masters, rebuild_master};
use escrowlab_core::prelude::*;

/// Share accumulation across epochs by a mobile adversary.
pub struct MobileAdversary;

static META: AttackMeta = AttackMeta {
    id: "mobile-adversary",
    title: "Mobile adversary: share accumulation across epochs",
    actor: "persistent attacker who breaches one agent per epoch",
    capabilities: &[Capability::Intercept, Capability::CompromiseAgent],
    description: "At the start of each epoch e (for `epochs` epochs) breaches agent e mod n and \
        copies its vault, noting the escrow public key set published at that moment for every key \
        it finds (so each share is tagged with the sharing generation it belongs to). After each \
        breach it tries, for every key, to rebuild the master secret by Lagrange interpolation of \
        the shares collected so far, once per generation and once naively over all of them, \
        keeping a result only if it matches the published master public key. Without refresh a \
        static key falls after k breaches; proactive refresh puts each breach's share on a new \
        polynomial, so shares from different generations never combine, and epoch keys with short \
        retention leave too few breaches per key. Whatever master it rebuilds opens every field \
        escrowed to it.",
    references: &[
        "Herzberg, Jarecki, Krawczyk & Yung, Proactive Secret Sharing, CRYPTO 1995",
        "Ostrovsky & Yung, How to Withstand Mobile Virus Attacks, PODC 1991",
    ],
    params: &[ParamSpec {
        name: "epochs",
        kind: ParamKind::Int { min: -1, max: 1000 },
        default: DefaultValue::Int(-1),
        doc: "number of epochs with one breach each, from epoch 0 (-1: every epoch of the run)",
    }],
};

/// One stolen share with the public key set published when it was taken.
struct Loot {
    agent: usize,
    share: Scalar,
    public: Vec<u8>,
}

impl Attack for MobileAdversary {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn check(&self, scheme: &Scheme, _params: &Params) -> Exposure {
        match scheme.custody.kind {
            CustodyKind::None => Exposure::no("no escrow key exists"),
            _ if scheme.custody.refresh => Exposure::no(
                "proactive refresh: shares taken in different epochs lie on different polynomials",
            ),
            _ if scheme.custody.lifetime == Lifetime::Epoch
                && scheme.custody.retention + 1 < scheme.k() as u32 =>
            {
                Exposure::no("epoch keys live fewer epochs than k breaches take")
            }
            _ => Exposure::yes(format!(
                "long-lived shares: {} breaches, one per epoch, rebuild the key",
                scheme.k()
            )),
        }
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        if let Some(out) = no_escrow(ctx) {
            return Ok(out);
        }
        let mut out = Outcome::default();
        let info = ctx.info();
        let epochs = match params.int("epochs") {
            -1 => info.epochs,
            e => (e as u32).min(info.epochs),
        };
        let b = ctx.backend();
        let mut loot: BTreeMap<u32, Vec<Loot>> = BTreeMap::new();
        let mut masters: BTreeMap<u32, Scalar> = BTreeMap::new();
        let mut epochs_to_key: i64 = -1;
        let mut attempts = 0u64;
        let mut collected = 0usize;
        for e in 0..epochs {
            ctx.advance_to(e)?;
            let agent = e as usize % info.n;
            let vault = ctx.compromise_agent(agent)?;
            let publics = ctx.escrow_public_keys();
            for (ke, share) in vault {
                let public = publics.get(&ke).cloned().unwrap_or_default();
                collected += 1;
                let shares = loot.entry(ke).or_default();
                // A re-breached agent's share of the same generation adds nothing.
                if !shares
                    .iter()
                    .any(|l| l.agent == agent && l.public == public)
                {
                    shares.push(Loot {
                        agent,
                        share,
                        public,
                    });
                }
            }
            let master_pks = ctx.escrow_master_keys();
            for (ke, shares) in &loot {
                if masters.contains_key(ke) {
                    continue;
                }
                let Some(mpk) = master_pks.get(ke) else {
                    continue;
                };
                // Per generation (shares taken under the same published commitment) ...
                let mut generations: BTreeMap<&[u8], Vec<(usize, Scalar)>> = BTreeMap::new();
                for l in shares {
                    generations
                        .entry(l.public.as_slice())
                        .or_default()
                        .push((l.agent, l.share.clone()));
                }
                let mut candidates: Vec<Vec<(usize, Scalar)>> = generations.into_values().collect();
                // ... and naively over all of them, newest share per agent.
                let mut all: BTreeMap<usize, Scalar> = BTreeMap::new();
                for l in shares {
                    all.insert(l.agent, l.share.clone());
                }
                candidates.push(all.into_iter().collect());
                for c in candidates.iter().filter(|c| !c.is_empty()) {
                    attempts += 1;
                    if let Some(m) = rebuild_master(b, c, mpk) {
                        masters.insert(*ke, m);
                        if epochs_to_key < 0 {
                            epochs_to_key = e as i64;
                        }
                        break;
                    }
                }
            }
        }
        ctx.advance_to_end()?;
        out.figure("epochs_to_key", epochs_to_key as f64);
        out.figure(
            "breaches_to_key",
            if epochs_to_key < 0 {
                -1.0
            } else {
                (epochs_to_key + 1) as f64
            },
        );
        out.figure("shares_collected", collected as f64);
        out.figure("keys_recovered", masters.len() as f64);
        out.figure("interpolation_attempts", attempts as f64);
        let most_per_key = loot
            .values()
            .map(|v| v.iter().map(|l| l.agent).collect::<BTreeSet<_>>().len())
            .max()
            .unwrap_or(0);
        let most_per_generation = loot
            .values()
            .flat_map(|v| {
                let mut g: BTreeMap<&[u8], usize> = BTreeMap::new();
                for l in v {
                    *g.entry(l.public.as_slice()).or_insert(0) += 1;
                }
                g.into_values()
            })
            .max()
            .unwrap_or(0);
        out.figure("most_agents_per_key", most_per_key as f64);
        out.figure("most_shares_per_generation", most_per_generation as f64);
        if masters.is_empty() {
            let scheme = &info.scheme;
            if most_per_key >= info.k && scheme.custody.refresh {
                out.blocked("proactive-refresh");
                out.notes.push(format!(
                    "{most_per_key} agents' shares of one key were taken, but at most {most_per_generation} from one \
                     sharing generation: refreshed shares do not interpolate together"
                ));
            } else if scheme.custody.lifetime == Lifetime::Epoch {
                out.blocked("epoch-keys");
                out.notes.push(format!(
                    "each key lived too briefly: at most {most_per_key} of the {} breaches needed touched one key",
                    info.k
                ));
            } else {
                out.blocked("threshold-custody");
                out.notes
                    .push(format!("{epochs} breach(es), {} needed", info.k));
            }
        } else {
            out.notes.push(format!(
                "rebuilt {} master key(s), the first after the breach at the start of epoch {epochs_to_key}",
                masters.len()
            ));
        }
        let transcript = ctx.intercept().clone();
        out.recovered = read_with_masters(b, &transcript, &masters);
        Ok(out)
    }
}
