//! The sign-in pages: password, authenticator code, authenticator enrolment (with its QR
//! code) and sign-out.

use super::forms::{PageForm, PageResult, Refusal, check_token, html};
use super::layout::{Nav, nav, page, token_field};
use crate::auth::{self, MfaState, Origin, Principal};
use crate::error::WebError;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::cookie::CookieJar;
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;

fn login_form(message: Option<&str>, error: Option<&str>) -> Markup {
    let body = html! {
        @if let Some(message) = message { p.notice role="status" { (message) } }
        @if let Some(error) = error { p.error role="alert" { (error) } }
        form.stack method="post" action="/login" {
            label for="username" { "Username" }
            input #username name="username" autocomplete="username" required autofocus;
            label for="password" { "Password" }
            input #password name="password" type="password" autocomplete="current-password" required;
            button type="submit" { "Sign in" }
        }
    };
    page("Sign in", None, body)
}

/// `GET /login`: the sign-in form, with why the user is here (`?why=idle`).
pub(crate) async fn login_page(RawQuery(query): RawQuery) -> PageResult {
    let why = query
        .as_deref()
        .and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("why=")))
        .and_then(crate::rejection::sign_in_message);
    Ok(html(StatusCode::OK, login_form(why, None)))
}

#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// `POST /login`: a session, then the second factor or the start page.
pub(crate) async fn login(
    State(state): State<AppState>,
    mut origin: Origin,
    jar: CookieJar,
    PageForm(form): PageForm<LoginForm>,
) -> PageResult {
    origin.web = true;
    match auth::sign_in(&state, origin, form.username, form.password).await {
        Ok((user, session_id)) => {
            let next = match state.config.mfa_state(&user) {
                MfaState::Passed => "/",
                MfaState::Required => "/mfa",
                MfaState::EnrolmentRequired => "/mfa/enroll",
            };
            let jar = jar.add(auth::cookie_for(&state, session_id));
            Ok((jar, Redirect::to(next)).into_response())
        }
        Err(WebError::Unauthorized(reason)) => Ok(html(
            StatusCode::UNAUTHORIZED,
            login_form(None, Some(&reason)),
        )),
        Err(other) => Err(Refusal(other)),
    }
}

fn code_form(nav: &Nav, error: Option<&str>) -> Markup {
    let body = html! {
        @if let Some(error) = error { p.error role="alert" { (error) } }
        p { "Enter the 6-digit code your authenticator app shows for Chartroom." }
        form.stack method="post" action="/mfa" {
            (token_field(nav))
            label for="code" { "Code" }
            input #code name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" required autofocus;
            button type="submit" { "Continue" }
        }
    };
    page("Authenticator code", Some(nav), body)
}

/// `GET /mfa`: the second sign-in step.
pub(crate) async fn code_page(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> PageResult {
    if principal.mfa != MfaState::Required {
        return Ok(Redirect::to("/").into_response());
    }
    Ok(html(
        StatusCode::OK,
        code_form(&nav(&state, &principal), None),
    ))
}

#[derive(Debug, Deserialize)]
pub(crate) struct CodeForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    secret: Option<String>,
}

/// `POST /mfa`: checks the code; a new session that passed, or the form again.
pub(crate) async fn code(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    jar: CookieJar,
    PageForm(form): PageForm<CodeForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let nav = nav(&state, &principal);
    match auth_code(&state, principal, form.code).await {
        Ok(session_id) => Ok((
            jar.add(auth::cookie_for(&state, session_id)),
            Redirect::to("/"),
        )
            .into_response()),
        Err(WebError::Unauthorized(reason)) => Ok(html(
            StatusCode::UNAUTHORIZED,
            code_form(&nav, Some(&reason)),
        )),
        Err(other) => Err(Refusal(other)),
    }
}

async fn auth_code(
    state: &AppState,
    principal: Principal,
    code: String,
) -> Result<String, WebError> {
    crate::mfa::verify_code(state, principal, code.replace(' ', "")).await
}

fn enrol_form(nav: &Nav, secret: &str, uri: &str, error: Option<&str>) -> Result<Markup, Refusal> {
    let qr = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|e| WebError::internal(format!("QR code: {e}")))?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    let body = html! {
        @if let Some(error) = error { p.error role="alert" { (error) } }
        ol {
            li { "Scan this code with an authenticator app (any app that follows RFC 6238)." }
            li { "Or type the key by hand: " code.secret #secret { (secret) } }
            li { "Enter the code the app shows to confirm." }
        }
        figure.qr aria-label="QR code for the authenticator app" { (PreEscaped(qr)) }
        form.stack method="post" action="/mfa/enroll" {
            (token_field(nav))
            input type="hidden" name="secret" value=(secret);
            label for="code" { "Code from the app" }
            input #code name="code" inputmode="numeric" autocomplete="one-time-code" required autofocus;
            button type="submit" { "Confirm" }
        }
    };
    Ok(page("Set up your authenticator", Some(nav), body))
}

/// `GET /mfa/enroll`: a new secret as a QR code (stored only once confirmed).
pub(crate) async fn enrol_page(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> PageResult {
    if principal.mfa == MfaState::Required {
        return Ok(Redirect::to("/mfa").into_response());
    }
    let (secret, uri) = crate::mfa::new_secret(&principal)?;
    let nav = nav(&state, &principal);
    Ok(html(StatusCode::OK, enrol_form(&nav, &secret, &uri, None)?))
}

/// `POST /mfa/enroll`: stores the authenticator once its code checks out.
pub(crate) async fn enrol(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    jar: CookieJar,
    PageForm(form): PageForm<CodeForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let nav = nav(&state, &principal);
    let secret = form.secret.clone().unwrap_or_default();
    let username = principal.username.clone();
    let principal_again = principal.clone();
    let code = form.code.replace(' ', "");
    match crate::mfa::confirm_enrolment(&state, principal, form.secret, code).await {
        Ok(session_id) => Ok((
            jar.add(auth::cookie_for(&state, session_id)),
            Redirect::to("/"),
        )
            .into_response()),
        Err(WebError::BadRequest { reason, .. }) => {
            // The same secret again, so the app already scanned still works; a secret that
            // is not one of ours (tampered form) is replaced by a fresh one.
            let (secret, uri) = match privacy::totp_uri(&secret, &username) {
                Ok(uri) if !secret.is_empty() => (secret, uri),
                _ => crate::mfa::new_secret(&principal_again)?,
            };
            Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                enrol_form(&nav, &secret, &uri, Some(&reason))?,
            ))
        }
        Err(other) => Err(Refusal(other)),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct TokenForm {
    #[serde(default)]
    token: String,
}

/// `POST /logout`: ends the session.
pub(crate) async fn logout(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    jar: CookieJar,
    PageForm(form): PageForm<TokenForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    auth::sign_out(&state, principal).await?;
    Ok((
        auth::clear_cookie(jar),
        auth::CLEAR_SITE_DATA,
        Redirect::to("/login?why=out"),
    )
        .into_response())
}
