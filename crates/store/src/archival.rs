//! Archival: a chart's rows taken out of the live tables whole, put back whole, and the
//! index of archived charts (schema 34) that keeps them findable by MRN and name.
//!
//! The `archive` crate writes the rows to a file and decides when; this module is the SQL.
//!
//! Invariants:
//! - A chart is every row that belongs to the patient: the patient and its identifier
//!   rows, every chart table (`chart_tables`), amendment requests, emergency-access
//!   grants, paper chart volumes with their movements, the `record_history` of all of
//!   these and their external keys. The audit trail stays (its entries keep their MACs),
//!   and so do legal holds, which keep naming the patient.
//! - `remove_chart` deletes exactly the rows it is given: every delete returns what it
//!   removed and the whole transaction fails when that differs in any cell from the
//!   archived copy (a write that slipped in between), so nothing unarchived is lost.
//! - A chart in the patient index's work (a candidate pair, a merge, an overlay flag)
//!   is refused: that work refers to the live chart and is settled first.

use crate::conn::Dialect;
use crate::error::{Error, Result};
use crate::filter::fold_name;
use crate::patient_merge::chart_tables;
use crate::patients::PatientSummary;
use crate::snapshot::{CONTENT_COLUMNS, ContentRef};
use crate::table::{META_COLUMNS, Table};
use crate::tx::{Stored, Tx};
use crate::value::{Row, Value, date_text, instant_text, parse_date, parse_instant};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// One SQL value as an archive file keeps it: the type survives, so a restore writes back
/// exactly what was read (instants to the microsecond, reals by their shortest exact text).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cell {
    /// NULL.
    Null,
    /// An integer.
    Int(i64),
    /// A real, as its exact text.
    Real(String),
    /// Text.
    Text(String),
    /// A boolean.
    Bool(bool),
    /// A date, `YYYY-MM-DD`.
    Date(String),
    /// An instant, fixed-width UTC.
    Timestamp(String),
    /// JSON.
    Json(serde_json::Value),
}

impl Cell {
    fn of(value: &Value) -> Self {
        match value {
            Value::Null => Self::Null,
            Value::Int(n) => Self::Int(*n),
            Value::Real(x) => Self::Real(x.to_string()),
            Value::Text(text) => Self::Text(text.clone()),
            Value::Bool(b) => Self::Bool(*b),
            Value::Date(date) => Self::Date(date_text(*date)),
            Value::Timestamp(at) => Self::Timestamp(instant_text(*at)),
            Value::Json(json) => Self::Json(json.clone()),
        }
    }

    fn value(&self) -> Result<Value> {
        let bad = |what: &str, text: &str| {
            Error::Database(format!("archived {what} {text:?} is unreadable"))
        };
        Ok(match self {
            Self::Null => Value::Null,
            Self::Int(n) => Value::Int(*n),
            Self::Real(text) => Value::Real(text.parse().map_err(|_| bad("real", text))?),
            Self::Text(text) => Value::Text(text.clone()),
            Self::Bool(b) => Value::Bool(*b),
            Self::Date(text) => Value::Date(parse_date(text).ok_or_else(|| bad("date", text))?),
            Self::Timestamp(text) => {
                Value::Timestamp(parse_instant(text).ok_or_else(|| bad("instant", text))?)
            }
            Self::Json(json) => Value::Json(json.clone()),
        })
    }
}

/// The rows of one table that belong to a chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableRows {
    /// The table.
    pub table: String,
    /// Its columns, in the order of each row's cells.
    pub columns: Vec<String>,
    /// The rows, in key order.
    pub rows: Vec<Vec<Cell>>,
}

/// Every row of one chart, parents before children (the order they are put back in).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartRows {
    /// The patient.
    pub patient_id: i64,
    /// Per table.
    pub tables: Vec<TableRows>,
}

impl ChartRows {
    /// Rows in all tables.
    pub fn row_count(&self) -> usize {
        self.tables.iter().map(|t| t.rows.len()).sum()
    }

    /// The rows of `table`.
    pub fn of(&self, table: &str) -> Option<&TableRows> {
        self.tables.iter().find(|t| t.table == table)
    }

    /// The content files the chart's records name (scanned pages, thumbnails, dictation
    /// audio), each once.
    pub fn content(&self) -> Vec<ContentRef> {
        let mut content = Vec::new();
        for (table, column, folder) in CONTENT_COLUMNS {
            let Some(rows) = self.of(table) else { continue };
            let Some(at) = rows.columns.iter().position(|c| c == column) else {
                continue;
            };
            for row in &rows.rows {
                if let Some(Cell::Text(sha)) = row.get(at) {
                    content.push(ContentRef {
                        folder: (*folder).to_owned(),
                        sha256: sha.clone(),
                    });
                }
            }
        }
        content.sort();
        content.dedup();
        content
    }
}

/// A table of a chart and which of its rows belong to the patient (`?` is the patient id).
struct Part {
    table: &'static str,
    filter: String,
}

/// The chart's tables, parents first.
fn parts() -> Vec<Part> {
    let by_patient = |table: &'static str| Part {
        table,
        filter: "patient_id = ?".into(),
    };
    let mut parts = vec![
        Part {
            table: "patients",
            filter: "id = ?".into(),
        },
        by_patient("patient_identifiers"),
    ];
    parts.extend(
        chart_tables()
            .into_iter()
            .map(|(table, _)| by_patient(table)),
    );
    parts.extend([
        by_patient("amendment_requests"),
        by_patient("break_glass_grants"),
        by_patient("chart_volumes"),
        Part {
            table: "chart_movements",
            filter: "volume_id IN (SELECT id FROM chart_volumes WHERE patient_id = ?)".into(),
        },
        Part {
            table: "chart_requests",
            filter: "volume_id IN (SELECT id FROM chart_volumes WHERE patient_id = ?)".into(),
        },
        Part {
            table: "record_history",
            filter: "patient_id = ? OR (kind = 'patient' AND record_id = ?)".into(),
        },
    ]);
    // External keys of the patient and of each record on the chart.
    let mut keyed = vec!["(kind = 'patient' AND record_id = ?)".to_owned()];
    keyed.extend(chart_tables().into_iter().map(|(table, kind)| {
        format!("(kind = '{kind}' AND record_id IN (SELECT id FROM {table} WHERE patient_id = ?))")
    }));
    parts.push(Part {
        table: "external_ids",
        filter: keyed.join(" OR "),
    });
    parts
}

fn patient_params(filter: &str, patient_id: i64) -> Vec<Value> {
    vec![Value::Int(patient_id); filter.matches('?').count()]
}

/// The columns of `table`, in the database's order.
fn columns_of(tx: &mut Tx<'_>, table: &str) -> Result<Vec<String>> {
    let sql = match tx.dialect() {
        Dialect::Sqlite => "SELECT name FROM pragma_table_info(?) ORDER BY cid",
        Dialect::Postgres => {
            "SELECT CAST(column_name AS TEXT) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position"
        }
    };
    let columns: Vec<String> = tx
        .query(sql, &[Value::from(table)])?
        .iter()
        .filter_map(|row| row.text(0).map(str::to_owned))
        .collect();
    if columns.is_empty() {
        return Err(Error::Database(format!("table {table} has no columns")));
    }
    Ok(columns)
}

fn cells(rows: &[Row]) -> Vec<Vec<Cell>> {
    rows.iter()
        .map(|row| row.0.iter().map(Cell::of).collect())
        .collect()
}

/// Sorted text forms of rows, to compare two sets of rows whatever their order.
fn fingerprint(rows: &[Vec<Cell>]) -> Vec<String> {
    let mut texts: Vec<String> = rows
        .iter()
        .map(|row| serde_json::to_string(row).unwrap_or_default())
        .collect();
    texts.sort();
    texts
}

/// One archived chart as the index keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArchivedChart {
    /// The patient's record id (kept: a restore puts the chart back under it).
    pub patient_id: i64,
    /// The MRN.
    pub mrn: String,
    /// Who assigned it.
    pub mrn_authority: String,
    /// Family name.
    pub family_name: String,
    /// Given name.
    pub given_name: String,
    /// Date of birth.
    pub birth_date: Option<Date>,
    /// The archive file, relative to the archive directory.
    pub file: String,
    /// The file's SHA-256, hex.
    pub sha256: String,
    /// The file's size.
    pub bytes: i64,
    /// Rows the chart had.
    pub row_count: i64,
    /// When the retention schedule lets it be destroyed (never: `None`), as the report
    /// that archived it said.
    pub destroy_on: Option<Date>,
    /// `archived`, `restored` or `destroyed`.
    pub status: String,
    /// When it was archived.
    #[serde(with = "time::serde::rfc3339")]
    pub archived_at: OffsetDateTime,
    /// Who archived it.
    pub archived_by: String,
    /// When it was restored, if it was.
    #[serde(with = "time::serde::rfc3339::option")]
    pub restored_at: Option<OffsetDateTime>,
    /// Who restored it.
    pub restored_by: Option<String>,
}

const INDEX_COLUMNS: &str = "patient_id, mrn, mrn_authority, family_name, given_name, birth_date, file, sha256, bytes, row_count, status, archived_at, archived_by, restored_at, restored_by, destroy_on";

fn read_index(row: &Row) -> Result<ArchivedChart> {
    let text = |idx: usize| row.text(idx).unwrap_or_default().to_owned();
    let patient_id = row.int(0);
    Ok(ArchivedChart {
        patient_id,
        mrn: text(1),
        mrn_authority: text(2),
        family_name: text(3),
        given_name: text(4),
        birth_date: row.get(5).as_date(),
        file: text(6),
        sha256: text(7),
        bytes: row.int(8),
        row_count: row.int(9),
        status: text(10),
        archived_at: row.get(11).as_instant().ok_or(Error::Corrupt {
            kind: "archived chart",
            id: patient_id,
            message: "archived_at is not an instant".into(),
        })?,
        archived_by: text(12),
        restored_at: row.get(13).as_instant(),
        restored_by: row.text(14).map(str::to_owned),
        destroy_on: row.get(15).as_date(),
    })
}

impl Tx<'_> {
    /// Every row of the patient's chart, parents first. Refused for a chart the patient
    /// index is still working on, and for a patient that does not exist.
    pub fn chart_rows(&mut self, patient_id: i64) -> Result<ChartRows> {
        let in_index_work = self.query(
            "SELECT 'a candidate pair' FROM mpi_candidates WHERE patient_a = ? OR patient_b = ? \
             UNION ALL SELECT 'a merge' FROM mpi_merges WHERE surviving_id = ? OR retired_id = ? \
             UNION ALL SELECT 'an overlay flag' FROM mpi_overlays WHERE patient_id = ?",
            &vec![Value::Int(patient_id); 5],
        )?;
        if let Some(row) = in_index_work.first() {
            return Err(Error::Conflict(format!(
                "patient {patient_id} is in {} of the patient index, which refers to the live chart; settle it first",
                row.text(0).unwrap_or("the work")
            )));
        }
        let mut tables = Vec::new();
        for part in parts() {
            let columns = columns_of(self, part.table)?;
            let order: Vec<String> = (1..=columns.len().min(3)).map(|n| n.to_string()).collect();
            let sql = format!(
                "SELECT {} FROM {} WHERE {} ORDER BY {}",
                columns.join(", "),
                part.table,
                part.filter,
                order.join(", ")
            );
            let rows = self.query(&sql, &patient_params(&part.filter, patient_id))?;
            tables.push(TableRows {
                table: part.table.to_owned(),
                columns,
                rows: cells(&rows),
            });
        }
        if tables.first().is_none_or(|t| t.rows.is_empty()) {
            return Err(Error::NotFound {
                kind: "patient",
                id: patient_id,
            });
        }
        Ok(ChartRows { patient_id, tables })
    }

    /// A mark that moves whenever a chart leaves the live tables or comes back whole
    /// (archived, restored, destroyed). Those moves delete or re-insert rows with their
    /// old change times, so a cache kept in step by change times (the population engine)
    /// cannot see them; it compares this mark instead and reloads when it moved.
    pub fn chart_moves_mark(&mut self) -> Result<String> {
        let rows = self.query(
            "SELECT CAST(COUNT(*) AS BIGINT),              CAST(SUM(CASE WHEN status = 'archived' THEN 1 ELSE 0 END) AS BIGINT),              MAX(archived_at), MAX(restored_at),              (SELECT CAST(COUNT(*) AS BIGINT) FROM destruction_requests WHERE status = 'destroyed')              FROM archived_charts",
            &[],
        )?;
        Ok(rows
            .first()
            .map(|row| format!("{:?}", row.0))
            .unwrap_or_default())
    }

    /// Whether a live record (of any chart, soft-deleted ones too, or the indexing queue)
    /// names the content file.
    pub fn names_content(&mut self, content: &ContentRef) -> Result<bool> {
        for (table, column, folder) in CONTENT_COLUMNS {
            if *folder != content.folder {
                continue;
            }
            let sql = format!("SELECT 1 FROM {table} WHERE {column} = ? LIMIT 1");
            if !self
                .query(&sql, &[Value::from(content.sha256.as_str())])?
                .is_empty()
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Deletes the chart's rows, children first, and fails (so the transaction keeps
    /// them all) unless what each delete removed is exactly `archived`.
    pub fn remove_chart(&mut self, archived: &ChartRows) -> Result<()> {
        let patient_id = archived.patient_id;
        let parts = parts();
        for part in parts.iter().rev() {
            let kept = archived.of(part.table).ok_or_else(|| {
                Error::Database(format!("the archived chart has no {} table", part.table))
            })?;
            let sql = format!(
                "DELETE FROM {} WHERE {} RETURNING {}",
                part.table,
                part.filter,
                kept.columns.join(", ")
            );
            let removed = self.query(&sql, &patient_params(&part.filter, patient_id))?;
            if fingerprint(&cells(&removed)) != fingerprint(&kept.rows) {
                return Err(Error::Conflict(format!(
                    "patient {patient_id}'s chart changed while it was being archived ({}: {} rows archived, {} found); nothing was archived, run it again",
                    part.table,
                    kept.rows.len(),
                    removed.len()
                )));
            }
        }
        Ok(())
    }

    /// Puts an archived chart's rows back, parents first, under their own ids.
    pub fn put_chart(&mut self, chart: &ChartRows) -> Result<()> {
        if let Some(row) = self
            .query(
                "SELECT id FROM patients WHERE id = ?",
                &[Value::Int(chart.patient_id)],
            )?
            .first()
        {
            return Err(Error::Conflict(format!(
                "patient {} is already in the live store",
                row.int(0)
            )));
        }
        let known: Vec<String> = parts().iter().map(|p| p.table.to_owned()).collect();
        for table in &chart.tables {
            if !known.contains(&table.table) {
                return Err(Error::Database(format!(
                    "the archived chart has rows of {}, which is not a chart table",
                    table.table
                )));
            }
            let live = columns_of(self, &table.table)?;
            if let Some(gone) = table.columns.iter().find(|c| !live.contains(c)) {
                return Err(Error::Database(format!(
                    "the archived chart's {}.{gone} is no longer a column",
                    table.table
                )));
            }
            let sql = format!(
                "INSERT INTO {} ({}) VALUES ({})",
                table.table,
                table.columns.join(", "),
                vec!["?"; table.columns.len()].join(", ")
            );
            for row in &table.rows {
                let values = row.iter().map(Cell::value).collect::<Result<Vec<_>>>()?;
                self.conn().execute(&sql, &values).map_err(|e| match e {
                    Error::Database(message) if table.table == "patients" => Error::Conflict(
                        format!("patient {} cannot be put back: {message}", chart.patient_id),
                    ),
                    other => other,
                })?;
            }
        }
        Ok(())
    }

    /// Notes a chart as archived in `file` (replacing an earlier archival's row), with the
    /// day it may be destroyed.
    pub fn note_archived(
        &mut self,
        chart: &ChartRows,
        file: (&str, &str, u64),
        destroy_on: Option<Date>,
        archived_by: &str,
    ) -> Result<ArchivedChart> {
        let (file, sha256, bytes) = file;
        let patient = decode_chart(chart)?.patient;
        let p = &patient.record;
        let now = self.now();
        self.conn().execute(
            "DELETE FROM archived_charts WHERE patient_id = ?",
            &[Value::Int(chart.patient_id)],
        )?;
        self.conn().execute(
            "INSERT INTO archived_charts (patient_id, mrn, mrn_authority, family_name, given_name, family_key, given_key, birth_date, file, sha256, bytes, row_count, destroy_on, status, archived_at, archived_by) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'archived', ?, ?)",
            &[
                Value::Int(chart.patient_id),
                Value::from(p.mrn.as_str()),
                Value::from(p.mrn_authority.as_str()),
                Value::from(p.family_name.as_str()),
                Value::from(p.given_name.as_str()),
                Value::Text(fold_name(&p.family_name)),
                Value::Text(fold_name(&p.given_name)),
                Value::Date(p.birth_date),
                Value::from(file),
                Value::from(sha256),
                Value::Int(i64::try_from(bytes).unwrap_or(i64::MAX)),
                Value::Int(i64::try_from(chart.row_count()).unwrap_or(i64::MAX)),
                destroy_on.map_or(Value::Null, Value::Date),
                Value::Timestamp(now),
                Value::from(archived_by),
            ],
        )?;
        self.archived_chart(chart.patient_id)?
            .ok_or(Error::NotFound {
                kind: "archived chart",
                id: chart.patient_id,
            })
    }

    /// The index row of the patient's chart, if it was ever archived.
    pub fn archived_chart(&mut self, patient_id: i64) -> Result<Option<ArchivedChart>> {
        self.query(
            &format!("SELECT {INDEX_COLUMNS} FROM archived_charts WHERE patient_id = ?"),
            &[Value::Int(patient_id)],
        )?
        .first()
        .map(read_index)
        .transpose()
    }

    /// Archived charts (status `archived`) whose MRN is `search`, or whose family name (or
    /// family and given name, as `family given` or `family, given`) begins with it; every
    /// archived chart without a search; newest archival first.
    pub fn archived_charts(&mut self, search: Option<&str>) -> Result<Vec<ArchivedChart>> {
        let mut sql =
            format!("SELECT {INDEX_COLUMNS} FROM archived_charts WHERE status = 'archived'");
        let mut params = Vec::new();
        if let Some(search) = search.map(str::trim).filter(|s| !s.is_empty()) {
            let mut words = search.split([',', ' ']).filter(|w| !w.is_empty());
            let family = fold_name(words.next().unwrap_or_default());
            let given = fold_name(words.next().unwrap_or_default());
            sql.push_str(" AND (mrn = ? OR (family_key LIKE ? AND given_key LIKE ?))");
            params.extend([
                Value::from(search),
                Value::Text(format!("{}%", like_escape(&family))),
                Value::Text(format!("{}%", like_escape(&given))),
            ]);
        }
        sql.push_str(" ORDER BY archived_at DESC, patient_id");
        self.query(&sql, &params)?.iter().map(read_index).collect()
    }

    /// Marks an archived chart restored (or destroyed), by whom and when.
    pub fn set_archive_status(&mut self, patient_id: i64, status: &str, by: &str) -> Result<()> {
        let now = self.now();
        let changed = self.conn().execute(
            "UPDATE archived_charts SET status = ?, restored_at = ?, restored_by = ? WHERE patient_id = ? AND status = 'archived'",
            &[
                Value::from(status),
                Value::Timestamp(now),
                Value::from(by),
                Value::Int(patient_id),
            ],
        )?;
        if changed == 0 {
            return Err(Error::Conflict(format!(
                "patient {patient_id}'s chart is not archived"
            )));
        }
        Ok(())
    }
}

fn like_escape(text: &str) -> String {
    text.replace(['%', '_'], "")
}

/// The rows of a typed table as stored records (soft-deleted ones left out, as a chart
/// read leaves them out).
fn records_of<R: Table>(chart: &ChartRows) -> Result<Vec<Stored<R>>> {
    let Some(table) = chart.of(R::TABLE) else {
        return Ok(Vec::new());
    };
    let wanted: Vec<&str> = META_COLUMNS
        .split(", ")
        .chain(R::COLUMNS.iter().map(|c| c.name))
        .collect();
    let positions: Vec<Option<usize>> = wanted
        .iter()
        .map(|name| table.columns.iter().position(|c| c == name))
        .collect();
    let mut records = Vec::new();
    for cells in &table.rows {
        let values = positions
            .iter()
            .map(|at| {
                at.and_then(|i| cells.get(i))
                    .map_or(Ok(Value::Null), Cell::value)
            })
            .collect::<Result<Vec<_>>>()?;
        let stored: Stored<R> = Tx::stored_from_row(&Row(values))?;
        if stored.meta.deleted.is_none() {
            records.push(stored);
        }
    }
    Ok(records)
}

/// The chart as `Tx::chart` reads it, from its archived rows.
pub fn decode_chart(chart: &ChartRows) -> Result<PatientSummary> {
    let patient = records_of::<records::Patient>(chart)?
        .into_iter()
        .next()
        .ok_or(Error::NotFound {
            kind: "patient",
            id: chart.patient_id,
        })?;
    let charges: Vec<Stored<records::Charge>> = records_of(chart)?;
    let postings: Vec<Stored<records::Posting>> = records_of(chart)?;
    let charges_cents = charges.iter().map(|c| c.record.amount_cents).sum();
    let posting_sums: Vec<Row> = postings
        .iter()
        .map(|p| {
            let kind = serde_json::to_value(p.record.kind).unwrap_or_default();
            Row(vec![
                Value::Text(kind.as_str().unwrap_or_default().to_owned()),
                Value::Int(p.record.amount_cents),
            ])
        })
        .collect();
    Ok(PatientSummary {
        patient,
        coverages: records_of(chart)?,
        encounters: records_of(chart)?,
        diagnoses: records_of(chart)?,
        procedures: records_of(chart)?,
        immunizations: records_of(chart)?,
        observations: records_of(chart)?,
        medications: records_of(chart)?,
        allergies: records_of(chart)?,
        problems: records_of(chart)?,
        notes: records_of(chart)?,
        charges,
        postings,
        balance: crate::stats::balance_from(charges_cents, &posting_sums),
    })
}
