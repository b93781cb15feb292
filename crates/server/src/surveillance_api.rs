//! Public-health surveillance over the JSON API: a syndrome's daily counts in a place with a
//! method's expectations (the epi curve), the alert queue, working an alert, and running
//! detection. The pages call the same cores (`curve`, `queue`, `work`). Aggregate only; for
//! roles without patient-level reads, counts from 1 to 10 are withheld (`null`, with
//! `small_cells_suppressed`), as the population queries do. Each read is audited as a read of
//! encounters and diagnoses in aggregate.

use crate::auth::Principal;
use crate::body::JsonBody;
use crate::error::WebError;
use crate::guard::{Access, Entry, route};
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::Method as HttpMethod;
use axum::routing::{get, post};
use privacy::{Action, DataCategory, Permission};
use records::{AlertStatus, SurveillanceAlert};
use serde::Deserialize;
use serde_json::{Value, json};
use store::{Actor, Stored};
use surveillance::alerts::{self, ALL_PLACES, DetectOptions, EpiCurve, QueueFilter};
use surveillance::detect::Method;
use time::{Date, Duration};

/// Days an epi curve shows unless asked.
pub(crate) const DEFAULT_DAYS: i64 = 90;

/// The longest range asked at once (three years).
const MAX_DAYS: i64 = 3 * 366;

/// A day typed as YYYY-MM-DD, or a bad-input error naming `field`.
pub(crate) fn date(field: &str, text: &str) -> Result<Date, WebError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.trim(), &format)
        .map_err(|_| WebError::bad(field, format!("\"{text}\" is not a date (YYYY-MM-DD)")))
}

/// The range asked, by default the `DEFAULT_DAYS` days to today.
pub(crate) fn range(
    from: Option<&str>,
    to: Option<&str>,
    today: Date,
) -> Result<(Date, Date), WebError> {
    let to = match to.filter(|t| !t.trim().is_empty()) {
        Some(text) => date("to", text)?,
        None => today,
    };
    let from = match from.filter(|t| !t.trim().is_empty()) {
        Some(text) => date("from", text)?,
        None => to - Duration::days(DEFAULT_DAYS - 1),
    };
    if from > to {
        return Err(WebError::bad("from", "is after to"));
    }
    if (to - from).whole_days() >= MAX_DAYS {
        return Err(WebError::bad(
            "from",
            format!("a range is at most {MAX_DAYS} days"),
        ));
    }
    Ok((from, to))
}

/// The method named, or C2.
pub(crate) fn method(name: Option<&str>) -> Result<Method, WebError> {
    match name.filter(|n| !n.trim().is_empty()) {
        None => Ok(Method::C2),
        Some(name) => Method::parse(name).ok_or_else(|| {
            WebError::bad(
                "method",
                format!("\"{name}\" is not one of {}", Method::NAMES),
            )
        }),
    }
}

/// Whether `principal` sees aggregates only (small cells withheld).
pub(crate) fn aggregate_only(principal: &Principal) -> bool {
    !principal.allows(Permission::ReadDemographics)
}

/// A count as `principal` may see it.
pub(crate) fn shown(count: i64, aggregate_only: bool) -> Option<i64> {
    (!(aggregate_only && alerts::suppressed(count, query::PUBLIC_HEALTH_MIN_CELL))).then_some(count)
}

fn audit(state: &AppState, principal: &Principal, reason: &str) -> Result<(), WebError> {
    let event = principal
        .event(state.store.clock().now(), Action::Read)
        .categories(&[DataCategory::Encounters, DataCategory::Diagnoses])
        .reason(reason);
    state.trail.record(&state.store, &event)?;
    Ok(())
}

/// What a curve is asked for.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CurveParams {
    /// The syndrome id (`ili`); the first in force when absent.
    pub syndrome: Option<String>,
    /// A ZIP3, or `all` (default).
    pub place: Option<String>,
    /// First day (YYYY-MM-DD); 90 days before `to` when absent.
    pub from: Option<String>,
    /// Last day; today when absent.
    pub to: Option<String>,
    /// The method whose expectations are drawn (c1, c2, c3, ewma, cusum, regression,
    /// switch, nbinom, serfling, farrington; default c2). The weekly methods' figures are for
    /// MMWR weeks, given on each week's Saturday.
    pub method: Option<String>,
}

/// The curve asked for, with the syndrome id and place it was drawn for.
pub(crate) struct Curve {
    pub syndrome: String,
    pub place: String,
    pub method: Method,
    pub from: Date,
    pub to: Date,
    pub curve: EpiCurve,
}

/// The epi curve for `params`, audited.
pub(crate) async fn curve(
    state: &AppState,
    principal: Principal,
    params: CurveParams,
) -> Result<Curve, WebError> {
    state
        .blocking(move |state| {
            let set = state
                .syndromes()
                .ok_or_else(|| WebError::internal("the syndromes could not be read"))?;
            let syndrome = match params.syndrome.filter(|s| !s.trim().is_empty()) {
                Some(id) if set.get(&id).is_some() => id,
                Some(id) => {
                    let known: Vec<&str> = set.enabled().map(|s| s.id.as_str()).collect();
                    return Err(WebError::bad(
                        "syndrome",
                        format!("\"{id}\" is not one of {}", known.join(", ")),
                    ));
                }
                None => set
                    .enabled()
                    .next()
                    .map(|s| s.id.clone())
                    .ok_or_else(|| WebError::bad("syndrome", "no syndrome is enabled"))?,
            };
            let place = params
                .place
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| ALL_PLACES.to_owned());
            if place != ALL_PLACES
                && !(place.len() == 3 && place.bytes().all(|b| b.is_ascii_digit())
                    || place == "unk")
            {
                return Err(WebError::bad(
                    "place",
                    format!("\"{place}\" is not a ZIP3, unk or all"),
                ));
            }
            let method = method(params.method.as_deref())?;
            let today = state.store.clock().now().date();
            let (from, to) = range(params.from.as_deref(), params.to.as_deref(), today)?;
            let curve = state
                .store
                .read(|tx| alerts::epi_curve(tx, &syndrome, &place, from, to, method))?;
            audit(
                state,
                &principal,
                &format!("surveillance counts: {syndrome} in {place}, {from} to {to}"),
            )?;
            Ok(Curve {
                syndrome,
                place,
                method,
                from,
                to,
                curve,
            })
        })
        .await
}

fn alert_json(alert: &Stored<SurveillanceAlert>, aggregate_only: bool) -> Value {
    alerts::alert_json(alert, shown(alert.record.observed, aggregate_only))
}

/// `GET /api/surveillance/counts`.
async fn counts_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    params: Result<Query<CurveParams>, QueryRejection>,
) -> Result<Json<Value>, WebError> {
    let Query(params) = params.map_err(|e| WebError::bad("query", e.body_text()))?;
    let hidden = aggregate_only(&principal);
    let found = curve(&state, principal, params).await?;
    let days: Vec<Value> = found
        .curve
        .days
        .iter()
        .zip(&found.curve.points)
        .map(|(day, point)| alerts::day_json(day, point.as_ref(), |n| shown(n, hidden)))
        .collect();
    Ok(Json(json!({
        "syndrome": found.syndrome,
        "place": found.place,
        "method": found.method.as_str(),
        "from": found.from.to_string(),
        "to": found.to.to_string(),
        "small_cells_suppressed": hidden,
        "too_short": found.curve.too_short.map(|t| t.to_string()),
        "days": days,
        "alerts": found.curve.alerts.iter().map(|a| alert_json(a, hidden)).collect::<Vec<_>>(),
    })))
}

/// Queue filters.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueParams {
    /// open, investigated, dismissed or escalated (every status when absent).
    pub status: Option<String>,
    /// One syndrome.
    pub syndrome: Option<String>,
    /// One place.
    pub place: Option<String>,
}

/// The alert queue for `params`, audited.
pub(crate) async fn queue(
    state: &AppState,
    principal: Principal,
    params: QueueParams,
) -> Result<Vec<Stored<SurveillanceAlert>>, WebError> {
    let status = match params.status.as_deref().filter(|s| !s.trim().is_empty()) {
        None => None,
        Some(name) => Some(AlertStatus::parse(name).ok_or_else(|| {
            WebError::bad(
                "status",
                format!("\"{name}\" is not open, investigated, dismissed or escalated"),
            )
        })?),
    };
    let filter = QueueFilter {
        status,
        syndrome: params.syndrome.filter(|s| !s.trim().is_empty()),
        place: params.place.filter(|s| !s.trim().is_empty()),
        limit: 200,
    };
    state
        .blocking(move |state| {
            let found = state.store.read(|tx| alerts::queue(tx, &filter))?;
            audit(state, &principal, "surveillance alert queue")?;
            Ok(found)
        })
        .await
}

/// `GET /api/surveillance/alerts`.
async fn alerts_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    params: Result<Query<QueueParams>, QueryRejection>,
) -> Result<Json<Value>, WebError> {
    let Query(params) = params.map_err(|e| WebError::bad("query", e.body_text()))?;
    let hidden = aggregate_only(&principal);
    let found = queue(&state, principal, params).await?;
    Ok(Json(json!({
        "small_cells_suppressed": hidden,
        "alerts": found.iter().map(|a| alert_json(a, hidden)).collect::<Vec<_>>(),
    })))
}

/// How an alert was worked.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkBody {
    /// investigated, dismissed or escalated.
    #[schema(schema_with = crate::api_schema::alert_work, required = true)]
    pub status: String,
    /// What was found or done.
    #[schema(schema_with = crate::api_schema::said, required = true)]
    pub note: String,
}

/// Works alert `id` as `principal`, with its audit entry (old and new values) in the same
/// transaction.
pub(crate) async fn work(
    state: &AppState,
    principal: Principal,
    id: i64,
    body: WorkBody,
) -> Result<Stored<SurveillanceAlert>, WebError> {
    let status = AlertStatus::parse(&body.status)
        .filter(|s| *s != AlertStatus::Open)
        .ok_or_else(|| {
            WebError::bad(
                "status",
                format!(
                    "\"{}\" is not investigated, dismissed or escalated",
                    body.status
                ),
            )
        })?;
    if body.note.trim().is_empty() {
        return Err(WebError::bad("note", "say what was found or done"));
    }
    state
        .blocking(move |state| {
            let actor = Actor::new(format!("user:{}", principal.username));
            let event = principal.event(state.store.clock().now(), Action::Update);
            state
                .trail
                .write(&state.store, |audited| {
                    alerts::work_audited(audited, &actor, id, status, &body.note, event)
                })
                .map_err(WebError::from)
        })
        .await
}

pub(crate) fn parse_id(text: &str) -> Result<i64, WebError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| WebError::bad("id", format!("\"{text}\" is not an alert id")))
}

/// `POST /api/surveillance/alerts/{id}/work`.
async fn work_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<WorkBody>,
) -> Result<Json<Value>, WebError> {
    let id = parse_id(&id)?;
    let hidden = aggregate_only(&principal);
    let worked = work(&state, principal, id, body).await?;
    Ok(Json(json!({ "alert": alert_json(&worked, hidden) })))
}

/// A detection run.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DetectBody {
    /// First day that may alert (14 days before `to` when absent).
    #[schema(schema_with = crate::api_schema::date)]
    pub from: Option<String>,
    /// Last day (today when absent).
    #[schema(schema_with = crate::api_schema::date)]
    pub to: Option<String>,
    /// Methods (c1, c2, c3, ewma, cusum, regression, switch, nbinom, serfling, farrington;
    /// default c2 and ewma).
    #[serde(default)]
    #[schema(schema_with = crate::api_schema::detection_methods)]
    pub methods: Vec<String>,
    /// Only these syndromes.
    #[serde(default)]
    pub syndromes: Vec<String>,
}

/// `POST /api/surveillance/detect`.
async fn detect_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    JsonBody(body): JsonBody<DetectBody>,
) -> Result<Json<Value>, WebError> {
    let mut methods = Vec::new();
    for name in &body.methods {
        methods.push(method(Some(name))?);
    }
    if methods.is_empty() {
        methods = alerts::DEFAULT_METHODS.to_vec();
    }
    let summary = state
        .blocking(move |state| {
            let set = state
                .syndromes()
                .ok_or_else(|| WebError::internal("the syndromes could not be read"))?;
            for id in &body.syndromes {
                if set.get(id).is_none() {
                    return Err(WebError::bad(
                        "syndromes",
                        format!("\"{id}\" is not a syndrome"),
                    ));
                }
            }
            let today = state.store.clock().now().date();
            let to = match body.to.as_deref() {
                Some(text) => date("to", text)?,
                None => today,
            };
            let (from, to) = range(
                Some(
                    body.from
                        .clone()
                        .unwrap_or_else(|| (to - Duration::days(13)).to_string())
                        .as_str(),
                ),
                Some(to.to_string().as_str()),
                today,
            )?;
            let actor = Actor::new(format!("user:{}", principal.username));
            surveillance::counts::step(&state.store, &set)?;
            let options = DetectOptions {
                methods,
                from,
                to,
                syndromes: body.syndromes.clone(),
                by_place: true,
                min_observed: 1,
            };
            // The alerts opened or updated are sealed into an entry of their own.
            let wrote = principal
                .event(state.store.clock().now(), Action::Update)
                .categories(&[DataCategory::Encounters, DataCategory::Diagnoses])
                .reason("surveillance alerts");
            let summary = state.trail.write(&state.store, |audited| {
                let summary = alerts::detect(&mut audited.records(), &actor, &set, &options)?;
                audited.append_pending_writes(&wrote)?;
                Ok(summary)
            })?;
            audit(
                state,
                &principal,
                &format!("surveillance detection {from} to {to}"),
            )?;
            Ok(summary)
        })
        .await?;
    Ok(Json(json!({
        "series": summary.series,
        "opened": summary.opened,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "too_short": summary.too_short,
    })))
}

/// The surveillance API's routes.
pub(crate) fn routes() -> Vec<Entry> {
    let aggregates = Access::Needs(Permission::ReadAggregates);
    vec![
        route(
            HttpMethod::GET,
            "/api/surveillance/counts",
            aggregates,
            false,
            "a syndrome's daily visits and all visits in a place (?syndrome=&place=&from=&to=&method=), with the method's expected counts, thresholds and alerts; small cells suppressed for aggregate-only roles",
            get(counts_api),
        ),
        route(
            HttpMethod::GET,
            "/api/surveillance/alerts",
            aggregates,
            false,
            "the public-health alert queue (?status=&syndrome=&place=), open and red first",
            get(alerts_api),
        ),
        route(
            HttpMethod::POST,
            "/api/surveillance/alerts/{id}/work",
            Access::Needs(Permission::WorkSurveillanceAlerts),
            false,
            "mark an alert investigated, dismissed or escalated with a note",
            post(work_api),
        )
        .takes::<WorkBody>(),
        route(
            HttpMethod::POST,
            "/api/surveillance/detect",
            aggregates,
            false,
            "bring the counts up to date and run detection (from, to, methods, syndromes), keeping one alert per syndrome, place, day and method",
            post(detect_api),
        )
        .takes::<DetectBody>(),
    ]
}
