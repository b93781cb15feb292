//! `chartroom retention archive|archived|restore` as a records department runs them.

use super::cli::{chartroom, stdout};

/// The MRNs in a table's second column.
fn mrns(listing: &str) -> Vec<String> {
    listing
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let id = words.next()?;
            id.parse::<i64>().ok()?;
            words.next().map(str::to_owned)
        })
        .collect()
}

#[test]
fn archived_charts_are_found_read_and_restored() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    stdout(&chartroom(&data, &["init", "--demo", "8"]));
    let said = stdout(&chartroom(
        &data,
        &["retention", "archive", "--as-of", "2070-01-01"],
    ));
    assert!(said.contains("charts archived as of 2070-01-01"), "{said}");
    let listing = stdout(&chartroom(&data, &["retention", "archived"]));
    let archived = mrns(&listing);
    assert!(!archived.is_empty(), "{said}\n{listing}");
    let mrn = archived[0].as_str();

    // Gone from the live store, with a pointer to where it went.
    let output = chartroom(&data, &["patient", "show", mrn]);
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("was archived on"), "{err}");

    let found = stdout(&chartroom(
        &data,
        &["retention", "archived", "--search", mrn],
    ));
    assert_eq!(mrns(&found), [mrn]);
    let shown = stdout(&chartroom(&data, &["retention", "archived", "--show", mrn]));
    assert!(shown.contains("SHA-256 checked"), "{shown}");
    assert!(shown.contains(mrn), "{shown}");

    let restored = stdout(&chartroom(&data, &["retention", "restore", mrn]));
    assert!(restored.contains("into the live store"), "{restored}");
    let chart = stdout(&chartroom(&data, &["patient", "show", mrn]));
    assert!(chart.contains(mrn), "{chart}");
    let output = chartroom(&data, &["retention", "restore", mrn]);
    assert!(!output.status.success(), "a second restore is refused");

    // Every archival, read and restore is on the trail, and the chain verifies.
    let verified = stdout(&chartroom(&data, &["audit", "verify"]));
    assert!(verified.contains("intact"), "{verified}");
}

/// `chartroom` run as the login `user`.
fn as_user(data: &std::path::Path, user: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_chartroom"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("CHARTROOM_DATABASE_URL")
        .env("USER", user)
        .output()
        .expect("run chartroom")
}

#[test]
fn destruction_needs_a_second_person_and_leaves_a_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    stdout(&chartroom(&data, &["init", "--demo", "8"]));
    let report = stdout(&chartroom(
        &data,
        &["retention", "report", "--as-of", "2070-01-01", "--json"],
    ));
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    let due: Vec<String> = report["charts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "eligible-for-destruction")
        .map(|c| c["mrn"].as_str().unwrap().to_owned())
        .collect();
    assert!(!due.is_empty(), "{report}");
    let mrn = due[0].as_str();
    let asked = stdout(&as_user(
        &data,
        "clerk",
        &[
            "retention",
            "destroy",
            "--request",
            "--patient",
            mrn,
            "--reason",
            "past retention",
            "--as-of",
            "2070-01-01",
        ],
    ));
    assert!(asked.contains("Destruction request 1 recorded"), "{asked}");
    let refused = as_user(
        &data,
        "clerk",
        &[
            "retention",
            "destroy",
            "--approve",
            "1",
            "--as-of",
            "2070-01-01",
        ],
    );
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("a second person must approve it"), "{err}");
    let done = stdout(&as_user(
        &data,
        "manager",
        &[
            "retention",
            "destroy",
            "--approve",
            "1",
            "--as-of",
            "2070-01-01",
        ],
    ));
    assert!(done.contains("Certificate of destruction"), "{done}");
    assert!(done.contains("\"approved_by\": \"os:manager\""), "{done}");
    assert!(!chartroom(&data, &["patient", "show", mrn]).status.success());
    let listed = stdout(&chartroom(&data, &["retention", "destroy", "--list"]));
    assert!(
        listed.contains("requested by os:clerk on") && listed.contains("approved by os:manager"),
        "{listed}"
    );
    let verified = stdout(&chartroom(&data, &["audit", "verify"]));
    assert!(verified.contains("intact"), "{verified}");
}
