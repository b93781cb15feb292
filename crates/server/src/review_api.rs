//! Chart review over the JSON API: the work queue (filters in the body) and assign, waive
//! and resolve. The pages call the same cores (`queue`, `change`), so a page cannot show or
//! change more than the API would; the audit entries come from `review` itself, as on the
//! command line.

use crate::auth::Principal;
use crate::body::JsonBody;
use crate::error::WebError;
use crate::guard::{Access, Entry, route};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::routing::post;
use privacy::{Action as AuditAction, Permission};
use records::{Deficiency, DeficiencyStatus, EncounterClass};
use review::{Action, QueueQuery};
use serde::Deserialize;
use serde_json::{Value, json};
use store::{Actor, Stored};

/// Work-queue filters; every one optional.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueBody {
    /// Statuses (open, assigned, queried, answered, resolved, waived); default: the open ones.
    #[serde(default)]
    #[schema(schema_with = crate::api_schema::deficiency_statuses)]
    pub status: Vec<String>,
    /// One rule's deficiencies.
    pub rule: Option<String>,
    /// Those assigned to this user.
    pub assignee: Option<String>,
    /// This physician's (provider id).
    pub provider: Option<i64>,
    /// This patient's.
    pub patient: Option<i64>,
    /// Only those past their due time.
    #[serde(default)]
    pub delinquent: bool,
    /// Only those about an encounter of this hospital service (its start, ignoring case:
    /// "surg" finds surgery).
    pub service: Option<String>,
    /// Only those about an encounter of this class (inpatient, outpatient, emergency,
    /// telehealth).
    pub class: Option<String>,
    /// Only those at least this many days old (whole days since their clock started).
    pub min_age_days: Option<i64>,
    /// Only those at most this many days old.
    pub max_age_days: Option<i64>,
    /// At most this many (default 200).
    pub limit: Option<i64>,
}

impl QueueBody {
    pub(crate) fn query(&self, now: time::OffsetDateTime) -> Result<QueueQuery, WebError> {
        let mut statuses = Vec::new();
        for name in &self.status {
            statuses.push(DeficiencyStatus::parse(name).ok_or_else(|| {
                WebError::bad(
                    "status",
                    format!(
                        "\"{name}\" is not open, assigned, queried, answered, resolved or waived"
                    ),
                )
            })?);
        }
        let encounter_class = match self.class.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(name) => Some(EncounterClass::parse(name).ok_or_else(|| {
                WebError::bad(
                    "class",
                    format!("\"{name}\" is not inpatient, outpatient, emergency or telehealth"),
                )
            })?),
        };
        for (field, days) in [
            ("min_age_days", self.min_age_days),
            ("max_age_days", self.max_age_days),
        ] {
            if let Some(days) = days.filter(|d| !(0..=36_500).contains(d)) {
                return Err(WebError::bad(
                    field,
                    format!("{days} is not a number of days from 0 to 36500"),
                ));
            }
        }
        if let (Some(min), Some(max)) = (self.min_age_days, self.max_age_days)
            && min > max
        {
            return Err(WebError::bad(
                "max_age_days",
                format!("{max} is less than the least age asked for ({min})"),
            ));
        }
        Ok(QueueQuery {
            statuses,
            rule_id: self.rule.clone().filter(|r| !r.trim().is_empty()),
            assignee: self.assignee.clone().filter(|a| !a.trim().is_empty()),
            provider_id: self.provider,
            patient_id: self.patient,
            overdue_at: self.delinquent.then_some(now),
            service: self.service.clone().filter(|s| !s.trim().is_empty()),
            encounter_class,
            limit: self.limit.unwrap_or(200).clamp(1, 2000),
            ..QueueQuery::default()
        }
        .aged(now, self.min_age_days, self.max_age_days))
    }
}

/// The queue for `body`, audited as a read of each patient listed.
pub(crate) async fn queue(
    state: &AppState,
    principal: Principal,
    body: QueueBody,
) -> Result<Vec<review::QueueItem>, WebError> {
    state
        .blocking(move |state| {
            let now = state.store.clock().now();
            let query = body.query(now)?;
            let who = principal.event(now, AuditAction::Read);
            Ok(state.trail.write(&state.store, |audited| {
                review::queue_audited(audited, &who, &query)
            })?)
        })
        .await
}

/// Applies `action` to `ids`, each with its audit entry, all or nothing.
pub(crate) async fn change(
    state: &AppState,
    principal: Principal,
    ids: Vec<i64>,
    action: Action,
) -> Result<Vec<Stored<Deficiency>>, WebError> {
    if let Action::Assign(user) = &action {
        let user = user.clone();
        let known = state
            .blocking(move |state| Ok(state.store.security(|s| s.user(&user))?.is_some()))
            .await?;
        if !known {
            return Err(WebError::bad("to", "no such user"));
        }
    }
    state
        .blocking(move |state| {
            let now = state.store.clock().now();
            let who = principal.event(now, AuditAction::Update);
            let actor = Actor::new(format!("user:{}", principal.username));
            Ok(state.trail.write(&state.store, |audited| {
                review::act_audited(audited, &actor, &who, &ids, &action)
            })?)
        })
        .await
}

/// `POST /api/review/queue`.
async fn queue_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    JsonBody(body): JsonBody<QueueBody>,
) -> Result<Json<Value>, WebError> {
    let found = queue(&state, principal, body).await?;
    Ok(Json(json!({ "deficiencies": found })))
}

/// What to do with a deficiency.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    /// For assign: the user.
    pub to: Option<String>,
    /// For waive and resolve: why.
    pub reason: Option<String>,
}

fn parse_id(text: &str) -> Result<i64, WebError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| WebError::bad("id", format!("\"{text}\" is not a deficiency id")))
}

/// Reads `verb` with its body as an action.
pub(crate) fn action(
    verb: &str,
    to: Option<String>,
    reason: Option<String>,
) -> Result<Action, WebError> {
    let text = |field: &str, value: Option<String>| {
        value
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| WebError::bad(field, "is required"))
    };
    Ok(match verb {
        "assign" => Action::Assign(text("to", to)?),
        "waive" => Action::Waive(text("reason", reason)?),
        "resolve" => Action::Resolve(text("reason", reason)?),
        other => return Err(WebError::NotFound(format!("no review action {other}"))),
    })
}

async fn act_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path((id, verb)): Path<(String, String)>,
    JsonBody(body): JsonBody<ActionBody>,
) -> Result<Json<Value>, WebError> {
    let id = parse_id(&id)?;
    let action = action(&verb, body.to, body.reason)?;
    let changed = change(&state, principal, vec![id], action).await?;
    Ok(Json(json!({ "deficiency": changed.first() })))
}

/// The review API's routes.
pub(crate) fn routes() -> Vec<Entry> {
    let review = Access::Needs(Permission::ReviewChart);
    vec![
        route(
            Method::POST,
            "/api/review/queue",
            review,
            true,
            "the chart-review work queue (deficiencies), most urgent first",
            post(queue_api),
        )
        .takes::<QueueBody>(),
        route(
            Method::POST,
            "/api/review/deficiencies/{id}/{action}",
            review,
            false,
            "assign (to), waive (reason) or resolve (reason) a deficiency",
            post(act_api),
        )
        .takes::<ActionBody>(),
    ]
}
