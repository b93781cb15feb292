//! ICD-10-PCS validation against table rows and descriptions from the axes.

use super::{d, sets};

#[test]
fn valid_code_description() {
    let r = sets().icd10pcs(d("2026-01-01")).unwrap();
    let c = r.validate("0016070").unwrap();
    assert_eq!(
        c.description,
        "Medical and Surgical, Central Nervous System and Cranial Nerves, Bypass, Cerebral Ventricle, Open, Autologous Tissue Substitute, Nasopharynx"
    );
    assert_eq!(c.axes[4].0, "Approach");
    assert!(r.is_valid_packed(codes::pack("0016070").unwrap()));
}

#[test]
fn invalid_combinations_name_the_axis() {
    let r = sets().icd10pcs(d("2026-01-01")).unwrap();
    // Qualifier 9 is not in any row of table 001.
    let e = r.validate("0016079").unwrap_err();
    assert!(e.contains("qualifier"), "{e}");
    assert!(r.validate("ZZZ0000").unwrap_err().contains("no table"));
    assert!(r.validate("00160").is_err());
}

#[test]
fn every_expanded_code_validates() {
    let r = sets().icd10pcs(d("2026-01-01")).unwrap();
    let mut n = 0;
    for p in r.valid_codes() {
        assert!(r.validate(&codes::unpack(p)).is_ok());
        n += 1;
    }
    assert_eq!(n, 79_115);
}
