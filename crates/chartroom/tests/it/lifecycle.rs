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
