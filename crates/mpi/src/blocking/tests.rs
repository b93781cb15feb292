use super::*;
use crate::nicknames::Nicknames;
use records::{AdministrativeSex, Mrn, Patient};
use time::macros::date;

fn person(family: &str, phone: Option<&str>, birth: time::Date) -> Person {
    let mut patient = Patient::new(
        Mrn::parse("M1").unwrap(),
        "CHARTROOM",
        family,
        "Wren",
        birth,
        AdministrativeSex::Female,
    );
    patient.phone = phone.map(str::to_owned);
    Person::from_patient(&patient, &Nicknames::default())
}

#[test]
fn missing_parts_give_no_key() {
    let a = person("Quill", None, date!(1970 - 04 - 09));
    assert_eq!(BlockingRule::Phone.key(&a), None);
    assert_eq!(BlockingRule::StreetZip.key(&a), None);
    assert!(BlockingRule::BirthDate.key(&a).is_some());
}

#[test]
fn rules_catch_what_others_miss() {
    let a = person("Quill", Some("617 555 0142"), date!(1970 - 04 - 09));
    let year_typo = person("Quill", Some("6175550142"), date!(1971 - 04 - 09));
    let rules = [
        BlockingRule::BirthDate,
        BlockingRule::FamilySoundexBirthYear,
        BlockingRule::GivenSoundexBirthMonthDay,
        BlockingRule::Phone,
    ];
    assert_ne!(
        BlockingRule::BirthDate.key(&a),
        BlockingRule::BirthDate.key(&year_typo)
    );
    assert_eq!(
        BlockingRule::GivenSoundexBirthMonthDay.key(&a),
        BlockingRule::GivenSoundexBirthMonthDay.key(&year_typo)
    );
    let keys = |person: &Person| {
        rules
            .iter()
            .map(|rule| rule.key(person))
            .collect::<Vec<_>>()
    };
    let (a_keys, b_keys) = (keys(&a), keys(&year_typo));
    assert!(!found_earlier(&a_keys[..2], &b_keys[..2]));
    // The phone rule meets them again, but the pair was already compared.
    assert!(found_earlier(&a_keys[..3], &b_keys[..3]));
    // Same key text under two rules is still two keys.
    assert_ne!(BlockingRule::Phone.key(&a), BlockingRule::BirthDate.key(&a));
}
