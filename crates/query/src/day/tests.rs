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
fn month_and_year_starts() {
    assert_eq!(iso(month_start(day(date!(2025 - 07 - 19)))), "2025-07-01");
    assert_eq!(iso(year_start(day(date!(2025 - 07 - 19)))), "2025-01-01");
}
