//! 837I files from a demo population's hospital stays and emergency visits: they read back
//! without a problem, CLM02 is the sum of SV203, inpatient claims carry the admission,
//! CL1, POA on every diagnosis and the ICD-10-PCS procedures, and the file goes to pyx12.

use crate::{build_each, demo_store, keep_for_validator, submitter};
use claims::{InstitutionalClaim, Numbers, build_institutional, write_837i};
use time::macros::datetime;

#[test]
fn hospital_stays_and_emergency_visits_are_written_as_837i() {
    let store = demo_store(60);
    let (claims, _) = build_each(&store, build_institutional);
    let inpatient: Vec<&InstitutionalClaim> = claims.iter().filter(|c| c.inpatient()).collect();
    assert!(!inpatient.is_empty(), "the demo has hospital stays");
    assert!(
        claims.iter().any(|c| !c.inpatient()),
        "and emergency visits"
    );
    for claim in &claims {
        assert!(
            claim.base.lines.iter().all(|l| l.code.len() == 4),
            "{claim:?}"
        );
    }
    for claim in &inpatient {
        assert!(claim.admission.is_some() && claim.discharge_hour.is_some());
        assert_eq!(claim.poa.len(), claim.base.diagnoses.len());
    }
    let text = write_837i(
        &claims,
        &submitter(),
        Numbers {
            interchange: 4001,
            group: 4001,
            first_transaction: 4001,
        },
        datetime!(2026-03-02 14:05),
        x12::Delimiters::default(),
    )
    .unwrap();
    keep_for_validator("demo-837i.x12", &text);
    let interchange = x12::read(&text).unwrap();
    assert!(
        interchange.problems.is_empty(),
        "{:?}",
        interchange.problems
    );
    let transaction = interchange.transactions().next().unwrap();
    assert_eq!(transaction.segments[0].element(3), "005010X223A2");
    let mut totals: Vec<(i64, i64)> = Vec::new();
    for segment in &transaction.segments {
        match segment.id {
            "CLM" => totals.push((segment.cents(2).unwrap(), 0)),
            "SV2" => totals.last_mut().unwrap().1 += segment.cents(3).unwrap(),
            _ => {}
        }
    }
    assert_eq!(totals.len(), claims.len());
    assert!(
        totals.iter().all(|(clm02, lines)| clm02 == lines),
        "{totals:?}"
    );
    let count = |id: &str| transaction.segments.iter().filter(|s| s.id == id).count();
    assert_eq!(count("CL1"), claims.len());
    assert_eq!(
        count("DTP")
            - transaction
                .segments
                .iter()
                .filter(|s| s.id == "DTP" && s.element(1) == "472")
                .count(),
        claims.len() + 2 * inpatient.len(),
        "statement dates on every claim, admission and discharge hour on stays"
    );
    assert!(text.contains("*11:A:1*"), "inpatient type of bill");
    assert!(text.contains("*13:A:1*"), "outpatient type of bill");
    assert!(text.contains("~HI*BBR:"), "principal procedure");
}
