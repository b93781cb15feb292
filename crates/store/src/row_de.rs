//! Reading a record straight from its row: a serde `Deserializer` over the column values,
//! so a read does not build a JSON object first and then take it apart again (that detour
//! was a fifth of a FHIR search's time).
//!
//! It reads exactly what `table::record_values` writes: text, integers and reals as they
//! are, dates and instants in their text form, enums by their snake_case names, and JSON
//! columns as JSON.

use crate::table::{ColType, Column};
use crate::value::{Value, date_text, instant_text};
use serde::de::value::{BorrowedStrDeserializer, Error, MapDeserializer};
use serde::de::{self, Deserializer, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;

/// A column's value as read, borrowed: from a `Value` of a materialised row, or straight
/// from the database's row buffer (`Conn::query_cells`), so a pass over many rows does
/// not allocate a string per text cell.
#[derive(Clone, Copy, Debug)]
pub enum CellValue<'a> {
    /// SQL NULL.
    Null,
    /// A 64-bit integer.
    Int(i64),
    /// A double.
    Real(f64),
    /// Text.
    Text(&'a str),
    /// A boolean.
    Bool(bool),
    /// A calendar date.
    Date(time::Date),
    /// An instant.
    Timestamp(time::OffsetDateTime),
    /// A JSON document.
    Json(&'a serde_json::Value),
}

impl<'a> From<&'a Value> for CellValue<'a> {
    fn from(value: &'a Value) -> Self {
        match value {
            Value::Null => Self::Null,
            Value::Int(n) => Self::Int(*n),
            Value::Real(x) => Self::Real(*x),
            Value::Text(text) => Self::Text(text),
            Value::Bool(b) => Self::Bool(*b),
            Value::Date(date) => Self::Date(*date),
            Value::Timestamp(at) => Self::Timestamp(*at),
            Value::Json(json) => Self::Json(json),
        }
    }
}

/// One column's value, with the type the mapping declared for it.
#[derive(Clone, Copy)]
pub(crate) struct Cell<'de> {
    value: CellValue<'de>,
    ty: ColType,
}

/// The record's fields, named as its columns, for `R::deserialize`.
pub(crate) fn row_fields<'de>(
    columns: &'de [Column],
    values: &'de [Value],
) -> MapDeserializer<'de, impl Iterator<Item = (&'static str, Cell<'de>)>, Error> {
    cell_fields(columns, values.iter().map(CellValue::from))
}

/// As [`row_fields`], over borrowed cells.
pub(crate) fn cell_fields<'de>(
    columns: &'de [Column],
    values: impl Iterator<Item = CellValue<'de>>,
) -> MapDeserializer<'de, impl Iterator<Item = (&'static str, Cell<'de>)>, Error> {
    MapDeserializer::new(columns.iter().zip(values).map(|(column, value)| {
        (
            column.name,
            Cell {
                value,
                ty: column.ty,
            },
        )
    }))
}

fn json_error(e: serde_json::Error) -> Error {
    de::Error::custom(e)
}

impl<'de> IntoDeserializer<'de, Error> for Cell<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> Deserializer<'de> for Cell<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            CellValue::Null => visitor.visit_unit(),
            CellValue::Int(n) => visitor.visit_i64(n),
            CellValue::Real(x) => visitor.visit_f64(x),
            CellValue::Bool(b) => visitor.visit_bool(b),
            CellValue::Text(text) if self.ty == ColType::Json => {
                let mut json = serde_json::Deserializer::from_str(text);
                json.deserialize_any(visitor).map_err(json_error)
            }
            CellValue::Text(text) => visitor.visit_borrowed_str(text),
            CellValue::Date(date) => visitor.visit_string(date_text(date)),
            CellValue::Timestamp(at) => visitor.visit_string(instant_text(at)),
            CellValue::Json(json) => json.deserialize_any(visitor).map_err(json_error),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            CellValue::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.value {
            CellValue::Text(text) if self.ty != ColType::Json => {
                visitor.visit_enum(BorrowedStrDeserializer::new(text))
            }
            CellValue::Text(text) => {
                let mut json = serde_json::Deserializer::from_str(text);
                json.deserialize_enum(name, variants, visitor)
                    .map_err(json_error)
            }
            CellValue::Json(json) => json
                .deserialize_enum(name, variants, visitor)
                .map_err(json_error),
            _ => self.deserialize_any(visitor),
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}
