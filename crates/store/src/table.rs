//! How each record kind maps to a table: a column list, and a serde bridge between the
//! record and its row.
//!
//! Records serialize to a flat JSON object whose keys are the column names; each column's
//! declared type decides how the JSON value is bound (dates as dates, instants as
//! instants, lists as JSON). One generic path then serves every record kind, so there is
//! no per-kind SQL to drift out of step with the model.

use crate::error::{Error, Result};
use crate::value::{Value, parse_date, parse_instant};
use records::{RecordKind, Validate};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value as Json};

/// The SQL type of a column, as the mapping sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    /// Text (enums are stored as their snake_case name).
    Text,
    /// 64-bit integer (ids, cents, counts).
    Int,
    /// Double precision.
    Real,
    /// Calendar date.
    Date,
    /// Instant (UTC).
    Timestamp,
    /// JSON (lists).
    Json,
}

/// One column of a record table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Column name, equal to the record's serialized field name.
    pub name: &'static str,
    /// Its type.
    pub ty: ColType,
}

/// A record kind stored in its own table.
pub trait Table: RecordKind + Validate + Serialize + DeserializeOwned + Clone {
    /// The table name.
    const TABLE: &'static str;
    /// The record's columns, in a fixed order (metadata columns are added by the store).
    const COLUMNS: &'static [Column];
    /// Column sets whose values must be unique across the table (deleted rows included,
    /// since a deleted MRN may still be on paper records).
    const UNIQUE: &'static [&'static [&'static str]] = &[];
    /// Columns the store derives from the record and writes with it (search keys), after
    /// `COLUMNS`; they are never read back into the record.
    const DERIVED: &'static [&'static str] = &[];

    /// The values of `DERIVED`, in order.
    fn derived_values(&self) -> Vec<Value> {
        Vec::new()
    }

    /// For patients, their identifiers as `(system, value)` rows of `patient_identifiers`,
    /// which the store rewrites with every create and update so searches by identifier
    /// are index lookups; `None` for kinds without such rows.
    fn identifier_rows(&self) -> Option<Vec<(&str, &str)>> {
        None
    }
}

/// Metadata columns every record table has, in select order before the record's columns.
pub(crate) const META_COLUMNS: &str = "id, version, created_at, created_by, updated_at, updated_by, deleted_at, deleted_by, deleted_reason";
pub(crate) const N_META_COLUMNS: usize = 9;

fn json_to_value(json: Option<&Json>, column: &Column) -> std::result::Result<Value, String> {
    let json = match json {
        None | Some(Json::Null) => return Ok(Value::Null),
        Some(json) => json,
    };
    let wrong = || format!("{}: expected {:?}, found {json}", column.name, column.ty);
    match column.ty {
        ColType::Text => json
            .as_str()
            .map(|s| Value::Text(s.to_owned()))
            .ok_or_else(wrong),
        ColType::Int => json.as_i64().map(Value::Int).ok_or_else(wrong),
        ColType::Real => json.as_f64().map(Value::Real).ok_or_else(wrong),
        ColType::Date => json
            .as_str()
            .and_then(parse_date)
            .map(Value::Date)
            .ok_or_else(wrong),
        ColType::Timestamp => json
            .as_str()
            .and_then(parse_instant)
            .map(Value::Timestamp)
            .ok_or_else(wrong),
        ColType::Json => Ok(Value::Json(json.clone())),
    }
}

/// The record as one value per column, in `R::COLUMNS` order.
pub(crate) fn record_values<R: Table>(record: &R) -> Result<Vec<Value>> {
    values_of::<R>(&record_json(record)?)
}

/// The values of `object` (a record's `record_json`) in `R::COLUMNS` order.
pub(crate) fn values_of<R: Table>(object: &Map<String, Json>) -> Result<Vec<Value>> {
    R::COLUMNS
        .iter()
        .map(|column| json_to_value(object.get(column.name), column))
        .collect::<std::result::Result<_, _>>()
        .map_err(|message| Error::Database(format!("{} mapping: {message}", R::KIND)))
}

/// The record as a flat JSON object keyed by column name.
pub(crate) fn record_json<R: Table>(record: &R) -> Result<Map<String, Json>> {
    match serde_json::to_value(record) {
        Ok(Json::Object(object)) => Ok(object),
        Ok(_) => Err(Error::Database(format!(
            "{} does not serialize to an object",
            R::KIND
        ))),
        Err(e) => Err(Error::Database(format!("{}: {e}", R::KIND))),
    }
}

/// Rebuilds a record from column values (as read after the metadata columns).
pub(crate) fn record_from_values<R: Table>(id: i64, values: &[Value]) -> Result<R> {
    let corrupt = |message: String| Error::Corrupt {
        kind: R::KIND,
        id,
        message,
    };
    R::deserialize(crate::row_de::row_fields(R::COLUMNS, values))
        .map_err(|e| corrupt(e.to_string()))
}

/// `c1, c2, ...` for this table.
pub(crate) fn column_list<R: Table>() -> String {
    R::COLUMNS
        .iter()
        .map(|c| c.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The columns a write sets: the record's, then the derived ones.
pub(crate) fn written_columns<R: Table>() -> impl Iterator<Item = &'static str> {
    R::COLUMNS
        .iter()
        .map(|c| c.name)
        .chain(R::DERIVED.iter().copied())
}
