//! Billing's view of what patients owe: the A/R aging by patient (each patient linked to
//! the ledger and the statement) and the patient statement itself, as the print-ready page
//! `claims::Statement::html` writes and as a PDF. The cores are `claims_api`'s, shared
//! with `/api/claims/aging/patients` and `/api/patients/{id}/statement`.

use super::tabs;
use crate::auth::Principal;
use crate::claims_api;
use crate::guard::{Access, Entry, Surface, route};
use crate::patients::parse_id;
use crate::state::AppState;
use crate::web::forms::{PageResult, html};
use crate::web::layout::{nav, page};
use crate::web::text::{day, money};
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use maud::html;
use privacy::{Action, Permission};

/// `GET /claims/aging/patients`.
async fn patient_aging(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> PageResult {
    let report = claims_api::patient_aging(&state, &principal).await?;
    let nav = nav(&state, &principal);
    let body = html! {
        (tabs())
        p { "Owed by patients on " (day(report.as_of)) ": " (money(report.total_cents()))
            " · waiting on insurance: " (money(report.insurance_pending_cents)) }
        @if report.patients.len() == claims_api::PATIENTS_LISTED {
            p { "The " (claims_api::PATIENTS_LISTED) " patients who owe most are listed; the totals count every patient." }
        }
        table.results {
            thead { tr { th { "Patient" } th { "MRN" } @for b in claims::AGING_BUCKETS { th.num { (b) " days" } }
                th.num { "Total" } th.num { "Waiting on insurance" } th { "Statement" } } }
            tbody {
                @for p in &report.patients { tr {
                    td { a href={ "/patients/" (p.patient_id) "/ledger" } { (p.patient) } }
                    td { (p.mrn) }
                    @for cents in p.cents { td.num { (money(cents)) } }
                    td.num { (money(p.total_cents())) }
                    td.num { (money(p.insurance_pending_cents)) }
                    td { a href={ "/patients/" (p.patient_id) "/statement" } { "Print" } " · "
                         a href={ "/patients/" (p.patient_id) "/statement.pdf" } { "PDF" } }
                } }
                tr.total { td { "All patients" } td {} @for cents in report.totals { td.num { (money(cents)) } }
                    td.num { (money(report.total_cents())) } td.num { (money(report.insurance_pending_cents)) } td {} }
            }
        }
    };
    Ok(html(
        StatusCode::OK,
        page("A/R aging by patient", Some(&nav), body),
    ))
}

/// `GET /patients/{id}/statement`: the print-ready statement page.
async fn statement_page(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    let found = claims_api::statement(&state, &principal, id, Action::Read).await?;
    Ok(Html(found.html()).into_response())
}

/// `GET /patients/{id}/statement.pdf`: the statement as a PDF, audited as an export.
async fn statement_pdf(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    let found = claims_api::statement(&state, &principal, id, Action::Export).await?;
    let file = format!("statement-{}-{}.pdf", found.mrn, found.as_of);
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        found.pdf(),
    )
        .into_response())
}

/// The pages.
pub(crate) fn routes() -> Vec<Entry> {
    let billing = Access::Needs(Permission::ReadBilling);
    vec![
        route(
            Method::GET,
            "/claims/aging/patients",
            billing,
            true,
            "A/R aging by patient",
            get(patient_aging),
        ),
        route(
            Method::GET,
            "/patients/{id}/statement",
            billing,
            true,
            "a patient's statement, print-ready",
            get(statement_page),
        ),
        route(
            Method::GET,
            "/patients/{id}/statement.pdf",
            billing,
            true,
            "a patient's statement as a PDF",
            get(statement_pdf),
        ),
    ]
    .into_iter()
    .map(|entry| entry.on(Surface::Page))
    .collect()
}
