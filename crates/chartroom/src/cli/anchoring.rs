//! `serve --audit-anchor`: the audit head appended to the anchor file at start, every
//! interval in which it moved, and when the server stops.
//!
//! Invariants:
//! - A failed append never stops the server (the entries are committed; the anchor is
//!   evidence about them): it is printed, and the next interval tries again.
//! - The last anchor is written after serving ends, so a clean stop leaves the final
//!   head outside the host.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{RecvTimeoutError, Sender, channel};
use std::thread::JoinHandle;
use store::{AuditTrail, Store};

/// The running anchorer; `finish` writes the last anchor and waits for it.
pub struct Anchoring {
    stop: Sender<()>,
    thread: JoinHandle<()>,
}

/// Anchors once now (an error here stops the start: the file is unusable), then every
/// `every` when the head moved, on a thread.
pub fn start(
    store: &Arc<Store>,
    trail: &Arc<AuditTrail>,
    path: PathBuf,
    every: std::time::Duration,
) -> anyhow::Result<Anchoring> {
    let first = trail.anchor(store, &path, None)?;
    let mut last = first.map(|a| a.head.seq);
    let (stop, stopped) = channel::<()>();
    let (store, trail) = (Arc::clone(store), Arc::clone(trail));
    let thread = std::thread::Builder::new()
        .name("audit-anchor".into())
        .spawn(move || {
            loop {
                let stopping = match stopped.recv_timeout(every) {
                    Err(RecvTimeoutError::Timeout) => false,
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => true,
                };
                match trail.anchor(&store, &path, last) {
                    Ok(Some(anchor)) => last = Some(anchor.head.seq),
                    Ok(None) => {}
                    Err(e) => eprintln!("audit anchor: {e}"),
                }
                if stopping {
                    break;
                }
            }
        })?;
    Ok(Anchoring { stop, thread })
}

impl Anchoring {
    /// Writes the last anchor (if the head moved) and waits for the thread.
    pub fn finish(self) {
        let _ = self.stop.send(());
        if self.thread.join().is_err() {
            eprintln!("audit anchor: the anchoring thread panicked");
        }
    }
}
