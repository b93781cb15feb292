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
    /// The database cannot take writes now (disk full, read-only, storage failing, the
    /// server gone); nothing was written, and the same write can succeed once storage is back.
    #[error("the database cannot take writes now ({reason}); nothing was written: try again later")]
    Unavailable {
        /// What the database said, in its words (no patient data: drivers quote no values).
        reason: String,
    },
    /// The database reported a failure.
    #[error("database: {0}")]
    Database(String),
}

impl Error {
    /// Whether the failure is storage being unavailable rather than anything about the
    /// request, so callers answer "try again later" (HTTP 503, an HL7 AE) and keep serving.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }
}

impl From<rusqlite::Error> for Error {
    fn from(error: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match &error {
            rusqlite::Error::SqliteFailure(failure, _)
                if matches!(
                    failure.code,
                    ErrorCode::DiskFull
                        | ErrorCode::ReadOnly
                        | ErrorCode::SystemIoFailure
                        | ErrorCode::CannotOpen
                        | ErrorCode::DatabaseBusy
                        | ErrorCode::DatabaseLocked
                ) =>
            {
                Self::Unavailable {
                    reason: error.to_string(),
                }
            }
            _ => Self::Database(error.to_string()),
        }
    }
}

/// SQLSTATEs that say the server cannot take the write now, whatever was asked: class 53
/// (insufficient resources: disk full, out of memory, too many connections), 25006 (a
/// read-only transaction: a hot standby or `default_transaction_read_only`), class 57P
/// (the server shutting down or starting) and class 08 (the connection failed).
fn postgres_unavailable(code: &str) -> bool {
    code.starts_with("53") || code == "25006" || code.starts_with("57P") || code.starts_with("08")
}

impl From<postgres::Error> for Error {
    fn from(error: postgres::Error) -> Self {
        match error.as_db_error() {
            Some(db) if postgres_unavailable(db.code().code()) => Self::Unavailable {
                reason: format!("{} ({})", db.message(), db.code().code()),
            },
            Some(db) => Self::Database(format!("{} ({})", db.message(), db.code().code())),
            // An I/O error talking to the server is the connection failing, whether or not
            // the client has marked it closed yet.
            None if error.is_closed()
                || std::error::Error::source(&error).is_some_and(|s| s.is::<std::io::Error>()) =>
            {
                Self::Unavailable {
                    reason: format!("the connection to PostgreSQL was lost: {error}"),
                }
            }
            None => Self::Database(error.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite_failure(code: std::ffi::c_int) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn a_full_or_read_only_sqlite_database_is_unavailable_not_a_failure() {
        for code in [
            rusqlite::ffi::SQLITE_FULL,
            rusqlite::ffi::SQLITE_READONLY,
            rusqlite::ffi::SQLITE_IOERR_WRITE,
            rusqlite::ffi::SQLITE_IOERR_FSYNC,
            rusqlite::ffi::SQLITE_BUSY,
        ] {
            let error = Error::from(sqlite_failure(code));
            assert!(error.is_unavailable(), "{code}: {error}");
            assert!(error.to_string().contains("nothing was written"), "{error}");
        }
        let full = Error::from(sqlite_failure(rusqlite::ffi::SQLITE_FULL)).to_string();
        assert!(full.contains("full"), "{full}");
        for code in [
            rusqlite::ffi::SQLITE_CONSTRAINT,
            rusqlite::ffi::SQLITE_CORRUPT,
        ] {
            assert!(!Error::from(sqlite_failure(code)).is_unavailable());
        }
    }

    #[test]
    fn postgres_resource_and_read_only_states_are_unavailable() {
        for code in [
            "53100", "53200", "53300", "25006", "57P01", "57P03", "08006",
        ] {
            assert!(postgres_unavailable(code), "{code}");
        }
        for code in ["23505", "40001", "42P01", "22P02"] {
            assert!(!postgres_unavailable(code), "{code}");
        }
    }
}
