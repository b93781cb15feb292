//! Adding an allergy, a medication, a problem or an observation from the chart: one form
//! per kind, every problem named by its label at once, what was typed kept. What the text
//! means and what each record must satisfy is `records::ClinicalEntry`; a problem coded in
//! ICD-10-CM is checked against the release in force today (the code picker searches it).
//! Each record is created versioned, with its audit entry in the same transaction.

use super::coding::{Context, code_field, context, create_audited, edits_patient};
use super::fields::{Labels, input, problems, select, summary};
use super::forms::{PageForm, PageResult, check_token, html};
use super::layout::{Nav, nav, page, token_field};
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
use privacy::DataCategory;
use records::{ClinicalEntry, PatientId};
use serde_json::{Map, Value};

/// The kinds of clinical entry, named in the URL by their chart section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Allergy,
    Medication,
    Problem,
    Observation,
}

const ALLERGY: Labels = &[
    ("substance", "Substance"),
    ("code", "Substance code (SNOMED CT or RxNorm)"),
    ("category", "Category"),
    ("criticality", "Criticality"),
    ("reaction", "Reaction"),
    ("status", "Status"),
    ("onset_at", "Onset"),
];
const MEDICATION: Labels = &[
    ("code", "RxNorm code"),
    ("description", "Medication, strength and form"),
    ("dosage", "Dosage instructions"),
    ("status", "Status"),
    ("start_at", "Started"),
    ("end_at", "Stopped"),
    ("encounter_id", "Encounter"),
];
const PROBLEM: Labels = &[
    ("code_system", "Code system"),
    ("code", "Code"),
    ("description", "Problem"),
    ("status", "Status"),
    ("onset_at", "Onset"),
    ("resolved_at", "Resolved"),
    ("encounter_id", "Encounter"),
];
const OBSERVATION: Labels = &[
    ("code", "LOINC code"),
    ("description", "Test or measurement"),
    ("category", "Category"),
    ("value_number", "Value"),
    ("value_unit", "Unit (UCUM)"),
    ("value_text", "Text result"),
    ("effective_at", "When"),
    ("encounter_id", "Encounter"),
];

/// Common UCUM units offered for a measured value (any UCUM unit may be typed).
const UNITS: &[&str] = &[
    "kg", "g", "cm", "m", "mm[Hg]", "/min", "Cel", "[degF]", "%", "mg/dL", "mmol/L", "g/dL",
    "kg/m2", "10*3/uL", "U/L", "mL", "1",
];

impl Kind {
    fn of(section: &str) -> Result<Self, WebError> {
        match section {
            "allergies" => Ok(Self::Allergy),
            "medications" => Ok(Self::Medication),
            "problems" => Ok(Self::Problem),
            "observations" => Ok(Self::Observation),
            other => Err(WebError::NotFound(format!(
                "\"{other}\" is not something added from the chart (allergies, medications, problems, observations)"
            ))),
        }
    }

    fn section(self) -> &'static str {
        match self {
            Self::Allergy => "allergies",
            Self::Medication => "medications",
            Self::Problem => "problems",
            Self::Observation => "observations",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Self::Allergy => "an allergy",
            Self::Medication => "a medication",
            Self::Problem => "a problem",
            Self::Observation => "an observation",
        }
    }

    fn labels(self) -> Labels {
        match self {
            Self::Allergy => ALLERGY,
            Self::Medication => MEDICATION,
            Self::Problem => PROBLEM,
            Self::Observation => OBSERVATION,
        }
    }

    fn category(self) -> DataCategory {
        match self {
            Self::Allergy => DataCategory::Allergies,
            Self::Medication => DataCategory::Medications,
            Self::Problem => DataCategory::Problems,
            Self::Observation => DataCategory::Results,
        }
    }
}

fn text_of(values: &Map<String, Value>, field: &str) -> String {
    match values.get(field) {
        Some(Value::String(text)) => text.clone(),
        _ => String::new(),
    }
}

fn options(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(value, words)| ((*value).to_owned(), (*words).to_owned()))
        .collect()
}

const STATUSES: &[(&str, &str)] = &[
    ("active", "Active"),
    ("inactive", "Inactive"),
    ("resolved", "Resolved"),
];

/// The optional encounter chooser; each option carries its date for the code picker.
fn encounter_choice(
    context: &Context,
    labels: Labels,
    chosen: &str,
    errors: &[(String, String)],
) -> Markup {
    let encounters: Vec<(String, String)> = context
        .encounters
        .iter()
        .rev()
        .map(|e| {
            (
                e.meta.id.to_string(),
                format!(
                    "{} · {} · {}",
                    day(e.record.admit_at.date()),
                    name(&e.record.class),
                    e.record.reason.as_deref().unwrap_or("")
                ),
            )
        })
        .collect();
    select(labels, "encounter_id", &encounters, chosen, true, errors)
}

fn fields(
    kind: Kind,
    context: &Context,
    values: &Map<String, Value>,
    errors: &[(String, String)],
) -> Markup {
    let labels = kind.labels();
    let v = |field: &str| text_of(values, field);
    html! {
        @match kind {
            Kind::Allergy => {
                (input(labels, "substance", "text", &v("substance"), true, errors))
                (input(labels, "code", "text", &v("code"), false, errors))
                (select(labels, "category", &options(&[("medication", "Medication"), ("food", "Food"), ("environment", "Environment"), ("biologic", "Biologic")]), &v("category"), false, errors))
                (select(labels, "criticality", &options(&[("low", "Low"), ("high", "High: life-threatening"), ("unable_to_assess", "Unable to assess")]), &v("criticality"), true, errors))
                (input(labels, "reaction", "text", &v("reaction"), false, errors))
                (select(labels, "status", &options(STATUSES), &v("status"), false, errors))
                (input(labels, "onset_at", "date", &v("onset_at"), false, errors))
            }
            Kind::Medication => {
                (input(labels, "code", "text", &v("code"), true, errors))
                p.note { "RxNorm is not loaded: the code's format is checked only." }
                (input(labels, "description", "text", &v("description"), true, errors))
                (input(labels, "dosage", "text", &v("dosage"), false, errors))
                (select(labels, "status", &options(&[("active", "Active"), ("completed", "Completed"), ("stopped", "Stopped")]), &v("status"), false, errors))
                (input(labels, "start_at", "date", &v("start_at"), true, errors))
                (input(labels, "end_at", "date", &v("end_at"), false, errors))
                (encounter_choice(context, labels, &v("encounter_id"), errors))
            }
            Kind::Problem => {
                (select(labels, "code_system", &options(&[("icd10cm", "ICD-10-CM"), ("snomed", "SNOMED CT (format checked only)")]), &v("code_system"), false, errors))
                (code_field("Code (type a code or words to search ICD-10-CM) *", &v("code"), "icd10cm", Some("code_system"), errors, &[]))
                (input(labels, "description", "text", &v("description"), true, errors))
                (select(labels, "status", &options(STATUSES), &v("status"), false, errors))
                (input(labels, "onset_at", "date", &v("onset_at"), false, errors))
                (input(labels, "resolved_at", "date", &v("resolved_at"), false, errors))
                (encounter_choice(context, labels, &v("encounter_id"), errors))
            }
            Kind::Observation => {
                (input(labels, "code", "text", &v("code"), true, errors))
                p.note { "LOINC is not loaded: the code's format and check digit are checked." }
                (input(labels, "description", "text", &v("description"), false, errors))
                (select(labels, "category", &options(&[("vital-signs", "Vital signs"), ("laboratory", "Laboratory"), ("survey", "Survey"), ("exam", "Exam")]), &v("category"), true, errors))
                (input(labels, "value_number", "text", &v("value_number"), false, errors))
                div.field {
                    label for="value_unit" { "Unit (UCUM)" }
                    input #value_unit name="value_unit" list="units" value=(v("value_unit"))
                        aria-invalid=[errors.iter().any(|(f, _)| f == "value_unit").then_some("true")];
                    datalist #units { @for unit in UNITS { option value=(unit) {} } }
                    (super::layout::field_error(errors, "value_unit"))
                }
                (input(labels, "value_text", "text", &v("value_text"), false, errors))
                (input(labels, "effective_at", "datetime-local", &v("effective_at"), true, errors))
                (encounter_choice(context, labels, &v("encounter_id"), errors))
            }
        }
    }
}

fn form_page(
    nav: &Nav,
    kind: Kind,
    context: &Context,
    values: &Map<String, Value>,
    errors: &[(String, String)],
) -> Markup {
    let id = context.patient.meta.id;
    html! {
        (summary(kind.labels(), errors))
        form.grid method="post" action={ "/patients/" (id) "/clinical/" (kind.section()) } novalidate {
            (token_field(nav))
            (fields(kind, context, values, errors))
            div.actions {
                button type="submit" { "Add " (kind.noun().split_once(' ').map_or("", |(_, noun)| noun)) }
                a href={ "/patients/" (id) "#" (kind.section()) } { "Cancel" }
            }
        }
    }
}

fn title_of(kind: Kind, context: &Context) -> String {
    format!(
        "Add {} for {}",
        kind.noun(),
        context.patient.record.display_name()
    )
}

/// `GET /patients/{id}/clinical/{section}/new`: the blank form for one kind.
pub(crate) async fn form(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((id, section)): Path<(String, String)>,
) -> PageResult {
    let id = parse_id(&id)?;
    let kind = Kind::of(&section)?;
    let context = context(&state, &principal, id, "clinical entry form").await?;
    let nav = nav(&state, &principal);
    let mut values = Map::new();
    if kind == Kind::Problem {
        values.insert("code_system".into(), Value::String("icd10cm".into()));
    }
    let body = form_page(&nav, kind, &context, &values, &[]);
    Ok(html(
        StatusCode::OK,
        page(&title_of(kind, &context), Some(&nav), body),
    ))
}

/// Problems the store and the code sets find: an encounter that is not this patient's,
/// an ICD-10-CM code not in the release in force today.
fn chart_problems(
    state: &AppState,
    context: &Context,
    values: &Map<String, Value>,
    kind: Kind,
    errors: &mut Vec<(String, String)>,
) {
    let encounter = text_of(values, "encounter_id");
    let encounter = encounter.trim();
    if !encounter.is_empty()
        && !context
            .encounters
            .iter()
            .any(|e| e.meta.id.to_string() == encounter)
        && !errors.iter().any(|(f, _)| f == "encounter_id")
    {
        errors.push((
            "encounter_id".into(),
            "choose one of this patient's encounters".into(),
        ));
    }
    let code = text_of(values, "code");
    if kind == Kind::Problem
        && text_of(values, "code_system") == "icd10cm"
        && !code.trim().is_empty()
        && !errors.iter().any(|(f, _)| f == "code")
    {
        let today = state.store.clock().now().date();
        let edits = edits_patient(&context.patient.record, today);
        match state
            .codes
            .validate(codes::System::Icd10Cm, &code, today, &edits)
        {
            Ok(found) if found.exists => {}
            Ok(found) => errors.push((
                "code".into(),
                format!(
                    "{} on {}: {}",
                    code.trim(),
                    day(today),
                    found.problems.join("; ")
                ),
            )),
            Err(e) => errors.push(("code".into(), e.to_string())),
        }
    }
}

/// `POST /patients/{id}/clinical/{section}`: adds the record, or shows the form again with every
/// problem and what was typed (nothing saved).
pub(crate) async fn add(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((id, section)): Path<(String, String)>,
    PageForm(values): PageForm<Map<String, Value>>,
) -> PageResult {
    check_token(&state, &principal, &text_of(&values, "token"))?;
    let id = parse_id(&id)?;
    let kind = Kind::of(&section)?;
    let context = context(&state, &principal, id, "clinical entry form").await?;
    // The entry borrows the form through plain closures, so it lives in a block of its own
    // and is gone before the next await.
    let built = {
        let text = |field: &str| text_of(&values, field);
        let entry = ClinicalEntry {
            text: &text,
            from_local: &|local| state.config.time_zone.from_local(local),
            now: state.store.clock().now(),
        };
        let patient = PatientId(id);
        match kind {
            Kind::Allergy => entry.allergy(patient).map(Built::Allergy),
            Kind::Medication => entry.medication(patient).map(Built::Medication),
            Kind::Problem => entry.problem(patient).map(Built::Problem),
            Kind::Observation => entry.observation(patient).map(Built::Observation),
        }
    };
    let mut errors = match &built {
        Ok(_) => Vec::new(),
        Err(errors) => problems(errors.clone()),
    };
    chart_problems(&state, &context, &values, kind, &mut errors);
    let (Ok(built), true) = (built, errors.is_empty()) else {
        let nav = nav(&state, &principal);
        let body = form_page(&nav, kind, &context, &values, &errors);
        return Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            page(&title_of(kind, &context), Some(&nav), body),
        ));
    };
    let category = kind.category();
    match built {
        Built::Allergy(r) => {
            create_audited(&state, principal, id, category, move |_| Ok(r)).await?
        }
        Built::Medication(r) => {
            create_audited(&state, principal, id, category, move |_| Ok(r)).await?
        }
        Built::Problem(r) => {
            create_audited(&state, principal, id, category, move |_| Ok(r)).await?
        }
        Built::Observation(r) => {
            create_audited(&state, principal, id, category, move |_| Ok(r)).await?
        }
    }
    Ok(Redirect::to(&format!("/patients/{id}#{}", kind.section())).into_response())
}

enum Built {
    Allergy(records::Allergy),
    Medication(records::Medication),
    Problem(records::Problem),
    Observation(records::Observation),
}
