//! Group commit for the shared connection: transactions that arrive while another is
//! running share one SQLite transaction, each inside a savepoint of its own, and one
//! `COMMIT` (one WAL fsync under `synchronous=FULL`) makes them all durable together.
//!
//! Why: every audited read is a write (its audit entry), so with one fsync per request a
//! busy server spent its time waiting on the disk, one request after another, with the
//! processor idle (load generator: 153 requests/s at 64 clients, load average 1.4). Each
//! caller still runs its own closure on its own thread while holding the connection (no
//! work is handed to another thread), and returns only after the commit that holds its
//! work: an acknowledgement still means durable.
//!
//! The rule: a caller whose work is done leaves the transaction open for the next one when
//! somebody is waiting for the connection and the batch is young and small; otherwise it
//! commits the batch and wakes the callers whose work it held. A caller whose own work
//! fails is rolled back to its savepoint and answered at once; when SQLite itself rolls
//! the whole transaction back (disk full, I/O error) or the commit fails, every caller in
//! the batch is answered with that error, since none of their work was kept.

use crate::error::{Error, Result};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A batch is not extended past this many callers...
const MAX_MEMBERS: usize = 64;
/// ...or past this age, so the first caller's wait stays bounded.
const MAX_AGE: Duration = Duration::from_millis(8);

/// Why a batch was not kept, handed to each caller it held.
#[derive(Debug, Clone)]
struct Failure {
    unavailable: bool,
    message: String,
}

impl Failure {
    fn of(error: &Error) -> Self {
        match error {
            Error::Unavailable { reason } => Self {
                unavailable: true,
                message: reason.clone(),
            },
            other => Self {
                unavailable: false,
                message: other.to_string(),
            },
        }
    }

    fn error(&self) -> Error {
        let reason = format!(
            "the transaction this request shared was not committed: {}",
            self.message
        );
        if self.unavailable {
            Error::Unavailable { reason }
        } else {
            Error::Database(reason)
        }
    }
}

#[derive(Default)]
struct State {
    /// The batch the open transaction belongs to (the last one opened).
    batch: u64,
    /// When the open batch began, and how many callers it holds waiting for its commit.
    opened: Option<Instant>,
    held: usize,
    /// The connection's `total_changes` when the batch began: a caller that finds it
    /// unchanged read nothing uncommitted, so it need not wait for the commit.
    changes_at_open: u64,
    /// Every batch up to this one is committed or failed.
    done_through: u64,
    /// Failed batches with callers still to be told: batch -> (callers left, why).
    failed: HashMap<u64, (usize, Failure)>,
}

/// The batch bookkeeping beside the connection's mutex. Lock order: the connection, then
/// this; callers waiting for a commit hold only this.
#[derive(Default)]
pub(super) struct GroupCommit {
    state: Mutex<State>,
    committed: Condvar,
    /// Callers blocked on the connection's mutex in `with_tx` right now.
    waiting: AtomicUsize,
}

/// What the caller holding the connection does with the open transaction.
pub(super) enum Next {
    /// Leave it open for the caller waiting next; wait for the batch's commit.
    PassOn,
    /// Commit it now.
    Commit,
}

impl GroupCommit {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts the caller as waiting while it blocks in `lock`.
    pub(super) fn queue<T>(&self, lock: impl FnOnce() -> T) -> T {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let locked = lock();
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        locked
    }

    /// A new transaction was begun (the connection's `total_changes` then): a new batch.
    /// Returns its number.
    pub(super) fn open(&self, changes: u64) -> u64 {
        let mut state = self.state();
        state.batch += 1;
        state.opened = Some(Instant::now());
        state.held = 0;
        state.changes_at_open = changes;
        state.batch
    }

    /// Whether nothing has been written in the open batch (`changes`: the connection's
    /// `total_changes` now), so what was read there was all committed already.
    pub(super) fn nothing_written(&self, changes: u64) -> bool {
        self.state().changes_at_open == changes
    }

    /// The open batch's number.
    pub(super) fn current(&self) -> u64 {
        self.state().batch
    }

    /// Decides, for a caller holding the connection whose work is done, whether to leave
    /// the transaction to the next caller; a caller that will wait is counted in.
    pub(super) fn next(&self, will_wait: bool) -> Next {
        let mut state = self.state();
        let young = state.opened.is_some_and(|at| at.elapsed() < MAX_AGE);
        if self.waiting.load(Ordering::SeqCst) > 0 && young && state.held < MAX_MEMBERS {
            if will_wait {
                state.held += 1;
            }
            Next::PassOn
        } else {
            Next::Commit
        }
    }

    /// The open batch was committed (`None`) or lost (`Some(why)`): answers the callers
    /// it held.
    pub(super) fn finish(&self, batch: u64, lost: Option<&Error>) {
        let mut state = self.state();
        if let Some(error) = lost
            && state.held > 0
        {
            let held = state.held;
            state.failed.insert(batch, (held, Failure::of(error)));
        }
        state.done_through = batch;
        state.opened = None;
        state.held = 0;
        drop(state);
        self.committed.notify_all();
    }

    /// Waits until `batch` is committed or lost; `Err` when lost.
    pub(super) fn wait(&self, batch: u64) -> Result<()> {
        let mut state = self.state();
        while state.done_through < batch {
            state = self
                .committed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        let Some((left, failure)) = state.failed.get_mut(&batch) else {
            return Ok(());
        };
        let error = failure.error();
        *left -= 1;
        if *left == 0 {
            state.failed.remove(&batch);
        }
        Err(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_batch_tells_each_caller_it_held_once() {
        let group = GroupCommit::default();
        let batch = group.open(0);
        // Somebody waits for the connection: two callers leave the transaction open.
        group.waiting.fetch_add(1, Ordering::SeqCst);
        assert!(matches!(group.next(true), Next::PassOn));
        assert!(matches!(group.next(true), Next::PassOn));
        group.waiting.fetch_sub(1, Ordering::SeqCst);
        assert!(matches!(group.next(true), Next::Commit));
        group.finish(
            batch,
            Some(&Error::Unavailable {
                reason: "database or disk is full".into(),
            }),
        );
        for _ in 0..2 {
            let error = group.wait(batch).unwrap_err();
            assert!(matches!(error, Error::Unavailable { .. }), "{error}");
            assert!(error.to_string().contains("disk is full"), "{error}");
        }
        assert!(group.state().failed.is_empty());
        // A committed batch answers Ok.
        let next = group.open(0);
        group.finish(next, None);
        assert!(group.wait(next).is_ok());
    }

    #[test]
    fn nobody_waiting_means_commit_now() {
        let group = GroupCommit::default();
        group.open(0);
        assert!(matches!(group.next(true), Next::Commit));
    }
}
