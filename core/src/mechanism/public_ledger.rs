//! Accountable escrow with a public ledger of accesses (after Liu, Ryan & Chen 2014; the
//! detectability goal of ARLEAS, Green–Kaptchuk–Van Laer 2021, without its cryptographic
//! gate: here each agent checks the ledger procedurally):
//! every session key is escrowed to a k-of-n threshold key on BLS12-381, and an agent
//! releases its decryption share only against a record of the request appended to a
//! public hash-chained ledger, with an inclusion proof checked against the head the agent
//! sees. Every access, lawful or not, is then visible to anyone reading the ledger.
//!
//! What it rests on: the threshold (k insiders together decrypt without any record, and
//! nothing sees it), and one ledger for everyone: a ledger operator can show the agents a
//! fork carrying a record the public never sees, unless agents gossip the head they
//! checked against with public monitors (`gossip`).

use super::{
    CourtKey, DeployView, Deployment, DynDeployment, Journal, LootStamp, Mechanism, MechanismInfo,
    Released, SessionView,
};
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::escrow::court::SignedWarrant;
use crate::secret::{Key32, Scalar};
use crate::vocab::{Capability, Params};
use rand::Rng;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The public-ledger family.
pub struct PublicLedger;

use crate::vocab::family::public_ledger::INFO;

/// One ledger record: a warrant's fingerprint and the sessions requested under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerRecord {
    /// The warrant's fingerprint.
    pub warrant: String,
    /// Sessions requested.
    pub sessions: Vec<u32>,
}

impl LedgerRecord {
    fn hash(&self, prev: &[u8; 32]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(b"ledger-record");
        h.update(prev);
        h.update((self.warrant.len() as u64).to_le_bytes());
        h.update(self.warrant.as_bytes());
        for s in &self.sessions {
            h.update(s.to_le_bytes());
        }
        h.finalize().into()
    }
}

/// A record as the public reads it: the warrant's fingerprint and the sessions it covers,
/// by id (`record_ids = "clear"`) or by salted commitment (`"committed"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishedRecord {
    /// The warrant's fingerprint.
    pub warrant: String,
    /// Session ids, in clear (empty when committed).
    pub sessions: Vec<u32>,
    /// SHA-256(salt ‖ session id) per session (empty when in clear).
    pub commitments: Vec<[u8; 32]>,
}

/// The commitment a record publishes for `session` under `salt`.
pub fn session_commitment(salt: &[u8; 32], session: u32) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"ledger-session");
    h.update(salt);
    h.update(session.to_le_bytes());
    h.finalize().into()
}

/// A hash-chained ledger.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    records: Vec<LedgerRecord>,
    heads: Vec<[u8; 32]>,
}

impl Ledger {
    /// The head (all zero when empty).
    pub fn head(&self) -> [u8; 32] {
        self.heads.last().copied().unwrap_or([0; 32])
    }
    /// Records.
    pub fn records(&self) -> &[LedgerRecord] {
        &self.records
    }
    fn append(&mut self, r: LedgerRecord) -> usize {
        let h = r.hash(&self.head());
        self.records.push(r);
        self.heads.push(h);
        self.records.len() - 1
    }
    /// Inclusion proof of record `i`: the chain value before it and the records after it.
    pub fn proof(&self, i: usize) -> Option<InclusionProof> {
        let record = self.records.get(i)?.clone();
        let prev = if i == 0 { [0; 32] } else { self.heads[i - 1] };
        Some(InclusionProof {
            prev,
            record,
            after: self.records[i + 1..].to_vec(),
            stamp: LootStamp::default(),
        })
    }
}

/// A record with what links it to a head.
#[derive(Clone, Debug)]
pub struct InclusionProof {
    /// The cell it was handed out in (a proof is loot: bound to that cell).
    stamp: LootStamp,
    prev: [u8; 32],
    /// The record proved.
    pub record: LedgerRecord,
    after: Vec<LedgerRecord>,
}

impl InclusionProof {
    /// Does the chain from the record reach `head`?
    pub fn verifies(&self, head: &[u8; 32]) -> bool {
        let mut h = self.record.hash(&self.prev);
        for r in &self.after {
            h = r.hash(&h);
        }
        &h == head
    }
}

/// What may be asked.
#[derive(Clone, Debug)]
// One request a call: the size of the largest variant (a warrant and a proof) costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum LedgerRequest {
    /// `intercept`: the escrow fields riding with each session.
    Fields,
    /// `compromise_vault`: agent `agent`'s key share.
    StealShare {
        /// Which agent.
        agent: usize,
    },
    /// `submit_request`: ask agent `agent` for its decryption share of `session`, with a
    /// warrant and an inclusion proof (either may be absent).
    Request {
        /// Which agent.
        agent: usize,
        /// Which session.
        session: u32,
        /// The warrant.
        warrant: Option<SignedWarrant>,
        /// The proof of its record.
        proof: Option<InclusionProof>,
    },
    /// `control_ledger`: append `record` to a fork shown only to the agents, and return
    /// its proof against the fork's head.
    Fork {
        /// The record the public never sees.
        record: LedgerRecord,
    },
    /// `obtain_warrant`: a real warrant for `targets` over every epoch.
    Warrant {
        /// Targets.
        targets: Vec<u32>,
    },
    /// `read_public`: every record on the public ledger, as anyone reads it.
    Read,
    /// `control_dealer`: the copy of the agents' master secret that the trusted dealer of
    /// the key ceremony computed to deal the shares, when it kept one.
    DealerCopy,
}

/// The answers.
#[derive(Clone, Debug)]
pub enum LedgerResponse {
    /// Public key set and the fields, by session.
    Fields(Vec<u8>, Arc<Vec<Vec<u8>>>),
    /// A key share (agent index, share).
    Share(usize, Scalar),
    /// A decryption share, or `None` when refused.
    DecryptionShare(Option<Vec<u8>>),
    /// A proof against the fork's head.
    Proof(InclusionProof),
    /// A signed warrant.
    Warrant(SignedWarrant),
    /// The dealer's copy of the master secret (`None`: the ceremony never computed one).
    DealerCopy(Option<Scalar>),
    /// The public ledger's records.
    Records(Vec<PublishedRecord>),
}

/// The ledger, the agents and the escrowed fields on one world.
#[derive(Clone)]
pub struct LedgerDeployment {
    backend: &'static dyn Backend,
    public: Vec<u8>,
    shares: Arc<Vec<Scalar>>,
    /// The master secret the trusted dealer computed to deal `shares` (what a dealer that
    /// kept its copy holds).
    dealer_master: Option<Scalar>,
    fields: Arc<Vec<Vec<u8>>>,
    sessions: Arc<Vec<SessionView>>,
    k: usize,
    gossip: bool,
    /// Whether each agent's checked head reaches a monitor (drawn from the seed).
    gossips: Arc<Vec<bool>>,
    /// `monitors_pct` / 100.
    monitor_share: f64,
    /// Epochs between gossip rounds.
    interval: u32,
    /// Agents that released against a forked head in this cell.
    fork_agents: std::collections::BTreeSet<usize>,
    ledger: Ledger,
    /// Records name sessions by salted commitment (`record_ids = "committed"`).
    committed: bool,
    /// The per-record salt seed (the agents' and the requester's, never published).
    salt_seed: [u8; 32],
    fork: Option<Ledger>,
    court: Option<Arc<crate::escrow::court::Court>>,
    court_public: Vec<u8>,
}

impl LedgerDeployment {
    /// The records as the public reads them.
    fn published(&self) -> Vec<PublishedRecord> {
        self.ledger
            .records()
            .iter()
            .enumerate()
            .map(|(i, r)| {
                if self.committed {
                    let salt =
                        super::kdf("ledger-salt", &[&self.salt_seed, &(i as u64).to_le_bytes()]).0;
                    PublishedRecord {
                        warrant: r.warrant.clone(),
                        sessions: Vec::new(),
                        commitments: r
                            .sessions
                            .iter()
                            .map(|s| session_commitment(&salt, *s))
                            .collect(),
                    }
                } else {
                    PublishedRecord {
                        warrant: r.warrant.clone(),
                        sessions: r.sessions.clone(),
                        commitments: Vec::new(),
                    }
                }
            })
            .collect()
    }
    /// Appends the record of serving `w`: the sessions it covers. Returns its index.
    fn record(&mut self, w: &SignedWarrant) -> (usize, Vec<u32>) {
        let sessions: Vec<u32> = self
            .sessions
            .iter()
            .filter(|s| w.warrant.covers(s.epoch, &s.members))
            .map(|s| s.index)
            .collect();
        let i = self.ledger.append(LedgerRecord {
            warrant: w.fingerprint(),
            sessions: sessions.clone(),
        });
        (i, sessions)
    }
    /// The head agents check against: the fork when the operator shows one.
    fn agents_head(&self) -> [u8; 32] {
        self.fork.as_ref().map_or(self.ledger.head(), |f| f.head())
    }
    fn release(
        &mut self,
        agent: usize,
        session: u32,
        warrant: Option<&SignedWarrant>,
        proof: Option<&InclusionProof>,
        journal: &mut Journal,
    ) -> Option<Vec<u8>> {
        let src = format!("agent {agent}");
        let s = self.sessions.get(session as usize)?;
        let Some(w) = warrant else {
            journal.refuse("warrant-check", &src, "no warrant");
            return None;
        };
        if !crate::escrow::court::verify_warrant(self.backend, &self.court_public, w) {
            journal.refuse(
                "warrant-signature",
                &src,
                "the warrant's signature does not verify",
            );
            return None;
        }
        if !w.warrant.covers(s.epoch, &s.members) {
            journal.refuse(
                "scope-check",
                &src,
                format!("session {session} is outside the warrant"),
            );
            return None;
        }
        let Some(p) = proof else {
            journal.refuse(
                "ledger-inclusion",
                &src,
                "no inclusion proof: the request is not on the ledger",
            );
            return None;
        };
        let head = self.agents_head();
        if !p.verifies(&head)
            || p.record.warrant != w.fingerprint()
            || !p.record.sessions.contains(&session)
        {
            journal.refuse(
                "ledger-inclusion",
                &src,
                "the inclusion proof does not match the request or the head",
            );
            return None;
        }
        if self.gossip && head != self.ledger.head() {
            self.fork_agents.insert(agent);
            // The fork is seen only when a forked agent's view meets a monitor's: at the
            // next gossip round, and only for an agent whose head reaches a monitor.
            let e = journal.epoch();
            let delay = f64::from(self.interval - e % self.interval);
            let used = self.fork_agents.len() as i32;
            let p = 1.0 - (1.0 - self.monitor_share).powi(used);
            let seen = self
                .fork_agents
                .iter()
                .any(|a| self.gossips.get(*a).copied().unwrap_or(false));
            if seen {
                journal.notice(
                    "ledger-gossip",
                    "public monitor",
                    format!(
                        "an agent's checked head does not match the public ledger's, seen at the \
                         gossip round {delay} epoch(s) after the release"
                    ),
                );
            }
            let rests = format!(
                "computed: 1 − (1 − {:.2})^{used} = {p:.4} that one of the {used} agent(s) that \
                 released against the fork gossips its head to a monitor; this cell: {}; \
                 noticed at the next round, every {} epoch(s)",
                self.monitor_share,
                if seen { "seen" } else { "not seen" },
                self.interval
            );
            journal.rests_on(if self.monitor_share >= 1.0 {
                crate::controls::ControlBasis {
                    control: "ledger-gossip".into(),
                    kind: crate::controls::BasisKind::Assumption,
                    probability: Some(1.0),
                    delay_epochs: Some(delay),
                    rests_on: format!(
                        "every agent's view reaches a monitor (monitors_pct = 100): {rests}"
                    ),
                }
            } else {
                crate::controls::ControlBasis::measured(
                    "ledger-gossip",
                    Some(p),
                    Some(delay),
                    rests,
                )
            });
        }
        let share = self.shares.get(agent)?;
        let field = self.fields.get(session as usize)?;
        self.backend.decryption_share(share, field).ok()
    }
    fn combine(&self, session: u32, shares: &[(usize, Vec<u8>)]) -> Option<Key32> {
        let field = self.fields.get(session as usize)?;
        let c = crate::backend::safe::safe_combine(
            self.backend,
            &self.public,
            self.shares.len(),
            shares,
            field,
            |pt| pt.len() == 32,
        )
        .ok()?;
        Some(Key32(c.plaintext.try_into().ok()?))
    }
}

impl Deployment for LedgerDeployment {
    type Request = LedgerRequest;
    type Response = LedgerResponse;
    fn capability(r: &LedgerRequest) -> Capability {
        match r {
            LedgerRequest::Fields => Capability::Intercept,
            LedgerRequest::StealShare { .. } => Capability::CompromiseVault,
            LedgerRequest::Request { .. } => Capability::SubmitRequest,
            LedgerRequest::Fork { .. } => Capability::ControlLedger,
            LedgerRequest::Warrant { .. } => Capability::ObtainWarrant,
            LedgerRequest::DealerCopy => Capability::ControlDealer,
            LedgerRequest::Read => Capability::ReadPublic,
        }
    }
    fn describe(r: &LedgerRequest) -> String {
        match r {
            LedgerRequest::Fields => "escrow fields".into(),
            LedgerRequest::StealShare { agent } => format!("agent {agent}'s key share"),
            LedgerRequest::Request { agent, session, .. } => {
                format!("share of session {session} from agent {agent}")
            }
            LedgerRequest::Fork { .. } => "a forked ledger shown to the agents".into(),
            LedgerRequest::Warrant { targets } => format!("warrant for {targets:?}"),
            LedgerRequest::DealerCopy => "the key ceremony's dealer".into(),
            LedgerRequest::Read => "the public ledger's records".into(),
        }
    }
    fn handle(&mut self, r: LedgerRequest, journal: &mut Journal) -> Result<LedgerResponse> {
        match r {
            // The dealer's copy is silent: nothing on the ledger or at an agent sees it kept.
            LedgerRequest::DealerCopy => Ok(LedgerResponse::DealerCopy(self.dealer_master.clone())),
            LedgerRequest::Read => {
                let records = self.published();
                if self.committed && !records.is_empty() {
                    journal.refuse(
                        "session-commitment",
                        "public ledger",
                        format!(
                            "{} records name their sessions by salted commitment only",
                            records.len()
                        ),
                    );
                }
                Ok(LedgerResponse::Records(records))
            }
            LedgerRequest::Fields => Ok(LedgerResponse::Fields(
                self.public.clone(),
                self.fields.clone(),
            )),
            LedgerRequest::StealShare { agent } => {
                let s = self
                    .shares
                    .get(agent)
                    .ok_or_else(|| Error::misuse(format!("no agent {agent}")))?;
                Ok(LedgerResponse::Share(agent, s.clone()))
            }
            LedgerRequest::Request {
                agent,
                session,
                warrant,
                proof,
            } => {
                if agent >= self.shares.len() {
                    return Err(Error::misuse(format!("no agent {agent}")));
                }
                if let Some(p) = &proof {
                    if !journal.owns(&p.stamp, "an inclusion proof") {
                        return Err(Error::Boundary(
                            "an inclusion proof made in another context was handed in".into(),
                        ));
                    }
                }
                Ok(LedgerResponse::DecryptionShare(self.release(
                    agent,
                    session,
                    warrant.as_ref(),
                    proof.as_ref(),
                    journal,
                )))
            }
            LedgerRequest::Fork { record } => {
                let mut fork = self.fork.clone().unwrap_or_else(|| self.ledger.clone());
                let i = fork.append(record);
                let mut proof = fork.proof(i).ok_or_else(|| Error::misuse("empty fork"))?;
                proof.stamp = journal.stamp();
                self.fork = Some(fork);
                Ok(LedgerResponse::Proof(proof))
            }
            LedgerRequest::Warrant { targets } => {
                let court = self
                    .court
                    .as_ref()
                    .ok_or_else(|| Error::misuse("this deployment has no court"))?;
                let w = crate::escrow::court::Warrant {
                    case_id: format!("case-{}", journal.now()),
                    targets,
                    from_epoch: 0,
                    to_epoch: u32::MAX,
                    issued: journal.now(),
                    expires: u64::MAX,
                    nonce: super::kdf("ledger-warrant", &[&journal.now().to_le_bytes()]).0[..16]
                        .try_into()
                        .unwrap_or([0; 16]),
                    use_limit: 0,
                };
                let judges: Vec<usize> = (0..court.k).collect();
                let signed = court.issue(self.backend, w, &judges)?;
                journal.warrant_issued(signed.clone());
                Ok(LedgerResponse::Warrant(signed))
            }
        }
    }
    fn serve(
        &mut self,
        w: &SignedWarrant,
        court: &CourtKey<'_>,
        journal: &mut Journal,
    ) -> Result<Vec<Released>> {
        if !court.admits(w, "ledger", journal) {
            return Ok(Vec::new());
        }
        let (i, sessions) = self.record(w);
        journal.figure("ledger_records", 1.0);
        let proof = self.ledger.proof(i);
        let mut out = Vec::new();
        for s in sessions {
            let shares: Vec<(usize, Vec<u8>)> = (0..self.k)
                .filter_map(|a| {
                    self.release(a, s, Some(w), proof.as_ref(), journal)
                        .map(|d| (a, d))
                })
                .collect();
            if let Some(key) = self.combine(s, &shares) {
                out.push(Released { session: s, key });
            }
        }
        Ok(out)
    }
}

/// Combines decryption shares of a ledger field into its session key (what anyone holding
/// `k` shares does; the AEAD of the session's messages confirms it).
pub fn combine_field(
    backend: &dyn Backend,
    public: &[u8],
    shares: &[(usize, Vec<u8>)],
    field: &[u8],
) -> Option<Key32> {
    let pt = backend.combine_raw(public, shares, field).ok()?;
    Some(Key32(pt.try_into().ok()?))
}

impl Mechanism for PublicLedger {
    fn info(&self) -> &'static MechanismInfo {
        &INFO
    }
    fn deploy(&self, view: &DeployView<'_>, params: &Params) -> Result<Box<dyn DynDeployment>> {
        let mut rng = view.rng("public-ledger");
        let backend = view.backend();
        let n = params.int("n").clamp(1, 15) as usize;
        let k = (params.int("k").clamp(1, 15) as usize).min(n);
        let km = backend.dealer_keygen(k, n, rng.gen())?;
        let sessions = view.sessions();
        let clients = view.clients();
        let seed: [u8; 32] = rng.gen();
        use rayon::prelude::*;
        let fields: Vec<Vec<u8>> = sessions
            .par_iter()
            .map(|s| {
                let es = super::kdf("ledger-escrow", &[&seed, &s.index.to_le_bytes()]);
                // The sender's client encrypts the key to the agents' threshold key.
                clients.encrypt_to(backend, s.index, &km.public, es.0)
            })
            .collect::<Result<_>>()?;
        let court = view.court();
        // Which agents' heads reach a monitor: drawn last, so nothing above changes.
        let monitor_share = params.int("monitors_pct").clamp(0, 100) as f64 / 100.0;
        let gossips: Vec<bool> = (0..n).map(|_| rng.gen::<f64>() < monitor_share).collect();
        let salt_seed: [u8; 32] = rng.gen();
        let mut d = LedgerDeployment {
            backend,
            public: km.public,
            dealer_master: km.dealer_master,
            shares: Arc::new(km.shares),
            fields: Arc::new(fields),
            sessions: Arc::new(sessions),
            k,
            gossip: params.flag("gossip"),
            gossips: Arc::new(gossips),
            monitor_share,
            interval: params.int("gossip_interval").clamp(1, 100) as u32,
            fork_agents: std::collections::BTreeSet::new(),
            ledger: Ledger::default(),
            committed: params.word("record_ids") == "committed",
            salt_seed,
            fork: None,
            court_public: court
                .as_ref()
                .map(|c| c.master_public.clone())
                .unwrap_or_default(),
            court,
        };
        // The standing warrants were served over the run: each access is on the ledger.
        for w in view.served_warrants() {
            d.record(&w);
        }
        Ok(Box::new(d))
    }
}
