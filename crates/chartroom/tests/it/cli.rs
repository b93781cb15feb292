//! The commands a new user runs, on a fresh data directory.

use std::path::Path;
use std::process::{Command, Output};

pub fn chartroom(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chartroom"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("CHARTROOM_DATABASE_URL")
        .output()
        .expect("run chartroom")
}

pub fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn fixture() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../interop/tests/fixtures/synthea-mini")
        .display()
        .to_string()
}

#[test]
fn import_search_show_and_stats() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let init = stdout(&chartroom(&data, &["init"]));
    assert!(
        init.contains(&format!("schema version {}", store::latest_version())),
        "{init}"
    );
    assert!(data.join("chartroom.db").is_file());

    let import = stdout(&chartroom(&data, &["import", &fixture()]));
    assert!(import.contains("rows stored"), "{import}");
    assert!(
        import.contains("patients.csv:4: BIRTHDATE: \"1979-13-40\" is not a date (YYYY-MM-DD)"),
        "{import}"
    );
    assert!(import.contains("rows/s"), "{import}");

    let search = stdout(&chartroom(&data, &["patient", "search", "fakename"]));
    assert!(search.contains("Fakename34, Alder12"), "{search}");
    assert!(search.contains("Fakename34, Birch56"), "{search}");

    let json = stdout(&chartroom(&data, &["--json", "patient", "search", "alder"]));
    let found: serde_json::Value = serde_json::from_str(&json).unwrap();
    let id = found[0]["meta"]["id"].as_i64().unwrap();
    let show = stdout(&chartroom(&data, &["patient", "show", &id.to_string()]));
    assert!(show.contains("Insurance (1)"), "{show}");
    assert!(show.contains("CVX 140"), "{show}");
    assert!(show.contains("balance $20.00"), "{show}");

    let stats: serde_json::Value =
        serde_json::from_str(&stdout(&chartroom(&data, &["--json", "stats"]))).unwrap();
    assert_eq!(stats["records"][0], serde_json::json!(["patients", 2]));

    let out = dir.path().join("export");
    let export = stdout(&chartroom(
        &data,
        &["export", "--csv", out.to_str().unwrap()],
    ));
    assert!(export.contains("patients.csv"), "{export}");
    let patients = std::fs::read_to_string(out.join("patients.csv")).unwrap();
    assert_eq!(patients.lines().count(), 3, "header and two patients");
}

#[test]
fn bad_input_gets_a_clear_error_and_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let missing = chartroom(&data, &["import", "/nonexistent/synthea"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&missing.stderr)
            .contains("/nonexistent/synthea: no such file or directory")
    );
    let bad_dob = chartroom(&data, &["patient", "search", "--dob", "1999-02-30"]);
    assert_eq!(bad_dob.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&bad_dob.stderr).contains("--dob \"1999-02-30\" is not a date")
    );
    let unknown = chartroom(&data, &["patient", "show", "NOSUCH"]);
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("no patient has id or MRN \"NOSUCH\"")
    );
    let usage = chartroom(&data, &["frobnicate"]);
    assert_eq!(usage.status.code(), Some(2));
    let durability = chartroom(&data, &["--durability", "fast", "stats"]);
    assert_eq!(durability.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&durability.stderr).contains(
            "\"fast\" is not a durability; use full (every commit synced to disk) or normal"
        ),
        "{}",
        String::from_utf8_lossy(&durability.stderr)
    );
    let bad_url = Command::new(env!("CARGO_BIN_EXE_chartroom"))
        .args([
            "--database",
            "postgres://nobody:secret@127.0.0.1:1/none",
            "stats",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&bad_url.stderr);
    assert_eq!(bad_url.status.code(), Some(1));
    assert!(
        stderr.contains("postgres://nobody:***@127.0.0.1:1/none"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("secret"),
        "password must not be printed: {stderr}"
    );
}

#[test]
fn population_query_over_an_imported_extract() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let extract = dir.path().join("extract");
    std::fs::create_dir_all(&extract).unwrap();
    std::fs::write(extract.join("patients.csv"), "patient_id,birth_date,sex,zip\n1,1950-01-01,F,02139\n2,2010-01-01,M,02139\n3,1980-01-01,F,10001\n").unwrap();
    std::fs::write(
        extract.join("immunizations.csv"),
        "imm_id,patient_id,cvx,admin_date,status\n1,1,140,2025-10-01,completed\n2,2,158,2025-11-01,completed\n3,3,140,2025-10-01,entered-in-error\n",
    )
    .unwrap();
    stdout(&chartroom(&data, &["import", extract.to_str().unwrap()]));
    let q1 = "count patients where immunization(cvx in flu, status = completed, date > 2025-01-01, date <= 2026-01-01)";
    let answer = stdout(&chartroom(&data, &["query", "run", q1]));
    assert!(answer.contains("answered in"), "{answer}");
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&chartroom(&data, &["--json", "query", "run", q1]))).unwrap();
    assert_eq!(json["rows"], serde_json::json!([["2"]]));
    let by_band = "count patients as of 2026-01-01 group by age_band(0-17,18-64,65+) measure patients, patients where immunization(cvx in flu, status = completed)";
    let csv = stdout(&chartroom(&data, &["query", "run", by_band, "--csv", "-"]));
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[1].starts_with("0-17,1,1"), "{csv}");
    assert!(lines[3].starts_with("65+,1,1"), "{csv}");
    let saved = stdout(&chartroom(
        &data,
        &[
            "query",
            "save",
            "flu-2025",
            q1,
            "--description",
            "Flu shots in 2025",
        ],
    ));
    assert!(saved.contains("version 1"), "{saved}");
    // The save is sealed into an audit entry (issue 10).
    let audit = stdout(&chartroom(&data, &["audit", "list", "--action", "create"]));
    assert!(
        audit.contains("saved query: 1 records written") && audit.contains("create saved_query "),
        "{audit}"
    );
    let listed = stdout(&chartroom(&data, &["query", "list"]));
    assert!(
        listed.contains("flu-2025") && listed.contains("Flu shots in 2025"),
        "{listed}"
    );
    let by_name: serde_json::Value = serde_json::from_str(&stdout(&chartroom(
        &data,
        &["--json", "query", "run", "flu-2025"],
    )))
    .unwrap();
    assert_eq!(by_name["rows"], serde_json::json!([["2"]]));
    let audit = stdout(&chartroom(&data, &["audit", "list", "--action", "read"]));
    assert!(
        audit.contains("population query: count patients where immunization"),
        "every run is audited: {audit}"
    );
    let refused = chartroom(&data, &["query", "save", "bad name", "count patients"]);
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("name: contains ' '"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let bad = chartroom(
        &data,
        &["query", "run", "count patients where immunization(cvx in)"],
    );
    assert_eq!(bad.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("1:"),
        "the error names a position: {stderr}"
    );
}
