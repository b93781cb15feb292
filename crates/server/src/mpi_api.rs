//! The master patient index over the JSON API: the duplicate queue, one pair side by side,
//! decisions, merge, unmerge and the index's figures. The pages (`web::mpi`) call the same
//! cores, so a page cannot show or change more than the API would; the store writes each
//! change with its audit entry in one transaction.

use crate::auth::Principal;
use crate::body::JsonBody;
use crate::error::WebError;
use crate::guard::{Access, Entry, route};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::routing::{get, post};
use mpi::{IndexStats, PairView};
use privacy::{Action, DataCategory, Permission};
use records::PatientId;
use serde::Deserialize;
use serde_json::{Value, json};
use store::{Actor, DecisionRecord, MergeRecord, PairDecision};

/// Which pairs to list; every field optional.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MpiQueueBody {
    /// Statuses (open, needs_info, duplicate, not_duplicate, merged); default: open and
    /// needs_info.
    #[serde(default)]
    #[schema(schema_with = crate::api_schema::pair_statuses)]
    pub status: Vec<String>,
    /// At most this many (default 100).
    pub limit: Option<i64>,
}

const STATUSES: &[&str] = &["open", "needs_info", "duplicate", "not_duplicate", "merged"];

impl MpiQueueBody {
    fn statuses(&self) -> Result<Vec<&'static str>, WebError> {
        if self.status.is_empty() {
            return Ok(vec!["open", "needs_info"]);
        }
        self.status
            .iter()
            .map(|name| {
                let name = name.trim().replace('-', "_");
                STATUSES
                    .iter()
                    .find(|s| **s == name)
                    .copied()
                    .ok_or_else(|| {
                        WebError::bad(
                            "status",
                            format!("\"{name}\" is not open, needs_info, duplicate, not_duplicate or merged"),
                        )
                    })
            })
            .collect()
    }
}

fn shown(
    principal: &Principal,
    now: time::OffsetDateTime,
    ids: &[i64],
    why: &str,
) -> Vec<privacy::AuditEvent> {
    ids.iter()
        .map(|id| {
            principal
                .event(now, Action::Read)
                .patient(PatientId(*id))
                .record("patient", *id)
                .categories(&[DataCategory::Demographics, DataCategory::Encounters])
                .reason(why)
        })
        .collect()
}

/// The queue for `body`, audited as a read of each patient listed.
pub(crate) async fn queue(
    state: &AppState,
    principal: Principal,
    body: MpiQueueBody,
) -> Result<Vec<PairView>, WebError> {
    let statuses = body.statuses()?;
    let limit = body.limit.unwrap_or(100).clamp(1, 1000);
    state
        .blocking(move |state| {
            let now = state.store.clock().now();
            Ok(state.trail.write(&state.store, |audited| {
                let views = mpi::queue(&mut audited.records(), &statuses, limit)?;
                let ids: Vec<i64> = views.iter().flat_map(PairView::patient_ids).collect();
                for event in shown(
                    &principal,
                    now,
                    &ids,
                    "patient index: duplicate queue listed",
                ) {
                    audited.append(&event)?;
                }
                Ok(views)
            })?)
        })
        .await
}

/// One pair side by side, audited as a read of both patients.
pub(crate) async fn pair(
    state: &AppState,
    principal: Principal,
    id: i64,
) -> Result<PairView, WebError> {
    state
        .blocking(move |state| {
            let now = state.store.clock().now();
            Ok(state.trail.write(&state.store, |audited| {
                let view = {
                    let mut tx = audited.records();
                    let pair = tx.candidate_pair(id)?;
                    mpi::pair_view(&mut tx, pair)?
                };
                for event in shown(
                    &principal,
                    now,
                    &view.patient_ids(),
                    "patient index: pair compared side by side",
                ) {
                    audited.append(&event)?;
                }
                Ok(view)
            })?)
        })
        .await
}

fn required(field: &str, value: Option<String>) -> Result<String, WebError> {
    value
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| WebError::bad(field, "is required"))
}

/// Records a decision on pair `id`.
pub(crate) async fn decide(
    state: &AppState,
    principal: Principal,
    id: i64,
    decision: Option<String>,
    reason: Option<String>,
) -> Result<DecisionRecord, WebError> {
    let decision = required("decision", decision)?;
    let decision = PairDecision::parse(&decision).ok_or_else(|| {
        WebError::bad(
            "decision",
            format!("\"{decision}\" is not duplicate, not_duplicate or needs_info"),
        )
    })?;
    let reason = required("reason", reason)?;
    state
        .blocking(move |state| {
            let event = principal.event(state.store.clock().now(), Action::Update);
            Ok(state.trail.write(&state.store, |audited| {
                audited.decide_pair(id, decision, &reason, event)
            })?)
        })
        .await
}

/// The open possible overlays (oldest first, at most 100), each with its chart as it is
/// now, audited as a read of each patient listed.
pub(crate) async fn overlays(
    state: &AppState,
    principal: Principal,
) -> Result<Vec<(store::OverlayFlag, store::Stored<records::Patient>)>, WebError> {
    state
        .blocking(move |state| {
            let now = state.store.clock().now();
            Ok(state.trail.write(&state.store, |audited| {
                let listed = {
                    let mut tx = audited.records();
                    let mut listed = Vec::new();
                    for flag in tx.overlay_flags(&["open"], 100)? {
                        let chart = tx.get::<records::Patient>(flag.patient_id)?;
                        listed.push((flag, chart));
                    }
                    listed
                };
                let ids: Vec<i64> = listed.iter().map(|(f, _)| f.patient_id).collect();
                for event in shown(
                    &principal,
                    now,
                    &ids,
                    "patient index: possible overlays listed",
                ) {
                    audited.append(&event)?;
                }
                Ok(listed)
            })?)
        })
        .await
}

/// Records a decision on possible overlay `id` (`one_person` or `overlay`).
pub(crate) async fn decide_overlay(
    state: &AppState,
    principal: Principal,
    id: i64,
    decision: Option<String>,
    reason: Option<String>,
) -> Result<store::OverlayFlag, WebError> {
    let decision = required("decision", decision)?;
    let decision = store::OverlayDecision::parse(&decision).ok_or_else(|| {
        WebError::bad(
            "decision",
            format!("\"{decision}\" is not one_person or overlay"),
        )
    })?;
    let reason = required("reason", reason)?;
    state
        .blocking(move |state| {
            let event = principal.event(state.store.clock().now(), Action::Update);
            Ok(state.trail.write(&state.store, |audited| {
                audited.decide_overlay(id, decision, &reason, event)
            })?)
        })
        .await
}

/// Merges `retired` (id or MRN) into `surviving`.
pub(crate) async fn merge(
    state: &AppState,
    principal: Principal,
    surviving: Option<String>,
    retired: Option<String>,
    reason: Option<String>,
) -> Result<MergeRecord, WebError> {
    let surviving = required("surviving", surviving)?;
    let retired = required("retired", retired)?;
    let reason = required("reason", reason)?;
    state
        .blocking(move |state| {
            let event = principal.event(state.store.clock().now(), Action::Update);
            let actor = Actor::new(format!("user:{}", principal.username));
            Ok(state.trail.write(&state.store, |audited| {
                let (keep, retire) = {
                    let mut tx = audited.records();
                    (
                        mpi::patient_by_reference(&mut tx, &surviving)?,
                        mpi::patient_by_reference(&mut tx, &retired)?,
                    )
                };
                audited.merge_patients(keep.meta.id, retire.meta.id, &reason, &actor, event)
            })?)
        })
        .await
}

/// Undoes merge `id`.
pub(crate) async fn unmerge(
    state: &AppState,
    principal: Principal,
    id: i64,
    reason: Option<String>,
) -> Result<MergeRecord, WebError> {
    let reason = required("reason", reason)?;
    state
        .blocking(move |state| {
            let event = principal.event(state.store.clock().now(), Action::Update);
            let actor = Actor::new(format!("user:{}", principal.username));
            Ok(state.trail.write(&state.store, |audited| {
                audited.unmerge_patients(id, &reason, &actor, event)
            })?)
        })
        .await
}

/// The index's figures and the latest merges (no patient named; audited as one read).
pub(crate) async fn stats(
    state: &AppState,
    principal: Principal,
) -> Result<(IndexStats, Vec<MergeRecord>), WebError> {
    state
        .blocking(move |state| {
            let now = state.store.clock().now();
            let figures = state.store.patient_index_figures()?;
            let merges = state.store.read(|tx| tx.merges(20))?;
            let event = principal
                .event(now, Action::Read)
                .categories(&[DataCategory::Demographics])
                .reason("patient index: figures read");
            state.trail.record(&state.store, &event)?;
            Ok((mpi::stats(&figures, now), merges))
        })
        .await
}

async fn queue_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    JsonBody(body): JsonBody<MpiQueueBody>,
) -> Result<Json<Value>, WebError> {
    Ok(Json(
        json!({ "pairs": queue(&state, principal, body).await? }),
    ))
}

async fn pair_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<Value>, WebError> {
    let id = crate::patients::parse_id(&id)?;
    Ok(Json(json!({ "pair": pair(&state, principal, id).await? })))
}

/// A decision on a pair.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MpiDecideBody {
    /// duplicate, not_duplicate or needs_info.
    #[schema(schema_with = crate::api_schema::pair_decision, required = true)]
    pub decision: Option<String>,
    /// Why.
    #[schema(schema_with = crate::api_schema::said, required = true)]
    pub reason: Option<String>,
}

async fn decide_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<MpiDecideBody>,
) -> Result<Json<Value>, WebError> {
    let id = crate::patients::parse_id(&id)?;
    let decision = decide(&state, principal, id, body.decision, body.reason).await?;
    Ok(Json(json!({ "decision": decision })))
}

/// A merge: the chart that stays, the chart retired into it (record id or MRN), why.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MpiMergeBody {
    /// The surviving chart.
    #[schema(schema_with = crate::api_schema::said, required = true)]
    pub surviving: Option<String>,
    /// The retired chart.
    #[schema(schema_with = crate::api_schema::said, required = true)]
    pub retired: Option<String>,
    /// Why.
    #[schema(schema_with = crate::api_schema::said, required = true)]
    pub reason: Option<String>,
}

async fn merge_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    JsonBody(body): JsonBody<MpiMergeBody>,
) -> Result<Json<Value>, WebError> {
    let merge = merge(&state, principal, body.surviving, body.retired, body.reason).await?;
    Ok(Json(json!({ "merge": merge })))
}

/// Why a merge is undone.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MpiUnmergeBody {
    /// Why.
    #[schema(schema_with = crate::api_schema::said, required = true)]
    pub reason: Option<String>,
}

async fn unmerge_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<MpiUnmergeBody>,
) -> Result<Json<Value>, WebError> {
    let id = crate::patients::parse_id(&id)?;
    let merge = unmerge(&state, principal, id, body.reason).await?;
    Ok(Json(json!({ "merge": merge })))
}

async fn stats_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
) -> Result<Json<Value>, WebError> {
    let (stats, merges) = stats(&state, principal).await?;
    Ok(Json(json!({ "stats": stats, "merges": merges })))
}

/// The index API's routes.
pub(crate) fn routes() -> Vec<Entry> {
    let index = Access::Needs(Permission::ManagePatientIndex);
    vec![
        route(
            Method::POST,
            "/api/mpi/queue",
            index,
            true,
            "the duplicate queue: candidate pairs, most probable first, with both charts",
            post(queue_api),
        )
        .takes::<MpiQueueBody>(),
        route(
            Method::GET,
            "/api/mpi/pairs/{id}",
            index,
            true,
            "one candidate pair side by side: every field, each comparison's weight, decisions",
            get(pair_api),
        ),
        route(
            Method::POST,
            "/api/mpi/pairs/{id}/decide",
            index,
            false,
            "decide a pair: duplicate, not_duplicate (never proposed again) or needs_info, with a reason",
            post(decide_api),
        )
        .takes::<MpiDecideBody>(),
        route(
            Method::POST,
            "/api/mpi/merge",
            index,
            false,
            "merge the retired chart into the surviving one (every record moves), with a reason",
            post(merge_api),
        )
        .takes::<MpiMergeBody>(),
        route(
            Method::POST,
            "/api/mpi/merges/{id}/unmerge",
            index,
            false,
            "undo a merge: every record it moved goes back, with a reason",
            post(unmerge_api),
        )
        .takes::<MpiUnmergeBody>(),
        route(
            Method::GET,
            "/api/mpi/stats",
            index,
            true,
            "the index's figures: queue size and age, estimated duplicate rate, merges per month",
            get(stats_api),
        ),
    ]
}
