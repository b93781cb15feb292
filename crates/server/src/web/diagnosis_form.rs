//! Coding a diagnosis on an encounter with the code picker: typeahead over the ICD-10-CM
//! release in force on the encounter's date (the page's script asks `/api/codes/search`),
//! then the server validates the code on that date for the patient's sex and age (billable,
//! MCE edits) before anything is stored; a category gets its billable children listed.

use super::forms::{PageForm, PageResult, Refusal, check_token, html};
use super::layout::{Nav, field_error, nav, page, token_field};
use super::text::{day, name};
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
use records::{
    AdministrativeSex, Diagnosis, DiagnosisRank, Encounter, EncounterId, Patient, PatientId,
    PoaIndicator,
};
use serde::Deserialize;
use store::Stored;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DiagnosisForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    encounter_id: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    rank: String,
    #[serde(default)]
    poa: String,
}

const RANKS: &[(&str, &str)] = &[
    ("secondary", "Secondary"),
    ("principal", "Principal (inpatient)"),
    ("first_listed", "First-listed (outpatient)"),
    ("admitting", "Admitting"),
];
const POAS: &[(&str, &str)] = &[
    ("", "—"),
    ("Y", "Y: present on admission"),
    ("N", "N: not present"),
    ("U", "U: documentation insufficient"),
    ("W", "W: clinically undetermined"),
    ("1", "1: exempt"),
];

struct Context {
    patient: Stored<Patient>,
    encounters: Vec<Stored<Encounter>>,
}

async fn context(state: &AppState, principal: &Principal, id: i64) -> Result<Context, WebError> {
    let principal = principal.clone();
    state
        .blocking(move |state| {
            let (patient, encounters) = state
                .store
                .read(|tx| Ok((tx.get::<Patient>(id)?, tx.for_patient::<Encounter>(id)?)))?;
            state.trail.write(&state.store, |audited| {
                let event = principal
                    .event(audited.now(), Action::Read)
                    .patient(PatientId(id))
                    .record("patient", id)
                    .categories(&[DataCategory::Demographics, DataCategory::Encounters])
                    .reason("diagnosis form");
                audited.append(&event)
            })?;
            Ok(Context {
                patient,
                encounters,
            })
        })
        .await
}

fn form_markup(
    nav: &Nav,
    context: &Context,
    form: &DiagnosisForm,
    errors: &[(String, String)],
    suggestions: &[codes::CodeTitle],
) -> Markup {
    let id = context.patient.meta.id;
    html! {
        @if !errors.is_empty() {
            p.error role="alert" { "Nothing was saved; see the fields below." }
        }
        form.stack.wide method="post" action={ "/patients/" (id) "/diagnoses" } {
            (token_field(nav))
            label for="encounter_id" { "Encounter" }
            select #encounter_id name="encounter_id" {
                @for e in context.encounters.iter().rev() {
                    @let value = e.meta.id.to_string();
                    option value=(value) data-date=(day(e.record.admit_at.date())) selected[form.encounter_id == value] {
                        (day(e.record.admit_at.date())) " · " (name(&e.record.class)) " · " (e.record.reason.as_deref().unwrap_or(""))
                    }
                }
            }
            (field_error(errors, "encounter_id"))
            label for="code" { "ICD-10-CM code (type a code or words to search)" }
            input #code name="code" value=(form.code) list="code-hits" autocomplete="off" required
                data-code-picker="icd10cm" data-date-from="encounter_id"
                aria-describedby="code-title"
                aria-invalid=[errors.iter().any(|(f, _)| f == "code").then_some("true")];
            datalist #code-hits {}
            output #code-title aria-live="polite" {}
            (field_error(errors, "code"))
            @if !suggestions.is_empty() {
                div.suggestions {
                    p { "Billable codes under it:" }
                    ul { @for s in suggestions { li { code { (s.code) } " " (s.title) } } }
                }
            }
            label for="rank" { "Rank" }
            select #rank name="rank" {
                @for (value, label) in RANKS { option value=(value) selected[form.rank == *value] { (label) } }
            }
            (field_error(errors, "rank"))
            label for="poa" { "Present on admission" }
            select #poa name="poa" {
                @for (value, label) in POAS { option value=(value) selected[form.poa == *value] { (label) } }
            }
            (field_error(errors, "poa"))
            button type="submit" { "Add diagnosis" }
            a href={ "/patients/" (id) } { "Cancel" }
        }
    }
}

/// `GET /patients/{id}/diagnoses/new`.
pub(crate) async fn form(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    let context = context(&state, &principal, id).await?;
    let nav = nav(&state, &principal);
    let title = format!(
        "Code a diagnosis for {}",
        context.patient.record.display_name()
    );
    let body = form_markup(&nav, &context, &DiagnosisForm::default(), &[], &[]);
    Ok(html(StatusCode::OK, page(&title, Some(&nav), body)))
}

/// `POST /patients/{id}/diagnoses`: validates on the encounter's date and stores.
pub(crate) async fn add(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<DiagnosisForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id(&id)?;
    let context = context(&state, &principal, id).await?;
    let nav = nav(&state, &principal);
    let mut errors = Vec::new();
    let mut suggestions = Vec::new();
    let encounter = form
        .encounter_id
        .parse::<i64>()
        .ok()
        .and_then(|eid| context.encounters.iter().find(|e| e.meta.id == eid));
    if encounter.is_none() {
        errors.push((
            "encounter_id".to_owned(),
            "choose one of this patient's encounters".to_owned(),
        ));
    }
    let rank: Option<DiagnosisRank> =
        serde_json::from_value(serde_json::Value::String(form.rank.clone())).ok();
    if rank.is_none() {
        errors.push((
            "rank".to_owned(),
            format!("\"{}\" is not a rank", form.rank),
        ));
    }
    let poa: Option<PoaIndicator> = match form.poa.as_str() {
        "" => None,
        text => match serde_json::from_value(serde_json::Value::String(text.to_owned())) {
            Ok(poa) => Some(poa),
            Err(_) => {
                errors.push((
                    "poa".to_owned(),
                    format!("\"{text}\" is not a POA indicator"),
                ));
                None
            }
        },
    };
    let mut title = None;
    let code = match records::normalize_icd10cm(&form.code) {
        Ok(code) => Some(code),
        Err(reason) => {
            errors.push(("code".to_owned(), reason));
            None
        }
    };
    if let (Some(code), Some(encounter)) = (&code, encounter) {
        let p = &context.patient.record;
        let dos = encounter.record.admit_at.date();
        let patient = codes::Patient {
            sex: match p.sex {
                AdministrativeSex::Female => Some(codes::Sex::Female),
                AdministrativeSex::Male => Some(codes::Sex::Male),
                _ => None,
            },
            age_years: u16::try_from(p.age_on(dos)).ok(),
        };
        match state
            .codes
            .validate(codes::System::Icd10Cm, code, dos, &patient)
        {
            Ok(v) if v.valid => title = v.title,
            Ok(v) => {
                let mut problems = v.problems.clone();
                problems.extend(
                    v.edits
                        .iter()
                        .filter(|e| e.conflict)
                        .map(|e| e.message.clone()),
                );
                errors.push((
                    "code".to_owned(),
                    format!("{code} on {}: {}", day(dos), problems.join("; ")),
                ));
                suggestions = v.billable_children;
            }
            Err(e) => errors.push(("code".to_owned(), e.to_string())),
        }
    }
    let (Some(code), Some(encounter), Some(rank), true) =
        (code, encounter, rank, errors.is_empty())
    else {
        let title = format!(
            "Code a diagnosis for {}",
            context.patient.record.display_name()
        );
        let body = form_markup(&nav, &context, &form, &errors, &suggestions);
        return Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            page(&title, Some(&nav), body),
        ));
    };
    let encounter_id = encounter.meta.id;
    state
        .blocking(move |state| {
            Ok(state.trail.write(&state.store, |audited| {
                let sequence = audited
                    .records()
                    .for_patient::<Diagnosis>(id)?
                    .iter()
                    .filter(|d| d.record.encounter_id.0 == encounter_id)
                    .map(|d| d.record.sequence)
                    .max()
                    .unwrap_or(0)
                    + 1;
                let diagnosis = Diagnosis {
                    patient_id: PatientId(id),
                    encounter_id: EncounterId(encounter_id),
                    code,
                    rank,
                    sequence,
                    poa,
                    description: title,
                    onset_at: None,
                };
                let actor = store::Actor::new(format!("user:{}", principal.username));
                let stored = audited.records().create(&actor, &diagnosis)?;
                let new_values = serde_json::to_string(&diagnosis).ok();
                let event = principal
                    .event(audited.now(), Action::Create)
                    .patient(PatientId(id))
                    .record("diagnosis", stored.meta.id)
                    .categories(&[DataCategory::Diagnoses])
                    .changes(None, new_values);
                audited.append(&event)
            })?)
        })
        .await
        .map_err(Refusal)?;
    Ok(Redirect::to(&format!("/patients/{id}#diagnoses")).into_response())
}
