//! `escrowlab inspect audit-db PATH` on an agent's SQLite audit log: exit 0 when the chain
//! verifies, 1 naming the first broken row, 2 for a file that is no audit database.

use escrowlab::escrow::audit::{AuditRecord, Decision};
use escrowlab::services::AuditDb;

fn inspect(path: &std::path::Path) -> (Option<i32>, String, String) {
    crate::common::run_escrowlab([
        std::ffi::OsStr::new("inspect"),
        std::ffi::OsStr::new("audit-db"),
        path.as_os_str(),
    ])
}

#[test]
fn inspect_audit_db_exits_0_1_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("agent0.db");
    let mut db = AuditDb::create(&path, 0).unwrap();
    for i in 0..3u64 {
        let record = AuditRecord {
            time: i,
            case_id: "case-1".into(),
            warrant_fp: "ab".repeat(32),
            field_id: format!("field-{i}"),
            requester: "court".into(),
            decision: Decision::Granted,
        };
        db.grant(record, &format!("req-{i}"), ()).unwrap();
    }
    drop(db);
    let (code, out, err) = inspect(&path);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("agent 0, 3 entries (3 granted)"), "{out}");
    assert!(out.contains("chain: valid, head "), "{out}");

    // Entry 1's field id edited in place: row 2 is named.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let blob: Vec<u8> = conn
        .query_row("SELECT record FROM audit WHERE seq = 1", [], |r| r.get(0))
        .unwrap();
    let mut rec = AuditRecord::decode(&blob).unwrap();
    rec.field_id = "field-9".into();
    conn.execute("UPDATE audit SET record = ?1 WHERE seq = 1", [rec.encode()])
        .unwrap();
    drop(conn);
    let (code, out, err) = inspect(&path);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("BROKEN at row 2: entry 1 edited"), "{out}");

    // Not a database; no such file; no path: exit 2 with a one-line error, no panic.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, [0x5au8; 3000]).unwrap();
    let (code, _, err) = inspect(&junk);
    assert_eq!(code, Some(2));
    assert!(err.contains("not an SQLite database"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let (code, _, _) = inspect(&dir.path().join("none.db"));
    assert_eq!(code, Some(2));
    let (code, _, _) = crate::common::run_escrowlab(["inspect", "audit-db"]);
    assert_eq!(code, Some(2));
}
