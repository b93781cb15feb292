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

/// Day number of the Sunday starting the MMWR week that contains `day`.
pub fn sunday_week_start(day: i32) -> i32 {
    // Julian day 6 was a Sunday.
    day - (day + 1).rem_euclid(7)
}

/// Sequence number of the period containing `day`: the day number itself, weeks since
/// Julian day 0 (a Monday) or since Julian day -1 (a Sunday, for MMWR weeks), months as
/// `year * 12 + month - 1`, or the year. Consecutive periods differ by one, which lets
/// time grouping index dense arrays.
pub fn period_number(day: i32, period: crate::lang::ast::Period) -> i64 {
    use crate::lang::ast::Period;
    match period {
        Period::Day => i64::from(day),
        Period::Week | Period::IsoWeek => i64::from(week_start(day)) / 7,
        Period::MmwrWeek => (i64::from(sunday_week_start(day)) + 1) / 7,
        Period::Month => date(day).map_or(0, |d| {
            i64::from(d.year()) * 12 + i64::from(u8::from(d.month())) - 1
        }),
        Period::Year => date(day).map_or(0, |d| i64::from(d.year())),
    }
}

/// Day number of the first day of a period given by its sequence number.
pub fn period_start(number: i64, period: crate::lang::ast::Period) -> i32 {
    use crate::lang::ast::Period;
    let first = match period {
        Period::Day => i32::try_from(number).ok().and_then(date),
        Period::Week | Period::IsoWeek => i32::try_from(number * 7).ok().and_then(date),
        Period::MmwrWeek => i32::try_from(number * 7 - 1).ok().and_then(date),
        Period::Month => {
            let year = i32::try_from(number.div_euclid(12)).unwrap_or(0);
            let month = u8::try_from(number.rem_euclid(12) + 1).unwrap_or(1);
            Month::try_from(month)
                .ok()
                .and_then(|m| Date::from_calendar_date(year, m, 1).ok())
        }
        Period::Year => i32::try_from(number)
            .ok()
            .and_then(|y| Date::from_calendar_date(y, Month::January, 1).ok()),
    };
    first.map_or(0, |d| d.to_julian_day())
}

/// Epidemiological year and week of the week starting on `week_start` (a Sunday for
/// MMWR, a Monday for ISO 8601). Both rules say week 1 is the first week with at least
/// four days in the year, so a week belongs to the year of its fourth day (Wednesday
/// for MMWR, Thursday for ISO) and is numbered by that day's ordinal: days 1-7 of the
/// year fall in week 1, 8-14 in week 2, and a year whose last fourth day is its 365th or
/// 366th has a week 53.
pub fn epi_week(week_start: i32) -> Option<(i32, u8)> {
    let fourth = date(week_start.checked_add(3)?)?;
    let week = (fourth.ordinal() - 1) / 7 + 1;
    Some((fourth.year(), u8::try_from(week).ok()?))
}

/// The label of a series period: the ISO date of a day, `YYYY-Www` of an MMWR or ISO
/// week, and the first day's ISO date for the other periods.
pub fn period_label(number: i64, period: crate::lang::ast::Period) -> String {
    use crate::lang::ast::Period;
    let start = period_start(number, period);
    match period {
        Period::MmwrWeek | Period::IsoWeek => match epi_week(start) {
            Some((year, week)) => format!("{year:04}-W{week:02}"),
            None => iso(start),
        },
        _ => iso(start),
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
