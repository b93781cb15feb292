//! `POST /api/patients`: registration over the JSON API, through the same core as the
//! registration form (`web::registration::register_patient`): the patients on file who may
//! be the same person come back first (409, each an audited look, nothing stored) unless
//! the caller confirms, and each chart named in `merge_with` joins the duplicate queue.

use crate::auth::Principal;
use crate::body::JsonBody;
use crate::error::WebError;
use crate::state::AppState;
use crate::web::demographics::parse_patient;
use crate::web::registration::{Registration, blank, register_patient};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// A registration: the demographics as the form names them, whether the caller has seen
/// the possible duplicates, and the charts to queue as possible duplicates of the new one.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    /// family_name, given_name, birth_date (YYYY-MM-DD), sex (female, male, other,
    /// unknown) and the optional fields of the registration form (line1, city, state,
    /// postal_code, phone, ...), as text.
    #[schema(schema_with = crate::api_schema::new_patient, required = true)]
    pub patient: Map<String, Value>,
    /// Register even though patients on file may be the same person (default false).
    #[serde(default)]
    pub confirmed: bool,
    /// Record ids of charts on file to queue with the new chart for a merge review.
    #[serde(default)]
    pub merge_with: Vec<i64>,
}

/// `POST /api/patients`: 201 with the new chart (and the queued pairs), or 409 with the
/// patients on file who may be the same person, most probable first.
pub async fn register(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    JsonBody(body): JsonBody<RegisterBody>,
) -> Result<Response, WebError> {
    let today = state.store.clock().now().date();
    let patient = parse_patient(&blank()?, &body.patient, today).map_err(|errors| {
        let field = errors
            .first()
            .map_or_else(|| "patient".to_owned(), |(f, _)| format!("patient.{f}"));
        let reason = errors
            .iter()
            .map(|(f, why)| format!("{f}: {why}"))
            .collect::<Vec<_>>()
            .join("; ");
        WebError::bad(&field, reason)
    })?;
    let reply = match register_patient(&state, principal, patient, body.confirmed, body.merge_with)
        .await?
    {
        Registration::MayBeOnFile(candidates) => {
            let candidates: Vec<Value> = candidates
                .iter()
                .map(|m| {
                    json!({
                        "patient": m.patient,
                        "why": m.why(),
                        "likeness": m.likeness.map(|l| l.label()),
                        "probability": m.score.map(|s| s.probability),
                        "weight": m.score.map(|s| s.weight),
                        "contributions": m.contributions,
                    })
                })
                .collect();
            (
                StatusCode::CONFLICT,
                Json(json!({
                    "registered": false,
                    "message": "patients on file may be the same person: open their chart, or send again with confirmed: true (and merge_with naming the ones to review for a merge)",
                    "candidates": candidates,
                })),
            )
        }
        Registration::Registered {
            patient,
            merge_requests,
        } => (
            StatusCode::CREATED,
            Json(json!({
                "registered": true,
                "patient": patient,
                "merge_requests": merge_requests,
            })),
        ),
    };
    Ok(reply.into_response())
}
