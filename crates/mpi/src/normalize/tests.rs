use super::*;
use records::{Mrn, PatientIdentifier};
use time::macros::date;

fn patient() -> Patient {
    let mut patient = Patient::new(
        Mrn::parse("M00000001").unwrap(),
        "CHARTROOM",
        "O'Brien-Núñez",
        "Bill",
        date!(1980 - 03 - 07),
        AdministrativeSex::Male,
    );
    patient.address.line1 = Some("12 North Elm Street, Apt. 4".to_owned());
    patient.address.postal_code = Some("02139-4307".to_owned());
    patient.phone = Some("+1 (617) 555-0142".to_owned());
    patient.identifiers = vec![
        PatientIdentifier {
            system: Some(SSN_SYSTEM.to_owned()),
            value: "900-12-3456".to_owned(),
            type_code: None,
            use_: None,
        },
        PatientIdentifier {
            system: Some("urn:oid:2.16.840.1.113883.3.9999".to_owned()),
            value: "ab123".to_owned(),
            type_code: Some("MR".to_owned()),
            use_: None,
        },
    ];
    patient
}

#[test]
fn patient_is_reduced_to_comparable_parts() {
    let person = Person::from_patient(&patient(), &Nicknames::embedded().unwrap());
    assert_eq!(person.family, "obriennunez");
    assert_eq!(person.given, "bill");
    assert!(!person.given_groups.is_empty());
    assert_eq!(person.given_soundex, Some(*b"B400"));
    assert_eq!(person.birth, (1980, 3, 7));
    assert_eq!(person.street.as_deref(), Some("12 n elm st apt 4"));
    assert_eq!(person.zip.as_deref(), Some("02139"));
    assert_eq!(person.phone.as_deref(), Some("6175550142"));
    assert_eq!(person.ssn4.as_deref(), Some("3456"));
    assert_eq!(
        person.other_mrns,
        vec![(
            "urn:oid:2.16.840.1.113883.3.9999".to_owned(),
            "AB123".to_owned()
        )]
    );
}

#[test]
fn street_spellings_meet() {
    assert_eq!(
        street("12 N. Elm St #4"),
        street("12 north elm street apt 4").replace("apt ", "")
    );
    assert_eq!(
        street("400 Avenue of the Americas"),
        "400 ave of the americas"
    );
}

#[test]
fn missing_and_short_values_are_absent() {
    let mut patient = patient();
    patient.phone = Some("555-01".to_owned());
    patient.address = records::Address::default();
    patient.identifiers.clear();
    patient.sex = AdministrativeSex::Unknown;
    let person = Person::from_patient(&patient, &Nicknames::default());
    assert_eq!(person.phone, None);
    assert_eq!(person.street, None);
    assert_eq!(person.zip, None);
    assert_eq!(person.ssn4, None);
    assert_eq!(person.sex, None);
    assert!(person.given_groups.is_empty());
}
