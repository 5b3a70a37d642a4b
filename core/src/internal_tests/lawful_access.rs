//! The lawful-access steps one by one (moved from `tests/lawful_access.rs`): a tampered
//! share is caught and its agent named, an unverifying combiner cannot name it, and a key
//! past retention is gone from every agent.

use super::{config, fixture};
use crate::backend::BackendKind;
use crate::escrow::court::{SignedWarrant, Warrant};
use crate::lawful;
use crate::world::World;

/// A world, a warrant for the most active user over the last epoch, and the in-scope sessions.
fn case(scheme: &str) -> (World, SignedWarrant, Vec<u32>) {
    let world = crate::mechanism::run_world(config(scheme, BackendKind::Blsttc, 5)).unwrap();
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
    let (mut world, signed, sessions) = case(fixture!("schemes/broken/unverified-combiner.toml"));
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
    let world = crate::mechanism::run_world(config("threshold-3of5-epoch", BackendKind::Blsttc, 5))
        .unwrap();
    assert!(world.escrow().destroyed.contains(&0));
    assert!(!world.escrow().keys.contains_key(&0));
    for a in &world.escrow().agents {
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
    assert!(world.escrow().dealer_copies.is_empty());
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
