//! The words of the language: field, event-kind, subject and dimension names, which
//! fields each kind has, and code normalisation. The parser and the printer both read
//! these tables, which keeps the two in step.

use super::ast::{Dimension, Field, Subject};
use crate::events::EventKind;

#[derive(Clone, Copy)]
pub(crate) enum ValueType {
    /// Whole number.
    Int,
    Number,
    Date,
    Word,
}

pub(crate) fn value_type(field: Field) -> ValueType {
    match field {
        Field::Age
        | Field::Cvx
        | Field::Provider
        | Field::Facility
        | Field::Payer
        | Field::AmountCents
        | Field::PaidCents
        | Field::OpenCents
        | Field::DaysPastDue
        | Field::DaysSinceDischarge
        | Field::Author
        | Field::DaysAfterEncounter => ValueType::Int,
        Field::Value => ValueType::Number,
        Field::Date | Field::DueDate | Field::DischargeDate => ValueType::Date,
        Field::Sex
        | Field::Zip
        | Field::Zip3
        | Field::Status
        | Field::Code
        | Field::Class
        | Field::Service
        | Field::NoteType
        | Field::FinancialClass => ValueType::Word,
    }
}

/// ICD-10 and procedure codes compare without the dot and in upper case, the way the
/// store keeps them (`E11.9` and `e119` are the same code).
pub(crate) fn normalize_code(text: &str, kind: Option<EventKind>) -> String {
    match kind {
        Some(EventKind::Diagnosis | EventKind::Procedure) => text
            .chars()
            .filter(|&c| c != '.')
            .map(|c| c.to_ascii_uppercase())
            .collect(),
        // An encounter's code is its service and a note's its type, which people type
        // in any case.
        Some(EventKind::Encounter | EventKind::Note) => text.trim().to_lowercase(),
        _ => text.to_owned(),
    }
}

pub(crate) fn field_named(word: &str) -> Option<Field> {
    Some(match word {
        "age" => Field::Age,
        "sex" => Field::Sex,
        "zip" => Field::Zip,
        "zip3" => Field::Zip3,
        "cvx" => Field::Cvx,
        "status" => Field::Status,
        "code" => Field::Code,
        "class" => Field::Class,
        "date" => Field::Date,
        "value" => Field::Value,
        "provider" => Field::Provider,
        "facility" => Field::Facility,
        "payer" => Field::Payer,
        "amount_cents" => Field::AmountCents,
        "paid_cents" => Field::PaidCents,
        "open_cents" => Field::OpenCents,
        "due_date" => Field::DueDate,
        "days_past_due" => Field::DaysPastDue,
        "financial_class" => Field::FinancialClass,
        "service" => Field::Service,
        "discharge_date" => Field::DischargeDate,
        "days_since_discharge" => Field::DaysSinceDischarge,
        "type" => Field::NoteType,
        "author" => Field::Author,
        "days_after_encounter" => Field::DaysAfterEncounter,
        _ => return None,
    })
}

/// The word a field is written as.
pub(crate) fn field_word(field: Field) -> &'static str {
    match field {
        Field::Age => "age",
        Field::Sex => "sex",
        Field::Zip => "zip",
        Field::Zip3 => "zip3",
        Field::Cvx => "cvx",
        Field::Status => "status",
        Field::Code => "code",
        Field::Class => "class",
        Field::Date => "date",
        Field::Value => "value",
        Field::Provider => "provider",
        Field::Facility => "facility",
        Field::Payer => "payer",
        Field::AmountCents => "amount_cents",
        Field::PaidCents => "paid_cents",
        Field::OpenCents => "open_cents",
        Field::DueDate => "due_date",
        Field::DaysPastDue => "days_past_due",
        Field::FinancialClass => "financial_class",
        Field::Service => "service",
        Field::DischargeDate => "discharge_date",
        Field::DaysSinceDischarge => "days_since_discharge",
        Field::NoteType => "type",
        Field::Author => "author",
        Field::DaysAfterEncounter => "days_after_encounter",
    }
}

pub(crate) fn patient_field(field: Field) -> bool {
    matches!(field, Field::Age | Field::Sex | Field::Zip | Field::Zip3)
}

/// True if events of `kind` have `field`.
pub(crate) fn field_of(field: Field, kind: EventKind) -> bool {
    match kind {
        EventKind::Immunization => matches!(field, Field::Cvx | Field::Status | Field::Date),
        EventKind::Diagnosis => matches!(field, Field::Code | Field::Date),
        EventKind::Procedure => matches!(field, Field::Code | Field::Date | Field::Provider),
        EventKind::Observation => matches!(field, Field::Code | Field::Value | Field::Date),
        EventKind::Encounter => matches!(
            field,
            Field::Class
                | Field::Service
                | Field::Date
                | Field::Provider
                | Field::Facility
                | Field::Payer
                | Field::DischargeDate
                | Field::DaysSinceDischarge
        ),
        EventKind::ArItem => matches!(
            field,
            Field::AmountCents
                | Field::PaidCents
                | Field::OpenCents
                | Field::DueDate
                | Field::DaysPastDue
                | Field::Payer
                | Field::FinancialClass
        ),
        EventKind::Note => matches!(
            field,
            Field::NoteType
                | Field::Status
                | Field::Author
                | Field::Date
                | Field::DaysAfterEncounter
        ),
    }
}

pub(crate) fn has_kind(word: &str) -> Option<EventKind> {
    EventKind::ALL
        .into_iter()
        .find(|&kind| has_word(kind) == word)
}

/// The word of an event test (`immunization(...)`).
pub(crate) fn has_word(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Immunization => "immunization",
        EventKind::Diagnosis => "diagnosis",
        EventKind::Procedure => "procedure",
        EventKind::Observation => "observation",
        EventKind::Encounter => "encounter",
        EventKind::ArItem => "balance",
        EventKind::Note => "note",
    }
}

pub(crate) fn kind_noun(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Immunization => "an immunization",
        EventKind::Diagnosis => "a diagnosis",
        EventKind::Procedure => "a procedure",
        EventKind::Observation => "an observation",
        EventKind::Encounter => "an encounter",
        EventKind::ArItem => "a balance item",
        EventKind::Note => "a note",
    }
}

/// The word of a subject.
pub(crate) fn subject_word(subject: Subject) -> &'static str {
    match subject {
        Subject::Patients => "patients",
        Subject::Balances => "balances",
        Subject::Events(EventKind::Immunization) => "immunizations",
        Subject::Events(EventKind::Diagnosis) => "diagnoses",
        Subject::Events(EventKind::Procedure) => "procedures",
        Subject::Events(EventKind::Observation) => "observations",
        Subject::Events(EventKind::Encounter) => "encounters",
        Subject::Events(EventKind::ArItem) => "balances",
        Subject::Events(EventKind::Note) => "notes",
    }
}

/// The column name of a grouping dimension.
pub(crate) fn dimension_name(dimension: &Dimension) -> &'static str {
    match dimension {
        Dimension::AgeBand(_) => "age_band",
        Dimension::AgingBucket(_) => "aging_bucket",
        Dimension::Sex => "sex",
        Dimension::Zip3 => "zip3",
        Dimension::Zip => "zip",
        Dimension::Period(period) => period.word(),
        Dimension::Code => "code",
        Dimension::Status => "status",
        Dimension::Class => "class",
        Dimension::Provider => "provider",
        Dimension::Facility => "facility",
        Dimension::Payer => "payer",
        Dimension::FinancialClass => "financial_class",
        Dimension::Service => "service",
        Dimension::NoteType => "type",
        Dimension::Author => "author",
    }
}
