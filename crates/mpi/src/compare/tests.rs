use super::*;
use crate::nicknames::Nicknames;
use crate::settings::Settings;
use records::{AdministrativeSex, Mrn, Patient, PatientIdentifier};
use time::Date;

fn person(family: &str, given: &str, birth: &str, edit: impl FnOnce(&mut Patient)) -> Person {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let mut patient = Patient::new(
        Mrn::parse("M1").unwrap(),
        "CHARTROOM",
        family,
        given,
        Date::parse(birth, format).unwrap(),
        AdministrativeSex::Female,
    );
    patient.address.line1 = Some("12 Elm Street".to_owned());
    patient.address.postal_code = Some("02139".to_owned());
    patient.phone = Some("617-555-0142".to_owned());
    edit(&mut patient);
    Person::from_patient(&patient, &Nicknames::embedded().unwrap())
}

fn levels(a: &Person, b: &Person) -> Vec<String> {
    let bands = Settings::embedded().unwrap().bands;
    let vector = compare(a, b, &bands);
    FIELDS
        .iter()
        .zip(vector.levels())
        .map(|(field, level)| match level {
            Some(level) => format!("{}={}", field.name(), field.levels()[usize::from(level)]),
            None => format!("{}=missing", field.name()),
        })
        .collect()
}

fn check(a: Person, b: Person, expected: &[&str]) {
    assert_eq!(levels(&a, &b), expected);
}

#[test]
fn identical_people_agree_everywhere_known() {
    let a = person("Quill", "Margaret", "1970-04-09", |_| {});
    check(
        a.clone(),
        a,
        &[
            "given_name=exact",
            "family_name=exact",
            "birth_date=exact",
            "sex=same",
            "address=same street",
            "phone=same",
            "ssn_last4=missing",
            "other_mrn=missing",
        ],
    );
}

#[test]
fn nickname_typo_and_transposed_date() {
    check(
        person("Quill", "Margaret", "1970-04-09", |_| {}),
        person("Qiull", "Peggy", "1970-09-04", |p| {
            p.address.line1 = Some("12 elm st.".to_owned());
            p.phone = Some("(508) 555-0142".to_owned());
        }),
        &[
            "given_name=nickname",
            "family_name=jaro-winkler close",
            "birth_date=day and month transposed",
            "sex=same",
            "address=same street",
            "phone=same last seven digits",
            "ssn_last4=missing",
            "other_mrn=missing",
        ],
    );
}

#[test]
fn swapped_names_compare_crosswise() {
    let got = levels(
        &person("Morgan", "Tamsin", "1970-04-09", |_| {}),
        &person("Tamsin", "Morgan", "1970-04-09", |_| {}),
    );
    assert_eq!(got[..2], ["given_name=exact", "family_name=exact"]);
}

#[test]
fn twins_get_their_own_level() {
    let a = person("Quill", "Margaret", "1970-04-09", |_| {});
    let b = person("Quill", "Dorothy", "1970-04-09", |_| {});
    assert!(compare(&a, &b, &Settings::embedded().unwrap().bands).twins());
    assert_eq!(
        levels(&a, &b)[0],
        "given_name=different, same family and birth date (twins)"
    );
    // Alike names are no proof of a typo between people born the same day.
    let christine = person("Quill", "Christine", "1970-04-09", |_| {});
    let christina = person("Quill", "Christina", "1970-04-09", |_| {});
    let bands = Settings::embedded().unwrap().bands;
    assert_eq!(
        levels(&christine, &christina)[0],
        "given_name=jaro-winkler close"
    );
    assert!(compare(&christine, &christina, &bands).twins());
    let peggy = person("Quill", "Peggy", "1970-04-09", |_| {});
    assert!(
        !compare(&a, &peggy, &bands).twins(),
        "a nickname is the same name"
    );
    // Another birth date: plain disagreement.
    let c = person("Quill", "Dorothy", "1971-04-09", |_| {});
    assert_eq!(levels(&a, &c)[0], "given_name=different");
}

#[test]
fn married_name_year_typo_and_identifiers() {
    let mrn = |value: &str| PatientIdentifier {
        system: Some("urn:oid:2.16.840.1.113883.3.9999".to_owned()),
        value: value.to_owned(),
        type_code: Some("MR".to_owned()),
        use_: None,
    };
    let ssn = |value: &str| PatientIdentifier {
        system: None,
        value: value.to_owned(),
        type_code: Some("SS".to_owned()),
        use_: None,
    };
    check(
        person("Quill", "Margaret", "1970-04-09", |p| {
            p.identifiers = vec![mrn("A1"), ssn("900-11-2222")]
        }),
        person("Quill-Hartley", "Margaret", "1971-04-09", |p| {
            p.identifiers = vec![mrn("a1"), ssn("900112222")];
            p.address.line1 = Some("9 Oak Road".to_owned());
            p.phone = None;
        }),
        &[
            "given_name=exact",
            "family_name=jaro-winkler near",
            "birth_date=year off by one",
            "sex=same",
            "address=same ZIP",
            "phone=missing",
            "ssn_last4=same",
            "other_mrn=shared",
        ],
    );
}

#[test]
fn vector_packs_and_unpacks() {
    let levels = [
        Some(0),
        None,
        Some(4),
        Some(1),
        None,
        Some(2),
        Some(0),
        None,
    ];
    assert_eq!(Vector::from_levels(levels).levels(), levels);
}

#[test]
fn birth_levels() {
    assert_eq!(birth_level((1970, 4, 9), (1970, 4, 9)), 0);
    assert_eq!(birth_level((1970, 4, 9), (1970, 9, 4)), 1);
    assert_eq!(birth_level((1970, 4, 9), (1969, 4, 9)), 2);
    // One digit keyed wrong, or two neighbouring digits swapped, across parts too.
    assert_eq!(birth_level((1970, 4, 9), (1960, 4, 9)), 3);
    assert_eq!(birth_level((1970, 4, 9), (1970, 4, 19)), 3);
    assert_eq!(birth_level((1970, 4, 9), (1907, 4, 9)), 3);
    assert_eq!(birth_level((1970, 10, 23), (1970, 12, 3)), 3);
    // Two of the three parts, but not one slip.
    assert_eq!(birth_level((1970, 4, 9), (1970, 4, 27)), 4);
    assert_eq!(birth_level((1970, 4, 9), (1955, 4, 9)), 4);
    assert_eq!(birth_level((1970, 4, 9), (1981, 2, 9)), 5);
}

#[test]
fn a_name_past_the_near_band_but_within_the_far_one() {
    let family = |name: &str| {
        let a = person("Quill", "Margaret", "1970-04-09", |_| {});
        levels(&a, &person(name, "Margaret", "1970-04-09", |_| {}))[1].clone()
    };
    // Jaro-Winkler 0.73, another Soundex code.
    assert_eq!(family("Kwill"), "family_name=jaro-winkler far");
    // Further off still, the names are different.
    assert_eq!(family("Zabrowski"), "family_name=different");
}
