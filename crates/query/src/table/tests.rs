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
    assert_eq!(table.rows[1][1], Cell::Int(11));
    assert_eq!(table.rows[2][1], Cell::Int(0), "zero identifies no one");
}

#[test]
fn csv_quotes_only_when_needed() {
    let csv = sample().to_csv();
    assert_eq!(
        csv,
        "zip3,patients,sum(open_cents)\r\n021,10,5000\r\n022,11,7000\r\n\"a,\"\"b\"\"\",0,0\r\n"
    );
}
