//! The registration check timed: one new patient matched against a stored population with
//! the kept model (`mpi::candidates_for`: the indexed look-ups, then each patient reached
//! compared and scored), as registration, HL7 ADT and imports run it:
//! `CHARTROOM_MPI_BENCH_PATIENTS=100000 cargo bench -p mpi --bench registration_check`
//! (`CHARTROOM_MPI_BENCH_CHECKS`, default 1,000, sets how many patients are checked).
//! Half the patients checked are planted duplicates of patients on file, half new people.

use mpi::{Nicknames, Settings, candidates_for, match_all, model_in_force, planted::planted};
use std::time::{Duration, Instant};
use store::Actor;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::var("CHARTROOM_MPI_BENCH_PATIENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let checks: usize = std::env::var("CHARTROOM_MPI_BENCH_CHECKS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let dir = tempfile::tempdir()?;
    let store = test_support::sqlite_store_in(dir.path());
    // The population and, apart from it, the people who arrive later.
    let population = planted(n + checks, 0.05, 22);
    let (on_file, arriving) = population.patients.split_at(n);
    let started = Instant::now();
    let actor = Actor::new("bench");
    for chunk in on_file.chunks(10_000) {
        store.write(|tx| {
            for patient in chunk {
                tx.create(&actor, patient)?;
            }
            Ok(())
        })?;
    }
    println!(
        "stored {n} patients in {:.2?} (not counted)",
        started.elapsed()
    );
    let settings = Settings::embedded()?;
    let nicknames = Nicknames::embedded()?;
    let stored = store.read(mpi::patients_on_file)?;
    let run = match_all(&mpi::persons_of(&stored, &nicknames), &settings);
    store.write(|tx| mpi::save_model(tx, &run, &settings, stored.len(), "bench"))?;
    // Half duplicates of patients on file (as the desk makes them), half new people.
    let duplicates = mpi::planted::duplicates_of(&on_file[..checks / 2], 1.0, 7);
    // The MRN of the chart each planted duplicate copies, to see whether the check lists it.
    let mut original_of: Vec<Option<String>> = duplicates
        .iter()
        .map(|(at, _, _)| Some(on_file[*at].mrn.as_str().to_owned()))
        .collect();
    let mut checked: Vec<records::Patient> = duplicates
        .into_iter()
        .map(|(_, patient, _)| patient)
        .collect();
    original_of.resize(checks, None);
    checked.extend(arriving.iter().take(checks - checked.len()).cloned());
    let mut times: Vec<Duration> = Vec::with_capacity(checked.len());
    let mut listed = 0usize;
    let mut originals_listed = 0usize;
    for (patient, original) in checked.iter().zip(&original_of) {
        let started = Instant::now();
        let found = store.read(|tx| {
            let trained = model_in_force(tx)?;
            candidates_for(tx, patient, None, trained.as_ref(), &nicknames)
        })?;
        times.push(started.elapsed());
        listed += found.len();
        if let Some(mrn) = original
            && found.iter().any(|m| m.patient.record.mrn.as_str() == mrn)
        {
            originals_listed += 1;
        }
    }
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    println!(
        "registration check against {n} patients on file ({} checks, half planted duplicates): mean {:.2?}, median {:.2?}, p95 {:.2?}, p99 {:.2?}, max {:.2?}; {:.1} patients listed per check; the chart copied listed for {originals_listed} of {} planted duplicates (goal: 20 ms)",
        times.len(),
        mean,
        at(0.5),
        at(0.95),
        at(0.99),
        times[times.len() - 1],
        listed as f64 / times.len() as f64,
        original_of.iter().flatten().count()
    );
    Ok(())
}
