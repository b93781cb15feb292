//! Unit tests of event tables: patient-contiguous scans across base and delta, upsert, tombstones, exact per-code patient sets.

use super::*;

fn row(key: i64, patient: u32, date: i32) -> Row {
    Row {
        key,
        patient,
        date,
        ..Row::default()
    }
}

fn visited(table: &EventTable) -> Vec<(u32, i64)> {
    let mut out = Vec::new();
    table.scan(0, u32::MAX, &|_| true, &|_| true, &mut |row: &Row| {
        out.push((row.patient, row.key))
    });
    out
}

#[test]
fn scans_keep_each_patients_rows_together_across_base_and_delta() {
    let mut table = EventTable::bulk(
        EventKind::Diagnosis,
        Dictionary::default(),
        vec![row(1, 5, 0), row(2, 1, 0), row(3, 5, 0)],
    );
    table.upsert(row(4, 1, 0));
    table.upsert(row(5, 3, 0));
    table.upsert(row(6, 9, 0));
    let patients: Vec<u32> = visited(&table).into_iter().map(|(p, _)| p).collect();
    assert_eq!(patients, [1, 1, 3, 5, 5, 9]);
}

#[test]
fn upsert_replaces_and_remove_tombstones() {
    let mut table = EventTable::bulk(
        EventKind::Diagnosis,
        Dictionary::default(),
        vec![row(1, 0, 10), row(2, 1, 20)],
    );
    table.upsert(row(1, 2, 30));
    assert!(table.remove(2));
    assert!(!table.remove(2));
    assert_eq!(visited(&table), [(2, 1)]);
    assert_eq!(table.len(), 1);
    table.compact();
    assert_eq!(visited(&table), [(2, 1)]);
}

#[test]
fn code_patient_sets_forget_a_patient_only_with_the_last_row() {
    let mut codes = Dictionary::default();
    let code = codes.intern("I10");
    let rows = vec![
        Row {
            code,
            ..row(1, 4, 0)
        },
        Row {
            code,
            ..row(2, 4, 0)
        },
    ];
    let mut table = EventTable::bulk(EventKind::Diagnosis, codes, rows);
    table.remove(1);
    assert!(table.patients_with_codes([code].into_iter()).contains(4));
    table.remove(2);
    assert!(!table.patients_with_codes([code].into_iter()).contains(4));
}
