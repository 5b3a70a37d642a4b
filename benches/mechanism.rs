//! Criterion benches for the mechanism, on both backends, through the public API only:
//! escrow wrap per session, message encryption per message (64 B and 1 KiB), the threshold
//! decryption at the heart of a lawful read (five agents' shares checked and combined,
//! 3-of-5), the honest world's simulation, and one lawful-access demonstration end to end.
//! Speed targets are recorded as ratios in the issue notes, never asserted in tests.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use escrowlab::backend::safe::safe_combine;
use escrowlab::backend::{BackendKind, KeyMaterial};
use escrowlab::config::scheme::Scheme;
use escrowlab::escrow::field::{BindingRule, FieldEnv};
use escrowlab::lawful::demonstrate;
use escrowlab::runner::base_worlds;
use escrowlab::secret::Key32;
use escrowlab::world::messaging::{seal, MessageHeader, Ratchet, SessionHeader};
use escrowlab::world::{Population, WorldConfig};
use std::hint::black_box;

/// The threshold-3of5 scheme on a small population (8 users, 1 epoch, 4 conversations of
/// 4 messages), with replay cache and use limit off.
fn small_config(backend: BackendKind) -> WorldConfig {
    let text = include_str!("../fixtures/schemes/threshold-3of5.toml")
        .replace("replay_cache = true", "replay_cache = false")
        .replace("use_limit = 1", "use_limit = 0");
    let scheme = Scheme::from_toml_str(&text, "bench").expect("bench scheme");
    let population = Population {
        users: 8,
        epochs: 1,
        messages_per_session: 4,
        group_share: 0.0,
        conversations: Some(4),
        ..Population::default()
    };
    WorldConfig {
        scheme,
        population,
        seed: 1,
        backend,
    }
}

/// A 3-of-5 escrow key from the backend's trusted-dealer key generation.
fn escrow_key(backend: BackendKind) -> KeyMaterial {
    backend
        .instance()
        .unwrap()
        .dealer_keygen(3, 5, [1; 32])
        .expect("3-of-5 key")
}

fn escrow_wrap(c: &mut Criterion) {
    let mut g = c.benchmark_group("escrow_wrap_per_session");
    for backend in BackendKind::all() {
        let b = backend.instance().unwrap();
        let public = escrow_key(backend).public;
        let family = [7u8; 32];
        let env = FieldEnv {
            backend: b,
            rule: BindingRule::Signed,
            family_key: &family,
        };
        let header = SessionHeader {
            session: 1,
            conv: 1,
            epoch: 0,
            sender: 0,
            members: vec![0, 1],
        };
        let sk = Key32([5; 32]);
        let signer = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
        g.bench_function(BenchmarkId::from_parameter(backend.name()), |bench| {
            bench.iter(|| {
                black_box(
                    env.make(&header, &sk, 0, &public, &signer, [9; 32])
                        .unwrap(),
                )
            })
        });
    }
    g.finish();
}

fn message_encryption(c: &mut Criterion) {
    let mut g = c.benchmark_group("message_encryption");
    for size in [64usize, 1024] {
        let pt = vec![0x42u8; size];
        g.throughput(Throughput::Bytes(size as u64));
        g.bench_function(BenchmarkId::from_parameter(size), |bench| {
            let mut r = Ratchet::new(&Key32([1; 32]));
            bench.iter(|| {
                let mk = r.next_key();
                let h = MessageHeader {
                    conv: 1,
                    session: 1,
                    sender: 0,
                    epoch: 0,
                    counter: r.position,
                };
                black_box(seal(&mk, &h.encode(), &pt))
            })
        });
    }
    g.finish();
}

/// What the combiner does per session of a lawful read: every agent's decryption share of
/// the field's threshold ciphertext, each checked against the commitment, then combined.
fn threshold_decrypt(c: &mut Criterion) {
    let mut g = c.benchmark_group("threshold_decrypt_3of5");
    g.sample_size(10);
    for backend in BackendKind::all() {
        let b = backend.instance().unwrap();
        let key = escrow_key(backend);
        let msg = [0x24u8; 32];
        let ct = b.encrypt(&key.public, &msg, [2; 32]).unwrap();
        g.bench_function(BenchmarkId::from_parameter(backend.name()), |bench| {
            bench.iter(|| {
                let shares: Vec<(usize, Vec<u8>)> = key
                    .shares
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (i, b.decryption_share(s, &ct).unwrap()))
                    .collect();
                let out = safe_combine(b, &key.public, 5, &shares, &ct, |pt| pt == msg)
                    .expect("five good shares combine");
                black_box(out)
            })
        });
    }
    g.finish();
}

fn world_simulation(c: &mut Criterion) {
    let mut g = c.benchmark_group("world_simulation_3of5");
    g.sample_size(10);
    for backend in BackendKind::all() {
        let config = small_config(backend);
        g.bench_function(BenchmarkId::from_parameter(backend.name()), |bench| {
            bench.iter(|| black_box(base_worlds(&config.scheme, &config).expect("world")))
        });
    }
    g.finish();
}

/// A fresh world, a warrant, every agent asked, shares combined and the warranted traffic
/// read, plus the three probe requests the agents must refuse and the audit check.
fn lawful_demonstration(c: &mut Criterion) {
    let mut g = c.benchmark_group("lawful_access_demonstration_3of5");
    g.sample_size(10);
    for backend in BackendKind::all() {
        let config = small_config(backend);
        g.bench_function(BenchmarkId::from_parameter(backend.name()), |bench| {
            bench.iter(|| {
                let r = demonstrate(config.clone()).expect("demonstration runs");
                assert_eq!(r.in_scope_decrypted, r.in_scope_messages);
                black_box(r)
            })
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    escrow_wrap,
    message_encryption,
    threshold_decrypt,
    world_simulation,
    lawful_demonstration
);
criterion_main!(benches);
