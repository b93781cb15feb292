//! Dates as plain day numbers, the one representation every column and filter uses.
//!
//! A day number is the Julian day of a `time::Date`, so differences are exact day counts
//! and comparisons are integer comparisons. Ages use a packed `yyyymmdd` integer instead,
//! because whole years on a date are `(as_of_ymd - birth_ymd) / 10000` with no calendar
//! lookup, which keeps the per-patient age loop branch-free.

#[cfg(test)]
use time::Weekday;
use time::{Date, Month};

/// Day number of a date.
pub fn day(date: Date) -> i32 {
    date.to_julian_day()
}

/// The date of a day number, if it is within `time`'s range.
pub fn date(day: i32) -> Option<Date> {
    Date::from_julian_day(day).ok()
}

/// Packed `yyyymmdd` of a date (negative years never occur in a chart; they clamp to 0).
pub fn ymd(date: Date) -> u32 {
    let year = u32::try_from(date.year()).unwrap_or(0);
    year * 10_000 + u32::from(u8::from(date.month())) * 100 + u32::from(date.day())
}

/// Whole years from `birth_ymd` to `as_of_ymd` (both packed), 0 when born after the as-of date.
pub fn age_years(birth_ymd: u32, as_of_ymd: u32) -> u32 {
    as_of_ymd.saturating_sub(birth_ymd) / 10_000
}

/// Day number of the Monday starting the ISO week that contains `day`.
pub fn week_start(day: i32) -> i32 {
    // Julian day 0 was a Monday, so the weekday is the day number modulo 7.
    day - day.rem_euclid(7)
}

/// Day number of the first of the month containing `day` (the day itself if out of range).
pub fn month_start(day: i32) -> i32 {
    match date(day).and_then(|d| d.replace_day(1).ok()) {
        Some(first) => first.to_julian_day(),
        None => day,
    }
}

/// Day number of 1 January of the year containing `day` (the day itself if out of range).
pub fn year_start(day: i32) -> i32 {
    match date(day).and_then(|d| Date::from_calendar_date(d.year(), Month::January, 1).ok()) {
        Some(first) => first.to_julian_day(),
        None => day,
    }
}

/// ISO text of a day number, or the number itself if it is out of `time`'s range.
pub fn iso(day: i32) -> String {
    match date(day) {
        Some(d) => format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()),
        None => day.to_string(),
    }
}

/// True if Julian day numbering keeps the Monday anchor `week_start` relies on.
#[cfg(test)]
pub fn monday_anchor_holds() -> bool {
    date(0).is_some_and(|d| d.weekday() == Weekday::Monday)
}

#[cfg(test)]
mod tests;
