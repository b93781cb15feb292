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

backend_tests!(search_by_name_parts_and_mrn);
