//! Every public 835 sample reads, balances (BPR02 = sum of CLP04 less PLB) and has each
//! adjustment reason described; damaged remittances are refused with positions.

use claims::{read_remittances, reason_description};

fn samples() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/x12/samples");
    let mut files = Vec::new();
    for folder in ["py835", "badx12"] {
        for entry in std::fs::read_dir(root.join(folder)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with("X221") {
                files.push((name, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_public_835_reads_and_balances() {
    let samples = samples();
    assert_eq!(samples.len(), 31 + 7);
    let mut claim_payments = 0;
    for (name, text) in &samples {
        let remittances = read_remittances(text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        for remittance in &remittances {
            assert_eq!(
                remittance.balance_problems(),
                Vec::<String>::new(),
                "{name}"
            );
            for claim in &remittance.claims {
                claim_payments += 1;
                for adjustment in claim.all_adjustments() {
                    assert!(
                        reason_description(&adjustment.reason).is_some(),
                        "{name}: CARC {}",
                        adjustment.reason
                    );
                }
            }
        }
    }
    assert!(claim_payments > 50, "{claim_payments}");
}

#[test]
fn a_remittance_that_does_not_balance_is_named() {
    let (_, text) = samples()
        .into_iter()
        .find(|(n, _)| n == "X221-multiple-claims-single-check.edi")
        .unwrap();
    let text = text.replacen("BPR*I*810.8*", "BPR*I*811.8*", 1);
    let remittances = read_remittances(&text).unwrap();
    assert_eq!(
        remittances[0].balance_problems(),
        ["BPR02 811.8 is not the claims' payments 810.8 less the provider adjustments 0"]
    );
    let text = text.replacen("CLP*7722337*1*119*74", "CLP*7722337*1*119*7X", 1);
    let errors = read_remittances(&text).unwrap_err();
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].starts_with("CLP04, segment "), "{messages:?}");
    assert!(
        messages[0].contains("loop 2100: \"7X\" is not an amount"),
        "{messages:?}"
    );
}

#[test]
fn a_truncated_835_is_refused_whole() {
    let (_, text) = samples()
        .into_iter()
        .find(|(n, _)| n == "X221-multiple-claims-single-check.edi")
        .unwrap();
    let cut = &text[..text.find("CLP*7722337*1*119").unwrap()];
    let errors = read_remittances(cut).unwrap_err();
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("has no SE: the file ends first (truncated)")),
        "{messages:?}"
    );
}

#[test]
fn each_service_line_keeps_its_date_of_service() {
    let (_, text) = samples()
        .into_iter()
        .find(|(n, _)| n == "X221-multiple-claims-single-check.edi")
        .unwrap();
    let remittances = read_remittances(&text).unwrap();
    let dates = |claim: usize| -> Vec<String> {
        remittances[0].claims[claim]
            .services
            .iter()
            .map(|s| s.service_date.map(|d| d.to_string()).unwrap_or_default())
            .collect()
    };
    // The fifth claim's lines were done on 2014-03-13, the sixth's on 2014-03-21.
    assert_eq!(dates(4), ["2014-03-13"; 3]);
    assert_eq!(dates(5), ["2014-03-21"; 5]);
    // With only the end of a period (DTM*151) a line has no date of its own; a date that is
    // no date is named.
    let undated = text.replacen("DTM*472*20140313", "DTM*151*20140313", 1);
    let remittances = read_remittances(&undated).unwrap();
    assert_eq!(remittances[0].claims[4].services[0].service_date, None);
    let bad = text.replacen("DTM*472*20140313", "DTM*472*2014031", 1);
    let messages: Vec<String> = read_remittances(&bad)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].starts_with("DTM02, segment ")
            && messages[0].contains("\"2014031\" is not a date (CCYYMMDD)"),
        "{messages:?}"
    );
}
