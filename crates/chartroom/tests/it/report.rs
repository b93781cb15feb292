//! `chartroom report case`: a chart imported with a measles diagnosis and a positive
//! pertussis PCR makes one case each; billing is refused; public health lists, shows and
//! marks them and sends the pertussis case's eICR and ORU^R01, which re-parse and enter the
//! patient's accounting of disclosures; a bad triggers file is refused naming its line.

use crate::audit_trail::{fails, ok, run};
use serde_json::{Value, json};

fn bundle() -> Value {
    let reference = |id: &str| json!({ "reference": format!("urn:uuid:{id}") });
    let entry = |id: &str, resource: Value| {
        let kind = resource["resourceType"].as_str().unwrap().to_owned();
        json!({
            "fullUrl": format!("urn:uuid:{id}"),
            "resource": resource,
            "request": { "method": "POST", "url": kind },
        })
    };
    json!({
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            entry("00000000-0000-4000-8000-000000000001", json!({
                "resourceType": "Patient",
                "identifier": [{
                    "type": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR" }] },
                    "system": "urn:chartroom:mrn:TEST",
                    "value": "R100",
                }],
                "name": [{ "family": "Casefinder", "given": ["Rita"] }],
                "gender": "female",
                "birthDate": "1990-02-03",
            })),
            entry("00000000-0000-4000-8000-000000000002", json!({
                "resourceType": "Encounter",
                "status": "finished",
                "class": { "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB" },
                "subject": reference("00000000-0000-4000-8000-000000000001"),
                "period": { "start": "2026-11-30T09:00:00Z", "end": "2026-11-30T09:40:00Z" },
            })),
            entry("00000000-0000-4000-8000-000000000003", json!({
                "resourceType": "Condition",
                "category": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/condition-category", "code": "encounter-diagnosis" }] }],
                "code": { "coding": [{ "system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "B05.9" }] },
                "subject": reference("00000000-0000-4000-8000-000000000001"),
                "encounter": reference("00000000-0000-4000-8000-000000000002"),
            })),
            entry("00000000-0000-4000-8000-000000000004", json!({
                "resourceType": "Observation",
                "status": "final",
                "category": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory" }] }],
                "code": { "coding": [{ "system": "http://loinc.org", "code": "43913-3", "display": "Bordetella pertussis DNA by NAA" }] },
                "subject": reference("00000000-0000-4000-8000-000000000001"),
                "encounter": reference("00000000-0000-4000-8000-000000000002"),
                "effectiveDateTime": "2026-11-30T10:00:00Z",
                "valueCodeableConcept": { "coding": [{ "system": "http://snomed.info/sct", "code": "5247005", "display": "Bordetella pertussis" }] },
            })),
        ],
    })
}

#[test]
fn public_health_works_and_sends_cases_from_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["init"]);
    let import = dir.path().join("fhir");
    std::fs::create_dir_all(&import).unwrap();
    std::fs::write(import.join("chart.json"), bundle().to_string()).unwrap();
    ok(&data, &["import", "--fhir", import.to_str().unwrap()]);
    for (name, role) in [("ph", "public-health"), ("bo", "billing")] {
        let added = run(
            &data,
            &["user", "add", name, "--role", role, "--password-stdin"],
            "Correct-Horse-42\n",
        );
        assert!(added.status.success(), "{added:?}");
    }

    let refused = fails(&data, &["report", "case", "list", "--as", "bo"], "");
    assert!(
        refused.contains("needs the report-cases permission"),
        "{refused}"
    );

    let listed: Value = serde_json::from_str(&ok(
        &data,
        &["--json", "report", "case", "list", "--as", "ph"],
    ))
    .unwrap();
    let cases = listed["cases"].as_array().unwrap();
    let mut found: Vec<(String, String)> = cases
        .iter()
        .map(|c| {
            (
                c["condition"].as_str().unwrap().to_owned(),
                c["trigger_source"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("measles".to_owned(), "diagnosis".to_owned()),
            ("pertussis".to_owned(), "lab".to_owned())
        ]
    );
    let id_of = |condition: &str| {
        cases.iter().find(|c| c["condition"] == condition).unwrap()["id"]
            .as_i64()
            .unwrap()
            .to_string()
    };
    let (measles, pertussis) = (id_of("measles"), id_of("pertussis"));
    let patient = cases[0]["patient_id"].as_i64().unwrap().to_string();

    let shown = ok(&data, &["report", "case", "show", &pertussis, "--as", "ph"]);
    assert!(
        shown.contains("snomed") && shown.contains("5247005") && shown.contains("Casefinder"),
        "{shown}"
    );
    let marked = ok(
        &data,
        &[
            "report",
            "case",
            "mark",
            &measles,
            "not-reportable",
            "--note",
            "vaccine rash",
            "--as",
            "ph",
        ],
    );
    assert!(marked.contains("marked not_reportable"), "{marked}");
    let unsendable = fails(
        &data,
        &["report", "case", "send", &measles, "--as", "ph"],
        "",
    );
    assert!(unsendable.contains("not reportable"), "{unsendable}");
    let wrong = fails(
        &data,
        &[
            "report", "case", "send", &measles, "--oru", "-", "--as", "ph",
        ],
        "",
    );
    assert!(wrong.contains("nothing was reported"), "{wrong}");

    let eicr = dir.path().join("eicr.json");
    let oru = dir.path().join("oru.hl7");
    ok(
        &data,
        &[
            "report",
            "case",
            "send",
            &pertussis,
            "--eicr",
            eicr.to_str().unwrap(),
            "--oru",
            oru.to_str().unwrap(),
            "--to",
            "Example County Health Department",
            "--as",
            "ph",
        ],
    );
    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(&eicr).unwrap()).unwrap();
    assert_eq!(bundle["type"], "document");
    let text = std::fs::read_to_string(&oru).unwrap();
    let message = hl7::parse(&text).unwrap();
    assert_eq!(message.all("OBX").count(), 1);
    assert!(
        text.contains("43913-3^Bordetella pertussis DNA by NAA^LN"),
        "{text}"
    );
    assert!(text.contains("5247005^Bordetella pertussis^SCT"), "{text}");

    let after: Value = serde_json::from_str(&ok(
        &data,
        &[
            "--json", "report", "case", "list", "--status", "reported", "--as", "ph",
        ],
    ))
    .unwrap();
    assert_eq!(after["cases"].as_array().unwrap().len(), 1);

    // The accounting of disclosures shows the report.
    let account: Value =
        serde_json::from_str(&ok(&data, &["--json", "disclosures", &patient])).unwrap();
    let lines = account["disclosures"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "{account}");
    let line = &lines[0];
    let recipient = line["recipient"]
        .as_str()
        .or(line["record"]["recipient"].as_str());
    assert_eq!(
        recipient,
        Some("Example County Health Department"),
        "{account}"
    );
    assert!(
        account.to_string().contains("fhir-eicr+hl7-oru"),
        "{account}"
    );
}

#[test]
fn a_bad_triggers_file_is_refused_naming_its_lines() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["init"]);
    let file = dir.path().join("reportable.toml");
    std::fs::write(
        &file,
        "jurisdiction = \"Example State\"\n\n[conditions.local]\nname = \"Local\"\nicd10cm = [\"Q99.99\"]\n",
    )
    .unwrap();
    let path = file.display().to_string();
    let refused = fails(&data, &["report", "case", "triggers", "--file", &path], "");
    assert!(
        refused.contains(&format!(
            "{path}:5: conditions.local.icd10cm: \"Q99.99\" names no ICD-10-CM code"
        )),
        "{refused}"
    );
    std::fs::write(
        &file,
        "jurisdiction = \"Example State\"\n[conditions.lyme]\nenabled = false\n",
    )
    .unwrap();
    let accepted = ok(&data, &["report", "case", "triggers", "--file", &path]);
    assert!(accepted.contains("Example State"), "{accepted}");
}
