//! Research extract speed: a Safe Harbor extract of 100,000 demo patients (their visits and
//! diagnoses) with its k-anonymity report (k = 5 over age band, sex and ZIP3, the small
//! classes suppressed), then the same with shifted dates. The population is made once in a
//! temporary SQLite data directory (or read from `CHARTROOM_DEID_BENCH_DATA`, a data
//! directory kept from an earlier run); each run prints records, classes, suppressed
//! records and the time; a last run adds the four other tables (procedures, results,
//! medications, immunizations). `cargo bench -p disclosures --bench extract` (release);
//! `CHARTROOM_DEID_BENCH_PATIENTS=N` for another size. Goal: 10 s at 100,000.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // A bench fails by panicking.

use disclosures::{ExtractOptions, Format, Method, Table, research_extract};
use privacy::{Action, AuditEvent, AuditKey, Channel};
use std::sync::Arc;
use std::time::Instant;
use store::{AuditTrail, FixedClock, Location, Store};
use time::macros::{date, datetime};

fn main() {
    let patients: u32 = std::env::var("CHARTROOM_DEID_BENCH_PATIENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let temp = tempfile::tempdir().unwrap();
    let kept = std::env::var_os("CHARTROOM_DEID_BENCH_DATA").map(std::path::PathBuf::from);
    let data = kept.unwrap_or_else(|| temp.path().join("data"));
    let clock = Arc::new(FixedClock::new(datetime!(2026-12-01 12:00 UTC)));
    std::fs::create_dir_all(&data).unwrap();
    let store = Store::open(&Location::DataDir(data.clone()), clock).unwrap();
    let on_file = store
        .read(|tx| tx.select::<records::Patient>("1 = 1", &[], "id", 1))
        .unwrap()
        .len();
    if on_file == 0 {
        let started = Instant::now();
        let report = demo::generate(
            &store,
            &demo::DemoOptions {
                patients,
                seed: 14,
                as_of: date!(2026 - 11 - 30),
                batch_size: 2_000,
            },
            &mut |_| {},
        )
        .unwrap();
        println!(
            "population: {} patients, {} encounters, {} diagnoses made in {:.1} s",
            report.patients,
            report.encounters,
            report.diagnoses,
            started.elapsed().as_secs_f64()
        );
    }
    let audit = tempfile::tempdir().unwrap();
    let trail = AuditTrail::with_key(AuditKey::from_bytes(&[7; 32]).unwrap(), audit.path());
    for (method, run, tables) in [
        (Method::SafeHarbor, 1, false),
        (Method::SafeHarbor, 2, false),
        (Method::SafeHarbor, 3, false),
        (Method::ShiftedDates, 1, false),
        (Method::ShiftedDates, 2, false),
        (Method::SafeHarbor, 4, true),
    ] {
        let who = AuditEvent::new(store.clock().now(), "rae", Action::Export, Channel::Cli);
        let options = ExtractOptions {
            method,
            dua: None,
            k: 5,
            quasi: Vec::new(),
            suppress: true,
            format: Format::Csv,
            seed: 1_000 + run,
            tables: if tables {
                Table::ALL.to_vec()
            } else {
                Vec::new()
            },
        };
        let started = Instant::now();
        let extract = trail
            .write(&store, |a| Ok(research_extract(a, &who, &options).unwrap()))
            .unwrap();
        let elapsed = started.elapsed();
        let r = &extract.report;
        println!(
            "{} run {run}: {} records, {} bytes{}, {} classes, smallest {}, {} classes under 5, {} suppressed, {:.2} s",
            method.name(),
            r.records,
            extract.data.len(),
            r.tables
                .iter()
                .map(|t| format!(" + {} {} rows", t.file, t.records))
                .collect::<String>(),
            r.classes,
            r.smallest_class,
            r.n_classes_under_k,
            r.suppressed_records,
            elapsed.as_secs_f64()
        );
    }
}
