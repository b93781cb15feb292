//! Chart review at size: a full review of a demo population (opening every deficiency,
//! then again with nothing to change), the incremental pass after writes to some charts
//! (per written chart), and the delinquency metrics.
//!
//! `CHARTROOM_REVIEW_BENCH_PATIENTS` sets the population (default 100,000);
//! `CHARTROOM_REVIEW_BENCH_STORE` names a data directory to keep between runs (generated
//! once). Prints figures; asserts only that the work was done.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // A bench fails loudly.

use records::{ClinicalNote, NoteType, PatientId};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use store::{Actor, Location, Store, SystemClock};

// The allocator the `chartroom` binary ships with.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let patients: u32 = std::env::var("CHARTROOM_REVIEW_BENCH_PATIENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let keep = std::env::var_os("CHARTROOM_REVIEW_BENCH_STORE").map(PathBuf::from);
    let scratch = tempfile::tempdir().unwrap();
    let data_dir = keep.unwrap_or_else(|| scratch.path().join("data"));
    let fresh = !data_dir.join(store::SQLITE_FILE).exists();
    let store = Store::open(&Location::DataDir(data_dir), Arc::new(SystemClock)).unwrap();
    if fresh {
        let started = Instant::now();
        let options = demo::DemoOptions {
            patients,
            seed: 7,
            as_of: time::macros::date!(2026 - 11 - 01),
            batch_size: 500,
        };
        demo::generate(&store, &options, &mut |_| {}).unwrap();
        println!(
            "demo population of {patients} generated in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let codes = codes::CodeSets::embedded().unwrap();
    let poa = review::PoaExempt::embedded().unwrap();
    let cx = review::Context {
        codes: std::env::var_os("CHARTROOM_REVIEW_BENCH_NO_CODES")
            .is_none()
            .then_some(&codes),
        poa_exempt: &poa,
    };
    let rules = review::RuleSet::defaults().unwrap();
    let actor = Actor::new("bench:review");

    let (started, cpu) = (Instant::now(), cpu_seconds());
    let first = review::review_all(&store, &actor, &rules, &cx, &mut |_| {}).unwrap();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "full review, first run      {:>8} charts in {seconds:6.2} s = {:>7.0} charts/s ({} opened; {:.2} s of CPU)",
        first.charts,
        first.charts as f64 / seconds,
        first.opened,
        cpu_seconds() - cpu
    );
    let (started, cpu) = (Instant::now(), cpu_seconds());
    let again = review::review_all(&store, &actor, &rules, &cx, &mut |_| {}).unwrap();
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(again.opened + again.resolved + again.reopened, 0);
    println!(
        "full review, nothing new    {:>8} charts in {seconds:6.2} s = {:>7.0} charts/s ({:.2} s of CPU)",
        again.charts,
        again.charts as f64 / seconds,
        cpu_seconds() - cpu
    );

    // What the full review spends on reading: the facts of every chart, batch by batch.
    let (started, cpu) = (Instant::now(), cpu_seconds());
    let mut read = 0;
    let mut from = 1;
    let top: i64 = store
        .read(|tx| {
            Ok(tx
                .query("SELECT MAX(id) FROM patients", &[])?
                .first()
                .map_or(0, |r| r.int(0)))
        })
        .unwrap();
    while from <= top {
        let to = from + 199;
        read += store
            .read(|tx| review::ChartFacts::load_range(tx, from, to))
            .unwrap()
            .len();
        from = to + 1;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "reading the facts only      {read:>8} charts in {seconds:6.2} s = {:>7.0} charts/s ({:.2} s of CPU)",
        read as f64 / seconds,
        cpu_seconds() - cpu
    );

    // Writes to some charts, then one incremental pass.
    let mut mark = review::Watermark::now(&store).unwrap();
    let written: Vec<i64> = store
        .read(|tx| {
            Ok(tx
                .query("SELECT id FROM patients ORDER BY id LIMIT 1000", &[])?
                .iter()
                .map(|r| r.int(0))
                .collect())
        })
        .unwrap();
    let now = store.clock().now();
    store
        .write(|tx| {
            for id in &written {
                tx.create(
                    &Actor::new("bench"),
                    &ClinicalNote {
                        patient_id: PatientId(*id),
                        encounter_id: None,
                        note_type: NoteType::Progress,
                        author_id: None,
                        authored_at: now,
                        text: "Bench note.".into(),
                        signed_at: None,
                        signer_id: None,
                    },
                )?;
            }
            Ok(())
        })
        .unwrap();
    let started = Instant::now();
    let step = review::step(&store, &actor, &mut mark, &rules, &cx).unwrap();
    let elapsed = started.elapsed();
    assert_eq!(step.charts, written.len() as u64);
    println!(
        "incremental pass            {:>8} written charts in {:6.3} s = {:.3} ms per chart ({} opened)",
        step.charts,
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 / step.charts as f64,
        step.opened
    );
    let started = Instant::now();
    let idle = review::step(&store, &actor, &mut mark, &rules, &cx).unwrap();
    println!(
        "incremental pass, no writes {:>8} charts in {:6.3} ms",
        idle.charts,
        started.elapsed().as_secs_f64() * 1000.0
    );

    let started = Instant::now();
    let m = store.read(|tx| review::metrics(tx, now, 21)).unwrap();
    println!(
        "metrics                     {:>8} open deficiencies in {:6.1} ms",
        m.open,
        started.elapsed().as_secs_f64() * 1000.0
    );
    let deficiencies = store
        .read(|tx| tx.query("SELECT CAST(COUNT(*) AS BIGINT) FROM deficiencies", &[]))
        .unwrap();
    println!(
        "deficiencies stored: {}",
        deficiencies
            .first()
            .map_or(0, |r| r.get(0).as_int().unwrap_or(0))
    );
}

/// CPU time this process has used (user and system, all threads), from /proc: on a machine
/// other work shares, the figure a quiet machine's wall time is bounded by (divided by the
/// threads that ran) when the time alone is not.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // After the command name in parentheses: state is field 3, utime 14 and stime 15.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Clock ticks are 1/100 s on Linux.
    (ticks(11) + ticks(12)) / 100.0
}
