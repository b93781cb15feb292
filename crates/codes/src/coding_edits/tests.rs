//! Each rule of the table, one line per case: codes as listed, the patient, the rules that
//! must fire (and no others).

use super::*;
use crate::edits::Sex;

fn sets() -> &'static CodeSets {
    static SETS: std::sync::OnceLock<CodeSets> = std::sync::OnceLock::new();
    SETS.get_or_init(|| CodeSets::embedded().unwrap())
}

fn check(codes: &[&str], patient: Patient, want: &[&str]) {
    let dos = crate::release::parse_date("2026-01-15").unwrap();
    let got = sets().coding_edits(codes, dos, &patient).unwrap();
    let mut ids: Vec<&str> = got.iter().map(|e| e.rule).collect();
    ids.dedup();
    assert_eq!(ids, want, "{codes:?}: {got:#?}");
    for e in &got {
        assert!(!e.source.is_empty() && !e.message.is_empty(), "{e:?}");
    }
}

fn nobody() -> Patient {
    Patient::default()
}

#[test]
fn clean_encounter_has_no_edits() {
    check(&["E11.22", "N18.30"], nobody(), &[]);
    check(&["I10"], nobody(), &[]);
}

#[test]
fn invalid_and_header_codes() {
    check(&["Q99.99"], nobody(), &["invalid-code"]);
    check(&["E11"], nobody(), &["not-billable"]);
    // A 7th character is missing.
    check(&["S93.402"], nobody(), &["not-billable"]);
    // A chapter number is not a code.
    check(&["4"], nobody(), &["invalid-code"]);
}

#[test]
fn duplicates_in_any_spelling() {
    check(&["I10", "i10"], nobody(), &["duplicate"]);
}

#[test]
fn excludes1_pair_is_flagged() {
    // E11 Excludes1 type 1 diabetes mellitus (E10.-).
    check(&["E11.9", "E10.9"], nobody(), &["excludes1-pair"]);
}

#[test]
fn manifestation_first_or_alone() {
    // G63: polyneuropathy in diseases classified elsewhere (code first the underlying
    // disease).
    check(
        &["G63"],
        nobody(),
        &["manifestation-first", "code-first-missing"],
    );
    check(&["E85.1", "G63"], nobody(), &[]);
}

#[test]
fn use_additional_code_partner_missing() {
    check(&["E11.22"], nobody(), &["use-additional-missing"]);
    // E11.22 asks for the stage of chronic kidney disease (N18.1-N18.6): N18.9 is not one.
    check(&["E11.22", "N18.9"], nobody(), &["use-additional-missing"]);
}

#[test]
fn external_cause_never_first() {
    check(
        &["W19.XXXA", "S72.001A"],
        nobody(),
        &["external-cause-first"],
    );
}

#[test]
fn sex_and_age_conflicts() {
    let male = Patient {
        sex: Some(Sex::Male),
        age_years: Some(40),
    };
    check(&["O80", "Z37.0"], male, &["mce-sex-age"]);
}

#[test]
fn note_ranges() {
    assert_eq!(
        code_ranges("endocrine disease (E00-E07, E15-E16); stage (N18.1-N18.6); (E10.-); I50.9"),
        [
            ("E00".to_string(), "E07".to_string()),
            ("E15".into(), "E16".into()),
            ("N181".into(), "N186".into()),
            ("E10".into(), "E10".into()),
            ("I509".into(), "I509".into()),
        ]
    );
    let r = code_ranges("(N18.1-N18.6)");
    assert!(under("N1830", &r) && under("N186", &r) && !under("N189", &r));
}

#[test]
fn excludes1_restricted_to_a_seventh_character() {
    // S91 Excludes1 open fracture (S92.- with 7th character B): a closed fracture may go with
    // the open wound, the open fracture may not.
    check(&["S91.001A", "S92.001A"], nobody(), &[]);
    check(&["S91.001A", "S92.001B"], nobody(), &["excludes1-pair"]);
}

#[test]
fn excludes1_restricted_to_characters_after_the_dot() {
    // G63 Excludes1 diabetes mellitus (E08-E13 with .42): E11.42 already says polyneuropathy.
    check(
        &["E11.42", "G63"],
        nobody(),
        &["excludes1-pair", "code-first-missing"],
    );
    check(&["E11.9", "G63"], nobody(), &["code-first-missing"]);
}
