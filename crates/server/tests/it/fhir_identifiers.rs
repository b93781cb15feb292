//! Patient identifiers as an outside system sends them: kept exactly, found by
//! `system|value`, `|value` and `value`, so conditional creates never duplicate a
//! patient; patients without a usable MRN get one (or are refused, by setting).

use crate::fhir_rest::{fhir, signed_in};
use crate::harness::{Harness, Reply};
use axum::http::StatusCode;
use privacy::Role;
use serde_json::{Value, json};

const OID: &str = "urn:oid:2.16.840.1.113883.19.5";

fn patient_with(identifiers: Value) -> Value {
    json!({
        "resourceType": "Patient",
        "identifier": identifiers,
        "name": [{"use": "official", "family": "Single", "given": ["Pat"]}],
        "gender": "female",
        "birthDate": "1970-02-03",
    })
}

async fn post(h: &Harness, me: &str, identifiers: Value) -> Reply {
    let body = patient_with(identifiers);
    fhir(h, "POST", "/fhir/Patient", me, Some(body), &[]).await
}

fn ssn(value: &str) -> Value {
    json!([{"system": "http://hl7.org/fhir/sid/us-ssn", "value": value}])
}

fn mr(system: &str, value: &str) -> Value {
    json!({
        "use": "usual",
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]},
        "system": system,
        "value": value,
    })
}

/// The ids of a searchset's matches, in order.
pub(crate) fn ids(reply: &Reply) -> Vec<String> {
    reply.body["entry"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter(|e| e["search"]["mode"] == "match")
                .map(|e| e["resource"]["id"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn pairs(resource: &Value) -> Vec<(String, String)> {
    resource["identifier"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["system"].as_str().unwrap_or("").to_owned(),
                i["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn identifiers_read_back_and_search_exactly_as_sent() {
    let h = Harness::new();
    let me = signed_in(&h, &[Role::HimTechnician]).await;
    let sent = json!([
        mr(OID, "Psingle0000014"),
        {"system": "http://hl7.org/fhir/sid/us-ssn", "value": "999-12-3456",
         "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "SS"}]}},
        {"value": "loose-42"},
    ]);
    let created = post(&h, &me, sent).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let read = fhir(&h, "GET", &format!("/fhir/Patient/{id}"), &me, None, &[]).await;
    assert_eq!(
        pairs(&read.body),
        [
            (OID.to_owned(), "Psingle0000014".to_owned()),
            (
                "http://hl7.org/fhir/sid/us-ssn".to_owned(),
                "999-12-3456".to_owned()
            ),
            (String::new(), "loose-42".to_owned()),
        ],
        "every identifier comes back with its system and value as sent"
    );
    assert_eq!(
        read.body["identifier"][0]["type"]["coding"][0]["code"],
        "MR"
    );

    for query in [
        format!("identifier={OID}|Psingle0000014"),
        "identifier=Psingle0000014".to_owned(),
        "identifier=http://hl7.org/fhir/sid/us-ssn|999-12-3456".to_owned(),
        "identifier=|loose-42".to_owned(),
        "identifier=loose-42".to_owned(),
    ] {
        let found = fhir(&h, "GET", &format!("/fhir/Patient?{query}"), &me, None, &[]).await;
        assert_eq!(ids(&found), std::slice::from_ref(&id), "{query}");
    }
    for query in [
        "identifier=|Psingle0000014",
        "identifier=urn:other|Psingle0000014",
        "identifier=http://hl7.org/fhir/sid/us-ssn|999-12-3457",
    ] {
        let found = fhir(&h, "GET", &format!("/fhir/Patient?{query}"), &me, None, &[]).await;
        assert!(ids(&found).is_empty(), "{query}");
    }

    // The outside system's conditional create finds the patient it sent before.
    let again = fhir(
        &h,
        "POST",
        "/fhir/Patient",
        &me,
        Some(patient_with(json!([mr(OID, "Psingle0000014")]))),
        &[("if-none-exist", &format!("identifier={OID}|Psingle0000014"))],
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.body["id"], id.as_str());
    let all = fhir(&h, "GET", "/fhir/Patient?family=Single", &me, None, &[]).await;
    assert_eq!(ids(&all).len(), 1, "no duplicate patient");
}

#[tokio::test]
async fn a_patient_without_an_mrn_is_given_one_and_keeps_what_it_had() {
    let h = Harness::new();
    let me = signed_in(&h, &[Role::HimTechnician]).await;
    let ssn_only = ssn("999-55-0001");
    let created = post(&h, &me, ssn_only).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let got = pairs(&created.body);
    assert_eq!(
        got,
        [
            (
                "urn:chartroom:mrn:CHARTROOM".to_owned(),
                "M00000001".to_owned()
            ),
            (
                "http://hl7.org/fhir/sid/us-ssn".to_owned(),
                "999-55-0001".to_owned()
            ),
        ],
        "the assigned MRN is returned beside the identifier sent"
    );

    // An update that leaves the MRN out keeps the one on file.
    let id = created.body["id"].as_str().unwrap();
    let mut changed = patient_with(ssn("999-55-0001"));
    changed["id"] = json!(id);
    changed["gender"] = json!("male");
    let updated = fhir(
        &h,
        "PUT",
        &format!("/fhir/Patient/{id}"),
        &me,
        Some(changed),
        &[],
    )
    .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert_eq!(pairs(&updated.body)[0].1, "M00000001");

    // Another system's MR in a form Chartroom's MRNs cannot take is kept as an identifier.
    let odd = json!([mr(OID, "12.345/6")]);
    let second = post(&h, &me, odd).await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.body);
    assert_eq!(
        pairs(&second.body),
        [
            (
                "urn:chartroom:mrn:CHARTROOM".to_owned(),
                "M00000002".to_owned()
            ),
            (OID.to_owned(), "12.345/6".to_owned()),
        ]
    );
}

#[tokio::test]
async fn a_site_may_refuse_patients_without_an_mrn() {
    let h = Harness::configured(|config| config.assign_mrn = false);
    let me = signed_in(&h, &[Role::HimTechnician]).await;
    let ssn_only = ssn("999-55-0001");
    let refused = post(&h, &me, ssn_only).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(
        refused.body["issue"][0]["expression"][0],
        "Patient.identifier"
    );
    let with_mrn = json!([mr(OID, "P1")]);
    let created = post(&h, &me, with_mrn).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
}
