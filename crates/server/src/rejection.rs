//! How a refused request looks on each surface: the JSON API answers `{"error": ...}`,
//! pages send the browser to the sign-in page or show an HTML refusal, and the FHIR API
//! answers an OperationOutcome.

use crate::error::WebError;
use crate::guard::Surface;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

/// The response for `error` on `surface`.
pub(crate) fn refuse(surface: Surface, error: WebError) -> Response {
    match surface {
        Surface::Api => error.into_response(),
        Surface::Page => match error {
            WebError::Unauthorized(reason) => {
                Redirect::to(&format!("/login?why={}", sign_in_reason(&reason))).into_response()
            }
            other => crate::web::refusal_page(&other),
        },
        Surface::Fhir => operation_outcome(&error),
    }
}

/// The response when the session has not passed the second factor yet.
pub(crate) fn second_factor_missing(surface: Surface, enrol: bool) -> Response {
    match (surface, enrol) {
        (Surface::Page, false) => Redirect::to("/mfa").into_response(),
        (Surface::Page, true) => Redirect::to("/mfa/enroll").into_response(),
        (_, false) => refuse(
            surface,
            WebError::Unauthorized(
                "enter the code from your authenticator first (POST /api/mfa/verify)".into(),
            ),
        ),
        (_, true) => refuse(
            surface,
            WebError::Unauthorized(
                "administrators must enrol an authenticator first (POST /api/mfa/enroll)".into(),
            ),
        ),
    }
}

/// A short code for why a browser must sign in, so no free text travels in the URL.
fn sign_in_reason(reason: &str) -> &'static str {
    if reason.contains("inactivity") {
        "idle"
    } else if reason.contains("expired") {
        "expired"
    } else if reason.contains("disabled") {
        "disabled"
    } else if reason.contains("ended") {
        "ended"
    } else {
        "signin"
    }
}

/// The sentence the sign-in page shows for a `why` code.
pub(crate) fn sign_in_message(code: &str) -> Option<&'static str> {
    Some(match code {
        "idle" => "You were signed out after a period of inactivity. Sign in again.",
        "expired" => "Your session expired. Sign in again.",
        "disabled" => "That account is disabled.",
        "ended" => "Your session ended. Sign in again.",
        "signin" => "Sign in to continue.",
        "out" => "You are signed out.",
        _ => return None,
    })
}

/// An OperationOutcome for a refused or failed FHIR interaction.
pub(crate) fn operation_outcome(error: &WebError) -> Response {
    let (status, code) = error.status_and_issue_type();
    let mut issue = json!({
        "severity": "error",
        "code": code,
        "diagnostics": error.to_string(),
    });
    if let WebError::BadRequest { field, .. } = error {
        issue["expression"] = json!([field]);
    }
    let body = json!({ "resourceType": "OperationOutcome", "issue": [issue] });
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/fhir+json; charset=utf-8"),
    );
    crate::error::with_retry_after(response)
}
