//! FHIR Bulk Data `$export`: the asynchronous kick-off, status polling, the manifest and
//! NDJSON downloads, job ownership, permissions, refusals of bad parameters, and the
//! audit entries of the kick-off and of every download.

use crate::fhir_rest::{fhir, signed_in};
use crate::harness::{Harness, Reply};
use axum::http::StatusCode;
use privacy::{Action, Channel, DataCategory, Role};
use serde_json::Value;

pub const ASYNC: (&str, &str) = ("prefer", "respond-async");
pub const ACCEPT: (&str, &str) = ("accept", "application/fhir+json");
const BASE: &str = "http://localhost";

/// A kick-off URI, its headers, the status expected and the element the outcome names.
type Refused = (
    &'static str,
    &'static [(&'static str, &'static str)],
    StatusCode,
    &'static str,
);

/// A small chart: two patients, an encounter, a note.
fn some_records(h: &Harness) {
    let first = h.add_patient("E100");
    h.add_patient("E200");
    h.add_encounter(
        first,
        records::EncounterClass::Outpatient,
        h.now() - time::Duration::days(3),
        Some(h.now() - time::Duration::days(3)),
    );
    h.add_note(first, "bulk export note");
}

/// The path of an absolute URL this server wrote.
pub fn path_of(url: &str) -> &str {
    url.strip_prefix(BASE).unwrap_or(url)
}

pub async fn kick_off(h: &Harness, me: &str, uri: &str) -> String {
    let reply = fhir(h, "GET", uri, me, None, &[ASYNC, ACCEPT]).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{uri}: {}", reply.body);
    assert_eq!(reply.body["resourceType"], "OperationOutcome");
    let location = reply.headers["content-location"].to_str().unwrap();
    assert!(
        location.starts_with("http://localhost/fhir/$export-status/"),
        "{location}"
    );
    path_of(location).to_owned()
}

/// Polls the status URL until the job is done; returns the manifest.
pub async fn finished(h: &Harness, me: &str, status: &str) -> Value {
    for _ in 0..1_000 {
        let reply = fhir(h, "GET", status, me, None, &[]).await;
        match reply.status {
            StatusCode::ACCEPTED => {
                assert!(reply.headers.contains_key("x-progress"), "{}", reply.body);
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            StatusCode::OK => {
                assert_eq!(reply.headers["content-type"], "application/json");
                return reply.body;
            }
            other => panic!("{status}: {other} {}", reply.body),
        }
    }
    panic!("{status} did not finish");
}

fn text_of(reply: &Reply) -> String {
    match &reply.body {
        Value::String(text) => text.clone(),
        // One line of NDJSON is itself JSON, and the harness parsed it.
        other => format!("{other}\n"),
    }
}

/// Fetches every output file of a manifest: each line parses, counts agree.
pub async fn download_all(h: &Harness, me: &str, manifest: &Value) -> Vec<(String, Vec<Value>)> {
    download_all_as(h, me, manifest, "api-export").await
}

/// `download_all`, keeping the files for the schema check as `<prefix>-<Type>.ndjson`.
pub async fn download_all_as(
    h: &Harness,
    me: &str,
    manifest: &Value,
    prefix: &str,
) -> Vec<(String, Vec<Value>)> {
    let mut files = Vec::new();
    let listed = manifest["extension"]["sha256Manifest"].as_str().unwrap();
    let reply = fhir(h, "GET", path_of(listed), me, None, &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{listed}: {}", reply.body);
    let listed = text_of(&reply);
    for output in manifest["output"].as_array().unwrap() {
        let file = output["url"].as_str().unwrap().rsplit('/').next().unwrap();
        let digest = output["extension"]["sha256"].as_str().unwrap();
        assert!(listed.contains(&format!("{digest}  {file}\n")), "{listed}");
    }
    for output in manifest["output"].as_array().unwrap() {
        let url = output["url"].as_str().unwrap();
        let reply = fhir(h, "GET", path_of(url), me, None, &[]).await;
        assert_eq!(reply.status, StatusCode::OK, "{url}: {}", reply.body);
        assert_eq!(reply.headers["content-type"], "application/fhir+ndjson");
        let text = text_of(&reply);
        let resources: Vec<Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        let type_name = output["type"].as_str().unwrap().to_owned();
        assert_eq!(resources.len() as u64, output["count"].as_u64().unwrap());
        assert!(resources.iter().all(|r| r["resourceType"] == type_name));
        // The file is the one the export's SHA-256 manifest lists (a one-line file comes
        // back parsed by the harness, so only files kept as text are compared byte for byte).
        if reply.body.is_string() {
            let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
            assert_eq!(output["extension"]["sha256"], hex::encode(digest), "{url}");
        }
        if let Some(dir) = std::env::var_os("CHARTROOM_FHIR_SAMPLES") {
            std::fs::create_dir_all(&dir).unwrap();
            let path = std::path::Path::new(&dir).join(format!("{prefix}-{type_name}.ndjson"));
            std::fs::write(path, &text).unwrap();
        }
        files.push((type_name, resources));
    }
    files
}

#[tokio::test]
async fn a_system_export_runs_in_the_background_and_its_files_match_the_manifest() {
    let h = Harness::new();
    some_records(&h);
    let me = signed_in(&h, &[Role::HimTechnician]).await;
    let status = kick_off(
        &h,
        &me,
        "/fhir/$export?_outputFormat=application/fhir%2Bndjson",
    )
    .await;
    let manifest = finished(&h, &me, &status).await;
    assert_eq!(manifest["requiresAccessToken"], true);
    assert_eq!(manifest["error"], serde_json::json!([]));
    assert!(
        manifest["request"]
            .as_str()
            .unwrap()
            .starts_with("http://localhost/fhir/$export?_outputFormat="),
        "{manifest}"
    );
    assert!(manifest["transactionTime"].as_str().unwrap().ends_with('Z'));
    let files = download_all(&h, &me, &manifest).await;
    let count = |name: &str| {
        files
            .iter()
            .find(|(t, _)| t == name)
            .map_or(0, |(_, r)| r.len())
    };
    assert_eq!(count("Patient"), 2, "{manifest}");
    assert_eq!(count("Encounter"), 1);
    assert_eq!(count("DocumentReference"), 1);
    // Empty files are not listed.
    assert!(files.iter().all(|(_, resources)| !resources.is_empty()));

    // The kick-off and each download are audited as exports on the FHIR channel.
    let exports: Vec<_> = h
        .audit()
        .into_iter()
        .filter(|e| e.event.channel == Channel::Fhir && e.event.action == Action::Export)
        .collect();
    // The kick-off, each file and the SHA-256 manifest.
    assert_eq!(exports.len(), 2 + files.len(), "{exports:#?}");
    let kick_off_entry = &exports[0].event;
    assert!(kick_off_entry.categories.contains(&DataCategory::Notes));
    assert!(
        kick_off_entry
            .categories
            .contains(&DataCategory::Demographics)
    );
    assert!(
        kick_off_entry
            .reason
            .as_deref()
            .unwrap()
            .contains("bulk export job"),
        "{kick_off_entry:?}"
    );
    assert!(
        exports[1..]
            .iter()
            .all(|e| e.event.reason.as_deref().unwrap().contains("downloaded"))
    );

    // Cancelling a finished job removes it.
    let deleted = fhir(&h, "DELETE", &status, &me, None, &[]).await;
    assert_eq!(deleted.status, StatusCode::ACCEPTED, "{}", deleted.body);
    let gone = fhir(&h, "GET", &status, &me, None, &[]).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.body["resourceType"], "OperationOutcome");
    let file = manifest["output"][0]["url"].as_str().unwrap();
    let file = fhir(&h, "GET", path_of(file), &me, None, &[]).await;
    assert_eq!(file.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn type_since_and_patient_level_choose_what_is_exported() {
    let h = Harness::new();
    some_records(&h);
    let me = signed_in(&h, &[Role::HimTechnician]).await;

    let status = kick_off(&h, &me, "/fhir/$export?_type=Patient").await;
    let manifest = finished(&h, &me, &status).await;
    let files = download_all(&h, &me, &manifest).await;
    assert_eq!(files.len(), 1, "{manifest}");
    assert_eq!(files[0].0, "Patient");
    assert_eq!(files[0].1.len(), 2);

    // Nothing changed after an instant in the future.
    let status = kick_off(
        &h,
        &me,
        "/fhir/Patient/$export?_since=2099-01-01T00:00:00Z&_type=Patient,Encounter",
    )
    .await;
    let manifest = finished(&h, &me, &status).await;
    assert_eq!(manifest["output"], serde_json::json!([]), "{manifest}");

    // The Patient level leaves out directory entries.
    let practitioner = fhir(
        &h,
        "GET",
        "/fhir/Patient/$export?_type=Practitioner",
        &me,
        None,
        &[ASYNC],
    )
    .await;
    assert_eq!(practitioner.status, StatusCode::BAD_REQUEST);
    let status = kick_off(&h, &me, "/fhir/Patient/$export").await;
    let manifest = finished(&h, &me, &status).await;
    let types: Vec<&str> = manifest["output"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["type"].as_str().unwrap())
        .collect();
    assert!(
        types.contains(&"Patient") && types.contains(&"Encounter"),
        "{types:?}"
    );
    assert!(!types.contains(&"Organization") && !types.contains(&"Practitioner"));
}

/// The types in a finished job's manifest.
pub fn types_of(manifest: &Value) -> Vec<String> {
    manifest["output"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["type"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn charges_are_exported_as_charge_items_at_system_and_patient_level_and_by_type() {
    let h = Harness::new();
    some_records(&h);
    let patient = h.add_patient("E300");
    let charge = h.add_charge(patient, "99213", 12_550);
    let me = signed_in(&h, &[Role::HimTechnician, Role::Billing]).await;

    for uri in [
        "/fhir/$export",
        "/fhir/Patient/$export",
        "/fhir/$export?_type=ChargeItem",
        "/fhir/Patient/$export?_type=ChargeItem,Patient",
    ] {
        let status = kick_off(&h, &me, uri).await;
        let manifest = finished(&h, &me, &status).await;
        let files = download_all(&h, &me, &manifest).await;
        let (_, items) = files
            .iter()
            .find(|(t, _)| t == "ChargeItem")
            .unwrap_or_else(|| panic!("{uri}: no ChargeItem file in {manifest}"));
        assert_eq!(items.len(), 1, "{uri}");
        let item = &items[0];
        assert_eq!(item["id"], charge.to_string());
        assert_eq!(item["subject"]["reference"], format!("Patient/{patient}"));
        assert_eq!(item["priceOverride"]["value"].as_f64(), Some(125.5));
        assert!(fhir::validate_value(item).is_empty(), "{item}");
        // The same resource as the ChargeItem read.
        let read = fhir(
            &h,
            "GET",
            &format!("/fhir/ChargeItem/{charge}"),
            &me,
            None,
            &[],
        )
        .await;
        assert_eq!(&read.body, item);
        // No claim was drafted: the Claim file is empty and left out of the manifest.
        assert!(
            !types_of(&manifest).contains(&"Claim".to_owned()),
            "{manifest}"
        );
        if uri.contains("_type=ChargeItem") {
            assert!(types_of(&manifest).len() <= 2, "{manifest}");
        }
    }
    // The kick-off names billing among the categories exported.
    let kick_offs: Vec<_> = h
        .audit()
        .into_iter()
        .filter(|e| {
            e.event.action == Action::Export
                && e.event
                    .reason
                    .as_deref()
                    .unwrap_or("")
                    .contains("ChargeItem")
                && !e
                    .event
                    .reason
                    .as_deref()
                    .unwrap_or("")
                    .contains("downloaded")
        })
        .collect();
    assert_eq!(kick_offs.len(), 4);
    assert!(
        kick_offs
            .iter()
            .all(|e| e.event.categories.contains(&DataCategory::Billing))
    );
}

#[tokio::test]
async fn a_user_without_billing_permission_gets_no_claims() {
    let h = Harness::new();
    some_records(&h);
    let patient = h.add_patient("E300");
    h.add_charge(patient, "99213", 12_550);
    // HIM technicians export records but do not read billing.
    let me = signed_in(&h, &[Role::HimTechnician]).await;
    for uri in ["/fhir/$export", "/fhir/Patient/$export"] {
        let status = kick_off(&h, &me, uri).await;
        let manifest = finished(&h, &me, &status).await;
        let types = types_of(&manifest);
        assert!(types.contains(&"Patient".to_owned()), "{manifest}");
        assert!(
            !types.contains(&"ChargeItem".to_owned()),
            "{uri}: {manifest}"
        );
        let kick_off_entry = h
            .audit()
            .into_iter()
            .rfind(|e| e.event.action == Action::Export)
            .unwrap();
        assert!(
            !kick_off_entry
                .event
                .categories
                .contains(&DataCategory::Billing)
        );
    }
    for uri in [
        "/fhir/$export?_type=Claim",
        "/fhir/Patient/$export?_type=Patient,Claim",
    ] {
        let reply = fhir(&h, "GET", uri, &me, None, &[ASYNC, ACCEPT]).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{uri}: {}", reply.body);
        assert_eq!(reply.body["resourceType"], "OperationOutcome");
        assert!(reply.body.to_string().contains("Claim"), "{}", reply.body);
    }
}

#[tokio::test]
async fn a_kick_off_without_respond_async_or_with_bad_parameters_is_refused() {
    let h = Harness::new();
    let me = signed_in(&h, &[Role::HimTechnician]).await;
    let cases: [Refused; 7] = [
        (
            "/fhir/$export",
            &[ACCEPT],
            StatusCode::BAD_REQUEST,
            "Prefer",
        ),
        (
            "/fhir/$export?_type=Nonsense",
            &[ASYNC],
            StatusCode::BAD_REQUEST,
            "_type",
        ),
        (
            "/fhir/$export?_type=AuditEvent",
            &[ASYNC],
            StatusCode::BAD_REQUEST,
            "_type",
        ),
        (
            "/fhir/$export?_since=yesterday",
            &[ASYNC],
            StatusCode::BAD_REQUEST,
            "_since",
        ),
        (
            "/fhir/$export?_outputFormat=text/csv",
            &[ASYNC],
            StatusCode::BAD_REQUEST,
            "_outputFormat",
        ),
        (
            "/fhir/$export?_typeFilter=Patient%3Fgender%3Dfemale",
            &[ASYNC],
            StatusCode::BAD_REQUEST,
            "_typeFilter",
        ),
        (
            "/fhir/$export",
            &[ASYNC, ("accept", "text/html")],
            StatusCode::NOT_ACCEPTABLE,
            "Accept",
        ),
    ];
    for (uri, headers, expected, named) in cases {
        let reply = fhir(&h, "GET", uri, &me, None, headers).await;
        assert_eq!(reply.status, expected, "{uri}: {}", reply.body);
        assert_eq!(reply.body["resourceType"], "OperationOutcome");
        assert_eq!(reply.body["issue"][0]["expression"][0], named, "{uri}");
    }
    // Nothing was started, so nothing was audited as an export.
    assert!(h.audit().iter().all(|e| e.event.action != Action::Export));
}

#[tokio::test]
async fn only_the_user_who_started_a_job_sees_it() {
    let h = Harness::new();
    some_records(&h);
    let me = signed_in(&h, &[Role::HimTechnician]).await;
    let status = kick_off(&h, &me, "/fhir/$export?_type=Patient").await;
    let manifest = finished(&h, &me, &status).await;
    let file = path_of(manifest["output"][0]["url"].as_str().unwrap()).to_owned();

    h.add_user("colleague", &[Role::HimTechnician]);
    let colleague = h.login("colleague").await;
    for (method, uri) in [("GET", &status), ("GET", &file), ("DELETE", &status)] {
        let reply = fhir(&h, method, uri, &colleague, None, &[]).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method} {uri}");
        assert_eq!(reply.body["resourceType"], "OperationOutcome");
    }
    // The owner still has it.
    let mine = fhir(&h, "GET", &file, &me, None, &[]).await;
    assert_eq!(mine.status, StatusCode::OK);
}

#[tokio::test]
async fn exporting_needs_the_export_records_permission() {
    let h = Harness::new();
    some_records(&h);
    let me = signed_in(&h, &[Role::Physician]).await;
    for uri in ["/fhir/$export", "/fhir/Patient/$export"] {
        let reply = fhir(&h, "GET", uri, &me, None, &[ASYNC, ACCEPT]).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{uri}: {}", reply.body);
        assert_eq!(reply.body["resourceType"], "OperationOutcome");
        assert!(
            reply.body.to_string().contains("export-records"),
            "{}",
            reply.body
        );
    }
}

#[tokio::test]
async fn the_capability_statement_declares_both_export_operations() {
    let h = Harness::new();
    let metadata = h.call("GET", "/fhir/metadata", None, None).await;
    let rest = &metadata.body["rest"][0];
    assert_eq!(rest["operation"][0]["name"], "export");
    assert_eq!(
        rest["operation"][0]["definition"],
        "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"
    );
    let patient = rest["resource"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "Patient")
        .unwrap();
    assert_eq!(
        patient["operation"][0]["definition"],
        "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export"
    );
    assert!(fhir::validate_value(&metadata.body).is_empty());
}
