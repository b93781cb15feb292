//! 837P files from a demo population: they read back without a problem, CLM02 is the sum
//! of SV102, 5,000 claims per transaction set, and the kept files go to pyx12.

use crate::{build_all, demo_store, keep_for_validator, write};
use claims::ProfessionalClaim;
use x12::{Transaction, read};

fn claim_totals(transaction: &Transaction<'_>) -> Vec<(i64, i64)> {
    let mut totals = Vec::new();
    for segment in &transaction.segments {
        match segment.id {
            "CLM" => totals.push((segment.cents(2).unwrap(), 0)),
            "SV1" => totals.last_mut().unwrap().1 += segment.cents(2).unwrap(),
            _ => {}
        }
    }
    totals
}

#[test]
fn demo_claims_are_written_as_837p_that_reads_back_whole() {
    let store = demo_store(40);
    let (claims, problems) = build_all(&store);
    assert!(
        claims.len() >= 20,
        "{} claims, problems: {problems:?}",
        claims.len()
    );
    let text = write(&claims);
    keep_for_validator("demo-837p.x12", &text);
    let interchange = read(&text).unwrap();
    assert!(
        interchange.problems.is_empty(),
        "{:?}",
        interchange.problems
    );
    let transactions: Vec<_> = interchange.transactions().collect();
    assert_eq!(transactions.len(), 1);
    let totals = claim_totals(transactions[0]);
    assert_eq!(totals.len(), claims.len());
    assert!(
        totals.iter().all(|(clm02, lines)| clm02 == lines),
        "{totals:?}"
    );
    let dependents = claims.iter().filter(|c| c.patient.is_some()).count();
    let written_2000c = transactions[0]
        .loops
        .iter()
        .zip(&transactions[0].segments)
        .filter(|(l, s)| **l == "2000C" && s.id == "HL")
        .count();
    assert_eq!(written_2000c, dependents);
    // The demo's injected drugs carry their NDC (loop 2410), normalised to 5-4-2.
    let drug_lines: Vec<_> = claims
        .iter()
        .flat_map(|c| &c.lines)
        .filter(|l| l.code.starts_with('J'))
        .collect();
    assert!(drug_lines.iter().all(|l| l.details.drug.is_some()));
    assert_eq!(text.matches("~LIN**N4*").count(), drug_lines.len());
    assert!(!text.contains("63323-") && !text.contains("~LIN**N4*0409"));
}

fn batch(claims: &[ProfessionalClaim], n: usize) -> Vec<ProfessionalClaim> {
    (0..n)
        .map(|i| {
            let mut claim = claims[i % claims.len()].clone();
            claim.claim_id = format!("B{i:06}");
            claim
        })
        .collect()
}

#[test]
fn a_thousand_claims_go_in_one_transaction_set_and_5001_in_two() {
    let store = demo_store(10);
    let (claims, _) = build_all(&store);
    assert!(!claims.is_empty());
    let thousand = write(&batch(&claims, 1_000));
    keep_for_validator("batch-1000-837p.x12", &thousand);
    let interchange = read(&thousand).unwrap();
    assert!(
        interchange.problems.is_empty(),
        "{:?}",
        interchange.problems
    );
    assert_eq!(interchange.transactions().count(), 1);
    assert_eq!(
        claim_totals(interchange.transactions().next().unwrap()).len(),
        1_000
    );

    let large = write(&batch(&claims, 5_001));
    let interchange = read(&large).unwrap();
    assert!(
        interchange.problems.is_empty(),
        "{:?}",
        interchange.problems
    );
    let per_set: Vec<usize> = interchange
        .transactions()
        .map(|t| claim_totals(t).len())
        .collect();
    assert_eq!(per_set, [5_000, 1]);
    let numbers: Vec<&str> = interchange
        .transactions()
        .map(Transaction::control_number)
        .collect();
    assert_eq!(numbers, ["3001", "3002"]);
}
