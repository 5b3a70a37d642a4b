//! The durable audit log: a round trip through SQLite, a replayed request refused and
//! logged, a tampered row named, and a garbage or truncated file refused as bad input.

use escrowlab_core::escrow::audit::{self, AuditRecord, Decision};
use escrowlab_services::{inspect_audit_db, AuditDb, DbError};
use std::path::Path;

fn record(i: u64, decision: Decision) -> AuditRecord {
    AuditRecord {
        time: 100 + i,
        case_id: format!("case-{i}"),
        warrant_fp: format!("{i:064x}"),
        field_id: format!("field-{i}"),
        requester: "law-enforcement".into(),
        decision,
    }
}

fn refused() -> Decision {
    Decision::Refused {
        control: "scope".into(),
    }
}

/// A database of agent 3 with four grants and one refusal, closed.
fn filled(path: &Path) {
    let mut db = AuditDb::create(path, 3).unwrap();
    for i in 0..4 {
        let share = db
            .grant(
                record(i, Decision::Granted),
                &format!("req-{i}"),
                vec![i as u8],
            )
            .unwrap();
        assert_eq!(share, vec![i as u8]);
    }
    db.refuse(record(4, refused())).unwrap();
}

#[test]
fn round_trip_keeps_the_chain_and_refuses_a_replay() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("agent3.db");
    filled(&path);
    // Reopened (a restarted agent): the chain goes on from the stored head.
    let mut db = AuditDb::open(&path).unwrap();
    assert_eq!(db.agent(), 3);
    // A replayed request key: refused, nothing released, the refusal logged.
    match db.grant(record(5, Decision::Granted), "req-1", ()) {
        Err(DbError::Replayed { key, seq }) => assert_eq!((key.as_str(), seq), ("req-1", 1)),
        other => panic!("a replay was not refused: {other:?}"),
    }
    db.grant(record(6, Decision::Granted), "req-6", ()).unwrap();
    let log = db.log().unwrap();
    assert_eq!(log.len(), 7);
    assert_eq!(log.granted_count(), 5);
    assert_eq!(
        log.entries()[5].record.decision,
        Decision::Refused {
            control: "replay".into()
        }
    );
    // The same chain core's in-memory log builds from the same records.
    assert_eq!(audit::verify(&log, None), Ok(()));
    let mut mem = audit::AuditLog::new(3);
    for e in log.entries() {
        mem.append(e.record.clone());
    }
    assert_eq!(mem.head(), log.head());
    drop(db);
    let r = inspect_audit_db(&path).unwrap();
    assert!(r.is_valid(), "{}", r.to_text());
    assert_eq!((r.entries, r.granted, r.replay_entries), (7, 5, 5));
    assert_eq!(r.head, Some(log.head()));
    assert!(r.to_text().contains("chain: valid"), "{}", r.to_text());
    // The database is in WAL mode with full synchronous commits.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_tampered_row_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("agent3.db");
    filled(&path);
    {
        // The requester of entry 2 rewritten in place, its hash left alone.
        let conn = rusqlite::Connection::open(&path).unwrap();
        let blob: Vec<u8> = conn
            .query_row("SELECT record FROM audit WHERE seq = 2", [], |r| r.get(0))
            .unwrap();
        let mut rec = AuditRecord::decode(&blob).unwrap();
        rec.requester = "someone-else".into();
        conn.execute("UPDATE audit SET record = ?1 WHERE seq = 2", [rec.encode()])
            .unwrap();
    }
    let r = inspect_audit_db(&path).unwrap();
    assert!(!r.is_valid());
    let (row, why) = r.broken.clone().unwrap();
    assert_eq!(row, 3, "rows count from 1: entry 2 is row 3");
    assert!(why.contains("entry 2 edited"), "{why}");
    assert!(r.to_text().contains("BROKEN at row 3"), "{}", r.to_text());

    // A deleted row, and a grant whose replay entry was removed, are found too.
    let path2 = dir.path().join("deleted.db");
    filled(&path2);
    rusqlite::Connection::open(&path2)
        .unwrap()
        .execute("DELETE FROM audit WHERE seq = 1", [])
        .unwrap();
    let r = inspect_audit_db(&path2).unwrap();
    assert!(
        r.broken.as_ref().unwrap().1.contains("entry 1 deleted"),
        "{r:?}"
    );
    let path3 = dir.path().join("replay.db");
    filled(&path3);
    rusqlite::Connection::open(&path3)
        .unwrap()
        .execute("DELETE FROM replay WHERE key = 'req-0'", [])
        .unwrap();
    let r = inspect_audit_db(&path3).unwrap();
    let (row, why) = r.broken.unwrap();
    assert_eq!(row, 1);
    assert!(why.contains("no replay-cache entry"), "{why}");
}

#[test]
fn garbage_truncated_and_foreign_files_are_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let err = |p: &Path| match inspect_audit_db(p) {
        Err(DbError::Input(m)) => m,
        other => panic!("{}: not refused as input: {other:?}", p.display()),
    };
    let garbage = dir.path().join("garbage.db");
    std::fs::write(
        &garbage,
        b"this is not a database at all, just some text\n".repeat(50),
    )
    .unwrap();
    assert!(
        err(&garbage).contains("not an SQLite database"),
        "{}",
        err(&garbage)
    );
    let missing = dir.path().join("missing.db");
    assert!(err(&missing).contains("missing.db"));
    // A real database, cut short.
    let good = dir.path().join("good.db");
    filled(&good);
    let bytes = std::fs::read(&good).unwrap();
    assert!(bytes.len() >= 4096 * 2, "{} bytes", bytes.len());
    for cut in [50, 100, 4096 + 10] {
        let t = dir.path().join(format!("cut{cut}.db"));
        std::fs::write(&t, &bytes[..cut]).unwrap();
        let m = err(&t);
        assert!(
            m.contains("SQLite") || m.contains("audit database"),
            "cut at {cut}: {m}"
        );
    }
    // Some other program's SQLite database.
    let foreign = dir.path().join("foreign.db");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);")
        .unwrap();
    assert!(err(&foreign).contains("not an escrowlab audit database"));
    // A new log never replaces a file.
    assert!(matches!(AuditDb::create(&good, 1), Err(DbError::Input(_))));
}
