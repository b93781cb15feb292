//! User administration and the emergency-access review list, for administrators and the
//! privacy officer.
//!
//! Invariants:
//! - Every account change is a `permission-change` audit entry in the same transaction
//!   (through `store::Audited::create_user` / `change_user`, as on the command line).
//! - Passwords pass the policy before they are hashed; only the argon2id hash is stored.

use crate::auth::Principal;
use crate::body::JsonBody;
use crate::error::WebError;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use privacy::{Action, Role, RoleSet};
use serde::Deserialize;
use serde_json::{Value, json};
use store::{NewUser, User};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

fn instant(at: OffsetDateTime) -> Value {
    json!(at.format(&Rfc3339).ok())
}

fn user_json(user: &User, now: OffsetDateTime) -> Value {
    let status = if user.disabled {
        "disabled"
    } else if user.locked_until.is_some_and(|until| until > now) {
        "locked"
    } else {
        "active"
    };
    json!({
        "username": user.username,
        "display_name": user.display_name,
        "roles": user.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "status": status,
        "mfa": user.totp_secret.is_some(),
        "created_at": instant(user.created_at),
    })
}

pub(crate) fn parse_roles(names: &[String]) -> Result<RoleSet, WebError> {
    let roles = names
        .iter()
        .map(|name| Role::from_name(name).map_err(|e| WebError::bad("roles", e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    if roles.is_empty() {
        return Err(WebError::bad("roles", "give at least one role"));
    }
    Ok(RoleSet::of(&roles))
}

/// `GET /api/users`: every account.
pub async fn list(State(state): State<AppState>) -> Result<Json<Value>, WebError> {
    state
        .blocking(|state| {
            let now = state.store.clock().now();
            let users = state.store.security(|s| s.users())?;
            Ok(Json(json!({
                "users": users.iter().map(|u| user_json(u, now)).collect::<Vec<_>>()
            })))
        })
        .await
}

/// New account.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewUserBody {
    #[schema(schema_with = crate::api_schema::username, required = true)]
    pub(crate) username: String,
    #[serde(default)]
    pub(crate) display_name: String,
    #[schema(schema_with = crate::api_schema::roles, required = true)]
    pub(crate) roles: Vec<String>,
    #[schema(schema_with = crate::api_schema::new_password, required = true)]
    pub(crate) password: String,
}

/// `POST /api/users`: creates an account (201).
pub async fn create(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    JsonBody(body): JsonBody<NewUserBody>,
) -> Result<(StatusCode, Json<Value>), WebError> {
    let user = create_account(&state, principal, body).await?;
    Ok((
        StatusCode::CREATED,
        Json(user_json(&user, state.store.clock().now())),
    ))
}

/// Creates an account after checking the username, roles and password policy; audited
/// as a permission change.
pub(crate) async fn create_account(
    state: &AppState,
    principal: Principal,
    body: NewUserBody,
) -> Result<User, WebError> {
    let username = store::check_username(&body.username)
        .map_err(|e| WebError::bad("username", e.to_string()))?;
    let roles = parse_roles(&body.roles)?;
    privacy::check_password_policy(&username, &body.password)
        .map_err(|e| WebError::bad("password", e.to_string()))?;
    state
        .blocking(move |state| {
            let salt = store::random_bytes::<16>()?;
            let password_hash =
                privacy::hash_password(&body.password, &salt, state.config.hash_cost)
                    .map_err(WebError::internal)?;
            let new = NewUser {
                username,
                display_name: body.display_name,
                password_hash,
                roles,
            };
            Ok(state.trail.write(&state.store, |audited| {
                let by = principal.event(audited.now(), Action::PermissionChange);
                audited.create_user(&new, by)
            })?)
        })
        .await
}

/// New roles.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RolesBody {
    #[schema(schema_with = crate::api_schema::roles, required = true)]
    roles: Vec<String>,
}

async fn change(
    state: AppState,
    principal: Principal,
    username: String,
    reason: &'static str,
    change: impl FnOnce(&mut store::Security<'_>, &str) -> store::Result<User> + Send + 'static,
) -> Result<Json<Value>, WebError> {
    let user = change_account(&state, principal, username, reason, change).await?;
    Ok(Json(user_json(&user, state.store.clock().now())))
}

/// Changes an account (roles, disabled), audited as a permission change with `reason`.
pub(crate) async fn change_account(
    state: &AppState,
    principal: Principal,
    username: String,
    reason: &'static str,
    change: impl FnOnce(&mut store::Security<'_>, &str) -> store::Result<User> + Send + 'static,
) -> Result<User, WebError> {
    state
        .blocking(move |state| {
            Ok(state.trail.write(&state.store, |audited| {
                let by = principal.event(audited.now(), Action::PermissionChange);
                audited.change_user(by, reason, |s| change(s, &username))
            })?)
        })
        .await
}

/// `POST /api/users/{username}/roles` `{roles}`: replaces the roles; the user's sessions end.
pub async fn set_roles(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(username): Path<String>,
    JsonBody(body): JsonBody<RolesBody>,
) -> Result<Json<Value>, WebError> {
    let roles = parse_roles(&body.roles)?;
    change(
        state,
        principal,
        username,
        "roles changed",
        move |s, name| s.set_roles(name, &roles),
    )
    .await
}

/// A new password.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PasswordBody {
    #[schema(schema_with = crate::api_schema::new_password, required = true)]
    pub(crate) password: String,
}

/// `POST /api/users/{username}/password` `{password}`: a new password; the user's
/// sessions end and their tokens are revoked in the same transaction.
pub async fn reset_password(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(username): Path<String>,
    JsonBody(body): JsonBody<PasswordBody>,
) -> Result<Json<Value>, WebError> {
    let user = reset_account_password(&state, principal, username, body.password).await?;
    Ok(Json(user_json(&user, state.store.clock().now())))
}

/// Checks `password` against the policy for `username`, hashes it and stores it,
/// audited as a permission change ("password reset").
pub(crate) async fn reset_account_password(
    state: &AppState,
    principal: Principal,
    username: String,
    password: String,
) -> Result<User, WebError> {
    let username = store::normalize_username(&username);
    privacy::check_password_policy(&username, &password)
        .map_err(|e| WebError::bad("password", e.to_string()))?;
    let salt = store::random_bytes::<16>()?;
    let hash = state
        .blocking(move |state| {
            privacy::hash_password(&password, &salt, state.config.hash_cost)
                .map_err(WebError::internal)
        })
        .await?;
    change_account(
        state,
        principal,
        username,
        "password reset",
        move |s, name| s.reset_password(name, &hash),
    )
    .await
}

/// `POST /api/users/{username}/disable`: sessions end and tokens are revoked at once.
pub async fn disable(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(username): Path<String>,
) -> Result<Json<Value>, WebError> {
    change(state, principal, username, "user disabled", |s, name| {
        s.set_disabled(name, true)
    })
    .await
}

/// `POST /api/users/{username}/enable`.
pub async fn enable(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(username): Path<String>,
) -> Result<Json<Value>, WebError> {
    change(state, principal, username, "user enabled", |s, name| {
        s.set_disabled(name, false)
    })
    .await
}

/// Review window.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ReviewBody {
    /// Only grants made in the last this many days (default 30).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 3660)]
    days: Option<i64>,
}

/// `POST /api/break-glass/review` `{days?}`: every emergency access still waiting for
/// review (oldest first, each with its age band, and the count per band), and those
/// reviewed among the last `days` days' grants (default 30), newest first.
pub async fn review(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<ReviewBody>,
) -> Result<Json<Value>, WebError> {
    let days = body.days.unwrap_or(30);
    if !(1..=3660).contains(&days) {
        return Err(WebError::bad(
            "days",
            format!("must be 1 to 3660, not {days}"),
        ));
    }
    state
        .blocking(move |state| {
            let list = crate::emergency::review_list(state, days)?;
            let rows = |grants: &[store::StoredGrant]| -> Vec<Value> {
                grants
                    .iter()
                    .map(|g| crate::emergency::grant_json(g, list.now))
                    .collect()
            };
            let by_age: serde_json::Map<String, Value> = list
                .waiting_by_age()
                .into_iter()
                .map(|(band, n)| (band.to_owned(), json!(n)))
                .collect();
            Ok(Json(json!({
                "waiting": rows(&list.waiting),
                "waiting_by_age": by_age,
                "reviewed": rows(&list.reviewed),
            })))
        })
        .await
}

/// The privacy officer's finding on one emergency access.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReviewedBody {
    /// What the review found (required).
    #[schema(schema_with = crate::api_schema::said, required = true)]
    note: String,
}

/// `POST /api/break-glass/{id}/reviewed` `{note}`: marks an emergency access reviewed,
/// once (409 the second time), audited with the review as its new values.
pub async fn reviewed(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<crate::auth::Principal>,
    axum::extract::Path(id): axum::extract::Path<String>,
    JsonBody(body): JsonBody<ReviewedBody>,
) -> Result<Json<Value>, WebError> {
    let id = crate::patients::parse_id(&id)?;
    state
        .blocking(move |state| {
            let grant = crate::emergency::mark_reviewed(state, &principal, id, &body.note)?;
            Ok(Json(crate::emergency::grant_json(
                &grant,
                state.store.clock().now(),
            )))
        })
        .await
}
