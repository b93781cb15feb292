//! The oracle test: every statistic, bound, p-value and alert of EWMA, adaptive multiple
//! regression and the regression/EWMA switch (CDC pynssp 0.1.0 `alert_ewma`,
//! `alert_regression`, `alert_switch`), EARS C1 and C2 (R surveillance 1.20.3 `earsC`,
//! threshold 3) and CUSUM (R surveillance `algo.cusum`, standard transformation) on the same
//! daily series — flat, seasonal, a planted outbreak, mostly zeros, a short history — within
//! 1e-6; and pynssp's weekly Serfling and negative binomial models (`alert_serfling`,
//! `alert_nbinom`) and R surveillance's `farringtonFlexible` (default control) on daily
//! series of the same shapes over six years, summed here by MMWR week as the alerts sum them.
//!
//! `oracle.json` is written by tools/surveillance-oracle/oracle.py from the reference
//! implementations themselves; test.sh writes it again and runs this test on the fresh file
//! (`CHARTROOM_SURVEILLANCE_ORACLE`), so the file cannot drift from them. EARS C3 is not
//! compared: R's `earsC` leaves the day itself out of its C3 alarm, and ours follows the
//! published sum (see `detect::ears`); its hand-worked cases are unit tests.

use serde::Deserialize;
use surveillance::detect::{self, Level, Method, Point};
use time::Date;
use time::macros::{date, format_description};

#[derive(Deserialize)]
struct Oracle {
    cases: Vec<Case>,
    weekly_cases: Vec<WeeklyCase>,
}

/// The first day of the daily series (pandas' `2024-01-01`, a Monday).
const FIRST_DAY: Date = date!(2024 - 01 - 01);

#[derive(Deserialize)]
struct WeeklyCase {
    name: String,
    first_day: String,
    baseline_weeks: usize,
    counts: Vec<f64>,
    serfling: Vec<WeeklyRow>,
    nbinom: Vec<WeeklyRow>,
    farrington: Vec<FarringtonRow>,
}

/// R's `farringtonFlexible` for one week: no expected count nor bound under `limit54`.
#[derive(Deserialize)]
struct FarringtonRow {
    day: usize,
    expected: Option<f64>,
    threshold: Option<f64>,
    statistic: f64,
    p_value: f64,
    alarm: bool,
}

#[derive(Deserialize)]
struct WeeklyRow {
    day: usize,
    expected: f64,
    threshold: f64,
    alarm: bool,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    counts: Vec<f64>,
    ewma: Vec<EwmaRow>,
    regression: Vec<EwmaRow>,
    switch: Vec<EwmaRow>,
    c1: Vec<EarsRow>,
    c2: Vec<EarsRow>,
    cusum: Vec<CusumRow>,
}

#[derive(Deserialize)]
struct EwmaRow {
    day: usize,
    expected: f64,
    statistic: f64,
    p_value: f64,
    level: String,
}

#[derive(Deserialize)]
struct EarsRow {
    day: usize,
    threshold: f64,
    alarm: bool,
}

#[derive(Deserialize)]
struct CusumRow {
    day: usize,
    statistic: Option<f64>,
    threshold: Option<f64>,
    alarm: bool,
}

fn oracle() -> Oracle {
    let path = std::env::var("CHARTROOM_SURVEILLANCE_ORACLE").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/oracle.json").to_owned()
    });
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn near(ours: f64, theirs: f64, what: &str) {
    assert!(
        (ours - theirs).abs() <= 1e-6,
        "{what}: ours {ours}, reference {theirs}"
    );
}

/// Our tested days are exactly the reference's.
fn same_days(points: &[Option<Point>], days: impl Iterator<Item = usize>, what: &str) {
    assert_eq!(tested(points), days.collect::<Vec<_>>(), "{what} days");
}

/// The days a method tested.
fn tested(points: &[Option<Point>]) -> Vec<usize> {
    points
        .iter()
        .enumerate()
        .filter_map(|(day, p)| p.map(|_| day))
        .collect()
}

/// pynssp's daily methods: each tested day's expected, statistic, p-value and level.
fn compare_pynssp(name: &str, method: Method, counts: &[f64], rows: &[EwmaRow]) -> usize {
    let points = method.run(counts, FIRST_DAY, 0).unwrap();
    let method = method.as_str();
    same_days(
        &points,
        rows.iter().map(|r| r.day),
        &format!("{name} {method}"),
    );
    for row in rows {
        let p = points[row.day].unwrap();
        let what = format!("{name} {method} day {}", row.day);
        near(p.expected, row.expected, &format!("{what} expected"));
        near(
            p.statistic.unwrap(),
            row.statistic,
            &format!("{what} statistic"),
        );
        near(p.p_value.unwrap(), row.p_value, &format!("{what} p-value"));
        assert_eq!(p.level.as_str(), row.level, "{what}");
    }
    rows.len()
}

#[test]
fn every_statistic_agrees_with_pynssp_and_r_surveillance() {
    let oracle = oracle();
    assert_eq!(oracle.cases.len(), 5);
    let mut n_compared = 0;
    for case in &oracle.cases {
        let name = &case.name;
        n_compared += compare_pynssp(name, Method::Ewma, &case.counts, &case.ewma);
        n_compared += compare_pynssp(name, Method::Regression, &case.counts, &case.regression);
        n_compared += compare_pynssp(name, Method::Switch, &case.counts, &case.switch);
        for (method, rows) in [("c1", &case.c1), ("c2", &case.c2)] {
            let points = Method::parse(method)
                .unwrap()
                .run(&case.counts, FIRST_DAY, 0)
                .unwrap();
            same_days(
                &points,
                rows.iter().map(|r| r.day),
                &format!("{name} {method}"),
            );
            for row in rows {
                let p = points[row.day].unwrap();
                let what = format!("{name} {method} day {}", row.day);
                near(p.threshold.unwrap(), row.threshold, &what);
                assert_eq!(p.level == Level::Red, row.alarm, "{what}");
                n_compared += 1;
            }
        }
        let cusum = detect::cusum(&case.counts, &detect::CusumParams::default());
        match cusum {
            Err(short) => assert!(case.cusum.is_empty(), "{name}: {short}"),
            Ok(points) => {
                for row in &case.cusum {
                    let what = format!("{name} cusum day {}", row.day);
                    match (points[row.day], row.statistic) {
                        (Some(p), Some(statistic)) => {
                            near(p.statistic.unwrap(), statistic, &what);
                            near(p.threshold.unwrap(), row.threshold.unwrap(), &what);
                            assert_eq!(p.level == Level::Red, row.alarm, "{what}");
                        }
                        (None, None) => {}
                        (ours, theirs) => panic!("{what}: ours {ours:?}, reference {theirs:?}"),
                    }
                    n_compared += 1;
                }
            }
        }
    }
    assert!(n_compared > 3_500, "{n_compared}");
}

/// The weekly models: every week's estimate and threshold, and its alarm (with Farrington's
/// statistic and p-value), from daily counts summed by MMWR week; a series with under two
/// years of baseline (Farrington: five years and four weeks) is refused as too short.
#[test]
fn weekly_models_agree_with_pynssp_and_r_surveillance() {
    let oracle = oracle();
    assert_eq!(oracle.weekly_cases.len(), 5);
    let mut n_compared = 0;
    for case in &oracle.weekly_cases {
        let name = &case.name;
        let first =
            Date::parse(&case.first_day, format_description!("[year]-[month]-[day]")).unwrap();
        let weeks = detect::weeks(&case.counts, first);
        // The day the weekly methods are told testing starts: after the baseline weeks.
        let from = weeks.first_index + 7 * case.baseline_weeks;
        for (method, rows) in [
            (Method::Serfling, &case.serfling),
            (Method::Nbinom, &case.nbinom),
        ] {
            let what = format!("{name} {}", method.as_str());
            let points = match method.run(&case.counts, first, from) {
                Err(short) => {
                    assert!(rows.is_empty(), "{what}: {short}");
                    continue;
                }
                Ok(points) => points,
            };
            same_days(&points, rows.iter().map(|r| r.day), &what);
            for row in rows {
                let p = points[row.day].unwrap();
                let what = format!("{what} day {}", row.day);
                near(p.expected, row.expected, &format!("{what} expected"));
                near(
                    p.threshold.unwrap(),
                    row.threshold,
                    &format!("{what} threshold"),
                );
                assert_eq!(p.level == Level::Red, row.alarm, "{what}");
                n_compared += 1;
            }
        }
        let what = format!("{name} farrington");
        let points = match Method::Farrington.run(&case.counts, first, 0) {
            Err(short) => {
                assert!(case.farrington.is_empty(), "{what}: {short}");
                continue;
            }
            Ok(points) => points,
        };
        same_days(&points, case.farrington.iter().map(|r| r.day), &what);
        for row in &case.farrington {
            let p = points[row.day].unwrap();
            let what = format!("{what} day {}", row.day);
            if let Some(expected) = row.expected {
                near(p.expected, expected, &format!("{what} expected"));
            }
            match (p.threshold, row.threshold) {
                (Some(ours), Some(theirs)) => near(ours, theirs, &format!("{what} threshold")),
                (None, None) => {}
                (ours, theirs) => panic!("{what} threshold: ours {ours:?}, reference {theirs:?}"),
            }
            near(
                p.statistic.unwrap(),
                row.statistic,
                &format!("{what} statistic"),
            );
            near(p.p_value.unwrap(), row.p_value, &format!("{what} p-value"));
            assert_eq!(p.level == Level::Red, row.alarm, "{what}");
            n_compared += 1;
        }
    }
    assert!(n_compared > 2_000, "{n_compared}");
}
