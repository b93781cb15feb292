//! Population-query bench: loads the gen.py CSVs from `CHARTROOM_BENCH_DIR`, checks the
//! exact answers of Q1-Q4 (../shared/bench/QUERIES.md) and prints, for each, the median of
//! five hot runs, then two time series (a daily count, ZIP3 by MMWR week), balances by
//! financial class, payer and aging bucket, and two 10,000-patient lists, plus load time
//! and resident memory. Skips with a message if the directory is not set, so
//! `cargo bench` works on a fresh clone.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use query::{Cell, Engine, Table, load::load_bench_dir};

const Q1: &str = "count patients where immunization(cvx in flu, status = completed, date > 2025-01-01, date <= 2026-01-01)";
const Q2: &str = "balances where days_past_due > 90 as of 2026-01-01 group by aging_bucket(91-120,121-180,181-365,366+) measure patients, sum(open_cents)";
const Q3: &str = "count patients as of 2026-01-01 group by age_band(0-17,18-49,50-64,65+) measure patients as population, patients where immunization(cvx in flu, status = completed, date > 2025-01-01) as vaccinated";
const Q4: &str = "count immunizations where cvx in flu and status = completed and date > 2025-01-01 group by zip3, week(date)";

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn rows(table: &Table) -> Vec<Vec<String>> {
    table
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Cell::Text(text) => text.to_string(),
                    Cell::Int(n) => n.to_string(),
                    Cell::Number(n) => n.to_string(),
                    Cell::Suppressed => "suppressed".into(),
                })
                .collect()
        })
        .collect()
}

fn strings(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|row| row.iter().map(|s| (*s).to_owned()).collect())
        .collect()
}

fn time_query(engine: &Engine, name: &str, text: &str, check: impl Fn(&Table) -> bool) -> bool {
    let query = match query::parse(text) {
        Ok(query) => query,
        Err(error) => {
            println!("{name}: does not parse: {error}");
            return false;
        }
    };
    let mut times: Vec<Duration> = Vec::new();
    let mut last = None;
    // One warm-up run, then five timed hot runs.
    for run in 0..6 {
        let started = Instant::now();
        let result = engine.run(&query);
        let elapsed = started.elapsed();
        if run > 0 {
            times.push(elapsed);
        }
        last = Some(result);
    }
    times.sort();
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    let ok = match last {
        Some(Ok(table)) => {
            let ok = check(&table);
            if !ok {
                println!(
                    "{name}: WRONG ANSWER {:?}",
                    rows(&table).iter().take(6).collect::<Vec<_>>()
                );
            }
            ok
        }
        Some(Err(error)) => {
            println!("{name}: error {error}");
            false
        }
        None => false,
    };
    println!(
        "{name}: median of 5 hot runs {:.2} ms, answer {}  [{text}]",
        median.as_secs_f64() * 1e3,
        if ok { "exact" } else { "WRONG" }
    );
    ok
}

/// Lists ask for patients, not counts: the median of five hot runs of `engine.list` for
/// a 10,000-patient list ordered by a computed value (every kept patient's balance read,
/// then partially sorted) and one in registration order (cut before anything is read).
fn time_lists(engine: &Engine) -> bool {
    let lists = [
        (
            "L1 10,000 by balance",
            "list patients where balance(days_past_due > 90) as of 2026-01-01 columns mrn, name, birth_date, age, sex, zip3, balance order by balance desc limit 10000",
        ),
        (
            "L2 10,000 unvaccinated, registration order",
            "list patients where not immunization(cvx in flu, status = completed, date > 2025-01-01) as of 2026-01-01 columns mrn, name, age, sex, zip limit 10000",
        ),
    ];
    let mut all_ok = true;
    for (name, text) in lists {
        let Ok(query) = query::parse(text) else {
            println!("{name}: does not parse");
            all_ok = false;
            continue;
        };
        let mut times = Vec::new();
        let mut n = 0;
        for run in 0..6 {
            let started = Instant::now();
            let listed = engine.list(&query);
            let elapsed = started.elapsed();
            if run > 0 {
                times.push(elapsed);
            }
            n = listed.map_or(0, |l| l.len());
        }
        times.sort();
        let median = times.get(times.len() / 2).copied().unwrap_or_default();
        let ok = n == 10_000;
        all_ok &= ok;
        println!(
            "{name}: median of 5 hot runs {:.2} ms, {n} patients{}  [{text}]",
            median.as_secs_f64() * 1e3,
            if ok { "" } else { " WRONG (expected 10,000)" }
        );
    }
    all_ok
}

/// What the store pays to keep the engine current: single upserts into the delta, and
/// one full compaction (the rebuild a write triggers every eighth of a table).
fn write_costs(engine: &Engine) {
    let mut engine = engine.clone();
    let date =
        time::Date::from_calendar_date(2025, time::Month::October, 1).unwrap_or(time::Date::MIN);
    let n = 10_000i64;
    let started = Instant::now();
    for idx in 0..n {
        let fact = query::ImmunizationFact {
            event_key: 10_000_000 + idx,
            patient_key: 1 + (idx * 97) % 1_000_000,
            cvx: 140,
            date,
            status: query::ImmunizationStatus::Completed,
        };
        if let Err(error) = engine.upsert_immunization(&fact) {
            println!("write costs: {error}");
            return;
        }
    }
    let per_upsert = started.elapsed() / u32::try_from(n).unwrap_or(1);
    time_query(&engine, "Q1 with 10,000 rows in the delta", Q1, |_| true);
    let started = Instant::now();
    engine.compact();
    let compact = started.elapsed();
    println!(
        "writes: {:.1} us per immunization upsert (delta), full compaction of all tables {:.0} ms",
        per_upsert.as_secs_f64() * 1e6,
        compact.as_secs_f64() * 1e3,
    );
}

fn main() {
    let Some(dir) = std::env::var_os("CHARTROOM_BENCH_DIR").map(PathBuf::from) else {
        println!(
            "population bench skipped: set CHARTROOM_BENCH_DIR to a directory written by `python3 gen.py 1000000 DIR`"
        );
        return;
    };
    let threads = std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "default".into());
    let rss_before = rss_kib().unwrap_or(0);
    let started = Instant::now();
    let engine = match load_bench_dir(&dir) {
        Ok(engine) => engine,
        Err(error) => {
            println!("population bench: cannot load {}: {error}", dir.display());
            std::process::exit(1);
        }
    };
    let load = started.elapsed();
    let rss_after = rss_kib().unwrap_or(0);
    println!(
        "loaded {} patients, {} immunizations, {} A/R items in {:.2} s; VmRSS {:.0} MiB (engine ~{:.0} MiB); rayon threads {threads}",
        engine.n_patients(),
        engine.n_events(query::EventKind::Immunization),
        engine.n_events(query::EventKind::ArItem),
        load.as_secs_f64(),
        rss_after as f64 / 1024.0,
        rss_after.saturating_sub(rss_before) as f64 / 1024.0,
    );
    let mut all_ok = true;
    all_ok &= time_query(&engine, "Q1", Q1, |t| t.scalar() == Some(150_543));
    all_ok &= time_query(&engine, "Q2", Q2, |t| {
        rows(t)
            == strings(&[
                &["91-120", "12972", "812685567"],
                &["121-180", "26099", "1668750388"],
                &["181-365", "85389", "5751671134"],
                &["366+", "186546", "13650262544"],
            ])
    });
    all_ok &= time_query(&engine, "Q3", Q3, |t| {
        rows(t)
            == strings(&[
                &["0-17", "189862", "28736"],
                &["18-49", "336232", "50766"],
                &["50-64", "158170", "23737"],
                &["65+", "315736", "47304"],
            ])
    });
    all_ok &= time_query(&engine, "Q4", Q4, |t| t.rows.len() == 44_929);
    // Time series (issue 17): every day or MMWR week of the dates asked gets a row.
    all_ok &= time_query(
        &engine,
        "daily series",
        "count immunizations where cvx in flu and status = completed and date > 2025-01-01 and date <= 2026-01-01 group by day(date)",
        |t| t.rows.len() == 365,
    );
    all_ok &= time_query(
        &engine,
        "zip3 by MMWR week",
        "count immunizations where cvx in flu and status = completed and date >= 2025-01-05 and date <= 2026-01-03 group by zip3, mmwr_week(date)",
        // MMWR weeks 2 to 53 of 2025, for every ZIP3 with a dose in them.
        |t| !t.rows.is_empty() && t.rows.len() % 52 == 0,
    );
    // Balances split by payer (every bench item is self-pay, so one class; the split
    // path's cost is what is measured).
    all_ok &= time_query(
        &engine,
        "balances by class and aging",
        "balances where days_past_due > 90 as of 2026-01-01 group by financial_class, payer, aging_bucket(91-120,121-180,181-365,366+) measure patients, sum(open_cents)",
        |t| t.rows.len() == 4,
    );
    all_ok &= time_lists(&engine);
    write_costs(&engine);
    // Extra queries to time, one per line, for profiling a change.
    if let Ok(extra) = std::env::var("CHARTROOM_BENCH_QUERIES") {
        for (idx, text) in extra
            .lines()
            .filter(|line| !line.trim().is_empty())
            .enumerate()
        {
            time_query(&engine, &format!("extra {}", idx + 1), text, |_| true);
        }
    }
    println!(
        "final VmRSS {:.0} MiB (includes the copy of the engine the write-cost check made)",
        rss_kib().unwrap_or(0) as f64 / 1024.0
    );
    if !all_ok {
        std::process::exit(1);
    }
}
