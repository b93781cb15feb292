//! `chartroom review` on a demo population: the queue fills, a second run changes nothing,
//! assigning and waiving are audited, and a bad rules file is refused by line with nothing
//! changed.

use crate::cli::{chartroom, stdout};
use serde_json::Value;

fn json(data: &std::path::Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&stdout(&chartroom(data, &all))).unwrap()
}

#[test]
fn review_fills_the_queue_and_each_step_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    stdout(&chartroom(&data, &["init", "--demo", "60", "--seed", "4"]));
    let first = json(&data, &["review", "run"]);
    let opened = first["opened"].as_u64().unwrap();
    assert!(opened > 0, "{first}");
    // What the demo and the review wrote is in the audit trail, write by write (issue 10):
    // each committed batch is an entry sealing its writes and naming its patients.
    let entries = json(&data, &["audit", "list"]);
    let sealed = |reason: &str| -> (usize, Vec<Value>, std::collections::BTreeSet<String>) {
        let batches: Vec<&Value> = entries
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["reason"].as_str().unwrap().starts_with(reason) && e["writes"] != "")
            .collect();
        let writes: Vec<Value> = batches
            .iter()
            .flat_map(|e| {
                serde_json::from_str::<Vec<Value>>(e["writes"].as_str().unwrap()).unwrap()
            })
            .collect();
        let patients = batches
            .iter()
            .flat_map(|e| {
                let listed = e["patients"].as_str().unwrap().split(' ');
                listed.chain(e["patient_id"].as_str())
            })
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect();
        (batches.len(), writes, patients)
    };
    let (demo_batches, demo_writes, demo_patients) = sealed("demo population (seed 4): ");
    assert!(demo_batches >= 1, "{entries}");
    assert_eq!(demo_patients.len(), 60);
    let created = |writes: &[Value], kind: &str| {
        writes
            .iter()
            .filter(|w| w["action"] == "create" && w["kind"] == kind)
            .count()
    };
    assert_eq!(created(&demo_writes, "patient"), 60);
    // A generated population is sealed by each record's SHA-256, not a second copy.
    assert!(
        demo_writes
            .iter()
            .all(|w| w.get("new").is_none() && w["sha256"].as_str().unwrap().len() == 64)
    );
    let (_, review_writes, _) = sealed("chart review: ");
    assert_eq!(created(&review_writes, "deficiency") as u64, opened);
    // The report shows what a bulk entry wrote: how many of each, the first ten, the rest
    // counted.
    let table = stdout(&chartroom(&data, &["audit", "list", "--action", "create"]));
    let line = table
        .lines()
        .find(|l| l.contains("demo population (seed 4): ") && l.contains(" create patient"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(
        line.contains("records written (60 create patient, ")
            && line.contains(": create patient 1 v1 (patient 1); ")
            && line.contains(" more"),
        "{line}"
    );
    let second = json(&data, &["review", "run"]);
    assert_eq!(second["opened"], 0, "{second}");
    assert_eq!(second["still_open"].as_u64(), Some(opened));

    let queue = json(&data, &["review", "list", "--limit", "500"]);
    let items = queue.as_array().unwrap();
    assert_eq!(items.len() as u64, opened);
    let first_due = &items[0]["record"]["due_at"];
    assert!(
        items
            .iter()
            .all(|d| d["record"]["due_at"].as_str() >= first_due.as_str()),
        "most urgent first"
    );

    let id = items[0]["meta"]["id"].as_i64().unwrap().to_string();
    let other = items[1]["meta"]["id"].as_i64().unwrap().to_string();
    let no_user = chartroom(&data, &["review", "assign", &id, "--to", "nobody"]);
    assert!(!no_user.status.success());
    assert!(String::from_utf8_lossy(&no_user.stderr).contains("no such user"));
    let waived = json(
        &data,
        &[
            "review",
            "waive",
            &other,
            "--reason",
            "documented on paper, scanned",
        ],
    );
    assert_eq!(waived[0]["record"]["status"], "waived");
    let again = chartroom(&data, &["review", "waive", &other, "--reason", "again"]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("is waived; it cannot be waived"));
    let shown = json(&data, &["review", "show", &other]);
    assert_eq!(shown["deficiency"]["record"]["status"], "waived");
    assert_eq!(shown["history"].as_array().unwrap().len(), 1, "{shown}");
    assert!(
        !chartroom(&data, &["review", "show", "999999"])
            .status
            .success()
    );
    let waived_list = json(&data, &["review", "list", "--status", "waived"]);
    assert_eq!(waived_list.as_array().unwrap().len(), 1);
    assert_eq!(
        json(&data, &["review", "run"])["resolved"],
        0,
        "a waiver is kept"
    );

    let metrics = json(&data, &["review", "metrics", "--suspend-after", "0"]);
    assert_eq!(
        metrics["open"].as_u64(),
        Some(opened - 1),
        "the waived one is not open"
    );
    let by_age: u64 = metrics["by_age"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b[1].as_u64().unwrap())
        .sum();
    assert_eq!(by_age, opened - 1);
    let bad = chartroom(&data, &["review", "metrics", "--suspend-after=-3"]);
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("--suspend-after must be 0 to 3650 days")
    );

    // A physician query about a deficiency with a physician to ask.
    let physician_item = items
        .iter()
        .find(|d| {
            !d["record"]["provider_id"].is_null()
                && d["meta"]["id"].as_i64().unwrap().to_string() != other
        })
        .unwrap();
    let about = physician_item["meta"]["id"].as_i64().unwrap().to_string();
    let asked = json(
        &data,
        &[
            "review",
            "ask",
            &about,
            "--question",
            "Which condition does the note document?",
            "--indicator",
            "Glucose 312 mg/dL",
            "--option",
            "Type 2 diabetes with hyperglycemia",
        ],
    );
    let query_id = asked["meta"]["id"].as_i64().unwrap().to_string();
    assert_eq!(asked["record"]["options"].as_array().unwrap().len(), 3);
    let leading = chartroom(
        &data,
        &[
            "review",
            "ask",
            &about,
            "--question",
            "Please document diabetes.",
            "--indicator",
            "A1c 9.1",
            "--option",
            "Diabetes",
        ],
    );
    assert!(String::from_utf8_lossy(&leading.stderr).contains("leads the physician"));
    assert_eq!(
        json(&data, &["review", "queries"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let answered = json(
        &data,
        &[
            "review",
            "answer",
            &query_id,
            "--choice",
            "clinically undetermined",
        ],
    );
    assert_eq!(answered["record"]["answer"], "Clinically undetermined");
    let twice = chartroom(&data, &["review", "answer", &query_id, "--choice", "Other"]);
    assert!(
        String::from_utf8_lossy(&twice.stderr).contains("is answered; it cannot be answered again")
    );
    assert_eq!(
        json(&data, &["review", "show", &about])["deficiency"]["record"]["status"],
        "answered"
    );

    let audit = stdout(&chartroom(&data, &["audit", "list", "--action", "update"]));
    assert!(audit.contains("deficiency waived"), "{audit}");
    let reads = stdout(&chartroom(&data, &["audit", "list", "--action", "read"]));
    assert!(
        reads.contains("chart review:") && reads.contains("review work queue"),
        "{reads}"
    );
}

#[test]
fn a_bad_rules_file_is_refused_by_line_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    stdout(&chartroom(&data, &["init", "--demo", "20", "--seed", "2"]));
    let rules = dir.path().join("rules.toml");
    std::fs::write(
        &rules,
        "[rules.discharge-summary-missing]\ndue_hours = 336\nseverity = \"urgent\"\n",
    )
    .unwrap();
    let refused = chartroom(
        &data,
        &["review", "run", "--rules", rules.to_str().unwrap()],
    );
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("rules.toml:3: rules.discharge-summary-missing.severity: \"urgent\" is not one of high, medium, low"), "{said}");
    let queue = json(&data, &["review", "list"]);
    assert!(queue.as_array().unwrap().is_empty(), "nothing was reviewed");
    std::fs::write(
        data.join("review-rules.toml"),
        "[rules.note-unsigned]\nenabled = false\n",
    )
    .unwrap();
    let shown = stdout(&chartroom(&data, &["review", "rules"]));
    assert!(
        shown
            .lines()
            .any(|l| l.starts_with("note-unsigned") && l.contains(" no ")),
        "{shown}"
    );
}

#[test]
fn a_follow_up_task_is_opened_contacted_listed_and_closed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    stdout(&chartroom(&data, &["init", "--demo", "5", "--seed", "4"]));
    let bad = chartroom(
        &data,
        &[
            "review",
            "task",
            "add",
            "--patient",
            "1",
            "--kind",
            "passport",
            "--what",
            "x",
            "--from",
            "y",
        ],
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--kind passport"));
    let task = json(
        &data,
        &[
            "review",
            "task",
            "add",
            "--patient",
            "1",
            "--kind",
            "outside-records",
            "--what",
            "Discharge papers from the previous hospital",
            "--from",
            "Mercy General, records office",
            "--due-days",
            "0",
        ],
    );
    assert_eq!(task["record"]["status"], "open");
    let id = task["meta"]["id"].as_i64().unwrap().to_string();
    let contacted = json(
        &data,
        &[
            "review",
            "task",
            "contact",
            &id,
            "--method",
            "fax",
            "--outcome",
            "request faxed",
        ],
    );
    assert_eq!(contacted["record"]["contacts"][0]["method"], "fax");
    // Due today at the time of writing: past due by the time it is listed, so escalated.
    std::thread::sleep(std::time::Duration::from_millis(50));
    let listed = json(&data, &["review", "task", "list"]);
    assert_eq!(listed[0]["record"]["status"], "escalated", "{listed}");
    assert_eq!(listed[0]["mrn"].as_str().map(str::is_empty), Some(false));
    let closed = json(
        &data,
        &["review", "task", "close", &id, "--reason", "papers scanned"],
    );
    assert_eq!(closed["record"]["status"], "done");
    let again = chartroom(
        &data,
        &["review", "task", "close", &id, "--reason", "again"],
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("is done; it cannot be changed"));
    assert_eq!(
        json(&data, &["review", "task", "list"]),
        serde_json::json!([])
    );
}
