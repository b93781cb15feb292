//! Storage errors, named as domain facts ("MRN already exists"), not driver text.

use records::ValidationErrors;

/// Result of a storage operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong when reading or writing records.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The record failed validation; nothing was written.
    #[error("{kind} is not valid: {errors}")]
    Invalid {
        /// Record kind.
        kind: &'static str,
        /// Every problem found.
        errors: ValidationErrors,
    },
    /// No record with that id.
    #[error("{kind} {id} does not exist")]
    NotFound {
        /// Record kind.
        kind: &'static str,
        /// The id asked for.
        id: i64,
    },
    /// Someone else changed the record since it was read.
    #[error(
        "{kind} {id} is at version {actual}, not {expected}: it was changed by someone else; reload and try again"
    )]
    VersionConflict {
        /// Record kind.
        kind: &'static str,
        /// Record id.
        id: i64,
        /// The version the caller read.
        expected: i64,
        /// The version stored now.
        actual: i64,
    },
    /// The record was deleted and cannot be changed.
    #[error("{kind} {id} was deleted")]
    Deleted {
        /// Record kind.
        kind: &'static str,
        /// Record id.
        id: i64,
    },
    /// A uniqueness or reference rule would be broken.
    #[error("{0}")]
    Conflict(String),
    /// The database location or URL is unusable.
    #[error("database {location}: {message}")]
    Open {
        /// The path or URL (password removed).
        location: String,
        /// What went wrong.
        message: String,
    },
    /// A stored row could not be read back as a record (schema drift or manual edits).
    #[error("{kind} {id}: stored row is unreadable: {message}")]
    Corrupt {
        /// Record kind.
        kind: &'static str,
        /// Record id.
        id: i64,
        /// Why.
        message: String,
    },
    /// The database reported a failure.
    #[error("database: {0}")]
    Database(String),
}

impl From<rusqlite::Error> for Error {
    fn from(error: rusqlite::Error) -> Self {
        Self::Database(error.to_string())
    }
}

impl From<postgres::Error> for Error {
    fn from(error: postgres::Error) -> Self {
        match error.as_db_error() {
            Some(db) => Self::Database(format!("{} ({})", db.message(), db.code().code())),
            None => Self::Database(error.to_string()),
        }
    }
}
