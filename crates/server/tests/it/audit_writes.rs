//! Every write through the JSON API, the web forms and FHIR REST leaves its audit entry
//! holding what changed: a create its values, an update or delete the `record_history` row
//! with its digest, a back-dated observation its clinical time; and `audit verify` names a
//! history row edited afterwards.

use crate::fhir_rest::{fhir, patient_json};
use crate::harness::Harness;
use crate::pages::{page_token, sign_in};
use axum::http::StatusCode;
use privacy::{Action, Channel, Role, Tamper};
use serde_json::json;
use store::WriteNote;

fn writes(entry: &privacy::AuditEntry) -> Vec<WriteNote> {
    serde_json::from_str(entry.event.writes.as_deref().unwrap_or("[]")).unwrap()
}

/// The newest entry on `channel` with writes.
fn last_write(h: &Harness, channel: Channel) -> (privacy::AuditEntry, Vec<WriteNote>) {
    let entry = h
        .audit()
        .into_iter()
        .rev()
        .find(|e| e.event.channel == channel && e.event.writes.is_some())
        .expect("an entry with writes");
    let notes = writes(&entry);
    (entry, notes)
}

#[tokio::test]
async fn each_channel_seals_what_it_wrote_and_verify_names_edited_history() {
    let h = Harness::new();
    h.add_user("fhiruser", &[Role::HimTechnician, Role::Physician]);
    let me = h.login("fhiruser").await;

    // FHIR create, back-dated observation, update, delete.
    let created = fhir(
        &h,
        "POST",
        "/fhir/Patient",
        &me,
        Some(patient_json(
            "AW1",
            "Writer",
            "Wanda",
            "1970-01-02",
            "female",
        )),
        &[],
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id: i64 = created.body["id"].as_str().unwrap().parse().unwrap();
    let (entry, notes) = last_write(&h, Channel::Fhir);
    assert_eq!(entry.event.action, Action::Create);
    assert_eq!(
        (
            notes[0].kind.as_str(),
            notes[0].id,
            notes[0].action.as_str()
        ),
        ("patient", id, "create")
    );
    assert_eq!(notes[0].new.as_ref().unwrap()["family_name"], "Writer");

    let observation = json!({
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": format!("Patient/{id}")},
        "effectiveDateTime": "2025-06-02T10:00:00Z",
        "valueQuantity": {"value": 72, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"},
    });
    let made = fhir(&h, "POST", "/fhir/Observation", &me, Some(observation), &[]).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let (entry, notes) = last_write(&h, Channel::Fhir);
    assert_eq!(notes[0].kind, "observation");
    assert_eq!(
        notes[0].clinical_at.as_deref(),
        Some("2025-06-02T10:00:00Z")
    );
    assert_ne!(
        entry.event.at.date(),
        time::macros::date!(2025 - 06 - 02),
        "the entry's own time is the time of writing"
    );
    // A read of the back-dated observation shows its clinical time beside the entry's.
    let path = format!("/fhir/Observation/{}", made.body["id"].as_str().unwrap());
    let read = fhir(&h, "GET", &path, &me, None, &[]).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    let looked = h.audit().pop().unwrap().event;
    assert_eq!(looked.action, Action::Read);
    assert_eq!(
        looked.reason.as_deref(),
        Some("clinical time 2025-06-02T10:00:00Z")
    );
    let read = fhir(&h, "GET", &format!("{path}/_history/1"), &me, None, &[]).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    assert_eq!(
        h.audit().pop().unwrap().event.reason.as_deref(),
        Some("version 1; clinical time 2025-06-02T10:00:00Z")
    );

    let mut changed = fhir(&h, "GET", &format!("/fhir/Patient/{id}"), &me, None, &[])
        .await
        .body;
    changed["name"][0]["given"] = json!(["Wendy"]);
    let put = fhir(
        &h,
        "PUT",
        &format!("/fhir/Patient/{id}"),
        &me,
        Some(changed),
        &[],
    )
    .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    let (entry, notes) = last_write(&h, Channel::Fhir);
    assert_eq!(entry.event.action, Action::Update);
    let fhir_update = notes[0].clone();
    assert_eq!(
        (fhir_update.action.as_str(), fhir_update.version),
        ("update", 2)
    );
    assert!(fhir_update.history.is_some());

    // The JSON API's demographics correction.
    let api = fhir_update.history.unwrap();
    let done = h
        .call(
            "POST",
            &format!("/api/patients/{id}/demographics"),
            Some(&me),
            Some(json!({"version": 2, "changes": {"phone": "555-0142"}})),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let (_, notes) = last_write(&h, Channel::Api);
    assert_eq!((notes[0].action.as_str(), notes[0].version), ("update", 3));
    assert!(notes[0].history.unwrap() > api);

    // A web form: an observation from the chart.
    let cookie = sign_in(&h, "fhiruser").await;
    let token = page_token(&h, &cookie).await;
    let saved = h
        .form(
            &format!("/patients/{id}/clinical/observations"),
            Some(&cookie),
            &[
                ("token", token.as_str()),
                ("code", "29463-7"),
                ("description", "Body weight"),
                ("category", "vital-signs"),
                ("value_number", "70"),
                ("value_unit", "kg"),
                ("effective_at", "2026-01-10T08:00"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let (_, notes) = last_write(&h, Channel::Web);
    assert_eq!(
        (notes[0].kind.as_str(), notes[0].action.as_str()),
        ("observation", "create")
    );
    assert!(notes[0].clinical_at.is_some());

    let deleted = fhir(
        &h,
        "DELETE",
        &format!("/fhir/Observation/{}", made.body["id"].as_str().unwrap()),
        &me,
        None,
        &[],
    )
    .await;
    assert!(deleted.status.is_success(), "{}", deleted.body);
    let (entry, notes) = last_write(&h, Channel::Fhir);
    assert_eq!(entry.event.action, Action::Delete);
    assert_eq!(notes[0].action, "delete");

    // FHIR's AuditEvent shows each write as an entity with its details.
    let (entry, _) = last_write(&h, Channel::Fhir);
    h.add_user("aud", &[Role::Auditor]);
    let auditor = h.login("aud").await;
    let event = fhir(
        &h,
        "GET",
        &format!("/fhir/AuditEvent/{}", entry.seq),
        &auditor,
        None,
        &[],
    )
    .await;
    assert_eq!(event.status, StatusCode::OK, "{}", event.body);
    let details = event.body["entity"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["detail"].as_array().cloned().unwrap_or_default())
        .map(|d| d["type"].as_str().unwrap().to_owned())
        .collect::<Vec<_>>();
    for expected in ["action", "sha256", "record_history"] {
        assert!(
            details.iter().any(|d| d == expected),
            "{expected} in {}",
            event.body
        );
    }

    assert!(h.trail.verify(&h.store).unwrap().is_ok());
    let row = fhir_update.history.unwrap();
    h.store
        .write(|tx| {
            tx.query(
                &format!("UPDATE record_history SET reason = 'nothing happened' WHERE id = {row}"),
                &[],
            )
            .map(|_| ())
        })
        .unwrap();
    assert!(matches!(
        h.trail.verify(&h.store).unwrap(),
        Err(Tamper::HistoryAltered { history_id, kind, record_id, .. })
            if history_id == row && kind == "patient" && record_id == id
    ));
}

/// The chart review the server runs at start (and every second after) seals the
/// deficiencies it writes into `job` entries naming their patients (issue 10), while a
/// user's write on another thread meanwhile is audited as that user's, not the job's.
#[tokio::test]
async fn the_review_job_seals_the_deficiencies_it_writes() {
    let h = Harness::new();
    let patient = h.add_patient("AWJ1");
    h.add_note(patient, "Unsigned progress note.");
    let rules = review::RuleSet::with_facility_file(
        "[rules.demographics-incomplete]\nenabled = false\n",
        "test",
    )
    .unwrap();
    h.state.keep_review_current(rules).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let (entry, notes) = loop {
        let found = h
            .audit()
            .into_iter()
            .find(|e| e.event.user == "job:review" && e.event.writes.is_some());
        if let Some(entry) = found {
            let notes = writes(&entry);
            break (entry, notes);
        }
        assert!(std::time::Instant::now() < deadline, "{:?}", h.audit());
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(entry.event.channel, Channel::Job);
    assert_eq!(entry.event.patient_id, Some(records::PatientId(patient)));
    let deficiency = notes
        .iter()
        .find(|n| n.action == "create" && n.kind == "deficiency" && n.patient == Some(patient))
        .unwrap_or_else(|| panic!("{notes:?}"));
    // A note written now on another thread (a request handler's) is not sealed as the
    // job's: the job audits only its own thread's writes.
    h.add_note(patient, "A second unsigned note.");
    let leaked = h
        .audit()
        .into_iter()
        .filter(|e| e.event.user == "job:review")
        .flat_map(|e| writes(&e))
        .filter(|n| n.kind == "note")
        .count();
    assert_eq!(leaked, 0);
    // The audit report says what the job's entry wrote: how many of each, then each.
    h.add_user("aud", &[Role::Auditor]);
    let auditor = crate::pages::sign_in(&h, "aud").await;
    let report = h.call("GET", "/audit", Some(&auditor), None).await;
    let report = crate::pages::html(&report);
    assert!(
        report.contains(" written (")
            && report.contains(&format!(
                "create deficiency {} v1 (patient {patient})",
                deficiency.id
            )),
        "{report}"
    );
}
