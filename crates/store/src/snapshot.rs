//! Consistent copies of the whole store for backups, and the facts a restore checks them by.
//!
//! `Store::snapshot_to` writes one consistent copy while writers go on: SQLite's online
//! backup API from a connection of its own (WAL lets it read one snapshot beside the
//! writers); PostgreSQL's `pg_dump` on a snapshot exported from a REPEATABLE READ
//! transaction, so the counts and the audit tail read in that transaction describe
//! exactly what the dump holds.
//! `Store::stream_snapshot` reads one consistent copy without writing it anywhere first
//! (SQLite: the pages of one read snapshot, `sqlite::pages`), with the copy's facts and
//! SQLite's `quick_check` read beside it from the same snapshot.
//! `sqlite_file_facts` reads the same facts from a copied database file, with SQLite's
//! integrity and foreign-key checks, before anything opens it as a store (opening
//! migrates).
//!
//! Invariants:
//! - The live database is only read; the copy is written to a path the caller chose.
//! - Counts are of every table, by name in name order, so a copy and its original compare
//!   line by line.

use crate::conn::{Conn, Dialect};
use crate::error::{Error, Result};
use crate::{Backend, Store};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::Path;
use std::sync::mpsc;
use std::thread::JoinHandle;

/// What a consistent copy holds: its schema, rows per table and the audit chain's tail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotFacts {
    /// The applied schema version.
    pub schema_version: i64,
    /// Rows per table (every table, deleted records included), by table name.
    pub counts: Vec<TableCount>,
    /// The newest audit entry in the copy, if the log has any.
    pub audit_tail: Option<AuditTail>,
    /// The content files the copy's records name (scanned pages and their thumbnails,
    /// dictation audio), so a backup can check it carries each and a restore that each
    /// came back.
    pub content: Vec<ContentRef>,
}

/// A content file a record names: its folder of the data directory and its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ContentRef {
    /// The content store's folder (`documents`, `audio`).
    pub folder: String,
    /// The file's SHA-256 (its name).
    pub sha256: String,
}

impl ContentRef {
    /// Its path in the data directory, `/`-separated (`documents/ab/ab12...`), as a backup
    /// manifest lists it.
    pub fn path(&self) -> String {
        let shard = self.sha256.get(..2).unwrap_or_default();
        format!("{}/{shard}/{}", self.folder, self.sha256)
    }
}

/// The columns naming content files, by table, with the folder they are kept in. Records
/// name their files by SHA-256 only; this is where the names lead.
pub const CONTENT_COLUMNS: &[(&str, &str, &str)] = &[
    ("scanned_documents", "content_sha256", "documents"),
    ("scanned_documents", "thumbnail_sha256", "documents"),
    ("dictations", "audio_sha256", "audio"),
];

/// The number of rows in one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableCount {
    /// The table.
    pub table: String,
    /// Its rows.
    pub rows: i64,
}

/// The newest audit entry of a copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditTail {
    /// Its sequence number.
    pub seq: i64,
    /// Its MAC (64 hex digits).
    pub mac: String,
    /// Entries in the log.
    pub entries: i64,
}

/// What SQLite's own checks found wrong in a database file (empty when it is sound).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntegrityProblems(pub Vec<String>);

impl Store {
    /// Writes a consistent copy of the whole store to `dest` (which must not exist) and
    /// returns what the copy holds: a SQLite database file for an embedded store, a
    /// `pg_dump` custom-format archive for PostgreSQL. Writers go on meanwhile.
    pub fn snapshot_to(&self, dest: &Path) -> Result<SnapshotFacts> {
        if dest.exists() {
            return Err(Error::Conflict(format!(
                "{} already exists; a snapshot is never written over a file",
                dest.display()
            )));
        }
        match &self.backend {
            Backend::Sqlite(db) => {
                db.backup_to(dest)?;
                crate::sqlite::read_file(dest, facts)
            }
            Backend::Postgres(db) => {
                let url = match &self.location {
                    crate::Location::Postgres(url) => url.clone(),
                    _ => return Err(Error::Database("not a PostgreSQL store".into())),
                };
                db.read_snapshot(|conn| {
                    let id = conn
                        .query_one("SELECT pg_export_snapshot()", &[])?
                        .and_then(|row| row.text(0).map(str::to_owned))
                        .ok_or_else(|| Error::Database("pg_export_snapshot gave nothing".into()))?;
                    crate::pg_dump::dump(&url, &id, dest)?;
                    facts(conn)
                })
            }
        }
    }

    /// What the store holds now (counts of every table, schema, audit tail), read in one
    /// snapshot.
    pub fn facts(&self) -> Result<SnapshotFacts> {
        match &self.backend {
            Backend::Sqlite(db) => db.read_beside(facts),
            Backend::Postgres(db) => db.read_snapshot(facts),
        }
    }
}

/// Which of SQLite's own checks run on a copy.
#[derive(Clone, Copy)]
enum Check {
    /// `quick_check`: every page and record well formed, without matching indexes to their
    /// tables (about half the time of the full check); a backup runs it.
    Quick,
    /// `integrity_check` and `foreign_key_check`; a restore runs them before anything
    /// opens the copy.
    Full,
}

fn checked_facts(conn: &mut dyn Conn, check: Check) -> Result<(SnapshotFacts, IntegrityProblems)> {
    let facts = facts(conn)?;
    let mut problems = Vec::new();
    let (pragma, name) = match check {
        Check::Quick => ("PRAGMA quick_check", "quick check"),
        Check::Full => ("PRAGMA integrity_check", "integrity check"),
    };
    for row in conn.query(pragma, &[])? {
        match row.text(0) {
            Some("ok") => {}
            Some(text) => problems.push(format!("{name}: {text}")),
            None => problems.push(format!("{name}: an unreadable answer")),
        }
    }
    if let Check::Full = check {
        for row in conn.query("PRAGMA foreign_key_check", &[])? {
            problems.push(format!(
                "foreign key: {} row {} refers to a missing {} row",
                row.text(0).unwrap_or("?"),
                row.int(1),
                row.text(2).unwrap_or("?"),
            ));
        }
    }
    Ok((facts, IntegrityProblems(problems)))
}

/// Reads the facts of a SQLite database file (read-only) and runs SQLite's integrity and
/// foreign-key checks on it.
pub fn sqlite_file_facts(path: &Path) -> Result<(SnapshotFacts, IntegrityProblems)> {
    crate::sqlite::read_file(path, |conn| checked_facts(conn, Check::Full))
}

type CheckResult = Result<(SnapshotFacts, IntegrityProblems)>;

/// One consistent copy of the whole store, read as a stream (`Read`), and what it holds.
///
/// SQLite: the pages of one read snapshot, while the snapshot's facts and SQLite's
/// `quick_check` are read beside it on a thread of their own from the same snapshot;
/// `finish` hands them over. (A SQLite built without `sqlite_dbpage`, or an in-memory
/// store, is first copied to the scratch path with the online backup API and checked
/// there.) PostgreSQL: `pg_dump`'s archive in the scratch path and the facts of its
/// snapshot; the dump itself is checked by `pg_restore` on the way back.
pub struct SnapshotStream {
    bytes: u64,
    source: Source,
    checks: Option<Checks>,
}

enum Source {
    Pages {
        chunks: mpsc::Receiver<Result<Vec<u8>>>,
        chunk: Vec<u8>,
        pos: usize,
        thread: Option<JoinHandle<()>>,
    },
    File(std::fs::File),
}

enum Checks {
    Running {
        thread: JoinHandle<CheckResult>,
        interrupt: Option<rusqlite::InterruptHandle>,
    },
    Done(SnapshotFacts),
}

impl SnapshotStream {
    /// The copy's size in bytes.
    pub fn size(&self) -> u64 {
        self.bytes
    }

    /// Waits for the checks of the copy and returns its facts and what SQLite's quick
    /// check found wrong (empty when sound; always empty for PostgreSQL).
    pub fn finish(mut self) -> CheckResult {
        if let Source::Pages { thread, .. } = &mut self.source
            && let Some(thread) = thread.take()
        {
            let _ = thread.join();
        }
        match self.checks.take() {
            Some(Checks::Running { thread, .. }) => thread.join().map_err(|_| {
                Error::Database("the snapshot's checks stopped unexpectedly".into())
            })?,
            Some(Checks::Done(facts)) => Ok((facts, IntegrityProblems::default())),
            None => Err(Error::Database("the snapshot was already finished".into())),
        }
    }
}

impl Drop for SnapshotStream {
    fn drop(&mut self) {
        // Abandoned (the backup failed): stop the checks rather than wait for them.
        if let Some(Checks::Running {
            interrupt: Some(interrupt),
            ..
        }) = &self.checks
        {
            interrupt.interrupt();
        }
    }
}

impl Read for SnapshotStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match &mut self.source {
            Source::File(file) => file.read(buf),
            Source::Pages {
                chunks, chunk, pos, ..
            } => {
                while *pos == chunk.len() {
                    match chunks.recv() {
                        Ok(Ok(next)) => {
                            *chunk = next;
                            *pos = 0;
                        }
                        Ok(Err(error)) => return Err(std::io::Error::other(error.to_string())),
                        // The reader is done: every page was sent.
                        Err(_) => return Ok(0),
                    }
                }
                let rest = chunk.get(*pos..).unwrap_or_default();
                let n = buf.len().min(rest.len());
                buf.get_mut(..n)
                    .unwrap_or_default()
                    .copy_from_slice(rest.get(..n).unwrap_or_default());
                *pos += n;
                Ok(n)
            }
        }
    }
}

impl Store {
    /// One consistent copy of the whole store as a stream, while writers go on; `scratch`
    /// (which must not exist) is where a copy is written when one has to be (PostgreSQL's
    /// dump; SQLite without `sqlite_dbpage`). The caller removes it.
    pub fn stream_snapshot(&self, scratch: &Path) -> Result<SnapshotStream> {
        let file = |path: &Path| {
            let file = std::fs::File::open(path).map_err(|e| Error::Open {
                location: path.display().to_string(),
                message: e.to_string(),
            })?;
            let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
            Ok::<_, Error>((bytes, Source::File(file)))
        };
        match &self.backend {
            Backend::Sqlite(db) => {
                if let Some(stream) = db.stream_pages(|conn| checked_facts(conn, Check::Quick))? {
                    return Ok(SnapshotStream {
                        bytes: stream.bytes,
                        source: Source::Pages {
                            chunks: stream.chunks,
                            chunk: Vec::new(),
                            pos: 0,
                            thread: Some(stream.pages),
                        },
                        checks: Some(Checks::Running {
                            thread: stream.checks,
                            interrupt: Some(stream.interrupt),
                        }),
                    });
                }
                if scratch.exists() {
                    return Err(Error::Conflict(format!(
                        "{} already exists; a snapshot is never written over a file",
                        scratch.display()
                    )));
                }
                db.backup_to(scratch)?;
                let (bytes, source) = file(scratch)?;
                let copy = scratch.to_owned();
                let thread = std::thread::spawn(move || {
                    crate::sqlite::read_file(&copy, |conn| checked_facts(conn, Check::Quick))
                });
                Ok(SnapshotStream {
                    bytes,
                    source,
                    checks: Some(Checks::Running {
                        thread,
                        interrupt: None,
                    }),
                })
            }
            Backend::Postgres(_) => {
                let facts = self.snapshot_to(scratch)?;
                let (bytes, source) = file(scratch)?;
                Ok(SnapshotStream {
                    bytes,
                    source,
                    checks: Some(Checks::Done(facts)),
                })
            }
        }
    }
}

fn facts(conn: &mut dyn Conn) -> Result<SnapshotFacts> {
    // Read without `migrate::current_version`, which creates the table when missing and
    // so cannot run in a read-only transaction.
    let schema_version = conn
        .query_one(
            "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM schema_migrations",
            &[],
        )?
        .map_or(0, |row| row.int(0));
    let list = match conn.dialect() {
        Dialect::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        Dialect::Postgres => {
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        }
    };
    let tables: Vec<String> = conn
        .query(list, &[])?
        .iter()
        .filter_map(|row| row.text(0).map(str::to_owned))
        .collect();
    let mut counts = Vec::with_capacity(tables.len());
    for table in tables {
        // Table names come from the catalogue, quoted, never from input.
        let sql = format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM \"{}\"",
            table.replace('"', "\"\"")
        );
        let rows = conn.query_one(&sql, &[])?.map_or(0, |row| row.int(0));
        counts.push(TableCount { table, rows });
    }
    let audit_tail = conn
        .query_one(
            "SELECT seq, mac, (SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log) FROM audit_log ORDER BY seq DESC LIMIT 1",
            &[],
        )?
        .map(|row| AuditTail {
            seq: row.int(0),
            mac: row.text(1).unwrap_or_default().to_owned(),
            entries: row.int(2),
        });
    let mut content = Vec::new();
    for (table, column, folder) in CONTENT_COLUMNS {
        // A copy from before the table's migration names none.
        if !counts.iter().any(|c| c.table == *table) {
            continue;
        }
        let sql = format!("SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL");
        for row in conn.query(&sql, &[])? {
            if let Some(sha) = row.text(0) {
                content.push(ContentRef {
                    folder: (*folder).to_owned(),
                    sha256: sha.to_owned(),
                });
            }
        }
    }
    content.sort();
    content.dedup();
    Ok(SnapshotFacts {
        schema_version,
        counts,
        audit_tail,
        content,
    })
}
