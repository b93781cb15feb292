//! A file database read page by page from one snapshot (`sqlite_dbpage`), with checks run
//! on a second connection that sees exactly the same snapshot.
//!
//! A backup used to write a whole copy of the database (the online backup API) and then
//! read it back; on a 7 GB store the copy alone is gigabytes of writes the disk has to take
//! before the backup can start compressing. The pages of one read transaction are already
//! a consistent database image: this streams them instead.
//!
//! Invariants:
//! - Both readers take their snapshot while this process holds SQLite's write lock
//!   (`BEGIN IMMEDIATE` on the store's own connection), so no commit falls between them and
//!   the checks describe exactly the bytes streamed. Writers wait only for the two
//!   connections to open.
//! - The image is the database file a rollback-journal database would have: page 1 says
//!   so (bytes 18 and 19 are 1, as `journal_mode = DELETE` leaves them), so the copy opens
//!   on its own without a WAL beside it.
//! - `sqlite_dbpage` exists only when SQLite was built with `SQLITE_ENABLE_DBPAGE_VTAB`
//!   (the workspace's `.cargo/config.toml`); without it `stream_pages` answers `None` and
//!   the caller copies the file instead.

use super::{SqliteDb, SqliteTx, open_read_only};
use crate::conn::Conn;
use crate::error::{Error, Result};
use std::path::Path;
use std::sync::mpsc;
use std::thread::JoinHandle;

/// Bytes of pages handed over at a time.
const CHUNK: usize = 1 << 20;
/// Chunks read ahead of the consumer.
const AHEAD: usize = 8;

/// A database image being read on a thread of its own, and the checks of the same
/// snapshot running on another.
pub struct PageStream<T> {
    /// The image's size: pages times page size.
    pub bytes: u64,
    /// Chunks of the image in page order; an error ends it.
    pub chunks: mpsc::Receiver<Result<Vec<u8>>>,
    pub(crate) pages: JoinHandle<()>,
    pub(crate) checks: JoinHandle<Result<T>>,
    pub(crate) interrupt: rusqlite::InterruptHandle,
}

enum Ready {
    Pages(u64),
    Checks(rusqlite::InterruptHandle),
    Failed(Error),
}

fn dbpage_available(path: &Path) -> Result<bool> {
    let conn = open_read_only(path)?;
    Ok(conn
        .prepare("SELECT data FROM sqlite_dbpage WHERE pgno = 1")
        .is_ok())
}

/// Marks page 1's header as a rollback-journal database (file format versions 1), as
/// leaving WAL mode does; a WAL database's header says 2.
fn standalone_header(page: &mut [u8]) {
    if let Some(versions) = page.get_mut(18..20)
        && versions == [2, 2]
    {
        versions.copy_from_slice(&[1, 1]);
    }
}

fn read_pages(path: &Path, ready: &mpsc::Sender<Ready>, out: &mpsc::SyncSender<Result<Vec<u8>>>) {
    let mut announced = false;
    let mut run = || -> Result<()> {
        let mut conn = open_read_only(path)?;
        let tx = conn.transaction()?;
        let (count, size): (i64, i64) = tx.query_row(
            "SELECT page_count, page_size FROM pragma_page_count(), pragma_page_size()",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        let bytes = u64::try_from(count.saturating_mul(size)).unwrap_or(0);
        announced = ready.send(Ready::Pages(bytes)).is_ok();
        let mut statement = tx.prepare("SELECT data FROM sqlite_dbpage")?;
        let mut rows = statement.query([])?;
        let mut chunk = Vec::with_capacity(CHUNK);
        let mut first = true;
        while let Some(row) = rows.next()? {
            let page = row
                .get_ref(0)?
                .as_blob()
                .map_err(|e| Error::Database(format!("sqlite_dbpage: {e}")))?;
            let start = chunk.len();
            chunk.extend_from_slice(page);
            if first {
                first = false;
                if let Some(page) = chunk.get_mut(start..) {
                    standalone_header(page);
                }
            }
            if chunk.len() >= CHUNK {
                let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                if out.send(Ok(full)).is_err() {
                    // The reader stopped: nothing more is wanted.
                    return Ok(());
                }
            }
        }
        if !chunk.is_empty() {
            let _ = out.send(Ok(chunk));
        }
        Ok(())
    };
    if let Err(error) = run() {
        if announced {
            let _ = out.send(Err(error));
        } else {
            let _ = ready.send(Ready::Failed(error));
        }
    }
}

fn run_checks<T>(
    path: &Path,
    ready: &mpsc::Sender<Ready>,
    check: impl FnOnce(&mut dyn Conn) -> Result<T>,
) -> Result<T> {
    let mut announced = false;
    let run = || -> Result<T> {
        let mut conn = open_read_only(path)?;
        let interrupt = conn.get_interrupt_handle();
        let tx = conn.transaction()?;
        // The first read fixes the transaction's snapshot.
        tx.query_row("SELECT COUNT(*) FROM sqlite_master", [], |_| Ok(()))?;
        announced = ready.send(Ready::Checks(interrupt)).is_ok();
        let value = check(&mut SqliteTx { conn: &tx })?;
        tx.commit()?;
        Ok(value)
    };
    run().inspect_err(|error| {
        if !announced {
            let _ = ready.send(Ready::Failed(Error::Database(error.to_string())));
        }
    })
}

impl SqliteDb {
    /// Streams the pages of one snapshot of a file database while `check` runs on the same
    /// snapshot from another connection; `None` for an in-memory database or a SQLite
    /// built without `sqlite_dbpage`.
    pub fn stream_pages<T: Send + 'static>(
        &self,
        check: impl FnOnce(&mut dyn Conn) -> Result<T> + Send + 'static,
    ) -> Result<Option<PageStream<T>>> {
        let Some(path) = self.path.clone() else {
            return Ok(None);
        };
        if !dbpage_available(&path)? {
            return Ok(None);
        }
        let mut guard = self.lock_idle()?;
        // Held until both readers have their snapshot; dropped, it rolls back (it wrote
        // nothing).
        let hold = guard.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let (ready_tx, ready) = mpsc::channel();
        let (chunk_tx, chunks) = mpsc::sync_channel(AHEAD);
        let pages = {
            let path = path.clone();
            let ready = ready_tx.clone();
            std::thread::spawn(move || read_pages(&path, &ready, &chunk_tx))
        };
        let checks = std::thread::spawn(move || run_checks(&path, &ready_tx, check));
        let mut bytes = None;
        let mut interrupt = None;
        let mut failure = None;
        for _ in 0..2 {
            match ready.recv() {
                Ok(Ready::Pages(n)) => bytes = Some(n),
                Ok(Ready::Checks(handle)) => interrupt = Some(handle),
                Ok(Ready::Failed(error)) => {
                    failure.get_or_insert(error);
                }
                Err(_) => break,
            }
        }
        drop(hold);
        drop(guard);
        match (bytes, interrupt, failure) {
            (Some(bytes), Some(interrupt), None) => Ok(Some(PageStream {
                bytes,
                chunks,
                pages,
                checks,
                interrupt,
            })),
            (_, interrupt, failure) => {
                if let Some(handle) = interrupt {
                    handle.interrupt();
                }
                drop(chunks);
                let _ = pages.join();
                let _ = checks.join();
                Err(failure.unwrap_or_else(|| {
                    Error::Database("the snapshot's readers stopped before they started".into())
                }))
            }
        }
    }
}
