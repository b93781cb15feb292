//! Backups and restores: the restore drill (writes continue during the backup, every row
//! compared afterwards), and every refusal leaves nothing behind.

use archive::{BackupKey, Error, Refusal};
use privacy::{Action, AuditEvent, Channel};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use store::{AuditTrail, Location, Store};
use time::macros::date;

type Rows = Vec<(i64, Vec<String>)>;

/// Every row of every table of a SQLite database, by rowid, each value as text.
fn dump(db: &Path) -> Vec<(String, Rows)> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    tables
        .into_iter()
        .map(|table| {
            let mut stmt = conn
                .prepare(&format!("SELECT rowid, * FROM \"{table}\" ORDER BY rowid"))
                .unwrap();
            let n = stmt.column_count();
            let rows = stmt
                .query_map([], |r| {
                    let values = (1..n)
                        .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                        .collect::<Vec<_>>();
                    Ok((r.get::<_, i64>(0)?, values))
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            (table, rows)
        })
        .collect()
}

fn populated(dir: &Path, patients: u32) -> (Store, AuditTrail) {
    let store = Store::open(
        &Location::DataDir(dir.to_owned()),
        std::sync::Arc::new(store::SystemClock),
    )
    .unwrap();
    demo::generate(
        &store,
        &demo::DemoOptions {
            patients,
            seed: 7,
            as_of: date!(2026 - 03 - 02),
            batch_size: 10,
        },
        &mut |_| {},
    )
    .unwrap();
    let trail = AuditTrail::open_or_create(dir).unwrap();
    for _ in 0..5 {
        audit(&store, &trail, "reader");
    }
    (store, trail)
}

fn audit(store: &Store, trail: &AuditTrail, user: &str) {
    trail
        .record(
            store,
            &AuditEvent::new(store.clock().now(), user, Action::Read, Channel::Cli),
        )
        .unwrap();
}

fn now() -> time::OffsetDateTime {
    test_support::test_epoch()
}

#[test]
fn restore_drill_writes_go_on_during_the_backup_and_every_row_comes_back() {
    let tmp = tempfile::tempdir().unwrap();
    let live = tmp.path().join("live");
    let (store, trail) = populated(&live, 40);
    let key = BackupKey::generate().unwrap();
    let file = tmp.path().join("drill.backup");
    let writing = AtomicBool::new(true);
    let written = AtomicU64::new(0);
    let (report, _during) = std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            // Writes go on until the backup is done: new charts and audit entries.
            let mut seed = 100;
            while writing.load(Ordering::Relaxed) || written.load(Ordering::Relaxed) < 3 {
                demo::generate(
                    &store,
                    &demo::DemoOptions {
                        patients: 1,
                        seed,
                        as_of: date!(2026 - 03 - 02),
                        batch_size: 1,
                    },
                    &mut |_| {},
                )
                .unwrap();
                audit(&store, &trail, "writer");
                seed += 1;
                written.fetch_add(1, Ordering::Relaxed);
            }
        });
        // Let the writer get going, then back up beside it.
        while written.load(Ordering::Relaxed) < 1 {
            std::thread::yield_now();
        }
        let before = written.load(Ordering::Relaxed);
        let report = archive::backup(&store, &live, &file, &key, now());
        let during = written.load(Ordering::Relaxed) - before;
        writing.store(false, Ordering::Relaxed);
        writer.join().unwrap();
        let report = report.unwrap();
        (report, during)
    });
    let manifest = &report.manifest;
    assert_eq!(manifest.schema_version, store.schema_version().unwrap());
    assert!(manifest.rows_of("patients").unwrap() >= 41);
    let head = manifest.audit_head.clone().unwrap();
    assert!(head.entries >= 6);
    assert!(manifest.files.iter().any(|f| f.name == "audit.key"));
    assert!(!manifest.files.iter().any(|f| f.name == "audit.head"));

    let restored = tmp.path().join("restored");
    let outcome = archive::restore(&file, &key, &restored).unwrap();
    assert_eq!(outcome.audit_entries, u64::try_from(head.entries).unwrap());
    assert_eq!(outcome.tables_checked, manifest.counts.len());

    // Every row of the copy is the live row of the same id, and the copy has no gaps: the
    // live rows up to the copy's last id are exactly the copy's (writes only add here).
    let source = dump(&live.join(store::SQLITE_FILE));
    let copy = dump(&restored.join(store::SQLITE_FILE));
    assert_eq!(
        source.iter().map(|t| &t.0).collect::<Vec<_>>(),
        copy.iter().map(|t| &t.0).collect::<Vec<_>>()
    );
    let mut grown = 0;
    for ((table, live_rows), (_, copy_rows)) in source.iter().zip(&copy) {
        let last = copy_rows.last().map_or(0, |r| r.0);
        let prefix: Vec<_> = live_rows.iter().filter(|r| r.0 <= last).cloned().collect();
        if table == "schema_migrations" {
            assert_eq!(&prefix, copy_rows);
            continue;
        }
        assert_eq!(
            &prefix, copy_rows,
            "table {table} differs from the live rows"
        );
        assert_eq!(
            i64::try_from(copy_rows.len()).unwrap(),
            manifest.rows_of(table).unwrap(),
            "{table}"
        );
        if live_rows.len() > copy_rows.len() {
            grown += 1;
        }
    }
    assert!(
        grown > 0,
        "the writes after the snapshot are not in the copy"
    );

    // The restored directory is a working store whose audit chain verifies.
    let reopened = Store::open(
        &Location::DataDir(restored.clone()),
        std::sync::Arc::new(store::SystemClock),
    )
    .unwrap();
    let verified = AuditTrail::open(&restored)
        .unwrap()
        .verify(&reopened)
        .unwrap()
        .unwrap();
    assert_eq!(verified.head.seq, head.seq);
    // No temporary files are left beside either.
    let names: BTreeSet<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["drill.backup", "live", "restored"]
            .into_iter()
            .map(String::from)
            .collect()
    );
}

fn assert_nothing_restored(result: Result<archive::RestoreReport, Error>, target: &Path) -> Error {
    let error = result.unwrap_err();
    assert!(!target.exists(), "{} was created", target.display());
    let parent = target.parent().unwrap();
    for entry in std::fs::read_dir(parent).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.contains("restoring"), "{name} was left behind");
    }
    error
}

#[test]
fn damaged_truncated_or_wrongly_keyed_backups_are_refused_and_nothing_is_restored() {
    let tmp = tempfile::tempdir().unwrap();
    let live = tmp.path().join("live");
    let (store, _trail) = populated(&live, 12);
    let key = BackupKey::generate().unwrap();
    let file = tmp.path().join("good.backup");
    let report = archive::backup(&store, &live, &file, &key, now()).unwrap();
    assert!(report.file_bytes < report.plain_bytes, "not compressed");
    let bytes = std::fs::read(&file).unwrap();
    // The key file round-trips, and a different key is refused as a wrong key.
    assert!(BackupKey::from_text(&key.to_text()).is_ok());
    assert!(BackupKey::from_text("not a key\n").is_err());
    let target = tmp.path().join("new");

    let wrong = BackupKey::generate().unwrap();
    let error = assert_nothing_restored(archive::restore(&file, &wrong, &target), &target);
    assert!(
        matches!(error, Error::Refused(Refusal::WrongKey)),
        "{error}"
    );
    assert!(error.to_string().contains("key does not open"), "{error}");

    for cut in [10, 80, bytes.len() / 2, bytes.len() - 1] {
        let truncated = tmp.path().join(format!("cut-{cut}.backup"));
        std::fs::write(&truncated, &bytes[..cut]).unwrap();
        let error = assert_nothing_restored(archive::restore(&truncated, &key, &target), &target);
        assert!(
            matches!(
                error,
                Error::Refused(Refusal::Truncated { .. } | Refusal::NotABackup)
            ),
            "cut at {cut}: {error}"
        );
        if cut > 20 {
            assert!(error.to_string().contains("truncated"), "{error}");
        }
    }

    for at in [100, bytes.len() / 3, bytes.len() - 5] {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x40;
        let path = tmp.path().join(format!("flip-{at}.backup"));
        std::fs::write(&path, &damaged).unwrap();
        let error = assert_nothing_restored(archive::restore(&path, &key, &target), &target);
        assert!(
            matches!(error, Error::Refused(Refusal::Damaged { .. })),
            "byte {at}: {error}"
        );
        assert!(error.to_string().contains("damaged"), "{error}");
    }

    let mut longer = bytes.clone();
    longer.extend_from_slice(b"extra");
    let path = tmp.path().join("longer.backup");
    std::fs::write(&path, &longer).unwrap();
    let error = assert_nothing_restored(archive::restore(&path, &key, &target), &target);
    assert!(
        matches!(error, Error::Refused(Refusal::Trailing { .. })),
        "{error}"
    );

    let path = tmp.path().join("not.backup");
    std::fs::write(&path, b"SQLite format 3\0 and so on and so forth").unwrap();
    let error = assert_nothing_restored(archive::restore(&path, &key, &target), &target);
    assert!(
        matches!(error, Error::Refused(Refusal::NotABackup)),
        "{error}"
    );

    // A backup never replaces a file, and a restore never fills a directory in use.
    assert!(matches!(
        archive::backup(&store, &live, &file, &key, now()),
        Err(Error::Invalid(_))
    ));
    let error = archive::restore(&file, &key, &live).unwrap_err();
    assert!(error.to_string().contains("not empty"), "{error}");

    // The intact file still restores, into an empty directory too.
    std::fs::create_dir(&target).unwrap();
    let outcome = archive::restore(&file, &key, &target).unwrap();
    assert_eq!(outcome.manifest, archive::inspect(&file, &key).unwrap());
}

#[test]
fn a_postgres_store_is_backed_up_with_pg_dump_on_the_same_snapshot() {
    let Some(pg) = test_support::postgres_store() else {
        eprintln!(
            "{} not set: PostgreSQL half skipped",
            test_support::POSTGRES_URL_VAR
        );
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let trail = AuditTrail::open_or_create(tmp.path()).unwrap();
    demo::generate(
        &pg,
        &demo::DemoOptions {
            patients: 5,
            seed: 3,
            as_of: date!(2026 - 03 - 02),
            batch_size: 5,
        },
        &mut |_| {},
    )
    .unwrap();
    audit(&pg, &trail, "reader");
    let key = BackupKey::generate().unwrap();
    let file = tmp.path().join("pg.backup");
    let report = archive::backup(&pg, tmp.path(), &file, &key, now()).unwrap();
    let manifest = report.manifest;
    assert_eq!(manifest.backend, archive::BackendKind::Postgres);
    assert_eq!(manifest.rows_of("patients"), Some(5));
    assert_eq!(manifest.audit_head.as_ref().map(|h| h.entries), Some(1));
    assert_eq!(manifest.files[0].name, "chartroom.pgdump");
    assert!(manifest.files.iter().any(|f| f.name == "audit.key"));
    assert_eq!(archive::inspect(&file, &key).unwrap(), manifest);

    // Restored into a new database, checked, keys into a new data directory.
    let admin = std::env::var(test_support::POSTGRES_URL_VAR).unwrap();
    let name = format!("chartroom_restore_{}", std::process::id());
    let url = test_support::database_url(&admin, &name);
    let keys = tmp.path().join("restored-keys");
    let mut damaged = std::fs::read(&file).unwrap();
    let at = damaged.len() / 2;
    damaged[at] ^= 1;
    let bad = tmp.path().join("bad.backup");
    std::fs::write(&bad, damaged).unwrap();
    let error = archive::restore_postgres(&bad, &key, &url, &keys).unwrap_err();
    assert!(
        matches!(error, Error::Refused(Refusal::Damaged { .. })),
        "{error}"
    );
    assert!(!keys.exists());
    let outcome = archive::restore_postgres(&file, &key, &url, &keys);
    let restored = Store::open(
        &Location::Postgres(url.clone()),
        std::sync::Arc::new(store::SystemClock),
    );
    let cleanup = || {
        let mut client = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
        client
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .unwrap();
    };
    let (outcome, restored) = match (outcome, restored) {
        (Ok(outcome), Ok(restored)) => (outcome, restored),
        (outcome, restored) => {
            cleanup();
            panic!("{:?} {:?}", outcome.err(), restored.err());
        }
    };
    assert_eq!(outcome.audit_entries, 1);
    assert_eq!(restored.facts().unwrap().counts, manifest.counts);
    assert!(keys.join("audit.key").exists() && !keys.join("chartroom.pgdump").exists());
    // Restoring again into the same database is refused and leaves it alone.
    let again = archive::restore_postgres(&file, &key, &url, &tmp.path().join("k2")).unwrap_err();
    drop(restored);
    cleanup();
    assert!(again.to_string().contains("already exists"), "{again}");
}
