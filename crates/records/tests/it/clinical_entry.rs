//! Allergies, medications, problems and observations typed into a form.

use records::*;
use std::collections::HashMap;
use time::macros::datetime;

fn entry<R>(
    fields: &[(&str, &str)],
    read: impl Fn(&ClinicalEntry<'_>) -> Result<R, ValidationErrors>,
) -> Result<R, Vec<String>> {
    let fields: HashMap<String, String> = fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let text = move |field: &str| fields.get(field).cloned().unwrap_or_default();
    let entry = ClinicalEntry {
        text: &text,
        from_local: &|local| local.assume_utc(),
        now: datetime!(2026-06-01 12:00 UTC),
    };
    read(&entry).map_err(|e| e.iter().map(ToString::to_string).collect())
}

#[test]
fn loinc_check_digits() {
    for good in ["8302-2", "2339-0", "29463-7", "8480-6", "4548-4"] {
        assert!(loinc_check_digit_ok(good), "{good}");
    }
    for bad in ["8302-3", "8302", "-2", "83a2-2", "12345678-0"] {
        assert!(!loinc_check_digit_ok(bad), "{bad}");
    }
}

#[test]
fn an_observation_needs_a_unit_for_its_number() {
    let weight = entry(
        &[
            ("code", "29463-7"),
            ("effective_at", "2026-05-30T08:15"),
            ("value_number", "72.5"),
            ("value_unit", "kg"),
        ],
        |e| e.observation(PatientId(1)),
    )
    .unwrap();
    assert_eq!(
        weight.value,
        ObservationValue::Quantity {
            value_number: 72.5,
            value_unit: Some("kg".into())
        }
    );
    assert_eq!(weight.effective_at, datetime!(2026-05-30 08:15 UTC));
    assert_eq!(
        entry(
            &[
                ("code", "29463-8"),
                ("effective_at", "2027-01-01"),
                ("value_number", "heavy"),
            ],
            |e| e.observation(PatientId(1)),
        )
        .unwrap_err(),
        [
            "code: \"29463-8\" is not a LOINC code (12345-6, the last digit its check digit)",
            "effective_at: 2027-01-01 is in the future",
            "value_number: \"heavy\" is not a number",
            "value_unit: a measured value needs its unit (UCUM: kg, cm, mm[Hg], mg/dL, %, 1 for none)",
        ]
    );
}

#[test]
fn allergy_medication_and_problem_report_every_problem() {
    assert_eq!(
        entry(&[("category", "pets"), ("onset_at", "last year")], |e| e
            .allergy(PatientId(1)))
        .unwrap_err(),
        [
            "substance: is required",
            "category: \"pets\" is not one of food, medication, environment, biologic",
            "status: is required",
            "onset_at: \"last year\" is not a date (YYYY-MM-DD) or date and time",
        ]
    );
    let allergy = entry(
        &[
            ("substance", "Penicillin"),
            ("category", "medication"),
            ("criticality", "high"),
            ("status", "active"),
            ("reaction", "hives"),
        ],
        |e| e.allergy(PatientId(1)),
    )
    .unwrap();
    assert_eq!(allergy.criticality, Some(AllergyCriticality::High));
    assert_eq!(
        entry(
            &[
                ("code", "RX-1"),
                ("description", "metformin 500 mg tablet"),
                ("status", "active"),
                ("start_at", "2026-02-01"),
                ("end_at", "2026-01-01"),
            ],
            |e| e.medication(PatientId(1)),
        )
        .unwrap_err(),
        [
            "code: \"RX-1\" is not an RxNorm code (up to 8 digits)",
            "end_at: an active medication has no end; choose completed or stopped",
        ]
    );
    let problem = entry(
        &[
            ("code_system", "icd10cm"),
            ("code", "e119"),
            ("description", "Type 2 diabetes"),
            ("status", "active"),
            ("onset_at", "2020-04-01"),
        ],
        |e| e.problem(PatientId(1)),
    )
    .unwrap();
    assert_eq!(
        (problem.code.as_str(), problem.onset_at),
        ("E11.9", Some(datetime!(2020-04-01 00:00 UTC)))
    );
}
