//! `mobile-adversary`: a persistent attacker breaches one agent per epoch and accumulates
//! shares, against proactive refresh and epoch keys.

use crate::common::read_with_masters;
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
        kind: ParamKind::Bounded {
            min: -1,
            max: 1000,
            bound: Bound::Epochs,
        },
        default: DefaultValue::Int(-1),
        doc: "number of epochs with one breach each, from epoch 0 (-1: every epoch of the run)",
    }],
};

/// One stolen share with the public key set published when it was taken.
impl Attack for MobileAdversary {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec};
        ClassSpec::new(AttackerClass::Outsider, &[])
    }
    fn check(&self, scheme: &Scheme, params: &Params) -> Exposure {
        let breaches = params.int("epochs");
        match scheme.custody.kind {
            CustodyKind::None => Exposure::no("no escrow key exists"),
            // -1 breaches every epoch of the run, which `check` does not know.
            _ if (0..scheme.k() as i64).contains(&breaches) => Exposure::no(format!(
                "{} of one agent each, {} needed",
                escrowlab_core::text::count(breaches, "breach", "breaches"),
                scheme.k()
            )),
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
        let mut out = Outcome::default();
        if !ctx.require_escrow() {
            return Ok(out);
        }
        let info = ctx.info();
        let epochs = match params.int("epochs") {
            -1 => info.epochs,
            e => (e as u32).min(info.epochs),
        };
        let mut loot: Vec<VaultLoot> = Vec::new();
        let mut masters: BTreeMap<u32, MasterSecret> = BTreeMap::new();
        let mut epochs_to_key: i64 = -1;
        let mut attempts = 0u64;
        let mut collected = 0usize;
        for e in 0..epochs {
            ctx.advance_to(e)?;
            let agent = e as usize % info.n;
            let vault = ctx.compromise_agent(agent)?;
            collected += vault.key_epochs().len();
            loot.push(vault);
            // The attacker tries a key once it holds k agents' shares of one sharing
            // generation (generations are public: refreshed commitments are published).
            let key_epochs: BTreeSet<u32> = loot.iter().flat_map(|l| l.key_epochs()).collect();
            for ke in key_epochs {
                if masters.contains_key(&ke) || most_of_one_generation(&loot, ke) < info.k {
                    continue;
                }
                attempts += 1;
                if let Some(m) = ctx.rebuild_master(ke, &loot) {
                    masters.insert(ke, m);
                    if epochs_to_key < 0 {
                        epochs_to_key = e as i64;
                    }
                }
            }
        }
        ctx.advance_to_end()?;
        if masters.is_empty() && !loot.is_empty() {
            // One last try with everything taken: the mechanism says why it fails.
            attempts += 1;
            for m in ctx.rebuild_masters(&loot) {
                masters.insert(m.key_epoch(), m);
            }
        }
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
        let key_epochs: BTreeSet<u32> = loot.iter().flat_map(|l| l.key_epochs()).collect();
        let most_per_key = key_epochs
            .iter()
            .map(|ke| {
                loot.iter()
                    .filter(|l| l.share(*ke).is_some())
                    .map(|l| l.agent())
                    .collect::<BTreeSet<_>>()
                    .len()
            })
            .max()
            .unwrap_or(0);
        let most_per_generation = key_epochs
            .iter()
            .map(|ke| most_of_one_generation(&loot, *ke))
            .max()
            .unwrap_or(0);
        out.figure("most_agents_per_key", most_per_key as f64);
        out.figure("most_shares_per_generation", most_per_generation as f64);
        if let Some(e) = (epochs_to_key >= 0).then_some(epochs_to_key) {
            out.note(format!(
                "rebuilt {}, the first after the breach at the start of epoch {e}",
                escrowlab_core::text::count(masters.len(), "master key", "master keys")
            ));
        } else {
            out.note(format!(
                "{}: at most {most_per_key} agents' shares of one key, at most \
                 {most_per_generation} of one sharing generation; no key rebuilt \
                 (epochs_to_key and breaches_to_key are -1)",
                escrowlab_core::text::count(loot.len(), "breach", "breaches")
            ));
        }
        let masters: Vec<MasterSecret> = masters.into_values().collect();
        let b = ctx.backend();
        out.recovered = read_with_masters(b, ctx.intercept(), &masters);
        Ok(out)
    }
}

/// The most distinct agents whose shares of key `ke` in `loot` share one generation.
fn most_of_one_generation(loot: &[VaultLoot], ke: u32) -> usize {
    let mut by_gen: BTreeMap<u32, BTreeSet<usize>> = BTreeMap::new();
    for l in loot {
        if let Some(g) = l.generation(ke) {
            by_gen.entry(g).or_default().insert(l.agent());
        }
    }
    by_gen.values().map(|a| a.len()).max().unwrap_or(0)
}
