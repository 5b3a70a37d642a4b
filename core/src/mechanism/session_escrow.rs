//! Session-key escrow (Clipper's idea, done as well as escrowlab can): every session key
//! escrowed to a k-of-n threshold key held by agents, released under court-signed, scoped
//! warrants and logged. Its machinery lives in [`crate::escrow`] and the world itself
//! (the escrow field rides with every session); this is its entry in the family table.

use super::{DeployView, DynDeployment, Journal, Mechanism, MechanismInfo, Released};
use crate::error::Result;
use crate::escrow::court::SignedWarrant;
use crate::vocab::{Capability, Params};

/// The session-escrow family.
pub struct SessionEscrow;

use crate::vocab::family::session_escrow::INFO;

/// Session escrow on one world: the world itself, whose agents, court and fields are the
/// mechanism. Serving a warrant is the lawful-access flow of [`crate::lawful`]: one request
/// to every agent, each checking the warrant (against the court key it pins, not the one
/// passed in), logging and answering; the combiner verifies the shares and unwraps each
/// session key. Attacks reach session escrow through [`crate::attack::AttackCtx`]'s own
/// capability methods, not through requests.
#[derive(Clone)]
pub struct EscrowDeployment {
    world: crate::world::World,
}

impl super::Deployment for EscrowDeployment {
    type Request = ();
    type Response = ();
    fn capability(_: &()) -> Capability {
        Capability::SubmitRequest
    }
    fn describe(_: &()) -> String {
        "nothing: session escrow's capabilities are the attack context's methods".into()
    }
    fn handle(&mut self, _: (), journal: &mut Journal) -> Result<()> {
        journal.refuse(
            "not-applicable",
            "session escrow",
            "session escrow is reached through the attack context's capability methods",
        );
        Ok(())
    }
    fn serve(
        &mut self,
        w: &SignedWarrant,
        _: &super::CourtKey<'_>,
        journal: &mut Journal,
    ) -> Result<Vec<Released>> {
        let world = &mut self.world;
        if !world.escrow().has_escrow() {
            journal.refuse(
                "no-escrow",
                "key custody",
                "the scheme creates no escrow key: there is nothing to serve a warrant on",
            );
            return Ok(Vec::new());
        }
        let sessions = super::session_flow::sessions_in_scope(world, &w.warrant);
        let nonce = super::kdf("session-escrow-serve", &[&w.encode()]).0;
        let bytes = super::session_flow::build_request(
            world,
            w,
            &sessions,
            "law-enforcement",
            nonce[..16].try_into().unwrap_or([0; 16]),
        );
        let agents: Vec<usize> = (0..world.escrow().n).collect();
        let responses = super::session_flow::submit_to(world, &agents, &bytes, journal.now());
        for r in &responses {
            for item in &r.items {
                if let Err(e) = item {
                    journal.refuse(&e.control, &format!("agent {}", r.agent), e.reason.clone());
                }
            }
        }
        let released: Vec<Released> =
            super::session_flow::combine_keys(world, &sessions, &responses)
                .into_iter()
                .map(|(session, key)| Released { session, key })
                .collect();
        journal.figure(
            "audit_entries",
            world
                .escrow()
                .agents
                .iter()
                .map(|a| a.audit.len())
                .sum::<usize>() as f64,
        );
        Ok(released)
    }
}

impl Mechanism for SessionEscrow {
    fn info(&self) -> &'static MechanismInfo {
        &INFO
    }
    /// The escrow field every sender's client attaches, and the escrow side behind it: the
    /// keys (static ones made now, epoch keys at each boundary), the agents holding their
    /// shares, the court. A dealer hook in force changes how the keys are dealt.
    fn attachment(
        &self,
        config: &crate::world::WorldConfig,
        hooks: &crate::world::Hooks,
    ) -> Result<Option<Box<dyn crate::world::attachment::SessionAttachment>>> {
        let conduct = crate::escrow::DealerConduct {
            keep_copies: hooks.capture_dealer,
            inconsistent_share_to: hooks.dealer_inconsistent,
        };
        let escrow = crate::escrow::EscrowSystem::with_dealer(
            &config.scheme,
            config.backend,
            config.seed,
            conduct,
        )?;
        Ok(Some(Box::new(escrow)))
    }
    fn deploy(&self, view: &DeployView<'_>, _: &Params) -> Result<Box<dyn DynDeployment>> {
        Ok(Box::new(EscrowDeployment {
            world: view.world().clone(),
        }))
    }
}
