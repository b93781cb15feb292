//! Clinical notes, where "unsigned" is a state of its own that review work queues act on.

use crate::RecordKind;
use crate::dates::rfc3339;
use crate::ids::{EncounterId, PatientId, ProviderId};
use crate::validation::{Validate, ValidationErrors, Validator};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The kind of note, which decides deficiency rules (an inpatient stay needs a discharge
/// summary; a surgery needs an operative report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteType {
    /// History and physical.
    HistoryAndPhysical,
    /// Progress note.
    Progress,
    /// Consultation.
    Consultation,
    /// Operative report.
    OperativeReport,
    /// Discharge summary.
    DischargeSummary,
    /// Emergency department note.
    EmergencyDepartment,
    /// Telehealth visit note.
    Telehealth,
    /// Radiology report (an imaging study read, usually dictated).
    RadiologyReport,
    /// Anything else.
    Other,
}

impl NoteType {
    /// The note type in words, as a chart shows it.
    pub fn label(self) -> &'static str {
        match self {
            Self::HistoryAndPhysical => "History and physical",
            Self::Progress => "Progress note",
            Self::Consultation => "Consultation",
            Self::OperativeReport => "Operative report",
            Self::DischargeSummary => "Discharge summary",
            Self::EmergencyDepartment => "ED note",
            Self::Telehealth => "Telehealth note",
            Self::RadiologyReport => "Radiology report",
            Self::Other => "Note",
        }
    }
}

/// A clinical note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicalNote {
    /// Whose note.
    pub patient_id: PatientId,
    /// The encounter it documents.
    pub encounter_id: Option<EncounterId>,
    /// Kind of note.
    pub note_type: NoteType,
    /// Author.
    pub author_id: Option<ProviderId>,
    /// When the author wrote it (clinical time; may be earlier than entry).
    #[serde(with = "rfc3339")]
    pub authored_at: OffsetDateTime,
    /// The text.
    pub text: String,
    /// When it was signed; `None` means unsigned.
    #[serde(with = "rfc3339::option")]
    pub signed_at: Option<OffsetDateTime>,
    /// Who signed it.
    pub signer_id: Option<ProviderId>,
}

impl RecordKind for ClinicalNote {
    const KIND: &'static str = "note";
}

impl ClinicalNote {
    /// Whether the note still needs a signature.
    pub fn is_unsigned(&self) -> bool {
        self.signed_at.is_none()
    }

    /// Whether `provider` may sign this note: its author, or the attending of the encounter
    /// it documents (who authenticates the record of the stay, 42 CFR 482.24(c)(1)).
    pub fn may_be_signed_by(&self, provider: ProviderId, attending: Option<ProviderId>) -> bool {
        self.author_id == Some(provider) || attending == Some(provider)
    }

    /// The note signed by `signer` at `at`, or every reason it cannot be: it is already
    /// signed, the signer is neither author nor attending (`attending` is the encounter's),
    /// or `at` is before the note was written.
    pub fn signed(
        &self,
        signer: ProviderId,
        attending: Option<ProviderId>,
        at: OffsetDateTime,
    ) -> Result<Self, ValidationErrors> {
        let mut v = Validator::default();
        if self.signed_at.is_some() {
            v.error("signed_at", "the note is already signed");
        }
        if !self.may_be_signed_by(signer, attending) {
            v.error(
                "signer_id",
                format!(
                    "provider {} is neither the note's author nor the encounter's attending",
                    signer.0
                ),
            );
        }
        if at < self.authored_at {
            v.error("signed_at", "is before the note was written");
        }
        v.finish()?;
        Ok(Self {
            signed_at: Some(at),
            signer_id: Some(signer),
            ..self.clone()
        })
    }
}

impl Validate for ClinicalNote {
    fn check(&self, v: &mut Validator) {
        v.required("text", &self.text);
        v.max_len("text", &self.text, 100_000);
        match (self.signed_at, self.signer_id) {
            (Some(_), None) => v.error("signer_id", "is required when the note is signed"),
            (None, Some(_)) => v.error("signed_at", "is required when a signer is named"),
            _ => {}
        }
        v.ordered(
            "signed_at",
            Some(self.authored_at),
            self.signed_at,
            "authored_at",
        );
    }

    /// A signed note is the authenticated record: it is corrected by an addendum, never
    /// rewritten (nor unsigned).
    fn check_change(&self, before: &Self, v: &mut Validator) {
        if before.signed_at.is_some() && self != before {
            v.error(
                "signed_at",
                "the note is signed and cannot be changed; write an addendum instead",
            );
        }
    }
}
