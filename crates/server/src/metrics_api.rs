//! Chart-review figures over the JSON API (`GET /api/review/metrics`): the delinquency
//! metrics, the monthly trend and the physicians' names. The metrics page
//! (`web::review::metrics`) calls the same core, so both read and audit alike.

use crate::auth::Principal;
use crate::error::WebError;
use crate::guard::{Access, Entry, route};
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::Method;
use axum::routing::get;
use privacy::{Action as AuditAction, Permission};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Months in the trend: a year back, and the month running.
const TREND_MONTHS: u32 = 13;

/// What the figures are asked for.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FiguresParams {
    /// Physicians with a deficiency more than this many days past due are listed for
    /// suspension (default 21).
    pub suspend_after: Option<i64>,
    /// For the CSV export: which table.
    #[serde(default)]
    pub table: String,
}

impl FiguresParams {
    pub(crate) fn suspend_after(&self) -> Result<i64, WebError> {
        let days = self.suspend_after.unwrap_or(21);
        if (0..=3650).contains(&days) {
            Ok(days)
        } else {
            Err(WebError::bad(
                "suspend_after",
                format!("expected 0 to 3650 days, found {days}"),
            ))
        }
    }
}

/// The review figures at one instant.
#[derive(Debug, Serialize)]
pub(crate) struct Figures {
    pub metrics: review::Metrics,
    pub trend: Vec<review::MonthPoint>,
    /// Each listed physician's name by provider id.
    pub providers: BTreeMap<i64, String>,
}

impl Figures {
    /// The physician's name, or their id when the provider record is gone.
    pub(crate) fn provider(&self, id: i64) -> String {
        self.providers
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("provider {id}"))
    }
}

/// The figures, audited as one read naming no patient (counts by physician only).
pub(crate) async fn figures(
    state: &AppState,
    principal: Principal,
    suspend_after: i64,
) -> Result<Figures, WebError> {
    state
        .blocking(move |state| {
            let now = state.store.clock().now();
            let figures = state.store.read(|tx| {
                let metrics = review::metrics(tx, now, suspend_after)?;
                let trend = review::delinquency_trend(tx, now, TREND_MONTHS)?;
                let mut providers = BTreeMap::new();
                for line in &metrics.by_provider {
                    if let Ok(p) = tx.get::<records::Provider>(line.provider_id) {
                        providers.insert(line.provider_id, p.record.display_name());
                    }
                }
                Ok(Figures {
                    metrics,
                    trend,
                    providers,
                })
            })?;
            let who = principal
                .event(now, AuditAction::Read)
                .categories(review::QUEUE_CATEGORIES)
                .reason("review metrics (counts by physician, no patient named)");
            state.trail.record(&state.store, &who)?;
            Ok(figures)
        })
        .await
}

/// `GET /api/review/metrics?suspend_after=DAYS`.
async fn metrics_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    params: Result<Query<FiguresParams>, QueryRejection>,
) -> Result<Json<Value>, WebError> {
    let Query(params) = params.map_err(|e| WebError::bad("query", e.body_text()))?;
    let found = figures(&state, principal, params.suspend_after()?).await?;
    Ok(Json(
        serde_json::to_value(found).map_err(WebError::internal)?,
    ))
}

/// The figures' API route.
pub(crate) fn routes() -> Vec<Entry> {
    vec![route(
        Method::GET,
        "/api/review/metrics",
        Access::Needs(Permission::ReviewChart),
        false,
        "delinquency metrics: open deficiencies by age and physician, delinquent records and rate, monthly trend, suspension list (?suspend_after=DAYS), query response",
        get(metrics_api),
    )]
}
