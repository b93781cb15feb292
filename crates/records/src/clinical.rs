//! Clinical facts on a chart: immunizations, observations, medications, allergies, problems.

use crate::RecordKind;
use crate::dates::rfc3339;
use crate::ids::{EncounterId, PatientId, ProviderId};
use crate::validation::{Validate, Validator};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Immunization status (FHIR `Immunization.status`): an entered-in-error dose stays on
/// record, visibly, rather than disappearing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImmunizationStatus {
    /// Given.
    Completed,
    /// Not given (refused, contraindicated).
    NotDone,
    /// Recorded by mistake.
    EnteredInError,
}

/// A vaccine dose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Immunization {
    /// Whose dose.
    pub patient_id: PatientId,
    /// Encounter where it was given.
    pub encounter_id: Option<EncounterId>,
    /// CDC CVX vaccine code.
    pub cvx: String,
    /// When it was administered (clinical time).
    #[serde(with = "rfc3339")]
    pub administered_at: OffsetDateTime,
    /// Status.
    pub status: ImmunizationStatus,
    /// Manufacturer lot number.
    pub lot_number: Option<String>,
    /// Body site (HL7 table 0163: `LA` left arm, `RD` right deltoid, ...).
    pub site: Option<String>,
    /// Route (HL7 table 0162: `IM`, `SC`, `ID`, `NS`, `PO`).
    pub route: Option<String>,
    /// Who gave it.
    pub performer_id: Option<ProviderId>,
    /// Vaccine description as recorded.
    pub description: Option<String>,
}

impl RecordKind for Immunization {
    const KIND: &'static str = "immunization";
}

/// HL7 v2 table 0162 route codes used for vaccines.
const ROUTES: &[&str] = &["ID", "IM", "IN", "IV", "NS", "PO", "SC", "TD", "OTH"];

impl Validate for Immunization {
    fn check(&self, v: &mut Validator) {
        let cvx = self.cvx.as_str();
        if cvx.is_empty() || cvx.len() > 3 || !cvx.bytes().all(|b| b.is_ascii_digit()) {
            v.error(
                "cvx",
                format!("\"{cvx}\" is not a CVX code (1 to 3 digits)"),
            );
        }
        v.optional_text("lot_number", self.lot_number.as_deref(), 40);
        v.optional_text("site", self.site.as_deref(), 10);
        if let Some(route) = self.route.as_deref()
            && !ROUTES.contains(&route)
        {
            v.error(
                "route",
                format!(
                    "\"{route}\" is not an HL7 table 0162 route ({})",
                    ROUTES.join(", ")
                ),
            );
        }
        v.optional_text("description", self.description.as_deref(), 250);
    }
}

/// An observation's value: a quantity, a code, or text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "value_type", rename_all = "snake_case")]
pub enum ObservationValue {
    /// A measured number with its UCUM unit.
    Quantity {
        /// The number.
        value_number: f64,
        /// UCUM unit (`kg`, `mm[Hg]`).
        value_unit: Option<String>,
    },
    /// A coded answer (SNOMED CT, LOINC answer list).
    Coded {
        /// The code.
        value_code: String,
        /// Its display text.
        value_display: Option<String>,
    },
    /// Free text.
    Text {
        /// The text.
        value_text: String,
    },
}

/// An observation: a vital sign, lab result or survey answer, coded in LOINC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// Whose observation.
    pub patient_id: PatientId,
    /// Encounter, if any.
    pub encounter_id: Option<EncounterId>,
    /// LOINC code (`8302-2`).
    pub code: String,
    /// What was observed, in words.
    pub description: Option<String>,
    /// Category (`vital-signs`, `laboratory`, `survey`).
    pub category: Option<String>,
    /// The value.
    #[serde(flatten)]
    pub value: ObservationValue,
    /// When it was true (clinical time).
    #[serde(with = "rfc3339")]
    pub effective_at: OffsetDateTime,
}

impl RecordKind for Observation {
    const KIND: &'static str = "observation";
}

impl Validate for Observation {
    fn check(&self, v: &mut Validator) {
        // LOINC codes are digits, a hyphen, and a mod-10 check digit.
        let loinc_shaped = self.code.split_once('-').is_some_and(|(num, check)| {
            !num.is_empty()
                && num.len() <= 7
                && num.bytes().all(|b| b.is_ascii_digit())
                && check.len() == 1
                && check.bytes().all(|b| b.is_ascii_digit())
        });
        if !loinc_shaped {
            v.error(
                "code",
                format!(
                    "\"{}\" is not shaped like a LOINC code (12345-6)",
                    self.code
                ),
            );
        }
        match &self.value {
            ObservationValue::Quantity { value_number, .. } if !value_number.is_finite() => {
                v.error("value_number", "must be a finite number");
            }
            ObservationValue::Coded { value_code, .. } => v.required("value_code", value_code),
            ObservationValue::Text { value_text } => v.max_len("value_text", value_text, 2000),
            ObservationValue::Quantity { .. } => {}
        }
        v.optional_text("description", self.description.as_deref(), 250);
    }
}

/// Medication statement status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MedicationStatus {
    /// Being taken.
    Active,
    /// Course finished.
    Completed,
    /// Stopped before the course ended.
    Stopped,
    /// Recorded by mistake.
    EnteredInError,
}

/// A medication the patient takes or took (RxNorm coded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Medication {
    /// Whose medication.
    pub patient_id: PatientId,
    /// Encounter where it was prescribed.
    pub encounter_id: Option<EncounterId>,
    /// RxNorm code.
    pub code: String,
    /// Drug, strength and form in words.
    pub description: String,
    /// Status.
    pub status: MedicationStatus,
    /// Started.
    #[serde(with = "rfc3339")]
    pub start_at: OffsetDateTime,
    /// Stopped.
    #[serde(with = "rfc3339::option")]
    pub end_at: Option<OffsetDateTime>,
    /// Dosage instructions.
    pub dosage: Option<String>,
    /// Prescriber.
    pub prescriber_id: Option<ProviderId>,
}

impl RecordKind for Medication {
    const KIND: &'static str = "medication";
}

impl Validate for Medication {
    fn check(&self, v: &mut Validator) {
        v.required("code", &self.code);
        v.required("description", &self.description);
        v.max_len("description", &self.description, 250);
        v.ordered("end_at", Some(self.start_at), self.end_at, "start_at");
        v.optional_text("dosage", self.dosage.as_deref(), 250);
    }
}

/// What an allergy is to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllergyCategory {
    /// Food.
    Food,
    /// Medication.
    Medication,
    /// Environment (latex, pollen).
    Environment,
    /// Biologic.
    Biologic,
}

/// How dangerous a reaction could be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllergyCriticality {
    /// Low risk.
    Low,
    /// High risk: life-threatening.
    High,
    /// Not assessed.
    UnableToAssess,
}

/// Status shared by allergies and problems (FHIR clinical status, plus entered-in-error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemStatus {
    /// Current.
    Active,
    /// No longer current.
    Inactive,
    /// Resolved.
    Resolved,
    /// Recorded by mistake.
    EnteredInError,
}

/// An allergy or intolerance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allergy {
    /// Whose allergy.
    pub patient_id: PatientId,
    /// Substance code (SNOMED CT or RxNorm).
    pub code: Option<String>,
    /// Substance in words.
    pub substance: String,
    /// Category.
    pub category: AllergyCategory,
    /// Criticality.
    pub criticality: Option<AllergyCriticality>,
    /// Reaction in words.
    pub reaction: Option<String>,
    /// Clinical status.
    pub status: ProblemStatus,
    /// Onset.
    #[serde(with = "rfc3339::option")]
    pub onset_at: Option<OffsetDateTime>,
}

impl RecordKind for Allergy {
    const KIND: &'static str = "allergy";
}

impl Validate for Allergy {
    fn check(&self, v: &mut Validator) {
        v.required("substance", &self.substance);
        v.max_len("substance", &self.substance, 200);
        v.optional_text("reaction", self.reaction.as_deref(), 250);
    }
}

/// A problem-list entry (clinical, SNOMED CT or ICD-10-CM coded; billing diagnoses live on
/// encounters as `Diagnosis`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Whose problem.
    pub patient_id: PatientId,
    /// Encounter where it was first noted.
    pub encounter_id: Option<EncounterId>,
    /// Code system (`snomed`, `icd10cm`).
    pub code_system: String,
    /// The code.
    pub code: String,
    /// The problem in words.
    pub description: String,
    /// Clinical status.
    pub status: ProblemStatus,
    /// Onset.
    #[serde(with = "rfc3339::option")]
    pub onset_at: Option<OffsetDateTime>,
    /// Resolution.
    #[serde(with = "rfc3339::option")]
    pub resolved_at: Option<OffsetDateTime>,
}

impl RecordKind for Problem {
    const KIND: &'static str = "problem";
}

impl Validate for Problem {
    fn check(&self, v: &mut Validator) {
        if !matches!(self.code_system.as_str(), "snomed" | "icd10cm") {
            v.error(
                "code_system",
                format!("\"{}\" is not one of snomed, icd10cm", self.code_system),
            );
        }
        v.required("code", &self.code);
        v.required("description", &self.description);
        v.max_len("description", &self.description, 250);
        v.ordered("resolved_at", self.onset_at, self.resolved_at, "onset_at");
    }
}
