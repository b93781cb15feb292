//! Coding a diagnosis on an encounter with the code picker: typeahead over the ICD-10-CM
//! release in force on the encounter's date (the page's script asks `/api/codes/search`),
//! then the server validates the code on that date for the patient's sex and age (billable,
//! MCE edits) before anything is stored; a category gets its billable children listed.
//! Above it, the encoder: a statement encoded with the encounter's date and the patient's
//! sex and age, each code with the Index path and notes that gave it and an Add button
//! (stored through the same audited write), the questions it leaves as forms, the edits the
//! encounter would have with the codes added, and the encounter's coding edits as coded.

use super::coding::{
    Context, check_code, chosen_encounter, code_field, context, create_audited, edits_patient,
    encounter_options, encounter_select,
};
use super::encoder::{Again, check_statement, edits_view, encoding_view, parse_answers};
use super::forms::{PageForm, PageResult, Refusal, check_token, html};
use super::layout::{Nav, field_error, nav, page, token_field};
use super::text::day;
use crate::auth::Principal;
use crate::codes_api::read_encounter_edits;
use crate::patients::parse_id;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use privacy::DataCategory;
use records::{Diagnosis, DiagnosisRank, EncounterClass, EncounterId, PatientId, PoaIndicator};
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
    coding: &Markup,
) -> Markup {
    let id = context.patient.meta.id;
    html! {
        (coding)
        h2 { "Or type the code" }
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
    RawQuery(query): RawQuery,
) -> PageResult {
    let id = parse_id(&id)?;
    let context = context(&state, &principal, id, "diagnosis form").await?;
    let nav = nav(&state, &principal);
    let chosen = query
        .as_deref()
        .and_then(|q| {
            q.split('&')
                .find_map(|pair| pair.strip_prefix("encounter="))
        })
        .unwrap_or_default()
        .to_owned();
    let coding = coding_section(
        &state,
        &principal,
        &nav,
        &context,
        &EncodeForm {
            encounter_id: chosen.clone(),
            ..EncodeForm::default()
        },
        &[],
        None,
    )
    .await?;
    let form = DiagnosisForm {
        encounter_id: chosen,
        ..DiagnosisForm::default()
    };
    let body = form_markup(&nav, &context, &form, &[], &[], &coding);
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
        let coding = coding_section(
            &state,
            &principal,
            &nav,
            &context,
            &EncodeForm {
                encounter_id: form.encounter_id.clone(),
                ..EncodeForm::default()
            },
            &[],
            None,
        )
        .await?;
        let body = form_markup(&nav, &context, &form, &errors, &suggestions, &coding);
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

#[derive(Debug, Default, Deserialize)]
pub(crate) struct EncodeForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    encounter_id: String,
    #[serde(default)]
    statement: String,
    #[serde(default)]
    answers: String,
    #[serde(default)]
    answer: String,
}

/// The encoder and the edits on the diagnosis form: the statement form (with its own
/// encounter chooser), the encoding when there is one (each billable code with an Add
/// button, and the edits the encounter would have with them), and the chosen encounter's
/// coding edits as they stand (audited as a read of its codes).
async fn coding_section(
    state: &AppState,
    principal: &Principal,
    nav: &Nav,
    context: &Context,
    form: &EncodeForm,
    errors: &[(String, String)],
    encoding: Option<(&codes::Encoding, &[(String, String)])>,
) -> Result<Markup, Refusal> {
    let id = context.patient.meta.id;
    let encounter = form
        .encounter_id
        .parse::<i64>()
        .ok()
        .and_then(|e| context.encounters.iter().find(|s| s.meta.id == e))
        .or_else(|| context.encounters.last());
    let current = match encounter {
        Some(e) => {
            let (principal, eid) = (principal.clone(), e.meta.id);
            Some(
                state
                    .blocking(move |state| read_encounter_edits(state, &principal, eid))
                    .await?,
            )
        }
        None => None,
    };
    let chosen = encounter.map(|e| e.meta.id.to_string()).unwrap_or_default();
    let inpatient = encounter.is_some_and(|e| e.record.class == EncounterClass::Inpatient);
    let listed: Vec<String> = current
        .as_ref()
        .map(|c| c.diagnoses.iter().map(|d| d.code.clone()).collect())
        .unwrap_or_default();
    let preview = match (encoding, encounter) {
        (Some((encoding, _)), Some(e)) if !encoding.codes.is_empty() => {
            let mut all = listed.clone();
            all.extend(
                encoding
                    .codes
                    .iter()
                    .filter(|c| c.billable)
                    .map(|c| c.code.clone()),
            );
            let all: Vec<&str> = all.iter().map(String::as_str).collect();
            let dos = e.record.admit_at.date();
            state
                .codes
                .coding_edits(&all, dos, &edits_patient(&context.patient.record, dos))
                .ok()
        }
        _ => None,
    };
    let add = |i: usize, c: &codes::EncodedCode| {
        let rank = match (i, listed.is_empty(), inpatient) {
            (0, true, true) => "principal",
            (0, true, false) => "first_listed",
            _ => "secondary",
        };
        html! {
            form.inline.add-code method="post" action={ "/patients/" (id) "/diagnoses" } {
                (token_field(nav))
                input type="hidden" name="encounter_id" value=(chosen);
                input type="hidden" name="code" value=(c.code);
                select name="rank" aria-label={ "Rank of " (c.code) } {
                    @for (value, label) in RANKS { option value=(value) selected[rank == *value] { (label) } }
                }
                @if inpatient {
                    select name="poa" aria-label={ "Present on admission, " (c.code) } {
                        @for (value, label) in POAS { option value=(value) { (label) } }
                    }
                }
                button type="submit" { "Add " (c.code) }
            }
        }
    };
    Ok(html! {
        section #encoder {
            h2 { "Encode from the statement" }
            form.stack.wide method="post" action={ "/patients/" (id) "/diagnoses/encode" } {
                (token_field(nav))
                label for="encode_encounter" { "Encounter" }
                select #encode_encounter name="encounter_id" { (encounter_options(context, &chosen)) }
                (field_error(errors, "encounter_id"))
                label for="statement" { "Diagnostic statement" }
                textarea #statement name="statement" rows="2" required
                    placeholder="e.g. acute exacerbation of COPD with pneumonia" { (form.statement) }
                (field_error(errors, "statement"))
                (field_error(errors, "answers"))
                (field_error(errors, "answer"))
                button type="submit" { "Encode" }
            }
            @if let Some((encoding, answers)) = encoding {
                (encoding_view(nav, encoding, &Again {
                    action: format!("/patients/{id}/diagnoses/encode"),
                    hidden: vec![("encounter_id", chosen.clone()), ("statement", form.statement.clone())],
                    answers,
                }, Some(&add)))
                @if let Some(preview) = &preview {
                    (edits_view("Coding edits of the encounter with these codes added", preview))
                }
            }
            @if let (Some(current), Some(e)) = (&current, encounter) {
                (edits_view(&format!("Coding edits of the encounter of {} as coded ({})", day(e.record.admit_at.date()), if listed.is_empty() { "no diagnoses yet".to_owned() } else { listed.join(", ") }), &current.edits))
            }
        }
    })
}

/// `POST /patients/{id}/diagnoses/encode`: encodes the statement with the encounter's date
/// and the patient's sex and age, and shows the form again with the codes to add.
pub(crate) async fn encode(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<EncodeForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id(&id)?;
    let context = context(&state, &principal, id, "diagnosis form").await?;
    let nav = nav(&state, &principal);
    let mut errors = Vec::new();
    check_statement(&form.statement, &mut errors);
    let encounter = chosen_encounter(&context, &form.encounter_id, &mut errors);
    let answers = parse_answers(&form.answers, &form.answer, &mut errors);
    let manual = DiagnosisForm {
        encounter_id: form.encounter_id.clone(),
        ..DiagnosisForm::default()
    };
    let (Some(encounter), true) = (encounter, errors.is_empty()) else {
        let coding =
            coding_section(&state, &principal, &nav, &context, &form, &errors, None).await?;
        let body = form_markup(&nav, &context, &manual, &[], &[], &coding);
        return Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            page(&title_of(&context), Some(&nav), body),
        ));
    };
    let dos = encounter.record.admit_at.date();
    let req = codes::EncodeRequest {
        statement: form.statement.trim().to_owned(),
        patient: edits_patient(&context.patient.record, dos),
        answers: answers.clone(),
    };
    let encoding = state
        .blocking(move |state| {
            state
                .codes
                .encode(&req, dos)
                .map_err(|e| crate::error::WebError::bad("encounter_id", e.to_string()))
        })
        .await?;
    let coding = coding_section(
        &state,
        &principal,
        &nav,
        &context,
        &form,
        &[],
        Some((&encoding, &answers)),
    )
    .await?;
    let body = form_markup(&nav, &context, &manual, &[], &[], &coding);
    Ok(html(
        StatusCode::OK,
        page(&title_of(&context), Some(&nav), body),
    ))
}
