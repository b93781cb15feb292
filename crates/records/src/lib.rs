//! The records model: what a chart is made of, independent of where it is stored.
//!
//! Invariants kept here:
//! - No IO, no clock, no SQL: every function is pure and takes what it needs.
//! - Identifiers that cross crate boundaries are newtypes (`PatientId`, `Mrn`, `Npi`), so an
//!   NPI with a bad check digit or an empty MRN cannot be constructed.
//! - `Validate::validate` reports every problem at once, each with its field path, rather
//!   than stopping at the first.
//! - Clinical time (when it happened) is a field of the record; entry time (when it was
//!   recorded) belongs to the storage metadata, so a back-dated entry keeps both.
#![deny(missing_docs)]

mod case_report;
mod charge_detail;
mod claim;
mod clinical;
mod clinical_entry;
mod coverage_entry;
#[allow(missing_docs)]
pub mod dates;
mod deficiency;
mod dictation;
mod encounter;
mod encounter_entry;
mod financial;
mod follow_up;
mod group;
mod identifiers;
mod ids;
pub mod ledger;
mod note;
mod party;
mod patient;
mod physician_query;
pub mod postal;
mod remittance;
mod roi;
mod scanned_document;
mod surveillance_alert;
mod validation;
mod write_off;

pub use case_report::{CaseReport, CaseStatus, TriggerSource};
pub use charge_detail::{
    AMBULANCE_CONDITIONS, AmbulanceTransport, AnesthesiaDetail, ChargeDetail, DrugDetail, DrugUnit,
    EquipmentDetail, Ndc, TransportMode,
};
pub use claim::{
    AdjustmentAmount, Claim, ClaimAdjudication, ClaimEdit, ClaimFrequency, ClaimKind, ClaimStatus,
    EditOverride, LineAdjudication,
};
pub use clinical::{
    Allergy, AllergyCategory, AllergyCriticality, Immunization, ImmunizationStatus, Medication,
    MedicationStatus, Observation, ObservationValue, Problem, ProblemStatus,
};
pub use clinical_entry::{ClinicalEntry, loinc_check_digit_ok};
pub use coverage_entry::{CoverageEntry, order_conflict};
pub use deficiency::{Deficiency, DeficiencyStatus, Responsible, Severity};
pub use dictation::{
    Dictation, DictationPriority, DictationStatus, DictationText, MAX_DICTATION_TEXT,
    RecognizedWord,
};
pub use encounter::{
    Diagnosis, DiagnosisRank, Encounter, EncounterClass, EncounterParticipant, EncounterStatus,
    ParticipantRole, PoaIndicator, Procedure, ProcedureCodeSystem, normalize_icd10cm,
};
pub use encounter_entry::{EncounterEntry, FromLocal, ToLocal, local_text};
pub use financial::{Charge, Posting, PostingKind, PostingSource};
pub use follow_up::{ContactAttempt, FollowUpKind, FollowUpStatus, FollowUpTask};
pub use group::{MAX_GROUP_MEMBERS, PatientGroup};
pub use identifiers::{Mrn, Npi};
pub use ids::{
    AllergyId, ChargeId, ClaimId, CoverageId, DiagnosisId, EncounterId, ImmunizationId,
    MedicationId, NoteId, ObservationId, OrganizationId, ParticipantId, PatientId, PayerId,
    PostingId, ProblemId, ProcedureId, ProviderId,
};
pub use note::{ClinicalNote, NoteType};
pub use party::{Organization, OrganizationKind, Payer, PayerKind, Provider};
pub use patient::{
    Address, AdministrativeSex, Coverage, CoverageOrder, FACILITY_MRN_AUTHORITY, Patient,
    PatientIdentifier, Relationship,
};
pub use physician_query::{OTHER, PhysicianQuery, QueryStatus, UNDETERMINED};
pub use remittance::{RemittanceAdvice, RemittanceStatus, UnmatchedPayment};
pub use roi::{
    Authorization, Consent, ConsentKind, DataUseAgreement, Delivery, Disclosure, LegalBasis,
    ReleaseCategory, RequesterKind, RoiRequest, RoiStatus,
};
pub use scanned_document::{
    DOCUMENT_MEDIA_TYPES, DOCUMENT_TYPES, DocumentStatus, DocumentType, ScannedDocument,
    document_type,
};
pub use surveillance_alert::{ALERT_METHODS, AlertLevel, AlertStatus, SurveillanceAlert};
pub use validation::{FieldError, Validate, ValidationErrors, Validator};
pub use write_off::{WriteOffRequest, WriteOffStatus};

/// Every record kind the store keeps, named as the store and the audit trail name them.
pub trait RecordKind {
    /// The stable, lower-case name of this kind of record (`patient`, `encounter`, ...).
    const KIND: &'static str;
}
