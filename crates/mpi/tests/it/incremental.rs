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

fn an_arriving_duplicate_is_queued_for_review_not_merged(store: &TestStore) {
    let (on_file, run, settings) = crate::stored_and_matched(store, 400, 0.1, 5);
    let dir = tempfile::tempdir().unwrap();
    let trail =
        store::AuditTrail::with_key(privacy::AuditKey::from_bytes(&[7; 32]).unwrap(), dir.path());
    let actor = Actor::new("test:hl7");
    let by = privacy::AuditEvent::new(
        store.clock().now(),
        "hl7:test",
        privacy::Action::Create,
        privacy::Channel::Hl7,
    );
    let original = &on_file[0];
    let mut again = original.record.clone();
    again.mrn = records::Mrn::parse("ELSEWHERE-1").unwrap();
    again.given_name.push('e');
    let arrive = |record: &records::Patient| {
        trail
            .write(store, |audited| {
                let new = audited.records().create(&actor, record)?;
                let flagged = mpi::flag_duplicates(audited, new.meta.id, &by, "HL7 ADT^A04 C-1")?;
                Ok((new.meta.id, flagged))
            })
            .unwrap()
    };
    // No kept model: nothing is flagged.
    let (first, flagged) = arrive(&again);
    assert!(flagged.is_empty());

    store
        .store
        .write(|tx| mpi::save_model(tx, &run, &settings, on_file.len(), "test"))
        .unwrap();
    again.mrn = records::Mrn::parse("ELSEWHERE-2").unwrap();
    let (second, flagged) = arrive(&again);
    let to_original = flagged
        .iter()
        .find(|f| f.on_file == original.meta.id)
        .expect("the original is flagged");
    assert!(to_original.added && to_original.probability > 0.5);
    // Both earlier arrivals are flagged (the first came before the model was kept).
    assert!(flagged.iter().any(|f| f.on_file == first));
    let pair = store
        .store
        .read(|tx| tx.candidate_pair(to_original.pair))
        .unwrap();
    assert_eq!(pair.status, "open");
    assert_eq!((pair.patient_a, pair.patient_b), (original.meta.id, second));
    // Nothing merged: both charts stand.
    store
        .store
        .read(|tx| {
            tx.get::<records::Patient>(second)?;
            tx.get::<records::Patient>(original.meta.id)
        })
        .unwrap();
    // Each queued pair has its audit entry naming both patients.
    let entries = store
        .store
        .read(|tx| {
            tx.query(
                "SELECT reason FROM audit_log WHERE record_kind = 'mpi_candidate' AND record_id = ?",
                &[store::Value::Int(pair.id)],
            )
        })
        .unwrap();
    assert_eq!(entries.len(), 1);
    assert!(
        entries[0]
            .text(0)
            .unwrap()
            .starts_with("HL7 ADT^A04 C-1: possible duplicate queued for review")
    );

    // Decided "not duplicate": an arrival's rescoring leaves it decided and unaudited.
    trail
        .write(store, |a| {
            a.decide_pair(
                pair.id,
                store::PairDecision::NotDuplicate,
                "different people",
                by.clone(),
            )
        })
        .unwrap();
    let flagged = trail
        .write(store, |audited| {
            mpi::flag_duplicates(audited, second, &by, "HL7 ADT^A08 C-2")
        })
        .unwrap();
    assert!(flagged.iter().all(|f| f.pair != pair.id));
    let pair = store.store.read(|tx| tx.candidate_pair(pair.id)).unwrap();
    assert_eq!(pair.status, "not_duplicate");
}

/// A model kept before the comparisons gained levels (no one-slip birth date, no far name
/// band) is refused, so registration falls back to the name search until a full match
/// keeps a new one.
fn a_kept_model_of_an_older_shape_is_not_used(store: &TestStore) {
    let (on_file, run, settings) = crate::stored_and_matched(store, 300, 0.1, 9);
    let mut older = serde_json::to_value(mpi::Trained::of_run(&run, &settings)).unwrap();
    let fields = older["model"]["fields"].as_array_mut().unwrap();
    // given: the far band (index 5); family: the far band (5); birth date: one slip (3).
    for (field, level) in [(0, 5), (1, 5), (2, 3)] {
        fields[field].as_array_mut().unwrap().remove(level);
    }
    older["bands"].as_object_mut().unwrap().remove("name_far");
    let n = i64::try_from(on_file.len()).unwrap();
    store
        .store
        .write(|tx| tx.save_mpi_model("test", n, 0, &older))
        .unwrap();
    assert!(store.store.read(mpi::model_in_force).unwrap().is_none());
    // Only the shape was refused: a model of today's shape kept after it is in force.
    store
        .store
        .write(|tx| mpi::save_model(tx, &run, &settings, on_file.len(), "test"))
        .unwrap();
    assert!(store.store.read(mpi::model_in_force).unwrap().is_some());
}

backend_tests!(
    a_new_registration_is_scored_with_the_kept_model,
    an_arriving_duplicate_is_queued_for_review_not_merged,
    a_kept_model_of_an_older_shape_is_not_used
);
