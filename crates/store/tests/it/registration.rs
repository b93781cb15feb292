//! Who a new registration may already be, most alike first.

use crate::fixtures::{actor, patient};
use store::Likeness;
use test_support::{TestStore, backend_tests};
use time::macros::date;

fn duplicates_are_ranked_by_likeness(store: &TestStore) {
    let ids = store
        .write(|tx| {
            let same = tx.create(&actor(), &patient("MRN-1", "Quillfeather", "Odile"))?;
            let typo = tx.create(&actor(), &patient("MRN-2", "Quilfeather", "Odile"))?;
            let mut older = patient("MRN-3", "Quillfeather", "Odile");
            older.birth_date = date!(1950 - 01 - 01);
            let older = tx.create(&actor(), &older)?;
            tx.create(&actor(), &patient("MRN-4", "Unrelated", "Person"))?;
            Ok([same.meta.id, typo.meta.id, older.meta.id])
        })
        .unwrap();
    let found = store
        .read(|tx| tx.possible_duplicates("QUILLFEATHER", "odile", date!(1980 - 04 - 12)))
        .unwrap();
    let ranked: Vec<(i64, Likeness)> = found.iter().map(|(p, l)| (p.meta.id, *l)).collect();
    assert_eq!(
        ranked,
        [
            (ids[0], Likeness::SameNameAndBirthDate),
            (ids[1], Likeness::SimilarNameSameBirthDate),
            (ids[2], Likeness::SimilarName),
        ]
    );
    let nobody = store
        .read(|tx| tx.possible_duplicates("Zzyzx", "Nobody", date!(2001 - 01 - 01)))
        .unwrap();
    assert!(nobody.is_empty());
}

backend_tests!(duplicates_are_ranked_by_likeness);
