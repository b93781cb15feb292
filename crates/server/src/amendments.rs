//! Patients' amendment requests over the API (HIPAA §164.526): record a request, list a
//! patient's requests, accept (linking the changed record) or deny with a reason (linking
//! the disputed record, which the denial is then shown with).
//! Every step is audited in the same transaction (`store::Audited::request_amendment`,
//! `decide_amendment`); listing is audited as a read.

use crate::auth::Principal;
use crate::body::JsonBody;
use crate::error::WebError;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use privacy::{Action, DataCategory};
use records::PatientId;
use serde::Deserialize;
use serde_json::{Value, json};

/// Shortest reason accepted for a denial, in characters (the patient is told it).
const MIN_DENIAL_REASON: usize = 10;

fn parse_id(field: &str, text: &str) -> Result<i64, WebError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| WebError::bad(field, format!("\"{text}\" is not a record id")))
}

/// A new request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RequestBody {
    /// What the patient asks to change, in their words.
    #[schema(schema_with = crate::api_schema::said, required = true)]
    description: String,
}

/// `POST /api/patients/{id}/amendments` `{description}`: records a request (201).
pub async fn request(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<RequestBody>,
) -> Result<(StatusCode, Json<Value>), WebError> {
    let id = parse_id("id", &id)?;
    let amendment = record_request(&state, principal, id, &body.description).await?;
    Ok((StatusCode::CREATED, Json(json!(amendment))))
}

/// Records patient `id`'s request to amend their chart, audited as a create.
pub(crate) async fn record_request(
    state: &AppState,
    principal: Principal,
    id: i64,
    description: &str,
) -> Result<store::Amendment, WebError> {
    let description = description.trim().to_owned();
    if description.is_empty() {
        return Err(WebError::bad(
            "description",
            "say what the patient asks to change",
        ));
    }
    state
        .blocking(move |state| {
            Ok(state.trail.write(&state.store, |audited| {
                let by = principal.event(audited.now(), Action::Create);
                audited.request_amendment(PatientId(id), &description, by)
            })?)
        })
        .await
}

/// `GET /api/patients/{id}/amendments`: the patient's requests, oldest first.
pub async fn list(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<Value>, WebError> {
    let id = parse_id("id", &id)?;
    let amendments = requests_of(&state, principal, id).await?;
    Ok(Json(json!({ "amendments": amendments })))
}

/// Patient `id`'s requests, oldest first; audited as a read.
pub(crate) async fn requests_of(
    state: &AppState,
    principal: Principal,
    id: i64,
) -> Result<Vec<store::Amendment>, WebError> {
    state
        .blocking(move |state| {
            state.store.read(|tx| tx.get::<records::Patient>(id))?;
            let amendments = state.store.amendments(PatientId(id))?;
            let event = principal
                .event(state.store.clock().now(), Action::Read)
                .patient(PatientId(id))
                .record("amendment_requests", id)
                .categories(&[DataCategory::Demographics]);
            state.trail.record(&state.store, &event)?;
            Ok(amendments)
        })
        .await
}

/// A decision.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DecisionBody {
    /// Accept (true) or deny (false).
    accept: bool,
    /// Why (required; at least 10 characters for a denial).
    #[schema(min_length = 10, pattern = r"\S", required = true)]
    reason: String,
    /// The kind of record the decision is about (`patient`, `diagnosis`, ...): the one
    /// changed (accepted) or disputed (denied).
    #[serde(default)]
    record_kind: Option<String>,
    /// Its id.
    #[serde(default)]
    record_id: Option<i64>,
}

/// `POST /api/amendments/{id}/decision` `{accept, reason, record_kind?, record_id?}`.
pub async fn decide(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<DecisionBody>,
) -> Result<Json<Value>, WebError> {
    let id = parse_id("id", &id)?;
    let decided = decide_request(
        &state,
        principal,
        id,
        body.accept,
        &body.reason,
        body.record_kind,
        body.record_id,
    )
    .await?;
    Ok(Json(json!(decided)))
}

/// Accepts (naming the changed record) or denies (with a reason the patient is told,
/// naming the disputed record) request `id`, once; audited as an update.
pub(crate) async fn decide_request(
    state: &AppState,
    principal: Principal,
    id: i64,
    accept: bool,
    reason: &str,
    record_kind: Option<String>,
    record_id: Option<i64>,
) -> Result<store::Amendment, WebError> {
    let reason = reason.trim().to_owned();
    if reason.is_empty() {
        return Err(WebError::bad("reason", "give the reason for the decision"));
    }
    if !accept && reason.chars().count() < MIN_DENIAL_REASON {
        return Err(WebError::bad(
            "reason",
            format!("a denial needs a reason of at least {MIN_DENIAL_REASON} characters"),
        ));
    }
    // A denial names the disputed record too: the denial is kept with it and shown
    // wherever the record is (45 CFR 164.526(d)(4)).
    let linked = match (record_kind, record_id) {
        (Some(kind), Some(record)) if !kind.trim().is_empty() && record > 0 => {
            Some((kind.trim().to_owned(), record))
        }
        _ if accept => {
            return Err(WebError::bad(
                "record_kind",
                "an acceptance names the changed record (record_kind and record_id)",
            ));
        }
        _ => {
            return Err(WebError::bad(
                "record_kind",
                "a denial names the disputed record (record_kind and record_id)",
            ));
        }
    };
    state
        .blocking(move |state| {
            Ok(state.trail.write(&state.store, |audited| {
                let by = principal.event(audited.now(), Action::Update);
                let link = linked.as_ref().map(|(kind, id)| (kind.as_str(), *id));
                audited.decide_amendment(id, accept, &reason, link, by)
            })?)
        })
        .await
}
