//! The crate's one error type: query text errors carry a line and column, load errors a
//! file and line, so every message points at what to fix.

use std::path::PathBuf;

/// Everything that can go wrong when parsing, checking, running or loading.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The query text does not follow the grammar.
    #[error("query {line}:{column}: expected {expected}, found {found}")]
    Syntax {
        /// 1-based line of the offending token.
        line: u32,
        /// 1-based column (in characters) of the offending token.
        column: u32,
        /// What the parser could have accepted there.
        expected: String,
        /// The token it saw instead, quoted, or "end of query".
        found: String,
    },
    /// The query text is well formed but says something the engine cannot answer
    /// (a field the subject lacks, an unknown named code set, a bad range).
    #[error("query {line}:{column}: {message}")]
    Invalid {
        /// 1-based line.
        line: u32,
        /// 1-based column.
        column: u32,
        /// What is wrong, lower case, no full stop.
        message: String,
    },
    /// A whole-query requirement is missing, such as the `as of` date that ages and
    /// days past due are measured against.
    #[error("query: {0}")]
    Unanswerable(String),
    /// A write names a patient the engine does not hold.
    #[error("patient {0} is not in the engine")]
    UnknownPatient(i64),
    /// A bench or import file could not be read or has a bad row.
    #[error("{}:{line}: {message}", path.display())]
    Load {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 when the file could not be opened).
        line: u64,
        /// What is wrong with it.
        message: String,
    },
}

/// Result with the crate's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;
