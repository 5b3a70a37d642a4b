//! What a run will cost, estimated before it starts.
//!
//! The per-value limits in [`crate::limits`] bound each figure on its own; they cannot bound
//! a product (users × epochs × cells, agents⁴ for a DKG, forgery bits × trials). So every
//! command that simulates worlds first estimates its CPU time and peak memory from the
//! configuration and the rates below, and refuses a run over [`MAX_WALL_SECONDS`] or
//! [`MAX_BYTES`] on the 2-core reference machine, saying the estimate and what to lower.
//!
//! The rates were measured on the reference machine (2 cores, release build) from whole
//! runs, not micro-benchmarks, and rounded up: the estimate is meant to err towards
//! refusing. `docs` and the README's limits table give the measured time and memory at each
//! limit's maximum.

use crate::backend::BackendKind;
use crate::config::scheme::{Binding, CustodyKind, Keygen, Lifetime, Scheme};
use crate::error::{Error, Result};
use crate::world::{Population, WorldConfig};

/// Most wall-clock time an accepted run may be estimated to take: 10 minutes.
pub const MAX_WALL_SECONDS: f64 = 600.0;
/// Most memory an accepted run may be estimated to hold at its peak: 2 GiB.
pub const MAX_BYTES: f64 = 2.0 * 1024.0 * 1024.0 * 1024.0;
/// Measured speed-up of the simulation on the reference machine's 2 cores. Work that runs
/// on one thread (an attack's brute force inside its cell, lawful utility's warrants one
/// after the other) is not divided by it: see [`RunCost::serial_seconds`].
pub const SPEEDUP: f64 = 1.4;

/// CPU seconds per message sent (ratchet step, AEAD, ground truth, relay), per world.
const MESSAGE_S: f64 = 4e-6;
/// CPU seconds per member of a session (key delivery by X25519, the recipient's checks).
const MEMBER_S: f64 = 45e-6;
/// CPU seconds per device of plain E2E's every-device baseline beyond the sessions it
/// reads (the cell itself: its context, measurement and result).
const DEVICE_CELL_S: f64 = 30e-6;
/// CPU seconds per guess of a brute-force attack (one chip-oracle call: a truncated HMAC
/// check), measured by `field-forgery` (bits 16, 1000 trials: 51 s of CPU for 6.6 × 10^7
/// tries).
const TRY_S: f64 = 0.8e-6;
/// CPU seconds of one SHA-256 compression in a KDF or a puzzle (PBKDF2-HMAC-SHA256 at 100
/// iterations measured 15 µs a passcode: 75 ns a compression; `hsm-counter-rollback` at
/// 100 000 iterations, 200 guesses more than a 20-guess run: 2.27 s of CPU, 57 ns a
/// compression; a crumple-zone warrant at gate 22 and puzzle 14 bits: 0.17 s for about
/// 2.25 × 10^6 puzzle evaluations, 76 ns each).
const HASH_S: f64 = 0.08e-6;
/// Bytes an attack holds per phone it seizes under device escrow (the phone's sealed store
/// and the owner's notice). Measured: `attack device-seizure --users 20000 --epochs 1` with
/// 20 000 phones peaked 25 MB above one phone's run, 1.25 kB a phone; rounded up.
const PHONE_BYTES: f64 = 2048.0;
/// CPU seconds per session key sealed or opened with an AEAD (a device store's record, a
/// backup's entry).
const AEAD_S: f64 = 3e-6;
/// CPU seconds per session of one pass over a world's sessions (a warrant's scope).
const SCAN_S: f64 = 0.05e-6;
/// Bytes held per message by one world: its ground-truth digest (16) and allocator slack.
/// Ciphertexts are not held: the relay seals a session's messages again when they are read.
/// Measured: `attack key-theft --scheme single-key` peaks at 139 MB for 10^6 messages and
/// 1.27 GB for 10^7, both within 5 % of this model with the claims below.
const MESSAGE_BYTES: f64 = 48.0;
/// Bytes of one attack's claim per message it reads (a 128-bit digest, ids as runs).
const CLAIM_BYTES: f64 = 16.0;
/// Bytes held per session by one world (header, escrow field, key deliveries, registry
/// entry, what replays its messages).
const SESSION_BYTES: f64 = 1300.0;
/// Cells that run at once on the reference machine (one per core).
const CORES: f64 = 2.0;
/// Bytes of a process before any world (binary, allocator, thread stacks).
const BASE_BYTES: f64 = 16.0 * 1024.0 * 1024.0;
/// A cell's CPU as a share of its world's simulation (copies, re-simulated sessions, the
/// attack's reading), from the default suite.
const CELL_SHARE: f64 = 0.5;

/// A `loophole` attack cell's CPU as a share of its world's simulation: every attack at its
/// default parameters against a base world shared by all of them. Measured (release, 1 000
/// users, 4 epochs × 20 messages, every escrow scheme, 1 seed): the run took 37.7 s of CPU
/// (18.7 s for `hardened` alone, which runs all its cells), about 0.04 of a world per cell
/// against the 0.5 of [`CELL_SHARE`]; rounded up to 0.1 so that the estimate errs towards
/// refusing (it prices every fully applicable attack as run, although the search stops at
/// the first cell that reads every message).
pub const LOOPHOLE_CELL_SHARE: f64 = 0.1;

/// Per-backend rates: one escrow wrap (threshold encryption); one share's part of lawful
/// access to one session (an agent's checks of the request and ciphertext, its decryption
/// share, the combiner's check of it, the audit entry): lawful utility over 100 targets of
/// 2000 users took 31 s of CPU for 1080 sessions of a 3-of-5 scheme, 3.5 ms per share; and
/// one n²k² unit of the DKG's row checks.
fn backend_rates(b: BackendKind) -> (f64, f64, f64) {
    match b {
        BackendKind::Blsttc => (0.55e-3, 3.5e-3, 1.1e-4),
        BackendKind::ThresholdCrypto => (2.2e-3, 12e-3, 3.3e-4),
    }
}

/// An estimate: CPU seconds (one core) and peak bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RunCost {
    /// CPU seconds on one core of the reference machine (all of it, `serial_seconds`
    /// included).
    pub cpu_seconds: f64,
    /// Of `cpu_seconds`, the work that runs on one thread (an attack's brute force, phone
    /// unlocks and puzzle searches inside its cell; lawful utility's warrants): the second
    /// core does not shorten it.
    pub serial_seconds: f64,
    /// Peak resident bytes.
    pub bytes: f64,
}

impl RunCost {
    /// Wall-clock seconds on the reference machine's 2 cores: the parallel share divided by
    /// the measured [`SPEEDUP`], the single-threaded share as it is.
    pub fn wall_seconds(&self) -> f64 {
        let serial = self.serial_seconds.clamp(0.0, self.cpu_seconds.max(0.0));
        (self.cpu_seconds - serial) / SPEEDUP + serial
    }
    /// Refuses an estimate over the budget, naming `what` ran and `lower`, the figures that
    /// would bring it down.
    ///
    /// # Errors
    /// [`Error::Input`] with the estimate, the budget and what to lower.
    pub fn within_budget(&self, what: &str, lower: &str) -> Result<()> {
        let wall = self.wall_seconds();
        if (wall <= MAX_WALL_SECONDS && self.bytes <= MAX_BYTES) || budget_lifted() {
            return Ok(());
        }
        Err(Error::input(format!(
            "{what} is estimated at {} and {} on a 2-core machine, over the budget of {} and {}: \
             lower {lower} (or set {LIFT_VAR}=off to run it anyway)",
            duration(wall),
            mib(self.bytes),
            duration(MAX_WALL_SECONDS),
            mib(MAX_BYTES)
        )))
    }
}

/// The environment variable that lifts the budget, for a machine larger than the reference
/// one or a run its owner means to wait for: `ESCROWLAB_BUDGET=off`.
pub const LIFT_VAR: &str = "ESCROWLAB_BUDGET";

/// Is the budget lifted ([`LIFT_VAR`] is `off`)?
fn budget_lifted() -> bool {
    std::env::var(LIFT_VAR).is_ok_and(|v| v == "off")
}

/// `seconds` in the unit a person reads best.
fn duration(seconds: f64) -> String {
    if seconds < 120.0 {
        format!("{seconds:.0} s")
    } else if seconds < 7200.0 {
        format!("{:.0} min", seconds / 60.0)
    } else {
        format!("{:.1} h", seconds / 3600.0)
    }
}

/// `bytes` in MiB or GiB.
fn mib(bytes: f64) -> String {
    let mib = bytes / (1024.0 * 1024.0);
    if mib < 2048.0 {
        format!("{mib:.0} MiB")
    } else {
        format!("{:.1} GiB", mib / 1024.0)
    }
}

/// CPU seconds to deploy a family other than session escrow on a finished world: the
/// public ledger encrypts every session key to its threshold key (one wrap a session); the
/// HSM cluster derives every user's passcode key (PBKDF2, two SHA-256 compressions an
/// iteration) and encrypts each record to the cluster key once a member is taken; the
/// crumple zone hashes once a session; the ghost user and device escrow hold keys only.
fn family_deploy_s(scheme: &Scheme, users: f64, sessions: f64, wrap_s: f64) -> f64 {
    let int = |name: &str, default: f64| family_int(scheme, name, default);
    match scheme.family() {
        "public-ledger" => sessions * wrap_s,
        "hsm-guess-limit" => users * (int("kdf_iterations", 100.0) * 2.0 * HASH_S + wrap_s),
        "crumple-zone" => sessions * HASH_S,
        _ => 0.0,
    }
}

/// An integer parameter of the scheme's mechanism family, or `default`.
fn family_int(scheme: &Scheme, name: &str, default: f64) -> f64 {
    match scheme.mechanism.as_ref().and_then(|m| m.params.get(name)) {
        Some(crate::vocab::ParamValue::Int(v)) => *v as f64,
        _ => default,
    }
}

/// What a family charges, per unit, for the work attacks and warrants ask of it.
#[derive(Clone, Copy, Debug)]
struct FamilyRates {
    /// CPU seconds of one unit of an attack's [`crate::attack::Attack::max_guesses`].
    guess_s: f64,
    /// Bytes the attack holds per unit.
    guess_bytes: f64,
    /// CPU seconds of lawful access to one warrant target over the whole run, through the
    /// family's own path.
    target_s: f64,
}

/// The per-family cost terms. `sessions` is the run's, `per_user` the sessions one user
/// takes part in; `wrap_s` and `verify_s` the backend's rates.
///
/// - session escrow: a guess is one chip-oracle call ([`TRY_S`]); a target costs every
///   agent's check and share for each of its sessions, `n + k` shares a session (0 when
///   nothing is escrowed: plain E2E's request reaches no agent);
/// - public ledger: no brute force; a target costs one ledger record and proof, and `k`
///   releases a session, each checking the warrant's signature and the inclusion proof
///   and computing a decryption share (measured: a 15-of-15 ledger over 500 users × 20
///   epochs, 1.5 s a target for 52 sessions, 2.0 ms a release: priced at the backend's
///   share rate, 3.5 ms);
/// - HSM guess limit: a guess (online through the limit, offline on an unlocked record, or
///   one rolled back) is one PBKDF2 at `kdf_iterations` (two compressions an iteration and
///   four for the HMAC set-up; measured 1.4 µs a try at 9 iterations, 11 ms at 100 000); a
///   target costs one PBKDF2 and opening its backup;
/// - crumple zone: a guess is one puzzle evaluation ([`HASH_S`]); a target costs the whole
///   gate (each warrant re-solves it) and the whole puzzle of each of its sessions
///   (priced at the full space; the search averages half);
/// - device escrow: a guess is one phone seized and unlocked (the blob encrypted to the
///   vendor key and decrypted again, the store sealed and opened: measured 1.9 ms of CPU
///   a phone, linear from 10 000 to 40 000 phones, once the owners' notices were no
///   longer de-duplicated by a linear search; priced at four wraps, 2.2 ms) with
///   [`PHONE_BYTES`]; a target is one phone;
/// - ghost user: a guess is one user tapped (a ghost delivery, one X25519, for each of
///   its sessions); a target the same.
///
/// Every target also walks the sessions once for the warrant's scope.
fn family_rates(scheme: &Scheme, sessions: f64, per_user: f64, rates: (f64, f64)) -> FamilyRates {
    let (wrap_s, verify_s) = rates;
    let scope = sessions * SCAN_S;
    let c = &scheme.custody;
    let phone_s = 4.0 * wrap_s + per_user * 2.0 * AEAD_S;
    let (guess_s, guess_bytes, target_s) = match scheme.family() {
        "public-ledger" => (
            TRY_S,
            0.0,
            per_user * family_int(scheme, "k", 3.0) * verify_s,
        ),
        "hsm-guess-limit" => {
            let pbkdf2 =
                (2.0 * family_int(scheme, "kdf_iterations", 100.0).max(1.0) + 4.0) * HASH_S;
            (pbkdf2, 0.0, pbkdf2 + per_user * AEAD_S)
        }
        "crumple-zone" => {
            let gate = family_int(scheme, "gate_bits", 16.0)
                .clamp(1.0, 63.0)
                .exp2();
            let puzzle = family_int(scheme, "puzzle_bits", 10.0)
                .clamp(1.0, 63.0)
                .exp2();
            (HASH_S, 0.0, (gate + per_user * puzzle) * HASH_S)
        }
        "device-escrow" => (phone_s, PHONE_BYTES, phone_s),
        "ghost-user" => (per_user * MEMBER_S, 0.0, per_user * MEMBER_S),
        _ => {
            let shares = if c.kind == CustodyKind::None {
                0.0
            } else {
                c.n as f64 + c.k as f64
            };
            (TRY_S, 0.0, per_user * shares * verify_s)
        }
    };
    FamilyRates {
        guess_s,
        guess_bytes,
        target_s: target_s + scope,
    }
}

/// The shape of one world: what it costs to simulate and to hold.
#[derive(Clone, Copy, Debug)]
pub struct WorldCost {
    /// CPU seconds to simulate it once.
    pub cpu_seconds: f64,
    /// Bytes one copy holds.
    pub bytes: f64,
    /// Messages over the run.
    pub messages: f64,
    /// Sessions over the run.
    pub sessions: f64,
    /// Sessions per user over the run (for lawful access to one target).
    pub sessions_per_user: f64,
    /// CPU seconds one share costs in lawful access to one session.
    pub verify_s: f64,
    /// CPU seconds of one unit of an attack's brute force ([`crate::attack::Attack::
    /// max_guesses`]) under this family: a chip-oracle call, a PBKDF2, a puzzle evaluation,
    /// a phone unlocked, a user tapped.
    pub guess_s: f64,
    /// Bytes an attack holds per unit of its brute force (a seized phone's store).
    pub guess_bytes: f64,
    /// CPU seconds of lawful access to one warrant target over the whole run, through the
    /// family's own path (shares, ledger releases, a PBKDF2, the gate and puzzles, a phone,
    /// ghost deliveries).
    pub target_s: f64,
}

impl WorldCost {
    /// The cost of simulating `population` under `scheme` on `backend`.
    pub fn of(scheme: &Scheme, population: &Population, backend: BackendKind) -> WorldCost {
        let (wrap_s, verify_s, dkg_unit_s) = backend_rates(backend);
        let users = f64::from(population.users);
        let epochs = f64::from(population.epochs);
        let conversations = f64::from(population.conversation_count());
        // Under heavy-tailed activity both are means (a conversation all of whose members
        // are silent holds no session; priced as if it did, erring towards refusing).
        let sessions = conversations * epochs * population.sessions_per_epoch_resolved();
        let messages = sessions * f64::from(population.messages_per_session);
        // 1:1 conversations have 2 members, groups as the population's group sizes say
        // (3 to 8, 5.5 on average, by default).
        let members = population.mean_members();
        let c = &scheme.custody;
        let escrow = c.kind != CustodyKind::None;
        let wraps = if !escrow {
            0.0
        } else if scheme.field.binding == Binding::Recompute {
            1.0 + members
        } else {
            1.0
        };
        let (n, k) = (c.n as f64, c.k as f64);
        let keygens = match (escrow, c.lifetime) {
            (false, _) => 0.0,
            (true, Lifetime::Static) => 1.0,
            (true, Lifetime::Epoch) => epochs + 1.0,
        };
        let keygen_s = match c.keygen {
            Keygen::Dkg => n * n * k * k * dkg_unit_s,
            Keygen::Dealer => (n + k) * dkg_unit_s,
        };
        // Refresh re-shares every live key at every boundary: under epoch keys that is up
        // to `retention + 1` keys per boundary, so the sum over boundaries is quadratic in
        // epochs when keys are kept long.
        let key_refreshes = match (escrow && c.refresh, c.lifetime) {
            (false, _) => 0.0,
            (true, Lifetime::Static) => epochs,
            (true, Lifetime::Epoch) => {
                let kept = f64::from(c.retention) + 1.0;
                if kept >= epochs {
                    epochs * (epochs + 1.0) / 2.0
                } else {
                    epochs * kept - kept * (kept - 1.0) / 2.0
                }
            }
        };
        let refresh_s = key_refreshes * n * (n + k) * dkg_unit_s;
        let cpu_seconds = sessions * (wraps * wrap_s + members * MEMBER_S)
            + messages * MESSAGE_S
            + keygens * keygen_s
            + refresh_s
            + family_deploy_s(scheme, users, sessions, wrap_s);
        let sessions_per_user = sessions * members / users.max(1.0);
        let rates = family_rates(scheme, sessions, sessions_per_user, (wrap_s, verify_s));
        WorldCost {
            cpu_seconds,
            bytes: messages * MESSAGE_BYTES + sessions * SESSION_BYTES,
            messages,
            sessions,
            sessions_per_user,
            verify_s,
            guess_s: rates.guess_s,
            guess_bytes: rates.guess_bytes,
            target_s: rates.target_s,
        }
    }

    /// One world simulated once and held once (`lawful-access`), with lawful access to
    /// `targets` users over the whole run.
    pub fn lawful(&self, targets: f64) -> RunCost {
        let utility = self.utility_s(targets);
        RunCost {
            cpu_seconds: self.cpu_seconds + utility,
            serial_seconds: utility,
            bytes: BASE_BYTES + self.bytes,
        }
    }

    /// CPU seconds of lawful access to `targets` users over the whole run, through the
    /// family's own path ([`WorldCost::target_s`] each), one warrant after the other on
    /// one thread.
    pub fn utility_s(&self, targets: f64) -> f64 {
        targets * self.target_s
    }

    /// `cells` attack cells against this world, `diverging` of them by attacks that may
    /// change its traffic (they hold a working copy of the world; the others read the
    /// shared base world), plus `tries` units of brute force priced by the family
    /// ([`WorldCost::guess_s`], on the cell's one thread). One cell per core runs at once,
    /// each holding at most one claim per message.
    pub fn cells(&self, cells: f64, tries: f64, diverging: f64) -> RunCost {
        self.cells_at(CELL_SHARE, cells, tries, diverging)
    }

    /// As [`WorldCost::cells`], with each cell priced at `share` of the world's simulation
    /// (`loophole` uses [`LOOPHOLE_CELL_SHARE`]).
    pub fn cells_at(&self, share: f64, cells: f64, tries: f64, diverging: f64) -> RunCost {
        let work = tries * self.guess_s;
        RunCost {
            cpu_seconds: self.cpu_seconds * (1.0 + share * cells) + work,
            serial_seconds: work,
            bytes: BASE_BYTES
                + self.bytes
                + cells.min(CORES) * self.messages * CLAIM_BYTES
                + diverging.min(CORES) * self.bytes
                + tries * self.guess_bytes,
        }
    }

    /// Plain E2E's single-device failures over every one of `users` devices: one cell each,
    /// each reading the sessions its device is a member of (a key delivery opened and the
    /// session's messages read per membership; sessions are indexed by member once per
    /// world), so the whole baseline grows with the memberships, not with users².
    pub fn every_device(&self, users: f64) -> RunCost {
        let memberships = users * self.sessions_per_user;
        let per_session = if self.sessions > 0.0 {
            self.messages / self.sessions
        } else {
            0.0
        };
        RunCost {
            cpu_seconds: self.cpu_seconds
                + memberships * (MEMBER_S + per_session * 2.0 * MESSAGE_S)
                + users * DEVICE_CELL_S,
            serial_seconds: 0.0,
            bytes: BASE_BYTES + self.bytes + users.min(CORES) * self.messages * CLAIM_BYTES,
        }
    }
}

impl std::ops::Add for RunCost {
    type Output = RunCost;
    /// Runs one after the other: CPU adds up, the peak is the larger one.
    fn add(self, o: RunCost) -> RunCost {
        RunCost {
            cpu_seconds: self.cpu_seconds + o.cpu_seconds,
            serial_seconds: self.serial_seconds + o.serial_seconds,
            bytes: self.bytes.max(o.bytes),
        }
    }
}

impl std::iter::Sum for RunCost {
    fn sum<I: Iterator<Item = RunCost>>(iter: I) -> RunCost {
        iter.fold(RunCost::default(), |a, b| a + b)
    }
}

/// What to lower when a world is too large, in the words of a scheme or suite file and the
/// command line.
pub const LOWER_WORLD: &str =
    "users, epochs, messages per session or conversations (or use fewer agents under a DKG, \
     or a shorter retention under refresh)";

impl WorldConfig {
    /// What simulating this world costs.
    pub fn cost(&self) -> WorldCost {
        WorldCost::of(&self.scheme, &self.population, self.backend)
    }
}
