//! The plain rows the engine is fed. The store turns its records into these after each
//! committed write (or in bulk at start-up); the engine never sees SQL or PHI beyond
//! what a population query needs (no names, no identifiers other than opaque keys).

use time::Date;

/// Opaque key of a patient, the store's row id. The engine maps it to a dense ordinal.
pub type PatientKey = i64;
/// Opaque key of one event or account item, the store's row id, unique within its kind.
pub type EventKey = i64;

/// Administrative sex as recorded (FHIR `Patient.gender`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sex {
    /// `F`.
    Female,
    /// `M`.
    Male,
    /// `O`.
    Other,
    /// `U`: not recorded.
    Unknown,
}

impl Sex {
    /// The one-letter form used in query text and results.
    pub fn letter(self) -> &'static str {
        match self {
            Sex::Female => "F",
            Sex::Male => "M",
            Sex::Other => "O",
            Sex::Unknown => "U",
        }
    }

    /// Parses `F`, `M`, `O`, `U` (either case) and the FHIR words.
    pub fn from_text(text: &str) -> Option<Sex> {
        match text.to_ascii_lowercase().as_str() {
            "f" | "female" => Some(Sex::Female),
            "m" | "male" => Some(Sex::Male),
            "o" | "other" => Some(Sex::Other),
            "u" | "unknown" => Some(Sex::Unknown),
            _ => None,
        }
    }

    pub(crate) fn code(self) -> u8 {
        self as u8
    }

    pub(crate) const ALL: [Sex; 4] = [Sex::Female, Sex::Male, Sex::Other, Sex::Unknown];
}

/// One patient's demographics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientFacts {
    /// The store's key.
    pub patient_key: PatientKey,
    /// Date of birth.
    pub birth_date: Date,
    /// Administrative sex.
    pub sex: Sex,
    /// Five-digit ZIP code as text (leading zeros kept); ZIP3 is its first three digits.
    pub zip: String,
    /// Date of death, if recorded.
    pub deceased: Option<Date>,
}

/// Immunization status (FHIR `Immunization.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImmunizationStatus {
    /// `completed`.
    Completed,
    /// `entered-in-error`.
    EnteredInError,
    /// `not-done`.
    NotDone,
}

impl ImmunizationStatus {
    /// The FHIR code.
    pub fn code(self) -> &'static str {
        match self {
            ImmunizationStatus::Completed => "completed",
            ImmunizationStatus::EnteredInError => "entered-in-error",
            ImmunizationStatus::NotDone => "not-done",
        }
    }

    /// Parses the FHIR code.
    pub fn from_code(text: &str) -> Option<ImmunizationStatus> {
        match text {
            "completed" => Some(ImmunizationStatus::Completed),
            "entered-in-error" => Some(ImmunizationStatus::EnteredInError),
            "not-done" => Some(ImmunizationStatus::NotDone),
            _ => None,
        }
    }
}

/// One immunization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImmunizationFact {
    /// The store's key of the immunization.
    pub event_key: EventKey,
    /// The patient it was given to.
    pub patient_key: PatientKey,
    /// CVX vaccine code.
    pub cvx: u16,
    /// Administration date.
    pub date: Date,
    /// Status.
    pub status: ImmunizationStatus,
}

/// One coded diagnosis (ICD-10-CM) on a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiagnosisFact {
    /// The store's key of the diagnosis.
    pub event_key: EventKey,
    /// The patient.
    pub patient_key: PatientKey,
    /// ICD-10-CM code, with or without the dot (stored without it, upper case).
    pub code: String,
    /// Date of service or onset.
    pub date: Date,
}

/// One procedure (CPT/HCPCS or ICD-10-PCS) on a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcedureFact {
    /// The store's key of the procedure.
    pub event_key: EventKey,
    /// The patient.
    pub patient_key: PatientKey,
    /// Procedure code (stored without dots, upper case).
    pub code: String,
    /// Date performed.
    pub date: Date,
    /// The performing (rendering) provider's key (0 when not recorded).
    pub provider_key: i64,
}

/// One numeric observation (LOINC code, value, date).
#[derive(Debug, Clone, PartialEq)]
pub struct ObservationFact {
    /// The store's key of the observation.
    pub event_key: EventKey,
    /// The patient.
    pub patient_key: PatientKey,
    /// LOINC code such as `4548-4`.
    pub code: String,
    /// Numeric value in the code's usual unit.
    pub value: f64,
    /// Effective date.
    pub date: Date,
}

/// Encounter class (HL7 v3 ActEncounterCode, the common ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EncounterClass {
    /// `AMB`.
    Ambulatory,
    /// `EMER`.
    Emergency,
    /// `IMP`.
    Inpatient,
    /// `OBSENC`.
    Observation,
    /// `VR`.
    Virtual,
    /// `HH`.
    Home,
}

impl EncounterClass {
    /// The word used in query text.
    pub fn word(self) -> &'static str {
        match self {
            EncounterClass::Ambulatory => "ambulatory",
            EncounterClass::Emergency => "emergency",
            EncounterClass::Inpatient => "inpatient",
            EncounterClass::Observation => "observation",
            EncounterClass::Virtual => "virtual",
            EncounterClass::Home => "home",
        }
    }

    /// Parses the query word or the HL7 v3 code.
    pub fn from_text(text: &str) -> Option<EncounterClass> {
        match text.to_ascii_lowercase().as_str() {
            "ambulatory" | "amb" => Some(EncounterClass::Ambulatory),
            "emergency" | "emer" => Some(EncounterClass::Emergency),
            "inpatient" | "imp" => Some(EncounterClass::Inpatient),
            "observation" | "obsenc" => Some(EncounterClass::Observation),
            "virtual" | "vr" => Some(EncounterClass::Virtual),
            "home" | "hh" => Some(EncounterClass::Home),
            _ => None,
        }
    }
}

/// One encounter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncounterFact {
    /// The store's key of the encounter.
    pub event_key: EventKey,
    /// The patient.
    pub patient_key: PatientKey,
    /// Class.
    pub class: EncounterClass,
    /// Start date.
    pub date: Date,
    /// Attending provider's key.
    pub provider_key: i64,
    /// The hospital service or department (`medicine`, `primary care`), compared
    /// ignoring case; empty when not recorded.
    pub service: String,
    /// Facility key.
    pub facility_key: i64,
    /// Primary payer key, if any (0 when self-pay).
    pub payer_key: i64,
    /// Discharge date; `None` while the patient is still in (or when a visit was never
    /// closed).
    pub discharge: Option<Date>,
}

/// One clinical note, without its text: what the review questions ask of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteFact {
    /// The store's key of the note.
    pub event_key: EventKey,
    /// The patient.
    pub patient_key: PatientKey,
    /// The note type as the store names it (`discharge_summary`, `progress`), compared
    /// ignoring case.
    pub note_type: String,
    /// Signed (authenticated) or not.
    pub signed: bool,
    /// The author's provider key (0 when not recorded).
    pub author_key: i64,
    /// The day it was written.
    pub date: Date,
    /// The encounter it belongs to, if any.
    pub encounter_key: Option<EventKey>,
    /// Days from that encounter's start to the note; `None` without an encounter.
    pub days_after_encounter: Option<i32>,
}

/// Whether a note is signed, as its table's status column holds it (`signed`,
/// `unsigned`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum NoteStatus {
    /// Written, not yet authenticated.
    Unsigned = 0,
    /// Authenticated by its signer.
    Signed = 1,
}

impl NoteStatus {
    /// The word the language writes.
    pub fn word(self) -> &'static str {
        match self {
            NoteStatus::Unsigned => "unsigned",
            NoteStatus::Signed => "signed",
        }
    }

    /// Reads `signed` or `unsigned`, ignoring case.
    pub fn from_text(text: &str) -> Option<NoteStatus> {
        match text.to_ascii_lowercase().as_str() {
            "signed" => Some(NoteStatus::Signed),
            "unsigned" => Some(NoteStatus::Unsigned),
            _ => None,
        }
    }
}

/// The financial class of a balance: the kind of payer it is billed to, how billing
/// offices split their receivables (Medicare, Medicaid, commercial, other government,
/// self-pay).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FinancialClass {
    /// Commercial insurance.
    Commercial,
    /// Medicare.
    Medicare,
    /// Medicaid.
    Medicaid,
    /// Other government programs (TRICARE, VA).
    Government,
    /// The patient pays (no payer).
    SelfPay,
}

impl FinancialClass {
    /// Every class, in the order the language lists them.
    pub const ALL: [FinancialClass; 5] = [
        FinancialClass::Commercial,
        FinancialClass::Medicare,
        FinancialClass::Medicaid,
        FinancialClass::Government,
        FinancialClass::SelfPay,
    ];

    /// The word used in query text and results.
    pub fn word(self) -> &'static str {
        match self {
            FinancialClass::Commercial => "commercial",
            FinancialClass::Medicare => "medicare",
            FinancialClass::Medicaid => "medicaid",
            FinancialClass::Government => "government",
            FinancialClass::SelfPay => "self-pay",
        }
    }

    /// Parses the query word, ignoring case, and the store's `self_pay`.
    pub fn from_text(text: &str) -> Option<FinancialClass> {
        match text.to_ascii_lowercase().as_str() {
            "commercial" => Some(FinancialClass::Commercial),
            "medicare" => Some(FinancialClass::Medicare),
            "medicaid" => Some(FinancialClass::Medicaid),
            "government" => Some(FinancialClass::Government),
            "self-pay" | "self_pay" | "selfpay" => Some(FinancialClass::SelfPay),
            _ => None,
        }
    }
}

/// One accounts-receivable item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArItemFact {
    /// The store's key of the item.
    pub item_key: EventKey,
    /// The patient (guarantor) it is billed to.
    pub patient_key: PatientKey,
    /// Amount charged, cents.
    pub amount_cents: i64,
    /// Amount paid so far, cents.
    pub paid_cents: i64,
    /// Due date.
    pub due_date: Date,
    /// Payer key (0 when self-pay).
    pub payer_key: i64,
    /// The payer's financial class (self-pay without a payer).
    pub financial_class: FinancialClass,
}
