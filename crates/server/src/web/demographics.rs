//! The demographics form: every field checked on the server, each problem shown next to
//! its field, and the version read sent back so a change made meanwhile is not overwritten.

use super::forms::{PageResult, check_token, html};
use super::layout::{Nav, field_error, nav, page, token_field};
use super::text::{day, name};
use crate::auth::Principal;
use crate::error::WebError;
use crate::patients::{correct, parse_id};
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use privacy::{Action, DataCategory};
use records::{AdministrativeSex, Patient, PatientId, Validate};
use serde_json::{Map, Value};
use store::Stored;

/// The editable fields: form name, label, required, input type.
pub(super) const FIELDS: &[(&str, &str, bool, &str)] = &[
    ("family_name", "Family name", true, "text"),
    ("given_name", "Given name(s)", true, "text"),
    ("middle_name", "Middle name", false, "text"),
    ("preferred_name", "Preferred name", false, "text"),
    ("birth_date", "Date of birth", true, "date"),
    ("line1", "Address", false, "text"),
    ("line2", "Address line 2", false, "text"),
    ("city", "City", false, "text"),
    ("state", "State", false, "text"),
    ("postal_code", "ZIP code", false, "text"),
    ("phone", "Phone", false, "tel"),
    ("email", "E-mail", false, "email"),
    ("language", "Preferred language", false, "text"),
    ("deceased_date", "Date of death", false, "date"),
];

/// The patient's fields as the form shows them.
fn values_of(patient: &Patient) -> Map<String, Value> {
    let mut values = match serde_json::to_value(patient) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    values.insert("birth_date".into(), Value::String(day(patient.birth_date)));
    values.insert("sex".into(), Value::String(name(&patient.sex)));
    values
}

pub(crate) fn text_of(values: &Map<String, Value>, field: &str) -> String {
    match values.get(field) {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// The label a person reads for `field` (a record path such as `birth_date`).
pub(super) fn label_of(field: &str) -> &str {
    FIELDS.iter().find(|(name, ..)| *name == field).map_or(
        if field == "sex" { "Sex" } else { field },
        |(_, label, ..)| label,
    )
}

/// The form's fields in a grid, with each problem beside its field.
pub(super) fn fields(values: &Map<String, Value>, errors: &[(String, String)]) -> Markup {
    let sex = text_of(values, "sex");
    html! {
        @for (field, label, required, kind) in FIELDS {
            div.field {
                label for=(field) { (label) @if *required { " *" } }
                input id=(field) name=(field) type=(kind) value=(text_of(values, field))
                    aria-invalid=[errors.iter().any(|(f, _)| f == field).then_some("true")];
                (field_error(errors, field))
            }
        }
        div.field {
            label for="sex" { "Sex *" }
            select #sex name="sex" {
                @for option in ["female", "male", "other", "unknown"] {
                    option value=(option) selected[sex == option] { (option) }
                }
            }
            (field_error(errors, "sex"))
        }
    }
}

/// Every problem of a refused form, each naming its field by label.
pub(super) fn error_summary(errors: &[(String, String)]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.error role="alert" {
                p { "Nothing was saved. Correct these fields:" }
                ul { @for (field, message) in errors { li { a href={ "#" (field) } { (label_of(field)) } ": " (message) } } }
            }
        }
    }
}

fn edit_form(
    nav: &Nav,
    id: i64,
    version: i64,
    values: &Map<String, Value>,
    errors: &[(String, String)],
) -> Markup {
    html! {
        (error_summary(errors))
        form.grid method="post" action={ "/patients/" (id) "/edit" } novalidate {
            (token_field(nav))
            input type="hidden" name="version" value=(version);
            (fields(values, errors))
            div.actions {
                button type="submit" { "Save" }
                a href={ "/patients/" (id) } { "Cancel" }
            }
        }
    }
}

async fn current(
    state: &AppState,
    principal: &Principal,
    id: i64,
) -> Result<Stored<Patient>, WebError> {
    let principal = principal.clone();
    state
        .blocking(move |state| {
            let patient = state.store.read(|tx| tx.get::<Patient>(id))?;
            state.trail.write(&state.store, |audited| {
                let event = principal
                    .event(audited.now(), Action::Read)
                    .patient(PatientId(id))
                    .record("patient", id)
                    .categories(&[DataCategory::Demographics])
                    .reason("demographics form");
                audited.append(&event)
            })?;
            Ok(patient)
        })
        .await
}

async fn form_page(state: &AppState, principal: &Principal, id: i64) -> PageResult {
    let patient = current(state, principal, id).await?;
    let nav = nav(state, principal);
    let title = format!("Edit {}", patient.record.display_name());
    let body = edit_form(
        &nav,
        id,
        patient.meta.version,
        &values_of(&patient.record),
        &[],
    );
    Ok(html(StatusCode::OK, page(&title, Some(&nav), body)))
}

/// `GET /patients/{id}/edit`: the form, filled in.
pub(crate) async fn form(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    form_page(&state, &principal, id).await
}

/// The fields the posted form changes, once every field checks out; otherwise every
/// problem with its field.
fn apply(
    current: &Patient,
    posted: &Map<String, Value>,
    today: time::Date,
) -> Result<Map<String, Value>, Vec<(String, String)>> {
    let patient = parse_patient(current, posted, today)?;
    let before = match serde_json::to_value(current) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    let record = match serde_json::to_value(&patient) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    let changes = record
        .into_iter()
        .filter(|(field, value)| before.get(field) != Some(value))
        .collect();
    Ok(changes)
}

/// `base` with the posted form's fields, once every field and the whole record check out
/// as written on `today`; otherwise every problem with its field.
pub(crate) fn parse_patient(
    base: &Patient,
    posted: &Map<String, Value>,
    today: time::Date,
) -> Result<Patient, Vec<(String, String)>> {
    let mut errors = Vec::new();
    let mut record = match serde_json::to_value(base) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    for (field, _, required, kind) in FIELDS.iter().copied().chain([("sex", "", true, "sex")]) {
        let text = text_of(posted, field).trim().to_owned();
        let value = if text.is_empty() {
            if required {
                errors.push((field.to_owned(), "is required".to_owned()));
            }
            Value::Null
        } else if kind == "date" {
            match store::Value::Text(text.clone()).as_date() {
                Some(date) => Value::String(day(date)),
                None => {
                    errors.push((
                        field.to_owned(),
                        format!("\"{text}\" is not a date (YYYY-MM-DD)"),
                    ));
                    continue;
                }
            }
        } else if kind == "sex" {
            match AdministrativeSex::parse(&text) {
                Some(sex) => serde_json::to_value(sex).unwrap_or(Value::Null),
                None => {
                    errors.push((
                        field.to_owned(),
                        format!("\"{text}\" is not female, male, other or unknown"),
                    ));
                    continue;
                }
            }
        } else {
            Value::String(text)
        };
        if required && value.is_null() {
            continue;
        }
        record.insert(field.to_owned(), value);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let patient: Patient = serde_json::from_value(Value::Object(record))
        .map_err(|e| vec![("form".to_owned(), e.to_string())])?;
    if let Err(problems) = patient.validate_write(None, today) {
        return Err(problems
            .0
            .into_iter()
            .map(|e| (e.path, e.message))
            .collect());
    }
    Ok(patient)
}

/// `POST /patients/{id}/edit`: saves the changed fields, or shows the form again with
/// each problem next to its field (nothing saved).
pub(crate) async fn save(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    super::forms::PageForm(posted): super::forms::PageForm<Map<String, Value>>,
) -> PageResult {
    check_token(&state, &principal, &text_of(&posted, "token"))?;
    let id = parse_id(&id)?;
    let version = super::forms::version_of(&text_of(&posted, "version"))?;
    let current = state
        .blocking(move |state| Ok(state.store.read(|tx| tx.get::<Patient>(id))?))
        .await?;
    let nav = nav(&state, &principal);
    let today = state.store.clock().now().date();
    let changes = match apply(&current.record, &posted, today) {
        Ok(applied) => applied,
        Err(errors) => {
            let title = format!("Edit {}", current.record.display_name());
            let body = edit_form(&nav, id, version, &posted, &errors);
            return Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                page(&title, Some(&nav), body),
            ));
        }
    };
    if !changes.is_empty() {
        state
            .blocking(move |state| correct(state, &principal, id, version, &changes))
            .await?;
    }
    Ok(Redirect::to(&format!("/patients/{id}")).into_response())
}
