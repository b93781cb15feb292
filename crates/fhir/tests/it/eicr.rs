//! The eICR document Bundle of a case: a `document` Bundle whose first entry is the
//! Composition with the eICR sections, holding exactly the case's patient's records (another
//! patient's pertussis visit stays out), every reference resolving inside the Bundle, every
//! resource but the Composition passing Chartroom's validator; kept under
//! `CHARTROOM_FHIR_SAMPLES` for the official R4 schema (`test.sh`).

use crate::fixtures::chart;
use fhir::{EicrOptions, initial_case_report, validate_value};
use records::*;
use serde_json::Value;
use std::collections::BTreeSet;
use store::{Actor, Stored};
use test_support::{TestStore, backend_tests};
use time::macros::{date, datetime};

fn pertussis(tx: &mut store::Tx<'_>, patient: i64, encounter: i64) -> i64 {
    tx.create(
        &Actor::new("test"),
        &Diagnosis {
            patient_id: PatientId(patient),
            encounter_id: EncounterId(encounter),
            code: "A37.90".into(),
            rank: DiagnosisRank::Secondary,
            sequence: 2,
            poa: None,
            description: Some("Whooping cough & <unspecified> species".into()),
            onset_at: None,
        },
    )
    .unwrap()
    .meta
    .id
}

fn the_eicr_holds_exactly_the_cases_patient(store: &TestStore) {
    let ours = chart(store);
    let actor = Actor::new("test");
    let (case, other_patient) = store
        .write(|tx| {
            let trigger = pertussis(tx, ours.patient, ours.encounter);
            tx.create(
                &actor,
                &Observation {
                    patient_id: PatientId(ours.patient),
                    encounter_id: Some(EncounterId(ours.encounter)),
                    code: "43913-3".into(),
                    description: Some("Bordetella pertussis DNA by NAA".into()),
                    category: Some("laboratory".into()),
                    value: ObservationValue::Text {
                        value_text: "Detected".into(),
                    },
                    effective_at: datetime!(2026-01-06 10:00 UTC),
                },
            )?;
            let mrn = tx.assign_mrn()?;
            let other = tx.create(
                &actor,
                &Patient::new(
                    mrn,
                    FACILITY_MRN_AUTHORITY,
                    "Other",
                    "Olive",
                    date!(1991 - 05 - 05),
                    AdministrativeSex::Female,
                ),
            )?;
            let visit = tx.create(
                &actor,
                &Encounter::check_in(
                    PatientId(other.meta.id),
                    EncounterClass::Outpatient,
                    datetime!(2026-01-06 09:00 UTC),
                    None,
                    None,
                ),
            )?;
            pertussis(tx, other.meta.id, visit.meta.id);
            let case = tx.create(
                &actor,
                &CaseReport {
                    patient_id: PatientId(ours.patient),
                    encounter_id: Some(EncounterId(ours.encounter)),
                    condition: "pertussis".into(),
                    condition_name: "Pertussis".into(),
                    trigger_code: "A37.90".into(),
                    trigger_system: "icd10cm".into(),
                    trigger_source: TriggerSource::Diagnosis,
                    trigger_record_id: trigger,
                    found_at: datetime!(2026-01-08 12:00 UTC),
                    withdrawn_at: None,
                    status: CaseStatus::New,
                    note: None,
                    worked_by: None,
                    worked_at: None,
                },
            )?;
            Ok((case, other.meta.id))
        })
        .unwrap();
    let bundle = store
        .read(|tx| {
            initial_case_report(
                tx,
                &case,
                &EicrOptions {
                    base: "https://chartroom.example.org/fhir",
                    facility_name: "Harbor General",
                    document_id: "case-1-1",
                    at: datetime!(2026-01-08 13:00 UTC),
                },
            )
        })
        .unwrap();
    check(&bundle, &case, ours.patient, other_patient);
    if let Some(dir) = std::env::var_os("CHARTROOM_FHIR_SAMPLES") {
        std::fs::create_dir_all(&dir).unwrap();
        let path = std::path::Path::new(&dir).join("eicr-case.json");
        std::fs::write(path, bundle.to_string()).unwrap();
    }
}

fn check(bundle: &Value, case: &Stored<CaseReport>, patient: i64, other: i64) {
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "document");
    assert_eq!(bundle["identifier"]["value"], "case-1-1");
    assert_eq!(bundle["timestamp"], "2026-01-08T13:00:00Z");
    let entries = bundle["entry"].as_array().unwrap();
    let composition = &entries[0]["resource"];
    assert_eq!(composition["resourceType"], "Composition");
    assert_eq!(composition["type"]["coding"][0]["code"], "55751-2");
    assert_eq!(
        composition["subject"]["reference"],
        format!("Patient/{patient}")
    );
    let sections: Vec<&str> = composition["section"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        sections,
        [
            "Reportable condition",
            "Reason for visit",
            "Encounters",
            "Problems",
            "Results",
            "Immunizations"
        ]
    );
    let div = composition["section"][3]["text"]["div"].as_str().unwrap();
    assert!(
        div.contains(
            "A37.90 Whooping cough &amp; &lt;unspecified&gt; species (reportable-condition trigger)"
        ),
        "{div}"
    );
    let results = composition["section"][4]["text"]["div"].as_str().unwrap();
    assert!(
        results.contains("LOINC 43913-3") && !results.contains("8302-2"),
        "{results}"
    );
    assert!(
        composition["section"][0]["text"]["div"]
            .as_str()
            .unwrap()
            .contains(&format!("case_report {}", case.meta.id))
    );

    // Every entry's full URL is its type and id under the base, once.
    let mut urls = BTreeSet::new();
    for entry in entries {
        let r = &entry["resource"];
        assert_eq!(
            entry["fullUrl"],
            format!(
                "https://chartroom.example.org/fhir/{}/{}",
                r["resourceType"].as_str().unwrap(),
                r["id"].as_str().unwrap()
            )
        );
        assert!(urls.insert(entry["fullUrl"].as_str().unwrap().to_owned()));
        if r["resourceType"] != "Composition" {
            assert_eq!(validate_value(r), vec![], "{r}");
        }
    }
    // Exactly the patient's: one Patient, every reference resolving inside, no other chart.
    let kinds: Vec<&str> = entries
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "Patient").count(), 1);
    assert_eq!(kinds.iter().filter(|k| **k == "Condition").count(), 2);
    assert_eq!(kinds.iter().filter(|k| **k == "Encounter").count(), 1);
    assert!(kinds.contains(&"Practitioner") && kinds.contains(&"Organization"));
    assert!(kinds.contains(&"Immunization") && kinds.contains(&"Observation"));
    let mut references = Vec::new();
    collect_references(bundle, &mut references);
    for reference in &references {
        assert!(
            urls.contains(&format!("https://chartroom.example.org/fhir/{reference}")),
            "{reference} does not resolve in the bundle"
        );
        assert_ne!(reference, &format!("Patient/{other}"));
    }
    let text = bundle.to_string();
    assert!(!text.contains("Olive"));
}

fn collect_references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "reference" {
                    if let Some(text) = v.as_str() {
                        out.push(text.to_owned());
                    }
                } else {
                    collect_references(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_references(v, out)),
        _ => {}
    }
}

backend_tests!(the_eicr_holds_exactly_the_cases_patient);
