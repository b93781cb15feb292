//! Load, query and refresh against both backends.

use interop::batch::{ImportOptions, NoProgress};
use records::{Immunization, ImmunizationStatus, PatientId, Provider};
use store::Actor;
use test_support::{TestStore, backend_tests};
use time::Duration;
use time::macros::datetime;

const FLU_2025: &str = "count patients where immunization(cvx in flu, status = completed, date > 2025-01-01, date <= 2026-01-01)";

/// A small extract: 6 patients; flu doses inside and outside the season, one in error.
pub(crate) fn seed(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("patients.csv"),
        "patient_id,birth_date,sex,zip\n1,1950-01-01,F,02139\n2,1960-01-01,M,02139\n3,2015-06-01,F,10001\n4,1990-01-01,M,10001\n5,1985-01-01,F,60601\n6,2001-01-01,M,60601\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("immunizations.csv"),
        "imm_id,patient_id,cvx,admin_date,status\n1,1,140,2025-10-01,completed\n2,2,158,2025-11-01,completed\n3,3,140,2024-10-01,completed\n4,4,140,2025-10-05,entered-in-error\n5,5,208,2025-10-05,completed\n6,6,197,2026-01-01,completed\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("ar_items.csv"),
        "item_id,patient_id,amount_cents,paid_cents,due_date\n1,1,10000,0,2025-06-01\n2,2,5000,5000,2025-06-01\n3,3,7000,1000,2025-12-01\n",
    )
    .unwrap();
    let report = interop::import(
        store,
        dir.path(),
        &ImportOptions::default(),
        &mut NoProgress,
    )
    .unwrap();
    assert_eq!(report.rejected(), 0, "{:?}", report.rejections);
}

/// The seeded patient X4's record id.
fn patient_x4(store: &TestStore) -> i64 {
    store
        .read(|tx| {
            tx.search_patients(&store::PatientQuery {
                text: Some("X4".into()),
                ..Default::default()
            })
        })
        .unwrap()[0]
        .meta
        .id
}

/// A completed influenza dose in the 2025 season.
fn flu_dose(patient: i64) -> Immunization {
    Immunization {
        patient_id: PatientId(patient),
        encounter_id: None,
        cvx: "150".into(),
        administered_at: datetime!(2025-12-01 09:00 UTC),
        status: ImmunizationStatus::Completed,
        lot_number: None,
        site: None,
        route: None,
        performer_id: None,
        description: None,
    }
}

fn engine_answers_from_the_store_and_follows_writes(store: &TestStore) {
    seed(store);
    let (mut engine, mut sync) = reports::load(store).unwrap();
    assert_eq!(engine.n_patients(), 6);
    assert_eq!(
        engine.query(FLU_2025).unwrap().scalar(),
        Some(3),
        "patients 1, 2 and 6"
    );
    let overdue = engine
        .query("count patients where balance(days_past_due > 90) as of 2026-01-01")
        .unwrap();
    assert_eq!(
        overdue.scalar(),
        Some(1),
        "only item 1 is open and over 90 days"
    );

    // A new dose, a dose marked in error, and a payment: the refresh sees all three.
    store.clock.advance(Duration::seconds(5));
    let patient_4 = patient_x4(store);
    store
        .write(|tx| {
            tx.create(&Actor::new("test"), &flu_dose(patient_4))?;
            let first = tx.select::<Immunization>(
                "cvx = ? AND status = ?",
                &["158".into(), "completed".into()],
                "id",
                1,
            )?;
            let mut corrected = first[0].record.clone();
            corrected.status = ImmunizationStatus::EnteredInError;
            tx.update(
                &Actor::new("test"),
                first[0].meta.id,
                first[0].meta.version,
                &corrected,
            )?;
            Ok(())
        })
        .unwrap();
    let changed = sync.refresh(store, &mut engine).unwrap();
    assert!(changed >= 2, "{changed}");
    assert_eq!(
        engine.query(FLU_2025).unwrap().scalar(),
        Some(3),
        "patient 4 in, patient 2 out"
    );

    // Soft-deleting a patient takes them out of every count.
    store.clock.advance(Duration::seconds(5));
    let patient_1 = store
        .read(|tx| {
            tx.search_patients(&store::PatientQuery {
                text: Some("X1".into()),
                ..Default::default()
            })
        })
        .unwrap();
    store
        .write(|tx| {
            tx.delete::<records::Patient>(
                &Actor::new("test"),
                patient_1[0].meta.id,
                patient_1[0].meta.version,
                "duplicate",
            )
        })
        .unwrap();
    sync.refresh(store, &mut engine).unwrap();
    assert_eq!(engine.n_patients(), 5);
    assert_eq!(engine.query(FLU_2025).unwrap().scalar(), Some(2));
    let (fresh, _) = reports::load(store).unwrap();
    assert_eq!(
        fresh.query(FLU_2025).unwrap().scalar(),
        Some(2),
        "a fresh load agrees with the refreshed engine"
    );
}

/// A query's rows, each as its cells joined by spaces.
pub(crate) fn answer(engine: &query::Engine, text: &str) -> Vec<String> {
    engine
        .query(text)
        .unwrap()
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    query::Cell::Text(t) => t.to_string(),
                    other => format!("{}", other.as_int().unwrap()),
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// Archival, restore and destruction move whole charts without changing any row's change
/// time; the engine notices the store's mark of chart moves and reloads.
fn engine_follows_archival_restore_and_destruction(store: &TestStore) {
    seed(store);
    let (mut engine, mut sync) = reports::load(store).unwrap();
    assert_eq!(engine.query(FLU_2025).unwrap().scalar(), Some(3));
    let patient_of = |mrn: &str| {
        store
            .read(|tx| {
                tx.search_patients(&store::PatientQuery {
                    text: Some(mrn.into()),
                    ..Default::default()
                })
            })
            .unwrap()[0]
            .meta
            .id
    };
    let (patient_1, patient_2) = (patient_of("X1"), patient_of("X2"));

    // Archived: out of every count.
    let rows = store.read(|tx| tx.chart_rows(patient_1)).unwrap();
    store
        .write(|tx| {
            tx.remove_chart(&rows)?;
            tx.note_archived(&rows, ("chart-1.zst", &"0".repeat(64), 1), None, "test")
        })
        .unwrap();
    sync.refresh(store, &mut engine).unwrap();
    assert_eq!(engine.n_patients(), 5);
    assert_eq!(engine.query(FLU_2025).unwrap().scalar(), Some(2));

    // Restored: back with its dose.
    store
        .write(|tx| {
            tx.put_chart(&rows)?;
            tx.set_archive_status(patient_1, "restored", "test")
        })
        .unwrap();
    sync.refresh(store, &mut engine).unwrap();
    assert_eq!(engine.n_patients(), 6);
    assert_eq!(engine.query(FLU_2025).unwrap().scalar(), Some(3));

    // Destroyed: gone again.
    let rows = store.read(|tx| tx.chart_rows(patient_2)).unwrap();
    store
        .write(|tx| {
            let request = tx.request_destruction(&[patient_2], "deleted", "past retention", "a")?;
            tx.remove_chart(&rows)?;
            tx.complete_destruction(request.id, "b", &serde_json::json!({}))
        })
        .unwrap();
    sync.refresh(store, &mut engine).unwrap();
    assert_eq!(engine.n_patients(), 5);
    assert_eq!(engine.query(FLU_2025).unwrap().scalar(), Some(2));
    sync.refresh(store, &mut engine).unwrap();
    assert_eq!(engine.n_patients(), 5, "a second refresh changes nothing");
}

/// A write stamped before a refresh began but committed after it (it waited for the
/// connection or shared a group commit) is still picked up by the next refresh.
fn a_write_committed_after_a_refresh_that_began_later_is_not_missed(store: &TestStore) {
    seed(store);
    let (mut engine, mut sync) = reports::load(store).unwrap();
    assert_eq!(engine.query(FLU_2025).unwrap().scalar(), Some(3));
    store.clock.advance(Duration::seconds(30));
    sync.refresh(store, &mut engine).unwrap();
    // Stamped 5 s before that refresh's mark, committed only now.
    store.clock.advance(Duration::seconds(-5));
    let patient_4 = patient_x4(store);
    store
        .write(|tx| tx.create(&Actor::new("test"), &flu_dose(patient_4)))
        .unwrap();
    store.clock.advance(Duration::seconds(40));
    sync.refresh(store, &mut engine).unwrap();
    assert_eq!(
        engine.query(FLU_2025).unwrap().scalar(),
        Some(4),
        "patient 4's dose counted"
    );
}

backend_tests!(
    engine_answers_from_the_store_and_follows_writes,
    engine_follows_archival_restore_and_destruction,
    a_write_committed_after_a_refresh_that_began_later_is_not_missed
);

/// A physician of that name, for the tests that need an attending, performer or signer.
pub(crate) fn physician(
    tx: &mut store::Tx<'_>,
    actor: &Actor,
    family_name: &str,
) -> store::Result<i64> {
    let provider = tx.create(
        actor,
        &Provider {
            npi: None,
            family_name: family_name.into(),
            given_name: "William".into(),
            credentials: Some("MD".into()),
            taxonomy: None,
            specialty: None,
            organization_id: None,
        },
    )?;
    Ok(provider.meta.id)
}
