//! Billing's remittance page (`/claims/remittances`): the 835s received, newest first, with
//! the payments that matched no claim, and, for `write-billing`, the form that posts an 835
//! file. After a posting the page says what it did: payments, write-offs, the patients'
//! shares, the claims the payers decided on, and the claims drafted to the next payers.
//! The cores are `crate::remittances_api`'s.

use super::super::forms::{PageResult, Refusal, check_token, html};
use super::super::layout::{Nav, nav, page, token_field};
use super::super::text::{day, money};
use crate::auth::Principal;
use crate::error::WebError;
use crate::guard::{Access, Entry, route};
use crate::remittances_api::{Posted, post_835, received};
use crate::state::AppState;
use axum::Extension;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{Method, StatusCode};
use axum::routing::{get, post};
use maud::{Markup, html as markup};
use privacy::Permission;
use records::{RemittanceAdvice, RemittanceStatus};
use store::Stored;

/// Largest 835 file the form takes (a busy payer's daily file is a few megabytes).
const UPLOAD_LIMIT: usize = 32 * 1024 * 1024;

fn received_table(listed: &[Stored<RemittanceAdvice>]) -> Markup {
    markup! {
        @if listed.is_empty() {
            p { "No 835 has been received yet." }
        } @else {
            table.results {
                thead { tr {
                    th { "Received" } th { "Payer" } th { "Trace" } th.num { "Payment" }
                    th.num { "Claim payments" } th { "Status" } th { "Matched no claim" }
                } }
                tbody { @for r in listed { @let a = &r.record; tr {
                    td { (day(a.received_on)) }
                    td { (a.payer_name) }
                    td { (a.trace) }
                    td.num { (money(a.payment_cents)) }
                    td.num { (a.claim_payments) }
                    td { @match a.status {
                        RemittanceStatus::Posted => { "posted" @if let Some(on) = a.posted_on { " " (day(on)) } }
                        RemittanceStatus::Received => "received, not posted",
                    } }
                    td { @if a.unmatched.is_empty() { "—" } @else { ul { @for u in &a.unmatched {
                        li { (u.claim_id) " (" (money(u.paid_cents)) "): " (u.reason) }
                    } } } }
                } } }
            }
        }
    }
}

fn posted_section(posted: &[Posted]) -> Markup {
    markup! {
        section #posted role="status" {
            h2 { "Posted" }
            @for p in posted { @let r = &p.report;
                h3 { (p.payer) ", trace " (p.trace) }
                p { (r.posted) " claim payments posted, " (r.already_posted) " already posted before; paid "
                    (money(r.paid_cents)) ", written off " (money(r.adjusted_cents))
                    ", left to patients " (money(r.patient_responsibility_cents)) "." }
                @if !r.adjudicated.is_empty() {
                    p { "Decided: " @for (i, (id, status)) in r.adjudicated.iter().enumerate() {
                        @if i > 0 { ", " } a href={ "/claims/" (id) } { "claim " (id) } " " (status.as_str())
                    } }
                }
                @for (decided, next) in &r.next_payer { p.next-payer { @match next {
                    claims::NextPayer::Drafted { claim_id, order } => {
                        "Claim " (decided) " left the patient a share: "
                        a href={ "/claims/" (claim_id) } { (format!("{order:?} claim {claim_id}").to_lowercase()) }
                        " drafted; scrub and submit it."
                    }
                    claims::NextPayer::NotBuilt { order, problems } => {
                        "Claim " (decided) " left the patient a share, but the " (format!("{order:?}").to_lowercase())
                        " claim cannot be built: "
                        (problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
                    }
                } } }
                @if !r.unmatched.is_empty() {
                    p { "Matched no claim (kept for the work queue):" }
                    ul { @for u in &r.unmatched { li { (u) } } }
                }
            }
        }
    }
}

fn shown(
    nav: &Nav,
    may_post: bool,
    listed: &[Stored<RemittanceAdvice>],
    posted: Option<&[Posted]>,
    refused: Option<&str>,
) -> Markup {
    let body = markup! {
        (super::tabs())
        @if let Some(reason) = refused {
            p.error role="alert" { (reason) }
        }
        @if let Some(posted) = posted { (posted_section(posted)) }
        @if may_post {
            form.upload method="post" action="/claims/remittances" enctype="multipart/form-data" {
                (token_field(nav))
                label { "835 file " input type="file" name="file" required; }
                button type="submit" { "Post the 835" }
            }
            p.hint { "A file posts whole or not at all; posting one again changes nothing." }
        }
        h2 { "Received" }
        (received_table(listed))
    };
    page("Remittances (835)", Some(nav), body)
}

/// `GET /claims/remittances`.
async fn list(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> PageResult {
    let listed = received(&state, &principal).await?;
    let nav = nav(&state, &principal);
    let may_post = principal.allows(Permission::WriteBilling);
    Ok(html(
        StatusCode::OK,
        shown(&nav, may_post, &listed, None, None),
    ))
}

/// The uploaded form: its token and the file's name and text.
async fn read_upload(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(String, String, String), WebError> {
    // A body that is no multipart form at all is refused on the page like any bad upload.
    let mut multipart = multipart.map_err(|e| WebError::bad("file", e.body_text()))?;
    let bad = |e: axum::extract::multipart::MultipartError| WebError::bad("file", e.body_text());
    let (mut token, mut name, mut bytes) = (String::new(), String::new(), Vec::new());
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        match field.name().unwrap_or_default() {
            "token" => token = field.text().await.map_err(bad)?,
            "file" => {
                name = field.file_name().unwrap_or("upload.835").to_owned();
                bytes = field.bytes().await.map_err(bad)?.to_vec();
            }
            _ => {}
        }
    }
    if bytes.is_empty() {
        return Err(WebError::bad("file", "choose the 835 file to post"));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| WebError::bad("file", format!("{name} is not text: an 835 is X12 text")))?;
    Ok((token, name, text))
}

/// `POST /claims/remittances`: posts the uploaded 835 and shows what it did.
async fn post_file(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let (token, name, text) = read_upload(multipart).await.map_err(Refusal)?;
    check_token(&state, &principal, &token)?;
    let result = post_835(&state, &principal, name, text).await;
    let listed = received(&state, &principal).await?;
    let nav = nav(&state, &principal);
    match result {
        Ok(posted) => Ok(html(
            StatusCode::OK,
            shown(&nav, true, &listed, Some(&posted), None),
        )),
        Err(WebError::BadRequest { reason, .. }) => Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            shown(&nav, true, &listed, None, Some(&reason)),
        )),
        Err(other) => Err(Refusal(other)),
    }
}

/// The remittance pages.
pub(crate) fn routes() -> Vec<Entry> {
    vec![
        route(
            Method::GET,
            "/claims/remittances",
            Access::Needs(Permission::ReadBilling),
            false,
            "the 835 remittances received, and the form that posts one",
            get(list),
        ),
        route(
            Method::POST,
            "/claims/remittances",
            Access::Needs(Permission::WriteBilling),
            false,
            "post an uploaded 835 (all or nothing) and show what it did",
            post(post_file).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        ),
    ]
}
