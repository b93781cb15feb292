//! How values read on a page: dates, instants, money, enum names.

use serde::Serialize;
use time::format_description::FormatItem;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

const DAY: &[FormatItem<'_>] = format_description!("[year]-[month]-[day]");
const MINUTE: &[FormatItem<'_>] = format_description!("[year]-[month]-[day] [hour]:[minute] UTC");

pub(crate) fn day(date: Date) -> String {
    date.format(DAY).unwrap_or_default()
}

pub(crate) fn instant(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(MINUTE)
        .unwrap_or_default()
}

pub(crate) fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}${}.{:02}", cents / 100, cents % 100)
}

/// The serialized name of an enum value (`inpatient`, `discharge-summary`).
pub(crate) fn name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn money_keeps_cents_and_sign() {
        assert_eq!(super::money(123_456), "$1234.56");
        assert_eq!(super::money(-5), "-$0.05");
    }
}
