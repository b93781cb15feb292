//! `Table`: a query result as named columns and rows, its CSV form, and small-cell
//! suppression for roles that may only see aggregates.

use std::fmt::Write as _;
use std::sync::Arc;

/// One result cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// A label (age band, ZIP3, week start, code). Shared, because one label repeats
    /// down a column of tens of thousands of rows.
    Text(Arc<str>),
    /// A whole number (count, cents, key).
    Int(i64),
    /// A decimal number (mean, observation sum).
    Number(f64),
    /// A count withheld by small-cell suppression, or a value that would reveal one.
    Suppressed,
}

impl Cell {
    /// The cell as an integer, if it is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Cell::Int(n) => Some(*n),
            _ => None,
        }
    }
}

/// What a column holds, which decides how suppression treats it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// A grouping label.
    Dimension,
    /// A count of patients or rows.
    Count,
    /// A sum or mean.
    Amount,
}

/// A query result.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Column names: dimensions first, then measures.
    pub columns: Vec<String>,
    /// What each column holds.
    pub kinds: Vec<ColumnKind>,
    /// Rows, sorted by the dimension values.
    pub rows: Vec<Vec<Cell>>,
}

/// Smallest count a public-health user may see: CMS's cell-size suppression policy
/// withholds counts from 1 to 10, because a cell that small can identify a person.
pub const PUBLIC_HEALTH_MIN_CELL: i64 = 11;

impl Table {
    /// The single value of a one-row, one-column result (a plain count).
    pub fn scalar(&self) -> Option<i64> {
        match self.rows.as_slice() {
            [row] => match row.as_slice() {
                [cell] => cell.as_int(),
                _ => None,
            },
            _ => None,
        }
    }

    /// Index of a column by name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|column| column == name)
    }

    /// Withholds counts from 1 to `min_cell - 1` (zero reveals no one and is kept), and in
    /// any row with a withheld count also its sums and means, which could otherwise be
    /// divided back into a person's amount.
    ///
    /// Then complementary suppression: a column's total is always one ungrouped query
    /// away, so a column with exactly one withheld count would give it back as the total
    /// minus the rest. In such a column the smallest other positive count is withheld too
    /// (with its row's amounts), repeated until no column has a lone withheld count.
    pub fn suppress_small_cells(&mut self, min_cell: i64) {
        let mut withheld_rows = Vec::new();
        for (index, row) in self.rows.iter_mut().enumerate() {
            let mut withheld = false;
            for (cell, kind) in row.iter_mut().zip(&self.kinds) {
                if *kind == ColumnKind::Count
                    && matches!(cell, Cell::Int(n) if *n > 0 && *n < min_cell)
                {
                    *cell = Cell::Suppressed;
                    withheld = true;
                }
            }
            if withheld {
                withheld_rows.push(index);
            }
        }
        // Each pass withholds one more cell, so this ends within rows x columns passes.
        loop {
            let mut changed = false;
            for column in 0..self.kinds.len() {
                if self.kinds.get(column) != Some(&ColumnKind::Count) {
                    continue;
                }
                let cells = || self.rows.iter().filter_map(|r| r.get(column));
                let lone = cells().filter(|c| matches!(c, Cell::Suppressed)).count() == 1;
                if !lone {
                    continue;
                }
                let partner = self
                    .rows
                    .iter()
                    .enumerate()
                    .filter_map(|(i, r)| match r.get(column) {
                        Some(Cell::Int(n)) if *n > 0 => Some((*n, i)),
                        _ => None,
                    })
                    .min();
                if let Some((_, index)) = partner
                    && let Some(cell) = self.rows.get_mut(index).and_then(|r| r.get_mut(column))
                {
                    *cell = Cell::Suppressed;
                    withheld_rows.push(index);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        for index in withheld_rows {
            if let Some(row) = self.rows.get_mut(index) {
                for (cell, kind) in row.iter_mut().zip(&self.kinds) {
                    if *kind == ColumnKind::Amount {
                        *cell = Cell::Suppressed;
                    }
                }
            }
        }
    }

    /// RFC 4180 CSV with a header row; suppressed cells read `<11`-style as `suppressed`.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        let header: Vec<String> = self.columns.iter().map(|c| csv_field(c)).collect();
        out.push_str(&header.join(","));
        out.push_str("\r\n");
        for row in &self.rows {
            for (idx, cell) in row.iter().enumerate() {
                if idx > 0 {
                    out.push(',');
                }
                match cell {
                    Cell::Text(text) => out.push_str(&csv_field(text)),
                    Cell::Int(n) => {
                        let _ = write!(out, "{n}");
                    }
                    Cell::Number(n) => {
                        let _ = write!(out, "{n}");
                    }
                    Cell::Suppressed => out.push_str("suppressed"),
                }
            }
            out.push_str("\r\n");
        }
        out
    }
}

/// Quotes a field when it holds a comma, quote or line break (RFC 4180 section 2).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests;
