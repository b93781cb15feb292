//! The patient index over FHIR: `Patient/$match` with scores and match grades, and
//! `Patient.link` on merged charts (the retired one inactive and replaced-by the survivor,
//! not gone).

use crate::fhir_rest::{fhir, signed_in};
use crate::harness::Harness;
use crate::registration::{id_of_mrn, trained_index};
use axum::http::StatusCode;
use privacy::{Action, AuditEvent, Channel, Role};
use serde_json::{Value, json};

fn parameters(patient: Value, extra: &[Value]) -> Value {
    let mut parameter = vec![json!({ "name": "resource", "resource": patient })];
    parameter.extend_from_slice(extra);
    json!({ "resourceType": "Parameters", "parameter": parameter })
}

#[tokio::test]
async fn match_scores_the_patients_on_file_with_grades() {
    let h = Harness::new();
    let on_file = trained_index(&h);
    let original = &on_file[30];
    let original_id = id_of_mrn(&h, original.mrn.as_str());
    let cookie = signed_in(&h, &[Role::FrontDesk]).await;
    let sent = json!({
        "resourceType": "Patient",
        "name": [{ "family": original.family_name, "given": [original.given_name] }],
        "gender": serde_json::to_value(original.sex).unwrap(),
        "birthDate": original.birth_date.to_string(),
        "telecom": original.phone.iter().map(|p| json!({ "system": "phone", "value": p })).collect::<Vec<_>>(),
    });
    let reply = fhir(
        &h,
        "POST",
        "/fhir/Patient/$match",
        &cookie,
        Some(parameters(sent.clone(), &[])),
        &[],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["type"], "searchset");
    let entries = reply.body["entry"].as_array().unwrap();
    let hit = entries
        .iter()
        .find(|e| e["resource"]["id"].as_str() == Some(original_id.to_string().as_str()))
        .unwrap_or_else(|| panic!("the original is matched: {}", reply.body));
    assert_eq!(hit["search"]["mode"], "match");
    assert!(hit["search"]["score"].as_f64().unwrap() > 0.9, "{hit}");
    assert_eq!(
        hit["search"]["extension"][0]["url"],
        "http://hl7.org/fhir/StructureDefinition/match-grade"
    );
    assert!(
        ["certain", "probable"]
            .contains(&hit["search"]["extension"][0]["valueCode"].as_str().unwrap()),
        "{hit}"
    );
    let scores: Vec<f64> = entries
        .iter()
        .map(|e| e["search"]["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    let audit = h.audit().pop().unwrap();
    assert_eq!(audit.event.channel, Channel::Fhir);
    assert!(
        audit.event.patients.iter().any(|p| p.0 == original_id)
            || audit.event.patient_id.map(|p| p.0) == Some(original_id)
    );

    let certain = fhir(
        &h,
        "POST",
        "/fhir/Patient/$match",
        &cookie,
        Some(parameters(
            sent.clone(),
            &[
                json!({ "name": "onlyCertainMatches", "valueBoolean": true }),
                json!({ "name": "count", "valueInteger": 1 }),
            ],
        )),
        &[],
    )
    .await;
    assert_eq!(certain.status, StatusCode::OK, "{}", certain.body);
    for entry in certain.body["entry"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        assert_eq!(entry["search"]["extension"][0]["valueCode"], "certain");
    }
    assert!(certain.body["entry"].as_array().map_or(0, Vec::len) <= 1);

    let not_patient = fhir(
        &h,
        "POST",
        "/fhir/Patient/$match",
        &cookie,
        Some(json!({ "resourceType": "Parameters", "parameter": [] })),
        &[],
    )
    .await;
    assert_eq!(
        not_patient.status,
        StatusCode::BAD_REQUEST,
        "{}",
        not_patient.body
    );

    let metadata = h.call("GET", "/fhir/metadata", None, None).await;
    let patient = metadata.body["rest"][0]["resource"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "Patient")
        .unwrap()
        .clone();
    assert!(
        patient["operation"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["name"] == "match"
                && o["definition"] == "http://hl7.org/fhir/OperationDefinition/Patient-match"),
        "{patient}"
    );
}

#[tokio::test]
async fn a_merged_patient_reads_inactive_with_links_both_ways() {
    let h = Harness::new();
    let surviving = h.add_patient("KEEP1");
    let retired = h.add_patient("GONE1");
    h.trail
        .write(&h.store, |a| {
            a.merge_patients(
                surviving,
                retired,
                "same person",
                &store::Actor::new("user:hana"),
                AuditEvent::new(h.now(), "hana", Action::Update, Channel::Cli),
            )
        })
        .unwrap();
    let cookie = signed_in(&h, &[Role::FrontDesk]).await;
    let gone = fhir(
        &h,
        "GET",
        &format!("/fhir/Patient/{retired}"),
        &cookie,
        None,
        &[],
    )
    .await;
    assert_eq!(gone.status, StatusCode::OK, "{}", gone.body);
    assert_eq!(gone.body["active"], false);
    assert_eq!(
        gone.body["link"],
        json!([{ "other": { "reference": format!("Patient/{surviving}") }, "type": "replaced-by" }])
    );
    let kept = fhir(
        &h,
        "GET",
        &format!("/fhir/Patient/{surviving}"),
        &cookie,
        None,
        &[],
    )
    .await;
    assert_eq!(kept.status, StatusCode::OK, "{}", kept.body);
    assert_eq!(
        kept.body["link"],
        json!([{ "other": { "reference": format!("Patient/{retired}") }, "type": "replaces" }])
    );
    assert!(kept.body.get("active").is_none_or(|a| a != false));
}
