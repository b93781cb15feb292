//! `chartroom documents`: a scanned PDF sent to the indexing queue, indexed to a demo chart,
//! a damaged file refused naming the problem with nothing recorded, a misfiled document
//! moved to the right chart, the pages exported as they were sent.

use crate::cli::{chartroom, stdout};
use serde_json::Value;
use std::path::Path;

fn json(data: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&stdout(&chartroom(data, &all))).unwrap()
}

/// A one-page PDF as a scanner might write it.
fn pdf() -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    out.extend_from_slice(b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n");
    out.extend_from_slice(b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n");
    out.extend_from_slice(
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj\n",
    );
    out.extend_from_slice(b"trailer << /Root 1 0 R >>\nstartxref\n9\n%%EOF\n");
    out
}

#[test]
fn a_scanned_document_is_queued_indexed_moved_and_exported() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    stdout(&chartroom(&data, &["init", "--demo", "3", "--seed", "5"]));
    let mrn = |id: i64| -> String {
        json(&data, &["patient", "show", &id.to_string()])["patient"]["record"]["mrn"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (first, second) = (mrn(1), mrn(2));
    let scan = dir.path().join("fax.pdf");
    std::fs::write(&scan, pdf()).unwrap();

    // A damaged file: named, nothing recorded.
    let cut = dir.path().join("cut.pdf");
    std::fs::write(&cut, &pdf()[..60]).unwrap();
    let refused = chartroom(
        &data,
        &[
            "documents",
            "add",
            &cut.display().to_string(),
            "--unindexed",
        ],
    );
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("damaged PDF: no %%EOF marker"), "{said}");
    assert!(said.contains("nothing was recorded"), "{said}");

    let added = json(
        &data,
        &[
            "documents",
            "add",
            &scan.display().to_string(),
            "--unindexed",
        ],
    );
    let id = added["meta"]["id"].as_i64().unwrap().to_string();
    assert_eq!(added["record"]["pages"], 1);
    let queue = json(&data, &["documents", "list", "--queue"]);
    assert_eq!(queue.as_array().unwrap().len(), 1);
    let indexed = json(
        &data,
        &[
            "documents",
            "index",
            &id,
            "--patient",
            &first,
            "--type",
            "lab_report",
            "--date",
            "2026-01-05",
        ],
    );
    assert_eq!(indexed["record"]["status"], "indexed");
    assert!(
        json(&data, &["documents", "list", "--queue"])
            .as_array()
            .unwrap()
            .is_empty()
    );

    let moved = json(
        &data,
        &[
            "documents",
            "move",
            &id,
            "--to",
            &second,
            "--reason",
            "misfiled: wrong patient's name",
        ],
    );
    assert_eq!(moved["record"]["patient_id"], 2);
    assert!(
        json(&data, &["documents", "list", "--patient", &first])
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        json(&data, &["documents", "list", "--patient", &second])
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let out = dir.path().join("copy.pdf");
    stdout(&chartroom(
        &data,
        &[
            "documents",
            "export",
            &id,
            "--out",
            &out.display().to_string(),
        ],
    ));
    assert_eq!(std::fs::read(&out).unwrap(), pdf());
}
