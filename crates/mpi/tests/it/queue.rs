//! A full match's pairs kept in the duplicate queue, shown side by side, decided, merged;
//! a retired MRN finds the chart it was merged into; the index's figures.

use privacy::{Action, AuditEvent, AuditKey, Channel};
use store::{Actor, AuditTrail, PairDecision};
use test_support::{TestStore, backend_tests};

fn queued_pairs_are_compared_decided_and_merged(store: &TestStore) {
    let (on_file, run, _) = crate::stored_and_matched(store, 300, 0.1, 9);
    let actor = Actor::new("test:mpi");
    let kept = run
        .pairs
        .iter()
        .filter(|(_, s)| s.class != mpi::Class::NonMatch)
        .count() as u64;
    assert!(kept > 0);
    let saved = store
        .store
        .write(|tx| mpi::save_run(tx, &run, &on_file))
        .unwrap();
    assert_eq!(saved.added, kept);
    let again = store
        .store
        .write(|tx| mpi::save_run(tx, &run, &on_file))
        .unwrap();
    assert_eq!((again.added, again.rescored), (0, kept));

    let queue = store
        .store
        .read(|tx| mpi::queue(tx, &["open"], 1000))
        .unwrap();
    assert_eq!(queue.len() as u64, kept);
    assert!(
        queue
            .windows(2)
            .all(|w| w[0].pair.probability >= w[1].pair.probability)
    );
    let first = &queue[0];
    assert_eq!(first.encounters, (0, 0));
    let mrn = first.fields.iter().find(|f| f.label == "MRN").unwrap();
    assert!(!mrn.same, "two charts have two MRNs");
    assert!(first.pair.contributions.as_array().unwrap().len() >= 5);

    let dir = tempfile::tempdir().unwrap();
    let trail = AuditTrail::with_key(AuditKey::from_bytes(&[9; 32]).unwrap(), dir.path());
    let by = || AuditEvent::new(store.clock().now(), "him", Action::Update, Channel::Cli);
    let last = queue.last().unwrap();
    trail
        .write(store, |a| {
            a.decide_pair(last.pair.id, PairDecision::NotDuplicate, "twins", by())
        })
        .unwrap();
    let third = store
        .store
        .write(|tx| mpi::save_run(tx, &run, &on_file))
        .unwrap();
    assert_eq!(third.already_decided, 1);

    let (keep, retire) = (first.a.meta.id, first.b.meta.id);
    let merge = trail
        .write(store, |a| {
            a.merge_patients(keep, retire, "same person", &actor, by())
        })
        .unwrap();
    let retired_mrn = first.b.record.mrn.to_string();
    let found = store
        .store
        .read(|tx| mpi::find_patient(tx, &retired_mrn))
        .unwrap();
    assert_eq!(
        found.meta.id, keep,
        "the retired MRN finds the surviving chart"
    );
    let exact = store
        .store
        .read(|tx| mpi::patient_by_reference(tx, &retired_mrn))
        .unwrap();
    assert_eq!(exact.meta.id, retire);
    let open = store
        .store
        .read(|tx| mpi::queue(tx, &["open"], 1000))
        .unwrap();
    assert!(
        open.iter().all(|v| !v.patient_ids().contains(&retire)),
        "pairs naming a retired chart leave the queue"
    );

    let figures = store.store.patient_index_figures().unwrap();
    let stats = mpi::stats(&figures, store.clock().now());
    assert_eq!(stats.n_patients, 299);
    assert_eq!(stats.queue_size as usize, open.len());
    assert_eq!(stats.merges_standing, 1);
    assert_eq!(stats.merges_by_month.len(), 12);
    assert_eq!(
        stats.merges_by_month.last().unwrap(),
        &("2026-03".to_owned(), 1)
    );
    assert!(stats.estimated_duplicate_rate > 0.0);
    assert_eq!(stats.decisions, [("not_duplicate".to_owned(), 1)]);
    assert_eq!(merge.surviving_id, keep);
}

backend_tests!(queued_pairs_are_compared_decided_and_merged);
