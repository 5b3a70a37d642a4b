//! The simulated world's internals (moved from `tests/lawful_access.rs` and
//! `tests/attacks_clients.rs`): proactive refresh, determinism, and honest recipients
//! rejecting a rogue sender's sessions.

use super::config;
use crate::backend::BackendKind;
use crate::world::{Hooks, RogueMode};

#[test]
fn refresh_keeps_the_key_and_changes_every_share() {
    let mut world = crate::mechanism::new_world(
        config("threshold-3of5-epoch", BackendKind::Blsttc, 5),
        Default::default(),
    )
    .unwrap();
    world.step().unwrap();
    let master = world.escrow().master_keys[&0].clone();
    let before: Vec<_> = world
        .escrow()
        .agents
        .iter()
        .map(|a| a.vault.get(0).unwrap().clone())
        .collect();
    world.step().unwrap();
    assert_eq!(world.escrow().master_keys[&0], master);
    assert_eq!(world.escrow().generation[&0], 1);
    for (a, old) in world.escrow().agents.iter().zip(before) {
        assert_ne!(a.vault.get(0).unwrap(), &old);
    }
}

#[test]
fn same_seed_same_world() {
    let a = crate::mechanism::run_world(config("hardened", BackendKind::Blsttc, 3)).unwrap();
    let b = crate::mechanism::run_world(config("hardened", BackendKind::Blsttc, 3)).unwrap();
    assert_eq!(a.transcript.sessions.len(), b.transcript.sessions.len());
    for (x, y) in a
        .transcript
        .envelopes
        .iter()
        .zip(b.transcript.envelopes.iter())
    {
        assert_eq!(x.ciphertext, y.ciphertext);
    }
    for (x, y) in a.transcript.sessions.iter().zip(&b.transcript.sessions) {
        assert_eq!(x.field, y.field);
    }
}

#[test]
fn a_rogue_sender_facing_an_honest_recipient_is_rejected_and_detected() {
    for mode in [RogueMode::Strip, RogueMode::Garbage] {
        let cfg = config("single-key", BackendKind::Blsttc, 7);
        let mut hooks = Hooks::default();
        hooks.rogue_clients.insert(3, mode);
        let mut w = crate::mechanism::new_world(cfg, hooks).expect("world");
        w.run_to_end().expect("runs");
        let rogue_sent: Vec<u32> = w
            .transcript
            .sessions
            .iter()
            .filter(|s| s.header.sender == 3)
            .map(|s| s.header.session)
            .collect();
        assert!(!rogue_sent.is_empty());
        for s in &rogue_sent {
            assert!(w.rejected_sessions.contains(s), "{mode:?}: session {s}");
        }
        assert_eq!(
            w.rejected_sessions.len(),
            rogue_sent.len(),
            "{mode:?}: only the rogue sender's sessions"
        );
        assert!(w
            .detections
            .iter()
            .all(|d| d.control == "recipient-field-check"));
        assert_eq!(w.detections.len(), rogue_sent.len());
    }
}

#[test]
fn a_snapshot_rebuilt_from_the_finished_world_is_the_world_stepped_to_it() {
    let cfg = config("threshold-3of5-epoch", BackendKind::Blsttc, 11);
    let base = crate::attack::context::BaseWorlds::build(cfg.clone()).unwrap();
    let mut stepped = crate::mechanism::new_world(cfg, Default::default()).unwrap();
    for j in 0..=stepped.epochs() + 1 {
        let rebuilt = base.at(j);
        assert_eq!(rebuilt.next_epoch, stepped.next_epoch, "epoch {j}");
        assert_eq!(rebuilt.now, stepped.now, "epoch {j}");
        assert_eq!(
            rebuilt.transcript.sessions.len(),
            stepped.transcript.sessions.len(),
            "epoch {j}"
        );
        for (x, y) in rebuilt
            .transcript
            .envelopes
            .iter()
            .zip(stepped.transcript.envelopes.iter())
        {
            assert_eq!((x.id, &x.ciphertext), (y.id, &y.ciphertext), "epoch {j}");
        }
        assert_eq!(
            rebuilt.transcript.envelopes.len(),
            stepped.transcript.envelopes.len()
        );
        assert_eq!(rebuilt.truth().len(), stepped.truth().len(), "epoch {j}");
        assert_eq!(rebuilt.registry.len(), stepped.registry.len(), "epoch {j}");
        for s in &stepped.transcript.sessions {
            let f = crate::escrow::field::EscrowField::decode(s.field.as_ref().unwrap()).unwrap();
            assert_eq!(
                rebuilt.registry.matches(&f.te_ct, &s.header),
                Some(true),
                "epoch {j}"
            );
        }
        assert_eq!(
            rebuilt.escrow().keys,
            stepped.escrow().keys,
            "epoch {j}: the live keys"
        );
        stepped.step().unwrap();
    }
}

#[test]
fn any_envelope_read_alone_or_from_mid_session_is_the_one_read_in_order() {
    let w = crate::mechanism::run_world(config("threshold-3of5", BackendKind::Blsttc, 4)).unwrap();
    let env = &w.transcript.envelopes;
    let all: Vec<_> = env.iter().collect();
    assert_eq!(all.len(), env.len());
    for i in [0, 1, 3, 4, 5, all.len() / 2, all.len() - 1] {
        assert_eq!(env.get(i).as_ref(), Some(&all[i]), "get({i})");
        assert_eq!(env.header(i), Some(all[i].header), "header({i})");
        assert_eq!(env.time(i), Some(all[i].time), "time({i})");
        let from: Vec<_> = env.range(i..(i + 7).min(all.len())).collect();
        assert_eq!(from, all[i..(i + 7).min(all.len())], "range from {i}");
    }
    assert_eq!(env.get(all.len()), None);
    assert_eq!(env.range(all.len()..all.len() + 3).count(), 0);
    let headers: Vec<_> = env.headers().collect();
    assert_eq!(headers, all.iter().map(|e| e.header).collect::<Vec<_>>());
}
