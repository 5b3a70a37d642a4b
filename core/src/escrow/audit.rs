//! Per-agent audit logs: a SHA-256 hash chain of every decision an agent makes, and an
//! outside [`Witness`] that anchors chain heads.
//!
//! Entry `i` commits to entry `i - 1` through its `prev` field, so an edit, a deletion or
//! a reordering in the middle of the log breaks the chain and [`verify`] names it. What a
//! plain chain cannot show is what happened to its *tail*: whoever holds the log can cut
//! the last entries off, or edit an entry and recompute every hash after it, and the
//! result is a perfectly consistent chain (SHA-256 has no key). Only an outside party that
//! has seen an earlier head can tell: that is the `witnessed` [`AuditMode`], modelled by
//! [`Witness`], which records `(length, head)` checkpoints that the agent cannot rewrite.
//!
//! Hash of an entry:
//! `SHA-256(TAG ‖ agent ‖ seq ‖ prev ‖ record)` with `TAG = "escrowlab-audit-v1"`, the
//! integers as 8-byte big-endian, and the record in its canonical encoding (every string
//! prefixed with its 4-byte big-endian length, the decision as a tag byte).

pub use crate::config::scheme::AuditMode;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;

/// Domain tag of entry hashes.
const ENTRY_TAG: &[u8] = b"escrowlab-audit-v1";
/// Domain tag of the genesis value.
const GENESIS_TAG: &[u8] = b"escrowlab-audit-genesis";
/// Magic bytes opening an encoded log.
const MAGIC: &[u8; 8] = b"EALOG\x00\x00\x01";
/// Longest string field accepted by [`AuditLog::decode`].
const MAX_FIELD_BYTES: usize = 64 * 1024;
/// Fewest bytes an encoded entry takes (seq, prev, hash, time, four empty strings,
/// decision tag).
const MIN_ENTRY_BYTES: usize = 8 + 32 + 32 + 8 + 4 * 4 + 1;

/// What an agent decided about one request.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Decision {
    /// A decryption share was released.
    Granted,
    /// The request was refused.
    Refused {
        /// The control that fired (`signature`, `expiry`, `scope`, ...).
        control: String,
    },
}

/// One decision, as the agent records it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Simulated time of the decision.
    pub time: u64,
    /// The case id the warrant names.
    pub case_id: String,
    /// Fingerprint of the warrant presented (hex).
    pub warrant_fp: String,
    /// Identifier of the escrow access field the request was for.
    pub field_id: String,
    /// Who asked.
    pub requester: String,
    /// What the agent decided.
    pub decision: Decision,
}

impl AuditRecord {
    /// The canonical encoding, as hashed and as stored by [`AuditLog::encode`].
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    /// Decodes [`AuditRecord::encode`] output: exactly one record, no trailing bytes (what
    /// a durable log stores per row, beside the entry's `seq`, `prev` and `hash`).
    ///
    /// # Errors
    /// [`Error::Malformed`] (`audit log`): truncation, an oversized or non-UTF-8 string, an
    /// unknown decision tag, trailing bytes.
    pub fn decode(bytes: &[u8]) -> Result<AuditRecord> {
        let mut r = Reader { bytes, pos: 0 };
        let record = r.record()?;
        if r.pos != bytes.len() {
            return Err(malformed(format!("{} trailing bytes", bytes.len() - r.pos)));
        }
        Ok(record)
    }

    fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.time.to_be_bytes());
        for s in [
            &self.case_id,
            &self.warrant_fp,
            &self.field_id,
            &self.requester,
        ] {
            put_str(out, s);
        }
        match &self.decision {
            Decision::Granted => out.push(0),
            Decision::Refused { control } => {
                out.push(1);
                put_str(out, control);
            }
        }
    }
}

/// One link of the chain.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the log, from 0.
    pub seq: u64,
    /// The decision.
    pub record: AuditRecord,
    /// Hash of the previous entry (the agent's genesis value for entry 0).
    pub prev: [u8; 32],
    /// Hash of this entry; see [`AuditEntry::compute_hash`].
    pub hash: [u8; 32],
}

impl AuditEntry {
    /// `SHA-256(TAG ‖ agent ‖ seq ‖ prev ‖ record)`: what `hash` must be. Public because
    /// anyone can compute it — which is exactly why a plain chain can be rewritten.
    pub fn compute_hash(agent: usize, seq: u64, prev: &[u8; 32], record: &AuditRecord) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update((ENTRY_TAG.len() as u32).to_be_bytes());
        h.update(ENTRY_TAG);
        h.update((agent as u64).to_be_bytes());
        h.update(seq.to_be_bytes());
        h.update(prev);
        h.update(record.encode());
        h.finalize().into()
    }
}

/// The audit log of one agent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditLog {
    agent: usize,
    entries: Vec<AuditEntry>,
}

impl AuditLog {
    /// An empty log for agent `agent`.
    pub fn new(agent: usize) -> AuditLog {
        AuditLog {
            agent,
            entries: Vec::new(),
        }
    }

    /// `SHA-256("escrowlab-audit-genesis" ‖ agent)`: the `prev` of entry 0 and the head
    /// of an empty log.
    pub fn genesis(agent: usize) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(GENESIS_TAG);
        h.update((agent as u64).to_be_bytes());
        h.finalize().into()
    }

    /// The agent this log belongs to.
    pub fn agent(&self) -> usize {
        self.agent
    }

    /// Appends a decision, chained to the current head, and returns the new entry.
    pub fn append(&mut self, record: AuditRecord) -> &AuditEntry {
        let seq = self.entries.last().map_or(0, |e| e.seq.wrapping_add(1));
        let prev = self.head();
        let hash = AuditEntry::compute_hash(self.agent, seq, &prev, &record);
        self.entries.push(AuditEntry {
            seq,
            record,
            prev,
            hash,
        });
        &self.entries[self.entries.len() - 1]
    }

    /// Hash of the last entry, or the genesis value when the log is empty.
    pub fn head(&self) -> [u8; 32] {
        self.entries
            .last()
            .map_or_else(|| AuditLog::genesis(self.agent), |e| e.hash)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Is the log empty?
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, in stored order.
    pub fn entries(&self) -> &[AuditEntry] {
        &self.entries
    }

    /// The entries, writable: what the `write_audit_log` capability hands an attacker.
    pub fn entries_mut(&mut self) -> &mut Vec<AuditEntry> {
        &mut self.entries
    }

    /// Number of entries recording a released share.
    pub fn granted_count(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.record.decision == Decision::Granted)
            .count()
    }

    /// Byte encoding: magic, agent, entry count, then each entry (seq, prev, hash,
    /// canonical record), integers big-endian.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(24 + self.entries.len() * (MIN_ENTRY_BYTES + 64));
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(self.agent as u64).to_be_bytes());
        out.extend_from_slice(&(self.entries.len() as u64).to_be_bytes());
        for e in &self.entries {
            out.extend_from_slice(&e.seq.to_be_bytes());
            out.extend_from_slice(&e.prev);
            out.extend_from_slice(&e.hash);
            e.record.encode_into(&mut out);
        }
        out
    }

    /// Decodes [`AuditLog::encode`] output. The chain is *not* verified (a tampered log
    /// must decode so that [`verify`] can say what was done to it).
    ///
    /// # Errors
    /// [`Error::Malformed`] (`audit log`) on any bad bytes: wrong magic, truncation,
    /// oversized or non-UTF-8 strings, an unknown decision tag, trailing bytes.
    pub fn decode(bytes: &[u8]) -> Result<AuditLog> {
        let mut r = Reader { bytes, pos: 0 };
        if r.take(MAGIC.len())? != MAGIC {
            return Err(malformed("bad magic"));
        }
        let agent = usize::try_from(r.u64()?).map_err(|_| malformed("agent index out of range"))?;
        let count = r.u64()?;
        let remaining = (bytes.len() - r.pos) as u64;
        if count > remaining / MIN_ENTRY_BYTES as u64 {
            return Err(malformed(format!(
                "{count} entries cannot fit in {remaining} bytes"
            )));
        }
        let mut entries = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let seq = r.u64()?;
            let prev = r.array32()?;
            let hash = r.array32()?;
            let record = r.record()?;
            entries.push(AuditEntry {
                seq,
                record,
                prev,
                hash,
            });
        }
        if r.pos != bytes.len() {
            return Err(malformed(format!("{} trailing bytes", bytes.len() - r.pos)));
        }
        Ok(AuditLog { agent, entries })
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn malformed(reason: impl Into<String>) -> Error {
    Error::malformed("audit log", reason)
}

/// A bounds-checked cursor.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.bytes.len());
        let Some(end) = end else {
            return Err(malformed(format!("truncated at byte {}", self.pos)));
        };
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u64(&mut self) -> Result<u64> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(u64::from_be_bytes(b))
    }
    fn array32(&mut self) -> Result<[u8; 32]> {
        let mut b = [0u8; 32];
        b.copy_from_slice(self.take(32)?);
        Ok(b)
    }
    fn record(&mut self) -> Result<AuditRecord> {
        let time = self.u64()?;
        let case_id = self.string()?;
        let warrant_fp = self.string()?;
        let field_id = self.string()?;
        let requester = self.string()?;
        let decision = match self.take(1)?[0] {
            0 => Decision::Granted,
            1 => Decision::Refused {
                control: self.string()?,
            },
            t => return Err(malformed(format!("unknown decision tag {t}"))),
        };
        Ok(AuditRecord {
            time,
            case_id,
            warrant_fp,
            field_id,
            requester,
            decision,
        })
    }
    fn string(&mut self) -> Result<String> {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(4)?);
        let len = u32::from_be_bytes(b) as usize;
        if len > MAX_FIELD_BYTES {
            return Err(malformed(format!(
                "string of {len} bytes exceeds {MAX_FIELD_BYTES}"
            )));
        }
        let s = self.take(len)?;
        String::from_utf8(s.to_vec()).map_err(|_| malformed("string is not UTF-8"))
    }
}

/// A chain head that the witness saw: the log had `len` entries and head `head`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Entries in the log when it was published.
    pub len: u64,
    /// The head then ([`AuditLog::head`]).
    pub head: [u8; 32],
}

/// An outside party (a transparency log, another agency) that records checkpoints of each
/// agent's log. Agents can publish but never rewrite what the witness holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Witness {
    checkpoints: BTreeMap<usize, Vec<Checkpoint>>,
}

impl Witness {
    /// A witness that has seen nothing.
    pub fn new() -> Witness {
        Witness::default()
    }

    /// Records the current length and head of `log` for agent `agent`.
    pub fn publish(&mut self, agent: usize, log: &AuditLog) {
        let cp = Checkpoint {
            len: log.len() as u64,
            head: log.head(),
        };
        self.checkpoints.entry(agent).or_default().push(cp);
    }

    /// The checkpoints recorded for `agent`, in publication order.
    pub fn checkpoints(&self, agent: usize) -> &[Checkpoint] {
        self.checkpoints.get(&agent).map_or(&[], Vec::as_slice)
    }
}

/// What [`verify`] found done to a log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tamper {
    /// The entry's contents no longer match its hash (or the hash the next entry links to).
    Edited {
        /// The edited entry.
        seq: u64,
    },
    /// The sequence jumps over this entry.
    Deleted {
        /// The first missing entry.
        seq: u64,
    },
    /// Entries are out of order.
    Reordered {
        /// The first entry found out of place.
        seq: u64,
    },
    /// The log is shorter than a length the witness saw.
    Truncated {
        /// Length the witness saw.
        witnessed_len: u64,
        /// Length found.
        found_len: u64,
    },
    /// The chain was recomputed after an edit: consistent, but it disagrees with a
    /// witnessed head.
    Rewritten {
        /// The last entry covered by the earliest disagreeing checkpoint (with a checkpoint
        /// per append, the edited entry itself).
        seq: u64,
    },
    /// An entry links to the genesis value in the middle of the log.
    ChainReset {
        /// The entry that restarts the chain.
        seq: u64,
    },
    /// A sequence number appears twice: a forged entry was inserted.
    Inserted {
        /// The duplicated sequence number.
        seq: u64,
    },
}

impl Tamper {
    /// Short name: `edit`, `delete`, `reorder`, `truncate`, `rewrite`, `chain-reset`,
    /// `insert`.
    pub fn kind(&self) -> &'static str {
        match self {
            Tamper::Edited { .. } => "edit",
            Tamper::Deleted { .. } => "delete",
            Tamper::Reordered { .. } => "reorder",
            Tamper::Truncated { .. } => "truncate",
            Tamper::Rewritten { .. } => "rewrite",
            Tamper::ChainReset { .. } => "chain-reset",
            Tamper::Inserted { .. } => "insert",
        }
    }
}

impl fmt::Display for Tamper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tamper::Edited { seq } => {
                write!(f, "entry {seq} edited: stored hash does not match its contents")
            }
            Tamper::Deleted { seq } => {
                write!(f, "entry {seq} deleted: the sequence jumps over it")
            }
            Tamper::Reordered { seq } => {
                write!(f, "entry {seq} reordered: it appears before an earlier entry")
            }
            Tamper::Truncated { witnessed_len, found_len } => write!(
                f,
                "log truncated: the witness saw {witnessed_len} entries, the log has {found_len}"
            ),
            Tamper::Rewritten { seq } => write!(
                f,
                "entry {seq} rewritten: the chain is consistent but disagrees with the witnessed head"
            ),
            Tamper::ChainReset { seq } => {
                write!(f, "entry {seq} resets the chain: it links to the genesis value")
            }
            Tamper::Inserted { seq } => {
                write!(f, "entry {seq} inserted: its sequence number appears twice")
            }
        }
    }
}

impl std::error::Error for Tamper {}

/// Verifies a log, and against `witness` when given. Returns the first tamper found.
///
/// Without a witness, the chain itself is checked: each stored hash is recomputed
/// (`Edited`), sequence numbers must run 0, 1, 2, … (`Deleted`, `Reordered`,
/// `Inserted`), each `prev` must be the previous hash (`Edited` of the previous entry, or
/// `ChainReset` when it is the genesis value again). A plain chain does **not** catch a
/// truncated tail or a rewrite with recomputed hashes.
///
/// With a witness, every checkpoint `(L, H)` for this agent must also hold: entry `L - 1`
/// has hash `H` (`Rewritten`, checked first, earliest checkpoint first) and the log has at
/// least `L` entries (`Truncated`, reporting the longest witnessed length).
///
/// # Errors
/// The [`Tamper`] found.
pub fn verify(log: &AuditLog, witness: Option<&Witness>) -> std::result::Result<(), Tamper> {
    let agent = log.agent;
    let genesis = AuditLog::genesis(agent);
    let entries = &log.entries;
    let mut prev_hash = genesis;
    for (i, e) in entries.iter().enumerate() {
        let expected = i as u64;
        if AuditEntry::compute_hash(agent, e.seq, &e.prev, &e.record) != e.hash {
            return Err(Tamper::Edited { seq: e.seq });
        }
        if e.prev == genesis && (i > 0 || e.seq > 0) {
            return Err(Tamper::ChainReset { seq: e.seq });
        }
        if e.seq < expected {
            // Every smaller number was accepted already: this one is a duplicate.
            return Err(Tamper::Inserted { seq: e.seq });
        }
        if e.seq > expected {
            let rest = &entries[i + 1..];
            if rest.iter().any(|o| o.seq == e.seq) {
                return Err(Tamper::Inserted { seq: e.seq });
            }
            if rest.iter().any(|o| (expected..e.seq).contains(&o.seq)) {
                return Err(Tamper::Reordered { seq: e.seq });
            }
            return Err(Tamper::Deleted { seq: expected });
        }
        if e.prev != prev_hash {
            // The previous entry was changed and its own hash recomputed, but this entry
            // still links to what it used to be.
            let seq = if i == 0 { 0 } else { entries[i - 1].seq };
            return Err(Tamper::Edited { seq });
        }
        prev_hash = e.hash;
    }

    let Some(witness) = witness else {
        return Ok(());
    };
    let mut cps = witness.checkpoints(agent).to_vec();
    cps.sort_by_key(|c| c.len);
    let found_len = entries.len() as u64;
    // Heads first, earliest checkpoint first: a rewrite is named where it starts, even
    // when it also shortened the log.
    for cp in cps.iter().filter(|c| c.len <= found_len) {
        let head = match cp.len {
            0 => genesis,
            l => entries[(l - 1) as usize].hash,
        };
        if head != cp.head {
            return Err(Tamper::Rewritten {
                seq: cp.len.saturating_sub(1),
            });
        }
    }
    if let Some(max) = cps.last().filter(|c| c.len > found_len) {
        return Err(Tamper::Truncated {
            witnessed_len: max.len,
            found_len,
        });
    }
    Ok(())
}
