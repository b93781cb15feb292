//! Dictation audio kept under the data directory's `audio/`, each file named by its
//! SHA-256 (`audio/ab/abcdef...`), also when the records are in PostgreSQL: the shared
//! content-addressed store (`content_store`), which scanned documents use too.

pub use content_store::{
    ContentStore as AudioStore, ContentStoreError as AudioStoreError, sha256_hex,
};
use std::path::Path;

/// The audio folder of `data_dir`.
pub fn in_data_dir(data_dir: &Path) -> AudioStore {
    AudioStore::in_data_dir(data_dir, "audio", "audio")
}
