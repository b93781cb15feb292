//! Killing an import mid-way loses nothing committed and leaves no half-written record;
//! running it again completes the job without duplicates.

use crate::cli::chartroom;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{Location, Store, SystemClock};

const N_PATIENTS: usize = 60_000;

fn write_patients(path: &std::path::Path) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "Id,BIRTHDATE,FIRST,LAST,GENDER,ZIP").unwrap();
    for idx in 0..N_PATIENTS {
        let sex = if idx % 2 == 0 { "F" } else { "M" };
        writeln!(
            out,
            "crash-{idx:06},19{:02}-0{}-1{},Given{idx},Family{},{sex},0{:04}",
            20 + idx % 80,
            1 + idx % 9,
            idx % 10,
            idx % 500,
            1000 + idx % 9000
        )
        .unwrap();
    }
}

fn count(store: &Store, sql: &str) -> i64 {
    store.read(|tx| tx.query(sql, &[])).unwrap()[0].int(0)
}

#[test]
fn killed_import_is_consistent_and_resumable() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let input = dir.path().join("patients.csv");
    write_patients(&input);
    assert!(chartroom(&data, &["init"]).status.success());

    let mut child = Command::new(env!("CARGO_BIN_EXE_chartroom"))
        .arg("--data-dir")
        .arg(&data)
        .args(["import", "--batch", "500"])
        .arg(&input)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let store = Store::open(&Location::DataDir(data.clone()), Arc::new(SystemClock)).unwrap();
    let started = Instant::now();
    // Wait until some batches have committed, then kill without warning.
    while count(&store, "SELECT COUNT(*) FROM patients") < 2_000
        && started.elapsed() < Duration::from_secs(120)
    {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let stored = count(&store, "SELECT COUNT(*) FROM patients");
    assert!(
        stored > 0 && (stored as usize) < N_PATIENTS,
        "killed mid-way: {stored} stored"
    );
    assert_eq!(stored % 500, 0, "only whole batches are committed");
    let linked = count(
        &store,
        "SELECT COUNT(*) FROM external_ids WHERE kind = 'patient'",
    );
    assert_eq!(
        linked, stored,
        "every stored patient has its import key, and no key lacks its patient"
    );
    let integrity = store
        .read(|tx| tx.query("PRAGMA integrity_check", &[]))
        .unwrap();
    assert_eq!(integrity[0].text(0), Some("ok"));

    let rerun = chartroom(
        &data,
        &[
            "--json",
            "import",
            "--batch",
            "5000",
            input.to_str().unwrap(),
        ],
    );
    assert!(
        rerun.status.success(),
        "{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&rerun.stdout).unwrap();
    assert_eq!(report["files"][0]["skipped"].as_i64(), Some(stored));
    assert_eq!(
        report["files"][0]["accepted"].as_i64(),
        Some(N_PATIENTS as i64 - stored)
    );
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM patients"),
        N_PATIENTS as i64
    );
    assert_eq!(
        count(&store, "SELECT COUNT(DISTINCT mrn) FROM patients"),
        N_PATIENTS as i64
    );
}
