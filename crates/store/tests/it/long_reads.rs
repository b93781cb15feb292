//! A long read (a bulk export) on a connection of its own: writers go on beside it, and
//! it sees the snapshot it started with.

use crate::fixtures::{actor, patient};
use records::Patient;
use std::sync::{Arc, mpsc};
use std::time::Duration;
use test_support::TestStore;

fn a_writer_goes_on_beside_a_long_read(store: &Arc<TestStore>) {
    store
        .write(|tx| tx.create(&actor(), &patient("R1", "Reed", "Ada")))
        .unwrap();
    let counts = store
        .read_beside_writers(|tx| {
            let before = tx.count::<Patient>(&[])?;
            let (done, finished) = mpsc::channel();
            let writer = Arc::clone(store);
            // Not a scoped thread: were the read holding the writers' connection, the
            // wait below times out and the test fails instead of waiting for ever.
            std::thread::spawn(move || {
                let written = writer.write(|tx| tx.create(&actor(), &patient("R2", "Reed", "Bo")));
                let _ = done.send(written.map(|_| ()));
            });
            let written = finished
                .recv_timeout(Duration::from_secs(30))
                .expect("the writer was held up by the long read");
            assert!(written.is_ok(), "{written:?}");
            let after = tx.count::<Patient>(&[])?;
            Ok((before, after))
        })
        .unwrap();
    assert_eq!(counts, (1, 1), "the read keeps its snapshot");
    assert_eq!(store.read(|tx| tx.count::<Patient>(&[])).unwrap(), 2);
}

#[test]
fn sqlite_a_writer_goes_on_beside_a_long_read() {
    let dir = tempfile::tempdir().unwrap();
    a_writer_goes_on_beside_a_long_read(&Arc::new(test_support::sqlite_store_in(dir.path())));
}

#[test]
fn postgres_a_writer_goes_on_beside_a_long_read() {
    match test_support::postgres_store() {
        Some(store) => a_writer_goes_on_beside_a_long_read(&Arc::new(store)),
        None => eprintln!(
            "{} not set: PostgreSQL half skipped",
            test_support::POSTGRES_URL_VAR
        ),
    }
}
