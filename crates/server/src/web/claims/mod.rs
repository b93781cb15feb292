//! Billing's claim pages: the claims with their status (filtered by status), one claim with
//! its scrub results (each edit's rule, source, field and whether an override let it
//! through) and the payer's decision, the denials queue by reason, and A/R aging by payer
//! with days in A/R; what patients owe and their statements (`statements`). Every page
//! calls the same core as `/api/claims` (`claims_api`), so
//! they read and audit alike; no rule lives here.

mod remittances;
mod statements;
pub(crate) mod work;

use super::forms::{PageForm, PageResult, check_token, html};
use super::layout::{nav, page, token_field};
use super::text::{day, money};
use crate::auth::Principal;
use crate::claims_api::{self, ClaimRow, ListParams, parse_status};
use crate::guard::{Access, Entry, Surface, route};
use crate::patients::parse_id;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use maud::{Markup, html};
use privacy::Permission;
use records::ClaimStatus;
use serde::Deserialize;

/// The status in words.
fn status_words(status: ClaimStatus) -> &'static str {
    match status {
        ClaimStatus::Draft => "Draft",
        ClaimStatus::Scrubbed => "Scrubbed",
        ClaimStatus::Submitted => "Submitted",
        ClaimStatus::Accepted => "Accepted",
        ClaimStatus::Rejected => "Rejected",
        ClaimStatus::Paid => "Paid",
        ClaimStatus::Denied => "Denied",
        ClaimStatus::PartiallyPaid => "Partially paid",
        ClaimStatus::Corrected => "Corrected",
        ClaimStatus::Voided => "Voided",
    }
}

pub(super) fn tabs() -> Markup {
    html! {
        p.tabs {
            a href="/claims" { "Claims" } " · "
            a href="/claims/denials" { "Denials" } " · "
            a href="/claims/aging" { "A/R aging by payer" } " · "
            a href="/claims/aging/patients" { "A/R aging by patient" } " · "
            a href="/claims/remittances" { "Remittances (835)" }
        }
    }
}

fn claim_table(rows: &[ClaimRow]) -> Markup {
    html! {
        table.results {
            thead { tr {
                th { "Claim" } th { "Kind" } th { "Patient" } th { "MRN" } th { "Payer" }
                th { "Date of service" } th.num { "Charges" } th.num { "Paid" } th { "Status" } th { "Open edits" }
            } }
            tbody { @for row in rows { @let c = &row.claim.record; tr {
                td { a href={ "/claims/" (row.claim.meta.id) } { (c.control_number) } }
                td { (c.kind.transaction()) }
                td { a href={ "/patients/" (c.patient_id.0) "/ledger" } { (row.patient_name) } }
                td { (row.mrn) }
                td { (row.payer) }
                td { (day(c.service_date)) }
                td.num { (money(c.total_cents)) }
                td.num { (money(c.paid_cents)) }
                td { (status_words(c.status)) }
                td.num { (c.open_edits().count()) }
            } } }
        }
    }
}

/// `GET /claims[?status=]`.
async fn list(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Query(params): Query<ListParams>,
) -> PageResult {
    let status = parse_status(params.status.as_deref())?;
    let (rows, counts) = claims_api::list(&state, &principal, status).await?;
    let scrubbed = counts
        .iter()
        .find(|(s, _)| *s == ClaimStatus::Scrubbed)
        .map_or(0, |(_, n)| *n);
    let nav = nav(&state, &principal);
    let body = html! {
        (tabs())
        p.counts {
            a href="/claims" { "All" }
            @for (status, n) in &counts {
                " · " a href={ "/claims?status=" (status.as_str()) } { (status_words(*status)) " " (n) }
            }
        }
        @if principal.allows(Permission::WriteBilling) {
            (send_form(&state, &nav, scrubbed))
        }
        @if rows.is_empty() {
            p { "No claim " @if let Some(s) = status { "is " (status_words(s).to_lowercase()) } @else { "yet" } "." }
        } @else {
            (claim_table(&rows))
        }
    };
    Ok(html(StatusCode::OK, page("Claims", Some(&nav), body)))
}

/// Billing's way to send the scrubbed claims, or why it cannot be done from here.
fn send_form(state: &AppState, nav: &super::layout::Nav, scrubbed: i64) -> Markup {
    html! {
        section #send-claims {
            @if state.config.claim_outbox.is_none() {
                p.muted { "Claims are not sent from here: the server was started without the billing office's X12 identity (serve --receiver-id and --tax-id). "
                    code { "chartroom claims submit --out DIR" } " sends them." }
            } @else if scrubbed == 0 {
                p.muted { "No scrubbed claim waits to be sent." }
            } @else {
                form.inline method="post" action="/claims/submit" {
                    (token_field(nav))
                    button type="submit" { "Send the " (scrubbed) " scrubbed claims (837)" }
                }
            }
        }
    }
}

/// `POST /claims/submit`: sends every scrubbed claim and shows what was written and held.
async fn submit(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    PageForm(form): PageForm<ClaimActionForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let sent = claims_api::send_claims(&state, &principal, None).await?;
    let nav = nav(&state, &principal);
    let body = html! {
        (tabs())
        section #sent {
            @if sent.files.is_empty() {
                p { "No claim was sent." }
            }
            @for f in &sent.files {
                p { "Wrote " (f.claims) " claims (" (money(f.total_cents)) ") to "
                    code { (f.path.file_name().and_then(|n| n.to_str()).unwrap_or_default()) }
                    " (" (f.kind.transaction()) ") in the claim outbox." }
            }
            @if !sent.held.is_empty() {
                h2 { "Held (" (sent.held.len()) ")" }
                ul { @for (id, reason) in &sent.held {
                    li { a href={ "/claims/" (id.0) } { "Claim " (id.0) } ": " (reason) }
                } }
            }
            p { a href="/claims?status=submitted" { "Submitted claims" } }
        }
    };
    Ok(html(StatusCode::OK, page("Claims sent", Some(&nav), body)))
}

/// `GET /claims/{id}`: the claim, its scrub results and the payer's decision.
async fn show(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    let row = claims_api::one(&state, &principal, id).await?;
    let nav = nav(&state, &principal);
    let c = &row.claim.record;
    let may_write = principal.allows(Permission::WriteBilling);
    let may_override = may_write && c.status.is_open();
    let may_replace = may_write && c.status.is_at_payer() && c.payer_claim_number.is_some();
    let title = format!("Claim {} ({})", c.control_number, c.kind.transaction());
    let body = html! {
        (tabs())
        dl.facts {
            dt { "Status" } dd { (status_words(c.status)) @if let Some(r) = &c.status_reason { " — " (r) } }
            dt { "Patient" } dd { a href={ "/patients/" (c.patient_id.0) } { (row.patient_name) } " (" (row.mrn) ")" }
            dt { "Encounter" } dd { (c.encounter_id.0) }
            dt { "Payer" } dd { (row.payer) " (" (format!("{:?}", c.coverage_order).to_lowercase()) ")" }
            dt { "Frequency" } dd { (c.frequency.code())
                @if let Some(r) = c.replaces_claim_id { ", replaces " a href={ "/claims/" (r.0) } { "claim " (r.0) } } }
            dt { "Date of service" } dd { (day(c.service_date)) }
            dt { "Charges" } dd { (money(c.total_cents)) }
            dt { "Paid" } dd { (money(c.paid_cents)) }
            dt { "Patient responsibility" } dd { (money(c.patient_responsibility_cents)) }
            @if let Some(n) = &c.payer_claim_number { dt { "Payer's claim number" } dd { (n) } }
            @if let Some(on) = c.submitted_on { dt { "Submitted" } dd { (day(on)) @if let Some(isa) = c.interchange { " in interchange " (isa) } } }
            @if !c.adjustment_codes.is_empty() { dt { "Adjustments" } dd { (c.adjustment_codes.join(", ")) } }
        }
        @if may_override || may_replace {
            div.actions {
                @if may_override {
                    form method="post" action={ "/claims/" (row.claim.meta.id) "/scrub" } {
                        (token_field(&nav))
                        button type="submit" { "Scrub again" }
                    }
                }
                @if may_replace {
                    form method="post" action={ "/claims/" (row.claim.meta.id) "/replacement" } {
                        (token_field(&nav))
                        input type="hidden" name="frequency" value="replacement";
                        button type="submit" { "Correct it (frequency 7)" }
                    }
                    form method="post" action={ "/claims/" (row.claim.meta.id) "/replacement" } {
                        (token_field(&nav))
                        input type="hidden" name="frequency" value="void";
                        button type="submit" { "Void it (frequency 8)" }
                    }
                }
            }
        }
        @if let Some(decided) = &c.adjudication {
            section #decision {
                h2 { "The payer's decision" }
                p { "Remitted " (day(decided.remitted_on)) ": paid " (money(decided.paid_cents))
                    ", the patient's share " (money(decided.patient_responsibility_cents))
                    @if !decided.adjustments.is_empty() { "; claim adjustments " (adjustments(&decided.adjustments)) } "." }
                @if !decided.lines.is_empty() {
                    table.results {
                        thead { tr { th { "Service" } th.num { "Charge" } th.num { "Paid" } th { "Adjustments" } } }
                        tbody { @for line in &decided.lines { tr {
                            td { (line.code) @for m in &line.modifiers { "-" (m) } }
                            td.num { (money(line.charge_cents)) }
                            td.num { (money(line.paid_cents)) }
                            td { (adjustments(&line.adjustments)) }
                        } } }
                    }
                }
            }
        }
        section #scrub {
            h2 { "Scrub results" }
            @if c.edits.is_empty() {
                p { "The scrubber found nothing." }
            } @else {
                table.results {
                    thead { tr { th { "Rule" } th { "Field" } th { "Finding" } th { "Source" } th { "Blocks" } th { "Override" } } }
                    tbody { @for edit in &c.edits {
                        @let key = edit.key();
                        @let overridden = c.overrides.iter().find(|o| o.key == key);
                        tr {
                            td { (edit.rule) } td { (edit.field) } td { (edit.message) } td { (edit.source) }
                            td { @if edit.blocking { "yes" } @else { "warning" } }
                            td {
                                @if let Some(o) = overridden { (o.by) ": " (o.reason) }
                                @else if edit.blocking && may_override {
                                    form.override method="post" action={ "/claims/" (row.claim.meta.id) "/override" } {
                                        (token_field(&nav))
                                        input type="hidden" name="edit" value=(key);
                                        input name="reason" aria-label="Why it may go as it is" placeholder="why it may go as it is" maxlength="500";
                                        button type="submit" { "Override" }
                                    }
                                }
                            }
                        }
                    } }
                }
            }
        }
    };
    Ok(html(StatusCode::OK, page(&title, Some(&nav), body)))
}

/// CAS adjustments as billing reads them: `CO-45 10.50 (description)`.
fn adjustments(list: &[records::AdjustmentAmount]) -> String {
    list.iter()
        .map(|a| {
            let described = claims::reason_description(&a.reason)
                .map(|d| format!(" ({d})"))
                .unwrap_or_default();
            format!(
                "{}-{} {}{described}",
                a.group,
                a.reason,
                money(a.amount_cents)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// An override as the claim page's form posts it.
#[derive(Debug, Default, Deserialize)]
struct OverrideForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    edit: String,
    #[serde(default)]
    reason: String,
}

/// `POST /claims/{id}/override`: lets a blocking edit through with its reason.
async fn override_edit(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<OverrideForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id(&id)?;
    claims_api::override_claim(&state, &principal, id, form.edit, form.reason).await?;
    Ok(Redirect::to(&format!("/claims/{id}")).into_response())
}

/// A form that names only its token (and, for a replacement, the frequency).
#[derive(Debug, Default, Deserialize)]
struct ClaimActionForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    frequency: String,
}

/// `POST /claims/{id}/scrub`: scrubs the claim again, back to its page.
async fn scrub_again(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<ClaimActionForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id(&id)?;
    claims_api::scrub_claim(&state, &principal, id).await?;
    Ok(Redirect::to(&format!("/claims/{id}#scrub")).into_response())
}

/// `POST /claims/{id}/replacement`: drafts the correction or void, and opens it.
async fn replacement(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<ClaimActionForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id(&id)?;
    let frequency = claims_api::parse_frequency(&form.frequency)?;
    let drafted = claims_api::replace_claim(&state, &principal, id, frequency).await?;
    Ok(Redirect::to(&format!("/claims/{}", drafted.meta.id)).into_response())
}

/// `GET /claims/denials`.
async fn denials(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> PageResult {
    let groups = claims_api::denials(&state, &principal).await?;
    let nav = nav(&state, &principal);
    let body = html! {
        (tabs())
        @if groups.is_empty() {
            p { "No claim is denied or rejected." }
        }
        @for group in &groups {
            section.denial {
                h2 { (group.reason) @if !group.description.is_empty() { ": " (group.description) } }
                p { (group.claims.len()) " claims, " (money(group.cents)) " billed" }
                (claim_table(&group.claims))
            }
        }
    };
    Ok(html(StatusCode::OK, page("Denials", Some(&nav), body)))
}

/// `GET /claims/aging`.
async fn aging(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> PageResult {
    let report = claims_api::aging(&state, &principal).await?;
    let nav = nav(&state, &principal);
    let body = html! {
        (tabs())
        p { "Owed by payers on " (day(report.as_of)) ": " (money(report.total_cents()))
            " · days in A/R: "
            @match report.days_in_ar { Some(days) => (format!("{days:.1}")), None => "none billed in the last 90 days" } }
        table.results {
            thead { tr { th { "Payer" } @for b in claims::AGING_BUCKETS { th.num { (b) " days" } } th.num { "Total" } } }
            tbody {
                @for payer in &report.payers { tr {
                    td { (payer.payer) }
                    @for cents in payer.cents { td.num { (money(cents)) } }
                    td.num { (money(payer.total_cents())) }
                } }
                tr.total { td { "All payers" } @for cents in report.totals { td.num { (money(cents)) } } td.num { (money(report.total_cents())) } }
            }
        }
    };
    Ok(html(
        StatusCode::OK,
        page("A/R aging by payer", Some(&nav), body),
    ))
}

/// The claim pages.
pub(crate) fn routes() -> Vec<Entry> {
    let billing = Access::Needs(Permission::ReadBilling);
    vec![
        route(
            Method::GET,
            "/claims",
            billing,
            true,
            "claims with their status",
            get(list),
        ),
        route(
            Method::GET,
            "/claims/denials",
            billing,
            true,
            "the denials queue by reason",
            get(denials),
        ),
        route(
            Method::GET,
            "/claims/aging",
            billing,
            false,
            "A/R aging by payer with days in A/R",
            get(aging),
        ),
        route(
            Method::POST,
            "/claims/submit",
            Access::Needs(Permission::WriteBilling),
            false,
            "send every scrubbed claim as 837 files to the claim outbox",
            post(submit),
        ),
        route(
            Method::POST,
            "/claims/{id}/override",
            Access::Needs(Permission::WriteBilling),
            false,
            "override a blocking scrub edit with the reason",
            post(override_edit),
        ),
        route(
            Method::POST,
            "/claims/{id}/scrub",
            Access::Needs(Permission::WriteBilling),
            false,
            "scrub a claim not yet sent again",
            post(scrub_again),
        ),
        route(
            Method::POST,
            "/claims/{id}/replacement",
            Access::Needs(Permission::WriteBilling),
            false,
            "draft a claim's correction (frequency 7) or void (8)",
            post(replacement),
        ),
        route(
            Method::GET,
            "/claims/{id}",
            billing,
            true,
            "a claim with its scrub results and the payer's decision",
            get(show),
        ),
    ]
    .into_iter()
    .chain(remittances::routes())
    .map(|entry| entry.on(Surface::Page))
    .chain(statements::routes())
    .collect()
}
