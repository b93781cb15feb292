//! Release of information, the way HIPAA asks for it: requests for copies of a chart are
//! records, validated before anything leaves (every defect named with the rule it
//! breaks), released as a watermarked PDF packet with a cover sheet, fee and due dates,
//! and entered in the patient's accounting of disclosures; consents and agreed
//! restrictions are honoured at release time. No HTTP here: the CLI and the server call
//! in; the store is reached only through `store`.
//!
//! - `sensitive`: which codes and services make an item specially protected (Part 2,
//!   HIV, genetic, reproductive, psychotherapy notes).
//! - `scope`: a chart as packet items; what a request reaches and what is withheld.
//! - `validate`: the checks of 45 CFR 164.508, 164.512, 164.514(h), 164.502(b) and
//!   42 CFR 2.31, each defect with its field and rule. Pure.
//! - `fees`: the facility's fee schedule.
//! - `packet`: the packet laid out on `textpdf` pages.
//! - `desk`: intake, review, release, denial, extension, queue, consents, the accounting
//!   of disclosures; each with its audit entries in the caller's transaction.
//! - `deid`: research extracts, de-identified by Safe Harbor or a limited data set under a
//!   data use agreement, with a k-anonymity check over the chosen quasi-identifiers.
//!
//! Invariants:
//! - Nothing is released while a defect remains, and a release always enters a
//!   disclosure in the same transaction.
//! - Protected items and items under a restriction are withheld unless the request asks
//!   for them with the consent they need; every withholding is counted on the cover sheet
//!   and in the audit entry.
//! - No clock is read here: the day is the audited transaction's.

mod deid;
mod desk;
mod fees;
mod packet;
mod scope;
mod sensitive;
mod validate;

pub use deid::{
    DuaSummary, Extract, ExtractOptions, Format, MAX_SHIFT, Method, Report, SmallClass, Table,
    TableReport, add_dua, duas, research_extract, restricted_zip3, safe_harbor_zip3,
};
pub use desk::{
    ACCOUNTING_YEARS, Accounting, DAYS_TO_ACT, QueueRow, Released, Review, accounting, add_consent,
    audit_categories, check, consents_of, correct, deny, enter_disclosure, extend, intake, queue,
    release, review, revoke_consent,
};
pub use fees::FeeSchedule;
pub use packet::{Cover, Packet, render};
pub use scope::{Item, Scope, Withholding, items_of, scope};
pub use sensitive::{class_of_diagnosis, class_of_observation, class_of_service};
pub use validate::{Defect, validate};

use records::RoiStatus;

/// What can go wrong at the desk.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] store::Error),
    /// The request may not be released yet.
    #[error("{number} cannot be released: {}", defects.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Defective {
        /// The request number.
        number: String,
        /// Every defect.
        defects: Vec<Defect>,
    },
    /// The request is closed.
    #[error("{number} is {} already", status.as_str())]
    Closed {
        /// The request number.
        number: String,
        /// Its status.
        status: RoiStatus,
    },
    /// A step the rules do not allow.
    #[error("{0}")]
    Refused(String),
}

/// Results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Inside a store transaction a desk error rolls the transaction back like any other;
/// its message is kept (`store::Error::Conflict`), so the person at the desk still reads
/// every defect.
impl From<Error> for store::Error {
    fn from(error: Error) -> Self {
        match error {
            Error::Store(error) => error,
            other => store::Error::Conflict(other.to_string()),
        }
    }
}
