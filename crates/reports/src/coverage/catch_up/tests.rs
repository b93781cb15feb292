//! The catch-up list, one synthetic child per rule.

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
