//! Validation reports every problem at once, each with its path.

use records::*;
use time::macros::{date, datetime};

fn paths(errors: ValidationErrors) -> Vec<String> {
    errors.iter().map(|e| e.to_string()).collect()
}

#[test]
fn coverage_reports_every_problem() {
    let coverage = Coverage {
        patient_id: PatientId(1),
        payer_id: PayerId(1),
        plan_name: Some("  ".into()),
        member_id: String::new(),
        group_number: None,
        subscriber_name: None,
        relationship: Relationship::Spouse,
        coverage_order: CoverageOrder::Secondary,
        effective_start: date!(2025 - 01 - 01),
        effective_end: Some(date!(2024 - 12 - 31)),
    };
    assert_eq!(
        paths(coverage.validate().unwrap_err()),
        [
            "member_id: is required",
            "plan_name: is blank; leave it out instead",
            "subscriber_name: is required when the patient is not the subscriber",
            "effective_end: 2024-12-31 is before effective_start 2025-01-01",
        ]
    );
    assert!(
        !coverage.in_force_on(date!(2025 - 01 - 01)),
        "the range is inverted"
    );
}

#[test]
fn encounter_and_note_rules() {
    let encounter = Encounter {
        patient_id: PatientId(1),
        class: EncounterClass::Inpatient,
        status: EncounterStatus::Finished,
        admit_at: datetime!(2026-01-02 10:00 UTC),
        discharge_at: None,
        attending_id: None,
        facility_id: None,
        payer_id: None,
        discharge_disposition: Some("99".into()),
        reason: None,
        service: None,
    };
    assert_eq!(
        paths(encounter.validate().unwrap_err()),
        [
            "discharge_at: is required for a finished inpatient stay",
            "discharge_disposition: \"99\" is not a UB-04 patient discharge status code",
        ]
    );
    let note = ClinicalNote {
        patient_id: PatientId(1),
        encounter_id: None,
        note_type: NoteType::DischargeSummary,
        author_id: None,
        authored_at: datetime!(2026-01-05 10:00 UTC),
        text: "Synthetic summary.".into(),
        signed_at: Some(datetime!(2026-01-04 10:00 UTC)),
        signer_id: None,
    };
    assert_eq!(
        paths(note.validate().unwrap_err()),
        [
            "signer_id: is required when the note is signed",
            "signed_at: 2026-01-04 10:00:00.0 +00:00:00 is before authored_at 2026-01-05 10:00:00.0 +00:00:00",
        ]
    );
}

#[test]
fn procedure_codes_are_shaped_by_their_system() {
    let procedure = |code_system, code: &str, modifiers: &[&str]| Procedure {
        patient_id: PatientId(1),
        encounter_id: None,
        code_system,
        code: code.into(),
        modifiers: modifiers.iter().map(|m| (*m).to_owned()).collect(),
        units: 1,
        performed_at: datetime!(2026-01-02 10:00 UTC),
        performer_id: None,
        description: None,
    };
    assert!(
        procedure(ProcedureCodeSystem::Icd10Pcs, "0DTJ4ZZ", &[])
            .validate()
            .is_ok()
    );
    assert!(
        procedure(ProcedureCodeSystem::Icd10Pcs, "0DTJ4ZO", &[])
            .validate()
            .is_err(),
        "PCS has no letter O"
    );
    assert!(
        procedure(ProcedureCodeSystem::Hcpcs, "G0008", &["25"])
            .validate()
            .is_ok()
    );
    assert_eq!(
        paths(
            procedure(
                ProcedureCodeSystem::Cpt,
                "9921",
                &["2", "25", "59", "76", "91"]
            )
            .validate()
            .unwrap_err()
        ),
        [
            "code: \"9921\" is not shaped like a cpt code",
            "modifiers: has 5; at most 4 fit on a claim line",
            "modifiers[0]: \"2\" is not a two-character modifier",
        ]
    );
}

#[test]
fn postings_and_ages() {
    let posting = Posting {
        patient_id: PatientId(1),
        charge_id: None,
        kind: PostingKind::Adjustment,
        source: PostingSource::Payer,
        payer_id: None,
        posted_on: date!(2026 - 01 - 01),
        amount_cents: 0,
        reason_code: Some("XX-45".into()),
        reference: None,
    };
    assert_eq!(
        paths(posting.validate().unwrap_err()),
        [
            "amount_cents: is 0; must be more than 0",
            "payer_id: is required when the source is a payer",
            "reason_code: \"XX-45\" is not a group and reason code like CO-45",
        ]
    );
    let refund = Posting {
        kind: PostingKind::Refund,
        amount_cents: 500,
        ..posting
    };
    assert_eq!(refund.balance_effect_cents(), 500);
}
