//! A patient's ledger (charges and postings with the balance after each) and the form
//! billing staff post a payment, adjustment or refund with. The ledger's arithmetic is
//! `records::ledger`; what a posting must carry (a reason code on an adjustment, a payer
//! when the payer paid) is the records model's validation.

use super::forms::{PageForm, PageResult, check_token, html};
use super::layout::{Nav, field_error, nav, page, token_field};
use super::text::{day, money};
use crate::auth::Principal;
use crate::error::WebError;
use crate::patients::{parse_id, read_chart};
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use privacy::{Action, DataCategory, Permission};
use records::ledger::{cents_from_text, ledger};
use records::{ChargeId, PatientId, Payer, PayerId, Posting, PostingKind, PostingSource};
use serde::Deserialize;
use store::Stored;

/// The posting form as typed.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PostingForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    payer_id: String,
    #[serde(default)]
    charge_id: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason_code: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    posted_on: String,
}

/// What a person reads for each form field; model paths map onto these.
const LABELS: super::fields::Labels = &[
    ("kind", "Kind"),
    ("source", "From"),
    ("payer_id", "Payer"),
    ("charge_id", "Charge"),
    ("amount", "Amount"),
    ("reason_code", "Reason code"),
    ("reference", "Reference"),
    ("posted_on", "Date posted"),
];

/// What the page shows besides the chart: the patient's payers, by name.
struct Account {
    chart: crate::patients::AllowedChart,
    payers: Vec<(i64, String)>,
}

async fn account(state: &AppState, principal: &Principal, id: i64) -> Result<Account, WebError> {
    let viewer = principal.clone();
    state
        .blocking(move |state| {
            let chart = read_chart(state, &viewer, id)?;
            if !chart.shows(DataCategory::Billing) {
                return Err(WebError::Forbidden(
                    "your roles do not allow reading this patient's account".into(),
                ));
            }
            let mut payer_ids: Vec<i64> = chart
                .summary
                .coverages
                .iter()
                .map(|c| c.record.payer_id.0)
                .chain(
                    chart
                        .summary
                        .postings
                        .iter()
                        .filter_map(|p| p.record.payer_id.map(|p| p.0)),
                )
                .collect();
            payer_ids.sort_unstable();
            payer_ids.dedup();
            let payers = state.store.read(|tx| {
                payer_ids
                    .iter()
                    .map(|payer| Ok((*payer, tx.get::<Payer>(*payer)?.record.name)))
                    .collect::<store::Result<Vec<_>>>()
            })?;
            Ok(Account { chart, payers })
        })
        .await
}

fn render(
    nav: &Nav,
    principal: &Principal,
    account: &Account,
    form: &PostingForm,
    errors: &[(String, String)],
    notice: Option<&str>,
) -> Markup {
    let summary = &account.chart.summary;
    let id = summary.patient.meta.id;
    let charges: Vec<(i64, &records::Charge)> = summary
        .charges
        .iter()
        .map(|c| (c.meta.id, &c.record))
        .collect();
    let postings: Vec<(i64, &Posting)> = summary
        .postings
        .iter()
        .map(|p| (p.meta.id, &p.record))
        .collect();
    let lines = ledger(&charges, &postings);
    let balance = &summary.balance;
    html! {
        @if let Some(notice) = notice { p.notice role="status" { (notice) } }
        p { a href={ "/patients/" (id) } { "Back to the chart" } " · "
            a href={ "/patients/" (id) "/statement" } { "Statement (print)" } " · "
            a href={ "/patients/" (id) "/statement.pdf" } { "Statement (PDF)" } }
        p.balance { "Charges " (money(balance.charges_cents)) ", payments " (money(balance.payments_cents))
            ", adjustments " (money(balance.adjustments_cents)) ", refunds " (money(balance.refunds_cents))
            "; " strong { "balance " (money(balance.balance_cents)) } }
        table.ledger {
            thead { tr { th { "Date" } th { "Entry" } th { "Description" } th.num { "Amount" } th.num { "Balance" } } }
            tbody {
                @for line in &lines {
                    tr { td { (day(line.date)) } td { (line.kind) " " (line.id) } td { (line.description) }
                         td.num { (money(line.effect_cents)) } td.num { (money(line.balance_cents)) } }
                }
                @if lines.is_empty() { tr { td colspan="5" { "No charges or postings." } } }
            }
        }
        @if principal.allows(Permission::WriteBilling) {
            section #post {
                h2 { "Post a payment, adjustment or refund" }
                (super::fields::summary(LABELS, errors))
                form.grid method="post" action={ "/patients/" (id) "/postings" } novalidate {
                    (token_field(nav))
                    div.field { label for="kind" { "Kind *" }
                        select #kind name="kind" { @for (value, words) in [("payment", "Payment"), ("adjustment", "Adjustment"), ("refund", "Refund")] {
                            option value=(value) selected[form.kind == value] { (words) } } }
                        (field_error(errors, "kind")) }
                    div.field { label for="source" { "From *" }
                        select #source name="source" { @for (value, words) in [("patient", "Patient or guarantor"), ("payer", "Payer")] {
                            option value=(value) selected[form.source == value] { (words) } } }
                        (field_error(errors, "source")) }
                    div.field { label for="payer_id" { "Payer" }
                        select #payer_id name="payer_id" { option value="" { "—" }
                            @for (payer, name) in &account.payers { option value=(payer) selected[form.payer_id == payer.to_string()] { (name) } } }
                        (field_error(errors, "payer_id")) }
                    div.field { label for="charge_id" { "Charge" }
                        select #charge_id name="charge_id" { option value="" { "On account" }
                            @for charge in summary.charges.iter().rev() {
                                option value=(charge.meta.id) selected[form.charge_id == charge.meta.id.to_string()] {
                                    (day(charge.record.service_date)) " " (charge.record.description) " " (money(charge.record.amount_cents)) } } }
                        (field_error(errors, "charge_id")) }
                    div.field { label for="amount" { "Amount *" } input #amount name="amount" inputmode="decimal" value=(form.amount) placeholder="e.g. 1,250.00"; (field_error(errors, "amount")) }
                    div.field { label for="reason_code" { "Reason code" } input #reason_code name="reason_code" value=(form.reason_code) placeholder="e.g. CO-45 (required for an adjustment)"; (field_error(errors, "reason_code")) }
                    div.field { label for="reference" { "Reference" } input #reference name="reference" value=(form.reference) placeholder="check, EFT trace or receipt"; (field_error(errors, "reference")) }
                    div.field { label for="posted_on" { "Date posted" } input #posted_on name="posted_on" type="date" value=(form.posted_on); (field_error(errors, "posted_on")) }
                    div.actions { button type="submit" { "Post" } }
                }
            }
        }
    }
}

/// `GET /patients/{id}/ledger`: the account, and the posting form for billing staff.
pub(crate) async fn show(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> PageResult {
    let id = parse_id(&id)?;
    let account = account(&state, &principal, id).await?;
    let nav = nav(&state, &principal);
    let notice = super::forms::id_in_query(query.as_deref(), "posted")
        .map(|posting| format!("Posting {posting} recorded."));
    let title = format!(
        "Ledger of {}",
        account.chart.summary.patient.record.display_name()
    );
    let write_offs = super::write_offs::ledger_section(
        &state,
        &principal,
        &nav,
        id,
        &account.chart.summary.charges,
    )
    .await?;
    let body = render(
        &nav,
        &principal,
        &account,
        &PostingForm::default(),
        &[],
        notice.as_deref(),
    );
    let body = maud::html! { (body) (write_offs) };
    Ok(html(StatusCode::OK, page(&title, Some(&nav), body)))
}

/// The posting the form describes, or every problem with it (form field, message).
fn parse(
    form: &PostingForm,
    patient: i64,
    today: time::Date,
) -> Result<Posting, Vec<(String, String)>> {
    let mut errors = Vec::new();
    let mut problem = |field: &str, message: String| errors.push((field.to_owned(), message));
    let kind = match form.kind.as_str() {
        "payment" => PostingKind::Payment,
        "adjustment" => PostingKind::Adjustment,
        "refund" => PostingKind::Refund,
        other => {
            problem(
                "kind",
                format!("\"{other}\" is not payment, adjustment or refund"),
            );
            PostingKind::Payment
        }
    };
    let source = match form.source.as_str() {
        "payer" => PostingSource::Payer,
        "patient" => PostingSource::Patient,
        other => {
            problem("source", format!("\"{other}\" is not patient or payer"));
            PostingSource::Patient
        }
    };
    let id_of = |text: &str| text.trim().parse::<i64>().ok().filter(|id| *id > 0);
    let payer_id = match form.payer_id.trim() {
        "" => None,
        text => id_of(text).map(PayerId).or_else(|| {
            problem("payer_id", format!("\"{text}\" is not a payer"));
            None
        }),
    };
    let charge_id = match form.charge_id.trim() {
        "" => None,
        text => id_of(text).map(ChargeId).or_else(|| {
            problem("charge_id", format!("\"{text}\" is not a charge"));
            None
        }),
    };
    let amount_cents = cents_from_text(&form.amount).unwrap_or_else(|| {
        problem(
            "amount",
            format!(
                "\"{}\" is not an amount in dollars and cents",
                form.amount.trim()
            ),
        );
        1
    });
    let posted_on = match form.posted_on.trim() {
        "" => today,
        text => store::Value::Text(text.to_owned())
            .as_date()
            .unwrap_or_else(|| {
                problem(
                    "posted_on",
                    format!("\"{text}\" is not a date (YYYY-MM-DD)"),
                );
                today
            }),
    };
    let text = |value: &str| Some(value.trim().to_owned()).filter(|v| !v.is_empty());
    let posting = Posting {
        patient_id: PatientId(patient),
        charge_id,
        kind,
        source,
        payer_id,
        posted_on,
        amount_cents,
        reason_code: text(&form.reason_code).map(|code| code.to_ascii_uppercase()),
        reference: text(&form.reference),
    };
    if let Err(problems) = records::Validate::validate_write(&posting, None, today) {
        for error in problems.0 {
            let field = if error.path == "amount_cents" {
                "amount".to_owned()
            } else {
                error.path
            };
            if !errors.iter().any(|(f, _)| *f == field) {
                errors.push((field, error.message));
            }
        }
    }
    if errors.is_empty() {
        Ok(posting)
    } else {
        Err(errors)
    }
}

/// `POST /patients/{id}/postings`: records the posting with its audit entry, or shows the
/// ledger again with every problem (nothing posted).
pub(crate) async fn post(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<PostingForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id(&id)?;
    let today = state.store.clock().now().date();
    let posting = match parse(&form, id, today) {
        Ok(posting) => posting,
        Err(errors) => {
            let account = account(&state, &principal, id).await?;
            let nav = nav(&state, &principal);
            let title = format!(
                "Ledger of {}",
                account.chart.summary.patient.record.display_name()
            );
            let body = render(&nav, &principal, &account, &form, &errors, None);
            return Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                page(&title, Some(&nav), body),
            ));
        }
    };
    let stored: Stored<Posting> = state
        .blocking(move |state| {
            Ok(state.trail.write(&state.store, |audited| {
                let actor = store::Actor::new(format!("user:{}", principal.username));
                let stored = audited.records().create(&actor, &posting)?;
                let event = principal
                    .event(audited.now(), Action::Create)
                    .patient(PatientId(id))
                    .record("posting", stored.meta.id)
                    .categories(&[DataCategory::Billing]);
                audited.append(&event)?;
                Ok(stored)
            })?)
        })
        .await?;
    Ok(Redirect::to(&format!("/patients/{id}/ledger?posted={}", stored.meta.id)).into_response())
}
