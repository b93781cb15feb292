//! Whole-store backups: one consistent copy, compressed, encrypted under a key the user
//! keeps, with a manifest; and restores that check the copy before putting it in place.
//!
//! A backup file is a sealed stream (`sealed`) whose plaintext is the layout's length
//! (4 bytes, big-endian) and the layout (JSON: format, engine, each file's name and size),
//! one zstd frame of the files the layout lists, in its order, then the manifest (JSON)
//! and its length (4 bytes). The files: the database copy (`chartroom.db`, the pages of
//! one SQLite snapshot; or `chartroom.pgdump`, `pg_dump`'s custom format) and the data
//! directory's own files (the audit key, the authenticator key, facility settings,
//! imported code sets, archived charts, and the content stores: scanned pages in
//! `documents/`, dictation audio in `audio/`, each file named by its SHA-256). The
//! manifest follows the files because their digests and the copy's checks are made while
//! they stream by, in one pass. (Format 1 put the whole manifest first and is still
//! restored.)
//!
//! Invariants:
//! - The backup is written beside its destination and renamed into place when complete:
//!   a backup file that exists is whole.
//! - A restore builds the new data directory beside its destination, checks it (SQLite's
//!   integrity and foreign-key checks, every table's rows against the manifest, the audit
//!   chain verified up to the manifest's head), and only then renames it into place; any
//!   failure removes it, so nothing is ever half restored.
//! - The live audit head and checkpoint files are not copied: the restored head is the
//!   manifest's, sealed again under the restored audit key.
//! - A content file is backed up and restored only when its bytes hash to its name, and
//!   only with every content file the copy's records name: a backup never carries a
//!   damaged scanned page or recording, nor restores records whose files stayed behind.

use crate::error::{Error, Result, file_error};
use crate::sealed::{BackupKey, OpenReader, SealWriter};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use store::{AuditTail, ContentRef, Location, SnapshotFacts, Store, TableCount};
use time::OffsetDateTime;

/// The manifest's format name.
pub const FORMAT: &str = "chartroom-backup 2";
/// The format before the manifest moved after the files; still restored.
const FORMAT_1: &str = "chartroom-backup 1";
const SQLITE_COPY: &str = "chartroom.db";
const PG_COPY: &str = "chartroom.pgdump";
/// The largest manifest a restore reads (a damaged length must not allocate gigabytes).
const MAX_MANIFEST: u32 = 64 << 20;

/// Which engine the copy came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// Embedded SQLite: the copy is a database file.
    Sqlite,
    /// PostgreSQL: the copy is a `pg_dump` custom-format archive.
    Postgres,
}

/// What a backup holds, written inside it before the data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `FORMAT`.
    pub format: String,
    /// When the backup was taken.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The Chartroom version that took it.
    pub chartroom_version: String,
    /// The engine the copy came from.
    pub backend: BackendKind,
    /// The schema version of the copy.
    pub schema_version: i64,
    /// Rows per table in the copy.
    pub counts: Vec<TableCount>,
    /// The audit chain's newest entry in the copy.
    pub audit_head: Option<AuditTail>,
    /// The files, in the order their bytes follow.
    pub files: Vec<FileEntry>,
    /// The content stores' files among them, per folder (absent from backups taken before
    /// they were counted).
    #[serde(default)]
    pub content: Vec<ContentCount>,
}

/// How many files (and bytes) of one content store a backup holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentCount {
    /// The folder (`documents`, `audio`).
    pub folder: String,
    /// Its files.
    pub files: u64,
    /// Their bytes.
    pub bytes: u64,
}

impl Manifest {
    /// Rows in the copy over every table.
    pub fn total_rows(&self) -> i64 {
        self.counts.iter().map(|c| c.rows).sum()
    }

    /// Rows of one table.
    pub fn rows_of(&self, table: &str) -> Option<i64> {
        self.counts
            .iter()
            .find(|c| c.table == table)
            .map(|c| c.rows)
    }
}

/// One file in a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Its path in the data directory, `/`-separated.
    pub name: String,
    /// Its size.
    pub bytes: u64,
    /// Its SHA-256 (hex).
    pub sha256: String,
}

/// What `backup` wrote.
#[derive(Debug, Clone)]
pub struct BackupReport {
    /// The manifest inside the file.
    pub manifest: Manifest,
    /// Bytes of the files before compression.
    pub plain_bytes: u64,
    /// Bytes of the backup file.
    pub file_bytes: u64,
}

/// Removes a path when dropped unless disarmed: temporary files and directories are never
/// left behind by a failure.
struct Cleanup(Option<PathBuf>);

impl Cleanup {
    fn disarm(&mut self) {
        self.0 = None;
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
        }
    }
}

fn sibling(path: &Path, tag: &str) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "chartroom".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.{tag}-{}", std::process::id()))
}

fn private_dir(path: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path).map_err(|e| file_error(path, &e))
}

fn private_file(path: &Path) -> Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(|e| file_error(path, &e))
}

/// Files of the data directory that belong in a backup beside the database copy: every
/// regular file except the live database and its journals, the audit head and checkpoint
/// (the manifest's head replaces them) and temporary files, at any depth (the content
/// stores write `.<sha>.partial` beside the file they become).
fn data_files(data_dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    fn skipped(name: &str) -> bool {
        name.starts_with(store::SQLITE_FILE)
            || name == store::AUDIT_HEAD_FILE
            || name == store::AUDIT_CHECKPOINT_FILE
    }
    fn temporary(name: &str) -> bool {
        name.starts_with('.') || name.ends_with(".tmp") || name.ends_with(".partial")
    }
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) -> Result<()> {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(file_error(dir, &e)),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| file_error(dir, &e))?;
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
        names.sort();
        for name in names {
            if temporary(&name) || (prefix.is_empty() && skipped(&name)) {
                continue;
            }
            let path = dir.join(&name);
            let meta = std::fs::symlink_metadata(&path).map_err(|e| file_error(&path, &e))?;
            let rel = format!("{prefix}{name}");
            if meta.is_dir() {
                walk(&path, &format!("{rel}/"), out)?;
            } else if meta.is_file() {
                out.push((rel, path));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(data_dir, "", &mut out)?;
    Ok(out)
}

/// The content folders (from the columns that name their files).
fn content_folders() -> impl Iterator<Item = &'static str> {
    let mut folders: Vec<&str> = store::CONTENT_COLUMNS.iter().map(|c| c.2).collect();
    folders.dedup();
    folders.into_iter()
}

/// The SHA-256 a content file's path names (`documents/ab/ab12...`), if it is one.
fn content_name(path: &str) -> Option<&str> {
    let (folder, rest) = path.split_once('/')?;
    let (shard, sha) = rest.split_once('/')?;
    (content_folders().any(|f| f == folder) && sha.starts_with(shard) && shard.len() == 2)
        .then_some(sha)
}

/// A content file whose bytes do not hash to its name, described for the person told.
fn damaged_content(entry: &FileEntry, digest: &str, where_: &str) -> Option<String> {
    let sha = content_name(&entry.name)?;
    (sha != digest).then(|| {
        format!(
            "{}: content file in {where_} is damaged: its bytes hash to {digest}, not to its name; put it back from an earlier backup",
            entry.name
        )
    })
}

/// Checks that every content file hashes to its name and that every file the records
/// name is there; counts the content files per folder.
fn check_content(
    files: &[FileEntry],
    named: &[ContentRef],
    where_: &str,
) -> std::result::Result<Vec<ContentCount>, Vec<String>> {
    let mut problems: Vec<String> = files
        .iter()
        .filter_map(|f| damaged_content(f, &f.sha256, where_))
        .collect();
    let listed: std::collections::HashSet<&str> = files.iter().map(|f| f.name.as_str()).collect();
    for reference in named {
        let path = reference.path();
        if !listed.contains(path.as_str()) {
            problems.push(format!(
                "{path}: the records name this content file but {where_} has none (a scanned document or recording without its file)"
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(content_folders()
        .map(|folder| {
            let prefix = format!("{folder}/");
            let (files, bytes) = files
                .iter()
                .filter(|f| f.name.starts_with(&prefix) && content_name(&f.name).is_some())
                .fold((0, 0), |(n, b), f| (n + 1, b + f.bytes));
            ContentCount {
                folder: folder.to_owned(),
                files,
                bytes,
            }
        })
        .collect())
}

/// Takes a backup of `store` (and of the files in `data_dir`) into `out`, which must not
/// exist, while writers go on.
///
/// One pass: the copy is read from the store's snapshot (`Store::stream_snapshot`) and
/// each byte is digested, compressed and sealed on its way to the file, while SQLite's
/// quick check and the copy's facts are read beside it from the same snapshot; a copy
/// that fails the check leaves no file behind.
pub fn backup(
    store: &Store,
    data_dir: &Path,
    out: &Path,
    key: &BackupKey,
    now: OffsetDateTime,
) -> Result<BackupReport> {
    if out.exists() {
        return Err(Error::Invalid(format!(
            "{} already exists; a backup never replaces a file",
            out.display()
        )));
    }
    let work = sibling(out, "snapshot");
    private_dir(&work)?;
    let _work_cleanup = Cleanup(Some(work.clone()));
    let (backend, copy_name) = match store.location() {
        Location::Postgres(_) => (BackendKind::Postgres, PG_COPY),
        _ => (BackendKind::Sqlite, SQLITE_COPY),
    };
    let copy = work.join(copy_name);
    let mut snapshot = store.stream_snapshot(&copy)?;
    let data = data_files(data_dir)?;
    let mut layout = Layout {
        format: FORMAT.into(),
        backend,
        files: vec![FileSize {
            name: copy_name.into(),
            bytes: snapshot.size(),
        }],
    };
    for (name, path) in &data {
        let bytes = std::fs::metadata(path)
            .map_err(|e| file_error(path, &e))?
            .len();
        layout.files.push(FileSize {
            name: name.clone(),
            bytes,
        });
    }
    let partial = sibling(out, "partial");
    let mut partial_cleanup = Cleanup(Some(partial.clone()));
    let writing = |e: Error| match e {
        Error::File { path, message } if path == "(stream)" => Error::File {
            path: partial.display().to_string(),
            message,
        },
        other => other,
    };
    let mut writer = BackupWriter::start(private_file(&partial)?, key, &layout).map_err(writing)?;
    let mut sizes = layout.files.iter();
    if let Some(size) = sizes.next() {
        writer.add(size, &mut snapshot, &copy).map_err(writing)?;
    }
    for ((_, path), size) in data.iter().zip(sizes) {
        let mut source = File::open(path).map_err(|e| file_error(path, &e))?;
        writer.add(size, &mut source, path).map_err(writing)?;
    }
    let (facts, problems) = snapshot.finish()?;
    if !problems.0.is_empty() {
        return Err(Error::NotBackedUp(problems.0));
    }
    let content = check_content(&writer.files, &facts.content, "the live data directory")
        .map_err(Error::NotBackedUp)?;
    let manifest = Manifest {
        format: FORMAT.into(),
        created_at: now,
        chartroom_version: env!("CARGO_PKG_VERSION").into(),
        backend,
        schema_version: facts.schema_version,
        counts: facts.counts,
        audit_head: facts.audit_tail,
        files: writer.files.clone(),
        content,
    };
    let plain_bytes = writer.finish(&manifest).map_err(writing)?;
    std::fs::rename(&partial, out).map_err(|e| file_error(out, &e))?;
    partial_cleanup.disarm();
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        // The rename is durable once the directory is synced.
        if let Ok(dir) = File::open(parent) {
            let _ = dir.sync_all();
        }
    }
    let file_bytes = std::fs::metadata(out)
        .map_err(|e| file_error(out, &e))?
        .len();
    Ok(BackupReport {
        manifest,
        plain_bytes,
        file_bytes,
    })
}

/// What a backup's first bytes say: its format, the engine of its copy and the files that
/// follow with their sizes. The digests and facts are only known once the files went by,
/// so they follow the files, in the manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Layout {
    format: String,
    backend: BackendKind,
    files: Vec<FileSize>,
}

/// A file's name and size, as the layout lists it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct FileSize {
    name: String,
    bytes: u64,
}

/// zstd's level for backups. Level 1, not zstd's default 3: at 100,000 patients (8.2 GB)
/// level 3's block search was most of the backup's processor time (perf: 45%), and on two
/// cores the backup is bound by it; level 1 keeps most of the ratio at about twice the speed.
const LEVEL: i32 = 1;

/// Writes a backup file's plaintext through the sealed stream: the layout, the files
/// (each digested on its way into the compressor), then the manifest.
struct BackupWriter {
    encoder: zstd::Encoder<'static, SealWriter<Flushed>>,
    files: Vec<FileEntry>,
    plain: u64,
    buf: Vec<u8>,
}

fn write_framed(out: &mut impl Write, json: &[u8]) -> Result<()> {
    let len = u32::try_from(json.len()).map_err(|e| Error::Manifest(e.to_string()))?;
    out.write_all(&len.to_be_bytes())?;
    out.write_all(json)?;
    Ok(())
}

impl BackupWriter {
    fn start(file: File, key: &BackupKey, layout: &Layout) -> Result<Self> {
        let json = serde_json::to_vec(layout).map_err(|e| Error::Manifest(e.to_string()))?;
        let mut sealed = SealWriter::new(Flushed::new(file)?, key)?;
        write_framed(&mut sealed, &json)?;
        let mut encoder = zstd::Encoder::new(sealed, LEVEL)?;
        encoder.include_checksum(true)?;
        // Compression runs on worker threads, one a core, while this thread reads and
        // digests the next bytes.
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        encoder.multithread(u32::try_from(workers).unwrap_or(1))?;
        Ok(Self {
            encoder,
            files: Vec::new(),
            plain: 0,
            buf: vec![0u8; 1 << 20],
        })
    }

    /// Digests and compresses exactly `size.bytes` bytes of `source` (`path` names it).
    fn add(&mut self, size: &FileSize, source: &mut dyn Read, path: &Path) -> Result<()> {
        let mut hasher = Sha256::new();
        let mut left = size.bytes;
        while left > 0 {
            let want = usize::try_from(left.min(self.buf.len() as u64)).unwrap_or(self.buf.len());
            let chunk = self.buf.get_mut(..want).unwrap_or_default();
            let n = source.read(chunk).map_err(|e| file_error(path, &e))?;
            if n == 0 {
                return Err(Error::File {
                    path: path.display().to_string(),
                    message: format!(
                        "shrank while being backed up ({} of {} bytes)",
                        size.bytes - left,
                        size.bytes
                    ),
                });
            }
            let read = chunk.get(..n).unwrap_or_default();
            hasher.update(read);
            self.encoder.write_all(read)?;
            left -= n as u64;
        }
        self.plain += size.bytes;
        self.files.push(FileEntry {
            name: size.name.clone(),
            bytes: size.bytes,
            sha256: hex::encode(hasher.finalize()),
        });
        Ok(())
    }

    /// Ends the compressed files, writes the manifest and its length, seals the final block
    /// and syncs the file; returns the bytes of the files.
    fn finish(self, manifest: &Manifest) -> Result<u64> {
        let json = serde_json::to_vec(manifest).map_err(|e| Error::Manifest(e.to_string()))?;
        let mut sealed = self.encoder.finish()?;
        sealed.write_all(&json)?;
        let len = u32::try_from(json.len()).map_err(|e| Error::Manifest(e.to_string()))?;
        sealed.write_all(&len.to_be_bytes())?;
        sealed.finish()?.finish()?;
        Ok(self.plain)
    }
}

/// The backup file, written through a buffer, with a thread that syncs what was written
/// so far once a second: the disk takes the file while it is being compressed, instead of
/// all of it in one sync at the end.
struct Flushed {
    out: BufWriter<File>,
    stop: Option<std::sync::mpsc::Sender<()>>,
    syncer: Option<std::thread::JoinHandle<()>>,
}

impl Flushed {
    fn new(file: File) -> Result<Self> {
        let shared = file.try_clone()?;
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let syncer = std::thread::spawn(move || {
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                stopped.recv_timeout(std::time::Duration::from_secs(1))
            {
                let _ = shared.sync_data();
            }
        });
        Ok(Self {
            out: BufWriter::with_capacity(1 << 20, file),
            stop: Some(stop),
            syncer: Some(syncer),
        })
    }

    /// Stops the syncing thread, then flushes and syncs the whole file.
    fn finish(mut self) -> Result<()> {
        self.stop_syncer();
        self.out.flush()?;
        self.out.get_ref().sync_all()?;
        Ok(())
    }

    fn stop_syncer(&mut self) {
        drop(self.stop.take());
        if let Some(syncer) = self.syncer.take() {
            let _ = syncer.join();
        }
    }
}

impl Drop for Flushed {
    fn drop(&mut self) {
        self.stop_syncer();
    }
}

impl Write for Flushed {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.out.write(data)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// Reads the manifest of a backup, checking the key, the first blocks and the last ones
/// only (the manifest follows the files).
pub fn inspect(path: &Path, key: &BackupKey) -> Result<Manifest> {
    let open = || -> Result<OpenReader<BufReader<File>>> {
        let file = File::open(path).map_err(|e| file_error(path, &e))?;
        OpenReader::new(BufReader::with_capacity(1 << 20, file), key)
    };
    let read = || -> Result<Manifest> {
        let mut reader = open()?;
        let (layout, lead) = read_layout(&mut reader)?;
        if layout.format == FORMAT_1 {
            return parse_manifest(&lead);
        }
        let len = tail_length(&open()?.tail(4)?)?;
        let tail = open()?.tail(len as usize + 4)?;
        let json = tail.get(..len as usize).unwrap_or_default();
        parse_manifest(json)
    };
    read().map_err(|e| locate(e, path))
}

fn locate(error: Error, path: &Path) -> Error {
    match error {
        Error::File { path: p, message } if p == "(stream)" => Error::File {
            path: path.display().to_string(),
            message,
        },
        other => other,
    }
}

fn read_framed(reader: &mut impl Read) -> Result<Vec<u8>> {
    let mut len = [0u8; 4];
    reader.read_exact(&mut len)?;
    let len = u32::from_be_bytes(len);
    if len > MAX_MANIFEST {
        return Err(Error::Manifest(format!("it claims {len} bytes")));
    }
    let mut json = vec![0u8; len as usize];
    reader.read_exact(&mut json)?;
    Ok(json)
}

/// The manifest's length from the last four bytes of a backup's plaintext.
fn tail_length(tail: &[u8]) -> Result<u32> {
    let bytes: [u8; 4] = tail
        .try_into()
        .map_err(|_| Error::Manifest("the backup ends before its manifest's length".into()))?;
    let len = u32::from_be_bytes(bytes);
    if len > MAX_MANIFEST {
        return Err(Error::Manifest(format!("it claims {len} bytes")));
    }
    Ok(len)
}

/// Reads the layout at the start of a backup (in a backup of format 1, the whole
/// manifest, which also names the backend and the files), and its JSON.
fn read_layout(reader: &mut impl Read) -> Result<(Layout, Vec<u8>)> {
    let json = read_framed(reader)?;
    let layout: Layout = parse_checked(&json, |l: &Layout| {
        (&l.format, l.files.iter().map(|f| f.name.as_str()).collect())
    })?;
    Ok((layout, json))
}

fn parse_manifest(json: &[u8]) -> Result<Manifest> {
    parse_checked(json, |m: &Manifest| {
        (&m.format, m.files.iter().map(|f| f.name.as_str()).collect())
    })
}

/// Parses a layout or manifest and checks its format and that its file names are plain
/// relative paths.
fn parse_checked<T: serde::de::DeserializeOwned>(
    json: &[u8],
    parts: impl Fn(&T) -> (&String, Vec<&str>),
) -> Result<T> {
    let value: T = serde_json::from_slice(json).map_err(|e| Error::Manifest(e.to_string()))?;
    let (format, names) = parts(&value);
    if format != FORMAT && format != FORMAT_1 {
        return Err(Error::Manifest(format!(
            "format {format:?}, expected {FORMAT:?}"
        )));
    }
    for name in names {
        check_name(name)?;
    }
    Ok(value)
}

fn check_name(name: &str) -> Result<()> {
    if safe_name(name) {
        Ok(())
    } else {
        Err(Error::Manifest(format!(
            "file name {name:?} is not a plain relative path"
        )))
    }
}

fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.contains('\\')
        && name
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

/// What `restore` put in place and checked.
#[derive(Debug, Clone)]
pub struct RestoreReport {
    /// The backup's manifest.
    pub manifest: Manifest,
    /// Tables whose rows matched the manifest.
    pub tables_checked: usize,
    /// Audit entries verified.
    pub audit_entries: u64,
}

fn check_target(new_dir: &Path) -> Result<()> {
    if let Ok(mut entries) = std::fs::read_dir(new_dir)
        && entries.next().is_some()
    {
        return Err(Error::Invalid(format!(
            "{} is not empty; a backup is restored into a new data directory",
            new_dir.display()
        )));
    }
    if new_dir.is_file() {
        return Err(Error::Invalid(format!(
            "{} is a file; a backup is restored into a new data directory",
            new_dir.display()
        )));
    }
    Ok(())
}

/// Opens the backup, reads its manifest and unpacks its files into a staging directory
/// beside `new_dir` (removed again when dropped unless disarmed).
fn unpack_beside(
    path: &Path,
    key: &BackupKey,
    new_dir: &Path,
    backend: BackendKind,
) -> Result<(Manifest, PathBuf, Cleanup)> {
    check_target(new_dir)?;
    let file = File::open(path).map_err(|e| file_error(path, &e))?;
    let mut reader = OpenReader::new(BufReader::with_capacity(1 << 20, file), key)?;
    let (layout, lead) = read_layout(&mut reader).map_err(|e| locate(e, path))?;
    if layout.backend != backend {
        return Err(Error::Invalid(match layout.backend {
            BackendKind::Postgres => "this backup is of a PostgreSQL store: restore it into a new database (--database URL)".into(),
            BackendKind::Sqlite => "this backup is of an embedded store: restore it into a new data directory (without --database)".into(),
        }));
    }
    let staging = sibling(new_dir, "restoring");
    private_dir(&staging)?;
    let cleanup = Cleanup(Some(staging.clone()));
    let manifest = unpack(reader, &layout, &lead, &staging).map_err(|e| locate(e, path))?;
    Ok((manifest, staging, cleanup))
}

fn put_in_place(staging: &Path, new_dir: &Path, mut cleanup: Cleanup) -> Result<()> {
    if new_dir.is_dir() {
        std::fs::remove_dir(new_dir).map_err(|e| file_error(new_dir, &e))?;
    }
    std::fs::rename(staging, new_dir).map_err(|e| file_error(new_dir, &e))?;
    cleanup.disarm();
    Ok(())
}

/// Restores the SQLite backup at `path` into the new data directory `new_dir` (absent or
/// empty), and checks it before it is put in place.
pub fn restore(path: &Path, key: &BackupKey, new_dir: &Path) -> Result<RestoreReport> {
    let (manifest, staging, cleanup) = unpack_beside(path, key, new_dir, BackendKind::Sqlite)?;
    let (facts, problems) = store::sqlite_file_facts(&staging.join(SQLITE_COPY))?;
    let mut failures = problems.0;
    failures.extend(compare(&manifest, &facts));
    if !failures.is_empty() {
        return Err(Error::Verification(failures));
    }
    let audit_entries = match &manifest.audit_head {
        Some(tail) => {
            let store = Store::open(
                &Location::DataDir(staging.clone()),
                std::sync::Arc::new(store::SystemClock),
            )?;
            verify_audit(tail, &staging, &store)?
        }
        None => 0,
    };
    put_in_place(&staging, new_dir, cleanup)?;
    Ok(RestoreReport {
        tables_checked: manifest.counts.len(),
        manifest,
        audit_entries,
    })
}

/// Restores the PostgreSQL backup at `path` into a new database (`url`; created here, it
/// must not exist) and its key files into the new data directory `key_dir`; checks the
/// rows and the audit chain, and drops the database again when a check fails.
pub fn restore_postgres(
    path: &Path,
    key: &BackupKey,
    url: &str,
    key_dir: &Path,
) -> Result<RestoreReport> {
    let (manifest, staging, cleanup) = unpack_beside(path, key, key_dir, BackendKind::Postgres)?;
    let dump = staging.join(PG_COPY);
    let mut audit_entries = 0;
    store::pg_restore_into_new_database(url, &dump, || {
        let store = Store::open(
            &Location::Postgres(url.to_owned()),
            std::sync::Arc::new(store::SystemClock),
        )?;
        let failures = compare(&manifest, &store.facts()?);
        if !failures.is_empty() {
            return Err(store::Error::Conflict(format!(
                "the restored copy failed its checks:\n  {}",
                failures.join("\n  ")
            )));
        }
        if let Some(tail) = &manifest.audit_head {
            audit_entries = verify_audit(tail, &staging, &store)
                .map_err(|e| store::Error::Conflict(e.to_string()))?;
        }
        Ok(())
    })?;
    std::fs::remove_file(&dump).map_err(|e| file_error(&dump, &e))?;
    put_in_place(&staging, key_dir, cleanup)?;
    Ok(RestoreReport {
        tables_checked: manifest.counts.len(),
        manifest,
        audit_entries,
    })
}

/// Unpacks the files the layout lists into `staging`, digesting each, then reads the
/// manifest after them and checks that it lists exactly those files with those digests.
fn unpack<R: Read>(
    reader: OpenReader<R>,
    layout: &Layout,
    lead: &[u8],
    staging: &Path,
) -> Result<Manifest> {
    let mut decoder = zstd::Decoder::new(reader)?.single_frame();
    let mut buf = vec![0u8; 1 << 20];
    let mut found = Vec::with_capacity(layout.files.len());
    for entry in &layout.files {
        let target = staging.join(&entry.name);
        if let Some(parent) = target.parent()
            && !parent.exists()
        {
            std::fs::create_dir_all(parent).map_err(|e| file_error(parent, &e))?;
        }
        let mut out = BufWriter::with_capacity(1 << 20, private_file(&target)?);
        let mut hasher = Sha256::new();
        let mut left = entry.bytes;
        while left > 0 {
            let want = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
            let chunk = buf.get_mut(..want).unwrap_or_default();
            let n = decoder.read(chunk)?;
            if n == 0 {
                return Err(Error::Verification(vec![format!(
                    "{} ends {left} bytes short of the {} the manifest lists",
                    entry.name, entry.bytes
                )]));
            }
            let read = chunk.get(..n).unwrap_or_default();
            hasher.update(read);
            out.write_all(read).map_err(|e| file_error(&target, &e))?;
            left -= n as u64;
        }
        let file = out
            .into_inner()
            .map_err(|e| file_error(&target, e.error()))?;
        file.sync_all().map_err(|e| file_error(&target, &e))?;
        found.push(FileEntry {
            name: entry.name.clone(),
            bytes: entry.bytes,
            sha256: hex::encode(hasher.finalize()),
        });
    }
    // The compressed files must end here.
    let mut extra = [0u8; 1];
    if decoder.read(&mut extra)? > 0 {
        return Err(Error::Verification(vec![
            "bytes follow the files the manifest lists".into(),
        ]));
    }
    // Then the manifest and its length (none in format 1, whose manifest came first), and
    // the sealed stream's final block.
    let mut rest = Vec::new();
    decoder
        .finish()
        .take(u64::from(MAX_MANIFEST) + 5)
        .read_to_end(&mut rest)?;
    let manifest = if layout.format == FORMAT_1 {
        if !rest.is_empty() {
            return Err(Error::Verification(vec![format!(
                "{} bytes follow the files the manifest lists",
                rest.len()
            )]));
        }
        parse_manifest(lead)?
    } else {
        let split = rest.len().saturating_sub(4);
        let len = tail_length(rest.get(split..).unwrap_or_default())?;
        if len as usize != split {
            return Err(Error::Manifest(format!(
                "it claims {len} bytes, the backup holds {split} after the files"
            )));
        }
        parse_manifest(rest.get(..split).unwrap_or_default())?
    };
    let mut failures = Vec::new();
    if manifest.backend != layout.backend {
        failures.push("the manifest names another engine than the backup's layout".into());
    }
    let listed: Vec<(&str, u64)> = manifest
        .files
        .iter()
        .map(|f| (f.name.as_str(), f.bytes))
        .collect();
    let unpacked: Vec<(&str, u64)> = found.iter().map(|f| (f.name.as_str(), f.bytes)).collect();
    if listed != unpacked {
        failures.push("the manifest lists other files than the backup holds".into());
    }
    for (entry, got) in manifest.files.iter().zip(&found) {
        if got.sha256 != entry.sha256 {
            failures.push(format!(
                "{}: SHA-256 {} is not the manifest's {}",
                entry.name, got.sha256, entry.sha256
            ));
        } else if let Some(problem) = damaged_content(entry, &got.sha256, "the backup") {
            failures.push(problem);
        }
    }
    if !failures.is_empty() {
        return Err(Error::Verification(failures));
    }
    Ok(manifest)
}

/// What differs between a restored copy's facts and its manifest.
fn compare(manifest: &Manifest, facts: &SnapshotFacts) -> Vec<String> {
    let mut failures = Vec::new();
    if facts.schema_version != manifest.schema_version {
        failures.push(format!(
            "schema version {} is not the manifest's {}",
            facts.schema_version, manifest.schema_version
        ));
    }
    for expected in &manifest.counts {
        match facts.counts.iter().find(|c| c.table == expected.table) {
            Some(found) if found.rows == expected.rows => {}
            Some(found) => failures.push(format!(
                "table {} holds {} rows, the manifest {}",
                expected.table, found.rows, expected.rows
            )),
            None => failures.push(format!("table {} is missing", expected.table)),
        }
    }
    for found in &facts.counts {
        if manifest.rows_of(&found.table).is_none() {
            failures.push(format!("table {} is not in the manifest", found.table));
        }
    }
    if let Err(problems) = check_content(&manifest.files, &facts.content, "the backup") {
        failures.extend(problems);
    }
    if facts.audit_tail != manifest.audit_head {
        failures.push(format!(
            "the audit log ends at {}, the manifest at {}",
            describe_tail(facts.audit_tail.as_ref()),
            describe_tail(manifest.audit_head.as_ref())
        ));
    }
    failures
}

fn describe_tail(tail: Option<&AuditTail>) -> String {
    tail.map_or_else(
        || "no entry".into(),
        |t| format!("entry {} ({} entries)", t.seq, t.entries),
    )
}

/// Seals the manifest's head under the restored audit key, then verifies the whole
/// chain up to it.
fn verify_audit(tail: &AuditTail, staging: &Path, store: &Store) -> Result<u64> {
    let key_path = staging.join(store::AUDIT_KEY_FILE);
    let key_bytes = std::fs::read(&key_path).map_err(|_| {
        Error::Verification(vec![format!(
            "the audit log has {} entries but the backup holds no audit key",
            tail.entries
        )])
    })?;
    let key = privacy::AuditKey::from_bytes(&key_bytes)
        .map_err(|e| Error::Verification(vec![format!("audit key: {e}")]))?;
    let mac = privacy::Mac::from_hex(&tail.mac).ok_or_else(|| {
        Error::Verification(vec![format!(
            "audit entry {}: its MAC is not hex",
            tail.seq
        )])
    })?;
    let head = privacy::Head { seq: tail.seq, mac };
    let head_path = staging.join(store::AUDIT_HEAD_FILE);
    let mut file = private_file(&head_path)?;
    file.write_all(head.to_text(&key).as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| file_error(&head_path, &e))?;
    let trail = store::AuditTrail::open(staging)?;
    let verdict = trail.verify(store)?;
    drop(trail);
    match verdict {
        Ok(verified) if verified.head.seq == tail.seq => Ok(verified.entries),
        Ok(verified) => Err(Error::Verification(vec![format!(
            "the audit chain verified to entry {}, not the manifest's {}",
            verified.head.seq, tail.seq
        )])),
        Err(tamper) => Err(Error::Verification(vec![format!("audit chain: {tamper}")])),
    }
}

#[cfg(test)]
mod tests;
