//! The chart's other tables in a research extract: procedures, results, medications and
//! immunizations, one file each, every row keyed by the research id of a patient written
//! in the main file (a suppressed patient's rows go with them). Only coded columns are
//! copied: descriptions, free-text results, dosage instructions, lot numbers, sites and
//! the clinicians are left out, and each date is treated as the extract treats the
//! patient's own (the year, the patient's shift, or kept in a limited data set).

use super::{Method, render};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use store::Row;
use time::{Date, Duration};

/// A table a research extract can carry beside the patients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    /// Procedure codes (CPT, HCPCS, ICD-10-PCS) with modifiers and units.
    Procedures,
    /// Results and other observations (LOINC) with numeric or coded values.
    Results,
    /// Medications (RxNorm) with status, start and end.
    Medications,
    /// Immunizations (CVX) with status.
    Immunizations,
}

impl Table {
    /// Every table, in the order files are written.
    pub const ALL: [Table; 4] = [
        Self::Procedures,
        Self::Results,
        Self::Medications,
        Self::Immunizations,
    ];

    /// Reads a table's name (`observations` is taken for results).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "procedures" => Some(Self::Procedures),
            "results" | "observations" => Some(Self::Results),
            "medications" => Some(Self::Medications),
            "immunizations" => Some(Self::Immunizations),
            _ => None,
        }
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Procedures => "procedures",
            Self::Results => "results",
            Self::Medications => "medications",
            Self::Immunizations => "immunizations",
        }
    }

    /// Its file's name in this format.
    pub fn file_name(self, format: super::Format) -> String {
        let ext = match format {
            super::Format::Csv => "csv",
            super::Format::Ndjson => "ndjson",
        };
        format!("{}.{ext}", self.name())
    }

    /// The category the audit entry names for it.
    pub fn category(self) -> privacy::DataCategory {
        match self {
            Self::Procedures => privacy::DataCategory::Procedures,
            Self::Results => privacy::DataCategory::Results,
            Self::Medications => privacy::DataCategory::Medications,
            Self::Immunizations => privacy::DataCategory::Immunizations,
        }
    }

    /// Its columns; the date columns are `*_year` when dates go to the year.
    pub fn columns(self, method: Method) -> &'static [&'static str] {
        let years = method == Method::SafeHarbor;
        match (self, years) {
            (Self::Procedures, true) => &[
                "research_id",
                "code_system",
                "code",
                "modifiers",
                "units",
                "year",
            ],
            (Self::Procedures, false) => &[
                "research_id",
                "code_system",
                "code",
                "modifiers",
                "units",
                "date",
            ],
            (Self::Results, true) => &["research_id", "code", "category", "value", "unit", "year"],
            (Self::Results, false) => &["research_id", "code", "category", "value", "unit", "date"],
            (Self::Medications, true) => {
                &["research_id", "code", "status", "start_year", "end_year"]
            }
            (Self::Medications, false) => {
                &["research_id", "code", "status", "start_date", "end_date"]
            }
            (Self::Immunizations, true) => &["research_id", "cvx", "status", "year"],
            (Self::Immunizations, false) => &["research_id", "cvx", "status", "date"],
        }
    }

    /// The columns read: the patient, the encounter, the dates, then the coded cells.
    fn sql(self) -> &'static str {
        match self {
            Self::Procedures => {
                "SELECT patient_id, encounter_id, performed_at, NULL, code_system, code, modifiers, units \
                 FROM procedures WHERE deleted_at IS NULL"
            }
            Self::Results => {
                "SELECT patient_id, encounter_id, effective_at, NULL, code, category, value_type, value_number, value_code, value_unit \
                 FROM observations WHERE deleted_at IS NULL"
            }
            Self::Medications => {
                "SELECT patient_id, encounter_id, start_at, end_at, code, status \
                 FROM medications WHERE deleted_at IS NULL"
            }
            Self::Immunizations => {
                "SELECT patient_id, encounter_id, administered_at, NULL, cvx, status \
                 FROM immunizations WHERE deleted_at IS NULL"
            }
        }
    }
}

/// One table's file in an extract, as the report lists it.
#[derive(Debug, Clone, Serialize)]
pub struct TableReport {
    /// Which table.
    pub table: Table,
    /// The file's name.
    pub file: String,
    /// Its columns.
    pub columns: Vec<String>,
    /// The rows written.
    pub records: usize,
    /// Rows of suppressed patients, not written.
    pub suppressed: usize,
    /// Rows left out as records of a 42 CFR Part 2 program (limited data sets).
    pub withheld_part2: usize,
    /// Free-text results left out (their text could name anyone).
    pub free_text_dropped: usize,
    /// Its SHA-256.
    pub sha256: String,
}

/// One row read: whose, when, and its coded cells.
pub(super) struct Item {
    patient: i64,
    encounter: Option<i64>,
    start: Date,
    end: Option<Date>,
    cells: Vec<Value>,
}

/// A table as read, before research ids are known.
pub(super) struct Loaded {
    table: Table,
    items: Vec<Item>,
    free_text_dropped: usize,
}

impl Loaded {
    /// Every date of a patient's rows, so a shift never lands one on a real one.
    pub(super) fn dates_of(&self, into: &mut HashMap<i64, BTreeSet<Date>>) {
        for item in &self.items {
            let dates = into.entry(item.patient).or_default();
            dates.insert(item.start);
            dates.extend(item.end);
        }
    }
}

fn text_cell(value: &store::Value) -> Value {
    match value {
        store::Value::Text(t) if !t.trim().is_empty() => json!(t.trim()),
        store::Value::Int(n) => json!(n),
        store::Value::Real(x) => json!(x),
        _ => Value::Null,
    }
}

fn item_of(table: Table, row: &Row) -> Option<Item> {
    let start = row.get(2).as_instant()?.date();
    let end = row.get(3).as_instant().map(|at| at.date());
    let cells = match table {
        Table::Procedures | Table::Medications | Table::Immunizations => {
            (4..row.0.len()).map(|i| text_cell(row.get(i))).collect()
        }
        Table::Results => {
            let value = match row.text(6) {
                Some("quantity") => text_cell(row.get(7)),
                Some("coded") => text_cell(row.get(8)),
                _ => return None,
            };
            let unit = if row.text(6) == Some("quantity") {
                text_cell(row.get(9))
            } else {
                Value::Null
            };
            vec![text_cell(row.get(4)), text_cell(row.get(5)), value, unit]
        }
    };
    Some(Item {
        patient: row.int(0),
        encounter: row.get(1).as_int(),
        start,
        end,
        cells,
    })
}

/// Reads the tables asked for, coded columns only.
pub(super) fn load(tx: &mut store::Tx<'_>, tables: &[Table]) -> store::Result<Vec<Loaded>> {
    let mut loaded = Vec::new();
    let asked: BTreeSet<Table> = tables.iter().copied().collect();
    for table in asked {
        let rows = tx.query(table.sql(), &[])?;
        let mut items = Vec::with_capacity(rows.len());
        let mut free_text_dropped = 0;
        for row in &rows {
            match item_of(table, row) {
                Some(item) => items.push(item),
                // A result whose value is text: its words could name anyone.
                None if table == Table::Results && row.text(6) == Some("text") => {
                    free_text_dropped += 1;
                }
                None => {}
            }
        }
        loaded.push(Loaded {
            table,
            items,
            free_text_dropped,
        });
    }
    Ok(loaded)
}

/// How the written rows treat a patient's dates.
pub(super) struct Dating<'a> {
    pub method: Method,
    pub shifts: &'a HashMap<i64, i64>,
}

impl Dating<'_> {
    fn date(&self, patient: i64, day: Date) -> Value {
        match self.method {
            Method::SafeHarbor => json!(day.year()),
            Method::ShiftedDates => {
                let shift = self.shifts.get(&patient).copied().unwrap_or(0);
                json!((day + Duration::days(shift)).to_string())
            }
            Method::Limited => json!(day.to_string()),
        }
    }
}

/// The table's file: the rows of the patients written (by research id, then date), those
/// of suppressed patients and, in a limited data set, of Part 2 encounters left out.
pub(super) fn write(
    loaded: &Loaded,
    format: super::Format,
    research_ids: &HashMap<i64, String>,
    part2_encounters: &BTreeSet<i64>,
    dating: &Dating<'_>,
) -> (TableReport, Vec<u8>) {
    let mut suppressed = 0;
    let mut withheld_part2 = 0;
    let mut rows: Vec<(&String, Date, String, Vec<Value>)> = Vec::new();
    for item in &loaded.items {
        let Some(id) = research_ids.get(&item.patient) else {
            suppressed += 1;
            continue;
        };
        if dating.method == Method::Limited
            && item
                .encounter
                .is_some_and(|e| part2_encounters.contains(&e))
        {
            withheld_part2 += 1;
            continue;
        }
        let mut row = vec![json!(id)];
        row.extend(item.cells.iter().cloned());
        row.push(dating.date(item.patient, item.start));
        if loaded.table == Table::Medications {
            row.push(
                item.end
                    .map_or(Value::Null, |end| dating.date(item.patient, end)),
            );
        }
        let cells = item
            .cells
            .iter()
            .map(super::cell_text)
            .collect::<Vec<_>>()
            .join("|");
        rows.push((id, item.start, cells, row));
    }
    // The file's order says nothing of the chart's: research id, real date, then values.
    rows.sort_unstable_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
    let rows: Vec<Vec<Value>> = rows.into_iter().map(|(_, _, _, row)| row).collect();
    let columns = loaded.table.columns(dating.method);
    let data = render(format, columns, &rows);
    let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&data));
    (
        TableReport {
            table: loaded.table,
            file: loaded.table.file_name(format),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            records: rows.len(),
            suppressed,
            withheld_part2,
            free_text_dropped: loaded.free_text_dropped,
            sha256,
        },
        data,
    )
}
