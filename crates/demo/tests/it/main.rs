//! Demo generator tests on the in-memory store: determinism, the shapes later review work
//! relies on, and that every code it writes is real.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod outbreaks;

use demo::{DemoOptions, DemoReport, generate};
use test_support::{TestStore, sqlite_store};
use time::macros::date;

pub(crate) const AS_OF: time::Date = date!(2026 - 11 - 25);

/// A store whose clock reads the demo's as-of day, since a record dated after the
/// store's today is refused (a birth or death date in the future).
pub(crate) fn store_as_of() -> TestStore {
    let store = sqlite_store();
    let as_of = AS_OF.midnight().assume_utc() + time::Duration::hours(12);
    store.clock.advance(as_of - test_support::test_epoch());
    store
}

fn demo(patients: u32, seed: u64) -> (TestStore, DemoReport) {
    let store = store_as_of();
    let options = DemoOptions {
        patients,
        seed,
        as_of: AS_OF,
        batch_size: 100,
    };
    let mut calls = Vec::new();
    let report = generate(&store, &options, &mut |done| calls.push(done)).unwrap();
    assert_eq!(calls.last().copied(), Some(patients));
    (store, report)
}

fn count(store: &TestStore, sql: &str) -> i64 {
    store
        .read(|tx| tx.query(sql, &[]))
        .unwrap()
        .first()
        .map_or(0, |r| r.int(0))
}

fn texts(store: &TestStore, sql: &str) -> Vec<String> {
    store
        .read(|tx| tx.query(sql, &[]))
        .unwrap()
        .iter()
        .map(|r| r.text(0).unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn same_seed_same_population() {
    let (a, report_a) = demo(80, 7);
    let (b, report_b) = demo(80, 7);
    assert_eq!(report_a, report_b);
    let stats_a = a.read(|tx| tx.stats()).unwrap();
    let stats_b = b.read(|tx| tx.stats()).unwrap();
    assert_eq!(stats_a.records, stats_b.records);
    assert_eq!(stats_a.balance, stats_b.balance);
    assert_eq!(stats_a.unsigned_notes, stats_b.unsigned_notes);
    for id in [1, 17, 60, 80] {
        let chart_a = a.read(|tx| tx.chart(id)).unwrap();
        let chart_b = b.read(|tx| tx.chart(id)).unwrap();
        assert_eq!(
            serde_json::to_value(&chart_a).unwrap(),
            serde_json::to_value(&chart_b).unwrap(),
            "chart {id}"
        );
    }
    let (c, report_c) = demo(80, 8);
    assert_ne!(report_a, report_c, "another seed gives another population");
    drop(c);
}

#[test]
fn batch_size_does_not_change_the_data() {
    let (a, _) = demo(60, 3);
    let b = store_as_of();
    generate(
        &b,
        &DemoOptions {
            patients: 60,
            seed: 3,
            as_of: AS_OF,
            batch_size: 7,
        },
        &mut |_| {},
    )
    .unwrap();
    let stats = |s: &TestStore| s.read(|tx| tx.stats()).unwrap();
    assert_eq!(stats(&a).records, stats(&b).records);
    assert_eq!(stats(&a).balance, stats(&b).balance);
}

#[test]
fn population_has_what_review_work_needs() {
    let (store, report) = demo(300, 1);
    assert_eq!(report.patients, 300);
    let stats = store.read(|tx| tx.stats()).unwrap();
    let counted = |kind: &str| {
        stats
            .records
            .iter()
            .find(|(k, _)| k == kind)
            .map_or(0, |(_, n)| *n)
    };
    assert_eq!(counted("patients"), 300);
    assert_eq!(counted("encounters") as u64, report.encounters);
    assert_eq!(counted("notes") as u64, report.notes);
    assert_eq!(stats.unsigned_notes as u64, report.unsigned_notes);
    assert_eq!(counted("postings") as u64, report.postings);
    for class in ["inpatient", "outpatient", "emergency", "telehealth"] {
        let n = count(
            &store,
            &format!("SELECT COUNT(*) FROM encounters WHERE class = '{class}'"),
        );
        assert!(n > 0, "no {class} encounters");
    }
    // Unsigned notes: some, not most, and mostly recent ones, as a department that chases
    // them sees its charts: the last two weeks' often, past years' almost never.
    let share = report.unsigned_notes as f64 / report.notes as f64;
    assert!((0.005..0.15).contains(&share), "unsigned share {share}");
    let unsigned_share = |period: &str| {
        let of = |extra: &str| {
            count(
                &store,
                &format!("SELECT COUNT(*) FROM notes WHERE {period}{extra}"),
            ) as f64
        };
        of(" AND signed_at IS NULL") / of("").max(1.0)
    };
    let recent = unsigned_share(&format!(
        "authored_at >= '{}'",
        AS_OF - time::Duration::days(14)
    ));
    let old = unsigned_share(&format!(
        "authored_at < '{}'",
        AS_OF - time::Duration::days(365)
    ));
    assert!(
        recent > 0.15 && old < 0.02,
        "unsigned: {recent:.3} of the last two weeks' notes, {old:.3} of those over a year old"
    );
    // Finished inpatient stays without a discharge summary.
    let missing = count(
        &store,
        "SELECT COUNT(*) FROM encounters e WHERE e.class = 'inpatient' AND e.status = 'finished' AND NOT EXISTS (SELECT 1 FROM notes n WHERE n.encounter_id = e.id AND n.note_type = 'discharge_summary')",
    );
    assert!(missing > 0, "every stay has a discharge summary");
    // Missing insurance.
    assert!(
        stats.patients_without_coverage > 0 && stats.patients_without_coverage < 60,
        "{}",
        stats.patients_without_coverage
    );
    // Open balances, in every aging bucket (days since the due date).
    assert!(stats.balance.balance_cents > 0);
    let open = texts(
        &store,
        "SELECT c.due_date FROM charges c WHERE c.amount_cents > (SELECT COALESCE(SUM(p.amount_cents), 0) FROM postings p WHERE p.charge_id = c.id)",
    );
    let charges = counted("charges") as f64;
    let open_share = open.len() as f64 / charges;
    assert!(
        (0.15..0.40).contains(&open_share),
        "open share {open_share}"
    );
    let mut buckets = [0; 5];
    for due in &open {
        let due = time::Date::parse(
            due,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .unwrap();
        let days = (AS_OF - due).whole_days();
        buckets[match days {
            ..=30 => 0,
            31..=60 => 1,
            61..=90 => 2,
            91..=120 => 3,
            _ => 4,
        }] += 1;
    }
    assert!(buckets.iter().all(|n| *n > 0), "aging buckets {buckets:?}");
    // Immunization statuses and seasonal flu.
    for status in ["completed", "not_done", "entered_in_error"] {
        assert!(
            count(
                &store,
                &format!("SELECT COUNT(*) FROM immunizations WHERE status = '{status}'")
            ) > 0,
            "no {status} doses"
        );
    }
    // POA only on inpatient diagnoses.
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM diagnoses d JOIN encounters e ON e.id = d.encounter_id WHERE e.class <> 'inpatient' AND d.poa IS NOT NULL"
        ),
        0
    );
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM diagnoses d JOIN encounters e ON e.id = d.encounter_id WHERE e.class = 'inpatient' AND d.poa IS NULL"
        ),
        0
    );
}

#[test]
fn every_code_is_real() {
    let (store, _) = demo(200, 2);
    let sets = codes::CodeSets::embedded().unwrap();
    let dos = date!(2026 - 01 - 15);
    let none = codes::Patient::default();
    let check = |system: codes::System, sql: &str| {
        for code in texts(&store, sql) {
            let v = sets.validate(system, &code, dos, &none).unwrap();
            assert!(
                v.billable,
                "{system:?} {code} is not billable: {:?}",
                v.problems
            );
        }
    };
    check(
        codes::System::Icd10Cm,
        "SELECT DISTINCT code FROM diagnoses",
    );
    check(
        codes::System::Icd10Pcs,
        "SELECT DISTINCT code FROM procedures WHERE code_system = 'icd10_pcs'",
    );
    check(
        codes::System::Hcpcs,
        "SELECT DISTINCT code FROM procedures WHERE code_system = 'hcpcs'",
    );
    for cvx in texts(&store, "SELECT DISTINCT cvx FROM immunizations") {
        let v = sets.validate(codes::System::Cvx, &cvx, dos, &none).unwrap();
        assert!(v.exists, "CVX {cvx} does not exist");
    }
}

#[test]
fn every_code_is_valid_on_its_date_of_service() {
    // Three years before 2026-11-25 start on 2023-11-25: FY2024 and HCPCS 2023 are in force
    // then. Diagnoses and ICD-10-PCS procedures by the encounter's admission date, HCPCS by
    // the procedure's own date.
    let (store, _) = demo(200, 2);
    let sets = codes::CodeSets::embedded().unwrap();
    let none = codes::Patient::default();
    let mut releases =
        std::collections::BTreeMap::<String, std::collections::BTreeSet<String>>::new();
    for (system, sql) in [
        (
            codes::System::Icd10Cm,
            "SELECT DISTINCT d.code, substr(e.admit_at, 1, 10) FROM diagnoses d \
             JOIN encounters e ON e.id = d.encounter_id",
        ),
        (
            codes::System::Icd10Pcs,
            "SELECT DISTINCT p.code, substr(p.performed_at, 1, 10) FROM procedures p \
             WHERE p.code_system = 'icd10_pcs'",
        ),
        (
            codes::System::Hcpcs,
            "SELECT DISTINCT p.code, substr(p.performed_at, 1, 10) FROM procedures p \
             WHERE p.code_system = 'hcpcs'",
        ),
    ] {
        let rows = store.read(|tx| tx.query(sql, &[])).unwrap();
        assert!(
            !rows.is_empty(),
            "no {system:?} codes; procedure systems: {:?}",
            texts(&store, "SELECT DISTINCT code_system FROM procedures")
        );
        for row in &rows {
            let code = row.text(0).unwrap();
            let on = codes::parse_date(row.text(1).unwrap()).unwrap();
            let v = sets.validate(system, code, on, &none).unwrap();
            assert!(
                v.valid,
                "{system:?} {code} on {on} ({}): {:?}",
                v.release, v.problems
            );
            releases
                .entry(format!("{system:?}"))
                .or_default()
                .insert(v.release);
        }
    }
    let got = |s: &str| {
        releases
            .get(s)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        got("Icd10Cm"),
        ["FY2024", "FY2025", "FY2026"],
        "the demo's three years reach back into FY2024"
    );
    assert_eq!(got("Icd10Pcs").first().map(String::as_str), Some("FY2024"));
    assert_eq!(got("Hcpcs").first().map(String::as_str), Some("2023"));
}

#[test]
fn repeated_runs_append_and_reuse_reference_data() {
    let (store, _) = demo(20, 5);
    let before = store.read(|tx| tx.stats()).unwrap();
    generate(
        &store,
        &DemoOptions {
            patients: 10,
            seed: 5,
            as_of: AS_OF,
            batch_size: 4,
        },
        &mut |_| {},
    )
    .unwrap();
    let after = store.read(|tx| tx.stats()).unwrap();
    let get = |s: &store::Stats, k: &str| {
        s.records
            .iter()
            .find(|(n, _)| n == k)
            .map_or(0, |(_, n)| *n)
    };
    assert_eq!(get(&after, "patients"), 30);
    for kind in ["providers", "organizations", "payers"] {
        assert_eq!(get(&before, kind), get(&after, kind), "{kind} duplicated");
    }
    let mrns = texts(&store, "SELECT mrn FROM patients ORDER BY mrn");
    assert_eq!(mrns.first().map(String::as_str), Some("D000001"));
    assert_eq!(mrns.last().map(String::as_str), Some("D000030"));
}
