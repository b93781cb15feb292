//! The chart-review pages: the technician's work queue (filter, assign several at once,
//! waive or resolve one with a reason, query the physician), each item linking to the
//! chart; physician queries are in `queries`, the delinquency figures in `metrics`. The same cores as
//! `/api/review` (`review_api::queue`, `review_api::change`), so the pages audit alike.

pub(crate) mod metrics;
pub(crate) mod queries;
pub(crate) mod tasks;

use super::forms::{PageForm, PageResult, Refusal, check_token, html};
use super::layout::{Nav, field_error, nav, page, token_field};
use crate::auth::Principal;
use crate::error::WebError;
use crate::guard::{Access, Entry, Surface, route};
use crate::review_api::{QueueBody, action, change, queue};
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use maud::{Markup, html};
use privacy::Permission;
use records::{DeficiencyStatus, EncounterClass};
use serde::Deserialize;
use std::collections::HashMap;

/// The filters as the form sends them (every field text, empty when unused).
#[derive(Debug, Default, Deserialize)]
struct FilterForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    rule: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    delinquent: String,
    #[serde(default)]
    provider: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    class: String,
    #[serde(default)]
    min_age_days: String,
    #[serde(default)]
    max_age_days: String,
}

/// A whole number typed into `field`, if any.
fn number(field: &str, text: &str) -> Result<Option<i64>, WebError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| WebError::bad(field, format!("\"{text}\" is not a whole number")))
}

impl FilterForm {
    fn body(&self) -> Result<QueueBody, WebError> {
        Ok(QueueBody {
            status: Some(self.status.trim().to_owned())
                .filter(|s| !s.is_empty() && s != "open")
                .into_iter()
                .collect(),
            rule: Some(self.rule.clone()),
            assignee: Some(self.assignee.clone()),
            delinquent: !self.delinquent.is_empty(),
            provider: number("provider", &self.provider)?,
            service: Some(self.service.clone()),
            class: Some(self.class.clone()),
            min_age_days: number("min_age_days", &self.min_age_days)?,
            max_age_days: number("max_age_days", &self.max_age_days)?,
            ..QueueBody::default()
        })
    }
}

fn filters(
    nav: &Nav,
    form: &FilterForm,
    physicians: &[(String, String)],
    errors: &[(String, String)],
) -> Markup {
    html! {
        form.filters method="post" action="/review" {
            (token_field(nav))
            label for="status" { "Status" }
            select #status name="status" {
                option value="open" selected[form.status.is_empty() || form.status == "open"] { "open (any)" }
                @for s in DeficiencyStatus::ALL {
                    option value=(s.as_str()) selected[form.status == s.as_str()] { (s.as_str()) }
                }
            }
            label for="rule" { "Rule" }
            input #rule name="rule" value=(form.rule) placeholder="e.g. discharge-summary-missing";
            label for="assignee" { "Assigned to" }
            input #assignee name="assignee" value=(form.assignee);
            label for="provider" { "Physician" }
            select #provider name="provider" {
                option value="" { "any" }
                @for (id, name) in physicians { option value=(id) selected[form.provider.trim() == id] { (name) } }
            }
            (field_error(errors, "provider"))
            label for="service" { "Service" }
            input #service name="service" value=(form.service) placeholder="e.g. surgery";
            label for="class" { "Encounter class" }
            select #class name="class" {
                option value="" { "any" }
                @for c in EncounterClass::ALL { option value=(c.as_str()) selected[form.class == c.as_str()] { (c.as_str()) } }
            }
            (field_error(errors, "class"))
            label for="min_age_days" { "Age from (days)" }
            input #min_age_days name="min_age_days" type="number" min="0" value=(form.min_age_days);
            (field_error(errors, "min_age_days"))
            label for="max_age_days" { "to (days)" }
            input #max_age_days name="max_age_days" type="number" min="0" value=(form.max_age_days);
            (field_error(errors, "max_age_days"))
            label { input type="checkbox" name="delinquent" value="1" checked[!form.delinquent.is_empty()]; " Past due only" }
            button type="submit" { "Show" }
        }
    }
}

fn row(nav: &Nav, item: &review::QueueItem, now: time::OffsetDateTime) -> Markup {
    let d = &item.deficiency;
    let r = &d.record;
    let chart = match r.encounter_id {
        Some(e) => format!("/patients/{}?encounter={e}#encounter-{e}", r.patient_id),
        None => format!("/patients/{}", r.patient_id),
    };
    let late = r.is_delinquent(now);
    html! {
        tr id={ "deficiency-" (d.meta.id) } class=[late.then_some("late")] {
            // The box belongs to the assign form below the table (forms cannot nest, and each
            // row has its own waive-or-resolve form).
            td { @if r.status.is_open() { input type="checkbox" form="assign" name={ "pick-" (d.meta.id) } value="1" aria-label={ "select " (d.meta.id) }; } }
            td { a href=(chart) { (item.patient_name) } " " small { "MRN " (item.mrn) } }
            td { (r.message) }
            td { (r.rule_id) }
            td { (r.severity.as_str()) }
            td { (r.responsible.as_str()) }
            td { (r.status.as_str()) @if let Some(a) = &r.assignee { " · " (a) } }
            td { (super::text::day_at(&nav.zone, r.due_at)) @if late { " " strong { "late" } } }
            td {
                @if r.status.is_open() {
                    details {
                        summary { "Waive or resolve" }
                        form.stack method="post" action={ "/review/" (d.meta.id) "/close" } {
                            (token_field(nav))
                            label for={ "reason-" (d.meta.id) } { "Reason" }
                            input id={ "reason-" (d.meta.id) } name="reason" required;
                            div.actions {
                                button type="submit" name="verb" value="resolve" { "Resolve" }
                                button.danger type="submit" name="verb" value="waive" { "Waive" }
                            }
                        }
                    }
                    a href={ "/review/" (d.meta.id) "/query" } { "Query the physician" }
                } @else if let Some(reason) = &r.closed_reason { (reason) }
            }
        }
    }
}

fn listing(
    nav: &Nav,
    form: &FilterForm,
    physicians: &[(String, String)],
    found: &[review::QueueItem],
    errors: &[(String, String)],
    now: time::OffsetDateTime,
) -> Markup {
    let late = found
        .iter()
        .filter(|i| i.deficiency.record.is_delinquent(now))
        .count();
    html! {
        p { (found.len()) " deficiencies shown, " (late) " past due. Most urgent first. " a href="/review/metrics" { "Delinquency metrics" } " · " a href="/review/queries/open" { "Open physician queries" } " · " a href="#tasks" { "Follow-up tasks" } }
        (filters(nav, form, physicians, errors))
        @if !errors.is_empty() { p.error role="alert" { "Nothing was changed; see below." } }
        (field_error(errors, "to"))
        (field_error(errors, "reason"))
        (field_error(errors, "id"))
        table.queue {
            thead { tr { th { "" } th { "Chart" } th { "What is missing" } th { "Rule" } th { "Severity" } th { "Who acts" } th { "Status" } th { "Due" } th { "" } } }
            tbody {
                @for d in found { (row(nav, d, now)) }
                @if found.is_empty() { tr { td colspan="9" { "Nothing to chase." } } }
            }
        }
        form #assign method="post" action="/review/assign" {
            (token_field(nav))
            label for="to" { "Assign the selected to user" }
            input #to name="to" required;
            button type="submit" { "Assign" }
        }
    }
}

async fn show(
    state: &AppState,
    principal: &Principal,
    form: FilterForm,
    errors: &[(String, String)],
    status: StatusCode,
) -> PageResult {
    // A filter refused (a bad number, an unknown class) is shown beside its field.
    let mut errors = errors.to_vec();
    let mut status = status;
    let found = match form.body() {
        Ok(body) => queue(state, principal.clone(), body).await,
        Err(refused) => Err(refused),
    };
    let found = match found {
        Ok(found) => found,
        Err(WebError::BadRequest { field, reason }) => {
            errors.push((field, reason));
            status = StatusCode::UNPROCESSABLE_ENTITY;
            Vec::new()
        }
        Err(other) => return Err(Refusal(other)),
    };
    let chased = tasks::open_tasks(state, principal).await?;
    let physicians: Vec<(String, String)> = state
        .blocking(|state| Ok(state.store.read(crate::web::encounter_form::providers)?))
        .await?
        .iter()
        .map(|p| (p.meta.id.to_string(), p.record.display_name()))
        .collect();
    let nav = nav(state, principal);
    let now = state.store.clock().now();
    let errors = &errors[..];
    let body = html! {
        (listing(&nav, &form, &physicians, &found, errors, now))
        (tasks::section(&nav, &chased, errors, now))
    };
    Ok(html(status, page("Chart review", Some(&nav), body)))
}

/// `GET /review`: the open deficiencies.
async fn work_queue(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> PageResult {
    show(
        &state,
        &principal,
        FilterForm::default(),
        &[],
        StatusCode::OK,
    )
    .await
}

/// `POST /review`: the queue with filters.
async fn filtered(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    PageForm(form): PageForm<FilterForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    show(&state, &principal, form, &[], StatusCode::OK).await
}

/// Shows the queue again with the refusal beside its field, or passes other errors on.
pub(crate) async fn refused(
    state: &AppState,
    principal: &Principal,
    error: WebError,
) -> PageResult {
    match error {
        WebError::BadRequest { field, reason } => {
            show(
                state,
                principal,
                FilterForm::default(),
                &[(field, reason)],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        WebError::Conflict(reason) => {
            show(
                state,
                principal,
                FilterForm::default(),
                &[("id".into(), reason)],
                StatusCode::CONFLICT,
            )
            .await
        }
        other => Err(Refusal(other)),
    }
}

/// `POST /review/assign`: the checked deficiencies to one user.
async fn assign(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    PageForm(form): PageForm<HashMap<String, String>>,
) -> PageResult {
    check_token(
        &state,
        &principal,
        form.get("token").map_or("", String::as_str),
    )?;
    let mut ids: Vec<i64> = form
        .keys()
        .filter_map(|k| k.strip_prefix("pick-")?.parse().ok())
        .collect();
    ids.sort_unstable();
    if ids.is_empty() {
        return refused(
            &state,
            &principal,
            WebError::bad("id", "select at least one deficiency"),
        )
        .await;
    }
    let verb = action("assign", form.get("to").cloned(), None);
    let result = match verb {
        Ok(verb) => change(&state, principal.clone(), ids, verb).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/review").into_response()),
        Err(e) => refused(&state, &principal, e).await,
    }
}

#[derive(Debug, Deserialize)]
struct CloseForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    verb: String,
    #[serde(default)]
    reason: String,
}

/// `POST /review/{id}/close`: waive or resolve one, with the reason.
async fn close(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<CloseForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = crate::patients::parse_id(&id)?;
    let result = match action(&form.verb, None, Some(form.reason)) {
        Ok(verb) => change(&state, principal.clone(), vec![id], verb).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/review").into_response()),
        Err(e) => refused(&state, &principal, e).await,
    }
}

/// The review pages' routes.
pub(crate) fn routes() -> Vec<Entry> {
    let review = Access::Needs(Permission::ReviewChart);
    vec![
        route(
            Method::GET,
            "/review",
            review,
            true,
            "chart-review work queue",
            get(work_queue),
        ),
        route(
            Method::POST,
            "/review",
            review,
            true,
            "chart-review work queue, filtered",
            post(filtered),
        ),
        route(
            Method::POST,
            "/review/assign",
            review,
            false,
            "assign deficiencies",
            post(assign),
        ),
        route(
            Method::POST,
            "/review/{id}/close",
            review,
            false,
            "waive or resolve a deficiency",
            post(close),
        ),
    ]
    .into_iter()
    .map(|entry| entry.on(Surface::Page))
    .chain(queries::routes())
    .chain(tasks::routes())
    .chain(metrics::routes())
    .collect()
}

/// How many of the most urgent deficiencies the start page lists.
const START_LIMIT: i64 = 5;

/// The start page's review section: for a technician, the most urgent of the department's
/// queue; for a physician linked to a provider, the deficiencies they must complete.
pub(crate) async fn start_section(
    state: &AppState,
    principal: &Principal,
) -> Result<Markup, WebError> {
    let (title, body) = if principal.allows(Permission::ReviewChart) {
        (
            "Chart review: most urgent",
            QueueBody {
                limit: Some(START_LIMIT),
                ..QueueBody::default()
            },
        )
    } else if principal.allows(Permission::SignNotes) {
        let username = principal.username.clone();
        let provider = state
            .blocking(move |state| Ok(state.store.read(|tx| tx.account_provider(&username))?))
            .await?;
        let Some(provider) = provider else {
            return Ok(html! {});
        };
        (
            "Your chart deficiencies",
            QueueBody {
                provider: Some(provider.0),
                limit: Some(50),
                ..QueueBody::default()
            },
        )
    } else {
        return Ok(html! {});
    };
    let found = queue(state, principal.clone(), body).await?;
    let now = state.store.clock().now();
    Ok(html! {
        section #review-work {
            h2 { (title) }
            @if found.is_empty() {
                p { "No open deficiencies." }
            } @else {
                ul.work {
                    @for item in &found {
                        @let r = &item.deficiency.record;
                        li {
                            a href={ "/patients/" (r.patient_id) @if let Some(e) = r.encounter_id { "?encounter=" (e) "#encounter-" (e) } } { (item.patient_name) }
                            ": " (r.message)
                            " — due " (super::text::day_at(&state.config.time_zone, r.due_at))
                            @if r.is_delinquent(now) { " " strong { "late" } }
                        }
                    }
                }
            }
            @if principal.allows(Permission::ReviewChart) { p { a href="/review" { "The whole work queue" } } }
        }
    })
}

/// The chart page's section: the chart's open deficiencies, most urgent first, each linked
/// to its encounter and to the query form, for those who work the review queue.
pub(crate) async fn chart_section(
    state: &AppState,
    principal: &Principal,
    patient: i64,
) -> Result<Markup, WebError> {
    if !principal.allows(Permission::ReviewChart) {
        return Ok(html! {});
    }
    let body = QueueBody {
        patient: Some(patient),
        ..QueueBody::default()
    };
    let found = queue(state, principal.clone(), body).await?;
    let open_tasks = review::TaskQuery {
        patient_id: Some(patient),
        ..review::TaskQuery::default()
    };
    let tasks = crate::task_api::list(state, principal, open_tasks, false).await?;
    let now = state.store.clock().now();
    Ok(html! {
        section #deficiencies {
            h2 { "Open deficiencies" }
            @if found.is_empty() {
                p { "None: review finds this chart complete." }
            } @else {
                ul.work {
                    @for item in &found {
                        @let d = &item.deficiency;
                        @let r = &d.record;
                        li id={ "chart-deficiency-" (d.meta.id) } {
                            @if let Some(e) = r.encounter_id { a href={ "?encounter=" (e) "#encounter-" (e) } { (r.message) } } @else { (r.message) }
                            " — " (r.status.as_str())
                            @if let Some(a) = &r.assignee { " · " (a) }
                            ", due " (super::text::day_at(&state.config.time_zone, r.due_at))
                            @if r.is_delinquent(now) { " " strong { "late" } }
                            " · " a href={ "/review/" (d.meta.id) "/query" } { "Query the physician" }
                        }
                    }
                }
            }
            p { a href="/review" { "The work queue" } }
        }
        (tasks::chart_part(&state.config.time_zone, &tasks, now))
    })
}
