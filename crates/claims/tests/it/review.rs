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

/// The 999 a payer sends back for `text`, kept for pyx12 as `name`.
fn ack(text: &str, name: &str) -> String {
    let answer = claims::write_999(
        text,
        claims::AckNumbers {
            interchange: 501,
            group: 601,
        },
        time::macros::datetime!(2026-03-03 08:00),
    )
    .unwrap();
    crate::keep_for_validator(name, &answer);
    let read = x12::read(&answer).unwrap();
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    answer
}

#[test]
fn the_payer_answers_an_837_with_a_999() {
    let store = test_support::sqlite_store();
    let claim = store
        .write(|tx| {
            let ids = crate::build::office_visit(tx, records::Relationship::SelfSubscriber)?;
            claims::build_professional(tx, ids.encounter, records::CoverageOrder::Primary)
        })
        .unwrap()
        .unwrap();
    let sent = crate::write(&[claim]);
    let accepted = ack(&sent, "payer-999-accepted.x12");
    assert!(
        accepted
            .starts_with("ISA*00*          *00*          *ZZ*CLEARHOUSE01   *ZZ*CHARTROOM01    *"),
        "sender and receiver swapped: {accepted}"
    );
    assert!(
        accepted.contains("~GS*FA*CLEARHOUSE01*CHARTROOM01*"),
        "{accepted}"
    );
    assert!(
        accepted.contains("~AK1*HC*2001*005010X222A1~AK2*837*3001*005010X222A1~IK5*A~AK9*A*1*1*1~"),
        "{accepted}"
    );
    // A wrong segment count in SE: the set is rejected, the IK3 names SE and its place.
    let se = sent.find("~SE*").unwrap() + 4;
    let count_end = se + sent[se..].find('*').unwrap();
    let broken = format!("{}9999{}", &sent[..se], &sent[count_end..]);
    let rejected = ack(&broken, "payer-999-rejected.x12");
    assert!(rejected.contains("~IK3*SE*"), "{rejected}");
    assert!(rejected.contains("~IK5*R*5~AK9*R*1*1*0~"), "{rejected}");
    assert!(
        claims::write_999(
            "not an interchange",
            claims::AckNumbers {
                interchange: 1,
                group: 1
            },
            time::macros::datetime!(2026-03-03 08:00)
        )
        .is_err()
    );
}
