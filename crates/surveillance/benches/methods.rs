//! Detection methods over the scale: 3 years of daily counts for 500 places and 10
//! syndromes (5,000 series of 1,095 days), each method over every series through
//! `detect::run_all` (on every core, as `alerts::detect` runs them); prints the time per
//! method and for all of them, in wall time and in the CPU time of all the process's
//! threads (which the other processes on a shared machine do not inflate; Linux only). Run: `cargo bench -p
//! surveillance --bench methods` (release), or with `--profile dev` for an unoptimised
//! figure; method names after `--` run only those (`-- ewma regression`).

use std::time::Instant;
use surveillance::detect::{Job, Method};

/// A deterministic seasonal series with weekly rhythm and noise (xorshift), per place.
fn series(seed: u64, days: usize) -> Vec<f64> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..days)
        .map(|day| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let noise = (state % 7) as f64 - 3.0;
            let season = 8.0 * (2.0 * std::f64::consts::PI * day as f64 / 365.0).sin();
            let weekday = if day % 7 < 2 { 4.0 } else { 0.0 };
            (12.0 + season + weekday + noise).max(0.0).round()
        })
        .collect()
}

/// The CPU time of all this process's threads in seconds (each thread's
/// `/proc/self/task/*/schedstat`; rayon's pool threads live as long as the process), if the
/// system says.
fn cpu_seconds() -> Option<f64> {
    let mut nanos = 0.0;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        nanos += stat.split_whitespace().next()?.parse::<f64>().ok()?;
    }
    Some(nanos / 1e9)
}

fn cpu_ms(since: Option<f64>) -> String {
    match (since, cpu_seconds()) {
        (Some(a), Some(b)) => format!(", {:.1} ms CPU", (b - a) * 1e3),
        _ => String::new(),
    }
}

fn main() {
    let chosen: Vec<Method> = std::env::args()
        .skip(1)
        .filter_map(|a| Method::parse(&a))
        .collect();
    let places = 500;
    let syndromes = 10;
    let days = 3 * 365;
    let all: Vec<Vec<f64>> = (0..places * syndromes)
        .map(|i| series(i as u64 + 1, days))
        .collect();
    // A Monday; the weekly methods fit the first 104 complete weeks (from the Sunday after)
    // and test the rest.
    let first = time::macros::date!(2024 - 01 - 01);
    let from = 6 + 104 * 7;
    // The pool's threads are started before the clocks do.
    rayon::broadcast(|_| ());
    let started = Instant::now();
    let cpu_started = cpu_seconds();
    let mut alerts = 0_usize;
    for method in Method::ALL {
        if !chosen.is_empty() && !chosen.contains(&method) {
            continue;
        }
        let jobs: Vec<Job> = all
            .iter()
            .map(|counts| Job {
                method,
                counts,
                first,
                from,
            })
            .collect();
        let t = Instant::now();
        let cpu = cpu_seconds();
        let alerting = |answer: surveillance::detect::Answer| {
            answer.map_or(0, |points| {
                points
                    .iter()
                    .flatten()
                    .filter(|p| p.level != surveillance::detect::Level::None)
                    .count()
            })
        };
        let n: usize = surveillance::detect::run_all(&jobs, alerting).iter().sum();
        let elapsed = t.elapsed();
        let cpu = cpu_ms(cpu);
        alerts += n;
        println!(
            "{:>10}: {:>8.1} ms{} over {} series x {days} days ({n} yellow or red days)",
            method.as_str(),
            elapsed.as_secs_f64() * 1e3,
            cpu,
            all.len()
        );
    }
    println!(
        "all methods: {:.1} ms{} ({alerts} alerting days in all)",
        started.elapsed().as_secs_f64() * 1e3,
        cpu_ms(cpu_started)
    );
}
