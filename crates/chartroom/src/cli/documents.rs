//! `chartroom documents add|list|index|move|show|export|types`: scanned documents from the
//! terminal (`crates/documents` checks, keeps and audits).
//!
//! Invariants:
//! - The pages live in the data directory's `documents/` (by SHA-256), also when the
//!   records are in PostgreSQL.
//! - What is printed was audited first; a refused upload records nothing.

use crate::cli::audited::CliAuditor;
use crate::cli::patient::patient_id;
use anyhow::{Context, Result, bail};
use documents::{Filing, Listed, Part};
use privacy::Action;
use records::{DOCUMENT_TYPES, EncounterId, PatientId, ScannedDocument};
use std::path::{Path, PathBuf};
use store::{Store, Stored};

/// Scanned documents.
#[derive(Debug, clap::Subcommand)]
pub enum DocumentsCmd {
    /// Upload scanned pages (PDF, TIFF or JPEG) to a chart, or to the indexing queue.
    Add {
        /// The file.
        file: PathBuf,
        /// The patient (record id or MRN).
        #[arg(long, conflicts_with = "unindexed")]
        patient: Option<String>,
        /// Not yet known whose or what it is: it waits in the indexing queue.
        #[arg(long)]
        unindexed: bool,
        /// The document type (see `documents types`).
        #[arg(long = "type")]
        document_type: Option<String>,
        /// The date of service (YYYY-MM-DD).
        #[arg(long)]
        date: Option<String>,
        /// The encounter (record id; the patient's).
        #[arg(long)]
        encounter: Option<i64>,
        /// A title (default: the file's name).
        #[arg(long)]
        title: Option<String>,
    },
    /// A chart's documents, or the indexing queue.
    List {
        /// The patient (record id or MRN).
        #[arg(long, conflicts_with = "queue")]
        patient: Option<String>,
        /// The indexing queue: documents whose patient or type is not known, oldest first.
        #[arg(long)]
        queue: bool,
        /// At most this many (queue).
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Index a document from the queue: give its patient, type, date, encounter.
    Index {
        /// The document's number.
        id: i64,
        /// The patient (record id or MRN).
        #[arg(long)]
        patient: Option<String>,
        /// The document type.
        #[arg(long = "type")]
        document_type: Option<String>,
        /// The date of service (YYYY-MM-DD).
        #[arg(long)]
        date: Option<String>,
        /// The encounter (record id).
        #[arg(long)]
        encounter: Option<i64>,
    },
    /// Move a misfiled document to the right chart (both charts' audit trails show it).
    Move {
        /// The document's number.
        id: i64,
        /// The right chart (record id or MRN).
        #[arg(long)]
        to: String,
        /// Why (for example: misfiled, another patient's name on the pages).
        #[arg(long)]
        reason: String,
        /// The encounter on the right chart (record id), if it belongs to one.
        #[arg(long)]
        encounter: Option<i64>,
    },
    /// One document: what it is and where it is filed.
    Show {
        /// The document's number.
        id: i64,
    },
    /// Save a document's pages to a file (an audited export).
    Export {
        /// The document's number.
        id: i64,
        /// Where to write them.
        #[arg(long)]
        out: PathBuf,
    },
    /// The document types (code, LOINC, label).
    Types,
}

fn date(text: Option<&str>) -> Result<Option<time::Date>> {
    text.map(|t| {
        time::Date::parse(
            t.trim(),
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .with_context(|| format!("--date: {t:?} is not a date (YYYY-MM-DD)"))
    })
    .transpose()
}

fn row(listed: &Listed) -> Vec<String> {
    let d = &listed.document.record;
    vec![
        listed.document.meta.id.to_string(),
        d.status.as_str().into(),
        match (&listed.patient_name, &listed.mrn) {
            (Some(n), Some(m)) => format!("{n} ({m})"),
            _ => "-".into(),
        },
        d.kind().map_or("-", |t| t.label).into(),
        d.service_date.map_or_else(|| "-".into(), |d| d.to_string()),
        d.media_type.clone(),
        d.pages.to_string(),
        d.title.clone().unwrap_or_default(),
    ]
}

const HEADERS: [&str; 8] = [
    "id", "status", "patient", "type", "date", "media", "pages", "title",
];

fn describe(listed: &Listed) {
    let d = &listed.document.record;
    crate::say!(
        "Document {} ({}): {}, {} page(s), {} bytes, SHA-256 {}.",
        listed.document.meta.id,
        d.status.as_str(),
        d.media_type,
        d.pages,
        d.size_bytes,
        d.content_sha256
    );
    match (&listed.patient_name, &listed.mrn) {
        (Some(n), Some(m)) => crate::say!("Chart: {n} ({m})."),
        _ => crate::say!("Chart: none yet (in the indexing queue)."),
    }
    crate::say!(
        "Type: {}.",
        d.kind().map_or_else(
            || "not known yet".to_owned(),
            |t| format!("{} (LOINC {})", t.label, t.loinc)
        )
    );
    if let Some(day) = d.service_date {
        crate::say!("Date of service: {day}.");
    }
    if let Some(e) = d.encounter_id {
        crate::say!("Encounter: {}.", e.0);
    }
    if let Some(t) = &d.title {
        crate::say!("Title: {t}.");
    }
    crate::say!("Received {} by {}.", d.received_at, d.received_by);
    if let (Some(at), Some(by)) = (d.indexed_at, &d.indexed_by) {
        crate::say!("Filed {at} by {by}.");
    }
}

fn optional_patient(store: &Store, text: Option<&str>) -> Result<Option<PatientId>> {
    text.map(|p| patient_id(store, p).map(PatientId))
        .transpose()
}

/// Runs a documents command.
pub fn run(
    store: &Store,
    auditor: &CliAuditor,
    data_dir: &Path,
    cmd: DocumentsCmd,
    json: bool,
) -> Result<()> {
    let content = documents::content_store(data_dir);
    let trail = auditor.trail();
    match cmd {
        DocumentsCmd::Add {
            file,
            patient,
            unindexed,
            document_type,
            date: day,
            encounter,
            title,
        } => {
            if patient.is_none() && !unindexed {
                bail!(
                    "name the chart with --patient MRN, or send it to the indexing queue with --unindexed"
                );
            }
            let filing = Filing {
                patient_id: optional_patient(store, patient.as_deref())?,
                document_type,
                service_date: date(day.as_deref())?,
                encounter_id: encounter.map(EncounterId),
                title: title.or_else(|| file.file_name().map(|n| n.to_string_lossy().into_owned())),
            };
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let who = auditor.event(store, Action::Create);
            let added = documents::add(store, trail, &who, &content, &filing, &bytes)
                .with_context(|| format!("{} (nothing was recorded)", file.display()))?;
            if json {
                return crate::output::json(&added);
            }
            let d = &added.record;
            crate::say!(
                "Document {} added: {}, {} page(s){}; {}.",
                added.meta.id,
                d.media_type,
                d.pages,
                if d.thumbnail_sha256.is_some() {
                    ", thumbnail made"
                } else {
                    ""
                },
                match d.status {
                    records::DocumentStatus::Indexed => "filed to the chart",
                    records::DocumentStatus::Unindexed => "waiting in the indexing queue",
                }
            );
            Ok(())
        }
        DocumentsCmd::List {
            patient,
            queue,
            limit,
        } => {
            let who = auditor.event(store, Action::Read);
            let listed: Vec<Listed> = if queue {
                documents::queue(store, trail, &who, limit)?
            } else if let Some(p) = patient {
                let p = PatientId(patient_id(store, &p)?);
                let (name, mrn) = store.read(|tx| {
                    let s: Stored<records::Patient> = tx.get(p.0)?;
                    Ok((s.record.display_name(), s.record.mrn.to_string()))
                })?;
                documents::for_patient(store, trail, &who, p)?
                    .into_iter()
                    .map(|document| Listed {
                        document,
                        patient_name: Some(name.clone()),
                        mrn: Some(mrn.clone()),
                    })
                    .collect()
            } else {
                bail!("name a chart with --patient MRN, or list the indexing queue with --queue");
            };
            if json {
                return crate::output::json(&listed);
            }
            if listed.is_empty() {
                crate::say!("No documents.");
            } else {
                let rows: Vec<Vec<String>> = listed.iter().map(row).collect();
                crate::output::table(&HEADERS, &rows);
            }
            Ok(())
        }
        DocumentsCmd::Index {
            id,
            patient,
            document_type,
            date: day,
            encounter,
        } => {
            let filing = Filing {
                patient_id: optional_patient(store, patient.as_deref())?,
                document_type,
                service_date: date(day.as_deref())?,
                encounter_id: encounter.map(EncounterId),
                title: None,
            };
            let who = auditor.event(store, Action::Update);
            let stored = documents::index(store, trail, &who, id, &filing)?;
            if json {
                return crate::output::json(&stored);
            }
            crate::say!(
                "Document {} is {}.",
                id,
                match stored.record.status {
                    records::DocumentStatus::Indexed => "filed",
                    records::DocumentStatus::Unindexed =>
                        "still in the indexing queue (its patient or type is not known yet)",
                }
            );
            Ok(())
        }
        DocumentsCmd::Move {
            id,
            to,
            reason,
            encounter,
        } => {
            let to = PatientId(patient_id(store, &to)?);
            let who = auditor.event(store, Action::Update);
            let stored = documents::move_to(
                store,
                trail,
                &who,
                id,
                to,
                encounter.map(EncounterId),
                &reason,
            )?;
            if json {
                return crate::output::json(&stored);
            }
            crate::say!(
                "Document {id} moved to patient {}; both charts' audit trails show the move.",
                to.0
            );
            Ok(())
        }
        DocumentsCmd::Show { id } => {
            let who = auditor.event(store, Action::Read);
            let listed = documents::show(store, trail, &who, id)?;
            if json {
                return crate::output::json(&listed);
            }
            describe(&listed);
            Ok(())
        }
        DocumentsCmd::Export { id, out } => {
            let who = auditor.event(store, Action::Export);
            let shown = out.display().to_string();
            let (stored, bytes): (Stored<ScannedDocument>, _) = documents::content_of(
                store,
                trail,
                &who,
                &content,
                id,
                Part::Content,
                Some(&shown),
            )?;
            let bytes = bytes.unwrap_or_default();
            std::fs::write(&out, &bytes).with_context(|| format!("writing {shown}"))?;
            crate::say!(
                "Document {} ({}, {} bytes) written to {shown}.",
                stored.meta.id,
                stored.record.media_type,
                bytes.len()
            );
            Ok(())
        }
        DocumentsCmd::Types => {
            if json {
                return crate::output::json(&DOCUMENT_TYPES);
            }
            let rows: Vec<Vec<String>> = DOCUMENT_TYPES
                .iter()
                .map(|t| vec![t.code.into(), t.loinc.into(), t.label.into()])
                .collect();
            crate::output::table(&["code", "LOINC", "label"], &rows);
            Ok(())
        }
    }
}
