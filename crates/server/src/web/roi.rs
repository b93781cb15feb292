//! The release-of-information desk on the web: the queue of open requests (due first,
//! late ones marked), a request's validation checklist (every defect with its field and
//! rule, what the packet would hold and what it withholds), release (the PDF packet as
//! the response, entered in the accounting) and denial with its reason; the start page's
//! queue for those who release information. The rules are `disclosures`'; every look and
//! step is audited there.

use super::forms::{PageForm, PageResult, check_token, html};
use super::layout::{nav, page};
use super::roi_intake::{
    Posted, authorization_fields, authorization_of, posted_of, text_field, value,
};
use super::text::day;
use crate::auth::Principal;
use crate::error::WebError;
use crate::patients::parse_id;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use disclosures::{QueueRow, Review};
use maud::{Markup, html};
use privacy::{Action, Permission};
use records::{RecordKind, RoiRequest};
use serde::Deserialize;

/// Requests listed on the start page.
const ON_START: i64 = 10;

fn queue_table(rows: &[QueueRow]) -> Markup {
    html! {
        @if rows.is_empty() {
            p { "No open requests." }
        } @else {
            table.results {
                thead { tr { th { "Request" } th { "Patient" } th { "Requester" } th { "Basis" } th { "Status" } th { "Due" } } }
                tbody { @for row in rows { @let r = &row.request.record; tr id={ "roi-" (row.request.meta.id) } {
                    td { a href={ "/roi/" (row.request.meta.id) } { (row.number) } }
                    td { (row.patient_name) " (" (row.mrn) ")" }
                    td { (r.requester_name) " · " (r.requester_kind.label()) }
                    td { (r.legal_basis.label()) }
                    td { (r.status.label()) }
                    td { (day(r.due())) @if row.late { strong { " late" } } }
                } } }
            }
        }
    }
}

async fn open_queue(
    state: &AppState,
    principal: &Principal,
    limit: i64,
) -> Result<Vec<QueueRow>, WebError> {
    queue_rows(state, principal, Vec::new(), limit).await
}

/// Requests in `statuses` (the open ones when empty), due first; the pages and the API.
pub(crate) async fn queue_rows(
    state: &AppState,
    principal: &Principal,
    statuses: Vec<records::RoiStatus>,
    limit: i64,
) -> Result<Vec<QueueRow>, WebError> {
    let viewer = principal.clone();
    state
        .blocking(move |state| {
            Ok(state.trail.write(&state.store, |audited| {
                let who = viewer.event(audited.now(), Action::Read);
                Ok(disclosures::queue(audited, &who, &statuses, limit)?)
            })?)
        })
        .await
}

/// Takes in `request` (intake, audited); the API and the intake form.
pub(crate) async fn take_in(
    state: &AppState,
    principal: &Principal,
    request: RoiRequest,
) -> Result<store::Stored<RoiRequest>, WebError> {
    let clerk = principal.clone();
    state
        .blocking(move |state| {
            Ok(state.trail.write(&state.store, |audited| {
                let who = clerk.event(audited.now(), Action::Create);
                Ok(disclosures::intake(audited, &who, request)?)
            })?)
        })
        .await
}

/// Reviews request `id` (the status follows the defects); the page and the API.
pub(crate) async fn reviewed(
    state: &AppState,
    principal: &Principal,
    id: i64,
) -> Result<Review, WebError> {
    let viewer = principal.clone();
    state
        .blocking(move |state| {
            Ok(state.trail.write(&state.store, |audited| {
                let who = viewer.event(audited.now(), Action::Read);
                Ok(disclosures::review(audited, &who, id)?)
            })?)
        })
        .await
}

/// `GET /roi`: the open requests, due first.
pub(crate) async fn queue(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> PageResult {
    let rows = open_queue(&state, &principal, 500).await?;
    let nav = nav(&state, &principal);
    let body = html! {
        p { "Requests for copies of charts, due 30 days after receipt (one 30-day extension). A request is released only when its checks pass." }
        p { a href="/roi/new" { "Take in a new request" } }
        (queue_table(&rows))
    };
    Ok(html(
        StatusCode::OK,
        page("Release of information", Some(&nav), body),
    ))
}

/// The start page's ROI queue for those who release information; empty for others.
pub(crate) async fn start_section(
    state: &AppState,
    principal: &Principal,
) -> Result<Markup, WebError> {
    if !principal.allows(Permission::ReleaseInformation) {
        return Ok(html! {});
    }
    let rows = open_queue(state, principal, ON_START).await?;
    Ok(html! {
        section #roi-queue {
            h2 { "Release of information" }
            (queue_table(&rows))
            p { a href="/roi" { "The whole queue" } }
        }
    })
}

/// The papers the desk may correct while the request is open: how the requester's
/// identity was verified and the authorisation form, prefilled from the request or with
/// what was typed and each problem beside its field.
fn papers_form(
    review: &Review,
    token: &str,
    posted: Option<&Posted>,
    errors: &[(String, String)],
) -> Markup {
    let r = &review.request.record;
    let on_file: Posted;
    let posted = match posted {
        Some(p) => p,
        None => {
            let mut p = r
                .authorization_form
                .as_ref()
                .map(posted_of)
                .unwrap_or_default();
            if let Some(how) = &r.identity_verified {
                p.push(("identity_verified".to_owned(), how.clone()));
            }
            on_file = p;
            &on_file
        }
    };
    html! {
        section #papers {
            h2 { "Correct the papers" }
            p { "When the requester sends a signed form or proves who they are, record it here; the checks run again." }
            form.grid method="post" action={ "/roi/" (review.request.meta.id) "/papers" } novalidate {
                input type="hidden" name="token" value=(token);
                (text_field(posted, errors, "identity_verified", "Identity verified (how)"))
                (authorization_fields(posted, errors))
                button type="submit" { "Record the papers and check again" }
            }
        }
    }
}

fn checklist(
    review: &Review,
    token: &str,
    posted: Option<&Posted>,
    errors: &[(String, String)],
) -> Markup {
    let r = &review.request.record;
    let id = review.request.meta.id;
    html! {
        section #request {
            h2 { "Request" }
            dl {
                dt { "Patient" } dd { (review.patient_name) " (MRN " (review.mrn) "), born " (day(review.birth_date))
                    " · " a href={ "/patients/" (r.patient_id.0) "/disclosures" } { "accounting of disclosures" }
                    " · " a href={ "/patients/" (r.patient_id.0) "/consents" } { "consents and restrictions" } }
                dt { "Requester" } dd { (r.requester_name) " · " (r.requester_kind.label()) @if let Some(org) = &r.requester_organization { " · " (org) } }
                dt { "Identity verified" } dd { (r.identity_verified.as_deref().unwrap_or("not yet")) }
                dt { "Purpose" } dd { (r.purpose) }
                dt { "Basis" } dd { (r.legal_basis.label()) }
                dt { "Asked for" } dd { (r.categories.iter().map(|c| c.label()).collect::<Vec<_>>().join(", ")) }
                dt { "Received / due" } dd { (day(r.received_on)) " / " (day(r.due())) }
                dt { "Status" } dd { (r.status.label()) @if let Some(reason) = &r.decision_reason { ": " (reason) } }
            }
        }
        section #validation {
            h2 { "Validation" }
            @if review.defects.is_empty() {
                p.notice role="status" { "Every check passes: it may be released." }
            } @else {
                p.error role="alert" { (review.defects.len()) " defect(s); nothing can be released until each is fixed." }
                table.results {
                    thead { tr { th { "Field" } th { "Rule" } th { "Defect" } } }
                    tbody { @for d in &review.defects { tr.defect { td { (d.field) } td { (d.rule) } td { (d.message) } } } }
                }
            }
        }
        section #packet {
            h2 { "Packet preview" }
            p { (review.scope.items.len()) " items in scope." }
            ul {
                @for category in records::ReleaseCategory::ALL {
                    @let n = review.scope.items.iter().filter(|i| i.category == *category).count();
                    @if n > 0 { li { (category.label()) ": " (n) } }
                }
                @for (reason, n) in &review.scope.withheld { li { "Withheld: " (n) " (" (reason.describe()) ")" } }
            }
        }
        @if r.status.is_open() {
            section #decide {
                @if review.defects.is_empty() {
                    form method="post" action={ "/roi/" (id) "/release" } {
                        input type="hidden" name="token" value=(token);
                        button type="submit" { @if r.delivery == records::Delivery::Fhir { "Release the packet (FHIR bundle)" } @else { "Release the packet (PDF)" } }
                    }
                }
                form method="post" action={ "/roi/" (id) "/deny" } {
                    input type="hidden" name="token" value=(token);
                    label for="deny-reason" { "Reason for denial" }
                    input #deny-reason name="reason" required maxlength="500";
                    button type="submit" { "Deny" }
                }
            }
            (papers_form(review, token, posted, errors))
        }
    }
}

/// `GET /roi/{id}`: the request with its validation checklist and packet preview (the
/// review sets the status: validated when every check passes).
pub(crate) async fn show(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    let review = reviewed(&state, &principal, id).await?;
    let nav = nav(&state, &principal);
    let token = super::forms::token(&state, &principal);
    let title = format!("{} for {}", review.number, review.patient_name);
    Ok(html(
        StatusCode::OK,
        page(&title, Some(&nav), checklist(&review, &token, None, &[])),
    ))
}

/// `POST /roi/{id}/papers`: the identity verification and authorisation form recorded on
/// the open request (audited with before and after) and its checklist shown again; a date
/// that is not one, or a value the request refuses, comes back 422 beside its field.
pub(crate) async fn papers(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(posted): PageForm<Posted>,
) -> PageResult {
    check_token(&state, &principal, value(&posted, "token"))?;
    let id = parse_id(&id)?;
    let mut errors = Vec::new();
    let form = authorization_of(&posted, &mut errors);
    let identity =
        Some(value(&posted, "identity_verified").trim().to_owned()).filter(|v| !v.is_empty());
    if errors.is_empty() {
        let clerk = principal.clone();
        let corrected = state
            .blocking(move |state| {
                Ok(state.trail.write(&state.store, |audited| {
                    let who = clerk.event(audited.now(), Action::Update);
                    let before: store::Stored<RoiRequest> = audited.records().get(id)?;
                    let after = RoiRequest {
                        identity_verified: identity,
                        authorization_form: form,
                        ..before.record
                    };
                    if let Err(problems) = records::Validate::validate(&after) {
                        return Ok(Err(problems
                            .iter()
                            .map(|e| (e.path.clone(), e.message.clone()))
                            .collect::<Vec<_>>()));
                    }
                    Ok(Ok(disclosures::correct(audited, &who, id, after)?))
                })?)
            })
            .await?;
        match corrected {
            Ok(_) => return Ok(Redirect::to(&format!("/roi/{id}")).into_response()),
            Err(problems) => errors = problems,
        }
    }
    let review = reviewed(&state, &principal, id).await?;
    let nav = nav(&state, &principal);
    let token = super::forms::token(&state, &principal);
    let title = format!("{} for {}", review.number, review.patient_name);
    Ok(html(
        StatusCode::UNPROCESSABLE_ENTITY,
        page(
            &title,
            Some(&nav),
            checklist(&review, &token, Some(&posted), &errors),
        ),
    ))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DecisionForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    reason: String,
}

/// `POST /roi/{id}/release`: the packet as a PDF download, released and entered in the
/// accounting in one transaction; a request with a defect is refused, naming each.
pub(crate) async fn release(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<DecisionForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id(&id)?;
    Ok(released_pdf(&state, &principal, id).await?)
}

/// Releases request `id`: the PDF packet as the response (`X-Packet-SHA256`), or for a
/// request delivered as FHIR the Bundle of exactly the records released with the packet
/// inside (`X-Bundle-SHA256`, and its own audit entry), entered in the accounting in the
/// same transaction; the page and the API.
pub(crate) async fn released_pdf(
    state: &AppState,
    principal: &Principal,
    id: i64,
) -> Result<axum::response::Response, WebError> {
    let releaser = principal.clone();
    let (released, bundle) = state
        .blocking(move |state| {
            let fees = &state.config.roi_fees;
            let facility = &state.config.facility_name;
            Ok(state.trail.write(&state.store, |audited| {
                let who = releaser.event(audited.now(), Action::Export);
                let released = disclosures::release(audited, &who, id, fees, facility)?;
                let request = &released.request.record;
                if request.delivery != records::Delivery::Fhir {
                    return Ok((released, None));
                }
                let number = RoiRequest::number(id);
                let items: Vec<(&'static str, i64)> =
                    released.scope.items.iter().map(|i| (i.kind, i.id)).collect();
                let at = audited.now();
                let bundle = crate::fhir_rest::roi_bundle::release_bundle(
                    &mut audited.records(),
                    &number,
                    request.patient_id.0,
                    &items,
                    &released.packet.pdf,
                    at,
                )?;
                audited.append(
                    &who.clone()
                        .patient(request.patient_id)
                        .record(RoiRequest::KIND, id)
                        .categories(&disclosures::audit_categories(&request.categories))
                        .reason(&format!(
                            "release of information: {number} delivered as a FHIR bundle, {} resources and the packet, sha256 {}",
                            bundle.resources, bundle.sha256
                        )),
                )?;
                Ok((released, Some(bundle)))
            })?)
        })
        .await?;
    let sha = header::HeaderName::from_static("x-packet-sha256");
    if let Some(bundle) = bundle {
        let file = format!("{}.json", RoiRequest::number(id));
        return Ok((
            [
                (header::CONTENT_TYPE, "application/fhir+json".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file}\""),
                ),
                (sha, released.packet.sha256.clone()),
                (
                    header::HeaderName::from_static("x-bundle-sha256"),
                    bundle.sha256,
                ),
            ],
            bundle.json,
        )
            .into_response());
    }
    let file = format!("{}.pdf", RoiRequest::number(id));
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
            (sha, released.packet.sha256.clone()),
        ],
        released.packet.pdf,
    )
        .into_response())
}

/// `POST /roi/{id}/deny`: denied with the reason the requester is told.
pub(crate) async fn deny(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<DecisionForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id(&id)?;
    denied(&state, &principal, id, form.reason).await?;
    Ok(Redirect::to(&format!("/roi/{id}")).into_response())
}

/// Denies request `id` with `reason`; the page and the API.
pub(crate) async fn denied(
    state: &AppState,
    principal: &Principal,
    id: i64,
    reason: String,
) -> Result<store::Stored<RoiRequest>, WebError> {
    let denier = principal.clone();
    state
        .blocking(move |state| {
            Ok(state.trail.write(&state.store, |audited| {
                let who = denier.event(audited.now(), Action::Update);
                Ok(disclosures::deny(audited, &who, id, &reason)?)
            })?)
        })
        .await
}
