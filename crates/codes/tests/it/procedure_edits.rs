//! The procedure coding edits: each rule of `PROCEDURE_RULES` on the lines that raise it,
//! the NCCI pairs and MUEs from the fabricated fixture in the publisher's layouts (imported
//! as a site would), and a damaged import reported, not passed over.

use super::{d, sets};
use codes::{CodeSets, Patient, ProcedureLine, Severity, Sex, System};
use std::path::Path;

fn line(system: System, code: &str, modifiers: &[&str], units: u32, day: &str) -> ProcedureLine {
    ProcedureLine {
        system,
        code: code.to_owned(),
        modifiers: modifiers.iter().map(|m| (*m).to_owned()).collect(),
        units,
        date: d(day),
    }
}

fn rules(sets: &CodeSets, lines: &[ProcedureLine], patient: &Patient) -> Vec<&'static str> {
    let edits = sets.procedure_coding_edits(lines, patient).unwrap();
    for e in &edits {
        assert!(!e.message.is_empty() && !e.source.is_empty(), "{e:?}");
        assert!(
            codes::PROCEDURE_RULES.iter().any(|r| r.id == e.rule),
            "{e:?}"
        );
    }
    edits.into_iter().map(|e| e.rule).collect()
}

fn with_ncci(dir: &Path) -> CodeSets {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/ncci");
    for name in ["ptp-practitioner.txt", "mue-practitioner.csv"] {
        CodeSets::import_ncci(&fixture.join(name), dir).unwrap();
    }
    CodeSets::open(dir).unwrap()
}

#[test]
fn pcs_lines_are_checked_on_their_date_for_the_patient() {
    let day = "2026-01-15";
    let man = Patient {
        sex: Some(Sex::Male),
        age_years: Some(40),
    };
    let woman = Patient {
        sex: Some(Sex::Female),
        age_years: Some(40),
    };
    let appendectomy = line(System::Icd10Pcs, "0DTJ4ZZ", &[], 1, day);
    assert!(rules(sets(), std::slice::from_ref(&appendectomy), &man).is_empty());
    // A hysterectomy for a man: the MCE sex edit, with the MCE as its source.
    let hysterectomy = line(System::Icd10Pcs, "0UT90ZZ", &[], 1, day);
    let edits = sets()
        .procedure_coding_edits(&[appendectomy.clone(), hysterectomy.clone()], &man)
        .unwrap();
    assert_eq!(edits.len(), 1, "{edits:#?}");
    assert_eq!(edits[0].rule, "procedure-sex-age");
    assert_eq!(edits[0].codes, ["0UT90ZZ"]);
    assert!(
        edits[0].source.contains("Medicare Code Editor"),
        "{edits:?}"
    );
    assert!(rules(sets(), &[hysterectomy], &woman).is_empty());
    // No table row allows it; a stem is not a code.
    assert_eq!(
        rules(
            sets(),
            &[line(System::Icd10Pcs, "0DTJ4ZX", &[], 1, day)],
            &man
        ),
        ["procedure-invalid"]
    );
    assert_eq!(
        rules(sets(), &[line(System::Icd10Pcs, "0DT", &[], 1, day)], &man),
        ["procedure-invalid"]
    );
    // The same code twice on one day: a warning to confirm, not an error.
    let edits = sets()
        .procedure_coding_edits(&[appendectomy.clone(), appendectomy], &man)
        .unwrap();
    assert_eq!(edits.len(), 1);
    assert_eq!(
        (edits[0].rule, edits[0].severity),
        ("procedure-duplicate", Severity::Warning)
    );
}

#[test]
fn hcpcs_is_checked_against_the_release_in_force() {
    let p = Patient::default();
    assert!(
        rules(
            sets(),
            &[line(System::Hcpcs, "G0008", &[], 1, "2026-01-15")],
            &p
        )
        .is_empty()
    );
    assert_eq!(
        rules(
            sets(),
            &[line(System::Hcpcs, "Z9999", &[], 1, "2026-01-15")],
            &p
        ),
        ["procedure-invalid"]
    );
}

#[test]
fn ncci_pairs_and_mues_come_from_the_imported_files() {
    let dir = tempfile::tempdir().unwrap();
    let sets = with_ncci(dir.path());
    let p = Patient::default();
    let day = "2026-03-02";
    // Indicator 0: never together; found on the column two code.
    let edits = sets
        .procedure_coding_edits(
            &[
                line(System::Cpt, "29881", &[], 1, day),
                line(System::Cpt, "29880", &[], 1, day),
            ],
            &p,
        )
        .unwrap();
    assert_eq!(edits.len(), 1, "{edits:#?}");
    assert_eq!(
        (edits[0].rule, edits[0].codes.as_slice()),
        ("ncci-ptp", &["29880".to_owned()][..])
    );
    assert!(edits[0].source.contains("NCCI"), "{edits:?}");
    // Indicator 1: an NCCI-associated modifier says the services were distinct.
    let pair = |m: &[&str]| {
        rules(
            &sets,
            &[
                line(System::Cpt, "11042", &[], 1, day),
                line(System::Cpt, "97597", m, 1, day),
            ],
            &p,
        )
    };
    assert_eq!(pair(&[]), ["ncci-ptp"]);
    assert!(pair(&["59"]).is_empty());
    // Units over the MUE: per line (MAI 1) and the day's lines together (MAI 2).
    assert_eq!(
        rules(&sets, &[line(System::Cpt, "97597", &[], 2, day)], &p),
        ["mue"]
    );
    assert_eq!(
        rules(
            &sets,
            &[
                line(System::Cpt, "20610", &["RT"], 2, day),
                line(System::Cpt, "20610", &["LT"], 1, day),
            ],
            &p
        ),
        ["mue"]
    );
    // Different days: no pair.
    assert!(
        rules(
            &sets,
            &[
                line(System::Cpt, "29881", &[], 1, day),
                line(System::Cpt, "29880", &[], 1, "2026-03-03"),
            ],
            &p
        )
        .is_empty()
    );
}

#[test]
fn a_damaged_ncci_import_is_a_warning_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    with_ncci(dir.path());
    let kept = std::fs::read_dir(dir.path().join(codes::NCCI_DIR))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::write(&kept, b"not gzip").unwrap();
    let sets = CodeSets::open(dir.path()).unwrap();
    let edits = sets
        .procedure_coding_edits(
            &[line(System::Cpt, "29881", &[], 1, "2026-03-02")],
            &Patient::default(),
        )
        .unwrap();
    assert_eq!(edits.len(), 1, "{edits:#?}");
    assert_eq!(
        (edits[0].rule, edits[0].severity),
        ("ncci-unreadable", Severity::Warning)
    );
    assert!(edits[0].message.contains("not checked"), "{edits:?}");
}
