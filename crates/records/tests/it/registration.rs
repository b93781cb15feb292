//! What a registration is checked against, on every channel: dates that cannot be, US
//! states and territories, ZIP codes; every problem at once.

use records::*;
use time::macros::date;

fn patient() -> Patient {
    let mut patient = Patient::new(
        Mrn::parse("M00000001").unwrap(),
        FACILITY_MRN_AUTHORITY,
        "Quillfeather",
        "Odile",
        date!(1990 - 05 - 06),
        AdministrativeSex::Female,
    );
    patient.address.state = Some("MA".into());
    patient.address.postal_code = Some("01101".into());
    patient
}

fn messages(patient: &Patient) -> Vec<String> {
    match patient.validate_write(None, date!(2026 - 03 - 02)) {
        Ok(()) => Vec::new(),
        Err(errors) => errors.iter().map(|e| e.to_string()).collect(),
    }
}

#[test]
fn a_good_registration_passes() {
    assert_eq!(messages(&patient()), Vec::<String>::new());
    let mut named = patient();
    named.address.state = Some("massachusetts".into());
    named.address.postal_code = Some("011011234".into());
    assert_eq!(
        messages(&named),
        Vec::<String>::new(),
        "names and ZIP+4 without hyphen"
    );
    let mut territory = patient();
    territory.address.state = Some("PR".into());
    territory.address.postal_code = Some("00901-1234".into());
    assert_eq!(messages(&territory), Vec::<String>::new());
    let mut abroad = patient();
    abroad.address.country = Some("CA".into());
    abroad.address.state = Some("Ontario".into());
    abroad.address.postal_code = Some("K1A 0B1".into());
    assert_eq!(
        messages(&abroad),
        Vec::<String>::new(),
        "only US addresses are checked"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut wrong = patient();
    wrong.birth_date = date!(2026 - 03 - 10);
    wrong.deceased_date = Some(date!(2026 - 03 - 05));
    wrong.address.state = Some("XZ".into());
    wrong.address.postal_code = Some("1234".into());
    assert_eq!(
        messages(&wrong),
        [
            "deceased_date: 2026-03-05 is before birth_date 2026-03-10",
            "state: \"XZ\" is not a US state or territory (its USPS abbreviation, e.g. MA, or its name)",
            "postal_code: \"1234\" is not a ZIP code (5 digits, or 9 as 12345-6789)",
            "birth_date: 2026-03-10 is in the future",
            "deceased_date: 2026-03-05 is in the future",
        ]
    );
}

#[test]
fn tomorrow_is_allowed_for_time_zones_ahead_of_utc() {
    let mut newborn = patient();
    newborn.birth_date = date!(2026 - 03 - 03);
    assert_eq!(messages(&newborn), Vec::<String>::new());
    for zip in ["0110", "011012", "01101-123", "0110a", "01101-12345"] {
        let mut bad = patient();
        bad.address.postal_code = Some(zip.into());
        assert_eq!(messages(&bad).len(), 1, "{zip}");
    }
}
