//! Lawful access against a deployment on loopback, against the same flow in process.
//!
//! For 3-of-5 and 5-of-9: `escrowlab cluster up` starts the agents (one process each, mutual
//! TLS 1.3 on 127.0.0.1), then law enforcement serves a fixed number of warrants
//! ([`WARRANTS`], each its own warrant for the same target and window) one after another:
//! one request sent to every agent at once, the answers combined and the messages read and
//! confirmed. The same requests are then served by the same world's agents in process. Both
//! sides build the same request bytes and combine the same way; only the transport differs
//! (TLS handshake per exchange, framing, the agents' durable audit commits with
//! `synchronous = FULL`, process boundaries), so network ÷ in-process is the deployment's
//! cost. The figures are printed at the end: warrants per second and p50/p99 latency of
//! each, and their ratio. The request loop is bounded (a fixed count, loopback only) and
//! the agents are stopped when it ends. Criterion times one warrant of each for its own
//! statistics (bounded by its measurement time).

use criterion::Criterion;
use escrowlab::lawful::WarrantFlow;
use escrowlab::services::cluster::ClusterFile;
use escrowlab::services::remote::{quantile_ms, Client};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Warrants served per configuration and transport.
const WARRANTS: u64 = 40;
/// The world: 40 users, 2 epochs.
const WORLD: [&str; 4] = ["--users", "40", "--epochs", "2"];

struct Up(tempfile::TempDir);

impl Up {
    fn new(k: usize, n: usize) -> Up {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = Command::new(env!("CARGO_BIN_EXE_escrowlab"))
            .args(["cluster", "up", "--agents", &n.to_string()])
            .args(["--threshold", &k.to_string(), "--dir"])
            .arg(dir.path())
            .args(WORLD)
            .output()
            .expect("cluster up runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Up(dir)
    }
}

impl Drop for Up {
    fn drop(&mut self) {
        let _ = Command::new(env!("CARGO_BIN_EXE_escrowlab"))
            .args(["cluster", "down", "--dir"])
            .arg(self.0.path())
            .output();
    }
}

struct Figures {
    per_second: f64,
    p50: f64,
    p99: f64,
}

fn measure(mut serve: impl FnMut(u64) -> usize, expect: usize, first: u64) -> Figures {
    let mut lat = Vec::with_capacity(WARRANTS as usize);
    let start = Instant::now();
    for i in first..first + WARRANTS {
        let t = Instant::now();
        let read = serve(i);
        lat.push(t.elapsed());
        assert_eq!(read, expect, "warrant {i} read every warranted message");
    }
    let total = start.elapsed();
    lat.sort();
    Figures {
        per_second: WARRANTS as f64 / total.as_secs_f64(),
        p50: quantile_ms(&lat, 0.5),
        p99: quantile_ms(&lat, 0.99),
    }
}

fn main() {
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    let mut lines = Vec::new();
    for (k, n) in [(3usize, 5usize), (5, 9)] {
        let up = Up::new(k, n);
        let config = ClusterFile::load(up.0.path())
            .and_then(|f| f.up_args())
            .and_then(|a| a.config())
            .expect("the deployment's world");
        let client = Client::open(up.0.path()).expect("client");
        let remote_flow = WarrantFlow::new(config.clone()).expect("flow");
        let mut local_flow = WarrantFlow::new(config).expect("flow");
        let expect = remote_flow.in_scope_messages();
        let ask = |flow: &WarrantFlow, i: u64| {
            let req = flow.request(i).expect("request");
            let answers = client
                .ask_all(&req)
                .into_iter()
                .filter_map(|r| r.answer.ok().map(|(_, items)| (r.agent, items)))
                .collect();
            flow.read(answers).in_scope_decrypted
        };
        let net = measure(|i| ask(&remote_flow, i), expect, 0);
        let local = measure(
            |i| {
                let req = local_flow.request(i).expect("request");
                let answers = local_flow.serve_in_process(&req);
                local_flow.read(answers).in_scope_decrypted
            },
            expect,
            0,
        );
        // Criterion's own timing of one warrant each, on warrants not served yet.
        let next = AtomicU64::new(1_000);
        c.bench_function(&format!("warrant_over_tls_{k}of{n}"), |b| {
            b.iter(|| ask(&remote_flow, next.fetch_add(1, Ordering::SeqCst)))
        });
        c.bench_function(&format!("warrant_in_process_{k}of{n}"), |b| {
            b.iter(|| {
                let req = local_flow
                    .request(next.fetch_add(1, Ordering::SeqCst))
                    .expect("request");
                let answers = local_flow.serve_in_process(&req);
                local_flow.read(answers).in_scope_decrypted
            })
        });
        lines.push(format!(
            "{k}-of-{n} ({WARRANTS} warrants, {expect} messages each): over TLS {:.1} warrants/s, \
             p50 {:.1} ms, p99 {:.1} ms; in process {:.1} warrants/s, p50 {:.1} ms, p99 {:.1} ms; \
             throughput in process ÷ over TLS = {:.2}, p50 latency over TLS ÷ in process = {:.2}",
            net.per_second,
            net.p50,
            net.p99,
            local.per_second,
            local.p50,
            local.p99,
            local.per_second / net.per_second,
            net.p50 / local.p50,
        ));
        drop(up);
    }
    c.final_summary();
    println!();
    for l in lines {
        println!("{l}");
    }
}
