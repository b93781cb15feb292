//! The manifest's errors: a file that cannot be read or written, or a manifest line that is
//! not `<64 hex digits>  <name>`, each naming the file and line.

use std::path::PathBuf;

/// What went wrong with a manifest or a file it lists.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {message}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed, with the operating system's reason.
        message: String,
    },
    /// A manifest line is not `<64 hex digits>  <name>`.
    #[error("{}:{line}: {message}", path.display())]
    Syntax {
        /// The manifest.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// What was expected and what was found.
        message: String,
    },
    /// A file name cannot go into a manifest.
    #[error("{name:?} cannot be listed in a manifest: {reason}")]
    Name {
        /// The name.
        name: String,
        /// Why.
        reason: &'static str,
    },
}

/// The manifest's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn io(path: &std::path::Path, what: &str, error: &std::io::Error) -> Self {
        Self::Io {
            path: path.to_owned(),
            message: format!("{what}: {error}"),
        }
    }
}
