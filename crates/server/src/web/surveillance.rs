//! The public-health page (`/surveillance`): per syndrome and place, the epi curve (daily
//! visits as bars, the method's expected count and alert threshold as lines, alerts marked),
//! the places by alert level, and the alert queue with a form to work each alert. It calls
//! the API's cores (`curve`, `queue`, `work`), so it shows and changes no more than the API.
//! For roles limited to aggregates, counts from 1 to 10 are withheld as the query pages do:
//! a withheld day is drawn as a grey mark, never as its count.

use crate::auth::Principal;
use crate::guard::{Access, Entry, Surface, route};
use crate::state::AppState;
use crate::surveillance_api::{
    Curve, CurveParams, QueueParams, WorkBody, aggregate_only, curve, parse_id, queue, shown, work,
};
use crate::web::forms::{PageForm, PageResult, check_token, html};
use crate::web::layout::{Nav, nav, page, token_field};
use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use maud::{Markup, html};
use privacy::Permission;
use records::{AlertStatus, SurveillanceAlert};
use serde::Deserialize;
use store::Stored;
use surveillance::alerts::{self, PlaceAlerts};
use surveillance::detect::Method as DetectMethod;

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 280.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 48.0;

fn round_top(max: f64) -> f64 {
    let mut top = 5.0;
    while top < max {
        top *= if (top / 5.0).log10().fract() == 0.0 {
            2.0
        } else {
            2.5
        };
    }
    top
}

/// The epi curve as inline SVG.
fn epi_curve(found: &Curve, hidden: bool) -> Markup {
    let days = &found.curve.days;
    let points = &found.curve.points;
    let n = days.len().max(1) as f64;
    // The weekly methods' figures are for a whole MMWR week: drawn per day of it, beside the
    // daily bars.
    let per_day = if found.method.weekly() {
        1.0 / 7.0
    } else {
        1.0
    };
    let max = days
        .iter()
        .zip(points)
        .map(|(d, p)| {
            let expected = p.map_or(0.0, |p| {
                p.threshold.unwrap_or(p.expected).max(p.expected) * per_day
            });
            (d.visits as f64).max(if expected.is_finite() { expected } else { 0.0 })
        })
        .fold(0.0_f64, f64::max);
    let top = round_top(max);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let band = plot_w / n;
    let y = |v: f64| TOP + plot_h - (v.clamp(0.0, top) / top) * plot_h;
    let x = |i: usize| LEFT + band * (i as f64 + 0.5);
    let line = |pick: &dyn Fn(&surveillance::detect::Point) -> Option<f64>| -> String {
        points
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                p.and_then(|p| pick(&p))
                    .map(|v| v * per_day)
                    .filter(|v| v.is_finite())
                    .map(|v| format!("{:.1},{:.1}", x(i), y(v)))
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let expected = line(&|p| Some(p.expected));
    let threshold = line(&|p| p.threshold);
    let alert_days: Vec<(usize, &'static str)> = days
        .iter()
        .enumerate()
        .filter_map(|(i, d)| {
            let level = found
                .curve
                .alerts
                .iter()
                .filter(|a| a.record.day == d.day)
                .map(|a| a.record.level)
                .max()?;
            Some((
                i,
                if level == records::AlertLevel::Red {
                    "#c0392b"
                } else {
                    "#d4a017"
                },
            ))
        })
        .collect();
    let every = (days.len() / 12).max(1);
    let title = format!(
        "{} in {}: daily visits, {} expected and threshold{}, alerts marked",
        found.syndrome,
        found.place,
        found.method.as_str(),
        if found.method.weekly() {
            " per day of each MMWR week (weekly figures / 7, on the week's Saturday)"
        } else {
            ""
        }
    );
    html! {
        figure.chart {
            svg viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img" aria-label=(title) xmlns="http://www.w3.org/2000/svg" {
                title { (title) }
                @for tick in [0.0, top / 2.0, top] {
                    line x1=(LEFT) x2=(WIDTH - RIGHT) y1=(y(tick)) y2=(y(tick)) stroke="#d5dae1" {}
                    text x=(LEFT - 6.0) y=(y(tick) + 4.0) text-anchor="end" font-size="11" { (tick) }
                }
                @for (i, day) in days.iter().enumerate() {
                    @match shown(day.visits, hidden) {
                        Some(v) => {
                            rect x=(format!("{:.1}", LEFT + band * i as f64 + band * 0.1)) y=(format!("{:.1}", y(v as f64)))
                                width=(format!("{:.1}", band * 0.8)) height=(format!("{:.1}", TOP + plot_h - y(v as f64))) fill="#1f5fa8" {
                                title { (day.day) ": " (v) " visits" }
                            }
                        }
                        None => {
                            rect.suppressed x=(format!("{:.1}", LEFT + band * i as f64 + band * 0.1)) y=(format!("{:.1}", TOP + plot_h - 3.0))
                                width=(format!("{:.1}", band * 0.8)) height="3" fill="#9aa5b1" {
                                title { (day.day) ": fewer than 11 visits (withheld)" }
                            }
                        }
                    }
                    @if i % every == 0 {
                        text x=(x(i)) y=(HEIGHT - BOTTOM + 14.0) font-size="10" text-anchor="middle" { (day.day) }
                    }
                }
                polyline.expected points=(expected) fill="none" stroke="#2f8f5b" stroke-width="2" {}
                polyline.threshold points=(threshold) fill="none" stroke="#8c4fa8" stroke-width="1.5" stroke-dasharray="4 3" {}
                @for (i, colour) in &alert_days {
                    circle.alert cx=(format!("{:.1}", x(*i))) cy=(TOP + 6.0) r="4" fill=(colour) {
                        title { (days[*i].day) ": alert" }
                    }
                }
                line x1=(LEFT) x2=(LEFT) y1=(TOP) y2=(TOP + plot_h) stroke="#5b6675" {}
                line x1=(LEFT) x2=(WIDTH - RIGHT) y1=(TOP + plot_h) y2=(TOP + plot_h) stroke="#5b6675" {}
            }
            figcaption {
                span.legend { span.swatch style="background:#1f5fa8" {} "visits" }
                span.legend { span.swatch style="background:#2f8f5b" {} "expected" }
                span.legend { span.swatch style="background:#8c4fa8" {} "alert threshold" }
                span.legend { span.swatch style="background:#c0392b" {} "red alert" }
                span.legend { span.swatch style="background:#d4a017" {} "yellow alert" }
            }
        }
    }
}

fn count_text(count: i64, hidden: bool) -> String {
    shown(count, hidden).map_or_else(|| "<11".to_owned(), |n| n.to_string())
}

fn queue_row(nav: &Nav, alert: &Stored<SurveillanceAlert>, hidden: bool, may_work: bool) -> Markup {
    let r = &alert.record;
    let id = alert.meta.id;
    html! {
        tr id={ "alert-" (id) } class=(r.level.as_str()) {
            td { (r.day) }
            td { a href={ "/surveillance?syndrome=" (r.syndrome) "&place=" (r.place) "&method=" (r.method) } { (r.syndrome) } }
            td { (r.place) }
            td { (r.method) }
            td { strong { (r.level.as_str()) } }
            td { (count_text(r.observed, hidden)) }
            td { (format!("{:.1}", r.expected)) }
            td { (r.status.as_str()) @if let Some(note) = &r.note { br; small { (note) } } }
            td {
                @if may_work {
                form.inline method="post" action={ "/surveillance/alerts/" (id) } {
                    (token_field(nav))
                    label for={ "status-" (id) } { "Mark" }
                    select id={ "status-" (id) } name="status" {
                        option value="investigated" { "investigated" }
                        option value="dismissed" { "dismissed" }
                        option value="escalated" { "escalated" }
                    }
                    label for={ "note-" (id) } { "Note" }
                    input id={ "note-" (id) } name="note" required;
                    button type="submit" { "Save" }
                }
                }
            }
        }
    }
}

fn places_table(places: &[PlaceAlerts]) -> Markup {
    html! {
        section id="places" {
            h2 { "Places by alert level" }
            table {
                thead { tr { th { "Place (ZIP3)" } th { "Red" } th { "Yellow" } th { "Open" } th { "Syndromes" } } }
                tbody {
                    @for p in places {
                        tr class=(if p.red > 0 { "red" } else { "yellow" }) {
                            td { (p.place) } td { (p.red) } td { (p.yellow) } td { (p.open) } td { (p.syndromes) }
                        }
                    }
                    @if places.is_empty() { tr { td colspan="5" { "No alerts in this range." } } }
                }
            }
        }
    }
}

/// The page's query.
#[derive(Debug, Default, Deserialize)]
struct PageParams {
    syndrome: Option<String>,
    place: Option<String>,
    from: Option<String>,
    to: Option<String>,
    method: Option<String>,
    status: Option<String>,
}

/// `GET /surveillance`.
async fn surveillance_page(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    params: Result<Query<PageParams>, QueryRejection>,
) -> PageResult {
    let Query(params) = params.map_err(|e| crate::error::WebError::bad("query", e.body_text()))?;
    let hidden = aggregate_only(&principal);
    let may_work = principal.allows(Permission::WorkSurveillanceAlerts);
    let found = curve(
        &state,
        principal.clone(),
        CurveParams {
            syndrome: params.syndrome.clone(),
            place: params.place.clone(),
            from: params.from.clone(),
            to: params.to.clone(),
            method: params.method.clone(),
        },
    )
    .await?;
    let status = params.status.clone().or_else(|| Some("open".into()));
    let listed = queue(
        &state,
        principal.clone(),
        QueueParams {
            status: status.clone().filter(|s| s != "all"),
            syndrome: None,
            place: None,
        },
    )
    .await?;
    let (from, to) = (found.from, found.to);
    let places = state
        .blocking(move |state| {
            Ok(state
                .store
                .read(|tx| alerts::places_by_level(tx, from, to))?)
        })
        .await?;
    let set = state.syndromes();
    let nav = nav(&state, &principal);
    let body = html! {
        @if hidden { p.notice { "Counts under 11 are shown as <11 (aggregate-only access)." } }
        nav.syndromes {
            @for s in set.iter().flat_map(|set| set.enabled()) {
                a href={ "/surveillance?syndrome=" (s.id) "&place=" (found.place) "&method=" (found.method.as_str()) }
                    aria-current=[(s.id == found.syndrome).then_some("page")] { (s.name) } " "
            }
        }
        form.filters method="get" action="/surveillance" {
            input type="hidden" name="syndrome" value=(found.syndrome);
            label for="place" { "Place (ZIP3 or all)" }
            input #place name="place" size="5" value=(found.place);
            label for="method" { "Method" }
            select #method name="method" {
                @for m in DetectMethod::ALL {
                    option value=(m.as_str()) selected[m == found.method] { (m.as_str()) }
                }
            }
            label for="from" { "From" }
            input #from name="from" type="date" value=(found.from);
            label for="to" { "To" }
            input #to name="to" type="date" value=(found.to);
            button type="submit" { "Show" }
        }
        h2 { "Epi curve: " (found.syndrome) " in " (found.place) }
        @if let Some(short) = &found.curve.too_short { p.notice { "Not tested: " (short) } }
        (epi_curve(&found, hidden))
        (places_table(&places))
        section id="queue" {
            h2 { "Alert queue (" (status.as_deref().unwrap_or("open")) ")" }
            p {
                @for s in ["open", "investigated", "dismissed", "escalated", "all"] {
                    a href={ "/surveillance?syndrome=" (found.syndrome) "&status=" (s) } { (s) } " "
                }
            }
            table {
                thead { tr { th { "Day" } th { "Syndrome" } th { "Place" } th { "Method" } th { "Level" } th { "Visits" } th { "Expected" } th { "Status" } th { "Work" } } }
                tbody {
                    @for alert in &listed { (queue_row(&nav, alert, hidden, may_work)) }
                    @if listed.is_empty() { tr { td colspan="9" { "No alerts." } } }
                }
            }
        }
    };
    Ok(html(StatusCode::OK, page("Surveillance", Some(&nav), body)))
}

#[derive(Debug, Deserialize)]
struct WorkForm {
    token: String,
    status: String,
    note: String,
}

/// `POST /surveillance/alerts/{id}`: works the alert, then back to the queue.
async fn work_alert(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<WorkForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id(&id)?;
    let worked = work(
        &state,
        principal,
        id,
        WorkBody {
            status: form.status,
            note: form.note,
        },
    )
    .await?;
    let status = if worked.record.status == AlertStatus::Open {
        "open"
    } else {
        "all"
    };
    Ok(Redirect::to(&format!(
        "/surveillance?syndrome={}&status={status}#alert-{id}",
        worked.record.syndrome
    ))
    .into_response())
}

/// The surveillance pages' routes.
pub(crate) fn routes() -> Vec<Entry> {
    let aggregates = Access::Needs(Permission::ReadAggregates);
    vec![
        route(
            Method::GET,
            "/surveillance",
            aggregates,
            false,
            "public-health surveillance: epi curves, places by alert level, the alert queue",
            get(surveillance_page),
        ),
        route(
            Method::POST,
            "/surveillance/alerts/{id}",
            Access::Needs(Permission::WorkSurveillanceAlerts),
            false,
            "work a surveillance alert (investigated, dismissed, escalated) with a note",
            post(work_alert),
        ),
    ]
    .into_iter()
    .map(|entry| entry.on(Surface::Page))
    .collect()
}
