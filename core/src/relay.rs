//! What the relay carries and records: sessions, envelopes, the transcript an interceptor
//! sees, and reading a session's messages with its key.

use crate::append_log::AppendLog;
use crate::escrow::field::EscrowField;
use crate::messaging::{message_key, open, KeyDelivery, MessageHeader, Ratchet, SessionHeader};
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
#[derive(Clone, Debug)]
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

/// What the relay recorded: what an interceptor with network or provider access sees.
#[derive(Clone, Debug, Default)]
pub struct Transcript {
    /// Sessions in order (a slice; copies of a transcript share it).
    pub sessions: AppendLog<SessionRecord>,
    /// Envelopes in order (a slice; copies of a transcript share it).
    pub envelopes: AppendLog<Envelope>,
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
    /// Decoded escrow field of a session.
    pub fn field(&self, session: u32) -> Option<EscrowField> {
        self.sessions
            .get(session as usize)?
            .field
            .as_ref()
            .and_then(|b| EscrowField::decode(b).ok())
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
    // One ratchet walks the session forward (messages are in counter order): each message
    // key costs one step, not a walk from the session key.
    let mut ratchet = Ratchet::new(session_key);
    transcript.envelopes[rec.messages.clone()]
        .iter()
        .filter_map(|env| {
            let counter = env.header.counter;
            let mk = ratchet
                .key_at(counter)
                .unwrap_or_else(|| message_key(session_key, counter));
            open(&mk, &env.header.encode(), &env.ciphertext).map(|pt| (env.id, pt))
        })
        .collect()
}
