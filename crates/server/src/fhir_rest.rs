//! The FHIR R4 REST API under `/fhir`.

use crate::routes::Entry;

/// The FHIR routes.
pub(crate) fn routes() -> Vec<Entry> {
    Vec::new()
}
