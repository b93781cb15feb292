//! Bulk export: current records as FHIR NDJSON, one file per resource type
//! (`Patient.ndjson`, `Encounter.ndjson`, ..., `ChargeItem.ndjson` from charges,
//! `Claim.ndjson` from stored claims, `ExplanationOfBenefit.ndjson` from the claims an 835
//! decided), the layout
//! of the Bulk Data `$export` output. `chartroom export --ndjson` writes every type; the server's `$export` jobs
//! choose types, `_since` and (Group level) the patients whose compartment is written
//! through `ExportFilter` and watch progress, so both share this one implementation.
//!
//! Invariants: the whole export reads one store snapshot (one read transaction), so files
//! agree with each other; tables are paged by id so memory stays flat; soft-deleted
//! records are left out; a file is written for every chosen type, empty when there is
//! nothing.

use crate::to_fhir::ToFhir;
use crate::{Error, Result};
use serde::Serialize;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::ops::ControlFlow;
use std::path::Path;
use store::{Store, Stored, Table, Tx, Value};
use time::OffsetDateTime;

/// Resources written per file, in export order.
pub type ExportCounts = Vec<(String, u64)>;

/// Every resource type an export can write, in the order it writes them (directory
/// entries first, then patients, then their charts).
pub const EXPORT_TYPES: &[&str] = &[
    "Organization",
    "Practitioner",
    "Patient",
    "Group",
    "Coverage",
    "Encounter",
    "Condition",
    "Procedure",
    "Immunization",
    "Observation",
    "MedicationStatement",
    "AllergyIntolerance",
    "DocumentReference",
    "ChargeItem",
    "Claim",
    "ExplanationOfBenefit",
];

/// Which records an export writes.
#[derive(Debug, Clone, Default)]
pub struct ExportFilter {
    /// Only these resource types (names from `EXPORT_TYPES`; others are never written);
    /// `None` writes every type.
    pub types: Option<Vec<String>>,
    /// Only records changed after this instant (Bulk Data `_since`).
    pub since: Option<OffsetDateTime>,
    /// Only the Patient compartment of these patients (a Group-level export: the group's
    /// members); types outside the compartment (Organization, Practitioner, Group) are
    /// left empty. `None` exports every patient.
    pub patients: Option<Vec<i64>>,
}

impl ExportFilter {
    fn wants(&self, resource_type: &str) -> bool {
        self.types
            .as_ref()
            .is_none_or(|types| types.iter().any(|t| t == resource_type))
    }
}

/// Told after every page which type is being written and how many resources that file
/// holds so far; `Break` stops the export (`Error::Stopped`).
pub type Progress<'a> = &'a mut dyn FnMut(&str, u64) -> ControlFlow<()>;

/// Records read per page.
const PAGE: i64 = 2_000;

/// Patient ids bound in one query of a Group-level export (well under both engines'
/// limits on parameters).
const PATIENTS_PER_QUERY: usize = 500;

struct NdjsonFile {
    resource_type: &'static str,
    path: String,
    writer: BufWriter<File>,
    n_resources: u64,
}

impl NdjsonFile {
    fn create(dir: &Path, resource_type: &'static str) -> Result<Self> {
        let path = dir.join(format!("{resource_type}.ndjson"));
        let file = File::create(&path).map_err(|e| Error::File {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Ok(Self {
            resource_type,
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

    fn write_kind<R: Table + ToFhir>(
        &mut self,
        tx: &mut Tx<'_>,
        filter: &ExportFilter,
        progress: Progress<'_>,
    ) -> Result<()> {
        self.write_mapped::<R, _>(tx, filter, progress, |_, stored| {
            Ok(Some(R::to_fhir(stored)))
        })
    }

    /// Writes every chosen record of `R` as `map` makes it, leaving out those it makes
    /// nothing of (Claims read other records; a claim no 835 decided has no
    /// ExplanationOfBenefit).
    fn write_mapped<R: Table, M: Serialize>(
        &mut self,
        tx: &mut Tx<'_>,
        filter: &ExportFilter,
        progress: Progress<'_>,
        map: impl Fn(&mut Tx<'_>, &Stored<R>) -> Result<Option<M>>,
    ) -> Result<()> {
        let Some(patients) = &filter.patients else {
            return self.write_pages(tx, filter, progress, &map, "", &[]);
        };
        let column = if R::KIND == "patient" {
            "id"
        } else if R::COLUMNS.iter().any(|c| c.name == "patient_id") {
            "patient_id"
        } else {
            // Not in the Patient compartment.
            return Ok(());
        };
        let mut patients = patients.clone();
        patients.sort_unstable();
        patients.dedup();
        for chunk in patients.chunks(PATIENTS_PER_QUERY) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let ids: Vec<Value> = chunk.iter().map(|id| Value::Int(*id)).collect();
            self.write_pages(
                tx,
                filter,
                progress,
                &map,
                &format!(" AND {column} IN ({marks})"),
                &ids,
            )?;
        }
        Ok(())
    }

    /// Writes the chosen records of `R` passing `extra` (SQL after the paging condition,
    /// with its `params`), page by page.
    fn write_pages<R: Table, M: Serialize>(
        &mut self,
        tx: &mut Tx<'_>,
        filter: &ExportFilter,
        progress: Progress<'_>,
        map: &impl Fn(&mut Tx<'_>, &Stored<R>) -> Result<Option<M>>,
        extra: &str,
        params: &[Value],
    ) -> Result<()> {
        let mut after = 0i64;
        loop {
            let mut condition = "id > ?".to_owned();
            let mut values = vec![Value::Int(after)];
            if let Some(since) = filter.since {
                condition.push_str(" AND updated_at > ?");
                values.push(Value::Timestamp(since));
            }
            condition.push_str(extra);
            values.extend(params.iter().cloned());
            let page = tx.select::<R>(&condition, &values, "id", PAGE)?;
            let Some(last) = page.last() else {
                return Ok(());
            };
            after = last.meta.id;
            for stored in &page {
                let Some(resource) = map(tx, stored)? else {
                    continue;
                };
                serde_json::to_writer(&mut self.writer, &resource).map_err(|e| self.error(e))?;
                self.writer.write_all(b"\n").map_err(|e| self.error(e))?;
                self.n_resources += 1;
            }
            if progress(self.resource_type, self.n_resources).is_break() {
                return Err(Error::Stopped);
            }
        }
    }

    fn finish(mut self) -> Result<(String, u64)> {
        self.writer.flush().map_err(|e| self.error(e))?;
        Ok((format!("{}.ndjson", self.resource_type), self.n_resources))
    }
}

/// Writes every current record to `dir/<ResourceType>.ndjson`.
pub fn export_ndjson(store: &Store, dir: &Path) -> Result<ExportCounts> {
    export_ndjson_filtered(store, dir, &ExportFilter::default(), &mut |_, _| {
        ControlFlow::Continue(())
    })
}

/// Writes the records `filter` chooses to `dir/<ResourceType>.ndjson`, telling
/// `progress` as it goes, then `dir/manifest.sha256` with each file's SHA-256 (ONC
/// 170.315(d)(8)), so the receiving side can check the files.
pub fn export_ndjson_filtered(
    store: &Store,
    dir: &Path,
    filter: &ExportFilter,
    progress: Progress<'_>,
) -> Result<ExportCounts> {
    std::fs::create_dir_all(dir).map_err(|e| Error::File {
        path: dir.display().to_string(),
        message: e.to_string(),
    })?;
    let mut outcome: Result<ExportCounts> = Ok(Vec::new());
    // File errors are kept aside and the transaction ended normally, so a full disk is
    // reported as the file that failed rather than as a database error. The export reads
    // beside the writers: a long export does not stop the server from writing.
    store.read_beside_writers(|tx| {
        outcome = write_all(tx, dir, filter, progress);
        Ok(())
    })?;
    let counts = outcome?;
    let names: Vec<&str> = counts.iter().map(|(name, _)| name.as_str()).collect();
    manifest::record(dir, &names).map_err(|e| Error::File {
        path: dir.display().to_string(),
        message: e.to_string(),
    })?;
    Ok(counts)
}

fn write_all(
    tx: &mut Tx<'_>,
    dir: &Path,
    filter: &ExportFilter,
    progress: Progress<'_>,
) -> Result<ExportCounts> {
    use records::*;
    let mut counts = Vec::new();
    macro_rules! file {
        ($resource_type:literal: $($record:ty),+) => {{
            if filter.wants($resource_type) {
                if progress($resource_type, 0).is_break() {
                    return Err(Error::Stopped);
                }
                let mut file = NdjsonFile::create(dir, $resource_type)?;
                $(file.write_kind::<$record>(tx, filter, progress)?;)+
                counts.push(file.finish()?);
            }
        }};
    }
    // The same order as `EXPORT_TYPES`.
    file!("Organization": Organization, Payer);
    file!("Practitioner": Provider);
    file!("Patient": Patient);
    file!("Group": PatientGroup);
    file!("Coverage": Coverage);
    file!("Encounter": Encounter);
    file!("Condition": Diagnosis, Problem);
    file!("Procedure": Procedure);
    file!("Immunization": Immunization);
    file!("Observation": Observation);
    file!("MedicationStatement": Medication);
    file!("AllergyIntolerance": Allergy);
    file!("DocumentReference": ClinicalNote, ScannedDocument);
    file!("ChargeItem": Charge);
    if filter.wants("Claim") {
        if progress("Claim", 0).is_break() {
            return Err(Error::Stopped);
        }
        let mut file = NdjsonFile::create(dir, "Claim")?;
        file.write_mapped::<Claim, _>(tx, filter, progress, |tx, stored| {
            Ok(Some(crate::to_fhir::stored_claim(tx, stored)?))
        })?;
        counts.push(file.finish()?);
    }
    if filter.wants("ExplanationOfBenefit") {
        if progress("ExplanationOfBenefit", 0).is_break() {
            return Err(Error::Stopped);
        }
        let mut file = NdjsonFile::create(dir, "ExplanationOfBenefit")?;
        // Only claims an 835 decided have one.
        file.write_mapped::<Claim, _>(tx, filter, progress, |tx, stored| {
            Ok(crate::to_fhir::explanation_of_benefit(tx, stored)?)
        })?;
        counts.push(file.finish()?);
    }
    Ok(counts)
}
