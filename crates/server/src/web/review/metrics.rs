//! The delinquency metrics page: the headline figures, then each table with its chart and a
//! CSV export of exactly the rows shown (the tables are built once, `tables`, and drawn as
//! HTML or written as CSV).

use crate::auth::Principal;
use crate::error::WebError;
use crate::guard::{Access, Entry, Surface, route};
use crate::metrics_api::{Figures, FiguresParams, figures};
use crate::state::AppState;
use crate::web::forms::{PageResult, Refusal, html};
use crate::web::layout::{nav, page};
use crate::web::svg_chart::{Series, chart};
use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{Method, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use maud::{Markup, html};
use privacy::Permission;

/// The survey threshold for the delinquency rate (The Joint Commission: under 50% of
/// average monthly discharges).
const THRESHOLD: f64 = 50.0;

/// One table of figures, as shown and as exported.
struct Table {
    name: &'static str,
    title: &'static str,
    headers: &'static [&'static str],
    rows: Vec<Vec<String>>,
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format!("{v:.1}%"))
}

fn tables(f: &Figures) -> Vec<Table> {
    let m = &f.metrics;
    let provider_row = |p: &review::ProviderLine| {
        vec![
            f.provider(p.provider_id),
            p.open.to_string(),
            p.delinquent.to_string(),
            p.most_days_overdue.to_string(),
        ]
    };
    let response_rate =
        (m.queries_asked > 0).then(|| 100.0 * m.queries_answered as f64 / m.queries_asked as f64);
    vec![
        Table {
            name: "age",
            title: "Open deficiencies by age",
            headers: &["Age (days since the clock started)", "Open deficiencies"],
            rows: m
                .by_age
                .iter()
                .map(|(band, n)| vec![band.clone(), n.to_string()])
                .collect(),
        },
        Table {
            name: "providers",
            title: "Open deficiencies by physician",
            headers: &["Physician", "Open", "Past due", "Most days past due"],
            rows: m.by_provider.iter().map(provider_row).collect(),
        },
        Table {
            name: "suspension",
            title: "Suspension list",
            headers: &["Physician", "Open", "Past due", "Most days past due"],
            rows: m.suspension.iter().map(provider_row).collect(),
        },
        Table {
            name: "trend",
            title: "Delinquency by month",
            headers: &[
                "Month",
                "Delinquent records at month end",
                "Average monthly discharges",
                "Delinquency rate",
            ],
            rows: f
                .trend
                .iter()
                .map(|p| {
                    vec![
                        p.month.clone(),
                        p.delinquent_records.to_string(),
                        format!("{:.1}", p.average_monthly_discharges),
                        percent(p.delinquency_rate),
                    ]
                })
                .collect(),
        },
        Table {
            name: "queries",
            title: "Physician queries",
            headers: &[
                "Asked",
                "Answered",
                "Response rate",
                "Median hours to answer",
            ],
            rows: vec![vec![
                m.queries_asked.to_string(),
                m.queries_answered.to_string(),
                percent(response_rate),
                m.median_answer_hours
                    .map_or_else(|| "—".to_owned(), |h| format!("{h:.1}")),
            ]],
        },
    ]
}

fn csv_of(table: &Table) -> Result<String, WebError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(table.headers)
        .map_err(WebError::internal)?;
    for row in &table.rows {
        writer.write_record(row).map_err(WebError::internal)?;
    }
    String::from_utf8(writer.into_inner().map_err(WebError::internal)?).map_err(WebError::internal)
}

fn drawn(table: &Table, suspend_after: i64) -> Markup {
    html! {
        section id={ "metrics-" (table.name) } {
            h2 { (table.title) }
            table {
                thead { tr { @for h in table.headers { th { (h) } } } }
                tbody {
                    @for row in &table.rows { tr { @for cell in row { td { (cell) } } } }
                    @if table.rows.is_empty() { tr { td colspan=(table.headers.len()) { "None." } } }
                }
            }
            p { a href={ "/review/metrics.csv?table=" (table.name) "&suspend_after=" (suspend_after) } download { "Export CSV" } }
        }
    }
}

/// How many physicians the chart draws (the table lists them all).
const CHART_PROVIDERS: usize = 15;

fn charts(f: &Figures) -> (Markup, Markup, Markup) {
    let m = &f.metrics;
    let ages: Vec<String> = m.by_age.iter().map(|(band, _)| band.clone()).collect();
    let age_chart = chart(
        "Open deficiencies by age",
        &ages,
        &[Series {
            name: "open deficiencies".into(),
            values: m.by_age.iter().map(|(_, n)| Some(*n as f64)).collect(),
        }],
        false,
    );
    let shown: Vec<&review::ProviderLine> = m.by_provider.iter().take(CHART_PROVIDERS).collect();
    let names: Vec<String> = shown.iter().map(|p| f.provider(p.provider_id)).collect();
    let provider_chart = chart(
        "Open and past-due deficiencies by physician",
        &names,
        &[
            Series {
                name: "open".into(),
                values: shown.iter().map(|p| Some(p.open as f64)).collect(),
            },
            Series {
                name: "past due".into(),
                values: shown.iter().map(|p| Some(p.delinquent as f64)).collect(),
            },
        ],
        false,
    );
    let months: Vec<String> = f.trend.iter().map(|p| p.month.clone()).collect();
    let trend_chart = chart(
        "Delinquency rate by month (%)",
        &months,
        &[
            Series {
                name: "delinquency rate (%)".into(),
                values: f.trend.iter().map(|p| p.delinquency_rate).collect(),
            },
            Series {
                name: "survey threshold (50%)".into(),
                values: f.trend.iter().map(|_| Some(THRESHOLD)).collect(),
            },
        ],
        true,
    );
    (age_chart, provider_chart, trend_chart)
}

fn body(f: &Figures, suspend_after: i64) -> Markup {
    let m = &f.metrics;
    let all = tables(f);
    let (age_chart, provider_chart, trend_chart) = charts(f);
    let over = m.delinquency_rate.is_some_and(|r| r >= THRESHOLD);
    html! {
        p { a href="/review" { "Back to the work queue" } }
        dl.facts {
            dt { "Open deficiencies" } dd { (m.open) }
            dt { "Past due" } dd { (m.delinquent) }
            dt { "Delinquent records" } dd { (m.delinquent_records) }
            dt { "Average monthly inpatient discharges (last 12 months)" } dd { (format!("{:.1}", m.average_monthly_discharges)) }
            dt { "Delinquency rate" } dd {
                (percent(m.delinquency_rate))
                @if over { " " strong.late { "at or over the 50% survey threshold" } }
                @else if m.delinquency_rate.is_some() { " (under the 50% survey threshold)" }
            }
        }
        form.filters method="get" action="/review/metrics" {
            label for="suspend_after" { "Suspend physicians with a deficiency more than this many days past due" }
            input #suspend_after name="suspend_after" type="number" min="0" max="3650" value=(suspend_after);
            button type="submit" { "Show" }
        }
        @for table in &all {
            (drawn(table, suspend_after))
            @match table.name {
                "age" => (age_chart),
                "providers" if !m.by_provider.is_empty() => (provider_chart),
                "trend" => (trend_chart),
                _ => {}
            }
        }
    }
}

fn params(
    params: Result<Query<FiguresParams>, QueryRejection>,
) -> Result<(FiguresParams, i64), WebError> {
    let Query(params) = params.map_err(|e| WebError::bad("query", e.body_text()))?;
    let days = params.suspend_after()?;
    Ok((params, days))
}

/// `GET /review/metrics`: the figures, tables and charts.
async fn metrics_page(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    query: Result<Query<FiguresParams>, QueryRejection>,
) -> PageResult {
    let (_, days) = params(query)?;
    let found = figures(&state, principal.clone(), days).await?;
    let nav = nav(&state, &principal);
    Ok(html(
        StatusCode::OK,
        page("Review metrics", Some(&nav), body(&found, days)),
    ))
}

/// `GET /review/metrics.csv?table=NAME`: one table as CSV.
async fn metrics_csv(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    query: Result<Query<FiguresParams>, QueryRejection>,
) -> PageResult {
    let (params, days) = params(query)?;
    let found = figures(&state, principal, days).await?;
    let all = tables(&found);
    let Some(table) = all.iter().find(|t| t.name == params.table) else {
        let names: Vec<&str> = all.iter().map(|t| t.name).collect();
        return Err(Refusal(WebError::bad(
            "table",
            format!("\"{}\" is not one of {}", params.table, names.join(", ")),
        )));
    };
    let disposition = format!("attachment; filename=\"review-{}.csv\"", table.name);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        csv_of(table)?,
    )
        .into_response())
}

/// The metrics pages' routes.
pub(crate) fn routes() -> Vec<Entry> {
    let review = Access::Needs(Permission::ReviewChart);
    vec![
        route(
            Method::GET,
            "/review/metrics",
            review,
            false,
            "chart-review delinquency metrics",
            get(metrics_page),
        ),
        route(
            Method::GET,
            "/review/metrics.csv",
            review,
            false,
            "a chart-review metrics table as CSV",
            get(metrics_csv),
        ),
    ]
    .into_iter()
    .map(|entry| entry.on(Surface::Page))
    .collect()
}
