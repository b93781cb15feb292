//! Synthea transaction bundles in: stored whole, re-runs skip, a bad bundle stores nothing
//! and the report names every bad resource with its FHIRPath-like expression.

use fhir::{ImportOptions, import_bundle_text};
use store::Actor;
use test_support::{TestStore, backend_tests};

const TRIMMED: &str = include_str!("data/synthea-trimmed.json");

fn options() -> ImportOptions {
    ImportOptions {
        actor: Actor::new("import:fhir"),
    }
}

fn count(store: &TestStore, table: &str) -> i64 {
    store
        .read(|tx| Ok(tx.query(&format!("SELECT COUNT(*) FROM {table}"), &[])?[0].int(0)))
        .unwrap()
}

fn synthea_bundle_is_stored(store: &TestStore) {
    let (report, rejections) =
        import_bundle_text(store, "trimmed.json", TRIMMED, &options()).unwrap();
    assert!(rejections.is_empty(), "{rejections:?}");
    assert_eq!(report.rejected, 0);
    assert_eq!(count(store, "patients"), 1);
    assert_eq!(count(store, "encounters"), 3);
    assert!(
        count(store, "observations") >= 6,
        "panels become one observation per component"
    );
    assert_eq!(
        count(store, "problems"),
        3,
        "SNOMED-coded conditions go on the problem list"
    );
    assert_eq!(count(store, "notes"), 2);
    assert_eq!(count(store, "allergies"), 1);
    // Claim, MedicationRequest and Location are not kept.
    assert_eq!(report.skipped, 3, "{report:?}");
    let patient = store
        .read(|tx| tx.select::<records::Patient>("1 = 1", &[], "id", 1))
        .unwrap()
        .remove(0);
    assert_eq!(patient.record.family_name, "Gerhold");
    assert_eq!(patient.record.mrn.as_str(), "1666960");
    assert_eq!(patient.meta.created_by, "import:fhir");
}

fn reimport_skips_what_is_stored(store: &TestStore) {
    let (first, _) = import_bundle_text(store, "trimmed.json", TRIMMED, &options()).unwrap();
    let (second, rejections) =
        import_bundle_text(store, "trimmed.json", TRIMMED, &options()).unwrap();
    assert!(rejections.is_empty(), "{rejections:?}");
    assert_eq!(second.accepted, 0);
    assert_eq!(second.skipped, first.accepted + first.skipped);
    assert_eq!(count(store, "patients"), 1);
    assert_eq!(count(store, "encounters"), 3);
}

fn a_bad_resource_stores_nothing_and_names_every_problem(store: &TestStore) {
    let mut bundle: serde_json::Value = serde_json::from_str(TRIMMED).unwrap();
    let entries = bundle["entry"].as_array_mut().unwrap();
    let patient_idx = entries
        .iter()
        .position(|e| e["resource"]["resourceType"] == "Patient")
        .unwrap();
    entries[patient_idx]["resource"]["gender"] = "M".into();
    let encounter_idx = entries
        .iter()
        .position(|e| e["resource"]["resourceType"] == "Encounter")
        .unwrap();
    entries[encounter_idx]["resource"]["period"]["start"] = "yesterday".into();
    let text = serde_json::to_string_pretty(&bundle).unwrap();
    let (report, rejections) = import_bundle_text(store, "bad.json", &text, &options()).unwrap();
    assert_eq!(report.accepted, 0);
    assert_eq!(report.rejected, 2);
    let columns: Vec<_> = rejections.iter().filter_map(|r| r.column.clone()).collect();
    assert!(
        columns.contains(&format!("Bundle.entry[{patient_idx}].resource.gender")),
        "{rejections:?}"
    );
    assert!(
        columns.contains(&format!(
            "Bundle.entry[{encounter_idx}].resource.period.start"
        )),
        "{rejections:?}"
    );
    let gender = rejections
        .iter()
        .find(|r| r.column.as_deref().is_some_and(|c| c.ends_with(".gender")))
        .unwrap();
    assert!(
        gender.line > 1,
        "the line of the entry in a pretty-printed file"
    );
    assert!(
        rejections
            .last()
            .unwrap()
            .reason
            .contains("bundle not stored")
    );
    assert_eq!(count(store, "patients"), 0);
    assert_eq!(count(store, "organizations"), 0);
}

fn unresolvable_reference_is_rejected(store: &TestStore) {
    let bundle = serde_json::json!({
        "resourceType": "Bundle", "type": "transaction",
        "entry": [{"fullUrl": "urn:uuid:00000000-0000-4000-8000-000000000001",
                   "resource": {"resourceType": "Encounter", "status": "finished", "class": {"code": "AMB"},
                                "subject": {"reference": "Patient/999"}, "period": {"start": "2026-01-01T10:00:00Z"}},
                   "request": {"method": "POST", "url": "Encounter"}}]
    });
    let (report, rejections) =
        import_bundle_text(store, "ref.json", &bundle.to_string(), &options()).unwrap();
    assert_eq!(report.rejected, 1);
    assert_eq!(
        rejections[0].column.as_deref(),
        Some("Bundle.entry[0].resource.subject")
    );
    assert!(
        rejections[0].reason.contains("Patient/999"),
        "{rejections:?}"
    );
}

fn not_a_bundle_is_one_rejection(store: &TestStore) {
    let (report, rejections) = import_bundle_text(
        store,
        "x.json",
        "{\"resourceType\": \"Patient\"}",
        &options(),
    )
    .unwrap();
    assert_eq!(report.rejected, 1);
    assert_eq!(rejections.len(), 1);
    let (_, rejections) = import_bundle_text(store, "y.json", "{ not json", &options()).unwrap();
    assert!(
        rejections[0].reason.starts_with("not a FHIR Bundle"),
        "{rejections:?}"
    );
}

fn import_then_export_round_trips_through_the_validator(store: &TestStore) {
    import_bundle_text(store, "trimmed.json", TRIMMED, &options()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (file, _) in fhir::export_ndjson(store, dir.path()).unwrap() {
        for line in std::fs::read_to_string(dir.path().join(&file))
            .unwrap()
            .lines()
        {
            let issues = fhir::validate_resource(line);
            assert!(issues.is_empty(), "{file}: {line}\n{issues:?}");
        }
    }
}

backend_tests!(
    synthea_bundle_is_stored,
    reimport_skips_what_is_stored,
    a_bad_resource_stores_nothing_and_names_every_problem,
    unresolvable_reference_is_rejected,
    not_a_bundle_is_one_rejection,
    import_then_export_round_trips_through_the_validator,
);

/// The full Synthea sample, when the shared data is present (skips cleanly otherwise).
#[test]
fn shared_synthea_sample_imports_without_rejections() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/synthea/fhir-10-patients.tar.gz");
    if !path.exists() {
        eprintln!("{} absent: skipped", path.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("tar")
        .arg("xzf")
        .arg(&path)
        .arg("-C")
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    let store = test_support::sqlite_store();
    let report = fhir::import_dir(
        &store,
        &dir.path().join("fhir-10-patients"),
        &options(),
        &mut interop::batch::NoProgress,
    )
    .unwrap();
    assert!(
        report.rejections.is_empty(),
        "{:?}",
        &report.rejections[..report.rejections.len().min(10)]
    );
    assert_eq!(report.files.len(), 10);
    assert_eq!(count(&store, "patients"), 10);
}
