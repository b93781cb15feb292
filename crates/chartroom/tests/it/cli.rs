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

fn stdout(output: &Output) -> String {
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
    assert!(init.contains("schema version 1"), "{init}");
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
