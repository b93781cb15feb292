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

/// A scanned document's content file and every file it keeps (the content, and the first
/// page drawn as a thumbnail where Poppler is installed).
#[derive(Debug, Clone, PartialEq)]
struct Scanned {
    sha: String,
    files: Vec<String>,
}

/// Files a one-page PDF saying `text` on the patient's chart.
fn scan(
    store: &TestStore,
    trail: &store::AuditTrail,
    dir: &std::path::Path,
    patient: i64,
    text: &str,
) -> Scanned {
    let pages = super::content::pdf(text);
    let who = AuditEvent::new(
        store.clock().now(),
        "test:him",
        Action::Create,
        Channel::Cli,
    );
    let stored = documents::add(
        store,
        trail,
        &who,
        &documents::content_store(dir),
        &documents::Filing {
            patient_id: Some(PatientId(patient)),
            document_type: Some("referral".into()),
            ..documents::Filing::default()
        },
        &pages,
    )
    .unwrap()
    .record;
    Scanned {
        sha: stored.content_sha256.clone(),
        files: std::iter::once(stored.content_sha256)
            .chain(stored.thumbnail_sha256)
            .collect(),
    }
}

fn content_file(dir: &std::path::Path, sha: &str) -> std::path::PathBuf {
    dir.join("documents").join(&sha[..2]).join(sha)
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
    // Scanned pages: some on the charts to destroy only, some shared (the same bytes, so
    // the same file) with a chart that stays live or stays archived.
    let surviving_archive = first
        .charts
        .iter()
        .find(|c| {
            ![live, held, archived].contains(&c.patient_id)
                && matches!(
                    c.status,
                    Status::EligibleForArchival | Status::EligibleForDestruction
                )
        })
        .map(|c| c.patient_id)
        .unwrap();
    let only_live = scan(store, &trail, dir.path(), live, "only on the live chart");
    let shared_live = scan(store, &trail, dir.path(), live, "shared with a live chart");
    assert_eq!(
        scan(store, &trail, dir.path(), held, "shared with a live chart"),
        shared_live
    );
    let only_archived = scan(store, &trail, dir.path(), archived, "only in the archive");
    let shared_archived = scan(store, &trail, dir.path(), archived, "shared in the archive");
    scan(
        store,
        &trail,
        dir.path(),
        surviving_archive,
        "shared in the archive",
    );
    let clerk = who(store, &trail, dir.path());
    for patient in [archived, surviving_archive] {
        archive_eligible(
            clerk,
            &schedule,
            as_of,
            Some(patient),
            &archived_event(store),
        )
        .unwrap();
    }
    assert!(
        store
            .read(|tx| tx.archived_chart(surviving_archive))
            .unwrap()
            .is_some()
    );
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
    let method = archive::destruction::DEFAULT_METHOD;
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
    // The destroyed charts' own scanned pages went with them; shared ones stayed, and the
    // certificate says which and why.
    for gone in [&only_live, &only_archived].iter().flat_map(|s| &s.files) {
        assert!(!content_file(dir.path(), gone).exists(), "{gone} was left");
    }
    for kept in [&shared_live, &shared_archived]
        .iter()
        .flat_map(|s| &s.files)
    {
        assert!(
            content_file(dir.path(), kept).exists(),
            "{kept} was removed"
        );
    }
    let content = &certificate["content_files"];
    let listed = |key: &str| -> Vec<String> {
        let mut shas: Vec<String> = content[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["sha256"].as_str().unwrap().to_owned())
            .collect();
        shas.sort();
        shas
    };
    let mut expected: Vec<String> = [&only_live, &only_archived]
        .iter()
        .flat_map(|s| s.files.clone())
        .collect();
    expected.sort();
    assert_eq!(listed("destroyed"), expected);
    let mut expected: Vec<String> = [&shared_live, &shared_archived]
        .iter()
        .flat_map(|s| s.files.clone())
        .collect();
    expected.sort();
    assert_eq!(listed("kept"), expected);
    let reasons = content["kept"].to_string();
    assert!(
        reasons.contains("a live record names the same file")
            && reasons.contains("an archived chart names the same file"),
        "{reasons}"
    );

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
