//! Scanned documents over the JSON API: a chart's documents, the indexing queue, one
//! document, upload (content as base64), indexing and moving a misfiled document. The
//! pages (`web::documents`) call the same cores; `crates/documents` checks, keeps and
//! audits every step in its transaction.
//!
//! Permissions: reading a document (list, show, pages, thumbnail) needs `read-notes`
//! (scanned pages are clinical documents, like note text); uploading, indexing and moving
//! need `review-chart` (the HIM technicians who keep the chart complete).

use crate::auth::Principal;
use crate::body::JsonBody;
use crate::error::WebError;
use crate::guard::{Access, Entry, route};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::routing::{get, post};
use base64::Engine;
use documents::{Filing, Listed, Part};
use privacy::{Action, Permission};
use records::{EncounterId, PatientId, ScannedDocument};
use serde::Deserialize;
use serde_json::{Value, json};
use store::Stored;

/// Turns a step's refusal into the HTTP error: a bad file or a field the store refused is
/// a 422 naming the field, a missing record 404, a damaged file on disk an internal error.
pub(crate) fn refusal(error: documents::Error) -> WebError {
    match error {
        documents::Error::Inspect(e) => WebError::bad("content", e.to_string()),
        documents::Error::Content(e) => WebError::internal(e),
        documents::Error::Store(store::Error::Conflict(message)) => {
            match message.split_once(": ") {
                Some((field, reason))
                    if !field.is_empty()
                        && field.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') =>
                {
                    WebError::bad(field, reason)
                }
                _ => WebError::Conflict(message),
            }
        }
        documents::Error::Store(e) => e.into(),
    }
}

fn parse_id(field: &str, text: &str) -> Result<i64, WebError> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| WebError::bad(field, format!("{text:?} is not a record id")))
}

pub(crate) fn parse_date(field: &str, text: Option<&str>) -> Result<Option<time::Date>, WebError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => time::Date::parse(t, time::macros::format_description!("[year]-[month]-[day]"))
            .map(Some)
            .map_err(|_| WebError::bad(field, format!("{t:?} is not a date (YYYY-MM-DD)"))),
    }
}

/// Runs `work` on the blocking pool as `principal` doing `action`, turning a refused step
/// into the HTTP error.
async fn step<T: Send + 'static>(
    state: &AppState,
    principal: &Principal,
    action: Action,
    work: impl FnOnce(&AppState, &privacy::AuditEvent) -> Result<T, documents::Error> + Send + 'static,
) -> Result<T, WebError> {
    let principal = principal.clone();
    state
        .blocking(move |state| {
            let who = principal.event(state.store.clock().now(), action);
            work(state, &who).map_err(refusal)
        })
        .await
}

/// A chart's documents, audited as a read of the chart's notes category.
pub(crate) async fn for_patient(
    state: &AppState,
    principal: &Principal,
    patient: i64,
) -> Result<Vec<Stored<ScannedDocument>>, WebError> {
    step(state, principal, Action::Read, move |state, who| {
        documents::for_patient(&state.store, &state.trail, who, PatientId(patient))
    })
    .await
}

/// The indexing queue, oldest first.
pub(crate) async fn queue(
    state: &AppState,
    principal: &Principal,
    limit: i64,
) -> Result<Vec<Listed>, WebError> {
    step(state, principal, Action::Read, move |state, who| {
        documents::queue(&state.store, &state.trail, who, limit)
    })
    .await
}

/// Keeps an upload (checked whole first; nothing recorded when refused).
pub(crate) async fn upload(
    state: &AppState,
    principal: &Principal,
    filing: Filing,
    bytes: Vec<u8>,
) -> Result<Stored<ScannedDocument>, WebError> {
    step(state, principal, Action::Create, move |state, who| {
        let content = documents::content_store(state.trail.dir());
        documents::add(&state.store, &state.trail, who, &content, &filing, &bytes)
    })
    .await
}

/// Indexes a document (patient, type, date, encounter).
pub(crate) async fn index(
    state: &AppState,
    principal: &Principal,
    id: i64,
    filing: Filing,
) -> Result<Stored<ScannedDocument>, WebError> {
    step(state, principal, Action::Update, move |state, who| {
        documents::index(&state.store, &state.trail, who, id, &filing)
    })
    .await
}

/// Moves a misfiled document to the right chart.
pub(crate) async fn move_to(
    state: &AppState,
    principal: &Principal,
    id: i64,
    to: PatientId,
    encounter: Option<EncounterId>,
    reason: String,
) -> Result<Stored<ScannedDocument>, WebError> {
    step(state, principal, Action::Update, move |state, who| {
        documents::move_to(&state.store, &state.trail, who, id, to, encounter, &reason)
    })
    .await
}

/// One document with its patient's name, audited as a read.
pub(crate) async fn show(
    state: &AppState,
    principal: &Principal,
    id: i64,
) -> Result<Listed, WebError> {
    step(state, principal, Action::Read, move |state, who| {
        documents::show(&state.store, &state.trail, who, id)
    })
    .await
}

/// A document's pages or thumbnail, checked against its SHA-256; audited as a read.
pub(crate) async fn content(
    state: &AppState,
    principal: &Principal,
    id: i64,
    part: Part,
) -> Result<(Stored<ScannedDocument>, Option<Vec<u8>>), WebError> {
    step(state, principal, Action::Read, move |state, who| {
        let content = documents::content_store(state.trail.dir());
        documents::content_of(&state.store, &state.trail, who, &content, id, part, None)
    })
    .await
}

/// Largest upload body: 64 MiB of pages as base64, and the other fields.
const UPLOAD_BODY_LIMIT: usize = documents::MAX_BYTES / 3 * 4 + 1024 * 1024;

/// A document in the API's answers.
fn document_json(d: &Stored<ScannedDocument>) -> Value {
    let r = &d.record;
    json!({
        "id": d.meta.id,
        "version": d.meta.version,
        "patient_id": r.patient_id.map(|p| p.0),
        "document_type": r.document_type,
        "document_type_label": r.kind().map(|t| t.label),
        "loinc": r.kind().map(|t| t.loinc),
        "service_date": r.service_date.map(|d| d.to_string()),
        "encounter_id": r.encounter_id.map(|e| e.0),
        "status": r.status.as_str(),
        "title": r.title,
        "media_type": r.media_type,
        "pages": r.pages,
        "size_bytes": r.size_bytes,
        "content_sha256": r.content_sha256,
        "has_thumbnail": r.thumbnail_sha256.is_some(),
        "content_url": format!("/documents/{}/content", d.meta.id),
        "received_at": r.received_at.to_string(),
        "received_by": r.received_by,
        "indexed_at": r.indexed_at.map(|t| t.to_string()),
        "indexed_by": r.indexed_by,
    })
}

fn listed_json(l: &Listed) -> Value {
    let mut v = document_json(&l.document);
    if let Some(object) = v.as_object_mut() {
        object.insert("patient_name".into(), json!(l.patient_name));
        object.insert("mrn".into(), json!(l.mrn));
    }
    v
}

/// An upload: the pages as base64, with whatever is known of their filing.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadBody {
    /// The pages: a PDF, TIFF or JPEG file, base64 (at most 64 MiB once decoded).
    #[schema(format = Byte)]
    pub content: String,
    /// The chart (record id); none sends it to the indexing queue.
    pub patient_id: Option<i64>,
    /// The document type (`chartroom documents types`); none sends it to the queue.
    #[schema(schema_with = crate::api_schema::document_type)]
    pub document_type: Option<String>,
    /// The date of service.
    #[schema(schema_with = crate::api_schema::date)]
    pub service_date: Option<String>,
    /// The encounter (record id; the patient's).
    pub encounter_id: Option<i64>,
    /// A title.
    pub title: Option<String>,
}

/// What indexing sets.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndexBody {
    /// The chart (record id), while the document has none.
    pub patient_id: Option<i64>,
    /// The document type.
    #[schema(schema_with = crate::api_schema::document_type)]
    pub document_type: Option<String>,
    /// The date of service.
    #[schema(schema_with = crate::api_schema::date)]
    pub service_date: Option<String>,
    /// The encounter (record id; the patient's).
    pub encounter_id: Option<i64>,
}

/// Where a misfiled document goes, and why.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveBody {
    /// The right chart (record id).
    pub patient_id: i64,
    /// The encounter on the right chart, if it belongs to one.
    pub encounter_id: Option<i64>,
    /// Why it is moved.
    #[schema(schema_with = crate::api_schema::said, required = true)]
    pub reason: String,
}

/// A record id typed on a form (blank: none).
pub(crate) fn optional_id(field: &str, text: Option<&str>) -> Result<Option<i64>, WebError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => parse_id(field, t).map(Some),
    }
}

fn positive(field: &str, id: Option<i64>) -> Result<Option<i64>, WebError> {
    match id {
        Some(id) if id <= 0 => Err(WebError::bad(field, "must be a record id (1 or more)")),
        other => Ok(other),
    }
}

async fn list_get(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<Value>, WebError> {
    let id = parse_id("id", &id)?;
    let found = for_patient(&state, &principal, id).await?;
    Ok(Json(
        json!({ "documents": found.iter().map(document_json).collect::<Vec<_>>() }),
    ))
}

async fn queue_get(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
) -> Result<Json<Value>, WebError> {
    let found = queue(&state, &principal, 200).await?;
    Ok(Json(
        json!({ "documents": found.iter().map(listed_json).collect::<Vec<_>>() }),
    ))
}

async fn show_get(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<Value>, WebError> {
    let id = parse_id("id", &id)?;
    Ok(Json(listed_json(&show(&state, &principal, id).await?)))
}

async fn upload_post(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    JsonBody(body): JsonBody<UploadBody>,
) -> Result<(axum::http::StatusCode, Json<Value>), WebError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(body.content.trim())
        .map_err(|e| WebError::bad("content", format!("is not base64: {e}")))?;
    let filing = Filing {
        patient_id: positive("patient_id", body.patient_id)?.map(PatientId),
        document_type: body.document_type,
        service_date: parse_date("service_date", body.service_date.as_deref())?,
        encounter_id: positive("encounter_id", body.encounter_id)?.map(EncounterId),
        title: body.title,
    };
    let stored = upload(&state, &principal, filing, bytes).await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(document_json(&stored)),
    ))
}

async fn index_post(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<IndexBody>,
) -> Result<Json<Value>, WebError> {
    let id = parse_id("id", &id)?;
    let filing = Filing {
        patient_id: positive("patient_id", body.patient_id)?.map(PatientId),
        document_type: body.document_type,
        service_date: parse_date("service_date", body.service_date.as_deref())?,
        encounter_id: positive("encounter_id", body.encounter_id)?.map(EncounterId),
        title: None,
    };
    Ok(Json(document_json(
        &index(&state, &principal, id, filing).await?,
    )))
}

async fn move_post(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<MoveBody>,
) -> Result<Json<Value>, WebError> {
    let id = parse_id("id", &id)?;
    let to = positive("patient_id", Some(body.patient_id))?.unwrap_or_default();
    let encounter = positive("encounter_id", body.encounter_id)?.map(EncounterId);
    let moved = move_to(
        &state,
        &principal,
        id,
        PatientId(to),
        encounter,
        body.reason,
    )
    .await?;
    Ok(Json(document_json(&moved)))
}

/// The API's routes.
pub(crate) fn routes() -> Vec<Entry> {
    let read = Access::Needs(Permission::ReadNotes);
    let file = Access::Needs(Permission::ReviewChart);
    vec![
        route(
            Method::GET,
            "/api/patients/{id}/documents",
            read,
            true,
            "a chart's scanned documents, newest date of service first",
            get(list_get),
        ),
        route(
            Method::GET,
            "/api/documents/queue",
            file,
            true,
            "the indexing queue: scanned documents whose patient or type is not known, oldest first",
            get(queue_get),
        ),
        route(
            Method::GET,
            "/api/documents/{id}",
            read,
            true,
            "one scanned document (its pages at content_url)",
            get(show_get),
        ),
        route(
            Method::POST,
            "/api/documents",
            file,
            true,
            "upload scanned pages (PDF, TIFF or JPEG, base64) to a chart or to the indexing queue",
            post(upload_post).layer(axum::extract::DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .creates()
        .takes::<UploadBody>(),
        route(
            Method::POST,
            "/api/documents/{id}/index",
            file,
            true,
            "index a scanned document: its patient, type, date of service, encounter",
            post(index_post),
        )
        .takes::<IndexBody>(),
        route(
            Method::POST,
            "/api/documents/{id}/move",
            file,
            true,
            "move a misfiled scanned document to the right chart (both charts' audit trails show it)",
            post(move_post),
        )
        .takes::<MoveBody>(),
    ]
}
