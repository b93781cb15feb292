//! The NCCI edits in the scrubber: once a site imports the quarterly PTP and MUE files
//! (here fabricated ones in the publisher's layouts), a practitioner claim billing a pair
//! on one day, or units over a code's MUE, is held with the line named; without files,
//! nothing is checked. Run on both backends.

use crate::build::office_visit;
use claims::{ScrubSettings, Scrubber, draft_claim, scrub_claim};
use records::*;
use store::Actor;
use test_support::{TestStore, backend_tests};
use time::macros::date;

const PTP: &str = "A fabricated notice line, as the publisher's file opens with one\n\
Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date *=no data\tModifier 0=not allowed 1=allowed 9=not applicable\tPTP Edit Rationale\n\
99213\t87880\t\t20200101\t*\t0\tMutually exclusive procedures\n\
99213\t36415\t\t20200101\t*\t1\tStandards of medical / surgical practice\n";

const MUE: &str = "\"A fabricated notice line\"\n\
\"HCPCS/CPT Code\",\"Practitioner Services MUE Values\",\"MUE Adjudication Indicator\",\"MUE Rationale\"\n\
\"87880\",\"2\",\"2 Date of Service Edit: Policy\",\"Clinical Data\"\n";

fn a_pair_and_units_over_the_mue_hold_the_claim_naming_the_lines(store: &TestStore) {
    let actor = Actor::new("test:biller");
    let ids = store
        .write(|tx| {
            let ids = office_visit(tx, Relationship::SelfSubscriber)?;
            // Two more rapid strep tests the same day: 3 units of 87880 in all.
            tx.create(
                &actor,
                &Charge {
                    patient_id: ids.patient,
                    encounter_id: Some(ids.encounter),
                    procedure_id: None,
                    code: Some("87880".into()),
                    description: "Service".into(),
                    service_date: date!(2026 - 02 - 10),
                    amount_cents: 5_000,
                    units: 2,
                    payer_id: Some(PayerId(ids.payer)),
                    due_date: None,
                },
            )?;
            Ok(ids)
        })
        .unwrap();
    let claim = store
        .write(|tx| {
            draft_claim(
                tx,
                &actor,
                ids.encounter,
                CoverageOrder::Primary,
                ClaimKind::Professional,
            )
        })
        .unwrap()
        .unwrap();
    let scrub = |codes: &codes::CodeSets| {
        let settings = ScrubSettings::default();
        let scrubber = Scrubber {
            codes,
            settings: &settings,
            today: date!(2026 - 02 - 20),
        };
        store
            .write(|tx| scrub_claim(tx, &actor, &scrubber, claim.meta.id))
            .unwrap()
    };

    // No NCCI files imported: not checked.
    let data = tempfile::tempdir().unwrap();
    let without = scrub(&codes::CodeSets::open(data.path()).unwrap());
    assert!(
        without
            .record
            .edits
            .iter()
            .all(|e| e.rule != "ncci-ptp" && e.rule != "mue"),
        "{:?}",
        without.record.edits
    );

    let files = tempfile::tempdir().unwrap();
    for (name, text) in [("ccipra-test-f1.txt", PTP), ("mue-test.csv", MUE)] {
        let path = files.path().join(name);
        std::fs::write(&path, text).unwrap();
        codes::CodeSets::import_ncci(&path, data.path()).unwrap();
    }
    let held = scrub(&codes::CodeSets::open(data.path()).unwrap());
    assert_eq!(held.record.status, ClaimStatus::Draft);
    let ncci: Vec<&ClaimEdit> = held
        .record
        .open_edits()
        .filter(|e| e.rule == "ncci-ptp" || e.rule == "mue")
        .collect();
    assert_eq!(ncci.len(), 3, "{ncci:?}");
    // 87880 is a column two code of 99213 (modifier 25 on 99213 does not help: indicator 0),
    // on both of its lines; and three units of it on the day are over its MUE of 2.
    let lines: Vec<(&str, &str)> = ncci
        .iter()
        .map(|e| (e.rule.as_str(), e.field.as_str()))
        .collect();
    assert!(lines.contains(&("ncci-ptp", "line 2 SV101")), "{lines:?}");
    assert!(lines.contains(&("ncci-ptp", "line 3 SV101")), "{lines:?}");
    assert!(lines.contains(&("mue", "line 3 SV104")), "{lines:?}");
    let pair = ncci.iter().find(|e| e.rule == "ncci-ptp").unwrap();
    assert!(
        pair.source.contains("NCCI practitioner PTP"),
        "{}",
        pair.source
    );
    assert!(
        pair.message.contains("column two code of 99213")
            && pair.message.contains("Mutually exclusive"),
        "{}",
        pair.message
    );
    assert!(ncci.iter().any(|e| e.message.contains("3 units of 87880")));

    // A file damaged after import is a warning on the claim, not a silent pass.
    let kept = std::fs::read_dir(data.path().join(codes::NCCI_DIR))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("ccipra"))
        .unwrap();
    std::fs::write(&kept, b"\x1f\x8b\x08\x00broken").unwrap();
    let warned = scrub(&codes::CodeSets::open(data.path()).unwrap());
    let warning = warned
        .record
        .edits
        .iter()
        .find(|e| e.rule == "ncci-ptp")
        .expect("the damaged file is named");
    assert!(!warning.blocking);
    assert!(
        warning.message.contains("ccipra-test-f1"),
        "{}",
        warning.message
    );
}

backend_tests!(a_pair_and_units_over_the_mue_hold_the_claim_naming_the_lines);
