//! Each audit entry's writes split by chart (schema 45, `audit_patient_writes`), so a
//! patient's audit report reads that chart's few writes instead of the whole `writes` text
//! of every bulk entry that lists the patient (a demo or import batch seals tens of
//! thousands of writes, megabytes that SQLite reads through overflow pages on every report
//! listing the entry; under load that was most of the server's time).
//!
//! Invariants:
//! - The rows are written in the appending transaction, derived from the `writes` the
//!   entry's MAC covers; nothing here updates or deletes one (triggers refuse it too).
//! - They are an index, never evidence: `audit verify` derives them again from each sealed
//!   entry and names the first entry whose rows differ (`Tamper::PatientWritesAltered`).
//! - Entries older than the schema (`audit_patient_writes_from`) have no rows; a report
//!   reads their `writes` as before.

use crate::audit::{COLUMNS, attach_patients, entries_query, read_entries};
use crate::audit_writes::WriteNote;
use crate::conn::Conn;
use crate::error::Result;
use crate::value::Value;
use crate::{AuditFilter, Store};
use privacy::{AuditEntry, AuditEvent, Tamper};
use records::PatientId;
use std::collections::BTreeMap;

/// The writes an entry made to one chart, and how many it made in all.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientWrites {
    /// The writes to the patient's chart, in the order written.
    pub notes: Vec<WriteNote>,
    /// Every write the entry stands for.
    pub total: usize,
}

/// For every patient `event` names or wrote to, the writes to that chart (possibly none).
fn split<'a>(event: &AuditEvent, notes: &'a [WriteNote]) -> BTreeMap<i64, Vec<&'a WriteNote>> {
    let mut charts: BTreeMap<i64, Vec<&WriteNote>> = event
        .patient_id
        .iter()
        .chain(&event.patients)
        .map(|patient| (patient.0, Vec::new()))
        .collect();
    for note in notes {
        if let Some(patient) = note.patient {
            charts.entry(patient).or_default().push(note);
        }
    }
    charts
}

/// Rows per INSERT (four parameters each, well under SQLite's limit).
const ROWS_PER_INSERT: usize = 200;

/// Stores entry `seq`'s writes split by chart, in the appending transaction. `notes` are the
/// entry's writes when the caller has them already; otherwise its `writes` text is read (text
/// that is not a list of writes has no split, and a patient's report shows none, as before).
pub(crate) fn index(
    conn: &mut dyn Conn,
    seq: i64,
    event: &AuditEvent,
    notes: Option<&[WriteNote]>,
) -> Result<()> {
    let parsed;
    let notes = match (notes, event.writes.as_deref()) {
        (Some(notes), _) => notes,
        (None, Some(text)) => match serde_json::from_str::<Vec<WriteNote>>(text) {
            Ok(notes) => {
                parsed = notes;
                &parsed
            }
            Err(_) => return Ok(()),
        },
        (None, None) => return Ok(()),
    };
    let total = i64::try_from(notes.len()).unwrap_or(i64::MAX);
    let rows: Vec<[Value; 4]> = split(event, notes)
        .into_iter()
        .map(|(patient, theirs)| {
            let text = serde_json::to_string(&theirs).unwrap_or_else(|_| "[]".to_owned());
            [
                Value::Int(seq),
                Value::Int(patient),
                Value::Int(total),
                Value::Text(text),
            ]
        })
        .collect();
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let marks = vec!["(?, ?, ?, ?)"; chunk.len()].join(", ");
        let params: Vec<Value> = chunk.iter().flatten().cloned().collect();
        conn.execute(
            &format!(
                "INSERT INTO audit_patient_writes (seq, patient_id, total, writes) VALUES {marks}"
            ),
            &params,
        )?;
    }
    Ok(())
}

/// The first entry with split rows (entries before it were written before schema 45).
fn indexed_from(conn: &mut dyn Conn) -> Result<i64> {
    Ok(conn
        .query_one("SELECT MAX(seq) FROM audit_patient_writes_from", &[])?
        .and_then(|row| row.get(0).as_int())
        .unwrap_or(1))
}

impl Store {
    /// The entries matching `filter` that concern `patient`, oldest first, each with the
    /// writes it made to that chart (`None`: the entry wrote nothing, or its writes are not
    /// a list of writes). The entries' own `writes` are not read: `event.writes` is `None`.
    pub fn audit_entries_of_patient(
        &self,
        patient: PatientId,
        filter: &AuditFilter,
    ) -> Result<Vec<(AuditEntry, Option<PatientWrites>)>> {
        let filter = AuditFilter {
            patient_id: Some(patient),
            ..filter.clone()
        };
        let from_sql = "(SELECT MAX(seq) FROM audit_patient_writes_from)";
        // Older entries carry their writes whole; newer ones read none of it (CASE is
        // lazy, so a bulk entry's overflow pages stay unread).
        let columns = format!(
            "{}, CASE WHEN seq < COALESCE({from_sql}, 1) THEN writes END AS writes",
            COLUMNS.replace(", writes", "")
        );
        let (sql, params) = entries_query(&columns, &filter);
        self.with_conn(|conn| {
            let mut entries = read_entries(&conn.query(&sql, &params)?)?;
            attach_patients(conn, &mut entries)?;
            let from = indexed_from(conn)?;
            let mut split = BTreeMap::new();
            let newer: Vec<i64> = entries
                .iter()
                .map(|e| e.seq)
                .filter(|seq| *seq >= from)
                .collect();
            for chunk in newer.chunks(SEQS_PER_LOOKUP) {
                let marks = vec!["?"; chunk.len()].join(", ");
                let mut params = vec![Value::Int(patient.0)];
                params.extend(chunk.iter().map(|seq| Value::Int(*seq)));
                for row in conn.query(
                    &format!("SELECT seq, total, writes FROM audit_patient_writes WHERE patient_id = ? AND seq IN ({marks})"),
                    &params,
                )? {
                    let notes = row
                        .text(2)
                        .and_then(|text| serde_json::from_str::<Vec<WriteNote>>(text).ok());
                    if let Some(notes) = notes {
                        let total = usize::try_from(row.int(1)).unwrap_or(0);
                        split.insert(row.int(0), PatientWrites { notes, total });
                    }
                }
            }
            Ok(entries
                .into_iter()
                .map(|mut entry| {
                    let writes = match entry.event.writes.take() {
                        Some(text) => crate::audit_writes::writes_for_patient(&text, patient.0)
                            .map(|(notes, total)| PatientWrites { notes, total }),
                        None => split.remove(&entry.seq),
                    };
                    (entry, writes)
                })
                .collect())
        })
    }
}

/// Entries looked up per `seq IN (...)` query.
const SEQS_PER_LOOKUP: usize = 500;

/// Checks the split rows of `entries` (consecutive, in `seq` order, with their writes as
/// parsed; `None` for an entry without a list of writes) against what each entry sealed;
/// returns the first entry whose rows differ, as the problem to report.
pub(crate) fn check(
    conn: &mut dyn Conn,
    entries: &[(&AuditEntry, Option<&[WriteNote]>)],
) -> Result<Option<(i64, Tamper)>> {
    let (Some(first), Some(last)) = (entries.first(), entries.last()) else {
        return Ok(None);
    };
    let from = indexed_from(conn)?;
    // Per entry, per patient: the total and the writes listed.
    type Split = BTreeMap<i64, (i64, Option<Vec<WriteNote>>)>;
    let mut stored: BTreeMap<i64, Split> = BTreeMap::new();
    for row in conn.query(
        "SELECT seq, patient_id, total, writes FROM audit_patient_writes WHERE seq >= ? AND seq <= ?",
        &[Value::Int(first.0.seq), Value::Int(last.0.seq)],
    )? {
        let notes = row
            .text(3)
            .and_then(|text| serde_json::from_str::<Vec<WriteNote>>(text).ok());
        stored
            .entry(row.int(0))
            .or_default()
            .insert(row.int(1), (row.int(2), notes));
    }
    for (entry, notes) in entries {
        let mut rows = stored.remove(&entry.seq).unwrap_or_default();
        let expected = match notes {
            Some(notes) if entry.seq >= from => split(&entry.event, notes),
            _ => BTreeMap::new(),
        };
        let total = notes.map_or(0, |n| i64::try_from(n.len()).unwrap_or(i64::MAX));
        for (patient, theirs) in &expected {
            let same = rows.remove(patient).is_some_and(|(t, stored)| {
                t == total && stored.is_some_and(|stored| stored.iter().eq(theirs.iter().copied()))
            });
            if !same {
                return Ok(Some((entry.seq, altered(entry.seq, *patient))));
            }
        }
        if let Some(patient) = rows.keys().next() {
            return Ok(Some((entry.seq, altered(entry.seq, *patient))));
        }
    }
    Ok(None)
}

fn altered(seq: i64, patient: i64) -> Tamper {
    Tamper::PatientWritesAltered { seq, patient }
}
