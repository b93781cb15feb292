//! Tables to plots: time series become lines (one per other label), categories bars.

use super::*;
use query::ColumnKind;

fn table(columns: &[&str], rows: Vec<Vec<Cell>>) -> Table {
    Table {
        columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        kinds: columns
            .iter()
            .map(|c| {
                if ["count", "patients"].contains(c) {
                    ColumnKind::Count
                } else {
                    ColumnKind::Dimension
                }
            })
            .collect(),
        rows,
    }
}

fn t(text: &str) -> Cell {
    Cell::Text(text.into())
}

#[test]
fn a_daily_series_is_one_line_per_measure() {
    let plot = plot(&table(
        &["day", "patients", "count"],
        vec![
            vec![t("2025-10-01"), Cell::Int(1), Cell::Int(2)],
            vec![t("2025-10-02"), Cell::Int(0), Cell::Int(0)],
        ],
    ))
    .unwrap();
    assert!(plot.line);
    assert_eq!(plot.categories, ["2025-10-01", "2025-10-02"]);
    let names: Vec<&str> = plot.series.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["patients", "count"]);
    assert_eq!(plot.series[1].values, [Some(2.0), Some(0.0)]);
}

#[test]
fn zip3_by_week_is_one_line_per_zip3_and_a_missing_week_is_a_gap() {
    let plot = plot(&table(
        &["zip3", "week", "count"],
        vec![
            vec![t("021"), t("2025-W40"), Cell::Int(3)],
            vec![t("021"), t("2025-W41"), Cell::Int(4)],
            vec![t("606"), t("2025-W41"), Cell::Int(5)],
        ],
    ))
    .unwrap();
    assert!(plot.line);
    assert_eq!(plot.categories, ["2025-W40", "2025-W41"]);
    assert_eq!(plot.series[0].name, "021");
    assert_eq!(plot.series[1].name, "606");
    assert_eq!(plot.series[1].values, [None, Some(5.0)]);
}

#[test]
fn categories_are_bars_and_too_many_lines_are_refused() {
    let bars = plot(&table(
        &["sex", "patients"],
        vec![vec![t("F"), Cell::Int(3)], vec![t("M"), Cell::Suppressed]],
    ))
    .unwrap();
    assert!(!bars.line);
    assert_eq!(bars.series[0].values, [Some(3.0), None]);
    let rows = (0..9)
        .map(|zip| vec![t(&format!("{zip:03}")), t("2025-10-01"), Cell::Int(1)])
        .collect();
    let refused = plot(&table(&["zip3", "day", "count"], rows)).err().unwrap();
    assert!(refused.contains("Too many lines"), "{refused}");
    let single = plot(&table(&["patients"], vec![vec![Cell::Int(3)]]));
    assert!(single.is_err());
}
