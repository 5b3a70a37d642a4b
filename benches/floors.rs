//! Floor against path: each cryptographic floor and the code's own path for the same work,
//! measured side by side in one run, then printed as ratios (path ÷ floor, or ours ÷ the
//! crate's). Speed targets live here and in the issue notes, never in tests.
//!
//! - `verify_ciphertext`, `verify_decryption_share`: the crate's two full pairings against
//!   the backend's product of pairings (two Miller loops, one final exponentiation); for
//!   the share, both with the agent's public key share already derived.
//! - `shares_100`: a combiner checking 100 decryption shares one by one against one batch
//!   (random linear combination with 128-bit weights).
//! - `message_open`: one ChaCha20-Poly1305 open of a 40-byte message with a ready key (the
//!   floor) against the thief's per-message work (a ratchet step and the open).
//! - `session_simulation`: the honest world per session (a 2-member single-key world of
//!   20 messages per session; per session = the difference between an 8-epoch and a
//!   2-epoch world over the sessions it adds, so the fixed setup cancels) against its
//!   crypto floor: the escrow wrap, one key delivery
//!   and 20 ratchet steps and seals, on one thread and on two. The world does not keep
//!   ciphertexts (the relay seals them again when read), so the path is the simulation
//!   plus one parallel read of every session's ciphertexts: every seal is paid once.
//! - `thief_field`: the one G1 multiplication U·sk (the floor) against the thief's
//!   decryption of one threshold ciphertext from its bytes (the confirmed path: no square
//!   root for U, the right one of two candidates picked by comparison, as the AEAD does);
//!   U's decompression is timed beside it, as what that path no longer pays.
//! - `thief_bulk`: the thief's bulk decryption (`open_sessions_with_masters`, the kernel
//!   of every master-key attack) over 400 captured sessions of 20 messages held in memory,
//!   on one and two threads, against the floor (one G1 multiplication and 20
//!   opens per session) and the format's floor (adding the unwrap and 20 ratchet steps,
//!   which the protocol forces on any reader).
//! - `thief_session`: the whole `key-theft` cell per session (decrypt the field, unwrap
//!   the session key, walk the ratchet, open 20 messages, confirm them) on one and two
//!   threads, against the floor of one G1 multiplication and 20 opens; reported with and
//!   without the relay's replay (one seal per message) counted in the floor.
//! - `dr_simulation` (paired report only): the `double-ratchet` world (1:1 sessions, 20
//!   messages each, per-chain escrow) per session, measured as the session simulation is
//!   (a larger world less a smaller one, plus one read of every session), against its own
//!   cryptographic floor counted from the world's sessions: per new sending chain one DH
//!   ratchet step (`GENERATE_DH`, `DH`, `KDF_RK`) and one escrow field; per message one
//!   `KDF_CK` and one AEAD seal; per session one key delivery. The floor of the sessions
//!   the larger world adds runs as one job in the same round as the worlds.
//! - `relay_replay`: sealing every session's messages again (what reading costs the
//!   relay), on one and two threads, so the thief's own work is the path minus it.
//!
//! `cargo bench --bench floors` runs them and prints the ratios at the end.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use criterion::{BenchmarkId, Criterion};
use escrowlab::backend::blsttc_backend::Blsttc;
use escrowlab::backend::ThresholdBackend;
use escrowlab::config::scheme::Scheme;
use escrowlab::escrow::field::{BindingRule, FieldEnv};
use escrowlab::runner::{base_worlds, run_cell};
use escrowlab::secret::Key32;
use escrowlab::world::messaging::{deliver, open, seal, MessageHeader, Ratchet, SessionHeader};
use escrowlab::world::{Population, WorldConfig};
use std::hint::black_box;
use std::time::Duration;

const GROUP: &str = "floors";

fn header() -> SessionHeader {
    SessionHeader {
        session: 1,
        conv: 1,
        epoch: 0,
        sender: 0,
        members: vec![0, 1],
    }
}

/// A 34-of-100 key, a ciphertext to it and the 100 agents' decryption shares of it.
fn hundred_shares() -> (
    escrowlab::backend::KeyGenOutput<Blsttc>,
    blsttc::Ciphertext,
    Vec<blsttc::DecryptionShare>,
) {
    let big = Blsttc::dealer_keygen(34, 100, [3; 32]).expect("34-of-100 key");
    let ct = Blsttc::encrypt(&big.public, &[9u8; 32], [4; 32]);
    let shares = big
        .shares
        .iter()
        .map(|s| Blsttc::decryption_share(s, &ct))
        .collect();
    (big, ct, shares)
}

fn pairings(c: &mut Criterion) {
    let mut g = c.benchmark_group(GROUP);
    g.sample_size(20).measurement_time(Duration::from_secs(3));
    let key = Blsttc::dealer_keygen(3, 5, [1; 32]).expect("3-of-5 key");
    let ct = Blsttc::encrypt(&key.public, &[7u8; 32], [2; 32]);
    let share = Blsttc::decryption_share(&key.shares[0], &ct);
    g.bench_function(BenchmarkId::new("verify_ciphertext", "crate"), |b| {
        b.iter(|| black_box(ct.verify()))
    });
    g.bench_function(BenchmarkId::new("verify_ciphertext", "ours"), |b| {
        b.iter(|| black_box(Blsttc::verify_ciphertext(&ct)))
    });
    // Both with the agent's public key share already known (a combiner keeps it: ours
    // caches it per key set, and the crate's is derived once here, outside the loop).
    let agent_key = key.public.public_key_share(0);
    assert!(Blsttc::verify_decryption_share(&key.public, 0, &share, &ct));
    g.bench_function(BenchmarkId::new("verify_decryption_share", "crate"), |b| {
        b.iter(|| black_box(agent_key.verify_decryption_share(&share, &ct)))
    });
    g.bench_function(BenchmarkId::new("verify_decryption_share", "ours"), |b| {
        b.iter(|| black_box(Blsttc::verify_decryption_share(&key.public, 0, &share, &ct)))
    });
    // 100 agents' shares of one ciphertext.
    let (big, ct, shares) = hundred_shares();
    let refs: Vec<_> = shares.iter().enumerate().collect();
    assert!(Blsttc::verify_decryption_shares(&big.public, &refs, &ct));
    g.bench_function(BenchmarkId::new("shares_100", "one_by_one"), |b| {
        b.iter(|| {
            black_box(
                refs.iter()
                    .all(|(i, s)| Blsttc::verify_decryption_share(&big.public, *i, s, &ct)),
            )
        })
    });
    g.bench_function(BenchmarkId::new("shares_100", "batch"), |b| {
        b.iter(|| black_box(Blsttc::verify_decryption_shares(&big.public, &refs, &ct)))
    });
    g.finish();
}

/// One 40-byte message: a ready ratchet (at position 0), the message's associated data,
/// its key (the ratchet's first) and its ciphertext.
fn one_message() -> (Ratchet, Vec<u8>, Key32, Vec<u8>) {
    let ready = Ratchet::new(&Key32([5; 32]));
    let h = MessageHeader {
        conv: 1,
        session: 1,
        sender: 0,
        epoch: 0,
        counter: 0,
    };
    let ad = h.encode();
    let mk = ready.clone().next_key();
    let ct = seal(&mk, &ad, &[0x61; 40]);
    (ready, ad, mk, ct)
}

fn aead(c: &mut Criterion) {
    let mut g = c.benchmark_group(GROUP);
    g.sample_size(30).measurement_time(Duration::from_secs(2));
    let (ready, ad, mk, ct) = one_message();
    let cipher = ChaCha20Poly1305::new(Key::from_slice(&mk.0));
    g.bench_function(BenchmarkId::new("message_open", "floor"), |b| {
        b.iter(|| {
            black_box(cipher.decrypt(
                Nonce::from_slice(&[0u8; 12]),
                Payload { msg: &ct, aad: &ad },
            ))
        })
    });
    g.bench_function(BenchmarkId::new("message_open", "path"), |b| {
        b.iter(|| {
            // The thief's per-message work: one step of a ready ratchet (here on a copy, so
            // every iteration opens the same message) and the open.
            let mut r = ready.clone();
            black_box(open(&r.next_key(), &ad, &ct))
        })
    });
    g.bench_function(BenchmarkId::new("message_open", "ratchet_step"), |b| {
        b.iter(|| {
            // One step of a ready ratchet (a copy, so every iteration takes the same step).
            let mut r = ready.clone();
            black_box(r.next_key())
        })
    });
    g.finish();
}

/// A thread pool of `threads` threads (the 1- and 2-core variants of a path).
fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
}

/// Epochs of the simulation bench's smaller world; the larger one has four times as many.
const EPOCHS: u32 = 2;

/// A single-key world of 2-member conversations (200 sessions per epoch), `EPOCHS` epochs.
fn world_config() -> WorldConfig {
    world_config_of(EPOCHS)
}

/// The same world over `epochs` epochs.
fn world_config_of(epochs: u32) -> WorldConfig {
    let scheme = Scheme::load("single-key").expect("built-in scheme");
    WorldConfig {
        scheme,
        population: Population {
            users: 200,
            group_share: 0.0,
            epochs,
            messages_per_session: 20,
            conversations: Some(200),
            ..Population::default()
        },
        seed: 1,
        backend: escrowlab::backend::BackendKind::Blsttc,
    }
}

/// Epochs of the Double Ratchet bench's smaller world; the larger one has four times as many.
const DR_EPOCHS: u32 = 1;

/// A single-key `double-ratchet` world of 1:1 conversations (50 sessions per epoch, 20
/// messages each) over `epochs` epochs.
fn dr_config_of(epochs: u32) -> WorldConfig {
    let mut config = world_config_of(epochs);
    config.population.conversations = Some(50);
    config.population.protocol = escrowlab::world::Protocol::DoubleRatchet;
    config
}

/// Chains (new sending chains: one DH ratchet step and one escrow field each), messages and
/// sessions of `config`'s world, from its transcript.
fn dr_counts(config: &WorldConfig) -> [usize; 3] {
    let base = base_worlds(&config.scheme, config).unwrap();
    let mut ctx =
        escrowlab::attack::context::AttackCtx::new(&base, "dr-counts").expect("outside a cell");
    ctx.advance_to_end().expect("the honest world finishes");
    let t = ctx.intercept();
    let chains = t.sessions.iter().map(|r| r.fields().count()).sum();
    [chains, t.envelopes.len(), t.sessions.len()]
}

/// The crypto floor of one simulated session: the escrow wrap (the sender's field), one
/// key delivery, and 20 ratchet steps and seals of 40-byte messages.
struct SessionFloor {
    public: Vec<u8>,
    family: [u8; 32],
    signer: ed25519_dalek::SigningKey,
    prekey: x25519_dalek::PublicKey,
    header: SessionHeader,
}

impl SessionFloor {
    fn new() -> SessionFloor {
        let backend = escrowlab::backend::BackendKind::Blsttc.instance().unwrap();
        SessionFloor {
            public: backend.dealer_keygen(1, 1, [1; 32]).unwrap().public,
            family: [7u8; 32],
            signer: ed25519_dalek::SigningKey::from_bytes(&[3; 32]),
            prekey: x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from([8; 32])),
            header: header(),
        }
    }

    fn run(&self) {
        let env = FieldEnv {
            backend: escrowlab::backend::BackendKind::Blsttc.instance().unwrap(),
            rule: BindingRule::Checksum(16),
            family_key: &self.family,
        };
        let sk = Key32([5; 32]);
        let h = &self.header;
        let field = env
            .make(h, &sk, 0, &self.public, &self.signer, [9; 32])
            .unwrap();
        let d = deliver(&sk, h, 1, self.prekey.as_bytes(), [6; 32]);
        let mut r = Ratchet::new(&sk);
        let out: Vec<_> = (0..20)
            .map(|counter| {
                let mh = MessageHeader {
                    conv: 1,
                    session: 1,
                    sender: 0,
                    epoch: 0,
                    counter,
                };
                seal(&r.next_key(), &mh.encode(), &[0x61; 40])
            })
            .collect();
        black_box((field, d, out));
    }
}

fn simulation(c: &mut Criterion) {
    let mut g = c.benchmark_group(GROUP);
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    let floor = SessionFloor::new();
    g.bench_function(BenchmarkId::new("session_simulation", "floor"), |b| {
        b.iter(|| floor.run())
    });
    // Two worlds that differ only in length (the same users, keys and standing docket), so
    // the difference is what the extra sessions cost: the per-session simulation, without
    // the world's fixed setup (directory, escrow keys, the court's standing warrants).
    for (suffix, epochs) in [("", EPOCHS), ("_x4", 4 * EPOCHS)] {
        let config = world_config_of(epochs);
        for threads in [1usize, 2] {
            let pool = pool(threads);
            g.bench_function(
                BenchmarkId::new(
                    "session_simulation",
                    format!("path_{threads}_threads{suffix}"),
                ),
                |b| {
                    b.iter(|| {
                        pool.install(|| {
                            let base = base_worlds(&config.scheme, &config).unwrap();
                            black_box(read_every_session(&base));
                            black_box(base)
                        })
                    })
                },
            );
        }
    }
    g.finish();
}

/// Seals every session's messages once (what a relay that kept ciphertexts would have
/// paid at simulation time), in parallel over sessions; returns the bytes sealed.
fn read_every_session(base: &escrowlab::attack::context::BaseWorlds) -> usize {
    use rayon::prelude::*;
    let mut ctx =
        escrowlab::attack::context::AttackCtx::new(base, "relay-replay").expect("outside a cell");
    ctx.advance_to_end().expect("the honest world finishes");
    let t = ctx.intercept();
    t.sessions
        .par_iter()
        .map(|rec| {
            t.envelopes
                .range(rec.messages.clone())
                .map(|e| e.ciphertext.len())
                .sum::<usize>()
        })
        .sum()
}

fn thief(c: &mut Criterion) {
    use blsttc::group::Curve;
    let mut g = c.benchmark_group(GROUP);
    g.sample_size(20).measurement_time(Duration::from_secs(3));
    let backend = escrowlab::backend::BackendKind::Blsttc.instance().unwrap();
    let key = backend.dealer_keygen(1, 1, [1; 32]).unwrap();
    let master = key.dealer_master.clone().unwrap();
    let ct = backend.encrypt(&key.public, &[7u8; 48], [2; 32]).unwrap();
    let u = blsttc::G1Affine::from_compressed(ct[..48].try_into().unwrap()).unwrap();
    let fr = blsttc::Fr::from_bytes_be(&master.0).unwrap();
    g.bench_function(BenchmarkId::new("thief_field", "floor"), |b| {
        b.iter(|| black_box((u * fr).to_affine()))
    });
    g.bench_function(BenchmarkId::new("thief_field", "path"), |b| {
        b.iter(|| {
            let confirmed = backend
                .decrypt_with_scalar_confirmed(&master, &ct, &mut |w| w == [7u8; 48])
                .unwrap();
            assert!(black_box(confirmed));
        })
    });
    g.bench_function(BenchmarkId::new("thief_field", "decompress"), |b| {
        let bytes: [u8; 48] = ct[..48].try_into().unwrap();
        b.iter(|| {
            black_box(blsttc::G1Affine::from_compressed_unchecked(black_box(
                &bytes,
            )))
        })
    });
    // The thief's bulk decryption and its floors over captured sessions (see `Captured`).
    let bulk = Captured::new();
    for threads in [1usize, 2] {
        let pool = pool(threads);
        for (name, job) in bulk.jobs() {
            g.bench_function(
                BenchmarkId::new("thief_bulk", format!("{name}_{threads}_threads")),
                |b| b.iter(|| pool.install(|| job(&bulk))),
            );
        }
    }
    let config = world_config();
    let base = base_worlds(&config.scheme, &config).unwrap();
    for threads in [1usize, 2] {
        let pool = pool(threads);
        g.bench_function(
            BenchmarkId::new("relay_replay", format!("path_{threads}_threads")),
            |b| b.iter(|| pool.install(|| black_box(read_every_session(&base)))),
        );
    }
    let attack = escrowlab::attacks::find("key-theft").expect("built-in attack");
    let params =
        escrowlab::attack::Params::resolve("key-theft", attack.meta().params, &Default::default())
            .unwrap();
    for threads in [1usize, 2] {
        let pool = pool(threads);
        g.bench_function(
            BenchmarkId::new("thief_session", format!("path_{threads}_threads")),
            |b| b.iter(|| pool.install(|| black_box(run_cell(&base, attack, &params, &[])))),
        );
    }
    g.finish();
}

/// The thief's bulk-decryption fixture: `SESSIONS` captured sessions (ciphertexts in
/// memory, as a thief holding captured traffic has them: the relay's replay is not in the
/// path), the master key they are escrowed to, and for the floors each session's U (as a
/// point), session key and message keys.
struct Captured {
    backend: &'static dyn escrowlab::backend::Backend,
    master: escrowlab::secret::Scalar,
    fr: blsttc::Fr,
    sessions: Vec<(
        escrowlab::world::SessionRecord,
        Vec<escrowlab::world::Envelope>,
    )>,
    records: Vec<escrowlab::world::SessionRecord>,
    ready: Vec<(blsttc::G1Affine, Key32, Vec<Key32>)>,
}

/// One bulk job over a `Captured` fixture.
type BulkJob = fn(&Captured);

impl Captured {
    fn new() -> Captured {
        let backend = escrowlab::backend::BackendKind::Blsttc.instance().unwrap();
        let key = backend.dealer_keygen(1, 1, [1; 32]).unwrap();
        let master = key.dealer_master.clone().unwrap();
        let fr = blsttc::Fr::from_bytes_be(&master.0).unwrap();
        let sessions = captured_sessions(&key, SESSIONS);
        let records = sessions.iter().map(|(r, _)| r.clone()).collect();
        let ready = sessions
            .iter()
            .map(|(rec, envelopes)| {
                let field =
                    escrowlab::escrow::field::EscrowField::decode(rec.field.as_ref().unwrap())
                        .unwrap();
                let u_bytes: [u8; 48] = field.te_ct[..48].try_into().unwrap();
                let u = blsttc::G1Affine::from_compressed(&u_bytes).unwrap();
                let w = backend
                    .decrypt_with_scalar_unverified(&master, &field.te_ct)
                    .unwrap();
                let sk =
                    escrowlab::escrow::field::unwrap_session_key(&w, &rec.header, &field).unwrap();
                let mut r = Ratchet::new(&sk);
                let keys = envelopes.iter().map(|_| r.next_key()).collect();
                (u, sk, keys)
            })
            .collect();
        Captured {
            backend,
            master,
            fr,
            sessions,
            records,
            ready,
        }
    }

    /// The floor, the format's floor and the path, by name; each on the current rayon
    /// pool (every core of it).
    fn jobs(&self) -> [(&'static str, BulkJob); 3] {
        [
            ("floor", Captured::floor),
            ("format_floor", Captured::format_floor),
            ("path", Captured::path),
        ]
    }

    /// Opens `envelopes` with `keys`; the number that opened.
    fn opens(keys: impl Iterator<Item = Key32>, envelopes: &[escrowlab::world::Envelope]) -> usize {
        envelopes
            .iter()
            .zip(keys)
            .filter(|(e, k)| open(k, &e.header.encode(), &e.ciphertext).is_some())
            .count()
    }

    /// Runs `per_session` on every session on the current pool; checks every message
    /// opened.
    fn each_session<F>(&self, per_session: F)
    where
        F: Fn(&(blsttc::G1Affine, Key32, Vec<Key32>), &[escrowlab::world::Envelope]) -> usize
            + Sync,
    {
        use rayon::prelude::*;
        let n: usize = self
            .ready
            .par_iter()
            .zip(&self.sessions)
            .map(|(ready, (_, envelopes))| per_session(ready, envelopes))
            .sum();
        assert_eq!(n, SESSIONS * MESSAGES);
    }

    /// The floor: per session one G1 multiplication (from a ready point) and each
    /// message opened with a ready key.
    fn floor(&self) {
        use blsttc::group::Curve;
        self.each_session(|(u, _, keys), envelopes| {
            black_box((u * self.fr).to_affine());
            Captured::opens(keys.iter().cloned(), envelopes)
        });
    }

    /// The format's floor: U·sk (from a ready point: the path needs no square root for U),
    /// one open for the unwrap, and per message one ratchet step and the open.
    fn format_floor(&self) {
        use blsttc::group::Curve;
        self.each_session(|(u, sk, _), envelopes| {
            black_box((u * self.fr).to_affine());
            let e = &envelopes[0];
            let mut r = Ratchet::new(sk);
            black_box(open(
                &r.clone().next_key(),
                &e.header.encode(),
                &e.ciphertext,
            ));
            Captured::opens(std::iter::from_fn(|| Some(r.next_key())), envelopes)
        });
    }

    /// The path: `open_sessions_with_masters`, the kernel every master-key attack runs.
    fn path(&self) {
        let by_epoch: std::collections::BTreeMap<u32, &escrowlab::secret::Scalar> =
            [(0u32, &self.master)].into_iter().collect();
        let mut out = escrowlab::attack::Recovered::default();
        escrowlab::attacks::common::open_sessions_with_masters(
            self.backend,
            &self.records,
            &by_epoch,
            &mut out,
            |rec| self.sessions[rec.header.session as usize].1.iter(),
        );
        assert_eq!(out.len(), SESSIONS * MESSAGES);
    }
}

/// Sessions and messages per session of the thief's bulk-decryption bench.
const SESSIONS: usize = 400;
const MESSAGES: usize = 20;

/// `sessions` single-key sessions as a thief captures them: each session's record (its
/// escrow field, made by the sender's real field code under `key`) and its `MESSAGES`
/// sealed envelopes of 40 bytes, sealed with the real ratchet.
fn captured_sessions(
    key: &escrowlab::backend::KeyMaterial,
    sessions: usize,
) -> Vec<(
    escrowlab::world::SessionRecord,
    Vec<escrowlab::world::Envelope>,
)> {
    let backend = escrowlab::backend::BackendKind::Blsttc.instance().unwrap();
    let family = [7u8; 32];
    let env = FieldEnv {
        backend,
        rule: BindingRule::Checksum(16),
        family_key: &family,
    };
    let signer = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
    (0..sessions)
        .map(|i| {
            let session = i as u32;
            let h = SessionHeader {
                session,
                conv: session,
                epoch: 0,
                sender: 0,
                members: vec![0, 1],
            };
            let mut seed = [0u8; 32];
            seed[..4].copy_from_slice(&session.to_be_bytes());
            let sk = Key32(escrowlab::messaging::hkdf32(&seed, b"bench", b"sk"));
            let field = env.make(&h, &sk, 0, &key.public, &signer, seed).unwrap();
            let mut r = Ratchet::new(&sk);
            let first = i * MESSAGES;
            let envelopes: Vec<_> = (0..MESSAGES as u32)
                .map(|counter| {
                    let mh = MessageHeader {
                        conv: session,
                        session,
                        sender: 0,
                        epoch: 0,
                        counter,
                    };
                    escrowlab::world::Envelope {
                        id: (first + counter as usize) as u64,
                        ciphertext: seal(&r.next_key(), &mh.encode(), &[0x61; 40]),
                        header: mh,
                        time: 0,
                    }
                })
                .collect();
            let record = escrowlab::world::SessionRecord {
                header: h,
                field: Some(field.encode()),
                deliveries: Vec::new(),
                messages: first..first + MESSAGES,
                keying: Default::default(),
                chain_fields: Vec::new(),
            };
            (record, envelopes)
        })
        .collect()
}

/// Time of one iteration of one benchmark in nanoseconds: its fastest sample (criterion's
/// samples average several iterations each). On a shared machine other tenants only ever
/// add time, so the fastest sample is the most stable estimate of what the code costs; a
/// floor and its path are compared the same way.
fn fastest_ns(function: &str, parameter: &str) -> Option<f64> {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let path = dir
        .join("criterion")
        .join(GROUP)
        .join(function)
        .join(parameter)
        .join("new/sample.json");
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let iters = v["iters"].as_array()?;
    let times = v["times"].as_array()?;
    iters
        .iter()
        .zip(times)
        .filter_map(|(n, t)| Some(t.as_f64()? / n.as_f64()?))
        .filter(|t| t.is_finite() && *t > 0.0)
        .min_by(f64::total_cmp)
}

fn report() {
    let sessions = {
        let c = world_config();
        f64::from(c.population.conversations.unwrap_or(0) * c.population.epochs)
    };
    let ratio = |name: &str, a: Option<f64>, b: Option<f64>, target: &str| match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => println!("{name:<58} {:>6.3}   (target {target})", a / b),
        _ => println!("{name:<58} not measured (filtered out?)"),
    };
    println!("\nfloor vs path (ratios of the fastest sample of each, this run)");
    ratio(
        "verify_ciphertext: ours / crate",
        fastest_ns("verify_ciphertext", "ours"),
        fastest_ns("verify_ciphertext", "crate"),
        "<= 0.8",
    );
    ratio(
        "verify_decryption_share: ours / crate",
        fastest_ns("verify_decryption_share", "ours"),
        fastest_ns("verify_decryption_share", "crate"),
        "<= 0.8",
    );
    ratio(
        "100 shares: batch / one by one (per share)",
        fastest_ns("shares_100", "batch"),
        fastest_ns("shares_100", "one_by_one"),
        "<= 0.2",
    );
    ratio(
        "message open: path (ratchet + open) / floor (open)",
        fastest_ns("message_open", "path"),
        fastest_ns("message_open", "floor"),
        "close to 1",
    );
    if let Some(f) = fastest_ns("message_open", "floor") {
        println!(
            "{:<58} {:>6.3} µs",
            "message open floor, absolute",
            f / 1000.0
        );
    }
    let floor = fastest_ns("session_simulation", "floor");
    // Per session: the larger world's time less the smaller's, over the sessions it adds
    // (the world's fixed setup cancels); and, for reference, the whole run over its sessions.
    let marginal = |threads: usize| {
        fastest_ns("session_simulation", &format!("path_{threads}_threads_x4"))
            .zip(fastest_ns(
                "session_simulation",
                &format!("path_{threads}_threads"),
            ))
            .map(|(big, small)| (big - small) / (3.0 * sessions))
    };
    let (one, two) = (marginal(1), marginal(2));
    ratio(
        "world simulation per session, 1 thread: path / floor",
        one,
        floor,
        "<= 1.10",
    );
    if let (Some(one), Some(two)) = (one, two) {
        println!(
            "{:<58} {:>6.3}   (target >= 0.90)",
            "parallel efficiency on 2 threads: t1 / (2 t2)",
            one / (2.0 * two)
        );
    }
    ratio(
        "  whole run incl. setup, per session, 1 thread: path / floor",
        fastest_ns("session_simulation", "path_1_threads").map(|t| t / sessions),
        floor,
        "-",
    );
    if let (Some(one), Some(two)) = (
        fastest_ns("session_simulation", "path_1_threads"),
        fastest_ns("session_simulation", "path_2_threads"),
    ) {
        println!(
            "{:<58} {:>6.3}",
            "  whole run incl. setup, parallel efficiency",
            one / (2.0 * two)
        );
    }
    ratio(
        "thief field decryption: path / floor (one G1 multiplication)",
        fastest_ns("thief_field", "path"),
        fastest_ns("thief_field", "floor"),
        "close to 1",
    );
    let messages = 20.0;
    let open_floor = fastest_ns("message_open", "floor");
    let g1 = fastest_ns("thief_field", "floor");
    // The thief's bulk decryption against its floors, each floor run as bulk work over the
    // same captured sessions on the same number of threads. The floor: one G1
    // multiplication and 20 opens per session. The format's floor adds what the protocol
    // forces on any reader: the unwrap of the session key (one more open) and one ratchet
    // step per message.
    let bulk = |name: &str| fastest_ns("thief_bulk", name).map(|t| t / SESSIONS as f64);
    let b1 = bulk("path_1_threads");
    let b2 = bulk("path_2_threads");
    for threads in [1, 2] {
        let path = bulk(&format!("path_{threads}_threads"));
        ratio(
            &format!("thief bulk decryption, {threads} thread(s): floor / path"),
            bulk(&format!("floor_{threads}_threads")),
            path,
            ">= 0.90",
        );
        ratio(
            &format!("thief bulk decryption, {threads} thread(s): format floor / path"),
            bulk(&format!("format_floor_{threads}_threads")),
            path,
            ">= 0.90",
        );
    }
    if let (Some(one), Some(two)) = (b1, b2) {
        println!(
            "{:<58} {:>6.3}",
            "thief bulk decryption, parallel efficiency: t1 / (2 t2)",
            one / (2.0 * two)
        );
    }
    if let (Some(one), Some(two)) = (bulk("floor_1_threads"), bulk("floor_2_threads")) {
        println!(
            "{:<58} {:>6.3}",
            "the floor's own parallel efficiency: t1 / (2 t2)",
            one / (2.0 * two)
        );
    }
    for (what, f) in [
        ("G1 multiplication, absolute", g1),
        (
            "U decompression, absolute",
            fastest_ns("thief_field", "decompress"),
        ),
        (
            "ratchet step, absolute",
            fastest_ns("message_open", "ratchet_step"),
        ),
        ("thief bulk per session, 1 thread, absolute", b1),
    ] {
        if let Some(f) = f {
            println!("{what:<58} {:>6.3} µs", f / 1000.0);
        }
    }
    let seal_ns = fastest_ns("message_open", "floor"); // a seal costs what an open does
    let thief_floor = g1.zip(open_floor).map(|(g, o)| g + messages * o);
    let with_replay = thief_floor.zip(seal_ns).map(|(f, s)| f + messages * s);
    let t1 = fastest_ns("thief_session", "path_1_threads").map(|t| t / sessions);
    let t2 = fastest_ns("thief_session", "path_2_threads").map(|t| t / sessions);
    println!("the whole key-theft cell (relay replay and the runner's judging included):");
    ratio(
        "  thief per session, 1 thread: floor / path",
        thief_floor,
        t1,
        ">= 0.90",
    );
    ratio(
        "  thief per session, 2 threads: floor / (2 x path)",
        thief_floor,
        t2.map(|t| 2.0 * t),
        ">= 0.90",
    );
    ratio(
        "  thief per session, 2 threads, replay in the floor",
        with_replay,
        t2.map(|t| 2.0 * t),
        "-",
    );
    // The relay's replay (sealing every message again) is the simulation's cost, not the
    // thief's: measured alone in the same run and taken out of the thief's path.
    let r1 = fastest_ns("relay_replay", "path_1_threads").map(|t| t / sessions);
    let r2 = fastest_ns("relay_replay", "path_2_threads").map(|t| t / sessions);
    ratio(
        "  own work, 1 thread: floor / (path - replay)",
        thief_floor,
        t1.zip(r1).map(|(t, r)| t - r),
        ">= 0.90",
    );
    ratio(
        "  own work, 2 threads: floor / 2(path - replay)",
        thief_floor,
        t2.zip(r2).map(|(t, r)| 2.0 * (t - r)),
        ">= 0.90",
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    pairings(&mut c);
    aead(&mut c);
    simulation(&mut c);
    thief(&mut c);
    c.final_summary();
    // `cargo bench --bench floors -- FILTER` runs only the criterion benchmarks FILTER
    // names; the paired ratios run when there is no filter or it says "paired"
    // ("paired-thief" and the like run one group of them).
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if filter.is_empty() {
        paired::report(None);
    } else if let Some(f) = filter.iter().find(|f| f.contains("paired")) {
        paired::report(f.strip_prefix("paired-"));
    } else {
        report();
    }
}

/// The ratios, measured in pairs: each round runs every floor and path of one comparison
/// back to back (in rotating order), each ratio is taken within its round, and the report
/// gives the median over the rounds with the smallest and largest. Other tenants of a
/// shared machine slow whole stretches of time; within a round floor and path see the same
/// machine, so their ratio is steadier than a ratio of two separately measured means.
mod paired {
    use super::*;
    use std::time::Instant;

    /// Rounds per comparison (odd, so the median is one round's ratio): `default`, or
    /// `ESCROWLAB_PAIRED_ROUNDS` (made odd) for a steadier median on a noisy machine.
    fn rounds_n(default: usize) -> usize {
        std::env::var("ESCROWLAB_PAIRED_ROUNDS")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .map_or(default, |n| n.max(1) | 1)
    }

    /// Rounds for most comparisons (each round takes about a second).
    const ROUNDS: usize = 21;
    /// Rounds for the thief's comparison, whose jobs are short (tens of milliseconds), so
    /// one tenant's burst moves a round's ratio most: 61 rounds in about the same time.
    const THIEF_ROUNDS: usize = 61;

    /// One job: a name, how many runs make one timing, and the work.
    type Job<'a> = (&'static str, usize, Box<dyn FnMut() + 'a>);

    /// Runs every job once per round for `ROUNDS` rounds (rotating which goes first) and
    /// returns, per job, its time per run in each round (seconds).
    fn rounds(jobs: &mut [Job<'_>]) -> Vec<Vec<f64>> {
        rounds_of(ROUNDS, jobs)
    }

    /// [`rounds`] with `default` rounds (unless `ESCROWLAB_PAIRED_ROUNDS` says otherwise).
    fn rounds_of(default: usize, jobs: &mut [Job<'_>]) -> Vec<Vec<f64>> {
        let rounds_n = rounds_n(default);
        let mut times = vec![Vec::with_capacity(rounds_n); jobs.len()];
        for _warm_up in 0..1 {
            for (_, reps, f) in jobs.iter_mut() {
                for _ in 0..*reps {
                    f();
                }
            }
        }
        for round in 0..rounds_n {
            for k in 0..jobs.len() {
                let j = (k + round) % jobs.len();
                let (_, reps, f) = &mut jobs[j];
                let t = Instant::now();
                for _ in 0..*reps {
                    f();
                }
                times[j].push(t.elapsed().as_secs_f64() / *reps as f64);
            }
        }
        times
    }

    /// Prints the median (and range) over rounds of `num(round) / den(round)`.
    fn line(name: &str, ratios: Vec<f64>, target: &str) {
        let mut r = ratios;
        r.sort_by(f64::total_cmp);
        let (lo, mid, hi) = (r[0], r[r.len() / 2], r[r.len() - 1]);
        println!("{name:<56} {mid:>6.3}  [{lo:.3}, {hi:.3}]  (target {target})");
    }

    /// Per round: `f(times of job a, times of job b)` for each round.
    fn per_round(t: &[Vec<f64>], f: impl Fn(&[f64]) -> f64) -> Vec<f64> {
        (0..t[0].len())
            .map(|r| f(&t.iter().map(|job| job[r]).collect::<Vec<_>>()))
            .collect()
    }

    /// Runs the paired comparisons; `only` (`pairings`, `aead`, `simulation`,
    /// `double-ratchet` or `thief`)
    /// runs one group.
    pub(super) fn report(only: Option<&str>) {
        println!(
            "\nfloor vs path, paired: median of {} rounds ({} for the thief) [smallest, largest]",
            rounds_n(ROUNDS),
            rounds_n(THIEF_ROUNDS)
        );
        let groups: [(&str, fn()); 5] = [
            ("pairings", pairings),
            ("aead", aead),
            ("simulation", simulation),
            ("double-ratchet", double_ratchet),
            ("thief", thief),
        ];
        for (name, run) in groups {
            if only.is_none_or(|o| o == name) {
                run();
            }
        }
    }

    fn pairings() {
        let key = Blsttc::dealer_keygen(3, 5, [1; 32]).expect("3-of-5 key");
        let ct = Blsttc::encrypt(&key.public, &[7u8; 32], [2; 32]);
        let share = Blsttc::decryption_share(&key.shares[0], &ct);
        let agent_key = key.public.public_key_share(0);
        let (big, ct100, shares) = hundred_shares();
        let refs: Vec<_> = shares.iter().enumerate().collect();
        let t = rounds(&mut [
            (
                "ct crate",
                50,
                Box::new(|| assert!(black_box(&ct).verify())),
            ),
            (
                "ct ours",
                50,
                Box::new(|| assert!(Blsttc::verify_ciphertext(black_box(&ct)))),
            ),
            (
                "share crate",
                50,
                Box::new(|| assert!(agent_key.verify_decryption_share(black_box(&share), &ct))),
            ),
            (
                "share ours",
                50,
                Box::new(|| {
                    assert!(Blsttc::verify_decryption_share(
                        &key.public,
                        0,
                        black_box(&share),
                        &ct
                    ))
                }),
            ),
            (
                "100 one by one",
                2,
                Box::new(|| {
                    assert!(refs.iter().all(|(i, s)| Blsttc::verify_decryption_share(
                        &big.public,
                        *i,
                        s,
                        &ct100
                    )))
                }),
            ),
            (
                "100 batch",
                20,
                Box::new(|| assert!(Blsttc::verify_decryption_shares(&big.public, &refs, &ct100))),
            ),
        ]);
        line(
            "verify_ciphertext: ours / crate",
            per_round(&t, |r| r[1] / r[0]),
            "<= 0.8",
        );
        line(
            "verify_decryption_share: ours / crate",
            per_round(&t, |r| r[3] / r[2]),
            "<= 0.8",
        );
        line(
            "100 shares: batch / one by one (per share)",
            per_round(&t, |r| r[5] / r[4]),
            "<= 0.2",
        );
    }

    fn aead() {
        let (ready, ad, mk, ct) = one_message();
        let t = rounds(&mut [
            (
                "open",
                20_000,
                Box::new(|| assert!(open(black_box(&mk), &ad, &ct).is_some())),
            ),
            (
                "step + open",
                20_000,
                Box::new(|| {
                    let mut r = black_box(&ready).clone();
                    assert!(open(&r.next_key(), &ad, &ct).is_some())
                }),
            ),
        ]);
        line(
            "message: (ratchet step + open) / open",
            per_round(&t, |r| r[1] / r[0]),
            "close to 1",
        );
        let mut opens = t[0].clone();
        opens.sort_by(f64::total_cmp);
        let mut paths = t[1].clone();
        paths.sort_by(f64::total_cmp);
        println!(
            "{:<56} {:>6.3} µs open, {:.3} µs step + open (medians; the issue's AVX2 floor: 0.77 µs)",
            "message, absolute",
            opens[opens.len() / 2] * 1e6,
            paths[paths.len() / 2] * 1e6
        );
    }

    fn simulation() {
        let floor = SessionFloor::new();
        let small = world_config_of(EPOCHS);
        let large = world_config_of(4 * EPOCHS);
        let sessions = f64::from(small.population.conversations.unwrap_or(0) * EPOCHS);
        let (one, two) = (pool(1), pool(2));
        let world = |config: &WorldConfig| {
            let base = base_worlds(&config.scheme, config).unwrap();
            black_box(read_every_session(&base));
        };
        let t = rounds(&mut [
            ("floor", sessions as usize, Box::new(|| floor.run())),
            (
                "1 thread, small",
                1,
                Box::new(|| one.install(|| world(&small))),
            ),
            (
                "1 thread, large",
                1,
                Box::new(|| one.install(|| world(&large))),
            ),
            (
                "2 threads, small",
                1,
                Box::new(|| two.install(|| world(&small))),
            ),
            (
                "2 threads, large",
                1,
                Box::new(|| two.install(|| world(&large))),
            ),
        ]);
        // Per session: the large world less the small one, over the sessions it adds.
        let added = 3.0 * sessions;
        line(
            "world simulation per session, 1 thread: path / floor",
            per_round(&t, |r| (r[2] - r[1]) / added / r[0]),
            "<= 1.10",
        );
        line(
            "parallel efficiency on 2 threads: t1 / (2 t2)",
            per_round(&t, |r| (r[2] - r[1]) / (2.0 * (r[4] - r[3]))),
            ">= 0.90",
        );
        line(
            "  whole run incl. setup, 1 thread: path / floor",
            per_round(&t, |r| r[2] / (4.0 * sessions) / r[0]),
            "-",
        );
        line(
            "  whole run incl. setup, parallel efficiency",
            per_round(&t, |r| r[2] / (2.0 * r[4])),
            "-",
        );
    }

    /// Rounds for the Double Ratchet comparison (its worlds take seconds each).
    const DR_ROUNDS: usize = 7;

    /// The `double-ratchet` world against its own cryptographic floor (see the module doc).
    fn double_ratchet() {
        use escrowlab::messaging::double_ratchet as dr;
        let small = dr_config_of(DR_EPOCHS);
        let large = dr_config_of(4 * DR_EPOCHS);
        // What the sessions the larger world adds need: chains (one DH step and one field
        // each), messages and sessions, counted from both worlds' transcripts.
        let (small_counts, large_counts) = (dr_counts(&small), dr_counts(&large));
        let added = [0, 1, 2].map(|i| large_counts[i] - small_counts[i]);
        let [chains, messages, sessions] = added.map(|n| n as f64);
        println!(
            "double-ratchet world: {:.2} chains (DH steps, fields) and {:.1} messages per session",
            chains / sessions,
            messages / sessions
        );
        let unit = SessionFloor::new();
        let env = FieldEnv {
            backend: escrowlab::backend::BackendKind::Blsttc.instance().unwrap(),
            rule: BindingRule::Checksum(16),
            family_key: &unit.family,
        };
        let ck = Key32([5; 32]);
        let mut device = {
            use rand::SeedableRng;
            rand_chacha::ChaCha20Rng::from_seed([4; 32])
        };
        let other =
            x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from([8; 32])).to_bytes();
        let mh = MessageHeader {
            conv: 1,
            session: 1,
            sender: 0,
            epoch: 0,
            counter: 0,
        };
        let chain_header = dr::Header {
            dh: other,
            pn: 0,
            n: 0,
        };
        let (one, two) = (pool(1), pool(2));
        let world = |config: &WorldConfig| {
            let base = base_worlds(&config.scheme, config).unwrap();
            black_box(read_every_session(&base));
        };
        // The floor of the sessions the larger world adds, as one job of about the same
        // length as the worlds' difference (so a round's load hits both alike).
        let (n_chains, n_messages, n_sessions) = (added[0], added[1], added[2]);
        let mut floor_job = || {
            for _ in 0..n_chains {
                black_box(
                    env.make(&unit.header, &ck, 0, &unit.public, &unit.signer, [9; 32])
                        .unwrap(),
                );
                let pair = dr::DhPair::generate(&mut device);
                black_box(dr::kdf_rk(&ck, &pair.dh(black_box(&other))));
            }
            for _ in 0..n_messages {
                let (_, mk) = dr::kdf_ck(black_box(&ck));
                let ad = dr::concat(&mh.encode(), &chain_header);
                black_box(dr::encrypt(&mk, &[0x61; 40], &ad));
            }
            for _ in 0..n_sessions {
                black_box(deliver(
                    &ck,
                    &unit.header,
                    1,
                    unit.prekey.as_bytes(),
                    [6; 32],
                ));
            }
        };
        let t = rounds_of(
            DR_ROUNDS,
            &mut [
                ("floor", 1, Box::new(&mut floor_job)),
                (
                    "1 thread, small",
                    1,
                    Box::new(|| one.install(|| world(&small))),
                ),
                (
                    "1 thread, large",
                    1,
                    Box::new(|| one.install(|| world(&large))),
                ),
                (
                    "2 threads, small",
                    1,
                    Box::new(|| two.install(|| world(&small))),
                ),
                (
                    "2 threads, large",
                    1,
                    Box::new(|| two.install(|| world(&large))),
                ),
            ],
        );
        line(
            "double-ratchet world per session, 1 thread: path / floor",
            per_round(&t, |r| (r[2] - r[1]) / r[0]),
            "<= 1.20",
        );
        line(
            "  the same, 2 threads: path / (floor / 2)",
            per_round(&t, |r| 2.0 * (r[4] - r[3]) / r[0]),
            "-",
        );
        let mut f: Vec<f64> = t[0].clone();
        f.sort_by(f64::total_cmp);
        println!(
            "{:<56} {:>6.1} µs per session (median)",
            "double-ratchet floor, absolute",
            f[f.len() / 2] / sessions * 1e6
        );
    }

    fn thief() {
        let bulk = Captured::new();
        let [(_, floor), (_, format_floor), (_, path)] = bulk.jobs();
        let (floor, format_floor, path) = (|| floor(&bulk), || format_floor(&bulk), || path(&bulk));
        let (one, two) = (pool(1), pool(2));
        let t = rounds_of(
            THIEF_ROUNDS,
            &mut [
                ("floor 1", 2, Box::new(|| one.install(floor))),
                ("format floor 1", 2, Box::new(|| one.install(format_floor))),
                ("path 1", 2, Box::new(|| one.install(path))),
                ("floor 2", 4, Box::new(|| two.install(floor))),
                ("format floor 2", 4, Box::new(|| two.install(format_floor))),
                ("path 2", 4, Box::new(|| two.install(path))),
            ],
        );
        for (threads, base) in [(1, 0), (2, 3)] {
            line(
                &format!("thief bulk, {threads} thread(s): floor / path"),
                per_round(&t, |r| r[base] / r[base + 2]),
                ">= 0.90",
            );
            line(
                &format!("thief bulk, {threads} thread(s): format floor / path"),
                per_round(&t, |r| r[base + 1] / r[base + 2]),
                ">= 0.90",
            );
        }
        line(
            "thief bulk, parallel efficiency: t1 / (2 t2)",
            per_round(&t, |r| r[2] / (2.0 * r[5])),
            "-",
        );
        line(
            "the floor's own parallel efficiency: t1 / (2 t2)",
            per_round(&t, |r| r[0] / (2.0 * r[3])),
            "-",
        );
        let mut p1: Vec<f64> = t[2].clone();
        p1.sort_by(f64::total_cmp);
        println!(
            "{:<56} {:>6.1} µs per session (median)",
            "thief bulk, 1 thread, absolute",
            p1[p1.len() / 2] / SESSIONS as f64 * 1e6
        );
    }
}
