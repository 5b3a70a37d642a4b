//! `leaf-replay`: a rogue sender reuses a valid escrow field (a LEAF) from an earlier
//! session of its own chip instead of searching for a forged one (the replay variant of
//! Blaze's attack on the Clipper LEAF, raised on the cypherpunks list in June 1994).

use escrowlab_core::prelude::*;

/// Clipper LEAF replay: an earlier session's valid field, no search.
pub struct LeafReplay;

static META: AttackMeta = AttackMeta {
    id: "leaf-replay",
    title: "Escrow field replay (Clipper LEAF)",
    actor: "rogue sender talking to an honest recipient",
    capabilities: &[
        Capability::ControlClient,
        Capability::Intercept,
        Capability::ObtainWarrant,
        Capability::SubmitRequest,
    ],
    description: "A user who wants its sessions accepted by honest recipients but unreadable by \
        law enforcement controls its own client. It takes the escrow field of one of its own \
        earlier (epoch 0) sessions, a field its honest client made and so a valid one, and for \
        each of `trials` new sessions of its own (a made-up header) attaches that field unchanged: \
        one try through its own chip, then the honest recipient's full check. With `key = fresh` \
        the new session has a fresh session key; with `key = reused` it reuses the earlier \
        session's key (the chip check binds the session key, so only a reused key can pass it \
        without search). Law enforcement then gets a warrant for the sender over epoch 0, asks \
        every agent for shares of the earlier session and combines them: the attack measures \
        whether the key the replayed field opens to is the key the new session's traffic uses. \
        What law enforcement reads is not the attacker's exposure, which is 0.",
    references: &[
        "Blaze, Protocol Failure in the Escrowed Encryption Standard, 1994",
        "cypherpunks list, June 1994: replaying a valid LEAF, and a 32- or 64-bit check proposed against it",
    ],
    params: &[
        ParamSpec { name: "trials", kind: ParamKind::Int { min: 1, max: 100_000 }, default: DefaultValue::Int(16), doc: "replayed sessions" },
        ParamSpec { name: "key", kind: ParamKind::Choice(&["fresh", "reused"]), default: DefaultValue::Str("fresh"), doc: "the replayed session's key: a fresh one, or the earlier session's" },
    ],
};

impl Attack for LeafReplay {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec, Scale};
        ClassSpec::new(
            AttackerClass::Provider,
            &[(
                "trials",
                Scale::Fixed(16, "sessions of its own the evading client replays into: it reads nothing of anyone else"),
            )],
        )
    }
    fn check(&self, scheme: &Scheme, _params: &Params) -> Exposure {
        if scheme.custody.kind == CustodyKind::None {
            return Exposure::no("no escrow: there is no field to replay");
        }
        match scheme.field.binding {
            Binding::None => Exposure::yes("no binding: any field passes"),
            Binding::Checksum => Exposure::yes(
                "the chip check binds the session key and the field, not the session: an earlier session's field passes with its key",
            ),
            Binding::Signed => Exposure::yes(
                "the sender's signature binds the field to its session: a replay must pass the recipient's signature check",
            ),
            Binding::Recompute => {
                Exposure::no("recipients recompute the field from the session key and header")
            }
        }
    }
    fn max_guesses(&self, scheme: &Scheme, params: &Params) -> u64 {
        crate::common::one_try_per_trial(scheme, params)
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        let mut out = Outcome::default();
        let info = ctx.info();
        if !ctx.require_escrow() {
            out.notes
                .push("plain end-to-end encryption: there is no escrow field to replay".into());
            return Ok(out);
        }
        // Epoch 0's traffic has happened: the sender has earlier sessions to replay from.
        ctx.advance_to(1)?;
        let reuse = params.word("key") == "reused";
        let trials = params.int("trials") as u32;
        let mut rng = ctx.rng("leaf-replay");
        let transcript = ctx.intercept().clone();
        // Epoch 0 sessions that carry a field, in session order; the sender is one of their
        // senders, drawn from the seed.
        let earlier: Vec<&SessionRecord> = transcript
            .sessions
            .iter()
            .filter(|r| r.header.epoch == 0 && transcript.field(r.header.session).is_some())
            .collect();
        let Some(source) = earlier.choose(&mut rng).copied() else {
            out.notes
                .push("no earlier session carries an escrow field: nothing to replay".into());
            return Ok(out);
        };
        let sender = source.header.sender;
        let Some(field) = transcript.field(source.header.session) else {
            return Ok(out);
        };
        let peer = (sender + 1 + rng.gen_range(0..info.users - 1)) % info.users;
        // The attacker's own client, for its own made-up sessions only.
        ctx.control_client_in(sender, RogueMode::Garbage, BTreeSet::new());
        let Some(earlier_key) = ctx.client_session_key(source.header.session) else {
            return Err(Error::misuse(
                "the sender's own earlier session key is not available",
            ));
        };
        let identity = ctx.client_identity(sender);
        let epoch = ctx.epoch();
        let mut members = vec![sender, peer];
        members.sort_unstable();
        let mut passed_chip = 0u64;
        let mut accepted = 0u64;
        let mut traffic_keys = Vec::with_capacity(trials as usize);
        let mut refusal: Option<String> = None;
        for t in 0..trials {
            let (header, fresh_key, _) = crate::common::own_forged_session(
                &mut rng,
                t,
                epoch,
                field.key_epoch,
                sender,
                &members,
            );
            let session_key = if reuse {
                earlier_key.clone()
            } else {
                fresh_key
            };
            let mut replayed = field.clone();
            // A rogue sender signs the replayed field over its new header, as an honest
            // client signs its own (the signature is the one part it can remake).
            if BindingRule::from_scheme(info.scheme.field.binding, info.scheme.field.checksum_bits)
                .agent_verifiable()
            {
                if let Some(id) = &identity {
                    replayed.sig = crate::field_forgery::sign_field(id, &header, &replayed);
                }
            }
            // One try: the field goes out as it is, no search.
            let chip = ctx.chip_oracle(&session_key, &replayed);
            passed_chip += u64::from(chip);
            match ctx.recipient_accepts(&header, &session_key, &replayed) {
                Ok(()) if chip => accepted += 1,
                Ok(()) => {}
                Err(Error::Refused { reason, .. }) => refusal = Some(reason),
                Err(e) => return Err(e),
            }
            traffic_keys.push(session_key);
        }
        // Law enforcement, holding a warrant for the sender over epoch 0, opens the field
        // where it was made: the key the replayed field yields.
        let e0 = source.header.epoch;
        let case = ctx.lawful_case_answers("leaf-replay", vec![sender], [e0, e0])?;
        let lawful_key = case
            .sessions()
            .iter()
            .position(|&s| s == source.header.session)
            .and_then(|idx| {
                let shares: Vec<(usize, Vec<u8>)> = case
                    .responses()
                    .iter()
                    .filter_map(|r| match r.items().get(idx) {
                        Some(Ok(s)) => Some((r.agent(), s.clone())),
                        _ => None,
                    })
                    .collect();
                ctx.combine_shares(&source.header, &field, &shares)
            });
        out.figure("trials", f64::from(trials));
        out.figure("tries_mean", 1.0);
        out.figure("chip_pass_fraction", passed_chip as f64 / f64::from(trials));
        out.figure("accepted_fraction", accepted as f64 / f64::from(trials));
        match &lawful_key {
            Some(k) => {
                let matches = traffic_keys.iter().filter(|t| *t == k).count();
                out.figure("lawful_key_recovered", 1.0);
                out.figure(
                    "lawful_key_is_traffic_key_fraction",
                    matches as f64 / f64::from(trials),
                );
                out.notes.push(format!(
                    "law enforcement opened the replayed field where it was made (session {}): the key it yields is the key of {matches} of {trials} replayed sessions' traffic",
                    source.header.session
                ));
            }
            None => {
                out.figure("lawful_key_recovered", 0.0);
                out.notes.push(
                    "law enforcement could not open the replayed field where it was made".into(),
                );
            }
        }
        out.notes.push(format!(
            "the field of session {} (epoch {e0}) replayed into {} with {} session key",
            source.header.session,
            escrowlab_core::text::count(trials, "new session", "new sessions"),
            if reuse { "the earlier" } else { "a fresh" }
        ));
        if let Some(reason) = refusal {
            out.notes
                .push(format!("recipient refused a replayed field: {reason}"));
        }
        out.notes.push(
            "exposure is 0 by design: the attack hides the sender's own traffic, it reads no one's"
                .into(),
        );
        Ok(out)
    }
}
