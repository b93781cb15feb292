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

/// The chart leads the release desk to the patient's consents and accounting; a role that
/// does not release information is not offered them.
#[tokio::test]
async fn the_chart_links_the_consents_and_the_accounting() {
    let h = Harness::new();
    let patient = h.add_patient("P720");
    h.add_user("hana", &[Role::HimTechnician]);
    h.add_user("bill", &[Role::Billing]);
    let chart = format!("/patients/{patient}");
    let hana = sign_in(&h, "hana").await;
    let shown = h.call("GET", &chart, Some(&hana), None).await;
    let page = html(&shown);
    for (id, target) in [
        ("consents-link", format!("/patients/{patient}/consents")),
        (
            "accounting-link",
            format!("/patients/{patient}/disclosures"),
        ),
    ] {
        assert!(
            page.contains(&format!("id=\"{id}\" href=\"{target}\"")),
            "{id} to {target}: {page}"
        );
        let followed = h.call("GET", &target, Some(&hana), None).await;
        assert_eq!(followed.status, StatusCode::OK, "{target}");
    }
    let bill = sign_in(&h, "bill").await;
    let shown = h.call("GET", &chart, Some(&bill), None).await;
    let page = html(&shown);
    assert!(!page.contains("consents-link") && !page.contains("accounting-link"));
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

/// The consent list revokes: the patient's written revocation on the day given is
/// recorded (audited), the restriction is no longer in force, a second revocation is 422
/// naming the day it was revoked, and another patient's consent is not found there.
#[tokio::test]
async fn a_consent_is_revoked_on_the_web() {
    let h = Harness::new();
    let patient = h.add_patient("P720");
    let other = h.add_patient("P721");
    h.add_user("hana", &[Role::HimTechnician]);
    let hana = sign_in(&h, "hana").await;
    let who = AuditEvent::new(h.now(), "test", Action::Create, Channel::Cli);
    let consent = h
        .trail
        .write(&h.store, |a| {
            Ok(disclosures::add_consent(
                a,
                &who,
                Consent {
                    patient_id: PatientId(patient),
                    kind: ConsentKind::Restriction,
                    categories: vec![],
                    recipient: Some("insurer".into()),
                    encounter_id: None,
                    effective_from: date!(2026 - 01 - 01),
                    effective_to: None,
                    revoked_on: None,
                    note: None,
                    recorded_by: "hana".into(),
                },
            )?)
        })
        .unwrap();
    let uri = format!("/patients/{patient}/consents");
    let listed = h.call("GET", &uri, Some(&hana), None).await;
    let revoke = format!("{uri}/{}/revoke", consent.meta.id);
    assert!(
        html(&listed).contains(&format!("action=\"{revoke}\"")),
        "{}",
        html(&listed)
    );
    let token = page_token(&h, &hana).await;
    let wrong = h
        .form(
            &format!("/patients/{other}/consents/{}/revoke", consent.meta.id),
            Some(&hana),
            &[("token", &token)],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND, "{}", wrong.body);
    let bad = h
        .form(
            &revoke,
            Some(&hana),
            &[("token", &token), ("revoked_on", "2026-13-01")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&bad).contains("error-revoked_on"));
    let done = h
        .form(
            &revoke,
            Some(&hana),
            &[("token", &token), ("revoked_on", "2026-02-01")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let stored: Stored<Consent> = h.store.read(|tx| tx.get(consent.meta.id)).unwrap();
    assert_eq!(stored.record.revoked_on, Some(date!(2026 - 02 - 01)));
    let page = html(&h.call("GET", &uri, Some(&hana), None).await).to_owned();
    assert!(
        page.contains("not in force") && page.contains("revoked 2026-02-01"),
        "{page}"
    );
    let again = h.form(&revoke, Some(&hana), &[("token", &token)]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html(&again).contains("revoked on 2026-02-01 already"),
        "{}",
        html(&again)
    );
    let trail = h.audit();
    assert!(
        trail
            .iter()
            .any(|e| format!("{e:?}").contains("consents: revoked")),
        "the revocation is audited"
    );
}

/// The authorisation's elements on the intake form: a date that is not one is 422 beside
/// its field; a form taken in without a signature or the redisclosure notice shows those
/// defects on the checklist; the papers corrected there pass, the packet is released, and
/// a court order's release is in the patient's accounting page (one under an authorisation
/// is counted apart, as 164.528(a)(1)(iv) says).
#[tokio::test]
async fn the_authorisation_is_taken_in_corrected_and_released_from_the_web() {
    let h = Harness::new();
    let patient = h.add_patient("P722");
    h.add_encounter(patient, EncounterClass::Outpatient, h.now(), None);
    h.add_user("hana", &[Role::HimTechnician]);
    let hana = sign_in(&h, "hana").await;
    let blank = html(&h.call("GET", "/roi/new", Some(&hana), None).await).to_owned();
    for field in [
        "authorization_form.signed_on",
        "authorization_form.signature",
        "authorization_form.redisclosure_notice",
        "authorization_form.expiry_event",
        "authorization_form.conditioning_statement",
    ] {
        assert!(blank.contains(&format!("name=\"{field}\"")), "{field}");
    }
    let token = page_token(&h, &hana).await;
    let id = patient.to_string();
    let mut fields: Vec<(&str, &str)> = vec![
        ("token", &token),
        ("patient", &id),
        ("requester_kind", "provider"),
        ("requester_name", "Dr Lee"),
        ("requester_organization", "Lakeside Orthopedics"),
        ("identity_verified", "faxed on letterhead, called back"),
        ("purpose", "second opinion"),
        ("legal_basis", "authorization"),
        ("categories", "encounters"),
        ("minimum_necessary", "the visits for the knee"),
        (
            "authorization_form.description",
            "visit records for the knee",
        ),
        ("authorization_form.discloser", "Chartroom General"),
        ("authorization_form.recipient", "Dr Lee"),
        ("authorization_form.purpose", "second opinion"),
        ("authorization_form.expires_on", "2027-02-30"),
        ("authorization_form.revocation_statement", "yes"),
        ("authorization_form.conditioning_statement", "yes"),
    ];
    let bad = h.form("/roi/new", Some(&hana), &fields).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(
        html(&bad).contains("error-authorization_form.expires_on"),
        "{}",
        html(&bad)
    );
    fields.retain(|(n, _)| *n != "authorization_form.expires_on");
    fields.push(("authorization_form.expires_on", "2027-02-28"));
    fields.push(("authorization_form.signed_on", "2026-02-25"));
    let taken = h.form("/roi/new", Some(&hana), &fields).await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.body);
    let at = taken.headers["location"].to_str().unwrap().to_owned();
    let checklist = html(&h.call("GET", &at, Some(&hana), None).await).to_owned();
    for defect in [
        "authorization_form.signature",
        "authorization_form.redisclosure_notice",
    ] {
        assert!(
            checklist.contains(&format!("<td>{defect}</td>")),
            "{defect} in {checklist}"
        );
    }
    assert!(
        checklist.contains("value=\"visit records for the knee\""),
        "the form on file is shown"
    );
    let request_id: i64 = at.trim_start_matches("/roi/").parse().unwrap();
    let papers = format!("{at}/papers");
    let mut corrected: Vec<(&str, &str)> = fields
        .iter()
        .filter(|(n, _)| {
            *n == "token" || *n == "identity_verified" || n.starts_with("authorization_form.")
        })
        .copied()
        .collect();
    corrected.push(("authorization_form.signature", "yes"));
    corrected.push(("authorization_form.redisclosure_notice", "yes"));
    let fixed = h.form(&papers, Some(&hana), &corrected).await;
    assert_eq!(fixed.status, StatusCode::SEE_OTHER, "{}", fixed.body);
    let checklist = html(&h.call("GET", &at, Some(&hana), None).await).to_owned();
    assert!(checklist.contains("Every check passes"), "{checklist}");
    let stored: Stored<RoiRequest> = h.store.read(|tx| tx.get(request_id)).unwrap();
    let form = stored.record.authorization_form.clone().unwrap();
    assert!(form.signature && form.redisclosure_notice && form.conditioning_statement);
    assert_eq!(form.expires_on, Some(date!(2027 - 02 - 28)));
    assert_eq!(stored.record.received_by, "hana", "who took it in is kept");
    let released = h
        .form(&format!("{at}/release"), Some(&hana), &[("token", &token)])
        .await;
    assert_eq!(released.status, StatusCode::OK, "{}", released.body);

    let who = AuditEvent::new(h.now(), "test", Action::Create, Channel::Cli);
    let order = h
        .trail
        .write(&h.store, |a| {
            let mut r = request(patient);
            r.identity_verified = Some("certified copy".into());
            Ok(disclosures::intake(a, &who, r)?)
        })
        .unwrap();
    let out = h
        .form(
            &format!("/roi/{}/release", order.meta.id),
            Some(&hana),
            &[("token", &token)],
        )
        .await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.body);
    let account = html(
        &h.call(
            "GET",
            &format!("/patients/{patient}/disclosures"),
            Some(&hana),
            None,
        )
        .await,
    )
    .to_owned();
    assert!(
        account.contains("Dana Counsel") && account.contains(&RoiRequest::number(order.meta.id)),
        "{account}"
    );
    assert!(
        !account.contains("Dr Lee"),
        "an authorised release is not accounted: {account}"
    );
    assert!(
        account.contains("1 other disclosure(s) on file"),
        "{account}"
    );
    let closed = h.form(&papers, Some(&hana), &corrected).await;
    assert_eq!(
        closed.status,
        StatusCode::CONFLICT,
        "a released request is not corrected: {}",
        closed.body
    );
}

/// The researcher's page: a Safe Harbor extract with shifted dates comes back with its
/// report and the file to download (no name or MRN in it, the checksum of what is
/// offered); k above the smallest class is 422 naming it; a bad k is named; the extract is
/// audited as an export; other roles are refused.
#[tokio::test]
async fn a_researcher_makes_a_deidentified_extract_on_the_web() {
    let h = Harness::new();
    for mrn in ["P730", "P731", "P732"] {
        h.add_patient(mrn);
    }
    h.add_user("rita", &[Role::Researcher]);
    h.add_user("hana", &[Role::HimTechnician]);
    let rita = sign_in(&h, "rita").await;
    let home = html(&h.call("GET", "/", Some(&rita), None).await).to_owned();
    assert!(home.contains("href=\"/research/extracts\""), "{home}");
    let blank = h.call("GET", "/research/extracts", Some(&rita), None).await;
    assert_eq!(blank.status, StatusCode::OK);
    let token = page_token(&h, &rita).await;
    let made = h
        .form(
            "/research/extracts",
            Some(&rita),
            &[
                ("token", &token),
                ("dates", "shifted"),
                ("k", "1"),
                ("format", "csv"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let page = html(&made);
    let href = page
        .split("href=\"data:text/csv;base64,")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the file to download");
    let data = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, href).unwrap();
    let text = String::from_utf8(data.clone()).unwrap();
    assert!(
        text.starts_with("research_id,age,age_band,birth_date,"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 4, "a header and three patients");
    for mrn in ["P730", "P731", "P732"] {
        assert!(!text.contains(mrn));
    }
    use sha2::Digest;
    let sum = hex::encode(sha2::Sha256::digest(&data));
    assert!(page.contains(&sum), "the checksum of the file offered");
    assert!(page.contains("Safe Harbor with shifted dates"));
    let refused = h
        .form(
            "/research/extracts",
            Some(&rita),
            &[("token", &token), ("k", "5")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html(&refused).contains("smallest class"),
        "{}",
        html(&refused)
    );
    let bad = h
        .form(
            "/research/extracts",
            Some(&rita),
            &[("token", &token), ("k", "0")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&bad).contains("error-k"));
    let not_a_table = h
        .form(
            "/research/extracts",
            Some(&rita),
            &[("token", &token), ("k", "1"), ("tables", "notes")],
        )
        .await;
    assert_eq!(not_a_table.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&not_a_table).contains("error-tables"));
    let with_tables = h
        .form(
            "/research/extracts",
            Some(&rita),
            &[
                ("token", &token),
                ("k", "1"),
                ("tables", "procedures"),
                ("tables", "immunizations"),
            ],
        )
        .await;
    assert_eq!(with_tables.status, StatusCode::OK, "{}", with_tables.body);
    let page = html(&with_tables);
    for file in ["procedures.csv", "immunizations.csv"] {
        assert!(page.contains(&format!("download=\"{file}\"")), "{page}");
    }
    let exports = h
        .audit()
        .into_iter()
        .filter(|e| e.event.action == Action::Export && e.event.user == "rita")
        .count();
    assert_eq!(
        exports, 2,
        "the extracts made are audited, the refused ones write nothing"
    );
    let hana = sign_in(&h, "hana").await;
    let other = h.call("GET", "/research/extracts", Some(&hana), None).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
}

/// Delivery as FHIR: the release answers a `collection` Bundle holding exactly the records
/// the scope released (an HIV diagnosis not asked for stays out), the PDF packet inside a
/// DocumentReference, its checksum in `X-Bundle-SHA256` and in an export audit entry; kept
/// for the R4 schema check (`CHARTROOM_FHIR_SAMPLES`).
#[tokio::test]
async fn a_packet_delivered_as_fhir_is_a_bundle_of_exactly_the_records_released() {
    let h = Harness::new();
    let patient = h.add_patient("P740");
    let visit = h.add_encounter(patient, EncounterClass::Outpatient, h.now(), None);
    let clinic = h.add_encounter(
        patient,
        EncounterClass::Outpatient,
        h.now() - time::Duration::days(30),
        None,
    );
    h.add_note(patient, "Knee sprain, brace for two weeks.");
    let diagnosis = |code: &str, sequence: i32| Diagnosis {
        patient_id: PatientId(patient),
        encounter_id: EncounterId(if code == "B20" { clinic } else { visit }),
        code: code.into(),
        rank: if sequence == 1 {
            DiagnosisRank::FirstListed
        } else {
            DiagnosisRank::Secondary
        },
        sequence,
        poa: None,
        description: None,
        onset_at: None,
    };
    let (sprain, hiv) = h
        .store
        .write(|tx| {
            let a = tx.create(&store::Actor::new("test"), &diagnosis("S83.91XA", 1))?;
            let b = tx.create(&store::Actor::new("test"), &diagnosis("B20", 1))?;
            Ok((a.meta.id, b.meta.id))
        })
        .unwrap();
    h.add_user("hana", &[Role::HimTechnician]);
    let who = AuditEvent::new(h.now(), "test", Action::Create, Channel::Cli);
    let taken = h
        .trail
        .write(&h.store, |a| {
            let mut r = request(patient);
            r.identity_verified = Some("certified copy of the order".into());
            r.categories = vec![
                ReleaseCategory::Demographics,
                ReleaseCategory::Encounters,
                ReleaseCategory::Diagnoses,
            ];
            r.delivery = Delivery::Fhir;
            r.from_date = None;
            Ok(disclosures::intake(a, &who, r)?)
        })
        .unwrap();
    let id = taken.meta.id;
    let expected = h
        .store
        .read(|tx| Ok(disclosures::check(tx, id, h.now().date()).unwrap()))
        .unwrap();
    assert!(expected.defects.is_empty(), "{:?}", expected.defects);
    let hana = sign_in(&h, "hana").await;
    let token = page_token(&h, &hana).await;
    let shown = html(
        &h.call("GET", &format!("/roi/{id}"), Some(&hana), None)
            .await,
    )
    .to_owned();
    assert!(
        shown.contains("Release the packet (FHIR bundle)"),
        "{shown}"
    );
    let released = h
        .form(
            &format!("/roi/{id}/release"),
            Some(&hana),
            &[("token", &token)],
        )
        .await;
    assert_eq!(released.status, StatusCode::OK, "{}", released.body);
    assert_eq!(released.headers["content-type"], "application/fhir+json");
    let bundle = &released.body;
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "collection");
    assert_eq!(bundle["identifier"]["value"], RoiRequest::number(id));
    let entries = bundle["entry"].as_array().unwrap();
    let mut got: Vec<String> = entries
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().unwrap().to_owned())
        .collect();
    got.sort();
    assert_eq!(
        got,
        ["Condition", "DocumentReference", "Encounter", "Patient"],
        "{bundle}"
    );
    assert_eq!(
        expected.scope.items.len(),
        entries.len() - 1,
        "exactly the scope"
    );
    let condition = entries
        .iter()
        .find(|e| e["resource"]["resourceType"] == "Condition")
        .unwrap();
    let text = condition.to_string();
    assert!(
        text.contains("S83.91XA") && !bundle.to_string().contains("B20"),
        "{text}"
    );
    assert!(
        text.contains(&format!("\"{sprain}\""))
            || condition["resource"]["id"]
                .as_str()
                .is_some_and(|i| i.ends_with(&sprain.to_string()))
    );
    assert!(
        !entries
            .iter()
            .any(|e| e["resource"]["resourceType"] == "Condition"
                && e["resource"]["id"]
                    .as_str()
                    .is_some_and(|i| i.ends_with(&format!("-{hiv}")) || i == hiv.to_string())),
        "the HIV diagnosis is withheld"
    );
    assert_eq!(
        entries
            .iter()
            .filter(|e| e["resource"]["resourceType"] == "Encounter")
            .count(),
        1,
        "its visit is withheld with it"
    );
    let pdf = entries
        .iter()
        .find(|e| e["resource"]["resourceType"] == "DocumentReference")
        .unwrap();
    let data = pdf["resource"]["content"][0]["attachment"]["data"]
        .as_str()
        .unwrap();
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, data).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let sum = released.headers["x-bundle-sha256"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(sum.len(), 64);
    assert!(
        h.audit().iter().any(|e| e
            .event
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("FHIR bundle") && r.contains(&sum))),
        "the bundle's release is audited with its checksum"
    );
    crate::fhir_schema::keep("roi-release-bundle", &released);
    let account = h
        .store
        .read(|tx| tx.for_patient::<Disclosure>(patient))
        .unwrap();
    assert_eq!(account.len(), 1);
}
