//! One patient against the index: the kept model scores a new registration against the
//! patients its blocking look-ups reach, and a requested pair joins the queue.

use mpi::Nicknames;
use store::Actor;
use test_support::{TestStore, backend_tests};

fn a_new_registration_is_scored_with_the_kept_model(store: &TestStore) {
    assert!(store.store.read(mpi::model_in_force).unwrap().is_none());
    let (on_file, run, settings) = crate::stored_and_matched(store, 400, 0.1, 5);
    let nicknames = Nicknames::shared();
    let actor = Actor::new("test:mpi");
    store
        .store
        .write(|tx| mpi::save_model(tx, &run, &settings, on_file.len(), "test"))
        .unwrap();
    let trained = store.store.read(mpi::model_in_force).unwrap().unwrap();
    // The model reads back as estimated (to the last digit JSON parsing may round).
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0);
    assert_eq!(trained.model.fields.len(), run.model.fields.len());
    for (kept, estimated) in trained.model.fields.iter().zip(&run.model.fields) {
        for (k, e) in kept.iter().zip(estimated) {
            assert!(close(k.m, e.m) && close(k.u, e.u), "{k:?} vs {e:?}");
        }
    }
    assert!(close(trained.model.match_share, run.model.match_share));
    assert_eq!(trained.model.thresholds, run.model.thresholds);
    assert_eq!(trained.bands, settings.bands);

    // The same person comes back with day and month swapped and a nickname-free typo.
    let original = on_file
        .iter()
        .find(|p| {
            p.record.birth_date.day() <= 12
                && p.record.birth_date.day() > u8::from(p.record.birth_date.month())
        })
        .unwrap();
    let mut again = original.record.clone();
    again.birth_date = time::Date::from_calendar_date(
        again.birth_date.year(),
        time::Month::try_from(original.record.birth_date.day()).unwrap(),
        u8::from(original.record.birth_date.month()),
    )
    .unwrap();
    again.given_name.push('e');
    let found = store
        .store
        .read(|tx| mpi::candidates_for(tx, &again, None, Some(&trained), nicknames))
        .unwrap();
    let hit = found
        .iter()
        .find(|m| m.patient.meta.id == original.meta.id)
        .expect("the original is found through the transposed birth date");
    let score = hit.score.unwrap();
    assert!(score.probability > 0.5, "{score:?}");
    assert!(hit.why().contains("match probability"), "{}", hit.why());
    assert!(
        found
            .windows(2)
            .all(|w| w[0].score.unwrap().probability >= w[1].score.unwrap().probability)
    );
    // A chart is not its own duplicate.
    let itself = store
        .store
        .read(|tx| {
            mpi::candidates_for(
                tx,
                &original.record,
                Some(original.meta.id),
                Some(&trained),
                nicknames,
            )
        })
        .unwrap();
    assert!(itself.iter().all(|m| m.patient.meta.id != original.meta.id));

    // Registered anyway and asked about: the pair joins the queue, scored.
    let pair = store
        .store
        .write(|tx| {
            let mut record = again.clone();
            record.mrn = records::Mrn::parse("NEW-1").unwrap();
            let new = tx.create(&actor, &record)?;
            mpi::request_merge(tx, &new, original, Some(&trained), nicknames)
        })
        .unwrap();
    assert_eq!(pair.status, "open");
    assert!((pair.probability - score.probability).abs() < 1e-9);
    let queued = store
        .store
        .read(|tx| mpi::queue(tx, &["open"], 100))
        .unwrap();
    assert!(queued.iter().any(|v| v.pair.id == pair.id));

    // Without a kept model, the name search's finds are listed by likeness alone.
    let by_name = store
        .store
        .read(|tx| mpi::candidates_for(tx, &original.record, None, None, nicknames))
        .unwrap();
    assert!(
        by_name
            .iter()
            .all(|m| m.score.is_none() && m.likeness.is_some())
    );
    assert!(
        by_name
            .iter()
            .any(|m| m.patient.meta.id == original.meta.id)
    );
}

backend_tests!(a_new_registration_is_scored_with_the_kept_model);
