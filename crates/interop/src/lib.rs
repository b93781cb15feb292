//! Records in and out of Chartroom.
//!
//! - `synthea`: the Synthea CSV export (plain or gzip), imported in batched transactions
//!   with a report of every rejected row by file, line and reason.
//! - `export`: chart data out as CSV.
//!
//! Invariants: a rejected row never aborts rows already committed (unless the caller asks
//! for all-or-nothing); each batch commits whole or not at all together with the keys that
//! let a re-run skip what was already imported, so a killed import can simply be run again.

pub mod batch;
pub mod export;
pub mod extract;
mod input;
mod report;
pub mod synthea;

pub use input::{CountingReader, LineMap, LineTracking, open_input};
pub use report::{FileReport, ImportReport, Rejection};

/// Errors that stop an import or export as a whole (bad rows are reported, not raised).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The directory holds none of the files the format needs.
    #[error("{0}")]
    NothingToImport(String),
    /// `--atomic` import with rejected rows: nothing was stored.
    #[error(
        "{n_rejected} rows were rejected, so nothing was stored (all-or-nothing import); first: {first}"
    )]
    AtomicAborted {
        /// How many rows were rejected.
        n_rejected: usize,
        /// The first rejection.
        first: String,
        /// The full report.
        report: Box<ImportReport>,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] store::Error),
}

/// Result of an import or export.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Imports `path` in whichever format it holds: a population extract when its files start
/// with `patient_id`/`imm_id`/`item_id` columns, otherwise the Synthea CSV export.
pub fn import(
    store: &store::Store,
    path: &std::path::Path,
    options: &batch::ImportOptions,
    progress: &mut dyn batch::Progress,
) -> Result<ImportReport> {
    if extract::looks_like_extract(path) {
        extract::import(store, path, options, progress)
    } else {
        synthea::import(store, path, options, progress)
    }
}
