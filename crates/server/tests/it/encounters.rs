//! Checking a patient in from the chart and closing the visit, each audited.

use crate::harness::Harness;
use crate::pages::{html, location, page_token, sign_in};
use axum::http::StatusCode;
use privacy::{Action, Role};
use records::{Encounter, EncounterClass, EncounterStatus};

#[tokio::test]
async fn front_desk_checks_a_patient_in_and_the_visit_is_closed() {
    let h = Harness::new();
    let patient = h.add_patient("P600");
    h.add_user("fran", &[Role::FrontDesk]);
    let cookie = sign_in(&h, "fran").await;
    let chart = h
        .call("GET", &format!("/patients/{patient}"), Some(&cookie), None)
        .await;
    assert!(html(&chart).contains(&format!("href=\"/patients/{patient}/check-in\"")));
    let form = h
        .call(
            "GET",
            &format!("/patients/{patient}/check-in"),
            Some(&cookie),
            None,
        )
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let token = page_token(&h, &cookie).await;
    let checked_in = h
        .form(
            &format!("/patients/{patient}/check-in"),
            Some(&cookie),
            &[
                ("token", &token),
                ("class", "outpatient"),
                ("reason", "cough"),
            ],
        )
        .await;
    assert_eq!(
        checked_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        checked_in.body
    );
    assert_eq!(
        location(&checked_in),
        format!("/patients/{patient}#encounters")
    );
    let visits = h
        .store
        .read(|tx| tx.for_patient::<Encounter>(patient))
        .unwrap();
    let visit = &visits[0];
    assert_eq!(
        (
            visit.record.class,
            visit.record.status,
            visit.record.admit_at
        ),
        (
            EncounterClass::Outpatient,
            EncounterStatus::InProgress,
            h.now()
        )
    );
    let entry = h.audit().pop().unwrap();
    assert_eq!(
        (entry.event.action, entry.event.record_id),
        (Action::Create, Some(visit.meta.id))
    );

    let chart = h
        .call("GET", &format!("/patients/{patient}"), Some(&cookie), None)
        .await;
    assert!(html(&chart).contains(&format!("action=\"/encounters/{}/close\"", visit.meta.id)));
    h.clock.advance(time::Duration::minutes(10));
    let close_uri = format!("/encounters/{}/close", visit.meta.id);
    let closed = h
        .form(
            &close_uri,
            Some(&cookie),
            &[("token", &token), ("version", "1"), ("disposition", "01")],
        )
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
    assert_eq!(location(&closed), format!("/patients/{patient}#encounters"));
    let visit = h
        .store
        .read(|tx| tx.get::<Encounter>(visit.meta.id))
        .unwrap();
    assert_eq!(visit.record.status, EncounterStatus::Finished);
    assert_eq!(visit.record.discharge_at, Some(h.now()));
    assert_eq!(visit.record.discharge_disposition.as_deref(), Some("01"));
    assert_eq!(h.audit().pop().unwrap().event.action, Action::Update);

    let again = h
        .form(
            &close_uri,
            Some(&cookie),
            &[("token", &token), ("version", "2"), ("disposition", "01")],
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&again).contains("only an encounter in progress can be closed"));
}

#[tokio::test]
async fn billing_checks_nobody_in() {
    let h = Harness::new();
    let patient = h.add_patient("P601");
    h.add_user("bill", &[Role::Billing]);
    let cookie = sign_in(&h, "bill").await;
    let token = page_token(&h, &cookie).await;
    let refused = h
        .form(
            &format!("/patients/{patient}/check-in"),
            Some(&cookie),
            &[("token", &token), ("class", "outpatient")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let chart = h
        .call("GET", &format!("/patients/{patient}"), Some(&cookie), None)
        .await;
    assert!(!html(&chart).contains("/check-in"));
}
