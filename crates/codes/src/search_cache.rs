//! The built ICD-10-CM search index kept on disk, so a command-line search reads it instead
//! of building it again (about a second and a half of CPU) on every call.
//!
//! Layout: `<data dir>/cache/search-icd10cm-<release>.bin`, one file per release: a header
//! of 40 bytes — the magic `CHRTSRCH`, the cache [`FORMAT`] (u32), 4 reserved bytes, the key
//! (u64: what the index was built from), the payload's length (u64), a CRC-32 of everything
//! but itself (u32), 4 reserved bytes — then the index as [`SearchIndex::encode`] writes it.
//! All numbers little-endian.
//!
//! Invariants:
//! - Written once, atomically: a temporary file beside it, synced, then renamed over it, so
//!   a reader sees the old file or the new one, never half of one.
//! - Never trusted blindly: a file of another format or key (a new release file, a new
//!   Alphabetic Index, different search code: see [`key`]) is replaced quietly; a file cut
//!   short, with a checksum that does not match, or whose arrays do not fit together is
//!   damaged: it is rebuilt and replaced, and the caller gets a message saying so.
//! - The cache only saves time: a file that cannot be written is a message, and the search
//!   answers from the index built in memory.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::search::SearchIndex;

/// The cache format; bump when the header or [`SearchIndex::encode`] changes.
pub(crate) const FORMAT: u32 = 1;

/// The data directory's folder for caches.
pub const CACHE_DIR: &str = "cache";

const MAGIC: &[u8; 8] = b"CHRTSRCH";
const HEADER: usize = 40;
/// Where the CRC sits in the header.
const CRC_AT: usize = 32;

/// The code and data an ICD-10-CM search index is built from besides the release itself:
/// a change to any of them changes the key, so a cache built by another version of
/// Chartroom is never read.
const BUILDER_SOURCES: &[&str] = &[
    include_str!("search.rs"),
    include_str!("search/words.rs"),
    include_str!("cm_search.rs"),
    include_str!("crossref.rs"),
    include_str!("index.rs"),
    include_str!("lay.rs"),
    include_str!("cm/mod.rs"),
    include_str!("cm/pack.rs"),
    include_str!("../../../data/codes/lay-terms.tsv"),
];

/// What happened to the cache on a load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Read from the file.
    Read,
    /// There was none: built and written.
    Written,
    /// Built from other files or by another version: rebuilt and replaced.
    Replaced,
    /// Damaged (why): never used; rebuilt and replaced.
    Rebuilt(String),
    /// Built, but the file could not be written (why).
    NotWritten(String),
}

/// The key of an index built from a release (its fingerprint: a CRC-32 and the length of
/// its processed text) and the Alphabetic Index's file, folded with [`BUILDER_SOURCES`] and
/// [`FORMAT`].
pub(crate) fn key(release: u64, index_bytes: &[u8]) -> u64 {
    let mut h = crc32fast::Hasher::new();
    h.update(&FORMAT.to_le_bytes());
    for s in BUILDER_SOURCES {
        h.update(&(s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    }
    h.update(&(index_bytes.len() as u64).to_le_bytes());
    h.update(index_bytes);
    release ^ u64::from(h.finalize()).rotate_left(16)
}

/// The cache file of an ICD-10-CM release in `dir`.
pub(crate) fn path(dir: &Path, release: &str) -> PathBuf {
    let safe: String = release
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(format!("search-icd10cm-{safe}.bin"))
}

/// Reads the index for `key` from `file`, or builds it with `build` and writes it.
pub(crate) fn load_or_build(
    file: &Path,
    key: u64,
    build: impl FnOnce() -> SearchIndex,
) -> (SearchIndex, CacheOutcome) {
    let reason = match std::fs::File::open(file) {
        Ok(f) => match read(f, key) {
            Ok(index) => return (index, CacheOutcome::Read),
            Err(Problem::Stale) => CacheOutcome::Replaced,
            Err(Problem::Damaged(why)) => CacheOutcome::Rebuilt(format!(
                "the search cache {} was damaged ({why}); rebuilt",
                file.display()
            )),
            Err(Problem::Unreadable(e)) => {
                return (
                    build(),
                    CacheOutcome::NotWritten(format!("reading {}: {e}", file.display())),
                );
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => CacheOutcome::Written,
        Err(e) => {
            return (
                build(),
                CacheOutcome::NotWritten(format!("reading {}: {e}", file.display())),
            );
        }
    };
    let index = build();
    match write(file, key, &index) {
        Ok(()) => (index, reason),
        Err(e) => (
            index,
            CacheOutcome::NotWritten(format!(
                "the search cache {} could not be written: {e}",
                file.display()
            )),
        ),
    }
}

enum Problem {
    /// Another format or key: replace quietly.
    Stale,
    /// Not to be trusted, with why.
    Damaged(&'static str),
    /// The file could not be read (permissions, a device error): left alone.
    Unreadable(std::io::Error),
}

/// A reader that keeps the CRC-32 of what passes through it.
struct Crc<R> {
    from: R,
    crc: crc32fast::Hasher,
}

impl<R: std::io::Read> std::io::Read for Crc<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.from.read(buf)?;
        self.crc.update(buf.get(..n).unwrap_or_default());
        Ok(n)
    }
}

fn le_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le_u64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// The CRC of a file: everything but the CRC itself.
fn checksum(file: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(file.get(..CRC_AT).unwrap_or_default());
    h.update(file.get(CRC_AT + 4..).unwrap_or_default());
    h.finalize()
}

/// Reads the index from a cache file in one pass: the header, then the sections straight
/// into the index's arrays while the checksum is taken. Nothing read is trusted until the
/// checksum matches; then a file of another key is stale, and sections that do not fit
/// together are damage the checksum could not see.
fn read(file: std::fs::File, key: u64) -> Result<SearchIndex, Problem> {
    use std::io::Read;
    let len = file.metadata().map_err(Problem::Unreadable)?.len();
    let mut from = Crc {
        from: std::io::BufReader::with_capacity(1 << 16, file),
        crc: crc32fast::Hasher::new(),
    };
    let mut header = [0u8; HEADER];
    if len < HEADER as u64 {
        return Err(Problem::Damaged("not a search cache file"));
    }
    from.read_exact(&mut header).map_err(Problem::Unreadable)?;
    if header.get(..8) != Some(&MAGIC[..]) {
        return Err(Problem::Damaged("not a search cache file"));
    }
    if le_u32(&header, 8) != Some(FORMAT) {
        return Err(Problem::Stale);
    }
    if le_u64(&header, 24) != Some(len - HEADER as u64) {
        return Err(Problem::Damaged("its length is not the one written"));
    }
    // The header was hashed with its CRC field; the checksum leaves that out.
    from.crc = crc32fast::Hasher::new();
    from.crc.update(header.get(..CRC_AT).unwrap_or_default());
    from.crc
        .update(header.get(CRC_AT + 4..).unwrap_or_default());
    let index = SearchIndex::read_from(&mut from, len - HEADER as u64);
    // What the sections did not take is still part of the checksum.
    std::io::copy(&mut from, &mut std::io::sink()).map_err(Problem::Unreadable)?;
    if le_u32(&header, CRC_AT) != Some(from.crc.finalize()) {
        return Err(Problem::Damaged("checksum mismatch"));
    }
    if le_u64(&header, 16) != Some(key) {
        return Err(Problem::Stale);
    }
    index.ok_or(Problem::Damaged("its sections do not fit together"))
}

fn write(file: &Path, key: u64, index: &SearchIndex) -> std::io::Result<()> {
    let payload = index.encode();
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&key.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&payload);
    drop(payload);
    let crc = checksum(&out);
    if let Some(slot) = out.get_mut(CRC_AT..CRC_AT + 4) {
        slot.copy_from_slice(&crc.to_le_bytes());
    }
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        file.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("search"),
        std::process::id()
    ));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&out)?;
        f.sync_all()?;
        std::fs::rename(&tmp, file)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}
