//! Claims and reimbursement: a professional claim built from a finished, coded encounter
//! (billing and rendering providers, the coverage in force on the date of service in payer
//! order, diagnoses with pointers, service lines from the encounter's charges), and the
//! X12 837P (005010X222A1) that carries it to the payer; the 835 (005010X221A1) remittance
//! read back with its adjustments described (CARC, RARC).
//!
//! Invariants:
//! - Building reads the store and never writes it; every reason a claim cannot be built is
//!   reported at once, each naming the record and field at fault.
//! - A claim's total charge (CLM02) is the sum of its lines (SV102), by construction.
//! - No HTTP, no clock: dates and control numbers come from the caller.

mod adjustment_codes;
mod build;
mod claim;
mod posting;
mod professional;
mod remittance;
mod review;
mod submitter;

pub use adjustment_codes::{group_description, reason_description, remark_description};
pub use build::{BuildProblem, build_professional};
pub use claim::{
    BillingProvider, ClaimFiling, Demographics, PatientParty, PayerParty, ProfessionalClaim,
    RenderingProvider, ServiceLine, Subscriber,
};
pub use posting::{PostError, PostReport, Unmatched, post_remittance};
pub use professional::{MAX_CLAIMS_PER_TRANSACTION, Numbers, write_837p};
pub use remittance::{
    Adjustment, ClaimPayment, ProviderAdjustment, Remittance, ServicePayment, read_835,
    read_remittances,
};
pub use review::{ClaimReview, FileReview, review_837, review_csv};
pub use submitter::Submitter;
