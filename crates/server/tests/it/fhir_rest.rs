//! The FHIR REST API: capability statement, versions (ETag, If-Match, vread, history),
//! validation with FHIRPath expressions, conditional create, soft delete, permissions per
//! record kind, and one audit entry on the `fhir` channel per request.

use crate::harness::{Harness, Reply};
use axum::http::StatusCode;
use privacy::{Action, Channel, Role};
use serde_json::{Value, json};

pub fn patient_json(mrn: &str, family: &str, given: &str, birth: &str, gender: &str) -> Value {
    json!({
        "resourceType": "Patient",
        "identifier": [{"system": "urn:chartroom:mrn:MAIN", "value": mrn}],
        "name": [{"use": "official", "family": family, "given": [given]}],
        "gender": gender,
        "birthDate": birth,
    })
}

pub async fn fhir(
    h: &Harness,
    method: &str,
    uri: &str,
    cookie: &str,
    body: Option<Value>,
    extra: &[(&str, &str)],
) -> Reply {
    let mut headers = vec![("cookie", cookie)];
    headers.extend_from_slice(extra);
    match body {
        Some(body) => {
            headers.push(("content-type", "application/fhir+json"));
            h.send_raw(method, uri, &headers, &body.to_string()).await
        }
        None => h.send_raw(method, uri, &headers, "").await,
    }
}

pub async fn signed_in(h: &Harness, roles: &[Role]) -> String {
    h.add_user("fhiruser", roles);
    h.login("fhiruser").await
}

fn expressions(reply: &Reply) -> Vec<String> {
    reply.body["issue"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["expression"].as_array().cloned().unwrap_or_default())
        .map(|e| e.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_capability_statement_is_public_fhir_json() {
    let h = Harness::new();
    let reply = h.call("GET", "/fhir/metadata", None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.headers["content-type"],
        "application/fhir+json; charset=utf-8"
    );
    assert_eq!(reply.body["resourceType"], "CapabilityStatement");
    assert_eq!(reply.body["fhirVersion"], "4.0.1");
}

#[tokio::test]
async fn create_read_update_vread_history_and_delete_with_versions() {
    let h = Harness::new();
    let me = signed_in(&h, &[Role::HimTechnician]).await;
    let created = fhir(
        &h,
        "POST",
        "/fhir/Patient",
        &me,
        Some(patient_json(
            "V100",
            "Müller",
            "Anna",
            "1980-04-12",
            "female",
        )),
        &[],
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.headers["etag"], "W/\"1\"");
    let location = created.headers["location"].to_str().unwrap();
    assert!(
        location.ends_with(&format!("/fhir/Patient/{id}/_history/1")),
        "{location}"
    );
    assert_eq!(created.body["meta"]["versionId"], "1");

    let read = fhir(&h, "GET", &format!("/fhir/Patient/{id}"), &me, None, &[]).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.headers["etag"], "W/\"1\"");
    assert!(
        read.headers["last-modified"]
            .to_str()
            .unwrap()
            .ends_with("GMT")
    );
    assert_eq!(read.headers["cache-control"], "no-store");
    assert_eq!(read.body["name"][0]["family"], "Müller");

    let mut changed = read.body.clone();
    changed["name"][0]["family"] = json!("Miller");
    let stale = fhir(
        &h,
        "PUT",
        &format!("/fhir/Patient/{id}"),
        &me,
        Some(changed.clone()),
        &[("if-match", "W/\"7\"")],
    )
    .await;
    assert_eq!(
        stale.status,
        StatusCode::PRECONDITION_FAILED,
        "{}",
        stale.body
    );
    assert_eq!(stale.body["resourceType"], "OperationOutcome");
    h.clock.advance(time::Duration::seconds(5));
    let updated = fhir(
        &h,
        "PUT",
        &format!("/fhir/Patient/{id}"),
        &me,
        Some(changed),
        &[("if-match", "W/\"1\""), ("prefer", "return=minimal")],
    )
    .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert_eq!(updated.headers["etag"], "W/\"2\"");
    assert_eq!(updated.body, Value::String(String::new()));

    let v1 = fhir(
        &h,
        "GET",
        &format!("/fhir/Patient/{id}/_history/1"),
        &me,
        None,
        &[],
    )
    .await;
    assert_eq!(v1.status, StatusCode::OK);
    assert_eq!(v1.body["name"][0]["family"], "Müller");
    assert_eq!(v1.body["meta"]["versionId"], "1");
    let v2 = fhir(
        &h,
        "GET",
        &format!("/fhir/Patient/{id}/_history/2"),
        &me,
        None,
        &[],
    )
    .await;
    assert_eq!(v2.body["name"][0]["family"], "Miller");
    let v9 = fhir(
        &h,
        "GET",
        &format!("/fhir/Patient/{id}/_history/9"),
        &me,
        None,
        &[],
    )
    .await;
    assert_eq!(v9.status, StatusCode::NOT_FOUND);

    let deleted = fhir(
        &h,
        "DELETE",
        &format!("/fhir/Patient/{id}"),
        &me,
        None,
        &[("if-match", "W/\"2\"")],
    )
    .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    let gone = fhir(&h, "GET", &format!("/fhir/Patient/{id}"), &me, None, &[]).await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert_eq!(gone.body["resourceType"], "OperationOutcome");
    let again = fhir(&h, "DELETE", &format!("/fhir/Patient/{id}"), &me, None, &[]).await;
    assert_eq!(again.status, StatusCode::NO_CONTENT);

    let history = fhir(
        &h,
        "GET",
        &format!("/fhir/Patient/{id}/_history"),
        &me,
        None,
        &[],
    )
    .await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.body);
    assert_eq!(history.body["type"], "history");
    let methods: Vec<&str> = history.body["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["request"]["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["DELETE", "PUT", "POST"]);

    let missing = fhir(&h, "GET", "/fhir/Patient/999", &me, None, &[]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["issue"][0]["code"], "not-found");

    // One audit entry per request, on the FHIR channel, naming the patient.
    let reads: Vec<_> = h
        .audit()
        .into_iter()
        .filter(|e| e.event.channel == Channel::Fhir && e.event.action == Action::Read)
        .collect();
    assert!(
        reads
            .iter()
            .all(|e| e.event.patient_id.map(|p| p.0.to_string()) == Some(id.clone()))
    );
    assert_eq!(reads.len(), 4, "read, vread 1, vread 2, history");
}

#[tokio::test]
async fn invalid_resources_get_every_issue_with_its_expression() {
    let h = Harness::new();
    let me = signed_in(&h, &[Role::HimTechnician, Role::Physician]).await;
    let bad = json!({
        "resourceType": "Patient",
        "identifier": [{"system": "urn:chartroom:mrn:MAIN", "value": "X1"}],
        "name": [{"family": "Doe", "given": ["Jo"]}],
        "gender": "femal",
        "birthDate": "1980-02-30",
        "colour": "blue",
    });
    let reply = fhir(&h, "POST", "/fhir/Patient", &me, Some(bad), &[]).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    let found = expressions(&reply);
    for expected in ["Patient.gender", "Patient.birthDate", "Patient.colour"] {
        assert!(
            found.iter().any(|e| e == expected),
            "{expected} in {found:?}"
        );
    }
    let not_json = h
        .send_raw(
            "POST",
            "/fhir/Patient",
            &[("cookie", &me), ("content-type", "application/fhir+json")],
            "{",
        )
        .await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
    assert_eq!(not_json.body["resourceType"], "OperationOutcome");
    let dangling = json!({
        "resourceType": "Encounter",
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "subject": {"reference": "Patient/4242"},
        "period": {"start": "2026-01-02T10:00:00Z"},
    });
    let reply = fhir(&h, "POST", "/fhir/Encounter", &me, Some(dangling), &[]).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert_eq!(expressions(&reply), ["Encounter.subject"]);
    let wrong_type = fhir(
        &h,
        "POST",
        "/fhir/Patient",
        &me,
        Some(json!({"resourceType": "Encounter"})),
        &[],
    )
    .await;
    assert_eq!(wrong_type.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn conditional_create_and_permissions_per_record_kind() {
    let h = Harness::new();
    let me = signed_in(&h, &[Role::HimTechnician]).await;
    let body = patient_json("C100", "Cole", "Ann", "1970-01-01", "female");
    let first = fhir(
        &h,
        "POST",
        "/fhir/Patient",
        &me,
        Some(body.clone()),
        &[("if-none-exist", "identifier=urn:chartroom:mrn:MAIN|C100")],
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let second = fhir(
        &h,
        "POST",
        "/fhir/Patient",
        &me,
        Some(body),
        &[("if-none-exist", "identifier=urn:chartroom:mrn:MAIN|C100")],
    )
    .await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    assert_eq!(second.body["id"], first.body["id"]);
    // HIM may read but not write clinical data.
    let id = first.body["id"].as_str().unwrap();
    let observation = json!({
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": format!("Patient/{id}")},
        "effectiveDateTime": "2026-01-02T10:00:00Z",
        "valueQuantity": {"value": 72.50, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"},
    });
    let refused = fhir(&h, "POST", "/fhir/Observation", &me, Some(observation), &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.body["resourceType"], "OperationOutcome");
    let billing = {
        h.add_user("bo", &[Role::Billing]);
        h.login("bo").await
    };
    let refused = fhir(
        &h,
        "GET",
        "/fhir/Observation?patient=1",
        &billing,
        None,
        &[],
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

fn outcome(reply: &Reply, status: StatusCode) -> String {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(
        reply.headers["content-type"], "application/fhir+json; charset=utf-8",
        "{status}"
    );
    assert_eq!(reply.body["resourceType"], "OperationOutcome", "{status}");
    reply.body["issue"][0]["diagnostics"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn every_error_under_fhir_is_an_operation_outcome() {
    let h = Harness::new();
    let me = signed_in(&h, &[Role::HimTechnician]).await;
    let body = patient_json("E1", "Stray", "Ann", "1990-01-01", "female");

    let unknown_type = fhir(&h, "POST", "/fhir/Patientt", &me, Some(body.clone()), &[]).await;
    let said = outcome(&unknown_type, StatusCode::NOT_FOUND);
    assert!(
        said.starts_with("Patientt is not a resource type this server supports"),
        "{said}"
    );
    let anonymous = h.send_raw("GET", "/fhir/Patientt", &[], "").await;
    outcome(&anonymous, StatusCode::NOT_FOUND);
    let unknown_route = fhir(&h, "GET", "/fhir/Patient/1/nothing/here", &me, None, &[]).await;
    outcome(&unknown_route, StatusCode::NOT_FOUND);

    let wrong_method = fhir(&h, "DELETE", "/fhir/metadata", &me, None, &[]).await;
    let said = outcome(&wrong_method, StatusCode::METHOD_NOT_ALLOWED);
    assert!(said.contains("DELETE is not allowed"), "{said}");
    assert!(
        wrong_method.headers["allow"]
            .to_str()
            .unwrap()
            .contains("GET")
    );
    let patch = fhir(&h, "PATCH", "/fhir/Patient/1", &me, Some(body.clone()), &[]).await;
    outcome(&patch, StatusCode::METHOD_NOT_ALLOWED);

    let xml = h
        .send_raw(
            "POST",
            "/fhir/Patient",
            &[
                ("cookie", me.as_str()),
                ("content-type", "application/fhir+xml"),
            ],
            "<Patient/>",
        )
        .await;
    outcome(&xml, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let huge = format!(
        "{{\"resourceType\":\"Patient\",\"x\":\"{}\"}}",
        "a".repeat(65 << 20)
    );
    let too_large = h
        .send_raw(
            "POST",
            "/fhir/Patient",
            &[
                ("cookie", me.as_str()),
                ("content-type", "application/fhir+json"),
            ],
            &huge,
        )
        .await;
    outcome(&too_large, StatusCode::PAYLOAD_TOO_LARGE);

    // Outside /fhir the other surfaces keep their own forms.
    let api = h.send_raw("GET", "/api/nothing", &[], "").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(api.body.get("resourceType").is_none());
}

#[tokio::test]
async fn a_broken_invariant_is_refused_naming_its_key_and_expression() {
    let h = Harness::new();
    let me = signed_in(&h, &[Role::HimTechnician]).await;
    let mut body = patient_json("INV1", "Quill", "Ada", "1980-04-12", "female");
    body["contact"] = json!([{"relationship": [{"text": "sister"}]}]);
    let refused = fhir(&h, "POST", "/fhir/Patient", &me, Some(body), &[]).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(expressions(&refused), ["Patient.contact[0]"]);
    let issue = &refused.body["issue"][0];
    assert_eq!(issue["code"], "invariant");
    let said = issue["diagnostics"].as_str().unwrap();
    assert!(said.starts_with("pat-1: "), "{said}");
    assert!(said.contains("name.exists() or telecom.exists()"), "{said}");
    let none = fhir(&h, "GET", "/fhir/Patient?identifier=INV1", &me, None, &[]).await;
    assert_eq!(
        none.body["total"],
        json!(0),
        "nothing stored: {}",
        none.body
    );
}

/// A refused FHIR write is audited as what it tried to do (delete, update), on the fhir
/// channel, naming the patient it aimed at (issue 10).
#[tokio::test]
async fn a_refused_fhir_write_is_audited_with_its_real_action() {
    let h = crate::harness::Harness::new();
    let id = h.add_patient("FR1");
    h.add_user("bo", &[privacy::Role::Billing]);
    let bo = h.login("bo").await;
    let path = format!("/fhir/Patient/{id}");
    let refused = h.call("DELETE", &path, Some(&bo), None).await;
    assert_eq!(refused.status, axum::http::StatusCode::FORBIDDEN);
    let entry = h.audit().into_iter().last().unwrap().event;
    assert_eq!(
        (entry.action, entry.outcome, entry.channel, entry.patient_id),
        (
            privacy::Action::Delete,
            privacy::Outcome::Denied,
            privacy::Channel::Fhir,
            Some(records::PatientId(id))
        )
    );
    // An update of an Observation names the observation and the patient whose it is; a
    // create names the patient its subject refers to.
    let observation = h
        .store
        .write(|tx| {
            tx.create(
                &store::Actor::new("test"),
                &records::Observation {
                    patient_id: records::PatientId(id),
                    encounter_id: None,
                    code: "8867-4".into(),
                    description: Some("Heart rate".into()),
                    category: Some("vital-signs".into()),
                    value: records::ObservationValue::Quantity {
                        value_number: 72.0,
                        value_unit: Some("/min".into()),
                    },
                    effective_at: h.now(),
                },
            )
        })
        .unwrap()
        .meta
        .id;
    let body = json!({
        "resourceType": "Observation",
        "id": observation.to_string(),
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": format!("Patient/{id}")},
        "effectiveDateTime": "2026-01-02T10:00:00Z",
    });
    let path = format!("/fhir/Observation/{observation}");
    let refused = fhir(&h, "PUT", &path, &bo, Some(body.clone()), &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let entry = h.audit().into_iter().last().unwrap().event;
    assert_eq!(
        (
            entry.action,
            entry.outcome,
            entry.channel,
            entry.patient_id,
            entry.record_kind.as_deref(),
            entry.record_id
        ),
        (
            privacy::Action::Update,
            privacy::Outcome::Denied,
            privacy::Channel::Fhir,
            Some(records::PatientId(id)),
            Some("observation"),
            Some(observation)
        )
    );
    let refused = fhir(&h, "POST", "/fhir/Observation", &bo, Some(body), &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let entry = h.audit().into_iter().last().unwrap().event;
    assert_eq!(
        (entry.action, entry.outcome, entry.patient_id),
        (
            privacy::Action::Create,
            privacy::Outcome::Denied,
            Some(records::PatientId(id))
        )
    );
    // Refused for the record's kind inside a type the route allows (HIM writes coded
    // Conditions but not problem-list ones): audited the same way.
    let problem = h
        .store
        .write(|tx| {
            tx.create(
                &store::Actor::new("test"),
                &records::Problem {
                    patient_id: records::PatientId(id),
                    encounter_id: None,
                    code_system: "icd10cm".into(),
                    code: "E11.9".into(),
                    description: "Type 2 diabetes mellitus".into(),
                    status: records::ProblemStatus::Active,
                    onset_at: None,
                    resolved_at: None,
                },
            )
        })
        .unwrap()
        .meta
        .id;
    h.add_user("hana", &[Role::HimTechnician]);
    let hana = h.login("hana").await;
    let path = format!("/fhir/Condition/problem-{problem}");
    let refused = fhir(&h, "DELETE", &path, &hana, None, &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let entry = h.audit().into_iter().last().unwrap().event;
    assert_eq!(
        (
            entry.action,
            entry.outcome,
            entry.channel,
            entry.patient_id,
            entry.record_kind.as_deref(),
            entry.record_id
        ),
        (
            privacy::Action::Delete,
            privacy::Outcome::Denied,
            privacy::Channel::Fhir,
            Some(records::PatientId(id)),
            Some("problem"),
            Some(problem)
        )
    );
}
