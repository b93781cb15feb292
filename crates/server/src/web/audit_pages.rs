//! The audit report (who looked at or changed what, filtered by patient, user, dates and
//! action), chain verification, and the emergency-access review list.

use super::forms::{PageForm, PageResult, check_token, html};
use super::layout::{Nav, field_error, nav, page, token_field};
use super::text::at_facility;
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
use store::{AuditFilter, AuditPage, AuditSort};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct FilterForm {
    #[serde(default)]
    token: String,
    /// The patient's MRN, or their record id.
    #[serde(default)]
    patient: String,
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
    /// The column sorted by (`seq`, `user`, ...) and `asc` or `desc`.
    #[serde(default)]
    sort: String,
    #[serde(default)]
    dir: String,
    /// The page shown, from 1.
    #[serde(default)]
    page: String,
    /// The newest entry the report began with, so its pages stay put.
    #[serde(default)]
    through: String,
    /// A move within the report: `page-N`, or `sort-COLUMN-DIR` (which goes to page 1).
    #[serde(default)]
    go: String,
}

/// Entries on one page of the report.
const PER_PAGE: i64 = 50;
/// The writes of an entry listed one by one; the rest are counted (the CSV has them all).
const WRITES_SHOWN: usize = 10;

/// The report's columns: what a header sorts by, and its heading.
const COLUMNS: &[(Option<AuditSort>, &str)] = &[
    (Some(AuditSort::Seq), "#"),
    (Some(AuditSort::At), "When"),
    (Some(AuditSort::User), "User"),
    (Some(AuditSort::Action), "Action"),
    (Some(AuditSort::Outcome), "Outcome"),
    (Some(AuditSort::Channel), "Channel"),
    (Some(AuditSort::Patient), "Patient"),
    (Some(AuditSort::Record), "Record"),
    (Some(AuditSort::Categories), "Categories"),
    (Some(AuditSort::Reason), "Reason / values"),
];

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
            div.field { label for="patient" { "Patient (MRN or record id)" } input #patient name="patient" value=(form.patient); (field_error(errors, "patient")) }
            div.field { label for="user" { "User" } input #user name="user" value=(form.user); }
            div.field { label for="since" { "From (date)" } input #since name="since" type="date" value=(form.since) aria-invalid=[invalid(errors, "since")]; (field_error(errors, "since")) }
            div.field { label for="until" { "To (date, inclusive)" } input #until name="until" type="date" value=(form.until) aria-invalid=[invalid(errors, "until")]; (field_error(errors, "until")) }
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

fn invalid(errors: &[(String, String)], field: &str) -> Option<&'static str> {
    errors.iter().any(|(f, _)| f == field).then_some("true")
}

/// Where the report stands: its sort, page and the newest entry it covers.
struct Place {
    sort: AuditSort,
    ascending: bool,
    page: i64,
    through_seq: i64,
    total: i64,
}

/// The hidden form the sort and page buttons submit: the filters as shown, the place.
fn report_nav(nav: &Nav, form: &FilterForm, place: &Place) -> Markup {
    html! {
        form #report-nav method="post" action="/audit" hidden {
            (token_field(nav))
            @for (name, value) in [("patient", &form.patient), ("user", &form.user), ("since", &form.since),
                ("until", &form.until), ("action", &form.action), ("channel", &form.channel), ("outcome", &form.outcome)] {
                input type="hidden" name=(name) value=(value);
            }
            input type="hidden" name="sort" value=(place.sort.as_str());
            input type="hidden" name="dir" value=(if place.ascending { "asc" } else { "desc" });
            input type="hidden" name="page" value=(place.page);
            input type="hidden" name="through" value=(place.through_seq);
        }
    }
}

fn entries_table(
    zone: &crate::zone::FacilityZone,
    entries: &[AuditEntry],
    place: &Place,
) -> Markup {
    let n_pages = (place.total + PER_PAGE - 1) / PER_PAGE;
    let first = (place.page - 1) * PER_PAGE + 1;
    let pager = html! {
        @if n_pages > 1 {
            nav.pages aria-label="Report pages" {
                @if place.page > 1 { button.link form="report-nav" name="go" value={ "page-" (place.page - 1) } rel="prev" { "Newer" } " " }
                "Page " (place.page) " of " (n_pages)
                @if place.page < n_pages { " " button.link form="report-nav" name="go" value={ "page-" (place.page + 1) } rel="next" { "Older" } }
            }
        }
    };
    html! {
        p #report-count {
            @if entries.is_empty() { "No entries match." }
            @else { "Entries " (first) "–" (first - 1 + entries.len() as i64) " of " (place.total) " (through #" (place.through_seq) "), sorted by " (sort_words(place.sort)) (if place.ascending { ", smallest first" } else if matches!(place.sort, AuditSort::Seq | AuditSort::At) { ", newest first" } else { ", largest first" }) "." }
        }
        (pager)
        div.scroll { table.audit {
            thead { tr {
                @for (sort, heading) in COLUMNS {
                    @match sort {
                        Some(sort) => {
                            @let current = *sort == place.sort;
                            @let next = if current { !place.ascending } else { !matches!(sort, AuditSort::Seq | AuditSort::At) };
                            th aria-sort=[current.then_some(if place.ascending { "ascending" } else { "descending" })] {
                                button.link form="report-nav" name="go" value={ "sort-" (sort.as_str()) "-" (if next { "asc" } else { "desc" }) }
                                    title={ "Sort by " (heading) } { (heading) @if current { (if place.ascending { " ▲" } else { " ▼" }) } }
                            }
                        }
                        None => { th { (heading) } }
                    }
                }
            } }
            tbody {
                @for entry in entries {
                    @let e = &entry.event;
                    tr.{ "outcome-" (e.outcome.as_str()) } {
                        td { (entry.seq) }
                        td.when { (at_facility(zone, e.at)) }
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
                            @if let Some(writes) = &e.writes {
                                @match store::WritesSummary::of(writes, WRITES_SHOWN) {
                                    Some(summary) => {
                                        div.writes {
                                            (summary.headline())
                                            ol { @for note in &summary.first { li { code { (note.describe()) } } } }
                                            @if summary.more() > 0 { (summary.more()) " more (every write is in the CSV export)" }
                                        }
                                    }
                                    None => { div { "wrote " code { (writes) } } }
                                }
                            }
                        }
                    }
                }
            }
        } }
        (pager)
    }
}

fn sort_words(sort: AuditSort) -> &'static str {
    match sort {
        AuditSort::Seq => "entry",
        AuditSort::User => "user",
        AuditSort::Action => "action",
        AuditSort::Outcome => "outcome",
        AuditSort::Channel => "channel",
        AuditSort::Patient => "patient",
        AuditSort::At => "time",
        AuditSort::Record => "record",
        AuditSort::Categories => "categories",
        AuditSort::Reason => "reason",
    }
}

/// The patient a filter names: by MRN first, else by record id.
fn patient_named(state: &AppState, text: &str) -> Result<Option<PatientId>, WebError> {
    let by_mrn = state.store.read(|tx| {
        tx.select::<records::Patient>("mrn = ?", &[store::Value::from(text)], "id", 1)
    })?;
    if let Some(patient) = by_mrn.first() {
        return Ok(Some(PatientId(patient.meta.id)));
    }
    Ok(text.parse::<i64>().ok().filter(|id| *id > 0).map(PatientId))
}

/// The report's place from the form: its sort, page and the entry it began at, with
/// a move (`go`) applied.
fn place_of(form: &FilterForm) -> (AuditSort, bool, i64, Option<i64>) {
    let mut sort = AuditSort::parse(form.sort.trim()).unwrap_or_default();
    let mut ascending = form.dir == "asc";
    let mut page = form.page.trim().parse::<i64>().unwrap_or(1).max(1);
    let through = form.through.trim().parse::<i64>().ok();
    if let Some(to) = form.go.strip_prefix("page-") {
        page = to.parse::<i64>().unwrap_or(1).max(1);
    } else if let Some(rest) = form.go.strip_prefix("sort-")
        && let Some((column, dir)) = rest.rsplit_once('-')
        && let Some(column) = AuditSort::parse(column)
    {
        sort = column;
        ascending = dir == "asc";
        page = 1;
    }
    (sort, ascending, page, through)
}

async fn report_page(state: &AppState, principal: &Principal, form: FilterForm) -> PageResult {
    let nav = nav(state, principal);
    let zone = state.config.time_zone.clone();
    let mut errors = Vec::new();
    let patient_text = form.patient.trim().to_owned();
    let patient_id = match patient_text.as_str() {
        "" => None,
        text => {
            let text = text.to_owned();
            let found = state
                .blocking(move |state| patient_named(state, &text))
                .await?;
            if found.is_none() {
                errors.push((
                    "patient".to_owned(),
                    format!("no patient has the MRN \"{patient_text}\", and it is not a record id"),
                ));
            }
            found
        }
    };
    // Dates are days on the facility's clock.
    let mut day = |field: &str, text: &str| match text.trim() {
        "" => None,
        text => match store::Value::Text(text.to_owned()).as_date() {
            Some(date) => Some(date),
            None => {
                errors.push((
                    field.to_owned(),
                    format!("\"{text}\" is not a date (YYYY-MM-DD)"),
                ));
                None
            }
        },
    };
    let since_day = day("since", &form.since);
    let until_day = day("until", &form.until);
    if let (Some(since), Some(until)) = (since_day, until_day)
        && until < since
    {
        errors.push((
            "until".to_owned(),
            format!("the To date ({until}) is before the From date ({since}); nothing could match"),
        ));
    }
    let since = since_day.map(|date| zone.from_local(date.midnight()));
    let until = until_day
        .and_then(|date| date.next_day())
        .map(|date| zone.from_local(date.midnight()));
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
        let body = html! {
            (super::fields::summary_saying("The report was not run. Correct these filters:", FILTER_LABELS, &errors, ""))
            (filter_form(&nav, &form, &errors))
        };
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
    if export {
        let entries = state
            .blocking(move |state| {
                let entries = state.store.audit_entries(&filter)?;
                let event = exporter
                    .event(state.store.clock().now(), Action::Export)
                    .reason(&format!("audit report CSV ({} entries)", entries.len()));
                state.trail.record(&state.store, &event)?;
                Ok(entries)
            })
            .await?;
        return Ok(csv_response(&entries)?);
    }
    let (sort, ascending, page_number, through_seq) = place_of(&form);
    let asked = AuditPage {
        sort,
        ascending,
        offset: (page_number - 1).saturating_mul(PER_PAGE),
        limit: PER_PAGE,
        through_seq,
    };
    let rows = state
        .blocking(move |state| {
            let mut rows = state.store.audit_page(&filter, &asked)?;
            // A page past the end (the filters narrowed meanwhile) shows the last one.
            if rows.entries.is_empty() && rows.total > 0 && asked.offset > 0 {
                let last = (rows.total - 1) / PER_PAGE;
                rows = state.store.audit_page(
                    &filter,
                    &AuditPage {
                        offset: last * PER_PAGE,
                        through_seq: Some(rows.through_seq),
                        ..asked
                    },
                )?;
            }
            crate::audit_api::record_report_view(state, &exporter, &filter, rows.entries.len())?;
            Ok(rows)
        })
        .await?;
    let place = Place {
        sort,
        ascending,
        page: page_number.min(((rows.total + PER_PAGE - 1) / PER_PAGE).max(1)),
        through_seq: rows.through_seq,
        total: rows.total,
    };
    let body = html! {
        (filter_form(&nav, &form, &[]))
        (report_nav(&nav, &form, &place))
        (entries_table(&zone, &rows.entries, &place))
    };
    Ok(html(StatusCode::OK, page("Audit report", Some(&nav), body)))
}

/// The report's filters by label, for the summary of refused ones.
const FILTER_LABELS: super::fields::Labels = &[
    ("patient", "Patient"),
    ("since", "From"),
    ("until", "To"),
    ("action", "Action"),
    ("channel", "Channel"),
    ("outcome", "Outcome"),
];

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
