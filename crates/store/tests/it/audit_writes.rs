//! What an audited transaction wrote is sealed into its audit entry, on both backends: a
//! create carries its values, an update or delete the `record_history` row it left with the
//! row's SHA-256, a back-dated record its clinical time; `verify` names a history row edited
//! or deleted through SQL afterwards; plain writes of a store told to audit them leave one
//! entry per transaction.

use crate::fixtures::{actor, full_chart, patient};
use privacy::{Action, AuditEvent, AuditKey, Channel, Tamper};
use records::PatientId;
use std::sync::Arc;
use store::{AuditFilter, AuditTrail, WriteNote};
use test_support::{TestStore, backend_tests};

fn trail(dir: &tempfile::TempDir) -> AuditTrail {
    AuditTrail::with_key(AuditKey::from_bytes(&[7; 32]).unwrap(), dir.path())
}

fn raw(store: &TestStore, sql: &str) {
    store.write(|tx| tx.query(sql, &[]).map(|_| ())).unwrap();
}

fn writes_of(store: &TestStore, seq: i64) -> Vec<WriteNote> {
    let entry = store.audit_entry(seq).unwrap().unwrap();
    serde_json::from_str(entry.event.writes.as_deref().expect("the entry has writes")).unwrap()
}

fn cli(store: &TestStore, action: Action) -> AuditEvent {
    AuditEvent::new(store.clock().now(), "ann", action, Channel::Cli)
}

fn writes_are_sealed_and_edited_history_is_named(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = trail(&dir);
    // A chart created: every record's values in the entry, the encounter's clinical time
    // (admitted 2026-02-01) beside the entry's time.
    let patient_id = trail
        .write(store, |a| {
            let chart = full_chart(&mut a.records())?;
            a.append(&cli(store, Action::Create).patient(PatientId(chart.patient.meta.id)))?;
            Ok(chart.patient.meta.id)
        })
        .unwrap();
    let created = writes_of(store, 1);
    assert!(created.len() >= 5, "{created:?}");
    assert!(
        created
            .iter()
            .all(|w| w.action == "create" && w.version == 1)
    );
    let person = created.iter().find(|w| w.kind == "patient").unwrap();
    assert_eq!(person.id, patient_id);
    assert_eq!(person.new.as_ref().unwrap()["given_name"], "Alma");
    assert_eq!(person.sha256.len(), 64);
    let encounter = created.iter().find(|w| w.kind == "encounter").unwrap();
    assert_eq!(
        encounter.clinical_at.as_deref(),
        Some("2026-02-01T08:30:00Z")
    );
    assert_eq!(encounter.patient, Some(patient_id));

    // An update and a delete point at their history rows.
    let (history_update, history_delete) = trail
        .write(store, |a| {
            let mut tx = a.records();
            let stored = tx.get::<records::Patient>(patient_id)?;
            let mut changed = stored.record.clone();
            changed.given_name = "Alba".into();
            tx.update(&actor(), patient_id, stored.meta.version, &changed)?;
            let other = tx.create(&actor(), &patient("W-DEL", "Gone", "Gil"))?;
            tx.delete::<records::Patient>(&actor(), other.meta.id, 1, "registered twice")?;
            a.append(&cli(store, Action::Update).patient(PatientId(patient_id)))?;
            Ok(())
        })
        .map(|()| {
            let notes = writes_of(store, 2);
            let update = notes.iter().find(|w| w.action == "update").unwrap().clone();
            let delete = notes.iter().find(|w| w.action == "delete").unwrap().clone();
            (update, delete)
        })
        .unwrap();
    assert_eq!(
        (history_update.kind.as_str(), history_update.version),
        ("patient", 2)
    );
    assert!(history_update.history.is_some() && history_update.new.is_none());
    assert_eq!(history_delete.version, 2);
    assert_eq!(trail.verify(store).unwrap().map(|v| v.entries), Ok(2));

    // The history row edited by hand: named, with the entry that sealed it.
    let row = history_update.history.unwrap();
    raw(
        store,
        &format!("UPDATE record_history SET changed_by = 'someone:else' WHERE id = {row}"),
    );
    assert_eq!(
        trail.verify(store).unwrap(),
        Err(Tamper::HistoryAltered {
            seq: 2,
            history_id: row,
            kind: "patient".into(),
            record_id: patient_id,
            version: 2,
        })
    );
    let message = trail.verify(store).unwrap().unwrap_err().to_string();
    assert!(
        message.contains(&format!("record_history row {row}")),
        "{message}"
    );

    // Deleted instead: named too.
    let gone = history_delete.history.unwrap();
    raw(
        store,
        &format!("DELETE FROM record_history WHERE id IN ({row}, {gone})"),
    );
    assert!(matches!(
        trail.verify(store).unwrap(),
        Err(Tamper::HistoryDeleted { seq: 2, history_id, .. }) if history_id == row.min(gone)
    ));
}

fn writes_after_the_last_entry_get_an_entry_of_their_own(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = trail(&dir);
    trail
        .write(store, |a| {
            a.append(&cli(store, Action::Read).source("192.0.2.4"))?;
            a.records()
                .create(&actor(), &patient("W-LATE", "Late", "Lou"))?;
            Ok(())
        })
        .unwrap();
    let entries = store.audit_entries(&AuditFilter::default()).unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].event.writes, None);
    let follow = &entries[1].event;
    assert_eq!(
        (follow.action, follow.user.as_str()),
        (Action::Create, "ann")
    );
    assert_eq!(follow.source.as_deref(), Some("192.0.2.4"));
    assert_eq!(writes_of(store, 2)[0].kind, "patient");
    // A savepoint that fails takes its writes' notes with it.
    trail
        .write(store, |a| {
            let undone = a.savepoint(|a| {
                a.records()
                    .create(&actor(), &patient("W-UNDO", "Undone", "Uma"))?;
                Err::<(), _>(store::Error::Conflict("no".into()))
            })?;
            assert!(undone.is_err());
            a.append(&cli(store, Action::Read))?;
            Ok(())
        })
        .unwrap();
    assert_eq!(store.audit_entry(3).unwrap().unwrap().event.writes, None);
    assert!(trail.verify(store).unwrap().is_ok());
}

fn plain_writes_of_an_audited_store_leave_an_entry_per_transaction(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = Arc::new(trail(&dir));
    let template = cli(store, Action::Create).reason("import from synthea/");
    store.audit_writes(Some((trail.clone(), template)));
    let ids = store
        .write(|tx| {
            let a = tx.create(&actor(), &patient("W-B1", "Bulk", "Bea"))?;
            let b = tx.create(&actor(), &patient("W-B2", "Bulk", "Ben"))?;
            Ok([a.meta.id, b.meta.id])
        })
        .unwrap();
    // A read-only transaction writes no entry.
    store
        .read(|tx| tx.get::<records::Patient>(ids[0]).map(|_| ()))
        .unwrap();
    // Another thread's writes (a request handler beside a server's job) are its own
    // business: not audited as this thread's.
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                store
                    .write(|tx| {
                        tx.create(&actor(), &patient("W-B4", "Bulk", "Bill"))
                            .map(|_| ())
                    })
                    .unwrap();
            })
            .join()
            .unwrap();
    });
    store.audit_writes(None);
    store
        .write(|tx| {
            tx.create(&actor(), &patient("W-B3", "Bulk", "Bo"))
                .map(|_| ())
        })
        .unwrap();
    let entries = store.audit_entries(&AuditFilter::default()).unwrap();
    assert_eq!(entries.len(), 1);
    let event = &entries[0].event;
    assert_eq!(event.patients, vec![PatientId(ids[0]), PatientId(ids[1])]);
    assert_eq!(
        event.reason.as_deref(),
        Some("import from synthea/: 2 records written")
    );
    assert_eq!(writes_of(store, 1).len(), 2);
    let found = store
        .audit_entries(&AuditFilter {
            patient_id: Some(PatientId(ids[1])),
            ..AuditFilter::default()
        })
        .unwrap();
    assert_eq!(found.len(), 1);
    assert!(trail.verify(store).unwrap().is_ok());
}

/// A bulk entry (an import writing several charts) is read for one patient's report as the
/// writes to that chart alone, with the entry's total; the split is append-only, and an edit
/// of it by hand is named by `verify`.
fn a_patients_report_reads_the_writes_to_that_chart(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = trail(&dir);
    let (ann, bob) = trail
        .write(store, |a| {
            let mut tx = a.records();
            let ann = tx
                .create(&actor(), &patient("S-1", "Split", "Ann"))?
                .meta
                .id;
            let bob = tx
                .create(&actor(), &patient("S-2", "Split", "Bob"))?
                .meta
                .id;
            let stored = tx.get::<records::Patient>(bob)?;
            let mut changed = stored.record.clone();
            changed.given_name = "Robert".into();
            tx.update(&actor(), bob, 1, &changed)?;
            a.append(
                &cli(store, Action::Create)
                    .patients(&[PatientId(ann), PatientId(bob)])
                    .reason("import"),
            )?;
            // An entry naming Ann that wrote nothing, and a read naming nobody.
            a.append(&cli(store, Action::Read).patient(PatientId(ann)))?;
            a.append(&cli(store, Action::Read))?;
            Ok((ann, bob))
        })
        .unwrap();
    let report = |patient: i64| {
        store
            .audit_entries_of_patient(PatientId(patient), &AuditFilter::default())
            .unwrap()
    };
    let of_ann = report(ann);
    assert_eq!(of_ann.len(), 2);
    assert_eq!(
        of_ann[0].0.event.writes, None,
        "the entry's own text is not read"
    );
    let writes = of_ann[0]
        .1
        .as_ref()
        .expect("the import wrote to Ann's chart");
    assert_eq!(writes.total, 3);
    assert_eq!(writes.notes.len(), 1);
    assert_eq!(
        (writes.notes[0].action.as_str(), writes.notes[0].id),
        ("create", ann)
    );
    assert_eq!(of_ann[1].1, None);
    let of_bob = report(bob);
    let writes = of_bob[0].1.as_ref().unwrap();
    assert_eq!(
        writes
            .notes
            .iter()
            .map(|n| n.action.as_str())
            .collect::<Vec<_>>(),
        ["create", "update"]
    );
    // The same as the whole entry filtered.
    let whole = writes_of(store, 1);
    let filtered: Vec<WriteNote> = whole
        .into_iter()
        .filter(|n| n.patient == Some(bob))
        .collect();
    assert_eq!(writes.notes, filtered);
    // The newest N, as the unsplit report gives them.
    let newest = store
        .audit_entries_of_patient(
            PatientId(ann),
            &AuditFilter {
                limit: Some(1),
                ..AuditFilter::default()
            },
        )
        .unwrap();
    assert_eq!(newest.iter().map(|(e, _)| e.seq).collect::<Vec<_>>(), [2]);
    assert!(trail.verify(store).unwrap().is_ok());
    // Entries older than schema 45 have no split: their sealed text is read instead, to
    // the same answer; split rows for them would be an intruder's.
    raw(store, "UPDATE audit_patient_writes_from SET seq = 100");
    assert_eq!(report(bob), of_bob);
    assert!(matches!(
        trail.verify(store).unwrap(),
        Err(Tamper::PatientWritesAltered { seq: 1, .. })
    ));
    raw(store, "UPDATE audit_patient_writes_from SET seq = 1");

    // Append-only; an edit by hand (triggers dropped) is named.
    assert!(
        store
            .write(|tx| tx
                .query("DELETE FROM audit_patient_writes WHERE seq = 1", &[])
                .map(|_| ()))
            .is_err()
    );
    match store.dialect() {
        store::Dialect::Sqlite => raw(store, "DROP TRIGGER audit_patient_writes_no_update"),
        store::Dialect::Postgres => raw(
            store,
            "DROP TRIGGER audit_patient_writes_no_change ON audit_patient_writes",
        ),
    }
    raw(
        store,
        &format!("UPDATE audit_patient_writes SET writes = '[]' WHERE patient_id = {bob}"),
    );
    assert_eq!(
        trail.verify(store).unwrap(),
        Err(Tamper::PatientWritesAltered {
            seq: 1,
            patient: bob
        })
    );
}

backend_tests!(
    a_patients_report_reads_the_writes_to_that_chart,
    writes_are_sealed_and_edited_history_is_named,
    writes_after_the_last_entry_get_an_entry_of_their_own,
    plain_writes_of_an_audited_store_leave_an_entry_per_transaction,
);
