//! Scanned documents on the pages: the chart's "Scanned documents" section (each with its
//! thumbnail, or an icon with the page count for a PDF; the pages open in the browser),
//! the upload form on the chart and on the indexing queue (`/documents/queue`, for the HIM
//! technicians: documents whose patient or type is not known, each with its index form),
//! and the move form for a misfiled document. The cores are `crate::documents_api`'s, so
//! pages and API check and audit alike.

use super::forms::{PageForm, PageResult, Refusal, check_token, html};
use super::layout::{Nav, nav, page, token_field};
use super::text::at_facility;
use crate::auth::Principal;
use crate::documents_api::{content, index, move_to, optional_id, parse_date, queue, upload};
use crate::error::WebError;
use crate::guard::{Access, Entry, Surface, route};
use crate::state::AppState;
use axum::Extension;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use documents::{Filing, Part};
use maud::{Markup, html as markup};
use privacy::Permission;
use records::{DOCUMENT_TYPES, EncounterId, PatientId, ScannedDocument};
use serde::Deserialize;
use store::Stored;

/// Largest upload body a page accepts (the file's own limit is `documents::MAX_BYTES`).
const UPLOAD_LIMIT: usize = documents::MAX_BYTES + 1024 * 1024;

/// The icon shown for a document without a thumbnail (a PDF): a page with its count.
fn icon(d: &ScannedDocument) -> Markup {
    let label = if d.media_type == "application/pdf" {
        "PDF"
    } else {
        "TIFF"
    };
    markup! {
        svg.doc-icon width="80" height="104" viewBox="0 0 80 104" role="img" aria-label={ (label) ", " (d.pages) " pages" } {
            path d="M4 2h52l20 20v80H4z" fill="#fff" stroke="#567" stroke-width="3" {}
            path d="M56 2v20h20" fill="none" stroke="#567" stroke-width="3" {}
            text x="40" y="58" text-anchor="middle" font-size="18" font-family="sans-serif" fill="#234" { (label) }
            text x="40" y="82" text-anchor="middle" font-size="13" font-family="sans-serif" fill="#234" { (d.pages) " p." }
        }
    }
}

fn type_select(id: &str, chosen: Option<&str>) -> Markup {
    markup! {
        select id=(id) name="document_type" {
            option value="" { "— not known yet —" }
            @for t in DOCUMENT_TYPES {
                option value=(t.code) selected[chosen == Some(t.code)] { (t.label) }
            }
        }
    }
}

fn thumbnail(stored: &Stored<ScannedDocument>) -> Markup {
    let d = &stored.record;
    markup! {
        a.doc-thumb href={ "/documents/" (stored.meta.id) "/content" } target="_blank" rel="noopener" {
            @if d.thumbnail_sha256.is_some() {
                img src={ "/documents/" (stored.meta.id) "/thumbnail" } alt={ "First page of document " (stored.meta.id) } loading="lazy";
            } @else {
                (icon(d))
            }
        }
    }
}

/// The upload form: to `action`, with the patient field when the chart is not known.
fn upload_form(nav: &Nav, action: &str, ask_patient: bool) -> Markup {
    markup! {
        form.upload method="post" action=(action) enctype="multipart/form-data" {
            (token_field(nav))
            label for="doc-file" { "Scanned pages (PDF, TIFF or JPEG)" }
            input #doc-file type="file" name="file" accept="application/pdf,image/tiff,image/jpeg,.pdf,.tif,.tiff,.jpg,.jpeg" required;
            @if ask_patient {
                label for="doc-patient" { "Patient (MRN, if known)" }
                input #doc-patient name="patient";
            }
            label for="doc-type" { "Document type" }
            (type_select("doc-type", None))
            label for="doc-date" { "Date of service" }
            input #doc-date type="date" name="service_date";
            label for="doc-encounter" { "Encounter (record id, optional)" }
            input #doc-encounter name="encounter_id" inputmode="numeric";
            label for="doc-title" { "Title (optional)" }
            input #doc-title name="title";
            button type="submit" { "Upload" }
        }
    }
}

/// The chart page's section: the chart's documents with thumbnails, for readers of notes;
/// the upload and move forms for those who keep the chart (`review-chart`).
pub(crate) async fn chart_section(
    state: &AppState,
    principal: &Principal,
    patient: i64,
) -> Result<Markup, WebError> {
    if !principal.allows(Permission::ReadNotes) {
        return Ok(markup! {});
    }
    let found = crate::documents_api::for_patient(state, principal, patient).await?;
    let files = principal.allows(Permission::ReviewChart);
    let nav = nav(state, principal);
    let zone = &state.config.time_zone;
    Ok(markup! {
        section #documents aria-labelledby="documents-title" {
            h2 #documents-title { "Scanned documents (" (found.len()) ")" }
            @if found.is_empty() {
                p { "No scanned documents on this chart." }
            } @else {
                ul.documents {
                    @for stored in &found {
                        @let d = &stored.record;
                        li.document id={ "document-" (stored.meta.id) } {
                            (thumbnail(stored))
                            div.doc-facts {
                                strong { (d.kind().map_or("Type not known yet", |t| t.label)) }
                                @if let Some(t) = &d.title { " — " (t) }
                                br;
                                "Date of service " (d.service_date.map_or_else(|| "not given".to_owned(), |d| d.to_string()))
                                @if let Some(e) = d.encounter_id { " · " a href={ "#encounter-" (e.0) } { "encounter " (e.0) } }
                                br;
                                small { (d.media_type) ", " (d.pages) " page(s), received " (at_facility(zone, d.received_at)) " by " (d.received_by) }
                                @if files {
                                    details.move {
                                        summary { "Move to another chart" }
                                        form method="post" action={ "/documents/" (stored.meta.id) "/move" } {
                                            (token_field(&nav))
                                            label for={ "move-to-" (stored.meta.id) } { "The right chart (MRN)" }
                                            input id={ "move-to-" (stored.meta.id) } name="to" required;
                                            label for={ "move-encounter-" (stored.meta.id) } { "Its encounter there (record id, optional)" }
                                            input id={ "move-encounter-" (stored.meta.id) } name="encounter_id" inputmode="numeric";
                                            label for={ "move-reason-" (stored.meta.id) } { "Why" }
                                            input id={ "move-reason-" (stored.meta.id) } name="reason" required placeholder="misfiled: another patient's name on the pages";
                                            button type="submit" { "Move" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if files {
                details.upload {
                    summary { "Upload scanned pages to this chart" }
                    (upload_form(&nav, &format!("/patients/{patient}/documents"), false))
                }
            }
        }
    })
}

async fn queue_page(state: &AppState, principal: &Principal) -> PageResult {
    let waiting = queue(state, principal, 200).await.map_err(Refusal)?;
    let nav = nav(state, principal);
    let zone = &state.config.time_zone;
    let body = markup! {
        p { "Documents whose patient or type is not known yet, oldest first. Give each its chart and type; it is then filed to the chart." }
        table.queue {
            thead { tr { th { "Pages" } th { "Received" } th { "Chart" } th { "Index" } } }
            tbody {
                @for l in &waiting {
                    @let stored = &l.document;
                    @let d = &stored.record;
                    @let id = stored.meta.id;
                    tr id={ "queued-" (id) } {
                        td { (thumbnail(stored)) br; small { (d.title.as_deref().unwrap_or("")) " " (d.media_type) ", " (d.pages) " p." } }
                        td { (at_facility(zone, d.received_at)) br; small { "by " (d.received_by) } }
                        td { @match (&l.patient_name, &l.mrn) { (Some(n), Some(m)) => { a href={ "/patients/" (d.patient_id.map_or(0, |p| p.0)) } { (n) } " (" (m) ")" }, _ => { "not known" } } }
                        td {
                            form.index method="post" action={ "/documents/" (id) "/index" } {
                                (token_field(&nav))
                                @if d.patient_id.is_none() {
                                    label for={ "index-patient-" (id) } { "Patient (MRN)" }
                                    input id={ "index-patient-" (id) } name="patient";
                                }
                                label for={ "index-type-" (id) } { "Document type" }
                                (type_select(&format!("index-type-{id}"), d.document_type.as_deref()))
                                label for={ "index-date-" (id) } { "Date of service" }
                                input id={ "index-date-" (id) } type="date" name="service_date" value=[d.service_date.map(|d| d.to_string())];
                                label for={ "index-encounter-" (id) } { "Encounter (record id, optional)" }
                                input id={ "index-encounter-" (id) } name="encounter_id" inputmode="numeric";
                                button type="submit" { "Index" }
                            }
                        }
                    }
                }
                @if waiting.is_empty() { tr { td colspan="4" { "Nothing waits to be indexed." } } }
            }
        }
        h2 { "Upload to the queue" }
        p { "Pages whose chart or type is not known: they wait here to be indexed." }
        (upload_form(&nav, "/documents/upload", true))
    };
    Ok(html(
        StatusCode::OK,
        page("Indexing queue", Some(&nav), body),
    ))
}

async fn queue_get(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> PageResult {
    queue_page(&state, &principal).await
}

/// The chart an MRN (or record id) typed on a form names.
pub(crate) async fn patient_named(state: &AppState, text: &str) -> Result<PatientId, WebError> {
    let text = text.trim().to_owned();
    state
        .blocking(
            move |state| match state.store.read(|tx| mpi::find_patient(tx, &text)) {
                Ok(p) => Ok(PatientId(p.meta.id)),
                Err(store::Error::NotFound { .. }) => Err(WebError::bad(
                    "patient",
                    format!("no chart has MRN {text:?}"),
                )),
                Err(e) => Err(e.into()),
            },
        )
        .await
}

/// A multipart upload's fields.
#[derive(Default)]
struct Uploaded {
    token: String,
    file: Vec<u8>,
    file_name: Option<String>,
    patient: Option<String>,
    document_type: Option<String>,
    service_date: Option<String>,
    encounter_id: Option<String>,
    title: Option<String>,
}

async fn read_upload(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Uploaded, WebError> {
    let mut form =
        super::forms::read_multipart(multipart, "", "choose the scanned file to upload").await?;
    Ok(Uploaded {
        token: form.take("token").unwrap_or_default(),
        patient: form.take("patient"),
        document_type: form.take("document_type"),
        service_date: form.take("service_date"),
        encounter_id: form.take("encounter_id"),
        title: form.take("title"),
        file: form.file,
        file_name: form.file_name,
    })
}

async fn store_upload(
    state: &AppState,
    principal: &Principal,
    patient: Option<PatientId>,
    up: Uploaded,
) -> Result<Stored<ScannedDocument>, WebError> {
    let filing = Filing {
        patient_id: patient,
        document_type: up.document_type,
        service_date: parse_date("service_date", up.service_date.as_deref())?,
        encounter_id: optional_id("encounter_id", up.encounter_id.as_deref())?.map(EncounterId),
        title: up.title.or(up.file_name),
    };
    upload(state, principal, filing, up.file).await
}

/// `POST /patients/{id}/documents`: pages uploaded to the chart.
async fn chart_upload_post(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let up = read_upload(multipart).await.map_err(Refusal)?;
    check_token(&state, &principal, &up.token)?;
    let id = crate::patients::parse_id(&id).map_err(Refusal)?;
    store_upload(&state, &principal, Some(PatientId(id)), up).await?;
    Ok(Redirect::to(&format!("/patients/{id}#documents")).into_response())
}

/// `POST /documents/upload`: pages uploaded to the indexing queue (or to the chart typed).
async fn queue_upload_post(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let up = read_upload(multipart).await.map_err(Refusal)?;
    check_token(&state, &principal, &up.token)?;
    let patient = match up.patient.as_deref() {
        Some(p) => Some(patient_named(&state, p).await?),
        None => None,
    };
    let stored = store_upload(&state, &principal, patient, up).await?;
    let to = match (stored.record.status, stored.record.patient_id) {
        (records::DocumentStatus::Indexed, Some(p)) => format!("/patients/{}#documents", p.0),
        _ => "/documents/queue".to_owned(),
    };
    Ok(Redirect::to(&to).into_response())
}

#[derive(Debug, Deserialize)]
struct IndexForm {
    #[serde(default)]
    token: String,
    patient: Option<String>,
    document_type: Option<String>,
    service_date: Option<String>,
    encounter_id: Option<String>,
}

/// `POST /documents/{id}/index`.
async fn index_post(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<IndexForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = crate::patients::parse_id(&id).map_err(Refusal)?;
    let patient = match form
        .patient
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(p) => Some(patient_named(&state, p).await?),
        None => None,
    };
    let filing = Filing {
        patient_id: patient,
        document_type: form.document_type.filter(|t| !t.trim().is_empty()),
        service_date: parse_date("service_date", form.service_date.as_deref())?,
        encounter_id: optional_id("encounter_id", form.encounter_id.as_deref())?.map(EncounterId),
        title: None,
    };
    index(&state, &principal, id, filing).await?;
    Ok(Redirect::to("/documents/queue").into_response())
}

#[derive(Debug, Deserialize)]
struct MoveForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    to: String,
    encounter_id: Option<String>,
    #[serde(default)]
    reason: String,
}

/// `POST /documents/{id}/move`: a misfiled document to the right chart.
async fn move_post(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<MoveForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = crate::patients::parse_id(&id).map_err(Refusal)?;
    if form.to.trim().is_empty() {
        return Err(Refusal(WebError::bad(
            "to",
            "name the right chart by its MRN",
        )));
    }
    let to = patient_named(&state, &form.to).await?;
    let encounter = optional_id("encounter_id", form.encounter_id.as_deref())?.map(EncounterId);
    move_to(&state, &principal, id, to, encounter, form.reason).await?;
    Ok(Redirect::to(&format!("/patients/{}#documents", to.0)).into_response())
}

fn bytes_response(media_type: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, media_type.to_owned()),
            (header::CONTENT_DISPOSITION, "inline".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// `GET /documents/{id}/content`: the pages, checked against their SHA-256.
async fn content_get(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> PageResult {
    let id = crate::patients::parse_id(&id).map_err(Refusal)?;
    let (stored, bytes) = content(&state, &principal, id, Part::Content).await?;
    Ok(bytes_response(
        &stored.record.media_type,
        bytes.unwrap_or_default(),
    ))
}

/// `GET /documents/{id}/thumbnail`: the first page, small (JPEG); 404 for a PDF.
async fn thumbnail_get(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> PageResult {
    let id = crate::patients::parse_id(&id).map_err(Refusal)?;
    match content(&state, &principal, id, Part::Thumbnail).await? {
        (_, Some(bytes)) => Ok(bytes_response("image/jpeg", bytes)),
        (_, None) => Err(Refusal(WebError::NotFound(format!(
            "document {id} has no thumbnail (a PDF's pages are not rendered)"
        )))),
    }
}

/// The pages' routes.
pub(crate) fn routes() -> Vec<Entry> {
    let read = Access::Needs(Permission::ReadNotes);
    let file = Access::Needs(Permission::ReviewChart);
    vec![
        route(
            Method::GET,
            "/documents/queue",
            file,
            true,
            "the indexing queue of scanned documents",
            get(queue_get),
        ),
        route(
            Method::POST,
            "/documents/upload",
            file,
            false,
            "upload scanned pages to the indexing queue",
            post(queue_upload_post).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        ),
        route(
            Method::POST,
            "/patients/{id}/documents",
            file,
            false,
            "upload scanned pages to a chart",
            post(chart_upload_post).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        ),
        route(
            Method::POST,
            "/documents/{id}/index",
            file,
            false,
            "index a scanned document",
            post(index_post),
        ),
        route(
            Method::POST,
            "/documents/{id}/move",
            file,
            false,
            "move a misfiled scanned document to the right chart",
            post(move_post),
        ),
        route(
            Method::GET,
            "/documents/{id}/content",
            read,
            true,
            "a scanned document's pages",
            get(content_get),
        ),
        route(
            Method::GET,
            "/documents/{id}/thumbnail",
            read,
            true,
            "a scanned document's first page, small",
            get(thumbnail_get),
        ),
    ]
    .into_iter()
    .map(|entry| entry.on(Surface::Page))
    .collect()
}
