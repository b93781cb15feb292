//! Review kept current as the records change: each step re-reviews only the charts written
//! since the step before. Writes are found by id, not by time: new rows have ids above the
//! last seen in their table, and changes and deletions leave `record_history` rows, so a
//! step reads index ranges and never scans a table.

use crate::findings::Context;
use crate::reconcile::{ReviewCounts, reconcile_loaded};
use crate::rules::RuleSet;
use std::collections::BTreeSet;
use store::{Actor, Store, Value};

/// The tables whose new rows can change what review finds, with their patient column.
const WATCHED: &[(&str, &str)] = &[
    ("patients", "id"),
    ("coverages", "patient_id"),
    ("encounters", "patient_id"),
    ("diagnoses", "patient_id"),
    ("procedures", "patient_id"),
    ("notes", "patient_id"),
    ("charges", "patient_id"),
];

/// Where the last step stopped, per watched table and in the change history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Watermark {
    tables: Vec<i64>,
    history: i64,
}

fn highest(tx: &mut store::Tx<'_>, table: &str) -> store::Result<i64> {
    let rows = tx.query(
        &format!("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM {table}"),
        &[],
    )?;
    Ok(rows.first().map_or(0, |r| r.int(0)))
}

impl Watermark {
    /// Everything written so far counts as seen.
    pub fn now(store: &Store) -> store::Result<Self> {
        store.read(|tx| {
            let mut tables = Vec::with_capacity(WATCHED.len());
            for (table, _) in WATCHED {
                tables.push(highest(tx, table)?);
            }
            Ok(Self {
                tables,
                history: highest(tx, "record_history")?,
            })
        })
    }

    /// The patients written since this mark, and the mark after them.
    pub fn touched(&self, store: &Store) -> store::Result<(BTreeSet<i64>, Watermark)> {
        store.read(|tx| {
            let mut patients = BTreeSet::new();
            let mut next = self.clone();
            next.tables.resize(WATCHED.len(), 0);
            for (idx, (table, column)) in WATCHED.iter().enumerate() {
                let after = next.tables.get(idx).copied().unwrap_or(0);
                for row in tx.query(
                    &format!("SELECT id, {column} FROM {table} WHERE id > ? ORDER BY id"),
                    &[Value::Int(after)],
                )? {
                    patients.insert(row.int(1));
                    if let Some(mark) = next.tables.get_mut(idx) {
                        *mark = (*mark).max(row.int(0));
                    }
                }
            }
            // Review's own changes to deficiencies are not a reason to review again.
            for row in tx.query(
                "SELECT id, patient_id FROM record_history WHERE id > ? AND kind <> 'deficiency' ORDER BY id",
                &[Value::Int(self.history)],
            )? {
                if let Some(patient) = row.get(1).as_int() {
                    patients.insert(patient);
                }
                next.history = next.history.max(row.int(0));
            }
            next.history = next.history.max(highest(tx, "record_history")?);
            Ok((patients, next))
        })
    }
}

/// Re-reviews the charts written since `mark` (in one transaction) and moves it on.
pub fn step(
    store: &Store,
    actor: &Actor,
    mark: &mut Watermark,
    rules: &RuleSet,
    cx: &Context<'_>,
) -> store::Result<ReviewCounts> {
    let (patients, next) = mark.touched(store)?;
    let counts = if patients.is_empty() {
        ReviewCounts::default()
    } else {
        let ids: Vec<i64> = patients.into_iter().collect();
        // A patient id from history may name a deleted patient: it has no chart to load,
        // and its deficiencies stay as they were left.
        store.write(|tx| {
            let mut counts = ReviewCounts::default();
            for chunk in ids.chunks(200) {
                let charts = crate::facts::ChartFacts::load_ids(tx, chunk)?;
                counts.add(reconcile_loaded(tx, actor, &charts, rules, cx)?);
            }
            Ok(counts)
        })?
    };
    *mark = next;
    Ok(counts)
}
