//! Unit tests for the search index on a toy corpus.

use super::*;

fn toy() -> SearchIndex {
    let docs = vec![
        Doc {
            target: 0,
            text: "Type 2 diabetes mellitus with diabetic nephropathy".into(),
            source: Source::Title,
            rank: 1,
        },
        Doc {
            target: 1,
            text: "Type 2 diabetes mellitus without complications".into(),
            source: Source::Title,
            rank: 2,
        },
        Doc {
            target: 2,
            text: "Essential (primary) hypertension".into(),
            source: Source::Title,
            rank: 3,
        },
        Doc {
            target: 2,
            text: "High blood pressure".into(),
            source: Source::Synonym,
            rank: 3,
        },
    ];
    SearchIndex::build(
        docs,
        vec![("E1121".into(), 0), ("E119".into(), 1), ("I10".into(), 2)],
    )
}

#[test]
fn prefix_multiword() {
    let ix = toy();
    let h = ix.search("diab mell neph", 5);
    assert_eq!(h.first().map(|h| h.target), Some(0));
    // A document missing a word ranks lower instead of disappearing.
    assert_eq!(h.len(), 2);
    assert!(h[0].score > h[1].score);
}

#[test]
fn typo_and_synonym() {
    let ix = toy();
    assert_eq!(
        ix.search("hypertenson", 5).first().map(|h| h.target),
        Some(2)
    );
    let h = ix.search("blood press", 5);
    assert_eq!(h.first().map(|h| h.target), Some(2));
    assert!(h.first().and_then(|h| h.matched.clone()).is_some());
}

#[test]
fn code_prefix() {
    let ix = toy();
    let h = ix.search("e11", 5);
    assert_eq!(h.len(), 2);
    assert_eq!(ix.search("E11.21", 5).first().map(|h| h.target), Some(0));
}

#[test]
fn osa_distance() {
    let c = |s: &str| s.chars().collect::<Vec<_>>();
    assert_eq!(damerau(&c("diabetis"), &c("diabetes")), 1);
    assert_eq!(damerau(&c("hepr"), &c("herp")), 1);
    assert_eq!(damerau(&c("abc"), &c("abc")), 0);
}

#[test]
fn plurals_fold_and_selectors_only_rank() {
    let ix = toy();
    assert_eq!(
        ix.query_words("both nephropathies"),
        ["bilateral", "nephropathy"]
    );
    // "left" matches nothing here and must not remove the match on the condition.
    let h = ix.search("hypertension left", 5);
    assert_eq!(h.first().map(|h| h.target), Some(2));
}
