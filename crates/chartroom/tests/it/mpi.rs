//! `chartroom mpi`: the planted-duplicate evaluation and a full match of the charts on file.

use crate::cli::{chartroom, stdout};

/// The shipped settings with fewer random pairs, so a debug build answers quickly.
fn quick_settings(dir: &std::path::Path) -> String {
    let path = dir.join("mpi.toml");
    let shipped = include_str!("../../../mpi/data/settings.toml");
    std::fs::write(
        &path,
        shipped.replace("random_pairs = 2000000", "random_pairs = 20000"),
    )
    .unwrap();
    path.display().to_string()
}

#[test]
fn evaluation_reports_precision_recall_and_twins() {
    let dir = tempfile::tempdir().unwrap();
    let settings = quick_settings(dir.path());
    let out = stdout(&chartroom(
        &dir.path().join("data"),
        &[
            "mpi",
            "evaluate",
            "--patients",
            "3000",
            "--settings",
            &settings,
            "--model",
        ],
    ));
    assert!(out.contains("3,000 patients matched in"), "{out}");
    assert!(out.contains("automatic links"), "{out}");
    assert!(out.contains("linked automatically, "), "{out}");
    assert!(
        out.contains(" 0 linked automatically"),
        "twins are never linked: {out}"
    );
    assert!(
        out.contains("label = \"day and month transposed\""),
        "{out}"
    );
    assert!(
        !dir.path().join("data").exists(),
        "the evaluation touches no store"
    );
}

#[test]
fn full_match_of_the_charts_on_file_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let settings = quick_settings(dir.path());
    stdout(&chartroom(&data, &["init", "--demo", "40"]));
    let out = stdout(&chartroom(
        &data,
        &["mpi", "match", "--settings", &settings],
    ));
    assert!(out.contains("40 patients matched in"), "{out}");
    let json = stdout(&chartroom(
        &data,
        &["--json", "mpi", "match", "--settings", &settings],
    ));
    assert!(json.trim_start().starts_with('['), "{json}");
    let audit = stdout(&chartroom(&data, &["audit", "list"]));
    assert!(
        audit.contains("patient index: full match of every patient on file"),
        "{audit}"
    );
}

#[test]
fn bad_settings_name_the_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mpi.toml");
    std::fs::write(
        &path,
        include_str!("../../../mpi/data/settings.toml").replace("review = 0.8", "review = 2"),
    )
    .unwrap();
    let out = chartroom(
        &dir.path().join("data"),
        &["mpi", "evaluate", "--settings", path.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("mpi.toml: thresholds.review: 2 is not a probability between 0 and 1"),
        "{stderr}"
    );
}

#[test]
fn merge_unmerge_queue_and_stats_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let settings = quick_settings(dir.path());
    stdout(&chartroom(&data, &["init", "--demo", "20"]));
    stdout(&chartroom(
        &data,
        &["charts", "add", "1", "--home", "Shelf B-1"],
    ));
    let merged = stdout(&chartroom(
        &data,
        &[
            "mpi",
            "merge",
            "D000002",
            "D000001",
            "--reason",
            "same person",
        ],
    ));
    assert!(
        merged.starts_with("Merge 1: patient 1 retired into patient 2; moved "),
        "{merged}"
    );
    // The retired MRN still finds the chart it was merged into.
    let shown = stdout(&chartroom(&data, &["--json", "patient", "show", "D000001"]));
    let chart: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(chart["patient"]["meta"]["id"], 2, "{shown}");
    let again = chartroom(
        &data,
        &["mpi", "merge", "D000002", "D000001", "--reason", "again"],
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&again.stderr)
            .contains("patient 1 was merged into patient 2 already"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let stats = stdout(&chartroom(&data, &["mpi", "stats"]));
    assert!(stats.contains("Merges standing: 1, undone: 0."), "{stats}");
    // The retired chart's paper volume is the surviving chart's now, its new label to print.
    let relabel = stdout(&chartroom(&data, &["charts", "relabel"]));
    let line = relabel
        .lines()
        .find(|l| l.contains("D000001-V1"))
        .unwrap_or_default();
    assert!(
        line.contains("D000002-V1") && line.contains("at Shelf B-1"),
        "{relabel}"
    );
    // The merge announced to the systems holding the retired MRN.
    let a40 = stdout(&chartroom(&data, &["hl7", "a40", "1"]));
    assert!(a40.contains("|ADT^A40^ADT_A39|"), "{a40}");
    assert!(a40.contains("\nMRG|D000001^^^"), "{a40}");
    let undone = stdout(&chartroom(
        &data,
        &["mpi", "unmerge", "1", "--reason", "two people"],
    ));
    assert!(undone.starts_with("Merge 1 undone"), "{undone}");
    // Its undoing announced too: the chart that stayed, then the chart restored.
    let a37 = stdout(&chartroom(&data, &["hl7", "a37", "1"]));
    assert!(a37.contains("|ADT^A37^ADT_A37|"), "{a37}");
    assert!(
        a37.contains("\nPID|1||D000002^^^") && a37.contains("\nPID|2||D000001^^^"),
        "{a37}"
    );
    assert!(!a37.contains("MRG|"), "{a37}");
    let standing = chartroom(&data, &["hl7", "a40", "1"]);
    assert_eq!(
        standing.status.code(),
        Some(1),
        "an undone merge is not announced"
    );
    let relabel = stdout(&chartroom(&data, &["charts", "relabel"]));
    assert!(
        relabel.contains("No paper chart label is waiting"),
        "{relabel}"
    );
    let saved = stdout(&chartroom(
        &data,
        &["mpi", "match", "--settings", &settings, "--save"],
    ));
    assert!(saved.contains("Duplicate queue: "), "{saved}");
    let queue = stdout(&chartroom(&data, &["--json", "mpi", "queue"]));
    assert!(queue.trim_start().starts_with('['), "{queue}");
    let bad = chartroom(&data, &["mpi", "decide", "1", "maybe", "--reason", "x"]);
    assert_eq!(bad.status.code(), Some(1));
    let audit = stdout(&chartroom(&data, &["audit", "list"]));
    assert!(audit.contains("mpi_merge"), "{audit}");
    // Filling the queue is audited too (issue 10).
    assert!(
        audit.contains("patient index: duplicate queue saved: "),
        "{audit}"
    );
}

#[test]
fn demo_duplicates_fill_the_queue_and_write_the_truth() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let truth = dir.path().join("truth.csv");
    stdout(&chartroom(&data, &["init"]));
    let out = stdout(&chartroom(
        &data,
        &[
            "demo",
            "--patients",
            "200",
            "--seed",
            "3",
            "--duplicates",
            "0.1",
            "--truth",
            truth.to_str().unwrap(),
        ],
    ));
    assert!(out.contains("Planted 20 duplicate registrations"), "{out}");
    let text = std::fs::read_to_string(&truth).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "duplicate_id,duplicate_mrn,original_id,original_mrn,changes"
    );
    assert_eq!(lines.len(), 21, "{text}");
    let queue = stdout(&chartroom(
        &data,
        &["--json", "mpi", "queue", "--limit", "500"],
    ));
    let queue: serde_json::Value = serde_json::from_str(&queue).unwrap();
    let pairs: std::collections::HashSet<(i64, i64)> = queue
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let (a, b) = (
                v["pair"]["patient_a"].as_i64().unwrap(),
                v["pair"]["patient_b"].as_i64().unwrap(),
            );
            (a.min(b), a.max(b))
        })
        .collect();
    let found = lines[1..]
        .iter()
        .filter(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            let (a, b): (i64, i64) = (cells[0].parse().unwrap(), cells[2].parse().unwrap());
            pairs.contains(&(a.min(b), a.max(b)))
        })
        .count();
    assert!(
        found >= 14,
        "most planted duplicates are queued: {found} of 20"
    );
    assert!(
        out.contains(&format!("{found} of the planted pairs are in the queue")),
        "{out}"
    );
}

#[test]
fn an_import_queues_the_patients_it_brings_twice() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    stdout(&chartroom(&data, &["init"]));
    // A population whose full match kept a model.
    stdout(&chartroom(
        &data,
        &[
            "demo",
            "--patients",
            "100",
            "--seed",
            "5",
            "--duplicates",
            "0.05",
        ],
    ));
    assert!(
        data.join("demo-duplicates.csv").exists(),
        "without --truth the truth is written beside the store"
    );
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../interop/tests/fixtures/synthea-mini/patients.csv");
    let patients = std::fs::read_to_string(&fixture).unwrap();
    let first = dir.path().join("first");
    std::fs::create_dir_all(&first).unwrap();
    std::fs::write(first.join("patients.csv"), &patients).unwrap();
    let out = stdout(&chartroom(
        &data,
        &["--json", "import", first.to_str().unwrap()],
    ));
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let stored = report["files"][0]["accepted"].as_u64().unwrap();
    assert!(stored >= 2, "{out}");
    // The same people sent again by another system under other ids.
    let second = dir.path().join("second");
    std::fs::create_dir_all(&second).unwrap();
    std::fs::write(
        second.join("patients.csv"),
        patients.replace("pat-", "other-"),
    )
    .unwrap();
    let out = stdout(&chartroom(
        &data,
        &["--json", "import", second.to_str().unwrap()],
    ));
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        report["possible_duplicates"].as_u64().unwrap() >= stored,
        "each patient sent again is queued with its first chart: {out}"
    );
    let audit = stdout(&chartroom(
        &data,
        &["--json", "audit", "list", "--limit", "500"],
    ));
    assert!(
        audit.contains("possible duplicate queued for review"),
        "each queued pair is audited"
    );
}
