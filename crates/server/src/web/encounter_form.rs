//! Opening an encounter with its details, and changing or closing one: admission and
//! discharge times, class, attending, service, discharge disposition and reason, every
//! problem named by its label at once. What the text means and what a visit must satisfy
//! is `records::EncounterEntry`; each write is versioned and audited in its transaction.

use super::encounters::{DISPOSITIONS, audited_write};
use super::fields::{Labels, input, problems, select, summary};
use super::forms::{PageForm, PageResult, check_token, html, version_of};
use super::layout::{Nav, nav, page, token_field};
use crate::auth::Principal;
use crate::patients::parse_id;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use privacy::{Action, DataCategory};
use records::{Encounter, EncounterClass, EncounterEntry, Patient, PatientId, Provider};
use serde::Deserialize;
use store::Stored;

const LABELS: Labels = &[
    ("class", "Kind of visit"),
    ("admit_at", "Admission time"),
    ("discharge_at", "Discharge time"),
    ("attending_id", "Attending"),
    ("service", "Service"),
    ("discharge_disposition", "Discharge disposition"),
    ("reason", "Reason for visit"),
];

/// Hospital services offered (HL7 v2 table 0069 is user-defined; these are the usual).
const SERVICES: &[&str] = &[
    "Medicine",
    "Surgery",
    "Cardiology",
    "Pulmonary",
    "Obstetrics",
    "Pediatrics",
    "Psychiatry",
    "Orthopedics",
    "Urology",
    "Emergency medicine",
];

/// The form as posted.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct EncounterForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    class: String,
    #[serde(default)]
    admit_at: String,
    #[serde(default)]
    discharge_at: String,
    #[serde(default)]
    attending_id: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    discharge_disposition: String,
    #[serde(default)]
    reason: String,
}

impl EncounterForm {
    fn entry(&self) -> EncounterEntry {
        EncounterEntry {
            class: self.class.clone(),
            admit_at: self.admit_at.clone(),
            discharge_at: self.discharge_at.clone(),
            attending_id: self.attending_id.clone(),
            service: self.service.clone(),
            discharge_disposition: self.discharge_disposition.clone(),
            reason: self.reason.clone(),
        }
    }
}

fn class_options() -> Vec<(String, String)> {
    EncounterClass::ALL
        .into_iter()
        .map(|class| (class.as_str().to_owned(), super::text::words(&class)))
        .collect()
}

fn form(
    nav: &Nav,
    action: &str,
    version: Option<i64>,
    entry: &EncounterEntry,
    providers: &[Stored<Provider>],
    errors: &[(String, String)],
    back: &str,
) -> Markup {
    let providers: Vec<(String, String)> = providers
        .iter()
        .map(|p| (p.meta.id.to_string(), p.record.display_name()))
        .collect();
    let dispositions: Vec<(String, String)> = DISPOSITIONS
        .iter()
        .map(|(code, words)| ((*code).to_owned(), format!("{code} {words}")))
        .collect();
    html! {
        (summary(LABELS, errors))
        form.grid method="post" action=(action) novalidate {
            (token_field(nav))
            @if let Some(version) = version { input type="hidden" name="version" value=(version); }
            (select(LABELS, "class", &class_options(), &entry.class, false, errors))
            (input(LABELS, "admit_at", "datetime-local", &entry.admit_at, true, errors))
            (select(LABELS, "attending_id", &providers, &entry.attending_id, true, errors))
            div.field {
                label for="service" { "Service" }
                input #service name="service" list="services" value=(entry.service) maxlength="60"
                    aria-invalid=[errors.iter().any(|(f, _)| f == "service").then_some("true")];
                datalist #services { @for service in SERVICES { option value=(service) {} } }
                (super::layout::field_error(errors, "service"))
            }
            (input(LABELS, "reason", "text", &entry.reason, false, errors))
            (input(LABELS, "discharge_at", "datetime-local", &entry.discharge_at, false, errors))
            (select(LABELS, "discharge_disposition", &dispositions, &entry.discharge_disposition, true, errors))
            p.note { "Times are the facility's local time. A discharge time closes a visit in progress." }
            div.actions { button type="submit" { "Save encounter" } a href=(back) { "Cancel" } }
        }
    }
}

/// Every provider on file (the first 500 by name), for choosing one.
pub(crate) fn providers(tx: &mut store::Tx<'_>) -> store::Result<Vec<Stored<Provider>>> {
    tx.select::<Provider>("1 = 1", &[], "family_name, given_name", 500)
}

/// `GET /patients/{id}/encounters/new`: a blank encounter, admitted now.
pub(crate) async fn new_form(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    let (patient, providers) = state
        .blocking(move |state| {
            Ok(state
                .store
                .read(|tx| Ok((tx.get::<Patient>(id)?, providers(tx)?)))?)
        })
        .await?;
    let nav = nav(&state, &principal);
    let entry = EncounterEntry {
        class: EncounterClass::Outpatient.as_str().to_owned(),
        admit_at: records::local_text(state.config.time_zone.to_local(state.store.clock().now())),
        ..EncounterEntry::default()
    };
    let body = form(
        &nav,
        &format!("/patients/{id}/encounters"),
        None,
        &entry,
        &providers,
        &[],
        &format!("/patients/{id}#encounters"),
    );
    let title = format!("New encounter for {}", patient.record.display_name());
    Ok(html(StatusCode::OK, page(&title, Some(&nav), body)))
}

/// The problem with an attending who is not on file, so it is named by its label
/// rather than failing as a broken reference.
fn attending_on_file(
    tx: &mut store::Tx<'_>,
    encounter: &Encounter,
) -> store::Result<Vec<(String, String)>> {
    match encounter.attending_id {
        Some(id) => match tx.get::<Provider>(id.0) {
            Ok(_) => Ok(Vec::new()),
            Err(store::Error::NotFound { .. } | store::Error::Deleted { .. }) => Ok(vec![(
                "attending_id".into(),
                format!("provider {} is not on file", id.0),
            )]),
            Err(other) => Err(other),
        },
        None => Ok(Vec::new()),
    }
}

enum Outcome {
    Saved(i64),
    Refused(Vec<(String, String)>, Vec<Stored<Provider>>, String),
}

/// Back to the chart once saved; else the form again with what was typed and every problem.
fn answer(
    state: &AppState,
    principal: &Principal,
    outcome: Outcome,
    action: &str,
    version: Option<i64>,
    posted: &EncounterForm,
) -> PageResult {
    match outcome {
        Outcome::Saved(patient) => {
            Ok(Redirect::to(&format!("/patients/{patient}#encounters")).into_response())
        }
        Outcome::Refused(errors, providers, title) => {
            let nav = nav(state, principal);
            let body = form(
                &nav,
                action,
                version,
                &posted.entry(),
                &providers,
                &errors,
                "/patients",
            );
            Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                page(&title, Some(&nav), body),
            ))
        }
    }
}

/// `POST /patients/{id}/encounters`: opens the encounter, or shows every problem.
pub(crate) async fn create(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(posted): PageForm<EncounterForm>,
) -> PageResult {
    check_token(&state, &principal, &posted.token)?;
    let id = parse_id(&id)?;
    let entry = posted.entry();
    let writer = principal.clone();
    let outcome = state
        .blocking(move |state| {
            let (patient, providers) = state
                .store
                .read(|tx| Ok((tx.get::<Patient>(id)?, providers(tx)?)))?;
            let title = format!("New encounter for {}", patient.record.display_name());
            let encounter = match entry.opened(PatientId(id), &|local| {
                state.config.time_zone.from_local(local)
            }) {
                Ok(encounter) => encounter,
                Err(errors) => return Ok(Outcome::Refused(problems(errors), providers, title)),
            };
            let missing = state.store.read(|tx| attending_on_file(tx, &encounter))?;
            if !missing.is_empty() {
                return Ok(Outcome::Refused(missing, providers, title));
            }
            audited_write(
                state,
                &writer,
                id,
                |tx, actor| tx.create(actor, &encounter),
                Action::Create,
            )?;
            Ok(Outcome::Saved(id))
        })
        .await?;
    answer(
        &state,
        &principal,
        outcome,
        &format!("/patients/{id}/encounters"),
        None,
        &posted,
    )
}

/// `GET /encounters/{id}/edit`: the encounter's form, filled in (an audited look).
pub(crate) async fn edit_form(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    let looker = principal.clone();
    let (encounter, providers) = state
        .blocking(move |state| {
            let (encounter, providers) = state
                .store
                .read(|tx| Ok((tx.get::<Encounter>(id)?, providers(tx)?)))?;
            let event = looker
                .event(state.store.clock().now(), Action::Read)
                .patient(encounter.record.patient_id)
                .record("encounter", id)
                .categories(&[DataCategory::Encounters])
                .reason("encounter form");
            state.trail.record(&state.store, &event)?;
            Ok((encounter, providers))
        })
        .await?;
    let nav = nav(&state, &principal);
    let patient = encounter.record.patient_id.0;
    let body = form(
        &nav,
        &format!("/encounters/{id}/edit"),
        Some(encounter.meta.version),
        &EncounterEntry::of(&encounter.record, &|at| state.config.time_zone.to_local(at)),
        &providers,
        &[],
        &format!("/patients/{patient}#encounters"),
    );
    Ok(html(
        StatusCode::OK,
        page("Change encounter", Some(&nav), body),
    ))
}

/// `POST /encounters/{id}/edit`: saves the change (a discharge time closes a visit in
/// progress), refused when the encounter changed meanwhile; or shows every problem.
pub(crate) async fn update(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(posted): PageForm<EncounterForm>,
) -> PageResult {
    check_token(&state, &principal, &posted.token)?;
    let id = parse_id(&id)?;
    let version = version_of(&posted.version)?;
    let entry = posted.entry();
    let writer = principal.clone();
    let outcome = state
        .blocking(move |state| {
            let (current, providers) = state
                .store
                .read(|tx| Ok((tx.get::<Encounter>(id)?, providers(tx)?)))?;
            let patient = current.record.patient_id.0;
            let title = "Change encounter".to_owned();
            let changed = match entry.applied(&current.record, &|local| {
                state.config.time_zone.from_local(local)
            }) {
                Ok(changed) => changed,
                Err(errors) => return Ok(Outcome::Refused(problems(errors), providers, title)),
            };
            let missing = state.store.read(|tx| attending_on_file(tx, &changed))?;
            if !missing.is_empty() {
                return Ok(Outcome::Refused(missing, providers, title));
            }
            audited_write(
                state,
                &writer,
                patient,
                |tx, actor| tx.update(actor, id, version, &changed),
                Action::Update,
            )?;
            Ok(Outcome::Saved(patient))
        })
        .await?;
    answer(
        &state,
        &principal,
        outcome,
        &format!("/encounters/{id}/edit"),
        Some(version),
        &posted,
    )
}
