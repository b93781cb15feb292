//! FHIR search: names (prefix, case and accents), birth dates with prefixes, gender,
//! identifiers, paging links and totals, includes, and unknown parameters.

use crate::fhir_rest::{fhir, patient_json, signed_in};
use crate::harness::{Harness, Reply};
use axum::http::StatusCode;
use privacy::Role;
use serde_json::json;

fn families(reply: &Reply) -> Vec<String> {
    reply.body["entry"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|e| e["search"]["mode"] == "match")
        .map(|e| {
            e["resource"]["name"][0]["family"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

async fn seeded() -> (Harness, String) {
    let h = Harness::new();
    let me = signed_in(&h, &[Role::HimTechnician, Role::Physician]).await;
    let people = [
        ("S1", "Müller", "Zoë", "1980-04-12", "female"),
        ("S2", "Muller", "Jon", "1985-06-01", "male"),
        ("S3", "Mullins", "Ann", "1990-01-31", "female"),
        ("S4", "Smith", "Ann", "2001-09-30", "female"),
        ("S5", "Ørsted", "Bo", "1979-12-31", "male"),
    ];
    for (mrn, family, given, birth, gender) in people {
        let reply = fhir(
            &h,
            "POST",
            "/fhir/Patient",
            &me,
            Some(patient_json(mrn, family, given, birth, gender)),
            &[],
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    }
    (h, me)
}

#[tokio::test]
async fn names_dates_gender_and_identifiers() {
    let (h, me) = seeded().await;
    let get = |q: &str| {
        let uri = format!("/fhir/Patient?{q}");
        let (h, me) = (&h, &me);
        async move { fhir(h, "GET", &uri, me, None, &[]).await }
    };
    assert_eq!(
        families(&get("family=MULL&_sort=birthdate").await),
        ["Müller", "Muller", "Mullins"]
    );
    assert_eq!(
        families(&get("family=m%C3%BCller&_sort=-birthdate").await),
        ["Muller", "Müller"]
    );
    assert_eq!(families(&get("name=zoe").await), ["Müller"]);
    assert_eq!(
        families(&get("given=ann&_sort=family").await),
        ["Mullins", "Smith"]
    );
    assert_eq!(families(&get("family:exact=Muller").await), ["Muller"]);
    assert_eq!(families(&get("family=orst").await), ["Ørsted"]);
    assert_eq!(
        families(&get("birthdate=ge1985&birthdate=lt2000&_sort=birthdate").await),
        ["Muller", "Mullins"]
    );
    assert_eq!(families(&get("birthdate=1980-04").await), ["Müller"]);
    assert_eq!(
        families(&get("birthdate=eb1980&_sort=family").await),
        ["Ørsted"]
    );
    assert_eq!(families(&get("birthdate=sa1990-01-30").await).len(), 2);
    assert_eq!(
        families(&get("birthdate=ne1980-04-12&gender=female&_sort=family").await),
        ["Mullins", "Smith"]
    );
    assert_eq!(
        families(&get("gender=male&_sort=family").await),
        ["Muller", "Ørsted"]
    );
    assert_eq!(
        families(&get("identifier=urn:chartroom:mrn:MAIN|S4").await),
        ["Smith"]
    );
    assert_eq!(
        families(&get("identifier=S2,S3&_sort=_id").await),
        ["Muller", "Mullins"]
    );
    assert!(families(&get("identifier=http://other|S4").await).is_empty());
    let bad = get("birthdate=yesterday").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["issue"][0]["expression"][0], "birthdate");
    // POST _search with a form body answers the same.
    let posted = h
        .send_raw(
            "POST",
            "/fhir/Patient/_search",
            &[
                ("cookie", &me),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            "family=mull&gender=female",
        )
        .await;
    assert_eq!(families(&posted), ["Müller", "Mullins"]);
}

#[tokio::test]
async fn paging_totals_and_unknown_parameters() {
    let (h, me) = seeded().await;
    let page = fhir(
        &h,
        "GET",
        "/fhir/Patient?family=m&_count=2&_sort=_id&_total=accurate",
        &me,
        None,
        &[],
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.body["type"], "searchset");
    assert_eq!(page.body["total"], 3);
    assert_eq!(families(&page), ["Müller", "Muller"]);
    let links = page.body["link"].as_array().unwrap();
    let next = links.iter().find(|l| l["relation"] == "next").unwrap()["url"]
        .as_str()
        .unwrap();
    let next = next.split_once("/fhir").unwrap().1;
    let second = fhir(&h, "GET", &format!("/fhir{next}"), &me, None, &[]).await;
    assert_eq!(families(&second), ["Mullins"]);
    assert!(
        second.body["link"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["relation"] == "previous")
    );
    assert!(
        !second.body["link"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["relation"] == "next")
    );
    let none = fhir(
        &h,
        "GET",
        "/fhir/Patient?family=m&_count=2&_total=none",
        &me,
        None,
        &[],
    )
    .await;
    assert!(none.body.get("total").is_none());

    let lenient = fhir(
        &h,
        "GET",
        "/fhir/Patient?family=smith&shoe-size=9",
        &me,
        None,
        &[],
    )
    .await;
    assert_eq!(lenient.status, StatusCode::OK);
    let entries = lenient.body["entry"].as_array().unwrap();
    let outcome = entries
        .iter()
        .find(|e| e["search"]["mode"] == "outcome")
        .unwrap();
    assert_eq!(
        outcome["resource"]["issue"][0]["expression"][0],
        "shoe-size"
    );
    assert_eq!(outcome["resource"]["issue"][0]["severity"], "warning");
    let strict = fhir(
        &h,
        "GET",
        "/fhir/Patient?family=smith&shoe-size=9",
        &me,
        None,
        &[("prefer", "handling=strict")],
    )
    .await;
    assert_eq!(strict.status, StatusCode::BAD_REQUEST);
    assert_eq!(strict.body["issue"][0]["expression"][0], "shoe-size");
}

#[tokio::test]
async fn encounters_by_patient_date_and_status_with_includes() {
    let (h, me) = seeded().await;
    for (patient, start, status) in [
        (1, "2026-01-02T10:00:00Z", "finished"),
        (1, "2026-03-05T10:00:00Z", "in-progress"),
        (2, "2026-01-09T10:00:00Z", "finished"),
    ] {
        let encounter = json!({
            "resourceType": "Encounter",
            "status": status,
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
            "subject": {"reference": format!("Patient/{patient}")},
            "period": {"start": start},
        });
        let reply = fhir(&h, "POST", "/fhir/Encounter", &me, Some(encounter), &[]).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    }
    let ids = |reply: &Reply, mode: &str| -> Vec<String> {
        reply.body["entry"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["search"]["mode"] == mode)
            .map(|e| {
                format!(
                    "{}/{}",
                    e["resource"]["resourceType"].as_str().unwrap(),
                    e["resource"]["id"].as_str().unwrap()
                )
            })
            .collect()
    };
    let by_patient = fhir(
        &h,
        "GET",
        "/fhir/Encounter?patient=Patient/1&_include=Encounter:patient",
        &me,
        None,
        &[],
    )
    .await;
    assert_eq!(ids(&by_patient, "match"), ["Encounter/1", "Encounter/2"]);
    assert_eq!(ids(&by_patient, "include"), ["Patient/1"]);
    let dated = fhir(
        &h,
        "GET",
        "/fhir/Encounter?date=ge2026-01-05&date=lt2026-02&status=finished",
        &me,
        None,
        &[],
    )
    .await;
    assert_eq!(ids(&dated, "match"), ["Encounter/3"]);
    let rev = fhir(
        &h,
        "GET",
        "/fhir/Patient?_id=1,2&_revinclude=Encounter:patient&_sort=_id",
        &me,
        None,
        &[],
    )
    .await;
    assert_eq!(ids(&rev, "match"), ["Patient/1", "Patient/2"]);
    assert_eq!(
        ids(&rev, "include"),
        ["Encounter/1", "Encounter/2", "Encounter/3"]
    );
    // One audit entry for the whole search, listing both patients in its patient field
    // (issue 10: never in its text only), which the audit searches match.
    let last = h.audit().pop().unwrap();
    assert_eq!(last.event.channel, privacy::Channel::Fhir);
    assert_eq!(
        last.event.patients,
        [records::PatientId(1), records::PatientId(2)]
    );
    assert!(
        !last
            .event
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains("patients"),
        "{:?}",
        last.event.reason
    );
    h.add_user("aud", &[Role::Auditor]);
    let auditor = h.login("aud").await;
    for patient in [1, 2] {
        let events = fhir(
            &h,
            "GET",
            &format!("/fhir/AuditEvent?patient=Patient/{patient}"),
            &auditor,
            None,
            &[],
        )
        .await;
        assert_eq!(events.status, StatusCode::OK, "{}", events.body);
        let search = events.body["entry"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["resource"]["id"] == json!(last.seq.to_string()))
            .unwrap_or_else(|| panic!("patient {patient}: {}", events.body));
        let entities: Vec<&str> = search["resource"]["entity"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["what"]["reference"].as_str())
            .collect();
        assert_eq!(entities, ["Patient/1", "Patient/2"], "{search}");
    }
}

#[tokio::test]
async fn practitioners_and_organizations_by_name_prefix() {
    let h = Harness::new();
    let me = signed_in(&h, &[Role::HimTechnician]).await;
    let practitioner = json!({
        "resourceType": "Practitioner",
        "name": [{"family": "Welby", "given": ["Marcus"]}],
    });
    let made = fhir(
        &h,
        "POST",
        "/fhir/Practitioner",
        &me,
        Some(practitioner),
        &[],
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let organization = json!({"resourceType": "Organization", "name": "Springfield General"});
    let made = fhir(
        &h,
        "POST",
        "/fhir/Organization",
        &me,
        Some(organization),
        &[],
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let total = |reply: &crate::harness::Reply| reply.body["entry"].as_array().map_or(0, Vec::len);
    for (uri, expected) in [
        ("/fhir/Practitioner?family=wel", 1),
        ("/fhir/Practitioner?name=MARC", 1),
        ("/fhir/Practitioner?given=welby", 0),
        ("/fhir/Practitioner?family:exact=Welby", 1),
        ("/fhir/Organization?name=spring", 1),
        ("/fhir/Organization?name:exact=Springfield%20General", 1),
        ("/fhir/Organization?name=general", 0),
    ] {
        let reply = fhir(&h, "GET", uri, &me, None, &[("prefer", "handling=strict")]).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.body);
        assert_eq!(total(&reply), expected, "{uri}: {}", reply.body);
    }
}
