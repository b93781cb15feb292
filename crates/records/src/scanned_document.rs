//! Scanned documents: pages scanned or received on paper (PDF, TIFF, JPEG) filed to a chart
//! with their document type, date of service and encounter. The content itself is a file
//! named by its SHA-256 in the data directory; the record says what it is and whose.
//!
//! A document may arrive before anyone knows whose it is or what it is: it is then
//! `unindexed` (no patient, or no type) and waits in the indexing queue.

use crate::RecordKind;
use crate::dates::{iso_date, rfc3339};
use crate::ids::{EncounterId, PatientId};
use crate::validation::{Validate, Validator};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// A kind of document: Chartroom's code, the LOINC document type and its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DocumentType {
    /// Chartroom's code, as stored and typed.
    pub code: &'static str,
    /// The LOINC document type code (FHIR `DocumentReference.type`).
    pub loinc: &'static str,
    /// The label shown.
    pub label: &'static str,
}

/// The document types a scanned document may be filed as (LOINC document ontology codes).
pub const DOCUMENT_TYPES: &[DocumentType] = &[
    DocumentType {
        code: "history_and_physical",
        loinc: "34117-2",
        label: "History and physical note",
    },
    DocumentType {
        code: "consult",
        loinc: "11488-4",
        label: "Consult note",
    },
    DocumentType {
        code: "discharge_summary",
        loinc: "18842-5",
        label: "Discharge summary",
    },
    DocumentType {
        code: "progress_note",
        loinc: "11506-3",
        label: "Progress note",
    },
    DocumentType {
        code: "procedure_note",
        loinc: "28570-0",
        label: "Procedure note",
    },
    DocumentType {
        code: "operative_note",
        loinc: "11504-8",
        label: "Surgical operation note",
    },
    DocumentType {
        code: "lab_report",
        loinc: "11502-2",
        label: "Laboratory report",
    },
    DocumentType {
        code: "imaging_report",
        loinc: "18748-4",
        label: "Diagnostic imaging study",
    },
    DocumentType {
        code: "referral",
        loinc: "57133-1",
        label: "Referral note",
    },
    DocumentType {
        code: "consent",
        loinc: "59284-0",
        label: "Consent",
    },
    DocumentType {
        code: "advance_directive",
        loinc: "42348-3",
        label: "Advance directive",
    },
    DocumentType {
        code: "insurance_card",
        loinc: "64290-0",
        label: "Insurance card",
    },
    DocumentType {
        code: "outside_records",
        loinc: "60591-5",
        label: "Records from another provider (patient summary)",
    },
    DocumentType {
        code: "administrative",
        loinc: "51851-4",
        label: "Administrative note",
    },
    DocumentType {
        code: "other",
        loinc: "34109-9",
        label: "Note (other)",
    },
];

/// The document type with `code` (as stored), if it is one.
pub fn document_type(code: &str) -> Option<&'static DocumentType> {
    DOCUMENT_TYPES.iter().find(|t| t.code == code)
}

/// The media types a scanned document may have.
pub const DOCUMENT_MEDIA_TYPES: &[&str] = &["application/pdf", "image/tiff", "image/jpeg"];

/// Whether a document has been filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    /// Waiting in the indexing queue: its patient or its type is not known yet.
    Unindexed,
    /// Filed to a chart with its type.
    Indexed,
}

impl DocumentStatus {
    /// The name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unindexed => "unindexed",
            Self::Indexed => "indexed",
        }
    }
}

/// A scanned document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScannedDocument {
    /// Whose (none while it waits in the indexing queue).
    pub patient_id: Option<PatientId>,
    /// Its type's code (`DOCUMENT_TYPES`; none while unknown).
    pub document_type: Option<String>,
    /// The date of service it documents.
    #[serde(with = "iso_date::option", default)]
    pub service_date: Option<Date>,
    /// The encounter it belongs to, when one.
    pub encounter_id: Option<EncounterId>,
    /// Filed or waiting.
    pub status: DocumentStatus,
    /// A title (the uploaded file's name unless one was given).
    pub title: Option<String>,
    /// `application/pdf`, `image/tiff` or `image/jpeg`.
    pub media_type: String,
    /// Number of pages.
    pub pages: i64,
    /// Size in bytes.
    pub size_bytes: i64,
    /// SHA-256 of the content (hex): its name in the content store.
    pub content_sha256: String,
    /// SHA-1 of the content, base64 (FHIR `Attachment.hash`).
    pub content_sha1: String,
    /// SHA-256 of its thumbnail (a JPEG of the first page), when one could be made.
    pub thumbnail_sha256: Option<String>,
    /// When it was received (uploaded).
    #[serde(with = "rfc3339")]
    pub received_at: OffsetDateTime,
    /// Who uploaded it.
    pub received_by: String,
    /// When it was last filed (indexed or moved).
    #[serde(with = "rfc3339::option")]
    pub indexed_at: Option<OffsetDateTime>,
    /// Who filed it.
    pub indexed_by: Option<String>,
}

impl RecordKind for ScannedDocument {
    const KIND: &'static str = "scanned_document";
}

impl ScannedDocument {
    /// Its type, when it has a known one.
    pub fn kind(&self) -> Option<&'static DocumentType> {
        self.document_type.as_deref().and_then(document_type)
    }
}

fn is_hex_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl Validate for ScannedDocument {
    fn check(&self, v: &mut Validator) {
        if let Some(code) = &self.document_type
            && document_type(code).is_none()
        {
            v.error(
                "document_type",
                format!(
                    "{code:?} is not a document type; use one of {}",
                    DOCUMENT_TYPES
                        .iter()
                        .map(|t| t.code)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        if self.encounter_id.is_some() && self.patient_id.is_none() {
            v.error("encounter_id", "needs the document's patient");
        }
        if self.status == DocumentStatus::Indexed {
            if self.patient_id.is_none() {
                v.error("patient_id", "is required when the document is indexed");
            }
            if self.document_type.is_none() {
                v.error("document_type", "is required when the document is indexed");
            }
            if self.indexed_at.is_none() {
                v.error("indexed_at", "is required when the document is indexed");
            }
        }
        v.optional_text("title", self.title.as_deref(), 200);
        if !DOCUMENT_MEDIA_TYPES.contains(&self.media_type.as_str()) {
            v.error(
                "media_type",
                format!("must be one of {}", DOCUMENT_MEDIA_TYPES.join(", ")),
            );
        }
        if !(1..=10_000).contains(&self.pages) {
            v.error("pages", "must be from 1 to 10000");
        }
        if self.size_bytes <= 0 {
            v.error("size_bytes", "must be more than 0");
        }
        if !is_hex_sha256(&self.content_sha256) {
            v.error("content_sha256", "must be 64 lower-case hex digits");
        }
        if self.content_sha1.len() != 28 {
            v.error("content_sha1", "must be a base64 SHA-1 (28 characters)");
        }
        if let Some(sha) = &self.thumbnail_sha256
            && !is_hex_sha256(sha)
        {
            v.error("thumbnail_sha256", "must be 64 lower-case hex digits");
        }
        v.required("received_by", &self.received_by);
        v.optional_text("indexed_by", self.indexed_by.as_deref(), 100);
        v.ordered(
            "indexed_at",
            Some(self.received_at),
            self.indexed_at,
            "received_at",
        );
    }

    /// The content never changes: a document is filed, moved or re-typed, never replaced.
    fn check_change(&self, before: &Self, v: &mut Validator) {
        if self.content_sha256 != before.content_sha256
            || self.content_sha1 != before.content_sha1
            || self.media_type != before.media_type
            || self.size_bytes != before.size_bytes
            || self.pages != before.pages
        {
            v.error(
                "content_sha256",
                "a scanned document's content cannot change; upload the new pages as a new document",
            );
        }
    }

    fn check_as_of(&self, today: Date, v: &mut Validator) {
        if let Some(day) = self.service_date
            && day > today.next_day().unwrap_or(today)
        {
            v.error("service_date", "must not be after today");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loinc_check_digit_ok;

    #[test]
    fn every_document_type_has_a_unique_code_and_a_valid_loinc() {
        for (i, t) in DOCUMENT_TYPES.iter().enumerate() {
            assert!(loinc_check_digit_ok(t.loinc), "{} {}", t.code, t.loinc);
            assert!(
                DOCUMENT_TYPES[..i]
                    .iter()
                    .all(|u| u.code != t.code && u.loinc != t.loinc),
                "{} repeated",
                t.code
            );
        }
    }
}
