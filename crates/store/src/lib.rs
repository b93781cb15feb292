//! Chartroom's storage: the only crate that speaks SQL.
//!
//! One repository API (`Store`, `Tx`) over two backends: embedded SQLite (the default, a
//! data directory and no setup) and PostgreSQL (selected by a `postgres://` URL). The same
//! test suite runs against both.
//!
//! Invariants:
//! - Every write happens inside `Store::write`, one transaction: it commits whole or not at all.
//! - Records are never physically deleted by the application; deletes are soft, with a reason,
//!   and every change keeps its old and new values in `record_history`.
//! - Repository SQL is written once with `?` placeholders and only features both engines share;
//!   dialect differences live in `migrations/` and the backend modules.
//! - Time comes from the `Clock` the store was opened with, never from the system directly.

mod accounts;
mod amendments;
mod archival;
mod audit;
mod audit_anchor;
mod audit_head;
mod audit_lookup;
mod audit_patient_writes;
mod audit_report;
mod audit_writes;
mod balances;
mod chart_relabel;
mod chart_requests;
mod chart_volumes;
mod clock;
mod conn;
mod destruction;
mod error;
mod filter;
mod history;
mod hl7_outbox;
mod holds;
mod many;
mod migrate;
mod notes;
pub use migrate::latest_version;
mod patient_fuzzy;
mod patient_index;
mod patient_merge;
mod patient_overlay;
mod patients;
mod pg_dump;
mod postgres;
mod private_file;
mod projection;
mod registration;
mod registry_messages;
mod row_de;
mod security;
mod snapshot;
mod sqlite;
pub use sqlite::Durability;
mod stats;
mod table;
mod tables;
mod tx;
mod value;
mod x12_control;

pub use accounts::account_json;
pub use amendments::{Amendment, AmendmentDecision};
pub use archival::{ArchivedChart, Cell, ChartRows, TableRows, decode_chart};
pub use audit::{
    AUDIT_CHECKPOINT_FILE, AUDIT_HEAD_FILE, AUDIT_KEY_FILE, AuditFilter, AuditTrail, Audited,
    random_bytes,
};
pub use audit_anchor::create_anchor_file;
pub use audit_patient_writes::PatientWrites;
pub use audit_report::{AuditPage, AuditPageRows, AuditSort};
pub use audit_writes::{WriteNote, WritesSummary, writes_for_patient};
pub use chart_relabel::Relabel;
pub use chart_requests::{ChartRequest, PullLine, RequestFilter};
pub use chart_volumes::{ChartMovement, ChartVolume};
pub use clock::{Clock, FixedClock, SystemClock};
pub use conn::Dialect;
pub use destruction::DestructionRequest;
pub use error::{Error, Result};
pub use filter::{Filter, Op, Sort, fold_name};
pub use history::{FieldChange, HistoryEntry};
pub use hl7_outbox::{OutboxAttempt, OutboxItem};
pub use holds::{HoldRelease, LegalHold, NewHold};
pub use patient_index::{
    CandidatePair, DecisionRecord, FoundPair, IndexFigures, PairDecision, SavedModel, SavedPairs,
};
pub use patient_merge::{MergeRecord, NOT_MOVED, chart_tables};
pub use patient_overlay::{OverlayDecision, OverlayFlag};
pub use patients::{PatientQuery, PatientSummary};
pub use pg_dump::restore_into_new_database as pg_restore_into_new_database;
pub use postgres::redact_url;
pub use private_file::{TOTP_KEY_FILE, key_in, secure_data_dir};
pub use registration::Likeness;
pub use registry_messages::{NewRegistryMessage, RegistryAttempt, RegistryMessage};
pub use security::{
    ApiToken, GrantReview, NewUser, Security, SessionRecord, StoredGrant, User, check_username,
    normalize_username,
};
pub use snapshot::{
    AuditTail, CONTENT_COLUMNS, ContentRef, IntegrityProblems, SnapshotFacts, SnapshotStream,
    TableCount, sqlite_file_facts,
};
pub use stats::{AccountBalance, Stats};
pub use table::{ColType, Column, Table};
pub use tx::{Actor, Deletion, Meta, Stored, Tx};
pub use value::{Row, Value};
pub use x12_control::{ControlKind, MAX_CONTROL_NUMBER};

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The file name of the SQLite database inside a data directory.
pub const SQLITE_FILE: &str = "chartroom.db";

/// Where the records live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A data directory holding an embedded SQLite database.
    DataDir(PathBuf),
    /// A private in-memory SQLite database (tests, benchmarks).
    Memory,
    /// A PostgreSQL URL.
    Postgres(String),
}

impl Location {
    /// Reads `postgres://…`/`postgresql://…` as PostgreSQL, `:memory:` as in-memory, and
    /// anything else as a data directory path.
    pub fn parse(text: &str) -> Self {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Self::Postgres(text.to_owned())
        } else if text == ":memory:" {
            Self::Memory
        } else {
            Self::DataDir(PathBuf::from(text.strip_prefix("sqlite:").unwrap_or(text)))
        }
    }

    /// The location for messages (passwords removed).
    pub fn label(&self) -> String {
        match self {
            Self::DataDir(dir) => dir.join(SQLITE_FILE).display().to_string(),
            Self::Memory => ":memory:".into(),
            Self::Postgres(url) => redact_url(url),
        }
    }
}

enum Backend {
    Sqlite(Box<sqlite::SqliteDb>),
    Postgres(Box<postgres::PgDb>),
}

/// An open records store.
pub struct Store {
    backend: Backend,
    clock: Arc<dyn Clock>,
    location: Location,
    /// The threads whose plain `write`s are audited, and as whom (`audit_writes`).
    write_audit: std::sync::Mutex<Vec<(std::thread::ThreadId, WriteAudit)>>,
}

/// Who the writes of plain transactions are audited as (`Store::audit_writes`).
#[derive(Clone)]
struct WriteAudit {
    trail: Arc<AuditTrail>,
    template: privacy::AuditEvent,
    /// Creates sealed by their digest alone (`audit_writes_by_digest`).
    digests_only: bool,
}

impl Store {
    /// Opens the store at `location`, creating the data directory and applying pending
    /// migrations.
    pub fn open(location: &Location, clock: Arc<dyn Clock>) -> Result<Self> {
        Self::open_with(location, clock, Durability::default())
    }

    /// `open` with the embedded database's commit durability chosen (`Durability`); a
    /// PostgreSQL store is as durable as its server's `synchronous_commit`.
    pub fn open_with(
        location: &Location,
        clock: Arc<dyn Clock>,
        durability: Durability,
    ) -> Result<Self> {
        let backend = match location {
            Location::DataDir(dir) => {
                private_file::secure_and_warn(dir)?;
                let path = dir.join(SQLITE_FILE);
                // Created here, 0600, so SQLite (and its -wal and -shm, which take the
                // database's mode) never makes it readable by others.
                match private_file::create_new(&path) {
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                    Err(e) => {
                        return Err(Error::Open {
                            location: path.display().to_string(),
                            message: format!("cannot create the database: {e}"),
                        });
                    }
                }
                Backend::Sqlite(Box::new(sqlite::SqliteDb::open(&path, durability)?))
            }
            Location::Memory => Backend::Sqlite(Box::new(sqlite::SqliteDb::open_in_memory()?)),
            Location::Postgres(url) => Backend::Postgres(Box::new(postgres::PgDb::connect(url)?)),
        };
        let store = Self {
            backend,
            clock,
            location: location.clone(),
            write_audit: std::sync::Mutex::new(Vec::new()),
        };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&self) -> Result<()> {
        loop {
            let applied_at = value::instant_text(self.clock.now());
            let applied = self.with_conn(|conn| migrate::apply_next(conn, &applied_at))?;
            if !applied {
                return Ok(());
            }
        }
    }

    fn with_conn<T>(&self, f: impl FnOnce(&mut dyn conn::Conn) -> Result<T>) -> Result<T> {
        match &self.backend {
            Backend::Sqlite(db) => db.with_tx(f),
            Backend::Postgres(db) => db.with_tx(f),
        }
    }

    /// Runs `f` in one transaction: everything it writes commits together when it returns
    /// `Ok`, and nothing is kept when it returns `Err`.
    pub fn write<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        if let Some(WriteAudit {
            trail,
            template,
            digests_only,
        }) = self.thread_write_audit()
        {
            return trail.write(self, |audited| {
                if digests_only {
                    audited.seal_creates_by_digest();
                }
                let value = f(&mut audited.records())?;
                audited.append_pending_writes(&template)?;
                Ok(value)
            });
        }
        let now = self.clock.now();
        self.with_conn(|conn| f(&mut Tx::new(conn, now)))
    }

    /// From now on, every `write` this thread makes that changes records is one audited
    /// transaction: its writes are sealed into an entry like `template` (user, roles,
    /// channel, source; its time the transaction's, its patients those written), in the
    /// same transaction, so a bulk write (an import, a demo population, a chart review,
    /// run by code that knows nothing of auditing) leaves an entry per committed batch
    /// naming what it wrote. `None` stops it.
    ///
    /// Only the calling thread's writes: a server's background job audits its own work
    /// as itself while request handlers on other threads audit theirs as their users.
    pub fn audit_writes(&self, audit: Option<(Arc<AuditTrail>, privacy::AuditEvent)>) {
        self.audit_thread_writes(audit, false);
    }

    /// As `audit_writes`, but a create is sealed by the SHA-256 of its values alone, for a
    /// generated bulk write (a demo population) whose values are the records themselves:
    /// copying them into the trail would double the store.
    pub fn audit_writes_by_digest(&self, audit: Option<(Arc<AuditTrail>, privacy::AuditEvent)>) {
        self.audit_thread_writes(audit, true);
    }

    fn audit_thread_writes(
        &self,
        audit: Option<(Arc<AuditTrail>, privacy::AuditEvent)>,
        digests_only: bool,
    ) {
        let thread = std::thread::current().id();
        if let Ok(mut threads) = self.write_audit.lock() {
            threads.retain(|(t, _)| *t != thread);
            if let Some((trail, template)) = audit {
                threads.push((
                    thread,
                    WriteAudit {
                        trail,
                        template,
                        digests_only,
                    },
                ));
            }
        }
    }

    /// Whom this thread's plain writes are audited as, if anyone.
    fn thread_write_audit(&self) -> Option<WriteAudit> {
        let thread = std::thread::current().id();
        let threads = self.write_audit.lock().ok()?;
        threads
            .iter()
            .find(|(t, _)| *t == thread)
            .map(|(_, audit)| audit.clone())
    }

    /// Runs read-only work in a transaction, so it sees one consistent snapshot.
    pub fn read<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        self.write(f)
    }

    /// Runs long read-only work (a bulk export) in one snapshot, on a connection of its
    /// own, so writers are not held up meanwhile (SQLite's shared connection would be
    /// held for the whole read otherwise).
    pub fn read_beside_writers<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let now = self.clock.now();
        match &self.backend {
            Backend::Sqlite(db) => db.read_beside(|conn| f(&mut Tx::new(conn, now))),
            Backend::Postgres(db) => db.read_snapshot(|conn| f(&mut Tx::new(conn, now))),
        }
    }

    /// Where the store is.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The embedded database's commit durability as SQLite reports it; `None` on
    /// PostgreSQL, whose server decides (`synchronous_commit`).
    pub fn durability(&self) -> Result<Option<Durability>> {
        match &self.backend {
            Backend::Sqlite(db) => db.durability().map(Some),
            Backend::Postgres(_) => Ok(None),
        }
    }

    /// The SQL engine.
    pub fn dialect(&self) -> Dialect {
        match self.backend {
            Backend::Sqlite(_) => Dialect::Sqlite,
            Backend::Postgres(_) => Dialect::Postgres,
        }
    }

    /// The store's clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The applied schema version.
    pub fn schema_version(&self) -> Result<i64> {
        self.with_conn(migrate::current_version)
    }

    /// The SQLite database file, when the store is embedded in a data directory.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        match &self.location {
            Location::DataDir(dir) => Some(Path::new(dir).join(SQLITE_FILE)),
            _ => None,
        }
    }
}
