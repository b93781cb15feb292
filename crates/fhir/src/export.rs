//! Bulk export: every current record as FHIR NDJSON, one file per resource type
//! (`Patient.ndjson`, `Encounter.ndjson`, ...), the layout of the Bulk Data `$export`
//! output.
//!
//! Invariants: the whole export reads one store snapshot (one read transaction), so files
//! agree with each other; tables are paged by id so memory stays flat; soft-deleted
//! records are left out; a file is written for every type, empty when there is nothing.

use crate::to_fhir::ToFhir;
use crate::{Error, Result};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use store::{Store, Table, Tx, Value};

/// Resources written per file, in export order.
pub type ExportCounts = Vec<(String, u64)>;

/// Records read per page.
const PAGE: i64 = 2_000;

struct NdjsonFile {
    path: String,
    writer: BufWriter<File>,
    n_resources: u64,
}

impl NdjsonFile {
    fn create(dir: &Path, resource_type: &str) -> Result<Self> {
        let path = dir.join(format!("{resource_type}.ndjson"));
        let file = File::create(&path).map_err(|e| Error::File {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Ok(Self {
            path: path.display().to_string(),
            writer: BufWriter::new(file),
            n_resources: 0,
        })
    }

    fn error(&self, message: impl ToString) -> Error {
        Error::File {
            path: self.path.clone(),
            message: message.to_string(),
        }
    }

    fn write_kind<R: Table + ToFhir>(&mut self, tx: &mut Tx<'_>) -> Result<()> {
        let mut after = 0i64;
        loop {
            let page = tx.select::<R>("id > ?", &[Value::Int(after)], "id", PAGE)?;
            let Some(last) = page.last() else {
                return Ok(());
            };
            after = last.meta.id;
            for stored in &page {
                serde_json::to_writer(&mut self.writer, &R::to_fhir(stored))
                    .map_err(|e| self.error(e))?;
                self.writer.write_all(b"\n").map_err(|e| self.error(e))?;
                self.n_resources += 1;
            }
        }
    }

    fn finish(mut self) -> Result<(String, u64)> {
        self.writer.flush().map_err(|e| self.error(e))?;
        let name = Path::new(&self.path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok((name, self.n_resources))
    }
}

/// Writes every current record to `dir/<ResourceType>.ndjson`.
pub fn export_ndjson(store: &Store, dir: &Path) -> Result<ExportCounts> {
    std::fs::create_dir_all(dir).map_err(|e| Error::File {
        path: dir.display().to_string(),
        message: e.to_string(),
    })?;
    let mut outcome: Result<ExportCounts> = Ok(Vec::new());
    // File errors are kept aside and the transaction ended normally, so a full disk is
    // reported as the file that failed rather than as a database error.
    store.read(|tx| {
        outcome = write_all(tx, dir);
        Ok(())
    })?;
    outcome
}

fn write_all(tx: &mut Tx<'_>, dir: &Path) -> Result<ExportCounts> {
    use records::*;
    let mut counts = Vec::new();
    macro_rules! file {
        ($resource_type:literal: $($record:ty),+) => {{
            let mut file = NdjsonFile::create(dir, $resource_type)?;
            $(file.write_kind::<$record>(tx)?;)+
            counts.push(file.finish()?);
        }};
    }
    file!("Organization": Organization, Payer);
    file!("Practitioner": Provider);
    file!("Patient": Patient);
    file!("Coverage": Coverage);
    file!("Encounter": Encounter);
    file!("Condition": Diagnosis, Problem);
    file!("Procedure": Procedure);
    file!("Immunization": Immunization);
    file!("Observation": Observation);
    file!("MedicationStatement": Medication);
    file!("AllergyIntolerance": Allergy);
    file!("DocumentReference": ClinicalNote);
    Ok(counts)
}
