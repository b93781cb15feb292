//! How dates travel in serialized records: ISO 8601 calendar dates (`2024-03-01`) and
//! RFC 3339 instants, so that JSON, CSV and both SQL backends agree on one text form.

time::serde::format_description!(pub iso_date, Date, "[year]-[month]-[day]");

pub use time::serde::rfc3339;
