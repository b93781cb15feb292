//! Typed search filters (the FHIR search's store API): comparisons, lists, folded name
//! prefixes, sorting, paging and counts, on both backends.

use crate::fixtures::{actor, patient};
use records::{AdministrativeSex, Patient};
use store::{Filter, Op, Sort, Value, fold_name};
use test_support::{TestStore, backend_tests};
use time::macros::date;

fn seed(store: &TestStore) {
    store
        .write(|tx| {
            let names = [
                ("F1", "Müller", "Zoë"),
                ("F2", "MULLER", "Anna"),
                ("F3", "Mullins", "Åsa"),
                ("F4", "Ørsted", "Björn"),
                ("F5", "Strauß", "Çelik"),
                ("F6", "O'Brien_x%", "Pat"),
            ];
            for (idx, (mrn, family, given)) in names.iter().enumerate() {
                let mut record = patient(mrn, family, given);
                record.birth_date = date!(1980 - 01 - 01) + time::Duration::days(idx as i64 * 400);
                if idx % 2 == 1 {
                    record.sex = AdministrativeSex::Male;
                }
                tx.create(&actor(), &record)?;
            }
            Ok(())
        })
        .unwrap();
}

fn family(store: &TestStore, filters: &[Filter], sort: &[Sort]) -> Vec<String> {
    store
        .read(|tx| tx.search::<Patient>(filters, sort, 100, 0))
        .unwrap()
        .into_iter()
        .map(|p| p.record.family_name)
        .collect()
}

fn folded_name_prefixes_ignore_case_and_accents(store: &TestStore) {
    seed(store);
    let by_family = |prefix: &str| {
        family(
            store,
            &[Filter::NamePrefix("family_key", prefix.into())],
            &[Sort("id", false)],
        )
    };
    assert_eq!(by_family("mull"), ["Müller", "MULLER", "Mullins"]);
    assert_eq!(by_family("MÜLLER"), ["Müller", "MULLER"]);
    assert_eq!(by_family("orst"), ["Ørsted"]);
    assert_eq!(by_family("strauss"), ["Strauß"]);
    assert_eq!(by_family("o'brien_x%"), ["O'Brien_x%"]);
    assert_eq!(by_family("o'brien_y"), Vec::<String>::new());
    assert_eq!(by_family("%"), Vec::<String>::new());
    let given = family(
        store,
        &[Filter::Any(vec![
            Filter::NamePrefix("given_key", "zoe".into()),
            Filter::NamePrefix("given_key", "asa".into()),
            Filter::NamePrefix("given_key", "celik".into()),
        ])],
        &[Sort("family_key", true)],
    );
    assert_eq!(given, ["Strauß", "Mullins", "Müller"]);
    assert_eq!(fold_name("ZOË Ærø"), "zoe aero");
    // Any text column by a case-insensitive prefix, wildcards taken literally.
    let by_text = |prefix: &str| {
        family(
            store,
            &[Filter::TextPrefix("family_name", prefix.into())],
            &[Sort("id", false)],
        )
    };
    assert_eq!(by_text("MULL"), ["MULLER", "Mullins"]);
    assert_eq!(by_text("o'brien_x"), ["O'Brien_x%"]);
    assert_eq!(by_text("o'brien%"), Vec::<String>::new());
}

fn every_folded_letter_matches_the_stored_key(store: &TestStore) {
    // Each accented letter, upper and lower case, stored as a family name, is found by
    // its folded spelling: the key the store writes and the search term fold alike.
    let letters = "àáâãäåæçèéêëìíîïñòóôõöøœùúûüýÿßłšžčćřěńśźżąęğşÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØŒÙÚÛÜÝŸŁŠŽČĆŘĚŃŚŹŻĄĘĞŞ";
    store
        .write(|tx| {
            for (idx, letter) in letters.chars().enumerate() {
                let family = format!("X{letter}q");
                tx.create(&actor(), &patient(&format!("L{idx}"), &family, "Test"))?;
            }
            Ok(())
        })
        .unwrap();
    for letter in letters.chars() {
        let folded = fold_name(&format!("x{letter}q"));
        assert!(folded.is_ascii(), "{letter} folds to {folded}");
        let found = family(
            store,
            &[Filter::NamePrefix("family_key", folded.clone())],
            &[],
        );
        assert!(
            found.contains(&format!("X{letter}q")),
            "{letter} as {folded}: {found:?}"
        );
    }
}

fn comparisons_lists_paging_and_counts(store: &TestStore) {
    seed(store);
    let born_after = [Filter::Compare(
        "birth_date",
        Op::Ge,
        Value::Date(date!(1982 - 01 - 01)),
    )];
    let found = family(store, &born_after, &[Sort("birth_date", false)]);
    assert_eq!(found, ["Mullins", "Ørsted", "Strauß", "O'Brien_x%"]);
    let count = store.read(|tx| tx.count::<Patient>(&born_after)).unwrap();
    assert_eq!(count, 4);
    let page = store
        .read(|tx| tx.search::<Patient>(&born_after, &[Sort("birth_date", true)], 2, 1))
        .unwrap();
    let page: Vec<_> = page.into_iter().map(|p| p.record.family_name).collect();
    assert_eq!(page, ["Strauß", "Ørsted"]);
    let males = [
        Filter::Compare("sex", Op::Eq, Value::from("male")),
        Filter::In(
            "mrn",
            vec![Value::from("F2"), Value::from("F3"), Value::from("F4")],
        ),
    ];
    assert_eq!(family(store, &males, &[]), ["MULLER", "Ørsted"]);
    assert!(family(store, &[Filter::In("mrn", vec![])], &[]).is_empty());
    assert!(family(store, &[Filter::Any(vec![])], &[]).is_empty());
    assert_eq!(
        family(store, &[Filter::IsNull("deceased_date")], &[]).len(),
        6
    );
    // A deleted record is neither found nor counted.
    let first = store
        .read(|tx| tx.search::<Patient>(&[], &[Sort("id", false)], 1, 0))
        .unwrap()
        .remove(0);
    store
        .write(|tx| tx.delete::<Patient>(&actor(), first.meta.id, 1, "duplicate"))
        .unwrap();
    assert_eq!(store.read(|tx| tx.count::<Patient>(&[])).unwrap(), 5);
    // Column names are checked, never pasted into SQL unseen.
    let bad = store.read(|tx| tx.count::<Patient>(&[Filter::IsNull("1=1; DROP TABLE x")]));
    assert!(bad.is_err());
    let bad = store.read(|tx| tx.search::<Patient>(&[], &[Sort("nope", false)], 1, 0));
    assert!(bad.is_err());
}

backend_tests!(
    folded_name_prefixes_ignore_case_and_accents,
    every_folded_letter_matches_the_stored_key,
    comparisons_lists_paging_and_counts,
);
