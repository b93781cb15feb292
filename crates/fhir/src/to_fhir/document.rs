//! A scanned document as a `DocumentReference` (`scan-N`, beside clinical notes' plain
//! ids): its LOINC document type, the chart, the date of service and encounter as
//! `context`, and one `content.attachment` naming the pages: media type, size, SHA-1
//! (`Attachment.hash`, base64, as R4 defines it) and where to fetch them.

use super::{ToFhir, instant, meta, patient_ref, reference, resource_id};
use crate::datatypes::{Attachment, CodeableConcept, Coding, Period};
use crate::resources as fhir;
use crate::systems::LOINC;
use records::ScannedDocument;
use store::Stored;

/// The category of every scanned document.
pub const DOCUMENT_CATEGORY: &str = "urn:chartroom:document-category";

/// Where a scanned document's pages are served (`read-notes`, audited as a read, checked
/// against their SHA-256), relative to the server's root.
pub fn document_content_url(id: i64) -> String {
    format!("/documents/{id}/content")
}

impl ToFhir for ScannedDocument {
    type Resource = fhir::DocumentReference;
    fn to_fhir(stored: &Stored<Self>) -> fhir::DocumentReference {
        let d = &stored.record;
        let day = d.service_date.map(|day| day.to_string());
        fhir::DocumentReference {
            id: Some(resource_id("scanned_document", stored.meta.id)),
            meta: meta(&stored.meta),
            status: "current".into(),
            type_: d.kind().map(|t| CodeableConcept {
                coding: vec![Coding::new(LOINC, t.loinc, Some(t.label))],
                text: Some(t.label.into()),
            }),
            category: vec![CodeableConcept {
                coding: vec![Coding::new(
                    DOCUMENT_CATEGORY,
                    "scanned",
                    Some("Scanned document"),
                )],
                text: None,
            }],
            subject: d.patient_id.map(patient_ref),
            date: Some(instant(d.received_at)),
            content: vec![fhir::DocumentContent {
                attachment: Attachment {
                    content_type: Some(d.media_type.clone()),
                    url: Some(document_content_url(stored.meta.id)),
                    size: u64::try_from(d.size_bytes).ok(),
                    hash: Some(d.content_sha1.clone()),
                    title: d.title.clone(),
                    ..Attachment::default()
                },
            }],
            context: (d.encounter_id.is_some() || day.is_some()).then(|| fhir::DocumentContext {
                encounter: d
                    .encounter_id
                    .map(|id| reference("Encounter", "encounter", id.0))
                    .into_iter()
                    .collect(),
                period: day.map(|day| Period {
                    start: Some(day.clone()),
                    end: Some(day),
                }),
            }),
            ..fhir::DocumentReference::default()
        }
    }
}
