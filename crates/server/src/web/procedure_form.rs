//! Coding a procedure on an encounter: ICD-10-PCS (validated against its table row, the
//! description built from the axes), HCPCS Level II, or CPT when a licensed file is
//! loaded; the same code picker and date-of-service validation as diagnoses. Above it the
//! ICD-10-PCS builder (`pcs_steps`), whose finished code is added through the same write.
//!
//! Before a valid code is saved, the procedure coding edits adding it to the encounter
//! raises (`review::procedure_edits_raised`: validity on the date, MCE sex edits,
//! duplicates, NCCI pairs and MUEs, beyond those the encounter already has) are shown with
//! their sources; the coder saves with them
//! only from the page that showed them (the form carries their fingerprint, so edits that
//! changed since are shown again). A code that does not validate is refused, as on the
//! diagnosis form.

use super::coding::{
    Context, check_code, chosen_encounter, code_field, context, create_audited, encounter_select,
};
use super::encoder::edits_view;
use super::forms::{PageForm, PageResult, check_token, html};
use super::layout::{Nav, field_error, nav, page, token_field};
use super::pcs_steps::{BuildQuery, build, builder_view};
use super::text::day;
use crate::auth::Principal;
use crate::codes_api::read_procedure_edits;
use crate::patients::parse_id;
use crate::state::AppState;
use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use privacy::DataCategory;
use records::{EncounterId, PatientId, Procedure, ProcedureCodeSystem};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ProcedureForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    encounter_id: String,
    #[serde(default)]
    system: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    modifiers: String,
    #[serde(default)]
    units: String,
    /// The fingerprint of the coding edits the coder was shown (`review::edits_fingerprint`).
    #[serde(default)]
    seen: String,
}

const SYSTEMS: &[(&str, &str)] = &[
    ("icd10pcs", "ICD-10-PCS (inpatient)"),
    ("hcpcs", "HCPCS Level II"),
    ("cpt", "CPT (licensed file)"),
];

/// Whether a licensed CPT file is loaded; without one a CPT code is format checked only.
fn cpt_loaded(state: &AppState) -> bool {
    state
        .codes
        .releases()
        .iter()
        .any(|release| release.system == codes::System::Cpt)
}

fn form_markup(
    nav: &Nav,
    cpt_loaded: bool,
    context: &Context,
    form: &ProcedureForm,
    errors: &[(String, String)],
) -> Markup {
    let id = context.patient.meta.id;
    html! {
        @if !errors.is_empty() {
            p.error role="alert" { "Nothing was saved; see the fields below." }
        }
        form.stack.wide method="post" action={ "/patients/" (id) "/procedures" } {
            (token_field(nav))
            (encounter_select(context, &form.encounter_id, errors))
            label for="system" { "Code set" }
            select #system name="system" {
                @for (value, label) in SYSTEMS { option value=(value) selected[form.system == *value] { (label) } }
            }
            (field_error(errors, "system"))
            @if !cpt_loaded {
                p.note #cpt-note { "CPT is not loaded (its AMA licence keeps it out of Chartroom): the picker offers no CPT codes, and a CPT code you type is checked for its format only." }
            }
            (code_field("Procedure code (type a code or words to search)", &form.code, "icd10pcs", Some("system"), errors, &[]))
            label for="modifiers" { "Modifiers (CPT/HCPCS, up to 4, comma separated)" }
            input #modifiers name="modifiers" value=(form.modifiers);
            (field_error(errors, "modifiers"))
            label for="units" { "Units" }
            input #units name="units" type="number" min="1" value=(if form.units.is_empty() { "1" } else { form.units.as_str() });
            (field_error(errors, "units"))
            button type="submit" { "Add procedure" }
            a href={ "/patients/" (id) } { "Cancel" }
        }
    }
}

fn title_of(context: &Context) -> String {
    format!(
        "Code a procedure for {}",
        context.patient.record.display_name()
    )
}

/// `GET /patients/{id}/procedures/new`: the form, and with `statement` (and `answers`,
/// `answer`, `encounter_id`) in the query, one step of the ICD-10-PCS builder.
pub(crate) async fn form(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    query: Result<Query<BuildQuery>, QueryRejection>,
) -> PageResult {
    let id = parse_id(&id)?;
    let Query(query) = query.map_err(|e| crate::error::WebError::bad("query", e.body_text()))?;
    let context = context(&state, &principal, id, "procedure form").await?;
    let nav = nav(&state, &principal);
    let mut errors = Vec::new();
    let built = build(&state, &principal, &context, &query, &mut errors).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let form = ProcedureForm {
        encounter_id: query.encounter_id.clone(),
        ..ProcedureForm::default()
    };
    let body = html! {
        (builder_view(&nav, &context, &query, built.as_ref(), &errors))
        h2 { "Or type the code" }
        (form_markup(&nav, cpt_loaded(&state), &context, &form, &[]))
    };
    Ok(html(status, page(&title_of(&context), Some(&nav), body)))
}

/// `POST /patients/{id}/procedures`: validates on the encounter's date and stores.
pub(crate) async fn add(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<ProcedureForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id(&id)?;
    let context = context(&state, &principal, id, "procedure form").await?;
    let nav = nav(&state, &principal);
    let mut errors = Vec::new();
    let encounter = chosen_encounter(&context, &form.encounter_id, &mut errors);
    let system = match form.system.as_str() {
        "icd10pcs" => Some((codes::System::Icd10Pcs, ProcedureCodeSystem::Icd10Pcs)),
        "hcpcs" => Some((codes::System::Hcpcs, ProcedureCodeSystem::Hcpcs)),
        "cpt" => Some((codes::System::Cpt, ProcedureCodeSystem::Cpt)),
        other => {
            errors.push((
                "system".to_owned(),
                format!("\"{other}\" is not icd10pcs, hcpcs or cpt"),
            ));
            None
        }
    };
    let code: String = form
        .code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if code.is_empty() {
        errors.push(("code".to_owned(), "is required".to_owned()));
    }
    let modifiers: Vec<String> = form
        .modifiers
        .split(',')
        .map(|m| m.trim().to_ascii_uppercase())
        .filter(|m| !m.is_empty())
        .collect();
    if modifiers
        .iter()
        .any(|m| m.len() != 2 || !m.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        errors.push((
            "modifiers".to_owned(),
            "each modifier is two letters or digits".to_owned(),
        ));
    }
    let units = match form.units.trim() {
        "" => 1,
        text => match text.parse::<i32>() {
            Ok(n) if n >= 1 => n,
            _ => {
                errors.push((
                    "units".to_owned(),
                    format!("\"{text}\" is not a whole number of at least 1"),
                ));
                1
            }
        },
    };
    let mut title = None;
    if let (Some((system, _)), Some(encounter), false) = (system, encounter, code.is_empty()) {
        let mut no_suggestions = Vec::new();
        title = check_code(
            &state,
            system,
            &code,
            &context.patient.record,
            encounter,
            &mut errors,
            &mut no_suggestions,
        );
    }
    let (Some((system, code_system)), Some(encounter), true) =
        (system, encounter, errors.is_empty())
    else {
        let body = form_markup(&nav, cpt_loaded(&state), &context, &form, &errors);
        return Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            page(&title_of(&context), Some(&nav), body),
        ));
    };
    let line = codes::ProcedureLine {
        system,
        code: code.clone(),
        modifiers: modifiers.clone(),
        units: u32::try_from(units).unwrap_or(1),
        date: encounter.record.admit_at.date(),
    };
    let (reader, eid) = (principal.clone(), encounter.meta.id);
    let edits = state
        .blocking(move |state| read_procedure_edits(state, &reader, eid, line))
        .await?;
    let seen = review::edits_fingerprint(&edits);
    if !edits.is_empty() && form.seen.trim() != seen {
        let form = ProcedureForm {
            code: code.clone(),
            modifiers: modifiers.join(","),
            units: units.to_string(),
            seen,
            ..form
        };
        let body = html! {
            (confirm_markup(&nav, &context, &form, encounter, &edits))
            h2 { "Or change the code" }
            (form_markup(&nav, cpt_loaded(&state), &context, &ProcedureForm { seen: String::new(), ..form }, &[]))
        };
        return Ok(html(
            StatusCode::OK,
            page(&title_of(&context), Some(&nav), body),
        ));
    }
    let procedure = Procedure {
        patient_id: PatientId(id),
        encounter_id: Some(EncounterId(encounter.meta.id)),
        code_system,
        code,
        modifiers,
        units,
        performed_at: encounter.record.admit_at,
        performer_id: None,
        description: title,
    };
    create_audited(&state, principal, id, DataCategory::Procedures, move |_| {
        Ok(procedure)
    })
    .await?;
    Ok(Redirect::to(&format!("/patients/{id}#procedures")).into_response())
}

/// The edits a valid code would raise, before it is saved: each with its rule and source,
/// and a button saving it with them (carrying their fingerprint).
fn confirm_markup(
    nav: &Nav,
    context: &Context,
    form: &ProcedureForm,
    encounter: &store::Stored<records::Encounter>,
    edits: &[codes::CodingEdit],
) -> Markup {
    let id = context.patient.meta.id;
    let date = day(encounter.record.admit_at.date());
    html! {
        section #procedure-edits {
            p.error role="alert" {
                "Nothing is saved yet: adding " code { (form.code) } " to the encounter of " (date)
                " raises the coding edits below. Save it with them, or change the code."
            }
            (edits_view(&format!("Coding edits adding {} to the encounter of {date} raises", form.code), edits))
            form.inline method="post" action={ "/patients/" (id) "/procedures" } {
                (token_field(nav))
                input type="hidden" name="encounter_id" value=(form.encounter_id);
                input type="hidden" name="system" value=(form.system);
                input type="hidden" name="code" value=(form.code);
                input type="hidden" name="modifiers" value=(form.modifiers);
                input type="hidden" name="units" value=(form.units);
                input type="hidden" name="seen" value=(form.seen);
                button type="submit" { "Save " (form.code) " with these edits" }
            }
        }
    }
}
