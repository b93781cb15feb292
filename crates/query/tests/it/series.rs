//! Time series: `day(date)`, `mmwr_week(date)` and `iso_week(date)` give every period of
//! the dates asked a row, zero when nothing happened, checked against counts made row by
//! row on the generated population.

use std::collections::BTreeMap;

use query::{Cell, Engine, Error};
use time::{Date, Duration, macros::date};

use crate::answers::strings;
use crate::fixture::{Population, bulk, population};

fn setup() -> (Population, Engine) {
    let pop = population(3_000, 11);
    let engine = bulk(&pop);
    (pop, engine)
}

fn days(from: Date, to: Date) -> Vec<Date> {
    let mut out = Vec::new();
    let mut day = from;
    while day <= to {
        out.push(day);
        day += Duration::days(1);
    }
    out
}

#[test]
fn a_daily_series_has_every_day_asked_with_zeros_and_the_oracle_counts() {
    let (pop, engine) = setup();
    let (from, to) = (date!(2025 - 10 - 01), date!(2025 - 10 - 31));
    let mut expected: BTreeMap<Date, (std::collections::BTreeSet<i64>, i64)> = days(from, to)
        .into_iter()
        .map(|d| (d, Default::default()))
        .collect();
    for d in &pop.diagnoses {
        if d.code == "J11.1" && d.date >= from && d.date <= to {
            let entry = expected.get_mut(&d.date).unwrap();
            entry.0.insert(d.patient_key);
            entry.1 += 1;
        }
    }
    let table = engine
        .query("diagnoses where code = J11.1 and date >= 2025-10-01 and date < 2025-11-01 group by day(date) measure patients, count")
        .unwrap();
    assert_eq!(table.columns, ["day", "patients", "count"]);
    let expected: Vec<Vec<String>> = expected
        .into_iter()
        .map(|(d, (p, n))| vec![d.to_string(), p.len().to_string(), n.to_string()])
        .collect();
    assert_eq!(strings(&table), expected);
    assert!(
        expected.iter().any(|row| row[2] == "0") && expected.iter().any(|row| row[2] != "0"),
        "the window should hold both empty and busy days"
    );
}

#[test]
fn days_past_the_last_row_are_zero_filled_up_to_the_end_asked() {
    let (_, engine) = setup();
    // The population's events end on 2026-01-01; the series runs on to the 10th.
    let table = engine
        .query(
            "count encounters where date >= 2025-12-28 and date <= 2026-01-10 group by day(date)",
        )
        .unwrap();
    let rows = strings(&table);
    assert_eq!(rows.len(), 14);
    assert_eq!(rows[0][0], "2025-12-28");
    assert_eq!(rows[13], ["2026-01-10", "0"]);
    assert_eq!(rows[9][1], "0");
}

#[test]
fn a_series_without_date_bounds_spans_the_data() {
    let (pop, engine) = setup();
    let table = engine
        .query("count immunizations where cvx in flu group by day(date)")
        .unwrap();
    let first = pop.immunizations.iter().map(|i| i.date).min().unwrap();
    let last = pop.immunizations.iter().map(|i| i.date).max().unwrap();
    let rows = strings(&table);
    assert_eq!(rows.len(), days(first, last).len());
    assert_eq!(rows.first().unwrap()[0], first.to_string());
    assert_eq!(rows.last().unwrap()[0], last.to_string());
}

#[test]
fn mmwr_weeks_by_zip3_give_each_zip3_every_week() {
    let (pop, engine) = setup();
    let zip_of: BTreeMap<i64, String> = pop
        .patients
        .iter()
        .map(|p| (p.patient_key, p.zip[..3].to_owned()))
        .collect();
    // 2025-09-28 is the Sunday starting MMWR week 40 of 2025; 2025-12-27 the Saturday
    // ending week 52.
    let (from, to) = (date!(2025 - 09 - 28), date!(2025 - 12 - 27));
    let mut expected: BTreeMap<(String, String), i64> = BTreeMap::new();
    let zip3s: std::collections::BTreeSet<String> = pop
        .immunizations
        .iter()
        .filter(|i| i.date >= from && i.date <= to)
        .map(|i| zip_of[&i.patient_key].clone())
        .collect();
    for zip3 in &zip3s {
        for week in 40..=52 {
            expected.insert((zip3.clone(), format!("2025-W{week:02}")), 0);
        }
    }
    for i in &pop.immunizations {
        if i.date >= from && i.date <= to {
            let sunday =
                i.date - Duration::days(i64::from(i.date.weekday().number_days_from_sunday()));
            let week = (sunday - date!(2024 - 12 - 29)).whole_days() / 7 + 1;
            *expected
                .get_mut(&(zip_of[&i.patient_key].clone(), format!("2025-W{week:02}")))
                .unwrap() += 1;
        }
    }
    let table = engine
        .query("count immunizations where date >= 2025-09-28 and date <= 2025-12-27 group by zip3, mmwr_week(date)")
        .unwrap();
    let expected: Vec<Vec<String>> = expected
        .into_iter()
        .map(|((zip3, week), n)| vec![zip3, week, n.to_string()])
        .collect();
    assert_eq!(strings(&table), expected);
}

#[test]
fn iso_weeks_are_labelled_as_the_time_crate_numbers_them() {
    let (pop, engine) = setup();
    let table = engine
        .query("count observations where date >= 2024-12-23 and date <= 2025-01-12 group by iso_week(date)")
        .unwrap();
    let mut expected: BTreeMap<(i32, u8), i64> = BTreeMap::new();
    for d in days(date!(2024 - 12 - 23), date!(2025 - 01 - 12)) {
        let (year, week, _) = d.to_iso_week_date();
        expected.entry((year, week)).or_default();
    }
    for o in &pop.observations {
        if o.date >= date!(2024 - 12 - 23) && o.date <= date!(2025 - 01 - 12) {
            let (year, week, _) = o.date.to_iso_week_date();
            *expected.get_mut(&(year, week)).unwrap() += 1;
        }
    }
    let expected: Vec<Vec<String>> = expected
        .into_iter()
        .map(|((year, week), n)| vec![format!("{year}-W{week:02}"), n.to_string()])
        .collect();
    assert_eq!(
        expected
            .iter()
            .map(|row| row[0].as_str())
            .collect::<Vec<_>>(),
        ["2024-W52", "2025-W01", "2025-W02"]
    );
    assert_eq!(strings(&table), expected);
}

#[test]
fn a_series_of_nothing_is_all_zeros_and_an_empty_window_has_no_rows() {
    let (_, engine) = setup();
    let table = engine
        .query("diagnoses where code = Z99.89 and date >= 2025-03-01 and date <= 2025-03-07 group by day(date) measure patients, count")
        .unwrap();
    assert_eq!(table.rows.len(), 7);
    assert!(
        table
            .rows
            .iter()
            .all(|row| row[1..] == [Cell::Int(0), Cell::Int(0)])
    );
    let empty = engine
        .query("count diagnoses where date > 2025-03-07 and date < 2025-03-01 group by day(date)")
        .unwrap();
    assert!(empty.rows.is_empty());
}

#[test]
fn a_series_too_long_to_fill_is_refused_with_the_dates() {
    let (_, engine) = setup();
    let error = engine
        .query("count encounters where date >= 1800-01-01 group by day(date)")
        .unwrap_err();
    assert!(matches!(error, Error::Unanswerable(_)), "{error}");
    let message = error.to_string();
    assert!(message.contains("from 1800-01-01 to"), "{message}");
    assert!(message.contains("bound the dates"), "{message}");
    // Weeks over the same dates are short enough.
    assert!(
        engine
            .query("count encounters where date >= 1800-01-01 group by mmwr_week(date)")
            .is_ok()
    );
}
