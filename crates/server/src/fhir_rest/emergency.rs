//! Emergency (break-the-glass) access over FHIR: a user whose roles do not let them read a
//! kind of record, but who holds a live emergency grant on a patient, reads that patient's
//! records of the categories the facility's emergency set opens, by read, vread, history
//! and search, audited as emergency access; anything else is refused, and the refusal is
//! audited (denied, channel `fhir`, with the patient aimed at).
//!
//! Invariants:
//! - The role check comes first: a user whose roles allow the read never depends on a grant.
//! - Every record shown under a grant is on the chart of a patient the grant opens (a
//!   search page holding one other record is refused whole, never filtered silently).

use super::kinds::{Kind, type_of};
use super::outcome::FhirError;
use super::resource::Found;
use crate::auth::Principal;
use crate::state::AppState;
use privacy::{Access, Action, Decision, Outcome, Permission, decide};
use records::PatientId;
use std::collections::HashMap;
use store::Audited;

/// Why the records could be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Basis {
    /// The user's roles allow every one.
    Role,
    /// At least one was shown under an emergency grant.
    Emergency,
}

/// The reason written on an entry of records shown under an emergency grant.
pub(crate) const EMERGENCY_REASON: &str = "emergency access (break the glass)";

/// `event` with the emergency reason when the records were shown under a grant.
pub(crate) fn noted(event: privacy::AuditEvent, basis: Basis) -> privacy::AuditEvent {
    match basis {
        Basis::Role => event,
        Basis::Emergency => event.reason(EMERGENCY_REASON),
    }
}

/// Refuses up front a read the user's roles do not cover when they cannot break the glass
/// either (a user who can goes on, and `may_see` decides per record).
pub(crate) fn check_read(principal: &Principal, kind: Kind) -> Result<(), FhirError> {
    if principal.allows(Permission::BreakGlass) {
        return Ok(());
    }
    super::interactions::check_read(principal, kind)
}

/// Whether `principal` may see every record of `found`: by role, or under a live grant on
/// its patient whose category the emergency set opens. A refusal (the inner `Err`) names
/// the first record no role or grant covers and is already audited as a denied read of its
/// patient in this transaction, which the caller commits without showing anything.
pub(crate) fn may_see(
    audited: &mut Audited<'_>,
    state: &AppState,
    principal: &Principal,
    found: &[&Found],
) -> Result<Result<Basis, FhirError>, FhirError> {
    let now = audited.now();
    let mut basis = Basis::Role;
    let mut grants = HashMap::new();
    for record in found {
        let needed = record.kind.read_permission();
        if principal.allows(needed) {
            continue;
        }
        let allowed = match (record.patient, record.kind.category()) {
            (Some(patient), Some(category)) => {
                let live = match grants.entry(patient) {
                    std::collections::hash_map::Entry::Occupied(known) => known.into_mut(),
                    std::collections::hash_map::Entry::Vacant(slot) => slot.insert(
                        audited
                            .security()
                            .live_grants(&principal.username, PatientId(patient))?,
                    ),
                };
                let decision = state.config.emergency_set.narrow(
                    decide(
                        &principal.username,
                        &principal.roles,
                        Access::Read,
                        category,
                        PatientId(patient),
                        live,
                        now,
                    ),
                    category,
                );
                matches!(decision, Decision::Allowed(_))
            }
            _ => false,
        };
        if allowed {
            basis = Basis::Emergency;
            continue;
        }
        let message = format!(
            "reading {} needs the permission {needed}, and no live emergency grant of yours opens it{}",
            record.reference(),
            record
                .patient
                .map(|p| format!(" (patient {p}: break the glass on that chart first)"))
                .unwrap_or_default()
        );
        let mut event = super::trail::event(principal, now, Action::Read)
            .outcome(Outcome::Denied)
            .record(type_of(record.kind).name, record.id)
            .reason(&message);
        if let Some(patient) = record.patient {
            event = event.patient(PatientId(patient));
        }
        audited.append(&event)?;
        return Ok(Err(FhirError::forbidden(message)));
    }
    Ok(Ok(basis))
}
