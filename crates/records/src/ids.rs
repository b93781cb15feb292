//! Stable record identifiers, one newtype per record kind so ids cannot be mixed up.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! record_ids {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<i64> for $name {
            fn from(id: i64) -> Self {
                Self(id)
            }
        }
    )*};
}

record_ids! {
    /// A patient's stable id (not the MRN, which can be corrected).
    PatientId,
    /// A coverage (insurance policy) on a patient.
    CoverageId,
    /// A provider (clinician).
    ProviderId,
    /// An organization or facility.
    OrganizationId,
    /// A payer (insurer or program).
    PayerId,
    /// An encounter (visit or stay).
    EncounterId,
    /// A provider's part in an encounter beyond the attending.
    ParticipantId,
    /// A coded diagnosis on an encounter.
    DiagnosisId,
    /// A coded procedure.
    ProcedureId,
    /// An immunization event.
    ImmunizationId,
    /// An observation (vital sign, lab result, survey answer).
    ObservationId,
    /// A medication statement.
    MedicationId,
    /// An allergy or intolerance.
    AllergyId,
    /// A problem-list entry.
    ProblemId,
    /// A clinical note.
    NoteId,
    /// A charge on an account.
    ChargeId,
    /// A payment or adjustment on an account.
    PostingId,
    /// A claim to a payer.
    ClaimId,
}
