//! Claim changes with their audit entries, in the caller's audited transaction, so the
//! command line and the server write the same entries: each claim drafted, scrubbed,
//! overridden, submitted or replaced is a create or update of the claim with its old and
//! new values (billing data of that patient).

use privacy::{Action, AuditEvent, DataCategory};
use records::{Claim, RecordKind};
use store::{Audited, Stored};

/// What a claim carries: who, the insurance billed, the encounter and its codes, charges.
pub const CLAIM_CATEGORIES: &[DataCategory] = &[
    DataCategory::Demographics,
    DataCategory::Insurance,
    DataCategory::Encounters,
    DataCategory::Diagnoses,
    DataCategory::Procedures,
    DataCategory::Billing,
];

/// Appends the entry for a change of claim `after` (`before` as read, `None` when it was
/// created) by `who` (the event naming user, channel and time; action, patient and record
/// are set here); nothing is appended when the claim did not change.
pub fn audit_claim_change(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    before: Option<&Stored<Claim>>,
    after: &Stored<Claim>,
) -> store::Result<()> {
    if before.is_some_and(|b| b.meta.version == after.meta.version) {
        return Ok(());
    }
    let mut event = who.clone();
    event.action = if before.is_some() {
        Action::Update
    } else {
        Action::Create
    };
    let event = event
        .patient(after.record.patient_id)
        .record(Claim::KIND, after.meta.id)
        .categories(CLAIM_CATEGORIES)
        .reason(&format!("claim {}", after.record.status.as_str()))
        .changes(
            before.and_then(|b| serde_json::to_string(&b.record).ok()),
            serde_json::to_string(&after.record).ok(),
        );
    audited.append(&event)?;
    Ok(())
}

/// Appends the entry for a visit kept off a claim by an agreed restriction (`problem`, the
/// builder's `restriction` problem naming the consent): a read of the visit's billing data
/// that stopped there, so the patient's audit report shows the restriction was honoured.
pub fn audit_withheld(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    encounter: records::EncounterId,
    problem: &crate::BuildProblem,
) -> store::Result<()> {
    let visit: Stored<records::Encounter> = audited.records().get(encounter.0)?;
    let mut event = who.clone();
    event.action = Action::Read;
    let event = event
        .patient(visit.record.patient_id)
        .record(records::Encounter::KIND, encounter.0)
        .categories(&[DataCategory::Encounters, DataCategory::Billing])
        .reason(&format!(
            "claims: encounter {} withheld from the health plan ({}: {})",
            encounter.0, problem.source, problem.message
        ));
    audited.append(&event)?;
    Ok(())
}
