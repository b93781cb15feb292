//! A commit to the embedded database is synced to disk before it returns unless the site
//! chose otherwise: `synchronous=FULL` by default, NORMAL only when asked for.

use std::sync::Arc;
use store::{Durability, Location, Store, SystemClock};

fn open(dir: &std::path::Path, durability: Option<Durability>) -> Store {
    let location = Location::DataDir(dir.to_owned());
    match durability {
        Some(durability) => Store::open_with(&location, Arc::new(SystemClock), durability),
        None => Store::open(&location, Arc::new(SystemClock)),
    }
    .unwrap()
}

#[test]
fn a_data_directory_store_syncs_every_commit_by_default() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        open(dir.path(), None).durability().unwrap(),
        Some(Durability::Full)
    );
}

#[test]
fn normal_durability_is_an_explicit_choice_that_lasts_only_while_open() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), Some(Durability::Normal));
    assert_eq!(store.durability().unwrap(), Some(Durability::Normal));
    drop(store);
    // The setting is the opener's, not the file's: the next default open is FULL again.
    assert_eq!(
        open(dir.path(), None).durability().unwrap(),
        Some(Durability::Full)
    );
}

#[test]
fn a_postgresql_store_leaves_durability_to_its_server() {
    let Some(store) = test_support::postgres_store() else {
        return;
    };
    assert_eq!(store.durability().unwrap(), None);
}
