//! Upper bounds on what a configuration may ask for.
//!
//! Every file that escrowlab reads is checked against these limits before anything is
//! built from it, so that a typo (or a hostile file) cannot make a run allocate without
//! bound or run for days. Each limit is inclusive: a value equal to it is accepted.

/// Most escrow agents a threshold custody may have (`[custody] n`). Key generation and
/// the DKG are quadratic in `n`; 64 agents is far beyond any proposed deployment.
pub const MAX_AGENTS: usize = 64;

/// Most judges of a threshold court (`[warrant] court = { kind = "threshold", n = .. }`).
pub const MAX_COURT: usize = 16;

/// Most bits of a checksum binding (`[field] checksum_bits`): the check is truncated
/// from a 64-bit value. Clipper used 16.
pub const MAX_CHECKSUM_BITS: u32 = 64;

/// Most epochs an old epoch key may be retained (`[custody] retention`).
pub const MAX_RETENTION: u32 = 1000;

/// Most users in a simulated population.
pub const MAX_USERS: usize = 1_000_000;

/// Most epochs on a simulated timeline.
pub const MAX_EPOCHS: usize = 1_000;

/// Most messages a conversation may send in one session.
pub const MAX_MESSAGES_PER_SESSION: usize = 10_000;

/// Most messages in a whole run (conversations × epochs × messages per session). Ciphertexts
/// are sealed again when read, not kept, but ground truth keeps a 16-byte digest of every
/// plaintext, and a thief that reads everything holds one claim per message.
pub const MAX_TOTAL_MESSAGES: u64 = 100_000_000;

/// Largest configuration file read (scheme, suite), in bytes: 1 MiB.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;
