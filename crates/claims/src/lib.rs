//! Claims and reimbursement: a professional claim built from a finished, coded encounter
//! (billing and rendering providers, the coverage in force on the date of service in payer
//! order, diagnoses with pointers, service lines from the encounter's charges), and the
//! X12 837P (005010X222A1) that carries it to the payer; the 835 (005010X221A1) remittance
//! read back with its adjustments described (CARC, RARC). Claims are stored records
//! (`records::Claim`) with a lifecycle: drafted, scrubbed by a table of edits each naming
//! its source, submitted, adjudicated by the 835, replaced or voided. Remittances are kept as they arrive
//! (`inbox`), posted, and the payments they could not match stay in billing's work queue
//! with the denials and held claims (`billing_work`). Patients' accounts (`accounts`) give
//! the statement (HTML and PDF) and the A/R aging by patient.
//!
//! Invariants:
//! - Building and scrubbing read the store; claim records change only through
//!   `lifecycle` and `scrub`, in the caller's transaction. Building never writes; every reason a claim cannot be built is
//!   reported at once, each naming the record and field at fault.
//! - A claim's total charge (CLM02) is the sum of its lines (SV102), by construction.
//! - No HTTP, no clock: dates and control numbers come from the caller.

mod accounts;
mod acknowledgments;
mod adjustment_codes;
mod audited;
mod build;
mod claim;
mod claim_acknowledgment;
mod coordination;
mod implementation_ack;
mod inbox;
mod institutional;
mod lifecycle;
mod line_details;
mod outbox;
mod posting;
mod professional;
mod receivables;
mod remittance;
mod review;
mod scrub;
mod scrub_services;
mod service_segments;
mod sources;
mod statement;
mod submitter;

pub use accounts::{
    Account, ChargeItem, PatientAging, PatientAgingReport, accounts, patient_aging,
};
pub use acknowledgments::{
    AckReport, Acknowledgment, ClaimChange, apply_acknowledgments, read_acknowledgments,
};
pub use adjustment_codes::{group_description, reason_description, remark_description};
pub use audited::{CLAIM_CATEGORIES, audit_claim_change, audit_withheld};
pub use build::{BuildProblem, Built, build_professional, build_professionals};
pub use claim::{
    BillingProvider, ClaimFiling, Demographics, LineDetails, LineDrug, LineEquipment, OtherPayer,
    PatientParty, PayerParty, ProfessionalClaim, RenderingProvider, ServiceLine, Subscriber,
};
pub use claim_acknowledgment::{payer_claim_number, write_277ca};
pub use coordination::{NextPayer, balance_problems as coordination_problems};
pub use implementation_ack::{AckNumbers, write_999};
pub use inbox::{
    BillingWork, billing_work, post_received, receive_remittance, received_remittance,
};
pub use institutional::{InstitutionalClaim, build_institutional, write_837i};
pub use lifecycle::{
    SentFile, Submission, claims_of_encounter, draft_claim, draft_claims, draft_replacement,
    institutional_claim, live_claim, override_edit, parse_control_number, professional_claim,
    submit_claims,
};
pub use outbox::{Sent, WrittenFile, send_to_dir};
pub use posting::{PostError, PostReport, Unmatched, post_remittance};
pub use professional::{MAX_CLAIMS_PER_TRANSACTION, Numbers, write_837p};
pub use receivables::{
    AGING_BUCKETS, Aging, DenialGroup, PayerAging, aging, bucket, denial_reason, denials,
};
pub use remittance::{
    Adjustment, ClaimPayment, ProviderAdjustment, Remittance, ServicePayment, read_835,
    read_remittances,
};
pub use review::{ClaimReview, FileReview, review_837, review_837_coded, review_csv};
pub use scrub::{
    RULES, Rule, ScrubSettings, Scrubber, claim_edits, scrub_claim, scrub_claims, work_queue,
};
pub use statement::{Statement, StatementFrom, statement};
pub use submitter::Submitter;
