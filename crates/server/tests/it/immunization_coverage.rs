//! Immunization coverage over the API: the figures for a role that reads charts, small
//! cells withheld for public health, refused without aggregate reads, a bad day named,
//! each read audited.

use crate::harness::Harness;
use axum::http::StatusCode;
use privacy::{Action, Role};
use serde_json::json;

#[tokio::test]
async fn coverage_reports_count_and_withhold_small_cells() {
    let h = Harness::new();
    let first = h.add_patient("C1");
    h.add_patient("C2");
    crate::population::flu_shot(&h, first);
    h.add_user("doc", &[Role::Physician]);
    h.add_user("ph", &[Role::PublicHealth]);
    h.add_user("desk", &[Role::FrontDesk]);
    let doc = h.login("doc").await;
    let path = "/api/reports/coverage/influenza?as_of=2026-01-15";
    let reply = h.call("GET", path, Some(&doc), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["from"], "2025-07-01");
    assert_eq!(reply.body["small_cells_suppressed"], json!(false));
    let adults = &reply.body["rows"][3];
    assert_eq!(adults["label"], "18-49y");
    assert_eq!(
        (&adults["people"], &adults["covered"], &adults["percent"]),
        (&json!(2), &json!(1), &json!(50.0))
    );

    let ph = h.login("ph").await;
    let reply = h.call("GET", path, Some(&ph), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["small_cells_suppressed"], json!(true));
    let adults = &reply.body["rows"][3];
    assert_eq!(
        (&adults["people"], &adults["covered"], &adults["percent"]),
        (&json!(null), &json!(null), &json!(null))
    );
    assert_eq!(reply.body["rows"][0]["people"], json!(0));
    let entry = h.audit().pop().unwrap();
    assert_eq!(
        (entry.event.action, entry.event.user.as_str()),
        (Action::Read, "ph")
    );
    assert_eq!(
        entry.event.reason.as_deref(),
        Some("immunization coverage: influenza as of 2026-01-15")
    );

    let childhood = h
        .call("GET", "/api/reports/coverage/childhood", Some(&doc), None)
        .await;
    assert_eq!(childhood.status, StatusCode::OK, "{}", childhood.body);
    assert_eq!(childhood.body["rows"][7]["label"], "4:3:1:3:3:1:4");
    assert_eq!(childhood.body["rows"][7]["people"], json!(0));

    let desk = h.login("desk").await;
    let denied = h.call("GET", path, Some(&desk), None).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let bad = h
        .call(
            "GET",
            "/api/reports/coverage/childhood?as_of=2026-02-30",
            Some(&doc),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.to_string().contains("as_of"), "{}", bad.body);
}

/// One child's catch-up list: for a role that reads clinical data, audited under the
/// patient; refused to public health (aggregates only); an unknown patient is 404.
#[tokio::test]
async fn the_catch_up_list_is_patient_level_and_audited() {
    let h = Harness::new();
    // Born 1980-04-12, only an influenza shot: every childhood series is still owed but Hib
    // and PCV, which CDC's catch-up schedule stops at five years for healthy children.
    let patient = h.add_patient("K1");
    crate::population::flu_shot(&h, patient);
    h.add_user("doc", &[Role::Physician]);
    h.add_user("ph", &[Role::PublicHealth]);
    let doc = h.login("doc").await;
    let path = format!("/api/patients/{patient}/immunization-catch-up?as_of=2026-01-15");
    let reply = h.call("GET", &path, Some(&doc), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let due = reply.body["due"].as_array().unwrap();
    let series: Vec<&str> = due.iter().map(|d| d["series"].as_str().unwrap()).collect();
    assert_eq!(series, ["DTaP", "polio", "MMR", "HepB", "varicella"]);
    assert_eq!(
        (&due[0]["series"], &due[0]["dose"], &due[0]["earliest"]),
        (&json!("DTaP"), &json!(1), &json!("1980-05-24"))
    );
    assert_eq!(
        (&due[0]["due"], &due[0]["overdue"]),
        (&json!(true), &json!(true))
    );
    let entry = h.audit().pop().unwrap();
    assert_eq!(entry.event.user, "doc");
    assert_eq!(
        entry.event.reason.as_deref(),
        Some("immunization catch-up list as of 2026-01-15")
    );

    let ph = h.login("ph").await;
    let denied = h.call("GET", &path, Some(&ph), None).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let missing = h
        .call(
            "GET",
            "/api/patients/999999/immunization-catch-up",
            Some(&doc),
            None,
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.body);
}
