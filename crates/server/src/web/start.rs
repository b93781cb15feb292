//! The start page: the signed-in person's own work first (a physician's notes to sign,
//! an HIM technician's urgent deficiencies and pending amendment requests, billing's denials, held claims, unposted 835s
//! and unmatched payments with the open balances, the saved population
//! questions of public health and researchers, new reportable-condition cases), then the places their roles open.

use super::forms::{PageResult, html};
use super::layout::{nav, page};
use crate::auth::Principal;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use maud::html;
use privacy::Permission;

/// Places on the start page: the permission that opens each (none: everyone), link, label
/// and what is done there.
const PLACES: &[(Option<Permission>, &str, &str, &str)] = &[
    (
        Some(Permission::ReleaseInformation),
        "/roi",
        "Release of information",
        "Requests for copies of charts: validation, release, denial.",
    ),
    (
        Some(Permission::ReportCases),
        "/cases",
        "Reportable conditions",
        "Cases found by trigger codes: review, mark, download the eICR.",
    ),
    (
        Some(Permission::ReadDemographics),
        "/patients",
        "Find a patient",
        "Search by name, date of birth or MRN; open a chart.",
    ),
    (
        Some(Permission::WriteDemographics),
        "/patients/new",
        "Register a patient",
        "A new chart, after checking whether the patient is already on file.",
    ),
    (
        Some(Permission::ReadBilling),
        "/claims",
        "Claims",
        "Claims with their status and scrub results, the denials queue, A/R aging by payer.",
    ),
    (
        Some(Permission::ReviewChart),
        "/review",
        "Chart review",
        "Deficiencies to chase: unsigned notes, missing summaries and reports, coding and POA gaps.",
    ),
    (
        Some(Permission::ReadNotes),
        "/dictations",
        "Dictations",
        "Dictated notes: upload or record, the queues, the editor with the recording tied to the words, signing.",
    ),
    (
        Some(Permission::ManageRecordsLifecycle),
        "/charts",
        "Paper charts",
        "Scan a chart's barcode; check out, transfer, check in; overdue charts; the request queue and pull list; labels.",
    ),
    (
        Some(Permission::ManageRecordsLifecycle),
        "/holds",
        "Legal holds",
        "Holds in force and released; place and release holds.",
    ),
    (
        Some(Permission::ManageRecordsLifecycle),
        "/retention",
        "Retention report",
        "Which charts may be archived or destroyed, when and why (read only).",
    ),
    (
        Some(Permission::ManagePatientIndex),
        "/mpi",
        "Duplicate charts",
        "Pairs that may be one person: compare side by side, decide, merge or unmerge.",
    ),
    (
        Some(Permission::SignNotes),
        "/review/queries",
        "My queries",
        "The records department's questions about your charts, answered from the choices offered.",
    ),
    (
        Some(Permission::ReadAggregates),
        "/queries",
        "Population queries",
        "Count patients by diagnosis, immunization, result or balance; chart and export the answer.",
    ),
    (
        Some(Permission::ReadDeidentified),
        "/research/extracts",
        "Research extracts",
        "De-identified extracts (Safe Harbor) with their k-anonymity report.",
    ),
    (
        Some(Permission::ManageUsers),
        "/admin/users",
        "Users",
        "Create accounts, set roles, disable access.",
    ),
    (
        Some(Permission::ReadAudit),
        "/audit",
        "Audit report",
        "Who looked at or changed what, and whether the trail is intact.",
    ),
    (
        Some(Permission::ReviewBreakGlass),
        "/break-glass",
        "Emergency access review",
        "Charts opened by breaking the glass, for review.",
    ),
    (
        None,
        "/codes",
        "Code sets",
        "Look up ICD-10-CM, ICD-10-PCS, HCPCS and CVX codes.",
    ),
];

/// `GET /`: the user's work and what their roles let them do.
pub(crate) async fn home(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    RawQuery(query): RawQuery,
) -> PageResult {
    let nav = nav(&state, &principal);
    let roles: Vec<&str> = principal.roles.iter().map(|r| r.as_str()).collect();
    let to_sign = super::signing::start_section(&state, &principal, &nav).await?;
    let review = super::review::start_section(&state, &principal).await?;
    let queries = super::review::queries::start_section(&state, &principal).await?;
    let billing = super::claims::work::start_section(&state, &principal).await?;
    let balances = super::balances::start_section(&state, &principal).await?;
    let write_offs = super::write_offs::start_section(&state, &principal).await?;
    let questions = super::query_pages::start_section(&state, &principal, &nav).await?;
    let roi = super::roi::start_section(&state, &principal).await?;
    let cases = super::cases::start_section(&state, &principal, &nav).await?;
    let amendments = super::amendment_pages::start_section(&state, &principal).await?;
    let paper = super::charts::start_section(&state, &principal).await?;
    let dictations = super::transcription::start_section(&state, &principal).await?;
    let body = html! {
        @if let Some(id) = super::forms::id_in_query(query.as_deref(), "signed") {
            p.notice role="status" { "Note " (id) " signed." }
        }
        p { "Your roles: " strong { (roles.join(", ")) } "." }
        (to_sign)
        (dictations)
        (review)
        (queries)
        (amendments)
        (paper)
        (roi)
        (cases)
        (billing)
        (write_offs)
        (balances)
        (questions)
        section #places {
            h2 { "Your pages" }
            ul.places {
                @for (permission, href, label, what) in PLACES {
                    @if permission.is_none_or(|p| principal.allows(p)) {
                        li { a href=(href) { (label) } " — " (what) }
                    }
                }
            }
        }
    };
    Ok(html(StatusCode::OK, page("Start", Some(&nav), body)))
}
