//! The property-testing kit: [proptest](mod@proptest) strategies over schemes, populations, warrants,
//! share subsets, tampered escrow fields and tampered audit logs, and the conformance
//! battery ([`properties::check_scheme`]) that `escrowlab check-scheme` runs.
//!
//! Every strategy here generates *seeds, indices and small configurations*, never RNG
//! objects or key material: a case is a plain value, printed in full in a counter-example,
//! and turned into concrete warrants, shares or tampers only against a world that is
//! itself a pure function of a [`WorldSpec`]. So every case replays, and proptest can
//! shrink a failing case to a minimal one.
//!
//! Choices among things that only exist once a world is built (a user, a session, an
//! entry of a log) are [`Pick`] values, resolved with [`Pick::of`] against the length at
//! hand; they shrink towards the first element in a few steps.
//!
//! ```
//! use escrowlab_core::testing::{world_specs, log_tampers};
//! use proptest::strategy::{Strategy, ValueTree};
//! use proptest::test_runner::TestRunner;
//! let mut runner = TestRunner::deterministic();
//! let spec = world_specs(7).new_tree(&mut runner).unwrap().current();
//! assert!((6..=10).contains(&spec.users));
//! let tamper = log_tampers().new_tree(&mut runner).unwrap().current();
//! assert!(!tamper.kind().is_empty());
//! ```

pub(crate) mod mechanism_properties;
pub mod properties;

pub use properties::{
    check_scheme, check_scheme_with, estimate, CheckOptions, PropertyResult, PropertyStatus,
    DEFAULT_CASES, DETERMINISM_MAX_CASES, FORGERY_BUDGET, MAX_SHRINK_ITERS, PROPERTIES,
};

use crate::backend::BackendKind;
use crate::config::scheme::{
    Audit, AuditMode, Binding, Client, Combiner, Court, Custody, CustodyKind, Field, Keygen,
    Lifetime, Scheme, Warrant,
};
use crate::escrow::audit::{AuditEntry, AuditLog};
use crate::world::{Population, WorldConfig};
use proptest::prelude::*;

/// A choice among the elements of something that exists only once a world is built:
/// element `self.0 mod len` ([`Pick::of`]). One byte, so it shrinks to 0 in a few steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pick(pub u8);

impl Pick {
    /// The chosen position among `len` elements (`len >= 1`; 0 when `len == 0`).
    pub fn of(self, len: usize) -> usize {
        if len == 0 {
            0
        } else {
            usize::from(self.0) % len
        }
    }
}

/// Any [`Pick`].
pub fn picks() -> impl Strategy<Value = Pick> {
    any::<u8>().prop_map(Pick)
}

/// How many distinct world seeds [`world_specs`] draws from (offset by the base seed):
/// few, so that the worlds of a run can be built once and reused by every case.
pub const WORLD_SEEDS: u64 = 2;

/// Messages per session in generated worlds (enough to check that every message of a
/// session is read, few enough to stay cheap).
pub const MESSAGES_PER_SESSION: u32 = 2;

/// A small world, as a value: build it with [`WorldSpec::config`] and
/// [`crate::world::World::run`]. The same spec always gives the same world.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorldSpec {
    /// Users (and conversations).
    pub users: u32,
    /// Epochs.
    pub epochs: u32,
    /// Messages per session.
    pub messages_per_session: u32,
    /// The world's one seed.
    pub seed: u64,
}

impl WorldSpec {
    /// The population: `users` users in as many conversations, a quarter of them groups.
    pub fn population(&self) -> Population {
        Population {
            users: self.users,
            group_share: 0.25,
            epochs: self.epochs,
            messages_per_session: self.messages_per_session,
            conversations: None,
            ..Population::default()
        }
    }

    /// The world configuration for a scheme and a backend.
    pub fn config(&self, scheme: &Scheme, backend: BackendKind) -> WorldConfig {
        WorldConfig {
            scheme: scheme.clone(),
            population: self.population(),
            seed: self.seed,
            backend,
        }
    }
}

/// Tiny worlds for the conformance properties: 6, 8 or 10 users, 2 or 3 epochs,
/// [`MESSAGES_PER_SESSION`] messages per session, and one of [`WORLD_SEEDS`] seeds
/// counted from `base_seed`. Shrinks towards 6 users, 2 epochs and `base_seed`.
pub fn world_specs(base_seed: u64) -> impl Strategy<Value = WorldSpec> {
    (
        prop::sample::select(vec![6u32, 8, 10]),
        2u32..=3,
        0u64..WORLD_SEEDS,
    )
        .prop_map(move |(users, epochs, i)| WorldSpec {
            users,
            epochs,
            messages_per_session: MESSAGES_PER_SESSION,
            seed: base_seed.wrapping_add(i),
        })
}

/// Any small valid population (2–10 users, 1–3 epochs, 1–3 messages per session, up to
/// half of the conversations groups), for tests that build their own worlds.
pub fn populations() -> impl Strategy<Value = Population> {
    (2u32..=10, 1u32..=3, 1u32..=3, 0u32..=2).prop_map(|(users, epochs, messages, g)| Population {
        users,
        group_share: f64::from(g) * 0.25,
        epochs,
        messages_per_session: messages,
        conversations: None,
        ..Population::default()
    })
}

/// Custody: none, a single key, or `k`-of-`n` with `1 <= k <= n <= 7`.
fn custodies() -> impl Strategy<Value = (CustodyKind, usize, usize)> {
    prop_oneof![
        Just((CustodyKind::None, 1, 1)),
        Just((CustodyKind::Single, 1, 1)),
        (1usize..=7)
            .prop_flat_map(|n| (1..=n, Just(n)))
            .prop_map(|(k, n)| (CustodyKind::Threshold, k, n)),
    ]
}

/// A court: a single key, or `k`-of-`n` judges with `n <= 3`.
fn courts() -> impl Strategy<Value = Court> {
    prop_oneof![
        Just(Court::Single),
        (1usize..=3)
            .prop_flat_map(|n| (1..=n, Just(n)))
            .prop_map(|(k, n)| Court::Threshold { k, n }),
    ]
}

fn keygens() -> impl Strategy<Value = Keygen> {
    prop_oneof![Just(Keygen::Dealer), Just(Keygen::Dkg)]
}

fn lifetimes() -> impl Strategy<Value = Lifetime> {
    prop_oneof![Just(Lifetime::Static), Just(Lifetime::Epoch)]
}

/// Assembles a scheme from its parts and checks it as a TOML file would be checked.
#[allow(clippy::too_many_arguments)]
fn assemble(
    (kind, k, n): (CustodyKind, usize, usize),
    keygen: Keygen,
    lifetime: Lifetime,
    retention: u32,
    refresh: bool,
    field: Field,
    warrant: Warrant,
    audit: AuditMode,
    verify_shares: bool,
) -> Scheme {
    let threshold = kind == CustodyKind::Threshold;
    let s = Scheme {
        name: "generated".into(),
        summary: "A scheme generated by escrowlab::testing".into(),
        backend: None,
        custody: Custody {
            kind,
            k,
            n,
            keygen: if threshold { keygen } else { Keygen::Dealer },
            lifetime,
            retention,
            refresh,
        },
        field,
        warrant,
        audit: Audit { log: audit },
        combiner: Combiner { verify_shares },
        client: Client::default(),
        mechanism: None,
    };
    debug_assert!(
        toml::to_string(&s).is_ok_and(|t| Scheme::from_toml_str(&t, "generated").is_ok()),
        "generated scheme is valid"
    );
    s
}

/// Valid scheme configurations with every control on: any custody (`k <= n <= 7`),
/// keygen, lifetime, retention 0–2, refresh, a `signed` or `recompute` binding, any court,
/// a hash-chain or witnessed audit log, a verifying combiner. Every applicable property
/// of [`properties::check_scheme`] holds for these.
pub fn sound_schemes() -> impl Strategy<Value = Scheme> {
    (
        custodies(),
        keygens(),
        lifetimes(),
        0u32..=2,
        any::<bool>(),
        prop_oneof![Just(Binding::Signed), Just(Binding::Recompute)],
        courts(),
        prop_oneof![Just(AuditMode::HashChain), Just(AuditMode::Witnessed)],
    )
        .prop_map(|(c, kg, lt, ret, refresh, binding, court, audit)| {
            let warrant = Warrant {
                court,
                ..Warrant::default()
            };
            let field = Field {
                binding,
                checksum_bits: 16,
                ..Field::default()
            };
            assemble(c, kg, lt, ret, refresh, field, warrant, audit, true)
        })
}

/// Any valid scheme configuration: as [`sound_schemes`], plus every binding (a checksum
/// of 1–64 bits included), every warrant switch on or off, use limits 0–3, any audit mode
/// and either combiner. Not every property holds for these; that is the point.
pub fn schemes() -> impl Strategy<Value = Scheme> {
    let field = prop_oneof![
        Just(Binding::None),
        Just(Binding::Signed),
        Just(Binding::Recompute),
        Just(Binding::Checksum)
    ]
    .prop_flat_map(|binding| {
        (1u32..=64).prop_map(move |checksum_bits| Field {
            binding,
            checksum_bits,
            ..Field::default()
        })
    });
    let warrant =
        (courts(), any::<[bool; 5]>(), 0u32..=3).prop_map(|(court, on, use_limit)| Warrant {
            court,
            check_signature: on[0],
            check_expiry: on[1],
            check_scope: on[2],
            replay_cache: on[3],
            use_limit,
            field_registry: on[4],
        });
    let audit = prop_oneof![
        Just(AuditMode::None),
        Just(AuditMode::HashChain),
        Just(AuditMode::Witnessed)
    ];
    (
        custodies(),
        keygens(),
        lifetimes(),
        0u32..=2,
        any::<bool>(),
        field,
        warrant,
        audit,
        any::<bool>(),
    )
        .prop_map(|(c, kg, lt, ret, refresh, field, warrant, audit, verify)| {
            assemble(c, kg, lt, ret, refresh, field, warrant, audit, verify)
        })
}

/// What is wrong (or right) with a warrant presented to the agents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WarrantKind {
    /// Signed by the court, in its validity period, covering the requested session.
    Valid,
    /// Signed and in scope, but presented after it expired.
    Expired,
    /// Valid, but none of its targets is a member of the requested session.
    OutOfTargets,
    /// Valid, but its window does not include the requested session's epoch.
    OutOfWindow,
    /// A request that was already served, sent again byte for byte.
    Replayed,
    /// A warrant used once more than its use limit (fresh request nonces each time).
    OverUsed,
    /// A court-signed warrant whose targets were changed afterwards (signature kept).
    Forged,
    /// Signed, but by a court key other than the one the agents pin.
    WrongKey,
}

impl WarrantKind {
    /// Every kind.
    pub const ALL: [WarrantKind; 8] = [
        WarrantKind::Valid,
        WarrantKind::Expired,
        WarrantKind::OutOfTargets,
        WarrantKind::OutOfWindow,
        WarrantKind::Replayed,
        WarrantKind::OverUsed,
        WarrantKind::Forged,
        WarrantKind::WrongKey,
    ];
}

/// A warrant case: its kind and the choices that make it concrete against a world.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WarrantCase {
    /// What kind of warrant.
    pub kind: WarrantKind,
    /// The session whose field is requested (among sessions whose key is live).
    pub session: Pick,
    /// Which member of that session is the warrant's target (or, out of targets, which
    /// non-member).
    pub target: Pick,
    /// The warrant's use limit (1 or 2; the court writes it into the warrant).
    pub use_limit: u32,
    /// Seed of the case id, the warrant nonce and the request nonces.
    pub nonce: u64,
}

/// Warrant cases of one kind.
pub fn warrant_cases(kind: WarrantKind) -> impl Strategy<Value = WarrantCase> {
    (picks(), picks(), 1u32..=2, any::<u16>().prop_map(u64::from)).prop_map(
        move |(session, target, use_limit, nonce)| WarrantCase {
            kind,
            session,
            target,
            use_limit,
            nonce,
        },
    )
}

/// Warrant cases of any of `kinds` (uniformly).
pub fn warrant_cases_of(kinds: &[WarrantKind]) -> impl Strategy<Value = WarrantCase> {
    (
        prop::sample::select(kinds.to_vec()),
        warrant_cases(WarrantKind::Valid),
    )
        .prop_map(|(kind, mut case)| {
            case.kind = kind;
            case
        })
}

/// All warrant kinds: valid, expired, out of scope, replayed, over-used, forged, signed
/// by the wrong key.
pub fn any_warrant_case() -> impl Strategy<Value = WarrantCase> {
    warrant_cases_of(&WarrantKind::ALL)
}

/// Any `k` distinct agents of `n`, sorted (`1 <= k <= n`).
pub fn any_k_of_n(k: usize, n: usize) -> impl Strategy<Value = Vec<usize>> {
    prop::sample::subsequence((0..n).collect::<Vec<_>>(), k.min(n))
}

/// Between 1 and `k - 1` distinct agents of `n`, sorted (`k >= 2`; for `k < 2` the only
/// "fewer than k" set is empty, which is what this yields).
pub fn fewer_than_k(k: usize, n: usize) -> BoxedStrategy<Vec<usize>> {
    if k < 2 || n == 0 {
        return Just(Vec::new()).boxed();
    }
    prop::sample::subsequence((0..n).collect::<Vec<_>>(), 1..k.min(n + 1)).boxed()
}

/// A bad decryption share, from the negative generators that caught real bugs in
/// threshold decryption: duplicates, shares from another key set, shares for another
/// ciphertext, and random bytes. Agent indices are already reduced modulo `n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadShare {
    /// Agent `offender` answers with a copy of agent `source`'s genuine share
    /// (`source != offender`).
    Duplicate {
        /// The agent presenting the copy.
        offender: usize,
        /// Whose share it copies.
        source: usize,
    },
    /// Agent `agent` answers twice with its own genuine share (the same index and bytes
    /// twice, first in the list). Nobody misbehaves; a combiner must not count it twice.
    Repeated {
        /// The agent.
        agent: usize,
    },
    /// Agent `offender` answers with a share computed under a different key set (a fresh
    /// key generation from `seed`).
    OtherKeySet {
        /// The agent presenting it.
        offender: usize,
        /// Seed of the other key generation.
        seed: u64,
    },
    /// Agent `offender` answers with its genuine share for another session's field.
    OtherCiphertext {
        /// The agent presenting it.
        offender: usize,
        /// The other session (among the others).
        other: Pick,
    },
    /// Agent `offender` answers with random bytes of a share's length.
    RandomBytes {
        /// The agent presenting them.
        offender: usize,
        /// Seed of the bytes.
        seed: u64,
    },
}

impl BadShare {
    /// The agent at fault, if any ([`BadShare::Repeated`] has none).
    pub fn offender(&self) -> Option<usize> {
        match *self {
            BadShare::Duplicate { offender, .. }
            | BadShare::OtherKeySet { offender, .. }
            | BadShare::OtherCiphertext { offender, .. }
            | BadShare::RandomBytes { offender, .. } => Some(offender),
            BadShare::Repeated { .. } => None,
        }
    }
}

/// Bad shares among `n >= 1` agents (duplicates of another agent's share need `n >= 2`).
pub fn bad_shares(n: usize) -> BoxedStrategy<BadShare> {
    let n = n.max(1);
    let agent = 0..n;
    let mut options: Vec<BoxedStrategy<BadShare>> = vec![
        agent
            .clone()
            .prop_map(|agent| BadShare::Repeated { agent })
            .boxed(),
        (agent.clone(), any::<u16>().prop_map(u64::from))
            .prop_map(|(offender, seed)| BadShare::OtherKeySet { offender, seed })
            .boxed(),
        (agent.clone(), picks())
            .prop_map(|(offender, other)| BadShare::OtherCiphertext { offender, other })
            .boxed(),
        (agent.clone(), any::<u16>().prop_map(u64::from))
            .prop_map(|(offender, seed)| BadShare::RandomBytes { offender, seed })
            .boxed(),
    ];
    if n >= 2 {
        options.insert(
            0,
            (agent, 1..n)
                .prop_map(move |(offender, d)| BadShare::Duplicate {
                    offender,
                    source: (offender + d) % n,
                })
                .boxed(),
        );
    }
    prop::strategy::Union::new(options).boxed()
}

/// A tamper of an escrow field in transit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldTamper {
    /// The genuine field of another session, attached to this session's header.
    HeaderSwap {
        /// The other session (among the others).
        other: Pick,
    },
    /// One bit of the field body (threshold ciphertext ‖ wrapped key) flipped.
    BitFlip {
        /// The byte.
        byte: Pick,
        /// The bit (0–7).
        bit: u8,
    },
    /// The check bytes replaced with other bytes (at least one byte).
    ForgedCheck {
        /// Seed of the bytes.
        seed: u64,
    },
}

/// Field tampers: header swaps, bit flips, forged checks.
pub fn field_tampers() -> impl Strategy<Value = FieldTamper> {
    prop_oneof![
        picks().prop_map(|other| FieldTamper::HeaderSwap { other }),
        (picks(), 0u8..8).prop_map(|(byte, bit)| FieldTamper::BitFlip { byte, bit }),
        any::<u16>()
            .prop_map(u64::from)
            .prop_map(|seed| FieldTamper::ForgedCheck { seed }),
    ]
}

/// One tamper of an agent's audit log, by whoever holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogTamper {
    /// An entry's record changed, its hash left as it was.
    Edit {
        /// The entry.
        at: Pick,
    },
    /// An entry other than the last removed.
    Delete {
        /// The entry (among all but the last).
        at: Pick,
    },
    /// Two entries swapped.
    Reorder {
        /// One entry.
        a: Pick,
        /// The other (among the rest).
        b: Pick,
    },
    /// The last `1 + count` entries cut off.
    Truncate {
        /// How many, minus one.
        count: Pick,
    },
    /// A forged, properly linked and hashed entry inserted before an existing one (taking
    /// its sequence number).
    Insert {
        /// The position.
        at: Pick,
    },
    /// An entry (not the first) re-linked to the genesis value and re-hashed: the chain
    /// restarts there.
    ChainReset {
        /// The entry (among all but the first).
        at: Pick,
    },
    /// An entry's record changed and every hash from it on recomputed: a consistent chain.
    Rewrite {
        /// The entry.
        at: Pick,
    },
}

/// Every log tamper kind, with its position choices.
pub fn log_tampers() -> impl Strategy<Value = LogTamper> {
    prop_oneof![
        picks().prop_map(|at| LogTamper::Edit { at }),
        picks().prop_map(|at| LogTamper::Delete { at }),
        (picks(), picks()).prop_map(|(a, b)| LogTamper::Reorder { a, b }),
        picks().prop_map(|count| LogTamper::Truncate { count }),
        picks().prop_map(|at| LogTamper::Insert { at }),
        picks().prop_map(|at| LogTamper::ChainReset { at }),
        picks().prop_map(|at| LogTamper::Rewrite { at }),
    ]
}

impl LogTamper {
    /// Short name, as [`crate::escrow::audit::Tamper::kind`]: `edit`, `delete`, `reorder`,
    /// `truncate`, `insert`, `chain-reset`, `rewrite`.
    pub fn kind(&self) -> &'static str {
        match self {
            LogTamper::Edit { .. } => "edit",
            LogTamper::Delete { .. } => "delete",
            LogTamper::Reorder { .. } => "reorder",
            LogTamper::Truncate { .. } => "truncate",
            LogTamper::Insert { .. } => "insert",
            LogTamper::ChainReset { .. } => "chain-reset",
            LogTamper::Rewrite { .. } => "rewrite",
        }
    }

    /// Is this tamper one that `mode` promises to detect? A hash chain promises edits,
    /// deletions, reorderings, insertions and chain resets; only a witnessed log also
    /// promises truncation of the tail and a consistent rewrite; no log promises nothing.
    pub fn promised_by(&self, mode: AuditMode) -> bool {
        match mode {
            AuditMode::None => false,
            AuditMode::HashChain => {
                !matches!(self, LogTamper::Truncate { .. } | LogTamper::Rewrite { .. })
            }
            AuditMode::Witnessed => true,
        }
    }

    /// The tampered copy of `log`, or `None` when the log is too short for this tamper
    /// (deletion, reordering and chain reset need two entries; the others one).
    pub fn apply(&self, log: &AuditLog) -> Option<AuditLog> {
        let len = log.len();
        if len == 0 {
            return None;
        }
        let agent = log.agent();
        let mut out = log.clone();
        let e = out.entries_mut();
        match *self {
            LogTamper::Edit { at } => {
                e[at.of(len)].record.requester.push_str("+edited");
            }
            LogTamper::Delete { at } => {
                if len < 2 {
                    return None;
                }
                e.remove(at.of(len - 1));
            }
            LogTamper::Reorder { a, b } => {
                if len < 2 {
                    return None;
                }
                let i = a.of(len);
                let mut j = b.of(len - 1);
                if j >= i {
                    j += 1;
                }
                e.swap(i, j);
            }
            LogTamper::Truncate { count } => {
                e.truncate(len - 1 - count.of(len));
            }
            LogTamper::Insert { at } => {
                let i = at.of(len);
                let prev = if i == 0 {
                    AuditLog::genesis(agent)
                } else {
                    e[i - 1].hash
                };
                let mut record = e[i].record.clone();
                record.requester = "forger".into();
                record.decision = crate::escrow::audit::Decision::Granted;
                let seq = e[i].seq;
                let hash = AuditEntry::compute_hash(agent, seq, &prev, &record);
                e.insert(
                    i,
                    AuditEntry {
                        seq,
                        record,
                        prev,
                        hash,
                    },
                );
            }
            LogTamper::ChainReset { at } => {
                if len < 2 {
                    return None;
                }
                let i = 1 + at.of(len - 1);
                let x = &mut e[i];
                x.prev = AuditLog::genesis(agent);
                x.hash = AuditEntry::compute_hash(agent, x.seq, &x.prev, &x.record);
            }
            LogTamper::Rewrite { at } => {
                let i = at.of(len);
                e[i].record.requester.push_str("+rewritten");
                for j in i..len {
                    let prev = if j == 0 {
                        AuditLog::genesis(agent)
                    } else {
                        e[j - 1].hash
                    };
                    e[j].prev = prev;
                    e[j].hash = AuditEntry::compute_hash(agent, e[j].seq, &prev, &e[j].record);
                }
            }
        }
        Some(out)
    }
}
