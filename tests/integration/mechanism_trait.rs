//! Session escrow is one implementation of the mechanism trait: a warrant served through
//! `Mechanism`/`Deployment` reads exactly what session escrow's own lawful-access flow
//! reads, and a registered mechanism of a user's own is found by family like a built-in.

use crate::common;
use common::config;
use escrowlab::backend::BackendKind;

#[test]
fn session_escrow_served_through_the_trait_reads_what_its_own_flow_reads() {
    for name in ["single-key", "threshold-3of5", "hardened"] {
        let own = escrowlab::lawful::demonstrate(config(name, BackendKind::Blsttc, 11)).unwrap();
        let via =
            escrowlab::lawful::demonstrate_through_mechanism(config(name, BackendKind::Blsttc, 11))
                .unwrap();
        assert_eq!(via.family, "session-escrow");
        assert_eq!(via.target, own.target, "{name}");
        assert_eq!(via.window, own.window, "{name}");
        assert_eq!(via.in_scope_messages, own.in_scope_messages, "{name}");
        assert!(via.in_scope_decrypted > 0, "{name}: {via:?}");
        assert_eq!(via.in_scope_decrypted, own.in_scope_decrypted, "{name}");
        assert_eq!(via.out_of_scope_decrypted, 0, "{name}");
        assert!(via.mechanism_figures["audit_entries"] > 0.0, "{name}");
    }
    // No escrow: nothing to serve, said so.
    let none = escrowlab::lawful::demonstrate_through_mechanism(config(
        "e2e-baseline",
        BackendKind::Blsttc,
        11,
    ))
    .unwrap();
    assert_eq!(none.in_scope_decrypted, 0);
    assert!(none.note.is_some());
}

#[test]
fn families_are_listed_and_registering_a_known_one_is_refused() {
    let ids: Vec<&str> = escrowlab::mechanism::all()
        .iter()
        .map(|m| m.info().family)
        .collect();
    assert_eq!(
        ids,
        [
            "session-escrow",
            "ghost-user",
            "device-escrow",
            "hsm-guess-limit",
            "crumple-zone",
            "public-ledger"
        ]
    );
    let e = escrowlab::mechanism::register(&escrowlab::mechanism::ghost_user::GhostUser)
        .unwrap_err()
        .to_string();
    assert!(e.contains("already known"), "{e}");
    // Every family says what each of its capabilities is, and why the others are absent.
    for m in escrowlab::mechanism::all() {
        let i = m.info();
        assert!(!i.capabilities.is_empty() && !i.absent.is_empty() && !i.lawful_scope.is_empty());
        // Work on puzzles exists only where there are puzzles; the reason names the family
        // and the missing capability.
        let spend = [escrowlab::attack::Capability::SpendWork];
        match (i.family, i.not_applicable(&spend)) {
            ("crumple-zone", why) => assert!(why.is_none()),
            (family, Some(why)) => {
                assert!(why.contains("spend_work") && why.contains(family), "{why}")
            }
            (family, None) => panic!("{family} claims puzzles it does not have"),
        }
    }
}
