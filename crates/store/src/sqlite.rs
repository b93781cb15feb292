//! The embedded SQLite backend: one connection in WAL mode with foreign keys on.
//!
//! One connection behind a mutex serialises writers, which SQLite requires anyway; WAL
//! lets a crash lose only uncommitted transactions, never half of one. Callers that queue
//! for the connection share one transaction and one commit (`group`). A second connection
//! on its own thread checkpoints the WAL in the background (`Checkpointer`).

use crate::conn::{Conn, Dialect};
use crate::error::{Error, Result};
use crate::row_de::CellValue;
use crate::value::{Row, Value, date_text, instant_text};
use rusqlite::Connection;
use rusqlite::types::{ToSqlOutput, ValueRef};
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

mod group;
mod pages;

use group::{GroupCommit, Next};

/// When a commit of the embedded database counts as done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// SQLite `synchronous=FULL`: the WAL is synced to disk before a commit returns, so an
    /// acknowledged write (HTTP 2xx, MLLP AA) survives a power loss or kernel crash, which a
    /// medical record must.
    #[default]
    Full,
    /// SQLite `synchronous=NORMAL`: a commit survives a killed process but the last ones can
    /// be rolled back by a power loss (never corrupting the file). Opt-in, for sites that
    /// trade that for write speed (or for throw-away demo stores).
    Normal,
}

impl Durability {
    fn pragma(self) -> &'static str {
        match self {
            Self::Full => "FULL",
            Self::Normal => "NORMAL",
        }
    }

    /// The setting's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Normal => "normal",
        }
    }
}

/// An open SQLite database.
pub struct SqliteDb {
    conn: Mutex<Connection>,
    /// Which callers share the open transaction (`group`).
    group: GroupCommit,
    /// Checkpoints the WAL from its own connection and thread (file databases only).
    checkpointer: Option<Checkpointer>,
    /// The database file, for long reads on connections of their own (`read_beside`).
    path: Option<std::path::PathBuf>,
}

/// How often the background checkpoint runs.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// The WAL size (pages) at which a commit checkpoints by itself: only a backstop, for when
/// the background checkpoint cannot keep up or could not start.
const BACKSTOP_CHECKPOINT_PAGES: i64 = 16_384;

/// A thread that copies committed WAL frames into the database file (a PASSIVE checkpoint,
/// which waits for no reader or writer) so that the checkpoint's writes and fsync happen
/// beside the writers instead of inside whichever commit crosses the threshold.
struct Checkpointer {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    fn start(path: &Path) -> Option<Self> {
        let conn = Connection::open(path).ok()?;
        conn.busy_timeout(std::time::Duration::from_millis(50))
            .ok()?;
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let signal = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                let (lock, wake) = &*signal;
                let mut stopped = lock.lock().unwrap_or_else(PoisonError::into_inner);
                while !*stopped {
                    stopped = wake
                        .wait_timeout(stopped, CHECKPOINT_EVERY)
                        .map_or_else(|e| e.into_inner().0, |(guard, _)| guard);
                    // A busy or failed checkpoint is retried on the next round; the
                    // commit-time backstop bounds the WAL meanwhile.
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            })
            .ok()?;
        Some(Self {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let (lock, wake) = &*self.stop;
        *lock.lock().unwrap_or_else(PoisonError::into_inner) = true;
        wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl SqliteDb {
    /// Opens (creating if needed) the database file at `path`.
    pub fn open(path: &Path, durability: Durability) -> Result<Self> {
        let conn = Connection::open(path).map_err(|e| Error::Open {
            location: path.display().to_string(),
            message: e.to_string(),
        })?;
        let mut db = Self::configure(conn, path.display().to_string(), durability)?;
        db.checkpointer = Checkpointer::start(path);
        db.path = Some(path.to_owned());
        if db.checkpointer.is_some()
            && let Ok(conn) = db.conn.get_mut()
        {
            conn.pragma_update(None, "wal_autocheckpoint", BACKSTOP_CHECKPOINT_PAGES)
                .map_err(|e| Error::Open {
                    location: path.display().to_string(),
                    message: e.to_string(),
                })?;
        }
        Ok(db)
    }

    /// Opens a private in-memory database (tests, benchmarks).
    pub fn open_in_memory() -> Result<Self> {
        let conn = Connection::open_in_memory().map_err(|e| Error::Open {
            location: ":memory:".into(),
            message: e.to_string(),
        })?;
        // Nothing in memory outlives the process: syncing would only cost time.
        Self::configure(conn, ":memory:".into(), Durability::Normal)
    }

    fn configure(conn: Connection, location: String, durability: Durability) -> Result<Self> {
        let setup = || -> rusqlite::Result<()> {
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", durability.pragma())?;
            conn.pragma_update(None, "foreign_keys", "ON")?;
            // The default 2 MiB page cache thrashes on million-row indexes (the import keys,
            // the MRN index); 64 MiB keeps their upper levels in memory.
            conn.pragma_update(None, "cache_size", -65_536)?;
            // Statement journals (one per write inside a long transaction such as a FHIR
            // Bundle) and sorts stay in memory instead of spilling to temporary files: the
            // spills were a fifth of a transaction Bundle's time, in write system calls.
            conn.pragma_update(None, "temp_store", "MEMORY")?;
            conn.busy_timeout(std::time::Duration::from_secs(10))?;
            conn.set_prepared_statement_cache_capacity(256);
            Ok(())
        };
        setup().map_err(|e| Error::Open {
            location,
            message: e.to_string(),
        })?;
        Ok(Self {
            conn: Mutex::new(conn),
            group: GroupCommit::default(),
            checkpointer: None,
            path: None,
        })
    }

    /// The durability the connection runs with, read back from SQLite itself.
    pub fn durability(&self) -> Result<Durability> {
        let guard = self
            .conn
            .lock()
            .map_err(|_| Error::Database("a previous writer panicked; restart Chartroom".into()))?;
        let level: i64 = guard.query_row("PRAGMA synchronous", [], |row| row.get(0))?;
        // 2 is FULL and 3 EXTRA (FULL and more); 0 OFF and 1 NORMAL can both lose commits.
        Ok(if level >= 2 {
            Durability::Full
        } else {
            Durability::Normal
        })
    }

    /// Runs `f` in a transaction, committing when it returns `Ok`; returns once its work
    /// is committed (shared with the callers around it: `group`).
    pub fn with_tx<T>(&self, f: impl FnOnce(&mut dyn Conn) -> Result<T>) -> Result<T> {
        let guard = self
            .group
            .queue(|| self.conn.lock())
            .map_err(|_| Error::Database("a previous writer panicked; restart Chartroom".into()))?;
        let batch = if guard.is_autocommit() {
            guard.execute_batch("BEGIN")?;
            self.group.open(guard.total_changes())
        } else {
            self.group.current()
        };
        let work = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| member(&guard, f)));
        let work = match work {
            Ok(work) => work,
            Err(panic) => {
                // The callers this batch holds must not wait for ever: they are told it
                // was lost, and the next caller starts clean.
                let lost =
                    Error::Database("a request failed while its transaction was open".into());
                if !guard.is_autocommit() {
                    let _ = guard.execute_batch("ROLLBACK");
                }
                self.group.finish(batch, Some(&lost));
                drop(guard);
                std::panic::resume_unwind(panic);
            }
        };
        if guard.is_autocommit() {
            // SQLite rolled the whole transaction back (disk full, I/O error): nothing of
            // the batch was kept.
            let lost = work.err().unwrap_or_else(|| Error::Unavailable {
                reason: "the database rolled the transaction back".into(),
            });
            self.group.finish(batch, Some(&lost));
            return Err(lost);
        }
        let will_wait = work.is_ok() && !self.group.nothing_written(guard.total_changes());
        match self.group.next(will_wait) {
            Next::PassOn => {
                drop(guard);
                let value = work?;
                if will_wait {
                    self.group.wait(batch)?;
                }
                Ok(value)
            }
            Next::Commit => {
                let committed = self.commit(&guard, batch);
                drop(guard);
                committed?;
                work
            }
        }
    }

    /// Commits the open batch and answers the callers it held.
    fn commit(&self, conn: &Connection, batch: u64) -> Result<()> {
        let committed = conn.execute_batch("COMMIT").map_err(Error::from);
        if committed.is_err() && !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        self.group.finish(batch, committed.as_ref().err());
        committed
    }

    /// The shared connection with no transaction open, for work that needs it whole (a
    /// backup's snapshot): a batch left open for the next caller is committed first.
    fn lock_idle(&self) -> Result<std::sync::MutexGuard<'_, Connection>> {
        let guard = self
            .conn
            .lock()
            .map_err(|_| Error::Database("a previous writer panicked; restart Chartroom".into()))?;
        if !guard.is_autocommit() {
            self.commit(&guard, self.group.current())?;
        }
        Ok(guard)
    }
}

/// Runs one caller's work inside a savepoint of the shared transaction: its failure undoes
/// only its own writes.
fn member<T>(conn: &Connection, f: impl FnOnce(&mut dyn Conn) -> Result<T>) -> Result<T> {
    conn.execute_batch("SAVEPOINT chartroom_member")?;
    let work = f(&mut SqliteTx { conn });
    if conn.is_autocommit() {
        return work;
    }
    match work {
        Ok(value) => {
            conn.execute_batch("RELEASE chartroom_member")?;
            Ok(value)
        }
        Err(e) => {
            conn.execute_batch("ROLLBACK TO chartroom_member; RELEASE chartroom_member")?;
            Err(e)
        }
    }
}

impl SqliteDb {
    /// Runs read-only `f` on a connection of its own, in one transaction, so a long read
    /// (a bulk export) sees one snapshot without holding up the writers behind the shared
    /// connection (WAL lets readers and a writer run together). A private in-memory
    /// database has no second connection: there `f` runs on the shared one.
    pub fn read_beside<T>(&self, f: impl FnOnce(&mut dyn Conn) -> Result<T>) -> Result<T> {
        match &self.path {
            Some(path) => read_file(path, f),
            None => self.with_tx(f),
        }
    }

    /// Copies the whole database to `dest` with SQLite's online backup API, from a
    /// connection of its own, in one step: one read transaction sees one snapshot while
    /// writers go on (WAL). A backup in several steps restarts whenever another
    /// connection writes, so under steady writes it might never finish.
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        let mut target = Connection::open(dest).map_err(|e| Error::Open {
            location: dest.display().to_string(),
            message: e.to_string(),
        })?;
        let copy = |source: &Connection, target: &mut Connection| -> rusqlite::Result<()> {
            use rusqlite::backup::StepResult;
            let backup = rusqlite::backup::Backup::new(source, target)?;
            // -1 copies every page in this one step. A busy source (a checkpoint
            // restarting the WAL) is tried again for up to ten seconds.
            for _ in 0..1_000 {
                match backup.step(-1)? {
                    StepResult::Done => return Ok(()),
                    StepResult::More => {}
                    _ => std::thread::sleep(std::time::Duration::from_millis(10)),
                }
            }
            Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                Some("the database stayed busy for ten seconds; try the backup again".into()),
            ))
        };
        match &self.path {
            Some(path) => {
                let source = open_read_only(path)?;
                copy(&source, &mut target)?;
            }
            None => {
                let guard = self.lock_idle()?;
                copy(&guard, &mut target)?;
            }
        }
        // The copy stands alone: no -wal or -shm file beside it.
        target.pragma_update(None, "journal_mode", "DELETE")?;
        Ok(())
    }
}

fn open_read_only(path: &Path) -> Result<Connection> {
    let open = || -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        Ok(conn)
    };
    open().map_err(|e| Error::Open {
        location: path.display().to_string(),
        message: e.to_string(),
    })
}

/// Runs read-only `f` on a new read-only connection to the database file at `path`, in
/// one transaction (one snapshot).
pub fn read_file<T>(path: &Path, f: impl FnOnce(&mut dyn Conn) -> Result<T>) -> Result<T> {
    let mut conn = open_read_only(path)?;
    let tx = conn.transaction()?;
    let value = f(&mut SqliteTx { conn: &tx })?;
    tx.commit()?;
    Ok(value)
}

/// A connection inside a transaction (the shared one's, or a reader's own).
struct SqliteTx<'a> {
    conn: &'a Connection,
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        use rusqlite::types::Value as Sql;
        Ok(match self {
            Value::Null => ToSqlOutput::Owned(Sql::Null),
            Value::Int(n) => ToSqlOutput::Owned(Sql::Integer(*n)),
            Value::Real(x) => ToSqlOutput::Owned(Sql::Real(*x)),
            Value::Text(text) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
            Value::Bool(b) => ToSqlOutput::Owned(Sql::Integer(i64::from(*b))),
            Value::Date(date) => ToSqlOutput::Owned(Sql::Text(date_text(*date))),
            Value::Timestamp(at) => ToSqlOutput::Owned(Sql::Text(instant_text(*at))),
            Value::Json(json) => ToSqlOutput::Owned(Sql::Text(json.to_string())),
        })
    }
}

fn read_value(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::Int(n),
        ValueRef::Real(x) => Value::Real(x),
        // Checking valid text as a whole is several times faster than the lossy walk,
        // which only the rare damaged cell needs.
        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => {
            Value::Text(match std::str::from_utf8(bytes) {
                Ok(text) => text.to_owned(),
                Err(_) => String::from_utf8_lossy(bytes).into_owned(),
            })
        }
    }
}

impl Conn for SqliteTx<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let mut statement = self.conn.prepare_cached(sql)?;
        let n_rows = statement.execute(rusqlite::params_from_iter(params.iter()))?;
        Ok(n_rows as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        let mut statement = self.conn.prepare_cached(sql)?;
        let n_columns = statement.column_count();
        let mut rows = statement.query(rusqlite::params_from_iter(params.iter()))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut values = Vec::with_capacity(n_columns);
            for idx in 0..n_columns {
                values.push(read_value(row.get_ref(idx)?));
            }
            out.push(Row(values));
        }
        Ok(out)
    }

    fn query_cells(
        &mut self,
        sql: &str,
        params: &[Value],
        row: &mut dyn FnMut(&[CellValue<'_>]) -> Result<()>,
    ) -> Result<()> {
        /// Rows of up to this many columns are lent from the stack.
        const WIDE: usize = 16;
        let mut statement = self.conn.prepare_cached(sql)?;
        let n_columns = statement.column_count();
        let mut rows = statement.query(rusqlite::params_from_iter(params.iter()))?;
        while let Some(read) = rows.next()? {
            let mut cells = [CellValue::Null; WIDE];
            let mut wide = Vec::new();
            let cells: &mut [CellValue<'_>] = if n_columns <= WIDE {
                &mut cells[..n_columns]
            } else {
                wide.resize(n_columns, CellValue::Null);
                &mut wide
            };
            for (idx, cell) in cells.iter_mut().enumerate() {
                *cell = match read.get_ref(idx)? {
                    ValueRef::Null => CellValue::Null,
                    ValueRef::Integer(n) => CellValue::Int(n),
                    ValueRef::Real(x) => CellValue::Real(x),
                    ValueRef::Text(bytes) | ValueRef::Blob(bytes) => {
                        CellValue::Text(std::str::from_utf8(bytes).map_err(|e| {
                            Error::Database(format!(
                                "column {} of a row of `{sql}` is not UTF-8 text: {e}",
                                idx + 1
                            ))
                        })?)
                    }
                };
            }
            row(cells)?;
        }
        Ok(())
    }

    fn batch(&mut self, sql: &str) -> Result<()> {
        self.conn.execute_batch(sql)?;
        Ok(())
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
}
