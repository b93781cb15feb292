//! Unit tests of day numbers: the Monday anchor, whole-year ages, period numbering.

use super::*;
use time::macros::date;

#[test]
fn julian_day_zero_is_a_monday() {
    assert!(monday_anchor_holds());
}

#[test]
fn week_starts_on_monday() {
    // 2026-01-01 is a Thursday; its week starts on Monday 2025-12-29.
    assert_eq!(iso(week_start(day(date!(2026 - 01 - 01)))), "2025-12-29");
    assert_eq!(iso(week_start(day(date!(2025 - 12 - 29)))), "2025-12-29");
    assert_eq!(iso(week_start(day(date!(2025 - 12 - 28)))), "2025-12-22");
}

#[test]
fn age_counts_whole_years_on_the_as_of_date() {
    let as_of = ymd(date!(2026 - 01 - 01));
    assert_eq!(age_years(ymd(date!(2008 - 01 - 01)), as_of), 18);
    assert_eq!(age_years(ymd(date!(2008 - 01 - 02)), as_of), 17);
    assert_eq!(
        age_years(ymd(date!(2024 - 02 - 29)), ymd(date!(2025 - 02 - 28))),
        0
    );
    assert_eq!(
        age_years(ymd(date!(2024 - 02 - 29)), ymd(date!(2025 - 03 - 01))),
        1
    );
}

#[test]
fn period_numbers_are_consecutive_and_invert() {
    use crate::lang::ast::Period;
    let d = day(date!(2025 - 07 - 19));
    for period in Period::ALL {
        let n = period_number(d, period);
        assert_eq!(period_number(period_start(n, period), period), n);
        assert!(period_start(n, period) <= d && d < period_start(n + 1, period));
    }
    assert_eq!(
        iso(period_start(period_number(d, Period::Month), Period::Month)),
        "2025-07-01"
    );
    assert_eq!(
        iso(period_start(period_number(d, Period::Year), Period::Year)),
        "2025-01-01"
    );
    assert_eq!(
        period_number(day(date!(2025 - 01 - 01)), Period::Month) + 1,
        period_number(day(date!(2025 - 02 - 01)), Period::Month)
    );
}

fn label_of(date: time::Date, period: crate::lang::ast::Period) -> String {
    period_label(period_number(day(date), period), period)
}

/// MMWR weeks as the CDC's calendar gives them: week 1 is the first Sunday-to-Saturday
/// week with at least four days in the year, and 2014 and 2020 had a week 53.
#[test]
fn mmwr_weeks_match_the_cdc_calendar() {
    use crate::lang::ast::Period::MmwrWeek;
    let cases = [
        // 2023-01-01 is a Sunday: week 1 starts on it.
        (date!(2023 - 01 - 01), "2023-W01"),
        (date!(2022 - 12 - 31), "2022-W52"),
        // 2024-01-01 is a Monday: week 1 started on Sunday 2023-12-31.
        (date!(2023 - 12 - 31), "2024-W01"),
        (date!(2024 - 01 - 06), "2024-W01"),
        (date!(2024 - 01 - 07), "2024-W02"),
        // 2015-01-01 is a Thursday: only three January days in that week, so it is
        // week 53 of 2014, and week 1 of 2015 starts on 2015-01-04.
        (date!(2014 - 12 - 28), "2014-W53"),
        (date!(2015 - 01 - 03), "2014-W53"),
        (date!(2015 - 01 - 04), "2015-W01"),
        // 2021-01-01 is a Friday: 2020 ends with week 53 (2020-12-27 to 2021-01-02).
        (date!(2020 - 12 - 27), "2020-W53"),
        (date!(2021 - 01 - 02), "2020-W53"),
        (date!(2021 - 01 - 03), "2021-W01"),
        // 2022-01-01 is a Saturday: it belongs to 2021's last week, 52.
        (date!(2022 - 01 - 01), "2021-W52"),
        (date!(2022 - 01 - 02), "2022-W01"),
        // 2025-01-01 is a Wednesday: four days, so week 1 starts on 2024-12-29; 2025
        // ends on a Wednesday too and has a week 53.
        (date!(2024 - 12 - 29), "2025-W01"),
        (date!(2025 - 12 - 31), "2025-W53"),
        (date!(2026 - 01 - 03), "2025-W53"),
        (date!(2026 - 01 - 04), "2026-W01"),
        (date!(2025 - 07 - 19), "2025-W29"),
    ];
    for (case, expected) in cases {
        assert_eq!(label_of(case, MmwrWeek), expected, "{case}");
        assert_eq!(
            date(sunday_week_start(day(case))).map(|d| d.weekday()),
            Some(Weekday::Sunday)
        );
    }
}

/// The start of MMWR week 1 of `year`, found the long way: the first Sunday whose
/// Sunday-to-Saturday week has at least four days in `year`.
fn mmwr_week_one(year: i32) -> time::Date {
    let mut sunday = time::Date::from_calendar_date(year - 1, time::Month::December, 25).unwrap();
    while sunday.weekday() != Weekday::Sunday {
        sunday = sunday.next_day().unwrap();
    }
    loop {
        let days_in_year = (0..7)
            .filter(|&n| (sunday + time::Duration::days(n)).year() == year)
            .count();
        if days_in_year >= 4 {
            return sunday;
        }
        sunday += time::Duration::days(7);
    }
}

/// Every day from 1990 to 2040: the ISO week label agrees with `time`'s ISO week date,
/// and the MMWR label with the definition applied the long way (`mmwr_week_one`).
#[test]
fn epi_weeks_agree_with_the_time_crate_and_the_definition_for_fifty_years() {
    use crate::lang::ast::Period::{IsoWeek, MmwrWeek};
    let mut mmwr_53 = Vec::new();
    let mut current = date!(1990 - 01 - 01);
    while current < date!(2040 - 01 - 01) {
        let (year, week, _) = current.to_iso_week_date();
        assert_eq!(
            label_of(current, IsoWeek),
            format!("{year:04}-W{week:02}"),
            "{current}"
        );
        let year = (current.year() - 1..=current.year() + 1)
            .rev()
            .find(|&year| mmwr_week_one(year) <= current)
            .unwrap();
        let week = (current - mmwr_week_one(year)).whole_days() / 7 + 1;
        let mmwr = label_of(current, MmwrWeek);
        assert_eq!(mmwr, format!("{year:04}-W{week:02}"), "{current}");
        if week == 53 && !mmwr_53.contains(&year) {
            mmwr_53.push(year);
        }
        current = current.next_day().unwrap();
    }
    // The CDC's years with 53 MMWR weeks in this span.
    assert_eq!(
        mmwr_53,
        [1992, 1997, 2003, 2008, 2014, 2020, 2025, 2031, 2036]
    );
}
