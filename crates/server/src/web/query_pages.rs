//! Population questions in the browser: a builder that writes the query text (so what runs
//! is always readable, editable and savable), the text itself, saved queries, the answer
//! beside a bar chart (categories) or a line chart (time series), and both exported: the
//! table as CSV, the chart as SVG.

use super::answer_plot::plot;
use super::forms::{PageForm, PageResult, Refusal, check_token, html};
use super::layout::{Nav, field_error, nav, page, token_field};
use super::svg_chart::{chart, svg};
use crate::auth::Principal;
use crate::error::WebError;
use crate::population::{Answer, run_query};
use crate::state::AppState;
use axum::Extension;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use maud::{Markup, html};
use query::Cell;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct QueryForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    age_min: String,
    #[serde(default)]
    age_max: String,
    #[serde(default)]
    dx_codes: String,
    #[serde(default)]
    dx_from: String,
    #[serde(default)]
    dx_to: String,
    #[serde(default)]
    vax: String,
    #[serde(default)]
    vax_from: String,
    #[serde(default)]
    vax_to: String,
    #[serde(default)]
    overdue_days: String,
    #[serde(default)]
    as_of: String,
    #[serde(default)]
    group_by: String,
    #[serde(default)]
    coverage: Option<String>,
}

const GROUPS: &[(&str, &str)] = &[
    ("", "no grouping"),
    (
        "age_band(0-17,18-49,50-64,65+)",
        "age band (0-17, 18-49, 50-64, 65+)",
    ),
    ("sex", "sex"),
    ("zip3", "ZIP3"),
];

type Problems = Vec<(String, String)>;

fn number(field: &str, text: &str, problems: &mut Problems) -> Option<i64> {
    match text.trim() {
        "" => None,
        t => match t.parse::<i64>() {
            Ok(n) if n >= 0 => Some(n),
            _ => {
                problems.push((field.to_owned(), format!("\"{t}\" is not a whole number")));
                None
            }
        },
    }
}

fn date(field: &str, text: &str, problems: &mut Problems) -> Option<String> {
    match text.trim() {
        "" => None,
        t => match codes::parse_date(t) {
            Some(d) => Some(d.to_string()),
            None => {
                problems.push((
                    field.to_owned(),
                    format!("\"{t}\" is not a date (YYYY-MM-DD)"),
                ));
                None
            }
        },
    }
}

/// A list of codes, ranges (`E08-E13`), prefixes (`E11*`) or set names (`flu`), checked
/// for characters the query language would read as syntax.
fn items(field: &str, text: &str, problems: &mut Problems) -> Option<String> {
    let parts: Vec<&str> = text
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() {
        return None;
    }
    if let Some(bad) = parts.iter().find(|p| {
        !p.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.*+_".contains(c))
    }) {
        problems.push((
            field.to_owned(),
            format!("\"{bad}\" is not a code, range (E08-E13), prefix (E11*) or set name"),
        ));
        return None;
    }
    Some(format!("({})", parts.join(", ")))
}

/// The query text the builder's fields describe.
fn compose(form: &QueryForm, today: &str) -> Result<String, Problems> {
    let mut problems = Vec::new();
    let mut conditions = Vec::new();
    match form.sex.as_str() {
        "" => {}
        "F" | "M" => conditions.push(format!("sex = {}", form.sex)),
        other => problems.push(("sex".to_owned(), format!("\"{other}\" is not F or M"))),
    }
    if let Some(n) = number("age_min", &form.age_min, &mut problems) {
        conditions.push(format!("age >= {n}"));
    }
    if let Some(n) = number("age_max", &form.age_max, &mut problems) {
        conditions.push(format!("age <= {n}"));
    }
    if let Some(codes) = items("dx_codes", &form.dx_codes, &mut problems) {
        let mut parts = vec![format!("code in {codes}")];
        if let Some(d) = date("dx_from", &form.dx_from, &mut problems) {
            parts.push(format!("date >= {d}"));
        }
        if let Some(d) = date("dx_to", &form.dx_to, &mut problems) {
            parts.push(format!("date <= {d}"));
        }
        conditions.push(format!("diagnosis({})", parts.join(", ")));
    }
    let mut vaccine = None;
    if let Some(codes) = items("vax", &form.vax, &mut problems) {
        let mut parts = vec![format!("cvx in {codes}"), "status = completed".to_owned()];
        if let Some(d) = date("vax_from", &form.vax_from, &mut problems) {
            parts.push(format!("date >= {d}"));
        }
        if let Some(d) = date("vax_to", &form.vax_to, &mut problems) {
            parts.push(format!("date <= {d}"));
        }
        vaccine = Some(format!("immunization({})", parts.join(", ")));
    }
    if let Some(n) = number("overdue_days", &form.overdue_days, &mut problems) {
        conditions.push(format!("balance(days_past_due > {n})"));
    }
    let as_of = date("as_of", &form.as_of, &mut problems).unwrap_or_else(|| today.to_owned());
    let group = GROUPS
        .iter()
        .find(|(value, _)| *value == form.group_by)
        .map(|(value, _)| *value);
    if group.is_none() {
        problems.push((
            "group_by".to_owned(),
            "choose one of the groupings".to_owned(),
        ));
    }
    let coverage = form.coverage.is_some() && vaccine.is_some();
    if form.coverage.is_some() && vaccine.is_none() {
        problems.push((
            "coverage".to_owned(),
            "coverage needs a vaccine to count".to_owned(),
        ));
    }
    if !coverage && let Some(v) = &vaccine {
        conditions.push(v.clone());
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut text = String::from("count patients");
    if !conditions.is_empty() {
        text.push_str(" where ");
        text.push_str(&conditions.join(" and "));
    }
    text.push_str(&format!(" as of {as_of}"));
    if let Some(group) = group.filter(|g| !g.is_empty()) {
        text.push_str(&format!(" group by {group}"));
    }
    if coverage && let Some(v) = vaccine {
        text.push_str(&format!(
            " measure patients as population, patients where {v} as vaccinated"
        ));
    }
    Ok(text)
}

fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(t) => t.to_string(),
        Cell::Int(n) => n.to_string(),
        Cell::Number(x) => format!("{x:.2}"),
        Cell::Suppressed => "<11".to_owned(),
    }
}

/// Most patients a list shows on the page; the CSV export has them all.
const LIST_ROWS_SHOWN: usize = 10_000;

/// A patient list: one row a patient, the first column linked to the chart.
fn list_markup(answer: &Answer, patient_ids: &[i64]) -> Markup {
    let table = &answer.table;
    html! {
        section #answer {
            h2 { "Patients" }
            p { code #normal-query { (answer.query) } }
            p { (patient_ids.len()) " patients listed. Each one listed is recorded in the audit trail as shown to you." }
            table.answer.patient-list {
                thead { tr { @for column in &table.columns { th { (column) } } } }
                tbody {
                    @for (row, id) in table.rows.iter().zip(patient_ids).take(LIST_ROWS_SHOWN) {
                        tr {
                            @for (idx, cell) in row.iter().enumerate() {
                                @if idx == 0 {
                                    td { a href={ "/patients/" (id) } { (cell_text(cell)) } }
                                } @else if matches!(cell, Cell::Text(_)) {
                                    td { (cell_text(cell)) }
                                } @else {
                                    td.num { (cell_text(cell)) }
                                }
                            }
                        }
                    }
                }
            }
            @if patient_ids.len() > LIST_ROWS_SHOWN { p.note { "The first " (LIST_ROWS_SHOWN) " of " (patient_ids.len()) " patients are shown; export CSV for all." } }
        }
    }
}

fn answer_markup(answer: &Answer) -> Markup {
    if let Some(patient_ids) = &answer.patient_ids {
        return list_markup(answer, patient_ids);
    }
    let table = &answer.table;
    let plot = plot(table);
    html! {
        section #answer {
            h2 { "Answer" }
            p { code #normal-query { (answer.query) } }
            @if answer.suppressed { p.notice { "Counts under 11 are shown as <11 (aggregate-only access)." } }
            div.answer-view {
                @match &plot {
                    Ok(plot) => (chart(&answer.query, &plot.categories, &plot.series, plot.line)),
                    Err(why) => @if table.rows.len() > 1 { p.note { (why) } },
                }
                div.table-scroll {
                    table.answer {
                        thead { tr { @for column in &table.columns { th { (column) } } } }
                        tbody {
                            @for row in table.rows.iter().take(2000) {
                                tr { @for cell in row { @if matches!(cell, Cell::Text(_)) { td { (cell_text(cell)) } } @else { td.num { (cell_text(cell)) } } } }
                            }
                        }
                    }
                }
            }
            @if table.rows.len() > 2000 { p.note { "The first 2,000 of " (table.rows.len()) " rows are shown; export CSV for all." } }
        }
    }
}

fn builder(
    nav: &Nav,
    form: &QueryForm,
    problems: &Problems,
    saved: &[store::Stored<reports::saved::SavedQuery>],
) -> Markup {
    let input = |id: &'static str,
                 label: &'static str,
                 value: &str,
                 kind: &'static str,
                 hint: &'static str| {
        html! {
            div.field {
                label for=(id) { (label) }
                input id=(id) name=(id) type=(kind) value=(value) placeholder=(hint);
                (field_error(problems, id))
            }
        }
    };
    html! {
        form.query method="post" action="/queries" {
            (token_field(nav))
            fieldset.builder {
                legend { "Build a question (leave the text below empty to use these)" }
                div.field {
                    label for="sex" { "Sex" }
                    select #sex name="sex" {
                        @for (v, l) in [("", "any"), ("F", "female"), ("M", "male")] { option value=(v) selected[form.sex == v] { (l) } }
                    }
                }
                (input("age_min", "Age from", &form.age_min, "number", ""))
                (input("age_max", "Age to", &form.age_max, "number", ""))
                (input("dx_codes", "Diagnosis codes", &form.dx_codes, "text", "E08-E13, I10, E11*"))
                (input("dx_from", "Diagnosed from", &form.dx_from, "date", ""))
                (input("dx_to", "Diagnosed to", &form.dx_to, "date", ""))
                (input("vax", "Vaccines (CVX or set)", &form.vax, "text", "flu, or 140, 150"))
                (input("vax_from", "Vaccinated from", &form.vax_from, "date", ""))
                (input("vax_to", "Vaccinated to", &form.vax_to, "date", ""))
                (input("overdue_days", "Balance past due more than (days)", &form.overdue_days, "number", "90"))
                (input("as_of", "As of", &form.as_of, "date", ""))
                div.field {
                    label for="group_by" { "Group by" }
                    select #group_by name="group_by" {
                        @for (v, l) in GROUPS { option value=(v) selected[form.group_by == *v] { (l) } }
                    }
                }
                div.field {
                    label { input type="checkbox" name="coverage" #coverage checked[form.coverage.is_some()]; " Show vaccine coverage (population and vaccinated per group)" }
                    (field_error(problems, "coverage"))
                }
            }
            label for="text" { "Query text (or the name of a saved query)" }
            textarea #text name="text" rows="3" spellcheck="false"
                aria-invalid=[problems.iter().any(|(f, _)| f == "text").then_some("true")] { (form.text) }
            (field_error(problems, "text"))
            div.actions {
                button type="submit" name="action" value="run" { "Run" }
                button type="submit" name="action" value="csv" { "Export CSV" }
                button type="submit" name="action" value="svg" { "Export chart (SVG)" }
            }
            details {
                summary { "Save this query" }
                div.field { label for="name" { "Name" } input #name name="name" value=(form.name) placeholder="flu-coverage-by-age"; (field_error(problems, "name")) }
                div.field { label for="description" { "What it answers" } input #description name="description" value=(form.description); }
                button type="submit" name="action" value="save" { "Save" }
            }
        }
        @if !saved.is_empty() {
            section #saved {
                h2 { "Saved queries" }
                (saved_table(nav, saved))
            }
        }
    }
}

/// The saved queries, each with a Run button.
fn saved_table(nav: &Nav, saved: &[store::Stored<reports::saved::SavedQuery>]) -> Markup {
    html! {
        table.saved {
            thead { tr { th { "Name" } th { "Owner" } th { "What it answers" } th { "Query" } th {} } }
            tbody {
                @for q in saved {
                    tr {
                        td { (q.record.name) }
                        td { (q.record.owner) }
                        td { (q.record.description.as_deref().unwrap_or("")) }
                        td { code { (q.record.query_text) } }
                        td {
                            form method="post" action="/queries" {
                                (token_field(nav))
                                input type="hidden" name="text" value=(q.record.name);
                                button type="submit" name="action" value="run" { "Run" }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The start page's section for those who count without seeing patients (public health,
/// researchers): the saved questions they may run, and where to ask a new one.
pub(crate) async fn start_section(
    state: &AppState,
    principal: &Principal,
    nav: &Nav,
) -> Result<Markup, WebError> {
    if !principal.allows(privacy::Permission::ReadAggregates)
        || principal.allows(privacy::Permission::ReadDemographics)
    {
        return Ok(html! {});
    }
    let saved = saved(state).await?;
    Ok(html! {
        section #questions {
            h2 { "Population questions" }
            p { "Counts over the whole population; groups under 11 patients are shown as <11. "
                a.button href="/queries" { "Ask a new question" } }
            @if saved.is_empty() {
                p { "No saved questions yet. A question you run can be saved under a name from the query page." }
            } @else {
                (saved_table(nav, &saved))
            }
        }
    })
}

async fn saved(
    state: &AppState,
) -> Result<Vec<store::Stored<reports::saved::SavedQuery>>, WebError> {
    state
        .blocking(|state| reports::saved::list(&state.store).map_err(WebError::internal))
        .await
}

/// `GET /queries`: the builder, the text box and the saved queries.
pub(crate) async fn page_get(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> PageResult {
    let nav = nav(&state, &principal);
    let saved = saved(&state).await?;
    let body = builder(&nav, &QueryForm::default(), &Vec::new(), &saved);
    Ok(html(
        StatusCode::OK,
        page("Population queries", Some(&nav), body),
    ))
}

/// `POST /queries`: runs, exports or saves the question.
pub(crate) async fn submit(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    PageForm(mut form): PageForm<QueryForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let nav = nav(&state, &principal);
    let today = state.store.clock().now().date().to_string();
    let shown = |form: &QueryForm,
                 problems: &Problems,
                 saved: &[store::Stored<reports::saved::SavedQuery>],
                 answer: Option<&Answer>,
                 status| {
        let body = html! {
            (builder(&nav, form, problems, saved))
            @if let Some(answer) = answer { (answer_markup(answer)) }
        };
        html(status, page("Population queries", Some(&nav), body))
    };
    if form.text.trim().is_empty() {
        match compose(&form, &today) {
            Ok(text) => form.text = text,
            Err(problems) => {
                let saved = saved(&state).await?;
                return Ok(shown(
                    &form,
                    &problems,
                    &saved,
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                ));
            }
        }
    }
    let text = form.text.trim().to_owned();
    let runner = principal.clone();
    // A CSV or a chart leaves the system: audited as an export, like every other download.
    let action = if matches!(form.action.as_str(), "csv" | "svg") {
        privacy::Action::Export
    } else {
        privacy::Action::Read
    };
    let answer = state
        .blocking(move |state| run_query(state, &runner, &text, action))
        .await;
    let answer = match answer {
        Ok(answer) => answer,
        Err(WebError::BadRequest { field, reason }) => {
            let saved = saved(&state).await?;
            return Ok(shown(
                &form,
                &vec![(field, reason)],
                &saved,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
        // A filter the roles may not use: the typed query stays, with the filter named.
        Err(WebError::Forbidden(reason)) => {
            let saved = saved(&state).await?;
            return Ok(shown(
                &form,
                &vec![("text".to_owned(), reason)],
                &saved,
                None,
                StatusCode::FORBIDDEN,
            ));
        }
        Err(other) => return Err(Refusal(other)),
    };
    match form.action.as_str() {
        "csv" => {
            return Ok((
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"chartroom-query.csv\"",
                    ),
                ],
                answer.table.to_csv(),
            )
                .into_response());
        }
        "svg" => match plot(&answer.table) {
            Ok(plot) => {
                let drawn = svg(&answer.query, &plot.categories, &plot.series, plot.line);
                return Ok((
                    [
                        (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
                        (
                            header::CONTENT_DISPOSITION,
                            "attachment; filename=\"chartroom-query.svg\"",
                        ),
                    ],
                    format!(
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}\n",
                        drawn.into_string()
                    ),
                )
                    .into_response());
            }
            Err(why) => {
                let saved = saved(&state).await?;
                return Ok(shown(
                    &form,
                    &vec![("text".to_owned(), format!("no chart to export: {why}"))],
                    &saved,
                    Some(&answer),
                    StatusCode::UNPROCESSABLE_ENTITY,
                ));
            }
        },
        "save" => {
            let name = form.name.trim().to_owned();
            if name.is_empty() {
                let saved = saved(&state).await?;
                let problems = vec![("name".to_owned(), "give the query a name".to_owned())];
                return Ok(shown(
                    &form,
                    &problems,
                    &saved,
                    Some(&answer),
                    StatusCode::UNPROCESSABLE_ENTITY,
                ));
            }
            let query = reports::saved::SavedQuery {
                name,
                owner: principal.username.clone(),
                description: Some(form.description.trim().to_owned()).filter(|d| !d.is_empty()),
                query_text: answer.query.clone(),
            };
            let actor = store::Actor::new(format!("user:{}", principal.username));
            let who = principal.clone();
            let stored = state
                .blocking(move |state| {
                    // The save is sealed into an entry as this user's (this thread's
                    // writes only, for the length of the save).
                    let template = who
                        .event(state.store.clock().now(), privacy::Action::Create)
                        .reason("saved query");
                    state
                        .store
                        .audit_writes(Some((std::sync::Arc::clone(&state.trail), template)));
                    let saved = reports::saved::save(&state.store, &actor, query);
                    state.store.audit_writes(None);
                    saved.map_err(|e| match e {
                        reports::Error::Store(store::Error::Invalid { errors, .. }) => {
                            WebError::bad("name", errors.to_string())
                        }
                        reports::Error::Store(store::Error::Conflict(m)) => {
                            WebError::bad("name", m)
                        }
                        other => WebError::internal(other),
                    })
                })
                .await;
            if let Err(WebError::BadRequest { field, reason }) = stored {
                let saved = saved(&state).await?;
                return Ok(shown(
                    &form,
                    &vec![(field, reason)],
                    &saved,
                    Some(&answer),
                    StatusCode::UNPROCESSABLE_ENTITY,
                ));
            }
            stored?;
        }
        "run" | "" => {}
        other => {
            return Err(Refusal(WebError::bad(
                "action",
                format!("\"{other}\" is not run, csv, svg or save"),
            )));
        }
    }
    let saved = saved(&state).await?;
    Ok(shown(
        &form,
        &Vec::new(),
        &saved,
        Some(&answer),
        StatusCode::OK,
    ))
}
