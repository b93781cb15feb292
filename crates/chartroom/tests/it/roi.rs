//! `chartroom roi`, `disclosures` and `consent` on a demo chart: a request missing its
//! requester's identity fails validation naming the field, cannot be released, is fixed by
//! a new request, released as a PDF and, under a court order, appears in the accounting.

use crate::cli::{chartroom, stdout};
use serde_json::Value;

fn json(data: &std::path::Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&stdout(&chartroom(data, &all))).unwrap()
}

#[test]
fn a_request_is_validated_released_and_accounted() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    stdout(&chartroom(&data, &["init", "--demo", "3", "--seed", "5"]));
    let base = [
        "roi",
        "new",
        "--patient",
        "1",
        "--requester-kind",
        "attorney",
        "--requester",
        "Dana Counsel",
        "--purpose",
        "injury claim",
        "--basis",
        "court_order",
        "--category",
        "encounters",
        "--category",
        "diagnoses",
        "--minimum-necessary",
        "the visits the order names",
    ];
    let first = json(&data, &base);
    let id = first["meta"]["id"].as_i64().unwrap().to_string();
    let checked = chartroom(&data, &["roi", "validate", &id]);
    assert!(!checked.status.success());
    let text = String::from_utf8_lossy(&checked.stdout);
    assert!(text.contains("identity_verified"), "{text}");
    assert!(text.contains("164.514(h)"), "{text}");
    let packet = dir.path().join("packet.pdf");
    let refused = chartroom(
        &data,
        &["roi", "release", &id, "--out", packet.to_str().unwrap()],
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("identity_verified"));
    assert!(!packet.exists(), "nothing written");
    stdout(&chartroom(
        &data,
        &["roi", "deny", &id, "--reason", "identity not shown"],
    ));

    let mut fixed = base.to_vec();
    fixed.extend_from_slice(&["--identity-verified", "court order certified copy"]);
    let second = json(&data, &fixed);
    let id = second["meta"]["id"].as_i64().unwrap().to_string();
    stdout(&chartroom(&data, &["roi", "validate", &id]));
    let listed = json(&data, &["roi", "list"]);
    assert_eq!(listed[0]["record"]["status"], "validated");
    let released = json(
        &data,
        &[
            "roi",
            "release",
            &id,
            "--out",
            packet.to_str().unwrap(),
            "--facility",
            "Test General",
        ],
    );
    let pdf = std::fs::read(&packet).unwrap();
    assert!(pdf.starts_with(b"%PDF-1.4"));
    // The packet's SHA-256 is in the manifest beside it, the same the release recorded
    // (issue 10, (d)(8)).
    let listed = std::fs::read_to_string(dir.path().join("manifest.sha256")).unwrap();
    assert!(
        listed.contains(&format!(
            "{}  packet.pdf",
            released["sha256"].as_str().unwrap()
        )),
        "{listed}"
    );
    assert_eq!(released["accountable"], true);
    assert!(released["pages"].as_u64().unwrap() >= 2);
    let account = json(&data, &["disclosures", "1"]);
    let lines = account["disclosures"].as_array().unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["record"]["recipient"], "Dana Counsel");
    assert_eq!(lines[0]["record"]["legal_basis"], "court_order");

    let consent = json(
        &data,
        &[
            "consent",
            "add",
            "1",
            "--kind",
            "restriction",
            "--recipient",
            "insurer",
            "--note",
            "self-paid",
        ],
    );
    assert_eq!(consent["record"]["kind"], "restriction");
    let bad = chartroom(
        &data,
        &[
            "consent",
            "add",
            "1",
            "--kind",
            "restriction",
            "--recipient",
            "the plan",
        ],
    );
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a kind of recipient"));
    let listed = json(&data, &["consent", "list", "1"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
}

/// A registry message Chartroom makes enters its disclosure: `hl7 vxu` prints the VXU^V04
/// and the patient's accounting then names the registry, public health, the message.
#[test]
fn a_registry_message_enters_the_accounting() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    stdout(&chartroom(&data, &["init", "--demo", "3", "--seed", "5"]));
    let before = json(&data, &["disclosures", "2"]);
    assert_eq!(before["disclosures"].as_array().unwrap().len(), 0);
    let vxu = stdout(&chartroom(
        &data,
        &["hl7", "vxu", "2", "--registry", "Demo State IIS"],
    ));
    assert!(vxu.starts_with("MSH|"), "{vxu}");
    let account = json(&data, &["disclosures", "2"]);
    let lines = account["disclosures"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "{account}");
    let line = &lines[0]["record"];
    assert_eq!(line["recipient"], "Demo State IIS");
    assert_eq!(line["legal_basis"], "public_health");
    assert_eq!(line["channel"], "hl7-vxu");
    let control = vxu
        .lines()
        .next()
        .unwrap()
        .split('|')
        .nth(9)
        .unwrap()
        .to_owned();
    assert!(
        line["description"].as_str().unwrap().contains(&control),
        "{line}"
    );
}

/// `roi extract`: a Safe Harbor extract with small classes suppressed, its report and
/// manifest beside it; an extract that is not k-anonymous is refused and writes nothing; a
/// limited data set goes under a recorded agreement and keeps birth dates.
#[test]
fn research_extracts_are_written_with_their_report_and_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    stdout(&chartroom(&data, &["init", "--demo", "40", "--seed", "16"]));
    let refused_dir = dir.path().join("refused");
    let refused = chartroom(
        &data,
        &[
            "roi",
            "extract",
            "--safe-harbor",
            "--k",
            "5",
            "--out",
            refused_dir.to_str().unwrap(),
        ],
    );
    assert!(!refused.status.success());
    let error = String::from_utf8_lossy(&refused.stderr);
    assert!(error.contains("smallest class"), "{error}");
    assert!(!refused_dir.join("extract.csv").exists(), "nothing written");

    let out = dir.path().join("sh");
    let report = json(
        &data,
        &[
            "roi",
            "extract",
            "--safe-harbor",
            "--k",
            "3",
            "--suppress",
            "--quasi",
            "age_band,sex",
            "--format",
            "ndjson",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(report["method"], "safe_harbor");
    assert!(report["smallest_class"].as_u64().unwrap() >= 3);
    assert_eq!(
        report["records"].as_u64().unwrap() + report["suppressed_records"].as_u64().unwrap(),
        40
    );
    let rows = std::fs::read_to_string(out.join("extract.ndjson")).unwrap();
    assert_eq!(
        rows.lines().count() as u64,
        report["records"].as_u64().unwrap()
    );
    let first: Value = serde_json::from_str(rows.lines().next().unwrap()).unwrap();
    assert!(first.get("birth_date").is_none() && first.get("zip3").is_some());
    let manifest = std::fs::read_to_string(out.join("manifest.sha256")).unwrap();
    assert!(
        manifest.contains(report["sha256"].as_str().unwrap()),
        "{manifest}"
    );
    assert!(manifest.contains("report.json"));
    stdout(&chartroom(
        &data,
        &["verify-manifest", out.to_str().unwrap()],
    ));

    // The other tables: a file each, in the report and the manifest; a bad name refused.
    let with_tables = dir.path().join("tables");
    let report = json(
        &data,
        &[
            "roi",
            "extract",
            "--safe-harbor",
            "--k",
            "1",
            "--tables",
            "procedures,immunizations",
            "--out",
            with_tables.to_str().unwrap(),
        ],
    );
    let tables = report["tables"].as_array().unwrap();
    assert_eq!(tables.len(), 2);
    let manifest = std::fs::read_to_string(with_tables.join("manifest.sha256")).unwrap();
    for (t, header) in tables.iter().zip([
        "research_id,code_system,code,modifiers,units,year",
        "research_id,cvx,status,year",
    ]) {
        let file = t["file"].as_str().unwrap();
        let text = std::fs::read_to_string(with_tables.join(file)).unwrap();
        assert!(text.starts_with(header), "{file}: {text}");
        assert_eq!(
            text.lines().count() as u64,
            t["records"].as_u64().unwrap() + 1
        );
        assert!(
            t["records"].as_u64().unwrap() > 0,
            "{file}: the demo has rows"
        );
        assert!(manifest.contains(file) && manifest.contains(t["sha256"].as_str().unwrap()));
    }
    stdout(&chartroom(
        &data,
        &["verify-manifest", with_tables.to_str().unwrap()],
    ));
    let bad = chartroom(
        &data,
        &[
            "roi",
            "extract",
            "--safe-harbor",
            "--tables",
            "notes",
            "--out",
            dir.path().join("bad").to_str().unwrap(),
        ],
    );
    assert!(!bad.status.success());
    let error = String::from_utf8_lossy(&bad.stderr);
    assert!(
        error.contains("\"notes\" is not one of procedures"),
        "{error}"
    );

    let without = chartroom(&data, &["roi", "extract", "--limited", "--out", "x"]);
    assert!(String::from_utf8_lossy(&without.stderr).contains("--dua"));
    let dua = json(
        &data,
        &[
            "roi",
            "dua",
            "add",
            "--recipient",
            "Dr. Vega",
            "--purpose",
            "readmissions",
            "--expires",
            "2099-12-31",
        ],
    );
    let id = dua["meta"]["id"].as_i64().unwrap().to_string();
    let lds = dir.path().join("lds");
    let report = json(
        &data,
        &[
            "roi",
            "extract",
            "--limited",
            "--dua",
            &id,
            "--k",
            "1",
            "--out",
            lds.to_str().unwrap(),
        ],
    );
    assert_eq!(report["dua"]["number"], format!("DUA-{id}"));
    let csv = std::fs::read_to_string(lds.join("extract.csv")).unwrap();
    assert!(
        csv.starts_with("research_id,age,age_band,birth_date,"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 41);
}
