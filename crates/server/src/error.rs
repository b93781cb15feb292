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
            other => Self::internal(other),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::BadRequest { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let body = match &self {
            Self::BadRequest { field, reason } => {
                json!({ "error": self.to_string(), "field": field, "reason": reason })
            }
            _ => json!({ "error": self.to_string() }),
        };
        (status, Json(body)).into_response()
    }
}
