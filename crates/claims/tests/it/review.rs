//! The payer's review of incoming 837s: the public samples, and a damaged file whose bad
//! segments are named while its claims are still reviewed.

use claims::{review_837, review_csv};

fn sample(name: &str) -> String {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/x12/samples/badx12");
    std::fs::read_to_string(root.join(name)).unwrap()
}

#[test]
fn every_public_837p_sample_is_reviewed() {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/x12/samples/badx12");
    let mut n_claims = 0;
    let mut findings = Vec::new();
    for entry in std::fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("X222") {
            continue;
        }
        let review = review_837(&std::fs::read_to_string(&path).unwrap());
        assert!(review.problems.is_empty(), "{name}: {:?}", review.problems);
        assert!(!review.claims.is_empty(), "{name}");
        n_claims += review.claims.len();
        findings.extend(
            review
                .claims
                .iter()
                .flat_map(|c| c.findings.iter().map(|f| format!("{name}: {f}"))),
        );
    }
    assert!(n_claims >= 16, "{n_claims}");
    // The TR3 examples use made-up NPIs and ICD-9-CM codes; the review names both.
    assert!(
        findings.contains(
            &"X222-ambulance.edi: billing provider NPI \"2366554859\" is not valid (loop 2010AA)"
                .to_owned()
        ),
        "{findings:#?}"
    );
    assert!(findings.contains(&"X222-ambulance.edi: HI01-1, segment 28: 8628 is ICD-9-CM (qualifier BK), not accepted for services since 2015-10-01".to_owned()), "{findings:#?}");
}

#[test]
fn a_damaged_file_names_its_bad_segments_and_still_reviews_the_claim() {
    let text = sample("X222-ambulance.edi")
        .replacen("CLM*051068*766.50", "CLM*051068*799.50", 1)
        .replacen("~DTP*439*D8*20050208~", "~dtp*439*D8*20050208~", 1);
    let review = review_837(&text);
    let problems: Vec<String> = review.problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].starts_with(
            "interchange, segment 24: \"dtp*439*D8*20050208\" does not start with a segment id"
        ),
        "{problems:?}"
    );
    assert!(problems[1].starts_with("SE01"), "{problems:?}");
    let csv = review_csv(&review);
    assert!(
        csv.starts_with("claim_id,billing_npi,total,status_category,findings\n"),
        "{csv}"
    );
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 2, "{csv}");
    assert!(
        rows[1].starts_with("\"051068\",\"2366554859\",\"799.5\",\"A3\",\""),
        "{csv}"
    );
    assert!(
        rows[1].contains("CLM02, segment 23: total 799.5 is not the sum of the lines 766.5"),
        "{csv}"
    );
}
