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
    tolerant_search_finds_misspellings_after_exact_matches
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
