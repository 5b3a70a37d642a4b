//! What the relay carries and records: sessions, envelopes, the transcript an interceptor
//! sees, and reading a session's messages with its key.

use crate::append_log::AppendLog;
use crate::messaging::{
    message_key, open_into, seal, KeyDelivery, MessageHeader, Ratchet, SessionHeader,
};
use crate::secret::Key32;
use std::ops::Range;

/// One session as the relay saw it.
#[derive(Clone, Debug)]
pub struct SessionRecord {
    /// Header.
    pub header: SessionHeader,
    /// Encoded escrow field, if one was sent.
    pub field: Option<Vec<u8>>,
    /// Key deliveries (one per member other than the sender, plus any ghost).
    pub deliveries: Vec<KeyDelivery>,
    /// Envelope ids of its messages.
    pub messages: Range<usize>,
}

/// One message envelope as the relay saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    /// Id (index in the transcript).
    pub id: u64,
    /// Header (associated data).
    pub header: MessageHeader,
    /// AEAD ciphertext.
    pub ciphertext: Vec<u8>,
    /// Send time.
    pub time: u64,
}

/// When message `counter` of `per_session` in a session of `epoch` is sent: spread over the
/// epoch, after its key boundary and before its end.
pub(crate) fn send_time(epoch: u32, counter: u32, per_session: u32) -> u64 {
    u64::from(epoch) * crate::vocab::TICKS_PER_EPOCH
        + 1
        + (u64::from(counter) * (crate::vocab::TICKS_PER_EPOCH - 100))
            / u64::from(per_session.max(1))
}

/// What the relay needs to replay one session's messages byte for byte: the sender's
/// session key and the position of its random stream when the messages began. It never
/// leaves this module: an attack holding a transcript reads ciphertexts, never this.
#[derive(Clone)]
pub(crate) struct SessionTraffic {
    /// Id of the session's first message.
    first: u64,
    /// Conversation, session and epoch of every message.
    conv: u32,
    session: u32,
    epoch: u32,
    /// Messages the session sends (and the spread of their send times).
    count: u32,
    /// Who may send (the conversation's members).
    members: Box<[u32]>,
    key: Key32,
    rng_seed: [u8; 32],
    word_pos: u128,
}

/// The plaintext a message of `header` says, from its random words.
fn plaintext_of(header: &MessageHeader, text: u64) -> Vec<u8> {
    format!(
        "u{}→c{} e{} #{}: {text:016x}",
        header.sender, header.conv, header.epoch, header.counter
    )
    .into_bytes()
}

impl SessionTraffic {
    /// The traffic of a session whose messages draw from `rng` from its current position.
    pub(crate) fn new(
        header: &crate::messaging::SessionHeader,
        members: &[u32],
        count: u32,
        key: &Key32,
        rng: &rand_chacha::ChaCha20Rng,
    ) -> SessionTraffic {
        SessionTraffic {
            first: 0,
            conv: header.conv,
            session: header.session,
            epoch: header.epoch,
            count,
            members: members.into(),
            key: key.clone(),
            rng_seed: rng.get_seed(),
            word_pos: rng.get_word_pos(),
        }
    }
    /// The session's message headers in order, each with the random words its text is
    /// made from (no plaintext is formatted).
    fn drawn(&self) -> impl Iterator<Item = (MessageHeader, u64)> + '_ {
        use rand::seq::SliceRandom;
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha20Rng::from_seed(self.rng_seed);
        rng.set_word_pos(self.word_pos);
        (0..self.count).map(move |counter| {
            let from = *self.members.choose(&mut rng).expect("members");
            let header = MessageHeader {
                conv: self.conv,
                session: self.session,
                sender: from,
                epoch: self.epoch,
                counter,
            };
            (header, rng.gen())
        })
    }
    /// The session's plaintexts in order (what ground truth digests).
    pub(crate) fn plaintexts(&self) -> impl Iterator<Item = Vec<u8>> + '_ {
        self.drawn()
            .map(|(header, text)| plaintext_of(&header, text))
    }
    /// The session's envelopes from its `from`th message on, sealed as the sender's device
    /// sealed them (the ones before are neither formatted nor sealed; the ratchet walks past
    /// them).
    fn envelopes_from(&self, from: usize) -> impl Iterator<Item = Envelope> + '_ {
        let mut ratchet = Ratchet::new(&self.key);
        self.drawn().skip(from).map(move |(header, text)| {
            let mk = ratchet
                .key_at(header.counter)
                .expect("counters increase through a session");
            Envelope {
                id: self.first + u64::from(header.counter),
                ciphertext: seal(&mk, &header.encode(), &plaintext_of(&header, text)),
                time: send_time(header.epoch, header.counter, self.count),
                header,
            }
        })
    }
    fn ids(&self) -> Range<u64> {
        self.first..self.first + u64::from(self.count)
    }
}

/// Every envelope of a transcript. Ciphertexts are not stored: each session's are sealed
/// again, byte for byte, whenever they are read, from what the sender's device used (its
/// session key and random stream, kept inside this type). Memory grows with sessions, not
/// messages; reading costs one AEAD seal per message more. Copies and prefixes share the
/// sessions (see [`AppendLog`]).
#[derive(Clone, Default)]
pub struct Envelopes {
    sessions: AppendLog<SessionTraffic>,
    len: u64,
}

impl std::fmt::Debug for Envelopes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Envelopes({} messages)", self.len)
    }
}

impl Envelopes {
    /// Number of envelopes.
    pub fn len(&self) -> usize {
        self.len as usize
    }
    /// Whether no envelope was recorded.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The session holding envelope `id`.
    fn traffic_of(&self, id: u64) -> Option<&SessionTraffic> {
        if id >= self.len {
            return None;
        }
        let i = self.sessions.partition_point(|t| t.first <= id);
        let t = self.sessions.get(i.checked_sub(1)?)?;
        t.ids().contains(&id).then_some(t)
    }
    /// The envelope with id `i`.
    pub fn get(&self, i: usize) -> Option<Envelope> {
        let id = i as u64;
        let t = self.traffic_of(id)?;
        t.envelopes_from((id - t.first) as usize).next()
    }
    /// The header of envelope `i` (without sealing any message).
    pub fn header(&self, i: usize) -> Option<MessageHeader> {
        let id = i as u64;
        let t = self.traffic_of(id)?;
        t.drawn().nth((id - t.first) as usize).map(|(h, _)| h)
    }
    /// The send time of envelope `i`.
    pub fn time(&self, i: usize) -> Option<u64> {
        let t = self.traffic_of(i as u64)?;
        Some(send_time(t.epoch, (i as u64 - t.first) as u32, t.count))
    }
    /// The headers of the envelopes `ids` (sorted, each once; ids past the end are
    /// skipped), without sealing any message: each session holding some of them is
    /// replayed once, up to its last id asked for.
    pub(crate) fn headers_of(&self, ids: &[u64]) -> Vec<(u64, MessageHeader)> {
        let mut out = Vec::with_capacity(ids.len());
        let mut i = 0;
        while i < ids.len() {
            let Some(t) = self.traffic_of(ids[i]) else {
                i += 1;
                continue;
            };
            let end = t.first + u64::from(t.count);
            let mut drawn = t.drawn().enumerate();
            while i < ids.len() && ids[i] < end {
                let want = (ids[i] - t.first) as usize;
                for (k, (h, _)) in drawn.by_ref() {
                    if k == want {
                        out.push((ids[i], h));
                        break;
                    }
                }
                i += 1;
            }
        }
        out
    }
    /// Every envelope's header, in id order (without sealing any message).
    pub fn headers(&self) -> impl Iterator<Item = MessageHeader> + '_ {
        let len = self.len;
        self.sessions
            .iter()
            .flat_map(move |t| t.drawn().zip(t.ids()))
            .take_while(move |(_, id)| *id < len)
            .map(|((h, _), _)| h)
    }
    /// The envelopes with ids in `ids` (those that exist), in order.
    pub fn range(&self, ids: Range<usize>) -> impl Iterator<Item = Envelope> + '_ {
        let (lo, hi) = (ids.start as u64, (ids.end as u64).min(self.len));
        let first = self
            .sessions
            .partition_point(|t| t.first + u64::from(t.count) <= lo);
        self.sessions[first.min(self.sessions.len())..]
            .iter()
            .take_while(move |t| t.first < hi)
            .flat_map(move |t| t.envelopes_from(lo.saturating_sub(t.first) as usize))
            .take_while(move |e| e.id < hi)
    }
    /// Every envelope, in order.
    pub fn iter(&self) -> impl Iterator<Item = Envelope> + '_ {
        self.range(0..self.len())
    }
    /// Appends a session's messages (their ids continue from this store's length) and
    /// returns their ids.
    pub(crate) fn push_session(&mut self, mut traffic: SessionTraffic) -> Range<usize> {
        traffic.first = self.len;
        let ids = traffic.ids();
        self.len = ids.end;
        self.sessions.push(traffic);
        ids.start as usize..ids.end as usize
    }
    /// The traffic of the session whose first message is `first` (for a world that copies
    /// an honest session instead of simulating it again).
    pub(crate) fn session_traffic(&self, first: usize) -> Option<SessionTraffic> {
        self.traffic_of(first as u64)
            .filter(|t| t.first == first as u64)
            .cloned()
    }
    /// Makes room for exactly `sessions` more sessions.
    pub(crate) fn reserve_exact(&mut self, sessions: usize) {
        self.sessions.reserve_exact(sessions);
    }
    /// The first `n` envelopes, sharing this store.
    pub(crate) fn prefix(&self, n: usize) -> Envelopes {
        let n = (n as u64).min(self.len);
        Envelopes {
            sessions: self
                .sessions
                .prefix(self.sessions.partition_point(|t| t.first < n)),
            len: n,
        }
    }
}

/// What the relay recorded: what an interceptor with network or provider access sees.
#[derive(Clone, Debug, Default)]
pub struct Transcript {
    /// Sessions in order (a slice; copies of a transcript share it).
    pub sessions: AppendLog<SessionRecord>,
    /// Envelopes in order (copies of a transcript share them).
    pub envelopes: Envelopes,
}

impl Transcript {
    /// The transcript as it stood after its first `sessions` sessions and `envelopes`
    /// envelopes (the relay only appends).
    pub(crate) fn prefix(&self, sessions: usize, envelopes: usize) -> Transcript {
        Transcript {
            sessions: self.sessions.prefix(sessions),
            envelopes: self.envelopes.prefix(envelopes),
        }
    }
}

/// Opens every message of `session` in the transcript with its session key.
/// Returns `(envelope id, plaintext)` for each message whose tag verifies.
pub fn read_session(
    transcript: &Transcript,
    session: u32,
    session_key: &Key32,
) -> Vec<(u64, Vec<u8>)> {
    let Some(rec) = transcript.sessions.get(session as usize) else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(rec.messages.len());
    open_envelopes(
        session_key,
        transcript.envelopes.range(rec.messages.clone()),
        |id, plaintext| out.push((id, plaintext.to_vec())),
    );
    out
}

/// Opens one session's `envelopes` (in counter order) with its session key and hands
/// `(envelope id, plaintext)` to `found` for each message whose tag verifies. One ratchet
/// walks the session forward, so each message key costs one step, and every message is
/// opened into one reused buffer.
pub fn open_envelopes<E: std::borrow::Borrow<Envelope>>(
    session_key: &Key32,
    envelopes: impl IntoIterator<Item = E>,
    mut found: impl FnMut(u64, &[u8]),
) {
    let mut ratchet = Ratchet::new(session_key);
    let mut buf = Vec::new();
    for env in envelopes {
        let env = env.borrow();
        let counter = env.header.counter;
        let mk = ratchet
            .key_at(counter)
            .unwrap_or_else(|| message_key(session_key, counter));
        if open_into(&mk, &env.header.encode(), &env.ciphertext, &mut buf) {
            found(env.id, &buf);
        }
    }
}

/// The relay's append-only registry of the fields sessions carry (session escrow's): the
/// fingerprint of each field's registry key (its threshold ciphertext), and the hash of the session header it was first carried under.
/// Agents that check it refuse a field presented under any other header.
#[derive(Clone, Debug, Default)]
pub struct FieldRegistry {
    first_seen: std::collections::BTreeMap<[u8; 32], [u8; 32]>,
    /// The registrations that took effect, in order: a registry of an earlier moment of the
    /// same run is a prefix of it (see [`FieldRegistry::prefix`]).
    log: Vec<([u8; 32], [u8; 32])>,
}

impl FieldRegistry {
    fn digest(b: &[u8]) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        Sha256::digest(b).into()
    }
    /// Records a field carried under `header` (a later registration of the same field is ignored).
    pub fn register(&mut self, te_ct: &[u8], header: &SessionHeader) {
        let field = Self::digest(te_ct);
        if let std::collections::btree_map::Entry::Vacant(slot) = self.first_seen.entry(field) {
            let header = Self::digest(&header.encode());
            slot.insert(header);
            self.log.push((field, header));
        }
    }
    /// The registry as it stood after its first `n` registrations.
    pub(crate) fn prefix(&self, n: usize) -> FieldRegistry {
        let log = self.log[..n.min(self.log.len())].to_vec();
        FieldRegistry {
            first_seen: log.iter().copied().collect(),
            log,
        }
    }
    /// Was this field first carried under exactly this header? `None` when never carried.
    pub fn matches(&self, te_ct: &[u8], header: &SessionHeader) -> Option<bool> {
        self.first_seen
            .get(&Self::digest(te_ct))
            .map(|h| *h == Self::digest(&header.encode()))
    }
    /// Registrations that took effect (the length of the log [`FieldRegistry::prefix`] cuts).
    pub(crate) fn log_len(&self) -> usize {
        self.log.len()
    }
    /// Fields registered.
    pub fn len(&self) -> usize {
        self.first_seen.len()
    }
    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.first_seen.is_empty()
    }
}
