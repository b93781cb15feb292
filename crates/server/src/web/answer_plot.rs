//! What a population answer draws as: a line per series over time when the table has a
//! period column (`day`, `mmwr_week`, ...), grouped bars over its labels otherwise. The
//! same plot is shown beside the table and exported as SVG, so both always agree.

use query::{Cell, Table};

use super::svg_chart::Series;

/// Columns that put time on the x axis.
const PERIODS: [&str; 6] = ["day", "week", "mmwr_week", "iso_week", "month", "year"];
/// Most bars drawn; more are unreadable at the chart's width.
const MAX_BARS: usize = 400;
/// Most points a line has (five years of days).
const MAX_POINTS: usize = 2_000;
/// Most lines drawn; more cannot be told apart by colour.
const MAX_LINES: usize = 8;

/// A chart ready to draw.
pub(crate) struct Plot {
    /// The x axis: periods in time order, or the groups' labels.
    pub categories: Vec<String>,
    /// One value per category in each.
    pub series: Vec<Series>,
    /// Lines over time, not bars.
    pub line: bool,
}

fn number(cell: Option<&Cell>) -> Option<f64> {
    match cell {
        Some(Cell::Int(n)) => Some(*n as f64),
        Some(Cell::Number(x)) => Some(*x),
        _ => None,
    }
}

fn text(cell: Option<&Cell>) -> String {
    match cell {
        Some(Cell::Text(t)) => t.to_string(),
        _ => String::new(),
    }
}

/// The plot of a table, or why it has none (said on the page instead of the chart).
pub(crate) fn plot(table: &Table) -> Result<Plot, String> {
    let is_label = |c: usize| {
        table
            .rows
            .iter()
            .any(|r| matches!(r.get(c), Some(Cell::Text(_))))
            || PERIODS.contains(&table.columns[c].as_str())
    };
    let labels: Vec<usize> = (0..table.columns.len()).filter(|&c| is_label(c)).collect();
    let values: Vec<usize> = (0..table.columns.len())
        .filter(|c| !labels.contains(c))
        .collect();
    if labels.is_empty() || values.is_empty() || table.rows.is_empty() {
        return Err("A single figure has no chart; the table has it.".to_owned());
    }
    let time = labels
        .iter()
        .copied()
        .find(|&c| PERIODS.contains(&table.columns[c].as_str()));
    let Some(time) = time else {
        if table.rows.len() > MAX_BARS {
            return Err(format!(
                "Too many groups to chart ({}); the table has them all.",
                table.rows.len()
            ));
        }
        let categories = table
            .rows
            .iter()
            .map(|r| {
                labels
                    .iter()
                    .map(|&c| text(r.get(c)))
                    .collect::<Vec<_>>()
                    .join(" · ")
            })
            .collect();
        let series = values
            .iter()
            .map(|&c| Series {
                name: table.columns[c].clone(),
                values: table.rows.iter().map(|r| number(r.get(c))).collect(),
            })
            .collect();
        return Ok(Plot {
            categories,
            series,
            line: false,
        });
    };
    // Periods label themselves in an order that sorts as text (ISO dates, 2025-W01).
    let mut categories: Vec<String> = table.rows.iter().map(|r| text(r.get(time))).collect();
    categories.sort();
    categories.dedup();
    // One line per combination of the other labels (ZIP3, service, ...) and measure.
    let outer: Vec<usize> = labels.iter().copied().filter(|&c| c != time).collect();
    let outer_key = |row: &[Cell]| {
        outer
            .iter()
            .map(|&c| text(row.get(c)))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let mut keys: Vec<String> = Vec::new();
    for row in &table.rows {
        let key = outer_key(row);
        if !keys.contains(&key) {
            keys.push(key);
            if keys.len() * values.len() > MAX_LINES {
                return Err(format!(
                    "Too many lines to chart (more than {MAX_LINES}); the table has them all."
                ));
            }
        }
    }
    if categories.len() > MAX_POINTS {
        return Err(format!(
            "Too many periods to chart ({}); the table has them all.",
            categories.len()
        ));
    }
    let mut series: Vec<Series> = Vec::new();
    for key in &keys {
        for &c in &values {
            let name = match (key.is_empty(), values.len()) {
                (true, _) => table.columns[c].clone(),
                (false, 1) => key.clone(),
                (false, _) => format!("{key} · {}", table.columns[c]),
            };
            series.push(Series {
                name,
                values: vec![None; categories.len()],
            });
        }
    }
    for row in &table.rows {
        let key = outer_key(row);
        let (Some(k), Ok(x)) = (
            keys.iter().position(|k| *k == key),
            categories.binary_search(&text(row.get(time))),
        ) else {
            continue;
        };
        for (v, &c) in values.iter().enumerate() {
            if let Some(slot) = series
                .get_mut(k * values.len() + v)
                .and_then(|s| s.values.get_mut(x))
            {
                *slot = number(row.get(c));
            }
        }
    }
    Ok(Plot {
        categories,
        series,
        line: true,
    })
}

#[cfg(test)]
mod tests;
