//! The population-query benchmark through Chartroom's own path: import the benchmark CSVs
//! into the store (`interop::import`, as `chartroom import` does), derive the engine from the
//! store (`reports::load`), and answer Q1-Q4 in the query language.
//!
//! `CHARTROOM_BENCH_DIR` names the gen.py output (skipped when unset).
//! `CHARTROOM_BENCH_STORE` names a data directory to reuse (imported once, then only loaded).
//! Prints import time and rate, load time, the median of 5 hot runs per question, resident
//! memory, and checks the exact answers from QUERIES.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // A bench fails loudly.

use interop::batch::{ImportOptions, NoProgress};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use store::{Location, Store, SystemClock};

const QUESTIONS: [(&str, &str); 4] = [
    (
        "Q1",
        "count patients where immunization(cvx in flu, status = completed, date > 2025-01-01, date <= 2026-01-01)",
    ),
    (
        "Q2",
        "balances where days_past_due > 90 as of 2026-01-01 group by aging_bucket(91-120,121-180,181-365,366+) measure patients, sum(open_cents)",
    ),
    (
        "Q3",
        "count patients as of 2026-01-01 group by age_band(0-17,18-49,50-64,65+) measure patients, patients where immunization(cvx in flu, status = completed, date > 2025-01-01)",
    ),
    (
        "Q4",
        "count immunizations where cvx in flu and status = completed and date > 2025-01-01 group by zip3, week(date)",
    ),
];

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kib| kib.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

fn main() {
    let Some(csv_dir) = std::env::var_os("CHARTROOM_BENCH_DIR").map(PathBuf::from) else {
        println!(
            "CHARTROOM_BENCH_DIR not set: run python3 ../shared/bench/gen.py 1000000 DIR and point it there; skipped"
        );
        return;
    };
    let keep = std::env::var_os("CHARTROOM_BENCH_STORE").map(PathBuf::from);
    let scratch = tempfile::tempdir().unwrap();
    let data_dir = keep.clone().unwrap_or_else(|| scratch.path().join("data"));
    let fresh = !data_dir.join(store::SQLITE_FILE).exists();
    let store = Store::open(&Location::DataDir(data_dir.clone()), Arc::new(SystemClock)).unwrap();
    if fresh {
        let started = Instant::now();
        let report = interop::import(
            &store,
            &csv_dir,
            &ImportOptions {
                batch_rows: 20_000,
                ..ImportOptions::default()
            },
            &mut NoProgress,
        )
        .unwrap();
        let seconds = started.elapsed().as_secs_f64();
        assert_eq!(report.rejected(), 0, "{:?}", report.rejections.first());
        println!(
            "import: {} rows in {seconds:.1} s ({:.0} rows/s) into {}",
            report.accepted(),
            report.accepted() as f64 / seconds,
            data_dir.display()
        );
    } else {
        println!("import: reusing {}", data_dir.display());
    }
    let started = Instant::now();
    let (engine, _) = reports::load(&store).unwrap();
    println!(
        "load from store: {} patients in {:.2} s; VmRSS {:.0} MiB",
        engine.n_patients(),
        started.elapsed().as_secs_f64(),
        rss_mib()
    );
    for (name, text) in QUESTIONS {
        let query = query::parse(text).unwrap();
        let mut times = Vec::new();
        let mut table = engine.run(&query).unwrap();
        for _ in 0..5 {
            let started = Instant::now();
            table = engine.run(&query).unwrap();
            times.push(started.elapsed().as_secs_f64() * 1e3);
        }
        times.sort_by(f64::total_cmp);
        let answer = match name {
            "Q1" => format!("{}", table.scalar().unwrap_or_default()),
            "Q4" => format!("{} groups", table.rows.len()),
            _ => table
                .to_csv()
                .lines()
                .skip(1)
                .collect::<Vec<_>>()
                .join(" | "),
        };
        println!(
            "{name}: median {:.2} ms (5 hot runs)  answer: {answer}",
            times[2]
        );
        if name == "Q1" && engine.n_patients() == 1_000_000 {
            assert_eq!(table.scalar(), Some(150_543), "Q1 must match QUERIES.md");
        }
        if name == "Q4" && engine.n_patients() == 1_000_000 {
            assert_eq!(table.rows.len(), 44_929, "Q4 must match QUERIES.md");
        }
    }
    println!("VmRSS at the end: {:.0} MiB", rss_mib());
}
