//! `dealer`: whoever runs the key ceremony keeps the master secret, or hands out
//! inconsistent shares.

use crate::common::{mech_param, read_with_keys, read_with_masters};
use escrowlab_core::mechanism::hsm_guess_limit::{
    guess_at, passcode_space, unlock, HsmDeployment, HsmRequest, HsmResponse,
};
use escrowlab_core::mechanism::public_ledger::{LedgerDeployment, LedgerRequest, LedgerResponse};
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
        control. The public-ledger and HSM families use a trusted dealer too, and the attack runs \
        through their own key ceremonies (mode `keep`): under the ledger, the dealer's copy of \
        the agents' master secret opens every escrow field with no agent asked and no record \
        on the ledger; under the HSM guess limit, the copy of the cluster key unlocks every \
        escrow record as clients upload it (before any limit destroyed one), and every \
        user's passcode is then searched offline in the scheme's passcode \
        model order, one PBKDF2 a try, with no limit.",
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
        ClassSpec::new(
            AttackerClass::Provider,
            &[
                ("victim", Scale::Fixed(0, "agents are interchangeable: the agent dealt an inconsistent share may be any one")),
            ],
        )
    }
    fn max_guesses(&self, scheme: &Scheme, _params: &Params) -> u64 {
        if scheme.family() != "hsm-guess-limit" {
            return 0;
        }
        let kind = match mech_param(scheme, "passcode") {
            Some(ParamValue::Str(k)) => k.as_str(),
            _ => "digits4",
        };
        // One record's whole space: the search runs over every user's record, whose count
        // the scheme does not say, so this prices one record (as `hsm-brute-force` at its
        // default of one target) and under-counts by the number of users.
        passcode_space(kind)
    }
    fn check(&self, scheme: &Scheme, params: &Params) -> Exposure {
        let family = scheme.family();
        if family == "public-ledger" || family == "hsm-guess-limit" {
            if params.word("mode") == "inconsistent" {
                return Exposure::no(
                    "mode `inconsistent` is modelled for session escrow's agents only",
                );
            }
            return Exposure::yes(if family == "public-ledger" {
                "a trusted dealer computes the agents' master secret to deal the shares: its \
                 copy opens every field, with no record on the ledger"
            } else {
                "the key ceremony computes the cluster key to load it into the members: its \
                 copy unlocks every uploaded record for an offline search with no limit"
            });
        }
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
        let family = ctx.info().scheme.family().to_string();
        if family == "public-ledger" || family == "hsm-guess-limit" {
            let mut out = Outcome::default();
            if params.word("mode") == "inconsistent" {
                out.notes.push(
                    "mode `inconsistent` is modelled for session escrow's agents only".into(),
                );
                return Ok(out);
            }
            return if family == "public-ledger" {
                ledger(ctx, out)
            } else {
                hsm(ctx, out)
            };
        }
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

/// The public ledger's ceremony: the dealer's copy of the agents' master secret opens
/// every intercepted escrow field (the backend's ciphertext check, then the messages' AEAD).
fn ledger(ctx: &mut AttackCtx, mut out: Outcome) -> Result<Outcome> {
    ctx.advance_to_end()?;
    let LedgerResponse::DealerCopy(master) =
        ctx.request::<LedgerDeployment>(LedgerRequest::DealerCopy)?
    else {
        return Ok(out);
    };
    let LedgerResponse::Fields(_public, fields) =
        ctx.request::<LedgerDeployment>(LedgerRequest::Fields)?
    else {
        return Ok(out);
    };
    out.figure("keys_generated", 1.0);
    out.figure("keys_kept", f64::from(u8::from(master.is_some())));
    let Some(master) = master else {
        out.notes
            .push("the key ceremony left no master secret anywhere".into());
        return Ok(out);
    };
    let b = ctx.backend();
    use rayon::prelude::*;
    let keys: Vec<(u32, Key32)> = fields
        .par_iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let pt = b.decrypt_with_scalar(&master, f).ok()??;
            Some((i as u32, Key32(pt.try_into().ok()?)))
        })
        .collect();
    out.figure("sessions_opened", keys.len() as f64);
    out.notes.push(format!(
        "the dealer kept the agents' master secret: it opened {} of {} escrow fields with no \
         agent asked and no record on the ledger",
        keys.len(),
        fields.len()
    ));
    out.recovered = read_with_keys(ctx.intercept(), keys);
    Ok(out)
}

/// The HSM cluster's ceremony: the copy of the cluster key unlocks every uploaded record;
/// every user's passcode is then searched offline, with no limit.
fn hsm(ctx: &mut AttackCtx, mut out: Outcome) -> Result<Outcome> {
    ctx.advance_to_end()?;
    let scheme = ctx.info().scheme;
    let (kind, pins) = crate::common::pin_model(&scheme);
    let HsmResponse::DealerCopy(master, _public) =
        ctx.request::<HsmDeployment>(HsmRequest::DealerCopy)?
    else {
        return Ok(out);
    };
    let HsmResponse::Uploads(locked) = ctx.request::<HsmDeployment>(HsmRequest::Uploads)? else {
        return Ok(out);
    };
    out.figure("keys_kept", f64::from(u8::from(master.is_some())));
    let Some(master) = master else {
        out.notes
            .push("the key ceremony left no cluster key anywhere".into());
        return Ok(out);
    };
    let b = ctx.backend();
    let records: BTreeMap<u32, _> = locked
        .iter()
        .filter_map(|r| Some((r.user, unlock(b, &master, r)?)))
        .collect();
    let users: Vec<u32> = ctx.users_in_conversations().into_iter().collect();
    let space = passcode_space(&kind);
    let mut tries = 0u64;
    let mut keys = Vec::new();
    let mut opened = 0usize;
    for u in &users {
        let Some(rec) = records.get(u) else { continue };
        for i in 0..space {
            tries += 1;
            if let Some(h) = rec.try_passcode(&guess_at(&kind, &pins, i)) {
                keys.extend(rec.open_backup(&h));
                opened += 1;
                break;
            }
        }
    }
    ctx.count_tries(tries);
    out.figure("records_unlocked", records.len() as f64);
    out.figure("records_uploaded", locked.len() as f64);
    out.figure("records_opened", opened as f64);
    out.figure("offline_tries", tries as f64);
    out.notes.push(format!(
        "the ceremony's copy of the cluster key unlocked {} of {} uploaded records, none \
         counted by a member; {opened} of {} searched {} opened offline in {tries} tries",
        records.len(),
        locked.len(),
        users.len(),
        escrowlab_core::text::plural(users.len(), "passcode", "passcodes"),
    ));
    out.recovered = read_with_keys(ctx.intercept(), keys);
    Ok(out)
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
