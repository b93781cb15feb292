//! The patient index against a real store on every backend.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests fail by panicking.

mod incremental;
mod on_file;
mod queue;

/// A planted population stored, and a full match of it with test-sized training: the
/// charts on file (in the run's order), the run and its settings.
pub fn stored_and_matched(
    store: &store::Store,
    n: usize,
    share: f64,
    seed: u64,
) -> (
    Vec<store::Stored<records::Patient>>,
    mpi::MatchRun,
    mpi::Settings,
) {
    let population = mpi::planted::planted(n, share, seed);
    let actor = store::Actor::new("test:mpi");
    store
        .write(|tx| {
            for patient in &population.patients {
                tx.create(&actor, patient)?;
            }
            Ok(())
        })
        .unwrap();
    let on_file = store.read(mpi::patients_on_file).unwrap();
    let mut settings = mpi::Settings::embedded().unwrap();
    settings.training.random_pairs = 50_000;
    let run = mpi::match_all(
        &mpi::persons_of(&on_file, mpi::Nicknames::shared()),
        &settings,
    );
    (on_file, run, settings)
}
