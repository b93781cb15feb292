//! The records lifecycle: what a records department keeps, how long, and how it proves it
//! can bring it back.
//!
//! - `backup`: whole-store backups (SQLite's online backup API, or `pg_dump` on an
//!   exported snapshot), compressed with zstd and sealed under a key the user keeps
//!   (`sealed`: ChaCha20-Poly1305 blocks), with a manifest of the schema, every table's
//!   rows and the audit chain's head; restores that check the copy before it is put in
//!   place.
//! - `archival`: eligible charts moved out of the live tables into one zstd file each
//!   (a manifest, SHA-256 of the payload, the file's SHA-256 in the store's index), read
//!   back on demand and restored; one transaction per chart.
//! - `destruction`: charts past retention and under no hold destroyed on a request
//!   approved by a second person, with a certificate of destruction kept forever.
//! - `events`: the audit entries of those steps, shared by the command line and the pages.
//! - `paper`: the paper chart desk (volumes, movements, the request queue, labels), each
//!   look and change in one transaction with its audit entry.
//! - `retention`: retention schedules as data (a shipped default, or a facility's file
//!   checked line by line) and the report of which charts may be archived or destroyed,
//!   when and why; legal holds in force (kept by the store) block both.
//!
//! Invariants:
//! - No HTTP, and no SQL writes: the store makes copies, keeps holds, takes a chart's rows
//!   out and puts them back (`store::archival`); the retention
//!   report reads through `Tx::query` as other read models do.
//! - No clock: callers pass the time.
//! - Nothing is half done: a backup file that exists is whole, a restored directory exists
//!   only once it passed every check.

pub mod archival;
pub mod backup;
pub mod destruction;
mod error;
pub mod events;
pub mod paper;
pub mod retention;
pub mod sealed;

pub use archival::{
    ARCHIVE_DIR, ArchivalReport, ArchiveManifest, ArchivedRead, Archivist, archive_chart,
    archive_eligible, archived_patient, find_archived_audited, read_archived,
    read_archived_audited, restore_chart,
};
pub use backup::{
    BackendKind, BackupReport, ContentCount, FileEntry, Manifest, RestoreReport, backup, inspect,
    restore, restore_postgres,
};
pub use destruction::{approve_destruction, destruction_requests_audited, request_destruction};
pub use error::{Error, Refusal, Result};
pub use sealed::BackupKey;
