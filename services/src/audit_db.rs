//! An agent's durable audit log: the hash chain of [`escrowlab_core::escrow::audit`] in an
//! SQLite database, with the agent's replay cache beside it.
//!
//! The database is opened in WAL mode with `synchronous = FULL`: a transaction is on disk
//! when its commit returns, whatever happens to the process after. [`AuditDb::grant`] hands
//! a share back only after one transaction holding both its audit row and its replay-cache
//! entry has committed, so a share that left the agent always has exactly one row, and a
//! request replayed after a crash finds its entry.
//!
//! Tables (schema `escrowlab-audit-db/1`):
//! - `meta(key, value)`: `schema` and `agent`;
//! - `audit(row, seq, prev, hash, record)`: one chain entry per row, in append order
//!   (`row`), `record` in [`AuditRecord::encode`]'s canonical encoding, so the stored hash
//!   is [`AuditEntry::compute_hash`] of the row's own bytes;
//! - `replay(key, seq)`: each request key a share was released for, and the entry that
//!   released it.
//!
//! [`inspect_audit_db`] reads a database without writing to it and checks the chain with
//! core's [`audit::verify`], naming the first broken row.

use escrowlab_core::escrow::audit::{self, AuditEntry, AuditLog, AuditRecord, Decision, Tamper};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use std::path::Path;

/// The schema this crate writes and reads.
pub const SCHEMA: &str = "escrowlab-audit-db/1";

/// The control a replayed request is refused by (recorded in its audit row).
pub const REPLAY_CONTROL: &str = "replay";

/// What can go wrong with an audit database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The file is missing, not an SQLite database, corrupt, or not an escrowlab audit
    /// database (bad input: exit 2).
    #[error("{0}")]
    Input(String),
    /// The request key was already used: the refusal is recorded, nothing is released.
    #[error("replayed request `{key}`: entry {seq} already released a share for it")]
    Replayed {
        /// The request key.
        key: String,
        /// The entry that released a share for it first.
        seq: u64,
    },
    /// A request a deployed agent refused by its durable memory (the replay cache or the use
    /// limit): the refusal is recorded, nothing is released.
    #[error("refused by {control}: {reason}")]
    Refused {
        /// The control (`replay-cache` or `use-limit`).
        control: String,
        /// Why.
        reason: String,
    },
    /// The caller asked for something the log cannot record (a grant whose record is a
    /// refusal).
    #[error("{0}")]
    Misuse(String),
}

impl DbError {
    fn sql(path: &Path, e: &rusqlite::Error) -> DbError {
        let shown = path.display();
        let what = match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase) => "not an SQLite database".to_string(),
            Some(rusqlite::ErrorCode::DatabaseCorrupt) => {
                "a corrupt SQLite database (truncated or overwritten)".to_string()
            }
            _ => format!("cannot be read as an audit database ({e})"),
        };
        DbError::Input(format!("{shown}: {what}"))
    }
}

/// An agent's audit log and replay cache, open for appending.
pub struct AuditDb {
    conn: Connection,
    agent: usize,
    path: std::path::PathBuf,
}

impl AuditDb {
    /// Creates a new database at `path` for agent `agent` (WAL, `synchronous = FULL`).
    ///
    /// # Errors
    /// [`DbError::Input`] when `path` exists or cannot be created.
    pub fn create(path: &Path, agent: usize) -> Result<AuditDb, DbError> {
        if std::fs::symlink_metadata(path).is_ok() {
            return Err(DbError::Input(format!(
                "{}: already exists (an audit log is never replaced)",
                path.display()
            )));
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| DbError::sql(path, &e))?;
        durable(&conn).map_err(|e| DbError::sql(path, &e))?;
        conn.execute_batch(
            "BEGIN;
             CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE audit (
                 row INTEGER PRIMARY KEY AUTOINCREMENT,
                 seq INTEGER NOT NULL,
                 prev BLOB NOT NULL,
                 hash BLOB NOT NULL,
                 record BLOB NOT NULL);
             CREATE TABLE replay (key TEXT PRIMARY KEY, seq INTEGER NOT NULL);
             COMMIT;",
        )
        .map_err(|e| DbError::sql(path, &e))?;
        conn.execute_batch(REQUEST_TABLES)
            .map_err(|e| DbError::sql(path, &e))?;
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('schema', ?1), ('agent', ?2)",
            (SCHEMA, agent.to_string()),
        )
        .map_err(|e| DbError::sql(path, &e))?;
        Ok(AuditDb {
            conn,
            agent,
            path: path.to_path_buf(),
        })
    }

    /// Opens an existing database for appending.
    ///
    /// # Errors
    /// [`DbError::Input`] when `path` is missing, not an SQLite database, corrupt, or not
    /// an escrowlab audit database.
    pub fn open(path: &Path) -> Result<AuditDb, DbError> {
        exists(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| DbError::sql(path, &e))?;
        let agent = check_meta(&conn, path)?;
        durable(&conn).map_err(|e| DbError::sql(path, &e))?;
        conn.execute_batch(REQUEST_TABLES)
            .map_err(|e| DbError::sql(path, &e))?;
        Ok(AuditDb {
            conn,
            agent,
            path: path.to_path_buf(),
        })
    }

    /// The agent this log belongs to.
    pub fn agent(&self) -> usize {
        self.agent
    }

    /// Records a released share and its request key, then hands `share` back: only once
    /// the audit row and the replay-cache entry are committed (durable) together. A key
    /// already in the cache is refused instead: a `replay` refusal row is committed and
    /// nothing is released.
    ///
    /// # Errors
    /// [`DbError::Replayed`]; [`DbError::Misuse`] when `record` is not a grant;
    /// [`DbError::Input`] when the database cannot be written.
    pub fn grant<S>(&mut self, record: AuditRecord, key: &str, share: S) -> Result<S, DbError> {
        if record.decision != Decision::Granted {
            return Err(DbError::Misuse(
                "AuditDb::grant records a granted decision; use refuse for a refusal".into(),
            ));
        }
        let path = self.path.clone();
        let sql = |e: rusqlite::Error| DbError::sql(&path, &e);
        let agent = self.agent;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let used: Option<i64> = tx
            .query_row("SELECT seq FROM replay WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(sql)?;
        if let Some(seq) = used {
            let refused = AuditRecord {
                decision: Decision::Refused {
                    control: REPLAY_CONTROL.into(),
                },
                ..record
            };
            append(&tx, agent, &refused).map_err(sql)?;
            tx.commit().map_err(sql)?;
            return Err(DbError::Replayed {
                key: key.to_string(),
                seq: seq as u64,
            });
        }
        let seq = append(&tx, agent, &record).map_err(sql)?;
        tx.execute(
            "INSERT INTO replay (key, seq) VALUES (?1, ?2)",
            (key, seq as i64),
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(share)
    }

    /// Records a deployed agent's decision on a whole request whose warrant passed its
    /// stateless checks, in one transaction, and returns only once it is committed:
    /// - a request whose digest `request` was served before is refused (`replay-cache`,
    ///   when `replay_cache`), one refusal row recorded;
    /// - a warrant (`warrant`, its nonce in hex) already used `use_limit` times is refused
    ///   (`use-limit`), one refusal row recorded;
    /// - otherwise every record of `records` (one per item, granted or refused) is
    ///   appended, each granted item's replay-cache entry (`request#item`) inserted, the
    ///   request remembered and the warrant's use counted.
    ///
    /// # Errors
    /// [`DbError::Refused`] for the two refusals; [`DbError::Input`] when the database
    /// cannot be written.
    pub fn serve_request(
        &mut self,
        records: &[AuditRecord],
        request: &str,
        warrant: &str,
        use_limit: Option<u32>,
        replay_cache: bool,
    ) -> Result<(), DbError> {
        let path = self.path.clone();
        let sql = |e: rusqlite::Error| DbError::sql(&path, &e);
        let agent = self.agent;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let seen: Option<i64> = tx
            .query_row("SELECT 1 FROM requests WHERE key = ?1", [request], |r| {
                r.get(0)
            })
            .optional()
            .map_err(sql)?;
        let used: i64 = tx
            .query_row(
                "SELECT count FROM uses WHERE warrant = ?1",
                [warrant],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql)?
            .unwrap_or(0);
        let refusal = if replay_cache && seen.is_some() {
            Some((
                "replay-cache",
                "this exact request was already served".to_string(),
            ))
        } else if use_limit.is_some_and(|l| l > 0 && used >= i64::from(l)) {
            Some((
                "use-limit",
                format!("the warrant was already used {used} times"),
            ))
        } else {
            None
        };
        if let Some((control, reason)) = refusal {
            let first = records
                .first()
                .cloned()
                .ok_or_else(|| DbError::Misuse("serve_request needs one record per item".into()))?;
            let refused = AuditRecord {
                field_id: "*".into(),
                decision: Decision::Refused {
                    control: control.into(),
                },
                ..first
            };
            append(&tx, agent, &refused).map_err(sql)?;
            tx.commit().map_err(sql)?;
            return Err(DbError::Refused {
                control: control.into(),
                reason,
            });
        }
        for (i, record) in records.iter().enumerate() {
            let seq = append(&tx, agent, record).map_err(sql)?;
            if record.decision == Decision::Granted {
                tx.execute(
                    "INSERT INTO replay (key, seq) VALUES (?1, ?2)",
                    (format!("{request}#{i}"), seq as i64),
                )
                .map_err(sql)?;
            }
        }
        tx.execute(
            "INSERT OR IGNORE INTO requests (key) VALUES (?1)",
            [request],
        )
        .map_err(sql)?;
        tx.execute(
            "INSERT INTO uses (warrant, count) VALUES (?1, 1)
             ON CONFLICT(warrant) DO UPDATE SET count = count + 1",
            [warrant],
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(())
    }

    /// How many requests the agent served under a warrant (its nonce in hex).
    ///
    /// # Errors
    /// [`DbError::Input`] when the database cannot be read.
    pub fn uses(&self, warrant: &str) -> Result<u32, DbError> {
        let n: Option<i64> = self
            .conn
            .query_row(
                "SELECT count FROM uses WHERE warrant = ?1",
                [warrant],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| DbError::sql(&self.path, &e))?;
        Ok(n.unwrap_or(0) as u32)
    }

    /// Records a refusal (committed before this returns) and returns its sequence number.
    ///
    /// # Errors
    /// [`DbError::Misuse`] when `record` is a grant; [`DbError::Input`] when the database
    /// cannot be written.
    pub fn refuse(&mut self, record: AuditRecord) -> Result<u64, DbError> {
        if record.decision == Decision::Granted {
            return Err(DbError::Misuse(
                "AuditDb::refuse records a refusal; a grant goes through grant".into(),
            ));
        }
        let path = self.path.clone();
        let sql = |e: rusqlite::Error| DbError::sql(&path, &e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let seq = append(&tx, self.agent, &record).map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(seq)
    }

    /// The log as core's [`AuditLog`], rows in append order.
    ///
    /// # Errors
    /// [`DbError::Input`] when a row cannot be read or decoded.
    pub fn log(&self) -> Result<AuditLog, DbError> {
        let rows = read_rows(&self.conn, &self.path)?;
        let mut log = AuditLog::new(self.agent);
        for r in rows {
            match r.entry {
                Ok(e) => log.entries_mut().push(e),
                Err(why) => {
                    return Err(DbError::Input(format!(
                        "{}: row {} does not decode: {why}",
                        self.path.display(),
                        r.row
                    )))
                }
            }
        }
        Ok(log)
    }
}

/// A deployed agent's memory of requests: the digests of requests served, and each
/// warrant's uses (created when missing, so a log made before them opens).
const REQUEST_TABLES: &str = "CREATE TABLE IF NOT EXISTS requests (key TEXT PRIMARY KEY);
     CREATE TABLE IF NOT EXISTS uses (warrant TEXT PRIMARY KEY, count INTEGER NOT NULL);";

/// WAL and fully synchronous commits: a commit is on disk when it returns.
fn durable(conn: &Connection) -> rusqlite::Result<()> {
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(rusqlite::Error::InvalidQuery);
    }
    conn.pragma_update(None, "synchronous", "FULL")
}

/// Appends `record` chained to the last row, inside `tx`; returns its sequence number.
fn append(
    tx: &rusqlite::Transaction<'_>,
    agent: usize,
    record: &AuditRecord,
) -> rusqlite::Result<u64> {
    let last: Option<(i64, Vec<u8>)> = tx
        .query_row(
            "SELECT seq, hash FROM audit ORDER BY row DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev) = match last {
        None => (0, AuditLog::genesis(agent)),
        Some((s, h)) => (
            (s as u64).wrapping_add(1),
            h.try_into().unwrap_or([0u8; 32]),
        ),
    };
    let hash = AuditEntry::compute_hash(agent, seq, &prev, record);
    tx.execute(
        "INSERT INTO audit (seq, prev, hash, record) VALUES (?1, ?2, ?3, ?4)",
        (seq as i64, &prev[..], &hash[..], record.encode()),
    )?;
    Ok(seq)
}

fn exists(path: &Path) -> Result<(), DbError> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(()),
        Ok(_) => Err(DbError::Input(format!("{}: not a file", path.display()))),
        Err(e) => Err(DbError::Input(format!("{}: {e}", path.display()))),
    }
}

/// Checks the schema and returns the agent.
fn check_meta(conn: &Connection, path: &Path) -> Result<usize, DbError> {
    let shown = path.display();
    let has_meta: Option<String> = conn
        .query_row(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| DbError::sql(path, &e))?;
    if has_meta.is_none() {
        return Err(DbError::Input(format!(
            "{shown}: an SQLite database, but not an escrowlab audit database (no meta table)"
        )));
    }
    let get = |k: &str| -> Result<Option<String>, DbError> {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get(0))
            .optional()
            .map_err(|e| DbError::sql(path, &e))
    };
    match get("schema")? {
        Some(s) if s == SCHEMA => {}
        Some(s) => {
            return Err(DbError::Input(format!(
                "{shown}: schema `{}`, expected `{SCHEMA}`",
                escrowlab_core::text::escape_for_terminal(&s)
            )))
        }
        None => {
            return Err(DbError::Input(format!(
                "{shown}: not an escrowlab audit database (no schema in meta)"
            )))
        }
    }
    get("agent")?
        .and_then(|a| a.parse::<usize>().ok())
        .ok_or_else(|| DbError::Input(format!("{shown}: meta has no valid agent index")))
}

/// One stored row, decoded when it can be.
struct Row {
    row: i64,
    entry: Result<AuditEntry, String>,
}

fn read_rows(conn: &Connection, path: &Path) -> Result<Vec<Row>, DbError> {
    let sql = |e: rusqlite::Error| DbError::sql(path, &e);
    let mut stmt = conn
        .prepare("SELECT row, seq, prev, hash, record FROM audit ORDER BY row")
        .map_err(sql)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Vec<u8>>(2)?,
                r.get::<_, Vec<u8>>(3)?,
                r.get::<_, Vec<u8>>(4)?,
            ))
        })
        .map_err(sql)?;
    let mut out = Vec::new();
    for r in rows {
        let (row, seq, prev, hash, record) = r.map_err(sql)?;
        let entry = decode_row(seq, prev, hash, &record);
        out.push(Row { row, entry });
    }
    Ok(out)
}

/// One row's columns as a chain entry, or why they are not one.
fn decode_row(seq: i64, prev: Vec<u8>, hash: Vec<u8>, record: &[u8]) -> Result<AuditEntry, String> {
    let seq = u64::try_from(seq).map_err(|_| format!("negative seq {seq}"))?;
    let prev: [u8; 32] = prev
        .try_into()
        .map_err(|p: Vec<u8>| format!("prev is {} bytes, not 32", p.len()))?;
    let hash: [u8; 32] = hash
        .try_into()
        .map_err(|h: Vec<u8>| format!("hash is {} bytes, not 32", h.len()))?;
    let record = AuditRecord::decode(record).map_err(|e| e.to_string())?;
    Ok(AuditEntry {
        seq,
        record,
        prev,
        hash,
    })
}

/// What [`inspect_audit_db`] found.
#[derive(Debug)]
pub struct Inspection {
    /// The agent.
    pub agent: usize,
    /// Rows in the audit table.
    pub entries: usize,
    /// Rows recording a released share.
    pub granted: usize,
    /// Entries of the replay cache.
    pub replay_entries: usize,
    /// The head of the chain (hash of the last row), when it verifies.
    pub head: Option<[u8; 32]>,
    /// The first broken row and what is wrong with it.
    pub broken: Option<(i64, String)>,
}

impl Inspection {
    /// Whether the chain verifies and the replay cache agrees with it.
    pub fn is_valid(&self) -> bool {
        self.broken.is_none()
    }

    /// The text `escrowlab inspect audit-db` prints.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "escrowlab audit database ({SCHEMA}): agent {}, {} entries ({} granted), {} replay-cache entries\n",
            self.agent, self.entries, self.granted, self.replay_entries
        );
        match (&self.broken, &self.head) {
            (Some((row, why)), _) => s.push_str(&format!("chain: BROKEN at row {row}: {why}\n")),
            (None, Some(h)) => s.push_str(&format!("chain: valid, head {}\n", hex::encode(h))),
            (None, None) => s.push_str("chain: valid\n"),
        }
        s
    }
}

/// Reads the database at `path` without writing to it and verifies its chain with
/// [`audit::verify`], then checks that every replay-cache entry names a granted row and
/// every granted row has its replay-cache entry.
///
/// # Errors
/// [`DbError::Input`]: missing file, not an SQLite database, corrupt, not an escrowlab
/// audit database.
pub fn inspect_audit_db(path: &Path) -> Result<Inspection, DbError> {
    exists(path)?;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| DbError::sql(path, &e))?;
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|e| DbError::sql(path, &e))?;
    if check != "ok" {
        return Err(DbError::Input(format!(
            "{}: a corrupt SQLite database ({})",
            path.display(),
            escrowlab_core::text::escape_for_terminal(&check)
        )));
    }
    let agent = check_meta(&conn, path)?;
    let rows = read_rows(&conn, path)?;
    let mut replay: Vec<(String, i64)> = {
        let mut stmt = conn
            .prepare("SELECT key, seq FROM replay ORDER BY key")
            .map_err(|e| DbError::sql(path, &e))?;
        let it = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| DbError::sql(path, &e))?;
        it.collect::<rusqlite::Result<_>>()
            .map_err(|e| DbError::sql(path, &e))?
    };
    replay.sort_by_key(|(_, s)| *s);
    let mut report = Inspection {
        agent,
        entries: rows.len(),
        granted: 0,
        replay_entries: replay.len(),
        head: None,
        broken: None,
    };
    // A row that does not decode is the first broken one, unless the chain breaks before.
    let undecodable = rows.iter().position(|r| r.entry.is_err());
    let mut log = AuditLog::new(agent);
    for r in rows.iter().take(undecodable.unwrap_or(rows.len())) {
        if let Ok(e) = &r.entry {
            log.entries_mut().push(e.clone());
        }
    }
    report.granted = log.granted_count();
    if let Err(t) = audit::verify(&log, None) {
        report.broken = Some((row_of(&rows, &t), t.to_string()));
        return Ok(report);
    }
    if let Some(i) = undecodable {
        let why = rows[i].entry.as_ref().err().cloned().unwrap_or_default();
        report.broken = Some((rows[i].row, format!("the record does not decode: {why}")));
        return Ok(report);
    }
    // The replay cache and the chain agree: one entry per released share.
    let entries = log.entries();
    for (key, seq) in &replay {
        let granted = usize::try_from(*seq)
            .ok()
            .and_then(|s| entries.get(s))
            .is_some_and(|e| e.record.decision == Decision::Granted);
        if !granted {
            let row = usize::try_from(*seq)
                .ok()
                .and_then(|s| rows.get(s))
                .map_or(0, |r| r.row);
            report.broken = Some((
                row,
                format!(
                    "replay-cache entry `{}` names entry {seq}, which released no share",
                    escrowlab_core::text::escape_for_terminal(key)
                ),
            ));
            return Ok(report);
        }
    }
    for (i, e) in entries.iter().enumerate() {
        if e.record.decision == Decision::Granted && !replay.iter().any(|(_, s)| *s == i as i64) {
            report.broken = Some((
                rows[i].row,
                format!(
                    "entry {} released a share but has no replay-cache entry",
                    e.seq
                ),
            ));
            return Ok(report);
        }
    }
    report.head = Some(log.head());
    Ok(report)
}

/// The row of the entry a [`Tamper`] names (the first row with that sequence number).
fn row_of(rows: &[Row], t: &Tamper) -> i64 {
    let seq = match *t {
        Tamper::Edited { seq }
        | Tamper::Deleted { seq }
        | Tamper::Reordered { seq }
        | Tamper::Rewritten { seq }
        | Tamper::ChainReset { seq }
        | Tamper::Inserted { seq } => seq,
        Tamper::Truncated { found_len, .. } => found_len,
    };
    rows.iter()
        .find(|r| r.entry.as_ref().is_ok_and(|e| e.seq == seq))
        .or_else(|| rows.get(seq as usize))
        .map_or(0, |r| r.row)
}

/// `escrowlab inspect audit-db PATH`: prints the inspection; exit 0 when the chain verifies,
/// 1 naming the first broken row, 2 on bad input (a missing file, not a database, a
/// corrupt or foreign one, a wrong command line).
pub fn inspect_main(args: &[std::ffi::OsString]) -> i32 {
    use std::io::Write;
    let usage = "usage: escrowlab inspect audit-db PATH\n  Verifies an agent's audit database (SQLite): the hash chain and its replay cache.\n  Exit 0: valid; 1: the first broken row is named; 2: not an escrowlab audit database.";
    match args {
        [a] if a == "--help" || a == "-h" => {
            // A closed stdout is not a panic (`println!` would be one).
            let written = writeln!(std::io::stdout(), "{usage}");
            i32::from(written.is_err()) * 2
        }
        [path] => match inspect_audit_db(Path::new(path)) {
            Ok(r) => {
                let text = r.to_text();
                let written = std::io::stdout()
                    .write_all(text.as_bytes())
                    .and_then(|()| std::io::stdout().flush());
                if written.is_err() {
                    return 2;
                }
                if r.is_valid() {
                    0
                } else {
                    1
                }
            }
            Err(e) => {
                eprintln!(
                    "escrowlab: error: {}",
                    escrowlab_core::text::escape_for_terminal(&e.to_string())
                );
                2
            }
        },
        _ => {
            eprintln!("escrowlab: error: {usage}");
            2
        }
    }
}
