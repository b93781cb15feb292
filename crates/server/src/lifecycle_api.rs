//! Archival, restore and destruction over the JSON API: archive the charts the retention
//! report finds eligible (or one of them), list and read archived charts, restore one,
//! request the destruction of charts and approve a request as a second person, and
//! register a paper chart volume. The HIM pages (`web::lifecycle`) call the same cores.
//!
//! Every step is `archive`'s, in one transaction with the audit entry
//! `archive::events` words as the command line does; the permission is
//! `manage-records-lifecycle` (HIM). A refusal (a hold, a chart not yet due, the
//! requester approving) is a 409 naming why; a bad field is a 422 naming it.

use crate::auth::Principal;
use crate::body::JsonBody;
use crate::charts_api::{desk_error, optional_date, parse_id, retention_schedule, with_desk};
use crate::error::WebError;
use crate::guard::{Access, Entry, route};
use crate::state::AppState;
use archive::events::{ChartStep, chart_entry, destruction_entry};
use archive::{ArchivalReport, ArchiveManifest, Archivist};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::routing::{get, post};
use privacy::{Action, DataCategory, Permission};
use serde::{Deserialize, Serialize};
use store::{ArchivedChart, ChartVolume, DestructionRequest, PatientSummary};
use time::Date;

/// Runs `work` as an archivist acting for `principal`, with the base of its audit entries.
async fn as_archivist<T: Send + 'static>(
    state: &AppState,
    principal: Principal,
    work: impl FnOnce(
        Archivist<'_>,
        &dyn Fn(Action) -> privacy::AuditEvent,
        &AppState,
    ) -> Result<T, WebError>
    + Send
    + 'static,
) -> Result<T, WebError> {
    state
        .blocking(move |state| {
            let event = |action: Action| principal.event(state.store.clock().now(), action);
            let who = Archivist {
                trail: &state.trail,
                store: &state.store,
                data_dir: state.trail.dir(),
                by: &principal.username,
            };
            work(who, &event, state)
        })
        .await
}

fn as_of_or_today(state: &AppState, as_of: Option<Date>) -> Date {
    as_of.unwrap_or_else(|| state.store.clock().now().date())
}

/// A live or archived chart named by MRN or record id, for `field`.
fn patient_named(state: &AppState, field: &str, reference: &str) -> Result<i64, WebError> {
    let text = reference.trim();
    if let Some(id) = state
        .store
        .read(|tx| archive::archived_patient(tx, text))
        .map_err(WebError::from)?
    {
        return Ok(id);
    }
    state
        .store
        .read(|tx| mpi::find_patient(tx, text))
        .map(|p| p.meta.id)
        .map_err(|_| {
            WebError::bad(
                field,
                format!("no live or archived chart has the MRN or record id \"{text}\""),
            )
        })
}

/// Which archived charts to list.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArchivedParams {
    /// An MRN, or the beginning of a family name (and given name); every archived chart
    /// when absent.
    pub search: Option<String>,
}

/// The archived charts found (audited as a read of the patients listed).
pub(crate) async fn archived(
    state: &AppState,
    principal: Principal,
    search: Option<String>,
) -> Result<Vec<ArchivedChart>, WebError> {
    as_archivist(state, principal, move |who, event, _| {
        let search = search.as_deref().map(str::trim).filter(|s| !s.is_empty());
        archive::find_archived_audited(who, search, &|shown| {
            let people: Vec<records::PatientId> =
                shown.iter().map(|&id| records::PatientId(id)).collect();
            event(Action::Read)
                .patients(&people)
                .categories(&[DataCategory::Demographics])
                .reason("archived chart search")
        })
        .map_err(desk_error)
    })
    .await
}

async fn archived_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    params: Result<Query<ArchivedParams>, QueryRejection>,
) -> Result<Json<Vec<ArchivedChart>>, WebError> {
    let Query(params) = params.map_err(|e| WebError::bad("query", e.body_text()))?;
    Ok(Json(archived(&state, principal, params.search).await?))
}

/// An archival run.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArchiveBody {
    /// Only this chart (MRN or record id); every eligible chart when absent.
    pub patient: Option<String>,
    /// The day eligibility is judged on (YYYY-MM-DD); today when absent.
    pub as_of: Option<String>,
}

/// Archives the eligible charts (or one), each in its own audited transaction.
pub(crate) async fn archive_charts(
    state: &AppState,
    principal: Principal,
    body: ArchiveBody,
) -> Result<ArchivalReport, WebError> {
    let as_of = optional_date("as_of", body.as_of.as_deref())?;
    as_archivist(state, principal, move |who, event, state| {
        let only = body
            .patient
            .as_deref()
            .filter(|p| !p.trim().is_empty())
            .map(|p| {
                state
                    .store
                    .read(|tx| mpi::find_patient(tx, p.trim()))
                    .map(|found| found.meta.id)
                    .map_err(|_| {
                        WebError::bad(
                            "patient",
                            format!("no live chart has the MRN or record id \"{}\"", p.trim()),
                        )
                    })
            })
            .transpose()?;
        let schedule = retention_schedule(state)?;
        let as_of = as_of_or_today(state, as_of);
        archive::archive_eligible(who, &schedule, as_of, only, &|entry| {
            chart_entry(event(Action::Delete), ChartStep::Archived, entry)
        })
        .map_err(desk_error)
    })
    .await
}

async fn archive_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    JsonBody(body): JsonBody<ArchiveBody>,
) -> Result<Json<ArchivalReport>, WebError> {
    Ok(Json(archive_charts(&state, principal, body).await?))
}

/// An archived chart read back from its file (checksums checked).
#[derive(Debug, Serialize)]
pub struct ArchivedChartView {
    /// The index row: where and when.
    pub entry: ArchivedChart,
    /// The file's own manifest (rows per table, the payload's SHA-256).
    pub manifest: ArchiveManifest,
    /// The chart, as a live chart reads.
    pub chart: PatientSummary,
}

/// Reads archived chart `patient_id` (audited as a read of the whole chart).
pub(crate) async fn read_archived(
    state: &AppState,
    principal: Principal,
    patient_id: i64,
) -> Result<ArchivedChartView, WebError> {
    as_archivist(state, principal, move |who, event, _| {
        let read = archive::read_archived_audited(who, patient_id, &|entry| {
            chart_entry(event(Action::Read), ChartStep::Read, entry)
        })
        .map_err(desk_error)?;
        Ok(ArchivedChartView {
            entry: read.entry,
            manifest: read.manifest,
            chart: read.chart,
        })
    })
    .await
}

async fn read_archived_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<ArchivedChartView>, WebError> {
    let id = parse_id("id", &id)?;
    Ok(Json(read_archived(&state, principal, id).await?))
}

/// Puts archived chart `patient_id` back into the live store.
pub(crate) async fn restore(
    state: &AppState,
    principal: Principal,
    patient_id: i64,
) -> Result<ArchivedChart, WebError> {
    as_archivist(state, principal, move |who, event, _| {
        archive::restore_chart(who, patient_id, &|entry| {
            chart_entry(event(Action::Create), ChartStep::Restored, entry)
        })
        .map_err(desk_error)
    })
    .await
}

async fn restore_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<ArchivedChart>, WebError> {
    let id = parse_id("id", &id)?;
    Ok(Json(restore(&state, principal, id).await?))
}

/// Every destruction request with its certificate (audited as a read of the patients
/// they name).
pub(crate) async fn destruction_requests(
    state: &AppState,
    principal: Principal,
) -> Result<Vec<DestructionRequest>, WebError> {
    as_archivist(state, principal, move |who, event, _| {
        archive::destruction_requests_audited(who, &|named| {
            let people: Vec<records::PatientId> =
                named.iter().map(|&id| records::PatientId(id)).collect();
            event(Action::Read)
                .patients(&people)
                .categories(&[DataCategory::Demographics])
                .reason("destruction requests and certificates")
        })
        .map_err(desk_error)
    })
    .await
}

async fn destruction_requests_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
) -> Result<Json<Vec<DestructionRequest>>, WebError> {
    Ok(Json(destruction_requests(&state, principal).await?))
}

/// The method a destruction names when none is given.
pub use archive::destruction::DEFAULT_METHOD;

/// A request to destroy charts.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DestructionBody {
    /// The charts (MRNs or record ids; live or archived).
    pub patients: Vec<String>,
    /// How the records are destroyed (a default describes the store's deletion).
    pub method: Option<String>,
    /// Why (the retention rule, the policy).
    pub reason: String,
    /// The day eligibility is judged on (YYYY-MM-DD); today when absent.
    pub as_of: Option<String>,
}

/// Records a destruction request.
pub(crate) async fn request_destruction(
    state: &AppState,
    principal: Principal,
    body: DestructionBody,
) -> Result<DestructionRequest, WebError> {
    if body.reason.trim().is_empty() {
        return Err(WebError::bad(
            "reason",
            "say why the charts may be destroyed",
        ));
    }
    let as_of = optional_date("as_of", body.as_of.as_deref())?;
    as_archivist(state, principal, move |who, event, state| {
        let mut ids = Vec::new();
        for reference in body.patients.iter().filter(|p| !p.trim().is_empty()) {
            ids.push(patient_named(state, "patients", reference)?);
        }
        if ids.is_empty() {
            return Err(WebError::bad(
                "patients",
                "name at least one chart to destroy",
            ));
        }
        let method = body
            .method
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .unwrap_or(DEFAULT_METHOD);
        let schedule = retention_schedule(state)?;
        let as_of = as_of_or_today(state, as_of);
        archive::request_destruction(who, &schedule, as_of, &ids, method, &body.reason, &|r| {
            destruction_entry(event(Action::Delete), r, "destruction requested")
        })
        .map_err(desk_error)
    })
    .await
}

async fn request_destruction_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    JsonBody(body): JsonBody<DestructionBody>,
) -> Result<Json<DestructionRequest>, WebError> {
    Ok(Json(request_destruction(&state, principal, body).await?))
}

/// The approval of a destruction request.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalBody {
    /// The day eligibility is judged on again (YYYY-MM-DD); today when absent.
    pub as_of: Option<String>,
}

/// Approves request `id` as a second person: the charts are destroyed and the
/// certificate written.
pub(crate) async fn approve_destruction(
    state: &AppState,
    principal: Principal,
    id: i64,
    body: ApprovalBody,
) -> Result<DestructionRequest, WebError> {
    let as_of = optional_date("as_of", body.as_of.as_deref())?;
    as_archivist(state, principal, move |who, event, state| {
        let schedule = retention_schedule(state)?;
        let as_of = as_of_or_today(state, as_of);
        archive::approve_destruction(who, &schedule, as_of, id, &|r| {
            destruction_entry(event(Action::Delete), r, "records destroyed")
        })
        .map_err(desk_error)
    })
    .await
}

async fn approve_destruction_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ApprovalBody>,
) -> Result<Json<DestructionRequest>, WebError> {
    let id = parse_id("id", &id)?;
    Ok(Json(
        approve_destruction(&state, principal, id, body).await?,
    ))
}

/// A paper chart volume to register.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VolumeBody {
    /// The patient (MRN or record id).
    pub patient: String,
    /// Its home shelf.
    pub home: String,
}

/// Registers a new volume of a patient's paper chart (its barcode is assigned).
pub(crate) async fn register_volume(
    state: &AppState,
    principal: Principal,
    body: VolumeBody,
) -> Result<ChartVolume, WebError> {
    if body.home.trim().is_empty() {
        return Err(WebError::bad("home", "name the shelf the volume lives on"));
    }
    with_desk(state, principal, move |desk, state| {
        let patient = state
            .store
            .read(|tx| mpi::find_patient(tx, body.patient.trim()))
            .map_err(|_| {
                WebError::bad(
                    "patient",
                    format!(
                        "no patient has the MRN or record id \"{}\"",
                        body.patient.trim()
                    ),
                )
            })?;
        desk.register(patient.meta.id, body.home.trim())
            .map_err(desk_error)
    })
    .await
}

async fn register_volume_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    JsonBody(body): JsonBody<VolumeBody>,
) -> Result<Json<ChartVolume>, WebError> {
    Ok(Json(register_volume(&state, principal, body).await?))
}

/// The archival and destruction API's routes.
pub(crate) fn routes() -> Vec<Entry> {
    let him = Access::Needs(Permission::ManageRecordsLifecycle);
    vec![
        route(
            Method::GET,
            "/api/archive",
            him,
            false,
            "archived charts (?search= MRN or name): where, when and by whom, destruction date",
            get(archived_api),
        ),
        route(
            Method::POST,
            "/api/archive",
            him,
            false,
            "archive the charts eligible on as_of and under no hold (or only patient), each in its own transaction",
            post(archive_api),
        )
        .takes::<ArchiveBody>(),
        route(
            Method::GET,
            "/api/archive/{id}",
            him,
            false,
            "an archived chart read back from its file, checksums checked",
            get(read_archived_api),
        ),
        route(
            Method::POST,
            "/api/archive/{id}/restore",
            him,
            false,
            "put an archived chart back into the live store under its own ids",
            post(restore_api),
        ),
        route(
            Method::GET,
            "/api/destruction",
            him,
            false,
            "destruction requests and their certificates of destruction",
            get(destruction_requests_api),
        ),
        route(
            Method::POST,
            "/api/destruction",
            him,
            false,
            "request the destruction of charts due for it and under no hold",
            post(request_destruction_api),
        )
        .takes::<DestructionBody>(),
        route(
            Method::POST,
            "/api/destruction/{id}/approve",
            him,
            false,
            "approve a destruction request as a second person: the charts are destroyed and the certificate written",
            post(approve_destruction_api),
        )
        .takes::<ApprovalBody>(),
        route(
            Method::POST,
            "/api/charts/volumes",
            him,
            false,
            "register a new paper chart volume for a patient on a home shelf (its barcode is assigned)",
            post(register_volume_api),
        )
        .takes::<VolumeBody>(),
    ]
}
