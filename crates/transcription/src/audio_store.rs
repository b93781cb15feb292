//! Dictation audio kept under the data directory, each file named by its SHA-256
//! (`audio/ab/abcdef...`), also when the records are in PostgreSQL.
//!
//! Invariants:
//! - A file is written to a temporary name and renamed into place, so a reader never sees
//!   half a recording; the same recording uploaded twice is one file.
//! - Every read recomputes the SHA-256 and refuses a file that no longer matches its name.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why audio could not be kept or read back.
#[derive(Debug, Error)]
pub enum AudioStoreError {
    /// The file system refused.
    #[error("audio file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file changed since it was stored.
    #[error(
        "audio file {path} fails its checksum: it should have SHA-256 {expected} but has {actual}; restore it from a backup"
    )]
    Checksum {
        /// The file.
        path: PathBuf,
        /// Its name.
        expected: String,
        /// What it hashes to now.
        actual: String,
    },
    /// Not a SHA-256 name.
    #[error("{0:?} is not a SHA-256 (64 lower-case hex digits)")]
    BadName(String),
}

/// The audio directory.
#[derive(Debug, Clone)]
pub struct AudioStore {
    dir: PathBuf,
}

/// SHA-256 of `bytes` as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl AudioStore {
    /// The store under `data_dir` (`data_dir/audio`).
    pub fn in_data_dir(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.join("audio"),
        }
    }

    fn path_of(&self, sha: &str) -> Result<PathBuf, AudioStoreError> {
        if sha.len() != 64 || !sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(AudioStoreError::BadName(sha.to_owned()));
        }
        Ok(self.dir.join(&sha[..2]).join(sha))
    }

    /// Keeps `bytes` and returns their SHA-256 (the file's name).
    pub fn put(&self, bytes: &[u8]) -> Result<String, AudioStoreError> {
        let sha = sha256_hex(bytes);
        let path = self.path_of(&sha)?;
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| AudioStoreError::Io { path, source }
        };
        if path.exists() && self.get(&sha).is_ok() {
            return Ok(sha);
        }
        let parent = path.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(parent).map_err(io(parent))?;
        let temporary = parent.join(format!(".{sha}.partial"));
        std::fs::write(&temporary, bytes).map_err(io(&temporary))?;
        std::fs::rename(&temporary, &path).map_err(io(&path))?;
        Ok(sha)
    }

    /// The recording named `sha`, checked against its name.
    pub fn get(&self, sha: &str) -> Result<Vec<u8>, AudioStoreError> {
        let path = self.path_of(sha)?;
        let bytes = std::fs::read(&path).map_err(|source| AudioStoreError::Io {
            path: path.clone(),
            source,
        })?;
        let actual = sha256_hex(&bytes);
        if actual != sha {
            return Err(AudioStoreError::Checksum {
                path,
                expected: sha.to_owned(),
                actual,
            });
        }
        Ok(bytes)
    }
}
