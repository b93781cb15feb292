//! Consistent copies of the whole store for backups, and the facts a restore checks them by.
//!
//! `Store::snapshot_to` writes one consistent copy while writers go on: SQLite's online
//! backup API from a connection of its own (WAL lets it read one snapshot beside the
//! writers); PostgreSQL's `pg_dump` on a snapshot exported from a REPEATABLE READ
//! transaction, so the counts and the audit tail read in that transaction describe
//! exactly what the dump holds.
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
use std::path::Path;

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
                sqlite_file_facts(dest).map(|(facts, _)| facts)
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

/// Reads the facts of a SQLite database file (read-only) and runs SQLite's integrity and
/// foreign-key checks on it.
pub fn sqlite_file_facts(path: &Path) -> Result<(SnapshotFacts, IntegrityProblems)> {
    crate::sqlite::read_file(path, |conn| {
        let facts = facts(conn)?;
        let mut problems = Vec::new();
        for row in conn.query("PRAGMA integrity_check", &[])? {
            match row.text(0) {
                Some("ok") => {}
                Some(text) => problems.push(format!("integrity check: {text}")),
                None => problems.push("integrity check: an unreadable answer".into()),
            }
        }
        for row in conn.query("PRAGMA foreign_key_check", &[])? {
            problems.push(format!(
                "foreign key: {} row {} refers to a missing {} row",
                row.text(0).unwrap_or("?"),
                row.int(1),
                row.text(2).unwrap_or("?"),
            ));
        }
        Ok((facts, IntegrityProblems(problems)))
    })
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
