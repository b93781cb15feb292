//! The code sets over the API: typeahead search, validation on a date of service, and a
//! code's page (hierarchy, notes, release). Reference data, not patient data: any
//! signed-in user may use them.
//!
//! Invariants:
//! - Every answer names the release in force on the date of service (today by default).
//! - Bad input (unknown system, malformed date, empty query) is a 4xx naming the field.

use crate::error::WebError;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use codes::{Sex, System};
use serde::Deserialize;
use serde_json::{Value, json};
use time::Date;

fn system(field: &str, text: &str) -> Result<System, WebError> {
    text.parse::<System>().map_err(|_| {
        WebError::bad(
            field,
            format!("\"{text}\" is not a code system (icd10cm, icd10pcs, hcpcs, cvx, cpt)"),
        )
    })
}

fn date_of_service(state: &AppState, text: Option<&str>) -> Result<Date, WebError> {
    match text {
        None => Ok(state.store.clock().now().date()),
        Some(text) => codes::parse_date(text)
            .ok_or_else(|| WebError::bad("date", format!("\"{text}\" is not a date (YYYY-MM-DD)"))),
    }
}

fn code_error(error: codes::Error) -> WebError {
    match error {
        codes::Error::UnknownCode { .. } | codes::Error::NoRelease { .. } => {
            WebError::NotFound(error.to_string())
        }
        other => WebError::bad("code", other.to_string()),
    }
}

/// A code search.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = CodeSearchBody)]
pub struct SearchBody {
    /// `icd10cm`, `icd10pcs`, `hcpcs`, `cvx` or `cpt`.
    #[schema(schema_with = crate::api_schema::code_system, required = true)]
    system: String,
    /// What the user typed: a code prefix or words ("diab mell neph").
    #[schema(pattern = r"\S")]
    q: String,
    /// Date of service, `YYYY-MM-DD` (today when absent).
    #[serde(default)]
    #[schema(schema_with = crate::api_schema::date)]
    date: Option<String>,
    /// Most hits (1 to 50, default 20).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 50)]
    limit: Option<usize>,
}

/// `POST /api/codes/search`: ranked typeahead hits.
pub async fn search(
    State(state): State<AppState>,
    crate::body::JsonBody(body): crate::body::JsonBody<SearchBody>,
) -> Result<Json<Value>, WebError> {
    let system = system("system", &body.system)?;
    if body.q.trim().is_empty() {
        return Err(WebError::bad("q", "is required"));
    }
    let dos = date_of_service(&state, body.date.as_deref())?;
    let limit = body.limit.unwrap_or(20).clamp(1, 50);
    let hits = state
        .blocking(move |state| {
            state
                .codes
                .search(system, &body.q, dos, limit)
                .map_err(code_error)
        })
        .await?;
    Ok(Json(
        json!({ "system": system.to_string(), "date_of_service": dos.to_string(), "hits": hits }),
    ))
}

/// A code to validate, optionally against the patient's sex and age.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ValidateBody {
    /// Code system.
    #[schema(schema_with = crate::api_schema::code_system, required = true)]
    system: String,
    /// The code, with or without its dot.
    code: String,
    /// Date of service and the patient's sex and age.
    #[serde(flatten)]
    #[schema(inline)]
    on: ServiceFields,
}

/// The date of service and the patient's sex and age, as the code-set edits read them.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ServiceFields {
    /// Date of service, `YYYY-MM-DD` (today when absent): picks the release.
    #[serde(default)]
    #[schema(schema_with = crate::api_schema::date)]
    date: Option<String>,
    /// `F` or `M`, for sex-specific codes and sex edits.
    #[serde(default)]
    #[schema(schema_with = crate::api_schema::sex_letter)]
    sex: Option<String>,
    /// Age in years on the date of service, for age edits.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 150)]
    age: Option<u16>,
}

impl ServiceFields {
    /// The date of service and the patient, or a 422 naming the field.
    fn read(&self, state: &AppState) -> Result<(Date, codes::Patient), WebError> {
        let dos = date_of_service(state, self.date.as_deref())?;
        let patient = codes::Patient {
            sex: sex(self.sex.as_deref())?,
            age_years: self.age,
        };
        Ok((dos, patient))
    }
}

/// `POST /api/codes/validate`: exists, billable on the date, billable children, edits.
pub async fn validate(
    State(state): State<AppState>,
    crate::body::JsonBody(body): crate::body::JsonBody<ValidateBody>,
) -> Result<Json<Value>, WebError> {
    let system = system("system", &body.system)?;
    let (dos, patient) = body.on.read(&state)?;
    let validation = state
        .blocking(move |state| {
            state
                .codes
                .validate(system, &body.code, dos, &patient)
                .map_err(code_error)
        })
        .await?;
    Ok(Json(
        serde_json::to_value(validation).map_err(WebError::internal)?,
    ))
}

/// The date of service for a code page.
#[derive(Debug, Deserialize)]
pub struct ShowParams {
    #[serde(default)]
    date: Option<String>,
}

/// `GET /api/codes/{system}/{code}`: the code's page.
pub async fn show(
    State(state): State<AppState>,
    Path((system_text, code)): Path<(String, String)>,
    Query(params): Query<ShowParams>,
) -> Result<Json<Value>, WebError> {
    let system = system("system", &system_text)?;
    let dos = date_of_service(&state, params.date.as_deref())?;
    let detail = state
        .blocking(move |state| state.codes.show(system, &code, dos).map_err(code_error))
        .await?;
    Ok(Json(
        serde_json::to_value(detail).map_err(WebError::internal)?,
    ))
}

/// An answer to an earlier question of the encoder or the PCS builder.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AnswerBody {
    /// The question's id (`S93.402`, or a PCS axis such as `approach`).
    question: String,
    /// The choice's value (`A`, `M77.11`, `4`).
    value: String,
}

fn answers(list: Vec<AnswerBody>) -> Result<Vec<(String, String)>, WebError> {
    list.into_iter()
        .enumerate()
        .map(|(i, a)| {
            if a.question.trim().is_empty() {
                return Err(WebError::bad(
                    &format!("answers[{i}].question"),
                    "is required",
                ));
            }
            if a.value.trim().is_empty() {
                return Err(WebError::bad(&format!("answers[{i}].value"), "is required"));
            }
            Ok((a.question.trim().to_owned(), a.value.trim().to_owned()))
        })
        .collect()
}

/// The patient's sex as the code-set edits read it.
pub(crate) fn sex(text: Option<&str>) -> Result<Option<Sex>, WebError> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some("F" | "f") => Ok(Some(Sex::Female)),
        Some("M" | "m") => Ok(Some(Sex::Male)),
        Some(other) => Err(WebError::bad("sex", format!("\"{other}\" is not F or M"))),
    }
}

/// Longest statement taken (the encoder reads its first 64 words).
pub(crate) const MAX_STATEMENT: usize = 100_000;

/// A diagnostic statement to encode.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EncodeBody {
    /// The statement as the physician wrote it.
    statement: String,
    /// Date of service and the patient's sex and age.
    #[serde(flatten)]
    #[schema(inline)]
    on: ServiceFields,
    /// Answers to the questions of an earlier answer.
    #[serde(default)]
    answers: Vec<AnswerBody>,
}

/// `POST /api/codes/encode`: the ICD-10-CM codes for a statement, with the Index path,
/// Tabular checks and notes applied (each with its source), open questions and their
/// choices, or the nearest Index terms when there is no entry.
pub async fn encode(
    State(state): State<AppState>,
    crate::body::JsonBody(body): crate::body::JsonBody<EncodeBody>,
) -> Result<Json<Value>, WebError> {
    let statement = statement_field(&body.statement)?;
    let (dos, patient) = body.on.read(&state)?;
    let req = codes::EncodeRequest {
        statement,
        patient,
        answers: answers(body.answers)?,
    };
    let encoding = state
        .blocking(move |state| state.codes.encode(&req, dos).map_err(code_error))
        .await?;
    let complete = encoding.complete();
    let mut value = serde_json::to_value(encoding).map_err(WebError::internal)?;
    value["complete"] = json!(complete);
    value["date_of_service"] = json!(dos.to_string());
    Ok(Json(value))
}

/// The statement, or a 422 naming it.
pub(crate) fn statement_field(text: &str) -> Result<String, WebError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(WebError::bad("statement", "is required"));
    }
    if text.len() > MAX_STATEMENT {
        return Err(WebError::bad(
            "statement",
            format!("is {} bytes; at most {MAX_STATEMENT}", text.len()),
        ));
    }
    Ok(text.to_owned())
}

/// A procedure statement for the ICD-10-PCS builder.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BuildPcsBody {
    /// The procedure statement ("laparoscopic appendectomy"); may be empty.
    #[serde(default)]
    statement: String,
    /// Date of service (today when absent).
    #[serde(default)]
    date: Option<String>,
    /// Answers by axis (`approach`, `device`, or `1`-`7`).
    #[serde(default)]
    answers: Vec<AnswerBody>,
}

/// `POST /api/codes/build-pcs`: the axes chosen so far, the next question with only the
/// values a table row allows, or the finished code.
pub async fn build_pcs(
    State(state): State<AppState>,
    crate::body::JsonBody(body): crate::body::JsonBody<BuildPcsBody>,
) -> Result<Json<Value>, WebError> {
    if body.statement.len() > MAX_STATEMENT {
        return Err(WebError::bad(
            "statement",
            format!("is {} bytes; at most {MAX_STATEMENT}", body.statement.len()),
        ));
    }
    let dos = date_of_service(&state, body.date.as_deref())?;
    let req = codes::PcsBuildRequest {
        statement: body.statement,
        answers: answers(body.answers)?,
    };
    let built = state
        .blocking(move |state| state.codes.build_pcs(&req, dos).map_err(code_error))
        .await?;
    Ok(Json(
        serde_json::to_value(built).map_err(WebError::internal)?,
    ))
}

/// Diagnosis codes to check together.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EditsBody {
    /// The ICD-10-CM codes as listed, first-listed first.
    codes: Vec<String>,
    /// Date of service and the patient's sex and age.
    #[serde(flatten)]
    #[schema(inline)]
    on: ServiceFields,
}

/// `POST /api/codes/edits`: the coding edits over a list of diagnosis codes, each with its
/// rule and source.
pub async fn edits(
    State(state): State<AppState>,
    crate::body::JsonBody(body): crate::body::JsonBody<EditsBody>,
) -> Result<Json<Value>, WebError> {
    if body.codes.is_empty() {
        return Err(WebError::bad("codes", "list at least one code"));
    }
    if let Some(i) = body.codes.iter().position(|c| c.trim().is_empty()) {
        return Err(WebError::bad(&format!("codes[{i}]"), "is empty"));
    }
    let (dos, patient) = body.on.read(&state)?;
    let edits = state
        .blocking(move |state| {
            let listed: Vec<&str> = body.codes.iter().map(String::as_str).collect();
            state
                .codes
                .coding_edits(&listed, dos, &patient)
                .map_err(code_error)
        })
        .await?;
    Ok(Json(
        json!({ "date_of_service": dos.to_string(), "edits": edits }),
    ))
}

/// `GET /api/encounters/{id}/coding-edits`: the stored encounter's coding edits as its
/// claim carries them (diagnoses in sequence with POA, an inpatient stay getting the POA
/// and principal rules; procedures with modifiers and units), audited as a read of the
/// patient's encounters, diagnoses and procedures.
pub async fn encounter_edits(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<crate::auth::Principal>,
    Path(id): Path<String>,
) -> Result<Json<Value>, WebError> {
    let id = crate::patients::parse_id(&id)?;
    let edits = state
        .blocking(move |state| read_encounter_edits(state, &principal, id))
        .await?;
    Ok(Json(
        serde_json::to_value(edits).map_err(WebError::internal)?,
    ))
}

/// Reads an encounter's coding edits and audits the read (one entry naming the patient).
pub(crate) fn read_encounter_edits(
    state: &AppState,
    principal: &crate::auth::Principal,
    id: i64,
) -> Result<review::EncounterEdits, WebError> {
    edits_read_audited(
        state,
        principal,
        id,
        &[
            privacy::DataCategory::Diagnoses,
            privacy::DataCategory::Procedures,
        ],
        "coding edits",
        review::encounter_coding_edits,
    )
}

/// The procedure coding edits that adding `line` to the encounter raises
/// (`review::procedure_edits_raised`), audited as a read of its encounters and procedures
/// (one entry naming the patient).
pub(crate) fn read_procedure_edits(
    state: &AppState,
    principal: &crate::auth::Principal,
    id: i64,
    line: codes::ProcedureLine,
) -> Result<Vec<codes::CodingEdit>, WebError> {
    edits_read_audited(
        state,
        principal,
        id,
        &[privacy::DataCategory::Procedures],
        "procedure coding edits",
        |codes, coding| review::procedure_edits_raised(codes, coding, line),
    )
}

/// Reads the encounter's coding, runs `edits` over it and audits the read of its
/// encounters and `codes` (diagnoses, procedures), one entry naming the patient.
fn edits_read_audited<T>(
    state: &AppState,
    principal: &crate::auth::Principal,
    id: i64,
    codes: &[privacy::DataCategory],
    reason: &str,
    edits: impl FnOnce(&codes::CodeSets, &review::EncounterCoding) -> codes::Result<T>,
) -> Result<T, WebError> {
    let coding = state
        .store
        .read(|tx| review::read_encounter_coding(tx, id))?;
    let found = edits(&state.codes, &coding).map_err(code_error)?;
    let patient = coding.patient.meta.id;
    state.trail.write(&state.store, |audited| {
        let event = principal
            .event(audited.now(), privacy::Action::Read)
            .patient(records::PatientId(patient))
            .record("encounter", id)
            .categories(&[&[privacy::DataCategory::Encounters], codes].concat())
            .reason(reason);
        audited.append(&event)
    })?;
    Ok(found)
}

/// A term for the terminology helper.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TermBody {
    /// A term, abbreviation or phrase ("MS", "heart attack", "cholecystectomy").
    text: String,
}

/// `POST /api/codes/term`: every meaning of each abbreviation, the Index term a lay name
/// leads to, words split into their parts, the nearest Index terms.
pub async fn term(
    State(state): State<AppState>,
    crate::body::JsonBody(body): crate::body::JsonBody<TermBody>,
) -> Result<Json<Value>, WebError> {
    let text = body.text.trim().to_owned();
    if text.is_empty() {
        return Err(WebError::bad("text", "is required"));
    }
    if text.len() > 1_000 {
        return Err(WebError::bad(
            "text",
            format!("is {} bytes; at most 1000", text.len()),
        ));
    }
    let help = state
        .blocking(move |state| state.codes.terminology(&text).map_err(code_error))
        .await?;
    Ok(Json(
        serde_json::to_value(help).map_err(WebError::internal)?,
    ))
}
