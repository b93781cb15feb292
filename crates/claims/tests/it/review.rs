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

/// An answer `write` makes of an 837 with fixed numbers, read back whole and kept for
/// pyx12 as `name`.
fn answer(
    name: &str,
    write: impl FnOnce(claims::AckNumbers, time::PrimitiveDateTime) -> x12::Result<String>,
) -> String {
    let answer = write(
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

/// The office visit's claim, built in a store of its own.
fn office_visit_claim(relationship: records::Relationship) -> claims::ProfessionalClaim {
    test_support::sqlite_store()
        .write(|tx| {
            let ids = crate::build::office_visit(tx, relationship)?;
            claims::build_professional(tx, ids.encounter, records::CoverageOrder::Primary)
        })
        .unwrap()
        .unwrap()
}

/// The 999 a payer sends back for `text`, kept for pyx12 as `name`.
fn ack(text: &str, name: &str) -> String {
    answer(name, |numbers, at| claims::write_999(text, numbers, at))
}

#[test]
fn the_payer_answers_an_837_with_a_999() {
    let sent = crate::write(&[office_visit_claim(records::Relationship::SelfSubscriber)]);
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

/// The 277CA a payer sends back for `text` after reviewing it, kept for pyx12 as `name`.
fn claim_ack(text: &str, name: &str) -> String {
    let review = review_837(text);
    answer(name, |numbers, at| {
        claims::write_277ca(text, &review, numbers, at)
    })
}

#[test]
fn the_payer_answers_each_claim_with_a_277ca() {
    let good = office_visit_claim(records::Relationship::SelfSubscriber);
    let mut dependent = office_visit_claim(records::Relationship::Child);
    dependent.claim_id = "E2".into();
    // The dependent's claim points a line at a fifth diagnosis it does not have.
    let sent = crate::write(&[good.clone(), dependent.clone()]);
    let second = sent.rfind("~SV1*HC:99213:25*").unwrap();
    let pointers = second + sent[second..].find("***1:2:3~").unwrap();
    let sent = format!("{}***5~{}", &sent[..pointers], &sent[pointers + 9..]);
    let answer = claim_ack(&sent, "payer-277ca.x12");
    assert!(
        answer
            .starts_with("ISA*00*          *00*          *ZZ*CLEARHOUSE01   *ZZ*CHARTROOM01    *"),
        "sender and receiver swapped: {answer}"
    );
    for expected in [
        "~GS*HN*CLEARHOUSE01*CHARTROOM01*20260303*0800*601*X*005010X214~ST*277*0001*005010X214~",
        "~NM1*PR*2*CLEARINGHOUSE*****46*CLEARHOUSE01~TRN*1*3001~DTP*050*D8*20260303~",
        "~NM1*41*2*SPRINGFIELD GENERAL BILLING*****46*CHARTROOM01~TRN*2*3001~STC*A1:19:PR*20260303*WQ*301~QTY*90*1~QTY*AA*1~AMT*YU*150.5~AMT*YY*150.5~",
        "~NM1*85*2*Maple Family Practice*****XX*1234567893~TRN*1*0~",
        // Accepted: the patient is the subscriber; the payer's claim number in REF*1K.
        &format!(
            "~NM1*QC*1*Lopez*Ana****MI*XZ123~TRN*2*{}~STC*A2:20*20260303*WQ*150.5~REF*1K*PCN501-1~DTP*472*D8*20260210~",
            good.claim_id
        ),
        // Returned: the dependent by name, the finding in STC12.
        &format!(
            "~NM1*QC*1*Lopez*Ana****MI*XZ123~TRN*2*{}~STC*A3:21*20260303*U*150.5********SV107, segment",
            dependent.claim_id
        ),
    ] {
        assert!(answer.contains(expected), "{expected}\nin {answer}");
    }
    // Chartroom reads its own 277CA back: one claim accepted with the payer's number, the
    // other rejected with the payer's words.
    let acks = claims::read_acknowledgments(&answer).unwrap();
    let statuses: Vec<(String, bool, Option<String>, Option<String>)> = acks
        .into_iter()
        .map(|a| match a {
            claims::Acknowledgment::Claim {
                control_number,
                accepted,
                payer_claim_number,
                message,
                ..
            } => (control_number, accepted, payer_claim_number, message),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(statuses.len(), 2);
    assert_eq!(
        statuses[0],
        (good.claim_id.clone(), true, Some("PCN501-1".into()), None)
    );
    assert!(!statuses[1].1);
    assert!(
        statuses[1]
            .3
            .as_deref()
            .is_some_and(|m| m.contains("diagnosis pointer 5 points at no diagnosis")),
        "{statuses:?}"
    );
}

#[test]
fn the_public_samples_are_answered_with_a_277ca_each() {
    for name in [
        "X222-ambulance.edi",
        "X222-COB-claim-from-billing-provider-to-payer-b.edi",
        "X222-medicare-secondary-payer-COB.edi",
    ] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../data/x12/samples/badx12")
            .join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        let review = review_837(&text);
        let answer = claim_ack(&text, &format!("payer-277ca-{name}.x12"));
        let acks = claims::read_acknowledgments(&answer).unwrap();
        assert_eq!(acks.len(), review.claims.len(), "{name}: one per claim");
    }
}

#[test]
fn the_payer_runs_the_scrubbers_code_edits_on_incoming_claims() {
    let codes = codes::CodeSets::embedded().unwrap();
    let sent = crate::write(&[office_visit_claim(records::Relationship::SelfSubscriber)]);
    let clean = claims::review_837_coded(&sent, &codes);
    assert_eq!(clean.claims.len(), 1);
    assert_eq!(clean.claims[0].findings, Vec::<String>::new());
    // A category that is not billable, and a male-only code on a girl's claim.
    let miscoded = sent.replacen("*ABF:E119*ABF:I10~", "*ABF:E11*ABF:N400~", 1);
    assert_ne!(miscoded, sent);
    let review = claims::review_837_coded(&miscoded, &codes);
    let findings = &review.claims[0].findings;
    assert!(
        findings.iter().any(
            |f| f.starts_with("diagnosis-code (2300 HI02-2, claim segment") && f.contains("E11")
        ),
        "{findings:#?}"
    );
    assert!(
        findings.iter().any(
            |f| f.starts_with("diagnosis-code (2300 HI03-2, claim segment") && f.contains("N400")
        ),
        "{findings:#?}"
    );
    assert_eq!(review.claims[0].status_category(), "A3");
    // Without the code sets, the review sees only the file's own consistency.
    assert!(review_837(&miscoded).claims[0].findings.is_empty());
}

/// Every 837 and 835 sample of the TR3s (the public files in data/x12/samples), the golden
/// files of each service kind and the files Chartroom writes break no element of the X12
/// dictionary the 999 checks: the dictionary finds nothing in sound files.
#[test]
fn sound_files_break_no_element_of_the_dictionary() {
    let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/x12/samples");
    let mut texts: Vec<(String, String)> = ["badx12", "py835"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(samples.join(dir)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("X222") || n.starts_with("X221"))
        })
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    assert!(texts.len() >= 40, "{}", texts.len());
    // The golden files: each service kind as Chartroom writes it (one segment a line).
    let golden = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    for entry in std::fs::read_dir(&golden).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap().replace('\n', "");
        texts.push((path.display().to_string(), text));
    }
    let sent = crate::write(&[office_visit_claim(records::Relationship::Child)]);
    texts.push(("Chartroom's 837P".into(), sent.clone()));
    texts.push(("Chartroom's 999".into(), ack(&sent, "payer-999-sound.x12")));
    let mut checked = 0;
    for (name, text) in &texts {
        let read = x12::read(text).unwrap();
        for t in read.transactions() {
            for segment in &t.segments {
                checked += usize::from(x12::is_checked(segment.id));
                let found = x12::element_problems(segment);
                assert!(
                    found.is_empty(),
                    "{name}: segment {} {}: {:?}",
                    segment.position.segment,
                    segment.id,
                    found
                        .iter()
                        .map(|p| p.message(segment.id))
                        .collect::<Vec<_>>()
                );
            }
        }
    }
    assert!(checked > 1000, "{checked} segments checked");
}

/// A 999 names each element that breaks the dictionary in an IK4 under its segment's IK3
/// (IK304 8): a letter in an amount, a date that is no day, a street too long, a procedure
/// code missing from its composite, an element past the segment's last; the set is rejected
/// and pyx12 reads the answer.
#[test]
fn a_999_names_each_bad_element_in_ik4() {
    let sent = crate::write(&[office_visit_claim(records::Relationship::SelfSubscriber)]);
    let clm = sent.find("~CLM*").unwrap() + 5;
    let amount_at = clm + sent[clm..].find('*').unwrap() + 1;
    let amount_end = amount_at + sent[amount_at..].find('*').unwrap();
    let street = format!("N3*{}~", "9".repeat(56));
    let broken = format!("{}15O.50{}", &sent[..amount_at], &sent[amount_end..])
        .replacen("DTP*472*D8*20260210~", "DTP*472*D8*20261310~", 1)
        .replacen("~LX*1~", "~LX*1*9~", 1)
        .replacen("SV1*HC:99213", "SV1*HC:", 1);
    let n3 = broken.find("~N3*").unwrap() + 1;
    let n3_end = n3 + broken[n3..].find('~').unwrap() + 1;
    let broken = format!("{}{street}{}", &broken[..n3], &broken[n3_end..]);
    let answer = ack(&broken, "payer-999-element-errors.x12");
    for expected in [
        "~IK4*2*782*6*15O.50~",
        "~IK4*3*1251*8*20261310~",
        &format!("~IK4*1*166*5*{}~", "9".repeat(56)),
        "~IK4*2**3*9~",
        "~IK4*1:2*234*1~",
    ] {
        assert!(answer.contains(expected), "{expected}\nin {answer}");
    }
    for segment in ["CLM", "DTP", "N3", "LX", "SV1"] {
        assert!(
            answer.contains(&format!("~IK3*{segment}*")),
            "{segment} in {answer}"
        );
    }
    let ik3_clm = answer.find("~IK3*CLM*").unwrap();
    assert!(
        answer[ik3_clm..].starts_with("~IK3*CLM*")
            && answer[ik3_clm..].contains("*2300*8~IK4*2*782*6*15O.50~"),
        "{answer}"
    );
    assert!(answer.contains("~IK5*R*5~AK9*R*1*1*0~"), "{answer}");
    // The payer's review lists the same elements among the file's problems (segments
    // counted in the interchange, ISA first), and still reviews the claim.
    let review = review_837(&broken);
    assert_eq!(review.claims.len(), 1);
    let listed: Vec<String> = review.problems.iter().map(ToString::to_string).collect();
    assert!(
        listed
            .iter()
            .any(|p| p.starts_with("CLM02, segment 20, loop 2300: \"15O.50\" has a character")),
        "{listed:#?}"
    );
    assert!(
        listed
            .iter()
            .any(|p| p.starts_with("SV101-2, segment 25, loop 2400: is required and missing")),
        "{listed:#?}"
    );
}
