//! Batch reads (`find_many`, `select_in`, `external_ids_among`) read what the one-at-a-time
//! reads do, and `update_stored` refuses a copy that is no longer current.

use crate::fixtures::{actor, patient};
use records::{Coverage, Patient};
use test_support::{TestStore, backend_tests};

fn find_many_reads_each_id_once_deleted_ones_too(store: &TestStore) {
    let ids: Vec<i64> = store
        .write(|tx| {
            let a = tx.create(&actor(), &patient("B-1", "Ames", "Al"))?;
            let b = tx.create(&actor(), &patient("B-2", "Bell", "Bo"))?;
            let c = tx.create(&actor(), &patient("B-3", "Cole", "Cy"))?;
            tx.delete::<Patient>(&actor(), b.meta.id, 1, "registered twice")?;
            Ok(vec![a.meta.id, b.meta.id, c.meta.id])
        })
        .unwrap();
    let asked = [ids[2], ids[0], ids[1], ids[0], 9999];
    let found = store.read(|tx| tx.find_many::<Patient>(&asked)).unwrap();
    let names: Vec<(i64, &str, bool)> = found
        .iter()
        .map(|p| {
            (
                p.meta.id,
                p.record.family_name.as_str(),
                p.meta.deleted.is_some(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            (ids[0], "Ames", false),
            (ids[1], "Bell", true),
            (ids[2], "Cole", false)
        ]
    );
    // More ids than one query takes: every one is still read.
    let many: Vec<i64> = (0..1200).map(|n| ids[n % 3]).chain(1..1200).collect();
    let found = store.read(|tx| tx.find_many::<Patient>(&many)).unwrap();
    assert_eq!(found.len(), 3);
}

fn select_in_reads_current_records_of_many_keys(store: &TestStore) {
    let (first, second) = store
        .write(|tx| {
            let first = tx.create(&actor(), &patient("S-1", "Diaz", "Di"))?;
            let second = tx.create(&actor(), &patient("S-2", "Eng", "Ed"))?;
            Ok((first.meta.id, second.meta.id))
        })
        .unwrap();
    let chart = store.write(crate::fixtures::full_chart).unwrap();
    let patients = [first, second, chart.patient.meta.id];
    let by_key = store
        .read(|tx| tx.select_in::<Coverage>("patient_id", &patients))
        .unwrap();
    let one_at_a_time: Vec<i64> = store
        .read(|tx| {
            let mut ids = Vec::new();
            for id in patients {
                ids.extend(tx.for_patient::<Coverage>(id)?.iter().map(|c| c.meta.id));
            }
            Ok(ids)
        })
        .unwrap();
    let mut batch: Vec<i64> = by_key.iter().map(|c| c.meta.id).collect();
    batch.sort_unstable();
    let mut each = one_at_a_time;
    each.sort_unstable();
    assert!(!batch.is_empty());
    assert_eq!(batch, each);
    let error = store
        .read(|tx| tx.select_in::<Coverage>("patient_id) OR (1 = 1", &patients))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        store::Error::Database("coverages has no column patient_id) OR (1 = 1".into()).to_string()
    );
}

fn external_ids_among_names_the_linked_keys(store: &TestStore) {
    let found = store
        .write(|tx| {
            tx.link_external_id("x12-835", "claim-payment", "T1|A|E1|0", 11)?;
            tx.link_external_id("x12-835", "claim-payment", "T1|B|E2|1", 12)?;
            tx.link_external_id("other", "claim-payment", "T1|C|E3|2", 13)?;
            let keys = ["T1|A|E1|0", "T1|C|E3|2", "T1|B|E2|1", "T9|Z|E9|9"].map(String::from);
            tx.external_ids_among("x12-835", "claim-payment", &keys)
        })
        .unwrap();
    let mut found: Vec<(String, i64)> = found.into_iter().collect();
    found.sort();
    assert_eq!(
        found,
        [("T1|A|E1|0".to_owned(), 11), ("T1|B|E2|1".to_owned(), 12)]
    );
}

fn update_stored_refuses_a_copy_no_longer_current(store: &TestStore) {
    let created = store
        .write(|tx| tx.create(&actor(), &patient("U-1", "Fox", "Fay")))
        .unwrap();
    let mut renamed = created.record.clone();
    renamed.given_name = "Faye".into();
    let updated = store
        .write(|tx| tx.update_stored(&actor(), created.clone(), &renamed))
        .unwrap();
    assert_eq!(updated.meta.version, 2);
    let history = store
        .read(|tx| tx.history("patient", created.meta.id))
        .unwrap();
    assert_eq!(history.len(), 1);
    let mut stale = created.record.clone();
    stale.given_name = "Fae".into();
    let error = store
        .write(|tx| tx.update_stored(&actor(), created.clone(), &stale))
        .unwrap_err();
    crate::changes::assert_version_one_is_stale(&error);
    let reread = store.read(|tx| tx.get::<Patient>(created.meta.id)).unwrap();
    assert_eq!(reread.record.given_name, "Faye");
}

backend_tests!(
    find_many_reads_each_id_once_deleted_ones_too,
    select_in_reads_current_records_of_many_keys,
    external_ids_among_names_the_linked_keys,
    update_stored_refuses_a_copy_no_longer_current,
);
