//! A full match of a planted population, timed, with its precision and recall:
//! `CHARTROOM_MPI_BENCH_PATIENTS=1000000 cargo bench -p mpi --bench full_match`.
//! `CHARTROOM_MPI_BENCH_MODEL=1` also prints the estimated m and u of every level.
//! `CHARTROOM_MPI_BENCH_CURVE=P` keeps every pair at match probability P or more and prints
//! precision and recall at a row of thresholds (`crates/mpi/splink/compare.py CSV P` prints
//! Splink's), so the two are compared at equal precision.

use mpi::{Nicknames, Settings, evaluate, match_all, planted::planted};
use std::io::Write;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::var("CHARTROOM_MPI_BENCH_PATIENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let started = Instant::now();
    let population = planted(n, 0.05, 22);
    println!(
        "planted {n} records in {:.2?} (not counted)",
        started.elapsed()
    );
    let mut settings = Settings::embedded()?;
    let curve_from: Option<f64> = std::env::var("CHARTROOM_MPI_BENCH_CURVE")
        .ok()
        .and_then(|p| p.parse().ok());
    if let Some(from) = curve_from {
        settings.thresholds.review = from.min(settings.thresholds.review);
    }
    let nicknames = Nicknames::embedded()?;
    let started = Instant::now();
    let persons = population.persons(&nicknames);
    let normalised = started.elapsed();
    let run = match_all(&persons, &settings);
    let total = started.elapsed();
    println!(
        "full match of {n} patients on {} threads: {:.2?} (normalise {:.2?}); {} pairs compared, {} blocks skipped, EM rounds {:?}",
        rayon::current_num_threads(),
        total,
        normalised,
        run.n_compared,
        run.n_blocks_skipped,
        run.sessions.iter().map(|s| s.rounds).collect::<Vec<_>>()
    );
    if let Some(from) = curve_from {
        let thresholds: Vec<f64> = [
            0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999, 0.9999,
        ]
        .into_iter()
        .filter(|t| *t >= from)
        .collect();
        println!("threshold     pairs     right  precision  recall");
        for point in mpi::precision_recall(&run, &population, &thresholds) {
            println!(
                "{:<9} {:>9} {:>9}  {:.4}     {:.4}",
                point.threshold, point.pairs, point.right, point.precision, point.recall
            );
        }
    } else {
        print!("{}", evaluate(&run, &population));
    }
    if let Some(path) = std::env::var_os("CHARTROOM_MPI_BENCH_CSV") {
        write_csv(std::path::Path::new(&path), &persons, &population.person)?;
        println!(
            "wrote the normalised records and their truth to {}",
            path.display()
        );
    }
    if std::env::var_os("CHARTROOM_MPI_BENCH_MODEL").is_some() {
        print!("{}", run.model.to_toml());
    }
    Ok(())
}

/// The same normalised records for a peer tool (Splink), with the truth in `person`.
fn write_csv(
    path: &std::path::Path,
    persons: &[mpi::Person],
    truth: &[u32],
) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        out,
        "unique_id,given,family,birth_date,sex,street,zip,phone,ssn4,other_mrn,person"
    )?;
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    for (idx, (person, truth)) in persons.iter().zip(truth).enumerate() {
        let (year, month, day) = person.birth;
        writeln!(
            out,
            "{idx},{},{},{year:04}-{month:02}-{day:02},{},{},{},{},{},{},{truth}",
            person.given,
            person.family,
            person.sex.map(|sex| sex.code()).unwrap_or(""),
            text(&person.street),
            text(&person.zip),
            text(&person.phone),
            text(&person.ssn4),
            person
                .other_mrns
                .first()
                .map(|(_, value)| value.as_str())
                .unwrap_or(""),
        )?;
    }
    out.flush()
}
