//! Coverage on a hand-made population whose answer is known: the childhood series by the
//! second birthday (combinations in each group, doses after the birthday, same-day
//! duplicates and doses entered in error not counted, the cohort's edges) and influenza
//! coverage by age band in the season holding the as-of day; hand-made children whose doses
//! come too young, too soon after the dose before, or just inside the 4-day grace period,
//! counted by ACIP's minimum ages and intervals.

use interop::batch::{ImportOptions, NoProgress};
use reports::coverage::validity::Minimums;
use reports::coverage::{self, BandCoverage, Person};
use test_support::{TestStore, backend_tests};
use time::macros::date;
use time::{Date, Duration};

fn seed(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("patients.csv"),
        "patient_id,birth_date,sex,zip
1,2023-06-01,F,02139
2,2023-06-01,M,02139
3,2023-09-15,F,02139
4,2022-01-01,M,02139
5,2024-06-01,F,02139
6,2023-12-01,M,02139
7,1950-01-01,F,02139
8,1960-05-01,M,02139
9,2010-01-01,F,02139
10,2025-12-01,M,02139
11,1990-01-01,F,02139
12,2000-01-01,M,02139
",
    )
    .unwrap();
    // Children 1, 2 and 4 get the whole series the same way (110 DTaP-HepB-IPV three
    // times, a fourth DTaP, MMRV, Hib three times, PCV four times); child 2's fourth PCV
    // comes the day after the second birthday. Child 3 has only MMR (as "03") and
    // varicella, and a 110 entered in error; child 6 four DTaP on three days.
    let mut rows = vec!["imm_id,patient_id,cvx,admin_date,status".to_owned()];
    let series = [
        ("110", "2023-08-01"),
        ("110", "2023-10-01"),
        ("110", "2023-12-01"),
        ("20", "2024-09-01"),
        ("94", "2024-06-01"),
        ("49", "2023-08-01"),
        ("49", "2023-10-01"),
        ("49", "2023-12-01"),
        ("133", "2023-08-01"),
        ("133", "2023-10-01"),
        ("133", "2023-12-01"),
    ];
    for patient in [1, 2, 4] {
        for (cvx, day) in series {
            rows.push(format!("{},{patient},{cvx},{day},completed", rows.len()));
        }
    }
    for (patient, cvx, day, status) in [
        (1, "133", "2024-07-01", "completed"),
        (2, "133", "2025-06-02", "completed"),
        (4, "133", "2022-12-01", "completed"),
        (3, "03", "2024-10-01", "completed"),
        (3, "21", "2024-10-01", "completed"),
        (3, "110", "2024-10-01", "entered-in-error"),
        (6, "20", "2024-02-01", "completed"),
        (6, "20", "2024-04-01", "completed"),
        (6, "20", "2024-06-01", "completed"),
        (6, "107", "2024-06-01", "completed"),
        // Influenza, season 2025-26 as of 2026-03-01.
        (5, "140", "2025-11-01", "completed"),
        (7, "140", "2025-10-01", "completed"),
        (8, "158", "2025-06-30", "completed"),
        (9, "197", "2026-01-10", "completed"),
        (11, "140", "2026-03-02", "completed"),
        (12, "208", "2025-10-05", "completed"),
    ] {
        rows.push(format!("{},{patient},{cvx},{day},{status}", rows.len()));
    }
    std::fs::write(dir.path().join("immunizations.csv"), rows.join("\n") + "\n").unwrap();
    let report = interop::import(
        store,
        dir.path(),
        &ImportOptions::default(),
        &mut NoProgress,
    )
    .unwrap();
    assert_eq!(report.rejected(), 0, "{:?}", report.rejections);
}

fn coverage_counts_a_known_population(store: &TestStore) {
    seed(store);
    let as_of = date!(2026 - 03 - 01);
    let people = store
        .read(|tx| coverage::read_population(tx, as_of))
        .unwrap();
    assert_eq!(people.len(), 12);

    let childhood = coverage::childhood(&people, as_of, &Minimums::acip().unwrap());
    assert_eq!(
        (childhood.born_from, childhood.born_to),
        (date!(2023 - 03 - 02), date!(2024 - 03 - 01))
    );
    assert_eq!(childhood.children, 4, "children 1, 2, 3 and 6");
    let per_series: Vec<(&str, usize, i64)> = childhood
        .series
        .iter()
        .map(|s| (s.series, s.doses, s.complete))
        .collect();
    assert_eq!(
        per_series,
        [
            ("DTaP", 4, 2),
            ("polio", 3, 2),
            ("MMR", 1, 3),
            ("Hib", 3, 2),
            ("HepB", 3, 2),
            ("varicella", 1, 3),
            ("PCV", 4, 1),
        ]
    );
    assert_eq!(childhood.complete, 1, "child 1 only");
    assert_eq!(
        childhood.invalid_doses, 0,
        "every dose of the seed is on time"
    );

    let flu = coverage::influenza(&people, as_of);
    assert_eq!(flu.season, "2025-26");
    assert_eq!((flu.from, flu.to), (date!(2025 - 07 - 01), as_of));
    let band = |band, people, vaccinated| BandCoverage {
        band,
        people,
        vaccinated,
    };
    assert_eq!(
        flu.bands,
        [
            band("6m-4y", 6, 1),
            band("5-12y", 0, 0),
            band("13-17y", 1, 1),
            band("18-49y", 2, 0),
            band("50-64y", 0, 0),
            band("65y+", 2, 1),
        ]
    );
    assert_eq!((flu.people, flu.vaccinated), (11, 3));

    // The season before: as of 2025-06-30, patient 8's dose is in season 2024-25.
    let earlier = coverage::influenza(
        &store
            .read(|tx| coverage::read_population(tx, date!(2025 - 06 - 30)))
            .unwrap(),
        date!(2025 - 06 - 30),
    );
    assert_eq!(earlier.season, "2024-25");
    assert_eq!(earlier.vaccinated, 1);

    // As a table: every figure for a reader of charts, the small ones withheld otherwise.
    let full = childhood.table(false, 11);
    assert_eq!(full.rows.len(), 8);
    assert_eq!(
        (
            full.rows[0].label.as_str(),
            full.rows[0].people,
            full.rows[0].covered,
            full.rows[0].percent
        ),
        ("DTaP 4", Some(4), Some(2), Some(50.0))
    );
    assert_eq!(full.rows[7].label, "4:3:1:3:3:1:4");
    assert_eq!(full.rows[7].percent, Some(25.0));
    assert_eq!(full.rows[7].invalid_doses, Some(0));
    let report = store
        .read(|tx| coverage::report(tx, coverage::Report::Childhood, as_of, false, 11))
        .unwrap();
    assert_eq!(report, full);
    let withheld = flu.table(true, 11);
    assert!(withheld.small_cells_suppressed);
    let last = withheld.rows.last().unwrap();
    assert_eq!(
        (last.people, last.covered, last.percent),
        (Some(11), None, None)
    );
    assert_eq!(
        withheld.rows[1].people,
        Some(0),
        "none is still shown as none"
    );
    let report = store
        .read(|tx| coverage::report(tx, coverage::Report::Influenza, as_of, false, 11))
        .unwrap();
    assert_eq!(report, flu.table(false, 11));

    // Small cells: withheld from a reader limited to aggregates, zero still shown.
    assert_eq!(coverage::shown(3, true, 11), None);
    assert_eq!(coverage::shown(0, true, 11), Some(0));
    assert_eq!(coverage::shown(11, true, 11), Some(11));
    assert_eq!(coverage::shown(3, false, 11), Some(3));
}

/// One child read back for the catch-up list: the entered-in-error dose left out, MMR and
/// varicella complete, every other series listed from its first dose.
fn catch_up_reads_one_child(store: &TestStore) {
    seed(store);
    let id = store
        .read(|tx| {
            tx.query(
                "SELECT id FROM patients WHERE birth_date = ?",
                &[store::Value::Date(date!(2023 - 09 - 15))],
            )
        })
        .unwrap()[0]
        .int(0);
    let person = store
        .read(|tx| coverage::read_person(tx, id))
        .unwrap()
        .unwrap();
    let mut doses = person.doses.clone();
    doses.sort();
    assert_eq!(
        doses,
        [
            ("03".to_owned(), date!(2024 - 10 - 01)),
            ("21".to_owned(), date!(2024 - 10 - 01))
        ]
    );
    let due =
        coverage::catch_up::catch_up(&person, date!(2026 - 03 - 01), &Minimums::acip().unwrap());
    let listed: Vec<(&str, usize, usize, bool)> = due
        .iter()
        .map(|d| (d.series, d.dose, d.of, d.overdue))
        .collect();
    // At 29 months with no Hib or PCV, CDC's catch-up schedule asks one dose of each.
    assert_eq!(
        listed,
        [
            ("DTaP", 1, 4, true),
            ("polio", 1, 3, true),
            ("Hib", 1, 1, true),
            ("HepB", 1, 3, true),
            ("PCV", 1, 1, true)
        ]
    );
    assert_eq!(
        store
            .read(|tx| coverage::read_person(tx, id + 1000))
            .unwrap(),
        None
    );
}

backend_tests!(coverage_counts_a_known_population, catch_up_reads_one_child);

/// A child born `birth` with doses `(cvx, days of age)`.
fn child(birth: Date, doses: &[(&str, &[i64])]) -> Person {
    Person {
        birth_date: birth,
        doses: doses
            .iter()
            .flat_map(|(cvx, days)| {
                days.iter()
                    .map(|d| ((*cvx).to_owned(), birth + Duration::days(*d)))
            })
            .collect(),
    }
}

/// Ages in days at which a child born 2023-06-01 gets a series on time: 2, 4 and 6 months,
/// then 12 and 15 months (2024-06-01 is day 366, 2024-09-01 day 458).
const ON_TIME: [i64; 4] = [61, 122, 183, 458];

#[test]
fn only_valid_doses_count_toward_the_series() {
    let birth = date!(2023 - 06 - 01);
    let as_of = date!(2026 - 03 - 01);
    let whole = |mmr: &[i64], dtap: &[i64], hepb: &[i64]| {
        child(
            birth,
            &[
                ("20", dtap),
                ("10", &ON_TIME[..3]),
                ("03", mmr),
                ("49", &ON_TIME[..3]),
                ("08", hepb),
                ("21", &[366]),
                ("133", &[61, 122, 183, 366]),
            ],
        )
    };
    let children = [
        // On time: complete.
        whole(&[366], &ON_TIME, &[0, 61, 183]),
        // MMR at 11 months: too young, not counted; the series is not complete.
        whole(&[335], &ON_TIME, &[0, 61, 183]),
        // MMR four days before the first birthday (day 362): counts, by the grace period;
        // the varicella four days after it does not (28 days between live vaccines not
        // given the same day, no grace), so the series is not complete.
        whole(&[362], &ON_TIME, &[0, 61, 183]),
        // DTaP-2 three weeks after DTaP-1 (invalid), repeated four weeks after the invalid
        // dose: four valid doses of five, complete.
        whole(&[366], &[61, 82, 110, 183, 458], &[0, 61, 183]),
        // HepB-3 at 20 weeks (140 days): too young; not complete.
        whole(&[366], &ON_TIME, &[0, 61, 140]),
    ];
    let childhood = coverage::childhood(&children, as_of, &Minimums::acip().unwrap());
    assert_eq!(childhood.children, 5);
    let per_series: Vec<(&str, i64, i64)> = childhood
        .series
        .iter()
        .map(|s| (s.series, s.complete, s.invalid_doses))
        .collect();
    assert_eq!(
        per_series,
        [
            ("DTaP", 5, 1),
            ("polio", 5, 0),
            ("MMR", 4, 1),
            ("Hib", 5, 0),
            ("HepB", 4, 1),
            ("varicella", 4, 1),
            ("PCV", 5, 0),
        ]
    );
    assert_eq!(childhood.complete, 2, "on time, repeated DTaP");
    assert_eq!(childhood.invalid_doses, 4);

    // The table says how many doses did not count, withheld like the other small counts.
    let table = childhood.table(false, 11);
    assert_eq!(table.rows[2].label, "MMR 1");
    assert_eq!(table.rows[2].invalid_doses, Some(1));
    assert_eq!(table.rows[7].invalid_doses, Some(4));
    assert_eq!(childhood.table(true, 11).rows[7].invalid_doses, None);
    assert!(table.title.contains("valid doses only"), "{}", table.title);

    // Without minimums every dose given counts: all five complete, none invalid.
    let lenient = Minimums::parse("grace_days = 4\n[series]\n").unwrap();
    let every_dose = coverage::childhood(&children, as_of, &lenient);
    assert_eq!((every_dose.complete, every_dose.invalid_doses), (5, 0));
}
