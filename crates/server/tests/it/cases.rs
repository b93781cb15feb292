//! Reportable-condition cases over HTTP: a visit coded with a trigger code is in the queue
//! once, a cold is not; the case, its status change and its eICR, each audited; billing is
//! refused everything; the /cases pages and the start page show the queue to public health;
//! a report sent from the API or the case page is audited, disclosed and shown reported
//! (on SQLite and, when `CHARTROOM_TEST_POSTGRES_URL` is set, on PostgreSQL).

use crate::harness::Harness;
use crate::pages::{location, sign_in};
use axum::http::StatusCode;
use privacy::Role;
use records::*;
use serde_json::json;
use tokio::runtime::Runtime;

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

/// Runs `test` over SQLite, then over PostgreSQL when `CHARTROOM_TEST_POSTGRES_URL` is set,
/// each with an outbox directory. The store is written outside the runtime (the PostgreSQL
/// client blocks) and each request inside it.
fn on_both_backends(test: impl Fn(&Harness, &Runtime, &std::path::Path)) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let outbox = tempfile::tempdir().unwrap();
    let sqlite_outbox = outbox.path().join("sqlite");
    let configure = |dir: &std::path::Path| {
        let dir = dir.to_owned();
        move |config: &mut server::ServerConfig| config.case_report_dir = Some(dir)
    };
    test(
        &Harness::configured(configure(&sqlite_outbox)),
        &runtime,
        &sqlite_outbox,
    );
    match test_support::postgres_store() {
        Some(postgres) => {
            let postgres_outbox = outbox.path().join("postgres");
            test(
                &Harness::on(postgres, configure(&postgres_outbox)),
                &runtime,
                &postgres_outbox,
            );
        }
        None => eprintln!(
            "{} not set: PostgreSQL half skipped",
            test_support::POSTGRES_URL_VAR
        ),
    }
}

/// A new patient `mrn` with an outpatient visit coded `code`; the patient's id.
fn coded_visit(h: &Harness, mrn: &str, code: &str) -> i64 {
    let patient = h.add_patient(mrn);
    let visit = h.add_encounter(patient, EncounterClass::Outpatient, h.now(), None);
    diagnose(h, patient, visit, code);
    patient
}

/// The patient's accounting of disclosures as stored.
fn disclosures_of(h: &Harness, patient: i64) -> Vec<Disclosure> {
    h.store
        .read(|tx| {
            tx.select::<Disclosure>("patient_id = ?", &[store::Value::from(patient)], "id", 100)
        })
        .unwrap()
        .into_iter()
        .map(|d| d.record)
        .collect()
}

#[test]
fn a_case_report_is_sent_over_the_api() {
    on_both_backends(|h, rt, outbox| {
        let measles = coded_visit(h, "C400", "B05.9");
        h.add_user("him", &[Role::HimTechnician]);
        h.add_user("bill", &[Role::Billing]);
        let him = rt.block_on(h.login("him"));
        let bill = rt.block_on(h.login("bill"));
        let listed = rt.block_on(h.call("GET", "/api/cases", Some(&him), None));
        let id = listed.body["cases"][0]["id"].as_i64().unwrap();
        let uri = format!("/api/cases/{id}/send");

        // Billing may not send; bad input is named; nothing was reported by any of these.
        let refused = rt.block_on(h.call("POST", &uri, Some(&bill), Some(json!({}))));
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        for (body, field) in [
            (json!({"to": "  "}), "to"),
            (json!({"eicr": false}), "eicr"),
            (json!({"to": "State", "fax": true}), "body"),
        ] {
            let bad = rt.block_on(h.call("POST", &uri, Some(&him), Some(body.clone())));
            assert_eq!(
                bad.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{body} {}",
                bad.body
            );
            if field != "body" {
                assert_eq!(bad.body["field"], field, "{}", bad.body);
            }
        }
        let oru = rt.block_on(h.call("POST", &uri, Some(&him), Some(json!({"oru": true}))));
        assert_eq!(oru.status, StatusCode::CONFLICT, "{}", oru.body);
        assert!(oru.body.to_string().contains("diagnosis"), "{}", oru.body);
        let missing =
            rt.block_on(h.call("POST", "/api/cases/999/send", Some(&him), Some(json!({}))));
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert!(disclosures_of(h, measles).is_empty());
        assert!(std::fs::read_dir(outbox).map_or(true, |mut d| d.next().is_none()));

        // Sent: the case reported by him, the eICR in the answer and the outbox.
        let sent = rt.block_on(h.call(
            "POST",
            &uri,
            Some(&him),
            Some(json!({"to": "Example State Department of Health"})),
        ));
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
        assert_eq!(sent.body["case"]["status"], "reported");
        assert_eq!(sent.body["case"]["worked_by"], "user:him");
        assert_eq!(sent.body["sent"]["channel"], "fhir-eicr");
        assert_eq!(sent.body["sent"]["eicr"]["type"], "document");
        assert_eq!(sent.body["sent"]["oru"], serde_json::Value::Null);
        let document_id = sent.body["sent"]["document_id"].as_str().unwrap();
        let file =
            std::fs::read_to_string(outbox.join(format!("{document_id}.eicr.json"))).unwrap();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&file).unwrap(),
            sent.body["sent"]["eicr"]
        );

        // One line in the accounting, and the export and the change audited.
        let lines = disclosures_of(h, measles);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].recipient, "Example State Department of Health");
        assert_eq!(lines[0].legal_basis, LegalBasis::PublicHealth);
        assert_eq!(lines[0].channel, "fhir-eicr");
        assert!(
            lines[0].description.contains(document_id),
            "{}",
            lines[0].description
        );
        let entries = h.audit();
        let of_case = |action: privacy::Action| {
            entries
                .iter()
                .filter(|e| {
                    e.event.user == "him"
                        && e.event.action == action
                        && e.event.record_kind.as_deref() == Some("case_report")
                        && e.event.outcome == privacy::Outcome::Success
                })
                .count()
        };
        assert_eq!(of_case(privacy::Action::Export), 1);
        assert_eq!(of_case(privacy::Action::Update), 1);
        assert!(
            entries
                .iter()
                .any(|e| e.event.user == "bill" && e.event.outcome == privacy::Outcome::Denied)
        );

        // The route and its body are in the API document.
        let doc = rt.block_on(h.call("GET", "/api/openapi.json", None, None));
        let operation = &doc.body["paths"]["/api/cases/{id}/send"]["post"];
        assert_eq!(
            operation["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/CaseSendBody"
        );
        let schema = &doc.body["components"]["schemas"]["CaseSendBody"]["properties"];
        for field in ["to", "eicr", "oru"] {
            assert!(schema.get(field).is_some(), "{field}: {schema}");
        }
    });
}

#[test]
fn the_case_page_sends_the_report_and_shows_it_reported() {
    on_both_backends(|h, rt, outbox| {
        let patient = coded_visit(h, "C500", "A37.90");
        h.add_user("ph", &[Role::PublicHealth]);
        let cookie = rt.block_on(sign_in(h, "ph"));
        // The queue steps case finding.
        let queue = rt.block_on(h.call("GET", "/cases", Some(&cookie), None));
        assert!(queue.body.as_str().unwrap().contains("C500"));
        let case = rt.block_on(h.call("GET", "/cases/1", Some(&cookie), None));
        let page = case.body.as_str().unwrap().to_owned();
        assert!(page.contains("Send the report"), "{page}");
        assert!(
            !page.contains("ORU^R01 of the result"),
            "a diagnosis case has no ORU: {page}"
        );
        let token = page
            .split("name=\"token\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_owned();
        let unnamed = rt.block_on(h.form(
            "/cases/1/send",
            Some(&cookie),
            &[("token", &token), ("to", ""), ("eicr", "yes")],
        ));
        assert_eq!(unnamed.status, StatusCode::UNPROCESSABLE_ENTITY);
        let posted = rt.block_on(h.form(
            "/cases/1/send",
            Some(&cookie),
            &[
                ("token", &token),
                ("to", "County health department"),
                ("eicr", "yes"),
            ],
        ));
        assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
        assert_eq!(location(&posted), "/cases/1");
        let after = rt.block_on(h.call("GET", "/cases/1", Some(&cookie), None));
        let page = after.body.as_str().unwrap();
        let reported = page
            .split("id=\"reported\">")
            .nth(1)
            .and_then(|rest| rest.split("</dd>").next())
            .unwrap_or_default();
        assert!(reported.contains("2026-03-02"), "{page}");
        assert!(reported.ends_with(" by ph"), "{page}");
        assert!(page.contains("Send the report again"), "{page}");
        let lines = disclosures_of(h, patient);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].recipient, "County health department");
        assert_eq!(std::fs::read_dir(outbox).unwrap().count(), 1);
    });
}
