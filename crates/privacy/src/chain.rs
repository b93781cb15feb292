//! The keyed hash chain over audit entries, and its verification.
//!
//! Entry `n` carries `MAC_n = HMAC-SHA256(key, canonical(n, event_n) || MAC_{n-1})`, with
//! `MAC_0` = 32 zero bytes. The canonical encoding is a fixed field order with length
//! prefixes and presence bytes, never JSON, so no two different entries encode alike.
//! The sequence number is inside the MAC, so moving an entry breaks it even when its
//! contents and MAC travel together.
//!
//! Invariants:
//! - The key never enters the database; without it no one can forge a MAC, so rewriting
//!   the whole table is detected as well as editing one row.
//! - The head (`seq`, `MAC`) of the newest entry is kept outside the database too, so
//!   removing the newest entries is detected: the chain alone cannot see a clean cut.
//! - `verify` reports the first problem in log order and never panics on any input.

use crate::audit::AuditEvent;
use crate::error::{Error, Result};
use hmac::{Hmac, KeyInit, Mac as _};
use sha2::Sha256;
use std::fmt;

mod anchor;
mod head;

pub use anchor::{Anchor, read_anchors};
pub use head::Head;

type HmacSha256 = Hmac<Sha256>;

/// The secret key of the chain (32 bytes).
#[derive(Clone, PartialEq, Eq)]
pub struct AuditKey([u8; 32]);

impl AuditKey {
    /// The key length in bytes.
    pub const LEN: usize = 32;

    /// A key from its bytes (exactly 32).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let key: [u8; 32] = bytes.try_into().map_err(|_| {
            Error::BadHead(format!(
                "the audit key must be {} bytes, found {}",
                Self::LEN,
                bytes.len()
            ))
        })?;
        Ok(Self(key))
    }

    /// The key that seals the head file, derived from this one. A different key means a
    /// MAC copied from a row of the log is never a valid head seal.
    pub fn head_key(&self) -> Self {
        let mut mac = self.mac();
        mac.update(b"chartroom audit head");
        Self(mac.finalize().into_bytes().into())
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC accepts keys of any length, so this never fails; a fallback keeps the
        // no-panic rule without an `expect`.
        <HmacSha256 as KeyInit>::new_from_slice(&self.0)
            .unwrap_or_else(|_| <HmacSha256 as KeyInit>::new(&Default::default()))
    }
}

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuditKey(..)")
    }
}

/// An entry's MAC.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mac(pub [u8; 32]);

/// The MAC that entry 1 chains from.
pub const GENESIS: Mac = Mac([0; 32]);

impl Mac {
    /// Reads the hex form (64 hex digits).
    pub fn from_hex(text: &str) -> Option<Self> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut bytes).ok()?;
        Some(Self(bytes))
    }

    /// The hex form.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mac({})", self.to_hex())
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// One stored audit entry: its place in the log, the event and the MAC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Sequence number, 1 for the first entry, no gaps.
    pub seq: i64,
    /// What happened.
    pub event: AuditEvent,
    /// The chain MAC.
    pub mac: Mac,
}

/// Length-prefixed, presence-tagged field encoder.
struct Canonical(Vec<u8>);

impl Canonical {
    fn bytes(&mut self, bytes: &[u8]) {
        self.0
            .extend_from_slice(&(bytes.len() as u64).to_be_bytes());
        self.0.extend_from_slice(bytes);
    }
    fn int(&mut self, n: i64) {
        self.0.extend_from_slice(&n.to_be_bytes());
    }
    fn opt_text(&mut self, text: Option<&str>) {
        match text {
            None => self.0.push(0),
            Some(text) => {
                self.0.push(1);
                self.bytes(text.as_bytes());
            }
        }
    }
    fn opt_int(&mut self, n: Option<i64>) {
        match n {
            None => self.0.push(0),
            Some(n) => {
                self.0.push(1);
                self.int(n);
            }
        }
    }
}

/// The canonical bytes of entry `seq` holding `event`.
///
/// Layout 1 is every field up to the new values; layout 2, used only when the entry
/// lists several patients, is layout 1 under its own magic followed by the list; layout 3,
/// used only when the entry carries writes, is layout 2's fields under its own magic (the
/// list's count 0 when there is none) followed by the writes' text. So every entry
/// written before lists or writes existed (and every entry without them) encodes exactly
/// as before, and old chains still verify.
pub(crate) fn canonical(seq: i64, event: &AuditEvent) -> Vec<u8> {
    let mut out = Canonical(Vec::with_capacity(256));
    out.bytes(match (&event.writes, event.patients.is_empty()) {
        (Some(_), _) => b"chartroom-audit-entry 3",
        (None, true) => b"chartroom-audit-entry 1",
        (None, false) => b"chartroom-audit-entry 2",
    });
    out.int(seq);
    let micros = event.at.unix_timestamp_nanos().div_euclid(1_000);
    out.int(i64::try_from(micros).unwrap_or(i64::MAX));
    out.bytes(event.user.as_bytes());
    out.bytes(event.roles.to_list().as_bytes());
    out.bytes(event.action.as_str().as_bytes());
    out.bytes(event.outcome.as_str().as_bytes());
    out.bytes(event.channel.as_str().as_bytes());
    out.opt_int(event.patient_id.map(|p| p.0));
    out.opt_text(event.record_kind.as_deref());
    out.opt_int(event.record_id);
    out.bytes(crate::category::DataCategory::to_list(&event.categories).as_bytes());
    out.opt_text(event.source.as_deref());
    out.opt_text(event.client.as_deref());
    out.opt_text(event.reason.as_deref());
    out.opt_text(event.old_values.as_deref());
    out.opt_text(event.new_values.as_deref());
    if !event.patients.is_empty() || event.writes.is_some() {
        out.int(i64::try_from(event.patients.len()).unwrap_or(i64::MAX));
        for patient in &event.patients {
            out.int(patient.0);
        }
    }
    if let Some(writes) = &event.writes {
        out.bytes(writes.as_bytes());
    }
    out.0
}

/// The MAC of entry `seq` holding `event`, chained to the previous entry's MAC.
pub fn seal(key: &AuditKey, seq: i64, event: &AuditEvent, prev: &Mac) -> Mac {
    let mut mac = key.mac();
    mac.update(&canonical(seq, event));
    mac.update(&prev.0);
    Mac(mac.finalize().into_bytes().into())
}

/// A log that checked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// Entries checked.
    pub entries: u64,
    /// The newest entry.
    pub head: Head,
    /// Entries newer than the recorded head (written by a process that stopped before
    /// recording its head; their MACs are still checked).
    pub beyond_head: u64,
    /// Anchored heads the log was found to hold.
    pub anchored: u64,
}

/// The first thing wrong with an audit log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Tamper {
    /// An entry's contents changed after it was written.
    #[error("entry {seq} was altered: its MAC does not match its contents")]
    Altered {
        /// The entry.
        seq: i64,
    },
    /// Entries are missing from the middle (the numbers skip).
    #[error("entry {seq} was deleted: the log goes from entry {} to entry {next}", seq - 1)]
    Deleted {
        /// The first missing entry.
        seq: i64,
        /// The entry found in its place.
        next: i64,
    },
    /// An entry was deleted and the later ones renumbered to close the gap.
    #[error("entry {seq} was deleted and the later entries renumbered to hide the gap")]
    DeletedRenumbered {
        /// The entry that is gone.
        seq: i64,
    },
    /// An authentic entry stands in the wrong place.
    #[error("entry {seq} is out of order: it holds the entry written as number {written_as}")]
    Reordered {
        /// Where it stands.
        seq: i64,
        /// Where it was written.
        written_as: i64,
    },
    /// An entry Chartroom never wrote.
    #[error("entry {seq} was inserted: Chartroom did not write it")]
    Inserted {
        /// The entry.
        seq: i64,
    },
    /// A stored row whose fields cannot be read.
    #[error("entry {seq} was altered: {reason}")]
    Unreadable {
        /// The entry.
        seq: i64,
        /// Which field and why.
        reason: String,
    },
    /// The newest entries are gone.
    #[error(
        "entries are missing at the end: the log ends at entry {last}, but the head recorded outside the database is entry {head}"
    )]
    MissingAtEnd {
        /// The last entry present (0 when none).
        last: i64,
        /// The recorded head.
        head: i64,
    },
    /// The entry at the recorded head is not the one recorded.
    #[error("entry {seq} is not the entry recorded as the head outside the database")]
    HeadMismatch {
        /// The head's sequence number.
        seq: i64,
    },
    /// The head file does not carry a valid seal: Chartroom did not write it with this key.
    #[error(
        "the head recorded outside the database is not authentic ({reason}), so deleted newest entries cannot be ruled out"
    )]
    HeadForged {
        /// What is wrong with it.
        reason: String,
    },
    /// The head file is in the unsigned format of earlier versions, which anyone able to
    /// write the data directory could have written.
    #[error(
        "the head recorded outside the database (entry {seq}) is in the unsigned format of earlier versions, so deleted newest entries cannot be ruled out; the next audited action replaces it with a sealed head"
    )]
    HeadUnsigned {
        /// The entry it names.
        seq: i64,
    },
    /// A line of the anchor file was not written by Chartroom with this key.
    #[error("line {line} of the audit anchor file is not authentic ({reason})")]
    AnchorForged {
        /// The line number (from 1).
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The log holds an authentic entry where an anchor recorded a different one: the log
    /// was rewritten from there (by someone holding the key).
    #[error(
        "entry {seq} is not the entry anchored outside the host as entry {seq}: the log was rewritten from there"
    )]
    AnchorMismatch {
        /// The entry.
        seq: i64,
    },
    /// The log ends before an anchored head.
    #[error(
        "entries are missing at the end: the log ends at entry {last}, but entry {anchored} was anchored outside the host"
    )]
    AnchoredMissingAtEnd {
        /// The last entry present (0 when none).
        last: i64,
        /// The newest anchored entry.
        anchored: i64,
    },
    /// A `record_history` row an entry sealed (by its SHA-256) no longer holds what was
    /// written: someone edited the history.
    #[error(
        "record_history row {history_id} ({kind} {record_id}, version {version}) was altered after entry {seq} sealed it: its contents no longer match the digest"
    )]
    HistoryAltered {
        /// The entry that sealed the row.
        seq: i64,
        /// The `record_history` row.
        history_id: i64,
        /// The record kind the row is about.
        kind: String,
        /// The record.
        record_id: i64,
        /// The version the row says the change made.
        version: i64,
    },
    /// A `record_history` row an entry sealed is gone.
    #[error(
        "record_history row {history_id} ({kind} {record_id}, version {version}), sealed by entry {seq}, was deleted"
    )]
    HistoryDeleted {
        /// The entry that sealed the row.
        seq: i64,
        /// The `record_history` row.
        history_id: i64,
        /// The record kind.
        kind: String,
        /// The record.
        record_id: i64,
        /// The version the change made.
        version: i64,
    },
    /// An entry's writes as split by chart for patients' audit reports
    /// (`audit_patient_writes`) no longer match what the entry sealed: someone edited the
    /// split, so a patient's report could show writes the entry never made, or hide some.
    #[error(
        "the writes of entry {seq} as listed for patient {patient}'s audit report do not match what the entry sealed: they were altered"
    )]
    PatientWritesAltered {
        /// The entry.
        seq: i64,
        /// The patient whose listed writes differ.
        patient: i64,
    },
    /// There are entries but no head to compare them with.
    #[error(
        "the head recorded outside the database is missing, so deleted newest entries cannot be ruled out ({entries} entries otherwise intact)"
    )]
    NoHead {
        /// Entries present.
        entries: u64,
    },
}

/// Checks a whole log held in memory (see [`ChainWalk`] for logs read page by page).
pub fn verify(
    entries: &[AuditEntry],
    key: &AuditKey,
    external_head: Option<&Head>,
) -> Result<Verified, Tamper> {
    let mut walk = ChainWalk::new(key, external_head);
    walk.feed(entries, entries.len())?;
    walk.finish()
}

/// Verification of a log read in order, a window at a time, in bounded memory: each
/// entry's sequence number and MAC are checked against its predecessor's; the recorded
/// head is compared at the end. A problem is classified by looking at the entries of the
/// window it was found in, so a window should reach some entries past what it feeds
/// (an entry moved farther than that is reported as altered rather than reordered).
#[derive(Debug)]
pub struct ChainWalk<'k> {
    key: &'k AuditKey,
    head: Option<Head>,
    prev: Mac,
    expected: i64,
    /// The MAC of the entry the head names, once passed.
    at_head: Option<Mac>,
    /// Anchored heads still ahead of the walk, newest first (popped as they are reached).
    anchors: Vec<Head>,
    /// Anchored heads found in the log so far.
    anchored: u64,
}

impl<'k> ChainWalk<'k> {
    /// A walk from the start of the log, to be compared with `external_head` at the end.
    pub fn new(key: &'k AuditKey, external_head: Option<&Head>) -> Self {
        Self {
            key,
            head: external_head.copied(),
            prev: GENESIS,
            expected: 1,
            at_head: external_head.filter(|h| h.seq == 0).map(|_| GENESIS),
            anchors: Vec::new(),
            anchored: 0,
        }
    }

    /// Also requires the log to hold every anchored head ahead of where the walk starts
    /// (anchors at or before a checkpoint were checked by the walk that set it).
    #[must_use]
    pub fn with_anchors(mut self, anchors: &[Anchor]) -> Self {
        let start = self.start();
        self.anchors = anchors
            .iter()
            .map(|a| a.head)
            .filter(|h| h.seq > start)
            .collect();
        self.anchors.sort_by_key(|h| std::cmp::Reverse(h.seq));
        self
    }

    /// A walk that continues after `from`, an entry already verified (a checkpoint), to be
    /// compared with `external_head` at the end. A head older than the checkpoint cannot
    /// be compared from there, so the walk starts from the first entry instead.
    pub fn resume(key: &'k AuditKey, external_head: Option<&Head>, from: &Head) -> Self {
        if external_head.is_some_and(|h| h.seq < from.seq) {
            return Self::new(key, external_head);
        }
        Self {
            key,
            head: external_head.copied(),
            prev: from.mac,
            expected: from.seq + 1,
            at_head: external_head
                .filter(|h| h.seq == from.seq)
                .map(|_| from.mac),
            anchors: Vec::new(),
            anchored: 0,
        }
    }

    /// The entry after which this walk starts (0 from the beginning).
    pub fn start(&self) -> i64 {
        self.expected - 1
    }

    /// Checks `window[..upto]`, which continue the entries checked so far; the rest of
    /// the window is only looked at to classify a problem.
    pub fn feed(&mut self, window: &[AuditEntry], upto: usize) -> Result<(), Tamper> {
        let first = self.expected;
        for (idx, entry) in window.iter().enumerate().take(upto) {
            if entry.seq > self.expected {
                return Err(Tamper::Deleted {
                    seq: self.expected,
                    next: entry.seq,
                });
            }
            if entry.seq < self.expected {
                return Err(Tamper::Inserted { seq: entry.seq });
            }
            if seal(self.key, entry.seq, &entry.event, &self.prev) != entry.mac {
                return Err(classify(
                    window,
                    first,
                    idx,
                    &self.prev,
                    self.key,
                    self.head.as_ref(),
                ));
            }
            if self.head.is_some_and(|h| h.seq == entry.seq) {
                self.at_head = Some(entry.mac);
            }
            while let Some(anchor) = self.anchors.pop_if(|a| a.seq == entry.seq) {
                if anchor.mac != entry.mac {
                    return Err(Tamper::AnchorMismatch { seq: entry.seq });
                }
                self.anchored += 1;
            }
            self.prev = entry.mac;
            self.expected += 1;
        }
        Ok(())
    }

    /// The verdict once every entry was fed: the head must be in the log and match.
    pub fn finish(self) -> Result<Verified, Tamper> {
        let entries = u64::try_from(self.expected - 1).unwrap_or_default();
        let last = Head {
            seq: self.expected - 1,
            mac: self.prev,
        };
        // An anchor the log does not reach outranks the head: the head file may have been
        // put back along with the cut.
        if let Some(anchored) = self.anchors.first() {
            return Err(Tamper::AnchoredMissingAtEnd {
                last: last.seq,
                anchored: anchored.seq,
            });
        }
        let Some(head) = self.head else {
            return if entries == 0 {
                Ok(Verified {
                    entries: 0,
                    head: last,
                    beyond_head: 0,
                    anchored: self.anchored,
                })
            } else {
                Err(Tamper::NoHead { entries })
            };
        };
        if last.seq < head.seq {
            return Err(Tamper::MissingAtEnd {
                last: last.seq,
                head: head.seq,
            });
        }
        if self.at_head != Some(head.mac) {
            return Err(Tamper::HeadMismatch { seq: head.seq });
        }
        Ok(Verified {
            entries,
            head: last,
            beyond_head: (last.seq - head.seq).unsigned_abs(),
            anchored: self.anchored,
        })
    }
}

/// Says what happened to the entry at `idx`, whose MAC does not verify in place. Every
/// entry before it verified, so `prev` is the authentic MAC of entry `seq - 1`.
fn classify(
    entries: &[AuditEntry],
    first: i64,
    idx: usize,
    prev: &Mac,
    key: &AuditKey,
    head: Option<&Head>,
) -> Tamper {
    let Some(entry) = entries.get(idx) else {
        return Tamper::Inserted { seq: 0 };
    };
    let seq = entry.seq;
    let next = entries.get(idx + 1);
    // `entries` is a window of the log whose first entry sits at position `first`.
    let stored_mac_at = |position: i64| -> Option<Mac> {
        usize::try_from(position - first)
            .ok()
            .and_then(|i| entries.get(i))
            .map(|e| e.mac)
    };

    // Moved: authentic somewhere else. Its predecessor's MAC is stored somewhere in the
    // log (or is the genesis); an entry's original place is next to that predecessor's
    // current place, or at it when two neighbours swapped.
    let mut candidates: Vec<(i64, Mac)> = vec![(1, GENESIS)];
    for (i, e) in entries.iter().enumerate() {
        let position = i as i64 + first;
        candidates.push((position + 1, e.mac));
        candidates.push((position, e.mac));
    }
    for (written_as, pred) in candidates {
        if written_as == seq {
            continue;
        }
        let mac = seal(key, written_as, &entry.event, &pred);
        if mac == entry.mac || Some(mac) == stored_mac_at(written_as) {
            return Tamper::Reordered { seq, written_as };
        }
    }

    // Contents changed in place: the next entry still chains from this entry's MAC.
    let next_links = |n: &AuditEntry, written_as: i64, pred: &Mac| {
        seal(key, written_as, &n.event, pred) == n.mac
    };
    match next {
        Some(n) if next_links(n, n.seq, &entry.mac) => return Tamper::Altered { seq },
        // An entry slipped in before the next one, which was renumbered up by one.
        Some(n) if next_links(n, n.seq - 1, prev) => return Tamper::Inserted { seq },
        // This entry was written as `seq + 1`; its predecessor is gone.
        Some(n) if next_links(n, n.seq + 1, &entry.mac) => {
            return Tamper::DeletedRenumbered { seq };
        }
        Some(_) => {}
        None => match head {
            Some(h) if h.seq == seq && h.mac == entry.mac => return Tamper::Altered { seq },
            Some(h) if h.seq == seq - 1 => return Tamper::Inserted { seq },
            Some(h) if h.seq == seq + 1 && h.mac == entry.mac => {
                return Tamper::DeletedRenumbered { seq };
            }
            _ => {}
        },
    }
    Tamper::Altered { seq }
}

#[cfg(test)]
mod tests;
