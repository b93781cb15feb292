//! What an import did: rows accepted, skipped and rejected, per file, with reasons.

use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// One row that was not stored, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// File name.
    pub file: String,
    /// Line in the file (1 is the header).
    pub line: u64,
    /// Column, when the problem is in one.
    pub column: Option<String>,
    /// What was wrong.
    pub reason: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(column) => write!(
                f,
                "{}:{}: {}: {}",
                self.file, self.line, column, self.reason
            ),
            None => write!(f, "{}:{}: {}", self.file, self.line, self.reason),
        }
    }
}

/// Counts for one file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FileReport {
    /// File name.
    pub file: String,
    /// Rows stored.
    pub accepted: u64,
    /// Rows already imported by an earlier run, or deliberately not imported.
    pub skipped: u64,
    /// Rows refused (see the rejections).
    pub rejected: u64,
    /// Why rows were skipped on purpose, with how many (rows skipped as already imported
    /// are counted in `skipped` only).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub skip_reasons: BTreeMap<String, u64>,
}

/// The whole import.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    /// Per file, in import order.
    pub files: Vec<FileReport>,
    /// Every rejected row (capped per file so a wholly wrong file does not flood memory).
    pub rejections: Vec<Rejection>,
    /// Rejections not listed because of the cap.
    pub rejections_not_listed: u64,
    /// Wall time in seconds.
    pub seconds: f64,
    /// Pairs of an imported patient and one on file that the patient index's kept model
    /// queued for review afterwards (set by the caller that checks; 0 otherwise).
    pub possible_duplicates: u64,
}

/// Rejections listed per file before the rest are only counted.
pub const REJECTIONS_LISTED_PER_FILE: u64 = 1000;

impl ImportReport {
    /// Rows stored over all files.
    pub fn accepted(&self) -> u64 {
        self.files.iter().map(|f| f.accepted).sum()
    }

    /// Rows rejected over all files.
    pub fn rejected(&self) -> u64 {
        self.files.iter().map(|f| f.rejected).sum()
    }

    /// Rows skipped over all files.
    pub fn skipped(&self) -> u64 {
        self.files.iter().map(|f| f.skipped).sum()
    }

    /// Rows read (stored, skipped or rejected) per second.
    pub fn rows_per_second(&self) -> f64 {
        let rows = (self.accepted() + self.rejected() + self.skipped()) as f64;
        if self.seconds > 0.0 {
            rows / self.seconds
        } else {
            rows
        }
    }
}
