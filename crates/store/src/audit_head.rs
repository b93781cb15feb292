//! Writing the audit head file off the request path, with group commit.
//!
//! Each append used to create, fsync and rename the head file before answering: about half
//! a millisecond, the largest cost of a small API request. Now an append publishes its head
//! here and returns; one writer thread writes the newest head published (fsync, then
//! atomic rename), so a burst of appends costs one file write.
//!
//! Invariants:
//! - The file only moves forward: the writer re-reads it and skips a head that is not
//!   newer (another process may have written a later one).
//! - A head not yet written when the process dies (at most a pause's worth) leaves the file behind, which the design
//!   already accepts (verification counts entries beyond the recorded head); `flush` waits
//!   for everything published, and `recorded_head`, `verify` and dropping the trail call it.
//! - A failed write never fails the append (its transaction has committed): it is logged
//!   and kept, and the next `flush` (verification) returns it.

use crate::error::{Error, Result};
use privacy::{AuditKey, Head};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

#[derive(Default)]
struct State {
    /// The newest head published and not yet taken by the writer.
    wanted: Option<Head>,
    /// The newest sequence number published.
    published: i64,
    /// The newest sequence number written (or found newer in the file).
    written: i64,
    /// The last write failure, until reported.
    failure: Option<String>,
    /// The writer thread is running.
    running: bool,
    /// The trail is gone: the writer ends once nothing is pending.
    closing: bool,
    /// Someone waits in `flush`: write now rather than after the pause.
    hurry: bool,
    /// The writer waits for a head (not in its pause): only then does a publish wake it.
    idle: bool,
}

/// The pause after each write, during which newer heads accumulate into the next write:
/// at most this much of the newest log is beyond the recorded head if the process dies.
const PAUSE: std::time::Duration = std::time::Duration::from_millis(20);

impl std::fmt::Debug for HeadWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeadWriter")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// The head file's writer.
pub(crate) struct HeadWriter {
    path: PathBuf,
    /// The chain key, whose head key seals the file.
    key: AuditKey,
    state: Mutex<State>,
    changed: Condvar,
}

impl HeadWriter {
    pub(crate) fn new(path: PathBuf, key: AuditKey) -> Arc<Self> {
        Arc::new(Self {
            path,
            key,
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock leaves plain data behind; keep going with it.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn failed(&self, state: &mut State) -> Result<()> {
        match state.failure.take() {
            Some(message) => Err(Error::Open {
                location: self.path.display().to_string(),
                message,
            }),
            None => Ok(()),
        }
    }

    /// Hands `head` to the writer (starting it if needed) without waiting for the file.
    /// The entries are committed by now, so a failure to write the head does not fail the
    /// caller: it is logged, and `flush` (verification) reports it.
    pub(crate) fn publish(self: &Arc<Self>, head: Head) {
        let mut state = self.lock();
        if head.seq <= state.written || state.wanted.is_some_and(|w| w.seq >= head.seq) {
            return;
        }
        state.wanted = Some(head);
        state.published = state.published.max(head.seq);
        if !state.running {
            state.running = true;
            let writer = Arc::clone(self);
            let spawned = std::thread::Builder::new()
                .name("audit-head".into())
                .spawn(move || writer.run());
            if let Err(e) = spawned {
                state.running = false;
                drop(state);
                // No thread: write here, as before.
                self.write_now(head, &e.to_string());
                return;
            }
        }
        // During the writer's pause a wake-up would only put it back to sleep: it takes
        // the newest head when the pause ends. Waking it per append cost a system call
        // and a context switch on every request.
        if state.idle {
            self.changed.notify_all();
        }
    }

    fn write_now(&self, head: Head, why: &str) {
        eprintln!("audit head: writing in the request ({why})");
        let outcome = write_head(&self.path, &self.key, &head);
        let mut state = self.lock();
        match outcome {
            Ok(()) => {
                state.written = state.written.max(head.seq);
                if state.wanted.is_some_and(|w| w.seq <= head.seq) {
                    state.wanted = None;
                }
            }
            Err(message) => {
                eprintln!("audit head: {message}");
                state.failure = Some(message);
            }
        }
    }

    /// Waits until every published head is in the file.
    pub(crate) fn flush(&self) -> Result<()> {
        let mut state = self.lock();
        state.hurry = true;
        self.changed.notify_all();
        while state.running && state.written < state.published && state.failure.is_none() {
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        state.hurry = false;
        self.failed(&mut state)
    }

    /// Lets the writer end once it has written what is pending.
    pub(crate) fn close(&self) {
        self.lock().closing = true;
        self.changed.notify_all();
    }

    fn run(&self) {
        let mut state = self.lock();
        loop {
            match state.wanted.take() {
                Some(head) => {
                    drop(state);
                    let outcome = write_head(&self.path, &self.key, &head);
                    state = self.lock();
                    match outcome {
                        Ok(()) => state.written = state.written.max(head.seq),
                        Err(message) => {
                            eprintln!("audit head: {message}");
                            state.failure = Some(message);
                        }
                    }
                    self.changed.notify_all();
                    // Group commit: let the heads of the next pause's appends pile up.
                    let until = std::time::Instant::now() + PAUSE;
                    while !state.closing && !state.hurry {
                        let left = until.saturating_duration_since(std::time::Instant::now());
                        if left.is_zero() {
                            break;
                        }
                        state = self
                            .changed
                            .wait_timeout(state, left)
                            .map_or_else(|e| e.into_inner().0, |(s, _)| s);
                    }
                }
                None if state.closing => break,
                None => {
                    state.idle = true;
                    state = self
                        .changed
                        .wait(state)
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    state.idle = false;
                }
            }
        }
        state.running = false;
        self.changed.notify_all();
    }
}

/// Writes `head`, sealed, unless the file already holds a sealed head of a later entry:
/// a temporary file (mode 0600), fsync, then an atomic rename over the head file. A head
/// that is not authentic (unsigned or forged) never holds the file back.
fn write_head(path: &Path, key: &AuditKey, head: &Head) -> std::result::Result<(), String> {
    if let Ok(text) = std::fs::read_to_string(path)
        && let Ok(current) = Head::read(&text, key)
        && current.seq >= head.seq
    {
        return Ok(());
    }
    let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut file = crate::private_file::create(&tmp)?;
        file.write_all(head.to_text(key).as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| format!("cannot write the audit head: {e}"))
}
