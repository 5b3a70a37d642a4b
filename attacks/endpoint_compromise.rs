//! `endpoint-compromise`: one user's device is compromised (the plain-E2E reference point).

use escrowlab_core::prelude::*;

/// Compromise of one user's device.
pub struct EndpointCompromise;

static META: AttackMeta = AttackMeta {
    id: "endpoint-compromise",
    title: "Compromise of one device",
    actor: "ordinary hacker with an implant on one phone",
    capabilities: &[Capability::Intercept, Capability::CompromiseDevice],
    description: "Implants the device of one user (chosen from the seed, or `user`) at the start of \
        epoch `at_epoch`. The implant holds the identity key and the prekeys from then on (earlier \
        prekeys were deleted, which is forward secrecy), opens every session-key delivery addressed \
        to that user, reads the session keys the device itself generates, and opens those sessions' \
        messages from the transcript. This is the worst single failure of plain end-to-end \
        encryption, the reference every escrow scheme is compared with. With `mode = snapshot` \
        the device's state is copied once instead, at the start of `at_epoch`: the identity key \
        and that epoch's prekey, but nothing the device makes afterwards (later prekeys, the \
        session keys it opens, its ratchet key pairs). Under the hash ratchet and sender keys \
        the copy reads each of that epoch's sessions addressed to the user to its end; under \
        the Double Ratchet (`protocol = \"double-ratchet\"`) only the first chain of a session \
        the user answers, up to its own first DH ratchet step: the ratchet heals. Figures \
        `read_share_epoch_E` give the share of the device's messages of each epoch from \
        `at_epoch` on that the copy reads, and `read_share_quarter_Q` (Q = 1..4) the share of \
        each quarter of its sessions of `at_epoch` (time after the copy: the ratchet heals \
        within a session). Where devices keep history (`[population] history_epochs = N`), \
        an implant and a snapshot also take the device's stored plaintexts of the N epochs \
        before `at_epoch` (figure `history_messages`).",
    references: &["Marlinspike & Perrin, The X3DH Key Agreement Protocol, 2016", "Cohn-Gordon et al., A Formal Security Analysis of the Signal Messaging Protocol, 2017", "Perrin & Marlinspike, The Double Ratchet Algorithm, 2016", "Cohn-Gordon, Cremers & Garratt, On Post-Compromise Security, 2016"],
    params: &[
        ParamSpec { name: "user", kind: ParamKind::Bounded { min: -1, max: escrowlab_core::config::limits::MAX_USERS as i64 - 1, bound: Bound::User }, default: DefaultValue::Int(-1), doc: "user to compromise (-1: chosen from the seed)" },
        ParamSpec { name: "at_epoch", kind: ParamKind::Bounded { min: 0, max: 1000, bound: Bound::Epoch }, default: DefaultValue::Int(0), doc: "epoch at whose start the device is implanted (or its state copied)" },
        ParamSpec { name: "mode", kind: ParamKind::Choice(&["implant", "snapshot"]), default: DefaultValue::Str("implant"), doc: "implant: the device is the attacker's from `at_epoch` on; snapshot: its state is copied once, at the start of `at_epoch`" },
    ],
};

impl Attack for EndpointCompromise {
    fn meta(&self) -> &'static AttackMeta {
        &META
    }
    fn class(&self) -> escrowlab_core::attack::ClassSpec {
        use escrowlab_core::attack::{AttackerClass, ClassSpec, Scale};
        ClassSpec::new(
            AttackerClass::Seizure,
            &[("at_epoch", Scale::Fixed(0, "implanted from the first epoch: a later implant holds only part of what this one does"))],
        )
    }
    fn check(&self, _scheme: &Scheme, _params: &Params) -> Exposure {
        Exposure::yes("every scheme has endpoints; escrow neither helps nor hurts here")
    }
    fn run(&self, ctx: &mut AttackCtx, params: &Params) -> Result<Outcome> {
        compromise(ctx, params, params.word("mode") == "snapshot")
    }
}

/// One device compromised at the start of `at_epoch`: an implant (`snapshot` false) keeps
/// reading; a snapshot (`mode = snapshot`) copies the device's state once.
pub(crate) fn compromise(ctx: &mut AttackCtx, params: &Params, snapshot: bool) -> Result<Outcome> {
    let mut out = Outcome::default();
    let users = ctx.info().users;
    let user = match params.int("user") {
        // The hacker picks someone who uses the messenger (a member of some conversation).
        -1 => {
            let users: Vec<u32> = ctx.users_in_conversations().into_iter().collect();
            users.choose(&mut ctx.rng("user")).copied().unwrap_or(0)
        }
        u => (u as u32).min(users - 1),
    };
    let at_epoch = params.int("at_epoch") as u32;
    ctx.advance_to(at_epoch)?;
    let loot = ctx.compromise_device(user)?;
    // The history the device stored before the compromise (`history_epochs`; none in the
    // original world): an implant and a snapshot both take it.
    let history = ctx.device_history(&loot);
    if !history.is_empty() {
        out.figure("history_messages", history.len() as f64);
    }
    out.recovered.extend(history);
    ctx.advance_to_end()?;
    // A snapshot holds no session key the device makes after the copy.
    let own = if snapshot {
        BTreeMap::new()
    } else {
        ctx.implant_session_keys(&loot)
    };
    // The sessions the device is a member of: the only ones it holds a key to.
    let (transcript, sessions) = ctx.intercept_sessions_of(user);
    let mut by_epoch: BTreeMap<u32, usize> = BTreeMap::new();
    let mut member_of: BTreeMap<u32, usize> = BTreeMap::new();
    // Within the copy's epoch, time after the copy: the device's messages and those read
    // by quarter of their session (each session starts after the copy).
    let (mut quarter_total, mut quarter_read) = ([0usize; 4], [0usize; 4]);
    let quarter = |rec: &SessionRecord, id: u64| {
        let len = rec.messages.len().max(1) as u64;
        ((id.saturating_sub(rec.messages.start as u64)) * 4 / len).min(3) as usize
    };
    for rec in sessions
        .iter()
        .filter_map(|&i| transcript.sessions.get(i as usize))
    {
        if rec.header.epoch >= at_epoch {
            *member_of.entry(rec.header.epoch).or_insert(0) += rec.messages.len();
        }
        if rec.header.epoch == at_epoch {
            for id in rec.messages.clone() {
                quarter_total[quarter(rec, id as u64)] += 1;
            }
        }
        // A snapshot holds the prekey of its own epoch only (later ones are made
        // after the copy).
        let pre = loot
            .prekey(rec.header.epoch)
            .filter(|_| !snapshot || rec.header.epoch == at_epoch);
        let key = if let Some(k) = own.get(&rec.header.session) {
            Some(k.clone())
        } else {
            rec.deliveries
                .iter()
                .find(|d| d.recipient == user)
                .and_then(|d| pre.and_then(|p| accept(d, &rec.header, p).ok()))
        };
        let Some(k) = key else { continue };
        let read = match (snapshot, pre) {
            (true, Some(p)) => read_session_snapshot(transcript, rec.header.session, user, &k, p),
            (true, None) => Vec::new(),
            // The implant is the device: its ratchet secrets too.
            (false, _) => read_session_as_member(transcript, rec.header.session, user, &k),
        };
        *by_epoch.entry(rec.header.epoch).or_insert(0) += read.len();
        if rec.header.epoch == at_epoch {
            for (id, _) in &read {
                quarter_read[quarter(rec, *id)] += 1;
            }
        }
        out.recovered.extend(read);
    }
    // Exposure by epoch after a snapshot: the share of the messages of the device's
    // sessions that the copy reads (an implant's figures are the cell's own).
    for (epoch, total) in member_of.iter().filter(|_| snapshot) {
        let read = by_epoch.get(epoch).copied().unwrap_or(0);
        out.figure(
            &format!("read_share_epoch_{epoch}"),
            read as f64 / (*total).max(1) as f64,
        );
    }
    // Healing within the copy's epoch: the share read of each quarter of the sessions'
    // messages (under the Double Ratchet the copy stops at the device's first DH step).
    if snapshot && quarter_total.iter().any(|&t| t > 0) {
        for q in 0..4 {
            out.figure(
                &format!("read_share_quarter_{}", q + 1),
                quarter_read[q] as f64 / quarter_total[q].max(1) as f64,
            );
        }
    }
    out.note(format!(
        "device of user {user} {}",
        if snapshot {
            "copied once (snapshot)"
        } else {
            "compromised"
        }
    ));
    Ok(out)
}
