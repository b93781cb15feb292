//! API tokens for programs: issued to a signed-in user, shown once, stored as a SHA-256
//! hash, scoped to a subset of the user's permissions, expiring, revocable.
//!
//! Invariants:
//! - A token never grants more than its user's current roles: each request checks both
//!   the scopes and the roles, so a role change narrows live tokens at once, and disabling
//!   the user revokes them.
//! - Tokens are issued and listed only through a signed-in session, never through another
//!   token; issuing and revoking are audited.
//! - Requests made with a token are audited with the token's name as the client
//!   application, beside the user.

use crate::auth::{MfaState, Origin, Principal, TokenUse};
use crate::body::JsonBody;
use crate::error::WebError;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use privacy::{Action, Outcome, Permission, PermissionSet};
use serde::Deserialize;
use serde_json::{Value, json};
use store::ApiToken;
use time::format_description::well_known::Rfc3339;

/// Tokens start with this, so they are recognisable in logs and secret scanners.
const TOKEN_PREFIX: &str = "chartroom_";

/// The bearer token of a request, if it carries one.
pub(crate) fn bearer(headers: &HeaderMap) -> Result<Option<String>, WebError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| WebError::Unauthorized("the Authorization header is not text".into()))?;
    match text.strip_prefix("Bearer ") {
        Some(token) if !token.trim().is_empty() => Ok(Some(token.trim().to_owned())),
        _ => Err(WebError::Unauthorized(
            "the Authorization header must be `Bearer <token>`".into(),
        )),
    }
}

/// The principal behind an API token, or 401.
pub(crate) async fn authenticate_token(
    state: &AppState,
    token: String,
    origin: Origin,
) -> Result<Principal, WebError> {
    state
        .blocking(move |state| {
            let hash = privacy::secret_hash(&token);
            let now = state.store.clock().now();
            let refused = |why: &str| Err(WebError::Unauthorized(why.into()));
            let (token, user) = state.store.security(|s| {
                let token = s.token(&hash)?;
                let user = match &token {
                    Some(t) => s.user_by_id(t.user_id)?,
                    None => None,
                };
                Ok((token, user))
            })?;
            let (Some(token), Some(user)) = (token, user) else {
                return refused("the API token is not valid");
            };
            if token.revoked_at.is_some() {
                return refused("the API token was revoked");
            }
            if now >= token.expires_at {
                return refused("the API token expired");
            }
            if user.disabled {
                return refused("the account is disabled");
            }
            // A token made before the user's roles required a second factor must not be a
            // way around it: no authenticator enrolled, no token use.
            if user.totp_secret.is_none() && user.roles.any_of(&state.config.mfa_roles) {
                return refused(
                    "the account's roles require an authenticator: sign in and enrol one first",
                );
            }
            let client = match &origin.client {
                Some(agent) => format!("token:{} ({agent})", token.name),
                None => format!("token:{}", token.name),
            };
            Ok(Principal {
                user_id: user.id,
                username: user.username,
                roles: user.roles,
                session_hash: None,
                mfa: MfaState::Passed,
                token: Some(TokenUse {
                    id: token.id,
                    name: token.name,
                    scopes: token.scopes,
                }),
                origin: Origin {
                    source: origin.source,
                    client: Some(client),
                    web: origin.web,
                },
            })
        })
        .await
}

/// Refuses (and audits) token management with a token: a stolen token must not mint or
/// keep alive others.
async fn session_only(state: &AppState, principal: &Principal) -> Result<(), WebError> {
    const REFUSED: &str = "tokens are managed from a signed-in session, not with another token";
    if principal.token.is_none() {
        return Ok(());
    }
    let refused = principal.clone();
    state
        .blocking(move |state| {
            let event = refused
                .event(state.store.clock().now(), Action::PermissionChange)
                .outcome(Outcome::Denied)
                .reason(REFUSED);
            Ok(state.trail.record(&state.store, &event)?)
        })
        .await?;
    Err(WebError::Forbidden(REFUSED.into()))
}

fn token_json(token: &ApiToken) -> Value {
    json!({
        "id": token.id,
        "name": token.name,
        "permissions": token.scopes.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
        "created_at": token.created_at.format(&Rfc3339).ok(),
        "expires_at": token.expires_at.format(&Rfc3339).ok(),
        "revoked": token.revoked_at.is_some(),
    })
}

/// A token request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct IssueBody {
    /// What the token is for (shown in the audit trail as the client application).
    #[schema(schema_with = crate::api_schema::said, required = true)]
    name: String,
    /// Permissions it may use; each must be one the user's roles give.
    #[schema(schema_with = crate::api_schema::permissions, required = true)]
    permissions: Vec<String>,
    /// Days until it expires (1 to 365; default 30).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 365)]
    days: Option<i64>,
}

/// `POST /api/tokens` `{name, permissions, days?}`: a new token, shown this once (201).
pub async fn issue(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    JsonBody(body): JsonBody<IssueBody>,
) -> Result<(StatusCode, Json<Value>), WebError> {
    session_only(&state, &principal).await?;
    let name = body.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(WebError::bad("name", "give a name of 1 to 100 characters"));
    }
    let days = body.days.unwrap_or(30);
    if !(1..=365).contains(&days) {
        return Err(WebError::bad(
            "days",
            format!("must be 1 to 365, not {days}"),
        ));
    }
    let mut scopes = PermissionSet::default();
    for name in &body.permissions {
        let permission =
            Permission::from_name(name).map_err(|e| WebError::bad("permissions", e.to_string()))?;
        if !principal.roles.allows(permission) {
            return Err(WebError::bad(
                "permissions",
                format!("your roles do not give {permission}, so a token cannot"),
            ));
        }
        scopes.insert(permission);
    }
    if scopes == PermissionSet::default() {
        return Err(WebError::bad("permissions", "give at least one permission"));
    }
    let secret = format!("{TOKEN_PREFIX}{}", hex_of(&store::random_bytes::<32>()?));
    let hash = privacy::secret_hash(&secret);
    state
        .blocking(move |state| {
            let token = state.trail.write(&state.store, |audited| {
                let expires = audited.now() + time::Duration::days(days);
                let token = audited.security().create_token(
                    &hash,
                    principal.user_id,
                    &name,
                    scopes,
                    expires,
                )?;
                let event = principal
                    .event(audited.now(), Action::PermissionChange)
                    .record("api_token", token.id)
                    .reason("API token issued")
                    .changes(None, Some(token_json(&token).to_string()));
                audited.append(&event)?;
                Ok(token)
            })?;
            let mut body = token_json(&token);
            body["token"] = json!(secret);
            Ok((StatusCode::CREATED, Json(body)))
        })
        .await
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `GET /api/tokens`: the user's own tokens (never the secrets).
pub async fn list(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
) -> Result<Json<Value>, WebError> {
    session_only(&state, &principal).await?;
    state
        .blocking(move |state| {
            let tokens = state.store.security(|s| s.user_tokens(principal.user_id))?;
            Ok(Json(
                json!({ "tokens": tokens.iter().map(token_json).collect::<Vec<_>>() }),
            ))
        })
        .await
}

/// `POST /api/tokens/{id}/revoke`: revokes one of the user's tokens (administrators may
/// revoke anyone's).
pub async fn revoke(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<Value>, WebError> {
    session_only(&state, &principal).await?;
    let id: i64 = id
        .parse()
        .map_err(|_| WebError::bad("id", format!("\"{id}\" is not a token id")))?;
    state
        .blocking(move |state| {
            let token = state.trail.write(&state.store, |audited| {
                let Some(token) = audited.security().token_by_id(id)? else {
                    return Ok(None);
                };
                if token.user_id != principal.user_id && !principal.allows(Permission::ManageUsers)
                {
                    return Ok(None);
                }
                audited.security().revoke_token(id)?;
                let event = principal
                    .event(audited.now(), Action::PermissionChange)
                    .record("api_token", id)
                    .reason("API token revoked");
                audited.append(&event)?;
                Ok(Some(token))
            })?;
            match token {
                Some(token) => Ok(Json(json!({ "id": token.id, "revoked": true }))),
                None => Err(WebError::NotFound(format!("api token {id} does not exist"))),
            }
        })
        .await
}
