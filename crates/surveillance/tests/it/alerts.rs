//! Alerts from counts on a real store: a planted GI outbreak in one ZIP3 alerts there and
//! overall on its first day; detecting again opens nothing twice; the queue is worked with
//! notes; a short history is reported, not alerted.

use crate::counts::{actor, codes, diagnose, patient};
use records::*;
use store::Tx;
use surveillance::SyndromeSet;
use surveillance::alerts::{self, DetectOptions, QueueFilter};
use surveillance::counts;
use surveillance::detect::Method;
use test_support::{TestStore, backend_tests};
use time::macros::{date, datetime};
use time::{Date, Duration};

fn gi_visit(tx: &mut Tx<'_>, patient: i64, day: Date) {
    let at = datetime!(2026-01-01 12:00 UTC).replace_date(day);
    let encounter = tx
        .create(
            &actor(),
            &Encounter::check_in(
                PatientId(patient),
                EncounterClass::Emergency,
                at,
                None,
                None,
            ),
        )
        .unwrap()
        .meta
        .id;
    diagnose(tx, patient, encounter, "A08.4", 1);
}

fn options(from: Date, to: Date) -> DetectOptions {
    DetectOptions {
        methods: vec![Method::C2, Method::Ewma, Method::Regression, Method::Switch],
        from,
        to,
        syndromes: vec!["gi".into()],
        by_place: true,
        min_observed: 1,
    }
}

fn a_planted_outbreak_alerts_and_is_worked(store: &TestStore) {
    let set = SyndromeSet::defaults(codes()).unwrap();
    let first = date!(2026 - 01 - 01);
    let outbreak = first + Duration::days(50);
    store
        .write(|tx| {
            let here = patient(tx, "02139", date!(1980 - 01 - 01));
            let there = patient(tx, "94110", date!(1970 - 01 - 01));
            for offset in 0..53 {
                let day = first + Duration::days(offset);
                let background = 2 + offset % 3;
                for _ in 0..background {
                    gi_visit(tx, here, day);
                    gi_visit(tx, there, day);
                }
                if day >= outbreak {
                    for _ in 0..12 {
                        gi_visit(tx, here, day);
                    }
                }
            }
            Ok(())
        })
        .unwrap();
    counts::step(store, &set).unwrap();
    let last = first + Duration::days(52);
    let summary = store
        .write(|tx| {
            alerts::detect(
                tx,
                &actor(),
                &set,
                &options(outbreak - Duration::days(5), last),
            )
        })
        .unwrap();
    assert_eq!(summary.series, 3, "all, 021, 941");
    assert!(summary.too_short.is_empty(), "{:?}", summary.too_short);
    assert!(summary.opened >= 2, "{summary:?}");
    let queue = store
        .read(|tx| alerts::queue(tx, &QueueFilter::default()))
        .unwrap();
    let first_red = |place: &str, method: &str| {
        queue
            .iter()
            .filter(|a| a.record.place == place && a.record.method == method)
            .filter(|a| a.record.level == AlertLevel::Red)
            .map(|a| a.record.day)
            .min()
    };
    assert_eq!(first_red("021", "c2"), Some(outbreak));
    assert_eq!(first_red("all", "c2"), Some(outbreak));
    assert_eq!(first_red("021", "ewma"), Some(outbreak));
    assert_eq!(first_red("021", "regression"), Some(outbreak));
    assert_eq!(first_red("021", "switch"), Some(outbreak));
    assert!(
        queue.iter().all(|a| a.record.place != "941"),
        "the quiet place never alerts"
    );
    assert!(
        queue
            .iter()
            .all(|a| a.record.day >= outbreak - Duration::days(5))
    );

    // Again: the same alerts, none opened twice.
    let again = store
        .write(|tx| {
            alerts::detect(
                tx,
                &actor(),
                &set,
                &options(outbreak - Duration::days(5), last),
            )
        })
        .unwrap();
    assert_eq!((again.opened, again.updated), (0, 0), "{again:?}");
    assert_eq!(again.unchanged, summary.opened);

    // Worked: a note is required, the status sticks across detection.
    let id = queue[0].meta.id;
    let refused = store.write(|tx| {
        alerts::work(tx, &actor(), id, AlertStatus::Escalated, " ", tx.now())
            .map_err(|e| store::Error::Conflict(e.to_string()))
    });
    assert!(refused.unwrap_err().to_string().contains("note"));
    store
        .write(|tx| {
            alerts::work(
                tx,
                &actor(),
                id,
                AlertStatus::Escalated,
                "Cluster at one school; county notified",
                tx.now(),
            )
            .map_err(|e| store::Error::Conflict(e.to_string()))
        })
        .unwrap();
    store
        .write(|tx| {
            alerts::detect(
                tx,
                &actor(),
                &set,
                &options(outbreak - Duration::days(5), last),
            )
        })
        .unwrap();
    let worked = store.read(|tx| tx.get::<SurveillanceAlert>(id)).unwrap();
    assert_eq!(worked.record.status, AlertStatus::Escalated);
    assert_eq!(worked.record.worked_by.as_deref(), Some("test:registrar"));
    let escalated = store
        .read(|tx| {
            alerts::queue(
                tx,
                &QueueFilter {
                    status: Some(AlertStatus::Escalated),
                    ..QueueFilter::default()
                },
            )
        })
        .unwrap();
    assert_eq!(escalated.len(), 1);

    // The epi curve carries the method's expectations and the alerts.
    let curve = store
        .read(|tx| {
            alerts::epi_curve(
                tx,
                "gi",
                "021",
                outbreak - Duration::days(10),
                last,
                Method::C2,
            )
        })
        .unwrap();
    assert_eq!(curve.days.len(), 13);
    assert!(curve.points.iter().all(Option::is_some));
    assert!(!curve.alerts.is_empty());
    let places = store
        .read(|tx| alerts::places_by_level(tx, first, last))
        .unwrap();
    assert_eq!(places[0].place, "021");
    assert!(places[0].red > 0);
}

fn a_short_history_is_reported_not_alerted(store: &TestStore) {
    let set = SyndromeSet::defaults(codes()).unwrap();
    store
        .write(|tx| {
            let p = patient(tx, "02139", date!(1980 - 01 - 01));
            gi_visit(tx, p, date!(2026 - 02 - 01));
            Ok(())
        })
        .unwrap();
    counts::step(store, &set).unwrap();
    // The counts start on Feb 1 (a Sunday): ten days of history are not enough for EWMA;
    // the weekly models want two years of weeks before the first day tested, Farrington
    // five years and four weeks in all.
    let summary = store
        .write(|tx| {
            alerts::detect(
                tx,
                &actor(),
                &set,
                &DetectOptions {
                    methods: vec![Method::Ewma, Method::Serfling, Method::Farrington],
                    by_place: false,
                    ..options(date!(2026 - 02 - 01), date!(2026 - 02 - 10))
                },
            )
        })
        .unwrap();
    assert_eq!(summary.opened, 0);
    assert_eq!(
        summary.too_short,
        [
            "gi all: ewma: the series has 10 days, and the method needs at least 14 to test one",
            "gi all: serfling: the series has 0 days of history, and the method needs at least 728 to test one",
            "gi all: farrington: the series has 10 days, and the method needs at least 1848 to test one",
        ]
    );
}

/// Two years and a quarter of daily visits, then an outbreak week: the weekly models sum
/// the days by MMWR week, fit the weeks before the first day tested, and alert on the
/// outbreak week's Saturday.
fn the_weekly_models_alert_on_the_outbreak_weeks_saturday(store: &TestStore) {
    let set = SyndromeSet::defaults(codes()).unwrap();
    let first = date!(2024 - 01 - 03);
    // The Sunday 117 weeks after the first Sunday (2024-01-07).
    let outbreak = date!(2024 - 01 - 07) + Duration::weeks(117);
    let last = outbreak + Duration::days(6);
    store
        .write(|tx| {
            let p = patient(tx, "02139", date!(1980 - 01 - 01));
            let mut day = first;
            let mut n = 0;
            while day <= last {
                let visits = 1 + n % 3 + if day >= outbreak { 8 } else { 0 };
                for _ in 0..visits {
                    gi_visit(tx, p, day);
                }
                day += Duration::days(1);
                n += 1;
            }
            Ok(())
        })
        .unwrap();
    counts::step(store, &set).unwrap();
    let from = outbreak - Duration::weeks(4);
    let summary = store
        .write(|tx| {
            alerts::detect(
                tx,
                &actor(),
                &set,
                &DetectOptions {
                    methods: vec![Method::Serfling, Method::Nbinom],
                    by_place: false,
                    ..options(from, last)
                },
            )
        })
        .unwrap();
    assert!(summary.too_short.is_empty(), "{:?}", summary.too_short);
    let queue = store
        .read(|tx| alerts::queue(tx, &QueueFilter::default()))
        .unwrap();
    for method in ["serfling", "nbinom"] {
        let days: Vec<Date> = queue
            .iter()
            .filter(|a| a.record.method == method)
            .map(|a| a.record.day)
            .collect();
        assert_eq!(days, [last], "{method}");
    }
    let curve = store
        .read(|tx| alerts::epi_curve(tx, "gi", "all", from, last, Method::Serfling))
        .unwrap();
    let tested: Vec<Date> = curve
        .days
        .iter()
        .zip(&curve.points)
        .filter(|(_, p)| p.is_some())
        .map(|(d, _)| d.day)
        .collect();
    assert_eq!(tested.len(), 5, "{tested:?}");
    assert!(
        tested
            .iter()
            .all(|d| d.weekday() == time::Weekday::Saturday)
    );
    let week = curve.points.last().unwrap().unwrap();
    assert_eq!(week.observed, (7 * 8 + 2 + 3 + 1 + 2 + 3 + 1 + 2) as f64);
}

backend_tests!(
    a_planted_outbreak_alerts_and_is_worked,
    a_short_history_is_reported_not_alerted,
    the_weekly_models_alert_on_the_outbreak_weeks_saturday
);
