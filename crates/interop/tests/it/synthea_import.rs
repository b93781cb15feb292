//! The Synthea CSV importer against a small synthetic fixture with deliberate faults.

use interop::ImportReport;
use interop::batch::{ImportOptions, NoProgress};
use interop::import;
use std::io::Write;
use std::path::{Path, PathBuf};
use test_support::{TestStore, backend_tests};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/synthea-mini")
}

fn run(store: &TestStore, path: &Path, atomic: bool) -> Result<ImportReport, interop::Error> {
    let options = ImportOptions {
        atomic,
        batch_rows: 2,
        ..ImportOptions::default()
    };
    import(store, path, &options, &mut NoProgress)
}

fn file<'r>(report: &'r ImportReport, name: &str) -> &'r interop::FileReport {
    report
        .files
        .iter()
        .find(|f| f.file == name)
        .unwrap_or_else(|| panic!("{name} not in report"))
}

fn counts(report: &ImportReport, name: &str) -> (u64, u64, u64) {
    let f = file(report, name);
    (f.accepted, f.skipped, f.rejected)
}

fn good_rows_stored_and_bad_rows_reported(store: &TestStore) {
    let report = run(store, &fixture(), false).unwrap();
    assert_eq!(counts(&report, "patients.csv"), (2, 0, 3));
    assert_eq!(counts(&report, "payer_transitions.csv"), (1, 1, 0));
    assert_eq!(counts(&report, "encounters.csv"), (2, 0, 1));
    assert_eq!(counts(&report, "immunizations.csv"), (1, 0, 1));
    assert_eq!(counts(&report, "observations.csv"), (2, 1, 1));
    assert_eq!(
        file(&report, "observations.csv")
            .skip_reasons
            .iter()
            .map(|(reason, n)| (reason.split(':').next().unwrap(), *n))
            .collect::<Vec<_>>(),
        [("QALY", 1)],
        "Synthea's summary measures are skipped with their reason, not rejected"
    );
    assert_eq!(counts(&report, "claims_transactions.csv"), (2, 1, 0));
    let listed: Vec<String> = report.rejections.iter().map(ToString::to_string).collect();
    assert_eq!(
        listed,
        [
            "patients.csv:4: BIRTHDATE: \"1979-13-40\" is not a date (YYYY-MM-DD)",
            "patients.csv:5: GENDER: \"X\" is not M, F, O or U",
            "patients.csv:6: FIRST: is empty",
            "encounters.csv:4: PATIENT: patient pat-999 is not in this import or an earlier one",
            "immunizations.csv:3: cvx: \"ABCD\" is not a CVX code (1 to 3 digits)",
            "observations.csv:3: VALUE: \"eighty\" is not a number, yet TYPE is numeric",
        ]
    );
    let found = store
        .read(|tx| {
            tx.search_patients(&store::PatientQuery {
                text: Some("fakename34".into()),
                ..Default::default()
            })
        })
        .unwrap();
    assert_eq!(found.len(), 2);
    let child = found
        .iter()
        .find(|p| p.record.given_name == "Birch56")
        .unwrap();
    assert_eq!(
        child.record.address.postal_code.as_deref(),
        Some("01101"),
        "leading zero restored"
    );
    let adult = found
        .iter()
        .find(|p| p.record.given_name == "Alder12")
        .unwrap();
    let chart = store.read(|tx| tx.chart(adult.meta.id)).unwrap();
    assert_eq!(chart.coverages.len(), 1);
    assert_eq!(chart.immunizations[0].record.cvx, "140");
    assert_eq!(chart.balance.balance_cents, 2_000);
    assert_eq!(chart.patient.meta.created_by, "import:synthea");
}

/// Excel and Python's csv module end lines with CRLF, old Mac tools with CR: a rejected row
/// is named by the physical line it starts on whatever the line ends.
fn rejected_rows_name_their_physical_line_for_every_line_end(store: &TestStore) {
    for (style, end) in [("CRLF", "\r\n"), ("CR", "\r")] {
        let dir = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(fixture()).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let converted: Vec<&str> = text.lines().collect();
            std::fs::write(
                dir.path().join(path.file_name().unwrap()),
                converted.join(end) + end,
            )
            .unwrap();
        }
        let report = run(store, dir.path(), false).unwrap();
        let lines: Vec<String> = report
            .rejections
            .iter()
            .map(|r| format!("{}:{}", r.file, r.line))
            .collect();
        assert_eq!(
            lines,
            [
                "patients.csv:4",
                "patients.csv:5",
                "patients.csv:6",
                "encounters.csv:4",
                "immunizations.csv:3",
                "observations.csv:3",
            ],
            "{style} line ends"
        );
    }
}

fn second_run_skips_what_is_stored(store: &TestStore) {
    let first = run(store, &fixture(), false).unwrap();
    let second = run(store, &fixture(), false).unwrap();
    assert_eq!(second.accepted(), 0);
    assert_eq!(second.skipped(), first.accepted() + first.skipped());
    assert_eq!(second.rejected(), first.rejected());
    let stats = store.read(|tx| tx.stats()).unwrap();
    assert_eq!(stats.records[0], ("patients".to_owned(), 2));
}

fn atomic_import_stores_nothing_when_a_row_is_bad(store: &TestStore) {
    let error = run(store, &fixture(), true).unwrap_err();
    let interop::Error::AtomicAborted {
        n_rejected,
        first,
        report,
    } = error
    else {
        panic!("expected AtomicAborted")
    };
    assert_eq!(n_rejected, 6);
    assert!(first.starts_with("patients.csv:4"), "{first}");
    assert_eq!(report.accepted(), 0);
    let stats = store.read(|tx| tx.stats()).unwrap();
    assert!(
        stats.records.iter().all(|(_, n)| *n == 0),
        "{:?}",
        stats.records
    );
}

fn gzip_input_and_atomic_success(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    for name in ["organizations.csv", "payers.csv", "providers.csv"] {
        std::fs::copy(fixture().join(name), dir.path().join(name)).unwrap();
    }
    let text = std::fs::read_to_string(fixture().join("patients.csv")).unwrap();
    let clean: Vec<&str> = text.lines().take(3).collect();
    let gz = std::fs::File::create(dir.path().join("patients.csv.gz")).unwrap();
    let mut encoder = flate2::write::GzEncoder::new(gz, flate2::Compression::default());
    encoder
        .write_all((clean.join("\n") + "\n").as_bytes())
        .unwrap();
    encoder.finish().unwrap();
    let report = run(store, dir.path(), true).unwrap();
    assert_eq!(counts(&report, "patients.csv.gz"), (2, 0, 0));
    assert_eq!(report.rejected(), 0);
}

fn missing_columns_and_unknown_files_are_named(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("patients.csv"), "Id,FIRST\nx,y\n").unwrap();
    let report = run(store, dir.path(), false).unwrap();
    assert_eq!(
        report.rejections[0].to_string(),
        "patients.csv:1: the header lacks BIRTHDATE, LAST, GENDER; the file was skipped"
    );
    let empty = tempfile::tempdir().unwrap();
    let error = run(store, empty.path(), false).unwrap_err();
    assert!(
        error.to_string().contains("no Synthea CSV files here"),
        "{error}"
    );
    let error = run(store, &empty.path().join("nope"), false).unwrap_err();
    assert!(
        error.to_string().ends_with("no such file or directory"),
        "{error}"
    );
}

fn truncated_gzip_is_reported(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let text = std::fs::read_to_string(fixture().join("organizations.csv")).unwrap();
    encoder.write_all(text.repeat(50).as_bytes()).unwrap();
    let bytes = encoder.finish().unwrap();
    std::fs::write(
        dir.path().join("organizations.csv.gz"),
        &bytes[..bytes.len() / 2],
    )
    .unwrap();
    let report = run(store, dir.path(), false).unwrap();
    let listed: Vec<String> = report.rejections.iter().map(ToString::to_string).collect();
    assert!(
        listed.iter().any(|r| r.contains("unreadable row")),
        "{listed:?}"
    );
}

backend_tests!(
    good_rows_stored_and_bad_rows_reported,
    rejected_rows_name_their_physical_line_for_every_line_end,
    second_run_skips_what_is_stored,
    atomic_import_stores_nothing_when_a_row_is_bad,
    gzip_input_and_atomic_success,
    missing_columns_and_unknown_files_are_named,
    truncated_gzip_is_reported,
);
