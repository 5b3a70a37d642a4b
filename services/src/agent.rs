//! `escrowlab serve agent`: one escrow agent as its own process, serving share requests
//! over mutually authenticated TLS ([`crate::wire`], [`crate::pki`]).
//!
//! Its state directory holds `state.bin` (its [`AgentState`], sealed under the operator's
//! vault key by [`crate::vault`], mode 0600), `audit.db` (its
//! [`AuditDb`]), its certificate and key, and, once it listens, `addr` (the address it
//! bound) and `pid`. A share leaves the process only after the request's audit rows, its
//! replay-cache entries and the warrant's use count have committed in one transaction.

use crate::audit_db::{AuditDb, DbError};
use crate::vault::VaultKey;
use crate::wire::{self, Kind, WireError};
use escrowlab_core::escrow::agent::{ItemOutcome, Refusal, ShareRequest};
use escrowlab_core::escrow::audit::{AuditRecord, Decision};
use escrowlab_core::escrow::standalone::AgentState;
use escrowlab_core::secret::fingerprint;
use sha2::{Digest, Sha256};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The agent's state file.
pub const STATE_FILE: &str = "state.bin";
/// The agent's audit database.
pub const AUDIT_FILE: &str = "audit.db";
/// The address file a serving party writes once it listens.
pub const ADDR_FILE: &str = "addr";
/// The pid file.
pub const PID_FILE: &str = "pid";
/// Connections served at once; one more is answered with an error frame and closed.
pub const MAX_CONNECTIONS: usize = 64;
/// A socket read or write that takes longer fails.
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// How an agent behaves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Conduct {
    /// Runs its checks and answers truthfully.
    #[default]
    Honest,
    /// Byzantine: runs its checks and logs as an honest agent does, but answers garbage in
    /// place of every share it releases.
    Garbage,
}

/// A serving agent: its state and its durable log.
pub struct AgentServer {
    state: AgentState,
    db: Mutex<AuditDb>,
    conduct: Conduct,
}

impl AgentServer {
    /// Opens the agent in `dir`: its state, unsealed with `key`, and its audit database,
    /// created on first use.
    ///
    /// # Errors
    /// Missing state, state that does not unseal under `key` (the wrong key, or an altered
    /// file) or does not decode, or an audit database that cannot be opened.
    pub fn open(dir: &Path, key: &VaultKey, conduct: Conduct) -> Result<AgentServer, String> {
        let bytes = crate::vault::read_sealed(&dir.join(STATE_FILE), key)?;
        let state = AgentState::decode(&bytes)
            .map_err(|e| format!("{}: {e}", dir.join(STATE_FILE).display()))?;
        let path = dir.join(AUDIT_FILE);
        let db = if path.exists() {
            AuditDb::open(&path)
        } else {
            AuditDb::create(&path, state.index)
        }
        .map_err(|e| e.to_string())?;
        if db.agent() != state.index {
            return Err(format!(
                "{}: the log of agent {}, not of agent {}",
                path.display(),
                db.agent(),
                state.index
            ));
        }
        Ok(AgentServer {
            state,
            db: Mutex::new(db),
            conduct,
        })
    }

    /// The agent's index.
    pub fn index(&self) -> usize {
        self.state.index
    }

    fn record(&self, req: Option<&ShareRequest>, field_id: String, d: Decision) -> AuditRecord {
        AuditRecord {
            time: self.state.now,
            case_id: req.map_or_else(|| "?".into(), |r| r.warrant.warrant.case_id.clone()),
            warrant_fp: req.map_or_else(|| "?".into(), |r| r.warrant.fingerprint()),
            field_id,
            requester: req.map_or_else(|| "?".into(), |r| r.requester.clone()),
            decision: d,
        }
    }

    /// Serves one share request's bytes: the answer's items, in request order. Every
    /// decision is committed to the audit log before this returns.
    ///
    /// # Errors
    /// The audit database cannot be written: nothing is released.
    pub fn handle(&self, bytes: &[u8]) -> Result<Vec<ItemOutcome>, String> {
        let refused = |control: &str| Decision::Refused {
            control: control.into(),
        };
        let req = match ShareRequest::decode(bytes) {
            Ok(r) => r,
            Err(e) => {
                let refusal = Refusal::from(e);
                self.db()?
                    .refuse(self.record(None, "*".into(), refused(&refusal.control)))
                    .map_err(|e| e.to_string())?;
                return Ok(vec![Err(refusal)]);
            }
        };
        let all = |r: Refusal| req.items.iter().map(|_| Err(r.clone())).collect();
        let outcomes = match self.state.decide(&req) {
            Ok(o) => o,
            Err(refusal) => {
                self.db()?
                    .refuse(self.record(Some(&req), "*".into(), refused(&refusal.control)))
                    .map_err(|e| e.to_string())?;
                return Ok(all(refusal));
            }
        };
        let records: Vec<AuditRecord> = req
            .items
            .iter()
            .zip(&outcomes)
            .map(|((h, f), out)| {
                let d = match out {
                    Ok(_) => Decision::Granted,
                    Err(r) => refused(&r.control),
                };
                self.record(
                    Some(&req),
                    format!("s{}:{}", h.session, fingerprint(&f.te_ct)),
                    d,
                )
            })
            .collect();
        if records.is_empty() {
            return Ok(Vec::new());
        }
        let digest = hex::encode(Sha256::digest(bytes));
        let policy = self.state.policy();
        let limit = policy
            .enforce_use_limit
            .then_some(req.warrant.warrant.use_limit);
        match self.db()?.serve_request(
            &records,
            &digest,
            &hex::encode(req.warrant.warrant.nonce),
            limit,
            policy.replay_cache,
        ) {
            Ok(()) => {}
            Err(DbError::Refused { control, reason }) => {
                return Ok(all(Refusal { control, reason }));
            }
            Err(e) => return Err(e.to_string()),
        }
        Ok(match self.conduct {
            Conduct::Honest => outcomes,
            Conduct::Garbage => outcomes
                .into_iter()
                .map(|o| o.map(|share| garbage(&share)))
                .collect(),
        })
    }

    fn db(&self) -> Result<std::sync::MutexGuard<'_, AuditDb>, String> {
        self.db
            .lock()
            .map_err(|_| "the audit database's lock is poisoned".to_string())
    }
}

/// A share of the right length that is not the share (each byte changed).
fn garbage(share: &[u8]) -> Vec<u8> {
    let mut g = Sha256::digest(share).to_vec();
    while g.len() < share.len() {
        let more = Sha256::digest(&g);
        g.extend_from_slice(&more);
    }
    g.truncate(share.len());
    g
}

/// Serves requests on `listener` until the process is killed.
///
/// # Errors
/// The TLS configuration cannot be loaded.
pub fn serve(server: Arc<AgentServer>, listener: TcpListener, dir: &Path) -> Result<(), String> {
    let tls = crate::pki::server_config(dir)?;
    let active = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
        let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
        let _ = stream.set_nodelay(true);
        if active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            active.fetch_sub(1, Ordering::SeqCst);
            drop(stream);
            continue;
        }
        let (server, tls, active) = (server.clone(), tls.clone(), active.clone());
        std::thread::spawn(move || {
            connection(&server, tls, stream);
            active.fetch_sub(1, Ordering::SeqCst);
        });
    }
    Ok(())
}

fn connection(server: &AgentServer, tls: Arc<rustls::ServerConfig>, stream: TcpStream) {
    let Ok(conn) = rustls::ServerConnection::new(tls) else {
        return;
    };
    let mut s = rustls::StreamOwned::new(conn, stream);
    loop {
        let reply = match wire::read_frame(&mut s) {
            Ok(None) | Err(WireError::Io(_)) => return,
            Err(WireError::Malformed(why)) => {
                let _ = wire::write_frame(&mut s, Kind::Error, why.as_bytes());
                return;
            }
            Ok(Some(f)) if f.kind != Kind::ShareRequest => {
                let _ = wire::write_frame(
                    &mut s,
                    Kind::Error,
                    format!("an agent serves share requests, not {:?} frames", f.kind).as_bytes(),
                );
                return;
            }
            Ok(Some(f)) => match server.handle(&f.payload) {
                Ok(items) => (Kind::Answer, wire::encode_answer(server.index(), &items)),
                Err(why) => (Kind::Error, why.into_bytes()),
            },
        };
        if wire::write_frame(&mut s, reply.0, &reply.1).is_err() {
            return;
        }
    }
}

/// `escrowlab serve agent --dir DIR --vault-key-file KEY [--listen ADDR] [--byzantine]`:
/// reads the vault key, opens the agent, binds, writes `addr` and `pid` into DIR, then
/// serves until killed.
///
/// # Errors
/// As [`VaultKey::load`] and [`AgentServer::open`]; the address cannot be bound.
pub fn run(dir: PathBuf, key_file: &Path, listen: &str, conduct: Conduct) -> Result<(), String> {
    let key = VaultKey::load(key_file)?;
    let server = Arc::new(AgentServer::open(&dir, &key, conduct)?);
    drop(key);
    let listener =
        TcpListener::bind(listen).map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    crate::files::write_atomic(
        &dir.join(PID_FILE),
        std::process::id().to_string().as_bytes(),
    )
    .map_err(|e| e.to_string())?;
    crate::files::write_atomic(&dir.join(ADDR_FILE), addr.to_string().as_bytes())
        .map_err(|e| e.to_string())?;
    serve(server, listener, &dir)
}
