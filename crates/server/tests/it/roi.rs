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
