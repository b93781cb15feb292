//! Note signing over HTTP: the signed-in physician's worklist of unsigned notes and the
//! signature itself. The rules (who may sign, what signing sets, that a signed note stays
//! as signed) are `records::ClinicalNote::signed` and `store::Tx::sign_note`; this module
//! finds the provider the account signs as and audits both the look and the signature.
//!
//! Invariants:
//! - A user signs only as the provider their account is linked to (`chartroom user
//!   provider`); an unlinked account signs nothing.
//! - The signature and its `sign` audit entry commit together; listing the worklist is an
//!   audited read of each listed patient's notes.

use crate::auth::Principal;
use crate::body::JsonBody;
use crate::error::WebError;
use crate::patients::parse_id;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use privacy::{Action, DataCategory};
use records::{ClinicalNote, Patient, ProviderId};
use serde::Deserialize;
use serde_json::{Value, json};
use store::Stored;

/// Most notes a worklist shows at once (the oldest first, so nothing waits forever).
pub(crate) const WORKLIST_LIMIT: i64 = 50;

/// One note waiting for the user's signature, with whose it is.
pub(crate) struct ToSign {
    pub note: Stored<ClinicalNote>,
    pub patient: Stored<Patient>,
}

/// The user's unsigned notes, or `None` when their account is not linked to a provider.
pub(crate) fn worklist(
    state: &AppState,
    principal: &Principal,
) -> Result<Option<Vec<ToSign>>, WebError> {
    let found = state.store.read(|tx| {
        let Some(provider) = tx.account_provider(&principal.username)? else {
            return Ok(None);
        };
        let notes = tx.unsigned_notes_for(provider, WORKLIST_LIMIT)?;
        let mut listed = Vec::with_capacity(notes.len());
        for note in notes {
            let patient = tx.get::<Patient>(note.record.patient_id.0)?;
            listed.push(ToSign { note, patient });
        }
        Ok(Some(listed))
    })?;
    if let Some(listed) = &found {
        let mut patients: Vec<i64> = listed.iter().map(|n| n.patient.meta.id).collect();
        patients.sort_unstable();
        patients.dedup();
        let categories = [DataCategory::Demographics, DataCategory::Notes];
        crate::patients::audit_listed(state, principal, &patients, &categories, "notes to sign")?;
    }
    Ok(found)
}

/// Signs note `id`, read at `version`, as the provider the user's account is linked to;
/// the signature and its audit entry commit together.
pub(crate) fn sign(
    state: &AppState,
    principal: &Principal,
    id: i64,
    version: i64,
) -> Result<Stored<ClinicalNote>, WebError> {
    let provider: Option<ProviderId> = state
        .store
        .read(|tx| tx.account_provider(&principal.username))?;
    let provider = provider.ok_or_else(|| {
        WebError::Forbidden(format!(
            "your account ({}) is not linked to a provider, so it cannot sign notes; an administrator links it with `chartroom user provider`",
            principal.username
        ))
    })?;
    Ok(state.trail.write(&state.store, |audited| {
        let actor = store::Actor::new(format!("user:{}", principal.username));
        let signed = audited.records().sign_note(&actor, id, version, provider)?;
        let event = principal
            .event(audited.now(), Action::Sign)
            .patient(signed.record.patient_id)
            .record("note", id)
            .categories(&[DataCategory::Notes])
            .reason(&format!("signed as provider {}", provider.0));
        audited.append(&event)?;
        Ok(signed)
    })?)
}

/// A signature request: the version of the note the signer read.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SignBody {
    /// The note's version as read (a note changed meanwhile is not signed: 409).
    version: i64,
}

/// `GET /api/notes/unsigned`: the notes waiting for the user's signature.
pub async fn unsigned(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
) -> Result<Json<Value>, WebError> {
    let listed = state
        .blocking(move |state| worklist(state, &principal))
        .await?;
    let notes: Option<Vec<Value>> = listed.map(|listed| {
        listed
            .iter()
            .map(|n| json!({ "note": n.note, "patient": n.patient }))
            .collect()
    });
    Ok(Json(
        json!({ "linked": notes.is_some(), "notes": notes.unwrap_or_default() }),
    ))
}

/// `POST /api/notes/{id}/sign` `{version}`: signs the note as the user's provider.
pub async fn sign_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<SignBody>,
) -> Result<Json<Value>, WebError> {
    let id = parse_id(&id)?;
    let signed = state
        .blocking(move |state| sign(state, &principal, id, body.version))
        .await?;
    Ok(Json(json!(signed)))
}
