//! Batch and transaction Bundles: urn:uuid references between entries, all or nothing,
//! per-entry answers in a batch.

use crate::fhir_rest::{fhir, patient_json, signed_in};
use crate::harness::Harness;
use axum::http::StatusCode;
use privacy::Role;
use serde_json::{Value, json};

fn encounter(subject: &str) -> Value {
    json!({
        "resourceType": "Encounter",
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "subject": {"reference": subject},
        "period": {"start": "2026-01-02T10:00:00Z"},
    })
}

fn bundle(kind: &str, entries: Vec<Value>) -> Value {
    json!({"resourceType": "Bundle", "type": kind, "entry": entries})
}

#[tokio::test]
async fn a_transaction_resolves_urn_references_and_is_all_or_nothing() {
    let h = Harness::new();
    let me = signed_in(&h, &[Role::HimTechnician, Role::Physician]).await;
    // The encounter comes first and refers to the patient created later in the Bundle.
    let good = bundle(
        "transaction",
        vec![
            json!({"fullUrl": "urn:uuid:e1", "resource": encounter("urn:uuid:p1"), "request": {"method": "POST", "url": "Encounter"}}),
            json!({"fullUrl": "urn:uuid:p1", "resource": patient_json("T1", "Tran", "Sam", "1990-01-01", "male"), "request": {"method": "POST", "url": "Patient"}}),
        ],
    );
    let reply = fhir(&h, "POST", "/fhir", &me, Some(good), &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["type"], "transaction-response");
    let statuses: Vec<&str> = reply.body["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["response"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["201 Created", "201 Created"]);
    assert_eq!(
        reply.body["entry"][1]["response"]["location"],
        "Patient/1/_history/1"
    );
    let enc = fhir(&h, "GET", "/fhir/Encounter/1", &me, None, &[]).await;
    assert_eq!(enc.body["subject"]["reference"], "Patient/1");

    // A bad second entry: nothing of the Bundle is stored.
    let bad = bundle(
        "transaction",
        vec![
            json!({"fullUrl": "urn:uuid:p2", "resource": patient_json("T2", "Tran", "Two", "1990-01-01", "male"), "request": {"method": "POST", "url": "Patient"}}),
            json!({"resource": encounter("urn:uuid:nowhere"), "request": {"method": "POST", "url": "Encounter"}}),
        ],
    );
    let reply = fhir(&h, "POST", "/fhir", &me, Some(bad), &[]).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert_eq!(
        reply.body["issue"][0]["expression"][0],
        "Bundle.entry[1].resource.subject"
    );
    let search = fhir(&h, "GET", "/fhir/Patient?identifier=T2", &me, None, &[]).await;
    assert!(search.body.get("entry").is_none(), "{}", search.body);

    let invalid = bundle(
        "transaction",
        vec![
            json!({"resource": {"resourceType": "Patient", "gender": "x"}, "request": {"method": "POST", "url": "Patient"}}),
        ],
    );
    let reply = fhir(&h, "POST", "/fhir", &me, Some(invalid), &[]).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reply.body["issue"][0]["expression"][0],
        "Bundle.entry[0].resource.gender"
    );
}

#[tokio::test]
async fn a_batch_answers_each_entry() {
    let h = Harness::new();
    let me = signed_in(&h, &[Role::HimTechnician]).await;
    let batch = bundle(
        "batch",
        vec![
            json!({"resource": patient_json("B1", "Batch", "One", "1990-01-01", "male"), "request": {"method": "POST", "url": "Patient"}}),
            json!({"request": {"method": "GET", "url": "Patient/77"}}),
            json!({"request": {"method": "GET", "url": "Patient?identifier=B1"}}),
        ],
    );
    let reply = fhir(&h, "POST", "/fhir", &me, Some(batch), &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["type"], "batch-response");
    let entries = reply.body["entry"].as_array().unwrap();
    assert_eq!(entries[0]["response"]["status"], "201 Created");
    assert_eq!(entries[1]["response"]["status"], "404");
    assert_eq!(entries[1]["resource"]["resourceType"], "OperationOutcome");
    assert_eq!(entries[2]["resource"]["total"], 1);
    let not_bundle = fhir(
        &h,
        "POST",
        "/fhir",
        &me,
        Some(json!({"resourceType": "Patient"})),
        &[],
    )
    .await;
    assert_eq!(not_bundle.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_synthea_patient_bundle_posted_as_a_transaction_is_imported_whole() {
    let h = Harness::new();
    let bundle_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fhir/tests/it/data/synthea-trimmed.json"
    );
    let text = std::fs::read_to_string(bundle_path).unwrap();
    let synthea: Value = serde_json::from_str(&text).unwrap();
    // A physician cannot write demographics: nothing is stored.
    h.add_user("doc", &[Role::Physician]);
    let doc = h.login("doc").await;
    let refused = fhir(&h, "POST", "/fhir", &doc, Some(synthea.clone()), &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let me = signed_in(&h, &[Role::HimTechnician, Role::Physician]).await;
    let reply = fhir(&h, "POST", "/fhir", &me, Some(synthea.clone()), &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["type"], "transaction-response");
    let entries = reply.body["entry"].as_array().unwrap();
    assert_eq!(entries.len(), synthea["entry"].as_array().unwrap().len());
    let statuses: Vec<&str> = entries
        .iter()
        .map(|e| e["response"]["status"].as_str().unwrap())
        .collect();
    assert!(statuses.contains(&"201 Created"));
    // Claim, MedicationRequest and Location are not kept, and say so.
    let skipped: Vec<&Value> = entries
        .iter()
        .filter(|e| e["response"]["outcome"].is_object())
        .collect();
    assert_eq!(skipped.len(), 3, "{}", reply.body);
    let patient = entries
        .iter()
        .filter_map(|e| e["response"]["location"].as_str())
        .find(|l| l.contains("/Patient/"))
        .unwrap()
        .to_owned();
    let read = fhir(
        &h,
        "GET",
        &patient.replace("/_history/1", ""),
        &me,
        None,
        &[],
    )
    .await;
    assert_eq!(read.status, StatusCode::OK, "{patient}: {}", read.body);
    // The same Bundle again stores nothing new.
    let again = fhir(&h, "POST", "/fhir", &me, Some(synthea), &[]).await;
    assert!(
        !again.body.to_string().contains("201 Created"),
        "{}",
        again.body
    );
    let imports = h
        .audit()
        .into_iter()
        .filter(|e| {
            e.event.channel == privacy::Channel::Fhir && e.event.action == privacy::Action::Create
        })
        .count();
    assert_eq!(imports, 2, "each posted Bundle is one audited transaction");
}
