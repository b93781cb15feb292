//! Data-collection follow-up tasks over the JSON API: open one, log a contact attempt,
//! assign, close (obtained or given up), list. The review page's follow-up section
//! (`web::review::tasks`) calls the same cores (`list`, `write`, `new_task`), and the audit
//! entries come from `review` as on the command line.
//!
//! Invariant: a listing on the API and the review page first escalates the open tasks
//! past due (each escalation audited), so it shows them as the watch thread will within
//! the minute; the chart page only reads.

use crate::auth::Principal;
use crate::body::JsonBody;
use crate::error::WebError;
use crate::guard::{Access, Entry, route};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::routing::{get, post};
use privacy::{Action as AuditAction, Permission};
use records::{FollowUpKind, FollowUpTask};
use review::{NewTask, TaskChange, TaskItem, TaskQuery};
use serde::Deserialize;
use serde_json::{Value, json};
use store::{Actor, Stored};

/// The follow-up tasks matching `query`, after escalating the open ones past due when
/// `escalate`; audited as a read of each patient listed.
pub(crate) async fn list(
    state: &AppState,
    principal: &Principal,
    query: TaskQuery,
    escalate: bool,
) -> Result<Vec<TaskItem>, WebError> {
    let principal = principal.clone();
    state
        .blocking(move |state| {
            let now = state.store.clock().now();
            if escalate {
                let actor = Actor::new(format!("user:{}", principal.username));
                let update = principal.event(now, AuditAction::Update);
                state.trail.write(&state.store, |audited| {
                    review::escalate_audited(audited, &actor, &update, now)
                })?;
            }
            let read = principal.event(now, AuditAction::Read);
            Ok(state.trail.write(&state.store, |audited| {
                review::tasks_audited(audited, &read, &query)
            })?)
        })
        .await
}

/// Writes a task change with its audit entry (old values when `before` names the task
/// changed), as the signed-in user.
pub(crate) async fn write(
    state: &AppState,
    principal: &Principal,
    before: Option<i64>,
    change: impl FnOnce(&mut store::Tx<'_>, &Actor, &str) -> store::Result<Stored<FollowUpTask>>
    + Send
    + 'static,
) -> Result<Stored<FollowUpTask>, WebError> {
    let principal = principal.clone();
    state
        .blocking(move |state| {
            let action = if before.is_some() {
                AuditAction::Update
            } else {
                AuditAction::Create
            };
            let who = principal.event(state.store.clock().now(), action);
            let actor = Actor::new(format!("user:{}", principal.username));
            let by = principal.username.clone();
            Ok(state.trail.write(&state.store, |audited| {
                review::task_audited(audited, &who, before, |tx| change(tx, &actor, &by))
            })?)
        })
        .await
}

/// Refuses an assignee who is not a user (`field` names where it was given).
async fn known_user(state: &AppState, field: &str, user: Option<&str>) -> Result<(), WebError> {
    let Some(user) = user.map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(());
    };
    let name = user.to_owned();
    let known = state
        .blocking(move |state| Ok(state.store.security(|s| s.user(&name))?.is_some()))
        .await?;
    if known {
        Ok(())
    } else {
        Err(WebError::bad(field, format!("no such user \"{user}\"")))
    }
}

/// The longest a task may be given, in days.
const MOST_DAYS: i64 = 365;

/// A new task from its parts as a form or a body gives them; `kind` is the kind's name,
/// `due_days` counts from now (default 14, at most 365).
pub(crate) fn new_task(
    state: &AppState,
    principal: &Principal,
    patient: i64,
    encounter: Option<i64>,
    kind: &str,
    due_days: Option<i64>,
) -> Result<NewTask, WebError> {
    let kind = FollowUpKind::parse(kind).ok_or_else(|| {
        WebError::bad(
            "kind",
            format!(
                "\"{kind}\" is not a kind of task ({})",
                FollowUpKind::ALL.map(FollowUpKind::as_str).join(", ")
            ),
        )
    })?;
    let days = due_days.unwrap_or(14);
    if !(0..=MOST_DAYS).contains(&days) {
        return Err(WebError::bad(
            "due_days",
            format!("due in {days} days: give 0 to {MOST_DAYS}"),
        ));
    }
    Ok(NewTask {
        patient_id: patient,
        encounter_id: encounter,
        kind,
        description: String::new(),
        obtain_from: String::new(),
        assignee: None,
        due_at: state.store.clock().now() + time::Duration::days(days),
        opened_by: principal.username.clone(),
    })
}

/// A task to open.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddBody {
    /// Whose chart (patient id).
    pub patient: i64,
    /// The encounter it concerns (the patient's).
    pub encounter: Option<i64>,
    /// insurance, consent, outside_records, demographics or other.
    #[schema(schema_with = crate::api_schema::task_kind, required = true)]
    pub kind: String,
    /// What to obtain.
    #[schema(schema_with = crate::api_schema::said, required = true)]
    pub description: String,
    /// From whom (the patient, another provider...).
    #[schema(schema_with = crate::api_schema::said, required = true)]
    pub obtain_from: String,
    /// The user who chases it.
    pub assignee: Option<String>,
    /// Due in this many days (default 14, at most 365).
    #[schema(minimum = 1, maximum = 365)]
    pub due_days: Option<i64>,
}

/// `POST /api/review/tasks`.
async fn add_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    JsonBody(body): JsonBody<AddBody>,
) -> Result<Json<Value>, WebError> {
    known_user(&state, "assignee", body.assignee.as_deref()).await?;
    let mut new = new_task(
        &state,
        &principal,
        body.patient,
        body.encounter,
        &body.kind,
        body.due_days,
    )?;
    new.description = body.description;
    new.obtain_from = body.obtain_from;
    new.assignee = body.assignee;
    let task = write(&state, &principal, None, move |tx, actor, _| {
        review::add_task(tx, actor, &new)
    })
    .await?;
    Ok(Json(json!({ "task": task })))
}

/// A contact attempt.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactBody {
    /// How: phone, letter, fax, portal...
    #[schema(schema_with = crate::api_schema::said, required = true)]
    pub method: String,
    /// What came of it.
    #[schema(schema_with = crate::api_schema::said, required = true)]
    pub outcome: String,
}

/// Who a task goes to.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// The user.
    #[schema(schema_with = crate::api_schema::username, required = true)]
    pub to: String,
}

/// Closing a task.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseBody {
    /// What was obtained, or why the task is given up.
    #[schema(schema_with = crate::api_schema::said, required = true)]
    pub reason: String,
    /// Given up rather than obtained.
    #[serde(default)]
    pub given_up: bool,
}

fn parse_id(text: &str) -> Result<i64, WebError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| WebError::bad("id", format!("\"{text}\" is not a follow-up task id")))
}

/// Applies `change` to task `id` (text from the path) as the signed-in user.
pub(crate) async fn apply(
    state: &AppState,
    principal: &Principal,
    id: &str,
    change: TaskChange,
) -> Result<Stored<FollowUpTask>, WebError> {
    let id = parse_id(id)?;
    write(state, principal, Some(id), move |tx, actor, by| {
        review::change_task(tx, actor, id, &change, by)
    })
    .await
}

/// Requires a text field.
fn required(field: &str, value: String) -> Result<String, WebError> {
    let value = value.trim().to_owned();
    if value.is_empty() {
        Err(WebError::bad(field, "is required"))
    } else {
        Ok(value)
    }
}

/// `POST /api/review/tasks/{id}/contact`.
async fn contact_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ContactBody>,
) -> Result<Json<Value>, WebError> {
    let change = TaskChange::Contact {
        method: required("method", body.method)?,
        outcome: required("outcome", body.outcome)?,
    };
    let task = apply(&state, &principal, &id, change).await?;
    Ok(Json(json!({ "task": task })))
}

/// `POST /api/review/tasks/{id}/assign`.
async fn assign_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AssignBody>,
) -> Result<Json<Value>, WebError> {
    let to = required("to", body.to)?;
    known_user(&state, "to", Some(&to)).await?;
    let task = apply(&state, &principal, &id, TaskChange::Assign(to)).await?;
    Ok(Json(json!({ "task": task })))
}

/// `POST /api/review/tasks/{id}/close`.
async fn close_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<CloseBody>,
) -> Result<Json<Value>, WebError> {
    let reason = required("reason", body.reason)?;
    let change = if body.given_up {
        TaskChange::Cancel(reason)
    } else {
        TaskChange::Done(reason)
    };
    let task = apply(&state, &principal, &id, change).await?;
    Ok(Json(json!({ "task": task })))
}

/// Which tasks to list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    patient: Option<i64>,
    assignee: Option<String>,
    #[serde(default)]
    all: bool,
    limit: Option<i64>,
}

/// `GET /api/review/tasks?patient=&assignee=&all=&limit=`.
async fn list_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, WebError> {
    let Query(params) = params.map_err(|e| {
        WebError::bad(
            "query",
            format!(
                "{} (patient: a number, assignee: a user, all: true or false, limit: 1 to 2000)",
                e.body_text()
            ),
        )
    })?;
    let query = TaskQuery {
        all: params.all,
        assignee: params.assignee.filter(|a| !a.trim().is_empty()),
        patient_id: params.patient,
        limit: params.limit.unwrap_or(500).clamp(1, 2000),
    };
    let found = list(&state, &principal, query, true).await?;
    Ok(Json(json!({ "tasks": found })))
}

/// The follow-up task API's routes.
pub(crate) fn routes() -> Vec<Entry> {
    let review = Access::Needs(Permission::ReviewChart);
    vec![
        route(
            Method::GET,
            "/api/review/tasks",
            review,
            true,
            "data-collection follow-up tasks, escalated first, then by due time (?patient=, ?assignee=, ?all=true for closed ones too)",
            get(list_api),
        ),
        route(
            Method::POST,
            "/api/review/tasks",
            review,
            false,
            "open a data-collection follow-up task (patient, kind, description, obtain_from; due_days, assignee, encounter)",
            post(add_api),
        )
        .takes::<AddBody>(),
        route(
            Method::POST,
            "/api/review/tasks/{id}/contact",
            review,
            false,
            "log a contact attempt on an open follow-up task (method, outcome)",
            post(contact_api),
        )
        .takes::<ContactBody>(),
        route(
            Method::POST,
            "/api/review/tasks/{id}/assign",
            review,
            false,
            "give an open follow-up task to a user (to)",
            post(assign_api),
        )
        .takes::<AssignBody>(),
        route(
            Method::POST,
            "/api/review/tasks/{id}/close",
            review,
            false,
            "close an open follow-up task: obtained, or given_up, with the reason",
            post(close_api),
        )
        .takes::<CloseBody>(),
    ]
}
