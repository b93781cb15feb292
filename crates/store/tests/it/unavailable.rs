//! Storage that cannot take writes (a full disk, a read-only database, the server gone) is
//! `Error::Unavailable`, so the servers answer 503 rather than 500; nothing is half written,
//! reads go on, and writes are taken again once storage is back, without reopening the store.
//! The embedded store's half is the disk-full trial (tools/trials/disk-full.sh), which fills
//! a real file system under a running server; here PostgreSQL is made read-only from outside.

use crate::fixtures::{actor, patient};
use records::Patient;
use store::Error;

fn admin(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap()
}

/// Sets the database's default read-only flag and ends its sessions, so the store's pooled
/// connections are replaced by ones that see it (as after a failover to a standby).
fn set_read_only(admin_url: &str, database: &str, read_only: bool) {
    let mut client = admin(admin_url);
    let setting = if read_only {
        "SET default_transaction_read_only = on"
    } else {
        "RESET default_transaction_read_only"
    };
    client
        .batch_execute(&format!("ALTER DATABASE {database} {setting}"))
        .unwrap();
    client
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = $1 AND pid <> pg_backend_pid()",
            &[&database],
        )
        .unwrap();
}

/// Runs `f` until it is not refused as unavailable (at most five times): a pooled
/// connection the server ended is only known dead when it is next used.
fn once_available<T>(mut f: impl FnMut() -> store::Result<T>) -> store::Result<T> {
    let mut tries = 0;
    loop {
        match f() {
            Err(error) if error.is_unavailable() && tries < 5 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            other => return other,
        }
    }
}

#[test]
fn a_read_only_postgresql_database_refuses_writes_as_unavailable_until_writable() {
    let Some(store) = test_support::postgres_store() else {
        return;
    };
    let (admin_url, database) = store.postgres_database().unwrap();
    let first = store
        .write(|tx| tx.create(&actor(), &patient("U100", "Avail", "Ann")))
        .unwrap();

    set_read_only(admin_url, database, true);
    // The first attempt may meet the ended connection, the next a read-only one: both are
    // "try again later", never a failure of the write itself.
    for attempt in 0..3 {
        let error = store
            .write(|tx| tx.create(&actor(), &patient("U101", "Refused", "Rob")))
            .unwrap_err();
        assert!(
            matches!(error, Error::Unavailable { .. }),
            "attempt {attempt}: {error:?}"
        );
        assert!(error.to_string().contains("nothing was written"), "{error}");
    }
    let read: Patient = once_available(|| store.read(|tx| tx.get::<Patient>(first.meta.id)))
        .unwrap()
        .record;
    assert_eq!(read.family_name, "Avail");

    set_read_only(admin_url, database, false);
    let mut taken = None;
    for _ in 0..3 {
        match store.write(|tx| tx.create(&actor(), &patient("U102", "Taken", "Tia"))) {
            Ok(stored) => {
                taken = Some(stored);
                break;
            }
            Err(error) => assert!(error.is_unavailable(), "{error:?}"),
        }
    }
    assert!(
        taken.is_some(),
        "writes were not taken once the database was writable"
    );
    let patients = store.read(|tx| tx.count::<Patient>(&[])).unwrap();
    assert_eq!(patients, 2, "the refused patient must not be half there");
}
