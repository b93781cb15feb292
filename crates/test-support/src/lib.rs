//! Test support: stores on every backend, and the macro that runs one suite on each.
//!
//! SQLite is always tested. PostgreSQL joins when `CHARTROOM_TEST_POSTGRES_URL` is set:
//! each test gets a fresh database, dropped afterwards. CI sets the variable and checks the
//! server first, so the PostgreSQL half never skips silently there.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod billing;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use store::{FixedClock, Location, Store};
use time::macros::datetime;

/// The environment variable naming a PostgreSQL server for tests.
pub const POSTGRES_URL_VAR: &str = "CHARTROOM_TEST_POSTGRES_URL";

/// The instant test clocks start at.
pub fn test_epoch() -> time::OffsetDateTime {
    datetime!(2026-03-02 14:00 UTC)
}

/// A store under test, with its clock; drops its PostgreSQL database when done.
pub struct TestStore {
    /// The store.
    pub store: Store,
    /// Its clock, for moving time.
    pub clock: Arc<FixedClock>,
    cleanup: Database,
}

/// The PostgreSQL database a test store made, dropped with this guard (nothing on SQLite).
/// Declared after the store in `TestStore`, so the store's connections close first.
pub struct Database(Option<(String, String)>);

impl std::ops::Deref for TestStore {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.store
    }
}

impl TestStore {
    /// The PostgreSQL server's administration URL and this store's database on it, for
    /// tests that change the database from outside (`None` on SQLite).
    pub fn postgres_database(&self) -> Option<(&str, &str)> {
        self.cleanup
            .0
            .as_ref()
            .map(|(admin_url, name)| (admin_url.as_str(), name.as_str()))
    }

    /// The store, its clock and the guard dropping its database, apart (for a server test
    /// that shares the store in an `Arc`; keep the guard as long as the store).
    pub fn into_parts(self) -> (Store, Arc<FixedClock>, Database) {
        let TestStore {
            store,
            clock,
            cleanup,
        } = self;
        (store, clock, cleanup)
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.0.take()
            && let Ok(mut client) = postgres::Client::connect(&admin_url, postgres::NoTls)
        {
            let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// A fresh in-memory SQLite store.
pub fn sqlite_store() -> TestStore {
    let clock = Arc::new(FixedClock::new(test_epoch()));
    let store = Store::open(&Location::Memory, clock.clone()).expect("open in-memory store");
    TestStore {
        store,
        clock,
        cleanup: Database(None),
    }
}

/// A fresh SQLite store in a data directory (for tests that reopen it).
pub fn sqlite_store_in(dir: &std::path::Path) -> TestStore {
    let clock = Arc::new(FixedClock::new(test_epoch()));
    let store =
        Store::open(&Location::DataDir(dir.to_owned()), clock.clone()).expect("open data dir");
    TestStore {
        store,
        clock,
        cleanup: Database(None),
    }
}

/// A fresh PostgreSQL database, or `None` when no server is configured.
pub fn postgres_store() -> Option<TestStore> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let admin_url = std::env::var(POSTGRES_URL_VAR).ok()?;
    let name = format!(
        "chartroom_test_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("{POSTGRES_URL_VAR} is set but PostgreSQL is unreachable: {e}"));
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let url = database_url(&admin_url, &name);
    let clock = Arc::new(FixedClock::new(test_epoch()));
    let store =
        Store::open(&Location::Postgres(url), clock.clone()).expect("open PostgreSQL store");
    Some(TestStore {
        store,
        clock,
        cleanup: Database(Some((admin_url, name))),
    })
}

/// The same server URL pointing at another database.
pub fn database_url(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}

/// Runs each named test function (`fn(&TestStore)`) once on SQLite and once on
/// PostgreSQL (when configured), as `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    super::$name(&$crate::sqlite_store());
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    match $crate::postgres_store() {
                        Some(store) => super::$name(&store),
                        None => eprintln!("{} not set: PostgreSQL half skipped", $crate::POSTGRES_URL_VAR),
                    }
                }
            )*
        }
    };
}
