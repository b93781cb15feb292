//! The 28-day rule, one child per case.

use super::*;
use time::macros::date;

fn doses(list: &[(&str, Date)]) -> Vec<(String, Date)> {
    list.iter()
        .map(|(cvx, day)| ((*cvx).to_owned(), *day))
        .collect()
}

#[test]
fn live_doses_on_the_same_day_are_both_valid() {
    let given = doses(&[("03", date!(2025 - 03 - 01)), ("21", date!(2025 - 03 - 01))]);
    assert!(too_soon(&given).is_empty());
}

#[test]
fn varicella_27_days_after_mmr_is_too_soon_and_28_days_is_not() {
    let mmr = ("03", date!(2025 - 03 - 01));
    let early = doses(&[mmr, ("21", date!(2025 - 03 - 28))]);
    assert_eq!(too_soon(&early), [date!(2025 - 03 - 28)].into());
    let spaced = doses(&[mmr, ("21", date!(2025 - 03 - 29))]);
    assert!(too_soon(&spaced).is_empty());
}

#[test]
fn the_grace_period_does_not_shorten_the_28_days() {
    // 25 days: within the 4-day grace of a 4-week interval, still too soon between live
    // vaccines.
    let given = doses(&[("21", date!(2025 - 03 - 01)), ("3", date!(2025 - 03 - 26))]);
    assert_eq!(too_soon(&given), [date!(2025 - 03 - 26)].into());
}

#[test]
fn inactivated_and_oral_live_vaccines_are_outside_the_rule() {
    // IPV (10), DTaP (20), rotavirus (116, live oral) and oral typhoid (25) between.
    let given = doses(&[
        ("116", date!(2025 - 03 - 01)),
        ("3", date!(2025 - 03 - 05)),
        ("10", date!(2025 - 03 - 10)),
        ("20", date!(2025 - 03 - 10)),
        ("25", date!(2025 - 03 - 12)),
    ]);
    assert!(too_soon(&given).is_empty());
}

#[test]
fn an_invalid_live_dose_starts_the_28_days_again() {
    // MMR, LAIV 10 days later (invalid), varicella 20 days after the LAIV (30 after the
    // MMR): too soon after the invalid LAIV.
    let given = doses(&[
        ("3", date!(2025 - 01 - 01)),
        ("149", date!(2025 - 01 - 11)),
        ("21", date!(2025 - 01 - 31)),
    ]);
    assert_eq!(
        too_soon(&given),
        [date!(2025 - 01 - 11), date!(2025 - 01 - 31)].into()
    );
    assert_eq!(next_live_day(&given), Some(date!(2025 - 02 - 28)));
    assert_eq!(
        next_live_day(&doses(&[("10", date!(2025 - 01 - 01))])),
        None
    );
}

#[test]
fn the_childhood_measure_counts_varicella_given_too_soon_after_mmr_as_invalid() {
    use crate::coverage::{CHILDHOOD_SERIES, Person, childhood, validity::Minimums};
    let birth = date!(2023 - 01 - 10);
    let child = |varicella: Date| Person {
        birth_date: birth,
        doses: doses(&[("03", date!(2024 - 01 - 15)), ("21", varicella)]),
    };
    // One child with both on one day, one with varicella 20 days after MMR, one with it
    // 27 days after and a repeat 28 days after that invalid dose.
    let mut repeated = child(date!(2024 - 02 - 11));
    repeated
        .doses
        .push(("21".to_owned(), date!(2024 - 03 - 10)));
    let people = [
        child(date!(2024 - 01 - 15)),
        child(date!(2024 - 02 - 04)),
        repeated,
    ];
    let report = childhood(&people, date!(2025 - 06 - 30), &Minimums::acip().unwrap());
    assert_eq!(report.children, 3);
    let series = |name: &str| {
        let idx = CHILDHOOD_SERIES
            .iter()
            .position(|s| s.name == name)
            .unwrap();
        &report.series[idx]
    };
    assert_eq!(
        (series("MMR").complete, series("MMR").invalid_doses),
        (3, 0)
    );
    assert_eq!(
        (
            series("varicella").complete,
            series("varicella").invalid_doses
        ),
        (2, 2)
    );
}
