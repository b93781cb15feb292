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

/// The primary's decision on every line of `claim`: 80% paid, 15% over the fee schedule
/// (CO-45), the rest the patient's deductible (PR-1).
fn primary_decision(claim: &InstitutionalClaim) -> records::ClaimAdjudication {
    let mut decided = records::ClaimAdjudication {
        remitted_on: time::macros::date!(2026 - 03 - 20),
        paid_cents: 0,
        patient_responsibility_cents: 0,
        adjustments: Vec::new(),
        lines: Vec::new(),
    };
    for line in &claim.base.lines {
        let paid = line.charge_cents * 80 / 100;
        let contract = line.charge_cents * 15 / 100;
        let deductible = line.charge_cents - paid - contract;
        let adjustment = |group: &str, reason: &str, amount_cents| records::AdjustmentAmount {
            group: group.into(),
            reason: reason.into(),
            amount_cents,
        };
        decided.paid_cents += paid;
        decided.patient_responsibility_cents += deductible;
        decided.lines.push(records::LineAdjudication {
            code: line.code.clone(),
            modifiers: Vec::new(),
            charge_cents: line.charge_cents,
            paid_cents: paid,
            adjustments: vec![
                adjustment("CO", "45", contract),
                adjustment("PR", "1", deductible),
            ],
            service_date: Some(line.service_date),
        });
    }
    decided
}

#[test]
fn a_secondary_837i_carries_the_primary_decision_on_each_revenue_line() {
    let store = demo_store(60);
    let (claims, _) = build_each(&store, build_institutional);
    let mut claim = claims
        .into_iter()
        .find(|c| c.inpatient() && c.base.lines.len() > 1)
        .expect("a hospital stay with several revenue lines");
    let primary = claim.base.subscriber.clone();
    claim.base.subscriber.payer_responsibility = 'S';
    claim.base.other_payers = vec![claims::OtherPayer {
        relationship: "18",
        subscriber: primary,
        payer: claim.base.payer.clone(),
        adjudication: primary_decision(&claim),
    }];
    claim.base.payer = claims::PayerParty {
        name: "Second Mutual".into(),
        id: "SECM1".into(),
    };
    assert_eq!(
        claims::coordination_problems(&claim.base),
        Vec::<String>::new()
    );
    let text = write_837i(
        std::slice::from_ref(&claim),
        &submitter(),
        Numbers {
            interchange: 4002,
            group: 4002,
            first_transaction: 4002,
        },
        datetime!(2026-03-25 09:00),
        x12::Delimiters::default(),
    )
    .unwrap();
    keep_for_validator("demo-837i-cob.x12", &text);
    let interchange = x12::read(&text).unwrap();
    assert!(
        interchange.problems.is_empty(),
        "{:?}",
        interchange.problems
    );
    let segments = &interchange.transactions().next().unwrap().segments;
    let svd: Vec<&x12::Segment<'_>> = segments.iter().filter(|s| s.id == "SVD").collect();
    assert_eq!(svd.len(), claim.base.lines.len(), "a 2430 per line");
    for (line, svd) in claim.base.lines.iter().zip(&svd) {
        assert_eq!(svd.element(1), claim.base.other_payers[0].payer.id);
        assert_eq!(svd.element(4), line.code, "SVD04 is the revenue code");
        assert_eq!(
            svd.cents(2).unwrap(),
            line.charge_cents * 80 / 100,
            "SVD02 the primary's payment"
        );
    }
    let sbr: Vec<&str> = segments
        .iter()
        .filter(|s| s.id == "SBR")
        .map(|s| s.element(1))
        .collect();
    assert_eq!(sbr, ["S", "P"], "2000B the secondary, 2320 the primary");
}
