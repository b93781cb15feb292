//! Transactions that queue for the embedded store's shared connection share one commit
//! (group commit): each caller's work still commits or rolls back as its own, every
//! acknowledged write is there, the audit chain stays whole, and a caller that panics
//! takes nobody else's work with it. The same suite runs on PostgreSQL, whose server
//! commits each transaction on its own.

use crate::fixtures::{actor, patient};
use privacy::{Action, AuditEvent, AuditKey, Channel};
use std::collections::BTreeSet;
use std::sync::{Arc, Barrier};
use store::{AuditTrail, Store};
use test_support::TestStore;

const THREADS: usize = 8;
const EACH: usize = 40;

fn mrn(thread: usize, i: usize) -> String {
    format!("G{thread:02}{i:03}")
}

fn mrns(store: &Store) -> BTreeSet<String> {
    store
        .read(|tx| tx.query("SELECT mrn FROM patients", &[]))
        .unwrap()
        .iter()
        .filter_map(|row| row.text(0).map(str::to_owned))
        .collect()
}

/// Runs `writer(thread)` on `THREADS` threads started together; the MRNs each acknowledged.
fn all_at_once(writer: impl Fn(usize) -> Vec<String> + Send + Sync + 'static) -> BTreeSet<String> {
    let writer = Arc::new(writer);
    let start = Arc::new(Barrier::new(THREADS));
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let (writer, start) = (Arc::clone(&writer), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                writer(t)
            })
        })
        .collect();
    threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect()
}

/// Every fifth write fails after writing its patient; the others write a patient and an
/// audit entry naming it, all at once from eight threads.
fn each_writer_commits_or_rolls_back_as_its_own(store: TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let trail = Arc::new(AuditTrail::with_key(
        AuditKey::from_bytes(&[7; 32]).unwrap(),
        dir.path(),
    ));
    let store = Arc::new(store);
    let acknowledged = {
        let (store, trail) = (Arc::clone(&store), Arc::clone(&trail));
        all_at_once(move |t| {
            let mut acknowledged = Vec::new();
            for i in 0..EACH {
                let mrn = mrn(t, i);
                let written = trail.write(&store, |audited| {
                    let stored = audited
                        .records()
                        .create(&actor(), &patient(&mrn, "Group", "Commit"))?;
                    if i % 5 == 4 {
                        return Err(store::Error::Conflict(format!("{mrn} refused")));
                    }
                    let event =
                        AuditEvent::new(audited.now(), "clerk", Action::Create, Channel::Api)
                            .record("patient", stored.meta.id);
                    audited.append(&event)?;
                    Ok(())
                });
                match written {
                    Ok(()) => acknowledged.push(mrn),
                    Err(store::Error::Conflict(why)) => {
                        assert_eq!(why, format!("{mrn} refused"))
                    }
                    Err(other) => panic!("{mrn}: {other}"),
                }
            }
            acknowledged
        })
    };
    assert_eq!(acknowledged.len(), THREADS * EACH * 4 / 5);
    assert_eq!(
        mrns(&store),
        acknowledged,
        "exactly the acknowledged writes are kept"
    );
    let verified = trail.verify(&store).unwrap().unwrap();
    assert_eq!(verified.entries, acknowledged.len() as u64);
}

#[test]
fn sqlite_each_writer_commits_or_rolls_back_as_its_own() {
    let dir = tempfile::tempdir().unwrap();
    each_writer_commits_or_rolls_back_as_its_own(test_support::sqlite_store_in(dir.path()));
}

#[test]
fn postgres_each_writer_commits_or_rolls_back_as_its_own() {
    match test_support::postgres_store() {
        Some(store) => each_writer_commits_or_rolls_back_as_its_own(store),
        None => eprintln!(
            "{} not set: PostgreSQL half skipped",
            test_support::POSTGRES_URL_VAR
        ),
    }
}

/// A writer panics while others queue behind it: their writes are kept or refused as a
/// whole, the panicking one's is not kept, and the store takes writes afterwards.
#[test]
fn sqlite_a_panicking_writer_loses_nobody_else_s_work() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(test_support::sqlite_store_in(dir.path()));
    let acknowledged = {
        let store = Arc::clone(&store);
        all_at_once(move |t| {
            let mut acknowledged = Vec::new();
            for i in 0..EACH {
                let mrn = mrn(t, i);
                let panics = t == 0 && i % 10 == 5;
                let written = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    store.write(|tx| {
                        tx.create(&actor(), &patient(&mrn, "Group", "Panic"))?;
                        assert!(!panics, "{mrn} panics inside its transaction");
                        Ok(())
                    })
                }));
                match written {
                    Ok(Ok(())) => acknowledged.push(mrn),
                    // Shared the panicking writer's transaction: refused, not kept.
                    Ok(Err(e)) => assert!(e.to_string().contains("not committed"), "{e}"),
                    Err(_) => assert!(panics, "{mrn} panicked unexpectedly"),
                }
            }
            acknowledged
        })
    };
    assert!(!acknowledged.is_empty());
    assert_eq!(mrns(&store), acknowledged);
    store
        .write(|tx| {
            tx.create(&actor(), &patient("G99999", "After", "Panic"))
                .map(|_| ())
        })
        .unwrap();
    assert!(mrns(&store).contains("G99999"));
}
