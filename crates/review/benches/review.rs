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

    let started = Instant::now();
    let first = review::review_all(&store, &actor, &rules, &cx, &mut |_| {}).unwrap();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "full review, first run      {:>8} charts in {seconds:6.2} s = {:>7.0} charts/s ({} opened)",
        first.charts,
        first.charts as f64 / seconds,
        first.opened
    );
    let started = Instant::now();
    let again = review::review_all(&store, &actor, &rules, &cx, &mut |_| {}).unwrap();
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(again.opened + again.resolved + again.reopened, 0);
    println!(
        "full review, nothing new    {:>8} charts in {seconds:6.2} s = {:>7.0} charts/s",
        again.charts,
        again.charts as f64 / seconds
    );

    // What the full review spends on reading: the facts of every chart, batch by batch.
    let started = Instant::now();
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
        "reading the facts only      {read:>8} charts in {seconds:6.2} s = {:>7.0} charts/s",
        read as f64 / seconds
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
