use super::*;
use records::ReleaseCategory::*;

#[test]
fn protected_codes_are_classed() {
    let cases = [
        ("F11.20", Some(SubstanceUse)),
        ("F1020", Some(SubstanceUse)),
        ("F17.210", None),
        ("B20", Some(Hiv)),
        ("Z21", Some(Hiv)),
        ("O98.711", Some(Hiv)),
        ("Z15.01", Some(Genetic)),
        ("O03.9", Some(Reproductive)),
        ("Z30.011", Some(Reproductive)),
        ("E11.9", None),
        ("I10", None),
        ("", None),
    ];
    for (code, class) in cases {
        assert_eq!(class_of_diagnosis(code), class, "{code}");
    }
    assert_eq!(class_of_observation("75622-1"), Some(Hiv));
    assert_eq!(class_of_observation("8867-4"), None);
    assert_eq!(class_of_service("Addiction medicine"), Some(SubstanceUse));
    assert!(is_psychotherapy_service("Outpatient psychotherapy"));
}
