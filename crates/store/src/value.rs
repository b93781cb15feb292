//! The values that cross between repository code and either SQL backend.
//!
//! Repository code is written once against these; each backend converts them to its
//! driver's types. SQLite keeps dates and instants as ISO 8601 text in a fixed-width UTC
//! form, so text order is time order; PostgreSQL keeps them as `DATE` and `TIMESTAMPTZ`.

use time::format_description::FormatItem;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

/// A value bound to or read from SQL.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A 64-bit integer.
    Int(i64),
    /// A double.
    Real(f64),
    /// Text.
    Text(String),
    /// A boolean.
    Bool(bool),
    /// A calendar date.
    Date(Date),
    /// An instant.
    Timestamp(OffsetDateTime),
    /// A JSON document.
    Json(serde_json::Value),
}

const INSTANT_TEXT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
const DATE_TEXT: &[FormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// The fixed-width UTC text form of an instant.
pub fn instant_text(at: OffsetDateTime) -> String {
    at.to_offset(UtcOffset::UTC)
        .format(INSTANT_TEXT)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

/// The ISO text form of a date.
pub fn date_text(date: Date) -> String {
    date.format(DATE_TEXT).unwrap_or_else(|_| date.to_string())
}

/// Reads a date written as `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Option<Date> {
    Date::parse(text, DATE_TEXT).ok()
}

/// Reads an RFC 3339 instant (either our fixed form or any other).
pub fn parse_instant(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

impl Value {
    /// The integer in this value, if it is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Self::Int(n) => Some(*n),
            _ => None,
        }
    }

    /// The text in this value, if it is text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The date in this value, from either backend's form.
    pub fn as_date(&self) -> Option<Date> {
        match self {
            Self::Date(date) => Some(*date),
            Self::Text(text) => parse_date(text),
            _ => None,
        }
    }

    /// The instant in this value, from either backend's form.
    pub fn as_instant(&self) -> Option<OffsetDateTime> {
        match self {
            Self::Timestamp(at) => Some(*at),
            Self::Text(text) => parse_instant(text),
            _ => None,
        }
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Self::Int(n)
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<Date> for Value {
    fn from(date: Date) -> Self {
        Self::Date(date)
    }
}

impl From<OffsetDateTime> for Value {
    fn from(at: OffsetDateTime) -> Self {
        Self::Timestamp(at)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Null, Into::into)
    }
}

/// One result row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<Value>);

impl Row {
    /// The value in column `idx`, or NULL past the end.
    pub fn get(&self, idx: usize) -> &Value {
        self.0.get(idx).unwrap_or(&Value::Null)
    }

    /// Column `idx` as an integer (0 when NULL).
    pub fn int(&self, idx: usize) -> i64 {
        self.get(idx).as_int().unwrap_or(0)
    }

    /// Column `idx` as text, if it is text.
    pub fn text(&self, idx: usize) -> Option<&str> {
        self.get(idx).as_text()
    }
}
