//! Bulk NDJSON export: one file per resource type, every line a resource our validator
//! accepts, ids and meta from the store.

use std::path::Path;
use test_support::{TestStore, backend_tests};

fn lines(dir: &Path, file: &str) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join(file))
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn every_kind_exports_valid_resources(store: &TestStore) {
    let chart = crate::fixtures::chart(store);
    let dir = tempfile::tempdir().unwrap();
    let counts = fhir::export_ndjson(store, dir.path()).unwrap();
    let count = |name: &str| counts.iter().find(|(file, _)| file == name).unwrap().1;
    assert_eq!(count("Patient.ndjson"), 1);
    assert_eq!(count("Organization.ndjson"), 2, "facility and payer");
    assert_eq!(count("Condition.ndjson"), 2, "diagnosis and problem");
    assert_eq!(count("Observation.ndjson"), 3);
    for name in [
        "Coverage.ndjson",
        "Encounter.ndjson",
        "Procedure.ndjson",
        "Immunization.ndjson",
        "MedicationStatement.ndjson",
        "AllergyIntolerance.ndjson",
        "DocumentReference.ndjson",
        "Practitioner.ndjson",
        "ChargeItem.ndjson",
    ] {
        assert_eq!(count(name), 1, "{name}");
    }
    for (file, _) in &counts {
        for resource in lines(dir.path(), file) {
            let issues = fhir::validate_value(&resource);
            assert!(issues.is_empty(), "{file}: {resource}\n{issues:?}");
        }
    }
    let patient = &lines(dir.path(), "Patient.ndjson")[0];
    assert_eq!(patient["id"], chart.patient.to_string());
    assert_eq!(patient["meta"]["versionId"], "1");
    assert_eq!(patient["meta"]["lastUpdated"], "2026-03-02T14:00:00Z");
    assert_eq!(patient["name"][0]["given"], serde_json::json!(["Ada", "B"]));
    let encounter = &lines(dir.path(), "Encounter.ndjson")[0];
    assert_eq!(
        encounter["subject"]["reference"],
        format!("Patient/{}", chart.patient)
    );
    assert_eq!(encounter["class"]["code"], "IMP");
    let weight = lines(dir.path(), "Observation.ndjson")
        .into_iter()
        .find(|o| o["code"]["coding"][0]["code"] == "29463-7")
        .unwrap();
    assert_eq!(weight["valueQuantity"]["value"].to_string(), "72.5");
    let conditions = lines(dir.path(), "Condition.ndjson");
    assert!(
        conditions
            .iter()
            .any(|c| c["code"]["coding"][0]["system"] == fhir::ICD10CM
                && c["encounter"]["reference"] == format!("Encounter/{}", chart.encounter))
    );
    assert!(
        conditions
            .iter()
            .any(|c| c["id"].as_str().unwrap().starts_with("problem-")
                && c["code"]["coding"][0]["system"] == fhir::SNOMED)
    );
    let procedure = &lines(dir.path(), "Procedure.ndjson")[0];
    assert_eq!(procedure["code"]["coding"][0]["system"], fhir::ICD10PCS);
    // A charge is a ChargeItem: the patient, its encounter, the code and the amount in
    // dollars. No claim was drafted, so there is no Claim and no ExplanationOfBenefit.
    assert_eq!(count("Claim.ndjson"), 0);
    assert_eq!(count("ExplanationOfBenefit.ndjson"), 0);
    let item = &lines(dir.path(), "ChargeItem.ndjson")[0];
    assert_eq!(item["status"], "billable");
    assert_eq!(
        item["subject"]["reference"],
        format!("Patient/{}", chart.patient)
    );
    assert_eq!(
        item["context"]["reference"],
        format!("Encounter/{}", chart.encounter)
    );
    assert_eq!(item["code"]["coding"][0]["system"], fhir::CPT);
    assert_eq!(item["code"]["coding"][0]["code"], "99223");
    let text = std::fs::read_to_string(dir.path().join("ChargeItem.ndjson")).unwrap();
    assert!(
        text.contains(r#""priceOverride":{"value":412.50"#),
        "cents kept exactly: {text}"
    );
    let immunization = &lines(dir.path(), "Immunization.ndjson")[0];
    assert_eq!(
        immunization["vaccineCode"]["coding"][0]["system"],
        fhir::CVX
    );
}

fn demo_population_exports_valid_resources(store: &TestStore) {
    demo::generate(
        store,
        &demo::DemoOptions {
            patients: 5,
            seed: 3,
            as_of: time::macros::date!(2026 - 03 - 01),
            batch_size: 5,
        },
        &mut |_| {},
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let counts = fhir::export_ndjson(store, dir.path()).unwrap();
    let mut n_resources = 0;
    for (file, n) in &counts {
        for resource in lines(dir.path(), file) {
            let issues = fhir::validate_value(&resource);
            assert!(issues.is_empty(), "{file}: {resource}\n{issues:?}");
        }
        n_resources += n;
    }
    assert!(n_resources > 50, "{counts:?}");
}

fn soft_deleted_records_are_not_exported(store: &TestStore) {
    let chart = crate::fixtures::chart(store);
    store
        .write(|tx| {
            tx.delete::<records::Encounter>(
                &store::Actor::new("test"),
                chart.encounter,
                1,
                "entered on the wrong chart",
            )
        })
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let counts = fhir::export_ndjson(store, dir.path()).unwrap();
    assert!(
        counts.contains(&("Encounter.ndjson".to_owned(), 0)),
        "{counts:?}"
    );
}

fn a_filter_chooses_types_and_changes_since_and_progress_can_stop_it(store: &TestStore) {
    crate::fixtures::chart(store);
    let dir = tempfile::tempdir().unwrap();
    let mut seen = Vec::new();
    let filter = fhir::ExportFilter {
        types: Some(vec!["Patient".into(), "Condition".into()]),
        since: Some(time::macros::datetime!(2026-03-02 13:59:59 UTC)),
        patients: None,
    };
    let counts = fhir::export_ndjson_filtered(store, dir.path(), &filter, &mut |t, n| {
        seen.push((t.to_owned(), n));
        std::ops::ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(
        counts,
        vec![
            ("Patient.ndjson".to_owned(), 1),
            ("Condition.ndjson".to_owned(), 2)
        ]
    );
    assert!(!dir.path().join("Encounter.ndjson").exists());
    assert!(seen.contains(&("Patient".to_owned(), 1)), "{seen:?}");

    // `_since` is strictly after: records last changed at that instant are left out.
    let later = fhir::ExportFilter {
        types: Some(vec!["Patient".into()]),
        since: Some(time::macros::datetime!(2026-03-02 14:00:00 UTC)),
        patients: None,
    };
    let counts = fhir::export_ndjson_filtered(store, dir.path(), &later, &mut |_, _| {
        std::ops::ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(counts, vec![("Patient.ndjson".to_owned(), 0)]);

    let stopped = fhir::export_ndjson_filtered(
        store,
        dir.path(),
        &fhir::ExportFilter::default(),
        &mut |_, _| std::ops::ControlFlow::Break(()),
    );
    assert!(matches!(stopped, Err(fhir::Error::Stopped)), "{stopped:?}");
}

fn a_patient_list_exports_only_those_compartments(store: &TestStore) {
    let chart = crate::fixtures::chart(store);
    let actor = store::Actor::new("test");
    let other = store
        .write(|tx| {
            let mut patient = tx.find::<records::Patient>(chart.patient)?.unwrap().record;
            patient.mrn = records::Mrn::parse("T-200").unwrap();
            patient.given_name = "Other".into();
            let other = tx.create(&actor, &patient)?.meta.id;
            tx.create(
                &actor,
                &records::ClinicalNote {
                    patient_id: records::PatientId(other),
                    encounter_id: None,
                    note_type: records::NoteType::Progress,
                    author_id: None,
                    authored_at: time::macros::datetime!(2026-02-01 09:00 UTC),
                    text: "Not in the group.".into(),
                    signed_at: None,
                    signer_id: None,
                },
            )?;
            tx.create(
                &actor,
                &records::PatientGroup {
                    name: "Panel".into(),
                    identifier_system: None,
                    identifier_value: None,
                    members: vec![records::PatientId(chart.patient)],
                },
            )?;
            Ok(other)
        })
        .unwrap();
    let dir = tempfile::tempdir().unwrap();

    // Every patient: both charts, and the group at system level.
    let counts = fhir::export_ndjson(store, dir.path()).unwrap();
    assert!(
        counts.contains(&("Patient.ndjson".to_owned(), 2)),
        "{counts:?}"
    );
    assert!(counts.contains(&("DocumentReference.ndjson".to_owned(), 2)));
    let group = &lines(dir.path(), "Group.ndjson")[0];
    assert!(fhir::validate_value(group).is_empty(), "{group}");
    assert_eq!(
        group["member"][0]["entity"]["reference"],
        format!("Patient/{}", chart.patient)
    );

    // Only the member's compartment; directory entries and groups stay empty.
    for members in [vec![chart.patient], vec![chart.patient, chart.patient]] {
        let filter = fhir::ExportFilter {
            patients: Some(members),
            ..fhir::ExportFilter::default()
        };
        let counts = fhir::export_ndjson_filtered(store, dir.path(), &filter, &mut |_, _| {
            std::ops::ControlFlow::Continue(())
        })
        .unwrap();
        let count = |name: &str| counts.iter().find(|(file, _)| file == name).unwrap().1;
        assert_eq!(count("Patient.ndjson"), 1);
        assert_eq!(count("DocumentReference.ndjson"), 1);
        assert_eq!(count("ChargeItem.ndjson"), 1);
        assert_eq!(count("Organization.ndjson"), 0);
        assert_eq!(count("Group.ndjson"), 0);
        for (file, _) in &counts {
            let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
            assert!(
                !text.contains(&format!("Patient/{other}\"")),
                "{file}: {text}"
            );
        }
    }
    // An empty roster exports nothing.
    let filter = fhir::ExportFilter {
        patients: Some(Vec::new()),
        ..fhir::ExportFilter::default()
    };
    let counts = fhir::export_ndjson_filtered(store, dir.path(), &filter, &mut |_, _| {
        std::ops::ControlFlow::Continue(())
    })
    .unwrap();
    assert!(counts.iter().all(|(_, n)| *n == 0), "{counts:?}");
}

backend_tests!(
    a_patient_list_exports_only_those_compartments,
    every_kind_exports_valid_resources,
    a_filter_chooses_types_and_changes_since_and_progress_can_stop_it,
    demo_population_exports_valid_resources,
    soft_deleted_records_are_not_exported,
);
