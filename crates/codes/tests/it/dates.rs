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
fn no_release_before_icd10_and_release_chain() {
    // ICD-10 began on 2015-10-01 (FY2016); HCPCS releases reach back to 2015.
    let err = sets().icd10cm(d("2015-09-30")).unwrap_err();
    assert!(matches!(err, Error::NoRelease { .. }));
    assert!(sets().icd10pcs(d("2015-09-30")).is_err());
    assert!(sets().flat(System::Hcpcs, d("2014-12-31")).is_err());
    let rel = sets().releases();
    let names = |system: System| -> Vec<String> {
        rel.iter()
            .filter(|r| r.system == system)
            .map(|r| r.name.clone())
            .collect()
    };
    let fy = |from: i32, to: i32| (from..=to).map(|y| format!("FY{y}")).collect::<Vec<_>>();
    assert_eq!(names(System::Icd10Cm), fy(2016, 2026));
    assert_eq!(names(System::Icd10Pcs), fy(2016, 2026));
    let mut hcpcs: Vec<String> = (2015..=2025).map(|y| y.to_string()).collect();
    hcpcs.push("2026-Q1".into());
    assert_eq!(names(System::Hcpcs), hcpcs);
    let fy25 = rel
        .iter()
        .find(|r| r.system == System::Icd10Cm && r.name == "FY2025")
        .unwrap();
    assert_eq!(fy25.effective_to, Some(d("2025-09-30")));
    assert_eq!(sets().icd10cm(d("2015-10-01")).unwrap().info.name, "FY2016");
    assert_eq!(
        sets().icd10pcs(d("2019-09-30")).unwrap().info.name,
        "FY2019"
    );
    assert_eq!(
        sets()
            .flat(System::Hcpcs, d("2025-12-31"))
            .unwrap()
            .info
            .name,
        "2025"
    );
}

#[test]
fn earlier_fiscal_years_from_the_order_files() {
    let p = Patient::default();
    let check =
        |system: System, code: &str, on: &str| sets().validate(system, code, d(on), &p).unwrap();
    // C. difficile enterocolitis was one billable code until FY2018 subdivided it.
    let v = check(System::Icd10Cm, "A04.7", "2016-03-01");
    assert_eq!(v.release, "FY2016");
    assert!(v.valid, "{:?}", v.problems);
    assert!(!check(System::Icd10Cm, "A04.71", "2017-09-30").exists);
    assert!(check(System::Icd10Cm, "A04.71", "2017-10-01").valid);
    assert!(!check(System::Icd10Cm, "A04.7", "2017-10-01").billable);
    // Poisoning by other synthetic narcotics, deleted when FY2021 split fentanyl and
    // tramadol out: valid in FY2016-FY2020 with the order file's title, under T40.4X1.
    let old = check(System::Icd10Cm, "T40.4X1A", "2019-05-01");
    assert!(old.valid, "{:?}", old.problems);
    assert!(!check(System::Icd10Cm, "T40.4X1A", "2020-10-01").exists);
    let fy19 = sets().icd10cm(d("2019-05-01")).unwrap();
    let node = fy19.get("T40.4X1A").unwrap();
    assert!(
        node.title
            .starts_with("Poisoning by other synthetic narcotics"),
        "{}",
        node.title
    );
    assert_eq!(fy19.node(node.parent.unwrap()).unwrap().code, "T404X1");
    // Each year's counts are the order file's (codes and headers).
    let count = |on: &str| sets().icd10cm(d(on)).unwrap().billable_count();
    assert_eq!(count("2016-01-01"), 69_823);
    assert_eq!(count("2024-01-01"), 74_044);
    // ICD-10-PCS: validity per year from the order files, rows derived.
    for (on, codes) in [
        ("2016-01-01", 71_974),
        ("2020-01-01", 77_559),
        ("2025-01-01", 78_948),
    ] {
        let r = sets().icd10pcs(d(on)).unwrap();
        assert_eq!(r.info.codes, codes, "{on}");
    }
    let pcs = check(System::Icd10Pcs, "0DTJ4ZZ", "2016-06-01");
    assert!(pcs.valid, "{:?}", pcs.problems);
}

#[test]
fn hcpcs_years_derived_from_the_2026_dates() {
    let p = Patient::default();
    let infos: Vec<_> = sets()
        .releases()
        .into_iter()
        .filter(|r| r.system == System::Hcpcs)
        .collect();
    for info in &infos {
        // The counts listed without decoding are the decoded release's.
        let r = sets().flat(System::Hcpcs, info.effective_from).unwrap();
        assert_eq!(r.info.name, info.name);
        assert_eq!(r.entries().len(), info.codes, "{}", info.name);
    }
    // G0439 (annual wellness visit) since 2011; a code added in 2024 is not in 2023.
    assert!(
        sets()
            .validate(System::Hcpcs, "G0439", d("2017-04-01"), &p)
            .unwrap()
            .valid
    );
    let h26 = sets().flat(System::Hcpcs, d("2026-01-01")).unwrap();
    let added24 = h26
        .entries()
        .iter()
        .find(|e| e.added.is_some_and(|a| a.year() == 2024))
        .unwrap();
    let before = sets()
        .validate(System::Hcpcs, &added24.code, d("2023-12-31"), &p)
        .unwrap();
    assert!(!before.exists, "{}", added24.code);
    assert_eq!(before.release, "2023");
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
fn fy2024_against_fy2025() {
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
    assert_eq!(sets().icd10cm(d("2023-09-30")).unwrap().info.name, "FY2023");
    let fy24 = sets()
        .releases()
        .into_iter()
        .find(|r| r.system == System::Icd10Cm && r.name == "FY2024")
        .unwrap();
    assert_eq!(fy24.effective_from, d("2023-10-01"));
    assert_eq!(fy24.effective_to, Some(d("2024-09-30")));
    assert!(
        fy24.source.contains("icd10cm_order_2024.txt"),
        "{}",
        fy24.source
    );
}
