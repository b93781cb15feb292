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

fn field<'r>(
    record: &'r csv::ByteRecord,
    idx: usize,
    path: &Path,
    line: u64,
    name: &str,
) -> Result<&'r str> {
    let bytes = record
        .get(idx)
        .ok_or_else(|| load_error(path, line, format!("missing column {name}")))?;
    std::str::from_utf8(bytes).map_err(|_| load_error(path, line, format!("{name} is not UTF-8")))
}

fn int(text: &str, path: &Path, line: u64, name: &str) -> Result<i64> {
    text.parse().map_err(|_| {
        load_error(
            path,
            line,
            format!("{name} \"{text}\" is not a whole number"),
        )
    })
}

fn date(text: &str, path: &Path, line: u64, name: &str) -> Result<Date> {
    let parse = || -> Option<Date> {
        let year: i32 = text.get(0..4)?.parse().ok()?;
        let month: u8 = text.get(5..7)?.parse().ok()?;
        let day: u8 = text.get(8..10)?.parse().ok()?;
        Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
    };
    parse().ok_or_else(|| {
        load_error(
            path,
            line,
            format!("{name} \"{text}\" is not a YYYY-MM-DD date"),
        )
    })
}

fn each_record(
    path: &Path,
    mut handle: impl FnMut(&csv::ByteRecord, u64) -> Result<()>,
) -> Result<()> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .map_err(|e| load_error(path, 0, e.to_string()))?;
    let mut record = csv::ByteRecord::new();
    let mut line = 1u64;
    loop {
        line += 1;
        match reader.read_byte_record(&mut record) {
            Ok(true) => handle(&record, line)?,
            Ok(false) => return Ok(()),
            Err(e) => return Err(load_error(path, line, e.to_string())),
        }
    }
}

/// Reads `patients.csv`, `immunizations.csv` and `ar_items.csv` from `dir`.
pub fn load_bench_dir(dir: &Path) -> Result<Engine> {
    let mut builder = EngineBuilder::with_capacity(1 << 20);
    let path = dir.join("patients.csv");
    each_record(&path, |record, line| {
        let patient_key = int(
            field(record, 0, &path, line, "patient_id")?,
            &path,
            line,
            "patient_id",
        )?;
        let birth_date = date(
            field(record, 1, &path, line, "birth_date")?,
            &path,
            line,
            "birth_date",
        )?;
        let sex_text = field(record, 2, &path, line, "sex")?;
        let sex = Sex::from_text(sex_text).ok_or_else(|| {
            load_error(
                &path,
                line,
                format!("sex \"{sex_text}\" is not F, M, O or U"),
            )
        })?;
        let zip = field(record, 3, &path, line, "zip")?.to_owned();
        builder.add_patient(&PatientFacts {
            patient_key,
            birth_date,
            sex,
            zip,
            deceased: None,
        });
        Ok(())
    })?;
    let path = dir.join("immunizations.csv");
    each_record(&path, |record, line| {
        let event_key = int(
            field(record, 0, &path, line, "imm_id")?,
            &path,
            line,
            "imm_id",
        )?;
        let patient_key = int(
            field(record, 1, &path, line, "patient_id")?,
            &path,
            line,
            "patient_id",
        )?;
        let cvx_text = field(record, 2, &path, line, "cvx")?;
        let cvx = cvx_text.parse().map_err(|_| {
            load_error(&path, line, format!("cvx \"{cvx_text}\" is not a CVX code"))
        })?;
        let date = date(
            field(record, 3, &path, line, "admin_date")?,
            &path,
            line,
            "admin_date",
        )?;
        let status_text = field(record, 4, &path, line, "status")?;
        let status = ImmunizationStatus::from_code(status_text).ok_or_else(|| {
            load_error(
                &path,
                line,
                format!("status \"{status_text}\" is not an Immunization.status code"),
            )
        })?;
        builder
            .add_immunization(&ImmunizationFact {
                event_key,
                patient_key,
                cvx,
                date,
                status,
            })
            .map_err(|e| load_error(&path, line, e.to_string()))
    })?;
    let path = dir.join("ar_items.csv");
    each_record(&path, |record, line| {
        let item_key = int(
            field(record, 0, &path, line, "item_id")?,
            &path,
            line,
            "item_id",
        )?;
        let patient_key = int(
            field(record, 1, &path, line, "patient_id")?,
            &path,
            line,
            "patient_id",
        )?;
        let amount_cents = int(
            field(record, 2, &path, line, "amount_cents")?,
            &path,
            line,
            "amount_cents",
        )?;
        let paid_cents = int(
            field(record, 3, &path, line, "paid_cents")?,
            &path,
            line,
            "paid_cents",
        )?;
        let due_date = date(
            field(record, 4, &path, line, "due_date")?,
            &path,
            line,
            "due_date",
        )?;
        builder
            .add_ar_item(&ArItemFact {
                item_key,
                patient_key,
                amount_cents,
                paid_cents,
                due_date,
                payer_key: 0,
            })
            .map_err(|e| load_error(&path, line, e.to_string()))
    })?;
    Ok(builder.build())
}
