//! How values read on a page: dates, instants, money, enum names.

use serde::Serialize;
use time::format_description::FormatItem;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

const DAY: &[FormatItem<'_>] = format_description!("[year]-[month]-[day]");
const MINUTE: &[FormatItem<'_>] = format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
const LOCAL_MINUTE: &[FormatItem<'_>] = format_description!("[year]-[month]-[day] [hour]:[minute]");

pub(crate) fn day(date: Date) -> String {
    date.format(DAY).unwrap_or_default()
}

/// `at` on the facility's clock (`2026-01-10 08:00 CST`), with UTC on hover and in the
/// machine-readable `datetime`.
pub(crate) fn at_facility(zone: &crate::zone::FacilityZone, at: OffsetDateTime) -> maud::Markup {
    let local = zone.to_local(at);
    let shown = format!(
        "{} {}",
        local.format(LOCAL_MINUTE).unwrap_or_default(),
        zone.abbreviation(at)
    );
    let utc = at.to_offset(time::UtcOffset::UTC);
    let machine = utc
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    maud::html! { time datetime=(machine) title=(instant(at)) { (shown) } }
}

/// The day `at` falls on at the facility (a due date, a day's work).
pub(crate) fn day_at(zone: &crate::zone::FacilityZone, at: OffsetDateTime) -> String {
    day(zone.to_local(at).date())
}

pub(crate) fn instant(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(MINUTE)
        .unwrap_or_default()
}

/// Dollars as a person reads them: `$1,234.56`, `-$0.05`.
pub(crate) fn money(cents: i64) -> String {
    records::ledger::dollars(cents)
}

/// The serialized name of an enum value (`inpatient`, `discharge-summary`).
pub(crate) fn name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// A stored value as a person reads it: text without JSON quotes, nothing for null.
pub(crate) fn plain(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Null => "(none)".to_owned(),
        other => other.to_string(),
    }
}

/// Coded values whose words are not just the name with its first letter raised.
const WORDS: &[(&str, &str)] = &[
    ("self_subscriber", "Self"),
    ("first_listed", "First-listed"),
    ("in_progress", "In progress"),
    ("entered_in_error", "Entered in error"),
    ("icd10_pcs", "ICD-10-PCS"),
    ("icd10_cm", "ICD-10-CM"),
    ("icd10cm", "ICD-10-CM"),
    ("hcpcs", "HCPCS"),
    ("cpt", "CPT"),
    ("not_done", "Not done"),
];

/// A coded value in words, as a chart shows it (`self_subscriber` → Self,
/// `first_listed` → First-listed, `icd10_pcs` → ICD-10-PCS, `in_progress` → In progress).
pub(crate) fn words<T: Serialize>(value: &T) -> String {
    let code = name(value);
    if let Some((_, words)) = WORDS.iter().find(|(known, _)| *known == code) {
        return (*words).to_owned();
    }
    let spaced = code.replace(['_', '-'], " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => spaced,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn coded_values_read_as_words() {
        use records::{
            CoverageOrder, DiagnosisRank, EncounterStatus, ProcedureCodeSystem, Relationship,
        };
        assert_eq!(super::words(&Relationship::SelfSubscriber), "Self");
        assert_eq!(super::words(&DiagnosisRank::FirstListed), "First-listed");
        assert_eq!(super::words(&ProcedureCodeSystem::Icd10Pcs), "ICD-10-PCS");
        assert_eq!(super::words(&EncounterStatus::InProgress), "In progress");
        assert_eq!(super::words(&CoverageOrder::Primary), "Primary");
    }

    #[test]
    fn stored_values_read_without_quotes() {
        assert_eq!(super::plain(&serde_json::json!("Smith")), "Smith");
        assert_eq!(super::plain(&serde_json::json!(null)), "(none)");
        assert_eq!(super::plain(&serde_json::json!(12)), "12");
    }

    #[test]
    fn money_keeps_cents_and_sign() {
        assert_eq!(super::money(123_456), "$1,234.56");
        assert_eq!(super::money(-123_456_789), "-$1,234,567.89");
        assert_eq!(super::money(99_999), "$999.99");
        assert_eq!(super::money(-5), "-$0.05");
    }
}
