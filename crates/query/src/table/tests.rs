//! Unit tests of result tables: small-cell suppression and CSV quoting.

use super::*;

fn sample() -> Table {
    Table {
        columns: vec!["zip3".into(), "patients".into(), "sum(open_cents)".into()],
        kinds: vec![ColumnKind::Dimension, ColumnKind::Count, ColumnKind::Amount],
        rows: vec![
            vec![Cell::Text("021".into()), Cell::Int(10), Cell::Int(5000)],
            vec![Cell::Text("022".into()), Cell::Int(11), Cell::Int(7000)],
            vec![Cell::Text("a,\"b\"".into()), Cell::Int(0), Cell::Int(0)],
        ],
    }
}

#[test]
fn cells_under_eleven_are_withheld_with_their_sums() {
    let mut table = sample();
    table.suppress_small_cells(PUBLIC_HEALTH_MIN_CELL);
    assert_eq!(
        table.rows[0],
        vec![Cell::Text("021".into()), Cell::Suppressed, Cell::Suppressed]
    );
    // 10 alone could be read back from the column total: 11 is withheld with it.
    assert_eq!(
        table.rows[1],
        vec![Cell::Text("022".into()), Cell::Suppressed, Cell::Suppressed]
    );
    assert_eq!(table.rows[2][1], Cell::Int(0), "zero identifies no one");
}

fn counts(counts: &[i64]) -> Table {
    Table {
        columns: vec!["zip3".into(), "patients".into()],
        kinds: vec![ColumnKind::Dimension, ColumnKind::Count],
        rows: counts
            .iter()
            .enumerate()
            .map(|(i, n)| vec![Cell::Text(i.to_string().into()), Cell::Int(*n)])
            .collect(),
    }
}

fn shown(t: &Table) -> Vec<Option<i64>> {
    t.rows.iter().map(|r| r[1].as_int()).collect()
}

#[test]
fn a_lone_small_cell_takes_the_next_smallest_with_it() {
    let mut t = counts(&[120, 4, 35, 0, 60]);
    t.suppress_small_cells(PUBLIC_HEALTH_MIN_CELL);
    assert_eq!(shown(&t), [Some(120), None, None, Some(0), Some(60)]);
}

#[test]
fn two_small_cells_protect_each_other() {
    let mut t = counts(&[120, 4, 35, 7]);
    t.suppress_small_cells(PUBLIC_HEALTH_MIN_CELL);
    assert_eq!(shown(&t), [Some(120), None, Some(35), None]);
}

#[test]
fn csv_quotes_only_when_needed() {
    let csv = sample().to_csv();
    assert_eq!(
        csv,
        "zip3,patients,sum(open_cents)\r\n021,10,5000\r\n022,11,7000\r\n\"a,\"\"b\"\"\",0,0\r\n"
    );
}
