//! `split-escrow`: each session key is split into two XOR halves, one encrypted to the
//! provider's key and one to the court clerk's key (each a 1-of-1 BLS12-381 threshold key
//! through escrowlab's backend). Under a warrant each party checks the court's signature
//! and decrypts its half of every session the warrant covers; law enforcement XORs them.
//! Neither party alone learns anything about a session key.

use escrowlab::attack::{Capability, Params};
use escrowlab::backend::Backend;
use escrowlab::escrow::court::SignedWarrant;
use escrowlab::mechanism::{
    CourtKey, DeployView, Deployment, DynDeployment, Journal, Mechanism, MechanismInfo, Released,
    SessionView,
};
use escrowlab::secret::{Key32, Scalar};
use escrowlab::{Error, Result};
use std::sync::Arc;

/// The family.
pub struct SplitEscrow;

static INFO: MechanismInfo = MechanismInfo {
    family: "split-escrow",
    title: "Two-party split escrow (example)",
    summary: "Each session key is split into two halves, one encrypted to the provider and \
              one to the court clerk; both must decrypt under a warrant.",
    lawful_scope: "every session of the warrant's targets in its window",
    references: &["Micali, Fair Public-Key Cryptosystems, CRYPTO (1992)"],
    capabilities: &[
        (
            Capability::Intercept,
            "read the relay's transcript with both halves of each field",
        ),
        (Capability::CompromiseVault, "copy one party's escrow key"),
        (Capability::CompromiseDevice, "implant a user's device"),
    ],
    absent: "split escrow has no agents' API, no relay-side insertion and no ledger",
    params: &[],
};

/// What may be asked of the deployment.
#[derive(Clone, Debug)]
pub enum SplitRequest {
    /// `intercept`: the two encrypted halves riding with each session.
    Fields,
    /// `compromise_vault`: party 0 (provider) or 1 (clerk)'s key.
    StealKey {
        /// Which party.
        party: usize,
    },
}

/// The answers.
#[derive(Clone, Debug)]
pub enum SplitResponse {
    /// The halves, by session.
    Fields(Arc<Vec<[Vec<u8>; 2]>>),
    /// A party's key.
    Key(Scalar),
}

/// The two parties and the fields on one world.
#[derive(Clone)]
pub struct SplitDeployment {
    backend: &'static dyn Backend,
    keys: [Scalar; 2],
    fields: Arc<Vec<[Vec<u8>; 2]>>,
    sessions: Arc<Vec<SessionView>>,
}

/// XOR of two 32-byte halves (what law enforcement, or a thief of both keys, computes).
pub fn join(a: &[u8], b: &[u8]) -> Option<Key32> {
    if a.len() != 32 || b.len() != 32 {
        return None;
    }
    let mut k = [0u8; 32];
    for i in 0..32 {
        k[i] = a[i] ^ b[i];
    }
    Some(Key32(k))
}

impl Deployment for SplitDeployment {
    type Request = SplitRequest;
    type Response = SplitResponse;
    fn capability(r: &SplitRequest) -> Capability {
        match r {
            SplitRequest::Fields => Capability::Intercept,
            SplitRequest::StealKey { .. } => Capability::CompromiseVault,
        }
    }
    fn describe(r: &SplitRequest) -> String {
        match r {
            SplitRequest::Fields => "split fields".into(),
            SplitRequest::StealKey { party } => format!("party {party}'s key"),
        }
    }
    fn handle(&mut self, r: SplitRequest, _: &mut Journal) -> Result<SplitResponse> {
        match r {
            SplitRequest::Fields => Ok(SplitResponse::Fields(self.fields.clone())),
            SplitRequest::StealKey { party } => self
                .keys
                .get(party)
                .map(|k| SplitResponse::Key(k.clone()))
                .ok_or_else(|| Error::misuse(format!("no party {party}"))),
        }
    }
    fn serve(
        &mut self,
        w: &SignedWarrant,
        court: &CourtKey<'_>,
        journal: &mut Journal,
    ) -> Result<Vec<Released>> {
        if !court.verifies(w) {
            journal.refuse(
                "warrant-signature",
                "both parties",
                "the signature does not verify",
            );
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for s in self.sessions.iter() {
            if !w.warrant.covers(s.epoch, &s.members) {
                continue;
            }
            let Some(f) = self.fields.get(s.index as usize) else {
                continue;
            };
            let halves: Vec<Vec<u8>> = (0..2)
                .filter_map(|p| {
                    self.backend
                        .decrypt_with_scalar(&self.keys[p], &f[p])
                        .ok()?
                })
                .collect();
            if let [a, b] = halves.as_slice() {
                if let Some(key) = join(a, b) {
                    out.push(Released {
                        session: s.index,
                        key,
                    });
                }
            }
        }
        journal.figure("halves_released", 2.0 * out.len() as f64);
        Ok(out)
    }
}

impl Mechanism for SplitEscrow {
    fn info(&self) -> &'static MechanismInfo {
        &INFO
    }
    fn deploy(&self, view: &DeployView<'_>, _: &Params) -> Result<Box<dyn DynDeployment>> {
        use escrowlab::prelude::Rng;
        let mut rng = view.rng("split-escrow");
        let backend = view.backend();
        let a = backend.dealer_keygen(1, 1, rng.gen())?;
        let b = backend.dealer_keygen(1, 1, rng.gen())?;
        let sessions = view.sessions();
        // The clients split each session key into two XOR shares: the family never holds
        // the key itself, only what the clients send each party.
        let clients = view.clients();
        let mut fields = Vec::with_capacity(sessions.len());
        for s in &sessions {
            let pad: [u8; 32] = rng.gen();
            let other = clients
                .xor_share(s.index, &pad)
                .ok_or_else(|| Error::misuse("a session the clients did not open"))?;
            fields.push([
                backend.encrypt(&a.public, &pad, rng.gen())?,
                backend.encrypt(&b.public, &other, rng.gen())?,
            ]);
        }
        let key = |m: &escrowlab::backend::KeyMaterial| {
            m.shares
                .first()
                .cloned()
                .ok_or_else(|| Error::misuse("key generation gave no share"))
        };
        Ok(Box::new(SplitDeployment {
            backend,
            keys: [key(&a)?, key(&b)?],
            fields: Arc::new(fields),
            sessions: Arc::new(sessions),
        }))
    }
}
