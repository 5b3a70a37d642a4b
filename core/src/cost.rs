//! `escrowlab cost`: this machine's measured rate for every operation on the thief's and on
//! law enforcement's path, and the internet-scale projection built from them.
//!
//! Every rate is measured here and now, on one core, with the real cryptography the
//! simulation uses (nothing is a constant). Every other figure of the projection is an
//! assumption: a flag with a stated, sourced default, printed beside the result.

use crate::backend::{BackendKind, KeyMaterial};
use crate::error::{Error, Result};
use crate::escrow::field::{unwrap_session_key, BindingRule, EscrowField, FieldEnv};
use crate::messaging::{open, seal, MessageHeader, Ratchet, SessionHeader};
use crate::secret::Key32;
use serde::Serialize;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// The JSON schema name of `escrowlab cost --json`.
pub const SCHEMA: &str = "escrowlab-cost/1";

/// Messages per day at WhatsApp scale: "more than 100 billion messages a day" (Mark
/// Zuckerberg, Facebook Q3 2020 earnings call, 29 Oct 2020).
pub const DEFAULT_MESSAGES_PER_DAY: f64 = 1e11;
/// Escrow fields per day when nothing is measured (`cost` measures the rate on a simulated
/// world unless `--sessions-per-day` is given): one escrow field per ten messages, the
/// original assumption, kept for a projection built without a simulation.
pub const DEFAULT_SESSIONS_PER_DAY: f64 = 1e10;
/// Users: "two billion users" (WhatsApp blog, 12 Feb 2020).
pub const DEFAULT_USERS: f64 = 2e9;
/// Cores the thief rents.
pub const DEFAULT_CORES: u32 = 1000;
/// Price of one core-hour in US dollars: AWS EC2 c7i.large on demand, us-east-1, $0.08925
/// per hour for 2 vCPUs (list price, 2024), i.e. about $0.045 per vCPU-hour.
pub const DEFAULT_PRICE_PER_CORE_HOUR: f64 = 0.045;
/// Cost of compromising one phone, in US dollars: NSO Group's Pegasus price list, $650 000
/// to infect 10 iPhones on top of a $500 000 set-up fee (The New York Times, "Phone Spying
/// Is Made Easy", 2 Sep 2016), i.e. $65 000 per device at the margin.
pub const DEFAULT_DEVICE_COST: f64 = 65_000.0;
/// The days of traffic one warrant covers.
pub const DEFAULT_WARRANT_DAYS: f64 = 30.0;
/// The crumple zone's gatekeeper puzzle priced in US dollars: Wright and Varia's lower
/// bound for the upfront cost, "in the range of $100M" upwards (Crypto Crumple Zones,
/// IEEE EuroS&P 2018, abstract; ../shared/PROPOSALS.md §1e).
pub const DEFAULT_CRUMPLE_GATE_USD: f64 = 1e8;
/// The per-message prices of crumple-zone access projected: $1 000 and $1 000 000, the
/// range of the marginal cost per message Wright and Varia discuss (../shared/PROPOSALS.md
/// §1e records it as recalled, unconfirmed: the stored abstract is cut off there).
pub const CRUMPLE_MESSAGE_USD: [f64; 2] = [1e3, 1e6];
/// The simulation's crumple-zone puzzles (the `crumple-zone` scheme's defaults): bits of
/// work per session field, and of the gatekeeper puzzle.
pub const SIMULATED_CRUMPLE_BITS: (u32, u32) = (10, 16);
/// Measuring time per rate, in milliseconds.
pub const DEFAULT_MEASURE_MS: u64 = 400;

/// What the projection assumes: everything that is not measured.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Assumptions {
    /// Messages per day.
    pub messages_per_day: f64,
    /// Escrowed sessions per day (one escrow field each).
    pub sessions_per_day: f64,
    /// Users.
    pub users: f64,
    /// Cores the thief runs on.
    pub cores: u32,
    /// US dollars per core-hour.
    pub price_per_core_hour: f64,
    /// US dollars to compromise one device under plain end-to-end encryption.
    pub device_cost: f64,
    /// Devices plain E2E must lose, per user, to expose every active user: the greedy
    /// set cover's count ÷ the active users of a measured population
    /// ([`MeasuredCoverage`]; 1, one device per user, when nothing was measured).
    pub e2e_devices_per_user: f64,
    /// Days of one target's traffic one warrant covers.
    pub warrant_days: f64,
    /// Escrow threshold k of n agents (law enforcement asks all n, checks every share and
    /// combines k).
    pub k: usize,
    /// Agents.
    pub n: usize,
    /// Threshold backend measured.
    pub backend: String,
    /// Plaintext bytes per message (the simulation's message size).
    pub message_bytes: usize,
    /// US dollars of the crumple zone's gatekeeper puzzle, paid once.
    pub crumple_gate_usd: f64,
    /// Where each default comes from.
    pub sources: Vec<String>,
}

impl Default for Assumptions {
    fn default() -> Self {
        Assumptions {
            messages_per_day: DEFAULT_MESSAGES_PER_DAY,
            sessions_per_day: DEFAULT_SESSIONS_PER_DAY,
            users: DEFAULT_USERS,
            cores: DEFAULT_CORES,
            price_per_core_hour: DEFAULT_PRICE_PER_CORE_HOUR,
            device_cost: DEFAULT_DEVICE_COST,
            e2e_devices_per_user: 1.0,
            warrant_days: DEFAULT_WARRANT_DAYS,
            k: 3,
            n: 5,
            backend: BackendKind::Blsttc.name().into(),
            message_bytes: MESSAGE_BYTES,
            crumple_gate_usd: DEFAULT_CRUMPLE_GATE_USD,
            sources: vec![
                "messages_per_day 1e11: \"more than 100 billion messages a day\" (WhatsApp; \
                 Zuckerberg, Facebook Q3 2020 earnings call)"
                    .into(),
                "sessions_per_day 1e10: one escrowed session per ten messages".into(),
                "users 2e9: \"two billion users\" (WhatsApp blog, Feb 2020)".into(),
                "price_per_core_hour 0.045 USD: AWS c7i.large on demand, us-east-1, \
                 $0.08925/h for 2 vCPUs (2024 list price)"
                    .into(),
                "device_cost 65000 USD: NSO Pegasus price list, $650,000 for 10 iPhones \
                 plus set-up (New York Times, Sep 2016)"
                    .into(),
                "warrant_days 30: one month of one target's traffic".into(),
                "k-of-n 3-of-5: the threshold-3of5 built-in scheme".into(),
                "crumple_gate_usd 1e8: Wright and Varia's upfront cost \"in the range of \
                 $100M\" upwards (Crypto Crumple Zones, IEEE EuroS&P 2018, abstract)"
                    .into(),
                "crumple per-message prices $1,000 and $1,000,000: the marginal cost per \
                 message Wright and Varia discuss (recalled, unconfirmed: PROPOSALS.md 1e)"
                    .into(),
            ],
        }
    }
}

/// The simulation's plaintexts are about this long (`u12→c34 e0 #5: 0123456789abcdef`).
const MESSAGE_BYTES: usize = 40;

/// One measured rate.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Rate {
    /// Operation name.
    pub op: &'static str,
    /// Who does it and what it is.
    pub what: &'static str,
    /// Seconds per operation on one core (measured).
    pub seconds: f64,
    /// Operations timed.
    pub samples: u64,
}

/// Compute cost of a job: core-hours, wall time on the assumed cores, money at the assumed
/// price.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Bill {
    /// Core-seconds.
    pub core_seconds: f64,
    /// Core-hours.
    pub core_hours: f64,
    /// Hours of wall time on `cores` cores (perfectly parallel: every session is independent).
    pub wall_hours: f64,
    /// US dollars at the assumed price per core-hour.
    pub usd: f64,
}

impl Bill {
    fn new(core_seconds: f64, a: &Assumptions) -> Self {
        let core_hours = core_seconds / 3600.0;
        Bill {
            core_seconds,
            core_hours,
            wall_hours: core_hours / f64::from(a.cores),
            usd: core_hours * a.price_per_core_hour,
        }
    }
}

/// The plain-E2E comparison: the same exposure (every active user) bought one device at a
/// time, as many devices as a greedy set cover over every device's measured exposure needs.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PlainE2e {
    /// Devices to compromise: users × the measured devices per user of the greedy cover
    /// ([`Assumptions::e2e_devices_per_user`]).
    pub devices: f64,
    /// US dollars at the assumed cost per device.
    pub usd: f64,
    /// Plain-E2E cost ÷ the thief's cost (`None` when the thief's bill is 0: price 0).
    pub ratio_to_thief: Option<f64>,
}

/// Lawful access for one warrant: one target's traffic over the assumed days.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Warrant {
    /// The target's escrowed sessions in the window (sessions per user per day × days).
    pub sessions: f64,
    /// The target's messages in the window.
    pub messages: f64,
    /// The compute bill (agents, combiner, message decryption).
    pub bill: Bill,
}

/// The whole projection.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Projection {
    /// `escrowlab-cost/1`.
    pub schema: &'static str,
    /// escrowlab's version.
    pub escrowlab_version: &'static str,
    /// Measured rates.
    pub rates: Vec<Rate>,
    /// Everything assumed.
    pub assumptions: Assumptions,
    /// A thief with a stolen escrow master key reading one day of all traffic.
    pub thief: Bill,
    /// The thief's core-seconds per day split: sessions, messages.
    pub thief_split: [f64; 2],
    /// Plain E2E: the same exposure one device at a time.
    pub plain_e2e: PlainE2e,
    /// Lawful access per warrant.
    pub lawful_per_warrant: Warrant,
    /// Crumple-zone access at the simulation's puzzles and at the per-message prices Wright
    /// and Varia discuss.
    pub crumple: Vec<CrumpleRow>,
    /// Where plain E2E's devices per user come from (`None`: one device per user).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<MeasuredCoverage>,
    /// Where the escrow fields per day come from (`None`: `--sessions-per-day` as given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_rate: Option<MeasuredFieldRate>,
}

/// Escrow fields per message measured on a simulated world: what a day's traffic makes the
/// thief open (one field per session under the hash ratchet; one per new sending chain
/// under `double-ratchet` and `sender-keys` with per-chain escrow; one per session with an
/// escrowed seed).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct MeasuredFieldRate {
    /// The protocol simulated.
    pub protocol: String,
    /// What the escrow captures (`chains` or `seed`).
    pub ratchet_escrow: String,
    /// The population model and its parameters.
    pub population: String,
    /// Users simulated.
    pub users: u32,
    /// Messages per session.
    pub messages_per_session: u32,
    /// The seed.
    pub seed: u64,
    /// Escrow fields the world's sessions carry.
    pub fields: usize,
    /// Their bytes.
    pub field_bytes: usize,
    /// Messages.
    pub messages: usize,
}

impl MeasuredFieldRate {
    /// Fields per message.
    pub fn per_message(&self) -> f64 {
        self.fields as f64 / self.messages.max(1) as f64
    }
    /// Field bytes per message.
    pub fn bytes_per_message(&self) -> f64 {
        self.field_bytes as f64 / self.messages.max(1) as f64
    }
    /// The source line of the fields-per-day figure it gives.
    pub fn source(&self, messages_per_day: f64) -> String {
        format!(
            "sessions_per_day {} (escrow fields a day): messages_per_day × {:.4} fields per \
             message ({:.1} field bytes), measured on a simulated {} world with {} escrow \
             ({}, {} users, {} messages a session, seed {}): {} fields for {} messages",
            fig(messages_per_day * self.per_message()),
            self.per_message(),
            self.bytes_per_message(),
            self.protocol,
            self.ratchet_escrow,
            self.population,
            self.users,
            self.messages_per_session,
            self.seed,
            self.fields,
            self.messages
        )
    }
}

/// Crumple-zone access at one price per message: what a warrant and what everyone's day
/// cost, and the puzzle that price means at the measured hash rate and the assumed price
/// of compute. The budget at which "a modest budget reads everyone" flips is
/// `everyone_day_usd`: below it a buyer reads at most `(budget − gate) / per message`
/// messages.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CrumpleRow {
    /// Where the price comes from.
    pub label: String,
    /// US dollars per message opened.
    pub usd_per_message: f64,
    /// The puzzle that costs that much at the measured rate: bits of SHA-256 work per
    /// message (a search averages half the space, so `log2(2 · price / price per hash)`).
    pub puzzle_bits: f64,
    /// The gatekeeper puzzle, paid once, in US dollars.
    pub gate_usd: f64,
    /// One warrant (one target's messages over the warrant's days), gate excluded.
    pub warrant_usd: f64,
    /// Every message of one day, gate included: the budget above which everyone is read.
    pub everyone_day_usd: f64,
    /// Messages a buyer of the gate plus $1 billion reads (`(1e9) / per message`).
    pub messages_per_billion: f64,
}

/// The greedy set cover measured on a simulated population: plain E2E's every-device
/// baseline (`endpoint-compromise` once per user), then the fewest devices greedy needs to
/// expose half, 90 % and all of the active users. Greedy is within a factor of about
/// ln(users) of the optimum count, and any k greedy devices expose at least (1 − 1/e) of
/// what the best k do, so the count is an upper bound on what an attacker needs.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct MeasuredCoverage {
    /// The population model and its parameters.
    pub population: String,
    /// Users simulated.
    pub users: u32,
    /// The seed.
    pub seed: u64,
    /// Active users (those who sent a message): what the cover must reach.
    pub active_users: usize,
    /// Devices for half of them.
    pub devices_50: usize,
    /// Devices for 90 %.
    pub devices_90: usize,
    /// Devices for all of them.
    pub devices_100: usize,
}

impl MeasuredCoverage {
    /// Devices for every active user ÷ active users.
    pub fn per_user(&self) -> f64 {
        if self.active_users == 0 {
            1.0
        } else {
            self.devices_100 as f64 / self.active_users as f64
        }
    }
}

impl Projection {
    /// The rate of `op` in seconds (0 when it was not measured).
    pub fn rate(&self, op: &str) -> f64 {
        self.rates
            .iter()
            .find(|r| r.op == op)
            .map_or(0.0, |r| r.seconds)
    }
}

/// Checks the assumptions: counts (messages, sessions, users) are whole numbers from 1 to
/// 1e18, warrant days a number above 0 and at most 1e18, prices above 0 and at most 1e12.
///
/// # Errors
/// [`Error::Input`] naming the flag, for a figure that is not finite, not whole where a
/// count is wanted, or out of range.
pub fn check(a: &Assumptions) -> Result<()> {
    // Very small or large figures in exponent form (`1e-300`), not 300 digits.
    let shown = |v: f64| {
        if v != 0.0 && v.is_finite() && !(1e-3..1e15).contains(&v.abs()) {
            format!("{v:e}")
        } else {
            format!("{v}")
        }
    };
    let counts = [
        ("--messages-per-day", a.messages_per_day),
        ("--sessions-per-day", a.sessions_per_day),
        ("--users", a.users),
    ];
    for (flag, v) in counts {
        if !(v.is_finite() && v.fract() == 0.0 && (1.0..=1e18).contains(&v)) {
            return Err(Error::input(format!(
                "{flag} is a count: it must be a whole number from 1 to 1e18, not {}",
                shown(v)
            )));
        }
    }
    let v = a.warrant_days;
    if !(v.is_finite() && v > 0.0 && v <= 1e18) {
        return Err(Error::input(format!(
            "--warrant-days must be a number above 0 and at most 1e18, not {}",
            shown(v)
        )));
    }
    for (flag, v) in [
        ("--price-per-core-hour", a.price_per_core_hour),
        ("--device-cost", a.device_cost),
        ("--crumple-gate-usd", a.crumple_gate_usd),
    ] {
        if !(v.is_finite() && v > 0.0 && v <= 1e12) {
            return Err(Error::input(format!(
                "{flag} is a price: it must be a number above 0 and at most 1e12, not {}",
                shown(v)
            )));
        }
    }
    if a.cores == 0 {
        return Err(Error::input("--cores must be at least 1"));
    }
    if a.sessions_per_day > a.messages_per_day {
        return Err(Error::input(format!(
            "--sessions-per-day ({}) cannot exceed --messages-per-day ({}): every session \
             carries at least one message",
            a.sessions_per_day, a.messages_per_day
        )));
    }
    Ok(())
}

/// Refuses a projection with a figure that is not a finite number (JSON would write it
/// as `null`): every figure of the report is finite, or the assumptions are refused.
///
/// # Errors
/// [`Error::Input`] naming the first such figure by its dotted path.
pub fn check_finite(p: &Projection) -> Result<()> {
    fn walk(v: &serde_json::Value, path: &str) -> Option<String> {
        match v {
            serde_json::Value::Null => Some(path.to_string()),
            serde_json::Value::Number(n) if !n.as_f64().is_some_and(f64::is_finite) => {
                Some(path.to_string())
            }
            serde_json::Value::Array(a) => a
                .iter()
                .enumerate()
                .find_map(|(i, x)| walk(x, &format!("{path}.{i}"))),
            serde_json::Value::Object(m) => m.iter().find_map(|(k, x)| {
                walk(
                    x,
                    &if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    },
                )
            }),
            _ => None,
        }
    }
    let v = serde_json::to_value(p).map_err(|e| Error::misuse(e.to_string()))?;
    match walk(&v, "") {
        None => Ok(()),
        Some(path) => Err(Error::input(format!(
            "these assumptions make `{path}` not a finite number: give figures nearer the \
             defaults (`escrowlab cost --help`)"
        ))),
    }
}

/// Runs `f` repeatedly for about `budget` (at least 3 times, after one warm-up call) and
/// returns seconds per call and the calls timed.
fn measure(budget: Duration, mut f: impl FnMut()) -> (f64, u64) {
    f();
    let start = Instant::now();
    let mut calls = 0u64;
    while calls < 3 || (start.elapsed() < budget && calls < 100_000_000) {
        f();
        calls += 1;
    }
    (start.elapsed().as_secs_f64() / calls as f64, calls)
}

/// Measures every rate with `budget` per rate on `backend`, then projects with `a`.
///
/// # Errors
/// Bad assumptions ([`check`]), or a backend not compiled in.
pub fn project(a: Assumptions, backend: BackendKind, budget: Duration) -> Result<Projection> {
    check(&a)?;
    let b = backend.instance()?;
    let key: KeyMaterial = b.dealer_keygen(a.k, a.n, [7; 32])?;
    let master = key
        .dealer_master
        .clone()
        .ok_or_else(|| Error::misuse("the dealer's key generation returned no master secret"))?;
    let family = [3u8; 32];
    let env = FieldEnv {
        backend: b,
        rule: BindingRule::Signed,
        family_key: &family,
    };
    let header = SessionHeader {
        session: 1,
        conv: 1,
        epoch: 0,
        sender: 0,
        members: vec![0, 1],
    };
    let session_key = Key32([5; 32]);
    let signer = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let field = env.make(&header, &session_key, 0, &key.public, &signer, [1; 32])?;

    let mut rates = Vec::new();
    let mut push = |op, what, (seconds, samples): (f64, u64)| {
        rates.push(Rate {
            op,
            what,
            seconds,
            samples,
        })
    };
    // The sender's cost, for context: what each session pays for the escrow field.
    push(
        "sender.escrow_wrap",
        "sender: build the escrow field (threshold encryption of the wrap key, AEAD wrap, \
         signature) (context: not on the thief's path)",
        measure(budget, || {
            black_box(
                env.make(&header, &session_key, 0, &key.public, &signer, [2; 32])
                    .ok(),
            );
        }),
    );
    // The thief: decode the field, open its threshold ciphertext with the stolen master
    // scalar (no pairing check: the AEAD confirms, and picks between the backend's
    // candidates), unwrap the session key. Fields cycle through several, so that both
    // orders of the candidates are measured.
    let thief_fields: Vec<Vec<u8>> = (0..8u8)
        .map(|i| {
            env.make(&header, &session_key, 0, &key.public, &signer, [30 + i; 32])
                .map(|f| f.encode())
        })
        .collect::<Result<_>>()?;
    let mut next = thief_fields.iter().cycle();
    push(
        "thief.session",
        "thief: decode the escrow field, open it with the stolen master key, unwrap and \
         confirm the session key (AEAD)",
        measure(budget, || {
            let field_bytes = next.next().expect("a cycle never ends");
            let mut sk = None;
            if let Ok(f) = EscrowField::decode(field_bytes) {
                let _ = b.decrypt_with_scalar_confirmed(&master, &f.te_ct, &mut |w| {
                    sk = unwrap_session_key(w, &header, &f);
                    sk.is_some()
                });
            }
            black_box(sk);
        }),
    );
    // Per message, thief and law enforcement alike: one ratchet step and one AEAD open.
    let batch = 256u32;
    let sealed: Vec<(Vec<u8>, Vec<u8>)> = {
        let mut r = Ratchet::new(&session_key);
        (0..batch)
            .map(|counter| {
                let h = MessageHeader {
                    conv: 1,
                    session: 1,
                    sender: 0,
                    epoch: 0,
                    counter,
                };
                let ad = h.encode();
                let ct = seal(&r.next_key(), &ad, &[0x61; MESSAGE_BYTES]);
                (ad, ct)
            })
            .collect()
    };
    let (per_batch, batches) = measure(budget, || {
        let mut r = Ratchet::new(&session_key);
        for (ad, ct) in &sealed {
            black_box(open(&r.next_key(), ad, ct));
        }
    });
    push(
        "message.open",
        "thief or law enforcement: one ratchet step and one ChaCha20-Poly1305 open of a \
         40-byte message",
        (per_batch / f64::from(batch), batches * u64::from(batch)),
    );
    // The crumple zone: one guess at a session field's puzzle is one SHA-256 evaluation.
    let gate = crate::mechanism::crumple_zone::gate_key(7);
    let mut guess = 0u64;
    push(
        "crumple.hash",
        "anyone, thief or law enforcement, against a crypto crumple zone: one guess at a \
         session field's puzzle (one SHA-256 evaluation)",
        measure(budget, || {
            guess = guess.wrapping_add(1);
            black_box(crate::mechanism::crumple_zone::field_check(
                &gate,
                black_box(1),
                guess,
            ));
        }),
    );
    // Law enforcement: every agent checks the ciphertext and computes its decryption share;
    // the combiner checks every share and combines k of them.
    let te_ct = field.te_ct.clone();
    push(
        "agent.share",
        "escrow agent: check the threshold ciphertext and compute a decryption share",
        measure(budget, || {
            if b.verify_ciphertext(&te_ct) {
                black_box(b.decryption_share(&key.shares[0], &te_ct).ok());
            }
        }),
    );
    let shares: Vec<(usize, Vec<u8>)> = key
        .shares
        .iter()
        .enumerate()
        .map(|(i, s)| Ok((i, b.decryption_share(s, &te_ct)?)))
        .collect::<Result<_>>()?;
    push(
        "combiner.verify_share",
        "law enforcement's combiner: check one decryption share against the public key set",
        measure(budget, || {
            black_box(b.verify_decryption_share(&key.public, 0, &shares[0].1, &te_ct));
        }),
    );
    push(
        "combiner.combine",
        "law enforcement's combiner: combine k decryption shares and unwrap the session key",
        measure(budget, || {
            let w = b.combine_raw(&key.public, &shares[..a.k], &te_ct).ok();
            black_box(w.and_then(|w| unwrap_session_key(&w, &header, &field)));
        }),
    );
    let p = assemble(rates, a);
    check_finite(&p)?;
    Ok(p)
}

/// Builds the projection from measured `rates` and assumptions `a`.
pub fn assemble(rates: Vec<Rate>, mut a: Assumptions) -> Projection {
    let rate = |op: &str| rates.iter().find(|r| r.op == op).map_or(0.0, |r| r.seconds);
    let sessions_s = a.sessions_per_day * rate("thief.session");
    let messages_s = a.messages_per_day * rate("message.open");
    let thief = Bill::new(sessions_s + messages_s, &a);
    let devices = a.users * a.e2e_devices_per_user;
    let e2e_usd = devices * a.device_cost;
    let plain_e2e = PlainE2e {
        devices,
        usd: e2e_usd,
        ratio_to_thief: (thief.usd > 0.0).then(|| e2e_usd / thief.usd),
    };
    let sessions = a.sessions_per_day / a.users * a.warrant_days;
    let messages = a.messages_per_day / a.users * a.warrant_days;
    let n = a.n as f64;
    let per_session =
        n * (rate("agent.share") + rate("combiner.verify_share")) + rate("combiner.combine");
    let lawful = Warrant {
        sessions,
        messages,
        bill: Bill::new(sessions * per_session + messages * rate("message.open"), &a),
    };
    a.message_bytes = MESSAGE_BYTES;
    let crumple = crumple_rows(rate("crumple.hash"), &a);
    Projection {
        schema: SCHEMA,
        escrowlab_version: env!("CARGO_PKG_VERSION"),
        rates,
        assumptions: a,
        thief,
        thief_split: [sessions_s, messages_s],
        plain_e2e,
        lawful_per_warrant: lawful,
        crumple,
        coverage: None,
        field_rate: None,
    }
}

/// Crumple-zone access at the simulation's puzzles and at Wright and Varia's per-message
/// prices ([`CRUMPLE_MESSAGE_USD`]), from the measured seconds per hash.
pub fn crumple_rows(hash_seconds: f64, a: &Assumptions) -> Vec<CrumpleRow> {
    let usd_per_hash = hash_seconds / 3600.0 * a.price_per_core_hour;
    let per_user_day = a.messages_per_day / a.users;
    let messages_per_session = a.messages_per_day / a.sessions_per_day;
    let (bits, gate_bits) = SIMULATED_CRUMPLE_BITS;
    // The simulation: one puzzle per session (about half its space searched), shared by
    // the session's messages; the gate likewise.
    let sim_message = 2f64.powi(bits as i32 - 1) * usd_per_hash / messages_per_session;
    let sim_gate = 2f64.powi(gate_bits as i32 - 1) * usd_per_hash;
    let row = |label: String, per_message: f64, gate: f64| CrumpleRow {
        label,
        usd_per_message: per_message,
        puzzle_bits: if usd_per_hash > 0.0 {
            (2.0 * per_message / usd_per_hash).log2()
        } else {
            0.0
        },
        gate_usd: gate,
        warrant_usd: per_message * per_user_day * a.warrant_days,
        everyone_day_usd: gate + per_message * a.messages_per_day,
        messages_per_billion: 1e9 / per_message,
    };
    let mut out = vec![row(
        format!(
            "the simulation: 2^{bits} work per session of {} messages, 2^{gate_bits} gate",
            fig(messages_per_session)
        ),
        sim_message,
        sim_gate,
    )];
    for p in CRUMPLE_MESSAGE_USD {
        out.push(row(
            format!("Wright and Varia: ${} a message", fig(p)),
            p,
            a.crumple_gate_usd,
        ));
    }
    out
}

/// A figure for a reader: integers below 10^7 as they are, three significant digits
/// otherwise (`1.00e11`, `61.5`, `0.00214`).
fn fig(x: f64) -> String {
    if !x.is_finite() {
        return "∞".into();
    }
    let ax = x.abs();
    if ax == 0.0 {
        "0".into()
    } else if !(1e-3..1e7).contains(&ax) {
        format!("{x:.2e}")
    } else if x.fract() == 0.0 || ax >= 1000.0 {
        format!("{x:.0}")
    } else {
        let digits = (2 - ax.log10().floor() as i32).max(0) as usize;
        format!("{x:.digits$}")
    }
}

/// Seconds as a readable duration.
fn duration(s: f64) -> String {
    if s < 1e-3 {
        format!("{:.2} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.2} ms", s * 1e3)
    } else if s < 3600.0 {
        format!("{s:.1} s")
    } else if s < 86_400.0 * 2.0 {
        format!("{:.1} h", s / 3600.0)
    } else {
        format!("{} days", fig(s / 86_400.0))
    }
}

/// The terminal rendering (every line under 100 columns).
pub fn render(p: &Projection) -> String {
    let a = &p.assumptions;
    let mut s = String::new();
    s.push_str(&format!(
        "escrowlab cost: rates measured on this machine, one core, {} backend, {}-of-{} key\n\n",
        a.backend, a.k, a.n
    ));
    s.push_str("measured rates (per operation, one core)\n");
    for r in &p.rates {
        s.push_str(&format!(
            "  {:<22} {:>10}  ({} timed)\n",
            r.op,
            duration(r.seconds),
            r.samples
        ));
        for line in wrap(r.what, 72) {
            s.push_str(&format!("      {line}\n"));
        }
    }
    s.push_str(&format!(
        "\nthief holding a stolen escrow key, one day of traffic ({} messages, {} sessions):\n",
        fig(a.messages_per_day),
        fig(a.sessions_per_day)
    ));
    s.push_str(&format!(
        "  {} core-hours ({} for sessions, {} for messages)\n",
        fig(p.thief.core_hours),
        fig(p.thief_split[0] / 3600.0),
        fig(p.thief_split[1] / 3600.0)
    ));
    s.push_str(&format!(
        "  {} wall on {} cores; ${} at ${} per core-hour\n",
        duration(p.thief.wall_hours * 3600.0),
        a.cores,
        fig(p.thief.usd),
        a.price_per_core_hour
    ));
    s.push_str(&format!(
        "plain E2E, the same exposure: {} devices × ${} = ${} ({} the thief's bill)\n",
        fig(p.plain_e2e.devices),
        fig(a.device_cost),
        fig(p.plain_e2e.usd),
        p.plain_e2e
            .ratio_to_thief
            .map_or("infinitely more than".to_string(), |r| format!(
                "{}×",
                fig(r)
            ))
    ));
    let w = &p.lawful_per_warrant;
    s.push_str(&format!(
        "lawful access, one warrant ({} days of one target: {} sessions, {} messages):\n",
        fig(a.warrant_days),
        fig(w.sessions),
        fig(w.messages)
    ));
    s.push_str(&format!(
        "  {} of compute on one core, ${} (agents' shares checked and combined, messages read)\n",
        duration(w.bill.core_seconds),
        fig(w.bill.usd)
    ));
    s.push_str(&format!(
        "crypto crumple zone at ${} per core-hour (gate paid once; a warrant is one target's \
         {} days):\n",
        fig(a.price_per_core_hour),
        fig(a.warrant_days)
    ));
    for r in &p.crumple {
        s.push_str(&format!("  {}\n", r.label));
        s.push_str(&format!(
            "    ${}/message (2^{:.1} hashes a message); gate ${}; one warrant ${}\n",
            fig(r.usd_per_message),
            r.puzzle_bits,
            fig(r.gate_usd),
            fig(r.warrant_usd)
        ));
        s.push_str(&format!(
            "    everyone's day ${}: above that budget everyone is read; $1e9 reads {} messages\n",
            fig(r.everyone_day_usd),
            fig(r.messages_per_billion)
        ));
    }
    s.push_str("\nassumptions (flags; every rate above is measured, every figure below assumed)\n");
    s.push_str(&format!(
        "  messages/day {}, sessions/day {}, users {}, cores {},\n  \
         $/core-hour {}, $/device {}, warrant days {}, {}-of-{} agents\n  \
         defaults and their sources:\n",
        fig(a.messages_per_day),
        fig(a.sessions_per_day),
        fig(a.users),
        a.cores,
        fig(a.price_per_core_hour),
        fig(a.device_cost),
        fig(a.warrant_days),
        a.k,
        a.n
    ));
    for src in &a.sources {
        for (i, line) in wrap(src, 94).into_iter().enumerate() {
            s.push_str(if i == 0 { "  - " } else { "    " });
            s.push_str(&line);
            s.push('\n');
        }
    }
    s.push_str("  - the thief's work is embarrassingly parallel: wall time = core-hours / cores\n");
    match &p.coverage {
        Some(c) => {
            let text = format!(
                "plain E2E exposes one device's conversations per compromise: a greedy cover of \
                 a simulated population ({}, {} users, seed {}) reaches half / 90% / all of its \
                 {} active users with {} / {} / {} devices ({} per user; an upper bound, and \
                 any k greedy devices expose at least (1 - 1/e) of what the best k do)",
                c.population,
                c.users,
                c.seed,
                c.active_users,
                c.devices_50,
                c.devices_90,
                c.devices_100,
                fig(c.per_user())
            );
            for (i, line) in wrap(&text, 94).into_iter().enumerate() {
                s.push_str(if i == 0 { "  - " } else { "    " });
                s.push_str(&line);
                s.push('\n');
            }
        }
        None => s.push_str(
            "  - plain E2E exposes one device's conversations per compromise: one device per user\n",
        ),
    }
    s
}

/// Greedy word wrap at `width` columns (characters).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}
