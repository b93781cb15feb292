//! Files and directories only their owner can read: the data directory (0700), the
//! database and its WAL, the audit key and head (0600).
//!
//! Invariants:
//! - A file is created with its final mode, never created open and narrowed afterwards,
//!   so there is no moment in which another local user could open it. SQLite gives the
//!   `-wal` and `-shm` files the mode of the database file, so creating that 0600 before
//!   SQLite opens it covers them.
//! - Existing files and directories with group or other bits are narrowed at open, with a
//!   warning: they may have been read already, and the operator should know.
//! - On systems without Unix modes these are plain creations and nothing is narrowed.

use crate::error::{Error, Result};
use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// The files of a data directory that only the owner may read.
const PRIVATE_FILES: &[&str] = &[
    crate::SQLITE_FILE,
    "chartroom.db-wal",
    "chartroom.db-shm",
    crate::audit::AUDIT_KEY_FILE,
    crate::audit::AUDIT_HEAD_FILE,
    crate::audit::AUDIT_CHECKPOINT_FILE,
    TOTP_KEY_FILE,
];

/// The file, beside the audit key, holding the key that encrypts authenticator secrets.
pub const TOTP_KEY_FILE: &str = "totp.key";

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

/// The 32-byte key in `dir/name`, created (random, mode 0600) when there is none.
pub fn key_in(dir: &Path, name: &str) -> Result<[u8; 32]> {
    let path = dir.join(name);
    let failed = |what: &str, e: &dyn std::fmt::Display| Error::Open {
        location: path.display().to_string(),
        message: format!("{what}: {e}"),
    };
    let read = || -> Result<[u8; 32]> {
        let bytes = std::fs::read(&path).map_err(|e| failed("cannot read the key", &e))?;
        let found = bytes.len();
        bytes
            .try_into()
            .map_err(|_| failed("the key must be 32 bytes", &format!("found {found}")))
    };
    if path.exists() {
        return read();
    }
    secure_and_warn(dir)?;
    let key = crate::audit::random_bytes::<32>()?;
    match create_new(&path) {
        Ok(mut file) => {
            use std::io::Write;
            file.write_all(&key)
                .and_then(|()| file.sync_all())
                .map_err(|e| failed("cannot write the key", &e))?;
            Ok(key)
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => read(),
        Err(e) => Err(failed("cannot create the key", &e)),
    }
}

/// Creates `dir` (and missing parents) mode 0700, then narrows what is already there:
/// the directory to its owner, the files in `PRIVATE_FILES` to 0600. Returns one warning
/// per path narrowed.
pub fn secure_data_dir(dir: &Path) -> Result<Vec<String>> {
    let failed = |path: &Path, what: &str, e: io::Error| Error::Open {
        location: path.display().to_string(),
        message: format!("{what}: {e}"),
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| failed(dir, "cannot create the data directory", e))?;
    let mut warnings = Vec::new();
    #[cfg(unix)]
    {
        let mut narrow = |path: &Path, owner_only: u32| -> Result<()> {
            use std::os::unix::fs::PermissionsExt;
            let meta = match std::fs::metadata(path) {
                Ok(meta) => meta,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(failed(path, "cannot read the permissions", e)),
            };
            let mode = meta.permissions().mode() & 0o777;
            if mode & !owner_only == 0 {
                return Ok(());
            }
            let narrowed = mode & owner_only;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(narrowed))
                .map_err(|e| failed(path, "cannot make it private to its owner", e))?;
            warnings.push(format!(
                "{} was open to other users (mode {mode:04o}); now {narrowed:04o}",
                path.display()
            ));
            Ok(())
        };
        narrow(dir, 0o700)?;
        for name in PRIVATE_FILES {
            narrow(&dir.join(name), 0o600)?;
        }
    }
    Ok(warnings)
}

/// `secure_data_dir`, with each warning on standard error.
pub(crate) fn secure_and_warn(dir: &Path) -> Result<()> {
    for warning in secure_data_dir(dir)? {
        eprintln!("warning: {warning}");
    }
    Ok(())
}
