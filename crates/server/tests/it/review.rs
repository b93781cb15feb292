//! Chart review over the API and the pages: the technician's queue, assigning, waiving;
//! refused without the review permission; every look and change in the audit trail.

use crate::harness::Harness;
use crate::pages::{html, token};
use axum::http::StatusCode;
use privacy::{Action, Role};
use serde_json::json;

/// Reviews every chart without the demographics rule (the harness patient has no address,
/// which that rule would also report).
pub(crate) fn review_by_note_rule(h: &Harness) -> review::ReviewCounts {
    let rules = review::RuleSet::with_facility_file(
        "[rules.demographics-incomplete]\nenabled = false\n",
        "test",
    )
    .unwrap();
    let poa = review::PoaExempt::embedded().unwrap();
    let cx = review::Context {
        codes: None,
        poa_exempt: &poa,
    };
    review::review_all(
        &h.store,
        &store::Actor::new("test"),
        &rules,
        &cx,
        &mut |_| {},
    )
    .unwrap()
}

/// A patient with an unsigned note, reviewed.
fn reviewed(h: &Harness) -> i64 {
    let patient = h.add_patient("RV1");
    h.add_note(patient, "Unsigned progress note.");
    let counts = review_by_note_rule(h);
    assert_eq!(counts.opened, 1, "{counts:?}");
    patient
}

#[tokio::test]
async fn the_technician_works_the_queue_over_the_api() {
    let h = Harness::new();
    let patient = reviewed(&h);
    h.add_user("hana", &[Role::HimTechnician]);
    h.add_user("bo", &[Role::Billing]);
    let hana = h.login("hana").await;
    let queue = h
        .call("POST", "/api/review/queue", Some(&hana), Some(json!({})))
        .await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
    let items = queue.body["deficiencies"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["record"]["rule_id"], "note-unsigned");
    let id = items[0]["meta"]["id"].as_i64().unwrap();

    let assigned = h
        .call(
            "POST",
            &format!("/api/review/deficiencies/{id}/assign"),
            Some(&hana),
            Some(json!({"to": "hana"})),
        )
        .await;
    assert_eq!(assigned.status, StatusCode::OK, "{}", assigned.body);
    assert_eq!(assigned.body["deficiency"]["record"]["status"], "assigned");
    let nobody = h
        .call(
            "POST",
            &format!("/api/review/deficiencies/{id}/assign"),
            Some(&hana),
            Some(json!({"to": "nobody"})),
        )
        .await;
    assert_eq!(nobody.status, StatusCode::UNPROCESSABLE_ENTITY);
    let no_reason = h
        .call(
            "POST",
            &format!("/api/review/deficiencies/{id}/waive"),
            Some(&hana),
            Some(json!({})),
        )
        .await;
    assert_eq!(
        no_reason.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        no_reason.body
    );
    let waived = h
        .call(
            "POST",
            &format!("/api/review/deficiencies/{id}/waive"),
            Some(&hana),
            Some(json!({"reason": "signed on paper"})),
        )
        .await;
    assert_eq!(waived.body["deficiency"]["record"]["status"], "waived");
    let twice = h
        .call(
            "POST",
            &format!("/api/review/deficiencies/{id}/waive"),
            Some(&hana),
            Some(json!({"reason": "again"})),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.body);
    let bad_status = h
        .call(
            "POST",
            "/api/review/queue",
            Some(&hana),
            Some(json!({"status": ["lost"]})),
        )
        .await;
    assert_eq!(bad_status.status, StatusCode::UNPROCESSABLE_ENTITY);
    for (filters, field) in [
        (json!({"class": "ward"}), "class"),
        (
            json!({"min_age_days": 5, "max_age_days": 2}),
            "max_age_days",
        ),
        (json!({"min_age_days": -1}), "min_age_days"),
    ] {
        let refused = h
            .call("POST", "/api/review/queue", Some(&hana), Some(filters))
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.to_string().contains(field), "{}", refused.body);
    }
    // The note is about no encounter: a class or service filter leaves it out.
    for filters in [json!({"class": "inpatient"}), json!({"service": "surg"})] {
        let none = h
            .call("POST", "/api/review/queue", Some(&hana), Some(filters))
            .await;
        assert_eq!(none.status, StatusCode::OK, "{}", none.body);
        assert_eq!(none.body["deficiencies"].as_array().map(Vec::len), Some(0));
    }
    let aged = h
        .call(
            "POST",
            "/api/review/queue",
            Some(&hana),
            Some(json!({"status": ["waived"], "min_age_days": 0, "max_age_days": 3650})),
        )
        .await;
    assert_eq!(
        aged.body["deficiencies"].as_array().map(Vec::len),
        Some(1),
        "{}",
        aged.body
    );

    let bo = h.login("bo").await;
    let refused = h
        .call("POST", "/api/review/queue", Some(&bo), Some(json!({})))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let entries = h.audit();
    assert!(entries.iter().any(|e| e.event.user == "hana"
        && e.event.action == Action::Read
        && e.event.patient_id.map(|p| p.0) == Some(patient)
        && e.event.reason.as_deref() == Some("review work queue")));
    let changes: Vec<_> = entries
        .iter()
        .filter(|e| e.event.record_kind.as_deref() == Some("deficiency"))
        .collect();
    assert_eq!(
        changes.len(),
        2,
        "assigned and waived, each with old and new values"
    );
    assert!(
        changes
            .iter()
            .all(|e| e.event.old_values.is_some() && e.event.new_values.is_some())
    );
}

#[tokio::test]
async fn the_queue_page_assigns_and_resolves() {
    let h = Harness::new();
    let patient = reviewed(&h);
    h.add_user("hana", &[Role::HimTechnician]);
    let hana = h.login("hana").await;
    let page = h.call("GET", "/review", Some(&hana), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        html(&page).contains("Note not signed: Progress note written"),
        "{}",
        html(&page)
    );
    let id = {
        let text = html(&page);
        let start = text.find("name=\"pick-").unwrap() + 11;
        text[start..].split('"').next().unwrap().to_owned()
    };
    let chart = h
        .call("GET", &format!("/patients/{patient}"), Some(&hana), None)
        .await;
    let text = html(&chart);
    assert!(text.contains("Open deficiencies"), "{text}");
    assert!(
        text.contains(&format!("id=\"chart-deficiency-{id}\"")),
        "the chart lists its open deficiency: {text}"
    );
    assert!(text.contains(&format!("href=\"/review/{id}/query\"")));
    let token = token(&page);
    let assign = h
        .form(
            "/review/assign",
            Some(&hana),
            &[
                ("token", &token),
                (&format!("pick-{id}"), "1"),
                ("to", "hana"),
            ],
        )
        .await;
    assert_eq!(assign.status, StatusCode::SEE_OTHER, "{}", assign.body);
    let mine = h
        .form(
            "/review",
            Some(&hana),
            &[("token", &token), ("assignee", "hana")],
        )
        .await;
    assert!(html(&mine).contains("assigned · hana"), "{}", html(&mine));
    // Filters by encounter class and age: the note belongs to no encounter.
    let inpatient = h
        .form(
            "/review",
            Some(&hana),
            &[("token", &token), ("class", "inpatient")],
        )
        .await;
    assert!(
        html(&inpatient).contains("Nothing to chase."),
        "{}",
        html(&inpatient)
    );
    let young = h
        .form(
            "/review",
            Some(&hana),
            &[
                ("token", &token),
                ("min_age_days", "0"),
                ("max_age_days", "30"),
            ],
        )
        .await;
    assert!(html(&young).contains("assigned · hana"), "{}", html(&young));
    let bad_age = h
        .form(
            "/review",
            Some(&hana),
            &[("token", &token), ("min_age_days", "soon")],
        )
        .await;
    assert_eq!(bad_age.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html(&bad_age).contains("soon&quot; is not a whole number"),
        "{}",
        html(&bad_age)
    );
    let none = h
        .form(
            "/review/assign",
            Some(&hana),
            &[("token", &token), ("to", "hana")],
        )
        .await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&none).contains("select at least one deficiency"));
    let resolve = h
        .form(
            &format!("/review/{id}/close"),
            Some(&hana),
            &[("token", &token), ("verb", "resolve"), ("reason", "signed")],
        )
        .await;
    assert_eq!(resolve.status, StatusCode::SEE_OTHER);
    let after = h.call("GET", "/review", Some(&hana), None).await;
    assert!(
        html(&after).contains("Nothing to chase."),
        "{}",
        html(&after)
    );
    let chart = h
        .call("GET", &format!("/patients/{patient}"), Some(&hana), None)
        .await;
    assert!(html(&chart).contains("None: review finds this chart complete."));
}

#[tokio::test]
async fn start_pages_show_each_person_their_review_work() {
    let h = Harness::new();
    linked_physician_note(&h, "RV2", "drosler");
    review_by_note_rule(&h);

    h.add_user("hana", &[Role::HimTechnician]);
    h.add_user("drosler", &[Role::Physician]);
    let hana = h.login("hana").await;
    let start = h.call("GET", "/", Some(&hana), None).await;
    assert!(
        html(&start).contains("Chart review: most urgent"),
        "{}",
        html(&start)
    );
    assert!(html(&start).contains("Note not signed: Consultation written"));
    let doctor = h.login("drosler").await;
    let start = h.call("GET", "/", Some(&doctor), None).await;
    assert!(
        html(&start).contains("Your chart deficiencies"),
        "{}",
        html(&start)
    );
    assert!(html(&start).contains("Note not signed: Consultation written"));
}

/// A patient with an unsigned consultation by a provider linked to the account `username`;
/// returns the patient and the provider.
pub(crate) fn linked_physician_note(h: &Harness, mrn: &str, username: &str) -> (i64, i64) {
    let patient = h.add_patient(mrn);
    let provider = h
        .store
        .write(|tx| {
            let provider = tx.create(
                &store::Actor::new("test"),
                &records::Provider {
                    npi: None,
                    family_name: "Osler".into(),
                    given_name: "Wilma".into(),
                    credentials: Some("MD".into()),
                    taxonomy: None,
                    specialty: None,
                    organization_id: None,
                },
            )?;
            tx.create(
                &store::Actor::new("test"),
                &records::ClinicalNote {
                    patient_id: records::PatientId(patient),
                    encounter_id: None,
                    note_type: records::NoteType::Consultation,
                    author_id: Some(records::ProviderId(provider.meta.id)),
                    authored_at: h.now(),
                    text: "Consult.".into(),
                    signed_at: None,
                    signer_id: None,
                },
            )?;
            tx.link_account_provider(username, records::ProviderId(provider.meta.id))?;
            Ok(provider.meta.id)
        })
        .unwrap();
    (patient, provider)
}
