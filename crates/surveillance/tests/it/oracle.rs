//! The oracle test: every statistic, bound, p-value and alert of EWMA (CDC pynssp 0.1.0
//! `alert_ewma`), EARS C1 and C2 (R surveillance 1.20.3 `earsC`, threshold 3) and CUSUM
//! (R surveillance `algo.cusum`, standard transformation) on the same series — flat,
//! seasonal, a planted outbreak, mostly zeros, a short history — within 1e-6.
//!
//! `oracle.json` is written by tools/surveillance-oracle/oracle.py from the reference
//! implementations themselves; test.sh writes it again and runs this test on the fresh file
//! (`CHARTROOM_SURVEILLANCE_ORACLE`), so the file cannot drift from them. EARS C3 is not
//! compared: R's `earsC` leaves the day itself out of its C3 alarm, and ours follows the
//! published sum (see `detect::ears`); its hand-worked cases are unit tests.

use serde::Deserialize;
use surveillance::detect::{self, Level, Point};

#[derive(Deserialize)]
struct Oracle {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    counts: Vec<f64>,
    ewma: Vec<EwmaRow>,
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
fn tested(points: &[Option<Point>]) -> Vec<usize> {
    points
        .iter()
        .enumerate()
        .filter_map(|(day, p)| p.map(|_| day))
        .collect()
}

#[test]
fn every_statistic_agrees_with_pynssp_and_r_surveillance() {
    let oracle = oracle();
    assert_eq!(oracle.cases.len(), 5);
    let mut n_compared = 0;
    for case in &oracle.cases {
        let name = &case.name;
        let ewma = detect::ewma(&case.counts, &detect::EwmaParams::default()).unwrap();
        assert_eq!(
            tested(&ewma),
            case.ewma.iter().map(|r| r.day).collect::<Vec<_>>(),
            "{name} ewma days"
        );
        for row in &case.ewma {
            let p = ewma[row.day].unwrap();
            let what = format!("{name} ewma day {}", row.day);
            near(p.expected, row.expected, &format!("{what} expected"));
            near(
                p.statistic.unwrap(),
                row.statistic,
                &format!("{what} statistic"),
            );
            near(p.p_value.unwrap(), row.p_value, &format!("{what} p-value"));
            assert_eq!(p.level.as_str(), row.level, "{what}");
            n_compared += 1;
        }
        for (method, rows) in [("c1", &case.c1), ("c2", &case.c2)] {
            let points = detect::Method::parse(method)
                .unwrap()
                .run(&case.counts)
                .unwrap();
            assert_eq!(
                tested(&points),
                rows.iter().map(|r| r.day).collect::<Vec<_>>(),
                "{name} {method} days"
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
    assert!(n_compared > 2_000, "{n_compared}");
}
