//! Destruction on both stores: only eligible charts under no hold, requested by one person
//! and approved by another, with a certificate kept forever; the audit chain verifies after.

use super::archival::{populated, who};
use archive::retention::{Schedule, Status, report};
use archive::{Archivist, approve_destruction, archive_eligible, request_destruction};
use privacy::{Action, AuditEvent, Channel};
use records::{Patient, PatientId};
use store::{ArchivedChart, DestructionRequest, NewHold};
use test_support::{TestStore, backend_tests};
use time::macros::date;

fn event(store: &TestStore) -> impl Fn(&DestructionRequest) -> AuditEvent + '_ {
    move |request| {
        let people: Vec<PatientId> = request
            .patient_ids
            .iter()
            .map(|&id| PatientId(id))
            .collect();
        AuditEvent::new(
            store.clock().now(),
            "test:him",
            Action::Delete,
            Channel::Cli,
        )
        .patients(&people)
    }
}

fn archived_event(store: &TestStore) -> impl Fn(&ArchivedChart) -> AuditEvent + '_ {
    move |entry| {
        AuditEvent::new(
            store.clock().now(),
            "test:him",
            Action::Delete,
            Channel::Cli,
        )
        .patient(PatientId(entry.patient_id))
    }
}

fn only_a_second_person_destroys_eligible_unheld_charts(store: &TestStore) {
    let (dir, trail) = populated(store, 12, 7);
    let schedule = Schedule::default_schedule().unwrap();
    let as_of = date!(2070 - 01 - 01);
    let first = store.read(|tx| report(tx, &schedule, as_of)).unwrap();
    let due: Vec<i64> = first
        .charts
        .iter()
        .filter(|c| c.status == Status::EligibleForDestruction)
        .map(|c| c.patient_id)
        .collect();
    assert!(due.len() >= 3, "{:?}", first.counts);
    let (live, held, archived) = (due[0], due[1], due[2]);
    let clerk = who(store, &trail, dir.path());
    archive_eligible(
        clerk,
        &schedule,
        as_of,
        Some(archived),
        &archived_event(store),
    )
    .unwrap();
    store
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

    // A hold blocks the request, naming the hold; so does a chart not yet due.
    let method = "rows deleted from the store; archive file removed";
    let refused = request_destruction(
        clerk,
        &schedule,
        as_of,
        &[live, held],
        method,
        "past retention",
        &event(store),
    )
    .unwrap_err()
    .to_string();
    assert!(refused.contains("under legal hold"), "{refused}");
    let retained = first.charts.iter().find(|c| c.status == Status::Retained);
    if let Some(chart) = retained {
        let refused = request_destruction(
            clerk,
            &schedule,
            as_of,
            &[chart.patient_id],
            method,
            "x",
            &event(store),
        )
        .unwrap_err()
        .to_string();
        assert!(
            refused.contains("not eligible for destruction"),
            "{refused}"
        );
    }
    assert!(
        store
            .read(|tx| tx.destruction_requests())
            .unwrap()
            .is_empty()
    );

    let request = request_destruction(
        clerk,
        &schedule,
        as_of,
        &[live, archived],
        method,
        "past retention",
        &event(store),
    )
    .unwrap();
    assert_eq!(request.status, "requested");

    // The requester cannot approve it; nothing is destroyed.
    let refused = approve_destruction(clerk, &schedule, as_of, request.id, &event(store))
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("a second person must approve it"),
        "{refused}"
    );
    assert!(store.read(|tx| tx.find::<Patient>(live)).unwrap().is_some());

    let manager = Archivist {
        by: "user:manager",
        ..clerk
    };
    let file = dir
        .path()
        .join("archive")
        .join(format!("chart-{archived}.zst"));
    assert!(file.exists());
    let done = approve_destruction(manager, &schedule, as_of, request.id, &event(store)).unwrap();
    assert_eq!(done.status, "destroyed");
    assert_eq!(done.approved_by.as_deref(), Some("user:manager"));
    let certificate = done.certificate.clone().unwrap();
    assert_eq!(certificate["method"], method);
    assert_eq!(certificate["requested_by"], "test:him");
    assert_eq!(certificate["approved_by"], "user:manager");
    assert_eq!(certificate["charts"].as_array().unwrap().len(), 2);
    assert!(store.read(|tx| tx.find::<Patient>(live)).unwrap().is_none());
    let entry = store
        .read(|tx| tx.archived_chart(archived))
        .unwrap()
        .unwrap();
    assert_eq!(entry.status, "destroyed");
    assert!(!file.exists());
    assert!(store.read(|tx| tx.find::<Patient>(held)).unwrap().is_some());

    // Once only; the certificate is kept forever; the chain verifies without the records.
    assert!(approve_destruction(manager, &schedule, as_of, request.id, &event(store)).is_err());
    assert!(
        store
            .write(|tx| tx.query("DELETE FROM destruction_requests", &[]))
            .is_err()
    );
    assert_eq!(
        store
            .read(|tx| tx.destruction_request(request.id))
            .unwrap()
            .unwrap(),
        done
    );
    assert!(trail.verify(store).unwrap().is_ok());
}

backend_tests!(only_a_second_person_destroys_eligible_unheld_charts);
