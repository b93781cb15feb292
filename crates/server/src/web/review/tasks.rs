//! Data-collection follow-up on the review page: the tasks being chased (escalated ones
//! first), a form to open one, and on each its contact attempts, a form to log another and
//! one to close it. Writes go through `review::task_audited`, as the command line's do.

use crate::auth::Principal;
use crate::error::WebError;
use crate::guard::{Access, Entry, Surface, route};
use crate::state::AppState;
use crate::web::forms::{PageForm, PageResult, check_token};
use crate::web::layout::{Nav, field_error, token_field};
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::post;
use maud::{Markup, html};
use privacy::Permission;
use records::{FollowUpKind, FollowUpTask};
use review::{TaskChange, TaskItem, TaskQuery};
use serde::Deserialize;
use store::Stored;

/// The open follow-up tasks, escalating those past due first; audited as a read of each
/// patient listed.
pub(crate) async fn open_tasks(
    state: &AppState,
    principal: &Principal,
) -> Result<Vec<TaskItem>, WebError> {
    crate::task_api::list(state, principal, TaskQuery::default(), true).await
}

fn task_row(nav: &Nav, item: &TaskItem, now: time::OffsetDateTime) -> Markup {
    let t = &item.task;
    let r = &t.record;
    let id = t.meta.id;
    let chart = match r.encounter_id {
        Some(e) => format!("/patients/{}#encounter-{}", r.patient_id, e),
        None => format!("/patients/{}", r.patient_id),
    };
    let late = r.due_at < now;
    html! {
        tr id={ "task-" (id) } {
            td { a href=(chart) { (item.patient_name) } br; small { "MRN " (item.mrn) } }
            td { (r.kind.as_str().replace('_', " ")) }
            td { (r.description) br; small { "from " (r.obtain_from) } }
            td { (r.status.as_str()) @if let Some(a) = &r.assignee { br; small { (a) } } }
            td { (crate::web::text::instant(r.due_at)) @if late { " " strong { "late" } } }
            td {
                @if r.contacts.is_empty() { "none yet" }
                ol { @for c in &r.contacts { li { small { (crate::web::text::instant(c.at)) " " (c.by) ", " (c.method) ": " (c.outcome) } } } }
            }
            td {
                form.inline method="post" action={ "/review/tasks/" (id) "/contact" } {
                    (token_field(nav))
                    label for={ "method-" (id) } { "How" }
                    input id={ "method-" (id) } name="method" size="8" placeholder="phone" required;
                    label for={ "outcome-" (id) } { "Outcome" }
                    input id={ "outcome-" (id) } name="outcome" required;
                    button type="submit" { "Log contact" }
                }
                form.inline method="post" action={ "/review/tasks/" (id) "/close" } {
                    (token_field(nav))
                    label for={ "closing-" (id) } { "Obtained / why given up" }
                    input id={ "closing-" (id) } name="reason" required;
                    label { input type="checkbox" name="cancel" value="yes"; " given up" }
                    button type="submit" { "Close" }
                }
            }
        }
    }
}

/// The section of the review page.
pub(crate) fn section(
    nav: &Nav,
    items: &[TaskItem],
    errors: &[(String, String)],
    now: time::OffsetDateTime,
) -> Markup {
    let escalated = items
        .iter()
        .filter(|i| i.task.record.status == records::FollowUpStatus::Escalated)
        .count();
    html! {
        section #tasks {
            h2 { "Data-collection follow-up" }
            p { (items.len()) " tasks being chased, " (escalated) " escalated past due." }
            (field_error(errors, "task"))
            table.queue {
                thead { tr { th { "Chart" } th { "Kind" } th { "What, from whom" } th { "Status" } th { "Due" } th { "Contact attempts" } th { "" } } }
                tbody {
                    @for item in items { (task_row(nav, item, now)) }
                    @if items.is_empty() { tr { td colspan="7" { "Nothing to obtain." } } }
                }
            }
            details {
                summary { "Open a follow-up task" }
                form.stack method="post" action="/review/tasks" {
                    (token_field(nav))
                    label for="task-patient" { "Patient id *" }
                    input #task-patient name="patient" inputmode="numeric" required;
                    label for="task-encounter" { "Encounter id" }
                    input #task-encounter name="encounter" inputmode="numeric";
                    label for="task-kind" { "Kind *" }
                    select #task-kind name="kind" {
                        @for k in FollowUpKind::ALL { option value=(k.as_str()) { (k.as_str().replace('_', " ")) } }
                    }
                    label for="task-what" { "What to obtain *" }
                    input #task-what name="what" required;
                    label for="task-from" { "From whom *" }
                    input #task-from name="from" required placeholder="the patient";
                    label for="task-due" { "Due in days *" }
                    input #task-due name="due_days" inputmode="numeric" value="14" required;
                    label for="task-assign" { "Assign to user" }
                    input #task-assign name="assign";
                    div.actions { button type="submit" { "Open the task" } }
                }
            }
        }
    }
}

/// The chart page's part: the patient's open follow-up tasks, each with what is sought,
/// from whom, its due day and its last contact attempt, linked to the task on the review
/// page (where contacts are logged and tasks closed).
pub(crate) fn chart_part(
    zone: &crate::zone::FacilityZone,
    items: &[TaskItem],
    now: time::OffsetDateTime,
) -> Markup {
    html! {
        section #follow-up {
            h2 { "Data-collection follow-up" }
            @if items.is_empty() {
                p { "Nothing being obtained for this chart." }
            } @else {
                ul.work {
                    @for item in items {
                        @let t = &item.task;
                        @let r = &t.record;
                        li id={ "chart-task-" (t.meta.id) } {
                            a href={ "/review#task-" (t.meta.id) } { (r.description) }
                            " (" (r.kind.as_str().replace('_', " ")) ", from " (r.obtain_from) ")"
                            " — " (r.status.as_str())
                            @if let Some(a) = &r.assignee { " · " (a) }
                            ", due " (crate::web::text::day_at(zone, r.due_at))
                            @if r.due_at < now { " " strong { "late" } }
                            @match r.contacts.last() {
                                Some(c) => { " · " (r.contacts.len()) " contact attempts, last " (crate::web::text::day_at(zone, c.at)) " " (c.method) ": " (c.outcome) }
                                None => { " · not contacted yet" }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct AddForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    patient: String,
    #[serde(default)]
    encounter: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    what: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    due_days: String,
    #[serde(default)]
    assign: String,
}

fn number(field: &str, label: &str, text: &str) -> Result<Option<i64>, WebError> {
    match text.trim() {
        "" => Ok(None),
        t => t
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .map(Some)
            .ok_or_else(|| WebError::bad(field, format!("{label}: \"{t}\" is not a number"))),
    }
}

/// The review page again with the refusal under the tasks, or other errors passed on.
async fn done(
    state: &AppState,
    principal: &Principal,
    result: Result<Stored<FollowUpTask>, WebError>,
) -> PageResult {
    match result {
        Ok(task) => Ok(Redirect::to(&format!("/review#task-{}", task.meta.id)).into_response()),
        Err(error @ (WebError::BadRequest { .. } | WebError::Conflict(_))) => {
            let (status, reason) = match error {
                WebError::Conflict(reason) => (StatusCode::CONFLICT, reason),
                WebError::BadRequest { reason, .. } => (StatusCode::UNPROCESSABLE_ENTITY, reason),
                other => (StatusCode::UNPROCESSABLE_ENTITY, other.to_string()),
            };
            let errors = [("task".to_owned(), reason)];
            super::show(
                state,
                principal,
                super::FilterForm::default(),
                &errors,
                status,
            )
            .await
        }
        Err(other) => Err(crate::web::forms::Refusal(other)),
    }
}

/// `POST /review/tasks`: opens a task.
async fn add(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    PageForm(form): PageForm<AddForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let parsed = (|| {
        let patient = number("patient", "Patient id", &form.patient)?
            .ok_or_else(|| WebError::bad("patient", "Patient id is required"))?;
        let encounter = number("encounter", "Encounter id", &form.encounter)?;
        let days = number("due_days", "Due in days", &form.due_days)?.unwrap_or(14);
        Ok((patient, encounter, form.kind.clone(), days))
    })();
    let result = match parsed.and_then(|(patient, encounter, kind, days)| {
        crate::task_api::new_task(&state, &principal, patient, encounter, &kind, Some(days))
    }) {
        Ok(mut new) => {
            new.description = form.what.clone();
            new.obtain_from = form.from.clone();
            new.assignee = Some(form.assign.clone());
            crate::task_api::write(&state, &principal, None, move |tx, actor, _| {
                review::add_task(tx, actor, &new)
            })
            .await
        }
        Err(e) => Err(e),
    };
    done(&state, &principal, result).await
}

#[derive(Debug, Default, Deserialize)]
struct ChangeForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    cancel: String,
}

async fn apply(
    state: &AppState,
    principal: &Principal,
    id: &str,
    change: TaskChange,
) -> PageResult {
    let result = crate::task_api::apply(state, principal, id, change).await;
    done(state, principal, result).await
}

/// `POST /review/tasks/{id}/contact`: logs a contact attempt.
async fn contact(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<ChangeForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let change = TaskChange::Contact {
        method: form.method,
        outcome: form.outcome,
    };
    apply(&state, &principal, &id, change).await
}

/// `POST /review/tasks/{id}/close`: done, or given up with `cancel`.
async fn close(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<ChangeForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let change = if form.cancel.is_empty() {
        TaskChange::Done(form.reason)
    } else {
        TaskChange::Cancel(form.reason)
    };
    apply(&state, &principal, &id, change).await
}

/// The follow-up routes.
pub(crate) fn routes() -> Vec<Entry> {
    let review = Access::Needs(Permission::ReviewChart);
    vec![
        route(
            Method::POST,
            "/review/tasks",
            review,
            false,
            "open a data-collection follow-up task",
            post(add),
        ),
        route(
            Method::POST,
            "/review/tasks/{id}/contact",
            review,
            false,
            "log a contact attempt on a follow-up task",
            post(contact),
        ),
        route(
            Method::POST,
            "/review/tasks/{id}/close",
            review,
            false,
            "close a follow-up task",
            post(close),
        ),
    ]
    .into_iter()
    .map(|entry| entry.on(Surface::Page))
    .collect()
}
