//! The audit anchor file: sealed heads appended, one a line, to a file outside the data
//! directory (another mount, ideally one the database's writer cannot rewrite).
//!
//! Invariants:
//! - The file is only ever opened for appending (created 0600 when missing): nothing here
//!   truncates or rewrites it, so an operator can make it append-only (`chattr +a`).
//! - A head is anchored only when it is newer than the last one this caller anchored, so
//!   a periodic anchor of an idle server adds nothing.
//! - The head anchored is the sealed head file Chartroom wrote, never a row of the log,
//!   so an anchor cannot vouch for entries Chartroom did not record as its head.

use crate::Store;
use crate::audit::AuditTrail;
use crate::error::{Error, Result};
use privacy::{Anchor, Head, Tamper};
use std::io::Write;
use std::path::Path;

fn failed(path: &Path, what: &str, error: &dyn std::fmt::Display) -> Error {
    Error::Open {
        location: path.display().to_string(),
        message: format!("{what}: {error}"),
    }
}

fn open_for_appending(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Creates the anchor file at `path` (empty, mode 0600) unless it exists; says whether it
/// was created. A server started with an anchor file checks against it from the start.
pub fn create_anchor_file(path: &Path) -> Result<bool> {
    if path.exists() {
        return Ok(false);
    }
    open_for_appending(path)
        .map(|_| true)
        .map_err(|e| failed(path, "cannot create the audit anchor file", &e))
}

/// Appends `line` and a line break in one write, then syncs.
fn append_line(path: &Path, line: &str) -> std::io::Result<()> {
    let mut file = open_for_appending(path)?;
    // One write of the whole line: with O_APPEND, concurrent anchorers never interleave.
    file.write_all(format!("{line}\n").as_bytes())?;
    file.sync_data()
}

impl AuditTrail {
    /// Appends the recorded head (sealed, with the time) to the anchor file at `path`,
    /// unless it is not newer than `after` (the last head this caller anchored). An empty
    /// log anchors entry 0. Returns what was appended.
    pub fn anchor(&self, store: &Store, path: &Path, after: Option<i64>) -> Result<Option<Anchor>> {
        let head = match self.recorded_head()? {
            Some(head) => head,
            None if store.audit_count()? == 0 => Head::EMPTY,
            None => {
                return Err(failed(
                    &self.head_path(),
                    "cannot anchor the audit head",
                    &"the log has entries but no head was recorded",
                ));
            }
        };
        if after.is_some_and(|seq| head.seq <= seq) {
            return Ok(None);
        }
        let anchor = Anchor {
            head,
            at: store.clock().now(),
        };
        append_line(path, &anchor.to_line(self.key()))
            .map_err(|e| failed(path, "cannot append to the audit anchor file", &e))?;
        Ok(Some(anchor))
    }

    /// Reads the anchor file set by `with_anchor`: the outer `Result` is a failure to
    /// read, the inner one says whether every line is authentic.
    pub(crate) fn read_anchors(&self) -> Result<std::result::Result<Vec<Anchor>, Tamper>> {
        let Some(path) = self.anchor_path() else {
            return Ok(Ok(Vec::new()));
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(privacy::read_anchors(&text, self.key())),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                Ok(Err(Tamper::AnchorForged {
                    line: 1,
                    reason: "the file is not text".into(),
                }))
            }
            Err(e) => Err(failed(path, "cannot read the audit anchor file", &e)),
        }
    }
}
