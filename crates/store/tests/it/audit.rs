//! The audit trail on both backends: appends chain and round-trip every field, the log
//! refuses updates and deletes, audited writes commit or roll back with their entries,
//! filters work, and tampering through SQL is named by `verify`.

use crate::fixtures::{actor, patient};
use privacy::{
    Action, AuditEvent, AuditKey, Channel, DataCategory, Outcome, Role, RoleSet, Tamper,
};
use records::PatientId;
use store::{AuditFilter, AuditTrail};
use test_support::{TestStore, backend_tests};
use time::Duration;

fn trail(dir: &tempfile::TempDir) -> AuditTrail {
    AuditTrail::with_key(AuditKey::from_bytes(&[5; 32]).unwrap(), dir.path())
}

fn read(store: &TestStore, user: &str, patient: i64) -> AuditEvent {
    AuditEvent::new(store.clock().now(), user, Action::Read, Channel::Cli)
        .roles(&RoleSet::of(&[Role::Physician]))
        .patient(PatientId(patient))
        .record("patient", patient)
        .categories(&[DataCategory::Notes, DataCategory::Demographics])
}

/// Appends `n` reads by alternating users, one second apart.
fn fill(store: &TestStore, trail: &AuditTrail, n: i64) {
    for i in 1..=n {
        let user = if i % 2 == 0 { "bo" } else { "ann" };
        trail.record(store, &read(store, user, i)).unwrap();
        store.clock.advance(Duration::seconds(1));
    }
}

fn raw(store: &TestStore, sql: &str) -> store::Result<()> {
    store.write(|tx| tx.query(sql, &[]).map(|_| ()))
}

fn drop_guards(store: &TestStore) {
    match store.dialect() {
        store::Dialect::Sqlite => {
            raw(store, "DROP TRIGGER audit_log_no_update").unwrap();
            raw(store, "DROP TRIGGER audit_log_no_delete").unwrap();
        }
        store::Dialect::Postgres => {
            raw(store, "DROP TRIGGER audit_log_no_change ON audit_log").unwrap()
        }
    }
}

fn verdict(store: &TestStore, trail: &AuditTrail) -> Result<u64, Tamper> {
    trail.verify(store).unwrap().map(|v| v.entries)
}

fn entries_chain_and_round_trip(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = trail(&dir);
    assert_eq!(verdict(store, &trail), Ok(0));
    let change = AuditEvent::new(
        store.clock().now() + Duration::nanoseconds(123_456_789),
        "ann",
        Action::Update,
        Channel::Api,
    )
    .roles(&RoleSet::of(&[Role::Physician, Role::Auditor]))
    .patient(PatientId(42))
    .record("clinical_note", 7)
    .categories(&[DataCategory::Notes])
    .source("192.0.2.10")
    .client("ward-tablet 2.1")
    .reason("corrected dosage — “quoted”")
    .changes(
        Some(r#"{"z":1,"a":[1.50,"é"]}"#.into()),
        Some(r#"{"z": 2, "a":[]}"#.into()),
    )
    .outcome(Outcome::Success);
    let first = trail.record(store, &change).unwrap();
    assert_eq!(first.seq, 1);
    let second = trail
        .record(store, &read(store, "bo", 42).outcome(Outcome::Denied))
        .unwrap();
    assert_eq!(second.seq, 2);
    let stored = store.audit_entries(&AuditFilter::default()).unwrap();
    assert_eq!(stored, [first, second.clone()]);
    assert_eq!(trail.recorded_head().unwrap().unwrap().seq, 2);
    assert_eq!(verdict(store, &trail), Ok(2));
    assert_eq!(store.audit_count().unwrap(), 2);
}

fn the_log_refuses_updates_and_deletes(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = trail(&dir);
    fill(store, &trail, 2);
    let update = raw(
        store,
        "UPDATE audit_log SET username = 'mallory' WHERE seq = 1",
    )
    .unwrap_err();
    assert!(
        update.to_string().contains("audit_log is append-only"),
        "{update}"
    );
    let delete = raw(store, "DELETE FROM audit_log WHERE seq = 2").unwrap_err();
    assert!(
        delete.to_string().contains("audit_log is append-only"),
        "{delete}"
    );
    assert_eq!(verdict(store, &trail), Ok(2));
}

fn audited_writes_commit_or_roll_back_together(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = trail(&dir);
    let created = trail
        .write(store, |a| {
            let p = a
                .records()
                .create(&actor(), &patient("W1", "Write", "Wren"))?;
            let event = AuditEvent::new(a.now(), "ann", Action::Create, Channel::Cli)
                .patient(PatientId(p.meta.id))
                .record("patient", p.meta.id)
                .categories(&[DataCategory::Demographics]);
            a.append(&event)?;
            Ok(p.meta.id)
        })
        .unwrap();
    let failed: store::Result<()> = trail.write(store, |a| {
        a.records()
            .create(&actor(), &patient("W2", "Write", "Will"))?;
        a.append(&AuditEvent::new(
            a.now(),
            "ann",
            Action::Create,
            Channel::Cli,
        ))?;
        Err(store::Error::Conflict("changed my mind".into()))
    });
    assert!(failed.is_err());
    assert_eq!(store.audit_count().unwrap(), 1);
    assert_eq!(trail.recorded_head().unwrap().unwrap().seq, 1);
    let n_patients = store
        .read(|tx| tx.query("SELECT CAST(COUNT(*) AS BIGINT) FROM patients", &[]))
        .unwrap()[0]
        .int(0);
    assert_eq!(n_patients, 1);
    assert_eq!(
        store.audit_entries(&AuditFilter::default()).unwrap()[0]
            .event
            .patient_id,
        Some(PatientId(created))
    );
    assert_eq!(verdict(store, &trail), Ok(1));
}

fn filters_select_entries(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = trail(&dir);
    let start = store.clock().now();
    fill(store, &trail, 6);
    trail
        .record(
            store,
            &AuditEvent::new(store.clock().now(), "ann", Action::Login, Channel::Web),
        )
        .unwrap();
    let seqs = |filter: AuditFilter| -> Vec<i64> {
        store
            .audit_entries(&filter)
            .unwrap()
            .into_iter()
            .map(|e| e.seq)
            .collect()
    };
    assert_eq!(
        seqs(AuditFilter {
            user: Some("BO".into()),
            ..Default::default()
        }),
        [2, 4, 6]
    );
    assert_eq!(
        seqs(AuditFilter {
            patient_id: Some(PatientId(3)),
            ..Default::default()
        }),
        [3]
    );
    assert_eq!(
        seqs(AuditFilter {
            action: Some(Action::Login),
            ..Default::default()
        }),
        [7]
    );
    assert_eq!(
        seqs(AuditFilter {
            since: Some(start + Duration::seconds(2)),
            until: Some(start + Duration::seconds(4)),
            ..Default::default()
        }),
        [3, 4]
    );
    assert_eq!(
        seqs(AuditFilter {
            limit: Some(2),
            ..Default::default()
        }),
        [6, 7]
    );
    trail
        .record(
            store,
            &AuditEvent::new(store.clock().now(), "cy", Action::Read, Channel::Api)
                .outcome(Outcome::Denied),
        )
        .unwrap();
    assert_eq!(
        seqs(AuditFilter {
            channel: Some(Channel::Web),
            ..Default::default()
        }),
        [7]
    );
    assert_eq!(
        seqs(AuditFilter {
            outcome: Some(Outcome::Denied),
            ..Default::default()
        }),
        [8]
    );
    assert_eq!(
        seqs(AuditFilter {
            channel: Some(Channel::Cli),
            outcome: Some(Outcome::Success),
            ..Default::default()
        }),
        [1, 2, 3, 4, 5, 6]
    );
}

fn a_new_key_is_not_chained_onto_an_old_log(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let old = AuditTrail::open_or_create(dir.path()).unwrap();
    old.write(store, |a| {
        a.append(&read(store, "ann", 1))?;
        a.append(&read(store, "ann", 2))
    })
    .unwrap();
    assert_eq!(verdict(store, &old), Ok(2));
    std::fs::remove_file(dir.path().join(store::AUDIT_KEY_FILE)).unwrap();
    let new = AuditTrail::open_or_create(dir.path()).unwrap();
    let error = new.record(store, &read(store, "ann", 1)).unwrap_err();
    assert!(
        error.to_string().contains("restore the key from backup"),
        "{error}"
    );
    assert!(AuditTrail::open(tempfile::tempdir().unwrap().path()).is_err());
}

fn verify_names_tampering_through_sql(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = trail(&dir);
    fill(store, &trail, 8);
    drop_guards(store);
    assert_eq!(verdict(store, &trail), Ok(8));

    raw(
        store,
        "UPDATE audit_log SET outcome = 'denied' WHERE seq = 3",
    )
    .unwrap();
    assert_eq!(verdict(store, &trail), Err(Tamper::Altered { seq: 3 }));
    raw(
        store,
        "UPDATE audit_log SET outcome = 'success' WHERE seq = 3",
    )
    .unwrap();
    assert_eq!(verdict(store, &trail), Ok(8));

    raw(store, "UPDATE audit_log SET action = 'peek' WHERE seq = 2").unwrap();
    assert!(matches!(
        verdict(store, &trail),
        Err(Tamper::Unreadable { seq: 2, .. })
    ));
    raw(store, "UPDATE audit_log SET action = 'read' WHERE seq = 2").unwrap();

    // Swap rows 4 and 6 whole (contents and MACs) by moving their numbers.
    raw(store, "UPDATE audit_log SET seq = 100 WHERE seq = 4").unwrap();
    raw(store, "UPDATE audit_log SET seq = 4 WHERE seq = 6").unwrap();
    raw(store, "UPDATE audit_log SET seq = 6 WHERE seq = 100").unwrap();
    assert_eq!(
        verdict(store, &trail),
        Err(Tamper::Reordered {
            seq: 4,
            written_as: 6
        })
    );
    raw(store, "UPDATE audit_log SET seq = 100 WHERE seq = 4").unwrap();
    raw(store, "UPDATE audit_log SET seq = 4 WHERE seq = 6").unwrap();
    raw(store, "UPDATE audit_log SET seq = 6 WHERE seq = 100").unwrap();
    assert_eq!(verdict(store, &trail), Ok(8));

    raw(store, "DELETE FROM audit_log WHERE seq >= 7").unwrap();
    assert_eq!(
        verdict(store, &trail),
        Err(Tamper::MissingAtEnd { last: 6, head: 8 })
    );

    raw(store, "DELETE FROM audit_log WHERE seq = 5").unwrap();
    assert_eq!(
        verdict(store, &trail),
        Err(Tamper::Deleted { seq: 5, next: 6 })
    );
}

/// Tail truncation with the head rewritten from the table: the newest rows deleted and
/// the head file made to name the new last row with its MAC, in the old unsigned format
/// or with that MAC as its seal. Neither is authentic, so verification fails naming the
/// head; the head Chartroom writes is sealed and private to its owner.
fn a_head_copied_from_a_row_is_not_accepted(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = trail(&dir);
    fill(store, &trail, 8);
    assert_eq!(verdict(store, &trail), Ok(8));
    let written = std::fs::read_to_string(trail.head_path()).unwrap();
    assert!(
        written.starts_with("chartroom-audit-head 2\nseq 8\n"),
        "{written}"
    );
    assert!(written.contains("\nseal "), "{written}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(trail.head_path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    drop_guards(store);
    raw(store, "DELETE FROM audit_log WHERE seq >= 7").unwrap();
    let rows = store
        .read(|tx| tx.query("SELECT mac FROM audit_log WHERE seq = 6", &[]))
        .unwrap();
    let mac = rows[0].text(0).unwrap().to_owned();
    std::fs::write(
        trail.head_path(),
        format!("chartroom-audit-head 1\nseq 6\nmac {mac}\n"),
    )
    .unwrap();
    assert_eq!(verdict(store, &trail), Err(Tamper::HeadUnsigned { seq: 6 }));
    std::fs::write(
        trail.head_path(),
        format!("chartroom-audit-head 2\nseq 6\nmac {mac}\nseal {mac}\n"),
    )
    .unwrap();
    assert!(matches!(
        verdict(store, &trail),
        Err(Tamper::HeadForged { .. })
    ));
    assert!(trail.recorded_head().is_err());
}

/// Tail truncation with an authentic older head put back (a copy of the head file taken
/// earlier): the head alone cannot tell, the anchor file can; and the anchor is appended
/// only when the head moved.
fn the_anchor_file_catches_a_cut_the_head_cannot(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let anchors = elsewhere.path().join("audit.anchor");
    let trail = trail(&dir);
    // An empty log anchors entry 0.
    let empty = trail.anchor(store, &anchors, None).unwrap().unwrap();
    assert_eq!(empty.head.seq, 0);
    fill(store, &trail, 6);
    trail.recorded_head().unwrap();
    let old_head = std::fs::read(trail.head_path()).unwrap();
    let six = trail.anchor(store, &anchors, Some(0)).unwrap().unwrap();
    assert_eq!(six.head.seq, 6);
    assert_eq!(trail.anchor(store, &anchors, Some(6)).unwrap(), None);
    fill(store, &trail, 3);
    assert_eq!(
        trail
            .anchor(store, &anchors, Some(6))
            .unwrap()
            .map(|a| a.head.seq),
        Some(9)
    );
    let text = std::fs::read_to_string(&anchors).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&anchors).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let anchored = AuditTrail::with_key(AuditKey::from_bytes(&[5; 32]).unwrap(), dir.path())
        .with_anchor(&anchors);
    let checked = anchored.verify(store).unwrap().unwrap();
    // Entry 0's anchor holds for any log.
    assert_eq!((checked.entries, checked.anchored), (9, 2));

    drop_guards(store);
    raw(store, "DELETE FROM audit_log WHERE seq >= 7").unwrap();
    std::fs::write(trail.head_path(), old_head).unwrap();
    assert_eq!(verdict(store, &trail), Ok(6));
    assert_eq!(
        verdict(store, &anchored),
        Err(Tamper::AnchoredMissingAtEnd {
            last: 6,
            anchored: 9
        })
    );
    // A line added by hand is named.
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&anchors)
        .unwrap();
    std::io::Write::write_all(
        &mut file,
        b"chartroom-audit-anchor-1 seq=2
",
    )
    .unwrap();
    assert!(matches!(
        verdict(store, &anchored),
        Err(Tamper::AnchorForged { line: 4, .. })
    ));
    // A named anchor file that is not there is a failure to read, not a pass.
    let missing = AuditTrail::with_key(AuditKey::from_bytes(&[5; 32]).unwrap(), dir.path())
        .with_anchor(&elsewhere.path().join("nothing"));
    assert!(missing.verify(store).is_err());
}

/// An entry about several patients (a search page) lists them in `audit_patients`: read
/// back with the entry, found by a search for any of them, sealed by its MAC (a row
/// removed or added by hand is an altered entry), and refused UPDATE and DELETE.
fn an_entry_lists_every_patient_it_concerns(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = trail(&dir);
    fill(store, &trail, 2);
    let many: Vec<PatientId> = (100..950).map(PatientId).collect();
    let search = AuditEvent::new(store.clock().now(), "ann", Action::Read, Channel::Fhir)
        .patients(&[PatientId(12), PatientId(7), PatientId(12), PatientId(30)]);
    trail.record(store, &search).unwrap();
    let big =
        AuditEvent::new(store.clock().now(), "ann", Action::Export, Channel::Fhir).patients(&many);
    trail.record(store, &big).unwrap();
    fill(store, &trail, 1);
    let found = |patient: i64| -> Vec<i64> {
        store
            .audit_entries(&AuditFilter {
                patient_id: Some(PatientId(patient)),
                ..Default::default()
            })
            .unwrap()
            .into_iter()
            .map(|e| e.seq)
            .collect()
    };
    assert_eq!(found(7), [3]);
    assert_eq!(found(30), [3]);
    assert_eq!(found(1), [1, 5]);
    assert_eq!(found(949), [4]);
    let entry = store.audit_entry(3).unwrap().unwrap();
    assert_eq!(
        entry.event.patients,
        [PatientId(7), PatientId(12), PatientId(30)]
    );
    assert_eq!(store.audit_entry(4).unwrap().unwrap().event.patients, many);
    assert_eq!(verdict(store, &trail), Ok(5));

    let refused = raw(store, "DELETE FROM audit_patients WHERE seq = 3");
    assert!(
        refused.unwrap_err().to_string().contains("append-only"),
        "deleting a listed patient is refused"
    );
    assert!(
        raw(
            store,
            "UPDATE audit_patients SET patient_id = 8 WHERE patient_id = 7"
        )
        .is_err()
    );
    match store.dialect() {
        store::Dialect::Sqlite => raw(store, "DROP TRIGGER audit_patients_no_delete").unwrap(),
        store::Dialect::Postgres => raw(
            store,
            "DROP TRIGGER audit_patients_no_change ON audit_patients",
        )
        .unwrap(),
    }
    raw(
        store,
        "DELETE FROM audit_patients WHERE seq = 3 AND patient_id = 30",
    )
    .unwrap();
    assert_eq!(verdict(store, &trail), Err(Tamper::Altered { seq: 3 }));
    raw(
        store,
        "INSERT INTO audit_patients (seq, patient_id) VALUES (3, 30)",
    )
    .unwrap();
    assert_eq!(verdict(store, &trail), Ok(5));
    raw(
        store,
        "INSERT INTO audit_patients (seq, patient_id) VALUES (5, 31)",
    )
    .unwrap();
    assert_eq!(verdict(store, &trail), Err(Tamper::Altered { seq: 5 }));
}

/// The check at start continues from the last checkpoint: entries after it are checked,
/// entries before it are left to the full verification.
fn the_start_check_continues_from_its_checkpoint(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = trail(&dir);
    fill(store, &trail, 6);
    assert_eq!(
        trail
            .verify_incrementally(store)
            .unwrap()
            .map(|v| v.entries),
        Ok(6)
    );
    let checkpoint = dir.path().join(store::AUDIT_CHECKPOINT_FILE);
    assert!(
        std::fs::read_to_string(&checkpoint)
            .unwrap()
            .contains("seq 6")
    );
    fill(store, &trail, 2);
    drop_guards(store);
    raw(
        store,
        "UPDATE audit_log SET username = 'mallory' WHERE seq = 2",
    )
    .unwrap();
    assert_eq!(
        trail
            .verify_incrementally(store)
            .unwrap()
            .map(|v| v.entries),
        Ok(8),
        "an entry before the checkpoint is not read again"
    );
    assert_eq!(verdict(store, &trail), Err(Tamper::Altered { seq: 2 }));
    fill(store, &trail, 1);
    raw(
        store,
        "UPDATE audit_log SET username = 'mallory' WHERE seq = 9",
    )
    .unwrap();
    assert_eq!(
        trail.verify_incrementally(store).unwrap(),
        Err(Tamper::Altered { seq: 9 })
    );
    // A checkpoint that is not authentic is ignored: the whole log is checked.
    raw(store, "UPDATE audit_log SET username = 'ann' WHERE seq = 9").unwrap();
    std::fs::write(&checkpoint, "chartroom-audit-head 1\nseq 8\nmac 00\n").unwrap();
    assert_eq!(
        trail.verify_incrementally(store).unwrap(),
        Err(Tamper::Altered { seq: 2 })
    );
}

/// A log longer than one verification page (10,000 entries), tampered just before and
/// just after a page boundary: verification reads it in pages and still names each.
fn a_long_log_is_verified_page_by_page(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = trail(&dir);
    trail
        .write(store, |audited| {
            for i in 1..=21_000 {
                audited.append(&read(store, "ann", i))?;
            }
            Ok(())
        })
        .unwrap();
    drop_guards(store);
    assert_eq!(verdict(store, &trail), Ok(21_000));
    for seq in [9_900, 10_001, 20_999] {
        raw(
            store,
            &format!("UPDATE audit_log SET username = 'mallory' WHERE seq = {seq}"),
        )
        .unwrap();
        assert_eq!(
            verdict(store, &trail),
            Err(Tamper::Altered { seq }),
            "seq {seq}"
        );
        raw(
            store,
            &format!("UPDATE audit_log SET username = 'ann' WHERE seq = {seq}"),
        )
        .unwrap();
    }
    raw(store, "DELETE FROM audit_log WHERE seq = 15000").unwrap();
    assert_eq!(
        verdict(store, &trail),
        Err(Tamper::Deleted {
            seq: 15_000,
            next: 15_001
        })
    );
}

/// Parts of one transaction in savepoints: a failed part leaves no record and no audit
/// entry, the parts after it chain from the last kept entry, and the chain verifies.
fn a_failed_savepoint_undoes_only_its_part(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = trail(&dir);
    let part = |a: &mut store::Audited<'_>, mrn: &str, fail: bool| -> store::Result<i64> {
        let p = a.records().create(&actor(), &patient(mrn, "Part", "Pat"))?;
        let event = AuditEvent::new(a.now(), "ann", Action::Create, Channel::Hl7)
            .patient(PatientId(p.meta.id))
            .record("patient", p.meta.id);
        a.append(&event)?;
        if fail {
            return Err(store::Error::Conflict("bad part".into()));
        }
        Ok(p.meta.id)
    };
    let outcomes = trail
        .write(store, |a| {
            Ok(vec![
                a.savepoint(|a| part(a, "S1", false))?.is_ok(),
                a.savepoint(|a| part(a, "S2", true))?.is_ok(),
                a.savepoint(|a| part(a, "S3", false))?.is_ok(),
            ])
        })
        .unwrap();
    assert_eq!(outcomes, [true, false, true]);
    let mrns: Vec<String> = store
        .read(|tx| tx.query("SELECT mrn FROM patients ORDER BY mrn", &[]))
        .unwrap()
        .iter()
        .map(|row| row.text(0).unwrap_or_default().to_owned())
        .collect();
    assert_eq!(mrns, ["S1", "S3"]);
    assert_eq!(store.audit_count().unwrap(), 2);
    assert_eq!(trail.recorded_head().unwrap().unwrap().seq, 2);
    assert_eq!(verdict(store, &trail), Ok(2));
}

/// The report a page at a time: sorted by a column (ties newest first), counted, and
/// fixed at the entry that was newest when the first page was read.
fn the_report_pages_sorts_and_stays_put(store: &TestStore) {
    use store::{AuditPage, AuditSort};
    let dir = tempfile::tempdir().unwrap();
    let trail = trail(&dir);
    fill(store, &trail, 7);
    let page = |sort, ascending, offset, through_seq| {
        let rows = store
            .audit_page(
                &AuditFilter::default(),
                &AuditPage {
                    sort,
                    ascending,
                    offset,
                    limit: 3,
                    through_seq,
                },
            )
            .unwrap();
        let seqs: Vec<i64> = rows.entries.iter().map(|e| e.seq).collect();
        (seqs, rows.total, rows.through_seq)
    };
    assert_eq!(page(AuditSort::Seq, false, 0, None), (vec![7, 6, 5], 7, 7));
    assert_eq!(page(AuditSort::Seq, false, 6, None), (vec![1], 7, 7));
    // ann has the odd entries, bo the even ones; within a user, newest first.
    assert_eq!(page(AuditSort::User, true, 0, None).0, [7, 5, 3]);
    assert_eq!(page(AuditSort::User, true, 3, None).0, [1, 6, 4]);
    assert_eq!(page(AuditSort::User, false, 0, None).0, [6, 4, 2]);
    assert_eq!(page(AuditSort::Patient, false, 0, None).0, [7, 6, 5]);
    assert_eq!(page(AuditSort::Seq, true, 0, None).0, [1, 2, 3]);
    // Every column sorts (issue 10): time, record (kind, then id), categories and reason
    // too, ties newest first.
    assert_eq!(page(AuditSort::At, true, 0, None).0, [1, 2, 3]);
    assert_eq!(page(AuditSort::At, false, 0, None).0, [7, 6, 5]);
    assert_eq!(page(AuditSort::Record, true, 0, None).0, [1, 2, 3]);
    assert_eq!(page(AuditSort::Record, false, 0, None).0, [7, 6, 5]);
    assert_eq!(page(AuditSort::Categories, true, 0, None).0, [7, 6, 5]);
    assert_eq!(page(AuditSort::Reason, true, 3, None).0, [4, 3, 2]);
    // New entries do not move the pages of a report already begun.
    fill(store, &trail, 2);
    assert_eq!(
        page(AuditSort::Seq, false, 0, Some(7)),
        (vec![7, 6, 5], 7, 7)
    );
    assert_eq!(page(AuditSort::Seq, false, 0, None), (vec![9, 8, 7], 9, 9));
    // The patient lists come with each entry, whatever the order.
    let rows = store
        .audit_page(
            &AuditFilter {
                patient_id: Some(PatientId(4)),
                ..Default::default()
            },
            &AuditPage {
                sort: AuditSort::User,
                ascending: true,
                offset: 0,
                limit: 50,
                through_seq: None,
            },
        )
        .unwrap();
    assert_eq!(rows.total, 1);
    assert_eq!(rows.entries[0].event.patient_id, Some(PatientId(4)));
    let bad = store.audit_page(
        &AuditFilter::default(),
        &AuditPage {
            sort: AuditSort::Seq,
            ascending: false,
            offset: -1,
            limit: 0,
            through_seq: None,
        },
    );
    assert!(matches!(bad, Err(store::Error::Invalid { .. })), "{bad:?}");
}

backend_tests!(
    the_report_pages_sorts_and_stays_put,
    a_failed_savepoint_undoes_only_its_part,
    a_head_copied_from_a_row_is_not_accepted,
    the_anchor_file_catches_a_cut_the_head_cannot,
    an_entry_lists_every_patient_it_concerns,
    the_start_check_continues_from_its_checkpoint,
    a_long_log_is_verified_page_by_page,
    entries_chain_and_round_trip,
    the_log_refuses_updates_and_deletes,
    audited_writes_commit_or_roll_back_together,
    filters_select_entries,
    a_new_key_is_not_chained_onto_an_old_log,
    verify_names_tampering_through_sql,
);
