//! The catch-up list, one synthetic child per rule.

use super::super::validity::Span;
use super::*;
use time::Duration;
use time::macros::date;

fn child(birth: Date, doses: &[(&str, Date)]) -> Person {
    Person {
        birth_date: birth,
        doses: doses
            .iter()
            .map(|(cvx, day)| ((*cvx).to_owned(), *day))
            .collect(),
    }
}

fn list(person: &Person, as_of: Date) -> Vec<DoseDue> {
    catch_up(person, as_of, &Minimums::acip().unwrap())
}

fn of<'a>(due: &'a [DoseDue], series: &str) -> Option<&'a DoseDue> {
    due.iter().find(|d| d.series == series)
}

/// The next dose of `series` owed on `as_of`.
fn next(person: &Person, as_of: Date, series: &str) -> DoseDue {
    of(&list(person, as_of), series).unwrap().clone()
}

#[test]
fn a_child_behind_at_eight_months_gets_each_next_dose_with_its_earliest_day() {
    let birth = date!(2024 - 01 - 01);
    // One DTaP at 2 months; nothing else.
    let person = child(birth, &[("20", date!(2024 - 03 - 01))]);
    let due = list(&person, date!(2024 - 09 - 01));
    let names: Vec<(&str, usize)> = due.iter().map(|d| (d.series, d.dose)).collect();
    assert_eq!(
        names,
        [
            ("DTaP", 2),
            ("polio", 1),
            ("MMR", 1),
            ("Hib", 1),
            ("HepB", 1),
            ("varicella", 1),
            ("PCV", 1)
        ]
    );
    // DTaP-2: 4 weeks after DTaP-1 (later than 10 weeks of age); overdue since 4 months.
    let dtap = of(&due, "DTaP").unwrap();
    assert_eq!(dtap.earliest, date!(2024 - 03 - 29));
    assert!(dtap.due && dtap.overdue);
    // Polio-1: 6 weeks of age, overdue since 2 months.
    let polio = of(&due, "polio").unwrap();
    assert_eq!(polio.earliest, date!(2024 - 02 - 12));
    assert!(polio.due && polio.overdue);
    // MMR-1: not before 12 months, not yet overdue.
    let mmr = of(&due, "MMR").unwrap();
    assert_eq!(mmr.earliest, date!(2025 - 01 - 01));
    assert!(!mmr.due && !mmr.overdue);
}

#[test]
fn a_complete_series_is_not_listed_and_doses_after_the_day_are_not_read() {
    let birth = date!(2023 - 01 - 01);
    let person = child(
        birth,
        &[("03", date!(2024 - 01 - 05)), ("21", date!(2024 - 03 - 01))],
    );
    let due = list(&person, date!(2024 - 02 - 01));
    assert!(of(&due, "MMR").is_none());
    // Varicella given after the day asked about is still due on it, 28 days after MMR.
    let varicella = of(&due, "varicella").unwrap();
    assert_eq!(varicella.earliest, date!(2024 - 02 - 02));
    assert!(!varicella.due && !varicella.overdue);
}

#[test]
fn a_live_vaccine_waits_28_days_after_another_without_grace() {
    let birth = date!(2023 - 01 - 01);
    let person = child(birth, &[("03", date!(2024 - 01 - 10))]);
    let varicella = next(&person, date!(2024 - 01 - 20), "varicella");
    assert_eq!(varicella.earliest, date!(2024 - 02 - 07));
    assert!(!varicella.due);
    // A varicella dose 25 days after the MMR did not count, and the repeat waits 28 days
    // after it.
    let early = child(
        birth,
        &[("03", date!(2024 - 01 - 10)), ("21", date!(2024 - 02 - 04))],
    );
    let varicella = next(&early, date!(2024 - 02 - 10), "varicella");
    assert_eq!(
        (varicella.dose, varicella.earliest),
        (1, date!(2024 - 03 - 03))
    );
}

#[test]
fn hepb_three_waits_for_24_weeks_of_age_and_16_weeks_after_the_first() {
    let birth = date!(2024 - 01 - 01);
    let person = child(
        birth,
        &[("08", date!(2024 - 01 - 01)), ("08", date!(2024 - 02 - 01))],
    );
    let hepb = next(&person, date!(2024 - 04 - 15), "HepB");
    assert_eq!(hepb.dose, 3);
    assert_eq!(hepb.earliest, birth + Duration::weeks(24));
    assert!(!hepb.due && !hepb.overdue);
    // Started late: the first dose at 20 weeks, the second 4 weeks later; the third is
    // then held by the 16 weeks after the first.
    let late = child(
        birth,
        &[
            ("08", birth + Duration::weeks(20)),
            ("08", birth + Duration::weeks(24)),
        ],
    );
    let hepb = next(&late, birth + Duration::weeks(26), "HepB");
    assert_eq!(hepb.earliest, birth + Duration::weeks(36));
}

#[test]
fn a_dose_too_young_spaces_the_next_first_dose() {
    let birth = date!(2024 - 01 - 01);
    // IPV at 3 weeks does not count; the first valid dose waits 4 weeks after it.
    let person = child(birth, &[("10", birth + Duration::weeks(3))]);
    let polio = next(&person, birth + Duration::weeks(5), "polio");
    assert_eq!(
        (polio.dose, polio.earliest, polio.overdue),
        (1, birth + Duration::weeks(7), false)
    );
}

/// The day `months` calendar months after `birth`.
fn at(birth: Date, months: i32) -> Date {
    Span::Months(months).after(birth)
}

/// Hib and PCV doses, each given at an age in months.
fn doses(birth: Date, cvx: &str, months: &[i32]) -> Person {
    let given: Vec<(&str, Date)> = months.iter().map(|m| (cvx, at(birth, *m))).collect();
    child(birth, &given)
}

/// The next dose of `series` on `as_of` as (dose, of, earliest), or `None` when nothing
/// more is needed.
fn owed(person: &Person, as_of: Date, series: &str) -> Option<(usize, usize, Date)> {
    of(&list(person, as_of), series).map(|d| (d.dose, d.of, d.earliest))
}

#[test]
fn hib_started_at_15_months_or_later_needs_one_dose_and_none_after_five_years() {
    let birth = date!(2022 - 03 - 10);
    let none = child(birth, &[]);
    // Unvaccinated at 16 months: one dose, due now.
    assert_eq!(
        owed(&none, at(birth, 16), "Hib"),
        Some((1, 1, birth + Duration::weeks(6)))
    );
    // Given it, the series is done.
    let one = doses(birth, "48", &[16]);
    assert_eq!(owed(&one, at(birth, 17), "Hib"), None);
    // A healthy child of five (60 months) needs no Hib catch-up, whatever was given.
    assert_eq!(owed(&none, at(birth, 60), "Hib"), None);
    assert!(owed(&none, at(birth, 59), "Hib").is_some());
    let stopped = doses(birth, "48", &[2]);
    assert_eq!(owed(&stopped, at(birth, 61), "Hib"), None);
}

#[test]
fn hib_started_at_12_to_14_months_needs_two_doses_eight_weeks_apart() {
    let birth = date!(2023 - 05 - 31);
    let one = doses(birth, "48", &[13]);
    assert_eq!(
        owed(&one, at(birth, 13), "Hib"),
        Some((2, 2, at(birth, 13) + Duration::weeks(8)))
    );
    // A second dose four weeks later does not count (Table 2 asks 8 weeks); the repeat is
    // spaced 8 weeks after it.
    let too_soon = child(
        birth,
        &[
            ("48", at(birth, 13)),
            ("48", at(birth, 13) + Duration::weeks(4)),
        ],
    );
    let hib = next(&too_soon, at(birth, 15), "Hib");
    assert_eq!(
        (hib.dose, hib.of, hib.earliest),
        (2, 2, at(birth, 13) + Duration::weeks(12))
    );
    // Eight weeks less the 4-day grace counts, and ends the series.
    let done = child(
        birth,
        &[
            ("48", at(birth, 13)),
            ("48", at(birth, 13) + Duration::weeks(8) - Duration::days(4)),
        ],
    );
    assert_eq!(owed(&done, at(birth, 20), "Hib"), None);
}

#[test]
fn hib_started_at_7_to_11_months_needs_three_doses_the_last_at_12_months() {
    let birth = date!(2024 - 01 - 15);
    let none = child(birth, &[]);
    assert_eq!(owed(&none, at(birth, 8), "Hib").map(|d| d.1), Some(3));
    let one = doses(birth, "48", &[8]);
    assert_eq!(
        owed(&one, at(birth, 8), "Hib"),
        Some((2, 3, at(birth, 8) + Duration::weeks(4)))
    );
    // Dose 3 (final): 8 weeks after dose 2, and not before 12 months.
    let two = doses(birth, "48", &[8, 9]);
    assert_eq!(
        owed(&two, at(birth, 10), "Hib"),
        Some((3, 3, at(birth, 12)))
    );
    let three = doses(birth, "48", &[8, 9, 12]);
    assert_eq!(owed(&three, at(birth, 13), "Hib"), None);
}

#[test]
fn hib_stopped_part_way_follows_the_age_of_the_last_dose() {
    let birth = date!(2024 - 01 - 15);
    // Started on time at 2 and 4 months, then nothing: at 20 months dose 3 is the last,
    // 8 weeks after dose 2 and from 12 months, so due at once.
    let two = doses(birth, "48", &[2, 4]);
    let hib = next(&two, at(birth, 20), "Hib");
    assert_eq!((hib.dose, hib.of, hib.earliest), (3, 3, at(birth, 12)));
    assert!(hib.due && hib.overdue);
    // Still a baby: dose 3 four weeks after dose 2, as routine.
    assert_eq!(
        owed(&two, at(birth, 5), "Hib"),
        Some((3, 3, at(birth, 4) + Duration::weeks(4)))
    );
    // A second dose at 16 months ends the series.
    let late_second = doses(birth, "48", &[2, 16]);
    assert_eq!(owed(&late_second, at(birth, 18), "Hib"), None);
    // One dose at 3 months, then nothing until 18 months: one more dose, 4 weeks on.
    let one = doses(birth, "48", &[3]);
    assert_eq!(owed(&one, at(birth, 18), "Hib").map(|d| d.1), Some(2));
}

#[test]
fn pcv_started_at_two_years_or_later_needs_one_dose_and_none_after_five_years() {
    let birth = date!(2021 - 08 - 31);
    let none = child(birth, &[]);
    assert_eq!(
        owed(&none, at(birth, 30), "PCV").map(|d| (d.0, d.1)),
        Some((1, 1))
    );
    let one = doses(birth, "215", &[30]);
    assert_eq!(owed(&one, at(birth, 31), "PCV"), None);
    assert_eq!(owed(&none, at(birth, 60), "PCV"), None);
    // Unvaccinated at 12-23 months: two doses 8 weeks apart.
    let one_at_13 = doses(birth, "215", &[13]);
    assert_eq!(owed(&none, at(birth, 13), "PCV").map(|d| d.1), Some(2));
    assert_eq!(
        owed(&one_at_13, at(birth, 14), "PCV"),
        Some((2, 2, at(birth, 13) + Duration::weeks(8)))
    );
    assert_eq!(
        owed(&doses(birth, "215", &[13, 15]), at(birth, 16), "PCV"),
        None
    );
}

#[test]
fn pcv_started_on_time_keeps_four_doses_and_a_dose_at_7_to_11_months_waits_for_12() {
    let birth = date!(2024 - 02 - 29);
    // Three doses before 12 months: the fourth from 12 months, 8 weeks after the third.
    let three = doses(birth, "133", &[2, 4, 6]);
    assert_eq!(
        owed(&three, at(birth, 7), "PCV"),
        Some((4, 4, at(birth, 12)))
    );
    assert_eq!(
        owed(&doses(birth, "133", &[2]), at(birth, 3), "PCV"),
        Some((2, 4, at(birth, 2) + Duration::weeks(4)))
    );
    // The second dose at 8 months: the third is the last, not before 12 months.
    let two = doses(birth, "133", &[6, 8]);
    assert_eq!(owed(&two, at(birth, 9), "PCV"), Some((3, 3, at(birth, 12))));
    // A third dose at 11 months (under 12, beyond the grace) does not count.
    let early_third = doses(birth, "133", &[6, 8, 11]);
    let pcv = next(&early_third, at(birth, 12), "PCV");
    assert_eq!((pcv.dose, pcv.of), (3, 3));
    assert_eq!(pcv.earliest, at(birth, 11) + Duration::weeks(8));
}

#[test]
fn pcv_stopped_part_way_needs_one_more_dose_after_the_first_birthday() {
    let birth = date!(2024 - 02 - 29);
    // Doses at 2 and 4 months, none since: at 18 months dose 3 is the last, due at once.
    let two = doses(birth, "133", &[2, 4]);
    let pcv = next(&two, at(birth, 18), "PCV");
    assert_eq!(
        (pcv.dose, pcv.of, pcv.earliest),
        (3, 3, at(birth, 4) + Duration::weeks(8))
    );
    assert!(pcv.due && pcv.overdue);
    // Given it at 19 months, nothing more.
    assert_eq!(
        owed(&doses(birth, "133", &[2, 4, 19]), at(birth, 20), "PCV"),
        None
    );
    // Doses at 2 and 4 months and one at 25 months: done.
    assert_eq!(
        owed(&doses(birth, "133", &[2, 25]), at(birth, 26), "PCV"),
        None
    );
}
