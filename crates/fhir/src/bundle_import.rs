//! Import of FHIR transaction bundles (Synthea's FHIR export: one bundle per patient file,
//! `.json` or `.json.gz`), each bundle in one store transaction.
//!
//! Invariants:
//! - All or nothing per bundle: one rejected resource and the bundle stores nothing; the
//!   report names every rejected resource with its file, line and FHIRPath-like expression
//!   (`Bundle.entry[12].resource.birthDate`), after validating all of them.
//! - Every resource Chartroom keeps is validated (`validate_value`) before it is mapped;
//!   resource types Chartroom does not keep (Claim, ExplanationOfBenefit, Provenance...)
//!   are counted as skipped and not examined.
//! - Re-running an import skips what is stored: each bundle entry's full URL (or
//!   `Type/id`) is remembered in the store's external keys under source `fhir`, which also
//!   lets a later bundle refer to practitioners and organizations an earlier one created.

use crate::from_fhir::{Mapped, ReferenceResolver, from_json};
use crate::validate::{IssueSeverity, validate_value};
use crate::{Error, Result};
use interop::batch::Progress;
use interop::{FileReport, ImportReport, Rejection};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use store::{Actor, Store, Tx};

/// External-key source name for FHIR imports.
const SOURCE: &str = "fhir";

/// Resource types the importer keeps, in the order their dependencies need: what is
/// referred to is stored before what refers to it; every other type is skipped.
pub const IMPORTED: &[&str] = &[
    "Organization",
    "Practitioner",
    "Patient",
    "Coverage",
    "Encounter",
    "Condition",
    "Procedure",
    "Immunization",
    "Observation",
    "MedicationStatement",
    "AllergyIntolerance",
    "DocumentReference",
];

/// How an import runs.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Who the history names as the writer.
    pub actor: Actor,
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "resourceType", default)]
    resource_type: Option<String>,
    #[serde(rename = "type", default)]
    type_: Option<String>,
    #[serde(default, borrow)]
    entry: Vec<EntryRef<'a>>,
}

#[derive(Deserialize)]
struct EntryRef<'a> {
    #[serde(rename = "fullUrl", default)]
    full_url: Option<String>,
    #[serde(default, borrow)]
    resource: Option<&'a RawValue>,
}

/// Imports every `.json` / `.json.gz` bundle in `path` (or the one file `path` names).
pub fn import_dir(
    store: &Store,
    path: &Path,
    options: &ImportOptions,
    progress: &mut dyn Progress,
) -> Result<ImportReport> {
    let files = bundle_files(path)?;
    let mut report = ImportReport::default();
    for file in files {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (mut reader, size, _) = interop::open_input(&file).map_err(|e| Error::File {
            path: file.display().to_string(),
            message: e.to_string(),
        })?;
        progress.file_started(&name, size);
        let mut text = String::new();
        reader.read_to_string(&mut text).map_err(|e| Error::File {
            path: file.display().to_string(),
            message: e.to_string(),
        })?;
        progress.advanced(size);
        let (file_report, rejections) = import_bundle_text(store, &name, &text, options)?;
        progress.file_finished(&file_report);
        report.files.push(file_report);
        report.rejections.extend(rejections);
    }
    Ok(report)
}

fn bundle_files(path: &Path) -> Result<Vec<std::path::PathBuf>> {
    let error = |message: String| Error::File {
        path: path.display().to_string(),
        message,
    };
    if path.is_file() {
        return Ok(vec![path.to_owned()]);
    }
    let mut files: Vec<_> = std::fs::read_dir(path)
        .map_err(|e| error(e.to_string()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.to_string_lossy();
            name.ends_with(".json") || name.ends_with(".json.gz")
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(error("no .json or .json.gz bundle files here".into()));
    }
    Ok(files)
}

/// The 1-based line of `part` inside `text` (both the same buffer), for reports.
fn line_of(text: &str, part: &str) -> u64 {
    let offset = (part.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
    text.get(..offset).map_or(1, |before| {
        before.bytes().filter(|b| *b == b'\n').count() as u64 + 1
    })
}

/// Imports one bundle's JSON text as one transaction; returns its counts and rejections.
pub fn import_bundle_text(
    store: &Store,
    file: &str,
    text: &str,
    options: &ImportOptions,
) -> Result<(FileReport, Vec<Rejection>)> {
    let imported = import_bundle_with(file, text, options, &mut |work| store.write(work))?;
    Ok((imported.report, imported.rejections))
}

/// What became of one bundle entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryResult {
    /// Stored as this record.
    Stored {
        /// Record kind (`patient`, `diagnosis`, `problem`...).
        kind: &'static str,
        /// Record id.
        id: i64,
    },
    /// Already stored by an earlier import of the same entry.
    Existing {
        /// Record kind.
        kind: &'static str,
        /// Record id.
        id: i64,
    },
    /// Not something Chartroom keeps (or nothing to keep in it).
    Skipped,
}

/// A bundle import's outcome: the counts, every rejection, and each entry's result (in
/// the bundle's order; all `Skipped` when the bundle was rejected).
#[derive(Debug, Clone)]
pub struct BundleImport {
    /// Counts.
    pub report: FileReport,
    /// Rejected resources, with where and why.
    pub rejections: Vec<Rejection>,
    /// One result per bundle entry.
    pub entries: Vec<EntryResult>,
}

/// A unit of work for one transaction.
pub type Work<'w> = dyn FnMut(&mut Tx<'_>) -> store::Result<()> + 'w;

/// Imports one bundle, running its writes through `run`, which must call the work once
/// inside one transaction (the server passes a transaction that also appends the audit
/// entry; `import_bundle_text` a plain `Store::write`).
pub fn import_bundle_with(
    file: &str,
    text: &str,
    options: &ImportOptions,
    run: &mut dyn FnMut(&mut Work<'_>) -> store::Result<()>,
) -> Result<BundleImport> {
    let mut report = FileReport {
        file: file.to_owned(),
        ..FileReport::default()
    };
    let reject_file = |report: &mut FileReport, line: u64, column: Option<&str>, reason: String| {
        report.rejected += 1;
        vec![Rejection {
            file: file.to_owned(),
            line,
            column: column.map(str::to_owned),
            reason,
        }]
    };
    let envelope: Envelope<'_> = match serde_json::from_str(text) {
        Ok(envelope) => envelope,
        Err(error) => {
            let reason = format!("not a FHIR Bundle in JSON: {error}");
            let rejections = reject_file(&mut report, error.line() as u64, None, reason);
            return Ok(BundleImport {
                report,
                rejections,
                entries: Vec::new(),
            });
        }
    };
    if envelope.resource_type.as_deref() != Some("Bundle") {
        let rejections = reject_file(
            &mut report,
            1,
            Some("resourceType"),
            "expected a Bundle".into(),
        );
        return Ok(BundleImport {
            report,
            rejections,
            entries: Vec::new(),
        });
    }
    if !matches!(
        envelope.type_.as_deref(),
        Some("transaction" | "batch" | "collection")
    ) {
        let found = envelope.type_.as_deref().unwrap_or("nothing");
        let reason = format!("expected a transaction, batch or collection bundle, found {found}");
        let rejections = reject_file(&mut report, 1, Some("Bundle.type"), reason);
        return Ok(BundleImport {
            report,
            rejections,
            entries: Vec::new(),
        });
    }

    // Parse each entry once: its type decides the order and whether it is kept at all.
    let mut entries: Vec<(usize, usize, &EntryRef<'_>, serde_json::Value)> = Vec::new();
    for (idx, entry) in envelope.entry.iter().enumerate() {
        let value = entry
            .resource
            .and_then(|raw| serde_json::from_str::<serde_json::Value>(raw.get()).ok());
        let rank = value
            .as_ref()
            .and_then(|v| v.get("resourceType")?.as_str())
            .and_then(|t| IMPORTED.iter().position(|kept| *kept == t));
        match (value, rank) {
            (Some(value), Some(rank)) => entries.push((rank, idx, entry, value)),
            _ => report.skipped += 1,
        }
    }
    entries.sort_by_key(|(rank, idx, _, _)| (*rank, *idx));

    let mut rejections: Vec<Rejection> = Vec::new();
    let mut n_stored = 0u64;
    let mut n_skipped = 0u64;
    let mut results = vec![EntryResult::Skipped; envelope.entry.len()];
    let mut work = |tx: &mut Tx<'_>| -> store::Result<()> {
        let mut local: HashMap<String, (&'static str, i64)> = HashMap::new();
        let mut failed = false;
        for (_, idx, entry, value) in &entries {
            let Some(raw) = entry.resource else { continue };
            let resource_type = value
                .get("resourceType")
                .and_then(|t| t.as_str())
                .unwrap_or_default();
            let at = |expression: &str| {
                let rest = expression.strip_prefix(resource_type).unwrap_or("");
                format!("Bundle.entry[{idx}].resource{rest}")
            };
            // The line is found only for rejections: scanning the text for every entry of a
            // 10,000-entry bundle would make the import quadratic.
            let mut reject = |expression: String, reason: String| {
                rejections.push(Rejection {
                    file: file.to_owned(),
                    line: line_of(text, raw.get()),
                    column: Some(expression),
                    reason,
                });
            };
            let errors: Vec<_> = validate_value(value)
                .into_iter()
                .filter(|i| i.severity == IssueSeverity::Error)
                .collect();
            if !errors.is_empty() {
                report.rejected += 1;
                for issue in errors {
                    reject(at(&issue.expression), issue.message);
                }
                failed = true;
                continue;
            }
            if failed {
                // Nothing will be kept; the rest are only validated, so the report is whole.
                continue;
            }
            let key = entry.full_url.clone().or_else(|| {
                let id = value.get("id")?.as_str()?;
                Some(format!("{resource_type}/{id}"))
            });
            if let Some(key) = &key
                && let Some(found) = already_imported(tx, resource_type, key)?
            {
                local.insert(key.clone(), found);
                n_skipped += 1;
                if let Some(slot) = results.get_mut(*idx) {
                    *slot = EntryResult::Existing {
                        kind: found.0,
                        id: found.1,
                    };
                }
                continue;
            }
            let mapped = from_json(raw.get(), &mut Lookup { tx, local: &local });
            let mapped = match mapped {
                Ok(mapped) => mapped,
                Err(issues) => {
                    report.rejected += 1;
                    for issue in issues {
                        reject(at(&issue.expression), issue.message);
                    }
                    failed = true;
                    continue;
                }
            };
            match store_mapped(tx, &options.actor, mapped) {
                Ok(None) => n_skipped += 1,
                Ok(Some((kind, id))) => {
                    n_stored += 1;
                    if let Some(slot) = results.get_mut(*idx) {
                        *slot = EntryResult::Stored { kind, id };
                    }
                    if let Some(key) = key {
                        tx.link_external_id(SOURCE, kind, &key, id)?;
                        local.insert(key, (kind, id));
                    }
                }
                Err(error) => {
                    // The records model refused it (its own validation or a reference); on
                    // PostgreSQL the transaction may be unusable now, so stop writing.
                    report.rejected += 1;
                    reject(at(resource_type), error.to_string());
                    failed = true;
                }
            }
        }
        if failed {
            Err(store::Error::Conflict("bundle rejected".into()))
        } else {
            Ok(())
        }
    };
    let outcome = run(&mut work);
    match outcome {
        Ok(()) => {
            report.accepted = n_stored;
            report.skipped += n_skipped;
        }
        Err(_) if report.rejected > 0 => {
            rejections.push(Rejection {
                file: file.to_owned(),
                line: 1,
                column: None,
                reason: format!(
                    "bundle not stored: {} resources rejected (a transaction is all or nothing)",
                    report.rejected
                ),
            });
        }
        Err(error) => return Err(Error::Store(error)),
    }
    if !rejections.is_empty() {
        results = vec![EntryResult::Skipped; results.len()];
    }
    Ok(BundleImport {
        report,
        rejections,
        entries: results,
    })
}

/// The record kinds a resource type can become.
fn record_kinds(resource_type: &str) -> &'static [&'static str] {
    match resource_type {
        "Organization" => &["organization", "payer"],
        "Practitioner" => &["provider"],
        "Patient" => &["patient"],
        "Coverage" => &["coverage"],
        "Encounter" => &["encounter"],
        "Condition" => &["diagnosis", "problem"],
        "Procedure" => &["procedure"],
        "Immunization" => &["immunization"],
        "Observation" => &["observation"],
        "MedicationStatement" => &["medication"],
        "AllergyIntolerance" => &["allergy"],
        "DocumentReference" => &["note"],
        _ => &[],
    }
}

fn already_imported(
    tx: &mut Tx<'_>,
    resource_type: &str,
    key: &str,
) -> store::Result<Option<(&'static str, i64)>> {
    for kind in record_kinds(resource_type) {
        if let Some(id) = tx.external_id(SOURCE, kind, key)? {
            return Ok(Some((kind, id)));
        }
    }
    Ok(None)
}

/// Creates the record(s); returns the kind and id the entry's key should name.
fn store_mapped(
    tx: &mut Tx<'_>,
    actor: &Actor,
    mapped: Mapped,
) -> store::Result<Option<(&'static str, i64)>> {
    Ok(Some(match mapped {
        Mapped::Patient(r) => ("patient", tx.create(actor, &r)?.meta.id),
        Mapped::Provider(r) => ("provider", tx.create(actor, &r)?.meta.id),
        Mapped::Organization(r) => ("organization", tx.create(actor, &r)?.meta.id),
        Mapped::Payer(r) => ("payer", tx.create(actor, &r)?.meta.id),
        Mapped::Coverage(r) => ("coverage", tx.create(actor, &r)?.meta.id),
        Mapped::Encounter(r) => ("encounter", tx.create(actor, &r)?.meta.id),
        Mapped::Diagnosis(r) => ("diagnosis", tx.create(actor, &r)?.meta.id),
        Mapped::Problem(r) => ("problem", tx.create(actor, &r)?.meta.id),
        Mapped::Procedure(r) => ("procedure", tx.create(actor, &r)?.meta.id),
        Mapped::Immunization(r) => ("immunization", tx.create(actor, &r)?.meta.id),
        Mapped::Medication(r) => ("medication", tx.create(actor, &r)?.meta.id),
        Mapped::Allergy(r) => ("allergy", tx.create(actor, &r)?.meta.id),
        Mapped::Note(r) => ("note", tx.create(actor, &r)?.meta.id),
        Mapped::Group(r) => ("group", tx.create(actor, &r)?.meta.id),
        Mapped::Observations(observations) => {
            let mut first = None;
            for observation in &observations {
                let id = tx.create(actor, observation)?.meta.id;
                first.get_or_insert(id);
            }
            match first {
                Some(id) => ("observation", id),
                None => return Ok(None),
            }
        }
        Mapped::Skipped(_) => return Ok(None),
    }))
}

/// Resolves references against this bundle's entries, then earlier imports, then records
/// named by their own FHIR ids (`Patient/12`).
struct Lookup<'a, 'b> {
    tx: &'a mut Tx<'b>,
    local: &'a HashMap<String, (&'static str, i64)>,
}

impl ReferenceResolver for Lookup<'_, '_> {
    fn resolve(&mut self, kind: &'static str, reference: &str) -> Option<i64> {
        if let Some((found_kind, id)) = self.local.get(reference) {
            return (*found_kind == kind).then_some(*id);
        }
        if let Ok(Some(id)) = self.tx.external_id(SOURCE, kind, reference) {
            return Some(id);
        }
        let (_, id_text) = reference.split_once('/')?;
        let id: i64 = match kind {
            "payer" => id_text.strip_prefix("payer-")?.parse().ok()?,
            _ => id_text.parse().ok()?,
        };
        let exists = match kind {
            "patient" => live::<records::Patient>(self.tx, id),
            "provider" => live::<records::Provider>(self.tx, id),
            "organization" => live::<records::Organization>(self.tx, id),
            "payer" => live::<records::Payer>(self.tx, id),
            "encounter" => live::<records::Encounter>(self.tx, id),
            _ => false,
        };
        exists.then_some(id)
    }

    /// Patients in bundles from elsewhere get a facility MRN when they carry no usable
    /// one, as registration would give them.
    fn mrn_for_unidentified(&mut self) -> Option<(records::Mrn, String)> {
        let mrn = self.tx.assign_mrn().ok()?;
        Some((mrn, records::FACILITY_MRN_AUTHORITY.to_owned()))
    }
}

/// Whether a record exists and is not deleted.
fn live<R: store::Table>(tx: &mut Tx<'_>, id: i64) -> bool {
    matches!(tx.find::<R>(id), Ok(Some(stored)) if stored.meta.deleted.is_none())
}
