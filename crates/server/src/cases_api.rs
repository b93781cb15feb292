//! Reportable-condition cases over the JSON API: the case queue, a case, its status and its
//! eICR. The /cases pages call the same cores (`list`, `show`, `set_status`, `eicr`), so a
//! page shows and changes no more than the API. Permission `report-cases`; every answer is
//! audited before it leaves (a read naming every patient listed, an update with old and new
//! values, the eICR as an export). Sending the report to public health (`send`) is
//! `surveillance::cases::send_report`, the function `chartroom report case send` calls: the
//! export audited, the disclosure entered and the case marked reported in one transaction,
//! which also writes the documents to the outbox (`ServerConfig::case_report_dir`) for the
//! state's transport. `GET .../eicr` is a copy to review, not a report sent.

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

/// The base the eICR's `fullUrl`s are written under (they resolve inside the Bundle).
const EICR_BASE: &str = "urn:chartroom:fhir";

/// The agency a report goes to when none is named.
pub(crate) const DEFAULT_AGENCY: &str = "State public health department";

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
                Ok(cases::mark(
                    audited,
                    &actor,
                    id,
                    status,
                    &body.note,
                    event.clone(),
                )?)
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
                            base: EICR_BASE,
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

fn default_agency() -> String {
    DEFAULT_AGENCY.to_owned()
}

fn yes() -> bool {
    true
}

/// A report to send.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseSendBody {
    /// The public-health agency, as the patient's accounting of disclosures names the
    /// recipient; "State public health department" when absent.
    #[serde(default = "default_agency")]
    pub to: String,
    /// Send the eICR (FHIR document Bundle); true when absent.
    #[serde(default = "yes")]
    pub eicr: bool,
    /// Send the ORU^R01 of the triggering laboratory result (a case a result found).
    #[serde(default)]
    pub oru: bool,
}

/// Sends case `id`'s report as `principal` (`cases::send_report`): the export audited, the
/// disclosure entered, the case marked reported and the documents written to the outbox,
/// all in one transaction, so a document that cannot be written reports nothing.
pub(crate) async fn send(
    state: &AppState,
    principal: Principal,
    id: i64,
    body: CaseSendBody,
) -> Result<cases::Sent, WebError> {
    if body.to.trim().is_empty() {
        return Err(WebError::bad("to", "name the public-health agency"));
    }
    if !body.eicr && !body.oru {
        return Err(WebError::bad(
            "eicr",
            "choose what to send: the eICR, the ORU^R01 or both",
        ));
    }
    state
        .blocking(move |state| {
            let actor = Actor::new(format!("user:{}", principal.username));
            let event = principal.event(state.store.clock().now(), Action::Update);
            let facility = state.config.facility_name.clone();
            let outbox = state.config.case_report_dir.clone();
            let outgoing = cases::Outgoing {
                recipient: &body.to,
                eicr: body.eicr,
                oru: body.oru,
                fhir_base: EICR_BASE,
                facility_name: &facility,
            };
            let sent = state.trail.write(&state.store, |audited| {
                let sent = cases::send_report(audited, &actor, id, &outgoing, event.clone())?;
                if let Some(outbox) = &outbox {
                    write_outbox(outbox, &sent)?;
                }
                Ok(sent)
            })?;
            Ok(sent)
        })
        .await
}

/// Writes a sent report's documents into the outbox, `<document id>.eicr.json` and
/// `<document id>.oru.hl7`.
fn write_outbox(outbox: &std::path::Path, sent: &cases::Sent) -> store::Result<()> {
    let failed = |e: std::io::Error| store::Error::Unavailable {
        reason: format!(
            "writing the case report to the outbox {}: {e}",
            outbox.display()
        ),
    };
    std::fs::create_dir_all(outbox).map_err(failed)?;
    for (text, suffix) in [(&sent.eicr, "eicr.json"), (&sent.oru, "oru.hl7")] {
        if let Some(text) = text {
            let path = outbox.join(format!("{}.{suffix}", sent.document_id));
            std::fs::write(path, text).map_err(failed)?;
        }
    }
    Ok(())
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

/// `POST /api/cases/{id}/send`.
async fn send_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<CaseSendBody>,
) -> Result<Json<Value>, WebError> {
    let id = parse_id(&id)?;
    let recipient = body.to.trim().to_owned();
    let sent = send(&state, principal.clone(), id, body).await?;
    let (found, patient) = show(&state, principal, sent.case.meta.id).await?;
    let eicr = match &sent.eicr {
        Some(text) => serde_json::from_str::<Value>(text)
            .map_err(|e| WebError::internal(format!("the eICR sent is not JSON: {e}")))?,
        None => Value::Null,
    };
    Ok(Json(json!({
        "case": case_json(&found, &patient),
        "sent": {
            "recipient": recipient,
            "description": sent.description,
            "channel": sent.channel,
            "document_id": sent.document_id,
            "eicr": eicr,
            "oru": sent.oru,
        },
    })))
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
            HttpMethod::POST,
            "/api/cases/{id}/send",
            cases,
            true,
            "send the case's initial case report (the eICR and/or the ORU^R01 of its triggering result) to public health: the export audited, the disclosure entered in the patient's accounting and the case marked reported in one transaction; answers the case and the documents sent",
            post(send_api),
        )
        .takes::<CaseSendBody>(),
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
