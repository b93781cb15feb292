//! Always-on checks of the embedded data: counts and sample codes.

use super::{d, sets};
use codes::System;

#[test]
fn counts_and_samples() {
    let r = sets().icd10cm(d("2026-01-15")).unwrap();
    assert_eq!(r.info.name, "FY2026");
    // 98,186 codes and categories in the FY2026 order file (chapters and blocks apart).
    assert_eq!(r.info.codes, 98_186);
    assert_eq!(r.billable_count(), 74_719);
    let e = r.get("E11.21").unwrap();
    assert_eq!(
        e.title,
        "Type 2 diabetes mellitus with diabetic nephropathy"
    );
    assert!(e.billable);
    assert!(!r.is_billable("E11"));
    assert_eq!(
        r.get("S00.00XA").unwrap().title,
        "Unspecified superficial injury of scalp, initial encounter"
    );
    let pcs = sets().icd10pcs(d("2026-01-15")).unwrap();
    assert_eq!(pcs.info.codes, 79_115);
    let h = sets().flat(System::Hcpcs, d("2026-02-01")).unwrap();
    assert!(h.get("A4206").is_some());
    assert!(h.modifier("LT").is_some());
    let cvx = sets().flat(System::Cvx, d("2026-02-01")).unwrap();
    assert_eq!(cvx.entries().len(), 287);
    let (rel, ix) = sets().indexes().unwrap();
    assert_eq!(rel, "FY2025");
    assert_eq!(ix.len(), 4);
    assert_eq!(ix[0].terms.len(), 81_024);
}

#[test]
fn notes_and_seventh_characters() {
    let r = sets().icd10cm(d("2026-01-15")).unwrap();
    let i = r.find("S72.001").unwrap();
    let sev = r.seventh_characters(i);
    assert!(
        sev.iter()
            .any(|(c, t)| *c == 'A' && t.contains("initial encounter for closed fracture"))
    );
    let detail = sets()
        .show(System::Icd10Cm, "E11.21", d("2026-01-15"))
        .unwrap();
    assert_eq!(detail.hierarchy.first().unwrap().code, "4");
    assert!(
        detail
            .notes
            .iter()
            .any(|n| n.from == "E11" || n.from == "E08-E13")
    );
    assert_eq!(
        detail.history,
        (2016..=2026)
            .map(|y| (format!("FY{y}"), true))
            .collect::<Vec<_>>()
    );
}

#[test]
fn cvx_influenza_flag() {
    let cvx = sets().flat(System::Cvx, d("2026-02-01")).unwrap();
    for c in [
        "140", "141", "150", "155", "158", "185", "186", "197", "205", "88",
    ] {
        assert!(
            cvx.get(c).unwrap().is_influenza,
            "CVX {c} should be influenza"
        );
    }
    // Hib (Haemophilus influenzae type b) is not a flu vaccine.
    assert!(!cvx.get("17").unwrap().is_influenza);
    assert!(!cvx.get("03").unwrap().is_influenza);
    assert!(!cvx.get("03").unwrap().status.is_empty());
}

#[test]
fn show_lists_edits() {
    let d = sets()
        .show(System::Icd10Cm, "O80", super::d("2026-01-15"))
        .unwrap();
    assert!(
        d.facts
            .iter()
            .any(|(k, v)| k == "edit" && v.contains("female")),
        "{:?}",
        d.facts
    );
}

#[test]
fn code_sets_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<codes::CodeSets>();
    let s = sets();
    std::thread::scope(|sc| {
        for _ in 0..2 {
            sc.spawn(|| {
                assert!(
                    s.icd10cm(super::d("2026-01-15"))
                        .unwrap()
                        .is_billable("I10")
                )
            });
        }
    });
}
