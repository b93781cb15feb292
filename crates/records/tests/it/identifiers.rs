//! MRN and NPI rules, and ICD-10-CM code normalisation.

use records::{Mrn, Npi, normalize_icd10cm};

#[test]
fn npi_check_digit() {
    // CMS's worked example: 123456789 has check digit 3.
    assert_eq!(Npi::parse("1234567893").unwrap().to_string(), "1234567893");
    for (text, expected) in [
        (
            "1234567890",
            "NPI \"1234567890\" fails its check digit (expected 3 in the last place)",
        ),
        ("123456789", "NPI \"123456789\" must be exactly 10 digits"),
        ("12345678AB", "NPI \"12345678AB\" must be exactly 10 digits"),
        ("", "NPI \"\" must be exactly 10 digits"),
    ] {
        assert_eq!(Npi::parse(text).unwrap_err(), expected, "{text}");
    }
    for base in [0, 1, 123_456_789, 999_999_999, 42] {
        let npi = Npi::from_base(base);
        assert_eq!(
            Npi::parse(&npi.to_string()).unwrap(),
            npi,
            "synthetic NPIs are valid"
        );
    }
}

#[test]
fn mrn_rules() {
    assert_eq!(Mrn::parse(" ab-12 ").unwrap().as_str(), "AB-12");
    assert_eq!(Mrn::parse("").unwrap_err(), "MRN is empty");
    assert_eq!(
        Mrn::parse("A B").unwrap_err(),
        "MRN \"A B\" contains ' '; only letters, digits and '-' are allowed"
    );
    assert!(
        Mrn::parse(&"9".repeat(21))
            .unwrap_err()
            .contains("longer than 20")
    );
    let json = serde_json::to_string(&Mrn::parse("x1").unwrap()).unwrap();
    assert_eq!(json, "\"X1\"");
    assert!(
        serde_json::from_str::<Mrn>("\"bad mrn\"").is_err(),
        "invalid MRNs cannot be deserialized either"
    );
}

#[test]
fn icd10cm_normalisation() {
    for (input, expected) in [
        ("e119", "E11.9"),
        ("E11.9", "E11.9"),
        (" i10 ", "I10"),
        ("s93401a", "S93.401A"),
        ("Z00.00", "Z00.00"),
    ] {
        assert_eq!(normalize_icd10cm(input).unwrap(), expected, "{input}");
    }
    for bad in ["", "11.9", "E", "EE1.9", "E11.9999999", "E11-9"] {
        assert!(normalize_icd10cm(bad).is_err(), "{bad} should be refused");
    }
}
