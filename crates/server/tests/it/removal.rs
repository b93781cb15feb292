//! Removing a diagnosis with a reason: a soft delete whose reason stays in the history.

use crate::harness::Harness;
use crate::pages::{html, location, page_token, sign_in};
use axum::http::StatusCode;
use privacy::{Action, Role};
use records::*;

#[tokio::test]
async fn a_diagnosis_is_removed_with_its_reason_and_its_history_kept() {
    let h = Harness::new();
    let patient = h.add_patient("P800");
    let encounter = h.add_encounter(patient, EncounterClass::Outpatient, h.now(), None);
    let diagnosis = h
        .store
        .write(|tx| {
            tx.create(
                &store::Actor::new("test"),
                &Diagnosis {
                    patient_id: PatientId(patient),
                    encounter_id: EncounterId(encounter),
                    code: "E11.9".into(),
                    rank: DiagnosisRank::FirstListed,
                    sequence: 1,
                    poa: None,
                    description: Some("Type 2 diabetes".into()),
                    onset_at: None,
                },
            )
        })
        .unwrap()
        .meta
        .id;
    h.add_user("hana", &[Role::HimTechnician]);
    h.add_user("fran", &[Role::FrontDesk]);
    let cookie = sign_in(&h, "hana").await;
    let chart_uri = format!("/patients/{patient}");
    let chart = h.call("GET", &chart_uri, Some(&cookie), None).await;
    let remove_uri = format!("/diagnoses/{diagnosis}/remove");
    assert!(html(&chart).contains(&format!("action=\"{remove_uri}\"")));
    let token = page_token(&h, &cookie).await;
    let no_reason = h
        .form(
            &remove_uri,
            Some(&cookie),
            &[("token", &token), ("version", "1"), ("reason", " ")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reason = "coded on the wrong encounter";
    let removed = h
        .form(
            &remove_uri,
            Some(&cookie),
            &[("token", &token), ("version", "1"), ("reason", reason)],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.body);
    assert_eq!(location(&removed), format!("/patients/{patient}#history"));
    let stored = h
        .store
        .read(|tx| tx.find::<Diagnosis>(diagnosis))
        .unwrap()
        .unwrap();
    assert!(
        stored.meta.deleted.is_some(),
        "soft-deleted, still readable by id"
    );
    let history = h
        .store
        .read(|tx| tx.history("diagnosis", diagnosis))
        .unwrap();
    assert_eq!(history[0].action, "delete");
    assert_eq!(history[0].reason.as_deref(), Some(reason));
    let entry = h.audit().pop().unwrap();
    assert_eq!(
        (entry.event.action, entry.event.reason.as_deref()),
        (Action::Delete, Some(reason))
    );
    let chart = h.call("GET", &chart_uri, Some(&cookie), None).await;
    assert!(!html(&chart).contains(&format!("action=\"{remove_uri}\"")));
    assert!(
        html(&chart).contains(reason),
        "the reason shows in the change history"
    );

    let cookie = sign_in(&h, "fran").await;
    let token = page_token(&h, &cookie).await;
    let denied = h
        .form(
            &remove_uri,
            Some(&cookie),
            &[("token", &token), ("version", "2"), ("reason", reason)],
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}
