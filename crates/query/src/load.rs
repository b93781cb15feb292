//! Loads the benchmark CSVs that `gen.py` writes (patients, immunizations, A/R items)
//! straight into an engine, for the bench binary and for tests. The product's own import
//! goes through the store, which then feeds the engine; this path exists so the engine
//! can be measured on its own.

use std::path::Path;

use time::{Date, Month};

use crate::engine::{Engine, EngineBuilder};
use crate::error::{Error, Result};
use crate::facts::{ArItemFact, ImmunizationFact, ImmunizationStatus, PatientFacts, Sex};

fn load_error(path: &Path, line: u64, message: impl Into<String>) -> Error {
    Error::Load {
        path: path.to_owned(),
        line,
        message: message.into(),
    }
}

/// One CSV row with where it came from, so every field error names file, line and column.
struct Row<'r> {
    record: &'r csv::ByteRecord,
    path: &'r Path,
    line: u64,
}

impl<'r> Row<'r> {
    fn error(&self, message: impl Into<String>) -> Error {
        load_error(self.path, self.line, message)
    }

    fn text(&self, idx: usize, name: &str) -> Result<&'r str> {
        let bytes = self
            .record
            .get(idx)
            .ok_or_else(|| self.error(format!("missing column {name}")))?;
        std::str::from_utf8(bytes).map_err(|_| self.error(format!("{name} is not UTF-8")))
    }

    fn int(&self, idx: usize, name: &str) -> Result<i64> {
        let text = self.text(idx, name)?;
        text.parse()
            .map_err(|_| self.error(format!("{name} \"{text}\" is not a whole number")))
    }

    fn date(&self, idx: usize, name: &str) -> Result<Date> {
        let text = self.text(idx, name)?;
        let parse = || -> Option<Date> {
            let year: i32 = text.get(0..4)?.parse().ok()?;
            let month: u8 = text.get(5..7)?.parse().ok()?;
            let day: u8 = text.get(8..10)?.parse().ok()?;
            Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
        };
        parse().ok_or_else(|| self.error(format!("{name} \"{text}\" is not a YYYY-MM-DD date")))
    }
}

fn each_record(path: &Path, mut handle: impl FnMut(&Row<'_>) -> Result<()>) -> Result<()> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .map_err(|e| load_error(path, 0, e.to_string()))?;
    let mut record = csv::ByteRecord::new();
    let mut line = 1u64;
    loop {
        line += 1;
        match reader.read_byte_record(&mut record) {
            Ok(true) => handle(&Row {
                record: &record,
                path,
                line,
            })?,
            Ok(false) => return Ok(()),
            Err(e) => return Err(load_error(path, line, e.to_string())),
        }
    }
}

/// Builds an engine from `gen.py`'s `patients.csv`, `immunizations.csv` and `ar_items.csv`.
pub fn load_bench_dir(dir: &Path) -> Result<Engine> {
    let mut builder = EngineBuilder::with_capacity(1 << 20);
    each_record(&dir.join("patients.csv"), |row| {
        let sex_text = row.text(2, "sex")?;
        let sex = Sex::from_text(sex_text)
            .ok_or_else(|| row.error(format!("sex \"{sex_text}\" is not F, M, O or U")))?;
        builder.add_patient(&PatientFacts {
            patient_key: row.int(0, "patient_id")?,
            birth_date: row.date(1, "birth_date")?,
            sex,
            zip: row.text(3, "zip")?.to_owned(),
            deceased: None,
        });
        Ok(())
    })?;
    each_record(&dir.join("immunizations.csv"), |row| {
        let cvx_text = row.text(2, "cvx")?;
        let cvx = cvx_text
            .parse()
            .map_err(|_| row.error(format!("cvx \"{cvx_text}\" is not a CVX code")))?;
        let status_text = row.text(4, "status")?;
        let status = ImmunizationStatus::from_code(status_text).ok_or_else(|| {
            row.error(format!(
                "status \"{status_text}\" is not an Immunization.status code"
            ))
        })?;
        builder
            .add_immunization(&ImmunizationFact {
                event_key: row.int(0, "imm_id")?,
                patient_key: row.int(1, "patient_id")?,
                cvx,
                date: row.date(3, "admin_date")?,
                status,
            })
            .map_err(|e| row.error(e.to_string()))
    })?;
    each_record(&dir.join("ar_items.csv"), |row| {
        builder
            .add_ar_item(&ArItemFact {
                item_key: row.int(0, "item_id")?,
                patient_key: row.int(1, "patient_id")?,
                amount_cents: row.int(2, "amount_cents")?,
                paid_cents: row.int(3, "paid_cents")?,
                due_date: row.date(4, "due_date")?,
                payer_key: 0,
                financial_class: crate::facts::FinancialClass::SelfPay,
            })
            .map_err(|e| row.error(e.to_string()))
    })?;
    Ok(builder.build())
}
