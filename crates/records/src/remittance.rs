//! A remittance advice (an 835 transaction set) as billing receives it: kept from the day
//! it arrives, posted later or at once, with the claim payments that matched no claim kept
//! for the work queue until a later posting matches them.
//!
//! Invariants:
//! - One record per payer and trace number (TRN02): receiving the same 835 again changes
//!   nothing, posting it again only retries the payments that did not match.
//! - A posted remittance has its posting day; `unmatched_count` is the length of
//!   `unmatched`, kept as a column so the work queue is an indexed read on both engines.

use crate::RecordKind;
use crate::dates::iso_date;
use crate::validation::{Validate, Validator};
use serde::{Deserialize, Serialize};
use time::Date;

/// Where a received remittance stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemittanceStatus {
    /// Received, not posted yet.
    Received,
    /// Posted (some payments may still be unmatched).
    Posted,
}

impl RemittanceStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Posted => "posted",
        }
    }
}

/// A claim payment of the remittance that matched no claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmatchedPayment {
    /// CLP01: the claim the payer names.
    pub claim_id: String,
    /// Segment number of its CLP in the file.
    pub segment: i64,
    /// CLP04: what the payer paid on it, in cents.
    pub paid_cents: i64,
    /// Why it matches nothing.
    pub reason: String,
}

/// A remittance advice received from a payer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemittanceAdvice {
    /// N102 of loop 1000A: the payer.
    pub payer_name: String,
    /// TRN02: the check or EFT trace number.
    pub trace: String,
    /// BPR02: the total payment, in cents.
    pub payment_cents: i64,
    /// How many claim payments (CLP) it holds.
    pub claim_payments: i64,
    /// The file it came in.
    pub file_name: String,
    /// When it was received.
    #[serde(with = "iso_date")]
    pub received_on: Date,
    /// Where it stands.
    pub status: RemittanceStatus,
    /// When it was (last) posted.
    #[serde(with = "iso_date::option")]
    pub posted_on: Option<Date>,
    /// The claim payments the last posting could not match.
    pub unmatched: Vec<UnmatchedPayment>,
    /// `unmatched.len()`.
    pub unmatched_count: i64,
}

impl RecordKind for RemittanceAdvice {
    const KIND: &'static str = "remittance";
}

impl Validate for RemittanceAdvice {
    fn check(&self, v: &mut Validator) {
        v.required("payer_name", &self.payer_name);
        v.max_len("payer_name", &self.payer_name, 200);
        v.required("trace", &self.trace);
        v.max_len("trace", &self.trace, 50);
        v.required("file_name", &self.file_name);
        v.max_len("file_name", &self.file_name, 500);
        if self.claim_payments < 0 {
            v.error("claim_payments", "cannot be negative");
        }
        if usize::try_from(self.unmatched_count).ok() != Some(self.unmatched.len()) {
            v.error("unmatched_count", "must count the unmatched payments");
        }
        if self.status == RemittanceStatus::Posted && self.posted_on.is_none() {
            v.error("posted_on", "a posted remittance has its posting day");
        }
        for (idx, payment) in self.unmatched.iter().enumerate() {
            v.required(&format!("unmatched[{idx}].claim_id"), &payment.claim_id);
            v.required(&format!("unmatched[{idx}].reason"), &payment.reason);
        }
    }
}
