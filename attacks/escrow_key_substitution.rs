//! `escrow-key-substitution`: whoever controls client configuration or updates swaps the
//! escrow public key clients encrypt to for one of its own.

use escrowlab_core::prelude::*;

/// Substitution of the escrow public key through the client update channel.
pub struct EscrowKeySubstitution;

static META: AttackMeta = AttackMeta {
    id: "escrow-key-substitution",
    title: "Escrow key substitution",
    actor: "whoever controls client configuration or updates",
    capabilities: &[
        Capability::ControlClient,
        Capability::Intercept,
        Capability::ObtainWarrant,
        Capability::SubmitRequest,
    ],
    description:
        "Generates a key set of its own and pushes its public key to every client through \
        the update channel at epoch `at_epoch`. From then on clients escrow session keys to the \
        attacker instead of the agents (each field still names the genuine key epoch); a pin \
        shipped in the client's own code is rewritten by the same update. The \
        attacker decrypts every field in the intercepted transcript with its own secret, unwraps \
        the session keys and reads the sessions. Law enforcement notices nothing until a warrant \
        is served: the agents release shares, but they do not open the substituted fields. The \
        attack measures that silent failure on a lawful case for `targets` users. Only a \
        control outside the update channel catches the push: binary transparency, whose rebuilders find the update does not reproduce from source when \
        they look, and clients roll it back.",
    references: &[
        "Abelson et al., Keys Under Doormats, 2015",
        "Melara et al., CONIKS: Bringing Key Transparency to End Users, 2015",
        "Checkoway et al., A Systematic Analysis of the Juniper Dual EC Incident, CCS 2016",
    ],
    params: &[
        ParamSpec {
            name: "at_epoch",
            kind: ParamKind::Bounded {
                min: 0,
                max: 1000,
                bound: Bound::Epoch,
            },
            default: DefaultValue::Int(1),
            doc: "epoch from which clients use the pushed key",
        },
        ParamSpec {
            name: "targets",
            kind: ParamKind::Bounded {
                min: 1,
                max: 1000,
                bound: Bound::Users,
            },
            default: DefaultValue::Int(2),
            doc: "users law enforcement serves a warrant on",
        },
    ],
};

impl Attack for EscrowKeySubstitution {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec, Scale};
        ClassSpec::new(
            AttackerClass::Provider,
            &[(
                "at_epoch",
                Scale::Fixed(
                    0,
                    "from the first epoch: a later start reads a subset of what this one reads",
                ),
            )],
        )
    }
    fn check(&self, scheme: &Scheme, _params: &Params) -> Exposure {
        if scheme.custody.kind == CustodyKind::None {
            Exposure::no("no escrow key: clients encrypt to no one")
        } else if scheme.client.binary_transparency && scheme.client.bt_monitor_pct >= 100 {
            Exposure::no("every update is rebuilt from source in the epoch it ships (binary transparency): the pushed key is caught and rolled back before use")
        } else if scheme.client.binary_transparency {
            Exposure::yes("clients take the pushed update (an in-band pin is rewritten with the key) until a rebuilder catches it in the binary transparency log")
        } else {
            Exposure::yes("clients take the escrow key from their configuration, which the update channel writes")
        }
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        let mut out = Outcome::default();
        let info = ctx.info();
        if !ctx.require_escrow() {
            out.note("not applicable: plain end-to-end encryption has no escrow key to substitute");
            return Ok(out);
        }
        let at_epoch = (params.int("at_epoch") as u32).min(info.epochs);
        let mut rng = ctx.rng("key");
        let km = ctx.backend().dealer_keygen(1, 1, rng.gen())?;
        let master = km
            .dealer_master
            .clone()
            .or_else(|| km.shares.first().cloned())
            .ok_or_else(|| Error::misuse("key generation returned no secret"))?;
        ctx.advance_to(at_epoch)?;
        ctx.push_escrow_key(km.public.clone());
        if info.scheme.client.pin_escrow_key {
            out.note(
                "the update that pushed the key also rewrote the clients' in-band escrow-key pin",
            );
        }
        // All traffic, before the final key boundary.
        ctx.advance_to(info.epochs)?;
        let b = ctx.backend();
        let transcript = ctx.intercept().clone();
        // Every field since the push is tried with the attacker's own key, on every core:
        // its own key needs no pairing check (the AEAD tag of the wrapped session key
        // confirms a field that was encrypted to it and rejects one that was not).
        let tried: Vec<(&SessionRecord, EscrowField)> = transcript
            .sessions
            .iter()
            .filter(|r| r.header.epoch >= at_epoch)
            .flat_map(|r| {
                // One field per session, or one per chain under a chain protocol.
                transcript
                    .fields(r.header.session)
                    .into_iter()
                    .map(move |f| (r, f))
            })
            .collect();
        let fields = tried.len();
        let keys: Vec<Option<Key32>> = {
            use rayon::prelude::*;
            tried
                .par_iter()
                .map(|(rec, field)| {
                    let mut sk = None;
                    let _ = b.decrypt_with_scalar_confirmed(&master, &field.te_ct, &mut |w| {
                        sk = unwrap_session_key(w, &rec.header, field);
                        sk.is_some()
                    });
                    sk
                })
                .collect()
        };
        let mut opened = 0usize;
        for ((rec, _), sk) in tried.iter().zip(keys) {
            let Some(sk) = sk else {
                continue;
            };
            opened += 1;
            out.recovered
                .extend(read_session(&transcript, rec.header.session, &sk));
        }
        out.figure("fields_tried", fields as f64);
        out.figure("fields_opened", opened as f64);
        if fields > 0 && opened == 0 {
            if info.scheme.client.binary_transparency {
                out.notes.push(
                    "clients rolled the update back before it was used; no field is encrypted to the attacker"
                        .into(),
                );
            } else {
                out.notes
                    .push("no field opened with the attacker's key".into());
            }
        }
        // Law enforcement serves a warrant on users active since the push, over the epochs
        // whose genuine keys are still live, and counts the sessions it cannot open.
        let mut senders: Vec<u32> = transcript
            .sessions
            .iter()
            .filter(|r| r.header.epoch >= at_epoch)
            .map(|r| r.header.sender)
            .collect::<BTreeSet<u32>>()
            .into_iter()
            .collect();
        senders.shuffle(&mut rng);
        let targets: Vec<u32> = senders
            .into_iter()
            .take(params.int("targets") as usize)
            .collect();
        let live_from = ctx.escrow_public_keys().keys().next().copied().unwrap_or(0);
        let from = if info.scheme.custody.lifetime == Lifetime::Epoch {
            live_from.max(at_epoch)
        } else {
            at_epoch
        };
        let to = info.epochs.saturating_sub(1);
        if !targets.is_empty() && from <= to {
            let case = ctx.lawful_case_answers("escrow-key-substitution", targets, [from, to])?;
            let read = ctx.combine_and_read(case.sessions(), case.responses());
            if !case.sessions().is_empty() {
                out.figure("lawful_sessions", case.sessions().len() as f64);
                out.figure(
                    "lawful_fail_fraction",
                    read.failed_sessions.len() as f64 / case.sessions().len() as f64,
                );
            }
            let refused = case
                .responses()
                .iter()
                .flat_map(|r| r.items().iter())
                .filter(|i| i.is_err())
                .count();
            out.notes.push(format!(
                "lawful case over epochs {from}..={to}: {} of {} failed to open, {} refused by agents",
                read.failed_sessions.len(),
                escrowlab_core::text::count(case.sessions().len(), "session", "sessions"),
                escrowlab_core::text::count(refused, "item", "items")
            ));
        }
        Ok(out)
    }
}
