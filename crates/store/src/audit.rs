//! The audit trail's storage: append-only entries chained by HMAC, the key and the head
//! kept outside the database, listing with filters, and whole-log verification.
//!
//! Invariants:
//! - There is no function here (or anywhere in the store) that updates or deletes an
//!   `audit_log` row; the schema's triggers refuse it too.
//! - An append reads the newest `seq` and MAC inside the writing transaction and chains
//!   from them. SQLite has one writer at a time; on PostgreSQL the append first takes
//!   `LOCK TABLE audit_log IN EXCLUSIVE MODE`, held to commit, so the chain never forks
//!   (and `seq` is the primary key, so a fork could not commit anyway).
//! - The key (`<dir>/audit.key`, 32 random bytes, mode 0600) never enters the database.
//! - After each commit the head (newest `seq` and MAC, sealed under the head key) is handed to the head writer
//!   (`audit_head`), which writes it to `<dir>/audit.head` by atomic rename, only ever moving
//!   forward, off the request path. A crash before the write leaves the head behind, which
//!   verification accepts (and counts); it can only make the newest entries' deletion
//!   undetectable, never flag an intact log.

use crate::Store;
use crate::audit_head::HeadWriter;
use crate::audit_writes::{Journal, WriteNote};
use crate::conn::{Conn, Dialect};
use crate::error::{Error, Result};
use crate::security::Security;
use crate::tx::Tx;
use crate::value::{Row, Value};
use privacy::{
    Action, AuditEntry, AuditEvent, AuditKey, Channel, DataCategory, GENESIS, Head, Mac, Outcome,
    RoleSet, Tamper, Verified,
};
use records::PatientId;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use time::OffsetDateTime;

/// The key file's name in the data directory.
pub const AUDIT_KEY_FILE: &str = "audit.key";
/// The head file's name in the data directory.
pub const AUDIT_HEAD_FILE: &str = "audit.head";
/// The newest entry verified at a start (sealed like the head), where the next start's
/// check begins.
pub const AUDIT_CHECKPOINT_FILE: &str = "audit.verified";

pub(crate) const COLUMNS: &str = "seq, at, username, roles, action, outcome, channel, patient_id, record_kind, record_id, categories, source, client, reason, old_values, new_values, mac, writes";

/// The audit trail of one store: its key and head file.
#[derive(Debug)]
pub struct AuditTrail {
    key: AuditKey,
    dir: PathBuf,
    /// Writes the head file off the request path (see `audit_head`).
    head: Arc<HeadWriter>,
    /// Set while the key was created by this process and nothing has been appended with
    /// it yet: appending to a non-empty log with a new key would break the chain forever.
    fresh_key: AtomicBool,
    /// The anchor file every verification also checks against (`audit_anchor`).
    anchor: Option<PathBuf>,
}

fn io_error(path: &Path, what: &str, error: &std::io::Error) -> Error {
    Error::Open {
        location: path.display().to_string(),
        message: format!("{what}: {error}"),
    }
}

/// 32 random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| {
        Error::Database(format!("the operating system's random source failed: {e}"))
    })?;
    Ok(bytes)
}

fn create_key_file(path: &Path, key: &[u8]) -> std::io::Result<()> {
    let mut file = crate::private_file::create_new(path)?;
    file.write_all(key)?;
    file.sync_all()
}

impl AuditTrail {
    /// Opens the trail whose key and head live in `dir`; the key must exist.
    pub fn open(dir: &Path) -> Result<Self> {
        let path = dir.join(AUDIT_KEY_FILE);
        if path.exists() {
            crate::private_file::secure_and_warn(dir)?;
        }
        let bytes = std::fs::read(&path).map_err(|e| {
            io_error(
                &path,
                "cannot read the audit key (it is created by the first audited action)",
                &e,
            )
        })?;
        let key = AuditKey::from_bytes(&bytes).map_err(|e| Error::Open {
            location: path.display().to_string(),
            message: e.to_string(),
        })?;
        Ok(Self {
            head: HeadWriter::new(dir.join(AUDIT_HEAD_FILE), key.clone()),
            key,
            dir: dir.to_owned(),
            fresh_key: AtomicBool::new(false),
            anchor: None,
        })
    }

    /// Opens the trail, creating the key (32 random bytes, mode 0600) if there is none.
    pub fn open_or_create(dir: &Path) -> Result<Self> {
        let path = dir.join(AUDIT_KEY_FILE);
        if path.exists() {
            return Self::open(dir);
        }
        crate::private_file::secure_and_warn(dir)?;
        let key = random_bytes::<{ AuditKey::LEN }>()?;
        match create_key_file(&path, &key) {
            Ok(()) => {}
            // Another process created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Self::open(dir),
            Err(e) => return Err(io_error(&path, "cannot create the audit key", &e)),
        }
        let key = AuditKey::from_bytes(&key).map_err(|e| Error::Database(e.to_string()))?;
        Ok(Self {
            head: HeadWriter::new(dir.join(AUDIT_HEAD_FILE), key.clone()),
            key,
            dir: dir.to_owned(),
            fresh_key: AtomicBool::new(true),
            anchor: None,
        })
    }

    /// A trail with a given key (tests).
    pub fn with_key(key: AuditKey, dir: &Path) -> Self {
        Self {
            head: HeadWriter::new(dir.join(AUDIT_HEAD_FILE), key.clone()),
            key,
            dir: dir.to_owned(),
            fresh_key: AtomicBool::new(false),
            anchor: None,
        }
    }

    /// Every verification also requires the log to hold each head anchored in `path`
    /// (which must exist then): see `anchor`.
    #[must_use]
    pub fn with_anchor(mut self, path: &Path) -> Self {
        self.anchor = Some(path.to_owned());
        self
    }

    /// The anchor file verification checks against, if any.
    pub fn anchor_path(&self) -> Option<&Path> {
        self.anchor.as_deref()
    }

    pub(crate) fn key(&self) -> &AuditKey {
        &self.key
    }

    /// The directory holding the key and the head.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The head file's path.
    pub fn head_path(&self) -> PathBuf {
        self.dir.join(AUDIT_HEAD_FILE)
    }

    /// The head recorded outside the database, if there is one (after every head this
    /// process published is written); a head that is not authentic is an error.
    pub fn recorded_head(&self) -> Result<Option<Head>> {
        self.read_head()?.transpose().map_err(|tamper| Error::Open {
            location: self.head_path().display().to_string(),
            message: tamper.to_string(),
        })
    }

    /// The head file, checked against the head key: the outer `Result` is a failure to
    /// read, the inner one says whether the head is authentic.
    fn read_head(&self) -> Result<Option<std::result::Result<Head, Tamper>>> {
        self.head.flush()?;
        let path = self.head_path();
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Some(Head::read(&text, &self.key))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                Ok(Some(Err(Tamper::HeadForged {
                    reason: "it is not text".into(),
                })))
            }
            Err(e) => Err(io_error(&path, "cannot read the audit head", &e)),
        }
    }

    /// Appends one event in its own transaction.
    pub fn record(&self, store: &Store, event: &AuditEvent) -> Result<AuditEntry> {
        self.write(store, |audited| audited.append(event))
    }

    /// Runs `f` in one transaction in which it can read and write records and security
    /// data and append audit entries; everything commits together, then the head file is
    /// updated.
    pub fn write<T>(
        &self,
        store: &Store,
        f: impl FnOnce(&mut Audited<'_>) -> Result<T>,
    ) -> Result<T> {
        let now = store.clock().now();
        let (value, head) = store.with_conn(|conn| {
            let mut audited = Audited {
                conn,
                now,
                trail: self,
                head: None,
                locked: false,
                journal: Journal::default(),
                last: None,
            };
            let value = f(&mut audited)?;
            audited.seal_leftover_writes()?;
            Ok((value, audited.head))
        })?;
        if let Some(head) = head {
            self.fresh_key.store(false, Ordering::Relaxed);
            self.head.publish(head);
        }
        Ok(value)
    }

    /// Checks the log as `verify` does, then records the check as `by` (action `verify`):
    /// a success with the entries counted, or a failure naming the problem, since a
    /// failed check is evidence an auditor must be able to find later.
    pub fn verify_and_record(
        &self,
        store: &Store,
        by: AuditEvent,
    ) -> Result<Result<Verified, Tamper>> {
        let verdict = self.verify(store)?;
        let mut event = by;
        event.action = Action::Verify;
        let event = match &verdict {
            Ok(verified) => event
                .outcome(Outcome::Success)
                .reason(&format!("audit chain intact: {} entries", verified.entries)),
            Err(tamper) => event
                .outcome(Outcome::Failure)
                .reason(&format!("audit chain check failed: {tamper}")),
        };
        self.record(store, &event)?;
        Ok(verdict)
    }

    /// Checks the whole log against the key and the recorded head. The outer `Result` is
    /// a failure to read; the inner one is the verdict.
    pub fn verify(&self, store: &Store) -> Result<Result<Verified, Tamper>> {
        self.verify_after(store, None)
    }

    /// Checks the entries after the last checkpoint (`audit.verified`, written by the
    /// previous successful check of this kind) and the head, then moves the checkpoint
    /// to the newest entry; the whole log when there is no authentic checkpoint. Fast at
    /// every start however long the log; an entry altered before the checkpoint is left
    /// to the full `verify`.
    pub fn verify_incrementally(&self, store: &Store) -> Result<Result<Verified, Tamper>> {
        let path = self.dir.join(AUDIT_CHECKPOINT_FILE);
        let checkpoint = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| Head::read(&text, &self.key).ok());
        let verdict = self.verify_after(store, checkpoint)?;
        if let Ok(verified) = &verdict {
            let write = || -> std::io::Result<()> {
                let tmp = path.with_extension("tmp");
                let mut file = crate::private_file::create(&tmp)?;
                file.write_all(verified.head.to_text(&self.key).as_bytes())?;
                file.sync_all()?;
                std::fs::rename(&tmp, &path)
            };
            write().map_err(|e| io_error(&path, "cannot write the audit checkpoint", &e))?;
        }
        Ok(verdict)
    }

    fn verify_after(
        &self,
        store: &Store,
        checkpoint: Option<Head>,
    ) -> Result<Result<Verified, Tamper>> {
        let (head, head_problem) = match self.read_head()? {
            None => (None, None),
            Some(Ok(head)) => (Some(head), None),
            Some(Err(tamper)) => (None, Some(tamper)),
        };
        // The log is read a page at a time (bounded memory for any length); each window
        // carries some entries past what it checks, to classify a problem near its end.
        const PAGE: usize = 10_000;
        const LOOKAHEAD: usize = 256;
        let anchors = match self.read_anchors()? {
            Ok(anchors) => anchors,
            Err(tamper) => return Ok(Err(tamper)),
        };
        let walk_from = |from: &Head| privacy::ChainWalk::resume(&self.key, head.as_ref(), from);
        let mut walk = checkpoint
            .as_ref()
            .map_or_else(
                || privacy::ChainWalk::new(&self.key, head.as_ref()),
                walk_from,
            )
            .with_anchors(&anchors);
        let mut window: Vec<AuditEntry> = Vec::new();
        let mut after = walk.start();
        let mut unreadable = None;
        let mut verdict = Ok(());
        let mut history_problem: Option<(i64, Tamper)> = None;
        loop {
            let (rows, page, history) = store.with_conn(|conn| {
                let rows = conn.query(
                    &format!(
                        "SELECT {COLUMNS} FROM audit_log WHERE seq > ? ORDER BY seq LIMIT {PAGE}"
                    ),
                    &[Value::Int(after)],
                )?;
                let mut page = Vec::with_capacity(rows.len());
                for row in &rows {
                    match read_entry(row) {
                        Ok(entry) => page.push(entry),
                        Err(reason) => {
                            unreadable.get_or_insert((row.int(0), reason));
                        }
                    }
                }
                attach_patients(conn, &mut page)?;
                // Unreadable writes text cannot be: the MAC covered it, and the chain is
                // checked before any problem found here is reported.
                let notes: Vec<Option<Vec<WriteNote>>> = page
                    .iter()
                    .map(|entry| {
                        entry
                            .event
                            .writes
                            .as_deref()
                            .and_then(|w| serde_json::from_str(w).ok())
                    })
                    .collect();
                // The history rows this page's entries sealed, rechecked against their
                // digests, and their writes as split by chart; a problem is reported only
                // once the chain up to its entry checks out.
                let writes: Vec<(i64, &[WriteNote])> = page
                    .iter()
                    .zip(&notes)
                    .filter_map(|(entry, notes)| notes.as_deref().map(|n| (entry.seq, n)))
                    .collect();
                let history = crate::audit_writes::check_history(conn, &writes)?
                    .map(|(seq, problem)| (seq, history_tamper(seq, problem)));
                let split: Vec<(&AuditEntry, Option<&[WriteNote]>)> = page
                    .iter()
                    .zip(&notes)
                    .map(|(e, n)| (e, n.as_deref()))
                    .collect();
                let split = crate::audit_patient_writes::check(conn, &split)?;
                let history = match (history, split) {
                    (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
                    (a, b) => a.or(b),
                };
                Ok((
                    (rows.len(), rows.last().map(|row| row.int(0))),
                    page,
                    history,
                ))
            })?;
            let mut page = page;
            if history_problem.is_none() {
                history_problem = history;
            }
            let (rows, last_seq) = rows;
            let last_page = rows < PAGE;
            if let Some(seq) = last_seq {
                after = seq;
            }
            window.append(&mut page);
            let upto = if last_page {
                window.len()
            } else {
                window.len().saturating_sub(LOOKAHEAD)
            };
            if let Err(tamper) = walk.feed(&window, upto) {
                verdict = Err(tamper);
                break;
            }
            // A sealed history row that no longer checks out, in an entry the chain has
            // vouched for by now, is the first problem.
            let fed_through = upto
                .checked_sub(1)
                .and_then(|i| window.get(i))
                .map(|e| e.seq);
            if let (Some((seq, problem)), Some(through)) = (&history_problem, fed_through)
                && *seq <= through
            {
                verdict = Err(problem.clone());
                break;
            }
            window.drain(..upto);
            if last_page {
                break;
            }
        }
        let verdict = match (verdict, history_problem) {
            (Ok(()), Some((_, problem))) => Err(problem),
            (verdict, _) => verdict,
        };
        let verdict = verdict.and_then(|()| walk.finish());
        // A head that is not authentic counts as no head, and is named when the chain
        // itself is intact.
        let verdict = match (verdict, head_problem) {
            (Ok(_) | Err(Tamper::NoHead { .. }), Some(problem)) => Err(problem),
            (verdict, _) => verdict,
        };
        // A skipped unreadable row shows up as a gap at its place, or later; report the
        // row itself unless something earlier broke first.
        Ok(match (verdict, unreadable) {
            (Err(tamper), Some((seq, reason))) if first_seq(&tamper) >= seq => {
                Err(Tamper::Unreadable { seq, reason })
            }
            (Ok(_), Some((seq, reason))) => Err(Tamper::Unreadable { seq, reason }),
            (verdict, _) => verdict,
        })
    }
}

impl Drop for AuditTrail {
    fn drop(&mut self) {
        if let Err(e) = self.head.flush() {
            eprintln!("audit: {e}");
        }
        self.head.close();
    }
}

fn history_tamper(seq: i64, problem: crate::audit_writes::HistoryProblem) -> Tamper {
    let crate::audit_writes::HistoryProblem {
        history_id,
        kind,
        record_id,
        version,
        present,
    } = problem;
    if present {
        Tamper::HistoryAltered {
            seq,
            history_id,
            kind,
            record_id,
            version,
        }
    } else {
        Tamper::HistoryDeleted {
            seq,
            history_id,
            kind,
            record_id,
            version,
        }
    }
}

/// The entry a tamper report names first.
fn first_seq(tamper: &Tamper) -> i64 {
    match tamper {
        Tamper::Altered { seq }
        | Tamper::Deleted { seq, .. }
        | Tamper::DeletedRenumbered { seq }
        | Tamper::Reordered { seq, .. }
        | Tamper::Inserted { seq }
        | Tamper::Unreadable { seq, .. }
        | Tamper::HeadMismatch { seq }
        | Tamper::AnchorMismatch { seq }
        | Tamper::HistoryAltered { seq, .. }
        | Tamper::HistoryDeleted { seq, .. }
        | Tamper::PatientWritesAltered { seq, .. } => *seq,
        Tamper::MissingAtEnd { last, .. } | Tamper::AnchoredMissingAtEnd { last, .. } => *last + 1,
        Tamper::NoHead { .. }
        | Tamper::HeadForged { .. }
        | Tamper::HeadUnsigned { .. }
        | Tamper::AnchorForged { .. } => i64::MAX,
    }
}

/// One transaction with auditing: records, security data and audit appends commit together.
pub struct Audited<'a> {
    conn: &'a mut dyn Conn,
    now: OffsetDateTime,
    trail: &'a AuditTrail,
    head: Option<Head>,
    locked: bool,
    /// Writes made since the last entry appended, sealed into the next one.
    journal: Journal,
    /// The last entry appended in this transaction.
    last: Option<AuditEvent>,
}

impl Audited<'_> {
    /// The transaction's clock reading.
    pub fn now(&self) -> OffsetDateTime {
        self.now
    }

    /// From now on, a record created in this transaction is sealed by the SHA-256 of its
    /// values alone, not the values too (a generated bulk write: the values are the
    /// records themselves, and copying them would double the store).
    pub(crate) fn seal_creates_by_digest(&mut self) {
        self.journal.1 = true;
    }

    /// The record repository, on this transaction.
    pub fn records(&mut self) -> Tx<'_> {
        Tx::journaled(&mut *self.conn, self.now, &mut self.journal)
    }

    /// Writes made after the transaction's last entry are sealed into one more entry
    /// like it (same user, channel, patient), so no write of an audited transaction
    /// escapes the chain. Writes in a transaction that appended no entry at all are left
    /// as they are: there is no one to name.
    fn seal_leftover_writes(&mut self) -> Result<()> {
        let (Some(last), Some(first)) = (self.last.clone(), self.journal.0.first()) else {
            return Ok(());
        };
        let action = match first.action.as_str() {
            "create" => Action::Create,
            "delete" => Action::Delete,
            _ => Action::Update,
        };
        let mut event = last;
        event.at = self.now;
        event.action = action;
        event.outcome = Outcome::Success;
        event.old_values = None;
        event.new_values = None;
        event.reason = Some("records written after the entry before this one".into());
        self.append(&event).map(|_| ())
    }

    /// The connection, for the store's own audited modules.
    pub(crate) fn conn(&mut self) -> &mut dyn Conn {
        &mut *self.conn
    }

    /// Users, sessions, tokens and grants, on this transaction.
    pub fn security(&mut self) -> Security<'_> {
        Security::new(&mut *self.conn, self.now)
    }

    /// Runs `f` inside a savepoint of this transaction. When `f` fails, what it wrote
    /// (records and audit entries alike) is undone and the transaction goes on without it:
    /// the inner `Err`. The outer `Err` is a failure of the savepoint itself, after which
    /// the whole transaction must be abandoned.
    pub fn savepoint<T>(
        &mut self,
        f: impl FnOnce(&mut Audited<'_>) -> Result<T>,
    ) -> Result<Result<T>> {
        // The chain continues from the head as it was before `f`, and on PostgreSQL a lock
        // taken inside a rolled-back savepoint is released with it.
        let (head, locked) = (self.head, self.locked);
        let (noted, last) = (self.journal.0.len(), self.last.clone());
        // Prepared once and cached, unlike `batch`: a group commit runs these per message.
        self.conn.execute("SAVEPOINT audited_part", &[])?;
        match f(self) {
            Ok(value) => {
                self.conn.execute("RELEASE SAVEPOINT audited_part", &[])?;
                Ok(Ok(value))
            }
            Err(error) => {
                self.conn
                    .execute("ROLLBACK TO SAVEPOINT audited_part", &[])?;
                self.conn.execute("RELEASE SAVEPOINT audited_part", &[])?;
                self.head = head;
                self.locked = locked;
                self.journal.0.truncate(noted);
                self.last = last;
                Ok(Err(error))
            }
        }
    }

    /// When records were written since the last entry, appends an entry like `template`
    /// for them: the transaction's time, the patients written, the action of the first
    /// write; nothing otherwise.
    pub fn append_pending_writes(&mut self, template: &AuditEvent) -> Result<()> {
        let Some(first) = self.journal.0.first() else {
            return Ok(());
        };
        let action = match first.action.as_str() {
            "create" => Action::Create,
            "delete" => Action::Delete,
            _ => Action::Update,
        };
        let mut patients: Vec<PatientId> = self
            .journal
            .0
            .iter()
            .filter_map(|note| note.patient.map(PatientId))
            .collect();
        patients.sort_unstable_by_key(|p| p.0);
        patients.dedup();
        let mut event = template.clone().patients(&patients);
        event.at = privacy::AuditEvent::new(self.now, "", action, event.channel).at;
        event.action = action;
        event.reason = Some(format!(
            "{}{} records written",
            template
                .reason
                .as_deref()
                .map_or(String::new(), |reason| format!("{reason}: ")),
            self.journal.0.len()
        ));
        self.append(&event).map(|_| ())
    }

    /// Appends `event` to the chain, with the record writes made since the last entry
    /// (`audit_writes`) unless it names its writes itself.
    pub fn append(&mut self, event: &AuditEvent) -> Result<AuditEntry> {
        if event.writes.is_none()
            && let Some((text, notes)) = self.journal.take()
        {
            let mut event = event.clone();
            event.writes = Some(text);
            return self.append_sealed(&event, Some(&notes));
        }
        self.append_sealed(event, None)
    }

    /// `notes`: the entry's writes, when they came from the journal rather than the caller.
    fn append_sealed(
        &mut self,
        event: &AuditEvent,
        notes: Option<&[WriteNote]>,
    ) -> Result<AuditEntry> {
        // Measurement only (tools/load/run.sh): what the load costs without the chain. The
        // feature is off in every product build; `chartroom` passes it through for the bench.
        if cfg!(feature = "bench-skip-audit") {
            return Ok(AuditEntry {
                seq: 0,
                event: event.clone(),
                mac: GENESIS,
            });
        }
        if !self.locked && self.conn.dialect() == Dialect::Postgres {
            self.conn.batch("LOCK TABLE audit_log IN EXCLUSIVE MODE")?;
            self.locked = true;
        }
        // This transaction holds the log's write lock from its first append on, so the
        // entry it appended last is still the newest: chain from it without a query.
        if let Some(head) = self.head {
            return self.insert(event, head.seq + 1, head.mac, notes);
        }
        let last = self.conn.query_one(
            "SELECT seq, mac FROM audit_log ORDER BY seq DESC LIMIT 1",
            &[],
        )?;
        let (seq, prev) = match &last {
            None => (1, GENESIS),
            Some(row) => {
                // Entries this transaction appended are chained with the new key already.
                if self.head.is_none() && self.trail.fresh_key.load(Ordering::Relaxed) {
                    return Err(Error::Conflict(format!(
                        "the audit key {} was just created, but the audit log already has entries: restore the key from backup before anything else is audited",
                        self.trail.dir.join(AUDIT_KEY_FILE).display()
                    )));
                }
                let mac = row.text(1).and_then(Mac::from_hex).ok_or_else(|| {
                    Error::Database(format!(
                        "audit entry {} has an unreadable MAC, so nothing can be chained to it; run `chartroom audit verify`",
                        row.int(0)
                    ))
                })?;
                (row.int(0) + 1, mac)
            }
        };
        self.insert(event, seq, prev, notes)
    }

    /// Seals `event` as entry `seq` after `prev` and stores it.
    fn insert(
        &mut self,
        event: &AuditEvent,
        seq: i64,
        prev: Mac,
        notes: Option<&[WriteNote]>,
    ) -> Result<AuditEntry> {
        let mac = privacy::seal(&self.trail.key, seq, event, &prev);
        let e = event;
        self.conn.execute(
            &format!("INSERT INTO audit_log ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
            &[
                Value::Int(seq),
                Value::Timestamp(e.at),
                Value::from(e.user.as_str()),
                Value::from(e.roles.to_list()),
                Value::from(e.action.as_str()),
                Value::from(e.outcome.as_str()),
                Value::from(e.channel.as_str()),
                Value::from(e.patient_id.map(|p| p.0)),
                Value::from(e.record_kind.clone()),
                Value::from(e.record_id),
                Value::from(DataCategory::to_list(&e.categories)),
                Value::from(e.source.clone()),
                Value::from(e.client.clone()),
                Value::from(e.reason.clone()),
                Value::from(e.old_values.clone()),
                Value::from(e.new_values.clone()),
                Value::from(mac.to_hex()),
                Value::from(e.writes.clone()),
            ],
        )?;
        // The list is part of the entry (its MAC covers it): same transaction, append-only.
        for chunk in e.patients.chunks(PATIENT_ROWS_PER_INSERT) {
            let rows = vec!["(?, ?)"; chunk.len()].join(", ");
            let params: Vec<Value> = chunk
                .iter()
                .flat_map(|p| [Value::Int(seq), Value::Int(p.0)])
                .collect();
            self.conn.execute(
                &format!("INSERT INTO audit_patients (seq, patient_id) VALUES {rows}"),
                &params,
            )?;
        }
        crate::audit_patient_writes::index(self.conn, seq, event, notes)?;
        self.head = Some(Head { seq, mac });
        self.last = Some(event.clone());
        Ok(AuditEntry {
            seq,
            event: event.clone(),
            mac,
        })
    }
}

/// Which entries to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this patient.
    pub patient_id: Option<PatientId>,
    /// Only this user.
    pub user: Option<String>,
    /// At or after.
    pub since: Option<OffsetDateTime>,
    /// Before.
    pub until: Option<OffsetDateTime>,
    /// Only this action.
    pub action: Option<Action>,
    /// Only this channel.
    pub channel: Option<Channel>,
    /// Only this outcome.
    pub outcome: Option<Outcome>,
    /// At most this many (newest last).
    pub limit: Option<i64>,
}

impl AuditFilter {
    /// The filters in words (`patient 12, action read`, or `no filter`), for the entry
    /// that records a look at the report.
    pub fn describe(&self) -> String {
        let mut filters = Vec::new();
        if let Some(patient) = self.patient_id {
            filters.push(format!("patient {}", patient.0));
        }
        if let Some(user) = &self.user {
            filters.push(format!("user {user}"));
        }
        if let Some(action) = self.action {
            filters.push(format!("action {}", action.as_str()));
        }
        if let Some(channel) = self.channel {
            filters.push(format!("channel {}", channel.as_str()));
        }
        if let Some(outcome) = self.outcome {
            filters.push(format!("outcome {}", outcome.as_str()));
        }
        if let Some(since) = self.since {
            filters.push(format!("since {since}"));
        }
        if let Some(until) = self.until {
            filters.push(format!("until {until}"));
        }
        if filters.is_empty() {
            "no filter".to_owned()
        } else {
            filters.join(", ")
        }
    }
}

impl Store {
    /// Audit entries matching `filter`, oldest first. Reading needs no key.
    pub fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let (sql, params) = entries_query(COLUMNS, filter);
        self.with_conn(|conn| {
            let mut entries = read_entries(&conn.query(&sql, &params)?)?;
            attach_patients(conn, &mut entries)?;
            Ok(entries)
        })
    }

    /// The number of audit entries.
    pub fn audit_count(&self) -> Result<i64> {
        self.with_conn(|conn| {
            Ok(conn
                .query_one("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log", &[])?
                .map_or(0, |r| r.int(0)))
        })
    }
}

/// The query for the entries matching `filter`, selecting `columns` (named as in
/// `COLUMNS`), and its parameters: with a limit, the newest `limit` entries, oldest first.
pub(crate) fn entries_query(columns: &str, filter: &AuditFilter) -> (String, Vec<Value>) {
    let (filter_sql, mut params) = filter_clauses(filter);
    let sql = match filter.limit {
        Some(limit) => {
            params.push(Value::Int(limit));
            format!(
                "SELECT {COLUMNS} FROM (SELECT {columns} FROM audit_log{filter_sql} ORDER BY seq DESC LIMIT ?) newest ORDER BY seq"
            )
        }
        None => format!("SELECT {columns} FROM audit_log{filter_sql} ORDER BY seq"),
    };
    (sql, params)
}

/// The `WHERE` clause (empty, or with a leading space) and its parameters for `filter`.
pub(crate) fn filter_clauses(filter: &AuditFilter) -> (String, Vec<Value>) {
    let mut clauses = Vec::new();
    let mut params = Vec::new();
    if let Some(patient) = filter.patient_id {
        clauses.push(
            "(patient_id = ? OR seq IN (SELECT seq FROM audit_patients WHERE patient_id = ?))",
        );
        params.push(Value::Int(patient.0));
        params.push(Value::Int(patient.0));
    }
    if let Some(user) = &filter.user {
        clauses.push("username = ?");
        params.push(Value::from(crate::security::normalize_username(user)));
    }
    if let Some(since) = filter.since {
        clauses.push("at >= ?");
        params.push(Value::Timestamp(since));
    }
    if let Some(until) = filter.until {
        clauses.push("at < ?");
        params.push(Value::Timestamp(until));
    }
    if let Some(action) = filter.action {
        clauses.push("action = ?");
        params.push(Value::from(action.as_str()));
    }
    if let Some(channel) = filter.channel {
        clauses.push("channel = ?");
        params.push(Value::from(channel.as_str()));
    }
    if let Some(outcome) = filter.outcome {
        clauses.push("outcome = ?");
        params.push(Value::from(outcome.as_str()));
    }
    let filter_sql = if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    };
    (filter_sql, params)
}

/// Rows of `audit_patients` per INSERT (two parameters each, well under SQLite's limit).
const PATIENT_ROWS_PER_INSERT: usize = 400;

/// Fills in the patient lists of `entries` (in `seq` order) from `audit_patients`. The list
/// is read in patient order, the order it was sealed in. A run of consecutive entries (the
/// chain walked page by page) is one range query; scattered ones (a patient's entries, found
/// among millions) are looked up by `seq`, so a report never reads the lists of the entries
/// between them (a demo or import entry alone lists every patient it wrote).
pub(crate) fn attach_patients(conn: &mut dyn Conn, entries: &mut [AuditEntry]) -> Result<()> {
    let (Some(first), Some(last)) = (entries.first(), entries.last()) else {
        return Ok(());
    };
    let consecutive = usize::try_from(last.seq - first.seq + 1).ok() == Some(entries.len());
    let rows = if consecutive {
        conn.query(
            "SELECT seq, patient_id FROM audit_patients WHERE seq >= ? AND seq <= ? ORDER BY seq, patient_id",
            &[Value::Int(first.seq), Value::Int(last.seq)],
        )?
    } else {
        let mut rows = Vec::new();
        for chunk in entries.chunks(SEQS_PER_LOOKUP) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let seqs: Vec<Value> = chunk.iter().map(|entry| Value::Int(entry.seq)).collect();
            rows.extend(conn.query(
                &format!("SELECT seq, patient_id FROM audit_patients WHERE seq IN ({marks}) ORDER BY seq, patient_id"),
                &seqs,
            )?);
        }
        rows
    };
    if rows.is_empty() {
        return Ok(());
    }
    let mut lists: std::collections::HashMap<i64, Vec<PatientId>> =
        std::collections::HashMap::new();
    for row in &rows {
        lists
            .entry(row.int(0))
            .or_default()
            .push(PatientId(row.int(1)));
    }
    for entry in entries {
        if let Some(list) = lists.remove(&entry.seq) {
            entry.event.patients = list;
        }
    }
    Ok(())
}

/// Entries looked up per `seq IN (...)` query (one parameter each, well under SQLite's limit).
const SEQS_PER_LOOKUP: usize = 500;

/// Entries from rows of `COLUMNS`; an unreadable one is named as corrupt.
pub(crate) fn read_entries(rows: &[Row]) -> Result<Vec<AuditEntry>> {
    rows.iter()
        .map(|row| {
            read_entry(row).map_err(|message| Error::Corrupt {
                kind: "audit entry",
                id: row.int(0),
                message,
            })
        })
        .collect()
}

pub(crate) fn read_entry(row: &Row) -> std::result::Result<AuditEntry, String> {
    fn named<T>(
        row: &Row,
        idx: usize,
        field: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> std::result::Result<T, String> {
        let text = row.text(idx).unwrap_or_default();
        parse(text).ok_or_else(|| format!("{field} \"{text}\" is not readable"))
    }
    let opt_text = |idx: usize| row.text(idx).map(str::to_owned);
    let at = row
        .get(1)
        .as_instant()
        .ok_or_else(|| "at is not an instant".to_owned())?;
    let roles =
        RoleSet::parse_list(row.text(3).unwrap_or_default()).map_err(|e| format!("roles: {e}"))?;
    let mut event = AuditEvent::new(
        at,
        row.text(2).unwrap_or_default(),
        named(row, 4, "action", Action::parse)?,
        named(row, 6, "channel", Channel::parse)?,
    )
    .roles(&roles)
    .outcome(named(row, 5, "outcome", Outcome::parse)?);
    event.patient_id = row.get(7).as_int().map(PatientId);
    event.record_kind = opt_text(8);
    event.record_id = row.get(9).as_int();
    // Kept in stored order: sorting here would hide an edit that reordered them.
    event.categories = named(row, 10, "categories", DataCategory::parse_list)?;
    event.source = opt_text(11);
    event.client = opt_text(12);
    event.reason = opt_text(13);
    event.old_values = opt_text(14);
    event.new_values = opt_text(15);
    event.writes = opt_text(17);
    let mac = named(row, 16, "mac", Mac::from_hex)?;
    Ok(AuditEntry {
        seq: row.int(0),
        event,
        mac,
    })
}
