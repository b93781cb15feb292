//! Updates keep history; stale versions are refused; deletes are soft and need a reason.

use crate::fixtures::{actor, patient};
use store::{Actor, Error};
use test_support::{TestStore, backend_tests};
use time::Duration;

fn update_records_old_and_new_values(store: &TestStore) {
    let created = store
        .write(|tx| tx.create(&actor(), &patient("MRN-1", "Smith", "Ann")))
        .unwrap();
    store.clock.advance(Duration::hours(2));
    let mut changed = created.record.clone();
    changed.family_name = "Smith-Jones".into();
    changed.phone = None;
    let updated = store
        .write(|tx| tx.update(&Actor::new("user:him"), created.meta.id, 1, &changed))
        .unwrap();
    assert_eq!(updated.meta.version, 2);
    assert_eq!(updated.meta.updated_by, "user:him");
    assert_eq!(updated.meta.created_at, test_support::test_epoch());
    assert_eq!(
        updated.meta.updated_at,
        test_support::test_epoch() + Duration::hours(2)
    );
    let history = store
        .read(|tx| tx.history("patient", created.meta.id))
        .unwrap();
    assert_eq!(history.len(), 1);
    let entry = &history[0];
    assert_eq!(
        (
            entry.action.as_str(),
            entry.version,
            entry.changed_by.as_str()
        ),
        ("update", 2, "user:him")
    );
    let fields: Vec<(&str, String, String)> = entry
        .changes
        .iter()
        .map(|c| (c.field.as_str(), c.old.to_string(), c.new.to_string()))
        .collect();
    assert_eq!(
        fields,
        [
            (
                "family_name",
                "\"Smith\"".to_owned(),
                "\"Smith-Jones\"".to_owned()
            ),
            ("phone", "\"555-0100\"".to_owned(), "null".to_owned()),
        ]
    );
    let reread = store
        .read(|tx| tx.get::<records::Patient>(created.meta.id))
        .unwrap();
    assert_eq!(reread.record.family_name, "Smith-Jones");
    assert_eq!(reread.meta.version, 2);
}

fn stale_version_is_refused(store: &TestStore) {
    let created = store
        .write(|tx| tx.create(&actor(), &patient("MRN-2", "Lee", "Kim")))
        .unwrap();
    let mut first = created.record.clone();
    first.given_name = "Kimberly".into();
    store
        .write(|tx| tx.update(&actor(), created.meta.id, 1, &first))
        .unwrap();
    let mut second = created.record.clone();
    second.given_name = "Kimmy".into();
    let error = store
        .write(|tx| tx.update(&actor(), created.meta.id, 1, &second))
        .unwrap_err();
    assert_version_one_is_stale(&error);
}

/// `error` refuses a write made from version 1 of a record now at version 2.
pub(crate) fn assert_version_one_is_stale(error: &Error) {
    assert!(
        matches!(
            error,
            Error::VersionConflict {
                expected: 1,
                actual: 2,
                ..
            }
        ),
        "{error}"
    );
}

fn unchanged_update_writes_no_history(store: &TestStore) {
    let created = store
        .write(|tx| tx.create(&actor(), &patient("MRN-3", "Ng", "Bo")))
        .unwrap();
    let same = store
        .write(|tx| tx.update(&actor(), created.meta.id, 1, &created.record))
        .unwrap();
    assert_eq!(same.meta.version, 1);
    assert!(
        store
            .read(|tx| tx.history("patient", created.meta.id))
            .unwrap()
            .is_empty()
    );
}

fn delete_is_soft_and_needs_a_reason(store: &TestStore) {
    let created = store
        .write(|tx| tx.create(&actor(), &patient("MRN-4", "Doe", "Jo")))
        .unwrap();
    let id = created.meta.id;
    let error = store
        .write(|tx| tx.delete::<records::Patient>(&actor(), id, 1, "  "))
        .unwrap_err();
    assert!(error.to_string().contains("reason: is required"), "{error}");
    store
        .write(|tx| tx.delete::<records::Patient>(&actor(), id, 1, "duplicate registration"))
        .unwrap();
    let kept = store.read(|tx| tx.get::<records::Patient>(id)).unwrap();
    let deletion = kept.meta.deleted.expect("marked deleted");
    assert_eq!(deletion.reason, "duplicate registration");
    assert_eq!(kept.meta.version, 2);
    let history = store.read(|tx| tx.history("patient", id)).unwrap();
    assert_eq!(history[0].action, "delete");
    assert_eq!(history[0].reason.as_deref(), Some("duplicate registration"));
    let error = store
        .write(|tx| tx.update(&actor(), id, 2, &created.record))
        .unwrap_err();
    assert!(matches!(error, Error::Deleted { .. }), "{error}");
    let found = store
        .read(|tx| {
            tx.search_patients(&store::PatientQuery {
                text: Some("Doe".into()),
                ..Default::default()
            })
        })
        .unwrap();
    assert!(found.is_empty(), "deleted patients do not show in search");
}

fn missing_record_is_not_found(store: &TestStore) {
    let error = store
        .read(|tx| tx.get::<records::Encounter>(4242))
        .unwrap_err();
    assert_eq!(error.to_string(), "encounter 4242 does not exist");
}

backend_tests!(
    update_records_old_and_new_values,
    stale_version_is_refused,
    unchanged_update_writes_no_history,
    delete_is_soft_and_needs_a_reason,
    missing_record_is_not_found,
);
