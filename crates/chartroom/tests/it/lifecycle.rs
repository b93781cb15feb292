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
    // The retention report lists it among the archived charts, with where it is.
    let report = stdout(&chartroom(
        &data,
        &["retention", "report", "--as-of", "2070-01-01"],
    ));
    let archived_part = report.split("Archived charts:").nth(1).unwrap_or_default();
    let line = archived_part
        .lines()
        .find(|l| l.contains(mrn))
        .unwrap_or_else(|| panic!("{mrn} not among the archived charts:\n{report}"));
    assert!(line.contains("archive/chart-"), "{line}");
    assert!(
        report.contains("archived, destruction due: ") || report.contains("archived: "),
        "{report}"
    );
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

#[test]
fn serve_backs_up_on_a_schedule_and_keeps_the_newest() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    stdout(&chartroom(&data, &["init", "--demo", "3"]));
    let key = dir.path().join("backup.key");
    let first = dir.path().join("first.backup");
    let (first, key_arg) = (first.display().to_string(), key.display().to_string());
    stdout(&chartroom(
        &data,
        &["backup", "--out", &first, "--key", &key_arg, "--new-key"],
    ));
    let backups = dir.path().join("nightly");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_chartroom"))
        .arg("--data-dir")
        .arg(&data)
        .args(["serve", "--listen", "127.0.0.1:0", "--backup-dir"])
        .arg(&backups)
        .args([
            "--backup-key",
            &key_arg,
            "--backup-keep",
            "2",
            "--backup-every-seconds",
            "1",
        ])
        .env_remove("CHARTROOM_DATABASE_URL")
        .env("CHARTROOM_ARGON2_TEST_PARAMS", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let said: Vec<String> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(Result::unwrap)
        .take_while(|l| !l.starts_with("Serving Chartroom"))
        .collect();
    assert!(
        said.iter().any(|l| l.contains("keeping the newest 2")),
        "{said:?}"
    );
    let count = || {
        std::fs::read_dir(&backups)
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.path().extension().is_some_and(|x| x == "backup"))
                    .count()
            })
            .unwrap_or(0)
    };
    // Four backups take about four seconds; only the newest two stay.
    let started = std::time::Instant::now();
    std::thread::sleep(std::time::Duration::from_secs(5));
    while started.elapsed() < std::time::Duration::from_secs(60) && count() < 2 {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let _ = child.kill();
    let _ = child.wait();
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&backups)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "backup"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}");
    let restored = dir.path().join("restored");
    let out = stdout(&chartroom(
        &restored,
        &[
            "restore",
            &files[0].display().to_string(),
            "--key",
            &key_arg,
        ],
    ));
    assert!(out.contains("audit chain verified"), "{out}");
}
