//! Encounters and what is coded on them: diagnoses, procedures, participants.

use crate::RecordKind;
use crate::dates::rfc3339;
use crate::ids::{EncounterId, OrganizationId, PatientId, PayerId, ProviderId};
use crate::validation::{Validate, ValidationErrors, Validator};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The setting of care, which decides the claim form (837I vs 837P) and coding rules
/// (inpatient principal diagnosis vs outpatient first-listed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EncounterClass {
    /// Admitted inpatient stay.
    Inpatient,
    /// Office or hospital outpatient visit.
    Outpatient,
    /// Emergency department visit.
    Emergency,
    /// Visit by video or phone.
    Telehealth,
}

impl EncounterClass {
    /// Every class, for listings and generators.
    pub const ALL: [Self; 4] = [
        Self::Inpatient,
        Self::Outpatient,
        Self::Emergency,
        Self::Telehealth,
    ];

    /// The snake_case name used in text forms.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inpatient => "inpatient",
            Self::Outpatient => "outpatient",
            Self::Emergency => "emergency",
            Self::Telehealth => "telehealth",
        }
    }

    /// The class named by its text form (`inpatient`), if any.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

/// Where the encounter stands (FHIR `Encounter.status` subset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EncounterStatus {
    /// Booked, not started.
    Planned,
    /// Under way (admitted, in the room).
    InProgress,
    /// Done: discharged or visit closed.
    Finished,
    /// Did not happen.
    Cancelled,
    /// Recorded by mistake.
    EnteredInError,
}

/// UB-04 form locator 17 patient discharge status codes (NUBC), the subset in common use.
const DISCHARGE_STATUS_CODES: &[&str] = &[
    "01", "02", "03", "04", "05", "06", "07", "09", "20", "21", "30", "40", "41", "42", "43", "50",
    "51", "61", "62", "63", "64", "65", "66", "69", "70", "81", "82", "83", "84", "85", "86", "87",
    "88", "89", "90", "91", "92", "93", "94", "95",
];

/// A visit or stay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Encounter {
    /// Whose encounter.
    pub patient_id: PatientId,
    /// Setting of care.
    pub class: EncounterClass,
    /// Status.
    pub status: EncounterStatus,
    /// Admission or visit start.
    #[serde(with = "rfc3339")]
    pub admit_at: OffsetDateTime,
    /// Discharge or visit end.
    #[serde(with = "rfc3339::option")]
    pub discharge_at: Option<OffsetDateTime>,
    /// Attending (or rendering) provider.
    pub attending_id: Option<ProviderId>,
    /// Facility where care was given.
    pub facility_id: Option<OrganizationId>,
    /// The payer billed for this encounter, if known.
    pub payer_id: Option<PayerId>,
    /// UB-04 patient discharge status (`01` home, `03` SNF, `20` expired, ...).
    pub discharge_disposition: Option<String>,
    /// Reason for visit in words.
    pub reason: Option<String>,
    /// The hospital service responsible (HL7 table 0069 style: medicine, surgery,
    /// cardiology); records written before it existed have none.
    #[serde(default)]
    pub service: Option<String>,
}

impl RecordKind for Encounter {
    const KIND: &'static str = "encounter";
}

impl Encounter {
    /// The visit a check-in opens: in progress since `at`, not yet discharged.
    pub fn check_in(
        patient_id: PatientId,
        class: EncounterClass,
        at: OffsetDateTime,
        attending_id: Option<ProviderId>,
        reason: Option<String>,
    ) -> Self {
        Self {
            patient_id,
            class,
            status: EncounterStatus::InProgress,
            admit_at: at,
            discharge_at: None,
            attending_id,
            facility_id: None,
            payer_id: None,
            discharge_disposition: None,
            reason,
            service: None,
        }
    }

    /// The encounter closed (finished) at `at` with its discharge disposition, or every
    /// reason it cannot be: it is not in progress, `at` is before admission, or the
    /// disposition is not a UB-04 code.
    pub fn closed(
        &self,
        at: OffsetDateTime,
        disposition: Option<String>,
    ) -> Result<Self, ValidationErrors> {
        let closed = Self {
            status: EncounterStatus::Finished,
            discharge_at: Some(at),
            discharge_disposition: disposition,
            ..self.clone()
        };
        let mut v = Validator::default();
        if self.status != EncounterStatus::InProgress {
            v.error("status", "only an encounter in progress can be closed");
        }
        closed.check(&mut v);
        v.finish()?;
        Ok(closed)
    }
}

impl Validate for Encounter {
    fn check(&self, v: &mut Validator) {
        v.ordered(
            "discharge_at",
            Some(self.admit_at),
            self.discharge_at,
            "admit_at",
        );
        if self.status == EncounterStatus::Finished
            && self.class == EncounterClass::Inpatient
            && self.discharge_at.is_none()
        {
            v.error("discharge_at", "is required for a finished inpatient stay");
        }
        if let Some(code) = self.discharge_disposition.as_deref()
            && !DISCHARGE_STATUS_CODES.contains(&code)
        {
            v.error(
                "discharge_disposition",
                format!("\"{code}\" is not a UB-04 patient discharge status code"),
            );
        }
        v.optional_text("reason", self.reason.as_deref(), 200);
        v.optional_text("service", self.service.as_deref(), 60);
    }
}

/// A provider's part in an encounter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParticipantRole {
    /// Consulting physician.
    Consulting,
    /// Referring provider.
    Referring,
    /// Surgeon.
    Operating,
    /// Admitting physician.
    Admitting,
    /// Anyone else.
    Other,
}

/// A provider other than the attending who took part in an encounter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncounterParticipant {
    /// Whose encounter (kept for patient-level access checks).
    pub patient_id: PatientId,
    /// The encounter.
    pub encounter_id: EncounterId,
    /// The provider.
    pub provider_id: ProviderId,
    /// Their role.
    pub role: ParticipantRole,
}

impl RecordKind for EncounterParticipant {
    const KIND: &'static str = "encounter_participant";
}

impl Validate for EncounterParticipant {
    fn check(&self, _v: &mut Validator) {}
}

/// Where a diagnosis stands in the encounter's coding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosisRank {
    /// Inpatient principal diagnosis (UHDDS: the condition chiefly responsible for the admission).
    Principal,
    /// Outpatient first-listed diagnosis.
    FirstListed,
    /// Admitting diagnosis (UB-04 FL69).
    Admitting,
    /// Any other diagnosis.
    Secondary,
}

/// Present-on-admission indicator (ICD-10-CM Official Guidelines, Appendix I).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PoaIndicator {
    /// Present at the time of inpatient admission.
    #[serde(rename = "Y")]
    Yes,
    /// Not present at admission.
    #[serde(rename = "N")]
    No,
    /// Documentation insufficient.
    #[serde(rename = "U")]
    Unknown,
    /// Clinically undetermined.
    #[serde(rename = "W")]
    ClinicallyUndetermined,
    /// Exempt from POA reporting.
    #[serde(rename = "1")]
    Exempt,
}

impl PoaIndicator {
    /// Reads `Y`, `N`, `U`, `W` or `1`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "Y" | "y" => Some(Self::Yes),
            "N" | "n" => Some(Self::No),
            "U" | "u" => Some(Self::Unknown),
            "W" | "w" => Some(Self::ClinicallyUndetermined),
            "1" => Some(Self::Exempt),
            _ => None,
        }
    }
}

/// Normalises an ICD-10-CM code to its written form (`e119` → `E11.9`), or says why it
/// cannot be one. Existence on a date of service is the code-set engine's question.
pub fn normalize_icd10cm(text: &str) -> Result<String, String> {
    let compact: String = text
        .trim()
        .chars()
        .filter(|c| *c != '.')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let bytes = compact.as_bytes();
    let shaped = (3..=7).contains(&bytes.len())
        && bytes.first().is_some_and(u8::is_ascii_uppercase)
        && bytes.get(1).is_some_and(u8::is_ascii_digit)
        && bytes.iter().all(u8::is_ascii_alphanumeric);
    if !shaped {
        return Err(format!(
            "\"{}\" is not shaped like an ICD-10-CM code (letter, digit, then 1 to 5 letters or digits)",
            text.trim()
        ));
    }
    if compact.len() == 3 {
        Ok(compact)
    } else {
        Ok(format!("{}.{}", &compact[..3], &compact[3..]))
    }
}

/// An ICD-10-CM diagnosis coded on an encounter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// Whose diagnosis.
    pub patient_id: PatientId,
    /// The encounter it was coded on.
    pub encounter_id: EncounterId,
    /// ICD-10-CM code, written with its dot (`E11.21`).
    pub code: String,
    /// Principal / first-listed / admitting / secondary.
    pub rank: DiagnosisRank,
    /// Order among the encounter's diagnoses, 1-based.
    pub sequence: i32,
    /// Present on admission (required for inpatient claims, UB-04 FL67).
    pub poa: Option<PoaIndicator>,
    /// Description as documented.
    pub description: Option<String>,
    /// When the condition began, if documented.
    #[serde(with = "rfc3339::option")]
    pub onset_at: Option<OffsetDateTime>,
}

impl RecordKind for Diagnosis {
    const KIND: &'static str = "diagnosis";
}

impl Validate for Diagnosis {
    fn check(&self, v: &mut Validator) {
        match normalize_icd10cm(&self.code) {
            Ok(normal) if normal != self.code => {
                v.error("code", format!("write it as {normal}"));
            }
            Ok(_) => {}
            Err(message) => v.error("code", message),
        }
        if self.sequence < 1 {
            v.error(
                "sequence",
                format!("is {}; must be 1 or more", self.sequence),
            );
        }
        v.optional_text("description", self.description.as_deref(), 250);
    }
}

/// The code system of a procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcedureCodeSystem {
    /// ICD-10-PCS, inpatient facility procedures.
    Icd10Pcs,
    /// CPT (AMA), professional and outpatient services.
    Cpt,
    /// HCPCS Level II.
    Hcpcs,
    /// SNOMED CT, as clinical systems (and Synthea) record procedures.
    Snomed,
}

impl ProcedureCodeSystem {
    /// The snake_case name used in text forms.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Icd10Pcs => "icd10pcs",
            Self::Cpt => "cpt",
            Self::Hcpcs => "hcpcs",
            Self::Snomed => "snomed",
        }
    }
}

/// A procedure performed on a patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Procedure {
    /// Whose procedure.
    pub patient_id: PatientId,
    /// The encounter, when done in one.
    pub encounter_id: Option<EncounterId>,
    /// Code system.
    pub code_system: ProcedureCodeSystem,
    /// The code.
    pub code: String,
    /// CPT/HCPCS modifiers (two characters each), at most four on a claim line.
    pub modifiers: Vec<String>,
    /// Units of service.
    pub units: i32,
    /// When it was performed.
    #[serde(with = "rfc3339")]
    pub performed_at: OffsetDateTime,
    /// Who performed it.
    pub performer_id: Option<ProviderId>,
    /// Description as documented.
    pub description: Option<String>,
}

impl RecordKind for Procedure {
    const KIND: &'static str = "procedure";
}

impl Validate for Procedure {
    fn check(&self, v: &mut Validator) {
        let code = self.code.as_str();
        let alnum = code.bytes().all(|b| b.is_ascii_alphanumeric());
        let shaped = match self.code_system {
            // ICD-10-PCS: seven characters, digits and letters other than I and O.
            ProcedureCodeSystem::Icd10Pcs => code.len() == 7 && alnum && !code.contains(['I', 'O']),
            ProcedureCodeSystem::Cpt => code.len() == 5 && alnum,
            ProcedureCodeSystem::Hcpcs => {
                code.len() == 5
                    && code.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
                    && code.bytes().skip(1).all(|b| b.is_ascii_digit())
            }
            ProcedureCodeSystem::Snomed => {
                (6..=18).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit())
            }
        };
        if !shaped {
            v.error(
                "code",
                format!(
                    "\"{code}\" is not shaped like a {} code",
                    self.code_system.as_str()
                ),
            );
        }
        if self.modifiers.len() > 4 {
            v.error(
                "modifiers",
                format!(
                    "has {}; at most 4 fit on a claim line",
                    self.modifiers.len()
                ),
            );
        }
        for (idx, modifier) in self.modifiers.iter().enumerate() {
            if modifier.len() != 2 || !modifier.bytes().all(|b| b.is_ascii_alphanumeric()) {
                v.error(
                    &format!("modifiers[{idx}]"),
                    format!("\"{modifier}\" is not a two-character modifier"),
                );
            }
        }
        if self.units < 1 {
            v.error("units", format!("is {}; must be 1 or more", self.units));
        }
        v.optional_text("description", self.description.as_deref(), 250);
    }
}
