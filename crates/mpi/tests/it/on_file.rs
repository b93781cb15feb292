//! A full match over the patients on file finds the planted duplicates there.

use mpi::{Class, Nicknames, Settings, match_all, patients_on_file, persons_of, planted::planted};
use store::Actor;
use test_support::{TestStore, backend_tests};

fn planted_on_file_are_matched(store: &TestStore) {
    let population = planted(300, 0.1, 4);
    let actor = Actor::new("test:mpi");
    let ids: Vec<i64> = store
        .store
        .write(|tx| {
            population
                .patients
                .iter()
                .map(|patient| tx.create(&actor, patient).map(|stored| stored.meta.id))
                .collect()
        })
        .unwrap();
    // A deleted chart is not on file.
    store
        .store
        .write(|tx| {
            let last = tx.get::<records::Patient>(*ids.last().unwrap())?;
            tx.delete::<records::Patient>(
                &actor,
                last.meta.id,
                last.meta.version,
                "registered in error",
            )
        })
        .unwrap();
    let on_file = store.store.read(patients_on_file).unwrap();
    assert_eq!(on_file.len(), ids.len() - 1);
    assert!(on_file.windows(2).all(|w| w[0].meta.id < w[1].meta.id));
    let mut settings = Settings::embedded().unwrap();
    settings.training.random_pairs = 50_000;
    let run = match_all(
        &persons_of(&on_file, &Nicknames::embedded().unwrap()),
        &settings,
    );
    let truth: std::collections::HashSet<(u32, u32)> =
        population.true_pairs().into_iter().collect();
    let linked: Vec<_> = run
        .pairs
        .iter()
        .filter(|(_, s)| s.class == Class::AutoLink)
        .collect();
    assert!(!linked.is_empty());
    for (candidate, _) in linked {
        assert!(truth.contains(&(candidate.a, candidate.b)), "{candidate:?}");
    }
}

backend_tests!(planted_on_file_are_matched);
