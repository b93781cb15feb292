//! Unit tests for index cross-references on a toy index.

use super::*;
use crate::index::{IndexKind, Term};

fn term(
    level: u8,
    title: &str,
    see: &str,
    see_also: &str,
    code: &str,
    parent: Option<u32>,
) -> Term {
    Term {
        level,
        title: title.into(),
        nemod: String::new(),
        see: see.into(),
        see_also: see_also.into(),
        code: code.into(),
        cells: Vec::new(),
        parent,
    }
}

fn toy() -> Index {
    Index {
        kind: IndexKind::Diseases,
        headings: Vec::new(),
        terms: vec![
            term(0, "Conjunctivitis", "", "", "H10.9", None),
            term(1, "acute", "", "", "H10.3-", Some(0)),
            term(2, "mucopurulent", "", "", "H10.02-", Some(1)),
            term(0, "Pink", "", "", "", None),
            term(
                1,
                "eye",
                "Conjunctivitis, acute, mucopurulent",
                "",
                "",
                Some(3),
            ),
            term(0, "Cancer", "", "Neoplasm, by site, malignant", "", None),
            term(0, "Infection, infected, infective", "", "", "B99.9", None),
            term(1, "bladder", "Cystitis", "", "", Some(6)),
            term(0, "Cystitis", "", "", "N30.90", None),
            term(0, "Loop", "Loop", "", "", None),
        ],
    }
}

#[test]
fn see_reference_leads_to_the_named_subterm_code() {
    let ix = toy();
    let m = MainTerms::build(&ix);
    assert_eq!(m.code_of(&ix, 4).map(|c| c.0), Some("H10.02-"));
    assert_eq!(m.code_of(&ix, 7).map(|c| c.0), Some("N30.90"));
}

#[test]
fn variants_and_instructions() {
    let ix = toy();
    let m = MainTerms::build(&ix);
    assert_eq!(m.main("infection"), Some(6));
    // Only the first word group names a main term: "Altitude, high" is not "High".
    assert_eq!(m.main("infective"), None);
    // "by site" sends the coder to the Neoplasm Table: no code, no guess.
    assert_eq!(m.code_of(&ix, 5), None);
    // A reference to itself stops after the hop cap.
    assert_eq!(m.code_of(&ix, 9), None);
}

#[test]
fn search_path_parenthesises_variants() {
    let ix = toy();
    assert_eq!(
        search_path(&ix, 7),
        "Infection (infected infective) bladder"
    );
}
