//! What an audited transaction wrote, sealed into its audit entry (ASTM E2147 7.1.6–7.1.9:
//! what changed, and the clinical time beside the entry time).
//!
//! Every create, update and soft delete made through a `Tx` that belongs to an audited
//! transaction (or to a store whose plain writes are audited, `Store::audit_writes`) is
//! noted as a `WriteNote`; the next entry appended carries the notes as its `writes` (JSON
//! text under the entry's MAC, layout 3). A create carries the values written; an update or
//! delete points at the `record_history` row it left and carries that row's SHA-256, so
//! `audit verify` can recheck the row and name it when it was edited afterwards.
//!
//! Invariants:
//! - The digest of a history row is computed from the values the store inserted and, at
//!   verification, from the values read back, over one canonical encoding (length-prefixed
//!   fields; the changes as compact JSON with sorted keys, as `serde_json` writes a map),
//!   so both backends (SQLite text, PostgreSQL JSONB) give the same digest.
//! - A note never holds more than the record's own columns (no derived search keys).

use crate::conn::Conn;
use crate::error::Result;
use crate::value::{Row, Value};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// One record write an audit entry stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriteNote {
    /// `create`, `update` or `delete`.
    pub action: String,
    /// The record kind (`patient`, `observation`, ...).
    pub kind: String,
    /// The record id.
    pub id: i64,
    /// The version the write made.
    pub version: i64,
    /// The patient whose chart it is, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient: Option<i64>,
    /// The `record_history` row an update or delete left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<i64>,
    /// SHA-256 (hex) of the history row, or of the created values.
    pub sha256: String,
    /// The values a create wrote (the old values are none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<Json>,
    /// The record's clinical time (when it happened: administered, observed, performed,
    /// authored, admitted, dated), when it differs from the entry's time, so a back-dated
    /// entry shows both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clinical_at: Option<String>,
}

impl WriteNote {
    /// One line for a report: `update observation 12 v3 (patient 5, history row 88,
    /// clinical time 2024-01-02T08:00:00Z)`.
    pub fn describe(&self) -> String {
        let mut details = Vec::new();
        if let Some(patient) = self.patient {
            details.push(format!("patient {patient}"));
        }
        if let Some(history) = self.history {
            details.push(format!("history row {history}"));
        }
        if let Some(at) = &self.clinical_at {
            details.push(format!("clinical time {at}"));
        }
        let mut line = format!(
            "{} {} {} v{}",
            self.action, self.kind, self.id, self.version
        );
        if !details.is_empty() {
            line.push_str(&format!(" ({})", details.join(", ")));
        }
        line
    }
}

/// What an audit entry's writes amount to, for a report that cannot show thousands of
/// them: how many, how many of each action and kind, and the first few.
#[derive(Debug, Clone, PartialEq)]
pub struct WritesSummary {
    /// Every write the entry stands for.
    pub total: usize,
    /// (action, kind, count), in the order first written.
    pub tally: Vec<(String, String, usize)>,
    /// The first writes, in the order written.
    pub first: Vec<WriteNote>,
}

impl WritesSummary {
    /// Summarizes an entry's `writes` text, keeping the first `shown` writes; `None` when
    /// the text is not a list of writes.
    pub fn of(writes: &str, shown: usize) -> Option<Self> {
        let notes: Vec<WriteNote> = serde_json::from_str(writes).ok()?;
        let mut tally: Vec<(String, String, usize)> = Vec::new();
        for note in &notes {
            match tally
                .iter_mut()
                .find(|(action, kind, _)| *action == note.action && *kind == note.kind)
            {
                Some((_, _, n)) => *n += 1,
                None => tally.push((note.action.clone(), note.kind.clone(), 1)),
            }
        }
        Some(Self {
            total: notes.len(),
            tally,
            first: notes.into_iter().take(shown).collect(),
        })
    }

    /// `3 records written (2 create patient, 1 update observation)`.
    pub fn headline(&self) -> String {
        let tally: Vec<String> = self
            .tally
            .iter()
            .map(|(action, kind, n)| format!("{n} {action} {kind}"))
            .collect();
        format!(
            "{} record{} written ({})",
            self.total,
            if self.total == 1 { "" } else { "s" },
            tally.join(", ")
        )
    }

    /// How many writes are not among the first.
    pub fn more(&self) -> usize {
        self.total - self.first.len()
    }
}

/// The writes in an entry's `writes` text that touched `patient`'s chart, and how many the
/// entry lists in all; `None` when the text is not a list of writes. A patient's audit report
/// shows what was done to that chart, not the other charts a bulk entry (a demo, an import,
/// a FHIR transaction) wrote: those are other patients' record ids, and the minimum necessary.
pub fn writes_for_patient(writes: &str, patient: i64) -> Option<(Vec<WriteNote>, usize)> {
    let notes: Vec<WriteNote> = serde_json::from_str(writes).ok()?;
    let total = notes.len();
    let theirs = notes
        .into_iter()
        .filter(|note| note.patient == Some(patient))
        .collect();
    Some((theirs, total))
}

impl std::fmt::Display for WritesSummary {
    /// The headline, then the first writes, then how many more.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.headline())?;
        let first: Vec<String> = self.first.iter().map(WriteNote::describe).collect();
        if !first.is_empty() {
            write!(f, ": {}", first.join("; "))?;
        }
        if self.more() > 0 {
            write!(f, "; and {} more", self.more())?;
        }
        Ok(())
    }
}

/// Columns that hold a record's clinical time, most specific first.
const CLINICAL_TIME_COLUMNS: [&str; 8] = [
    "administered_at",
    "effective_at",
    "performed_at",
    "authored_at",
    "onset_at",
    "start_at",
    "admit_at",
    "service_date",
];

/// The clinical time of a record's values, unless it is the entry's own time.
pub(crate) fn clinical_time(values: &Map<String, Json>, now: OffsetDateTime) -> Option<String> {
    let text = CLINICAL_TIME_COLUMNS
        .iter()
        .find_map(|column| values.get(*column).and_then(Json::as_str))?;
    let same = crate::value::parse_instant(text)
        .is_some_and(|at| at.unix_timestamp_nanos() / 1_000 == now.unix_timestamp_nanos() / 1_000);
    (!same).then(|| text.to_owned())
}

fn hex_digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The digest of a create: the values written, as compact JSON with sorted keys.
pub(crate) fn values_digest(values: &Json) -> String {
    hex_digest(values.to_string().as_bytes())
}

/// One `record_history` row, as digested.
pub(crate) struct HistoryRow<'a> {
    pub id: i64,
    pub kind: &'a str,
    pub record_id: i64,
    pub patient_id: Option<i64>,
    pub version: i64,
    pub action: &'a str,
    pub changed_at: OffsetDateTime,
    pub changed_by: &'a str,
    pub reason: Option<&'a str>,
    pub changes: &'a Json,
}

impl HistoryRow<'_> {
    /// SHA-256 over a length-prefixed encoding of every column.
    pub(crate) fn digest(&self) -> String {
        fn field(out: &mut Vec<u8>, bytes: &[u8]) {
            out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
            out.extend_from_slice(bytes);
        }
        fn opt(out: &mut Vec<u8>, bytes: Option<&[u8]>) {
            match bytes {
                None => out.push(0),
                Some(bytes) => {
                    out.push(1);
                    field(out, bytes);
                }
            }
        }
        let mut out = Vec::with_capacity(256);
        field(&mut out, b"chartroom-record-history 1");
        out.extend_from_slice(&self.id.to_be_bytes());
        field(&mut out, self.kind.as_bytes());
        out.extend_from_slice(&self.record_id.to_be_bytes());
        opt(
            &mut out,
            self.patient_id
                .map(i64::to_be_bytes)
                .as_ref()
                .map(|b| &b[..]),
        );
        out.extend_from_slice(&self.version.to_be_bytes());
        field(&mut out, self.action.as_bytes());
        let micros = self.changed_at.unix_timestamp_nanos().div_euclid(1_000);
        out.extend_from_slice(&micros.to_be_bytes());
        field(&mut out, self.changed_by.as_bytes());
        opt(&mut out, self.reason.map(str::as_bytes));
        field(&mut out, self.changes.to_string().as_bytes());
        hex_digest(&out)
    }
}

/// The writes of one audited transaction not yet sealed into an entry, and whether a
/// create is noted by its digest alone (`true`: a generated bulk write, whose values are
/// the records themselves) rather than with its values too.
#[derive(Debug, Default)]
pub(crate) struct Journal(pub Vec<WriteNote>, pub bool);

impl Journal {
    /// The notes and their text (the entry's `writes`), emptying the journal; `None` when
    /// empty.
    pub(crate) fn take(&mut self) -> Option<(String, Vec<WriteNote>)> {
        if self.0.is_empty() {
            return None;
        }
        let notes = std::mem::take(&mut self.0);
        serde_json::to_string(&notes).ok().map(|text| (text, notes))
    }
}

/// A write whose sealed history row no longer checks out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HistoryProblem {
    pub history_id: i64,
    pub kind: String,
    pub record_id: i64,
    pub version: i64,
    /// `false`: the row is gone; `true`: it is there with other contents.
    pub present: bool,
}

/// Rechecks every history row the `writes` texts point at against its sealed digest;
/// returns the first entry (in `seq` order) with a problem. Rows are read by id, a few
/// hundred per query.
pub(crate) fn check_history(
    conn: &mut dyn Conn,
    entries: &[(i64, &[WriteNote])],
) -> Result<Option<(i64, HistoryProblem)>> {
    let mut wanted: Vec<(i64, &WriteNote)> = Vec::new();
    for (seq, notes) in entries {
        wanted.extend(
            notes
                .iter()
                .filter(|note| note.history.is_some())
                .map(|note| (*seq, note)),
        );
    }
    let mut digests = std::collections::HashMap::new();
    for chunk in wanted.chunks(400) {
        let ids: Vec<Value> = chunk
            .iter()
            .filter_map(|(_, note)| note.history.map(Value::Int))
            .collect();
        let sql = format!(
            "SELECT id, kind, record_id, patient_id, version, action, changed_at, changed_by, reason, changes FROM record_history WHERE id IN ({})",
            vec!["?"; ids.len()].join(", ")
        );
        for row in conn.query(&sql, &ids)? {
            digests.insert(row.int(0), row_digest(&row));
        }
    }
    for (seq, note) in wanted {
        let Some(history_id) = note.history else {
            continue;
        };
        let present = match digests.get(&history_id) {
            Some(Some(digest)) if *digest == note.sha256 => continue,
            Some(_) => true,
            None => false,
        };
        return Ok(Some((
            seq,
            HistoryProblem {
                history_id,
                kind: note.kind.clone(),
                record_id: note.id,
                version: note.version,
                present,
            },
        )));
    }
    Ok(None)
}

/// The digest of a history row as read back (`None` when a column cannot be read, which
/// counts as altered).
fn row_digest(row: &Row) -> Option<String> {
    let changes = match row.get(9) {
        Value::Json(json) => json.clone(),
        Value::Text(text) => serde_json::from_str(text).ok()?,
        _ => return None,
    };
    Some(
        HistoryRow {
            id: row.int(0),
            kind: row.text(1)?,
            record_id: row.int(2),
            patient_id: row.get(3).as_int(),
            version: row.int(4),
            action: row.text(5)?,
            changed_at: row.get(6).as_instant()?,
            changed_by: row.text(7)?,
            reason: row.text(8),
            changes: &changes,
        }
        .digest(),
    )
}
