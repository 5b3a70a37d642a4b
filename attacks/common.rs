//! Shared work that several attacks do: open escrow fields with rebuilt master secrets,
//! list who talks.

use escrowlab_core::prelude::*;

/// Opens every session whose field is encrypted to one of `masters`: decrypt the field,
/// unwrap the session key, derive message keys, open messages.
pub fn read_with_masters(
    backend: &dyn Backend,
    transcript: &Transcript,
    masters: &[MasterSecret],
) -> Recovered {
    let by_epoch: BTreeMap<u32, &Scalar> = masters
        .iter()
        .map(|m| (m.key_epoch(), m.secret()))
        .collect();
    let mut out = Recovered::default();
    out.reserve_exact(transcript.envelopes.len());
    open_sessions_with_masters(backend, &transcript.sessions, &by_epoch, &mut out, |rec| {
        transcript.envelopes.range(rec.messages.clone())
    });
    out
}

/// The thief's bulk decryption, on every core: for each session whose field is encrypted
/// to a master in `by_epoch` (key epoch → master scalar), decrypt the field (no pairing
/// check and, on blsttc, no square root for U: the AEAD tag of the wrapped key confirms
/// the result, and picks between the two candidates the backend may offer), unwrap the
/// session key, walk the ratchet and open the messages `envelopes_of` gives for it. Claims are
/// appended to `out` in session order, a chunk of sessions at a time (so only a chunk's
/// claims are held twice). `read_with_masters` runs it on a transcript; a bench runs it
/// on ciphertexts already in memory.
pub fn open_sessions_with_masters<E, I, F>(
    backend: &dyn Backend,
    sessions: &[SessionRecord],
    by_epoch: &BTreeMap<u32, &Scalar>,
    out: &mut Recovered,
    envelopes_of: F,
) where
    E: std::borrow::Borrow<Envelope>,
    I: Iterator<Item = E>,
    F: Fn(&SessionRecord) -> I + Sync,
{
    use rayon::prelude::*;
    if by_epoch.is_empty() {
        return;
    }
    // Opens one session, appending its claims to `opened`.
    // Under a chain-per-speaker protocol a session has a field per chain, each opening
    // its own chain's messages: the keys are unwrapped first and the session's envelopes
    // sealed again once for all of them.
    let open_session = |rec: &SessionRecord, opened: &mut Recovered| {
        let mut keys = Vec::new();
        for bytes in rec.fields() {
            let Ok(field) = EscrowField::decode(bytes) else {
                continue;
            };
            let Some(master) = by_epoch.get(&field.key_epoch) else {
                continue;
            };
            let mut sk = None;
            let _ = backend.decrypt_with_scalar_confirmed(master, &field.te_ct, &mut |w| {
                sk = unwrap_session_key(w, &rec.header, &field);
                sk.is_some()
            });
            keys.extend(sk);
        }
        if keys.is_empty() {
            return;
        }
        let envelopes = envelopes_of(rec);
        opened.reserve(envelopes.size_hint().0);
        if rec.keying == Keying::HashRatchet {
            // One field, one key.
            open_envelopes(&keys[0], envelopes, |id, plaintext| {
                opened.push(id, plaintext)
            });
        } else {
            // A key per chain, or one seed per session (the escrowed-seed design).
            let envelopes: Vec<Envelope> = envelopes.map(|e| e.borrow().clone()).collect();
            for sk in &keys {
                open_with_key(rec, sk, &envelopes, |id, plaintext| {
                    opened.push(id, plaintext)
                });
            }
        }
    };
    // Each task opens a run of consecutive sessions into one `Recovered` (one allocation
    // per run, not per session, and in session order).
    for chunk in sessions.chunks(4096) {
        let opened: Vec<Recovered> = chunk
            .par_chunks(16)
            .map(|run| {
                let mut opened = Recovered::default();
                for rec in run {
                    open_session(rec, &mut opened);
                }
                opened
            })
            .collect();
        for mut r in opened {
            out.append(&mut r);
        }
    }
}

/// The items of a request for `sessions`, in request order, as the request builder makes
/// them: `(session, field)` for every escrow field of each session that has one (one
/// under the hash ratchet, one per chain under a chain protocol). Item `i` of every
/// agent's answer is the share of the `i`th of them.
pub fn request_items(transcript: &Transcript, sessions: &[u32]) -> Vec<(u32, EscrowField)> {
    sessions
        .iter()
        .flat_map(|&s| transcript.fields(s).into_iter().map(move |f| (s, f)))
        .collect()
}

/// Every user seen sending a session in the transcript, sorted (what an interceptor learns
/// about who talks).
pub fn senders(transcript: &Transcript) -> Vec<u32> {
    let s: BTreeSet<u32> = transcript
        .sessions
        .iter()
        .map(|r| r.header.sender)
        .collect();
    s.into_iter().collect()
}

/// A vault breach at the start of epoch `at_epoch` that finds nothing, when the scheme says
/// so: under `lifetime = "epoch"` a breach at the start of epoch 0 comes before the first
/// epoch key is created (the mechanism reports `key-not-created`).
pub fn breach_before_any_key(scheme: &Scheme, at_epoch: i64) -> Option<Exposure> {
    (scheme.custody.lifetime == Lifetime::Epoch && at_epoch == 0).then(|| {
        Exposure::no(
            "breached at the start of epoch 0, before the first epoch key exists \
             (epoch keys are created at each epoch's start)",
        )
    })
}

/// Opens the sessions whose keys the attacker holds: `(session, key)` pairs, each read
/// from the transcript (the AEAD of every message confirms the key).
pub fn read_with_keys(
    transcript: &Transcript,
    keys: impl IntoIterator<Item = (u32, Key32)>,
) -> Recovered {
    let mut out = Recovered::default();
    for (session, key) in keys {
        for (id, plaintext) in read_session(transcript, session, &key) {
            out.push(id, &plaintext);
        }
    }
    out
}

/// Says the attack is aimed at another family: `Exposure::no` naming both.
pub fn other_family(scheme: &Scheme, family: &str) -> Option<Exposure> {
    (scheme.family() != family).then(|| {
        Exposure::no(format!(
            "aimed at the {family} mechanism; this scheme is {}",
            scheme.family()
        ))
    })
}

/// A parameter of the scheme's mechanism family, if the scheme sets it.
pub fn mech_param<'a>(scheme: &'a Scheme, name: &str) -> Option<&'a ParamValue> {
    scheme.mechanism.as_ref()?.params.get(name)
}

/// The HSM family's passcode model: the passcode kind (`digits4` by default) and how users
/// choose them (`human` by default), as the scheme sets them.
pub fn pin_model(scheme: &Scheme) -> (String, String) {
    let word = |name: &str, default: &str| match mech_param(scheme, name) {
        Some(ParamValue::Str(k)) => k.clone(),
        _ => default.to_string(),
    };
    (word("passcode", "digits4"), word("pins", "human"))
}

/// A made-up session of a rogue sender's own, for forging its escrow field: header
/// `u32::MAX - trial` in a conversation no one else has, a fresh session key, and a field
/// whose ciphertexts are random bytes (its check and signature left to the forger). The
/// draws come from `rng` in a fixed order: session key, then the two ciphertexts.
pub fn own_forged_session(
    rng: &mut impl Rng,
    trial: u32,
    epoch: u32,
    key_epoch: u32,
    sender: u32,
    members: &[u32],
) -> (SessionHeader, Key32, EscrowField) {
    let header = SessionHeader {
        session: u32::MAX - trial,
        conv: u32::MAX,
        epoch,
        sender,
        members: members.to_vec(),
    };
    let session_key = Key32(rng.gen());
    let mut te_ct = vec![0u8; 256];
    rng.fill(&mut te_ct[..]);
    let mut wrapped = vec![0u8; 48];
    rng.fill(&mut wrapped[..]);
    let field = EscrowField {
        key_epoch,
        te_ct,
        wrapped,
        check: Vec::new(),
        sig: Vec::new(),
    };
    (header, session_key, field)
}

/// The guesses an attack of one try per trial makes (its `trials` parameter, at least one),
/// or none where no escrow key exists.
pub fn one_try_per_trial(scheme: &Scheme, params: &Params) -> u64 {
    if scheme.custody.kind == CustodyKind::None {
        return 0;
    }
    params.int("trials").max(1) as u64
}

/// The epoch of the newest escrow public key the clients hold (0 when there is none yet):
/// the key a field forged now is made under.
pub fn newest_key_epoch(ctx: &AttackCtx) -> u32 {
    ctx.escrow_public_keys()
        .keys()
        .next_back()
        .copied()
        .unwrap_or(0)
}
