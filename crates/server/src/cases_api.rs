//! Reportable-condition cases over the JSON API: the case queue, a case, its status and its
//! eICR. The /cases pages call the same cores (`list`, `show`, `set_status`, `eicr`), so a
//! page shows and changes no more than the API. Permission `report-cases`; every answer is
//! audited before it leaves (a read naming every patient listed, an update with old and new
//! values, the eICR as an export). Sending the report to public health (the disclosure and
//! the reported status) is `chartroom report case send`; the eICR here is a copy to review.

use crate::auth::Principal;
use crate::body::JsonBody;
use crate::error::WebError;
use crate::guard::{Access, Entry, route};
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::Method as HttpMethod;
use axum::routing::{get, post};
use privacy::{Action, Permission};
use records::{CaseReport, CaseStatus, Patient};
use serde::Deserialize;
use serde_json::{Value, json};
use store::{Actor, Stored};
use surveillance::cases::{self, CASE_CATEGORIES, case_json};

/// Cases listed at most.
const MAX_LISTED: i64 = 500;

/// `?status=` of the queue.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListParams {
    /// Comma-separated statuses (new, reviewed, reported, not_reportable); all when absent.
    pub status: Option<String>,
}

fn statuses(text: Option<&str>) -> Result<Vec<CaseStatus>, WebError> {
    text.unwrap_or_default()
        .split(',')
        .filter(|s| !s.trim().is_empty() && s.trim() != "all")
        .map(|s| {
            CaseStatus::parse(s).ok_or_else(|| {
                WebError::bad(
                    "status",
                    format!(
                        "\"{}\" is not new, reviewed, reported or not_reportable",
                        s.trim()
                    ),
                )
            })
        })
        .collect()
}

pub(crate) fn parse_id(text: &str) -> Result<i64, WebError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| WebError::bad("id", format!("\"{text}\" is not a case number")))
}

/// The queue (case finding stepped first), newest found first, with each case's patient;
/// one read entry names every patient listed.
pub(crate) async fn list(
    state: &AppState,
    principal: Principal,
    params: ListParams,
) -> Result<Vec<(Stored<CaseReport>, Patient)>, WebError> {
    let statuses = statuses(params.status.as_deref())?;
    state
        .blocking(move |state| {
            let triggers = state.triggers().ok_or_else(|| {
                WebError::internal("the reportable-condition triggers could not be read")
            })?;
            cases::step(&state.store, &triggers)?;
            let event = principal.event(state.store.clock().now(), Action::Read);
            let listed = state.trail.write(&state.store, |audited| {
                cases::list_audited(audited, &event, &statuses, MAX_LISTED)
            })?;
            Ok(listed)
        })
        .await
}

/// Case `id` with its patient, audited as a read.
pub(crate) async fn show(
    state: &AppState,
    principal: Principal,
    id: i64,
) -> Result<(Stored<CaseReport>, Patient), WebError> {
    state
        .blocking(move |state| {
            let event = principal.event(state.store.clock().now(), Action::Read);
            let shown = state.trail.write(&state.store, |audited| {
                cases::show_audited(audited, &event, id)
            })?;
            Ok(shown)
        })
        .await
}

/// A status change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    /// new, reviewed or not_reportable (a case is reported by sending its report).
    #[schema(schema_with = crate::api_schema::case_status, required = true)]
    pub status: String,
    /// What was found or decided; required for not_reportable.
    #[serde(default)]
    pub note: String,
}

/// Marks case `id` as `principal`, with its audit entry (old and new values).
pub(crate) async fn set_status(
    state: &AppState,
    principal: Principal,
    id: i64,
    body: StatusBody,
) -> Result<Stored<CaseReport>, WebError> {
    let status = CaseStatus::parse(&body.status)
        .filter(|s| *s != CaseStatus::Reported)
        .ok_or_else(|| {
            WebError::bad(
                "status",
                format!(
                    "\"{}\" is not new, reviewed or not_reportable (a case is reported by sending its report)",
                    body.status
                ),
            )
        })?;
    if status == CaseStatus::NotReportable && body.note.trim().is_empty() {
        return Err(WebError::bad("note", "say why the case is not reportable"));
    }
    state
        .blocking(move |state| {
            let actor = Actor::new(format!("user:{}", principal.username));
            let event = principal.event(state.store.clock().now(), Action::Update);
            let marked = state.trail.write(&state.store, |audited| {
                cases::mark(audited, &actor, id, status, &body.note, event.clone()).map_err(|e| {
                    match e {
                        cases::CaseError::Store(e) => e,
                        cases::CaseError::Refused(why) => store::Error::Conflict(why),
                    }
                })
            })?;
            Ok(marked)
        })
        .await
}

/// Case `id`'s eICR document Bundle, audited as an export of the patient's data.
pub(crate) async fn eicr(
    state: &AppState,
    principal: Principal,
    id: i64,
) -> Result<Value, WebError> {
    state
        .blocking(move |state| {
            let at = state.store.clock().now();
            let event = principal.event(at, Action::Export);
            let facility = state.config.facility_name.clone();
            let bundle = state.trail.write(&state.store, |audited| {
                let (found, bundle) = {
                    let mut tx = audited.records();
                    let found = tx.get::<CaseReport>(id)?;
                    let document_id = format!("case-{id}-{}", at.unix_timestamp());
                    let bundle = fhir::initial_case_report(
                        &mut tx,
                        &found,
                        &fhir::EicrOptions {
                            base: "urn:chartroom:fhir",
                            facility_name: &facility,
                            document_id: &document_id,
                            at,
                        },
                    )?;
                    (found, bundle)
                };
                audited.append(
                    &event
                        .clone()
                        .patient(found.record.patient_id)
                        .record("case_report", id)
                        .categories(CASE_CATEGORIES)
                        .reason(&format!(
                            "eICR of case {id} ({}) downloaded for review; not a report sent",
                            found.record.condition_name
                        )),
                )?;
                Ok(bundle)
            })?;
            Ok(bundle)
        })
        .await
}

/// `GET /api/cases`.
async fn list_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<Value>, WebError> {
    let Query(params) = params.map_err(|e| WebError::bad("query", e.body_text()))?;
    let listed = list(&state, principal, params).await?;
    Ok(Json(json!({
        "cases": listed.iter().map(|(c, p)| case_json(c, p)).collect::<Vec<_>>(),
    })))
}

/// `GET /api/cases/{id}`.
async fn show_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<Value>, WebError> {
    let id = parse_id(&id)?;
    let (found, patient) = show(&state, principal, id).await?;
    Ok(Json(json!({ "case": case_json(&found, &patient) })))
}

/// `POST /api/cases/{id}/status`.
async fn status_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<StatusBody>,
) -> Result<Json<Value>, WebError> {
    let id = parse_id(&id)?;
    let marked = set_status(&state, principal.clone(), id, body).await?;
    let (found, patient) = show(&state, principal, marked.meta.id).await?;
    Ok(Json(json!({ "case": case_json(&found, &patient) })))
}

/// `GET /api/cases/{id}/eicr`.
async fn eicr_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<Value>, WebError> {
    let id = parse_id(&id)?;
    Ok(Json(eicr(&state, principal, id).await?))
}

/// The case API's routes.
pub(crate) fn routes() -> Vec<Entry> {
    let cases = Access::Needs(Permission::ReportCases);
    vec![
        route(
            HttpMethod::GET,
            "/api/cases",
            cases,
            true,
            "the reportable-condition case queue (?status=new,reviewed,reported,not_reportable), newest found first, each case with its patient's name and MRN",
            get(list_api),
        ),
        route(
            HttpMethod::GET,
            "/api/cases/{id}",
            cases,
            true,
            "a reportable-condition case: patient, visit, condition, trigger, status",
            get(show_api),
        ),
        route(
            HttpMethod::POST,
            "/api/cases/{id}/status",
            cases,
            true,
            "mark a case new, reviewed or not_reportable (with a note saying why)",
            post(status_api),
        )
        .takes::<StatusBody>(),
        route(
            HttpMethod::GET,
            "/api/cases/{id}/eicr",
            cases,
            true,
            "the case's eICR (a FHIR R4 document Bundle) for review, audited as an export",
            get(eicr_api),
        ),
    ]
}
