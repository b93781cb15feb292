//! Validation: existence, billable, children, and sex/age edits.

use super::{d, sets};
use codes::{EditKind, Patient, Sex, System};

#[test]
fn header_lists_billable_children() {
    let v = sets()
        .validate(
            System::Icd10Cm,
            "e11.2",
            d("2026-01-15"),
            &Patient::default(),
        )
        .unwrap();
    assert!(v.exists && !v.billable && !v.valid);
    assert!(v.billable_children.iter().any(|c| c.code == "E11.21"));
}

#[test]
fn seventh_character_needed() {
    let v = sets()
        .validate(
            System::Icd10Cm,
            "S72.001",
            d("2026-01-15"),
            &Patient::default(),
        )
        .unwrap();
    assert!(!v.billable);
    assert!(v.problems.iter().any(|p| p.contains("7th character")));
    assert!(
        sets()
            .validate(
                System::Icd10Cm,
                "S72.001A",
                d("2026-01-15"),
                &Patient::default()
            )
            .unwrap()
            .valid
    );
}

#[test]
fn maternity_and_sex_edits() {
    let male40 = Patient {
        sex: Some(Sex::Male),
        age_years: Some(40),
    };
    let v = sets()
        .validate(System::Icd10Cm, "O80", d("2026-01-15"), &male40)
        .unwrap();
    assert!(!v.valid);
    assert!(
        v.edits
            .iter()
            .any(|e| e.kind == EditKind::FemaleOnly && e.conflict)
    );
    let female30 = Patient {
        sex: Some(Sex::Female),
        age_years: Some(30),
    };
    assert!(
        sets()
            .validate(System::Icd10Cm, "O80", d("2026-01-15"), &female30)
            .unwrap()
            .valid
    );
    let female70 = Patient {
        sex: Some(Sex::Female),
        age_years: Some(70),
    };
    let v = sets()
        .validate(System::Icd10Cm, "O80", d("2026-01-15"), &female70)
        .unwrap();
    assert!(
        v.edits
            .iter()
            .any(|e| e.kind == EditKind::Maternity && e.conflict)
    );
    // Male-only diagnosis (MCE 5C): N40.0 benign prostatic hyperplasia.
    let v = sets()
        .validate(System::Icd10Cm, "N40.0", d("2026-01-15"), &female30)
        .unwrap();
    assert!(
        v.edits
            .iter()
            .any(|e| e.kind == EditKind::MaleOnly && e.conflict)
    );
    // Newborn-only: A33 tetanus neonatorum, patient 40.
    let v = sets()
        .validate(System::Icd10Cm, "A33", d("2026-01-15"), &male40)
        .unwrap();
    assert!(
        v.edits
            .iter()
            .any(|e| e.kind == EditKind::Newborn && e.conflict)
    );
    assert!(!v.edits[0].source.is_empty());
}

#[test]
fn unknown_codes() {
    let v = sets()
        .validate(
            System::Icd10Cm,
            "E11.99999",
            d("2026-01-15"),
            &Patient::default(),
        )
        .unwrap();
    assert!(!v.exists);
    let v = sets()
        .validate(System::Hcpcs, "X9999", d("2026-01-15"), &Patient::default())
        .unwrap();
    assert!(!v.exists);
}

/// Without a licensed CPT file a CPT code is accepted on its shape, marked as such, never
/// refused for want of a release; the search says why it has nothing.
#[test]
fn cpt_without_a_licensed_file_is_format_checked() {
    let v = sets()
        .validate(System::Cpt, "99213", d("2019-03-04"), &Patient::default())
        .unwrap();
    assert!(v.valid && v.format_only, "{v:?}");
    assert_eq!(v.release, "CPT not loaded: format checked only");
    for code in ["0001f", "0042T", "0001U"] {
        let v = sets()
            .validate(System::Cpt, code, d("2026-01-15"), &Patient::default())
            .unwrap();
        assert!(v.valid, "{code}: {v:?}");
    }
    assert_eq!(
        sets()
            .validate(System::Cpt, "0001f", d("2026-01-15"), &Patient::default())
            .unwrap()
            .code,
        "0001F"
    );
    for code in ["9921", "992134", "9921X", "E11.9"] {
        let v = sets()
            .validate(System::Cpt, code, d("2026-01-15"), &Patient::default())
            .unwrap();
        assert!(!v.valid && v.format_only, "{code}: {v:?}");
        assert!(
            v.problems[0].contains("not shaped like a CPT code"),
            "{v:?}"
        );
    }
    let why = sets()
        .search(System::Cpt, "office visit", d("2026-01-15"), 10)
        .unwrap_err();
    assert!(matches!(why, codes::Error::CptNotLoaded), "{why}");
    assert!(why.to_string().contains("format only"), "{why}");
}

#[test]
fn age_from_birth_date() {
    let p = Patient::with_birth_date(None, d("2000-06-15"), d("2026-06-14"));
    assert_eq!(p.age_years, Some(25));
}
