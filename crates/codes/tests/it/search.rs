//! Search quality on the full ICD-10-CM set.

use super::{d, sets};
use codes::System;

fn top(q: &str, k: usize) -> Vec<String> {
    sets()
        .search(System::Icd10Cm, q, d("2026-01-15"), k)
        .unwrap()
        .into_iter()
        .map(|h| h.code)
        .collect()
}

#[test]
fn abbreviated_multiword() {
    let t = top("diab mell neph", 5);
    assert!(t.iter().take(3).any(|c| c == "E11.21"), "{t:?}");
}

#[test]
fn typo_tolerant() {
    let t = top("diabetis type 2 nephropathy", 5);
    assert!(t.contains(&"E11.21".to_string()), "{t:?}");
    let t = top("essentail hypertenson", 5);
    assert!(t.contains(&"I10".to_string()), "{t:?}");
}

#[test]
fn code_queries_normalise() {
    assert_eq!(top("e11.21", 1), ["E11.21"]);
    assert_eq!(top("E1121", 1), ["E11.21"]);
    let t = top("E11.2", 5);
    assert_eq!(t[0], "E11.2");
    assert!(t.iter().all(|c| c.starts_with("E11.2")));
}

#[test]
fn billable_first_and_index_terms() {
    let hits = sets()
        .search(
            System::Icd10Cm,
            "essential hypertension",
            d("2026-01-15"),
            5,
        )
        .unwrap();
    assert_eq!(hits[0].code, "I10");
    assert!(hits[0].billable);
    // An inclusion term / index term reaches its code.
    let t = top("high blood pressure", 5);
    assert!(t.contains(&"I10".to_string()), "{t:?}");
}

#[test]
fn other_systems() {
    let h = sets()
        .search(System::Hcpcs, "dressing wound", d("2026-02-01"), 5)
        .unwrap();
    assert!(!h.is_empty());
    let c = sets()
        .search(System::Cvx, "influenza", d("2026-02-01"), 5)
        .unwrap();
    assert!(!c.is_empty());
    let p = sets()
        .search(
            System::Icd10Pcs,
            "bypass cerebral ventricle nasopharynx",
            d("2026-02-01"),
            5,
        )
        .unwrap();
    assert!(p.iter().any(|h| h.code.starts_with("00160")), "{p:?}");
}

#[test]
fn index_terms_searchable() {
    let hits = sets().search_index("diab neph", 10).unwrap();
    assert!(
        hits.iter()
            .any(|h| h.path.starts_with("Diabetes") && h.code == "E11.21"),
        "{hits:?}"
    );
    let drug = sets().search_index("acetaminophen", 5).unwrap();
    let d = drug
        .iter()
        .find(|h| h.kind == codes::index::IndexKind::Drugs)
        .unwrap();
    assert!(
        d.cells
            .iter()
            .any(|(head, code)| head.contains("Accidental") && code.starts_with("T39.1X1"))
    );
    let neo = sets().search_index("neoplasm lung", 5).unwrap();
    assert!(
        neo.iter()
            .any(|h| h.kind == codes::index::IndexKind::Neoplasm)
    );
}
