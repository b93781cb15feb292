//! Reportable-condition cases over HTTP: a visit coded with a trigger code is in the queue
//! once, a cold is not; the case, its status change and its eICR, each audited; billing is
//! refused everything; the /cases pages and the start page show the queue to public health.

use crate::harness::Harness;
use crate::pages::{location, sign_in};
use axum::http::StatusCode;
use privacy::Role;
use records::*;
use serde_json::json;

fn diagnose(h: &Harness, patient: i64, encounter: i64, code: &str) {
    h.store
        .write(|tx| {
            tx.create(
                &store::Actor::new("test"),
                &Diagnosis {
                    patient_id: PatientId(patient),
                    encounter_id: EncounterId(encounter),
                    code: code.into(),
                    rank: DiagnosisRank::FirstListed,
                    sequence: 1,
                    poa: None,
                    description: None,
                    onset_at: None,
                },
            )
        })
        .unwrap();
}

#[tokio::test]
async fn public_health_works_the_case_queue_and_billing_is_refused() {
    let h = Harness::new();
    let measles = h.add_patient("C100");
    let visit = h.add_encounter(measles, EncounterClass::Outpatient, h.now(), None);
    diagnose(&h, measles, visit, "B05.9");
    let cold = h.add_patient("C200");
    let other = h.add_encounter(cold, EncounterClass::Outpatient, h.now(), None);
    diagnose(&h, cold, other, "J06.9");
    h.add_user("ph", &[Role::PublicHealth]);
    h.add_user("bill", &[Role::Billing]);
    let ph = h.login("ph").await;
    let bill = h.login("bill").await;

    // Billing is refused every case route.
    for (method, uri) in [
        ("GET", "/api/cases"),
        ("GET", "/api/cases/1"),
        ("GET", "/api/cases/1/eicr"),
        ("GET", "/cases"),
    ] {
        let refused = h.call(method, uri, Some(&bill), None).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{uri}");
    }
    let refused = h
        .call(
            "POST",
            "/api/cases/1/status",
            Some(&bill),
            Some(json!({"status": "reviewed", "note": "x"})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // One case, for the measles visit only.
    let listed = h.call("GET", "/api/cases", Some(&ph), None).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let cases = listed.body["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 1, "{}", listed.body);
    assert_eq!(cases[0]["condition"], "measles");
    assert_eq!(cases[0]["mrn"], "C100");
    assert_eq!(cases[0]["status"], "new");
    let id = cases[0]["id"].as_i64().unwrap();
    let again = h.call("GET", "/api/cases", Some(&ph), None).await;
    assert_eq!(again.body["cases"].as_array().unwrap().len(), 1);

    // Bad input is named; reported is refused (sending reports).
    let bad = h
        .call("GET", "/api/cases?status=closed", Some(&ph), None)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reported = h
        .call(
            "POST",
            &format!("/api/cases/{id}/status"),
            Some(&ph),
            Some(json!({"status": "reported"})),
        )
        .await;
    assert_eq!(reported.status, StatusCode::UNPROCESSABLE_ENTITY);
    let no_reason = h
        .call(
            "POST",
            &format!("/api/cases/{id}/status"),
            Some(&ph),
            Some(json!({"status": "not_reportable"})),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_reason.body["field"], "note");
    let missing = h.call("GET", "/api/cases/999", Some(&ph), None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    let marked = h
        .call(
            "POST",
            &format!("/api/cases/{id}/status"),
            Some(&ph),
            Some(json!({"status": "reviewed", "note": "rash and fever, IgM sent"})),
        )
        .await;
    assert_eq!(marked.status, StatusCode::OK, "{}", marked.body);
    assert_eq!(marked.body["case"]["status"], "reviewed");
    assert_eq!(marked.body["case"]["worked_by"], "user:ph");

    // The eICR: a document Bundle of this patient.
    let eicr = h
        .call("GET", &format!("/api/cases/{id}/eicr"), Some(&ph), None)
        .await;
    assert_eq!(eicr.status, StatusCode::OK, "{}", eicr.body);
    assert_eq!(eicr.body["type"], "document");
    assert_eq!(
        eicr.body["entry"][0]["resource"]["resourceType"],
        "Composition"
    );
    assert!(!eicr.body.to_string().contains("C200"));
    crate::fhir_schema::keep("case-eicr", &eicr);

    // Every look and change is audited under the patient.
    let entries = h.audit();
    let about = |action: privacy::Action| {
        entries
            .iter()
            .filter(|e| {
                e.event.action == action
                    && (e.event.patient_id == Some(PatientId(measles))
                        || e.event.patients.contains(&PatientId(measles)))
            })
            .count()
    };
    assert!(about(privacy::Action::Read) >= 2);
    assert_eq!(about(privacy::Action::Update), 1);
    assert_eq!(about(privacy::Action::Export), 1);
    assert!(
        entries
            .iter()
            .any(|e| e.event.user == "bill" && e.event.outcome == privacy::Outcome::Denied)
    );
}

#[tokio::test]
async fn the_case_pages_show_the_queue_and_mark_a_case() {
    let h = Harness::new();
    let patient = h.add_patient("C300");
    let visit = h.add_encounter(patient, EncounterClass::Outpatient, h.now(), None);
    diagnose(&h, patient, visit, "A37.90");
    h.add_user("ph", &[Role::PublicHealth]);
    let cookie = sign_in(&h, "ph").await;
    let start = h.call("GET", "/", Some(&cookie), None).await;
    let text = start.body.as_str().unwrap_or_default();
    assert!(text.contains("New reportable-condition cases"), "{text}");
    assert!(
        text.contains("Pertussis") && text.contains("C300"),
        "{text}"
    );
    let queue = h.call("GET", "/cases", Some(&cookie), None).await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue.body.as_str().unwrap().contains("Pertussis"));
    let case = h.call("GET", "/cases/1", Some(&cookie), None).await;
    assert_eq!(case.status, StatusCode::OK);
    let page = case.body.as_str().unwrap();
    assert!(page.contains("icd10cm A37.90"), "{page}");
    let token = page
        .split("name=\"token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let posted = h
        .form(
            "/cases/1/status",
            Some(&cookie),
            &[
                ("token", &token),
                ("status", "not_reportable"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(posted.status, StatusCode::UNPROCESSABLE_ENTITY);
    let posted = h
        .form(
            "/cases/1/status",
            Some(&cookie),
            &[
                ("token", &token),
                ("status", "not_reportable"),
                ("note", "ruled out by PCR"),
            ],
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    assert_eq!(location(&posted), "/cases/1");
    let after = h.call("GET", "/cases/1", Some(&cookie), None).await;
    assert!(after.body.as_str().unwrap().contains("Not reportable"));
    let file = h.call("GET", "/cases/1/eicr", Some(&cookie), None).await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(
        file.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("eicr-case-1.json")
    );
}
