//! The population-extract importer (the benchmark's CSV layout).

use interop::batch::{ImportOptions, NoProgress};
use interop::import;
use test_support::{TestStore, backend_tests};

fn write_extract(dir: &std::path::Path) {
    std::fs::write(
        dir.join("patients.csv"),
        "patient_id,birth_date,sex,zip\n1,1950-03-04,F,02139\n2,2019-12-31,M,10001\n3,1980-02-30,F,60601\n4,1990-01-01,Q,60601\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("immunizations.csv"),
        "imm_id,patient_id,cvx,admin_date,status\n10,1,140,2025-10-01,completed\n11,1,141,2025-10-02,entered-in-error\n12,2,158,2025-11-01,completed\n13,3,140,2025-11-01,completed\n14,2,140,2025-11-02,given\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("ar_items.csv"),
        "item_id,patient_id,amount_cents,paid_cents,due_date\n100,1,10000,2500,2025-06-01\n101,2,5000,0,2025-09-15\n102,2,5000,6000,2025-09-15\n",
    )
    .unwrap();
}

fn extract_is_detected_and_imported(store: &TestStore) {
    let dir = tempfile::tempdir().unwrap();
    write_extract(dir.path());
    let options = ImportOptions {
        batch_rows: 2,
        ..ImportOptions::default()
    };
    let report = import(store, dir.path(), &options, &mut NoProgress).unwrap();
    let by_file: Vec<(String, u64, u64)> = report
        .files
        .iter()
        .map(|f| (f.file.clone(), f.accepted, f.rejected))
        .collect();
    assert_eq!(
        by_file,
        [
            ("patients.csv".to_owned(), 2, 2),
            ("immunizations.csv".to_owned(), 3, 2),
            ("ar_items.csv".to_owned(), 2, 1)
        ]
    );
    let listed: Vec<String> = report.rejections.iter().map(ToString::to_string).collect();
    assert_eq!(
        listed,
        [
            "patients.csv:4: birth_date: \"1980-02-30\" is not a date (YYYY-MM-DD)",
            "patients.csv:5: sex: \"Q\" is not M, F, O or U",
            "immunizations.csv:5: patient_id: patient 3 is not in this import or an earlier one",
            "immunizations.csv:6: status: \"given\" is not completed, entered-in-error or not-done",
            "ar_items.csv:4: paid_cents: 6000 is outside 0..=5000 (the amount)",
        ]
    );
    let found = store
        .read(|tx| {
            tx.search_patients(&store::PatientQuery {
                text: Some("X1".into()),
                ..Default::default()
            })
        })
        .unwrap();
    let chart = store.read(|tx| tx.chart(found[0].meta.id)).unwrap();
    assert_eq!(
        chart.patient.record.address.postal_code.as_deref(),
        Some("02139")
    );
    assert_eq!(chart.immunizations.len(), 2);
    assert_eq!(
        chart.immunizations[1].record.status,
        records::ImmunizationStatus::EnteredInError
    );
    assert_eq!(
        chart.charges[0].record.due_date,
        Some(time::macros::date!(2025 - 06 - 01))
    );
    assert_eq!(chart.balance.balance_cents, 7_500);
}

backend_tests!(extract_is_detected_and_imported);
