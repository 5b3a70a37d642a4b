//! Audit logs: every tamper is detected and named; what a plain chain cannot see.

use escrowlab::escrow::audit::{
    verify, AuditEntry, AuditLog, AuditRecord, Decision, Tamper, Witness,
};
use escrowlab::Error;
use proptest::prelude::*;

const AGENT: usize = 2;

fn record(i: u64) -> AuditRecord {
    AuditRecord {
        time: 100 + i,
        case_id: format!("case-{}", i / 3),
        warrant_fp: format!("{:016x}", i * 7919),
        field_id: format!("field-{i}"),
        requester: "agency".into(),
        decision: if i % 4 == 3 {
            Decision::Refused {
                control: "scope".into(),
            }
        } else {
            Decision::Granted
        },
    }
}

/// A log of `n` entries, with the witness publishing after every append.
fn witnessed_log(n: u64) -> (AuditLog, Witness) {
    let mut log = AuditLog::new(AGENT);
    let mut w = Witness::new();
    w.publish(AGENT, &log);
    for i in 0..n {
        let e = log.append(record(i));
        assert_eq!(e.seq, i);
        w.publish(AGENT, &log);
    }
    (log, w)
}

/// Recomputes `prev` and `hash` of every entry from `from` on: what an attacker with
/// write access does to make an edit consistent.
fn rechain(log: &mut AuditLog, from: usize) {
    let agent = log.agent();
    let entries = log.entries_mut();
    for i in from..entries.len() {
        let prev = if i == 0 {
            AuditLog::genesis(agent)
        } else {
            entries[i - 1].hash
        };
        let e = &mut entries[i];
        e.prev = prev;
        e.hash = AuditEntry::compute_hash(agent, e.seq, &e.prev, &e.record);
    }
}

fn both(log: &AuditLog, w: &Witness) -> (Result<(), Tamper>, Result<(), Tamper>) {
    (verify(log, None), verify(log, Some(w)))
}

#[test]
fn an_untouched_log_verifies() {
    let (log, w) = witnessed_log(10);
    assert_eq!(both(&log, &w), (Ok(()), Ok(())));
    assert_eq!(log.len(), 10);
    assert_eq!(log.granted_count(), 8);
    assert_eq!(log.head(), log.entries()[9].hash);
    assert_eq!(log.entries()[0].prev, AuditLog::genesis(AGENT));
    let empty = AuditLog::new(AGENT);
    assert!(empty.is_empty());
    assert_eq!(empty.head(), AuditLog::genesis(AGENT));
    assert_ne!(AuditLog::genesis(0), AuditLog::genesis(1));
    assert_eq!(
        verify(&empty, Some(&w)),
        Err(Tamper::Truncated {
            witnessed_len: 10,
            found_len: 0
        })
    );
    assert_eq!(verify(&empty, Some(&Witness::new())), Ok(()));
    assert_eq!(w.checkpoints(AGENT).len(), 11);
    assert!(w.checkpoints(AGENT + 1).is_empty());
}

#[test]
fn hashes_bind_agent_and_every_field() {
    let (log, _) = witnessed_log(1);
    let e = &log.entries()[0];
    let h = |agent, seq, r: &AuditRecord| AuditEntry::compute_hash(agent, seq, &e.prev, r);
    assert_eq!(h(AGENT, 0, &e.record), e.hash);
    assert_ne!(h(AGENT + 1, 0, &e.record), e.hash);
    assert_ne!(h(AGENT, 1, &e.record), e.hash);
    // Length prefixes: moving a character from one field to the next changes the hash.
    let mut a = e.record.clone();
    a.case_id = "ab".into();
    a.warrant_fp = "c".into();
    let mut b = a.clone();
    b.case_id = "a".into();
    b.warrant_fp = "bc".into();
    assert_ne!(h(AGENT, 0, &a), h(AGENT, 0, &b));
    let mut c = e.record.clone();
    c.decision = Decision::Refused {
        control: String::new(),
    };
    assert_ne!(h(AGENT, 0, &c), e.hash);
}

#[test]
fn edit_is_detected() {
    let (mut log, w) = witnessed_log(10);
    log.entries_mut()[7].record.requester = "someone else".into();
    let t = verify(&log, None).unwrap_err();
    assert_eq!(t, Tamper::Edited { seq: 7 });
    assert_eq!(t.kind(), "edit");
    assert_eq!(
        t.to_string(),
        "entry 7 edited: stored hash does not match its contents"
    );
    assert_eq!(verify(&log, Some(&w)), Err(t));

    // Flip a decision: a refused request recorded as granted.
    let (mut log, _) = witnessed_log(10);
    log.entries_mut()[3].record.decision = Decision::Granted;
    assert_eq!(verify(&log, None), Err(Tamper::Edited { seq: 3 }));

    // Edit with only that entry's hash recomputed: the next link betrays it.
    let (mut log, _) = witnessed_log(10);
    let e = &mut log.entries_mut()[4];
    e.record.time = 0;
    e.hash = AuditEntry::compute_hash(AGENT, e.seq, &e.prev, &e.record);
    assert_eq!(verify(&log, None), Err(Tamper::Edited { seq: 4 }));
}

#[test]
fn deleting_a_middle_entry_is_detected() {
    let (mut log, w) = witnessed_log(10);
    log.entries_mut().remove(5);
    let t = verify(&log, None).unwrap_err();
    assert_eq!(t, Tamper::Deleted { seq: 5 });
    assert_eq!(t.kind(), "delete");
    assert_eq!(verify(&log, Some(&w)), Err(t));
    // Deleting the first entry.
    let (mut log, _) = witnessed_log(10);
    log.entries_mut().remove(0);
    assert_eq!(verify(&log, None), Err(Tamper::Deleted { seq: 0 }));
}

#[test]
fn swapping_two_entries_is_detected() {
    let (mut log, w) = witnessed_log(10);
    log.entries_mut().swap(3, 4);
    let t = verify(&log, None).unwrap_err();
    assert_eq!(t, Tamper::Reordered { seq: 4 });
    assert_eq!(t.kind(), "reorder");
    assert_eq!(verify(&log, Some(&w)), Err(t));
    let (mut log, _) = witnessed_log(10);
    log.entries_mut().swap(2, 8);
    assert_eq!(verify(&log, None), Err(Tamper::Reordered { seq: 8 }));
}

#[test]
fn truncating_the_tail_passes_a_plain_chain_but_not_a_witness() {
    let (mut log, w) = witnessed_log(10);
    log.entries_mut().truncate(7);
    // Honest limitation: a hash chain on its own cannot tell a truncated log from a
    // shorter one.
    assert_eq!(verify(&log, None), Ok(()));
    let t = verify(&log, Some(&w)).unwrap_err();
    assert_eq!(
        t,
        Tamper::Truncated {
            witnessed_len: 10,
            found_len: 7
        }
    );
    assert_eq!(t.kind(), "truncate");
    assert_eq!(
        t.to_string(),
        "log truncated: the witness saw 10 entries, the log has 7"
    );
    // A witness that last saw 7 entries is satisfied.
    let (full, _) = witnessed_log(10);
    let mut early = Witness::new();
    let mut seven = full.clone();
    seven.entries_mut().truncate(7);
    early.publish(AGENT, &seven);
    assert_eq!(verify(&log, Some(&early)), Ok(()));
    // Checkpoints of another agent do not apply.
    let mut other = Witness::new();
    other.publish(AGENT + 1, &full);
    assert_eq!(verify(&log, Some(&other)), Ok(()));
}

#[test]
fn inserting_a_forged_entry_is_detected() {
    let (mut log, w) = witnessed_log(10);
    // The forger links its entry properly and computes its hash (SHA-256 has no key),
    // but cannot renumber what follows without rewriting the whole chain.
    let prev = log.entries()[3].hash;
    let mut forged = record(99);
    forged.requester = "forger".into();
    let hash = AuditEntry::compute_hash(AGENT, 4, &prev, &forged);
    log.entries_mut().insert(
        4,
        AuditEntry {
            seq: 4,
            record: forged,
            prev,
            hash,
        },
    );
    let t = verify(&log, None).unwrap_err();
    assert_eq!(t, Tamper::Inserted { seq: 4 });
    assert_eq!(t.kind(), "insert");
    assert_eq!(verify(&log, Some(&w)), Err(t));

    // A forged entry carrying a later entry's number, inserted early.
    let (mut log, _) = witnessed_log(10);
    let copy = log.entries()[8].clone();
    log.entries_mut().insert(2, copy);
    assert_eq!(verify(&log, None), Err(Tamper::Inserted { seq: 8 }));
}

#[test]
fn rewriting_from_an_edit_point_needs_a_witness() {
    let (mut log, w) = witnessed_log(10);
    // Hide a refusal: record it as granted, then recompute the chain from there.
    assert_ne!(log.entries()[3].record.decision, Decision::Granted);
    log.entries_mut()[3].record.decision = Decision::Granted;
    rechain(&mut log, 3);
    // Consistent chain: a plain hash chain is fooled.
    assert_eq!(verify(&log, None), Ok(()));
    let t = verify(&log, Some(&w)).unwrap_err();
    assert_eq!(t, Tamper::Rewritten { seq: 3 });
    assert_eq!(t.kind(), "rewrite");
    // With only the final head witnessed, the rewrite is still caught (at the head).
    let mut last = Witness::new();
    let (orig, _) = witnessed_log(10);
    last.publish(AGENT, &orig);
    assert_eq!(verify(&log, Some(&last)), Err(Tamper::Rewritten { seq: 9 }));

    // Delete-and-renumber, then rewrite: shorter, consistent, caught by the witness.
    let (mut log, w) = witnessed_log(10);
    log.entries_mut().remove(5);
    for (i, e) in log.entries_mut().iter_mut().enumerate() {
        e.seq = i as u64;
    }
    rechain(&mut log, 0);
    assert_eq!(verify(&log, None), Ok(()));
    assert_eq!(verify(&log, Some(&w)), Err(Tamper::Rewritten { seq: 5 }));
}

#[test]
fn a_chain_reset_is_detected_without_a_witness() {
    let (mut log, w) = witnessed_log(10);
    // Restart the chain at entry 6: link it to the genesis and recompute what follows.
    let genesis = AuditLog::genesis(AGENT);
    {
        let e = &mut log.entries_mut()[6];
        e.prev = genesis;
        e.hash = AuditEntry::compute_hash(AGENT, e.seq, &e.prev, &e.record);
    }
    rechain(&mut log, 7);
    let t = verify(&log, None).unwrap_err();
    assert_eq!(t, Tamper::ChainReset { seq: 6 });
    assert_eq!(t.kind(), "chain-reset");
    assert_eq!(verify(&log, Some(&w)), Err(t));
}

#[test]
fn appending_after_verification_keeps_the_chain() {
    let (mut log, mut w) = witnessed_log(5);
    log.append(record(5));
    w.publish(AGENT, &log);
    assert_eq!(verify(&log, Some(&w)), Ok(()));
    assert_eq!(log.entries()[5].prev, log.entries()[4].hash);
}

#[test]
fn encode_decode_round_trips() {
    for n in [0, 1, 10] {
        let (log, _) = witnessed_log(n);
        let bytes = log.encode();
        let back = AuditLog::decode(&bytes).unwrap();
        assert_eq!(back, log);
        assert_eq!(back.agent(), AGENT);
        assert_eq!(back.encode(), bytes);
    }
    // A tampered log still decodes, so that verification can name the tamper.
    let (mut log, _) = witnessed_log(6);
    log.entries_mut().swap(1, 2);
    let back = AuditLog::decode(&log.encode()).unwrap();
    assert_eq!(verify(&back, None), Err(Tamper::Reordered { seq: 2 }));
}

#[test]
fn decode_rejects_bad_bytes() {
    let (log, _) = witnessed_log(4);
    let bytes = log.encode();
    for cut in 0..bytes.len() {
        let e = AuditLog::decode(&bytes[..cut]).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Malformed {
                    what: "audit log",
                    ..
                }
            ),
            "{e:?}"
        );
    }
    let mut extra = bytes.clone();
    extra.push(0);
    assert!(AuditLog::decode(&extra).is_err());
    let mut magic = bytes.clone();
    magic[0] ^= 1;
    assert!(AuditLog::decode(&magic).is_err());
    // A huge entry count must not be trusted for allocation.
    let mut huge = bytes[..24].to_vec();
    huge[16..24].copy_from_slice(&u64::MAX.to_be_bytes());
    assert!(AuditLog::decode(&huge).is_err());
    // A huge string length.
    let mut long = bytes.clone();
    let first_string = 24 + 8 + 32 + 32 + 8;
    long[first_string..first_string + 4].copy_from_slice(&u32::MAX.to_be_bytes());
    assert!(AuditLog::decode(&long).is_err());
    // Bad UTF-8 in a string ("case-0" → first byte 0xff).
    let mut utf = bytes.clone();
    utf[first_string + 4] = 0xff;
    assert!(AuditLog::decode(&utf).is_err());
    // Unknown decision tag: entry 0 is granted, tag right after its four strings.
    let r = &log.entries()[0].record;
    let tag = first_string
        + [&r.case_id, &r.warrant_fp, &r.field_id, &r.requester]
            .iter()
            .map(|s| 4 + s.len())
            .sum::<usize>();
    assert_eq!(bytes[tag], 0);
    let mut bad_tag = bytes.clone();
    bad_tag[tag] = 7;
    assert!(AuditLog::decode(&bad_tag).is_err());
}

proptest! {
    #[test]
    fn decode_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = AuditLog::decode(&bytes);
    }

    #[test]
    fn decode_never_panics_on_mutated_logs(pos in 0usize..2000, byte in any::<u8>()) {
        let (log, _) = witnessed_log(6);
        let mut bytes = log.encode();
        let i = pos % bytes.len();
        bytes[i] = byte;
        if let Ok(back) = AuditLog::decode(&bytes) {
            // Whatever decodes is either the original or fails verification: every
            // encoded byte is covered by some entry hash (the agent index included).
            if back != log {
                prop_assert!(verify(&back, None).is_err());
            }
        }
    }
}
