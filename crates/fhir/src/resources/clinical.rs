//! Clinical and financial resources: Encounter, Condition, Procedure, Immunization,
//! Observation, MedicationStatement, AllergyIntolerance; `Money` for the financial ones.

use super::{FhirQuantity, resource};
use crate::datatypes::{Annotation, CodeableConcept, Period, Reference};
use serde::{Deserialize, Serialize};

resource! {
    /// `Encounter`: a visit or stay.
    Encounter {
        status: String = "status",
        class: Option<crate::datatypes::Coding> = "class",
        type_: Vec<CodeableConcept> = "type",
        service_type: Option<CodeableConcept> = "serviceType",
        subject: Option<Reference> = "subject",
        participant: Vec<EncounterParticipant> = "participant",
        period: Option<Period> = "period",
        reason_code: Vec<CodeableConcept> = "reasonCode",
        hospitalization: Option<EncounterHospitalization> = "hospitalization",
        service_provider: Option<Reference> = "serviceProvider",
    }
}

/// `Encounter.participant`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EncounterParticipant {
    /// Role (`ATND`, `CON`, `REF`, `PPRF`).
    #[serde(rename = "type", default, skip_serializing_if = "Vec::is_empty")]
    pub type_: Vec<CodeableConcept>,
    /// The practitioner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub individual: Option<Reference>,
}

/// `Encounter.hospitalization`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EncounterHospitalization {
    /// Discharge disposition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discharge_disposition: Option<CodeableConcept>,
}

resource! {
    /// `Condition`: a diagnosis coded on an encounter, or a problem-list entry.
    Condition {
        clinical_status: Option<CodeableConcept> = "clinicalStatus",
        verification_status: Option<CodeableConcept> = "verificationStatus",
        category: Vec<CodeableConcept> = "category",
        code: Option<CodeableConcept> = "code",
        subject: Reference = "subject",
        encounter: Option<Reference> = "encounter",
        onset_date_time: Option<String> = "onsetDateTime",
        abatement_date_time: Option<String> = "abatementDateTime",
        note: Vec<Annotation> = "note",
    }
}

resource! {
    /// `Procedure`.
    Procedure {
        status: String = "status",
        code: Option<CodeableConcept> = "code",
        subject: Reference = "subject",
        encounter: Option<Reference> = "encounter",
        performed_date_time: Option<String> = "performedDateTime",
        performed_period: Option<Period> = "performedPeriod",
        performer: Vec<ProcedurePerformer> = "performer",
    }
}

/// `Procedure.performer`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProcedurePerformer {
    /// Who.
    pub actor: Reference,
}

resource! {
    /// `Immunization`: a vaccine dose.
    Immunization {
        status: String = "status",
        vaccine_code: CodeableConcept = "vaccineCode",
        patient: Reference = "patient",
        encounter: Option<Reference> = "encounter",
        occurrence_date_time: Option<String> = "occurrenceDateTime",
        primary_source: Option<bool> = "primarySource",
        lot_number: Option<String> = "lotNumber",
        site: Option<CodeableConcept> = "site",
        route: Option<CodeableConcept> = "route",
        performer: Vec<ImmunizationPerformer> = "performer",
    }
}

/// `Immunization.performer`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImmunizationPerformer {
    /// Who.
    pub actor: Reference,
}

resource! {
    /// `Observation`: a vital sign, lab result or survey answer.
    Observation {
        status: String = "status",
        category: Vec<CodeableConcept> = "category",
        code: CodeableConcept = "code",
        subject: Option<Reference> = "subject",
        encounter: Option<Reference> = "encounter",
        effective_date_time: Option<String> = "effectiveDateTime",
        value_quantity: Option<FhirQuantity> = "valueQuantity",
        value_codeable_concept: Option<CodeableConcept> = "valueCodeableConcept",
        value_string: Option<String> = "valueString",
        component: Vec<ObservationComponent> = "component",
    }
}

/// `Observation.component`: one part of a panel (systolic, diastolic).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservationComponent {
    /// What was observed.
    pub code: CodeableConcept,
    /// Quantity value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_quantity: Option<FhirQuantity>,
    /// Coded value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_codeable_concept: Option<CodeableConcept>,
    /// Text value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
}

resource! {
    /// `MedicationStatement`: a medication the patient takes or took.
    MedicationStatement {
        status: String = "status",
        medication_codeable_concept: Option<CodeableConcept> = "medicationCodeableConcept",
        subject: Reference = "subject",
        context: Option<Reference> = "context",
        effective_period: Option<Period> = "effectivePeriod",
        information_source: Option<Reference> = "informationSource",
        dosage: Vec<Dosage> = "dosage",
    }
}

/// `Dosage`, text only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Dosage {
    /// Instructions as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

resource! {
    /// `AllergyIntolerance`.
    AllergyIntolerance {
        clinical_status: Option<CodeableConcept> = "clinicalStatus",
        verification_status: Option<CodeableConcept> = "verificationStatus",
        category: Vec<String> = "category",
        criticality: Option<String> = "criticality",
        code: Option<CodeableConcept> = "code",
        patient: Reference = "patient",
        onset_date_time: Option<String> = "onsetDateTime",
        reaction: Vec<AllergyReaction> = "reaction",
    }
}

/// `AllergyIntolerance.reaction`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AllergyReaction {
    /// Manifestations (at least one).
    pub manifestation: Vec<CodeableConcept>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `Money`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Money {
    /// Amount, exact (cents are never floats).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<crate::decimal::Decimal>,
    /// ISO 4217 currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}
