//! Files and directories only their owner can read: the data directory (0700), the
//! database and its WAL, the audit key and head (0600).
//!
//! Invariants:
//! - A file is created with its final mode, never created open and narrowed afterwards,
//!   so there is no moment in which another local user could open it.
//! - On systems without Unix modes these are plain creations.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

fn options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// Creates (or truncates) `path` for writing, mode 0600 when created.
pub(crate) fn create(path: &Path) -> io::Result<File> {
    options().create(true).truncate(true).open(path)
}

/// Creates `path` for writing, mode 0600; fails if it exists.
pub(crate) fn create_new(path: &Path) -> io::Result<File> {
    options().create_new(true).open(path)
}
