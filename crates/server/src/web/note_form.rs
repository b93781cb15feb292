//! Writing a note by type on a patient's chart, as the provider the user's account is
//! linked to (so the note lands on their list of notes to sign).

use super::forms::{PageForm, PageResult, check_token, html};
use super::layout::{nav, page, token_field};
use super::text::{at_facility, name, words};
use crate::auth::Principal;
use crate::error::WebError;
use crate::patients::parse_id;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::html;
use privacy::{Action, DataCategory};
use records::{ClinicalNote, Encounter, EncounterId, NoteType, Patient, PatientId};
use serde::Deserialize;

/// Every note type, in the order a clinician picks from.
const TYPES: &[NoteType] = &[
    NoteType::Progress,
    NoteType::HistoryAndPhysical,
    NoteType::Consultation,
    NoteType::OperativeReport,
    NoteType::DischargeSummary,
    NoteType::EmergencyDepartment,
    NoteType::Telehealth,
    NoteType::RadiologyReport,
    NoteType::Other,
];

fn unlinked(principal: &Principal) -> WebError {
    WebError::Forbidden(format!(
        "your account ({}) is not linked to a provider, so a note would have no author; an administrator links it with `chartroom user provider`",
        principal.username
    ))
}

/// `GET /patients/{id}/notes/new`: note type, the encounter it documents, the text.
pub(crate) async fn form(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    let username = principal.username.clone();
    let (patient, encounters, provider) = state
        .blocking(move |state| {
            Ok(state.store.read(|tx| {
                let patient = tx.get::<Patient>(id)?;
                let encounters = tx.for_patient::<Encounter>(id)?;
                Ok((patient, encounters, tx.account_provider(&username)?))
            })?)
        })
        .await?;
    if provider.is_none() {
        return Err(unlinked(&principal).into());
    }
    let nav = nav(&state, &principal);
    let body = html! {
        form.stack.wide method="post" action={ "/patients/" (id) "/notes" } {
            (token_field(&nav))
            label for="note_type" { "Kind of note *" }
            select #note_type name="note_type" { @for note_type in TYPES { option value=(name(note_type)) { (note_type.label()) } } }
            label for="encounter_id" { "Encounter" }
            select #encounter_id name="encounter_id" {
                option value="" { "None" }
                @for encounter in encounters.iter().rev() {
                    option value=(encounter.meta.id) { (at_facility(&nav.zone, encounter.record.admit_at)) " · " (words(&encounter.record.class)) " · " (words(&encounter.record.status)) }
                }
            }
            label for="text" { "Note *" }
            textarea #text name="text" rows="12" required {}
            div.actions { button type="submit" { "Save note" } a href={ "/patients/" (id) "#notes" } { "Cancel" } }
        }
    };
    let title = format!("Note for {}", patient.record.display_name());
    Ok(html(StatusCode::OK, page(&title, Some(&nav), body)))
}

#[derive(Debug, Deserialize)]
pub(crate) struct NoteForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    note_type: String,
    #[serde(default)]
    encounter_id: String,
    #[serde(default)]
    text: String,
}

/// `POST /patients/{id}/notes`: stores the unsigned note, authored now by the user's
/// provider, with its audit entry; then the chart's notes.
pub(crate) async fn add(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<NoteForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id(&id)?;
    let note_type = TYPES
        .iter()
        .copied()
        .find(|t| name(t) == form.note_type)
        .ok_or_else(|| {
            WebError::bad(
                "note_type",
                format!("\"{}\" is not a kind of note", form.note_type),
            )
        })?;
    let encounter = match form.encounter_id.trim() {
        "" => None,
        text => Some(EncounterId(parse_id(text)?)),
    };
    let text = form.text.trim().to_owned();
    state
        .blocking(move |state| {
            let provider = state
                .store
                .read(|tx| tx.account_provider(&principal.username))?
                .ok_or_else(|| unlinked(&principal))?;
            if let Some(encounter) = encounter {
                let on = state.store.read(|tx| tx.get::<Encounter>(encounter.0))?;
                if on.record.patient_id != PatientId(id) {
                    return Err(WebError::bad(
                        "encounter_id",
                        "is another patient's encounter",
                    ));
                }
            }
            state.trail.write(&state.store, |audited| {
                let note = ClinicalNote {
                    patient_id: PatientId(id),
                    encounter_id: encounter,
                    note_type,
                    author_id: Some(provider),
                    authored_at: audited.now(),
                    text,
                    signed_at: None,
                    signer_id: None,
                };
                let actor = store::Actor::new(format!("user:{}", principal.username));
                let stored = audited.records().create(&actor, &note)?;
                let event = principal
                    .event(audited.now(), Action::Create)
                    .patient(PatientId(id))
                    .record("note", stored.meta.id)
                    .categories(&[DataCategory::Notes]);
                audited.append(&event)?;
                Ok(())
            })?;
            Ok(())
        })
        .await?;
    Ok(Redirect::to(&format!("/patients/{id}#notes")).into_response())
}
