//! Session-key escrow (Clipper's idea, done as well as escrowlab can): every session key
//! escrowed to a k-of-n threshold key held by agents, released under court-signed, scoped
//! warrants and logged. Its machinery lives in [`crate::escrow`] and the world itself
//! (the escrow field rides with every session); this is its entry in the family table.

use super::{DeployView, DynDeployment, Journal, Mechanism, MechanismInfo, Released};
use crate::attack::{Capability, Params};
use crate::error::Result;
use crate::escrow::court::SignedWarrant;

/// The session-escrow family.
pub struct SessionEscrow;

static INFO: MechanismInfo = MechanismInfo {
    family: super::SESSION_ESCROW,
    title: "Session-key escrow to threshold agents",
    summary: "Every session key travels with an escrow field: the key encrypted to a k-of-n \
              threshold key on BLS12-381 held by independent agents. A court signs a scoped \
              warrant; each agent checks it, logs the request and releases a verified \
              decryption share; the combiner needs k of them.",
    lawful_scope: "every session of the warrant's targets inside its epoch window, past or \
                   future, while the escrow key is retained",
    references: &[
        "NIST FIPS 185, Escrowed Encryption Standard (1994)",
        "Abelson et al., Keys Under Doormats (2015)",
    ],
    capabilities: &[
        (
            Capability::Intercept,
            "read the relay's transcript, escrow fields included",
        ),
        (
            Capability::CompromiseAgent,
            "read an escrow agent's vault of key shares",
        ),
        (Capability::CompromiseDevice, "implant a user's device"),
        (Capability::StealCourtKey, "take a judge's signing key"),
        (
            Capability::ControlRelay,
            "add hidden members, alter envelopes",
        ),
        (
            Capability::ActAsAgent,
            "release shares as an agent without its checks",
        ),
        (Capability::SubmitRequest, "send requests to an agent's API"),
        (Capability::WriteAuditLog, "rewrite an agent's audit log"),
        (
            Capability::ControlDealer,
            "control the dealer at key generation",
        ),
        (
            Capability::ControlClient,
            "control a client or its update channel",
        ),
        (
            Capability::ObtainWarrant,
            "obtain a real warrant from the court",
        ),
        (
            Capability::BreachInterface,
            "read the agents' warrant store (the docket); releases still need the agents",
        ),
    ],
    absent: "session escrow has agents, a court, a dealer and a relay; it has no device \
             recovery mode, no guess-limited HSM, no puzzle and no public ledger",
    params: &[],
};

/// Nothing to deploy beside the world: the escrow is in it.
#[derive(Clone)]
struct InWorld;

impl super::Deployment for InWorld {
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
        _: &super::CourtKey<'_>,
        journal: &mut Journal,
    ) -> Result<Vec<Released>> {
        journal.refuse(
            "in-world",
            "session escrow",
            "session escrow serves warrants through its agents and combiner",
        );
        Ok(Vec::new())
    }
}

impl Mechanism for SessionEscrow {
    fn info(&self) -> &'static MechanismInfo {
        &INFO
    }
    fn deploy(&self, _: &DeployView<'_>, _: &Params) -> Result<Box<dyn DynDeployment>> {
        Ok(Box::new(InWorld))
    }
}
