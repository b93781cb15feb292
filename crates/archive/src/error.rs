//! The records lifecycle's errors, named as facts a records department acts on.

pub use crate::sealed::Refusal;

/// Result of a lifecycle operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong taking or restoring a backup, or keeping holds and schedules.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] store::Error),
    /// A file could not be read or written.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The backup file was refused before anything was restored.
    #[error("{0}")]
    Refused(Refusal),
    /// The restored copy failed a check; nothing was restored.
    #[error("the restored copy failed its checks, so nothing was restored:\n  {}", .0.join("\n  "))]
    Verification(Vec<String>),
    /// The data directory failed a check, so no backup was written (a content file that
    /// does not hash to its name, or one the records name that is missing).
    #[error("no backup was written:\n  {}", .0.join("\n  "))]
    NotBackedUp(Vec<String>),
    /// The manifest inside the backup is unusable.
    #[error("the backup's manifest is unusable: {0}")]
    Manifest(String),
    /// Encryption or key derivation failed.
    #[error("cryptography: {0}")]
    Crypto(String),
    /// Input that cannot be acted on (a bad argument, a bad line in a file).
    #[error("{0}")]
    Invalid(String),
}

impl From<std::io::Error> for Error {
    fn from(error: std::io::Error) -> Self {
        match crate::sealed::refusal_of(&error) {
            Some(refusal) => Self::Refused(refusal.clone()),
            None => Self::File {
                path: "(stream)".into(),
                message: error.to_string(),
            },
        }
    }
}

/// An IO error on `path`, keeping a sealed-stream refusal as a refusal.
pub(crate) fn file_error(path: &std::path::Path, error: &std::io::Error) -> Error {
    match crate::sealed::refusal_of(error) {
        Some(refusal) => Error::Refused(refusal.clone()),
        None => Error::File {
            path: path.display().to_string(),
            message: error.to_string(),
        },
    }
}
