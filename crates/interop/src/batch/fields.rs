//! Reading one CSV row by column name, with errors that name the column.

use records::ValidationErrors;
use std::collections::HashMap;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

/// Why one row was not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The column at fault, when one is.
    pub column: Option<String>,
    /// What was wrong.
    pub reason: String,
}

impl RowError {
    /// A problem with one column.
    pub fn column(column: &str, reason: impl Into<String>) -> Self {
        Self {
            column: Some(column.to_owned()),
            reason: reason.into(),
        }
    }

    /// A problem with the row as a whole.
    pub fn row(reason: impl Into<String>) -> Self {
        Self {
            column: None,
            reason: reason.into(),
        }
    }
}

/// A failure while mapping a row: the row's own fault, or the store's (which fails the batch).
#[derive(Debug)]
pub enum MapError {
    /// The row is bad; report it and go on.
    Row(RowError),
    /// The database failed; the batch must be retried row by row.
    Store(store::Error),
}

impl From<RowError> for MapError {
    fn from(error: RowError) -> Self {
        Self::Row(error)
    }
}

impl From<store::Error> for MapError {
    fn from(error: store::Error) -> Self {
        match error {
            store::Error::Invalid { errors, .. } => Self::Row(RowError::row(describe(&errors))),
            store::Error::Conflict(message) => Self::Row(RowError::row(message)),
            other => Self::Store(other),
        }
    }
}

fn describe(errors: &ValidationErrors) -> String {
    errors.to_string()
}

/// One row with its header.
pub struct Fields<'a> {
    pub(crate) record: &'a csv::StringRecord,
    pub(crate) header: &'a HashMap<String, usize>,
}

const DATE_ONLY: &[time::format_description::FormatItem<'static>] =
    format_description!("[year]-[month]-[day]");

impl Fields<'_> {
    /// The trimmed value of `column`, if present and not empty.
    pub fn opt(&self, column: &str) -> Option<&str> {
        let idx = *self.header.get(column)?;
        self.record
            .get(idx)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    /// The value of a required column.
    pub fn req(&self, column: &str) -> Result<&str, RowError> {
        self.opt(column)
            .ok_or_else(|| RowError::column(column, "is empty"))
    }

    /// A `YYYY-MM-DD` date (a full timestamp is cut to its date).
    pub fn date(&self, column: &str) -> Result<Date, RowError> {
        parse_date(self.req(column)?).map_err(|reason| RowError::column(column, reason))
    }

    /// An optional date.
    pub fn opt_date(&self, column: &str) -> Result<Option<Date>, RowError> {
        self.opt(column)
            .map(parse_date)
            .transpose()
            .map_err(|reason| RowError::column(column, reason))
    }

    /// An instant (RFC 3339, or a date meaning midnight UTC).
    pub fn instant(&self, column: &str) -> Result<OffsetDateTime, RowError> {
        parse_instant(self.req(column)?).map_err(|reason| RowError::column(column, reason))
    }

    /// An optional instant.
    pub fn opt_instant(&self, column: &str) -> Result<Option<OffsetDateTime>, RowError> {
        self.opt(column)
            .map(parse_instant)
            .transpose()
            .map_err(|reason| RowError::column(column, reason))
    }

    /// A money amount in dollars (`77.49`) as cents.
    pub fn cents(&self, column: &str) -> Result<i64, RowError> {
        let text = self.req(column)?;
        let dollars: f64 = text
            .parse()
            .map_err(|_| RowError::column(column, format!("\"{text}\" is not an amount")))?;
        if !dollars.is_finite() || dollars.abs() > 1e12 {
            return Err(RowError::column(
                column,
                format!("\"{text}\" is not a usable amount"),
            ));
        }
        Ok((dollars * 100.0).round() as i64)
    }
}

fn parse_date(text: &str) -> Result<Date, String> {
    let day = text.get(..10).unwrap_or(text);
    Date::parse(day, DATE_ONLY).map_err(|_| format!("\"{text}\" is not a date (YYYY-MM-DD)"))
}

fn parse_instant(text: &str) -> Result<OffsetDateTime, String> {
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(at);
    }
    if text.len() == 10
        && let Ok(day) = Date::parse(text, DATE_ONLY)
    {
        return Ok(day.midnight().assume_utc());
    }
    Err(format!(
        "\"{text}\" is not a date-time (RFC 3339, e.g. 2024-01-31T08:00:00Z)"
    ))
}
