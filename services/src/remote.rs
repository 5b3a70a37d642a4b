//! Law enforcement's client of a deployment: sends a request's bytes to every agent over
//! mutually authenticated TLS and collects their answers, timing each round trip; and
//! `escrowlab lawful-access --remote DIR`, the lawful-access demonstration run against the
//! deployment.

use crate::agent::{ADDR_FILE, AUDIT_FILE};
use crate::cluster::{agent_dir, agent_name, ClusterFile, CLIENT_DIR};
use crate::wire::{self, Kind};
use escrowlab_core::escrow::agent::ItemOutcome;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A connection to a deployment's agents.
pub struct Client {
    dir: PathBuf,
    agents: usize,
    tls: Arc<rustls::ClientConfig>,
    /// How long one exchange with an agent may take.
    pub timeout: Duration,
}

/// One agent's answer to one request, or why there is none.
#[derive(Debug)]
pub struct Reply {
    /// The agent asked.
    pub agent: usize,
    /// Its answer (the index it claims, and the items), or the failure.
    pub answer: Result<(usize, Vec<ItemOutcome>), String>,
    /// The round trip (connection, handshake, request, answer).
    pub elapsed: Duration,
}

impl Client {
    /// A client of the deployment in `dir`, with its `law-enforcement` certificate.
    ///
    /// # Errors
    /// No deployment, or missing certificates, as text.
    pub fn open(dir: &Path) -> Result<Client, String> {
        let file = ClusterFile::load(dir)?;
        Ok(Client {
            dir: dir.to_path_buf(),
            agents: file.agents,
            tls: crate::pki::client_config(&dir.join(CLIENT_DIR))?,
            timeout: Duration::from_secs(30),
        })
    }

    /// Agents in the deployment.
    pub fn agents(&self) -> usize {
        self.agents
    }

    /// Sends one frame to agent `i` and reads its reply frame.
    ///
    /// # Errors
    /// The agent is down or unreachable, the TLS handshake or the exchange failed, or it
    /// answered an error frame.
    pub fn exchange(
        &self,
        i: usize,
        kind: Kind,
        payload: &[u8],
    ) -> Result<(Kind, Vec<u8>), String> {
        let addr = std::fs::read_to_string(agent_dir(&self.dir, i).join(ADDR_FILE))
            .map_err(|_| format!("agent {i} is not running (no address)"))?;
        let addr: std::net::SocketAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("agent {i}: bad address `{}`", addr.trim()))?;
        let stream = TcpStream::connect_timeout(&addr, self.timeout)
            .map_err(|e| format!("agent {i} at {addr}: {e}"))?;
        let _ = stream.set_read_timeout(Some(self.timeout));
        let _ = stream.set_write_timeout(Some(self.timeout));
        let _ = stream.set_nodelay(true);
        let conn = rustls::ClientConnection::new(
            self.tls.clone(),
            crate::pki::server_name(&agent_name(i))?,
        )
        .map_err(|e| e.to_string())?;
        let mut s = rustls::StreamOwned::new(conn, stream);
        wire::write_frame(&mut s, kind, payload).map_err(|e| format!("agent {i}: {e}"))?;
        let f = wire::read_frame(&mut s)
            .map_err(|e| format!("agent {i}: {e}"))?
            .ok_or_else(|| format!("agent {i} closed the connection"))?;
        s.conn.send_close_notify();
        let _ = std::io::Write::flush(&mut s);
        Ok((f.kind, f.payload))
    }

    /// Sends a share request's bytes to agent `i`.
    pub fn ask(&self, i: usize, request: &[u8]) -> Reply {
        let start = Instant::now();
        let answer = self
            .exchange(i, Kind::ShareRequest, request)
            .and_then(|(kind, payload)| match kind {
                Kind::Answer => wire::decode_answer(&payload).map_err(|e| e.to_string()),
                Kind::Error => Err(format!(
                    "agent {i} answered an error: {}",
                    String::from_utf8_lossy(&payload)
                )),
                other => Err(format!("agent {i} answered a {other:?} frame")),
            });
        Reply {
            agent: i,
            answer,
            elapsed: start.elapsed(),
        }
    }

    /// Sends a share request's bytes to every agent at once; replies in agent order.
    pub fn ask_all(&self, request: &[u8]) -> Vec<Reply> {
        std::thread::scope(|sc| {
            let hs: Vec<_> = (0..self.agents)
                .map(|i| sc.spawn(move || self.ask(i, request)))
                .collect();
            hs.into_iter()
                .enumerate()
                .map(|(i, h)| {
                    h.join().unwrap_or(Reply {
                        agent: i,
                        answer: Err("the exchange panicked".into()),
                        elapsed: Duration::ZERO,
                    })
                })
                .collect()
        })
    }
}

/// The `q`-quantile (nearest rank) of sorted durations, in milliseconds.
pub fn quantile_ms(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1e3
}

/// What `lawful-access --remote` adds to the report: the deployment and its latency.
#[derive(serde::Serialize, Debug)]
pub struct RemoteFigures {
    /// Agents in the deployment.
    pub agents: usize,
    /// Shares needed.
    pub threshold: usize,
    /// Wire protocol version.
    pub protocol: u8,
    /// Requests sent (each to every agent).
    pub requests: usize,
    /// Agents that answered no request (down, unreachable, or answering garbage bytes),
    /// with the first reason.
    pub unanswered: Vec<(usize, String)>,
    /// Per request, the time until every agent had answered or failed (ms): median.
    pub request_p50_ms: f64,
    /// The same, 99th percentile (nearest rank; with few requests, the maximum).
    pub request_p99_ms: f64,
    /// Per agent exchange (connection, TLS handshake, request, answer), median (ms).
    pub exchange_p50_ms: f64,
    /// The same, 99th percentile (ms).
    pub exchange_p99_ms: f64,
    /// Where `audit_entries` and `audit_verified` come from.
    pub audit_source: String,
}

/// Runs the lawful-access demonstration against the deployment in `dir`: the report of
/// [`escrowlab_core::lawful::demonstrate_remote`], its audit figures read from the agents'
/// own databases, and [`RemoteFigures`].
///
/// # Errors
/// No deployment, bad input, or world construction errors, as text.
pub fn lawful_access(dir: &Path) -> Result<serde_json::Value, String> {
    let file = ClusterFile::load(dir)?;
    let up = file.up_args()?;
    let config = up.config()?;
    let client = Client::open(dir)?;
    let mut request_times = Vec::new();
    let mut exchange_times = Vec::new();
    let mut unanswered: Vec<(usize, String)> = Vec::new();
    let mut answered = vec![false; client.agents()];
    let mut submit = |bytes: &[u8]| -> Vec<(usize, Vec<ItemOutcome>)> {
        let start = Instant::now();
        let replies = client.ask_all(bytes);
        request_times.push(start.elapsed());
        let mut out = Vec::new();
        for r in replies {
            exchange_times.push(r.elapsed);
            match r.answer {
                // An answer is credited to the agent that was asked, whatever it claims.
                Ok((_, items)) => {
                    answered[r.agent] = true;
                    out.push((r.agent, items));
                }
                Err(why) => {
                    if !unanswered.iter().any(|(a, _)| *a == r.agent) {
                        unanswered.push((r.agent, why));
                    }
                }
            }
        }
        out
    };
    let mut report = escrowlab_core::lawful::demonstrate_remote(config, &mut submit)
        .map_err(|e| e.to_string())?;
    unanswered.retain(|(a, _)| !answered[*a]);
    let mut entries = 0;
    let mut verified = true;
    for i in 0..file.agents {
        match crate::audit_db::inspect_audit_db(&agent_dir(dir, i).join(AUDIT_FILE)) {
            Ok(ins) => {
                entries += ins.entries;
                verified &= ins.is_valid();
            }
            Err(_) => verified = false,
        }
    }
    report.audit_entries = entries;
    report.audit_verified = verified;
    request_times.sort();
    exchange_times.sort();
    let figures = RemoteFigures {
        agents: file.agents,
        threshold: file.threshold,
        protocol: wire::VERSION,
        requests: request_times.len(),
        unanswered,
        request_p50_ms: quantile_ms(&request_times, 0.5),
        request_p99_ms: quantile_ms(&request_times, 0.99),
        exchange_p50_ms: quantile_ms(&exchange_times, 0.5),
        exchange_p99_ms: quantile_ms(&exchange_times, 0.99),
        audit_source: "each agent's audit database in the deployment's directory, read by the operator (inspect audit-db)".into(),
    };
    let mut v = serde_json::to_value(&report).map_err(|e| e.to_string())?;
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "remote".into(),
            serde_json::to_value(&figures).map_err(|e| e.to_string())?,
        );
    }
    Ok(v)
}
