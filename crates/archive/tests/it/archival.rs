//! Archival on both stores: eligible charts leave the live tables for checksummed files,
//! read back and restore exactly; a hold blocks it; a damaged file is refused.

use archive::retention::{ArchivedStatus, Schedule, Status, report};
use archive::{Archivist, Error, archive_eligible, read_archived_audited, restore_chart};
use privacy::{Action, AuditEvent, Channel};
use records::Patient;
use store::{ArchivedChart, AuditTrail, NewHold};
use test_support::{TestStore, backend_tests};
use time::macros::date;

fn event(store: &TestStore, action: Action) -> impl Fn(&ArchivedChart) -> AuditEvent + '_ {
    move |entry| {
        AuditEvent::new(store.clock().now(), "test:him", action, Channel::Cli)
            .patient(records::PatientId(entry.patient_id))
    }
}

pub fn who<'a>(
    store: &'a TestStore,
    trail: &'a AuditTrail,
    dir: &'a std::path::Path,
) -> Archivist<'a> {
    Archivist {
        trail,
        store,
        data_dir: dir,
        by: "test:him",
    }
}

/// A demo population and an audit trail in a fresh directory.
pub fn populated(store: &TestStore, patients: u32, seed: u64) -> (tempfile::TempDir, AuditTrail) {
    let dir = tempfile::tempdir().unwrap();
    let trail = AuditTrail::open_or_create(dir.path()).unwrap();
    demo::generate(
        store,
        &demo::DemoOptions {
            patients,
            seed,
            as_of: date!(2026 - 03 - 02),
            batch_size: 10,
        },
        &mut |_| {},
    )
    .unwrap();
    (dir, trail)
}

fn chart_json(store: &TestStore, id: i64) -> serde_json::Value {
    serde_json::to_value(store.read(|tx| tx.chart(id)).unwrap()).unwrap()
}

fn archive_then_read_back_equals_the_original(store: &TestStore) {
    let (dir, trail) = populated(store, 12, 7);
    let schedule = Schedule::default_schedule().unwrap();
    // Far enough ahead that every chart but research subjects' may be archived.
    let as_of = date!(2070 - 01 - 01);
    let first = store.read(|tx| report(tx, &schedule, as_of)).unwrap();
    let eligible: Vec<i64> = first
        .charts
        .iter()
        .filter(|c| {
            matches!(
                c.status,
                Status::EligibleForArchival | Status::EligibleForDestruction
            )
        })
        .map(|c| c.patient_id)
        .collect();
    assert!(eligible.len() >= 3, "{:?}", first.counts);
    let (held, target) = (eligible[0], eligible[1]);
    let hold = store
        .write(|tx| {
            tx.place_hold(&NewHold {
                matter: Some("Doe v. Clinic"),
                covers_all: false,
                patients: &[held],
                reason: "litigation",
                placed_by: "user:counsel",
            })
        })
        .unwrap();
    let before = chart_json(store, target);
    let rows_before = store.read(|tx| tx.chart_rows(target)).unwrap();
    assert!(rows_before.row_count() > 10, "a chart with records");
    let held_before = chart_json(store, held);

    let done = archive_eligible(
        who(store, &trail, dir.path()),
        &schedule,
        as_of,
        None,
        &event(store, Action::Delete),
    )
    .unwrap();
    assert_eq!(
        done.archived.len(),
        eligible.len() - 1,
        "{:?}",
        done.skipped
    );
    // The held chart was not even tried: the report marks it held.
    assert!(done.archived.iter().all(|a| a.patient_id != held));
    assert_eq!(chart_json(store, held), held_before);

    // Out of the live tables: no patient row, no record left on the chart.
    assert!(
        store
            .read(|tx| tx.find::<Patient>(target))
            .unwrap()
            .is_none()
    );
    let left = store
        .read(|tx| {
            tx.query(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM encounters WHERE patient_id = ?",
                &[store::Value::Int(target)],
            )
        })
        .unwrap();
    assert_eq!(left[0].int(0), 0);
    assert!(
        dir.path()
            .join("archive")
            .join("chart-".to_owned() + &target.to_string() + ".zst")
            .exists()
    );

    // Findable by MRN and by name, and read back exactly.
    let entry = store.read(|tx| tx.archived_chart(target)).unwrap().unwrap();
    let reported = first
        .charts
        .iter()
        .find(|c| c.patient_id == target)
        .unwrap();
    assert_eq!(entry.destroy_on, reported.destroy_on);
    // The retention report lists it among the archived charts: where, when, by whom, the
    // destruction date it was archived with, and its status on the report's day.
    let after = store.read(|tx| report(tx, &schedule, as_of)).unwrap();
    assert!(after.charts.iter().all(|c| c.patient_id != target));
    assert_eq!(after.archived.len(), done.archived.len());
    let listed = after
        .archived
        .iter()
        .find(|a| a.patient_id == target)
        .unwrap();
    assert_eq!(listed.mrn, entry.mrn);
    assert_eq!(listed.file, format!("archive/chart-{target}.zst"));
    assert_eq!(
        (listed.archived_at, listed.archived_by.as_str()),
        (entry.archived_at, "test:him")
    );
    assert_eq!(listed.destroy_on, reported.destroy_on);
    let expected = match reported.status {
        Status::EligibleForDestruction => ArchivedStatus::DestructionDue,
        _ => ArchivedStatus::Archived,
    };
    assert_eq!(listed.status, expected);
    let archived_counted: usize = after
        .counts
        .iter()
        .filter(|(status, _)| status.starts_with("archived"))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(archived_counted, done.archived.len());
    // A day before any destruction date it is simply archived.
    let early = store
        .read(|tx| report(tx, &schedule, date!(2027 - 01 - 01)))
        .unwrap();
    assert!(
        early
            .archived
            .iter()
            .all(|a| a.status == ArchivedStatus::Archived)
    );
    let by_mrn = store
        .read(|tx| tx.archived_charts(Some(&entry.mrn)))
        .unwrap();
    assert_eq!(
        by_mrn.iter().map(|e| e.patient_id).collect::<Vec<_>>(),
        [target]
    );
    let by_name = store
        .read(|tx| {
            tx.archived_charts(Some(&format!(
                "{}, {}",
                entry.family_name.to_uppercase(),
                &entry.given_name[..2]
            )))
        })
        .unwrap();
    assert!(by_name.iter().any(|e| e.patient_id == target));
    let read = read_archived_audited(
        who(store, &trail, dir.path()),
        target,
        &event(store, Action::Read),
    )
    .unwrap();
    assert_eq!(serde_json::to_value(&read.chart).unwrap(), before);
    assert_eq!(read.rows, rows_before);
    assert_eq!(read.manifest.mrn, entry.mrn);

    // A run again archives nothing more; the audit chain verifies.
    let again = archive_eligible(
        who(store, &trail, dir.path()),
        &schedule,
        as_of,
        None,
        &event(store, Action::Delete),
    )
    .unwrap();
    assert!(again.archived.is_empty());
    assert!(trail.verify(store).unwrap().is_ok());

    // Restored: the live chart is the original again, and its MRN is no longer archived.
    restore_chart(
        who(store, &trail, dir.path()),
        target,
        &event(store, Action::Create),
    )
    .unwrap();
    assert_eq!(chart_json(store, target), before);
    assert_eq!(store.read(|tx| tx.chart_rows(target)).unwrap(), rows_before);
    assert!(
        store
            .read(|tx| tx.archived_charts(Some(&entry.mrn)))
            .unwrap()
            .is_empty()
    );

    // Released, the hold no longer blocks; a damaged file is refused, naming the file.
    store
        .write(|tx| tx.release_hold(hold.id, "user:counsel", "settled"))
        .unwrap();
    let done = archive_eligible(
        who(store, &trail, dir.path()),
        &schedule,
        as_of,
        Some(held),
        &event(store, Action::Delete),
    )
    .unwrap();
    assert_eq!(done.archived.len(), 1, "{:?}", done.skipped);
    let path = dir.path().join("archive").join(&done.archived[0].file);
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();
    let refused = read_archived_audited(
        who(store, &trail, dir.path()),
        held,
        &event(store, Action::Read),
    )
    .unwrap_err();
    assert!(matches!(refused, Error::Invalid(_)));
    assert!(
        refused.to_string().contains("fails its checksum"),
        "{refused}"
    );
    assert!(
        restore_chart(
            who(store, &trail, dir.path()),
            held,
            &event(store, Action::Create)
        )
        .is_err()
    );
    assert!(store.read(|tx| tx.find::<Patient>(held)).unwrap().is_none());
    assert!(trail.verify(store).unwrap().is_ok());
}

fn a_hold_blocks_archival_inside_the_transaction(store: &TestStore) {
    let (dir, trail) = populated(store, 4, 3);
    let schedule = Schedule::default_schedule().unwrap();
    let as_of = date!(2070 - 01 - 01);
    let chosen = store.read(|tx| report(tx, &schedule, as_of)).unwrap();
    let chart = chosen
        .charts
        .iter()
        .find(|c| {
            c.status == Status::EligibleForArchival || c.status == Status::EligibleForDestruction
        })
        .unwrap()
        .clone();
    // A matter hold placed after the report was read still blocks.
    store
        .write(|tx| {
            tx.place_hold(&NewHold {
                matter: Some("State survey"),
                covers_all: true,
                patients: &[],
                reason: "survey",
                placed_by: "user:counsel",
            })
        })
        .unwrap();
    let refused = archive::archive_chart(
        who(store, &trail, dir.path()),
        &chart,
        &event(store, Action::Delete),
    )
    .unwrap_err();
    assert!(
        refused.to_string().contains("under legal hold"),
        "{refused}"
    );
    assert!(
        store
            .read(|tx| tx.find::<Patient>(chart.patient_id))
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .read(|tx| tx.archived_chart(chart.patient_id))
            .unwrap()
            .is_none()
    );
}

backend_tests!(
    archive_then_read_back_equals_the_original,
    a_hold_blocks_archival_inside_the_transaction
);
