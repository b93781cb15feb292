//! Reading many records of a kind in one query per chunk of ids or of a column's values,
//! for batch work (claims for a whole day's encounters) that would otherwise read them one
//! at a time.

use crate::error::Result;
use crate::table::Table;
use crate::tx::{Stored, Tx};
use crate::value::Value;
use std::collections::HashMap;

/// Ids per query: far under SQLite's and PostgreSQL's limits on parameters, and the
/// statement text repeats (so stays prepared) for every full chunk.
const CHUNK: usize = 500;

impl Tx<'_> {
    /// The records with these ids, deleted or not (as `find` reads them), in id order; ids
    /// that do not exist are left out, repeated ids read once.
    pub fn find_many<R: Table>(&mut self, ids: &[i64]) -> Result<Vec<Stored<R>>> {
        let mut found = self.where_in::<R>("id", ids, false)?;
        for stored in &found {
            if stored.meta.deleted.is_none() {
                self.note_live(R::TABLE, stored.meta.id);
            }
        }
        found.sort_by_key(|s| s.meta.id);
        Ok(found)
    }

    /// The current records whose integer `column` is one of `values` (`patient_id`,
    /// `encounter_id`: indexed columns), in id order.
    pub fn select_in<R: Table>(&mut self, column: &str, values: &[i64]) -> Result<Vec<Stored<R>>> {
        let mut found = self.where_in::<R>(column, values, true)?;
        for stored in &found {
            self.note_live(R::TABLE, stored.meta.id);
        }
        found.sort_by_key(|s| s.meta.id);
        Ok(found)
    }

    /// Which of `keys` of `source` and `kind` are linked to a record (`external_id` for a
    /// batch), with the record each names.
    pub fn external_ids_among(
        &mut self,
        source: &str,
        kind: &str,
        keys: &[String],
    ) -> Result<HashMap<String, i64>> {
        let mut found = HashMap::new();
        for chunk in keys.chunks(CHUNK) {
            let placeholders = vec!["?"; chunk.len()].join(", ");
            let sql = format!(
                "SELECT source_key, record_id FROM external_ids WHERE source = ? AND kind = ? AND source_key IN ({placeholders})"
            );
            let mut params = vec![Value::from(source), Value::from(kind)];
            params.extend(chunk.iter().map(|k| Value::from(k.as_str())));
            for row in self.query(&sql, &params)? {
                if let Some(key) = row.text(0) {
                    found.insert(key.to_owned(), row.int(1));
                }
            }
        }
        Ok(found)
    }

    fn where_in<R: Table>(
        &mut self,
        column: &str,
        values: &[i64],
        current_only: bool,
    ) -> Result<Vec<Stored<R>>> {
        // The column is written into the SQL: only the table's own are taken.
        if column != "id" && !R::COLUMNS.iter().any(|c| c.name == column) {
            return Err(crate::error::Error::Database(format!(
                "{} has no column {column}",
                R::TABLE
            )));
        }
        let mut values = values.to_vec();
        values.sort_unstable();
        values.dedup();
        let mut found = Vec::with_capacity(values.len());
        for chunk in values.chunks(CHUNK) {
            let placeholders = vec!["?"; chunk.len()].join(", ");
            let condition = if current_only {
                format!("deleted_at IS NULL AND {column} IN ({placeholders})")
            } else {
                format!("{column} IN ({placeholders})")
            };
            let params: Vec<Value> = chunk.iter().map(|v| Value::Int(*v)).collect();
            let sql = Self::select_sql::<R>(&condition);
            // Each row is read from the backend's cells as lent, not materialised first.
            self.query_cells(&sql, &params, &mut |cells| {
                found.push(Self::stored_from_cells(cells)?);
                Ok(())
            })?;
        }
        Ok(found)
    }
}
