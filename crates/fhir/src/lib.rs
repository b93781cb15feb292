//! FHIR R4 (4.0.1) for Chartroom: the resources we serve as plain serde structs, validation
//! of incoming JSON, mapping to and from the records model, Synthea transaction-bundle import
//! and bulk NDJSON export.
//!
//! Invariants:
//! - Validation never panics and never stops at the first problem: it returns every issue
//!   with a FHIRPath-like expression (`Patient.name[0].given[1]`), ready for
//!   `OperationOutcome.issue.expression`.
//! - Decimals keep the text they were written with (`72.50` stays `72.50`); see `Decimal`.
//! - The records model is the one source of truth: a FHIR resource is a view of a stored
//!   record, its `id` is the record's id (prefixed where two record kinds share one FHIR type),
//!   and `meta.versionId` / `meta.lastUpdated` are the store's version and update time.
//! - An imported bundle is one transaction: a bundle with any rejected resource stores nothing.
//! - This crate knows nothing about HTTP; the server mounts it.

mod bundle_import;
mod capability;
mod datatypes;
mod decimal;
mod eicr;
mod export;
mod from_fhir;
mod resources;
mod systems;
mod to_fhir;
mod validate;

pub use bundle_import::{
    BundleImport, EntryResult, IMPORTED, ImportOptions, Work, import_bundle_text,
    import_bundle_with, import_dir,
};
pub use capability::{WRITABLE_TYPES, capability_statement};
pub use datatypes::{
    Address, Annotation, Attachment, CodeableConcept, Coding, ContactPoint, HumanName, Identifier,
    Meta, Period, Quantity, Reference,
};
pub use decimal::Decimal;
pub use eicr::{EicrOptions, initial_case_report};
pub use export::{
    EXPORT_TYPES, ExportCounts, ExportFilter, Progress, export_ndjson, export_ndjson_filtered,
};
pub use from_fhir::{Mapped, ReferenceResolver, from_json};

pub use resources::*;
pub use systems::*;
pub use to_fhir::{
    DOCUMENT_CATEGORY, FOLLOW_UP_KIND, QUERY_PART, RESPONSIBLE, REVIEW_RULE, REVIEW_STATUS,
    REVIEW_TASK, ToFhir, benefit_outcome, benefit_status, claim_status, deficiency_task_status,
    document_content_url, explanation_of_benefit, follow_up_task_status, id_prefix,
    query_task_status, resource_id, stored_claim,
};

pub use validate::{Issue, IssueSeverity, operation_outcome, validate_resource, validate_value};

/// Errors that stop an import or export as a whole. Problems inside one resource are
/// reported as `Issue`s, not raised.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// JSON that is not JSON, or that does not fit the resource's shape.
    #[error("{path}: {message}")]
    Json {
        /// Where: file, or a FHIRPath-like expression.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] store::Error),
    /// The caller stopped the export (a cancelled `$export` job).
    #[error("the export was stopped")]
    Stopped,
}

/// Result of FHIR work.
pub type Result<T, E = Error> = std::result::Result<T, E>;
