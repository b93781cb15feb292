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
        codes::Error::UnknownCode { .. } => WebError::NotFound(error.to_string()),
        other => WebError::bad("code", other.to_string()),
    }
}

/// A code search.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SearchBody {
    /// `icd10cm`, `icd10pcs`, `hcpcs`, `cvx` or `cpt`.
    system: String,
    /// What the user typed: a code prefix or words ("diab mell neph").
    q: String,
    /// Date of service, `YYYY-MM-DD` (today when absent).
    #[serde(default)]
    date: Option<String>,
    /// Most hits (1 to 50, default 20).
    #[serde(default)]
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
    system: String,
    /// The code, with or without its dot.
    code: String,
    /// Date of service (today when absent).
    #[serde(default)]
    date: Option<String>,
    /// `F` or `M`, for sex edits.
    #[serde(default)]
    sex: Option<String>,
    /// Age in years on the date of service, for age edits.
    #[serde(default)]
    age: Option<u16>,
}

/// `POST /api/codes/validate`: exists, billable on the date, billable children, edits.
pub async fn validate(
    State(state): State<AppState>,
    crate::body::JsonBody(body): crate::body::JsonBody<ValidateBody>,
) -> Result<Json<Value>, WebError> {
    let system = system("system", &body.system)?;
    let dos = date_of_service(&state, body.date.as_deref())?;
    let sex = match body.sex.as_deref().map(str::trim) {
        None | Some("") => None,
        Some("F" | "f") => Some(Sex::Female),
        Some("M" | "m") => Some(Sex::Male),
        Some(other) => return Err(WebError::bad("sex", format!("\"{other}\" is not F or M"))),
    };
    let patient = codes::Patient {
        sex,
        age_years: body.age,
    };
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
