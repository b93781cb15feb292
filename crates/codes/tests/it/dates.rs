//! Date-of-service versioning.

use super::{d, sets};
use codes::{Error, Patient, System};

#[test]
fn code_added_in_fy2026_is_invalid_before() {
    let p = Patient::default();
    let before = sets()
        .validate(System::Icd10Cm, "E11.A", d("2025-06-01"), &p)
        .unwrap();
    assert_eq!(before.release, "FY2025");
    assert!(!before.exists && !before.valid);
    assert!(
        before.problems[0].contains("FY2026"),
        "{:?}",
        before.problems
    );
    let after = sets()
        .validate(System::Icd10Cm, "E11.A", d("2025-10-01"), &p)
        .unwrap();
    assert_eq!(after.release, "FY2026");
    assert!(after.valid);
}

#[test]
fn code_expanded_in_fy2026_stops_being_billable() {
    let p = Patient::default();
    assert!(
        sets()
            .validate(System::Icd10Cm, "E78.01", d("2025-09-30"), &p)
            .unwrap()
            .valid
    );
    let v = sets()
        .validate(System::Icd10Cm, "E78.01", d("2025-10-01"), &p)
        .unwrap();
    assert!(v.exists && !v.billable);
    let kids: Vec<_> = v
        .billable_children
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    assert_eq!(kids, ["E78.010", "E78.011", "E78.019"]);
}

#[test]
fn no_release_before_fy2024_and_release_chain() {
    let err = sets().icd10cm(d("2020-01-01")).unwrap_err();
    assert!(matches!(err, Error::NoRelease { .. }));
    let rel = sets().releases();
    let fy25 = rel
        .iter()
        .find(|r| r.system == System::Icd10Cm && r.name == "FY2025")
        .unwrap();
    assert_eq!(fy25.effective_to, Some(d("2025-09-30")));
    assert!(sets().flat(System::Hcpcs, d("2025-12-31")).is_err());
}

#[test]
fn hcpcs_termination_dates() {
    let h = sets().flat(System::Hcpcs, d("2026-01-01")).unwrap();
    let term = h.entries().iter().find(|e| e.terminated.is_some()).unwrap();
    let t = term.terminated.unwrap();
    let v = sets()
        .validate(
            System::Hcpcs,
            &term.code,
            d("2026-03-01"),
            &Patient::default(),
        )
        .unwrap();
    assert!(v.exists);
    assert_eq!(v.billable, t >= d("2026-03-01"));
}

#[test]
fn fy2024_is_the_fy2025_code_set_before_its_addenda() {
    let p = Patient::default();
    let check = |code: &str, on: &str| sets().validate(System::Icd10Cm, code, d(on), &p).unwrap();
    // Billable until FY2025 subdivided it (the addenda's Delete line).
    let old = check("C83.39", "2024-09-30");
    assert_eq!(old.release, "FY2024");
    assert!(old.valid, "{:?}", old.problems);
    assert!(!check("C83.39", "2024-10-01").billable);
    // Added by FY2025: not a code before it.
    let new = check("C81.0A", "2024-09-30");
    assert!(!new.exists, "{:?}", new.problems);
    assert!(check("C81.0A", "2024-10-01").valid);
    // Unchanged codes are valid in both, and FY2024 starts on 2023-10-01.
    assert!(check("J20.9", "2023-10-01").valid);
    assert!(sets().icd10cm(d("2023-09-30")).is_err());
    let fy24 = sets()
        .releases()
        .into_iter()
        .find(|r| r.system == System::Icd10Cm && r.name == "FY2024")
        .unwrap();
    assert_eq!(fy24.effective_from, d("2023-10-01"));
    assert_eq!(fy24.effective_to, Some(d("2024-09-30")));
    assert!(
        fy24.source.contains("2024-from-2025-addenda"),
        "{}",
        fy24.source
    );
}
