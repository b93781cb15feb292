//! Physician queries over the JSON API: a technician or coder asks about a deficiency, the
//! physician lists and answers their own; the pages (`web::review::queries`) call the same
//! cores, and the audit entries come from `review` as on the command line.
//!
//! Invariant: only the physician a query is addressed to (through the account's provider
//! link) answers it; the department lists every open query, a physician only their own.

use crate::auth::Principal;
use crate::body::JsonBody;
use crate::error::WebError;
use crate::guard::{Access, Entry, route};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::routing::{get, post};
use privacy::{Action as AuditAction, Permission};
use records::PhysicianQuery;
use serde::Deserialize;
use serde_json::{Value, json};
use store::{Actor, Stored};

/// A query to ask.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AskBody {
    /// The deficiency it is about.
    pub deficiency: i64,
    /// The question (never leading: no "please document", "do you agree"...).
    pub question: String,
    /// Clinical indicators quoted from the chart (at least one).
    pub indicators: Vec<String>,
    /// The clinical answers offered ("Other" and "Clinically undetermined" are added).
    pub options: Vec<String>,
    /// The physician (provider id) to ask, when not the deficiency's own.
    pub provider: Option<i64>,
}

/// A physician's answer.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    /// One of the answers the query offers.
    pub answer: String,
    /// What the physician adds in words.
    pub comment: Option<String>,
}

/// A refused query or answer: each problem by the field the form shows it under, or a
/// refusal of the whole request.
pub(crate) enum Refused {
    Fields(Vec<(String, String)>),
    Whole(WebError),
}

impl From<WebError> for Refused {
    fn from(error: WebError) -> Self {
        Self::Whole(error)
    }
}

impl From<Refused> for WebError {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::Whole(error) => error,
            Refused::Fields(problems) => {
                let field = problems
                    .first()
                    .map_or_else(|| "body".to_owned(), |(f, _)| f.clone());
                let reason = problems
                    .iter()
                    .map(|(f, m)| format!("{f}: {m}"))
                    .collect::<Vec<_>>()
                    .join("; ");
                WebError::BadRequest { field, reason }
            }
        }
    }
}

/// The record's problems by the form field they belong to (`indicators[1]` is line 2 of
/// the indicators).
fn by_field(errors: records::ValidationErrors) -> Vec<(String, String)> {
    errors
        .0
        .into_iter()
        .map(|e| match e.path.split_once('[') {
            Some((field, rest)) => {
                let line = rest
                    .trim_end_matches(']')
                    .parse::<usize>()
                    .map_or(0, |idx| idx + 1);
                (field.to_owned(), format!("line {line}: {}", e.message))
            }
            None => (e.path, e.message),
        })
        .collect()
}

/// Runs an audited query change; validation problems come back by field.
fn write_query(
    state: &AppState,
    principal: &Principal,
    action: AuditAction,
    change: impl FnOnce(&mut store::Tx<'_>) -> store::Result<Stored<PhysicianQuery>>,
) -> Result<Result<Stored<PhysicianQuery>, Refused>, WebError> {
    let who = principal.event(state.store.clock().now(), action);
    match state.trail.write(&state.store, |audited| {
        review::query_audited(audited, &who, change)
    }) {
        Ok(stored) => Ok(Ok(stored)),
        Err(store::Error::Invalid { errors, .. }) => Ok(Err(Refused::Fields(by_field(errors)))),
        Err(other) => Err(other.into()),
    }
}

/// Asks the query as the signed-in user.
pub(crate) async fn ask(
    state: &AppState,
    principal: Principal,
    body: AskBody,
) -> Result<Stored<PhysicianQuery>, Refused> {
    state
        .blocking(move |state| {
            let actor = Actor::new(format!("user:{}", principal.username));
            let new = review::NewQuery {
                deficiency_id: body.deficiency,
                provider_id: body.provider,
                asked_by: principal.username.clone(),
                question: body.question,
                indicators: body.indicators,
                options: body.options,
            };
            // A deficiency naming no physician is a problem of the `provider` field.
            let mut no_physician = None;
            let written = write_query(state, &principal, AuditAction::Create, |tx| {
                review::ask(tx, &actor, &new).map_err(|e| match e {
                    review::AskError::NoPhysician { .. } => {
                        let said = e.to_string();
                        no_physician = Some(said.clone());
                        store::Error::Conflict(said)
                    }
                    review::AskError::Store(e) => e,
                })
            });
            match no_physician {
                Some(reason) => Ok(Err(Refused::Fields(vec![("provider".into(), reason)]))),
                None => written,
            }
        })
        .await
        .unwrap_or_else(|error| Err(error.into()))
}

/// The provider the signed-in physician's account is linked to.
fn own_provider(state: &AppState, principal: &Principal) -> Result<Option<i64>, WebError> {
    let username = principal.username.clone();
    Ok(state
        .store
        .read(|tx| tx.account_provider(&username))?
        .map(|p| p.0))
}

/// Answers query `id` as the signed-in physician, who must be the one asked.
pub(crate) async fn answer(
    state: &AppState,
    principal: Principal,
    id: i64,
    body: AnswerBody,
) -> Result<Stored<PhysicianQuery>, Refused> {
    state
        .blocking(move |state| {
            let mine = own_provider(state, &principal)?;
            let query: Stored<PhysicianQuery> = state.store.read(|tx| tx.get(id))?;
            if mine != Some(query.record.provider_id.0) {
                return Err(WebError::Forbidden(format!(
                    "physician query {id} is addressed to another physician; only they answer it"
                )));
            }
            let actor = Actor::new(format!("user:{}", principal.username));
            let by = principal.username.clone();
            write_query(state, &principal, AuditAction::Update, |tx| {
                review::answer(tx, &actor, id, &body.answer, body.comment.as_deref(), &by)
            })
        })
        .await
        .unwrap_or_else(|error| Err(error.into()))
}

/// The open queries waiting for the signed-in physician, or `None` when the account is
/// linked to no provider.
pub(crate) async fn mine(
    state: &AppState,
    principal: Principal,
) -> Result<Option<Vec<review::QueryItem>>, WebError> {
    state
        .blocking(move |state| {
            let Some(provider) = own_provider(state, &principal)? else {
                return Ok(None);
            };
            listed(state, &principal, Some(provider)).map(Some)
        })
        .await
}

fn listed(
    state: &AppState,
    principal: &Principal,
    provider: Option<i64>,
) -> Result<Vec<review::QueryItem>, WebError> {
    let who = principal.event(state.store.clock().now(), AuditAction::Read);
    Ok(state.trail.write(&state.store, |audited| {
        review::queries_audited(audited, &who, provider)
    })?)
}

fn parse_id(text: &str) -> Result<i64, WebError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| WebError::bad("id", format!("\"{text}\" is not a query id")))
}

/// `POST /api/review/queries`.
async fn ask_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    JsonBody(body): JsonBody<AskBody>,
) -> Result<Json<Value>, WebError> {
    let asked = ask(&state, principal, body).await?;
    Ok(Json(json!({ "query": asked })))
}

/// `POST /api/review/queries/{id}/answer`.
async fn answer_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AnswerBody>,
) -> Result<Json<Value>, WebError> {
    let id = parse_id(&id)?;
    let answered = answer(&state, principal, id, body).await?;
    Ok(Json(json!({ "query": answered })))
}

/// `GET /api/review/queries/mine`.
async fn mine_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
) -> Result<Json<Value>, WebError> {
    let found = mine(&state, principal).await?;
    Ok(Json(
        json!({ "linked": found.is_some(), "queries": found.unwrap_or_default() }),
    ))
}

/// Which open queries the department lists.
#[derive(Debug, Deserialize)]
struct ListParams {
    provider: Option<i64>,
}

/// `GET /api/review/queries?provider=`.
async fn list_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, WebError> {
    let Query(params) =
        params.map_err(|_| WebError::bad("provider", "expected a provider id (a number)"))?;
    let found = state
        .blocking(move |state| listed(state, &principal, params.provider))
        .await?;
    Ok(Json(json!({ "queries": found })))
}

/// Withdraws open query `id` with the reason (the department takes it back).
pub(crate) async fn withdraw(
    state: &AppState,
    principal: Principal,
    id: i64,
    reason: String,
) -> Result<Stored<PhysicianQuery>, Refused> {
    state
        .blocking(move |state| {
            let actor = Actor::new(format!("user:{}", principal.username));
            write_query(state, &principal, AuditAction::Update, |tx| {
                review::withdraw(tx, &actor, id, &reason)
            })
        })
        .await
        .unwrap_or_else(|error| Err(error.into()))
}

/// Every open query (one physician's with `provider`), oldest first, audited as a read of
/// each patient listed.
pub(crate) async fn department(
    state: &AppState,
    principal: Principal,
    provider: Option<i64>,
) -> Result<Vec<review::QueryItem>, WebError> {
    state
        .blocking(move |state| listed(state, &principal, provider))
        .await
}

/// A withdrawal's reason.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawBody {
    /// Why the query is taken back.
    pub reason: String,
}

/// `POST /api/review/queries/{id}/withdraw`.
async fn withdraw_api(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<WithdrawBody>,
) -> Result<Json<Value>, WebError> {
    let id = parse_id(&id)?;
    let withdrawn = withdraw(&state, principal, id, body.reason).await?;
    Ok(Json(json!({ "query": withdrawn })))
}

/// The query API's routes.
pub(crate) fn routes() -> Vec<Entry> {
    let review = Access::Needs(Permission::ReviewChart);
    let physician = Access::Needs(Permission::SignNotes);
    vec![
        route(
            Method::POST,
            "/api/review/queries",
            review,
            false,
            "ask a physician a compliant query about a deficiency (indicators, question, answers offered)",
            post(ask_api),
        )
        .takes::<AskBody>(),
        route(
            Method::GET,
            "/api/review/queries",
            review,
            true,
            "open physician queries, oldest first (one physician's with ?provider=)",
            get(list_api),
        ),
        route(
            Method::GET,
            "/api/review/queries/mine",
            physician,
            true,
            "the open queries waiting for the signed-in physician",
            get(mine_api),
        ),
        route(
            Method::POST,
            "/api/review/queries/{id}/answer",
            physician,
            false,
            "answer a query addressed to the signed-in physician with one of its answers (once)",
            post(answer_api),
        )
        .takes::<AnswerBody>(),
        route(
            Method::POST,
            "/api/review/queries/{id}/withdraw",
            review,
            false,
            "withdraw an open physician query, with the reason",
            post(withdraw_api),
        )
        .takes::<WithdrawBody>(),
    ]
}
