//! SHA-256 manifests for the files Chartroom hands to someone else (ONC 170.315(d)(8)):
//! `manifest.sha256` beside the files, one line `<64 hex digits>  <file name>` per file,
//! the format `sha256sum` writes and `sha256sum -c` checks, so the receiving side can
//! check a delivery with or without Chartroom.
//!
//! Invariants:
//! - A manifest names files in its own directory only: a name holding a path separator,
//!   `..`, a backslash or a line break is refused when reading and never written.
//! - Recording files into a directory keeps the lines of the other files already listed
//!   (a claims directory gathers many files) and replaces the listed file's line; the
//!   manifest is written beside the files by atomic rename, never half written.
//! - Checking reads every listed file whole and reports each one that is missing or whose
//!   digest differs, by name; files beside it that the manifest does not list are named
//!   too, apart from the manifest itself.
//! - No clock, no store, no HTTP: export, import, release and backup code all use it.
#![deny(missing_docs)]

mod check;
mod error;
mod file;

pub use check::{Check, FileVerdict, Problem, check_dir, check_file};
pub use error::{Error, Result};
pub use file::{MANIFEST_FILE, Manifest, digest_file, record};
