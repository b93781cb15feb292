//! The abbreviation table: every meaning listed, one expansion at most, and the expanded
//! condition meanings reach a code through the encoder.

use super::*;
use crate::{CodeSets, EncodeRequest};

#[test]
fn ms_has_every_meaning_and_is_never_guessed() {
    let ms: Vec<&str> = meanings("MS").iter().map(|m| m.meaning).collect();
    assert_eq!(
        ms,
        [
            "multiple sclerosis",
            "mitral stenosis",
            "morphine sulfate",
            "musculoskeletal"
        ]
    );
    assert_eq!(expansion("ms"), None);
    assert!(ambiguous("ms").is_some());
    assert_eq!(
        expansion("copd"),
        Some("chronic obstructive pulmonary disease")
    );
    assert!(meanings("zzz").is_empty());
}

#[test]
fn at_most_one_expansion_each_and_every_expanded_condition_encodes() {
    let sets = CodeSets::embedded().unwrap();
    let dos = crate::parse_date("2026-01-15").unwrap();
    let mut failed = Vec::new();
    for (abbreviation, all) in table() {
        assert!(
            all.iter().filter(|m| m.expands).count() <= 1,
            "{abbreviation}"
        );
        let Some(m) = all.iter().find(|m| m.expands && m.kind == "condition") else {
            continue;
        };
        let req = EncodeRequest {
            statement: abbreviation.to_string(),
            ..EncodeRequest::default()
        };
        let encoded = sets.encode(&req, dos).unwrap();
        if encoded.codes.is_empty() {
            failed.push(format!("{abbreviation} ({})", m.meaning));
        }
    }
    failed.sort();
    assert!(failed.is_empty(), "no code for {failed:?}");
}
