//! Criterion benches for the mechanism, on both backends: escrow wrap per session, message
//! encryption per message (64 B and 1 KiB), and one lawful-access round trip (3-of-5).
//! Speed targets are recorded as ratios in the issue notes, never asserted in tests.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use escrowlab::backend::BackendKind;
use escrowlab::config::scheme::Scheme;
use escrowlab::escrow::court::Warrant;
use escrowlab::escrow::field::{BindingRule, FieldEnv};
use escrowlab::lawful;
use escrowlab::secret::Key32;
use escrowlab::world::messaging::{seal, MessageHeader, Ratchet, SessionHeader};
use escrowlab::world::{Population, World, WorldConfig};
use std::hint::black_box;

fn small_world(backend: BackendKind) -> World {
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
    };
    World::run(WorldConfig {
        scheme,
        population,
        seed: 1,
        backend,
    })
    .expect("world")
}

fn escrow_wrap(c: &mut Criterion) {
    let mut g = c.benchmark_group("escrow_wrap_per_session");
    for backend in BackendKind::all() {
        let world = small_world(backend);
        let b = backend.instance().unwrap();
        let public = world.escrow.keys[&0].clone();
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

fn lawful_round_trip(c: &mut Criterion) {
    let mut g = c.benchmark_group("lawful_access_round_trip_3of5");
    g.sample_size(10);
    for backend in BackendKind::all() {
        let mut world = small_world(backend);
        let s = world.transcript.sessions[0].header.clone();
        let w = Warrant {
            case_id: "bench".into(),
            targets: vec![s.sender],
            from_epoch: 0,
            to_epoch: 0,
            issued: world.now,
            expires: world.now + 10,
            nonce: [1; 16],
            use_limit: 0,
        };
        let signed = lawful::issue_warrant(&world, w).unwrap();
        let sessions = vec![s.session];
        let bytes = lawful::build_request(&world, &signed, &sessions, "bench", [2; 16]);
        let now = world.now + 1;
        g.bench_function(BenchmarkId::from_parameter(backend.name()), |bench| {
            bench.iter(|| {
                let rs = lawful::submit_to(&mut world, &[0, 1, 2, 3, 4], &bytes, now);
                let out = lawful::combine_and_read(&world, &sessions, &rs);
                assert!(out.failed_sessions.is_empty());
                black_box(out)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, escrow_wrap, message_encryption, lawful_round_trip);
criterion_main!(benches);
