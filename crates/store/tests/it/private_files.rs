//! The data directory and its secrets are private to their owner: created 0700 and 0600,
//! and narrowed at open (with a warning) when found open to others.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use store::{AuditTrail, Location, Store, SystemClock};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn open(data: &Path) -> (Store, AuditTrail) {
    let store = Store::open(
        &Location::DataDir(data.to_owned()),
        std::sync::Arc::new(SystemClock),
    )
    .unwrap();
    let trail = AuditTrail::open_or_create(data).unwrap();
    (store, trail)
}

fn append(store: &Store, trail: &AuditTrail) {
    let event = privacy::AuditEvent::new(
        store.clock().now(),
        "ann",
        privacy::Action::Read,
        privacy::Channel::Cli,
    );
    trail.record(store, &event).unwrap();
}

#[test]
fn a_new_data_directory_and_its_files_are_private() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("new").join("data");
    let (store, trail) = open(&data);
    append(&store, &trail);
    trail.recorded_head().unwrap();
    assert_eq!(mode(&data), 0o700);
    for name in [
        "chartroom.db",
        "chartroom.db-wal",
        "audit.key",
        "audit.head",
    ] {
        assert_eq!(mode(&data.join(name)), 0o600, "{name}");
    }
}

#[test]
fn existing_files_open_to_others_are_narrowed_with_a_warning() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    {
        let (store, trail) = open(&data);
        append(&store, &trail);
    }
    set_mode(&data, 0o755);
    set_mode(&data.join("chartroom.db"), 0o644);
    set_mode(&data.join("audit.key"), 0o640);
    set_mode(&data.join("audit.head"), 0o604);
    let warnings = store::secure_data_dir(&data).unwrap();
    assert_eq!(warnings.len(), 4, "{warnings:?}");
    assert!(
        warnings
            .iter()
            .any(|w| w.ends_with("chartroom.db was open to other users (mode 0644); now 0600")),
        "{warnings:?}"
    );
    assert_eq!(mode(&data), 0o700);
    for name in ["chartroom.db", "audit.key", "audit.head"] {
        assert_eq!(mode(&data.join(name)), 0o600, "{name}");
    }
    assert!(store::secure_data_dir(&data).unwrap().is_empty());
    // Opening the store does the same.
    set_mode(&data.join("chartroom.db"), 0o666);
    drop(open(&data));
    assert_eq!(mode(&data.join("chartroom.db")), 0o600);
}
