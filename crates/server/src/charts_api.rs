//! The records lifecycle over the JSON API: paper chart volumes (find by scanned barcode,
//! check-out, transfer, check-in, the overdue list, labels), the chart request queue and pull
//! list, legal holds, and the retention report. The HIM pages (`web::charts`) call the same
//! cores. Every look and change goes through `archive::paper::RecordsDesk`, in one
//! transaction with its audit entry; the permission is `manage-records-lifecycle` (HIM).

use crate::auth::Principal;
use crate::body::JsonBody;
use crate::error::WebError;
use crate::guard::{Access, Entry, route};
use crate::state::AppState;
use crate::surveillance_api::date;
use archive::paper::{HoldView, LabelFormat, LabelSymbol, RecordsDesk, VolumeView};
use archive::retention::RetentionReport;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use privacy::{Action, Permission};
use serde::Deserialize;
use store::{ChartRequest, ChartVolume, LegalHold, PullLine, RequestFilter};
use time::Date;

/// An archive error as the HTTP layer says it: refusals (a chart already out, a request
/// already filled, an unknown barcode) are conflicts naming what is wrong.
pub(crate) fn desk_error(error: archive::Error) -> WebError {
    match error {
        archive::Error::Store(e) => e.into(),
        archive::Error::Invalid(message) => WebError::Conflict(message),
        other => WebError::internal(other),
    }
}

/// Runs `work` with a desk acting for `principal`.
pub(crate) async fn with_desk<T: Send + 'static>(
    state: &AppState,
    principal: Principal,
    work: impl FnOnce(&RecordsDesk<'_>, &AppState) -> Result<T, WebError> + Send + 'static,
) -> Result<T, WebError> {
    state
        .blocking(move |state| {
            let event = |action: Action| principal.event(state.store.clock().now(), action);
            let desk = RecordsDesk {
                trail: &state.trail,
                store: &state.store,
                by: &principal.username,
                event: &event,
            };
            work(&desk, state)
        })
        .await
}

fn today(state: &AppState) -> Date {
    state.store.clock().now().date()
}

pub(crate) fn optional_date(field: &str, text: Option<&str>) -> Result<Option<Date>, WebError> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| date(field, t))
        .transpose()
}

fn required_date(field: &str, text: &str) -> Result<Date, WebError> {
    if text.trim().is_empty() {
        return Err(WebError::bad(field, "a date is required (YYYY-MM-DD)"));
    }
    date(field, text)
}

/// A scanned barcode.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChartFindBody {
    /// The barcode as the scanner typed it (case and spaces ignored).
    pub barcode: String,
}

/// The volume a barcode names, with its patient, movements and requests.
pub(crate) async fn find(
    state: &AppState,
    principal: Principal,
    barcode: String,
) -> Result<VolumeView, WebError> {
    if barcode.trim().is_empty() {
        return Err(WebError::bad("barcode", "scan or type a chart barcode"));
    }
    with_desk(state, principal, move |desk, _| {
        desk.find(&barcode).map_err(desk_error)?.ok_or_else(|| {
            WebError::NotFound(format!(
                "no chart volume has the barcode \"{}\"",
                barcode.trim()
            ))
        })
    })
    .await
}

async fn find_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    JsonBody(body): JsonBody<ChartFindBody>,
) -> Result<Json<VolumeView>, WebError> {
    Ok(Json(find(&state, principal, body.barcode).await?))
}

/// A check-out or transfer.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChartMoveBody {
    /// The barcode.
    pub barcode: String,
    /// Who takes the chart (a person or department).
    pub holder: String,
    /// Where it goes (default: the holder).
    pub location: Option<String>,
    /// Due back (YYYY-MM-DD).
    pub due_back: String,
    /// Why (the request it answers).
    pub note: Option<String>,
}

/// Whether a move is a check-out or a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MoveKind {
    /// Out from the shelf.
    CheckOut,
    /// From one holder to another.
    Transfer,
}

/// Checks a volume out, or transfers it.
pub(crate) async fn move_chart(
    state: &AppState,
    principal: Principal,
    kind: MoveKind,
    body: ChartMoveBody,
) -> Result<ChartVolume, WebError> {
    if body.holder.trim().is_empty() {
        return Err(WebError::bad("holder", "name who takes the chart"));
    }
    let due = required_date("due_back", &body.due_back)?;
    with_desk(state, principal, move |desk, _| {
        let location = body
            .location
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .unwrap_or(&body.holder);
        let note = body
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        match kind {
            MoveKind::CheckOut => desk.check_out(&body.barcode, &body.holder, location, due, note),
            MoveKind::Transfer => desk.transfer(&body.barcode, &body.holder, location, due, note),
        }
        .map_err(desk_error)
    })
    .await
}

async fn checkout_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    JsonBody(body): JsonBody<ChartMoveBody>,
) -> Result<Json<ChartVolume>, WebError> {
    Ok(Json(
        move_chart(&state, principal, MoveKind::CheckOut, body).await?,
    ))
}

async fn transfer_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    JsonBody(body): JsonBody<ChartMoveBody>,
) -> Result<Json<ChartVolume>, WebError> {
    Ok(Json(
        move_chart(&state, principal, MoveKind::Transfer, body).await?,
    ))
}

/// A check-in.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChartCheckinBody {
    /// The barcode.
    pub barcode: String,
    /// Where it is put (default: its home location).
    pub location: Option<String>,
}

/// Checks a volume in.
pub(crate) async fn check_in(
    state: &AppState,
    principal: Principal,
    body: ChartCheckinBody,
) -> Result<ChartVolume, WebError> {
    with_desk(state, principal, move |desk, _| {
        desk.check_in(&body.barcode, body.location.as_deref())
            .map_err(desk_error)
    })
    .await
}

async fn checkin_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    JsonBody(body): JsonBody<ChartCheckinBody>,
) -> Result<Json<ChartVolume>, WebError> {
    Ok(Json(check_in(&state, principal, body).await?))
}

/// The day an overdue list is judged by.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChartOverdueParams {
    /// YYYY-MM-DD; today when absent.
    pub as_of: Option<String>,
}

/// Volumes checked out past their due date.
pub(crate) async fn overdue(
    state: &AppState,
    principal: Principal,
    as_of: Option<String>,
) -> Result<(Date, Vec<VolumeView>), WebError> {
    let as_of = optional_date("as_of", as_of.as_deref())?;
    with_desk(state, principal, move |desk, state| {
        let as_of = as_of.unwrap_or_else(|| today(state));
        Ok((as_of, desk.overdue(as_of).map_err(desk_error)?))
    })
    .await
}

async fn overdue_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    params: Result<Query<ChartOverdueParams>, QueryRejection>,
) -> Result<Json<Vec<VolumeView>>, WebError> {
    let Query(params) = params.map_err(|e| WebError::bad("query", e.body_text()))?;
    Ok(Json(overdue(&state, principal, params.as_of).await?.1))
}

/// What part of the request queue to list.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChartRequestsParams {
    /// The pull list for this day (YYYY-MM-DD): open requests needed by then, in shelf order.
    pub pull: Option<String>,
    /// Every request, filled and cancelled too (`true`).
    pub all: Option<bool>,
}

/// The request queue, the pull list for a day, or every request.
pub(crate) async fn requests(
    state: &AppState,
    principal: Principal,
    pull: Option<String>,
    all: bool,
) -> Result<Vec<PullLine>, WebError> {
    let pull = optional_date("pull", pull.as_deref())?;
    let filter = if all {
        RequestFilter::All
    } else {
        RequestFilter::Open
    };
    with_desk(state, principal, move |desk, _| {
        desk.requests(filter, pull).map_err(desk_error)
    })
    .await
}

async fn requests_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    params: Result<Query<ChartRequestsParams>, QueryRejection>,
) -> Result<Json<Vec<PullLine>>, WebError> {
    let Query(params) = params.map_err(|e| WebError::bad("query", e.body_text()))?;
    Ok(Json(
        requests(&state, principal, params.pull, params.all.unwrap_or(false)).await?,
    ))
}

/// A request for a chart volume.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChartRequestBody {
    /// The volume's barcode.
    pub barcode: String,
    /// Who asks (and takes the chart).
    pub requester: String,
    /// Where the chart goes (default: the requester).
    pub deliver_to: Option<String>,
    /// Needed by (YYYY-MM-DD, today or later).
    pub needed_by: String,
    /// Why (the appointment).
    pub reason: String,
}

/// Records a request.
pub(crate) async fn request(
    state: &AppState,
    principal: Principal,
    body: ChartRequestBody,
) -> Result<ChartRequest, WebError> {
    if body.requester.trim().is_empty() {
        return Err(WebError::bad("requester", "name who asks for the chart"));
    }
    if body.reason.trim().is_empty() {
        return Err(WebError::bad("reason", "say why the chart is needed"));
    }
    let needed_by = required_date("needed_by", &body.needed_by)?;
    with_desk(state, principal, move |desk, _| {
        let deliver_to = body
            .deliver_to
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .unwrap_or(&body.requester);
        desk.request(
            &body.barcode,
            &body.requester,
            deliver_to,
            needed_by,
            &body.reason,
        )
        .map_err(desk_error)
    })
    .await
}

async fn request_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    JsonBody(body): JsonBody<ChartRequestBody>,
) -> Result<Json<ChartRequest>, WebError> {
    Ok(Json(request(&state, principal, body).await?))
}

/// Filling a request.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChartFillBody {
    /// Due back (YYYY-MM-DD); seven days after it is needed when absent.
    pub due_back: Option<String>,
}

/// Fills request `id`.
pub(crate) async fn fill(
    state: &AppState,
    principal: Principal,
    id: i64,
    due_back: Option<String>,
) -> Result<(ChartRequest, ChartVolume), WebError> {
    let due = optional_date("due_back", due_back.as_deref())?;
    with_desk(state, principal, move |desk, state| {
        let due = match due {
            Some(due) => due,
            None => {
                state
                    .store
                    .read(|tx| tx.chart_request(id))?
                    .ok_or_else(|| WebError::NotFound(format!("there is no chart request {id}")))?
                    .needed_by
                    + time::Duration::days(7)
            }
        };
        desk.fill(id, due).map_err(desk_error)
    })
    .await
}

/// A request's number in a path.
pub(crate) fn parse_id(field: &str, text: &str) -> Result<i64, WebError> {
    text.trim()
        .parse()
        .map_err(|_| WebError::bad(field, format!("\"{text}\" is not a number")))
}

async fn fill_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ChartFillBody>,
) -> Result<Json<serde_json::Value>, WebError> {
    let id = parse_id("id", &id)?;
    let (request, volume) = fill(&state, principal, id, body.due_back).await?;
    Ok(Json(
        serde_json::json!({ "request": request, "volume": volume }),
    ))
}

/// Why a request or hold ends.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClosingReasonBody {
    /// Why.
    pub reason: String,
}

/// Cancels request `id`.
pub(crate) async fn cancel(
    state: &AppState,
    principal: Principal,
    id: i64,
    reason: String,
) -> Result<ChartRequest, WebError> {
    if reason.trim().is_empty() {
        return Err(WebError::bad("reason", "say why the request is cancelled"));
    }
    with_desk(state, principal, move |desk, _| {
        desk.cancel(id, &reason).map_err(desk_error)
    })
    .await
}

async fn cancel_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ClosingReasonBody>,
) -> Result<Json<ChartRequest>, WebError> {
    let id = parse_id("id", &id)?;
    Ok(Json(cancel(&state, principal, id, body.reason).await?))
}

/// A label asked for.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChartLabelBody {
    /// The barcode.
    pub barcode: String,
    /// `png` (default) or `svg`.
    pub format: Option<String>,
    /// `code128` (default) or `qr`.
    pub symbol: Option<String>,
}

/// The label symbol named, Code 128 by default.
pub(crate) fn label_symbol(name: Option<&str>) -> Result<LabelSymbol, WebError> {
    match name.map(|n| n.trim().to_ascii_lowercase()).as_deref() {
        None | Some("" | "code128") => Ok(LabelSymbol::Code128),
        Some("qr") => Ok(LabelSymbol::Qr),
        Some(other) => Err(WebError::bad(
            "symbol",
            format!("\"{other}\" is not code128 or qr"),
        )),
    }
}

/// The label format named, PNG by default.
pub(crate) fn label_format(name: Option<&str>) -> Result<LabelFormat, WebError> {
    match name.map(|n| n.trim().to_ascii_lowercase()).as_deref() {
        None | Some("" | "png") => Ok(LabelFormat::Png),
        Some("svg") => Ok(LabelFormat::Svg),
        Some(other) => Err(WebError::bad(
            "format",
            format!("\"{other}\" is not png or svg"),
        )),
    }
}

/// A volume's label as a download.
pub(crate) async fn label(
    state: &AppState,
    principal: Principal,
    barcode: String,
    (format, symbol): (LabelFormat, LabelSymbol),
) -> Result<Response, WebError> {
    let (volume, bytes) = with_desk(state, principal, move |desk, _| {
        desk.label_with(&barcode, format, symbol)
            .map_err(desk_error)
    })
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"label-{}.{}\"",
                    volume.barcode,
                    format.extension()
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

async fn label_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    JsonBody(body): JsonBody<ChartLabelBody>,
) -> Result<Response, WebError> {
    let format = label_format(body.format.as_deref())?;
    let symbol = label_symbol(body.symbol.as_deref())?;
    label(&state, principal, body.barcode, (format, symbol)).await
}

/// Whether released holds are listed too.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalHoldsParams {
    /// Every hold ever placed (`true`), released ones with their release.
    pub all: Option<bool>,
}

/// Legal holds with the MRNs they name.
pub(crate) async fn holds(
    state: &AppState,
    principal: Principal,
    all: bool,
) -> Result<Vec<HoldView>, WebError> {
    with_desk(state, principal, move |desk, _| {
        desk.holds(all).map_err(desk_error)
    })
    .await
}

async fn holds_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    params: Result<Query<LegalHoldsParams>, QueryRejection>,
) -> Result<Json<Vec<HoldView>>, WebError> {
    let Query(params) = params.map_err(|e| WebError::bad("query", e.body_text()))?;
    Ok(Json(
        holds(&state, principal, params.all.unwrap_or(false)).await?,
    ))
}

/// A legal hold to place.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalHoldBody {
    /// The patients it covers (MRNs or record ids).
    #[serde(default)]
    pub patients: Vec<String>,
    /// Every record in the store (a matter hold; needs `matter`).
    #[serde(default)]
    pub all: bool,
    /// The matter (case, investigation, request).
    pub matter: Option<String>,
    /// Why the records must be kept.
    pub reason: String,
}

/// Places a hold.
pub(crate) async fn place_hold(
    state: &AppState,
    principal: Principal,
    body: LegalHoldBody,
) -> Result<LegalHold, WebError> {
    if body.reason.trim().is_empty() {
        return Err(WebError::bad("reason", "say why the records must be kept"));
    }
    with_desk(state, principal, move |desk, state| {
        let mut ids = Vec::new();
        for reference in body.patients.iter().filter(|p| !p.trim().is_empty()) {
            let patient = state
                .store
                .read(|tx| mpi::find_patient(tx, reference.trim()))
                .map_err(|_| {
                    WebError::bad(
                        "patients",
                        format!(
                            "no patient has the MRN or record id \"{}\"",
                            reference.trim()
                        ),
                    )
                })?;
            ids.push(patient.meta.id);
        }
        let matter = body
            .matter
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty());
        desk.place_hold(matter, body.all, &ids, &body.reason)
            .map_err(desk_error)
    })
    .await
}

async fn place_hold_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    JsonBody(body): JsonBody<LegalHoldBody>,
) -> Result<Json<LegalHold>, WebError> {
    Ok(Json(place_hold(&state, principal, body).await?))
}

/// Releases hold `id`.
pub(crate) async fn release_hold(
    state: &AppState,
    principal: Principal,
    id: i64,
    reason: String,
) -> Result<LegalHold, WebError> {
    if reason.trim().is_empty() {
        return Err(WebError::bad("reason", "say why the hold is released"));
    }
    with_desk(state, principal, move |desk, _| {
        desk.release_hold(id, &reason).map_err(desk_error)
    })
    .await
}

async fn release_hold_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ClosingReasonBody>,
) -> Result<Json<LegalHold>, WebError> {
    let id = parse_id("id", &id)?;
    Ok(Json(
        release_hold(&state, principal, id, body.reason).await?,
    ))
}

/// The day a retention report is computed for.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionReportParams {
    /// YYYY-MM-DD; today when absent.
    pub as_of: Option<String>,
}

/// The retention schedule in force: the facility's, or the shipped default.
pub(crate) fn retention_schedule(
    state: &AppState,
) -> Result<std::sync::Arc<archive::retention::Schedule>, WebError> {
    match &state.config.retention_schedule {
        Some(schedule) => Ok(schedule.clone()),
        None => Ok(std::sync::Arc::new(
            archive::retention::Schedule::default_schedule()
                .map_err(|e| WebError::internal(format!("the default retention schedule: {e}")))?,
        )),
    }
}

/// The retention report under the schedule in force.
pub(crate) async fn retention(
    state: &AppState,
    principal: Principal,
    as_of: Option<String>,
) -> Result<RetentionReport, WebError> {
    let as_of = optional_date("as_of", as_of.as_deref())?;
    with_desk(state, principal, move |desk, state| {
        let as_of = as_of.unwrap_or_else(|| today(state));
        let schedule = retention_schedule(state)?;
        desk.retention_report(&schedule, as_of).map_err(desk_error)
    })
    .await
}

async fn retention_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    params: Result<Query<RetentionReportParams>, QueryRejection>,
) -> Result<Json<RetentionReport>, WebError> {
    let Query(params) = params.map_err(|e| WebError::bad("query", e.body_text()))?;
    Ok(Json(retention(&state, principal, params.as_of).await?))
}

/// The records lifecycle API's routes.
pub(crate) fn routes() -> Vec<Entry> {
    let him = Access::Needs(Permission::ManageRecordsLifecycle);
    vec![
        route(
            Method::POST,
            "/api/charts/find",
            him,
            false,
            "the paper chart volume a scanned barcode names, with its patient, movements and requests",
            post(find_api),
        )
        .takes::<ChartFindBody>(),
        route(
            Method::POST,
            "/api/charts/checkout",
            him,
            false,
            "check a paper chart volume out to a person or department, due back on a day",
            post(checkout_api),
        )
        .takes::<ChartMoveBody>(),
        route(
            Method::POST,
            "/api/charts/transfer",
            him,
            false,
            "hand a checked-out volume on to another holder",
            post(transfer_api),
        )
        .takes::<ChartMoveBody>(),
        route(
            Method::POST,
            "/api/charts/checkin",
            him,
            false,
            "check a volume back in (home unless another place is named)",
            post(checkin_api),
        )
        .takes::<ChartCheckinBody>(),
        route(
            Method::GET,
            "/api/charts/overdue",
            him,
            false,
            "volumes checked out past their due date (?as_of=), most overdue first",
            get(overdue_api),
        ),
        route(
            Method::POST,
            "/api/charts/label",
            him,
            false,
            "a volume's printable label (PNG or SVG): Code 128 barcode, name, MRN, volume, home",
            post(label_api),
        )
        .takes::<ChartLabelBody>(),
        route(
            Method::GET,
            "/api/charts/requests",
            him,
            false,
            "the chart request queue (open), the pull list for a day (?pull=YYYY-MM-DD, shelf order) or every request (?all=true)",
            get(requests_api),
        ),
        route(
            Method::POST,
            "/api/charts/requests",
            him,
            false,
            "request a volume for a day (requester, deliver_to, needed_by, reason)",
            post(request_api),
        )
        .takes::<ChartRequestBody>(),
        route(
            Method::POST,
            "/api/charts/requests/{id}/fill",
            him,
            false,
            "fill a request: its volume checked out to the requester, the movement linked",
            post(fill_api),
        )
        .takes::<ChartFillBody>(),
        route(
            Method::POST,
            "/api/charts/requests/{id}/cancel",
            him,
            false,
            "cancel an open chart request, with the reason",
            post(cancel_api),
        )
        .takes::<ClosingReasonBody>(),
        route(
            Method::GET,
            "/api/holds",
            him,
            false,
            "legal holds in force (?all=true: every hold ever placed)",
            get(holds_api),
        ),
        route(
            Method::POST,
            "/api/holds",
            him,
            false,
            "place a legal hold on patients, or on every record for a matter",
            post(place_hold_api),
        )
        .takes::<LegalHoldBody>(),
        route(
            Method::POST,
            "/api/holds/{id}/release",
            him,
            false,
            "release a legal hold in force (it stays in the history)",
            post(release_hold_api),
        )
        .takes::<ClosingReasonBody>(),
        route(
            Method::GET,
            "/api/retention",
            him,
            false,
            "the retention report (?as_of=): each live chart's rule, archival and destruction dates, why, and status; each archived chart's file, when and by whom it was archived, its destruction date and status",
            get(retention_api),
        ),
    ]
}
