//! Write-offs with approval: billing asks from a patient's ledger (amount, charge, reason
//! code, why); the request waits on the start page of those who may approve write-offs,
//! and moves the balance only when someone other than the requester approves it (the
//! adjustment is posted in the same transaction) or is refused with a reason. The rules
//! are `records::WriteOffRequest`'s; every step is versioned and audited.

use super::fields::{Labels, summary_in};
use super::forms::{PageForm, PageResult, check_token, html, version_of};
use super::layout::{Nav, field_error, nav, page, token_field};
use super::text::{at_facility, day, money};
use crate::auth::Principal;
use crate::error::WebError;
use crate::patients::parse_id;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use privacy::{Action, DataCategory, Permission};
use records::{ChargeId, Patient, PatientId, Posting, WriteOffRequest, WriteOffStatus};
use serde::Deserialize;
use store::Stored;

const LABELS: Labels = &[
    ("charge_id", "Charge"),
    ("amount", "Amount"),
    ("reason_code", "Reason code"),
    ("justification", "Why"),
];

/// Most pending requests listed on the start page.
const LISTED: i64 = 50;

/// The request form as posted.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RequestForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    charge_id: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason_code: String,
    #[serde(default)]
    justification: String,
}

fn request_form(
    nav: &Nav,
    patient: i64,
    charges: &[Stored<records::Charge>],
    form: &RequestForm,
    errors: &[(String, String)],
) -> Markup {
    html! {
        (summary_in(LABELS, errors, "wo-"))
        form.grid method="post" action={ "/patients/" (patient) "/write-offs" } novalidate {
            (token_field(nav))
            div.field { label for="wo-charge_id" { "Charge" }
                select #wo-charge_id name="charge_id" { option value="" { "On account" }
                    @for charge in charges.iter().rev() {
                        option value=(charge.meta.id) selected[form.charge_id == charge.meta.id.to_string()] {
                            (day(charge.record.service_date)) " " (charge.record.description) " " (money(charge.record.amount_cents)) } } }
                (field_error(errors, "charge_id")) }
            div.field { label for="wo-amount" { "Amount *" }
                input #wo-amount name="amount" inputmode="decimal" value=(form.amount) placeholder="e.g. 25.00"; (field_error(errors, "amount")) }
            div.field { label for="wo-reason_code" { "Reason code *" }
                input #wo-reason_code name="reason_code" value=(form.reason_code) placeholder="e.g. OA-45 or PR-1"; (field_error(errors, "reason_code")) }
            div.field { label for="wo-justification" { "Why *" }
                input #wo-justification name="justification" value=(form.justification) maxlength="500" placeholder="e.g. small-balance policy"; (field_error(errors, "justification")) }
            div.actions { button type="submit" { "Ask for approval" } }
        }
    }
}

/// The write-off part of a patient's ledger: the requests and their state, and the form
/// for billing staff.
pub(crate) async fn ledger_section(
    state: &AppState,
    principal: &Principal,
    nav: &Nav,
    patient: i64,
    charges: &[Stored<records::Charge>],
) -> Result<Markup, WebError> {
    let requests = state
        .blocking(move |state| {
            Ok(state
                .store
                .read(|tx| tx.for_patient::<WriteOffRequest>(patient))?)
        })
        .await?;
    Ok(html! {
        section #write-offs {
            h2 { "Write-offs" }
            @if !requests.is_empty() {
                table {
                    thead { tr { th { "Asked" } th { "By" } th.num { "Amount" } th { "Reason" } th { "Status" } } }
                    tbody { @for r in requests.iter().rev() { tr {
                        td { (at_facility(&nav.zone, r.record.requested_at)) }
                        td { (r.record.requested_by) }
                        td.num { (money(r.record.amount_cents)) }
                        td { (r.record.reason_code) " " (r.record.justification) }
                        td { (status_words(&r.record)) }
                    } } }
                }
            }
            @if principal.allows(Permission::WriteBilling) {
                p { "A write-off moves the balance only when another person who may approve write-offs approves it." }
                (request_form(nav, patient, charges, &RequestForm::default(), &[]))
            }
        }
    })
}

fn status_words(request: &WriteOffRequest) -> String {
    let by = request.decided_by.as_deref().unwrap_or("");
    match request.status {
        WriteOffStatus::Pending => "Awaiting approval".to_owned(),
        WriteOffStatus::Approved => format!("Approved by {by}; posted"),
        WriteOffStatus::Refused => format!(
            "Refused by {by}: {}",
            request.decision_reason.as_deref().unwrap_or("")
        ),
    }
}

/// `POST /patients/{id}/write-offs`: the request, pending, audited; or the form again
/// with every problem.
pub(crate) async fn request(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<RequestForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id(&id)?;
    let mut errors = Vec::new();
    let charge_id = match form.charge_id.trim() {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(charge) if charge > 0 => Some(ChargeId(charge)),
            _ => {
                errors.push((
                    "charge_id".to_owned(),
                    format!("\"{text}\" is not a charge"),
                ));
                None
            }
        },
    };
    let amount = records::ledger::cents_from_text(&form.amount);
    if amount.is_none() {
        errors.push((
            "amount".to_owned(),
            format!(
                "\"{}\" is not an amount in dollars and cents",
                form.amount.trim()
            ),
        ));
    }
    let now = state.store.clock().now();
    let built = WriteOffRequest::request(
        PatientId(id),
        charge_id,
        amount.unwrap_or(1),
        &form.reason_code,
        &form.justification,
        &principal.username,
        now,
    );
    if let Err(problems) = &built {
        for error in &problems.0 {
            let field = if error.path == "amount_cents" {
                "amount"
            } else {
                &error.path
            };
            if !errors.iter().any(|(f, _)| f == field) {
                errors.push((field.to_owned(), error.message.clone()));
            }
        }
    }
    let (Ok(built), true) = (built, errors.is_empty()) else {
        let (patient, charges) = state
            .blocking(move |state| {
                Ok(state.store.read(|tx| {
                    Ok((
                        tx.get::<Patient>(id)?,
                        tx.for_patient::<records::Charge>(id)?,
                    ))
                })?)
            })
            .await?;
        let nav = nav(&state, &principal);
        let title = format!("Write-off for {}", patient.record.display_name());
        let body = request_form(&nav, id, &charges, &form, &errors);
        return Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            page(&title, Some(&nav), body),
        ));
    };
    state
        .blocking(move |state| {
            Ok(state.trail.write(&state.store, |audited| {
                let actor = store::Actor::new(format!("user:{}", principal.username));
                let stored = audited.records().create(&actor, &built)?;
                let event = principal
                    .event(audited.now(), Action::Create)
                    .patient(PatientId(id))
                    .record(
                        <WriteOffRequest as records::RecordKind>::KIND,
                        stored.meta.id,
                    )
                    .categories(&[DataCategory::Billing])
                    .reason("write-off requested");
                audited.append(&event)
            })?)
        })
        .await?;
    Ok(Redirect::to(&format!("/patients/{id}/ledger#write-offs")).into_response())
}

/// The "Write-offs awaiting approval" start-page section for those who may approve them
/// (listing them is an audited look at each account); empty markup for others.
pub(crate) async fn start_section(
    state: &AppState,
    principal: &Principal,
) -> Result<Markup, WebError> {
    if !principal.allows(Permission::ApproveWriteOffs) {
        return Ok(html! {});
    }
    let viewer = principal.clone();
    let pending = state
        .blocking(move |state| {
            let pending = state.store.read(|tx| {
                tx.select::<WriteOffRequest>(
                    "status = ?",
                    &[store::Value::Text("pending".into())],
                    "requested_at",
                    LISTED,
                )?
                .into_iter()
                .map(|r| Ok((tx.get::<Patient>(r.record.patient_id.0)?, r)))
                .collect::<store::Result<Vec<_>>>()
            })?;
            let mut listed: Vec<i64> = pending.iter().map(|(p, _)| p.meta.id).collect();
            listed.dedup();
            let categories = [DataCategory::Demographics, DataCategory::Billing];
            crate::patients::audit_listed(
                state,
                &viewer,
                &listed,
                &categories,
                "write-offs awaiting approval",
            )?;
            Ok(pending)
        })
        .await?;
    let token = super::forms::token(state, principal);
    Ok(html! {
        section #write-offs-pending {
            h2 { "Write-offs awaiting approval" }
            @if pending.is_empty() {
                p { "None waiting." }
            } @else {
                table.results {
                    thead { tr { th { "Patient" } th.num { "Amount" } th { "Reason" } th { "Asked by" } th { "Decision" } } }
                    tbody {
                        @for (patient, r) in &pending {
                            tr id={ "write-off-" (r.meta.id) } {
                                td { a href={ "/patients/" (patient.meta.id) "/ledger#write-offs" } { (patient.record.display_name()) } }
                                td.num { (money(r.record.amount_cents)) }
                                td { (r.record.reason_code) " " (r.record.justification) }
                                td { (r.record.requested_by) " · " (at_facility(&state.config.time_zone, r.record.requested_at)) }
                                td {
                                    @if r.record.requested_by == principal.username {
                                        "Yours: another approver decides."
                                    } @else {
                                        (decision_form(&token, r))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    })
}

fn decision_form(token: &str, request: &Stored<WriteOffRequest>) -> Markup {
    let id = request.meta.id;
    html! {
        form.inline method="post" action={ "/write-offs/" (id) "/decision" } {
            input type="hidden" name="token" value=(token);
            input type="hidden" name="version" value=(request.meta.version);
            button type="submit" name="decision" value="approve" { "Approve" }
        }
        details.inline {
            summary { "Refuse" }
            form.inline method="post" action={ "/write-offs/" (id) "/decision" } {
                input type="hidden" name="token" value=(token);
                input type="hidden" name="version" value=(request.meta.version);
                input type="hidden" name="decision" value="refuse";
                label for={ "refuse-" (id) } { "Reason" }
                input id={ "refuse-" (id) } name="reason" required maxlength="500";
                button type="submit" { "Refuse write-off" }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct DecisionForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

/// `POST /write-offs/{id}/decision`: approve (the adjustment is posted with it, in one
/// transaction) or refuse with a reason; never by the requester.
pub(crate) async fn decide(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<DecisionForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id(&id)?;
    let version = version_of(&form.version)?;
    let approve = match form.decision.as_str() {
        "approve" => true,
        "refuse" => false,
        other => {
            return Err(
                WebError::bad("decision", format!("\"{other}\" is not approve or refuse")).into(),
            );
        }
    };
    state
        .blocking(move |state| {
            Ok(state.trail.write(&state.store, |audited| {
                let now = audited.now();
                let actor = store::Actor::new(format!("user:{}", principal.username));
                let current = audited.records().get::<WriteOffRequest>(id)?;
                let patient = current.record.patient_id;
                let invalid = |errors| store::Error::Invalid {
                    kind: "write-off",
                    errors,
                };
                let decided = if approve {
                    current
                        .record
                        .may_approve(&principal.username, now)
                        .map_err(invalid)?;
                    let posting: Posting = current.record.posting(now.date());
                    let posted = audited.records().create(&actor, &posting)?;
                    let event = principal
                        .event(now, Action::Create)
                        .patient(patient)
                        .record("posting", posted.meta.id)
                        .categories(&[DataCategory::Billing])
                        .reason("write-off approved");
                    audited.append(&event)?;
                    current
                        .record
                        .approved(&principal.username, now, records::PostingId(posted.meta.id))
                        .map_err(invalid)?
                } else {
                    current
                        .record
                        .refused(&principal.username, now, &form.reason)
                        .map_err(invalid)?
                };
                audited.records().update(&actor, id, version, &decided)?;
                let event = principal
                    .event(now, Action::Update)
                    .patient(patient)
                    .record(<WriteOffRequest as records::RecordKind>::KIND, id)
                    .categories(&[DataCategory::Billing])
                    .reason(if approve {
                        "write-off approved"
                    } else {
                        "write-off refused"
                    });
                audited.append(&event)
            })?)
        })
        .await?;
    Ok(Redirect::to("/#write-offs-pending").into_response())
}
