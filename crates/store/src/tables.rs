//! The column list of every record table. Names equal the records' serialized field names;
//! the migrations under `migrations/` create the same columns (the round-trip test in the
//! storage suite fails when they drift).

use crate::filter::fold_name;
use crate::table::{ColType, Column, Table};
use crate::value::Value;
use records::{
    Allergy, Charge, Claim, ClinicalNote, Coverage, Deficiency, Diagnosis, Encounter,
    EncounterParticipant, FollowUpTask, Immunization, Medication, Observation, Organization,
    Patient, PatientGroup, Payer, PhysicianQuery, Posting, Problem, Procedure, Provider,
    RemittanceAdvice, SurveillanceAlert, WriteOffRequest,
};
use records::{CaseReport, ChargeDetail, ScannedDocument};
use records::{Consent, DataUseAgreement, Dictation, DictationText, Disclosure, RoiRequest};

macro_rules! tables {
    ($($record:ty => $table:literal $(unique $unique:expr,)? $(derived $derived:expr => $values:expr,)? $(identifiers $identifiers:expr,)? [$($column:ident : $ty:ident),* $(,)?]);* $(;)?) => {$(
        impl Table for $record {
            const TABLE: &'static str = $table;
            $(const UNIQUE: &'static [&'static [&'static str]] = $unique;)?
            const COLUMNS: &'static [Column] = &[
                $(Column { name: stringify!($column), ty: ColType::$ty }),*
            ];
            $(
                const DERIVED: &'static [&'static str] = $derived;
                fn derived_values(&self) -> Vec<Value> {
                    $values(self)
                }
            )?
            $(
                fn identifier_rows(&self) -> Option<Vec<(&str, &str)>> {
                    Some($identifiers(self))
                }
            )?
        }
    )*};
}

/// A patient's folded name keys, for accent- and case-insensitive name searches that are
/// index range scans (see `filter::fold_name`).
fn name_keys(patient: &Patient) -> Vec<Value> {
    vec![
        Value::Text(fold_name(&patient.family_name)),
        Value::Text(fold_name(&patient.given_name)),
    ]
}

/// A patient's identifiers as `(system, value)` rows of `patient_identifiers` (no system
/// is the empty text, so `|value` searches are an index lookup too).
fn patient_identifier_rows(patient: &Patient) -> Vec<(&str, &str)> {
    patient
        .identifiers
        .iter()
        .map(|i| (i.system.as_deref().unwrap_or(""), i.value.as_str()))
        .collect()
}

tables! {
    Patient => "patients" unique &[&["mrn_authority", "mrn"]],
        derived &["family_key", "given_key"] => name_keys,
        identifiers patient_identifier_rows, [
        mrn: Text, mrn_authority: Text, family_name: Text, given_name: Text, middle_name: Text,
        name_prefix: Text, name_suffix: Text, preferred_name: Text, birth_date: Date, sex: Text,
        line1: Text, line2: Text, city: Text, state: Text, postal_code: Text, country: Text,
        phone: Text, email: Text, language: Text, race: Text, ethnicity: Text, deceased_date: Date,
        identifiers: Json,
    ];
    Coverage => "coverages" [
        patient_id: Int, payer_id: Int, plan_name: Text, member_id: Text, group_number: Text,
        subscriber_name: Text, relationship: Text, coverage_order: Text, effective_start: Date,
        effective_end: Date,
    ];
    Organization => "organizations" [
        name: Text, kind: Text, npi: Text, line1: Text, line2: Text, city: Text, state: Text,
        postal_code: Text, country: Text, phone: Text,
    ];
    Provider => "providers" [
        npi: Text, family_name: Text, given_name: Text, credentials: Text, taxonomy: Text,
        specialty: Text, organization_id: Int,
    ];
    Payer => "payers" [
        name: Text, payer_code: Text, kind: Text, line1: Text, line2: Text, city: Text,
        state: Text, postal_code: Text, country: Text, phone: Text,
    ];
    Encounter => "encounters" [
        patient_id: Int, class: Text, status: Text, admit_at: Timestamp, discharge_at: Timestamp,
        attending_id: Int, facility_id: Int, payer_id: Int, discharge_disposition: Text, reason: Text,
        service: Text,
    ];
    EncounterParticipant => "encounter_participants" [
        patient_id: Int, encounter_id: Int, provider_id: Int, role: Text,
    ];
    Diagnosis => "diagnoses" [
        patient_id: Int, encounter_id: Int, code: Text, rank: Text, sequence: Int, poa: Text,
        description: Text, onset_at: Timestamp,
    ];
    Procedure => "procedures" [
        patient_id: Int, encounter_id: Int, code_system: Text, code: Text, modifiers: Json,
        units: Int, performed_at: Timestamp, performer_id: Int, description: Text,
    ];
    Immunization => "immunizations" [
        patient_id: Int, encounter_id: Int, cvx: Text, administered_at: Timestamp, status: Text,
        lot_number: Text, site: Text, route: Text, performer_id: Int, description: Text,
    ];
    Observation => "observations" [
        patient_id: Int, encounter_id: Int, code: Text, description: Text, category: Text,
        value_type: Text, value_number: Real, value_unit: Text, value_code: Text,
        value_display: Text, value_text: Text, effective_at: Timestamp,
    ];
    Medication => "medications" [
        patient_id: Int, encounter_id: Int, code: Text, description: Text, status: Text,
        start_at: Timestamp, end_at: Timestamp, dosage: Text, prescriber_id: Int,
    ];
    Allergy => "allergies" [
        patient_id: Int, code: Text, substance: Text, category: Text, criticality: Text,
        reaction: Text, status: Text, onset_at: Timestamp,
    ];
    Problem => "problems" [
        patient_id: Int, encounter_id: Int, code_system: Text, code: Text, description: Text,
        status: Text, onset_at: Timestamp, resolved_at: Timestamp,
    ];
    ClinicalNote => "notes" [
        patient_id: Int, encounter_id: Int, note_type: Text, author_id: Int,
        authored_at: Timestamp, text: Text, signed_at: Timestamp, signer_id: Int,
    ];
    Charge => "charges" [
        patient_id: Int, encounter_id: Int, procedure_id: Int, code: Text, description: Text,
        service_date: Date, amount_cents: Int, units: Int, payer_id: Int, due_date: Date,
    ];
    ChargeDetail => "charge_details" unique &[&["charge_id"]], [
        patient_id: Int, encounter_id: Int, charge_id: Int, drug: Json, anesthesia: Json,
        transport: Json, equipment: Json,
    ];
    Deficiency => "deficiencies" unique &[&["patient_id", "rule_id", "subject"]], [
        patient_id: Int, encounter_id: Int, rule_id: Text, subject: Text, status: Text,
        severity: Text, responsible: Text, provider_id: Int, assignee: Text, message: Text,
        since: Timestamp, due_at: Timestamp, closed_at: Timestamp, closed_reason: Text,
    ];
    PhysicianQuery => "physician_queries" [
        patient_id: Int, encounter_id: Int, deficiency_id: Int, provider_id: Int, asked_by: Text,
        indicators: Json, question: Text, options: Json, status: Text, answer: Text,
        comment: Text, asked_at: Timestamp, answered_at: Timestamp, answered_by: Text,
    ];
    FollowUpTask => "follow_up_tasks" [
        patient_id: Int, encounter_id: Int, kind: Text, description: Text, obtain_from: Text,
        assignee: Text, status: Text, due_at: Timestamp, contacts: Json, escalated_at: Timestamp,
        opened_by: Text, closed_at: Timestamp, closed_reason: Text,
    ];
    RemittanceAdvice => "remittances" unique &[&["payer_name", "trace"]], [
        payer_name: Text, trace: Text, payment_cents: Int, claim_payments: Int, file_name: Text,
        received_on: Date, status: Text, posted_on: Date, unmatched: Json, unmatched_count: Int,
    ];
    SurveillanceAlert => "surveillance_alerts" unique &[&["syndrome", "place", "day", "method"]], [
        syndrome: Text, place: Text, day: Date, method: Text, observed: Int, expected: Real,
        statistic: Real, threshold: Real, p_value: Real, level: Text, status: Text, note: Text,
        worked_by: Text, worked_at: Timestamp,
    ];
    CaseReport => "case_reports" [
        patient_id: Int, encounter_id: Int, condition: Text, condition_name: Text,
        trigger_code: Text, trigger_system: Text, trigger_source: Text, trigger_record_id: Int,
        found_at: Timestamp, withdrawn_at: Timestamp, status: Text, note: Text, worked_by: Text,
        worked_at: Timestamp,
    ];
    PatientGroup => "patient_groups" [
        name: Text, identifier_system: Text, identifier_value: Text, members: Json,
    ];
    Posting => "postings" [
        patient_id: Int, charge_id: Int, kind: Text, source: Text, payer_id: Int,
        posted_on: Date, amount_cents: Int, reason_code: Text, reference: Text,
    ];
    WriteOffRequest => "write_off_requests" [
        patient_id: Int, charge_id: Int, amount_cents: Int, reason_code: Text,
        justification: Text, status: Text, requested_by: Text, requested_at: Timestamp,
        decided_by: Text, decided_at: Timestamp, decision_reason: Text, posting_id: Int,
    ];
    Claim => "claims" [
        patient_id: Int, encounter_id: Int, payer_id: Int, coverage_order: Text, kind: Text,
        status: Text, frequency: Text, replaces_claim_id: Int, control_number: Text, payer_claim_number: Text,
        service_date: Date, total_cents: Int, paid_cents: Int, patient_responsibility_cents: Int,
        submitted_on: Date, interchange: Int, group_control: Int, transaction_control: Int,
        adjudicated_on: Date, status_reason: Text,
        adjustment_codes: Json, edits: Json, overrides: Json, adjudication: Json,
    ];
    RoiRequest => "roi_requests" [
        patient_id: Int, requester_kind: Text, requester_name: Text, requester_organization: Text,
        requester_address: Text, identity_verified: Text, purpose: Text, legal_basis: Text,
        subpoena_assurances: Text, categories: Json, from_date: Date, to_date: Date,
        minimum_necessary: Text, delivery: Text, authorization_form: Json, status: Text,
        received_on: Date, due_on: Date, extended_to: Date, extension_reason: Text,
        decided_by: Text, decided_at: Timestamp, decision_reason: Text, pages: Int,
        fee_cents: Int, packet_sha256: Text, received_by: Text,
    ];
    Disclosure => "disclosures" [
        patient_id: Int, disclosed_at: Timestamp, recipient: Text, recipient_address: Text,
        description: Text, purpose: Text, legal_basis: Text, accountable: Json, request_id: Int,
        channel: Text, made_by: Text,
    ];
    Consent => "consents" [
        patient_id: Int, kind: Text, categories: Json, recipient: Text, encounter_id: Int,
        effective_from: Date, effective_to: Date, revoked_on: Date, note: Text, recorded_by: Text,
    ];
    DataUseAgreement => "data_use_agreements" [
        recipient: Text, organization: Text, purpose: Text, signed_on: Date, expires_on: Date,
        note: Text, recorded_by: Text,
    ];
    Dictation => "dictations" [
        patient_id: Int, encounter_id: Int, provider_id: Int, note_type: Text, priority: Text,
        status: Text, audio_sha256: Text, audio_format: Text, duration_ms: Int, sample_rate: Int,
        dictated_at: Timestamp, draft_at: Timestamp, draft_problem: Text, words: Json, text: Text,
        text_version: Int, transcriptionist: Text, transcribed_at: Timestamp,
        signed_at: Timestamp, note_id: Int,
    ];
    DictationText => "dictation_texts" unique &[&["dictation_id", "number"]], [
        dictation_id: Int, patient_id: Int, number: Int, kind: Text, text: Text, saved_by: Text,
        saved_at: Timestamp,
    ];
    ScannedDocument => "scanned_documents" [
        patient_id: Int, document_type: Text, service_date: Date, encounter_id: Int, status: Text,
        title: Text, media_type: Text, pages: Int, size_bytes: Int, content_sha256: Text,
        content_sha1: Text, thumbnail_sha256: Text, received_at: Timestamp, received_by: Text,
        indexed_at: Timestamp, indexed_by: Text,
    ];
}
