//! Immunization coverage over the JSON API: `GET /api/reports/coverage/childhood` (the
//! 4:3:1:3:3:1:4 series by the second birthday) and `.../influenza` (by age band in the
//! season holding the as-of day), `?as_of=YYYY-MM-DD` (today by default). Aggregate only;
//! for roles without patient-level reads, counts from 1 to 10 are withheld (`null`, with
//! `small_cells_suppressed`), as the surveillance pages do. Each read is audited as an
//! aggregate read of demographics and immunizations. The counting is `reports::coverage`'s.
//! `GET /api/patients/{id}/immunization-catch-up` is the one patient-level answer: one
//! child's next dose of each childhood series not complete (`reports::coverage::catch_up`),
//! for roles that read clinical data, audited as a read of that chart.

use crate::auth::Principal;
use crate::error::WebError;
use crate::guard::{Access, Entry, route};
use crate::state::AppState;
use crate::surveillance_api::{aggregate_only, date};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::Method as HttpMethod;
use axum::routing::get;
use privacy::{Action, DataCategory, Permission};
use reports::coverage::{CoverageTable, Report};
use serde::Deserialize;

/// The day asked.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoverageParams {
    /// The as-of day (YYYY-MM-DD); today when absent.
    pub as_of: Option<String>,
}

async fn coverage(
    state: AppState,
    principal: Principal,
    params: Result<Query<CoverageParams>, QueryRejection>,
    report: Report,
) -> Result<Json<CoverageTable>, WebError> {
    let Query(params) = params.map_err(|e| WebError::bad("query", e.body_text()))?;
    let hidden = aggregate_only(&principal);
    state
        .blocking(move |state| {
            let as_of = match params.as_of.as_deref().filter(|t| !t.trim().is_empty()) {
                Some(text) => date("as_of", text)?,
                None => state.store.clock().now().date(),
            };
            let table = state.store.read(|tx| {
                reports::coverage::report(tx, report, as_of, hidden, query::PUBLIC_HEALTH_MIN_CELL)
            })?;
            let event = principal
                .event(state.store.clock().now(), Action::Read)
                .categories(&[DataCategory::Demographics, DataCategory::Immunizations])
                .reason(&format!(
                    "immunization coverage: {} as of {as_of}",
                    table.report
                ));
            state.trail.record(&state.store, &event)?;
            Ok(Json(table))
        })
        .await
}

/// `GET /api/reports/coverage/childhood`.
async fn childhood_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    params: Result<Query<CoverageParams>, QueryRejection>,
) -> Result<Json<CoverageTable>, WebError> {
    coverage(state, principal, params, Report::Childhood).await
}

/// `GET /api/reports/coverage/influenza`.
async fn influenza_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    params: Result<Query<CoverageParams>, QueryRejection>,
) -> Result<Json<CoverageTable>, WebError> {
    coverage(state, principal, params, Report::Influenza).await
}

/// `GET /api/patients/{id}/immunization-catch-up?as_of=`: the child's catch-up list on the
/// day (today by default), audited before it is returned.
async fn catch_up_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
    params: Result<Query<CoverageParams>, QueryRejection>,
) -> Result<Json<serde_json::Value>, WebError> {
    let id = crate::patients::parse_id(&id)?;
    let Query(params) = params.map_err(|e| WebError::bad("query", e.body_text()))?;
    state
        .blocking(move |state| {
            let as_of = match params.as_of.as_deref().filter(|t| !t.trim().is_empty()) {
                Some(text) => date("as_of", text)?,
                None => state.store.clock().now().date(),
            };
            let minimums =
                reports::coverage::validity::Minimums::acip().map_err(WebError::internal)?;
            let person = state
                .store
                .read(|tx| reports::coverage::read_person(tx, id))?
                .ok_or(store::Error::NotFound {
                    kind: "patient",
                    id,
                })?;
            let due = reports::coverage::catch_up::catch_up(&person, as_of, &minimums);
            state.trail.write(&state.store, |audited| {
                let event = principal
                    .event(audited.now(), Action::Read)
                    .patient(records::PatientId(id))
                    .record("patient", id)
                    .categories(&[DataCategory::Demographics, DataCategory::Immunizations])
                    .reason(&format!("immunization catch-up list as of {as_of}"));
                audited.append(&event)?;
                Ok(())
            })?;
            Ok(Json(
                serde_json::json!({ "as_of": as_of.to_string(), "due": due }),
            ))
        })
        .await
}

/// The coverage routes.
pub(crate) fn routes() -> Vec<Entry> {
    let aggregates = Access::Needs(Permission::ReadAggregates);
    vec![
        route(
            HttpMethod::GET,
            "/api/reports/coverage/childhood",
            aggregates,
            false,
            "childhood immunization coverage (?as_of=): children who turned two in the year to the day, each series of 4:3:1:3:3:1:4 (DTaP, polio, MMR, Hib, HepB, varicella, PCV) complete by the second birthday; small cells suppressed for aggregate-only roles",
            get(childhood_api),
        ),
        route(
            HttpMethod::GET,
            "/api/reports/coverage/influenza",
            aggregates,
            false,
            "seasonal influenza coverage (?as_of=) by age band in the season (1 July to 30 June) holding the day; small cells suppressed for aggregate-only roles",
            get(influenza_api),
        ),
        route(
            HttpMethod::GET,
            "/api/patients/{id}/immunization-catch-up",
            Access::Needs(Permission::ReadClinical),
            true,
            "a child's immunization catch-up list (?as_of=): the next dose of each childhood series not complete (DTaP, polio, MMR, Hib, HepB, varicella, PCV), the earliest day ACIP's minimum ages and intervals and the 28 days between live vaccines allow it, due and overdue",
            get(catch_up_api),
        ),
    ]
}
