//! Files kept under a folder of the data directory, each named by its SHA-256
//! (`<folder>/ab/abcdef...`), also when the records are in PostgreSQL: dictation audio
//! (`audio/`, crate `transcription`) and scanned documents (`documents/`, crate
//! `documents`) share this one store.
//!
//! Invariants:
//! - A file is written to a temporary name, synced and renamed into place, so a reader
//!   never sees half a file; the same content put twice is one file.
//! - Every read recomputes the SHA-256 and refuses a file that no longer matches its name.
//! - Names are 64 lower-case hex digits, so a name never leaves the folder.

use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why content could not be kept or read back.
#[derive(Debug, Error)]
pub enum ContentStoreError {
    /// The file system refused.
    #[error("{what} file {path}: {source}")]
    Io {
        /// What the store keeps ("audio", "document").
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file changed since it was stored.
    #[error(
        "{what} file {path} fails its checksum: it should have SHA-256 {expected} but has {actual}; restore it from a backup"
    )]
    Checksum {
        /// What the store keeps.
        what: &'static str,
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

/// One content-addressed folder.
#[derive(Debug, Clone)]
pub struct ContentStore {
    dir: PathBuf,
    what: &'static str,
}

/// SHA-256 of `bytes` as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Whether `text` is a SHA-256 as this store names files (64 lower-case hex digits).
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl ContentStore {
    /// The store in `data_dir/folder`, keeping `what` ("audio", "document"; named in errors).
    pub fn in_data_dir(data_dir: &Path, folder: &str, what: &'static str) -> Self {
        Self {
            dir: data_dir.join(folder),
            what,
        }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_of(&self, sha: &str) -> Result<PathBuf, ContentStoreError> {
        if !is_sha256_hex(sha) {
            return Err(ContentStoreError::BadName(sha.to_owned()));
        }
        Ok(self.dir.join(&sha[..2]).join(sha))
    }

    fn io(&self, path: &Path) -> impl FnOnce(std::io::Error) -> ContentStoreError + use<> {
        let (what, path) = (self.what, path.to_owned());
        move |source| ContentStoreError::Io { what, path, source }
    }

    /// Keeps `bytes` and returns their SHA-256 (the file's name).
    pub fn put(&self, bytes: &[u8]) -> Result<String, ContentStoreError> {
        let sha = sha256_hex(bytes);
        let path = self.path_of(&sha)?;
        if path.exists() && self.get(&sha).is_ok() {
            return Ok(sha);
        }
        let parent = path.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(parent).map_err(self.io(parent))?;
        let temporary = parent.join(format!(".{sha}.partial"));
        let mut file = std::fs::File::create(&temporary).map_err(self.io(&temporary))?;
        file.write_all(bytes).map_err(self.io(&temporary))?;
        file.sync_all().map_err(self.io(&temporary))?;
        drop(file);
        std::fs::rename(&temporary, &path).map_err(self.io(&path))?;
        Ok(sha)
    }

    /// The content named `sha`, checked against its name.
    pub fn get(&self, sha: &str) -> Result<Vec<u8>, ContentStoreError> {
        let path = self.path_of(sha)?;
        let bytes = std::fs::read(&path).map_err(self.io(&path))?;
        let actual = sha256_hex(&bytes);
        if actual != sha {
            return Err(ContentStoreError::Checksum {
                what: self.what,
                path,
                expected: sha.to_owned(),
                actual,
            });
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_kept_once_by_its_sha256_and_checked_on_every_read()
    -> Result<(), ContentStoreError> {
        let dir = tempfile::tempdir().map_err(|source| ContentStoreError::Io {
            what: "test",
            path: PathBuf::new(),
            source,
        })?;
        let store = ContentStore::in_data_dir(dir.path(), "things", "thing");
        let sha = store.put(b"page one")?;
        assert_eq!(sha, sha256_hex(b"page one"));
        assert_eq!(store.put(b"page one")?, sha);
        assert_eq!(store.get(&sha)?, b"page one");
        let path = dir.path().join("things").join(&sha[..2]).join(&sha);
        std::fs::write(&path, b"page two").map_err(|source| ContentStoreError::Io {
            what: "test",
            path: path.clone(),
            source,
        })?;
        let err = store.get(&sha).err();
        assert!(
            matches!(
                &err,
                Some(ContentStoreError::Checksum { what: "thing", .. })
            ),
            "{err:?}"
        );
        assert!(err.is_some_and(|e| e.to_string().starts_with("thing file ")));
        // Putting the content again repairs the file.
        assert_eq!(store.put(b"page one")?, sha);
        assert_eq!(store.get(&sha)?, b"page one");
        assert!(matches!(
            store.get("../../etc/passwd"),
            Err(ContentStoreError::BadName(_))
        ));
        Ok(())
    }
}
