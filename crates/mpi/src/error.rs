//! The errors of the patient index: bad settings, named by file and field.

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The settings file is not valid TOML or has an unknown key (the message has its line).
    #[error("{path}: {message}")]
    SettingsSyntax {
        /// The file (or `embedded` for the built-in settings).
        path: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A setting is out of range.
    #[error("{path}: {field}: {message}")]
    Setting {
        /// The file.
        path: String,
        /// The setting, e.g. `thresholds.review`.
        field: String,
        /// What was expected and what was found.
        message: String,
    },
    /// The nickname table has a malformed line.
    #[error("nicknames line {line}: {message}")]
    Nicknames {
        /// One-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// The patient index's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
