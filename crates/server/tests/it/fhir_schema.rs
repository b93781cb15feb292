//! What the FHIR API answers, kept for the official R4 JSON schema: when
//! `CHARTROOM_FHIR_SAMPLES` names a directory, every response body of a walk through the
//! interactions (capability statement, reads, searchsets with includes, history, an
//! OperationOutcome, a transaction-response, AuditEvents) is written there, and `test.sh`
//! validates the directory with the external schema validator.

use crate::fhir_rest::{fhir, patient_json, signed_in};
use crate::harness::{Harness, Reply};
use axum::http::StatusCode;
use privacy::Role;
use serde_json::json;

pub(crate) fn keep(name: &str, reply: &Reply) {
    assert!(
        reply.body["resourceType"].is_string(),
        "{name}: {}",
        reply.body
    );
    if let Some(dir) = std::env::var_os("CHARTROOM_FHIR_SAMPLES") {
        std::fs::create_dir_all(&dir).unwrap();
        let path = std::path::Path::new(&dir).join(format!("api-{name}.json"));
        std::fs::write(path, reply.body.to_string()).unwrap();
    }
}

#[tokio::test]
async fn every_kind_of_api_answer_is_kept_for_the_schema_check() {
    let h = Harness::new();
    let me = signed_in(&h, &[Role::HimTechnician, Role::Physician]).await;
    let metadata = h.call("GET", "/fhir/metadata", None, None).await;
    keep("metadata", &metadata);
    let created = fhir(
        &h,
        "POST",
        "/fhir/Patient",
        &me,
        Some(patient_json("S100", "Schema", "Sam", "1975-06-01", "male")),
        &[("prefer", "return=representation")],
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    keep("patient-created", &created);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let encounter = json!({
        "resourceType": "Encounter",
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "subject": {"reference": format!("Patient/{id}")},
        "period": {"start": "2026-02-10T09:00:00Z", "end": "2026-02-10T09:30:00Z"},
    });
    let made = fhir(&h, "POST", "/fhir/Encounter", &me, Some(encounter), &[]).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let updated = fhir(
        &h,
        "PUT",
        &format!("/fhir/Patient/{id}"),
        &me,
        Some({
            let mut p = patient_json("S100", "Schema-Smith", "Sam", "1975-06-01", "male");
            p["id"] = json!(id);
            p
        }),
        &[],
    )
    .await;
    assert!(updated.status.is_success(), "{}", updated.body);
    for (name, uri) in [
        ("patient-read", format!("/fhir/Patient/{id}")),
        ("patient-vread", format!("/fhir/Patient/{id}/_history/1")),
        ("patient-history", format!("/fhir/Patient/{id}/_history")),
        (
            "patient-search",
            "/fhir/Patient?family=schema&_revinclude=Encounter:patient&_total=accurate".to_owned(),
        ),
        (
            "encounter-search",
            format!("/fhir/Encounter?patient=Patient/{id}&_include=Encounter:patient"),
        ),
        (
            "patient-search-unknown-parameter",
            "/fhir/Patient?colour=blue".to_owned(),
        ),
        ("not-found", "/fhir/Patient/999999".to_owned()),
    ] {
        let reply = fhir(&h, "GET", &uri, &me, None, &[]).await;
        keep(name, &reply);
    }
    let invalid = fhir(
        &h,
        "POST",
        "/fhir/Patient",
        &me,
        Some(json!({"resourceType": "Patient", "gender": "sometimes", "birthDate": "1975-13-01"})),
        &[],
    )
    .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    keep("invalid-outcome", &invalid);
    let transaction = json!({
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:4d2b1a52-7c1e-4f7e-9d4f-0a4b1e2f3c5d",
                "resource": patient_json("S200", "Bundled", "Bea", "1990-01-02", "female"),
                "request": {"method": "POST", "url": "Patient"}
            },
            {
                "resource": {
                    "resourceType": "Encounter",
                    "status": "finished",
                    "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
                    "subject": {"reference": "urn:uuid:4d2b1a52-7c1e-4f7e-9d4f-0a4b1e2f3c5d"},
                    "period": {"start": "2026-03-01T10:00:00Z", "end": "2026-03-01T10:20:00Z"}
                },
                "request": {"method": "POST", "url": "Encounter"}
            }
        ]
    });
    let response = fhir(&h, "POST", "/fhir", &me, Some(transaction), &[]).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    keep("transaction-response", &response);
    let synthea: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fhir/tests/it/data/synthea-trimmed.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let imported = fhir(&h, "POST", "/fhir", &me, Some(synthea), &[]).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    keep("synthea-transaction-response", &imported);
    // A roster and a Group-level export of it.
    let group = fhir(
        &h,
        "POST",
        "/fhir/Group",
        &me,
        Some(crate::fhir_group::group_json(
            "Schema panel",
            &[id.parse().unwrap()],
        )),
        &[],
    )
    .await;
    assert_eq!(group.status, StatusCode::CREATED, "{}", group.body);
    let location = group.headers["location"].to_str().unwrap().to_owned();
    let group_id = location.split('/').nth(5).unwrap().to_owned();
    let read = fhir(
        &h,
        "GET",
        &format!("/fhir/Group/{group_id}"),
        &me,
        None,
        &[],
    )
    .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    keep("group-read", &read);
    let status =
        crate::fhir_export::kick_off(&h, &me, &format!("/fhir/Group/{group_id}/$export")).await;
    let manifest = crate::fhir_export::finished(&h, &me, &status).await;
    let files = crate::fhir_export::download_all_as(&h, &me, &manifest, "api-group-export").await;
    assert!(files.iter().any(|(t, _)| t == "Patient"), "{manifest}");
    h.add_user("aud", &[Role::Auditor]);
    let auditor = h.login("aud").await;
    let events = fhir(
        &h,
        "GET",
        &format!("/fhir/AuditEvent?patient=Patient/{id}"),
        &auditor,
        None,
        &[],
    )
    .await;
    assert_eq!(events.status, StatusCode::OK, "{}", events.body);
    keep("auditevent-search", &events);
}
