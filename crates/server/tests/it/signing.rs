//! A physician's notes to sign: the start page's worklist, the Sign button, who may sign,
//! and the audit entries of both the look and the signature.

use crate::harness::{Harness, Reply};
use crate::pages::{html, location, page_token, sign_in};
use axum::http::StatusCode;
use privacy::{Action, Role};
use records::{ClinicalNote, NoteType, PatientId, Provider, ProviderId};
use store::Actor;

pub(crate) fn add_provider(h: &Harness, family: &str) -> i64 {
    let provider = Provider {
        npi: None,
        family_name: family.into(),
        given_name: "Test".into(),
        credentials: Some("MD".into()),
        taxonomy: None,
        specialty: None,
        organization_id: None,
    };
    h.store
        .write(|tx| tx.create(&Actor::new("test"), &provider))
        .unwrap()
        .meta
        .id
}

fn add_note_by(h: &Harness, patient: i64, author: i64, text: &str) -> i64 {
    let note = ClinicalNote {
        patient_id: PatientId(patient),
        encounter_id: None,
        note_type: NoteType::Progress,
        author_id: Some(ProviderId(author)),
        authored_at: h.now() - time::Duration::hours(3),
        text: text.into(),
        signed_at: None,
        signer_id: None,
    };
    h.store
        .write(|tx| tx.create(&Actor::new("test"), &note))
        .unwrap()
        .meta
        .id
}

fn link(h: &Harness, username: &str, provider: i64) {
    h.store
        .write(|tx| tx.link_account_provider(username, ProviderId(provider)))
        .unwrap();
}

async fn sign_form(h: &Harness, cookie: &str, token: &str, note: i64, version: &str) -> Reply {
    let uri = format!("/notes/{note}/sign");
    h.form(
        &uri,
        Some(cookie),
        &[("token", token), ("version", version)],
    )
    .await
}

async fn sign_api(h: &Harness, cookie: &str, note: i64) -> Reply {
    let uri = format!("/api/notes/{note}/sign");
    let body = serde_json::json!({"version": 1});
    h.call("POST", &uri, Some(cookie), Some(body)).await
}

#[tokio::test]
async fn physician_signs_own_note_from_the_start_page() {
    let h = Harness::new();
    let patient = h.add_patient("P300");
    let mine = add_provider(&h, "Mine");
    let theirs = add_provider(&h, "Theirs");
    let note = add_note_by(&h, patient, mine, "Synthetic progress note, stable.");
    let other = add_note_by(&h, patient, theirs, "Someone else's note.");
    h.add_user("doc", &[Role::Physician]);
    link(&h, "doc", mine);
    let cookie = sign_in(&h, "doc").await;

    let home = h.call("GET", "/", Some(&cookie), None).await;
    assert_eq!(home.status, StatusCode::OK);
    let text = html(&home);
    assert!(text.contains("Notes to sign (1)"), "{text}");
    assert!(text.contains("Testpatient, Tess"));
    assert!(text.contains(&format!("action=\"/notes/{note}/sign\"")));
    assert!(!text.contains(&format!("/notes/{other}/sign")));
    let look = h.audit().pop().unwrap();
    assert_eq!(look.event.action, Action::Read);
    assert_eq!(look.event.patient_id, Some(PatientId(patient)));
    assert_eq!(look.event.reason.as_deref(), Some("notes to sign"));

    let token = page_token(&h, &cookie).await;
    let signed = sign_form(&h, &cookie, &token, note, "1").await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    assert_eq!(location(&signed), format!("/?signed={note}"));
    let stored = h.store.read(|tx| tx.get::<ClinicalNote>(note)).unwrap();
    assert_eq!(stored.record.signed_at, Some(h.now()));
    assert_eq!(stored.record.signer_id, Some(ProviderId(mine)));
    let history = h.store.read(|tx| tx.history("note", note)).unwrap();
    assert_eq!(history[0].changed_by, "user:doc");
    let entry = h.audit().pop().unwrap();
    assert_eq!(entry.event.action, Action::Sign);
    assert_eq!(entry.event.record_kind.as_deref(), Some("note"));
    assert_eq!(entry.event.record_id, Some(note));
    assert_eq!(entry.event.patient_id, Some(PatientId(patient)));

    let after = h
        .call("GET", &format!("/?signed={note}"), Some(&cookie), None)
        .await;
    assert!(html(&after).contains(&format!("Note {note} signed.")));
    assert!(html(&after).contains("No notes wait for your signature."));

    let again = sign_form(&h, &cookie, &token, note, "2").await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&again).contains("already signed"), "{}", again.body);
    let not_mine = sign_form(&h, &cookie, &token, other, "1").await;
    assert_eq!(not_mine.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html(&not_mine).contains("neither the note"),
        "{}",
        not_mine.body
    );
    let untouched = h.store.read(|tx| tx.get::<ClinicalNote>(other)).unwrap();
    assert!(untouched.record.is_unsigned());
}

#[tokio::test]
async fn unlinked_accounts_and_other_roles_sign_nothing() {
    let h = Harness::new();
    let patient = h.add_patient("P301");
    let provider = add_provider(&h, "Solo");
    let note = add_note_by(&h, patient, provider, "Unsigned.");
    h.add_user("phil", &[Role::Physician]);
    h.add_user("bill", &[Role::Billing]);

    let cookie = sign_in(&h, "phil").await;
    let home = h.call("GET", "/", Some(&cookie), None).await;
    assert!(html(&home).contains("not linked to a provider"));
    let token = page_token(&h, &cookie).await;
    let refused = sign_form(&h, &cookie, &token, note, "1").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(html(&refused).contains("not linked to a provider"));

    let cookie = sign_in(&h, "bill").await;
    let home = h.call("GET", "/", Some(&cookie), None).await;
    assert!(!html(&home).contains("Notes to sign"));
    let token = page_token(&h, &cookie).await;
    let denied = sign_form(&h, &cookie, &token, note, "1").await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let stored = h.store.read(|tx| tx.get::<ClinicalNote>(note)).unwrap();
    assert!(stored.record.is_unsigned());
}

#[tokio::test]
async fn api_lists_and_signs_notes_too() {
    let h = Harness::new();
    let patient = h.add_patient("P302");
    let provider = add_provider(&h, "Api");
    let note = add_note_by(&h, patient, provider, "Via the API.");
    h.add_user("doc", &[Role::Physician]);
    link(&h, "doc", provider);
    let cookie = h.login("doc").await;
    let listed = h
        .call("GET", "/api/notes/unsigned", Some(&cookie), None)
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(listed.body["linked"], true);
    assert_eq!(listed.body["notes"][0]["note"]["meta"]["id"], note);
    let signed = sign_api(&h, &cookie, note).await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
    assert_eq!(signed.body["record"]["signer_id"], provider);
    let twice = sign_api(&h, &cookie, note).await;
    assert_eq!(
        twice.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        twice.body
    );
    assert_eq!(
        twice.body["reason"],
        "signed_at: the note is already signed"
    );
}

#[tokio::test]
async fn physician_writes_a_note_by_type_and_it_waits_for_their_signature() {
    let h = Harness::new();
    let patient = h.add_patient("P303");
    let provider = add_provider(&h, "Writer");
    h.add_user("doc", &[Role::Physician]);
    h.add_user("phil", &[Role::Physician]);
    link(&h, "doc", provider);
    let cookie = sign_in(&h, "doc").await;
    let chart = h
        .call("GET", &format!("/patients/{patient}"), Some(&cookie), None)
        .await;
    let new_note = format!("/patients/{patient}/notes/new");
    assert!(html(&chart).contains(&format!("href=\"{new_note}\"")));
    let form = h.call("GET", &new_note, Some(&cookie), None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(html(&form).contains("Discharge summary"));
    let token = page_token(&h, &cookie).await;
    let saved = h
        .form(
            &format!("/patients/{patient}/notes"),
            Some(&cookie),
            &[
                ("token", &token),
                ("note_type", "consultation"),
                ("encounter_id", ""),
                ("text", "Synthetic consult: no acute findings."),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let notes = h
        .store
        .read(|tx| tx.for_patient::<ClinicalNote>(patient))
        .unwrap();
    let note = &notes[0];
    assert_eq!(note.record.note_type, NoteType::Consultation);
    assert_eq!(note.record.author_id, Some(ProviderId(provider)));
    assert!(note.record.is_unsigned());
    assert_eq!(h.audit().pop().unwrap().event.action, Action::Create);
    let home = h.call("GET", "/", Some(&cookie), None).await;
    assert!(html(&home).contains(&format!("/notes/{}/sign", note.meta.id)));

    let cookie = sign_in(&h, "phil").await;
    let refused = h.call("GET", &new_note, Some(&cookie), None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(html(&refused).contains("not linked to a provider"));
}
