//! Patient groups (schema 6): a roster is a versioned record whose members are one JSON
//! list, searchable by member on both backends.

use crate::fixtures::{actor, patient};
use records::{PatientGroup, PatientId};
use store::{Error, Filter};
use test_support::{TestStore, backend_tests};

fn roster(name: &str, members: &[i64]) -> PatientGroup {
    PatientGroup {
        name: name.into(),
        identifier_system: Some("urn:chartroom:panel".into()),
        identifier_value: Some(name.to_lowercase()),
        members: members.iter().map(|id| PatientId(*id)).collect(),
    }
}

fn groups_are_versioned_records_searchable_by_member(store: &TestStore) {
    let (a, b, c) = store
        .write(|tx| {
            let a = tx
                .create(&actor(), &patient("G-1", "Alder", "Ann"))?
                .meta
                .id;
            let b = tx
                .create(&actor(), &patient("G-2", "Birch", "Ben"))?
                .meta
                .id;
            let c = tx.create(&actor(), &patient("G-3", "Cedar", "Cy"))?.meta.id;
            Ok((a, b, c))
        })
        .unwrap();
    let panel = store
        .write(|tx| tx.create(&actor(), &roster("Diabetes panel", &[a, b])))
        .unwrap();
    store
        .write(|tx| tx.create(&actor(), &roster("Asthma panel", &[c])))
        .unwrap();
    let read = store
        .read(|tx| tx.find::<PatientGroup>(panel.meta.id))
        .unwrap()
        .unwrap();
    assert_eq!(read.record, panel.record);

    let with = |member: i64| {
        store
            .read(|tx| tx.search::<PatientGroup>(&[Filter::ListHas("members", member)], &[], 10, 0))
            .unwrap()
            .into_iter()
            .map(|g| g.record.name)
            .collect::<Vec<_>>()
    };
    assert_eq!(with(a), ["Diabetes panel"]);
    assert_eq!(with(c), ["Asthma panel"]);
    assert!(with(9_999).is_empty());

    // A changed roster is a new version with the old and new lists in history.
    store
        .write(|tx| {
            tx.update(
                &actor(),
                panel.meta.id,
                1,
                &roster("Diabetes panel", &[b, c]),
            )
        })
        .unwrap();
    assert!(with(a).is_empty());
    assert_eq!(with(c), ["Diabetes panel", "Asthma panel"]);
    let history = store.read(|tx| tx.history("group", panel.meta.id)).unwrap();
    let change = history.iter().find(|h| h.version == 2).unwrap();
    let members = change
        .changes
        .iter()
        .find(|f| f.field == "members")
        .unwrap();
    assert_eq!(members.old, serde_json::json!([a, b]));
    assert_eq!(members.new, serde_json::json!([b, c]));

    // A soft-deleted group is found by no search.
    store
        .write(|tx| tx.delete::<PatientGroup>(&actor(), panel.meta.id, 2, "panel closed"))
        .unwrap();
    assert_eq!(with(c), ["Asthma panel"]);
}

fn a_roster_lists_each_patient_once_and_has_a_name(store: &TestStore) {
    let mut bad = roster(" ", &[3, 4, 3]);
    bad.identifier_value = None;
    let error = store.write(|tx| tx.create(&actor(), &bad)).unwrap_err();
    let Error::Invalid { errors, .. } = error else {
        panic!("expected Invalid, got {error:?}")
    };
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["name", "identifier_value", "members[2]"]);
}

backend_tests!(
    groups_are_versioned_records_searchable_by_member,
    a_roster_lists_each_patient_once_and_has_a_name,
);
