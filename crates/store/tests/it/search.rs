//! Patient search by name parts, MRN and date of birth.

use crate::fixtures::{actor, patient};
use store::PatientQuery;
use test_support::{TestStore, backend_tests};
use time::macros::date;

fn seed(store: &TestStore) {
    store
        .write(|tx| {
            tx.create(&actor(), &patient("A100", "Smith", "John"))?;
            tx.create(&actor(), &patient("A101", "Smithers", "Joan"))?;
            let mut other = patient("A102", "Jones", "Smitty");
            other.birth_date = date!(2001 - 09 - 30);
            tx.create(&actor(), &other)?;
            tx.create(&actor(), &patient("B200", "O'Brien_x%", "Pat"))?;
            Ok(())
        })
        .unwrap();
}

fn names(store: &TestStore, text: &str) -> Vec<String> {
    store
        .read(|tx| {
            tx.search_patients(&PatientQuery {
                text: Some(text.into()),
                birth_date: None,
                limit: 10,
            })
        })
        .unwrap()
        .into_iter()
        .map(|p| p.record.display_name())
        .collect()
}

fn search_by_name_parts_and_mrn(store: &TestStore) {
    seed(store);
    assert_eq!(
        names(store, "smit"),
        ["Jones, Smitty", "Smith, John", "Smithers, Joan"]
    );
    assert_eq!(names(store, "SMITH"), ["Smith, John", "Smithers, Joan"]);
    assert_eq!(names(store, "Smith, Jo"), ["Smith, John", "Smithers, Joan"]);
    assert_eq!(names(store, "joan smi"), ["Smithers, Joan"]);
    assert_eq!(names(store, "a101"), ["Smithers, Joan"]);
    assert_eq!(names(store, "o'brien_x%"), ["O'Brien_x%, Pat"]);
    assert_eq!(names(store, "o'brien_y"), Vec::<String>::new());
    let by_dob = store
        .read(|tx| {
            tx.search_patients(&PatientQuery {
                text: None,
                birth_date: Some(date!(2001 - 09 - 30)),
                limit: 10,
            })
        })
        .unwrap();
    assert_eq!(by_dob.len(), 1);
    assert_eq!(by_dob[0].record.given_name, "Smitty");
}

backend_tests!(
    search_by_name_parts_and_mrn,
    tolerant_search_finds_misspellings_after_exact_matches,
    identifiers_are_kept_as_sent_and_found_by_value,
    assigned_mrns_are_new_and_never_repeat,
);

fn tolerant(store: &TestStore, text: &str) -> Vec<String> {
    store
        .read(|tx| {
            tx.search_patients_tolerant(&PatientQuery {
                text: Some(text.into()),
                birth_date: None,
                limit: 10,
            })
        })
        .unwrap()
        .into_iter()
        .map(|p| p.record.display_name())
        .collect()
}

fn tolerant_search_finds_misspellings_after_exact_matches(store: &TestStore) {
    seed(store);
    store
        .write(|tx| {
            tx.create(&actor(), &patient("C300", "Johnson", "Katherine"))?;
            tx.create(&actor(), &patient("C301", "Jonsen", "Kathryn"))?;
            Ok(())
        })
        .unwrap();
    // A transposition, a dropped letter and a wrong first letter.
    assert_eq!(
        tolerant(store, "Smtih"),
        ["Smith, John", "Smithers, Joan", "Jones, Smitty"]
    );
    assert_eq!(
        tolerant(store, "jonson"),
        ["Johnson, Katherine", "Jonsen, Kathryn"]
    );
    assert_eq!(tolerant(store, "Xohnson kath"), ["Johnson, Katherine"]);
    // Exact prefix matches come first and are not repeated.
    assert_eq!(
        tolerant(store, "smith"),
        ["Smith, John", "Smithers, Joan", "Jones, Smitty"]
    );
    // Too far, or too short to guess at.
    assert_eq!(tolerant(store, "zzzzzz"), Vec::<String>::new());
    assert_eq!(
        tolerant(store, "sm"),
        ["Jones, Smitty", "Smith, John", "Smithers, Joan"]
    );
}

fn by_identifier(store: &TestStore, system: Option<&str>, value: &str) -> Vec<String> {
    let filter = store::Filter::PatientIdentifier {
        system: system.map(str::to_owned),
        value: value.to_owned(),
        or_mrn: None,
    };
    store
        .read(|tx| tx.search::<records::Patient>(&[filter], &[], 10, 0))
        .unwrap()
        .into_iter()
        .map(|p| p.record.display_name())
        .collect()
}

/// Identifiers are kept as sent and found by value, with or without their system, and a
/// changed or removed identifier no longer finds the patient.
fn identifiers_are_kept_as_sent_and_found_by_value(store: &TestStore) {
    let oid = "urn:oid:2.16.840.1.113883.19.5";
    let mut ann = patient("C1", "Abbott", "Ann");
    ann.identifiers = vec![
        records::PatientIdentifier {
            system: Some(oid.into()),
            value: "Psingle0000014".into(),
            type_code: Some("MR".into()),
            use_: Some("usual".into()),
        },
        records::PatientIdentifier {
            system: None,
            value: "no-system-7".into(),
            type_code: None,
            use_: None,
        },
    ];
    let stored = store.write(|tx| tx.create(&actor(), &ann)).unwrap();
    store
        .write(|tx| tx.create(&actor(), &patient("C2", "Baker", "Bo")))
        .unwrap();
    let read = store
        .read(|tx| tx.get::<records::Patient>(stored.meta.id))
        .unwrap();
    assert_eq!(
        read.record.identifiers, ann.identifiers,
        "kept exactly as sent"
    );
    assert_eq!(
        by_identifier(store, Some(oid), "Psingle0000014"),
        ["Abbott, Ann"]
    );
    assert_eq!(
        by_identifier(store, None, "Psingle0000014"),
        ["Abbott, Ann"]
    );
    assert_eq!(
        by_identifier(store, Some(""), "no-system-7"),
        ["Abbott, Ann"]
    );
    assert!(by_identifier(store, Some(""), "Psingle0000014").is_empty());
    assert!(by_identifier(store, Some("urn:other"), "Psingle0000014").is_empty());

    let mut changed = ann.clone();
    changed.identifiers.truncate(1);
    changed.identifiers[0].value = "Psingle0000015".into();
    store
        .write(|tx| tx.update(&actor(), stored.meta.id, 1, &changed))
        .unwrap();
    assert!(by_identifier(store, None, "Psingle0000014").is_empty());
    assert!(by_identifier(store, None, "no-system-7").is_empty());
    assert_eq!(
        by_identifier(store, None, "Psingle0000015"),
        ["Abbott, Ann"]
    );

    // A lookup by value alone is an index search, so it stays constant-time as the
    // patients grow (SQLite says how it plans; PostgreSQL plans by table statistics).
    let plan = store
        .read(|tx| {
            if tx.dialect() != store::Dialect::Sqlite {
                return Ok(Vec::new());
            }
            let mut plan = tx.query(
                "EXPLAIN QUERY PLAN SELECT patient_id FROM patient_identifiers WHERE value = ?",
                &[store::Value::from("x")],
            )?;
            plan.extend(tx.query(
                "EXPLAIN QUERY PLAN SELECT id FROM patients WHERE mrn = ?",
                &[store::Value::from("x")],
            )?);
            Ok(plan)
        })
        .unwrap();
    for row in &plan {
        let detail = row.text(3).unwrap_or_default();
        assert!(
            detail.contains("USING") && detail.contains("INDEX"),
            "{detail}"
        );
    }
}

/// The facility's MRNs come from one series, skip numbers already on file, and never
/// repeat within or across transactions.
fn assigned_mrns_are_new_and_never_repeat(store: &TestStore) {
    let mut typed_in = patient("M00000002", "Hand", "Typed");
    typed_in.mrn_authority = records::FACILITY_MRN_AUTHORITY.into();
    store.write(|tx| tx.create(&actor(), &typed_in)).unwrap();
    let first = store
        .write(|tx| Ok((tx.assign_mrn()?, tx.assign_mrn()?)))
        .unwrap();
    assert_eq!(
        (first.0.as_str(), first.1.as_str()),
        ("M00000001", "M00000003")
    );
    let rolled_back: store::Result<()> = store.write(|tx| {
        tx.assign_mrn()?;
        Err(store::Error::Conflict("changed my mind".into()))
    });
    assert!(rolled_back.is_err());
    let next = store.write(|tx| tx.assign_mrn()).unwrap();
    assert_eq!(next.as_str(), "M00000004");
}
