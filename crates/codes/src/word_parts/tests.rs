//! Unit tests for splitting terms into word parts.

use super::{PartKind, split_word, word_parts};

fn parts(word: &str, compounds: bool) -> Vec<&'static str> {
    split_word(word, compounds)
        .unwrap_or_default()
        .iter()
        .map(|p| p.part)
        .collect()
}

#[test]
fn cholecystectomy_splits_into_chole_cyst_ectomy() {
    assert_eq!(parts("cholecystectomy", false), ["chole", "cyst", "ectomy"]);
    // The builder reads the organ whole.
    assert_eq!(parts("cholecystectomy", true), ["cholecyst", "ectomy"]);
}

#[test]
fn linking_vowels_join_parts() {
    assert_eq!(
        parts("esophagogastroduodenoscopy", false),
        ["esophag", "gastr", "duoden", "scopy"]
    );
    assert_eq!(parts("arthrodesis", false), ["arthr", "desis"]);
    assert_eq!(parts("appendectomy", false), ["append", "ectomy"]);
}

#[test]
fn unknown_words_are_not_split() {
    assert!(split_word("zzzectomyq", false).is_none());
    assert!(split_word("", false).is_none());
    assert!(split_word("hello", false).is_none());
}

#[test]
fn every_line_of_the_table_is_read() {
    let table = include_str!("../../../../data/codes/word-parts.tsv");
    let lines = table
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .count();
    assert_eq!(word_parts().len(), lines);
    assert!(word_parts().iter().any(|p| p.kind == PartKind::Suffix));
}
