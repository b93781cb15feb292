//! Emergency (break-the-glass) access on every channel: FHIR reads and searches open only
//! what a live grant and the facility's emergency set open, refusals are audited, and the
//! privacy officer marks each access reviewed with a note, once.

use super::fhir_rest::fhir;
use super::harness::Harness;
use axum::http::StatusCode;
use privacy::{Action, Channel, Outcome, Role};
use serde_json::json;

async fn break_glass(h: &Harness, cookie: &str, patient: i64) {
    let granted = h
        .call(
            "POST",
            &format!("/api/patients/{patient}/break-glass"),
            Some(cookie),
            Some(json!({"reason": "unconscious in the emergency department", "minutes": 30})),
        )
        .await;
    assert_eq!(granted.status, StatusCode::CREATED, "{}", granted.body);
}

#[tokio::test]
async fn fhir_reads_open_under_a_live_grant_for_that_patient_only() {
    let h = Harness::configured(|config| {
        config.emergency_staff =
            privacy::EmergencyStaff::new(vec!["doc".into()], privacy::RoleSet::new());
    });
    let mine = h.add_patient("B1");
    let other = h.add_patient("B2");
    let charge = h.add_charge(mine, "99213", 12_500);
    let other_charge = h.add_charge(other, "99213", 9_900);
    h.add_user("doc", &[Role::Physician]);
    let doc = h.login("doc").await;
    let claim = format!("/fhir/ChargeItem/{charge}");

    let before = fhir(&h, "GET", &claim, &doc, None, &[]).await;
    assert_eq!(before.status, StatusCode::FORBIDDEN, "{}", before.body);
    assert_eq!(before.body["resourceType"], "OperationOutcome");
    let denied = h.audit().pop().unwrap().event;
    assert_eq!(
        (
            denied.outcome,
            denied.channel,
            denied.patient_id.map(|p| p.0)
        ),
        (Outcome::Denied, Channel::Fhir, Some(mine))
    );

    break_glass(&h, &doc, mine).await;
    let read = fhir(&h, "GET", &claim, &doc, None, &[]).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    assert_eq!(read.body["resourceType"], "ChargeItem");
    let entry = h.audit().pop().unwrap().event;
    assert_eq!(entry.outcome, Outcome::Success);
    assert_eq!(
        entry.reason.as_deref(),
        Some("emergency access (break the glass)")
    );
    let history = fhir(&h, "GET", &format!("{claim}/_history"), &doc, None, &[]).await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.body);

    // Another patient's record stays closed, and a search must stay on the opened chart.
    let elsewhere = fhir(
        &h,
        "GET",
        &format!("/fhir/ChargeItem/{other_charge}"),
        &doc,
        None,
        &[],
    )
    .await;
    assert_eq!(elsewhere.status, StatusCode::FORBIDDEN);
    let on_chart = fhir(
        &h,
        "GET",
        &format!("/fhir/ChargeItem?patient={mine}"),
        &doc,
        None,
        &[],
    )
    .await;
    assert_eq!(on_chart.status, StatusCode::OK, "{}", on_chart.body);
    assert_eq!(on_chart.body["entry"].as_array().unwrap().len(), 1);
    let everyone = fhir(&h, "GET", "/fhir/ChargeItem", &doc, None, &[]).await;
    assert_eq!(everyone.status, StatusCode::FORBIDDEN, "{}", everyone.body);
    let denied = h.audit().pop().unwrap().event;
    assert_eq!(denied.patient_id.map(|p| p.0), Some(other));

    // A user who may not break the glass is still refused at the door.
    h.add_user("fd", &[Role::FrontDesk]);
    let fd = h.login("fd").await;
    let refused = fhir(&h, "GET", &claim, &fd, None, &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_emergency_set_limits_what_a_grant_opens_on_every_channel() {
    let h = Harness::configured(|config| {
        config.emergency_set = privacy::EmergencySet::parse("clinical").unwrap();
        config.emergency_staff =
            privacy::EmergencyStaff::new(vec!["doc".into()], privacy::RoleSet::new());
    });
    let patient = h.add_patient("B3");
    let charge = h.add_charge(patient, "99213", 12_500);
    h.add_user("doc", &[Role::Physician]);
    let doc = h.login("doc").await;
    break_glass(&h, &doc, patient).await;
    let claim = fhir(
        &h,
        "GET",
        &format!("/fhir/ChargeItem/{charge}"),
        &doc,
        None,
        &[],
    )
    .await;
    assert_eq!(claim.status, StatusCode::FORBIDDEN, "{}", claim.body);
    let chart = h
        .call("GET", &format!("/api/patients/{patient}"), Some(&doc), None)
        .await;
    assert_eq!(chart.status, StatusCode::OK);
    assert!(chart.body.get("charges").is_none(), "{}", chart.body);
}

#[tokio::test]
async fn only_the_listed_users_may_break_the_glass_when_a_list_is_set() {
    let h = Harness::configured(|config| {
        config.emergency_staff =
            privacy::EmergencyStaff::new(vec!["ed-doc".into()], privacy::RoleSet::new());
    });
    let patient = h.add_patient("B4");
    h.add_user("doc", &[Role::Physician]);
    let doc = h.login("doc").await;
    let refused = h
        .call(
            "POST",
            &format!("/api/patients/{patient}/break-glass"),
            Some(&doc),
            Some(json!({"reason": "unconscious in the emergency department"})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let entry = h.audit().pop().unwrap().event;
    assert_eq!(entry.outcome, Outcome::Denied);
    h.add_user("ed-doc", &[Role::Physician]);
    let ed = h.login("ed-doc").await;
    break_glass(&h, &ed, patient).await;
}

#[tokio::test]
async fn the_privacy_officer_marks_an_access_reviewed_with_a_note_once() {
    let h = Harness::configured(|config| {
        config.emergency_staff =
            privacy::EmergencyStaff::new(vec!["doc".into()], privacy::RoleSet::new());
    });
    let patient = h.add_patient("B5");
    h.add_user("doc", &[Role::Physician]);
    h.add_user("officer", &[Role::Auditor]);
    let doc = h.login("doc").await;
    break_glass(&h, &doc, patient).await;
    let officer = h.login("officer").await;
    let list = h
        .call(
            "POST",
            "/api/break-glass/review",
            Some(&officer),
            Some(json!({})),
        )
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let waiting = &list.body["waiting"][0];
    assert_eq!(waiting["username"], "doc");
    assert_eq!(waiting["age"], "under 1 day");
    assert_eq!(list.body["waiting_by_age"]["under 1 day"], 1);
    let id = waiting["id"].as_i64().unwrap();
    let path = format!("/api/break-glass/{id}/reviewed");

    let empty = h
        .call("POST", &path, Some(&officer), Some(json!({"note": "  "})))
        .await;
    assert_eq!(
        empty.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        empty.body
    );
    let done = h
        .call(
            "POST",
            &path,
            Some(&officer),
            Some(json!({"note": "treating physician, on the ED rota that night"})),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.body["reviewed_by"], "officer");
    let entry = h.audit().pop().unwrap().event;
    assert_eq!(entry.record_kind.as_deref(), Some("break_glass_grant"));
    assert_eq!(entry.patient_id.map(|p| p.0), Some(patient));
    assert!(entry.new_values.unwrap().contains("ED rota"));
    let again = h
        .call(
            "POST",
            &path,
            Some(&officer),
            Some(json!({"note": "again"})),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);

    let list = h
        .call(
            "POST",
            "/api/break-glass/review",
            Some(&officer),
            Some(json!({})),
        )
        .await;
    assert_eq!(list.body["waiting"], json!([]));
    assert_eq!(
        list.body["reviewed"][0]["review_note"],
        "treating physician, on the ED rota that night"
    );

    // The page lists it as reviewed; a doctor may not review.
    let page = h.call("GET", "/break-glass", Some(&officer), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.as_str().unwrap().contains("ED rota"));
    let not_theirs = h
        .call(
            "POST",
            &path,
            Some(&doc),
            Some(json!({"note": "fine by me"})),
        )
        .await;
    assert_eq!(not_theirs.status, StatusCode::FORBIDDEN);
}

/// Issue 10: not every physician may break the glass by default. With no one named,
/// a physician's request is refused and audited, and the chart page offers no form; a
/// facility names users (`--break-glass-users`) or whole roles (`--break-glass-roles`).
#[tokio::test]
async fn nobody_may_break_the_glass_until_the_facility_names_them() {
    let h = Harness::new();
    let patient = h.add_patient("B5");
    h.add_user("doc", &[Role::Physician]);
    let doc = h.login("doc").await;
    let refused = h
        .call(
            "POST",
            &format!("/api/patients/{patient}/break-glass"),
            Some(&doc),
            Some(json!({"reason": "unconscious in the emergency department"})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let entry = h.audit().pop().unwrap().event;
    assert_eq!(
        (entry.action, entry.outcome),
        (Action::BreakGlass, Outcome::Denied)
    );
    assert!(
        entry.reason.as_deref().unwrap().contains("no one is named"),
        "{:?}",
        entry.reason
    );

    let page_session = super::pages::sign_in(&h, "doc").await;
    let chart = h
        .call(
            "GET",
            &format!("/patients/{patient}"),
            Some(&page_session),
            None,
        )
        .await;
    let page = super::pages::html(&chart);
    assert!(page.contains("Not shown to your roles") && !page.contains("Break the glass"));

    let by_role = Harness::configured(|config| {
        config.emergency_staff =
            privacy::EmergencyStaff::new(Vec::new(), privacy::RoleSet::of(&[Role::Physician]));
    });
    let patient = by_role.add_patient("B6");
    by_role.add_user("doc", &[Role::Physician]);
    let doc = by_role.login("doc").await;
    break_glass(&by_role, &doc, patient).await;
}
