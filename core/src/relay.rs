//! What the relay carries and records: sessions, envelopes, the transcript an interceptor
//! sees, and reading a session's messages with its key.

use crate::append_log::AppendLog;
use crate::messaging::double_ratchet::{self as dr, DhPair, Header as ChainHeader};
use crate::messaging::{
    message_key, open_into, seal, KeyDelivery, Keying, MessageHeader, Ratchet, SessionHeader,
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
    /// How its messages are keyed (its protocol applied to its size).
    pub keying: Keying,
    /// Under a chain-per-speaker keying (`double-ratchet`, `sender-keys`), the escrow
    /// fields of the chains after the first (whose field is [`field`](Self::field)): one
    /// per new sending chain, in the order the chains began. Empty under the hash ratchet.
    pub chain_fields: Vec<Vec<u8>>,
}

impl SessionRecord {
    /// Every escrow field of the session: [`field`](Self::field), then the later chains'.
    pub fn fields(&self) -> impl Iterator<Item = &Vec<u8>> + '_ {
        self.field.iter().chain(self.chain_fields.iter())
    }
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
    /// How the messages are keyed.
    keying: Keying,
    /// Under the Double Ratchet, the responder's first ratchet public key (its epoch
    /// prekey, as X3DH's signed prekey is): the responder is the member the first
    /// message is not from.
    prekeys: Option<Box<Prekeys>>,
    /// The escrowed-seed design (`[field] ratchet_escrow = "seed"`): every ratchet key pair
    /// and sender key of the session derives from the session key, not from the devices'
    /// own randomness.
    seeded: bool,
}

/// Both members' epoch prekeys (public) with their user indices.
type Prekeys = [(u32, [u8; 32]); 2];

/// The message keys of one session in order, as its members' devices derive them.
enum Keys {
    /// One hash chain.
    Hash(Ratchet),
    /// A chain per speaker turn (Double Ratchet) or per sender (sender keys).
    Chains(Box<Chains>),
}

/// Chain-per-speaker keying state: what both members' devices together derive (each DH
/// output is computed once, by the member who made the new key pair; the other member
/// derives the same value from its own secret and the public key in the header).
struct Chains {
    keying: Keying,
    key: Key32,
    rng_seed: [u8; 32],
    prekeys: Prekeys,
    /// Double Ratchet: root key, current sending chain, its speaker and position, the
    /// speakers' current ratchet public keys and the length of each one's last chain.
    rk: Key32,
    ck: Option<Key32>,
    speaker: Option<u32>,
    n: u32,
    public: std::collections::BTreeMap<u32, [u8; 32]>,
    last_len: std::collections::BTreeMap<u32, u32>,
    devices: std::collections::BTreeMap<u32, rand_chacha::ChaCha20Rng>,
    /// Sender keys: each sender's chain key, public id and position.
    senders: std::collections::BTreeMap<u32, (Key32, [u8; 32], u32)>,
    /// Chain keys as each chain began (what per-chain escrow captures), in order.
    began: Vec<Key32>,
}

/// A member's device randomness for one session's ratchet (its key pairs, its sender key):
/// drawn from the world's private session stream, never from the session key.
fn device_rng(rng_seed: &[u8; 32], member: u32) -> rand_chacha::ChaCha20Rng {
    use rand::SeedableRng;
    rand_chacha::ChaCha20Rng::from_seed(crate::messaging::hkdf32(
        rng_seed,
        b"escrowlab-device-ratchet",
        &member.to_be_bytes(),
    ))
}

/// Under the escrowed-seed design, what a member's device randomness for one session's
/// ratchet derives from: the session key (the escrowed seed), so whoever holds it derives
/// every key pair and sender key of the session.
fn seed_stream(session_key: &Key32) -> [u8; 32] {
    crate::messaging::hkdf32(&session_key.0, b"escrowlab-escrowed-seed", b"device")
}

/// Under the escrowed-seed design, a member's first ratchet key pair (the one the other
/// member's first DH step is against), derived from the seed as every other key pair is.
fn seeded_prekey(session_key: &Key32, member: u32) -> DhPair {
    DhPair::from_secret(crate::messaging::hkdf32(
        &session_key.0,
        b"escrowlab-escrowed-seed-prekey",
        &member.to_be_bytes(),
    ))
}

impl Chains {
    /// The keying state at the start of a session keyed by `keying` with `key`.
    fn start(
        keying: Keying,
        key: &Key32,
        rng_seed: [u8; 32],
        prekeys: Prekeys,
        seeded: bool,
    ) -> Chains {
        let (rng_seed, prekeys) = if seeded {
            (
                seed_stream(key),
                prekeys.map(|(m, _)| (m, seeded_prekey(key, m).public)),
            )
        } else {
            (rng_seed, prekeys)
        };
        Chains {
            keying,
            key: key.clone(),
            rng_seed,
            prekeys,
            rk: Key32([0; 32]),
            ck: None,
            speaker: None,
            n: 0,
            public: Default::default(),
            last_len: Default::default(),
            devices: Default::default(),
            senders: Default::default(),
            began: Vec::new(),
        }
    }
    fn device(&mut self, member: u32) -> &mut rand_chacha::ChaCha20Rng {
        let seed = self.rng_seed;
        self.devices
            .entry(member)
            .or_insert_with(|| device_rng(&seed, member))
    }
    /// The message key and the chain header of the next message, from `from`.
    fn next(&mut self, from: u32) -> (Key32, ChainHeader) {
        match self.keying {
            Keying::DoubleRatchet => self.next_dr(from),
            _ => self.next_sender_key(from),
        }
    }
    fn next_dr(&mut self, from: u32) -> (Key32, ChainHeader) {
        match self.speaker {
            Some(s) if s == from => {}
            None => {
                // RatchetInitAlice: the first speaker's key pair against the responder's
                // prekey.
                let (bob, prekey) = *self
                    .prekeys
                    .iter()
                    .find(|(m, _)| *m != from)
                    .unwrap_or(&self.prekeys[0]);
                let pair = DhPair::generate(self.device(from));
                let (rk, ck) = dr::kdf_rk(&self.key, &pair.dh(&prekey));
                self.rk = rk;
                self.ck = Some(ck);
                self.public.insert(bob, prekey);
                self.public.insert(from, pair.public);
                self.speaker = Some(from);
                self.n = 0;
                self.began.extend(self.ck.clone());
            }
            Some(prev) => {
                // A change of speaker: the new speaker's DH ratchet step (its receiving
                // chain is the previous speaker's sending chain, already derived; its new
                // sending chain comes from a fresh key pair).
                self.last_len.insert(prev, self.n);
                let other = self.public[&prev];
                let pair = DhPair::generate(self.device(from));
                let (rk, ck) = dr::kdf_rk(&self.rk, &pair.dh(&other));
                self.rk = rk;
                self.ck = Some(ck);
                self.public.insert(from, pair.public);
                self.speaker = Some(from);
                self.n = 0;
                self.began.extend(self.ck.clone());
            }
        }
        let (ck, mk) = dr::kdf_ck(self.ck.as_ref().expect("a chain has begun"));
        self.ck = Some(ck);
        let header = ChainHeader {
            dh: self.public[&from],
            pn: self.last_len.get(&from).copied().unwrap_or(0),
            n: self.n,
        };
        self.n += 1;
        (mk, header)
    }
    fn next_sender_key(&mut self, from: u32) -> (Key32, ChainHeader) {
        if !self.senders.contains_key(&from) {
            use rand::RngCore;
            let mut ck = [0u8; 32];
            self.device(from).fill_bytes(&mut ck);
            let id = crate::messaging::hkdf32(&ck, b"escrowlab-sender-key", b"id");
            self.began.push(Key32(ck));
            self.senders.insert(from, (Key32(ck), id, 0));
        }
        let (ck, id, n) = self.senders.get_mut(&from).expect("inserted above");
        let (next, mk) = dr::kdf_ck(ck);
        *ck = next;
        let header = ChainHeader {
            dh: *id,
            pn: 0,
            n: *n,
        };
        *n += 1;
        (mk, header)
    }
}

/// Seals one message under a chain keying: the chain header, then the AEAD of the
/// plaintext with the message header and the chain header as associated data.
fn seal_chained(mk: &Key32, ad: &[u8], header: &ChainHeader, plaintext: &[u8]) -> Vec<u8> {
    let mut out = header.encode().to_vec();
    out.extend(dr::encrypt(mk, plaintext, &dr::concat(ad, header)));
    out
}

/// Opens one message sealed by [`seal_chained`] with its message key.
fn open_chained(mk: &Key32, ad: &[u8], ciphertext: &[u8]) -> Option<Vec<u8>> {
    let header = ChainHeader::decode(ciphertext.get(..ChainHeader::LEN)?).ok()?;
    dr::decrypt(
        mk,
        &ciphertext[ChainHeader::LEN..],
        &dr::concat(ad, &header),
    )
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
    /// Keyed by `keying`; under the Double Ratchet `prekeys` gives both members' epoch
    /// prekeys (public), with their user indices.
    pub(crate) fn keyed(
        header: &crate::messaging::SessionHeader,
        members: &[u32],
        count: u32,
        key: &Key32,
        rng: &rand_chacha::ChaCha20Rng,
        keying: Keying,
        prekeys: Option<Prekeys>,
    ) -> SessionTraffic {
        SessionTraffic {
            seeded: false,
            keying,
            prekeys: prekeys.map(Box::new),
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
    /// The same traffic under the escrowed-seed design when `seeded` (every ratchet key
    /// pair and sender key derived from the session key); the hash ratchet is unchanged.
    pub(crate) fn with_seeded(mut self, seeded: bool) -> SessionTraffic {
        self.seeded = seeded && self.keying != Keying::HashRatchet;
        self
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
        let mut keys = self.keys();
        self.drawn()
            .enumerate()
            .filter_map(move |(i, (header, text))| {
                let ciphertext = match &mut keys {
                    Keys::Hash(ratchet) => {
                        if i < from {
                            return None;
                        }
                        let mk = ratchet
                            .key_at(header.counter)
                            .expect("counters increase through a session");
                        seal(&mk, &header.encode(), &plaintext_of(&header, text))
                    }
                    Keys::Chains(chains) => {
                        // Every earlier message's key is derived (a chain depends on the
                        // turns before it); only the wanted ones are sealed.
                        let (mk, chain) = chains.next(header.sender);
                        if i < from {
                            return None;
                        }
                        seal_chained(&mk, &header.encode(), &chain, &plaintext_of(&header, text))
                    }
                };
                Some(Envelope {
                    id: self.first + u64::from(header.counter),
                    ciphertext,
                    time: send_time(header.epoch, header.counter, self.count),
                    header,
                })
            })
    }
    /// The message keys as the members' devices derive them.
    fn keys(&self) -> Keys {
        match self.keying {
            Keying::HashRatchet => Keys::Hash(Ratchet::new(&self.key)),
            keying => Keys::Chains(Box::new(Chains::start(
                keying,
                &self.key,
                self.rng_seed,
                self.prekeys
                    .as_deref()
                    .copied()
                    .unwrap_or([(0, [0; 32]); 2]),
                self.seeded,
            ))),
        }
    }
    /// The chain keys of the session as each chain began, in order (one per speaker turn
    /// under the Double Ratchet, one per sender under sender keys; the hash ratchet has
    /// none beyond its session key): what per-chain escrow captures.
    pub(crate) fn chain_keys(&self) -> Vec<Key32> {
        match self.keys() {
            Keys::Hash(_) => Vec::new(),
            Keys::Chains(mut chains) => {
                for (header, _) in self.drawn() {
                    chains.next(header.sender);
                }
                chains.began
            }
        }
    }
    /// The plaintexts a member's device opens, with the message keys it derives (the
    /// session key and its own ratchet secrets; by DH's symmetry the values are those the
    /// replay derives).
    fn open_as_member(&self, found: &mut impl FnMut(u64, &[u8])) {
        let mut keys = self.keys();
        let mut envelopes = self.envelopes_from(0);
        for (header, _) in self.drawn() {
            let Some(env) = envelopes.next() else { break };
            let opened = match &mut keys {
                Keys::Hash(r) => r
                    .key_at(header.counter)
                    .and_then(|mk| crate::messaging::open(&mk, &header.encode(), &env.ciphertext)),
                Keys::Chains(c) => {
                    let (mk, _) = c.next(header.sender);
                    open_chained(&mk, &header.encode(), &env.ciphertext)
                }
            };
            if let Some(pt) = opened {
                found(env.id, &pt);
            }
        }
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

/// Opens every message of `session` in the transcript with its session key (under a
/// chain-per-speaker keying, the messages of the one chain `session_key` is the key of).
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
    let envelopes = transcript.envelopes.range(rec.messages.clone());
    let found = |id, plaintext: &[u8]| out.push((id, plaintext.to_vec()));
    open_with_key(rec, session_key, envelopes, found);
    out
}

/// Opens what `key` opens among `rec`'s `envelopes` (in order, from the session's first):
/// under the hash ratchet the session's chain; under a chain-per-speaker keying the one
/// chain `key` is the key of (what a per-chain escrow field holds) or, when `key` is the
/// seed of a session of the escrowed-seed design (one field per session), every chain
/// derived from it. The reader tries both designs; the AEAD tags decide. A key of neither
/// opens nothing.
pub fn open_with_key<E: std::borrow::Borrow<Envelope>>(
    rec: &SessionRecord,
    key: &Key32,
    envelopes: impl IntoIterator<Item = E>,
    mut found: impl FnMut(u64, &[u8]),
) {
    if rec.keying == Keying::HashRatchet {
        return open_envelopes(key, envelopes, found);
    }
    let envelopes: Vec<E> = envelopes.into_iter().collect();
    let mut opened = false;
    open_chain(key, envelopes.iter().map(|e| e.borrow()), |id, pt| {
        opened = true;
        found(id, pt)
    });
    if !opened {
        open_seeded(rec, key, envelopes.iter().map(|e| e.borrow()), found);
    }
}

/// The escrowed-seed reader: walks a chain-keyed session's ratchet from `seed` as both
/// members' devices do under that design (every key pair derived from the seed), opening
/// `envelopes` in order; stops at the first message whose tag fails (a wrong seed, or a
/// session of the per-chain design, opens nothing).
fn open_seeded<'a>(
    rec: &SessionRecord,
    seed: &Key32,
    envelopes: impl IntoIterator<Item = &'a Envelope>,
    mut found: impl FnMut(u64, &[u8]),
) {
    let mut envelopes = envelopes.into_iter().peekable();
    let Some(first) = envelopes.peek() else {
        return;
    };
    let members = &rec.header.members;
    let first_sender = first.header.sender;
    let responder = members
        .iter()
        .copied()
        .find(|&m| m != first_sender)
        .unwrap_or(first_sender);
    let prekeys = [(responder, [0; 32]), (first_sender, [0; 32])];
    let mut chains = Chains::start(rec.keying, seed, [0; 32], prekeys, true);
    for env in envelopes {
        let (mk, _) = chains.next(env.header.sender);
        match open_chained(&mk, &env.header.encode(), &env.ciphertext) {
            Some(pt) => found(env.id, &pt),
            None => return,
        }
    }
}

/// Opens what one chain key opens among a session's `envelopes` under a chain-per-speaker
/// keying (`double-ratchet`, `sender-keys`): the key is tried on the first message of
/// each chain (the chain header names it) until one's tag verifies, and then walks that
/// chain. A key of no chain opens nothing.
pub fn open_chain<E: std::borrow::Borrow<Envelope>>(
    chain_key: &Key32,
    envelopes: impl IntoIterator<Item = E>,
    mut found: impl FnMut(u64, &[u8]),
) {
    let mut matched: Option<[u8; 32]> = None;
    let mut refused = std::collections::BTreeSet::new();
    let (mut ck, mut n) = (chain_key.clone(), 0u32);
    for env in envelopes {
        let env = env.borrow();
        let Some(header) = env
            .ciphertext
            .get(..ChainHeader::LEN)
            .and_then(|b| ChainHeader::decode(b).ok())
        else {
            continue;
        };
        match matched {
            Some(dh) if dh != header.dh => continue,
            None if refused.contains(&header.dh) => continue,
            _ => {}
        }
        if header.n < n {
            // Behind the walk (out of order): start again from the chain key.
            (ck, n) = (chain_key.clone(), 0);
        }
        let mut mk = None;
        while n <= header.n {
            let (next, k) = dr::kdf_ck(&ck);
            (ck, n) = (next, n + 1);
            mk = Some(k);
        }
        let opened = mk.and_then(|mk| open_chained(&mk, &env.header.encode(), &env.ciphertext));
        match opened {
            Some(pt) => {
                matched = Some(header.dh);
                found(env.id, &pt);
            }
            None if matched.is_none() => {
                refused.insert(header.dh);
                (ck, n) = (chain_key.clone(), 0);
            }
            None => {}
        }
    }
}

/// Reads one session as a member's device does: with the session key and the device's
/// own ratchet secrets, every message (under the hash ratchet, what [`read_session`]
/// reads). A key that is not the session's, or a user who is not a member, reads nothing.
pub fn read_session_as_member(
    transcript: &Transcript,
    session: u32,
    member: u32,
    session_key: &Key32,
) -> Vec<(u64, Vec<u8>)> {
    let Some(rec) = transcript.sessions.get(session as usize) else {
        return Vec::new();
    };
    if rec.keying == Keying::HashRatchet {
        return read_session(transcript, session, session_key);
    }
    let Some(traffic) = transcript.envelopes.session_traffic(rec.messages.start) else {
        return Vec::new();
    };
    if traffic.key != *session_key || !rec.header.members.contains(&member) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let end = transcript.envelopes.len() as u64;
    traffic.open_as_member(&mut |id, pt| {
        if id < end {
            out.push((id, pt.to_vec()))
        }
    });
    out
}

/// Reads one session with a copy of a member's device state taken before the session's
/// traffic: the session key (from the delivery) and the member's epoch prekey secret,
/// but none of the key pairs the device makes afterwards. Under the Double Ratchet this
/// opens the first chain when the member is its responder (the prekey is the responder's
/// first ratchet key) and nothing after the member's own first DH ratchet step: the
/// ratchet has healed. Under the hash ratchet and sender keys (no DH step), everything.
pub fn read_session_snapshot(
    transcript: &Transcript,
    session: u32,
    member: u32,
    session_key: &Key32,
    prekey_secret: &[u8; 32],
) -> Vec<(u64, Vec<u8>)> {
    let Some(rec) = transcript.sessions.get(session as usize) else {
        return Vec::new();
    };
    let seeded = transcript
        .envelopes
        .session_traffic(rec.messages.start)
        .is_some_and(|t| t.seeded);
    if rec.keying != Keying::DoubleRatchet || seeded {
        // No DH step (hash ratchet, sender keys), or every key pair derives from the seed
        // the copy holds (the escrowed-seed design): the copy reads on.
        return read_session_as_member(transcript, session, member, session_key);
    }
    let envelopes: Vec<Envelope> = transcript.envelopes.range(rec.messages.clone()).collect();
    let Some(first) = envelopes.first() else {
        return Vec::new();
    };
    if first.header.sender == member {
        // The member opened the ratchet after the copy: its first key pair is unknown.
        return Vec::new();
    }
    let Some(chain) = first
        .ciphertext
        .get(..ChainHeader::LEN)
        .and_then(|b| ChainHeader::decode(b).ok())
    else {
        return Vec::new();
    };
    let own = DhPair::from_secret(*prekey_secret);
    let (_, chain_key) = dr::kdf_rk(session_key, &own.dh(&chain.dh));
    let mut out = Vec::new();
    open_chain(&chain_key, &envelopes, |id, pt| out.push((id, pt.to_vec())));
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
    /// The registrations in order: (SHA-256 of the field's registry key, SHA-256 of the
    /// header it was first carried under). What a deployed agent's state stores.
    pub fn entries(&self) -> &[([u8; 32], [u8; 32])] {
        &self.log
    }
    /// Adds a registration given as digests ([`FieldRegistry::entries`]' form); a field
    /// already registered keeps its first header.
    pub fn insert_digests(&mut self, field: [u8; 32], header: [u8; 32]) {
        if let std::collections::btree_map::Entry::Vacant(slot) = self.first_seen.entry(field) {
            slot.insert(header);
            self.log.push((field, header));
        }
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

#[cfg(test)]
mod chain_tests {
    use super::*;
    use crate::messaging::double_ratchet::State;
    use crate::messaging::x25519_public;
    use rand::SeedableRng;
    use std::collections::BTreeSet;

    const KEY: Key32 = Key32([5; 32]);

    /// A transcript of one session of `members` keyed by `keying`.
    fn one_session(keying: Keying, members: &[u32], count: u32) -> (Transcript, SessionTraffic) {
        let header = SessionHeader {
            session: 0,
            conv: 1,
            epoch: 0,
            sender: members[0],
            members: members.to_vec(),
        };
        let rng = rand_chacha::ChaCha20Rng::from_seed([9; 32]);
        let prekeys = (keying == Keying::DoubleRatchet).then(|| {
            [
                (members[0], x25519_public(&[7; 32])),
                (members[1], x25519_public(&[8; 32])),
            ]
        });
        let traffic = SessionTraffic::keyed(&header, members, count, &KEY, &rng, keying, prekeys);
        let mut t = Transcript::default();
        let messages = t.envelopes.push_session(traffic.clone());
        t.sessions.push(SessionRecord {
            header,
            field: None,
            deliveries: Vec::new(),
            messages,
            keying,
            chain_fields: Vec::new(),
        });
        (t, traffic)
    }

    fn ids(read: &[(u64, Vec<u8>)]) -> Vec<u64> {
        read.iter().map(|(id, _)| *id).collect()
    }

    #[test]
    fn the_replay_sends_what_two_devices_running_the_double_ratchet_send() {
        let (t, traffic) = one_session(Keying::DoubleRatchet, &[10, 11], 40);
        let envelopes: Vec<Envelope> = t.envelopes.iter().collect();
        let alice = envelopes[0].header.sender;
        let bob = if alice == 10 { 11 } else { 10 };
        let bob_secret = if bob == 10 { [7; 32] } else { [8; 32] };
        let mut rngs = [alice, bob].map(|m| device_rng(&[9; 32], m));
        let [arng, brng] = &mut rngs;
        let mut a = State::init_alice(&KEY, &x25519_public(&bob_secret), &mut *arng);
        let mut b = State::init_bob(&KEY, DhPair::from_secret(bob_secret));
        let mut turns = 0;
        let mut last = None;
        for (env, pt) in envelopes.iter().zip(traffic.plaintexts()) {
            let ad = env.header.encode();
            let (from, to, to_rng) = if env.header.sender == alice {
                (&mut a, &mut b, &mut *brng)
            } else {
                (&mut b, &mut a, &mut *arng)
            };
            let (h, ct) = from.encrypt(&pt, &ad).expect("a sending chain");
            let mut sent = h.encode().to_vec();
            sent.extend(&ct);
            assert_eq!(sent, env.ciphertext, "message {}", env.id);
            assert_eq!(to.decrypt(&h, &ct, &ad, to_rng).expect("decrypts"), pt);
            if last != Some(env.header.sender) {
                turns += 1;
                last = Some(env.header.sender);
            }
        }
        assert!(turns > 5, "{turns} speaker turns");
        assert_eq!(traffic.chain_keys().len(), turns);
        // Every turn is one DH ratchet step of its receiver.
        assert_eq!(a.steps() + b.steps(), turns as u32);
    }

    #[test]
    fn each_chain_key_opens_its_turn_and_the_session_key_alone_opens_nothing() {
        for (keying, members) in [
            (Keying::DoubleRatchet, &[10u32, 11][..]),
            (Keying::SenderKeys, &[3, 4, 5, 6][..]),
        ] {
            let (t, traffic) = one_session(keying, members, 30);
            let all: Vec<u64> = (0..30).collect();
            assert!(read_session(&t, 0, &KEY).is_empty(), "{keying:?}");
            let mut union = Vec::new();
            for ck in traffic.chain_keys() {
                let read = read_session(&t, 0, &ck);
                assert!(!read.is_empty());
                // One chain: one sender.
                let senders: BTreeSet<u32> = ids(&read)
                    .iter()
                    .map(|&i| t.envelopes.header(i as usize).expect("a message").sender)
                    .collect();
                assert_eq!(senders.len(), 1, "{keying:?}");
                union.extend(ids(&read));
            }
            union.sort_unstable();
            assert_eq!(union, all, "{keying:?}: the chains cover the session once");
            // A member's device reads all; a stranger or a wrong key nothing.
            assert_eq!(ids(&read_session_as_member(&t, 0, members[1], &KEY)), all);
            assert!(read_session_as_member(&t, 0, 99, &KEY).is_empty());
            assert!(read_session_as_member(&t, 0, members[1], &Key32([6; 32])).is_empty());
        }
        let (_, traffic) = one_session(Keying::SenderKeys, &[3, 4, 5, 6], 30);
        let speakers: BTreeSet<u32> = traffic.drawn().map(|(h, _)| h.sender).collect();
        assert_eq!(traffic.chain_keys().len(), speakers.len());
    }

    #[test]
    fn a_snapshot_reads_until_the_victims_next_dh_step() {
        let (t, _) = one_session(Keying::DoubleRatchet, &[10, 11], 40);
        let headers: Vec<MessageHeader> = t.envelopes.headers().collect();
        let alice = headers[0].sender;
        let bob = if alice == 10 { 11 } else { 10 };
        let bob_secret = if bob == 10 { [7; 32] } else { [8; 32] };
        let first_turn = headers.iter().take_while(|h| h.sender == alice).count() as u64;
        assert!(first_turn < 40, "the responder speaks");
        // The responder's copy reads the first turn and nothing after its own DH step.
        let read = read_session_snapshot(&t, 0, bob, &KEY, &bob_secret);
        assert_eq!(ids(&read), (0..first_turn).collect::<Vec<_>>());
        // The initiator's copy predates its first key pair: nothing.
        assert!(read_session_snapshot(&t, 0, alice, &KEY, &[1; 32]).is_empty());
        // Under the hash ratchet the same copy reads the whole session.
        let (h, _) = one_session(Keying::HashRatchet, &[10, 11], 40);
        assert_eq!(
            read_session_snapshot(&h, 0, bob, &KEY, &bob_secret).len(),
            40
        );
    }
}
