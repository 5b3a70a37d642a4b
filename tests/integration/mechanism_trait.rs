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
    // The built-ins first, in order (a test of this process may have registered its own
    // family after them).
    assert_eq!(
        ids[..6],
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

/// A family of a user's own that attaches a marker to every session as it is sent: the
/// world carries what a registered family's attachment makes, exactly as it carries
/// session escrow's field (the world knows neither).
mod attached_marker {
    use escrowlab::attack::{Capability, Params};
    use escrowlab::detection::Detection;
    use escrowlab::escrow::court::SignedWarrant;
    use escrowlab::mechanism::{
        CourtKey, DeployView, Deployment, DynDeployment, Journal, Mechanism, MechanismInfo,
        Released,
    };
    use escrowlab::world::attachment::{Attached, SessionAttachment, Setup};
    use escrowlab::world::{Hooks, WorldConfig};
    use escrowlab::Result;

    pub static INFO: MechanismInfo = MechanismInfo {
        family: "marked-sessions",
        title: "Marked sessions (test)",
        summary: "Every sender's client attaches a marker naming its session.",
        lawful_scope: "nothing",
        references: &[],
        capabilities: &[(Capability::Intercept, "read the relay's transcript")],
        absent: "a test family has nothing else",
        params: &[],
    };

    /// The attachment: a marker per session, and a count of epoch boundaries it saw.
    #[derive(Clone, Debug, Default)]
    pub struct Marker {
        boundaries: u32,
    }

    impl SessionAttachment for Marker {
        fn clone_box(&self) -> Box<dyn SessionAttachment> {
            Box::new(self.clone())
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
        fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
            self
        }
        fn active(&self) -> bool {
            true
        }
        fn begin_epoch(&mut self, _: u32) -> Result<()> {
            self.boundaries += 1;
            Ok(())
        }
        fn take_detections(&mut self) -> Vec<Detection> {
            Vec::new()
        }
        fn attach(
            &self,
            setup: &Setup<'_>,
            _: &mut escrowlab::world::attachment::ChaCha20Rng,
        ) -> Result<Attached> {
            let mut field = b"mark".to_vec();
            field.extend(setup.header.session.to_le_bytes());
            field.extend(self.boundaries.to_le_bytes());
            Ok(Attached {
                field: Some(field),
                ..Attached::default()
            })
        }
        fn registry_key(&self, field: &[u8]) -> Option<Vec<u8>> {
            Some(field.to_vec())
        }
    }

    #[derive(Clone)]
    pub struct Nothing;

    impl Deployment for Nothing {
        type Request = ();
        type Response = ();
        fn capability(_: &()) -> Capability {
            Capability::Intercept
        }
        fn describe(_: &()) -> String {
            "nothing".into()
        }
        fn handle(&mut self, _: (), _: &mut Journal) -> Result<()> {
            Ok(())
        }
        fn serve(
            &mut self,
            _: &SignedWarrant,
            _: &CourtKey<'_>,
            _: &mut Journal,
        ) -> Result<Vec<Released>> {
            Ok(Vec::new())
        }
    }

    pub struct MarkedSessions;

    impl Mechanism for MarkedSessions {
        fn info(&self) -> &'static MechanismInfo {
            &INFO
        }
        fn deploy(&self, _: &DeployView<'_>, _: &Params) -> Result<Box<dyn DynDeployment>> {
            Ok(Box::new(Nothing))
        }
        fn attachment(
            &self,
            _: &WorldConfig,
            _: &Hooks,
        ) -> Result<Option<Box<dyn SessionAttachment>>> {
            Ok(Some(Box::new(Marker::default())))
        }
    }
}

#[test]
fn a_registered_familys_attachment_rides_with_every_session() {
    use escrowlab::config::Scheme;
    // Registering twice (another test run in the same process) is refused, not a failure.
    let _ = escrowlab::mechanism::register(&attached_marker::MarkedSessions);
    let scheme = Scheme::from_toml_str(
        "name = \"marked\"\nsummary = \"test\"\n[custody]\nkind = \"none\"\n\
         [mechanism]\nfamily = \"marked-sessions\"\n",
        "marked.toml",
    )
    .expect("a scheme naming the registered family");
    let mut cfg = config("e2e-baseline", BackendKind::Blsttc, 5);
    cfg.scheme = scheme.clone();
    let base = escrowlab::runner::base_worlds(&scheme, &cfg).expect("worlds");
    let mut ctx = escrowlab::attack::AttackCtx::new(&base, "probe").expect("a context");
    ctx.advance_to_end().expect("the run");
    let sessions: Vec<_> = ctx.intercept().sessions.iter().cloned().collect();
    assert!(!sessions.is_empty());
    for s in &sessions {
        let mut want = b"mark".to_vec();
        want.extend(s.header.session.to_le_bytes());
        // The boundary of the session's epoch had run before its traffic.
        want.extend((s.header.epoch + 1).to_le_bytes());
        assert_eq!(
            s.field.as_deref(),
            Some(&want[..]),
            "session {}",
            s.header.session
        );
    }
    // Session escrow's own world carries its field; plain E2E's carries nothing.
    let plain = config("e2e-baseline", BackendKind::Blsttc, 5);
    let base = escrowlab::runner::base_worlds(&plain.scheme, &plain).expect("worlds");
    let mut ctx = escrowlab::attack::AttackCtx::new(&base, "probe").expect("a context");
    ctx.advance_to_end().expect("the run");
    assert!(ctx.intercept().sessions.iter().all(|s| s.field.is_none()));
}
