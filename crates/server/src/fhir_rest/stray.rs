//! Answers under `/fhir` that no FHIR handler wrote: an unknown resource type or path, a
//! method the path does not take, or a refusal from the HTTP layer itself. Every one is an
//! OperationOutcome with the status the HTTP layer chose, so a FHIR client never has to
//! read a non-FHIR error body.

use super::kinds::TYPES;
use super::outcome::{FhirError, OutcomeIssue};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Whether `path` is on the FHIR surface.
pub(crate) fn is_fhir_path(path: &str) -> bool {
    path == "/fhir" || path.starts_with("/fhir/")
}

/// The 404 for a path under `/fhir` that no route serves, naming an unknown type as such.
pub(crate) fn no_route(method: &Method, path: &str) -> Response {
    let first = path
        .trim_start_matches("/fhir")
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default();
    let known = TYPES.iter().any(|t| t.name == first)
        || matches!(first, "AuditEvent" | "metadata" | "$export")
        || first.starts_with("$export");
    let message = if !known && first.chars().next().is_some_and(char::is_uppercase) {
        let names: Vec<&str> = TYPES.iter().map(|t| t.name).chain(["AuditEvent"]).collect();
        format!(
            "{first} is not a resource type this server supports (it serves {})",
            names.join(", ")
        )
    } else {
        format!("no FHIR interaction answers {method} {path}")
    };
    FhirError::new(
        StatusCode::NOT_FOUND,
        OutcomeIssue::error("not-supported", message),
    )
    .into_response()
}

/// Middleware: an error answer under `/fhir` that is not already FHIR JSON becomes an
/// OperationOutcome; its status and other headers (`Allow` on a 405) are kept.
pub(crate) async fn outcomes_only(request: Request, next: Next) -> Response {
    if !is_fhir_path(request.uri().path()) {
        return next.run(request).await;
    }
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let status = response.status();
    let is_fhir_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/fhir+json"));
    if status.as_u16() < 400 || is_fhir_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let said = axum::body::to_bytes(body, 16 << 10)
        .await
        .ok()
        .and_then(|bytes| String::from_utf8(bytes.to_vec()).ok())
        .map(|text| {
            serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v["error"].as_str().map(str::to_owned))
                .unwrap_or(text)
        })
        .filter(|text| !text.trim().is_empty());
    let (code, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            let allowed = parts
                .headers
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            (
                "not-supported",
                format!("{method} is not allowed on {path}; it takes {allowed}"),
            )
        }
        StatusCode::PAYLOAD_TOO_LARGE => (
            "too-costly",
            said.unwrap_or_else(|| "the request body is too large".into()),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "not-supported",
            said.unwrap_or_else(|| "send application/fhir+json".into()),
        ),
        StatusCode::NOT_FOUND => (
            "not-found",
            said.unwrap_or_else(|| format!("nothing at {path}")),
        ),
        StatusCode::UNAUTHORIZED => ("login", said.unwrap_or_else(|| "sign in first".into())),
        StatusCode::FORBIDDEN => ("forbidden", said.unwrap_or_else(|| "not allowed".into())),
        _ if status.is_server_error() => ("exception", "the server failed".to_owned()),
        _ => ("processing", said.unwrap_or_else(|| status.to_string())),
    };
    let rewritten = FhirError::new(status, OutcomeIssue::error(code, message)).into_response();
    let (new_parts, new_body) = rewritten.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    if let Some(value) = new_parts.headers.get(header::CONTENT_TYPE) {
        parts.headers.insert(header::CONTENT_TYPE, value.clone());
    }
    Response::from_parts(parts, Body::new(new_body))
}
