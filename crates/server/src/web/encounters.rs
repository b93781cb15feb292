//! Checking a patient in (opening an encounter) and closing it with its discharge time
//! and disposition. What a check-in opens and what closing requires are
//! `records::Encounter::check_in` and `closed`; each change is audited in its transaction.

use super::forms::{PageForm, PageResult, check_token, html};
use super::layout::{nav, page, token_field};
use crate::auth::Principal;
use crate::error::WebError;
use crate::patients::parse_id;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use privacy::{Action, DataCategory};
use records::{Encounter, EncounterClass, Patient, PatientId, Provider, ProviderId};
use serde::Deserialize;
use store::Stored;
use time::{OffsetDateTime, PrimitiveDateTime};

/// UB-04 discharge dispositions offered when a visit is closed (the common ones).
pub(crate) const DISPOSITIONS: &[(&str, &str)] = &[
    ("01", "Home or self care"),
    ("02", "Short-term hospital"),
    ("03", "Skilled nursing facility"),
    ("06", "Home health care"),
    ("07", "Left against medical advice"),
    ("20", "Expired"),
    ("50", "Hospice, home"),
    ("62", "Inpatient rehabilitation facility"),
];

/// The close form for an encounter in progress, shown on the chart.
pub(crate) fn close_form(token: &str, encounter: &Stored<Encounter>) -> Markup {
    html! {
        form.inline.close method="post" action={ "/encounters/" (encounter.meta.id) "/close" } {
            input type="hidden" name="token" value=(token);
            input type="hidden" name="version" value=(encounter.meta.version);
            label for={ "disposition-" (encounter.meta.id) } { "Disposition" }
            select id={ "disposition-" (encounter.meta.id) } name="disposition" {
                @for (code, words) in DISPOSITIONS { option value=(code) { (code) " " (words) } }
            }
            button type="submit" { "Close visit" }
        }
    }
}

fn class_words(class: EncounterClass) -> &'static str {
    match class {
        EncounterClass::Outpatient => "Outpatient visit",
        EncounterClass::Emergency => "Emergency",
        EncounterClass::Inpatient => "Inpatient admission",
        EncounterClass::Telehealth => "Telehealth",
    }
}

/// `GET /patients/{id}/check-in`: class, attending and reason for the visit.
pub(crate) async fn check_in_form(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    let (patient, providers) = state
        .blocking(move |state| {
            Ok(state.store.read(|tx| {
                let patient = tx.get::<Patient>(id)?;
                let providers =
                    tx.select::<Provider>("1 = 1", &[], "family_name, given_name", 500)?;
                Ok((patient, providers))
            })?)
        })
        .await?;
    let nav = nav(&state, &principal);
    let body = html! {
        form.grid method="post" action={ "/patients/" (id) "/check-in" } {
            (token_field(&nav))
            div.field { label for="class" { "Kind of visit *" }
                select #class name="class" { @for class in [EncounterClass::Outpatient, EncounterClass::Emergency, EncounterClass::Inpatient, EncounterClass::Telehealth] {
                    option value=(class.as_str()) { (class_words(class)) } } } }
            div.field { label for="attending_id" { "Attending" }
                select #attending_id name="attending_id" { option value="" { "—" }
                    @for provider in &providers { option value=(provider.meta.id) { (provider.record.display_name()) } } } }
            div.field { label for="reason" { "Reason for visit" } input #reason name="reason" maxlength="200"; }
            div.actions { button type="submit" { "Check in" } a href={ "/patients/" (id) } { "Cancel" } }
        }
    };
    let title = format!("Check in {}", patient.record.display_name());
    Ok(html(StatusCode::OK, page(&title, Some(&nav), body)))
}

#[derive(Debug, Deserialize)]
pub(crate) struct CheckInForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    class: String,
    #[serde(default)]
    attending_id: String,
    #[serde(default)]
    reason: String,
}

/// Writes an encounter and its audit entry in one transaction.
pub(super) fn audited_write(
    state: &AppState,
    principal: &Principal,
    patient: i64,
    write: impl FnOnce(&mut store::Tx<'_>, &store::Actor) -> store::Result<Stored<Encounter>>,
    action: Action,
) -> Result<Stored<Encounter>, WebError> {
    Ok(state.trail.write(&state.store, |audited| {
        let actor = store::Actor::new(format!("user:{}", principal.username));
        let stored = write(&mut audited.records(), &actor)?;
        let event = principal
            .event(audited.now(), action)
            .patient(PatientId(patient))
            .record("encounter", stored.meta.id)
            .categories(&[DataCategory::Encounters]);
        audited.append(&event)?;
        Ok(stored)
    })?)
}

/// `POST /patients/{id}/check-in`: opens the visit now, audited, then back to the chart.
pub(crate) async fn check_in(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<CheckInForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id(&id)?;
    let class = EncounterClass::ALL
        .into_iter()
        .find(|c| c.as_str() == form.class)
        .ok_or_else(|| {
            WebError::bad(
                "class",
                format!("\"{}\" is not a kind of visit", form.class),
            )
        })?;
    let attending = match form.attending_id.trim() {
        "" => None,
        text => Some(ProviderId(parse_id(text)?)),
    };
    let reason = Some(form.reason.trim().to_owned()).filter(|r| !r.is_empty());
    state
        .blocking(move |state| {
            let now = state.store.clock().now();
            let encounter = Encounter::check_in(PatientId(id), class, now, attending, reason);
            audited_write(
                state,
                &principal,
                id,
                |tx, actor| tx.create(actor, &encounter),
                Action::Create,
            )
        })
        .await?;
    Ok(Redirect::to(&format!("/patients/{id}#encounters")).into_response())
}

#[derive(Debug, Deserialize)]
pub(crate) struct CloseForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    disposition: String,
    /// Discharge time as a `datetime-local` (UTC); now when empty.
    #[serde(default)]
    discharge_at: String,
}

/// `POST /encounters/{id}/close`: finishes the visit with its discharge time and
/// disposition, audited, then back to the chart.
pub(crate) async fn close(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<CloseForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id(&id)?;
    let version = super::forms::version_of(&form.version)?;
    let discharge_at = match form.discharge_at.trim() {
        "" => None,
        text => Some(
            PrimitiveDateTime::parse(
                text,
                time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]"),
            )
            .map(PrimitiveDateTime::assume_utc)
            .map_err(|_| {
                WebError::bad("discharge_at", format!("\"{text}\" is not a date and time"))
            })?,
        ),
    };
    let disposition = Some(form.disposition.trim().to_owned()).filter(|d| !d.is_empty());
    let patient =
        state
            .blocking(move |state| {
                let current = state.store.read(|tx| tx.get::<Encounter>(id))?;
                let patient = current.record.patient_id.0;
                let at: OffsetDateTime = discharge_at.unwrap_or_else(|| state.store.clock().now());
                let closed = current.record.closed(at, disposition).map_err(|errors| {
                    store::Error::Invalid {
                        kind: "encounter",
                        errors,
                    }
                })?;
                audited_write(
                    state,
                    &principal,
                    patient,
                    |tx, actor| tx.update(actor, id, version, &closed),
                    Action::Update,
                )?;
                Ok(patient)
            })
            .await?;
    Ok(Redirect::to(&format!("/patients/{patient}#encounters")).into_response())
}
