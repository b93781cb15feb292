//! The one error type of the HTTP layer and its JSON response.
//!
//! Bad input names the field; internal failures get a generic message with an id, and the
//! details go to standard error (never to the client: they may quote patient data).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};

/// A failed request.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// Not signed in, or the session ended.
    #[error("{0}")]
    Unauthorized(String),
    /// Signed in, but the roles do not allow it.
    #[error("{0}")]
    Forbidden(String),
    /// No such thing.
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with what is stored (a taken username, a stale version).
    #[error("{0}")]
    Conflict(String),
    /// Bad input.
    #[error("{field}: {reason}")]
    BadRequest {
        /// The field.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// Storage cannot take writes now (disk full, read-only, the database server gone):
    /// nothing was written and the client may try again; reads that need no write go on.
    #[error("{0}")]
    Unavailable(String),
    /// Something failed inside; `id` is in the log line.
    #[error("internal error {id}")]
    Internal {
        /// The id shown to the client and logged with the details.
        id: u64,
    },
}

static NEXT_ERROR_ID: AtomicU64 = AtomicU64::new(1);

impl WebError {
    /// Logs `details` and returns a generic error naming the log line.
    pub fn internal(details: impl std::fmt::Display) -> Self {
        let id = NEXT_ERROR_ID.fetch_add(1, Ordering::Relaxed);
        eprintln!("chartroom serve: internal error {id}: {details}");
        Self::Internal { id }
    }

    /// The HTTP status, and the FHIR issue type an OperationOutcome gives it.
    pub fn status_and_issue_type(&self) -> (StatusCode, &'static str) {
        match self {
            Self::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "login"),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not-found"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Self::BadRequest { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            Self::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "transient"),
            Self::Internal { .. } => (StatusCode::INTERNAL_SERVER_ERROR, "exception"),
        }
    }

    /// A bad-input error.
    pub fn bad(field: &str, reason: impl Into<String>) -> Self {
        Self::BadRequest {
            field: field.to_owned(),
            reason: reason.into(),
        }
    }
}

impl From<store::Error> for WebError {
    fn from(error: store::Error) -> Self {
        match error {
            store::Error::NotFound { kind, id } => {
                Self::NotFound(format!("{kind} {id} does not exist"))
            }
            store::Error::Conflict(message) => Self::Conflict(message),
            store::Error::Invalid { errors, .. } => {
                let field = errors
                    .iter()
                    .next()
                    .map_or("body".to_owned(), |e| e.path.clone());
                Self::BadRequest {
                    field,
                    reason: errors.to_string(),
                }
            }
            error @ (store::Error::VersionConflict { .. } | store::Error::Deleted { .. }) => {
                Self::Conflict(error.to_string())
            }
            store::Error::Unavailable { reason } => {
                // The operator's signal: the disk or the database needs attention.
                eprintln!(
                    "chartroom serve: storage unavailable, writes refused with 503: {reason}"
                );
                Self::Unavailable(format!(
                    "Chartroom cannot store anything now ({reason}); nothing was written: try again later"
                ))
            }
            other => Self::internal(other),
        }
    }
}

/// How long a client should wait before trying a refused write again.
const RETRY_AFTER_SECONDS: &str = "30";

/// Adds `Retry-After` to a 503, so clients and proxies back off instead of failing.
pub(crate) fn with_retry_after(mut response: Response) -> Response {
    if response.status() == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from_static(RETRY_AFTER_SECONDS),
        );
    }
    response
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, _) = self.status_and_issue_type();
        let body = match &self {
            Self::BadRequest { field, reason } => {
                json!({ "error": self.to_string(), "field": field, "reason": reason })
            }
            _ => json!({ "error": self.to_string() }),
        };
        with_retry_after((status, Json(body)).into_response())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail by panicking.
mod tests {
    use super::*;

    fn unavailable() -> store::Error {
        store::Error::Unavailable {
            reason: "database or disk is full".into(),
        }
    }

    #[test]
    fn storage_that_cannot_take_writes_is_a_503_to_retry_not_a_500() {
        let error = WebError::from(unavailable());
        assert!(matches!(error, WebError::Unavailable(_)), "{error:?}");
        assert!(error.to_string().contains("disk is full"), "{error}");
        let response = error.into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            response
                .headers()
                .get(axum::http::header::RETRY_AFTER)
                .unwrap(),
            RETRY_AFTER_SECONDS
        );
        // Other failures keep their statuses and carry no Retry-After.
        let conflict = WebError::Conflict("taken".into()).into_response();
        assert_eq!(conflict.status(), StatusCode::CONFLICT);
        assert!(
            conflict
                .headers()
                .get(axum::http::header::RETRY_AFTER)
                .is_none()
        );
    }

    #[test]
    fn the_fhir_api_and_pages_say_transient_with_retry_after() {
        let outcome = crate::fhir_rest::outcome::FhirError::from(unavailable()).into_response();
        assert_eq!(outcome.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            outcome
                .headers()
                .get(axum::http::header::RETRY_AFTER)
                .is_some()
        );
        assert_eq!(
            WebError::from(unavailable()).status_and_issue_type().1,
            "transient"
        );
        let page = crate::web::layout::refusal_page(&WebError::from(unavailable()));
        assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            page.headers()
                .get(axum::http::header::RETRY_AFTER)
                .is_some()
        );
    }
}
