//! Repository operations inside one transaction: create, read, update, soft delete and
//! history for every record kind, through the generic table mapping.
//!
//! Invariants:
//! - Every write validates the record first and reports every problem at once.
//! - Every update and delete names the version it read; a stale version is refused, so
//!   two users never silently overwrite each other.
//! - Every update and delete appends a `record_history` row with old and new values in the
//!   same transaction as the change.
//! - References to other records are checked before writing, so a bad id gets a message
//!   naming the field instead of a bare foreign-key failure.

use crate::audit_writes::{HistoryRow, Journal, WriteNote, clinical_time, values_digest};
use crate::conn::{Conn, Dialect};
use crate::error::{Error, Result};
use crate::history::{HistoryEntry, changes_json, diff, parse_changes};
use crate::row_de::CellValue;
use crate::table::{
    META_COLUMNS, N_META_COLUMNS, Table, column_list, record_from_values, record_json,
    record_values, values_of, written_columns,
};
use crate::value::{Row, Value};
use serde::Serialize;
use std::collections::HashSet;
use std::fmt;
use time::OffsetDateTime;

/// Who is making a change, as the history and audit trail name them (`user:alice`,
/// `import:synthea`, `demo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor(String);

impl Actor {
    /// An actor by name.
    pub fn new(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Storage metadata of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Meta {
    /// Stable id.
    pub id: i64,
    /// Version, 1 on creation, +1 on every change.
    pub version: i64,
    /// Entry time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Who entered it.
    pub created_by: String,
    /// Last change.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Who changed it last.
    pub updated_by: String,
    /// Set when soft-deleted.
    pub deleted: Option<Deletion>,
}

/// A soft delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deletion {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who.
    pub by: String,
    /// Why.
    pub reason: String,
}

/// A record with its metadata.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stored<R> {
    /// Metadata.
    pub meta: Meta,
    /// The record.
    pub record: R,
}

/// The table a reference column points at.
fn referenced_table(column: &str) -> Option<(&'static str, &'static str)> {
    Some(match column {
        "patient_id" => ("patients", "patient"),
        "payer_id" => ("payers", "payer"),
        "encounter_id" => ("encounters", "encounter"),
        "attending_id" | "performer_id" | "author_id" | "signer_id" | "prescriber_id"
        | "provider_id" => ("providers", "provider"),
        "facility_id" | "organization_id" => ("organizations", "organization"),
        "procedure_id" => ("procedures", "procedure"),
        "charge_id" => ("charges", "charge"),
        "deficiency_id" => ("deficiencies", "deficiency"),
        "replaces_claim_id" => ("claims", "claim"),
        "request_id" => ("roi_requests", "roi_request"),
        "dictation_id" => ("dictations", "dictation"),
        "note_id" => ("notes", "note"),
        _ => return None,
    })
}

/// The metadata of a record from the first `N_META_COLUMNS` cells of its row.
fn read_meta(kind: &'static str, cells: &[CellValue<'_>]) -> Result<Meta> {
    let int = |idx: usize| match cells.get(idx) {
        Some(CellValue::Int(n)) => *n,
        _ => 0,
    };
    let text = |idx: usize| match cells.get(idx) {
        Some(CellValue::Text(text)) => (*text).to_owned(),
        _ => String::new(),
    };
    let at = |idx: usize| match cells.get(idx) {
        Some(CellValue::Timestamp(at)) => Some(*at),
        Some(CellValue::Text(text)) => crate::value::parse_instant(text),
        _ => None,
    };
    let id = int(0);
    let instant = |idx: usize| {
        at(idx).ok_or_else(|| Error::Corrupt {
            kind,
            id,
            message: format!("metadata column {idx} is not an instant"),
        })
    };
    let deleted = at(6).map(|at| Deletion {
        at,
        by: text(7),
        reason: text(8),
    });
    Ok(Meta {
        id,
        version: int(1),
        created_at: instant(2)?,
        created_by: text(3),
        updated_at: instant(4)?,
        updated_by: text(5),
        deleted,
    })
}

/// A transaction's view of the repository. Everything done through one `Tx` commits or
/// rolls back together.
pub struct Tx<'a> {
    conn: &'a mut dyn Conn,
    now: OffsetDateTime,
    /// Records known to exist and not be deleted in this transaction, so a batch that
    /// references the same patient or encounter a thousand times checks it once.
    live: HashSet<(&'static str, i64)>,
    /// Where the writes are noted when the transaction is audited (`audit_writes`).
    journal: Option<&'a mut Journal>,
}

impl<'a> Tx<'a> {
    pub(crate) fn new(conn: &'a mut dyn Conn, now: OffsetDateTime) -> Self {
        Self {
            conn,
            now,
            live: HashSet::new(),
            journal: None,
        }
    }

    /// A transaction whose writes are noted in `journal`, for the audit entry that follows.
    pub(crate) fn journaled(
        conn: &'a mut dyn Conn,
        now: OffsetDateTime,
        journal: &'a mut Journal,
    ) -> Self {
        Self {
            journal: Some(journal),
            ..Self::new(conn, now)
        }
    }

    /// The transaction's clock reading: every row it writes carries this time.
    pub fn now(&self) -> OffsetDateTime {
        self.now
    }

    /// Notes that a record exists and is not deleted, so references to it are not checked
    /// again in this transaction.
    pub(crate) fn note_live(&mut self, table: &'static str, id: i64) {
        self.live.insert((table, id));
    }

    /// The connection, for the store's own modules.
    pub(crate) fn conn(&mut self) -> &mut dyn Conn {
        &mut *self.conn
    }

    /// The SQL engine (for the few queries that differ).
    pub fn dialect(&self) -> Dialect {
        self.conn.dialect()
    }

    /// Raw SQL for read models in domain crates (reports, queries). Writes to record
    /// tables must go through the typed methods so history is kept.
    pub fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        self.conn.query(sql, params)
    }

    /// Runs a query and hands each row's cells to `row`, borrowed (see `Conn::query_cells`).
    pub(crate) fn query_cells(
        &mut self,
        sql: &str,
        params: &[Value],
        row: &mut dyn FnMut(&[crate::row_de::CellValue<'_>]) -> Result<()>,
    ) -> Result<()> {
        self.conn.query_cells(sql, params, row)
    }

    fn check_references<R: Table>(&mut self, values: &[Value]) -> Result<()> {
        for (column, value) in R::COLUMNS.iter().zip(values) {
            let (Some((table, kind)), Value::Int(id)) = (referenced_table(column.name), value)
            else {
                continue;
            };
            if self.live.contains(&(table, *id)) {
                continue;
            }
            let sql = format!("SELECT deleted_at FROM {table} WHERE id = ?");
            match self.conn.query_one(&sql, &[Value::Int(*id)])? {
                None => {
                    return Err(Error::Conflict(format!(
                        "{}.{}: {kind} {id} does not exist",
                        R::KIND,
                        column.name
                    )));
                }
                Some(row) if !matches!(row.get(0), Value::Null) => {
                    return Err(Error::Conflict(format!(
                        "{}.{}: {kind} {id} was deleted",
                        R::KIND,
                        column.name
                    )));
                }
                Some(_) => {
                    self.live.insert((table, *id));
                }
            }
        }
        Ok(())
    }

    fn check_unique<R: Table>(&mut self, values: &[Value], own_id: Option<i64>) -> Result<()> {
        for key in R::UNIQUE {
            let mut clauses = Vec::new();
            let mut params = Vec::new();
            for name in *key {
                let idx = R::COLUMNS.iter().position(|c| c.name == *name);
                let value = idx
                    .and_then(|idx| values.get(idx))
                    .cloned()
                    .unwrap_or(Value::Null);
                clauses.push(format!("{name} = ?"));
                params.push(value);
            }
            params.push(Value::Int(own_id.unwrap_or(-1)));
            let sql = format!(
                "SELECT id FROM {} WHERE {} AND id <> ?",
                R::TABLE,
                clauses.join(" AND ")
            );
            if let Some(row) = self.conn.query_one(&sql, &params)? {
                let described: Vec<String> = key
                    .iter()
                    .zip(&params)
                    .map(|(name, value)| match value {
                        Value::Text(text) => format!("{name} {text}"),
                        other => format!("{name} {other:?}"),
                    })
                    .collect();
                return Err(Error::Conflict(format!(
                    "a {} with {} already exists (id {})",
                    R::KIND,
                    described.join(" and "),
                    row.int(0)
                )));
            }
        }
        Ok(())
    }

    /// Every problem with writing `record` now (replacing `before` in an update).
    fn validated<R: Table>(&self, record: &R, before: Option<&R>) -> Result<()> {
        record
            .validate_write(before, self.now.date())
            .map_err(|errors| Error::Invalid {
                kind: R::KIND,
                errors,
            })
    }

    /// Rewrites the lookup rows of a record's identifiers (patients only).
    fn write_identifier_rows<R: Table>(
        &mut self,
        record: &R,
        id: i64,
        replace: bool,
    ) -> Result<()> {
        let Some(rows) = record.identifier_rows() else {
            return Ok(());
        };
        if replace {
            self.conn.execute(
                "DELETE FROM patient_identifiers WHERE patient_id = ?",
                &[Value::Int(id)],
            )?;
        }
        for (system, value) in rows {
            self.conn.execute(
                "INSERT INTO patient_identifiers (patient_id, system, value) VALUES (?, ?, ?)",
                &[Value::Int(id), Value::from(system), Value::from(value)],
            )?;
        }
        Ok(())
    }

    /// Stores a new record.
    pub fn create<R: Table>(&mut self, actor: &Actor, record: &R) -> Result<Stored<R>> {
        self.validated(record, None)?;
        let mut values = record_values(record)?;
        self.check_references::<R>(&values)?;
        self.check_unique::<R>(&values, None)?;
        values.extend(record.derived_values());
        let n_columns = values.len();
        let placeholders = vec!["?"; n_columns + 5].join(", ");
        let sql = format!(
            "INSERT INTO {} ({}, version, created_at, created_by, updated_at, updated_by) VALUES ({placeholders}) RETURNING id",
            R::TABLE,
            written_columns::<R>().collect::<Vec<_>>().join(", ")
        );
        values.extend([
            Value::Int(1),
            Value::Timestamp(self.now),
            Value::from(actor.name()),
            Value::Timestamp(self.now),
            Value::from(actor.name()),
        ]);
        let row = self
            .conn
            .query_one(&sql, &values)?
            .ok_or_else(|| Error::Database(format!("insert into {} returned no id", R::TABLE)))?;
        self.live.insert((R::TABLE, row.int(0)));
        self.write_identifier_rows(record, row.int(0), false)?;
        if self.journal.is_some() {
            let object = record_json(record)?;
            let note = WriteNote {
                action: "create".into(),
                kind: R::KIND.into(),
                id: row.int(0),
                version: 1,
                patient: Self::patient_of::<R>(row.int(0), &object).as_int(),
                history: None,
                sha256: String::new(),
                clinical_at: clinical_time(&object, self.now),
                new: Some(serde_json::Value::Object(object)),
            };
            let sha256 = note.new.as_ref().map(values_digest).unwrap_or_default();
            if let Some(journal) = self.journal.as_deref_mut() {
                let new = if journal.1 { None } else { note.new };
                journal.0.push(WriteNote {
                    sha256,
                    new,
                    ..note
                });
            }
        }
        Ok(Stored {
            meta: Meta {
                id: row.int(0),
                version: 1,
                created_at: self.now,
                created_by: actor.name().to_owned(),
                updated_at: self.now,
                updated_by: actor.name().to_owned(),
                deleted: None,
            },
            record: record.clone(),
        })
    }

    pub(crate) fn select_sql<R: Table>(filter: &str) -> String {
        format!(
            "SELECT {META_COLUMNS}, {} FROM {} WHERE {filter}",
            column_list::<R>(),
            R::TABLE
        )
    }

    pub(crate) fn stored_from_row<R: Table>(row: &Row) -> Result<Stored<R>> {
        let meta_cells: Vec<CellValue<'_>> = row
            .0
            .iter()
            .take(N_META_COLUMNS)
            .map(CellValue::from)
            .collect();
        let meta = read_meta(R::KIND, &meta_cells)?;
        let values = row.0.get(N_META_COLUMNS..).unwrap_or_default();
        let record = record_from_values::<R>(meta.id, values)?;
        Ok(Stored { meta, record })
    }

    /// A whole record from its row's cells as lent (`Conn::query_cells`), as
    /// `stored_from_row` reads a materialised row.
    pub(crate) fn stored_from_cells<R: Table>(cells: &[CellValue<'_>]) -> Result<Stored<R>> {
        let meta = read_meta(R::KIND, cells)?;
        let values = cells.get(N_META_COLUMNS..).unwrap_or_default();
        let record = R::deserialize(crate::row_de::cell_fields(
            R::COLUMNS,
            values.iter().copied(),
        ))
        .map_err(|e| Error::Corrupt {
            kind: R::KIND,
            id: meta.id,
            message: e.to_string(),
        })?;
        Ok(Stored { meta, record })
    }

    /// The record with `id`, deleted or not, if it exists.
    pub fn find<R: Table>(&mut self, id: i64) -> Result<Option<Stored<R>>> {
        let sql = Self::select_sql::<R>("id = ?");
        match self.conn.query_one(&sql, &[Value::Int(id)])? {
            Some(row) => {
                let stored: Stored<R> = Self::stored_from_row(&row)?;
                if stored.meta.deleted.is_none() {
                    self.live.insert((R::TABLE, id));
                }
                Ok(Some(stored))
            }
            None => Ok(None),
        }
    }

    /// The record with `id`, or `NotFound`.
    pub fn get<R: Table>(&mut self, id: i64) -> Result<Stored<R>> {
        self.find(id)?.ok_or(Error::NotFound { kind: R::KIND, id })
    }

    /// Records matching a SQL condition over the table's columns, deleted ones left out.
    pub fn select<R: Table>(
        &mut self,
        condition: &str,
        params: &[Value],
        order_by: &str,
        limit: i64,
    ) -> Result<Vec<Stored<R>>> {
        let sql = format!(
            "{} ORDER BY {order_by} LIMIT {limit}",
            Self::select_sql::<R>(&format!("deleted_at IS NULL AND ({condition})"))
        );
        let mut found = Vec::new();
        self.conn.query_cells(&sql, params, &mut |cells| {
            found.push(Self::stored_from_cells(cells)?);
            Ok(())
        })?;
        Ok(found)
    }

    /// Every current record of a kind on a patient's chart, oldest entry first.
    pub fn for_patient<R: Table>(&mut self, patient_id: i64) -> Result<Vec<Stored<R>>> {
        self.select("patient_id = ?", &[Value::Int(patient_id)], "id", i64::MAX)
    }

    fn current_for_change<R: Table>(
        &mut self,
        id: i64,
        expected_version: i64,
    ) -> Result<Stored<R>> {
        let current = self.get::<R>(id)?;
        if current.meta.deleted.is_some() {
            return Err(Error::Deleted { kind: R::KIND, id });
        }
        if current.meta.version != expected_version {
            return Err(Error::VersionConflict {
                kind: R::KIND,
                id,
                expected: expected_version,
                actual: current.meta.version,
            });
        }
        Ok(current)
    }

    fn patient_of<R: Table>(id: i64, object: &serde_json::Map<String, serde_json::Value>) -> Value {
        if R::TABLE == "patients" {
            Value::Int(id)
        } else {
            object
                .get("patient_id")
                .and_then(serde_json::Value::as_i64)
                .map_or(Value::Null, Value::Int)
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn append_history(
        &mut self,
        kind: &str,
        id: i64,
        patient: Value,
        version: i64,
        action: &str,
        actor: &Actor,
        reason: Option<&str>,
        changes: serde_json::Value,
        clinical_at: Option<String>,
    ) -> Result<()> {
        let now = self.now;
        let digest_of = |history_id: i64| {
            HistoryRow {
                id: history_id,
                kind,
                record_id: id,
                patient_id: patient.as_int(),
                version,
                action,
                changed_at: now,
                changed_by: actor.name(),
                reason,
                changes: &changes,
            }
            .digest()
        };
        let row = self.conn.query_one(
            "INSERT INTO record_history (kind, record_id, patient_id, version, action, changed_at, changed_by, reason, changes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            &[
                Value::from(kind),
                Value::Int(id),
                patient.clone(),
                Value::Int(version),
                Value::from(action),
                Value::Timestamp(self.now),
                Value::from(actor.name()),
                Value::from(reason),
                Value::Json(changes.clone()),
            ],
        )?;
        let history_id = row
            .ok_or_else(|| Error::Database("insert into record_history returned no id".into()))?
            .int(0);
        if self.journal.is_some() {
            let note = WriteNote {
                action: action.into(),
                kind: kind.into(),
                id,
                version,
                patient: patient.as_int(),
                history: Some(history_id),
                sha256: digest_of(history_id),
                new: None,
                clinical_at,
            };
            if let Some(journal) = self.journal.as_deref_mut() {
                journal.0.push(note);
            }
        }
        Ok(())
    }

    /// Replaces a record's fields, if it is still at `expected_version`. A change that
    /// alters nothing writes nothing.
    pub fn update<R: Table>(
        &mut self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        record: &R,
    ) -> Result<Stored<R>> {
        let current = self.current_for_change::<R>(id, expected_version)?;
        self.update_stored(actor, current, record)
    }

    /// Replaces the fields of `current`, a record as this transaction read it (a batch read
    /// many at once), without reading it again: the write is refused as a version conflict
    /// when the stored row is no longer at `current`'s version.
    pub fn update_stored<R: Table>(
        &mut self,
        actor: &Actor,
        current: Stored<R>,
        record: &R,
    ) -> Result<Stored<R>> {
        let (id, expected_version) = (current.meta.id, current.meta.version);
        if current.meta.deleted.is_some() {
            return Err(Error::Deleted { kind: R::KIND, id });
        }
        self.validated(record, Some(&current.record))?;
        let new = record_json(record)?;
        let values = values_of::<R>(&new)?;
        self.check_references::<R>(&values)?;
        self.check_unique::<R>(&values, Some(id))?;
        let old = record_json(&current.record)?;
        let names: Vec<&str> = R::COLUMNS.iter().map(|c| c.name).collect();
        let changes = diff(&names, &old, &new);
        if changes.is_empty() {
            return Ok(current);
        }
        // Only the changed columns (and the derived ones) are written: the indexes of the
        // others are left alone.
        let mut assignments = Vec::new();
        let mut values: Vec<Value> = R::COLUMNS
            .iter()
            .zip(values)
            .filter(|(column, _)| changes.iter().any(|c| c.field == column.name))
            .map(|(column, value)| {
                assignments.push(format!("{} = ?", column.name));
                value
            })
            .collect();
        assignments.extend(R::DERIVED.iter().map(|name| format!("{name} = ?")));
        values.extend(record.derived_values());
        let sql = format!(
            "UPDATE {} SET {}, version = version + 1, updated_at = ?, updated_by = ? WHERE id = ? AND version = ?",
            R::TABLE,
            assignments.join(", ")
        );
        values.extend([
            Value::Timestamp(self.now),
            Value::from(actor.name()),
            Value::Int(id),
            Value::Int(expected_version),
        ]);
        if self.conn.execute(&sql, &values)? != 1 {
            let actual = self.get::<R>(id)?;
            if actual.meta.deleted.is_some() {
                return Err(Error::Deleted { kind: R::KIND, id });
            }
            return Err(Error::VersionConflict {
                kind: R::KIND,
                id,
                expected: expected_version,
                actual: actual.meta.version,
            });
        }
        self.write_identifier_rows(record, id, true)?;
        let version = expected_version + 1;
        self.append_history(
            R::KIND,
            id,
            Self::patient_of::<R>(id, &new),
            version,
            "update",
            actor,
            None,
            changes_json(&changes),
            clinical_time(&new, self.now),
        )?;
        Ok(Stored {
            meta: Meta {
                version,
                updated_at: self.now,
                updated_by: actor.name().to_owned(),
                ..current.meta
            },
            record: record.clone(),
        })
    }

    /// Soft-deletes a record with a reason; it stays readable by id and in history.
    pub fn delete<R: Table>(
        &mut self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        reason: &str,
    ) -> Result<()> {
        if reason.trim().is_empty() {
            return Err(Error::Invalid {
                kind: R::KIND,
                errors: records::ValidationErrors(vec![records::FieldError {
                    path: "reason".into(),
                    message: "is required to delete a record".into(),
                }]),
            });
        }
        let current = self.current_for_change::<R>(id, expected_version)?;
        self.live.remove(&(R::TABLE, id));
        let object = record_json(&current.record)?;
        let sql = format!(
            "UPDATE {} SET deleted_at = ?, deleted_by = ?, deleted_reason = ?, version = version + 1, updated_at = ?, updated_by = ? WHERE id = ? AND version = ?",
            R::TABLE
        );
        self.conn.execute(
            &sql,
            &[
                Value::Timestamp(self.now),
                Value::from(actor.name()),
                Value::from(reason.trim()),
                Value::Timestamp(self.now),
                Value::from(actor.name()),
                Value::Int(id),
                Value::Int(expected_version),
            ],
        )?;
        self.append_history(
            R::KIND,
            id,
            Self::patient_of::<R>(id, &object),
            expected_version + 1,
            "delete",
            actor,
            Some(reason.trim()),
            serde_json::Value::Object(serde_json::Map::new()),
            clinical_time(&object, self.now),
        )
    }

    /// A record's history, oldest first.
    pub fn history(&mut self, kind: &str, id: i64) -> Result<Vec<HistoryEntry>> {
        let rows = self.conn.query(
            "SELECT kind, record_id, version, action, changed_at, changed_by, reason, changes FROM record_history WHERE kind = ? AND record_id = ? ORDER BY version",
            &[Value::from(kind), Value::Int(id)],
        )?;
        Ok(rows.iter().map(history_entry).collect())
    }

    /// Every change on a patient's chart, newest first.
    pub fn patient_history(&mut self, patient_id: i64, limit: i64) -> Result<Vec<HistoryEntry>> {
        let rows = self.conn.query(
            &format!("SELECT kind, record_id, version, action, changed_at, changed_by, reason, changes FROM record_history WHERE patient_id = ? ORDER BY id DESC LIMIT {limit}"),
            &[Value::Int(patient_id)],
        )?;
        Ok(rows.iter().map(history_entry).collect())
    }

    /// The record an external key was imported as, if any.
    pub fn external_id(&mut self, source: &str, kind: &str, key: &str) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_one(
                "SELECT record_id FROM external_ids WHERE source = ? AND kind = ? AND source_key = ?",
                &[Value::from(source), Value::from(kind), Value::from(key)],
            )?
            .map(|row| row.int(0)))
    }

    /// Remembers which record an external key became.
    pub fn link_external_id(
        &mut self,
        source: &str,
        kind: &str,
        key: &str,
        record_id: i64,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO external_ids (source, kind, source_key, record_id) VALUES (?, ?, ?, ?)",
            &[
                Value::from(source),
                Value::from(kind),
                Value::from(key),
                Value::Int(record_id),
            ],
        )?;
        Ok(())
    }

    /// Forgets an external key, so it can be linked to another record.
    pub(crate) fn unlink_external_id(&mut self, source: &str, kind: &str, key: &str) -> Result<()> {
        self.conn.execute(
            "DELETE FROM external_ids WHERE source = ? AND kind = ? AND source_key = ?",
            &[Value::from(source), Value::from(kind), Value::from(key)],
        )?;
        Ok(())
    }

    /// Every external key of one source and kind, for importers that resolve references
    /// in bulk.
    pub fn external_ids(&mut self, source: &str, kind: &str) -> Result<Vec<(String, i64)>> {
        let rows = self.conn.query(
            "SELECT source_key, record_id FROM external_ids WHERE source = ? AND kind = ?",
            &[Value::from(source), Value::from(kind)],
        )?;
        Ok(rows
            .iter()
            .map(|row| (row.text(0).unwrap_or_default().to_owned(), row.int(1)))
            .collect())
    }
}

fn history_entry(row: &Row) -> HistoryEntry {
    let changes = match row.get(7) {
        Value::Json(json) => parse_changes(json),
        Value::Text(text) => serde_json::from_str(text)
            .map(|json| parse_changes(&json))
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    HistoryEntry {
        kind: row.text(0).unwrap_or_default().to_owned(),
        record_id: row.int(1),
        version: row.int(2),
        action: row.text(3).unwrap_or_default().to_owned(),
        changed_at: row
            .get(4)
            .as_instant()
            .unwrap_or(OffsetDateTime::UNIX_EPOCH),
        changed_by: row.text(5).unwrap_or_default().to_owned(),
        reason: row.text(6).map(str::to_owned),
        changes,
    }
}
