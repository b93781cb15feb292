//! The crate's one error type.
//!
//! Every variant that comes from reading a file names the file, and the line where it is known,
//! because a coder fixing a bad release file needs to know where to look (STYLE.md §5).

use std::path::PathBuf;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong loading, importing or querying code sets.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The file was read but its content is not what the format requires.
    #[error("{path}:{line}: {message}")]
    Parse {
        /// The file concerned.
        path: PathBuf,
        /// One-based line number (0 when the whole file is at fault).
        line: usize,
        /// What was expected and what was found.
        message: String,
    },
    /// No release of the code system is in force on the date of service.
    #[error("no {system} release is in force on {date}")]
    NoRelease {
        /// The code system asked for.
        system: String,
        /// The date of service.
        date: time::Date,
    },
    /// No licensed CPT file is loaded, so there is nothing to search; a CPT code is
    /// checked for its format only.
    #[error(
        "CPT is not loaded (its AMA licence keeps it out of Chartroom), so there is nothing to search; type the code: it is checked for its format only (`chartroom codes import --system cpt FILE` loads a licensed file)"
    )]
    CptNotLoaded,
    /// The code is not in the release in force.
    #[error("{system} code {code:?} not found in release {release}")]
    UnknownCode {
        /// The code system.
        system: String,
        /// The code as given.
        code: String,
        /// The release searched.
        release: String,
    },
    /// A release with this system and name is already loaded.
    #[error("{system} release {release} is already loaded")]
    DuplicateRelease {
        /// The code system.
        system: String,
        /// The release name.
        release: String,
    },
    /// The caller asked for something the system does not support.
    #[error("{0}")]
    Unsupported(String),
}

impl Error {
    /// Builds a [`Error::Parse`] for `path` at `line`.
    pub(crate) fn parse(path: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        Error::Parse {
            path: path.into(),
            line,
            message: message.into(),
        }
    }

    /// Builds an [`Error::Io`] for `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
