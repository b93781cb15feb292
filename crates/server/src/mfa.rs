//! The second sign-in factor: TOTP enrolment and the code step.
//!
//! Invariants:
//! - A session whose user has an authenticator, or is an administrator, starts with the
//!   second factor to do; until then the guard lets it reach only sign-out, `me` and these
//!   routes (so no patient data, no token issuance, no user administration).
//! - Each code is accepted once (the matched step is stored and must increase); wrong
//!   codes count as failed sign-ins toward the lockout.
//! - Passing the second factor replaces the session with a new id (no fixation).
//! - Enrolment does not store anything until a code from the new secret is confirmed, and
//!   replacing an existing authenticator needs a session that passed it.

use crate::auth::{MfaState, Principal, cookie_for, new_session};
use crate::body::JsonBody;
use crate::error::WebError;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum_extra::extract::cookie::CookieJar;
use privacy::{Action, Outcome};
use serde::Deserialize;
use serde_json::{Value, json};

fn session_of(principal: &Principal) -> Result<String, WebError> {
    principal.session_hash.clone().ok_or_else(|| {
        // A token is a credential the user already holds; enrolling a factor needs the
        // person at a session, so the refusal is about the credential, not the input.
        WebError::Forbidden(
            "authenticators are managed from a signed-in session, not with an API token".into(),
        )
    })
}

/// `POST /api/mfa/enroll`: a new secret and its `otpauth://` URI, not stored yet.
pub async fn enroll(
    axum::Extension(principal): axum::Extension<Principal>,
) -> Result<Json<Value>, WebError> {
    let (secret, uri) = new_secret(&principal)?;
    Ok(Json(json!({
        "secret": secret,
        "otpauth_uri": uri,
        "next": "add it to an authenticator app, then POST /api/mfa/confirm with {secret, code}",
    })))
}

/// A fresh authenticator secret and its `otpauth://` URI (nothing stored).
pub(crate) fn new_secret(principal: &Principal) -> Result<(String, String), WebError> {
    session_of(principal)?;
    if principal.mfa == MfaState::Required {
        return Err(WebError::Forbidden(
            "enter a code from your current authenticator before replacing it".into(),
        ));
    }
    let secret = privacy::totp_secret(store::random_bytes::<20>()?);
    let uri = privacy::totp_uri(&secret, &principal.username).map_err(WebError::internal)?;
    Ok((secret, uri))
}

/// A code, and for enrolment the secret it was made from.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CodeBody {
    #[serde(default)]
    secret: Option<String>,
    code: String,
}

/// `POST /api/mfa/confirm` `{secret, code}`: stores the authenticator once a code from it
/// checks out; the session passes the second factor under a new id.
pub async fn confirm(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    jar: CookieJar,
    JsonBody(body): JsonBody<CodeBody>,
) -> Result<(CookieJar, Json<Value>), WebError> {
    let session_id = confirm_enrolment(&state, principal, body.secret, body.code).await?;
    Ok((
        jar.add(cookie_for(&state, session_id)),
        Json(json!({ "mfa": "passed" })),
    ))
}

/// Stores the authenticator made from `secret` once `code` from it checks out; the
/// session passes the second factor under a new id, which is returned.
pub(crate) async fn confirm_enrolment(
    state: &AppState,
    principal: Principal,
    secret: Option<String>,
    code: String,
) -> Result<String, WebError> {
    let old_session = session_of(&principal)?;
    if principal.mfa == MfaState::Required {
        return Err(WebError::Forbidden(
            "enter a code from your current authenticator before replacing it".into(),
        ));
    }
    let Some(secret) = secret.filter(|s| !s.trim().is_empty()) else {
        return Err(WebError::bad(
            "secret",
            "give the secret from /api/mfa/enroll",
        ));
    };
    state
        .blocking(move |state| {
            let now = state.store.clock().now();
            let step = privacy::totp_matching_step(&secret, &code, now)
                .map_err(|e| WebError::bad("secret", e.to_string()))?
                .ok_or_else(|| WebError::bad("code", "the code does not match this secret now"))?;
            Ok(state.trail.write(&state.store, |audited| {
                let sealed = state.totp_vault.seal(principal.user_id, &secret)?;
                audited
                    .security()
                    .set_totp_secret(principal.user_id, Some(&sealed))?;
                audited
                    .security()
                    .accept_totp_step(principal.user_id, step)?;
                let event = principal
                    .event(now, Action::PermissionChange)
                    .reason("authenticator enrolled")
                    .record("user", principal.user_id);
                audited.append(&event)?;
                let event = principal
                    .event(now, Action::Login)
                    .reason("second factor passed (authenticator enrolled)");
                replace_session(audited, state, &principal, &old_session, event)
            })?)
        })
        .await
}

/// Ends the session that was waiting for the second factor, starts one that passed it
/// (a new id, so a session id seen before sign-in is worthless after), and audits `event`
/// naming the user. Returns the new session's secret id.
fn replace_session(
    audited: &mut store::Audited<'_>,
    state: &AppState,
    principal: &Principal,
    old_session: &str,
    event: privacy::AuditEvent,
) -> store::Result<String> {
    let session = new_session(
        state,
        audited.now(),
        principal.user_id,
        true,
        &principal.origin,
    )?;
    audited.security().end_session(old_session)?;
    audited.security().create_session(&session.record)?;
    audited.append(&event.record("user", principal.user_id))?;
    Ok(session.id)
}

enum Verified {
    Passed(String),
    Failed,
}

/// `POST /api/mfa/verify` `{code}`: the second sign-in step.
pub async fn verify(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    jar: CookieJar,
    JsonBody(body): JsonBody<CodeBody>,
) -> Result<(CookieJar, Json<Value>), WebError> {
    let session_id = verify_code(&state, principal, body.code).await?;
    Ok((
        jar.add(cookie_for(&state, session_id)),
        Json(json!({ "mfa": "passed" })),
    ))
}

/// The second sign-in step: the new session's secret id once `code` checks out.
pub(crate) async fn verify_code(
    state: &AppState,
    principal: Principal,
    code: String,
) -> Result<String, WebError> {
    let old_session = session_of(&principal)?;
    match principal.mfa {
        MfaState::Required => {}
        MfaState::Passed => return Err(WebError::bad("code", "this session already passed")),
        MfaState::EnrolmentRequired => {
            return Err(WebError::bad(
                "code",
                "enrol an authenticator first (POST /api/mfa/enroll)",
            ));
        }
    }
    let outcome = state
        .blocking(move |state| {
            let Some(user) = state.store.security(|s| s.user_by_id(principal.user_id))? else {
                return Err(WebError::Unauthorized(
                    "the session ended; sign in again".into(),
                ));
            };
            let now = state.store.clock().now();
            let secret = state
                .authenticator_secret(&user)
                .map_err(WebError::internal)?
                .unwrap_or_default();
            let step =
                privacy::totp_matching_step(&secret, &code, now).map_err(WebError::internal)?;
            Ok(state.trail.write(&state.store, |audited| {
                let accepted = match step {
                    Some(step) => audited.security().accept_totp_step(user.id, step)?,
                    None => false,
                };
                if !accepted {
                    let locks = privacy::lockout_until(user.failed_attempts + 1, now);
                    let failures = audited.security().record_failed_login(user.id, locks)?;
                    if locks.is_some() {
                        audited.security().end_session(&old_session)?;
                    }
                    let reason = match step {
                        Some(_) => {
                            format!("authenticator code used before ({failures} failures in a row)")
                        }
                        None => format!("wrong authenticator code ({failures} failures in a row)"),
                    };
                    let event = principal
                        .event(now, Action::LoginFailed)
                        .outcome(Outcome::Denied)
                        .reason(&reason);
                    audited.append(&event)?;
                    return Ok(Verified::Failed);
                }
                audited.security().record_successful_login(user.id)?;
                let event = principal
                    .event(now, Action::Login)
                    .reason("second factor passed");
                replace_session(audited, state, &principal, &old_session, event)
                    .map(Verified::Passed)
            })?)
        })
        .await?;
    match outcome {
        Verified::Passed(id) => Ok(id),
        Verified::Failed => Err(WebError::Unauthorized(
            "the code is wrong or was already used".into(),
        )),
    }
}
