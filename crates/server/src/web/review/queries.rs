//! Physician queries on the pages: the technician writes one from a deficiency (indicators
//! quoted from the chart, the question, the answers offered; every refused field shown
//! under its field), the physician sees their open queries on the start page and on "My
//! queries" and answers from the options the query offers. The same cores as
//! `/api/review/queries` (`query_api::ask`, `query_api::answer`), so both audit alike.

use crate::auth::Principal;
use crate::error::WebError;
use crate::guard::{Access, Entry, Surface, route};
use crate::query_api::{AnswerBody, AskBody, Refused, answer, ask, department, mine, withdraw};
use crate::state::AppState;
use crate::web::fields::{Labels, summary};
use crate::web::forms::{PageForm, PageResult, Refusal, check_token, html};
use crate::web::layout::{Nav, field_error, nav, page, token_field};
use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use maud::{Markup, html};
use privacy::{Action as AuditAction, Permission};
use records::{OTHER, UNDETERMINED};
use serde::Deserialize;

const ASK_LABELS: Labels = &[
    ("indicators", "Clinical indicators"),
    ("question", "Question"),
    ("options", "Answers offered"),
    ("provider", "Physician"),
    ("asked_by", "Asked by"),
];

/// The query form as posted: indicators and answers one per line.
#[derive(Debug, Default, Deserialize)]
struct AskForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    indicators: String,
    #[serde(default)]
    question: String,
    #[serde(default)]
    options: String,
    #[serde(default)]
    provider: String,
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

impl AskForm {
    fn body(&self, deficiency: i64) -> Result<AskBody, Refused> {
        let provider = match self.provider.trim() {
            "" => None,
            text => Some(
                text.parse::<i64>()
                    .ok()
                    .filter(|id| *id > 0)
                    .ok_or_else(|| {
                        Refused::Fields(vec![(
                            "provider".into(),
                            format!("\"{text}\" is not a provider id"),
                        )])
                    })?,
            ),
        };
        Ok(AskBody {
            deficiency,
            question: self.question.clone(),
            indicators: lines(&self.indicators),
            options: lines(&self.options),
            provider,
        })
    }
}

fn textarea(field: &str, value: &str, rows: u8, hint: &str, errors: &[(String, String)]) -> Markup {
    let label = crate::web::fields::label(ASK_LABELS, field);
    html! {
        div.field {
            label for=(field) { (label) " *" }
            @if !hint.is_empty() { small.hint { (hint) } }
            textarea id=(field) name=(field) rows=(rows) aria-invalid=[errors.iter().any(|(f, _)| f == field).then_some("true")] { (value) }
            (field_error(errors, field))
        }
    }
}

fn ask_page(
    nav: &Nav,
    item: &review::QueueItem,
    form: &AskForm,
    errors: &[(String, String)],
    refusal: Option<&str>,
) -> Markup {
    let d = &item.deficiency;
    let r = &d.record;
    html! {
        p { a href="/review" { "Back to the work queue" } }
        dl.facts {
            dt { "Chart" } dd { a href={ "/patients/" (r.patient_id) } { (item.patient_name) } " " small { "MRN " (item.mrn) } }
            dt { "Deficiency" } dd { (r.message) " (" (r.rule_id) ", " (r.status.as_str()) ")" }
            dt { "Physician" } dd { @match r.provider_id { Some(p) => { "provider " (p) }, None => { "none named: give the provider id below" } } }
        }
        @if let Some(reason) = refusal { p.error role="alert" { (reason) } }
        (summary(ASK_LABELS, errors))
        form.stack method="post" action={ "/review/" (d.meta.id) "/query" } {
            (token_field(nav))
            (textarea("indicators", &form.indicators, 4, "One per line, quoted from the chart (results, vital signs, treatment, the note's words).", errors))
            (textarea("question", &form.question, 3, "Ask what the indicators show; never name the answer you expect.", errors))
            (textarea("options", &form.options, 4, &format!("One clinical answer per line; \"{OTHER}\" and \"{UNDETERMINED}\" are always added."), errors))
            div.field {
                label for="provider" { "Physician (provider id, when not the deficiency's own)" }
                input #provider name="provider" inputmode="numeric" value=(form.provider);
                (field_error(errors, "provider"))
            }
            div.actions { button type="submit" { "Send the query" } }
        }
    }
}

async fn show_ask(
    state: &AppState,
    principal: &Principal,
    id: i64,
    form: &AskForm,
    errors: &[(String, String)],
    refusal: Option<&str>,
    status: StatusCode,
) -> PageResult {
    let reader = principal.clone();
    let item = state
        .blocking(move |state| {
            let who = reader.event(state.store.clock().now(), AuditAction::Read);
            Ok(state.trail.write(&state.store, |audited| {
                review::deficiency_audited(audited, &who, id)
            })?)
        })
        .await?;
    let nav = nav(state, principal);
    let body = ask_page(&nav, &item, form, errors, refusal);
    Ok(html(status, page("Query the physician", Some(&nav), body)))
}

/// `GET /review/{id}/query`: the query form for a deficiency.
async fn ask_form(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> PageResult {
    let id = crate::patients::parse_id(&id)?;
    show_ask(
        &state,
        &principal,
        id,
        &AskForm::default(),
        &[],
        None,
        StatusCode::OK,
    )
    .await
}

/// `POST /review/{id}/query`: asks; a refused query comes back with each problem under its
/// field and nothing written.
async fn ask_post(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<AskForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = crate::patients::parse_id(&id)?;
    let result = match form.body(id) {
        Ok(body) => ask(&state, principal.clone(), body).await,
        Err(refused) => Err(refused),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/review").into_response()),
        Err(Refused::Fields(errors)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            show_ask(&state, &principal, id, &form, &errors, None, status).await
        }
        Err(Refused::Whole(WebError::Conflict(reason))) => {
            let status = StatusCode::CONFLICT;
            show_ask(&state, &principal, id, &form, &[], Some(&reason), status).await
        }
        Err(Refused::Whole(other)) => Err(Refusal(other)),
    }
}

fn query_card(nav: &Nav, item: &review::QueryItem, errors: &[(String, String)]) -> Markup {
    let q = &item.query;
    let r = &q.record;
    let id = q.meta.id;
    let chart = match r.encounter_id {
        Some(e) => format!("/patients/{}?encounter={e}#encounter-{e}", r.patient_id),
        None => format!("/patients/{}", r.patient_id),
    };
    html! {
        article.query id={ "query-" (id) } {
            h3 { "Query " (id) ": " a href=(chart) { (item.patient_name) } " " small { "MRN " (item.mrn) } }
            p { small { "Asked by " (r.asked_by) " on " (crate::web::text::at_facility(&nav.zone, r.asked_at)) } }
            h4 { "Clinical indicators" }
            ul { @for indicator in &r.indicators { li { (indicator) } } }
            p.question { strong { (r.question) } }
            form.stack method="post" action={ "/review/queries/" (id) "/answer" } {
                (token_field(nav))
                fieldset {
                    legend { "Your answer" }
                    @for (idx, option) in r.options.iter().enumerate() {
                        label { input type="radio" name="answer" value=(option) required id={ "answer-" (id) "-" (idx) }; " " (option) }
                    }
                    (field_error(errors, "answer"))
                }
                label for={ "comment-" (id) } { "Comment (optional)" }
                textarea id={ "comment-" (id) } name="comment" rows="2" {}
                (field_error(errors, "comment"))
                div.actions { button type="submit" { "Answer" } }
            }
        }
    }
}

/// The physician's queries; `errors` belong to query `failed` (0: none).
async fn show_mine(
    state: &AppState,
    principal: &Principal,
    failed: i64,
    errors: &[(String, String)],
    refusal: Option<&str>,
    status: StatusCode,
) -> PageResult {
    let found = mine(state, principal.clone()).await?;
    let nav = nav(state, principal);
    let body = html! {
        @if let Some(reason) = refusal { p.error role="alert" { (reason) } }
        @match &found {
            None => p { "Your account is not linked to a provider, so no query is addressed to you." },
            Some(items) if items.is_empty() => p { "No query is waiting for your answer." },
            Some(items) => {
                p { (items.len()) " queries waiting for your answer, oldest first." }
                @for item in items {
                    @let mine = if item.query.meta.id == failed { errors } else { &[] };
                    (query_card(&nav, item, mine))
                }
            }
        }
    };
    Ok(html(status, page("My queries", Some(&nav), body)))
}

/// `GET /review/queries`: the signed-in physician's open queries.
async fn my_queries(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> PageResult {
    show_mine(&state, &principal, 0, &[], None, StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
struct AnswerForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    comment: String,
}

/// `POST /review/queries/{id}/answer`: answers; a query already answered or withdrawn is
/// refused with its status named.
async fn answer_post(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<AnswerForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = crate::patients::parse_id(&id)?;
    let body = AnswerBody {
        answer: form.answer,
        comment: Some(form.comment),
    };
    match answer(&state, principal.clone(), id, body).await {
        Ok(_) => Ok(Redirect::to("/review/queries").into_response()),
        Err(Refused::Fields(errors)) => {
            let reason = format!("query {id} was not answered; see below");
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            show_mine(&state, &principal, id, &errors, Some(&reason), status).await
        }
        Err(Refused::Whole(WebError::Conflict(reason))) => {
            show_mine(
                &state,
                &principal,
                0,
                &[],
                Some(&reason),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(Refused::Whole(other)) => Err(Refusal(other)),
    }
}

/// The department's filters of open queries: one physician's, asked at least N days ago.
#[derive(Debug, Default)]
struct OpenFilter {
    provider: Option<i64>,
    older_than: Option<i64>,
}

impl OpenFilter {
    fn parse(query: Option<&str>) -> Result<Self, WebError> {
        let mut filter = Self::default();
        for pair in query.unwrap_or_default().split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let number = |label: &str| {
                value
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 0)
                    .ok_or_else(|| {
                        WebError::bad(name, format!("{label}: \"{value}\" is not a number"))
                    })
            };
            match name {
                "provider" => filter.provider = Some(number("Physician (provider id)")?),
                "older_than" => {
                    filter.older_than = Some(number("Asked at least this many days ago")?)
                }
                _ => {}
            }
        }
        Ok(filter)
    }
}

fn open_row(nav: &Nav, item: &review::QueryItem, now: time::OffsetDateTime) -> Markup {
    let q = &item.query;
    let r = &q.record;
    let id = q.meta.id;
    let days = (now - r.asked_at).whole_days();
    html! {
        tr id={ "query-" (id) } {
            td { (id) }
            td { a href={ "/patients/" (r.patient_id) } { (item.patient_name) } br; small { "MRN " (item.mrn) } }
            td { "provider " (r.provider_id) }
            td { (crate::web::text::instant(r.asked_at)) br; small { (days) " days waiting" } }
            td { (r.asked_by) }
            td { (r.question) }
            td {
                form.inline method="post" action={ "/review/queries/" (id) "/withdraw" } {
                    (token_field(nav))
                    label for={ "withdraw-" (id) } { "Why" }
                    input id={ "withdraw-" (id) } name="reason" required;
                    button type="submit" { "Withdraw" }
                }
            }
        }
    }
}

async fn show_open(
    state: &AppState,
    principal: &Principal,
    filter: &OpenFilter,
    refusal: Option<&str>,
    status: StatusCode,
) -> PageResult {
    let now = state.store.clock().now();
    let mut found = department(state, principal.clone(), filter.provider).await?;
    if let Some(days) = filter.older_than {
        found.retain(|q| (now - q.query.record.asked_at).whole_days() >= days);
    }
    let nav = nav(state, principal);
    let body = html! {
        p { a href="/review" { "Back to the work queue" } }
        @if let Some(reason) = refusal { p.error role="alert" { (reason) } }
        form.filters method="get" action="/review/queries/open" {
            label for="provider" { "Physician (provider id)" }
            input #provider name="provider" inputmode="numeric" value=[filter.provider];
            label for="older_than" { "Asked at least this many days ago" }
            input #older_than name="older_than" inputmode="numeric" value=[filter.older_than];
            button type="submit" { "Filter" }
        }
        p { (found.len()) " open queries, oldest first." }
        table.queue {
            thead { tr { th { "Query" } th { "Chart" } th { "Physician" } th { "Asked" } th { "By" } th { "Question" } th { "" } } }
            tbody {
                @for item in &found { (open_row(&nav, item, now)) }
                @if found.is_empty() { tr { td colspan="7" { "No open query matches." } } }
            }
        }
    };
    Ok(html(
        status,
        page("Open physician queries", Some(&nav), body),
    ))
}

/// `GET /review/queries/open?provider=&older_than=`: every open query for the department.
async fn open_queries(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    RawQuery(query): RawQuery,
) -> PageResult {
    let filter = OpenFilter::parse(query.as_deref())?;
    show_open(&state, &principal, &filter, None, StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
struct WithdrawForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    reason: String,
}

/// `POST /review/queries/{id}/withdraw`: takes a query back, with the reason; a closed
/// query or a missing reason is refused on the page, nothing written.
async fn withdraw_post(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<WithdrawForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = crate::patients::parse_id(&id)?;
    match withdraw(&state, principal.clone(), id, form.reason).await {
        Ok(_) => Ok(Redirect::to("/review/queries/open").into_response()),
        Err(Refused::Fields(errors)) => {
            let said: Vec<String> = errors.iter().map(|(f, e)| format!("{f}: {e}")).collect();
            let reason = format!("query {id} was not withdrawn: {}", said.join("; "));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            show_open(
                &state,
                &principal,
                &OpenFilter::default(),
                Some(&reason),
                status,
            )
            .await
        }
        Err(Refused::Whole(WebError::Conflict(reason))) => {
            let status = StatusCode::CONFLICT;
            show_open(
                &state,
                &principal,
                &OpenFilter::default(),
                Some(&reason),
                status,
            )
            .await
        }
        Err(Refused::Whole(other)) => Err(Refusal(other)),
    }
}

/// The start page's section for a physician with queries waiting.
pub(crate) async fn start_section(
    state: &AppState,
    principal: &Principal,
) -> Result<Markup, WebError> {
    if !principal.allows(Permission::SignNotes) {
        return Ok(html! {});
    }
    let Some(items) = mine(state, principal.clone()).await? else {
        return Ok(html! {});
    };
    if items.is_empty() {
        return Ok(html! {});
    }
    Ok(html! {
        section #my-queries {
            h2 { "Queries waiting for your answer" }
            ul.work {
                @for item in &items {
                    li {
                        a href={ "/review/queries#query-" (item.query.meta.id) } { (item.patient_name) }
                        ": " (item.query.record.question)
                    }
                }
            }
            p { a href="/review/queries" { "Answer them" } }
        }
    })
}

/// The query pages' routes.
pub(crate) fn routes() -> Vec<Entry> {
    let review = Access::Needs(Permission::ReviewChart);
    let physician = Access::Needs(Permission::SignNotes);
    vec![
        route(
            Method::GET,
            "/review/{id}/query",
            review,
            true,
            "the physician-query form for a deficiency",
            get(ask_form),
        ),
        route(
            Method::POST,
            "/review/{id}/query",
            review,
            true,
            "ask the physician a query about a deficiency",
            post(ask_post),
        ),
        route(
            Method::GET,
            "/review/queries",
            physician,
            true,
            "the physician's open queries",
            get(my_queries),
        ),
        route(
            Method::GET,
            "/review/queries/open",
            review,
            true,
            "every open physician query, by physician and days waiting",
            get(open_queries),
        ),
        route(
            Method::POST,
            "/review/queries/{id}/withdraw",
            review,
            false,
            "withdraw an open physician query, with the reason",
            post(withdraw_post),
        ),
        route(
            Method::POST,
            "/review/queries/{id}/answer",
            physician,
            true,
            "answer a physician query",
            post(answer_post),
        ),
    ]
    .into_iter()
    .map(|entry| entry.on(Surface::Page))
    .collect()
}
