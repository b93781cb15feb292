//! CSV export of chart data, one file per record kind, for spreadsheets and other systems.

use crate::{Error, Result};
use std::fs::File;
use std::path::Path;
use store::{Store, Table, Tx};
use time::format_description::well_known::Rfc3339;

fn write_table<R: Table>(tx: &mut Tx<'_>, dir: &Path) -> Result<u64> {
    let path = dir.join(format!("{}.csv", R::TABLE));
    let file_error = |message: String| Error::File {
        path: path.display().to_string(),
        message,
    };
    let file = File::create(&path).map_err(|e| file_error(e.to_string()))?;
    let mut writer = csv::Writer::from_writer(file);
    let mut header = vec!["id", "version", "created_at", "updated_at"];
    header.extend(R::COLUMNS.iter().map(|c| c.name));
    writer
        .write_record(&header)
        .map_err(|e| file_error(e.to_string()))?;
    let mut n_rows = 0;
    let mut after = 0i64;
    loop {
        // Paged by id so a large table never has to fit in memory.
        let page = tx.select::<R>("id > ?", &[store::Value::Int(after)], "id", 10_000)?;
        let Some(last) = page.last() else { break };
        after = last.meta.id;
        for stored in &page {
            let json =
                serde_json::to_value(&stored.record).map_err(|e| file_error(e.to_string()))?;
            let mut row = vec![
                stored.meta.id.to_string(),
                stored.meta.version.to_string(),
                stored.meta.created_at.format(&Rfc3339).unwrap_or_default(),
                stored.meta.updated_at.format(&Rfc3339).unwrap_or_default(),
            ];
            for column in R::COLUMNS {
                row.push(match json.get(column.name) {
                    None | Some(serde_json::Value::Null) => String::new(),
                    Some(serde_json::Value::String(text)) => text.clone(),
                    Some(other) => other.to_string(),
                });
            }
            writer
                .write_record(&row)
                .map_err(|e| file_error(e.to_string()))?;
            n_rows += 1;
        }
    }
    writer.flush().map_err(|e| file_error(e.to_string()))?;
    Ok(n_rows)
}

/// Writes every current record to `dir/<table>.csv`, then `dir/manifest.sha256` with each
/// file's SHA-256 (ONC 170.315(d)(8)); returns (file, rows) per table.
pub fn export_csv(store: &Store, dir: &Path) -> Result<Vec<(String, u64)>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::File {
        path: dir.display().to_string(),
        message: e.to_string(),
    })?;
    store
        .read(|tx| {
            let mut counts = Vec::new();
            macro_rules! export {
                ($($record:ty),*) => {$(
                    let n_rows = write_table::<$record>(tx, dir).map_err(|e| store::Error::Database(e.to_string()))?;
                    counts.push((format!("{}.csv", <$record as Table>::TABLE), n_rows));
                )*};
            }
            use records::*;
            export!(Organization, Payer, Provider, Patient, Coverage, Encounter, EncounterParticipant, Diagnosis, Procedure, Immunization, Observation, Medication, Allergy, Problem, ClinicalNote, Charge, Posting);
            Ok(counts)
        })
        .map_err(Error::Store)
        .and_then(|counts| {
            let names: Vec<&str> = counts.iter().map(|(name, _)| name.as_str()).collect();
            manifest::record(dir, &names).map_err(|e| Error::File {
                path: dir.display().to_string(),
                message: e.to_string(),
            })?;
            Ok(counts)
        })
}
