//! Crypto crumple zones (Wright and Varia, 2018): no agents and no escrow key. Every
//! session key rides with a field that opens after about `2^puzzle_bits` hash evaluations,
//! behind one gatekeeper puzzle of `2^gate_bits` that must be solved once before any field
//! opens. Law enforcement and anyone else pay the same price: the gate is money, not
//! authorization. Nothing checks a warrant and nothing is logged.
//!
//! The puzzles are real: the gate's secret is a `gate_bits`-bit number whose SHA-256 is
//! published; a session's secret is a `puzzle_bits`-bit number whose check value (a
//! SHA-256 under the gate key) is published, and the session key is sealed under a key
//! derived from the gate key and that secret. The work is counted in SHA-256 evaluations.

use super::{
    CourtKey, DeployView, Deployment, DynDeployment, Journal, Mechanism, MechanismInfo, Released,
};
use crate::error::Result;
use crate::escrow::court::SignedWarrant;
use crate::messaging::open;
use crate::secret::Key32;
use crate::vocab::{Capability, Params};
use rand::Rng;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The crumple-zone family.
pub struct CrumpleZone;

use crate::vocab::family::crumple_zone::INFO;

/// The public gatekeeper puzzle.
#[derive(Clone, Debug)]
pub struct Gate {
    /// Bits of its secret.
    pub bits: u32,
    /// SHA-256 of the secret's encoding.
    pub target: [u8; 32],
}

/// One session's crumple field (public: it rides with the session).
#[derive(Clone, Debug)]
pub struct CrumpleField {
    /// The session.
    pub session: u32,
    /// Bits of its secret.
    pub bits: u32,
    /// Check value of the secret under the gate key.
    pub check: [u8; 32],
    /// The session key, sealed under the gate key and the secret.
    pub sealed: Vec<u8>,
}

/// SHA-256 of a gate guess (one evaluation).
pub fn gate_hash(guess: u64) -> [u8; 32] {
    Sha256::new()
        .chain_update(b"crumple-gate")
        .chain_update(guess.to_le_bytes())
        .finalize()
        .into()
}

/// The gate key a solved gate secret yields.
pub fn gate_key(secret: u64) -> Key32 {
    super::kdf("crumple-gate-key", &[&secret.to_le_bytes()])
}

/// The check value of a session guess under a gate key (one evaluation).
pub fn field_check(gate: &Key32, session: u32, guess: u64) -> [u8; 32] {
    Sha256::new()
        .chain_update(b"crumple-check")
        .chain_update(gate.0)
        .chain_update(session.to_le_bytes())
        .chain_update(guess.to_le_bytes())
        .finalize()
        .into()
}

/// Opens a field with the gate key and the session's secret.
pub fn open_field(gate: &Key32, f: &CrumpleField, secret: u64) -> Option<Key32> {
    let k = super::kdf(
        "crumple-seal",
        &[&gate.0, &f.session.to_le_bytes(), &secret.to_le_bytes()],
    );
    let pt = open(&k, &f.session.to_le_bytes(), &f.sealed)?;
    Some(Key32(pt.try_into().ok()?))
}

/// Solves the gate by exhaustive search: `(secret, evaluations)`.
pub fn solve_gate(gate: &Gate, budget: u64) -> (Option<u64>, u64) {
    let space = 1u64.checked_shl(gate.bits).unwrap_or(u64::MAX);
    for g in 0..space.min(budget) {
        if gate_hash(g) == gate.target {
            return (Some(g), g + 1);
        }
    }
    (None, space.min(budget))
}

/// Solves a field by exhaustive search: `(secret, evaluations)`.
pub fn solve_field(gate: &Key32, f: &CrumpleField, budget: u64) -> (Option<u64>, u64) {
    let space = 1u64.checked_shl(f.bits).unwrap_or(u64::MAX);
    for g in 0..space.min(budget) {
        if field_check(gate, f.session, g) == f.check {
            return (Some(g), g + 1);
        }
    }
    (None, space.min(budget))
}

/// What may be asked.
#[derive(Clone, Debug)]
pub enum CrumpleRequest {
    /// `intercept`: the gate and every session's field, as they ride on the wire.
    Fields,
    /// `spend_work`: search the gate puzzle, at most `budget` evaluations (the work is
    /// done here and counted by the mechanism, not by the attack).
    SolveGate {
        /// Most evaluations to spend.
        budget: u64,
    },
    /// `spend_work`: search one field's puzzle under a solved gate key.
    SolveField {
        /// The field (as intercepted).
        field: CrumpleField,
        /// The gate key.
        gate: Key32,
        /// Most evaluations to spend.
        budget: u64,
    },
}

/// The answer.
#[derive(Clone, Debug)]
pub enum CrumpleResponse {
    /// The gate and the fields.
    Fields(Gate, Arc<Vec<CrumpleField>>),
    /// The gate key, when found within the budget.
    Gate(Option<Key32>),
    /// The session key, when found within the budget.
    Session(Option<Key32>),
}

/// The crumple zone on one world.
#[derive(Clone)]
pub struct CrumpleDeployment {
    gate: Gate,
    fields: Arc<Vec<CrumpleField>>,
    scopes: Arc<Vec<(u32, Vec<u32>)>>,
}

impl Deployment for CrumpleDeployment {
    type Request = CrumpleRequest;
    type Response = CrumpleResponse;
    fn capability(r: &CrumpleRequest) -> Capability {
        match r {
            CrumpleRequest::Fields => Capability::Intercept,
            _ => Capability::SpendWork,
        }
    }
    fn describe(r: &CrumpleRequest) -> String {
        match r {
            CrumpleRequest::Fields => "crumple fields on the wire".into(),
            CrumpleRequest::SolveGate { .. } => "work on the gate puzzle".into(),
            CrumpleRequest::SolveField { field, .. } => {
                format!("work on session {}'s puzzle", field.session)
            }
        }
    }
    fn handle(&mut self, r: CrumpleRequest, journal: &mut Journal) -> Result<CrumpleResponse> {
        Ok(match r {
            CrumpleRequest::Fields => {
                CrumpleResponse::Fields(self.gate.clone(), self.fields.clone())
            }
            CrumpleRequest::SolveGate { budget } => {
                let (s, n) = solve_gate(&self.gate, budget);
                journal.work(n);
                CrumpleResponse::Gate(s.map(gate_key))
            }
            CrumpleRequest::SolveField {
                field,
                gate,
                budget,
            } => {
                let (s, n) = solve_field(&gate, &field, budget);
                journal.work(n);
                CrumpleResponse::Session(s.and_then(|x| open_field(&gate, &field, x)))
            }
        })
    }
    fn serve(
        &mut self,
        w: &SignedWarrant,
        _: &CourtKey<'_>,
        journal: &mut Journal,
    ) -> Result<Vec<Released>> {
        // Nothing checks the warrant: law enforcement simply pays for the sessions it covers.
        let (gate_secret, n) = solve_gate(&self.gate, u64::MAX);
        journal.work(n);
        let Some(gs) = gate_secret else {
            return Ok(Vec::new());
        };
        let gk = gate_key(gs);
        let mut out = Vec::new();
        for f in self.fields.iter() {
            let Some((epoch, members)) = self.scopes.get(f.session as usize) else {
                continue;
            };
            if !w.warrant.covers(*epoch, members) {
                continue;
            }
            let (secret, n) = solve_field(&gk, f, u64::MAX);
            journal.work(n);
            if let Some(key) = secret.and_then(|s| open_field(&gk, f, s)) {
                out.push(Released {
                    session: f.session,
                    key,
                });
            }
        }
        Ok(out)
    }
}

impl Mechanism for CrumpleZone {
    fn info(&self) -> &'static MechanismInfo {
        &INFO
    }
    fn deploy(&self, view: &DeployView<'_>, params: &Params) -> Result<Box<dyn DynDeployment>> {
        let mut rng = view.rng("crumple-zone");
        let gate_bits = params.int("gate_bits").clamp(1, 28) as u32;
        let bits = params.int("puzzle_bits").clamp(1, 24) as u32;
        let gs: u64 = rng.gen_range(0..1u64 << gate_bits);
        let gate = Gate {
            bits: gate_bits,
            target: gate_hash(gs),
        };
        let gk = gate_key(gs);
        let sessions = view.sessions();
        let clients = view.clients();
        let mut fields = Vec::with_capacity(sessions.len());
        let mut scopes = Vec::with_capacity(sessions.len());
        for s in &sessions {
            let secret: u64 = rng.gen_range(0..1u64 << bits);
            let k = super::kdf(
                "crumple-seal",
                &[&gk.0, &s.index.to_le_bytes(), &secret.to_le_bytes()],
            );
            fields.push(CrumpleField {
                session: s.index,
                bits,
                check: field_check(&gk, s.index, secret),
                // The sender's client seals the key under the puzzle's key.
                sealed: clients.seal(s.index, &k).unwrap_or_default(),
            });
            scopes.push((s.epoch, s.members.clone()));
        }
        Ok(Box::new(CrumpleDeployment {
            gate,
            fields: Arc::new(fields),
            scopes: Arc::new(scopes),
        }))
    }
}
