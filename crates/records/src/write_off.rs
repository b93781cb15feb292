//! Write-offs with approval: billing asks for an amount to be written off with its reason,
//! and it moves the balance only once someone else who may approve write-offs approves
//! it (separation of duties: nobody writes off a balance alone). A refusal carries its
//! reason. The approved request names the adjustment posting it became.

use crate::RecordKind;
use crate::dates::rfc3339;
use crate::financial::{Posting, PostingKind, PostingSource};
use crate::ids::{ChargeId, PatientId, PostingId};
use crate::validation::{Validate, ValidationErrors, Validator};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// Where a write-off request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteOffStatus {
    /// Waiting for an approver.
    Pending,
    /// Approved: the adjustment is posted.
    Approved,
    /// Refused, with the reason.
    Refused,
}

/// A request to write off part of a patient's balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteOffRequest {
    /// Whose account.
    pub patient_id: PatientId,
    /// The charge written off; `None` for the account as a whole.
    pub charge_id: Option<ChargeId>,
    /// Amount in cents, more than zero.
    pub amount_cents: i64,
    /// Claim adjustment group and reason code the adjustment will carry (`CO-45`).
    pub reason_code: String,
    /// Why, in words (small-balance policy, hardship, bad debt after collection).
    pub justification: String,
    /// Status.
    pub status: WriteOffStatus,
    /// Who asked (username).
    pub requested_by: String,
    /// When.
    #[serde(with = "rfc3339")]
    pub requested_at: OffsetDateTime,
    /// Who approved or refused (username).
    pub decided_by: Option<String>,
    /// When.
    #[serde(with = "rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
    /// Why it was refused.
    pub decision_reason: Option<String>,
    /// The adjustment posted on approval.
    pub posting_id: Option<PostingId>,
}

impl RecordKind for WriteOffRequest {
    const KIND: &'static str = "write_off_request";
}

impl Validate for WriteOffRequest {
    fn check(&self, v: &mut Validator) {
        if self.amount_cents <= 0 {
            v.error(
                "amount_cents",
                format!("is {}; must be more than 0", self.amount_cents),
            );
        }
        // The code is checked as the posting it becomes checks it.
        let mut posting = Validator::default();
        self.posting(Date::MIN).check(&mut posting);
        if let Err(errors) = posting.finish() {
            for error in errors.0.into_iter().filter(|e| e.path == "reason_code") {
                v.error("reason_code", error.message);
            }
        }
        v.required("justification", &self.justification);
        v.max_len("justification", &self.justification, 500);
        if self.status == WriteOffStatus::Refused
            && self
                .decision_reason
                .as_deref()
                .is_none_or(|r| r.trim().is_empty())
        {
            v.error("decision_reason", "is required to refuse a write-off");
        }
        v.optional_text("decision_reason", self.decision_reason.as_deref(), 500);
    }
}

impl WriteOffRequest {
    /// A pending request by `requested_by` at `at`.
    pub fn request(
        patient_id: PatientId,
        charge_id: Option<ChargeId>,
        amount_cents: i64,
        reason_code: &str,
        justification: &str,
        requested_by: &str,
        at: OffsetDateTime,
    ) -> Result<Self, ValidationErrors> {
        let request = Self {
            patient_id,
            charge_id,
            amount_cents,
            reason_code: reason_code.trim().to_ascii_uppercase(),
            justification: justification.trim().to_owned(),
            status: WriteOffStatus::Pending,
            requested_by: requested_by.to_owned(),
            requested_at: at,
            decided_by: None,
            decided_at: None,
            decision_reason: None,
            posting_id: None,
        };
        request.validate()?;
        Ok(request)
    }

    /// The adjustment an approval posts on `posted_on`.
    pub fn posting(&self, posted_on: Date) -> Posting {
        Posting {
            patient_id: self.patient_id,
            charge_id: self.charge_id,
            kind: PostingKind::Adjustment,
            source: PostingSource::Patient,
            payer_id: None,
            posted_on,
            amount_cents: self.amount_cents,
            reason_code: Some(self.reason_code.clone()),
            reference: Some("write-off".to_owned()),
        }
    }

    fn decided(&self, by: &str, at: OffsetDateTime) -> Validator {
        let mut v = Validator::default();
        if self.status != WriteOffStatus::Pending {
            v.error("status", "this write-off has been decided already");
        }
        if by == self.requested_by {
            v.error(
                "decided_by",
                "the person who asked for a write-off cannot decide it; another approver must",
            );
        }
        if at < self.requested_at {
            v.error("decided_at", "is before the request");
        }
        v
    }

    /// The request approved by `by` at `at`, naming the adjustment `posting_id` it became,
    /// or why it cannot be (decided already, or `by` asked for it).
    pub fn approved(
        &self,
        by: &str,
        at: OffsetDateTime,
        posting_id: PostingId,
    ) -> Result<Self, ValidationErrors> {
        self.decided(by, at).finish()?;
        Ok(Self {
            status: WriteOffStatus::Approved,
            decided_by: Some(by.to_owned()),
            decided_at: Some(at),
            posting_id: Some(posting_id),
            ..self.clone()
        })
    }

    /// Whether `by` may approve this request now (the check `approved` makes, without
    /// the posting), so the approval writes nothing when it would be refused.
    pub fn may_approve(&self, by: &str, at: OffsetDateTime) -> Result<(), ValidationErrors> {
        self.decided(by, at).finish()
    }

    /// The request refused by `by` at `at` for `reason`, or why it cannot be.
    pub fn refused(
        &self,
        by: &str,
        at: OffsetDateTime,
        reason: &str,
    ) -> Result<Self, ValidationErrors> {
        let mut v = self.decided(by, at);
        let refused = Self {
            status: WriteOffStatus::Refused,
            decided_by: Some(by.to_owned()),
            decided_at: Some(at),
            decision_reason: Some(reason.trim().to_owned()).filter(|r| !r.is_empty()),
            ..self.clone()
        };
        refused.check(&mut v);
        v.finish()?;
        Ok(refused)
    }
}
