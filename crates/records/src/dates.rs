//! How dates travel in serialized records: ISO 8601 calendar dates (`2024-03-01`) and
//! RFC 3339 instants, so that JSON, CSV and both SQL backends agree on one text form.

time::serde::format_description!(pub iso_date, Date, "[year]-[month]-[day]");

pub use time::serde::rfc3339;

/// Age in whole years on `on` of someone born on `birth`.
pub fn age_on(birth: time::Date, on: time::Date) -> i32 {
    let mut years = on.year() - birth.year();
    if (on.month() as u8, on.day()) < (birth.month() as u8, birth.day()) {
        years -= 1;
    }
    years
}
