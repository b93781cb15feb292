//! `chartroom backup` and `chartroom restore` as a records department runs them.

use super::cli::{chartroom, stdout};

#[test]
fn a_backup_restores_into_a_new_data_directory_that_checks_out() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let key = dir.path().join("backup.key");
    let file = dir.path().join("nightly.backup");
    stdout(&chartroom(&data, &["init", "--demo", "8"]));
    let said = stdout(&chartroom(
        &data,
        &[
            "backup",
            "--out",
            file.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
            "--new-key",
        ],
    ));
    assert!(said.contains("Backup written to"), "{said}");
    assert!(said.contains("(8 patients)"), "{said}");
    assert!(said.contains("New backup key"), "{said}");

    let restored = dir.path().join("restored");
    let said = stdout(&chartroom(
        &restored,
        &[
            "restore",
            file.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ],
    ));
    assert!(said.contains("audit chain verified"), "{said}");
    let before = stdout(&chartroom(&data, &["stats"]));
    let after = stdout(&chartroom(&restored, &["stats"]));
    // The same counts and balances; only the store's path (the first line) differs.
    let body = |s: &str| s.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert_eq!(body(&before), body(&after));
    // The restore is on the restored store's record, and its chain still verifies.
    let verified = stdout(&chartroom(&restored, &["audit", "verify"]));
    assert!(verified.contains("intact"), "{verified}");

    // Restoring again over it is refused; so is a wrong key, naming why.
    let output = chartroom(
        &restored,
        &[
            "restore",
            file.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ],
    );
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not empty"));
    let other = dir.path().join("other.key");
    stdout(&chartroom(
        &data,
        &[
            "backup",
            "--out",
            dir.path().join("second.backup").to_str().unwrap(),
            "--key",
            other.to_str().unwrap(),
            "--new-key",
        ],
    ));
    let output = chartroom(
        &dir.path().join("elsewhere"),
        &[
            "restore",
            file.to_str().unwrap(),
            "--key",
            other.to_str().unwrap(),
        ],
    );
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(
        error.contains("the key does not open this backup"),
        "{error}"
    );
    assert!(!dir.path().join("elsewhere").exists());

    // Each backup's SHA-256 is in the manifest beside it (issue 10, (d)(8)): the receiving
    // side checks it, and a restore refuses a backup that changed, naming the file.
    let checked = stdout(&chartroom(
        &data,
        &["verify-manifest", dir.path().to_str().unwrap()],
    ));
    assert!(
        checked.contains("nightly.backup: OK") && checked.contains("second.backup: OK"),
        "{checked}"
    );
    let mut bytes = std::fs::read(&file).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&file, bytes).unwrap();
    let output = chartroom(
        &dir.path().join("tampered"),
        &[
            "restore",
            file.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ],
    );
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(
        error.contains("nightly.backup") && error.contains("nothing was restored"),
        "{error}"
    );
    assert!(!dir.path().join("tampered").exists());
}

#[test]
fn holds_are_placed_listed_released_and_block_the_retention_report() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    stdout(&chartroom(&data, &["init", "--demo", "6"]));
    let said = stdout(&chartroom(
        &data,
        &[
            "hold",
            "place",
            "--patient",
            "1",
            "--matter",
            "Roe v. Clinic",
            "--reason",
            "litigation",
        ],
    ));
    assert!(
        said.contains("Legal hold 1 placed on patients 1 for Roe v. Clinic: litigation."),
        "{said}"
    );
    let refused = chartroom(&data, &["hold", "place", "--all", "--reason", "survey"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("needs the matter"));

    // Far enough ahead, every demo chart is past its dates; the held one says why not.
    let report = stdout(&chartroom(
        &data,
        &["retention", "report", "--as-of", "2060-01-01"],
    ));
    assert!(report.contains("held: 1"), "{report}");
    assert!(report.contains("eligible for destruction: 5"), "{report}");
    assert!(
        report.contains("blocked by hold 1 (Roe v. Clinic)"),
        "{report}"
    );

    stdout(&chartroom(
        &data,
        &["hold", "release", "1", "--reason", "settled"],
    ));
    let again = chartroom(&data, &["hold", "release", "1", "--reason", "again"]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("already released"));
    assert!(stdout(&chartroom(&data, &["hold", "list"])).contains("No legal holds in force."));
    let history = stdout(&chartroom(&data, &["hold", "list", "--all"]));
    assert!(
        history.contains("released") && history.contains("settled"),
        "{history}"
    );
    let report = stdout(&chartroom(
        &data,
        &["retention", "report", "--as-of", "2060-01-01"],
    ));
    assert!(report.contains("eligible for destruction: 6"), "{report}");

    // A facility schedule with a mistake is refused naming its line.
    let bad = dir.path().join("retention.toml");
    std::fs::write(&bad, "jurisdiction = \"x\"\nage_of_majority = 40\n[[rule]]\nid = \"a\"\napplies_to = \"adult\"\narchive_after_years = 1\nkeep_forever = true\nnote = \"n\"\n").unwrap();
    let output = chartroom(
        &data,
        &["retention", "schedule", "--check", bad.to_str().unwrap()],
    );
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(
        error.contains("retention.toml:2: age_of_majority: 40 is not an age"),
        "{error}"
    );
}

#[test]
fn paper_charts_are_found_by_barcode_and_overdue_ones_listed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    stdout(&chartroom(&data, &["init", "--demo", "2"]));
    let said = stdout(&chartroom(
        &data,
        &["charts", "add", "1", "--home", "Shelf B-1"],
    ));
    let barcode = said.split_whitespace().next().unwrap().to_owned();
    assert!(barcode.ends_with("-V1"), "{said}");
    let said = stdout(&chartroom(
        &data,
        &[
            "charts",
            "checkout",
            &barcode.to_lowercase(),
            "--to",
            "Clinic 2",
            "--due",
            "2099-01-02",
        ],
    ));
    assert!(
        said.contains("checked out to Clinic 2 at Clinic 2, due back 2099-01-02"),
        "{said}"
    );
    let overdue = stdout(&chartroom(
        &data,
        &["charts", "overdue", "--as-of", "2099-01-05"],
    ));
    assert!(
        overdue.contains(&barcode) && overdue.contains("  3"),
        "{overdue}"
    );
    stdout(&chartroom(&data, &["charts", "checkin", &barcode]));
    let place = stdout(&chartroom(&data, &["charts", "where", &barcode]));
    assert!(place.contains("at Shelf B-1; home Shelf B-1"), "{place}");
    assert!(
        place.contains("checkout") && place.contains("checkin"),
        "{place}"
    );
    let audit = stdout(&chartroom(&data, &["audit", "verify"]));
    assert!(audit.contains("intact"), "{audit}");
}

#[test]
fn paper_chart_labels_are_written_and_requests_pulled_filled_and_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    stdout(&chartroom(&data, &["init", "--demo", "2"]));
    let said = stdout(&chartroom(
        &data,
        &["charts", "add", "1", "--home", "Shelf B-1"],
    ));
    let barcode = said.split_whitespace().next().unwrap().to_owned();
    let mrn = barcode.trim_end_matches("-V1").to_owned();
    let png = dir.path().join("label.png");
    let said = stdout(&chartroom(
        &data,
        &["charts", "label", &barcode, "--out", png.to_str().unwrap()],
    ));
    assert!(
        said.contains(&format!("Label of {barcode} (volume 1) written to")),
        "{said}"
    );
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let svg = dir.path().join("label.svg");
    stdout(&chartroom(
        &data,
        &["charts", "label", &barcode, "--out", svg.to_str().unwrap()],
    ));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.contains(&format!("MRN {mrn}")) && text.contains("Home: Shelf B-1"),
        "{text}"
    );
    let wrong = chartroom(&data, &["charts", "label", &barcode, "--out", "label.jpg"]);
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("a label is written as .png or .svg"));

    // Requested by MRN (its newest volume) for a day far ahead; the pull list shows it.
    let said = stdout(&chartroom(
        &data,
        &[
            "charts",
            "request",
            &mrn,
            "--for",
            "Dr. Osler",
            "--deliver-to",
            "Clinic 4",
            "--needed-by",
            "2099-01-02",
            "--reason",
            "appointment",
        ],
    ));
    assert!(
        said.starts_with("Request 1:") && said.contains("Clinic 4"),
        "{said}"
    );
    let pull = stdout(&chartroom(
        &data,
        &["charts", "requests", "--pull", "2099-01-02"],
    ));
    assert!(
        pull.contains(&barcode)
            && pull.contains("Shelf B-1")
            && pull.contains("Dr. Osler at Clinic 4"),
        "{pull}"
    );
    let early = stdout(&chartroom(
        &data,
        &["charts", "requests", "--pull", "2099-01-01"],
    ));
    assert!(early.contains("No chart request is open"), "{early}");
    let said = stdout(&chartroom(&data, &["charts", "fill", "1"]));
    assert!(
        said.contains("checked out to Dr. Osler at Clinic 4, due back 2099-01-09"),
        "{said}"
    );
    let again = chartroom(&data, &["charts", "fill", "1"]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("chart request 1 is already filled"));
    stdout(&chartroom(
        &data,
        &[
            "charts",
            "request",
            &barcode,
            "--for",
            "Coding",
            "--needed-by",
            "2099-02-01",
            "--reason",
            "audit",
        ],
    ));
    let said = stdout(&chartroom(
        &data,
        &["charts", "cancel", "2", "--reason", "not needed"],
    ));
    assert!(said.contains("Request 2 cancelled"), "{said}");
    let all = stdout(&chartroom(&data, &["charts", "requests", "--all"]));
    assert!(all.contains("filled") && all.contains("cancelled"), "{all}");
    let place = stdout(&chartroom(&data, &["charts", "where", &barcode]));
    assert!(
        place.contains("request 1 filled") && place.contains("request 2 cancelled"),
        "{place}"
    );
    let audit = stdout(&chartroom(&data, &["audit", "verify"]));
    assert!(audit.contains("intact"), "{audit}");
}
