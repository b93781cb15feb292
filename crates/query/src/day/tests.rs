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
    for period in [Period::Week, Period::Month, Period::Year] {
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
