//! Opening an encounter with its details and changing or closing it from the chart:
//! every problem named by its label at once, versioned and audited writes.

use crate::harness::Harness;
use crate::pages::{html, location, page_token, sign_in};
use crate::signing::add_provider;
use axum::http::StatusCode;
use privacy::{Action, Role};
use records::{Encounter, EncounterClass, EncounterStatus, ProviderId};
use time::macros::datetime;

#[tokio::test]
async fn an_encounter_is_opened_changed_and_closed_with_its_details() {
    let h = Harness::new();
    let patient = h.add_patient("P610");
    let doctor = add_provider(&h, "Osler");
    h.add_user("him", &[Role::HimTechnician]);
    let cookie = sign_in(&h, "him").await;
    let chart = h
        .call("GET", &format!("/patients/{patient}"), Some(&cookie), None)
        .await;
    assert!(html(&chart).contains(&format!("href=\"/patients/{patient}/encounters/new\"")));
    let form = h
        .call(
            "GET",
            &format!("/patients/{patient}/encounters/new"),
            Some(&cookie),
            None,
        )
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(html(&form).contains("Admission time"));
    let token = page_token(&h, &cookie).await;
    let uri = format!("/patients/{patient}/encounters");
    let doctor_id = doctor.to_string();

    let refused = h
        .form(
            &uri,
            Some(&cookie),
            &[
                ("token", &token),
                ("class", "walk-in"),
                ("admit_at", "monday"),
                ("discharge_disposition", "01"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(&refused);
    for expected in [
        "Kind of visit</a>: &quot;walk-in&quot; is not inpatient, outpatient, emergency or telehealth",
        "Admission time</a>: &quot;monday&quot; is not a date and time",
        "Discharge disposition</a>: goes with a discharge time",
    ] {
        assert!(page.contains(expected), "{expected} missing from {page}");
    }
    assert!(page.contains("value=\"monday\""), "what was typed is kept");
    let stranger = h
        .form(
            &uri,
            Some(&cookie),
            &[
                ("token", &token),
                ("class", "inpatient"),
                ("admit_at", "2026-03-02T09:00"),
                ("attending_id", "999"),
            ],
        )
        .await;
    assert_eq!(stranger.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&stranger).contains("Attending</a>: provider 999 is not on file"));
    assert!(
        h.store
            .read(|tx| tx.for_patient::<Encounter>(patient))
            .unwrap()
            .is_empty()
    );

    let opened = h
        .form(
            &uri,
            Some(&cookie),
            &[
                ("token", &token),
                ("class", "inpatient"),
                ("admit_at", "2026-03-02T09:00"),
                ("attending_id", &doctor_id),
                ("service", "Medicine"),
                ("reason", "pneumonia"),
            ],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    assert_eq!(location(&opened), format!("/patients/{patient}#encounters"));
    let visit = h
        .store
        .read(|tx| tx.for_patient::<Encounter>(patient))
        .unwrap()
        .remove(0);
    assert_eq!(
        (
            visit.record.class,
            visit.record.status,
            visit.record.admit_at,
            visit.record.attending_id,
            visit.record.service.as_deref()
        ),
        (
            EncounterClass::Inpatient,
            EncounterStatus::InProgress,
            datetime!(2026-03-02 09:00 UTC),
            Some(ProviderId(doctor)),
            Some("Medicine")
        )
    );
    let entry = h.audit().pop().unwrap();
    assert_eq!(
        (entry.event.action, entry.event.record_id),
        (Action::Create, Some(visit.meta.id))
    );

    let edit_uri = format!("/encounters/{}/edit", visit.meta.id);
    let filled = h.call("GET", &edit_uri, Some(&cookie), None).await;
    assert_eq!(filled.status, StatusCode::OK, "{}", filled.body);
    assert!(html(&filled).contains("value=\"2026-03-02T09:00\""));
    let backwards = h
        .form(
            &edit_uri,
            Some(&cookie),
            &[
                ("token", &token),
                ("version", "1"),
                ("class", "inpatient"),
                ("admit_at", "2026-03-02T09:00"),
                ("discharge_at", "2026-03-01T09:00"),
                ("discharge_disposition", "88x"),
            ],
        )
        .await;
    assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(&backwards);
    assert!(page.contains("Discharge time</a>: 2026-03-01"), "{page}");
    assert!(page.contains("Discharge disposition</a>: &quot;88x&quot; is not a UB-04"));

    let closed = h
        .form(
            &edit_uri,
            Some(&cookie),
            &[
                ("token", &token),
                ("version", "1"),
                ("class", "inpatient"),
                ("admit_at", "2026-03-02T09:00"),
                ("discharge_at", "2026-03-05T14:30"),
                ("attending_id", &doctor_id),
                ("service", "Cardiology"),
                ("discharge_disposition", "03"),
                ("reason", "pneumonia"),
            ],
        )
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
    let visit = h
        .store
        .read(|tx| tx.get::<Encounter>(visit.meta.id))
        .unwrap();
    assert_eq!(
        (
            visit.meta.version,
            visit.record.status,
            visit.record.discharge_at,
            visit.record.discharge_disposition.as_deref(),
            visit.record.service.as_deref()
        ),
        (
            2,
            EncounterStatus::Finished,
            Some(datetime!(2026-03-05 14:30 UTC)),
            Some("03"),
            Some("Cardiology")
        )
    );
    assert_eq!(h.audit().pop().unwrap().event.action, Action::Update);

    let stale = h
        .form(
            &edit_uri,
            Some(&cookie),
            &[
                ("token", &token),
                ("version", "1"),
                ("class", "inpatient"),
                ("admit_at", "2026-03-02T09:00"),
                ("discharge_at", "2026-03-05T15:30"),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn billing_opens_no_encounter() {
    let h = Harness::new();
    let patient = h.add_patient("P611");
    h.add_user("bill", &[Role::Billing]);
    let cookie = sign_in(&h, "bill").await;
    let token = page_token(&h, &cookie).await;
    let refused = h
        .form(
            &format!("/patients/{patient}/encounters"),
            Some(&cookie),
            &[
                ("token", &token),
                ("class", "outpatient"),
                ("admit_at", "2026-03-02T09:00"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let chart = h
        .call("GET", &format!("/patients/{patient}"), Some(&cookie), None)
        .await;
    assert!(!html(&chart).contains("/encounters/new"));
}

#[tokio::test]
async fn times_are_the_facilitys_with_utc_on_hover() {
    let h = Harness::configured(|config| {
        config.time_zone = server::FacilityZone::named("America/Chicago").unwrap();
    });
    let patient = h.add_patient("P612");
    h.add_encounter(
        patient,
        EncounterClass::Outpatient,
        datetime!(2026-01-10 14:00 UTC),
        None,
    );
    h.add_user("him", &[Role::HimTechnician]);
    let cookie = sign_in(&h, "him").await;
    let chart = h
        .call("GET", &format!("/patients/{patient}"), Some(&cookie), None)
        .await;
    assert!(
        html(&chart).contains(
            "<time datetime=\"2026-01-10T14:00:00Z\" title=\"2026-01-10 14:00 UTC\">2026-01-10 08:00 CST</time>"
        ),
        "{}",
        html(&chart)
    );
    let token = page_token(&h, &cookie).await;
    let opened = h
        .form(
            &format!("/patients/{patient}/encounters"),
            Some(&cookie),
            &[
                ("token", &token),
                ("class", "outpatient"),
                ("admit_at", "2026-07-10T09:00"),
            ],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let visits = h
        .store
        .read(|tx| tx.for_patient::<Encounter>(patient))
        .unwrap();
    assert!(
        visits
            .iter()
            .any(|v| v.record.admit_at == datetime!(2026-07-10 14:00 UTC)),
        "09:00 CDT is 14:00 UTC"
    );
}
