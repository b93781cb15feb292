//! The HIM records desk: paper charts (`/charts`: scan a barcode, the volume's page with
//! check-out, transfer, check-in, request and label; the overdue list; the request queue and
//! the pull list), legal holds (`/holds`) and the retention report (`/retention`, read only).
//! Every page calls the API's cores (`charts_api`), so it shows and changes no more than the
//! API, each look and change audited by `archive::paper::RecordsDesk`. A refused change is
//! shown on the page it came from with its reason (409/422), never as a failure page.
//!
//! Barcodes carry the MRN, so they travel in POST bodies; pages link volumes by record id.

mod photo;
mod relabel;

use crate::auth::Principal;
use crate::charts_api::{
    self, ChartCheckinBody, ChartMoveBody, ChartRequestBody, LegalHoldBody, MoveKind, label_format,
    parse_id,
};
use crate::error::WebError;
use crate::guard::{Access, Entry, Surface, route};
use crate::state::AppState;
use crate::web::forms::{PageForm, PageResult, Refusal, check_token, html};
use crate::web::layout::{Nav, nav, page, token_field};
use archive::paper::{VolumeView, place};
use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use privacy::Permission;
use serde::Deserialize;
use store::PullLine;
use time::{Date, Duration};

/// A refusal shown on the page it came from: its status and an alert with the reason.
/// Internal failures still go to the failure page.
pub(crate) fn shown_error(error: WebError) -> Result<(StatusCode, String), Refusal> {
    match error {
        WebError::BadRequest { .. } => Ok((StatusCode::UNPROCESSABLE_ENTITY, error.to_string())),
        WebError::Conflict(message) => Ok((StatusCode::CONFLICT, message)),
        WebError::NotFound(message) => Ok((StatusCode::NOT_FOUND, message)),
        other => Err(Refusal(other)),
    }
}

pub(crate) fn alert(message: Option<&str>) -> Markup {
    html! {
        @if let Some(message) = message {
            p.error #refused role="alert" { (message) }
        }
    }
}

pub(crate) fn notice(done: Option<&str>) -> Markup {
    html! {
        @if let Some(done) = done {
            p.notice #done role="status" { (done) }
        }
    }
}

fn volume_link(view: &VolumeView) -> Markup {
    html! { a href={ "/charts/volumes/" (view.volume.id) } { (view.volume.barcode) } }
}

fn scan_form(nav: &Nav, typed: &str) -> Markup {
    html! {
        form #scan method="post" action="/charts/find" {
            (token_field(nav))
            label for="barcode" { "Scan or type a chart barcode" }
            input #barcode name="barcode" value=(typed) autofocus autocomplete="off" required
                aria-describedby="barcode-help";
            button type="submit" { "Find" }
            small #barcode-help { " A USB scanner types the label and presses Enter." }
        }
        form #photo-scan method="post" action="/charts/photo" enctype="multipart/form-data" {
            (token_field(nav))
            label for="photo" { "Or take a photo of the label" }
            // `capture` opens the rear camera on a phone or tablet; elsewhere it is a file picker.
            input #photo type="file" name="file" accept="image/jpeg,image/png"
                capture="environment" required aria-describedby="photo-help";
            button type="submit" { "Read the photo" }
            small #photo-help { " Code 128 or QR labels; fill the frame and avoid glare." }
        }
    }
}

fn overdue_table(as_of: Date, overdue: &[VolumeView]) -> Markup {
    html! {
        table #overdue {
            thead { tr { th { "Barcode" } th { "Patient" } th { "MRN" } th { "Holder" } th { "Location" } th { "Due back" } th { "Days late" } } }
            tbody {
                @for v in overdue {
                    tr {
                        td { (volume_link(v)) }
                        td { (v.name) }
                        td { (v.mrn) }
                        td { (v.volume.holder.as_deref().unwrap_or("")) }
                        td { (v.volume.current_location) }
                        td { @if let Some(d) = v.volume.due_back { (d) } }
                        td { @if let Some(d) = v.volume.due_back { ((as_of - d).whole_days()) } }
                    }
                }
                @if overdue.is_empty() { tr { td colspan="7" { "No chart is overdue on " (as_of) "." } } }
            }
        }
    }
}

pub(crate) fn links() -> Markup {
    html! {
        p.links {
            a href="/charts" { "Scan a chart" } " · "
            a href="/charts/requests" { "Request queue and pull list" } " · "
            a href="/charts/overdue" { "Overdue charts" } " · "
            a href="/holds" { "Legal holds" } " · "
            a href="/retention" { "Retention report" } " · "
            a href="/archive" { "Archive" } " · "
            a href="/destruction" { "Destruction" }
        }
    }
}

/// `GET /charts`: the scan field, today's overdue charts, the labels a merge left to print
/// and the pull list for tomorrow.
async fn desk_page(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> PageResult {
    desk_view(&state, principal, "", None, StatusCode::OK).await
}

async fn desk_view(
    state: &AppState,
    principal: Principal,
    typed: &str,
    error: Option<&str>,
    status: StatusCode,
) -> PageResult {
    let nav = nav(state, &principal);
    let (as_of, overdue) = charts_api::overdue(state, principal.clone(), None).await?;
    let tomorrow = as_of + Duration::days(1);
    let relabel = relabel::section(state, principal.clone()).await?;
    let pull = charts_api::requests(state, principal, Some(tomorrow.to_string()), false).await?;
    let body = html! {
        (links())
        (alert(error))
        (scan_form(&nav, typed))
        section #overdue-section {
            h2 { "Overdue (" (overdue.len()) ")" }
            (overdue_table(as_of, &overdue))
        }
        (relabel)
        section #pull-section {
            h2 { "Requests due by " (tomorrow) " (" (pull.len()) ")" }
            (pull_table(&nav, &pull, tomorrow))
        }
        section #register-section {
            h2 { "Register a volume" }
            form #register method="post" action="/charts/volumes" {
                (token_field(&nav))
                label for="register-patient" { "Patient (MRN)" }
                input #register-patient name="patient" required;
                label for="register-home" { "Home shelf" }
                input #register-home name="home" required;
                button type="submit" { "Register and label" }
            }
        }
    };
    Ok(html(status, page("Paper charts", Some(&nav), body)))
}

#[derive(Debug, Deserialize)]
struct FindForm {
    token: String,
    barcode: String,
}

/// `POST /charts/find`: the volume a scanner read, or the desk with why not.
async fn find_chart(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    PageForm(form): PageForm<FindForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    match charts_api::find(&state, principal.clone(), form.barcode.clone()).await {
        Ok(found) => {
            Ok(Redirect::to(&format!("/charts/volumes/{}", found.volume.id)).into_response())
        }
        Err(error) => {
            let (status, message) = shown_error(error)?;
            desk_view(&state, principal, &form.barcode, Some(&message), status).await
        }
    }
}

#[derive(Debug, Deserialize)]
struct RegisterForm {
    token: String,
    #[serde(default)]
    patient: String,
    #[serde(default)]
    home: String,
}

/// `POST /charts/volumes`: a new volume registered, then its page (to print its label).
async fn register_volume(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    PageForm(form): PageForm<RegisterForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let body = crate::lifecycle_api::VolumeBody {
        patient: form.patient,
        home: form.home,
    };
    match crate::lifecycle_api::register_volume(&state, principal.clone(), body).await {
        Ok(volume) => Ok(
            Redirect::to(&format!("/charts/volumes/{}?done=register", volume.id)).into_response(),
        ),
        Err(error) => {
            let (status, message) = shown_error(error)?;
            desk_view(&state, principal, "", Some(&message), status).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct DoneParams {
    done: Option<String>,
}

fn done_text(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "register" => Some("Volume registered: print its label below."),
        "checkout" => Some("Checked out."),
        "transfer" => Some("Transferred."),
        "checkin" => Some("Checked in."),
        "request" => Some("Request recorded."),
        "fill" => Some("Request filled: the chart is checked out to the requester."),
        "cancel" => Some("Request cancelled."),
        "place" => Some("Legal hold placed."),
        "release" => Some("Legal hold released."),
        _ => None,
    }
}

/// `GET /charts/volumes/{id}`.
async fn volume_page(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    params: Result<Query<DoneParams>, QueryRejection>,
) -> PageResult {
    let done = params.ok().and_then(|Query(p)| p.done);
    let id = parse_id("volume", &id)?;
    volume_view(
        &state,
        principal,
        id,
        done_text(done.as_deref()),
        None,
        StatusCode::OK,
    )
    .await
}

async fn volume_view(
    state: &AppState,
    principal: Principal,
    id: i64,
    done: Option<&str>,
    error: Option<&str>,
    status: StatusCode,
) -> PageResult {
    let nav = nav(state, &principal);
    let found = charts_api::with_desk(state, principal, move |desk, _| {
        desk.find_id(id).map_err(charts_api::desk_error)
    })
    .await?
    .ok_or_else(|| WebError::NotFound(format!("there is no chart volume {id}")))?;
    let today = state.store.clock().now().date();
    let v = &found.volume;
    let action = |what: &str| format!("/charts/volumes/{}/{what}", v.id);
    let body = html! {
        (links())
        (notice(done))
        (alert(error))
        (scan_form(&nav, ""))
        dl.volume {
            dt { "Barcode" } dd #volume-barcode { (v.barcode) }
            dt { "Patient" } dd { (found.name) " (" (found.mrn) ")" }
            dt { "Volume" } dd { (v.volume) }
            dt { "Home" } dd { (v.home_location) }
            dt { "Now" } dd #volume-place { (place(v)) }
        }
        p.label-links {
            "Label: "
            a #label-png href={ "/charts/volumes/" (v.id) "/label?format=png" } download { "PNG" } " · "
            a #label-svg href={ "/charts/volumes/" (v.id) "/label?format=svg" } download { "SVG" } " · "
            a #label-qr href={ "/charts/volumes/" (v.id) "/label?format=png&symbol=qr" } download { "QR (PNG)" }
        }
        @if v.is_out() {
            section #checkin-section {
                h2 { "Check in" }
                form #checkin method="post" action=(action("checkin")) {
                    (token_field(&nav))
                    label for="checkin-location" { "Put at (default: home, " (v.home_location) ")" }
                    input #checkin-location name="location";
                    button type="submit" { "Check in" }
                }
            }
            section #transfer-section {
                h2 { "Transfer" }
                (move_form(&nav, &action("transfer"), "transfer", today, "Transfer"))
            }
        } @else {
            section #checkout-section {
                h2 { "Check out" }
                (move_form(&nav, &action("checkout"), "checkout", today, "Check out"))
            }
        }
        section #request-section {
            h2 { "Request for a day" }
            form #request method="post" action=(action("request")) {
                (token_field(&nav))
                label for="request-requester" { "Requested by (person or clinic)" }
                input #request-requester name="requester" required;
                label for="request-deliver" { "Deliver to (default: the requester)" }
                input #request-deliver name="deliver_to";
                label for="request-needed" { "Needed by" }
                input #request-needed name="needed_by" type="date" required value=((today + Duration::days(1)));
                label for="request-reason" { "Reason" }
                input #request-reason name="reason" required placeholder="appointment";
                button type="submit" { "Request" }
            }
        }
        section #requests {
            h2 { "Requests" }
            table {
                thead { tr { th { "#" } th { "Status" } th { "Needed by" } th { "For" } th { "Reason" } } }
                tbody {
                    @for r in &found.requests {
                        tr { td { (r.id) } td { (r.status) } td { (r.needed_by) } td { (r.requester) " at " (r.deliver_to) } td { (r.reason) } }
                    }
                    @if found.requests.is_empty() { tr { td colspan="5" { "None." } } }
                }
            }
        }
        section #movements {
            h2 { "Movements" }
            table {
                thead { tr { th { "When" } th { "What" } th { "By" } th { "From" } th { "To" } th { "Holder" } th { "Due" } th { "Note" } } }
                tbody {
                    @for m in &found.movements {
                        tr {
                            td { (m.at.date()) } td { (m.kind) } td { (m.by) }
                            td { (m.from_location.as_deref().unwrap_or("")) } td { (m.to_location) }
                            td { (m.holder.as_deref().unwrap_or("")) }
                            td { @if let Some(d) = m.due_back { (d) } }
                            td { (m.note.as_deref().unwrap_or("")) }
                        }
                    }
                }
            }
        }
    };
    Ok(html(
        status,
        page(&format!("Chart {}", found.volume.barcode), Some(&nav), body),
    ))
}

fn move_form(nav: &Nav, action: &str, id: &str, today: Date, button: &str) -> Markup {
    html! {
        form id=(id) method="post" action=(action) {
            (token_field(nav))
            label for={ (id) "-holder" } { "To (person or department)" }
            input id={ (id) "-holder" } name="holder" required;
            label for={ (id) "-location" } { "Location (default: the holder)" }
            input id={ (id) "-location" } name="location";
            label for={ (id) "-due" } { "Due back" }
            input id={ (id) "-due" } name="due_back" type="date" required value=((today + Duration::days(7)));
            label for={ (id) "-note" } { "Note" }
            input id={ (id) "-note" } name="note";
            button type="submit" { (button) }
        }
    }
}

#[derive(Debug, Deserialize)]
struct MoveForm {
    token: String,
    holder: String,
    #[serde(default)]
    location: String,
    due_back: String,
    #[serde(default)]
    note: String,
}

#[derive(Debug, Deserialize)]
struct CheckinForm {
    token: String,
    #[serde(default)]
    location: String,
}

#[derive(Debug, Deserialize)]
struct RequestForm {
    token: String,
    requester: String,
    #[serde(default)]
    deliver_to: String,
    needed_by: String,
    reason: String,
}

async fn barcode_of(state: &AppState, id: i64) -> Result<String, Refusal> {
    let volume = state
        .blocking(move |state| Ok(state.store.read(|tx| tx.chart_volume_by_id(id))?))
        .await?;
    volume
        .map(|v| v.barcode)
        .ok_or_else(|| Refusal(WebError::NotFound(format!("there is no chart volume {id}"))))
}

/// After a change on a volume's page: back to it with a notice, or the page with why not.
async fn after_change<T>(
    state: &AppState,
    principal: Principal,
    id: i64,
    done: &str,
    outcome: Result<T, WebError>,
) -> PageResult {
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/charts/volumes/{id}?done={done}")).into_response()),
        Err(error) => {
            let (status, message) = shown_error(error)?;
            volume_view(state, principal, id, None, Some(&message), status).await
        }
    }
}

pub(crate) fn blank_to_none(text: String) -> Option<String> {
    (!text.trim().is_empty()).then_some(text)
}

async fn move_volume(
    state: AppState,
    principal: Principal,
    id: String,
    form: MoveForm,
    kind: MoveKind,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id("volume", &id)?;
    let barcode = barcode_of(&state, id).await?;
    let outcome = charts_api::move_chart(
        &state,
        principal.clone(),
        kind,
        ChartMoveBody {
            barcode,
            holder: form.holder,
            location: blank_to_none(form.location),
            due_back: form.due_back,
            note: blank_to_none(form.note),
        },
    )
    .await;
    let done = if kind == MoveKind::CheckOut {
        "checkout"
    } else {
        "transfer"
    };
    after_change(&state, principal, id, done, outcome).await
}

/// `POST /charts/volumes/{id}/checkout`.
async fn checkout(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<MoveForm>,
) -> PageResult {
    move_volume(state, principal, id, form, MoveKind::CheckOut).await
}

/// `POST /charts/volumes/{id}/transfer`.
async fn transfer(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<MoveForm>,
) -> PageResult {
    move_volume(state, principal, id, form, MoveKind::Transfer).await
}

/// `POST /charts/volumes/{id}/checkin`.
async fn checkin(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<CheckinForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id("volume", &id)?;
    let barcode = barcode_of(&state, id).await?;
    let outcome = charts_api::check_in(
        &state,
        principal.clone(),
        ChartCheckinBody {
            barcode,
            location: blank_to_none(form.location),
        },
    )
    .await;
    after_change(&state, principal, id, "checkin", outcome).await
}

/// `POST /charts/volumes/{id}/request`.
async fn request(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<RequestForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id("volume", &id)?;
    let barcode = barcode_of(&state, id).await?;
    let outcome = charts_api::request(
        &state,
        principal.clone(),
        ChartRequestBody {
            barcode,
            requester: form.requester,
            deliver_to: blank_to_none(form.deliver_to),
            needed_by: form.needed_by,
            reason: form.reason,
        },
    )
    .await;
    after_change(&state, principal, id, "request", outcome).await
}

#[derive(Debug, Default, Deserialize)]
struct LabelParams {
    format: Option<String>,
    symbol: Option<String>,
}

/// `GET /charts/volumes/{id}/label?format=png|svg&symbol=code128|qr`: the label as a download.
async fn label(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    params: Result<Query<LabelParams>, QueryRejection>,
) -> Result<Response, Refusal> {
    let Query(params) = params.map_err(|e| WebError::bad("query", e.body_text()))?;
    let id = parse_id("volume", &id)?;
    let format = label_format(params.format.as_deref())?;
    let symbol = charts_api::label_symbol(params.symbol.as_deref())?;
    let barcode = barcode_of(&state, id).await?;
    Ok(charts_api::label(&state, principal, barcode, (format, symbol)).await?)
}

#[derive(Debug, Default, Deserialize)]
struct OverdueParams {
    as_of: Option<String>,
}

/// `GET /charts/overdue?as_of=`.
async fn overdue_page(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    params: Result<Query<OverdueParams>, QueryRejection>,
) -> PageResult {
    let Query(params) = params.map_err(|e| WebError::bad("query", e.body_text()))?;
    let nav = nav(&state, &principal);
    let (as_of, overdue) = charts_api::overdue(&state, principal, params.as_of).await?;
    let body = html! {
        (links())
        form.filters method="get" action="/charts/overdue" {
            label for="as_of" { "As of" }
            input #as_of name="as_of" type="date" value=(as_of);
            button type="submit" { "Show" }
        }
        (overdue_table(as_of, &overdue))
    };
    Ok(html(
        StatusCode::OK,
        page("Overdue charts", Some(&nav), body),
    ))
}

fn pull_table(nav: &Nav, lines: &[PullLine], day: Date) -> Markup {
    html! {
        table.pull {
            thead { tr { th { "#" } th { "Needed by" } th { "Home" } th { "Barcode" } th { "Patient" } th { "For" } th { "Reason" } th { "Now" } th { "Fill or cancel" } } }
            tbody {
                @for l in lines {
                    tr id={ "request-" (l.request.id) } {
                        td { (l.request.id) }
                        td { (l.request.needed_by) }
                        td { (l.volume.home_location) }
                        td { a href={ "/charts/volumes/" (l.volume.id) } { (l.volume.barcode) } }
                        td { (l.name) " (" (l.mrn) ")" }
                        td { (l.request.requester) " at " (l.request.deliver_to) }
                        td { (l.request.reason) }
                        td { (place(&l.volume)) }
                        td {
                            @if l.request.status == "open" {
                                form.inline method="post" action={ "/charts/requests/" (l.request.id) "/fill" } {
                                    (token_field(nav))
                                    input type="hidden" name="day" value=(day);
                                    label for={ "due-" (l.request.id) } { "Due back" }
                                    input id={ "due-" (l.request.id) } name="due_back" type="date" value=((l.request.needed_by + Duration::days(7)));
                                    button type="submit" { "Fill" }
                                }
                                form.inline method="post" action={ "/charts/requests/" (l.request.id) "/cancel" } {
                                    (token_field(nav))
                                    input type="hidden" name="day" value=(day);
                                    label for={ "cancel-" (l.request.id) } { "Why" }
                                    input id={ "cancel-" (l.request.id) } name="reason";
                                    button type="submit" { "Cancel" }
                                }
                            } @else {
                                (l.request.status)
                            }
                        }
                    }
                }
                @if lines.is_empty() { tr { td colspan="9" { "No open request." } } }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct RequestsParams {
    day: Option<String>,
    done: Option<String>,
}

/// `GET /charts/requests?day=`: the pull list for a day (tomorrow by default) in shelf
/// order, then every open request.
async fn requests_page(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    params: Result<Query<RequestsParams>, QueryRejection>,
) -> PageResult {
    let Query(params) = params.map_err(|e| WebError::bad("query", e.body_text()))?;
    let done = done_text(params.done.as_deref());
    requests_view(&state, principal, params.day, done, None, StatusCode::OK).await
}

async fn requests_view(
    state: &AppState,
    principal: Principal,
    day: Option<String>,
    done: Option<&str>,
    error: Option<&str>,
    status: StatusCode,
) -> PageResult {
    let nav = nav(state, &principal);
    let today = state.store.clock().now().date();
    let day = match day.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(text) => crate::surveillance_api::date("day", text)?,
        None => today + Duration::days(1),
    };
    let pull = charts_api::requests(state, principal.clone(), Some(day.to_string()), false).await?;
    let open = charts_api::requests(state, principal, None, false).await?;
    let body = html! {
        (links())
        (notice(done))
        (alert(error))
        form.filters method="get" action="/charts/requests" {
            label for="day" { "Pull list for" }
            input #day name="day" type="date" value=(day);
            button type="submit" { "Show" }
        }
        section #pull-list {
            h2 { "Pull list for " (day) ", by shelf (" (pull.len()) ")" }
            (pull_table(&nav, &pull, day))
        }
        section #queue {
            h2 { "Every open request (" (open.len()) ")" }
            (pull_table(&nav, &open, day))
        }
    };
    Ok(html(status, page("Chart requests", Some(&nav), body)))
}

#[derive(Debug, Deserialize)]
struct FillForm {
    token: String,
    #[serde(default)]
    day: String,
    #[serde(default)]
    due_back: String,
}

#[derive(Debug, Deserialize)]
struct ReasonForm {
    token: String,
    #[serde(default)]
    day: String,
    #[serde(default)]
    reason: String,
}

async fn after_request_change<T>(
    state: &AppState,
    principal: Principal,
    day: String,
    done: &str,
    outcome: Result<T, WebError>,
) -> PageResult {
    match outcome {
        Ok(_) => Ok(
            Redirect::to(&format!("/charts/requests?day={}&done={done}", day.trim()))
                .into_response(),
        ),
        Err(error) => {
            let (status, message) = shown_error(error)?;
            requests_view(state, principal, Some(day), None, Some(&message), status).await
        }
    }
}

/// `POST /charts/requests/{id}/fill`.
async fn fill(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<FillForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id("request", &id)?;
    let outcome =
        charts_api::fill(&state, principal.clone(), id, blank_to_none(form.due_back)).await;
    after_request_change(&state, principal, form.day, "fill", outcome).await
}

/// `POST /charts/requests/{id}/cancel`.
async fn cancel(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<ReasonForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id("request", &id)?;
    let outcome = charts_api::cancel(&state, principal.clone(), id, form.reason).await;
    after_request_change(&state, principal, form.day, "cancel", outcome).await
}

#[derive(Debug, Default, Deserialize)]
struct HoldsParams {
    all: Option<String>,
    done: Option<String>,
}

/// `GET /holds?all=1`.
async fn holds_page(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    params: Result<Query<HoldsParams>, QueryRejection>,
) -> PageResult {
    let Query(params) = params.map_err(|e| WebError::bad("query", e.body_text()))?;
    let all = params.all.is_some_and(|a| !a.is_empty() && a != "0");
    let done = done_text(params.done.as_deref());
    holds_view(&state, principal, all, done, None, StatusCode::OK).await
}

async fn holds_view(
    state: &AppState,
    principal: Principal,
    all: bool,
    done: Option<&str>,
    error: Option<&str>,
    status: StatusCode,
) -> PageResult {
    let nav = nav(state, &principal);
    let holds = charts_api::holds(state, principal, all).await?;
    let body = html! {
        (links())
        (notice(done))
        (alert(error))
        p {
            @if all { a href="/holds" { "Only holds in force" } }
            @else { a href="/holds?all=1" { "Every hold ever placed" } }
        }
        table #holds {
            thead { tr { th { "#" } th { "Matter" } th { "Covers" } th { "Placed" } th { "Reason" } th { "Status" } } }
            tbody {
                @for h in &holds {
                    tr id={ "hold-" (h.hold.id) } {
                        td { (h.hold.id) }
                        td { (h.hold.matter.as_deref().unwrap_or("")) }
                        td { @if h.hold.covers_all { "every record" } @else { (h.mrns.join(", ")) } }
                        td { (h.hold.placed_at.date()) " by " (h.hold.placed_by) }
                        td { (h.hold.reason) }
                        td {
                            @match &h.hold.release {
                                Some(r) => { "released " (r.at.date()) " by " (r.by) ": " (r.reason) }
                                None => {
                                    "in force "
                                    form.inline method="post" action={ "/holds/" (h.hold.id) "/release" } {
                                        (token_field(&nav))
                                        label for={ "release-" (h.hold.id) } { "Why release" }
                                        input id={ "release-" (h.hold.id) } name="reason" required;
                                        button type="submit" { "Release" }
                                    }
                                }
                            }
                        }
                    }
                }
                @if holds.is_empty() { tr { td colspan="6" { "No legal hold in force." } } }
            }
        }
        section #place-hold {
            h2 { "Place a hold" }
            form #hold method="post" action="/holds" {
                (token_field(&nav))
                label for="hold-patients" { "Patients (MRNs, separated by spaces or commas)" }
                input #hold-patients name="patients";
                label for="hold-all" { "Every record (a matter hold)" }
                input #hold-all name="all" type="checkbox" value="1";
                label for="hold-matter" { "Matter" }
                input #hold-matter name="matter";
                label for="hold-reason" { "Reason" }
                input #hold-reason name="reason" required;
                button type="submit" { "Place hold" }
            }
        }
    };
    Ok(html(status, page("Legal holds", Some(&nav), body)))
}

#[derive(Debug, Deserialize)]
struct HoldForm {
    token: String,
    #[serde(default)]
    patients: String,
    #[serde(default)]
    all: String,
    #[serde(default)]
    matter: String,
    #[serde(default)]
    reason: String,
}

async fn after_hold_change<T>(
    state: &AppState,
    principal: Principal,
    done: &str,
    outcome: Result<T, WebError>,
) -> PageResult {
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/holds?done={done}")).into_response()),
        Err(error) => {
            let (status, message) = shown_error(error)?;
            holds_view(state, principal, false, None, Some(&message), status).await
        }
    }
}

/// `POST /holds`.
async fn place_hold(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    PageForm(form): PageForm<HoldForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let patients = form
        .patients
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    let outcome = charts_api::place_hold(
        &state,
        principal.clone(),
        LegalHoldBody {
            patients,
            all: !form.all.is_empty(),
            matter: blank_to_none(form.matter),
            reason: form.reason,
        },
    )
    .await;
    after_hold_change(&state, principal, "place", outcome).await
}

/// `POST /holds/{id}/release`.
async fn release_hold(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<ReasonForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id("hold", &id)?;
    let outcome = charts_api::release_hold(&state, principal.clone(), id, form.reason).await;
    after_hold_change(&state, principal, "release", outcome).await
}

#[derive(Debug, Default, Deserialize)]
struct RetentionParams {
    as_of: Option<String>,
}

/// Rows the retention page lists at most.
const RETENTION_ROWS: usize = 500;

/// `GET /retention?as_of=`: read only.
async fn retention_page(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    params: Result<Query<RetentionParams>, QueryRejection>,
) -> PageResult {
    let Query(params) = params.map_err(|e| WebError::bad("query", e.body_text()))?;
    let nav = nav(&state, &principal);
    let report = charts_api::retention(&state, principal, params.as_of).await?;
    let listed: Vec<_> = report
        .charts
        .iter()
        .filter(|c| {
            !matches!(
                c.status,
                archive::retention::Status::Retained | archive::retention::Status::NoRule
            )
        })
        .take(RETENTION_ROWS)
        .collect();
    let body = html! {
        (links())
        form.filters method="get" action="/retention" {
            label for="as_of" { "As of" }
            input #as_of name="as_of" type="date" value=(report.as_of);
            button type="submit" { "Show" }
        }
        p { "Schedule: " (report.schedule) "." }
        ul #retention-counts {
            @for (status, n) in &report.counts { li { (status) ": " (n) } }
        }
        h2 { "Charts eligible or held" @if listed.len() == RETENTION_ROWS { " (first " (RETENTION_ROWS) ")" } }
        table #retention {
            thead { tr { th { "MRN" } th { "Rule" } th { "Last activity" } th { "Archive on" } th { "Destroy on" } th { "Status" } th { "Why" } } }
            tbody {
                @for c in &listed {
                    tr {
                        td { (c.mrn) } td { (c.rule) } td { (c.last_activity) } td { (c.archive_on) }
                        td { @match c.destroy_on { Some(d) => { (d) } None => { "never" } } }
                        td { (c.status.label()) } td { (c.why) }
                    }
                }
                @if listed.is_empty() { tr { td colspan="7" { "No chart is eligible for archival or destruction, or held." } } }
            }
        }
        h2 { "Archived charts" @if report.archived.len() > RETENTION_ROWS { " (first " (RETENTION_ROWS) ")" } }
        table #retention-archived {
            thead { tr { th { "MRN" } th { "Where" } th { "Archived" } th { "Destroy on" } th { "Status" } } }
            tbody {
                @for a in report.archived.iter().take(RETENTION_ROWS) {
                    tr {
                        td { (a.mrn) } td { code { (a.file) } }
                        td { (a.archived_at.date()) " by " (a.archived_by) }
                        td { @match a.destroy_on { Some(d) => { (d) } None => { "never" } } }
                        td { (a.status.label()) }
                    }
                }
                @if report.archived.is_empty() { tr { td colspan="5" { "No chart is archived." } } }
            }
        }
    };
    Ok(html(
        StatusCode::OK,
        page("Retention report", Some(&nav), body),
    ))
}

/// The HIM technician's start-page section: overdue charts and requests due by tomorrow
/// (counts only, so nothing about a patient is shown or read here).
pub(crate) async fn start_section(
    state: &AppState,
    principal: &Principal,
) -> Result<Markup, Refusal> {
    if !principal.allows(Permission::ManageRecordsLifecycle) {
        return Ok(html! {});
    }
    let (overdue, due) = state
        .blocking(|state| {
            let today = state.store.clock().now().date();
            let tomorrow = today + Duration::days(1);
            Ok(state.store.read(|tx| {
                Ok((
                    tx.overdue_charts(today)?.len(),
                    tx.pull_list(tomorrow)?.len(),
                ))
            })?)
        })
        .await?;
    Ok(html! {
        section #paper-charts {
            h2 { "Paper charts" }
            ul {
                li { a href="/charts/overdue" { (overdue) " overdue" } }
                li { a href="/charts/requests" { (due) " requested by tomorrow" } }
                li { a href="/charts" { "Scan a chart" } }
            }
        }
    })
}

/// The records desk's pages.
pub(crate) fn routes() -> Vec<Entry> {
    let him = Access::Needs(Permission::ManageRecordsLifecycle);
    let page = |method, path, summary, handler| route(method, path, him, false, summary, handler);
    vec![
        page(Method::GET, "/charts", "paper charts: scan a barcode, overdue charts, requests due", get(desk_page)),
        page(Method::POST, "/charts/find", "find the volume a scanned barcode names", post(find_chart)),
        page(Method::POST, "/charts/photo", "find the volume whose label a photo shows (camera scanning)", post(photo::find_by_photo).layer(axum::extract::DefaultBodyLimit::max(photo::PHOTO_LIMIT))),
        page(Method::POST, "/charts/volumes", "register a new paper chart volume", post(register_volume)),
        page(Method::GET, "/charts/volumes/{id}", "a paper chart volume: where it is, its movements and requests, check-out, transfer, check-in, request, label", get(volume_page)),
        page(Method::POST, "/charts/volumes/{id}/checkout", "check a volume out", post(checkout)),
        page(Method::POST, "/charts/volumes/{id}/transfer", "transfer a checked-out volume", post(transfer)),
        page(Method::POST, "/charts/volumes/{id}/checkin", "check a volume in", post(checkin)),
        page(Method::POST, "/charts/volumes/{id}/request", "request a volume for a day", post(request)),
        page(Method::GET, "/charts/volumes/{id}/label", "a volume's label as PNG or SVG (?format=)", get(label)),
        page(Method::GET, "/charts/overdue", "volumes checked out past their due date", get(overdue_page)),
        page(Method::GET, "/charts/requests", "the pull list for a day and the request queue", get(requests_page)),
        page(Method::POST, "/charts/requests/{id}/fill", "fill a chart request", post(fill)),
        page(Method::POST, "/charts/requests/{id}/cancel", "cancel a chart request", post(cancel)),
        page(Method::GET, "/holds", "legal holds, placing and releasing them", get(holds_page)),
        page(Method::POST, "/holds", "place a legal hold", post(place_hold)),
        page(Method::POST, "/holds/{id}/release", "release a legal hold", post(release_hold)),
        page(Method::GET, "/retention", "the retention report (read only)", get(retention_page)),
    ]
    .into_iter()
    .map(|entry| entry.on(Surface::Page))
    .collect()
}
