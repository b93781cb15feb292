//! Counting one visit: its day, place, age band and syndromes.

use super::*;
use time::macros::{date, datetime};

fn set() -> SyndromeSet {
    SyndromeSet::defaults(&codes::CodeSets::embedded().unwrap()).unwrap()
}

#[test]
fn age_bands_turn_on_the_birthday() {
    assert_eq!(
        age_band(date!(2021 - 03 - 02), date!(2026 - 03 - 01)),
        "00-04"
    );
    assert_eq!(
        age_band(date!(2021 - 03 - 02), date!(2026 - 03 - 02)),
        "05-17"
    );
    assert_eq!(
        age_band(date!(2008 - 06 - 01), date!(2026 - 06 - 01)),
        "18-44"
    );
    assert_eq!(
        age_band(date!(1981 - 06 - 02), date!(2026 - 06 - 01)),
        "18-44"
    );
    assert_eq!(
        age_band(date!(1961 - 06 - 01), date!(2026 - 06 - 01)),
        "65+"
    );
}

#[test]
fn zip3_is_the_first_three_digits_or_unknown() {
    assert_eq!(zip3(Some("02139-4307")), "021");
    assert_eq!(zip3(Some(" 946")), "946");
    assert_eq!(zip3(Some("K1A 0B1")), UNKNOWN_ZIP3);
    assert_eq!(zip3(Some("12")), UNKNOWN_ZIP3);
    assert_eq!(zip3(None), UNKNOWN_ZIP3);
}

#[test]
fn a_visit_is_counted_on_its_utc_admission_day_in_its_syndromes() {
    let set = set();
    let facts = VisitFacts {
        admit_at: Some(datetime!(2026-01-10 23:30 -05:00)),
        status: "finished",
        reason: Some("Fever and cough"),
        birth_date: Some(date!(1990 - 01 - 01)),
        postal_code: Some("02139"),
        codes: vec!["J10.1", "R05.9"],
    };
    let visit = set.classify(&facts).unwrap();
    assert_eq!(visit.day, date!(2026 - 01 - 11));
    assert_eq!(visit.zip3, "021");
    assert_eq!(visit.age_band, "18-44");
    assert_eq!(visit.syndromes, ["ili", "respiratory"]);
    let cancelled = VisitFacts {
        status: "cancelled",
        ..facts.clone()
    };
    assert_eq!(set.classify(&cancelled), None);
    let mut deltas = BTreeMap::new();
    tally(&mut deltas, &visit, 1);
    assert_eq!(deltas.len(), 3, "all, ili, respiratory");
    tally(&mut deltas, &visit, -1);
    assert!(deltas.values().all(|d| *d == 0));
}
