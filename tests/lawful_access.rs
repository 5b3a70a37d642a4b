//! Lawful access end to end, on every built-in scheme and both backends, and the switches
//! that must refuse (and, switched off, must not).

mod common;
use common::{config, small_population};
use escrowlab::backend::BackendKind;
use escrowlab::config::scheme::Scheme;
use escrowlab::escrow::court::Warrant;
use escrowlab::lawful::{self, demonstrate};
use escrowlab::world::{World, WorldConfig};

#[test]
fn lawful_access_works_on_every_builtin_scheme_and_backend() {
    for backend in BackendKind::all() {
        for name in Scheme::builtin_names() {
            let r = demonstrate(config(name, backend, 11)).expect("demonstration runs");
            assert!(
                r.in_scope_messages > 0,
                "{name}/{backend}: the warrant covers traffic"
            );
            assert_eq!(r.out_of_scope_decrypted, 0, "{name}/{backend}");
            if name == "e2e-baseline" {
                assert_eq!(r.in_scope_decrypted, 0);
                assert!(r.note.as_deref().unwrap_or("").contains("escrows nothing"));
                continue;
            }
            assert_eq!(
                r.in_scope_decrypted, r.in_scope_messages,
                "{name}/{backend}"
            );
            assert!(r.refused_requests > 0, "{name}/{backend}");
            assert!(r.audit_verified, "{name}/{backend}");
            assert!(r.audit_entries > 0);
            for p in &r.probes {
                assert_eq!(
                    p.granted_by, 0,
                    "{name}/{backend}: probe {} must be refused",
                    p.kind
                );
                assert_eq!(p.messages_read, 0);
            }
            let controls: Vec<&str> = r.probes.iter().map(|p| p.controls[0].as_str()).collect();
            assert_eq!(
                controls,
                ["scope", "expiry", "replay-cache"],
                "{name}/{backend}"
            );
        }
    }
}

fn with_toml(base: &str, edit: impl Fn(String) -> String) -> WorldConfig {
    let text = std::fs::read_to_string(format!(
        "{}/fixtures/schemes/{base}.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let scheme = Scheme::from_toml_str(&edit(text), "test").expect("edited scheme parses");
    WorldConfig {
        scheme,
        population: small_population(),
        seed: 11,
        backend: BackendKind::Blsttc,
    }
}

fn probe<'a>(r: &'a lawful::LawfulReport, kind: &str) -> &'a lawful::Probe {
    r.probes.iter().find(|p| p.kind == kind).expect("probe ran")
}

#[test]
fn scope_switch_off_releases_out_of_scope_traffic() {
    let r = demonstrate(with_toml("threshold-3of5", |t| {
        t.replace("check_scope = true", "check_scope = false")
    }))
    .unwrap();
    let p = probe(&r, "out-of-scope");
    assert_eq!(p.granted_by, 5);
    assert!(p.messages_read > 0);
    assert_eq!(r.out_of_scope_decrypted, p.messages_read);
}

#[test]
fn expiry_switch_off_honours_expired_warrants() {
    let r = demonstrate(with_toml("threshold-3of5", |t| {
        t.replace("check_expiry = true", "check_expiry = false")
    }))
    .unwrap();
    let p = probe(&r, "expired");
    assert_eq!(p.granted_by, 5);
    assert!(p.messages_read > 0);
}

#[test]
fn replay_switches_off_serve_replays() {
    let cfg = WorldConfig {
        scheme: Scheme::load(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/schemes/broken/no-replay-cache.toml"
        ))
        .unwrap(),
        population: small_population(),
        seed: 11,
        backend: BackendKind::Blsttc,
    };
    let r = demonstrate(cfg).unwrap();
    let p = probe(&r, "replayed");
    assert_eq!(p.granted_by, 5);
    assert!(p.messages_read > 0);
}

/// A world, a warrant for the most active user over the last epoch, and the in-scope sessions.
fn case(scheme: &str) -> (World, escrowlab::escrow::court::SignedWarrant, Vec<u32>) {
    let world = World::run(config(scheme, BackendKind::Blsttc, 5)).unwrap();
    let target = world.transcript.sessions.last().unwrap().header.members[0];
    let last = world.epochs() - 1;
    let w = Warrant {
        case_id: "t".into(),
        targets: vec![target],
        from_epoch: last,
        to_epoch: last,
        issued: world.now,
        expires: world.now + 100,
        nonce: [9; 16],
        use_limit: 1,
    };
    let sessions = lawful::sessions_in_scope(&world, &w);
    let signed = lawful::issue_warrant(&world, w).unwrap();
    (world, signed, sessions)
}

#[test]
fn a_tampered_share_is_caught_and_its_agent_named() {
    let (mut world, signed, sessions) = case("threshold-3of5");
    let bytes = lawful::build_request(&world, &signed, &sessions, "le", [1; 16]);
    let now = world.now + 1;
    let mut rs = lawful::submit_to(&mut world, &[0, 1, 2, 3, 4], &bytes, now);
    // Agent 1's first share is replaced by agent 2's (a valid point, wrong index), and it goes first.
    let stolen = rs[2].items[0].clone().unwrap();
    rs[1].items[0] = Ok(stolen);
    rs.swap(0, 1);
    let out = lawful::combine_and_read(&world, &sessions, &rs);
    assert!(
        out.rejected_agents.contains(&1),
        "agent 1 named: {:?}",
        out.rejected_agents
    );
    assert!(
        out.failed_sessions.is_empty(),
        "four good shares still suffice"
    );
    assert_eq!(
        out.plaintexts.len(),
        lawful::messages_of(&world, &sessions).len()
    );
}

#[test]
fn an_unverifying_combiner_cannot_name_the_bad_agent() {
    let (mut world, signed, sessions) = case(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/schemes/broken/unverified-combiner.toml"
    ));
    let bytes = lawful::build_request(&world, &signed, &sessions, "le", [1; 16]);
    let now = world.now + 1;
    let mut rs = lawful::submit_to(&mut world, &[0, 1, 2, 3, 4], &bytes, now);
    let stolen = rs[2].items[0].clone().unwrap();
    rs[0].items[0] = Ok(stolen);
    let out = lawful::combine_and_read(&world, &sessions, &rs);
    assert!(out.failed_sessions.contains(&sessions[0]));
    assert!(out.rejected_agents.is_empty());
}

#[test]
fn an_epoch_key_past_retention_is_gone() {
    let world = World::run(config("threshold-3of5-epoch", BackendKind::Blsttc, 5)).unwrap();
    assert!(world.escrow.destroyed.contains(&0));
    assert!(!world.escrow.keys.contains_key(&0));
    for a in &world.escrow.agents {
        assert!(
            a.vault.get(0).is_none(),
            "agent {} still holds key 0",
            a.index
        );
        assert!(a
            .vault
            .key_epochs()
            .iter()
            .all(|&k| k + 1 >= world.epochs()));
    }
    assert!(world.escrow.dealer_copies.is_empty());
    // Law enforcement asking for an epoch-0 field is refused by retention.
    let mut world = world;
    let s0 = world.transcript.sessions[0].header.clone();
    let w = Warrant {
        case_id: "old".into(),
        targets: vec![s0.members[0]],
        from_epoch: 0,
        to_epoch: 0,
        issued: world.now,
        expires: world.now + 100,
        nonce: [3; 16],
        use_limit: 1,
    };
    let signed = lawful::issue_warrant(&world, w).unwrap();
    let bytes = lawful::build_request(&world, &signed, &[s0.session], "le", [2; 16]);
    let now = world.now + 1;
    let rs = lawful::submit_to(&mut world, &[0, 1, 2, 3, 4], &bytes, now);
    for r in &rs {
        assert_eq!(r.items[0].as_ref().unwrap_err().control, "retention");
    }
}

#[test]
fn refresh_keeps_the_key_and_changes_every_share() {
    let mut world = World::new(
        config("threshold-3of5-epoch", BackendKind::Blsttc, 5),
        Default::default(),
    )
    .unwrap();
    world.step().unwrap();
    let master = world.escrow.master_keys[&0].clone();
    let before: Vec<_> = world
        .escrow
        .agents
        .iter()
        .map(|a| a.vault.get(0).unwrap().clone())
        .collect();
    world.step().unwrap();
    assert_eq!(world.escrow.master_keys[&0], master);
    assert_eq!(world.escrow.generation[&0], 1);
    for (a, old) in world.escrow.agents.iter().zip(before) {
        assert_ne!(a.vault.get(0).unwrap(), &old);
    }
}

#[test]
fn same_seed_same_world() {
    let a = World::run(config("hardened", BackendKind::Blsttc, 3)).unwrap();
    let b = World::run(config("hardened", BackendKind::Blsttc, 3)).unwrap();
    assert_eq!(a.transcript.sessions.len(), b.transcript.sessions.len());
    for (x, y) in a.transcript.envelopes.iter().zip(&b.transcript.envelopes) {
        assert_eq!(x.ciphertext, y.ciphertext);
    }
    for (x, y) in a.transcript.sessions.iter().zip(&b.transcript.sessions) {
        assert_eq!(x.field, y.field);
    }
}
