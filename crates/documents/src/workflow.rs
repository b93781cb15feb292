//! A scanned document's steps, each in one audited transaction: added (the file checked and
//! kept by SHA-256, with its thumbnail), indexed (patient and type given to a document in
//! the queue), moved (a misfiled document to the right chart), shown, its content read or
//! exported.
//!
//! Invariants:
//! - A refused upload records nothing (its checked file is never kept).
//! - Every step writes its audit entry in the transaction that makes it: `create` for an
//!   upload, `update` for indexing (old and new filing), `read` for a listing, a showing, a
//!   thumbnail or the pages viewed, `export` for the pages saved to a file. A move writes
//!   two `update` entries, one naming each chart, so both charts' trails show it.
//! - The content is checked against its SHA-256 on every read; a failed check is audited
//!   as a failure and nothing is shown.

use crate::inspect::{InspectError, inspect};
use base64::Engine;
use content_store::{ContentStore, ContentStoreError};
use privacy::{Action, AuditEvent, DataCategory, Outcome};
use records::{
    DocumentStatus, Encounter, EncounterId, Patient, PatientId, RecordKind, ScannedDocument,
    document_type,
};
use serde::Serialize;
use serde_json::json;
use sha1::{Digest, Sha1};
use std::collections::BTreeMap;
use std::path::Path;
use store::{Actor, AuditTrail, Audited, Store, Stored, Tx};
use thiserror::Error;
use time::Date;

/// The data category a scanned document's pages are read under (clinical documents, like
/// note text: `read-notes`).
pub const CATEGORY: DataCategory = DataCategory::Notes;

/// The content store of `data_dir` (`documents/`).
pub fn content_store(data_dir: &Path) -> ContentStore {
    ContentStore::in_data_dir(data_dir, "documents", "document")
}

/// Why a step was not taken.
#[derive(Debug, Error)]
pub enum Error {
    /// The upload is not an acceptable document.
    #[error(transparent)]
    Inspect(#[from] InspectError),
    /// The content could not be kept or read back.
    #[error(transparent)]
    Content(#[from] ContentStoreError),
    /// The store refused (a bad reference, a stale version, a step not allowed now).
    #[error(transparent)]
    Store(#[from] store::Error),
}

/// Where a document is filed: each field given is set.
#[derive(Debug, Clone, Default)]
pub struct Filing {
    /// Whose.
    pub patient_id: Option<PatientId>,
    /// Its type's code.
    pub document_type: Option<String>,
    /// The date of service.
    pub service_date: Option<Date>,
    /// The encounter (the patient's).
    pub encounter_id: Option<EncounterId>,
    /// A title.
    pub title: Option<String>,
}

fn refused(message: String) -> store::Error {
    store::Error::Conflict(message)
}

fn entry(
    who: &AuditEvent,
    action: Action,
    id: i64,
    patient: Option<PatientId>,
    reason: &str,
) -> AuditEvent {
    let mut event = who.clone();
    event.action = action;
    let event = match patient {
        Some(p) => event.patient(p),
        None => event,
    };
    event
        .record(ScannedDocument::KIND, id)
        .categories(&[CATEGORY])
        .reason(reason)
}

fn actor(who: &AuditEvent) -> Actor {
    Actor::new(who.user.clone())
}

/// What an audit entry says a document was filed as.
fn summary(d: &ScannedDocument) -> Option<String> {
    Some(
        json!({
            "patient_id": d.patient_id.map(|p| p.0),
            "document_type": d.document_type,
            "service_date": d.service_date.map(|d| d.to_string()),
            "encounter_id": d.encounter_id.map(|e| e.0),
            "status": d.status.as_str(),
            "title": d.title,
            "media_type": d.media_type,
            "pages": d.pages,
            "content_sha256": d.content_sha256,
        })
        .to_string(),
    )
}

/// SHA-1 of `bytes`, base64, as FHIR's `Attachment.hash` carries it.
pub fn sha1_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha1::digest(bytes))
}

fn check_type(code: &str) -> store::Result<String> {
    let code = code.trim().to_ascii_lowercase();
    if document_type(&code).is_none() {
        return Err(refused(format!(
            "document_type: {code:?} is not a document type; use one of {}",
            records::DOCUMENT_TYPES
                .iter()
                .map(|t| t.code)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(code)
}

/// Checks that the patient exists and the encounter is theirs.
fn check_filing(
    tx: &mut Tx<'_>,
    patient: Option<PatientId>,
    encounter: Option<EncounterId>,
) -> store::Result<()> {
    if let Some(p) = patient {
        let stored: Option<Stored<Patient>> = tx.find(p.0)?;
        match stored {
            None => {
                return Err(refused(format!(
                    "patient_id: patient {} does not exist",
                    p.0
                )));
            }
            Some(s) if s.meta.deleted.is_some() => {
                return Err(refused(format!(
                    "patient_id: patient {} ({}) was retired or deleted",
                    p.0, s.record.mrn
                )));
            }
            Some(_) => {}
        }
    }
    if let Some(e) = encounter {
        let Some(p) = patient else {
            return Err(refused(
                "encounter_id: an encounter needs the document's patient".into(),
            ));
        };
        let stored: Option<Stored<Encounter>> = tx.find(e.0)?;
        match stored {
            None => {
                return Err(refused(format!(
                    "encounter_id: encounter {} does not exist",
                    e.0
                )));
            }
            Some(s) if s.record.patient_id != p => {
                return Err(refused(format!(
                    "encounter_id: encounter {} is patient {}'s, not patient {}'s",
                    e.0, s.record.patient_id.0, p.0
                )));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn status_of(d: &ScannedDocument) -> DocumentStatus {
    if d.patient_id.is_some() && d.document_type.is_some() {
        DocumentStatus::Indexed
    } else {
        DocumentStatus::Unindexed
    }
}

/// Checks `bytes`, keeps them (and the thumbnail) under their SHA-256 and records the
/// document (audited as a `create`): filed when patient and type are given, otherwise
/// waiting in the indexing queue. Nothing is recorded when the file is refused.
pub fn add(
    store: &Store,
    trail: &AuditTrail,
    who: &AuditEvent,
    content: &ContentStore,
    filing: &Filing,
    bytes: &[u8],
) -> Result<Stored<ScannedDocument>, Error> {
    let inspected = inspect(bytes)?;
    let document_type = filing
        .document_type
        .as_deref()
        .map(check_type)
        .transpose()?;
    let sha = content.put(bytes)?;
    let thumbnail = match &inspected.thumbnail {
        Some(t) => Some(content.put(t)?),
        None => None,
    };
    let sha1 = sha1_base64(bytes);
    Ok(trail.write(store, |audited| {
        let mut tx = audited.records();
        check_filing(&mut tx, filing.patient_id, filing.encounter_id)?;
        let now = tx.now();
        let mut document = ScannedDocument {
            patient_id: filing.patient_id,
            document_type,
            service_date: filing.service_date,
            encounter_id: filing.encounter_id,
            status: DocumentStatus::Unindexed,
            title: filing
                .title
                .as_ref()
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty()),
            media_type: inspected.media_type.to_owned(),
            pages: i64::try_from(inspected.pages).unwrap_or(i64::MAX),
            size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            content_sha256: sha,
            content_sha1: sha1,
            thumbnail_sha256: thumbnail,
            received_at: now,
            received_by: who.user.clone(),
            indexed_at: None,
            indexed_by: None,
        };
        document.status = status_of(&document);
        if document.status == DocumentStatus::Indexed {
            document.indexed_at = Some(now);
            document.indexed_by = Some(who.user.clone());
        }
        let stored = tx.create(&actor(who), &document)?;
        drop(tx);
        let reason = match document.status {
            DocumentStatus::Indexed => "scanned document added to the chart",
            DocumentStatus::Unindexed => "scanned document added to the indexing queue",
        };
        audited.append(
            &entry(
                who,
                Action::Create,
                stored.meta.id,
                document.patient_id,
                reason,
            )
            .changes(None, summary(&stored.record)),
        )?;
        Ok(stored)
    })?)
}

/// Indexes document `id`: sets what `filing` gives (a patient only while it has none:
/// filed documents change charts by `move_to`). It is filed once patient and type are
/// known. Audited as an `update` with the old and new filing.
pub fn index(
    store: &Store,
    trail: &AuditTrail,
    who: &AuditEvent,
    id: i64,
    filing: &Filing,
) -> Result<Stored<ScannedDocument>, Error> {
    let document_type = filing
        .document_type
        .as_deref()
        .map(check_type)
        .transpose()?;
    Ok(trail.write(store, |audited| {
        let mut tx = audited.records();
        let current: Stored<ScannedDocument> = tx.get(id)?;
        let mut document = current.record.clone();
        if let Some(p) = filing.patient_id {
            match document.patient_id {
                Some(on) if on != p => {
                    return Err(refused(format!(
                        "patient_id: document {id} is filed to patient {}; move it to another chart with a reason (documents move)",
                        on.0
                    )));
                }
                _ => document.patient_id = Some(p),
            }
        }
        if let Some(t) = document_type {
            document.document_type = Some(t);
        }
        if let Some(d) = filing.service_date {
            document.service_date = Some(d);
        }
        if let Some(e) = filing.encounter_id {
            document.encounter_id = Some(e);
        }
        if let Some(t) = &filing.title {
            let t = t.trim();
            document.title = (!t.is_empty()).then(|| t.to_owned());
        }
        check_filing(&mut tx, document.patient_id, document.encounter_id)?;
        document.status = status_of(&document);
        if document.status == DocumentStatus::Indexed {
            document.indexed_at = Some(tx.now());
            document.indexed_by = Some(who.user.clone());
        }
        if document == current.record {
            return Ok(current);
        }
        let stored = tx.update(&actor(who), id, current.meta.version, &document)?;
        drop(tx);
        let reason = match (current.record.status, document.status) {
            (DocumentStatus::Unindexed, DocumentStatus::Indexed) => "scanned document indexed",
            _ => "scanned document's filing changed",
        };
        audited.append(
            &entry(who, Action::Update, id, document.patient_id, reason)
                .changes(summary(&current.record), summary(&document)),
        )?;
        Ok(stored)
    })?)
}

fn mrn_of(tx: &mut Tx<'_>, p: PatientId) -> store::Result<String> {
    let stored: Stored<Patient> = tx.get(p.0)?;
    Ok(stored.record.mrn.to_string())
}

/// Moves misfiled document `id` to patient `to`'s chart for `reason`, with `encounter` of
/// that chart (or none: the old chart's encounter never follows). Two `update` entries,
/// one naming each chart, so both charts' audit trails show the move.
pub fn move_to(
    store: &Store,
    trail: &AuditTrail,
    who: &AuditEvent,
    id: i64,
    to: PatientId,
    encounter: Option<EncounterId>,
    reason: &str,
) -> Result<Stored<ScannedDocument>, Error> {
    let reason = reason.trim();
    Ok(trail.write(store, |audited| {
        if reason.is_empty() {
            return Err(refused(
                "reason: say why the document is moved (for example, misfiled: another patient's name on the pages)".into(),
            ));
        }
        let mut tx = audited.records();
        let current: Stored<ScannedDocument> = tx.get(id)?;
        let Some(from) = current.record.patient_id else {
            return Err(refused(format!(
                "document {id} is in the indexing queue, on no chart; index it instead"
            )));
        };
        if from == to {
            return Err(refused(format!(
                "patient_id: document {id} is already on patient {}'s chart",
                to.0
            )));
        }
        check_filing(&mut tx, Some(to), encounter)?;
        let (from_mrn, to_mrn) = (mrn_of(&mut tx, from)?, mrn_of(&mut tx, to)?);
        let mut document = current.record.clone();
        document.patient_id = Some(to);
        document.encounter_id = encounter;
        document.status = status_of(&document);
        document.indexed_at = Some(tx.now());
        document.indexed_by = Some(who.user.clone());
        let stored = tx.update(&actor(who), id, current.meta.version, &document)?;
        drop(tx);
        let (old, new) = (summary(&current.record), summary(&document));
        audited.append(
            &entry(
                who,
                Action::Update,
                id,
                Some(from),
                &format!("scanned document moved out of this chart to {to_mrn}: {reason}"),
            )
            .changes(old.clone(), new.clone()),
        )?;
        audited.append(
            &entry(
                who,
                Action::Update,
                id,
                Some(to),
                &format!("scanned document moved into this chart from {from_mrn}: {reason}"),
            )
            .changes(old, new),
        )?;
        Ok(stored)
    })?)
}

/// A listed document with its patient's name and MRN (when it has a patient).
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    /// The document.
    pub document: Stored<ScannedDocument>,
    /// Its patient's name.
    pub patient_name: Option<String>,
    /// Its patient's MRN.
    pub mrn: Option<String>,
}

fn audit_listing(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    listed: &[Listed],
    reason: &str,
) -> store::Result<()> {
    let patients: BTreeMap<i64, ()> = listed
        .iter()
        .filter_map(|l| l.document.record.patient_id.map(|p| (p.0, ())))
        .collect();
    let mut event = who.clone();
    event.action = Action::Read;
    let event = event
        .patients(&patients.keys().map(|p| PatientId(*p)).collect::<Vec<_>>())
        .categories(&[CATEGORY])
        .reason(reason);
    audited.append(&event)?;
    Ok(())
}

fn with_names(
    tx: &mut Tx<'_>,
    documents: Vec<Stored<ScannedDocument>>,
) -> store::Result<Vec<Listed>> {
    let mut names: BTreeMap<i64, (String, String)> = BTreeMap::new();
    let mut out = Vec::with_capacity(documents.len());
    for document in documents {
        let (patient_name, mrn) = match document.record.patient_id {
            Some(p) => {
                if let std::collections::btree_map::Entry::Vacant(slot) = names.entry(p.0) {
                    let stored: Stored<Patient> = tx.get(p.0)?;
                    slot.insert((stored.record.display_name(), stored.record.mrn.to_string()));
                }
                let (n, m) = names.get(&p.0).cloned().unwrap_or_default();
                (Some(n), Some(m))
            }
            None => (None, None),
        };
        out.push(Listed {
            document,
            patient_name,
            mrn,
        });
    }
    Ok(out)
}

/// A chart's documents, newest date of service first (`NotFound` for no such chart);
/// audited as one read of the chart.
pub fn for_patient(
    store: &Store,
    trail: &AuditTrail,
    who: &AuditEvent,
    patient: PatientId,
) -> Result<Vec<Stored<ScannedDocument>>, Error> {
    Ok(trail.write(store, |audited| {
        let mut tx = audited.records();
        let _: Stored<Patient> = tx.get(patient.0)?;
        let documents: Vec<Stored<ScannedDocument>> = tx.select(
            "patient_id = ?",
            &[store::Value::Int(patient.0)],
            "service_date IS NULL, service_date DESC, id DESC",
            i64::MAX,
        )?;
        drop(tx);
        let mut event = who.clone();
        event.action = Action::Read;
        audited.append(
            &event
                .patient(patient)
                .categories(&[CATEGORY])
                .reason("the chart's scanned documents listed"),
        )?;
        Ok(documents)
    })?)
}

/// The indexing queue: documents whose patient or type is not known, oldest first, at
/// most `limit`; audited as one read naming every patient listed.
pub fn queue(
    store: &Store,
    trail: &AuditTrail,
    who: &AuditEvent,
    limit: i64,
) -> Result<Vec<Listed>, Error> {
    Ok(trail.write(store, |audited| {
        let mut tx = audited.records();
        let documents: Vec<Stored<ScannedDocument>> = tx.select(
            "status = ?",
            &[store::Value::from(DocumentStatus::Unindexed.as_str())],
            "received_at, id",
            limit.max(0),
        )?;
        let listed = with_names(&mut tx, documents)?;
        drop(tx);
        audit_listing(audited, who, &listed, "indexing queue of scanned documents")?;
        Ok(listed)
    })?)
}

/// Document `id` with its patient's name, audited as a read.
pub fn show(store: &Store, trail: &AuditTrail, who: &AuditEvent, id: i64) -> Result<Listed, Error> {
    Ok(trail.write(store, |audited| {
        let mut tx = audited.records();
        let stored: Stored<ScannedDocument> = tx.get(id)?;
        let patient = stored.record.patient_id;
        let mut listed = with_names(&mut tx, vec![stored])?;
        drop(tx);
        audited.append(&entry(
            who,
            Action::Read,
            id,
            patient,
            "scanned document shown",
        ))?;
        listed.pop().ok_or(store::Error::NotFound {
            kind: "scanned_document",
            id,
        })
    })?)
}

/// What of a document is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Its pages.
    Content,
    /// Its thumbnail.
    Thumbnail,
}

/// Document `id`'s pages (or thumbnail), checksum checked; audited as a `read` or, when
/// `export` names where they go, an `export`. A failed checksum is audited as a failure.
/// A document without a thumbnail gives `None` for it.
pub fn content_of(
    store: &Store,
    trail: &AuditTrail,
    who: &AuditEvent,
    content: &ContentStore,
    id: i64,
    part: Part,
    export: Option<&str>,
) -> Result<(Stored<ScannedDocument>, Option<Vec<u8>>), Error> {
    let stored: Stored<ScannedDocument> = store.read(|tx| tx.get(id))?;
    let sha = match part {
        Part::Content => Some(stored.record.content_sha256.clone()),
        Part::Thumbnail => stored.record.thumbnail_sha256.clone(),
    };
    let Some(sha) = sha else {
        return Ok((stored, None));
    };
    let (action, reason) = match (export, part) {
        (Some(to), _) => (Action::Export, format!("scanned document exported to {to}")),
        (None, Part::Content) => (Action::Read, "scanned document's pages viewed".to_owned()),
        (None, Part::Thumbnail) => (
            Action::Read,
            "scanned document's thumbnail shown".to_owned(),
        ),
    };
    let patient = stored.record.patient_id;
    match content.get(&sha) {
        Ok(bytes) => {
            trail.record(store, &entry(who, action, id, patient, &reason))?;
            Ok((stored, Some(bytes)))
        }
        Err(e) => {
            let failed = entry(who, action, id, patient, &format!("{reason}: {e}"))
                .outcome(Outcome::Failure);
            trail.record(store, &failed)?;
            Err(e.into())
        }
    }
}
