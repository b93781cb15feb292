//! The HIM pages of archival and destruction: `/archive` (archive the eligible charts or
//! one, find archived charts, read one back, restore it) and `/destruction` (request the
//! destruction of charts, approve another person's request, the certificates).
//! Every page calls the API's cores (`lifecycle_api`), so it shows and changes no more
//! than the API, each step audited as the command line audits it. A refused step is shown
//! on the page it came from with its reason (409/422).

use crate::auth::Principal;
use crate::error::WebError;
use crate::guard::{Access, Entry, Surface, route};
use crate::lifecycle_api::{self, ApprovalBody, ArchiveBody, DEFAULT_METHOD, DestructionBody};
use crate::state::AppState;
use crate::web::charts::{alert, blank_to_none, links, notice, shown_error};
use crate::web::forms::{PageForm, PageResult, check_token, html};
use crate::web::layout::{nav, page, token_field};
use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use maud::html;
use privacy::Permission;
use serde::Deserialize;

fn done_text(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "archive" => {
            Some("Archival run finished: see what was archived and what was left live below.")
        }
        "restore" => Some("Chart restored into the live store."),
        "request" => Some("Destruction requested: another person approves it."),
        "approve" => Some("Destroyed; the certificate of destruction is below."),
        _ => None,
    }
}

#[derive(Debug, Default, Deserialize)]
struct ArchiveParams {
    search: Option<String>,
    done: Option<String>,
}

/// `GET /archive?search=`.
async fn archive_page(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    params: Result<Query<ArchiveParams>, QueryRejection>,
) -> PageResult {
    let Query(params) = params.map_err(|e| WebError::bad("query", e.body_text()))?;
    let view = ArchiveView {
        search: params.search.unwrap_or_default(),
        done: done_text(params.done.as_deref()),
        ..ArchiveView::default()
    };
    archive_view(&state, principal, view, StatusCode::OK).await
}

#[derive(Default)]
struct ArchiveView {
    search: String,
    done: Option<&'static str>,
    error: Option<String>,
    run: Option<archive::ArchivalReport>,
}

async fn archive_view(
    state: &AppState,
    principal: Principal,
    view: ArchiveView,
    status: StatusCode,
) -> PageResult {
    let nav = nav(state, &principal);
    let search = Some(view.search.clone()).filter(|s| !s.trim().is_empty());
    let found = lifecycle_api::archived(state, principal, search).await?;
    let body = html! {
        (links())
        (notice(view.done))
        (alert(view.error.as_deref()))
        @if let Some(run) = &view.run {
            section #archival-run {
                h2 { "This run: " (run.archived.len()) " archived, " (run.skipped.len()) " left live" }
                ul {
                    @for a in &run.archived { li { "Archived " (a.mrn) " to " code { "archive/" (a.file) } " (" (a.row_count) " rows)" } }
                    @for (_, mrn, why) in &run.skipped { li { "Left " (mrn) " live: " (why) } }
                }
            }
        }
        section #archive-run {
            h2 { "Archive eligible charts" }
            p { "Charts past their archival date under the retention schedule and under no legal hold move out of the live tables into checksummed archive files, one transaction each." }
            form #archive method="post" action="/archive" {
                (token_field(&nav))
                label for="archive-patient" { "Only this chart (MRN; blank: every eligible chart)" }
                input #archive-patient name="patient";
                label for="archive-as-of" { "Eligible as of" }
                input #archive-as-of name="as_of" type="date";
                button type="submit" { "Archive" }
            }
        }
        h2 { "Archived charts" }
        form.filters method="get" action="/archive" {
            label for="search" { "MRN or name" }
            input #search name="search" value=(view.search);
            button type="submit" { "Find" }
        }
        table #archived {
            thead { tr { th { "MRN" } th { "Name" } th { "Born" } th { "Archived" } th { "Rows" } th { "Destroy on" } th { "" } } }
            tbody {
                @for e in &found {
                    tr id={ "archived-" (e.patient_id) } {
                        td { a href={ "/archive/" (e.patient_id) } { (e.mrn) } }
                        td { (e.family_name) ", " (e.given_name) }
                        td { @if let Some(d) = e.birth_date { (d) } }
                        td { (e.archived_at.date()) " by " (e.archived_by) }
                        td { (e.row_count) }
                        td { @match e.destroy_on { Some(d) => { (d) } None => { "never" } } }
                        td {
                            form.inline method="post" action={ "/archive/" (e.patient_id) "/restore" } {
                                (token_field(&nav))
                                button type="submit" { "Restore" }
                            }
                        }
                    }
                }
                @if found.is_empty() { tr { td colspan="7" { "No archived chart" @if !view.search.is_empty() { " matches" } "." } } }
            }
        }
    };
    Ok(html(status, page("Archive", Some(&nav), body)))
}

#[derive(Debug, Deserialize)]
struct ArchiveForm {
    token: String,
    #[serde(default)]
    patient: String,
    #[serde(default)]
    as_of: String,
}

/// `POST /archive`: the run's outcome on the archive page.
async fn archive_charts(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    PageForm(form): PageForm<ArchiveForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let body = ArchiveBody {
        patient: blank_to_none(form.patient),
        as_of: blank_to_none(form.as_of),
    };
    let (view, status) = match lifecycle_api::archive_charts(&state, principal.clone(), body).await
    {
        Ok(run) => (
            ArchiveView {
                done: done_text(Some("archive")),
                run: Some(run),
                ..ArchiveView::default()
            },
            StatusCode::OK,
        ),
        Err(error) => {
            let (status, message) = shown_error(error)?;
            (
                ArchiveView {
                    error: Some(message),
                    ..ArchiveView::default()
                },
                status,
            )
        }
    };
    archive_view(&state, principal, view, status).await
}

/// `GET /archive/{id}`: an archived chart read back (audited as a read of the chart).
async fn archived_chart_page(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> PageResult {
    let nav = nav(&state, &principal);
    let id = crate::charts_api::parse_id("id", &id)?;
    let read = match lifecycle_api::read_archived(&state, principal.clone(), id).await {
        Ok(read) => read,
        Err(error) => {
            let (status, message) = shown_error(error)?;
            let view = ArchiveView {
                error: Some(message),
                ..ArchiveView::default()
            };
            return archive_view(&state, principal, view, status).await;
        }
    };
    let patient = &read.chart.patient.record;
    let body = html! {
        (links())
        p { a href="/archive" { "All archived charts" } }
        dl #archived-chart {
            dt { "Patient" } dd { (patient.family_name) ", " (patient.given_name) }
            dt { "MRN" } dd { (patient.mrn.as_str()) }
            dt { "Born" } dd { (patient.birth_date) }
            dt { "Archived" } dd { (read.entry.archived_at.date()) " by " (read.entry.archived_by) }
            dt { "File" } dd { code { "archive/" (read.entry.file) } " (SHA-256 " code { (read.entry.sha256) } ", checked)" }
            dt { "Destroy on" } dd { @match read.entry.destroy_on { Some(d) => { (d) } None => { "never" } } }
        }
        h2 { "Records in the archive file" }
        table #archived-rows {
            thead { tr { th { "Table" } th { "Rows" } } }
            tbody {
                @for (table, n) in &read.manifest.rows { tr { td { (table) } td { (n) } } }
            }
        }
        form method="post" action={ "/archive/" (id) "/restore" } {
            (token_field(&nav))
            button type="submit" { "Restore into the live store" }
        }
    };
    Ok(html(
        StatusCode::OK,
        page("Archived chart", Some(&nav), body),
    ))
}

#[derive(Debug, Deserialize)]
struct TokenForm {
    token: String,
}

/// `POST /archive/{id}/restore`.
async fn restore(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<TokenForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = crate::charts_api::parse_id("id", &id)?;
    match lifecycle_api::restore(&state, principal.clone(), id).await {
        Ok(_) => Ok(Redirect::to("/archive?done=restore").into_response()),
        Err(error) => {
            let (status, message) = shown_error(error)?;
            let view = ArchiveView {
                error: Some(message),
                ..ArchiveView::default()
            };
            archive_view(&state, principal, view, status).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct DoneParams {
    done: Option<String>,
}

/// `GET /destruction`.
async fn destruction_page(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    params: Result<Query<DoneParams>, QueryRejection>,
) -> PageResult {
    let Query(params) = params.map_err(|e| WebError::bad("query", e.body_text()))?;
    let done = done_text(params.done.as_deref());
    destruction_view(&state, principal, done, None, StatusCode::OK).await
}

async fn destruction_view(
    state: &AppState,
    principal: Principal,
    done: Option<&str>,
    error: Option<&str>,
    status: StatusCode,
) -> PageResult {
    let nav = nav(state, &principal);
    let me = principal.username.clone();
    let requests = lifecycle_api::destruction_requests(state, principal).await?;
    let body = html! {
        (links())
        (notice(done))
        (alert(error))
        section #request-destruction {
            h2 { "Request destruction" }
            p { "Only charts past their destruction date and under no legal hold; another person approves the request." }
            form #destroy method="post" action="/destruction" {
                (token_field(&nav))
                label for="destroy-patients" { "Charts (MRNs, separated by spaces or commas)" }
                input #destroy-patients name="patients" required;
                label for="destroy-method" { "Method" }
                input #destroy-method name="method" value=(DEFAULT_METHOD);
                label for="destroy-reason" { "Reason" }
                input #destroy-reason name="reason" required;
                label for="destroy-as-of" { "Due as of" }
                input #destroy-as-of name="as_of" type="date";
                button type="submit" { "Request destruction" }
            }
        }
        h2 { "Requests and certificates" }
        table #destruction-requests {
            thead { tr { th { "#" } th { "Patients" } th { "Requested" } th { "Reason" } th { "Status" } } }
            tbody {
                @for r in requests.iter().rev() {
                    tr id={ "destruction-" (r.id) } {
                        td { (r.id) }
                        td { (r.patient_ids.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")) }
                        td { (r.requested_at.date()) " by " (r.requested_by) }
                        td { (r.reason) }
                        td {
                            @if r.status == "requested" {
                                "waiting for a second person "
                                @if r.requested_by != me {
                                    form.inline method="post" action={ "/destruction/" (r.id) "/approve" } {
                                        (token_field(&nav))
                                        label for={ "approve-as-of-" (r.id) } { "Due as of" }
                                        input id={ "approve-as-of-" (r.id) } name="as_of" type="date";
                                        button type="submit" { "Approve and destroy" }
                                    }
                                }
                            } @else {
                                (r.status) " "
                                @if let Some(by) = &r.approved_by { "(approved by " (by) ")" }
                                @if let Some(certificate) = &r.certificate {
                                    details {
                                        summary { "Certificate of destruction" }
                                        pre.certificate { (serde_json::to_string_pretty(certificate).unwrap_or_default()) }
                                    }
                                }
                            }
                        }
                    }
                }
                @if requests.is_empty() { tr { td colspan="5" { "No destruction has been requested." } } }
            }
        }
    };
    Ok(html(status, page("Destruction", Some(&nav), body)))
}

#[derive(Debug, Deserialize)]
struct DestructionForm {
    token: String,
    #[serde(default)]
    patients: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    as_of: String,
}

async fn after_destruction_step<T>(
    state: &AppState,
    principal: Principal,
    done: &str,
    outcome: Result<T, WebError>,
) -> PageResult {
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/destruction?done={done}")).into_response()),
        Err(error) => {
            let (status, message) = shown_error(error)?;
            destruction_view(state, principal, None, Some(&message), status).await
        }
    }
}

/// `POST /destruction`.
async fn request_destruction(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    PageForm(form): PageForm<DestructionForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let body = DestructionBody {
        patients: form
            .patients
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
        method: blank_to_none(form.method),
        reason: form.reason,
        as_of: blank_to_none(form.as_of),
    };
    let outcome = lifecycle_api::request_destruction(&state, principal.clone(), body).await;
    after_destruction_step(&state, principal, "request", outcome).await
}

#[derive(Debug, Deserialize)]
struct ApprovalForm {
    token: String,
    #[serde(default)]
    as_of: String,
}

/// `POST /destruction/{id}/approve`.
async fn approve(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<ApprovalForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = crate::charts_api::parse_id("request", &id)?;
    let body = ApprovalBody {
        as_of: blank_to_none(form.as_of),
    };
    let outcome = lifecycle_api::approve_destruction(&state, principal.clone(), id, body).await;
    after_destruction_step(&state, principal, "approve", outcome).await
}

pub(crate) fn routes() -> Vec<Entry> {
    let him = Access::Needs(Permission::ManageRecordsLifecycle);
    let page = |method, path, summary, handler| route(method, path, him, false, summary, handler);
    vec![
        page(
            Method::GET,
            "/archive",
            "archived charts; archive the eligible charts or one",
            get(archive_page),
        ),
        page(
            Method::POST,
            "/archive",
            "archive the eligible charts (or one)",
            post(archive_charts),
        ),
        page(
            Method::GET,
            "/archive/{id}",
            "an archived chart read back from its file",
            get(archived_chart_page),
        ),
        page(
            Method::POST,
            "/archive/{id}/restore",
            "restore an archived chart",
            post(restore),
        ),
        page(
            Method::GET,
            "/destruction",
            "destruction requests, approvals and certificates",
            get(destruction_page),
        ),
        page(
            Method::POST,
            "/destruction",
            "request the destruction of charts",
            post(request_destruction),
        ),
        page(
            Method::POST,
            "/destruction/{id}/approve",
            "approve a destruction request as a second person",
            post(approve),
        ),
    ]
    .into_iter()
    .map(|entry| entry.on(Surface::Page))
    .collect()
}
