//! Trigger files: the defaults read with every code real; a facility file changes, disables
//! and adds conditions; every problem is named with its line; codes are matched.

use super::*;
use std::sync::OnceLock;

fn codes() -> &'static CodeSets {
    static CODES: OnceLock<CodeSets> = OnceLock::new();
    CODES.get_or_init(|| CodeSets::embedded().unwrap())
}

#[test]
fn the_defaults_read_with_the_named_conditions() {
    let set = TriggerSet::defaults(codes()).unwrap();
    assert!(set.jurisdiction.contains("RCTC"));
    for id in [
        "measles",
        "pertussis",
        "salmonellosis",
        "hepatitis-a",
        "lyme",
        "tuberculosis",
        "covid-19",
    ] {
        assert!(set.get(id).is_some_and(|c| c.enabled), "{id}");
    }
    let of = |code: &str| -> Vec<&str> {
        set.diagnosis(&codes::normalize(code))
            .map(|c| c.id.as_str())
            .collect()
    };
    assert_eq!(of("B05.9"), ["measles"]);
    assert_eq!(of("A37.90"), ["pertussis"]);
    assert_eq!(of("A02.0"), ["salmonellosis"]);
    assert_eq!(of("B15.9"), ["hepatitis-a"]);
    assert_eq!(of("A69.20"), ["lyme"]);
    assert_eq!(of("A15.0"), ["tuberculosis"]);
    assert_eq!(of("A18.01"), ["tuberculosis"]);
    assert!(of("J06.9").is_empty());
    assert!(of("A69.1").is_empty());
}

#[test]
fn results_trigger_by_test_unless_negative_or_by_organism() {
    let set = TriggerSet::defaults(codes()).unwrap();
    let ids = |loinc: &str, code: Option<&str>, text: Option<&str>| -> Vec<(String, &str)> {
        set.lab(loinc, code, text)
            .map(|m| (m.condition.id.clone(), m.system))
            .collect()
    };
    assert_eq!(
        ids("43913-3", None, Some("Detected")),
        [("pertussis".into(), "loinc")]
    );
    assert!(ids("43913-3", Some("260415000"), Some("Not detected")).is_empty());
    assert!(ids("43913-3", None, Some("negative")).is_empty());
    assert_eq!(
        ids("625-4", Some("27268008"), Some("Salmonella")),
        [("salmonellosis".into(), "snomed")]
    );
    assert!(ids("8302-2", None, None).is_empty());
}

#[test]
fn a_facility_file_names_its_jurisdiction_and_changes_conditions() {
    let text = "jurisdiction = \"Example State\"\n\
                [conditions.lyme]\nenabled = false\n\
                [conditions.cdi]\nname = \"Clostridioides difficile infection\"\nicd10cm = [\"A04.7\"]\n";
    let set = TriggerSet::with_facility_file(text, "reportable.toml", codes()).unwrap();
    assert_eq!(set.jurisdiction, "Example State");
    assert!(set.diagnosis("A6920").next().is_none());
    assert_eq!(set.diagnosis("A0472").next().unwrap().id, "cdi");
    assert_ne!(
        set.fingerprint(),
        TriggerSet::defaults(codes()).unwrap().fingerprint()
    );
}

#[test]
fn a_bad_file_is_refused_naming_every_line() {
    let text = "jurisdiction = \"Example State\"\n\
                [conditions.made-up]\n\
                name = \"Made up\"\n\
                icd10cm = [\"Q99.99\", \"B05\"]\n\
                loinc = [\"43913-4\"]\n\
                snomed = [\"5247006\"]\n\
                [conditions.nameless]\n\
                icd10cm = [\"A37\"]\n";
    let error = TriggerSet::with_facility_file(text, "reportable.toml", codes()).unwrap_err();
    let lines: Vec<(usize, &str)> = error
        .problems
        .iter()
        .map(|p| (p.line, p.field.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            (4, "conditions.made-up.icd10cm"),
            (5, "conditions.made-up.loinc"),
            (6, "conditions.made-up.snomed"),
            (7, "conditions.nameless.name"),
        ]
    );
    let message = error.to_string();
    assert!(
        message.contains(
            "reportable.toml:4: conditions.made-up.icd10cm: \"Q99.99\" names no ICD-10-CM code"
        ),
        "{message}"
    );
    assert!(message.contains("check digit"), "{message}");

    let syntax =
        TriggerSet::with_facility_file("[conditions.x\n", "reportable.toml", codes()).unwrap_err();
    assert_eq!(syntax.problems[0].line, 1);
    let unknown = TriggerSet::with_facility_file(
        "[conditions.measles]\nicd10 = [\"B05\"]\n",
        "reportable.toml",
        codes(),
    )
    .unwrap_err();
    assert_eq!(unknown.problems[0].line, 2, "{unknown}");
}

#[test]
fn snomed_ids_are_checked_by_their_verhoeff_digit() {
    for good in ["5247005", "27268008", "113861009", "840533007", "260385009"] {
        assert!(verhoeff_ok(good), "{good}");
    }
    for bad in ["5247006", "12", "abc1234", "1234567890123456789"] {
        assert!(!verhoeff_ok(bad), "{bad}");
    }
}
