//! Running FHIR work against the store: on the blocking pool, in one audited transaction
//! that commits only when the work succeeds.

use super::outcome::FhirError;
use crate::state::AppState;
use store::Audited;

/// Runs `work` in one transaction with auditing; a `FhirError` rolls everything back
/// (records and audit entries alike) and is returned as it was raised.
pub(crate) fn audited<T>(
    state: &AppState,
    work: impl FnOnce(&mut Audited<'_>) -> Result<T, FhirError>,
) -> Result<T, FhirError> {
    let mut failure = None;
    let result = state
        .trail
        .write(&state.store, |audited| match work(audited) {
            Ok(value) => Ok(Some(value)),
            Err(error) => {
                failure = Some(error);
                Err(store::Error::Conflict("rolled back".into()))
            }
        });
    match (result, failure) {
        (_, Some(error)) => Err(error),
        (Ok(Some(value)), None) => Ok(value),
        (Ok(None), None) => Err(FhirError::internal("audited work returned nothing")),
        (Err(error), None) => Err(error.into()),
    }
}

/// Runs store work on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&AppState) -> Result<T, FhirError> + Send + 'static,
) -> Result<T, FhirError> {
    state.on_blocking_pool(work, FhirError::internal).await
}

/// The request body as text (at most 64 MiB: a large transaction Bundle).
pub(crate) async fn body_text(body: axum::body::Body) -> Result<String, FhirError> {
    let bytes = axum::body::to_bytes(body, 64 << 20).await.map_err(|e| {
        FhirError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            super::outcome::OutcomeIssue::error(
                "too-costly",
                format!("the body cannot be read: {e}"),
            ),
        )
    })?;
    String::from_utf8(bytes.to_vec())
        .map_err(|_| FhirError::bad_request("", "the body is not UTF-8 text"))
}
