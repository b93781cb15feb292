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

/// The slips a registration desk makes, each still finding the chart on file.
fn desk_slips_still_find_the_chart(store: &TestStore) {
    let on_file = store
        .write(|tx| {
            let mut born = patient("MRN-10", "Thornbury", "Margaret");
            born.birth_date = date!(1961 - 09 - 30);
            let id = tx.create(&actor(), &born)?.meta.id;
            // Others who share one name, so the look-ups have rows to pass over.
            for (n, (family, given)) in [("Thornbury", "Walter"), ("Ashby", "Margaret")]
                .into_iter()
                .enumerate()
            {
                tx.create(&actor(), &patient(&format!("MRN-2{n}"), family, given))?;
            }
            Ok(id)
        })
        .unwrap();
    let finds = |family: &str, given: &str, born| {
        store
            .read(|tx| tx.possible_duplicates(family, given, born))
            .unwrap()
            .into_iter()
            .map(|(p, likeness)| (p.meta.id, likeness))
            .collect::<Vec<_>>()
    };
    let other_day = date!(1961 - 10 - 01);
    // Given name mistyped, another birth date: found by the family name.
    assert!(finds("Thornbury", "Margret", other_day).contains(&(on_file, Likeness::SimilarName)));
    // Family name mistyped: found by the given name.
    assert!(finds("Thornbery", "Margaret", other_day).contains(&(on_file, Likeness::SimilarName)));
    // Given and family swapped.
    assert!(finds("Margaret", "Thornbury", other_day).contains(&(on_file, Likeness::SimilarName)));
    // Both names mistyped: only the birth date finds it.
    assert_eq!(
        finds("Thornberry", "Margret", date!(1961 - 09 - 30)),
        [(on_file, Likeness::SimilarNameSameBirthDate)]
    );
    assert!(finds("Thornberry", "Margret", other_day).is_empty());
    // Nothing alike: the other Thornbury and the other Margaret are not listed.
    assert!(finds("Thornbury", "Xavier", other_day).is_empty());
    assert!(finds("Quist", "Margaret", other_day).is_empty());
}

backend_tests!(
    duplicates_are_ranked_by_likeness,
    desk_slips_still_find_the_chart
);
