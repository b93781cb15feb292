//! Coding a diagnosis on an encounter with the code picker: typeahead over the ICD-10-CM
//! release in force on the encounter's date (the page's script asks `/api/codes/search`),
//! then the server validates the code on that date for the patient's sex and age (billable,
//! MCE edits) before anything is stored; a category gets its billable children listed.

use super::coding::{
    Context, check_code, chosen_encounter, code_field, context, create_audited, encounter_select,
};
use super::forms::{PageForm, PageResult, check_token, html};
use super::layout::{Nav, field_error, nav, page, token_field};
use crate::auth::Principal;
use crate::patients::parse_id;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use privacy::DataCategory;
use records::{Diagnosis, DiagnosisRank, EncounterId, PatientId, PoaIndicator};
use serde::Deserialize;

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
            (encounter_select(context, &form.encounter_id, errors))
            (code_field("ICD-10-CM code (type a code or words to search)", &form.code, "icd10cm", None, errors, suggestions))
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

fn title_of(context: &Context) -> String {
    format!(
        "Code a diagnosis for {}",
        context.patient.record.display_name()
    )
}

/// `GET /patients/{id}/diagnoses/new`.
pub(crate) async fn form(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    let context = context(&state, &principal, id, "diagnosis form").await?;
    let nav = nav(&state, &principal);
    let body = form_markup(&nav, &context, &DiagnosisForm::default(), &[], &[]);
    Ok(html(
        StatusCode::OK,
        page(&title_of(&context), Some(&nav), body),
    ))
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
    let context = context(&state, &principal, id, "diagnosis form").await?;
    let nav = nav(&state, &principal);
    let mut errors = Vec::new();
    let mut suggestions = Vec::new();
    let encounter = chosen_encounter(&context, &form.encounter_id, &mut errors);
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
    let code = match records::normalize_icd10cm(&form.code) {
        Ok(code) => Some(code),
        Err(reason) => {
            errors.push(("code".to_owned(), reason));
            None
        }
    };
    let mut title = None;
    if let (Some(code), Some(encounter)) = (&code, encounter) {
        title = check_code(
            &state,
            codes::System::Icd10Cm,
            code,
            &context.patient.record,
            encounter,
            &mut errors,
            &mut suggestions,
        );
    }
    let (Some(code), Some(encounter), Some(rank), true) =
        (code, encounter, rank, errors.is_empty())
    else {
        let body = form_markup(&nav, &context, &form, &errors, &suggestions);
        return Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            page(&title_of(&context), Some(&nav), body),
        ));
    };
    let encounter_id = encounter.meta.id;
    create_audited(&state, principal, id, DataCategory::Diagnoses, move |tx| {
        let sequence = tx
            .for_patient::<Diagnosis>(id)?
            .iter()
            .filter(|d| d.record.encounter_id.0 == encounter_id)
            .map(|d| d.record.sequence)
            .max()
            .unwrap_or(0)
            + 1;
        Ok(Diagnosis {
            patient_id: PatientId(id),
            encounter_id: EncounterId(encounter_id),
            code,
            rank,
            sequence,
            poa,
            description: title,
            onset_at: None,
        })
    })
    .await?;
    Ok(Redirect::to(&format!("/patients/{id}#diagnoses")).into_response())
}
