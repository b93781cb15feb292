//! The reportable-condition case pages for holders of `report-cases` (public health, HIM):
//! `/cases` (the queue by status), `/cases/{id}` (the case: patient, visit, trigger, status,
//! with the forms to mark it and to send its report, and the eICR to download), and the
//! start page's list of new cases. They call the API's cores (`cases_api::list`, `show`,
//! `set_status`, `send`, `eicr`), so they show and change no more than the API, with the
//! same audit entries; sending is `surveillance::cases::send_report`, as on the CLI.

use crate::auth::Principal;
use crate::cases_api::{
    CaseSendBody, DEFAULT_AGENCY, ListParams, StatusBody, eicr, list, parse_id, send, set_status,
    show,
};
use crate::error::WebError;
use crate::guard::{Access, Entry, Surface, route};
use crate::state::AppState;
use crate::web::forms::{PageForm, PageResult, check_token, html};
use crate::web::layout::{Nav, nav, page, token_field};
use crate::web::text::at_facility;
use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use maud::{Markup, html};
use privacy::Permission;
use records::{CaseReport, CaseStatus, Patient, TriggerSource};
use serde::Deserialize;
use store::Stored;

/// New cases shown on the start page at most.
const ON_START: usize = 10;

/// A case's status in words, with "trigger withdrawn" when it is.
fn status_text(case: &CaseReport) -> String {
    let status = match case.status {
        CaseStatus::New => "New",
        CaseStatus::Reviewed => "Reviewed",
        CaseStatus::Reported => "Reported",
        CaseStatus::NotReportable => "Not reportable",
    };
    if case.withdrawn_at.is_some() {
        format!("{status} (trigger withdrawn)")
    } else {
        status.to_owned()
    }
}

fn queue_table(nav: &Nav, rows: &[(Stored<CaseReport>, Patient)]) -> Markup {
    html! {
        @if rows.is_empty() {
            p { "No cases." }
        } @else {
            table.queue {
                thead { tr {
                    th { "Case" } th { "Status" } th { "Condition" } th { "Trigger" }
                    th { "Patient" } th { "Found" }
                } }
                tbody {
                    @for (case, patient) in rows {
                        tr id={ "case-" (case.meta.id) } {
                            td { a href={ "/cases/" (case.meta.id) } { (case.meta.id) } }
                            td { (status_text(&case.record)) }
                            td { (case.record.condition_name) }
                            td { (case.record.trigger_system) " " (case.record.trigger_code) }
                            td { (patient.mrn.as_str()) " " (patient.family_name) ", " (patient.given_name) }
                            td { (at_facility(&nav.zone, case.record.found_at)) }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct QueueQuery {
    status: Option<String>,
}

/// `GET /cases`: the queue, new and reviewed cases unless another status is asked.
async fn queue_page(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    params: Result<Query<QueueQuery>, QueryRejection>,
) -> PageResult {
    let Query(params) = params.map_err(|e| WebError::bad("query", e.body_text()))?;
    let status = params.status.unwrap_or_else(|| "new,reviewed".into());
    let rows = list(
        &state,
        principal.clone(),
        ListParams {
            status: Some(status.clone()),
        },
    )
    .await?;
    let nav = nav(&state, &principal);
    let filters = [
        ("new,reviewed", "To work"),
        ("new", "New"),
        ("reviewed", "Reviewed"),
        ("reported", "Reported"),
        ("not_reportable", "Not reportable"),
        ("all", "All"),
    ];
    let body = html! {
        nav.syndromes aria-label="Status" {
            @for (value, label) in filters {
                a href={ "/cases?status=" (value) } aria-current=[(value == status).then_some("page")] { (label) } " "
            }
        }
        (queue_table(&nav, &rows))
        p { "A case is reported from its page (or " code { "chartroom report case send" } "), which enters the disclosure in the patient's accounting." }
    };
    Ok(html(
        StatusCode::OK,
        page("Reportable conditions", Some(&nav), body),
    ))
}

/// `GET /cases/{id}`: the case with the form to mark it.
async fn case_page(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    let (case, patient) = show(&state, principal.clone(), id).await?;
    let nav = nav(&state, &principal);
    let c = &case.record;
    let body = html! {
        dl.case {
            dt { "Status" } dd #case-status { (status_text(c)) }
            dt { "Condition" } dd { (c.condition_name) " (" (c.condition) ")" }
            dt { "Patient" } dd { (patient.mrn.as_str()) " " (patient.family_name) ", " (patient.given_name) ", born " (patient.birth_date) }
            dt { "Visit" } dd { @if let Some(e) = c.encounter_id { "encounter " (e.0) } @else { "none (a result recorded outside a visit)" } }
            dt { "Trigger" } dd { (c.trigger_system) " " (c.trigger_code) " on a " (c.trigger_source.as_str()) " (record " (c.trigger_record_id) ")" }
            dt { "Found" } dd { (at_facility(&nav.zone, c.found_at)) }
            @if let Some(at) = c.withdrawn_at {
                dt { "Trigger withdrawn" } dd { (at_facility(&nav.zone, at)) " — the diagnosis or result is no longer on the chart" }
            }
            @if let Some(note) = &c.note { dt { "Note" } dd { (note) } }
            @if let (Some(by), Some(at)) = (&c.worked_by, c.worked_at) {
                @if c.status == CaseStatus::Reported {
                    dt { "Reported" } dd #reported { (at_facility(&nav.zone, at)) " by " (by.strip_prefix("user:").unwrap_or(by)) }
                } @else {
                    dt { "Worked" } dd { (by) ", " (at_facility(&nav.zone, at)) }
                }
            }
        }
        @if c.status != CaseStatus::NotReportable && c.withdrawn_at.is_none() {
            form.send method="post" action={ "/cases/" (id) "/send" } {
                (token_field(&nav))
                label for="to" { "Report to" }
                input #to name="to" size="40" required value=(DEFAULT_AGENCY);
                label { input type="checkbox" name="eicr" value="yes" checked; " eICR (FHIR document Bundle)" }
                @if c.trigger_source == TriggerSource::Lab {
                    label { input type="checkbox" name="oru" value="yes"; " ORU^R01 of the result" }
                }
                button type="submit" {
                    @if c.status == CaseStatus::Reported { "Send the report again" } @else { "Send the report" }
                }
            }
            p.hint { "Sending audits the export, enters the disclosure in the patient's accounting and marks the case reported." }
        }
        p { a href={ "/cases/" (id) "/eicr" } download={ "eicr-case-" (id) ".json" } { "Download the eICR (FHIR document Bundle)" } }
        form.work method="post" action={ "/cases/" (id) "/status" } {
            (token_field(&nav))
            label for="status" { "Mark" }
            select #status name="status" {
                option value="reviewed" { "Reviewed" }
                option value="not_reportable" { "Not reportable" }
                option value="new" { "New" }
            }
            label for="note" { "Note" }
            input #note name="note" size="50" value=(c.note.clone().unwrap_or_default());
            button type="submit" { "Save" }
        }
        p { a href="/cases" { "The case queue" } }
    };
    Ok(html(
        StatusCode::OK,
        page(
            &format!("Case {id}: {}", c.condition_name),
            Some(&nav),
            body,
        ),
    ))
}

#[derive(Debug, Deserialize)]
struct StatusForm {
    token: String,
    status: String,
    #[serde(default)]
    note: String,
}

/// `POST /cases/{id}/status`: marks the case, then back to it.
async fn status_form(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<StatusForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id(&id)?;
    set_status(
        &state,
        principal,
        id,
        StatusBody {
            status: form.status,
            note: form.note,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/cases/{id}")).into_response())
}

#[derive(Debug, Deserialize)]
struct SendForm {
    token: String,
    to: String,
    eicr: Option<String>,
    oru: Option<String>,
}

/// `POST /cases/{id}/send`: sends the case's report, then back to it, shown reported.
async fn send_form(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<SendForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id(&id)?;
    send(
        &state,
        principal,
        id,
        CaseSendBody {
            to: form.to,
            eicr: form.eicr.is_some(),
            oru: form.oru.is_some(),
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/cases/{id}")).into_response())
}

/// `GET /cases/{id}/eicr`: the eICR as a file.
async fn eicr_file(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    let bundle = eicr(&state, principal, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/fhir+json".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"eicr-case-{id}.json\""),
            ),
        ],
        bundle.to_string(),
    )
        .into_response())
}

/// The start page's new cases, for holders of `report-cases`.
pub(crate) async fn start_section(
    state: &AppState,
    principal: &Principal,
    nav: &Nav,
) -> Result<Markup, WebError> {
    if !principal.allows(Permission::ReportCases) {
        return Ok(html! {});
    }
    let mut rows = list(
        state,
        principal.clone(),
        ListParams {
            status: Some("new".into()),
        },
    )
    .await?;
    let more = rows.len().saturating_sub(ON_START);
    rows.truncate(ON_START);
    Ok(html! {
        section #new-cases {
            h2 { "New reportable-condition cases" }
            (queue_table(nav, &rows))
            @if more > 0 { p { (more) " more." } }
            p { a href="/cases" { "The case queue" } }
        }
    })
}

/// The case pages' routes.
pub(crate) fn routes() -> Vec<Entry> {
    let cases = Access::Needs(Permission::ReportCases);
    vec![
        route(
            Method::GET,
            "/cases",
            cases,
            true,
            "the reportable-condition case queue",
            get(queue_page),
        ),
        route(
            Method::GET,
            "/cases/{id}",
            cases,
            true,
            "a reportable-condition case, with the form to mark it",
            get(case_page),
        ),
        route(
            Method::POST,
            "/cases/{id}/status",
            cases,
            true,
            "mark a case new, reviewed or not reportable",
            post(status_form),
        ),
        route(
            Method::POST,
            "/cases/{id}/send",
            cases,
            true,
            "send a case's initial case report to public health (audited, disclosed, marked reported)",
            post(send_form),
        ),
        route(
            Method::GET,
            "/cases/{id}/eicr",
            cases,
            true,
            "download a case's eICR (FHIR document Bundle)",
            get(eicr_file),
        ),
    ]
    .into_iter()
    .map(|entry| entry.on(Surface::Page))
    .collect()
}
