//! A reportable-condition case: a diagnosis or laboratory result on a patient's chart matched
//! a trigger code of a condition the health department must be told about. Cases are
//! records like the others, so each step of the case queue (reviewed, reported,
//! not reportable, each with who and when) is a version in their history.

use crate::dates::rfc3339;
use crate::validation::{Validate, Validator};
use crate::{EncounterId, PatientId, RecordKind};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Where a case stands in the case queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Found by a trigger, not looked at yet.
    New,
    /// Looked at; waiting to be reported.
    Reviewed,
    /// The initial case report went to public health.
    Reported,
    /// Looked at and not to be reported (a rule-out, a trigger coded in error).
    NotReportable,
}

impl CaseStatus {
    /// Every status.
    pub const ALL: [Self; 4] = [
        Self::New,
        Self::Reviewed,
        Self::Reported,
        Self::NotReportable,
    ];

    /// The status's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Reviewed => "reviewed",
            Self::Reported => "reported",
            Self::NotReportable => "not_reportable",
        }
    }

    /// Reads a status name (`not-reportable` as well as `not_reportable`).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim().replace('-', "_");
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// What kind of record set a case off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerSource {
    /// A diagnosis coded on an encounter (ICD-10-CM).
    Diagnosis,
    /// A laboratory result: its test (LOINC) or its coded answer (SNOMED CT organism).
    Lab,
}

impl TriggerSource {
    /// The source's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Diagnosis => "diagnosis",
            Self::Lab => "lab",
        }
    }
}

/// One case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseReport {
    /// Whose case.
    pub patient_id: PatientId,
    /// The encounter the trigger was recorded on (a result may have none).
    pub encounter_id: Option<EncounterId>,
    /// The condition's id in the trigger list (`measles`).
    pub condition: String,
    /// Its name for people (`Measles`).
    pub condition_name: String,
    /// The code that matched (`B05.9`, `43913-3`).
    pub trigger_code: String,
    /// Its code system: `icd10cm`, `loinc` or `snomed`.
    pub trigger_system: String,
    /// What kind of record carried it.
    pub trigger_source: TriggerSource,
    /// That record's id (a diagnosis or an observation).
    pub trigger_record_id: i64,
    /// When case finding found it.
    #[serde(with = "rfc3339")]
    pub found_at: OffsetDateTime,
    /// When every trigger of the case was taken back (the diagnosis removed or recoded);
    /// the case stays for a person to decide, since a report may already have gone.
    #[serde(with = "rfc3339::option")]
    pub withdrawn_at: Option<OffsetDateTime>,
    /// Where it stands.
    pub status: CaseStatus,
    /// What the reviewer found or did.
    pub note: Option<String>,
    /// Who changed the status last (a username).
    pub worked_by: Option<String>,
    /// When.
    #[serde(with = "rfc3339::option")]
    pub worked_at: Option<OffsetDateTime>,
}

impl RecordKind for CaseReport {
    const KIND: &'static str = "case_report";
}

impl Validate for CaseReport {
    fn check(&self, v: &mut Validator) {
        v.required("condition", &self.condition);
        v.max_len("condition", &self.condition, 40);
        v.required("condition_name", &self.condition_name);
        v.max_len("condition_name", &self.condition_name, 120);
        v.required("trigger_code", &self.trigger_code);
        v.max_len("trigger_code", &self.trigger_code, 20);
        if !matches!(self.trigger_system.as_str(), "icd10cm" | "loinc" | "snomed") {
            v.error(
                "trigger_system",
                format!(
                    "\"{}\" is not one of icd10cm, loinc, snomed",
                    self.trigger_system
                ),
            );
        }
        v.optional_text("note", self.note.as_deref(), 2000);
        if self.status == CaseStatus::NotReportable
            && self.note.as_deref().is_none_or(|n| n.trim().is_empty())
        {
            v.error("note", "say why a case is not reportable");
        }
        if self.status != CaseStatus::New && (self.worked_by.is_none() || self.worked_at.is_none())
        {
            v.error("worked_by", "a worked case names who worked it and when");
        }
    }
}
