//! The release-of-information desk on the web: the queue on the start page and at /roi, a
//! request's checklist naming its defect, release refused until it is fixed, then the PDF
//! packet released and entered in the accounting; other roles are refused.

use crate::harness::Harness;
use crate::pages::{html, page_token, sign_in};
use axum::http::StatusCode;
use privacy::{Action, AuditEvent, Channel, Role};
use records::*;
use store::Stored;
use time::macros::date;

fn request(patient: i64) -> RoiRequest {
    RoiRequest {
        minimum_necessary: Some("the visits the order names".into()),
        ..RoiRequest::received(
            PatientId(patient),
            (RequesterKind::Attorney, "Dana Counsel"),
            "injury claim",
            LegalBasis::CourtOrder,
            vec![ReleaseCategory::Encounters, ReleaseCategory::Notes],
            date!(2026 - 02 - 20),
        )
    }
}

#[tokio::test]
async fn the_desk_validates_then_releases_from_the_web() {
    let h = Harness::new();
    let patient = h.add_patient("P716");
    h.add_encounter(patient, EncounterClass::Outpatient, h.now(), None);
    h.add_note(patient, "Ankle sprain, ice and rest.");
    h.add_user("hana", &[Role::HimTechnician]);
    h.add_user("bo", &[Role::Billing]);
    let who = AuditEvent::new(h.now(), "test", Action::Create, Channel::Cli);
    let taken = h
        .trail
        .write(&h.store, |a| {
            Ok(disclosures::intake(a, &who, request(patient))?)
        })
        .unwrap();
    let id = taken.meta.id;

    let hana = sign_in(&h, "hana").await;
    let home = h.call("GET", "/", Some(&hana), None).await;
    assert!(html(&home).contains("id=\"roi-queue\""));
    assert!(html(&home).contains(&format!("href=\"/roi/{id}\"")));
    let shown = h
        .call("GET", &format!("/roi/{id}"), Some(&hana), None)
        .await;
    assert_eq!(shown.status, StatusCode::OK);
    let page = html(&shown);
    assert!(page.contains("identity_verified"), "{page}");
    assert!(page.contains("45 CFR 164.514(h)"));
    assert!(
        !page.contains("Release the packet"),
        "no release button while a defect remains"
    );
    let token = page_token(&h, &hana).await;
    let refused = h
        .form(
            &format!("/roi/{id}/release"),
            Some(&hana),
            &[("token", &token)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);

    h.store
        .write(|tx| {
            let before: Stored<RoiRequest> = tx.get(id)?;
            let fixed = RoiRequest {
                identity_verified: Some("certified copy of the order".into()),
                ..before.record
            };
            tx.update(&store::Actor::new("test"), id, before.meta.version, &fixed)
        })
        .unwrap();
    let shown = h
        .call("GET", &format!("/roi/{id}"), Some(&hana), None)
        .await;
    assert!(html(&shown).contains("Every check passes"));
    let released = h
        .form(
            &format!("/roi/{id}/release"),
            Some(&hana),
            &[("token", &token)],
        )
        .await;
    assert_eq!(released.status, StatusCode::OK, "{}", released.body);
    assert_eq!(released.headers["content-type"], "application/pdf");
    assert_eq!(released.headers["x-packet-sha256"].len(), 64);
    let account = h
        .store
        .read(|tx| tx.for_patient::<Disclosure>(patient))
        .unwrap();
    assert_eq!(account.len(), 1);
    assert!(account[0].record.accountable);
    assert_eq!(account[0].record.request_id, Some(id));

    let bo = sign_in(&h, "bo").await;
    let other = h.call("GET", "/roi", Some(&bo), None).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
}

/// The JSON API: a request with bad fields is 422 naming each; a good one is 201; its
/// review names the defect; release is 409 until it is fixed, then the PDF; denial; the
/// list; the routes are in the OpenAPI document and refused to other roles.
#[tokio::test]
async fn the_json_api_takes_validates_releases_and_denies() {
    use serde_json::json;
    let h = Harness::new();
    let patient = h.add_patient("P717");
    h.add_encounter(patient, EncounterClass::Outpatient, h.now(), None);
    h.add_note(patient, "Wrist sprain, splint.");
    h.add_user("hana", &[Role::HimTechnician]);
    h.add_user("bo", &[Role::Billing]);
    let hana = h.login("hana").await;

    let bad = h
        .call(
            "POST",
            "/api/roi",
            Some(&hana),
            Some(json!({
                "patient": patient,
                "requester_kind": "lawyer",
                "requester_name": "Dana Counsel",
                "purpose": "injury claim",
                "legal_basis": "court_order",
                "categories": ["encounters", "charts"],
                "from_date": "2026-13-01",
            })),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["requester_kind", "categories[1]", "from_date"]);

    let body = json!({
        "patient": patient,
        "requester_kind": "attorney",
        "requester_name": "Dana Counsel",
        "purpose": "injury claim",
        "legal_basis": "court_order",
        "categories": ["encounters", "notes"],
        "minimum_necessary": "the visits the order names",
    });
    let created = h
        .call("POST", "/api/roi", Some(&hana), Some(body.clone()))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["request"]["meta"]["id"].as_i64().unwrap();
    let checked = h
        .call(
            "POST",
            &format!("/api/roi/{id}/validate"),
            Some(&hana),
            None,
        )
        .await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.body);
    assert_eq!(checked.body["releasable"], false);
    assert_eq!(checked.body["defects"][0]["field"], "identity_verified");
    let refused = h
        .call("POST", &format!("/api/roi/{id}/release"), Some(&hana), None)
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(
        refused.body["error"]
            .as_str()
            .unwrap()
            .contains("identity_verified")
    );
    let denied = h
        .call(
            "POST",
            &format!("/api/roi/{id}/deny"),
            Some(&hana),
            Some(json!({ "reason": "identity not shown" })),
        )
        .await;
    assert_eq!(denied.status, StatusCode::OK, "{}", denied.body);
    assert_eq!(denied.body["request"]["record"]["status"], "denied");

    let mut fixed = body;
    fixed["identity_verified"] = json!("certified copy of the order");
    let second = h.call("POST", "/api/roi", Some(&hana), Some(fixed)).await;
    let id = second.body["request"]["meta"]["id"].as_i64().unwrap();
    let checked = h
        .call(
            "POST",
            &format!("/api/roi/{id}/validate"),
            Some(&hana),
            None,
        )
        .await;
    assert_eq!(checked.body["status"], "validated", "{}", checked.body);
    let listed = h.call("GET", "/api/roi", Some(&hana), None).await;
    assert_eq!(listed.body["requests"].as_array().unwrap().len(), 1);
    let released = h
        .call("POST", &format!("/api/roi/{id}/release"), Some(&hana), None)
        .await;
    assert_eq!(released.status, StatusCode::OK);
    assert_eq!(released.headers["content-type"], "application/pdf");
    let closed = h
        .call("GET", "/api/roi?status=released,denied", Some(&hana), None)
        .await;
    assert_eq!(closed.body["requests"].as_array().unwrap().len(), 2);
    let wrong = h
        .call("GET", "/api/roi?status=lost", Some(&hana), None)
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);

    let doc = h.call("GET", "/api/openapi.json", None, None).await;
    for path in [
        "/api/roi",
        "/api/roi/{id}/validate",
        "/api/roi/{id}/release",
        "/api/roi/{id}/deny",
    ] {
        assert!(
            doc.body["paths"].get(path).is_some(),
            "{path} in the OpenAPI document"
        );
    }
    let bo = h.login("bo").await;
    let other = h.call("GET", "/api/roi", Some(&bo), None).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
}

/// The intake form: a form with problems comes back 422 naming each beside its field and
/// keeping what was typed; a complete one is taken in and opens on its checklist.
#[tokio::test]
async fn the_intake_form_takes_in_a_request() {
    let h = Harness::new();
    let patient = h.add_patient("P718");
    h.add_user("hana", &[Role::HimTechnician]);
    let hana = sign_in(&h, "hana").await;
    let queue = h.call("GET", "/roi", Some(&hana), None).await;
    assert!(html(&queue).contains("href=\"/roi/new\""));
    let blank = h.call("GET", "/roi/new", Some(&hana), None).await;
    assert_eq!(blank.status, StatusCode::OK);
    assert!(html(&blank).contains("name=\"categories\""));
    let token = page_token(&h, &hana).await;
    let id = patient.to_string();
    let bad = h
        .form(
            "/roi/new",
            Some(&hana),
            &[
                ("token", &token),
                ("patient", &id),
                ("requester_name", "Dana Counsel"),
                ("purpose", "injury claim"),
                ("legal_basis", "court_order"),
                ("from_date", "2026-02-30"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(&bad);
    for field in [
        "error-requester_kind",
        "error-categories",
        "error-from_date",
    ] {
        assert!(page.contains(field), "{field} in {page}");
    }
    assert!(
        page.contains("value=\"Dana Counsel\""),
        "what was typed stays"
    );
    let good = h
        .form(
            "/roi/new",
            Some(&hana),
            &[
                ("token", &token),
                ("patient", &id),
                ("requester_kind", "attorney"),
                ("requester_name", "Dana Counsel"),
                ("purpose", "injury claim"),
                ("legal_basis", "court_order"),
                ("categories", "encounters"),
                ("categories", "notes"),
                ("minimum_necessary", "the visits the order names"),
            ],
        )
        .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.body);
    let taken = h
        .store
        .read(|tx| tx.for_patient::<RoiRequest>(patient))
        .unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!(
        taken[0].record.categories,
        [ReleaseCategory::Encounters, ReleaseCategory::Notes]
    );
    assert_eq!(
        good.headers["location"],
        format!("/roi/{}", taken[0].meta.id)
    );
}

/// The consent form: a restriction naming no kind of recipient the desk knows comes back
/// 422 beside its field; a good one is recorded and listed in force.
#[tokio::test]
async fn the_consent_form_records_a_restriction() {
    let h = Harness::new();
    let patient = h.add_patient("P719");
    h.add_user("hana", &[Role::HimTechnician]);
    let hana = sign_in(&h, "hana").await;
    let uri = format!("/patients/{patient}/consents");
    let empty = h.call("GET", &uri, Some(&hana), None).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(html(&empty).contains("No consents or restrictions on file."));
    let token = page_token(&h, &hana).await;
    let bad = h
        .form(
            &uri,
            Some(&hana),
            &[
                ("token", &token),
                ("kind", "restriction"),
                ("recipient", "the plan"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&bad).contains("error-recipient"), "{}", html(&bad));
    let good = h
        .form(
            &uri,
            Some(&hana),
            &[
                ("token", &token),
                ("kind", "restriction"),
                ("recipient", "insurer"),
                ("note", "self-paid"),
            ],
        )
        .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.body);
    let listed = h.call("GET", &uri, Some(&hana), None).await;
    let page = html(&listed);
    assert!(
        page.contains("Agreed restriction") && page.contains("in force"),
        "{page}"
    );
    let stored = h
        .store
        .read(|tx| tx.for_patient::<Consent>(patient))
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].record.recipient.as_deref(), Some("insurer"));
}
