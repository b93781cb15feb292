//! The audit report (who looked at or changed what, filtered by patient, user, dates and
//! action), chain verification, and the emergency-access review list.

use super::forms::{PageForm, PageResult, Refusal, check_token, html};
use super::layout::{Nav, field_error, nav, page, token_field};
use super::text::instant;
use crate::auth::Principal;
use crate::error::WebError;
use crate::state::AppState;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use maud::{Markup, html};
use privacy::{Action, AuditEntry, Channel, DataCategory, Outcome};
use records::PatientId;
use serde::Deserialize;
use store::AuditFilter;
use time::Duration;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct FilterForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    patient_id: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    outcome: String,
    /// `csv` exports the matching entries instead of showing them.
    #[serde(default)]
    export: String,
}

/// A filter that is one of `values` or any.
fn choice(
    name: &str,
    label: &str,
    values: &[&str],
    chosen: &str,
    errors: &[(String, String)],
) -> Markup {
    html! {
        div.field {
            label for=(name) { (label) }
            select id=(name) name=(name) {
                option value="" { "any" }
                @for value in values {
                    option value=(value) selected[chosen == *value] { (value) }
                }
            }
            (field_error(errors, name))
        }
    }
}

fn filter_form(nav: &Nav, form: &FilterForm, errors: &[(String, String)]) -> Markup {
    html! {
        form.filters method="post" action="/audit" {
            (token_field(nav))
            div.field { label for="patient_id" { "Patient id" } input #patient_id name="patient_id" inputmode="numeric" value=(form.patient_id); (field_error(errors, "patient_id")) }
            div.field { label for="user" { "User" } input #user name="user" value=(form.user); }
            div.field { label for="since" { "From (date)" } input #since name="since" type="date" value=(form.since); (field_error(errors, "since")) }
            div.field { label for="until" { "To (date, inclusive)" } input #until name="until" type="date" value=(form.until); (field_error(errors, "until")) }
            (choice("action", "Action", &Action::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>(), &form.action, errors))
            (choice("channel", "Channel", &Channel::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>(), &form.channel, errors))
            (choice("outcome", "Outcome", &Outcome::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>(), &form.outcome, errors))
            button type="submit" { "Show" }
            button type="submit" name="export" value="csv" { "Export CSV" }
        }
        form.inline method="post" action="/audit/verify" {
            (token_field(nav))
            button type="submit" { "Verify the audit chain" }
        }
    }
}

fn entries_table(entries: &[AuditEntry]) -> Markup {
    html! {
        p { (entries.len()) " entries, newest first." }
        div.scroll { table.audit {
            thead { tr { th { "#" } th { "When" } th { "User" } th { "Action" } th { "Outcome" } th { "Channel" } th { "Patient" } th { "Record" } th { "Categories" } th { "Reason / values" } } }
            tbody {
                @for entry in entries.iter().rev() {
                    @let e = &entry.event;
                    tr.{ "outcome-" (e.outcome.as_str()) } {
                        td { (entry.seq) }
                        td.when { (instant(e.at)) }
                        td { (e.user) }
                        td { (e.action.as_str()) }
                        td { (e.outcome.as_str()) }
                        td { (e.channel.as_str()) }
                        td { (e.all_patients().iter().map(|p| p.0.to_string()).collect::<Vec<_>>().join(", ")) }
                        td { @if let (Some(kind), Some(id)) = (&e.record_kind, e.record_id) { (kind) " " (id) } }
                        td { (DataCategory::to_list(&e.categories).replace(',', ", ")) }
                        td {
                            @if let Some(reason) = &e.reason { div { (reason) } }
                            @if let Some(old) = &e.old_values { div { "was " code { (old) } } }
                            @if let Some(new) = &e.new_values { div { "now " code { (new) } } }
                        }
                    }
                }
            }
        } }
    }
}

async fn report_page(state: &AppState, principal: &Principal, form: FilterForm) -> PageResult {
    let nav = nav(state, principal);
    let mut errors = Vec::new();
    let patient_id = match form.patient_id.trim() {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(id) if id > 0 => Some(PatientId(id)),
            _ => {
                errors.push((
                    "patient_id".to_owned(),
                    format!("\"{text}\" is not a patient id"),
                ));
                None
            }
        },
    };
    let mut day = |field: &str, text: &str| match text.trim() {
        "" => None,
        text => match store::Value::Text(text.to_owned()).as_date() {
            Some(date) => Some(date.midnight().assume_utc()),
            None => {
                errors.push((
                    field.to_owned(),
                    format!("\"{text}\" is not a date (YYYY-MM-DD)"),
                ));
                None
            }
        },
    };
    let since = day("since", &form.since);
    let until = day("until", &form.until).map(|at| at + Duration::days(1));
    let action = match form.action.trim() {
        "" => None,
        text => match Action::parse(text) {
            Some(action) => Some(action),
            None => {
                errors.push((
                    "action".to_owned(),
                    format!("\"{text}\" is not an audited action"),
                ));
                None
            }
        },
    };
    let channel = match form.channel.trim() {
        "" => None,
        text => Channel::parse(text).or_else(|| {
            errors.push(("channel".to_owned(), format!("\"{text}\" is not a channel")));
            None
        }),
    };
    let outcome = match form.outcome.trim() {
        "" => None,
        text => Outcome::parse(text).or_else(|| {
            errors.push((
                "outcome".to_owned(),
                format!("\"{text}\" is not success, denied or failure"),
            ));
            None
        }),
    };
    if !errors.is_empty() {
        let body = filter_form(&nav, &form, &errors);
        return Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            page("Audit report", Some(&nav), body),
        ));
    }
    let filter = AuditFilter {
        patient_id,
        user: Some(form.user.trim().to_owned()).filter(|u| !u.is_empty()),
        since,
        until,
        action,
        channel,
        outcome,
        limit: Some(500),
    };
    let export = form.export == "csv";
    let exporter = principal.clone();
    let entries = state
        .blocking(move |state| {
            let entries = state.store.audit_entries(&filter)?;
            if export {
                let event = exporter
                    .event(state.store.clock().now(), Action::Export)
                    .reason(&format!("audit report CSV ({} entries)", entries.len()));
                state.trail.record(&state.store, &event)?;
            } else {
                crate::audit_api::record_report_view(state, &exporter, &filter, entries.len())?;
            }
            Ok(entries)
        })
        .await?;
    if export {
        return Ok(csv_response(&entries)?);
    }
    let body = html! {
        (filter_form(&nav, &form, &[]))
        (entries_table(&entries))
    };
    Ok(html(StatusCode::OK, page("Audit report", Some(&nav), body)))
}

/// `GET /audit`: the newest entries.
pub(crate) async fn report(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> PageResult {
    report_page(&state, &principal, FilterForm::default()).await
}

/// `POST /audit`: entries matching the filters (which travel in the body).
pub(crate) async fn filtered(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    PageForm(form): PageForm<FilterForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    report_page(&state, &principal, form).await
}

/// `POST /audit/verify`: recomputes every entry's MAC and the chain against the head.
pub(crate) async fn verify(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    PageForm(form): PageForm<FilterForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let outcome = crate::audit_api::verify_audited(&state, principal.clone())
        .await?
        .map(|v| (v.entries, v.head.seq))
        .map_err(|tamper| tamper.to_string());
    let nav = nav(&state, &principal);
    let (status, verdict) = match &outcome {
        Ok((entries, head)) => (
            StatusCode::OK,
            html! { p.ok role="status" #verdict { "The audit trail is intact: " (entries) " entries, head at #" (head) "." } },
        ),
        Err(problem) => (
            StatusCode::OK,
            html! { p.error role="alert" #verdict { "The audit trail has been tampered with: " (problem) } },
        ),
    };
    let body = html! {
        (verdict)
        (filter_form(&nav, &FilterForm::default(), &[]))
    };
    Ok(html(status, page("Audit report", Some(&nav), body)))
}

/// `GET /break-glass`: emergency grants of the last 90 days, newest first.
pub(crate) async fn break_glass_review(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> PageResult {
    let grants = state
        .blocking(|state| {
            let since = state.store.clock().now() - Duration::days(90);
            Ok(state.store.security(|s| s.grants_since(since))?)
        })
        .await
        .map_err(Refusal)?;
    let nav = nav(&state, &principal);
    let body = html! {
        p { "Every chart opened by breaking the glass in the last 90 days. Check each reason against the user's duties; the audit report shows what they looked at." }
        table.grants {
            thead { tr { th { "Granted" } th { "Until" } th { "User" } th { "Patient" } th { "Reason" } } }
            tbody {
                @for g in &grants {
                    tr {
                        td { (instant(g.grant.granted_at)) }
                        td { (instant(g.grant.expires_at)) }
                        td { (g.grant.username) }
                        td { (g.grant.patient_id.0) }
                        td { (g.grant.reason) }
                    }
                }
                @if grants.is_empty() { tr { td colspan="5" { "No emergency access in this period." } } }
            }
        }
    };
    Ok(html(
        StatusCode::OK,
        page("Emergency access review", Some(&nav), body),
    ))
}

/// The entries as CSV, in the columns every audit export uses.
fn csv_response(entries: &[AuditEntry]) -> Result<axum::response::Response, WebError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let written: Result<(), csv::Error> = (|| {
        writer.write_record(privacy::AUDIT_COLUMNS)?;
        for entry in entries {
            writer.write_record(privacy::audit_row(entry))?;
        }
        writer.flush()?;
        Ok(())
    })();
    written.map_err(WebError::internal)?;
    let bytes = writer.into_inner().map_err(WebError::internal)?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"chartroom-audit.csv\"",
            ),
        ],
        bytes,
    )
        .into_response())
}
