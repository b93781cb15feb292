//! Sign-in, sign-out, the session cookie, and turning a request into a `Principal`.
//!
//! Invariants:
//! - The cookie holds 32 random bytes (hex); the database holds only their SHA-256.
//! - The cookie is `HttpOnly`, `SameSite=Strict`, `Path=/`, and `Secure` under TLS.
//! - Every request re-reads the session and the user: an idle session (no activity for
//!   `idle_timeout`), an expired one, or one whose user was disabled ends there, and the
//!   roles used are the user's current roles. Requests marked with `IDLE_HEADER` (background
//!   polling) do not count as activity; activity is written at most every tenth of the idle
//!   timeout (5 s at most), so a burst of requests costs one write.
//! - Sign-in failures say the same thing whatever the cause (unknown user, wrong password,
//!   locked, disabled), take about as long, and are audited with the real cause.
//! - A request with `Authorization: Bearer` is authenticated by its API token only (see
//!   `tokens`); a cookie on the same request is ignored.

use crate::body::JsonBody;
use crate::error::WebError;
use crate::state::AppState;
use axum::Json;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use privacy::{Action, AuditEvent, Channel, Outcome, Permission, PermissionSet, RoleSet};
use serde::Deserialize;
use serde_json::{Value, json};
use std::net::SocketAddr;
use store::{SessionRecord, User};
use time::OffsetDateTime;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "chartroom_session";
/// A request carrying this header (any value) is background polling: it does not keep
/// the session alive.
pub const IDLE_HEADER: &str = "x-chartroom-background";

const SIGN_IN_FAILED: &str = "the username or password is wrong, or the account cannot sign in now";

/// Where a request came from and with what program.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// Peer address.
    pub source: Option<String>,
    /// The client application (`User-Agent`, shortened).
    pub client: Option<String>,
    /// Came through the web pages (audited on the `web` channel) rather than the API.
    pub web: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for Origin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(origin(parts))
    }
}

pub(crate) fn origin(parts: &Parts) -> Origin {
    let source = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string());
    let client = parts
        .headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(200).collect());
    Origin {
        source,
        client,
        web: false,
    }
}

/// The signed-in user of a request.
#[derive(Debug, Clone)]
pub struct Principal {
    /// User row id.
    pub user_id: i64,
    /// Username.
    pub username: String,
    /// The user's roles now.
    pub roles: RoleSet,
    /// The session's id hash (signed in with a session cookie).
    pub session_hash: Option<String>,
    /// The API token used instead of a session, if any.
    pub token: Option<TokenUse>,
    /// Where the session is with the second factor (tokens: `Passed`).
    pub mfa: MfaState,
    /// Where the request came from.
    pub origin: Origin,
}

/// Where a session is with the second sign-in factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MfaState {
    /// Passed, or not needed for this user.
    Passed,
    /// The user has an authenticator and must enter a code.
    Required,
    /// The user must enrol an authenticator first (administrators).
    EnrolmentRequired,
}

impl MfaState {
    /// The state of a session of `user` whose second factor is `passed` or not, when
    /// holders of `mfa_roles` must pass one.
    pub fn of(user: &User, passed: bool, mfa_roles: &RoleSet) -> Self {
        if passed {
            Self::Passed
        } else if user.totp_secret.is_some() {
            Self::Required
        } else if user.roles.any_of(mfa_roles) {
            Self::EnrolmentRequired
        } else {
            Self::Passed
        }
    }

    /// Whether a new session of `user` starts with the second factor still to do:
    /// everyone with an authenticator, and holders of `mfa_roles` always.
    pub fn needed(user: &User, mfa_roles: &RoleSet) -> bool {
        user.totp_secret.is_some() || user.roles.any_of(mfa_roles)
    }

    /// The name used in responses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Required => "code-required",
            Self::EnrolmentRequired => "enrolment-required",
        }
    }
}

/// An API token in use.
#[derive(Debug, Clone)]
pub struct TokenUse {
    /// Token row id.
    pub id: i64,
    /// What it is for.
    pub name: String,
    /// The permissions it may use.
    pub scopes: PermissionSet,
}

/// An audit event by a user of the JSON API.
pub(crate) fn api_event(
    now: OffsetDateTime,
    username: &str,
    roles: &RoleSet,
    origin: &Origin,
    action: Action,
) -> AuditEvent {
    let channel = if origin.web {
        Channel::Web
    } else {
        Channel::Api
    };
    let mut event = AuditEvent::new(now, username, action, channel).roles(roles);
    event.source = origin.source.clone();
    event.client = origin.client.clone();
    event
}

impl Principal {
    /// An audit event by this user.
    pub fn event(&self, now: OffsetDateTime, action: Action) -> AuditEvent {
        api_event(now, &self.username, &self.roles, &self.origin, action)
    }

    /// Whether the user's roles give `permission` and, with a token, its scopes include it.
    pub fn allows(&self, permission: Permission) -> bool {
        self.roles.allows(permission)
            && self
                .token
                .as_ref()
                .is_none_or(|t| t.scopes.contains(permission))
    }
}

enum SessionCheck {
    Live(Principal),
    Ended(&'static str),
}

/// The principal of a request, or 401.
pub(crate) async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    origin: Origin,
) -> Result<Principal, WebError> {
    if let Some(token) = crate::tokens::bearer(headers)? {
        return crate::tokens::authenticate_token(state, token, origin).await;
    }
    let jar = CookieJar::from_headers(headers);
    let Some(cookie) = jar.get(SESSION_COOKIE) else {
        return Err(WebError::Unauthorized("sign in first".into()));
    };
    let id_hash = privacy::secret_hash(cookie.value());
    let background = headers.contains_key(IDLE_HEADER);
    let check = state
        .blocking(move |state| {
            let idle = state.config.idle_timeout;
            Ok(state.trail.write(&state.store, |audited| {
                let now = audited.now();
                let Some(session) = audited.security().session(&id_hash)? else {
                    return Ok(SessionCheck::Ended("the session ended; sign in again"));
                };
                let user = audited.security().user_by_id(session.user_id)?;
                let ended = match &user {
                    None => Some("the session ended; sign in again"),
                    Some(u) if u.disabled => Some("the account is disabled"),
                    Some(_) if now >= session.expires_at => {
                        Some("the session expired; sign in again")
                    }
                    Some(_) if now - session.last_activity > idle => {
                        Some("signed out after inactivity; sign in again")
                    }
                    Some(_) => None,
                };
                match (ended, user) {
                    (None, Some(user)) => {
                        // Activity is recorded at a granularity of a tenth of the idle
                        // timeout (at most 5 s): a burst of requests costs one write, and
                        // the idle sign-out comes at most that much early.
                        let granularity: time::Duration =
                            std::cmp::min(idle / 10, time::Duration::seconds(5));
                        if !background && now - session.last_activity >= granularity {
                            audited.security().touch_session(&id_hash)?;
                        }
                        Ok(SessionCheck::Live(Principal {
                            mfa: MfaState::of(&user, session.mfa_passed, &state.config.mfa_roles),
                            user_id: user.id,
                            username: user.username,
                            roles: user.roles,
                            session_hash: Some(id_hash),
                            token: None,
                            origin,
                        }))
                    }
                    (reason, user) => {
                        let reason = reason.unwrap_or("the session ended; sign in again");
                        audited.security().end_session(&id_hash)?;
                        if let Some(user) = user {
                            let event = api_event(
                                now,
                                &user.username,
                                &user.roles,
                                &origin,
                                Action::Logout,
                            )
                            .reason(reason);
                            audited.append(&event)?;
                        }
                        Ok(SessionCheck::Ended(reason))
                    }
                }
            })?)
        })
        .await?;
    match check {
        SessionCheck::Live(principal) => Ok(principal),
        SessionCheck::Ended(reason) => Err(WebError::Unauthorized(reason.into())),
    }
}

/// Sign-in request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginBody {
    username: String,
    password: String,
}

fn session_cookie(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/")
        .secure(secure)
        .build()
}

/// `POST /api/login` `{username, password}`: a session cookie, or 401.
pub async fn login(
    State(state): State<AppState>,
    origin: Origin,
    jar: CookieJar,
    JsonBody(body): JsonBody<LoginBody>,
) -> Result<(CookieJar, Json<Value>), WebError> {
    let (user, session_id) = sign_in(&state, origin, body.username, body.password).await?;
    let mfa = state.config.mfa_state(&user);
    let jar = jar.add(session_cookie(session_id, state.config.secure_cookies));
    Ok((jar, Json(whoami(&user.username, &user.roles, mfa))))
}

/// Checks a username and password and starts a session (its second factor still to do
/// when the user needs one): the user and the session's secret id, or 401. Every attempt
/// is audited, failures with their real cause.
pub(crate) async fn sign_in(
    state: &AppState,
    origin: Origin,
    username: String,
    password: String,
) -> Result<(User, String), WebError> {
    let user = state
        .blocking(move |state| {
            let username = store::normalize_username(&username);
            let user = state.store.security(|s| s.user(&username))?;
            let window = time::Duration::minutes(privacy::ADDRESS_WINDOW_MINUTES);
            let address_failures = match &origin.source {
                Some(source) => state
                    .store
                    .failed_logins_from(source, state.store.clock().now() - window)?,
                None => 0,
            };
            let throttled = address_failures >= privacy::ADDRESS_FAILURES_ALLOWED;
            // Verify outside the write transaction: argon2 is slow on purpose and must
            // not hold the database.
            let hash = user
                .as_ref()
                .map_or(state.dummy_hash.as_str(), |u| &u.password_hash);
            // A throttled address gets no answer about the password (and costs no argon2).
            let password_ok =
                !throttled && privacy::verify_password(&password, hash).unwrap_or(false);
            let outcome = state.trail.write(&state.store, |audited| {
                let now = audited.now();
                let failed =
                    |audited: &mut store::Audited<'_>, user: Option<&User>, reason: String| {
                        let roles = user.map(|u| u.roles.clone()).unwrap_or_default();
                        let event = api_event(now, &username, &roles, &origin, Action::LoginFailed)
                            .outcome(Outcome::Denied)
                            .reason(&reason);
                        audited.append(&event).map(|_| None)
                    };
                if throttled {
                    return failed(
                        audited,
                        user.as_ref(),
                        format!(
                            "too many failed sign-ins from this address ({address_failures} in {} minutes)",
                            privacy::ADDRESS_WINDOW_MINUTES
                        ),
                    );
                }
                let Some(user) = user else {
                    return failed(audited, None, "unknown username".into());
                };
                if user.disabled {
                    return failed(audited, Some(&user), "the account is disabled".into());
                }
                if let Some(until) = user.locked_until.filter(|until| *until > now) {
                    return failed(
                        audited,
                        Some(&user),
                        format!("the account is locked until {until}"),
                    );
                }
                if !password_ok {
                    let locks = privacy::lockout_until(user.failed_attempts + 1, now);
                    let failures = audited.security().record_failed_login(user.id, locks)?;
                    let reason = match locks {
                        Some(until) => {
                            format!("wrong password ({failures} in a row); locked until {until}")
                        }
                        None => format!("wrong password ({failures} in a row)"),
                    };
                    return failed(audited, Some(&user), reason);
                }
                audited.security().record_successful_login(user.id)?;
                let passed = !MfaState::needed(&user, &state.config.mfa_roles);
                let session = new_session(state, now, user.id, passed, &origin)?;
                // A sign-in succeeds only once every factor it needs has passed; until then
                // the entry says only that the password was right.
                let (action, reason) = if passed {
                    (Action::Login, "password accepted; no second factor needed")
                } else {
                    (
                        Action::PasswordAccepted,
                        "password accepted; second factor to do",
                    )
                };
                let event = api_event(now, &user.username, &user.roles, &origin, action)
                    .record("user", user.id)
                    .reason(reason);
                audited.append(&event)?;
                audited.security().create_session(&session.record)?;
                Ok(Some((user, session.id)))
            })?;
            Ok(outcome)
        })
        .await?;
    user.ok_or_else(|| WebError::Unauthorized(SIGN_IN_FAILED.into()))
}

/// A session to store and the secret id for its cookie.
pub(crate) struct NewSession {
    pub id: String,
    pub record: SessionRecord,
}

/// A fresh session of `user_id` (32 random bytes; the record holds their hash).
pub(crate) fn new_session(
    state: &AppState,
    now: OffsetDateTime,
    user_id: i64,
    mfa_passed: bool,
    origin: &Origin,
) -> store::Result<NewSession> {
    let id: String = store::random_bytes::<32>()?
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(NewSession {
        record: SessionRecord {
            id_hash: privacy::secret_hash(&id),
            user_id,
            created_at: now,
            last_activity: now,
            expires_at: now + state.config.session_lifetime,
            mfa_passed,
            source: origin.source.clone(),
        },
        id,
    })
}

/// The cookie carrying session `id`.
pub(crate) fn cookie_for(state: &AppState, id: String) -> Cookie<'static> {
    session_cookie(id, state.config.secure_cookies)
}

fn whoami(username: &str, roles: &RoleSet, mfa: MfaState) -> Value {
    json!({
        "username": username,
        "mfa": mfa.as_str(),
        "roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "permissions": roles.permissions().iter().map(|p| p.as_str()).collect::<Vec<_>>(),
    })
}

/// `POST /api/logout`: ends the session and clears the cookie.
pub async fn logout(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    jar: CookieJar,
) -> Result<(CookieJar, [(HeaderName, &'static str); 1], Json<Value>), WebError> {
    sign_out(&state, principal).await?;
    Ok((
        clear_cookie(jar),
        CLEAR_SITE_DATA,
        Json(json!({ "signed_out": true })),
    ))
}

/// Sent with every sign-out: the browser drops what it kept of the session (pages in its
/// cache, cookies, storage), so the next person at a shared workstation finds nothing.
pub(crate) const CLEAR_SITE_DATA: [(HeaderName, &str); 1] = [(
    HeaderName::from_static("clear-site-data"),
    "\"cache\", \"cookies\", \"storage\"",
)];

/// The jar with the session cookie removed.
pub(crate) fn clear_cookie(jar: CookieJar) -> CookieJar {
    jar.remove(Cookie::build((SESSION_COOKIE, "")).path("/").build())
}

/// Ends `principal`'s session, audited.
pub(crate) async fn sign_out(state: &AppState, principal: Principal) -> Result<(), WebError> {
    let Some(session_hash) = principal.session_hash.clone() else {
        return Err(WebError::bad(
            "authorization",
            "an API token does not sign out; revoke it instead",
        ));
    };
    state
        .blocking(move |state| {
            Ok(state.trail.write(&state.store, |audited| {
                audited.security().end_session(&session_hash)?;
                let event = principal
                    .event(audited.now(), Action::Logout)
                    .reason("signed out");
                audited.append(&event)
            })?)
        })
        .await?;
    Ok(())
}

/// `GET /api/me`: the signed-in user, roles and permissions.
pub async fn me(axum::Extension(principal): axum::Extension<Principal>) -> Json<Value> {
    Json(whoami(&principal.username, &principal.roles, principal.mfa))
}
