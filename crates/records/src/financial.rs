//! Charges, payments and adjustments: the items an account balance is made of.
//!
//! Amounts are whole cents (`i64`), never floating point. A charge's balance is its amount
//! less every posting applied to it; an account's balance is the sum over its charges plus
//! postings not applied to any charge.

use crate::RecordKind;
use crate::dates::iso_date;
use crate::ids::{ChargeId, EncounterId, PatientId, PayerId, ProcedureId};
use crate::validation::{Validate, Validator};
use serde::{Deserialize, Serialize};
use time::Date;

/// A charge for a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charge {
    /// Whose account.
    pub patient_id: PatientId,
    /// The encounter it belongs to.
    pub encounter_id: Option<EncounterId>,
    /// The procedure it bills, when there is one.
    pub procedure_id: Option<ProcedureId>,
    /// Billing code (CPT, HCPCS or revenue code).
    pub code: Option<String>,
    /// Service in words.
    pub description: String,
    /// Date of service.
    #[serde(with = "iso_date")]
    pub service_date: Date,
    /// Amount charged, in cents.
    pub amount_cents: i64,
    /// Units.
    pub units: i32,
    /// The payer billed first.
    pub payer_id: Option<PayerId>,
    /// When payment is due (statement or claim due date), the start of aging.
    #[serde(with = "iso_date::option")]
    pub due_date: Option<Date>,
}

impl RecordKind for Charge {
    const KIND: &'static str = "charge";
}

impl Validate for Charge {
    fn check(&self, v: &mut Validator) {
        v.required("description", &self.description);
        v.max_len("description", &self.description, 250);
        v.non_negative("amount_cents", self.amount_cents);
        if self.units < 1 {
            v.error("units", format!("is {}; must be 1 or more", self.units));
        }
        v.ordered(
            "due_date",
            Some(self.service_date),
            self.due_date,
            "service_date",
        );
    }
}

/// Payment or adjustment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostingKind {
    /// Money received.
    Payment,
    /// Contractual or other adjustment (write-off), with a CARC reason code.
    Adjustment,
    /// Money returned; increases the balance.
    Refund,
}

/// Who a posting came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostingSource {
    /// An insurer.
    Payer,
    /// The patient or guarantor.
    Patient,
}

/// A payment or adjustment on an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posting {
    /// Whose account.
    pub patient_id: PatientId,
    /// The charge it applies to; `None` for money on account.
    pub charge_id: Option<ChargeId>,
    /// Payment, adjustment or refund.
    pub kind: PostingKind,
    /// Payer or patient.
    pub source: PostingSource,
    /// The payer, when the source is a payer.
    pub payer_id: Option<PayerId>,
    /// Date posted.
    #[serde(with = "iso_date")]
    pub posted_on: Date,
    /// Amount in cents; always positive, the kind says which way it moves the balance.
    pub amount_cents: i64,
    /// Claim adjustment group and reason code (`CO-45`, `PR-1`).
    pub reason_code: Option<String>,
    /// Check, EFT trace or receipt number.
    pub reference: Option<String>,
}

impl RecordKind for Posting {
    const KIND: &'static str = "posting";
}

impl Posting {
    /// How much this posting lowers the balance it applies to (refunds raise it).
    pub fn balance_effect_cents(&self) -> i64 {
        match self.kind {
            PostingKind::Payment | PostingKind::Adjustment => -self.amount_cents,
            PostingKind::Refund => self.amount_cents,
        }
    }
}

impl Validate for Posting {
    fn check(&self, v: &mut Validator) {
        if self.amount_cents <= 0 {
            v.error(
                "amount_cents",
                format!("is {}; must be more than 0", self.amount_cents),
            );
        }
        if self.source == PostingSource::Payer && self.payer_id.is_none() {
            v.error("payer_id", "is required when the source is a payer");
        }
        if let Some(code) = self.reason_code.as_deref() {
            // X12 CAS: group code (CO, PR, OA, PI, CR) and a reason code of up to 5 characters.
            let well_formed = code.split_once('-').is_some_and(|(group, reason)| {
                matches!(group, "CO" | "PR" | "OA" | "PI" | "CR")
                    && !reason.is_empty()
                    && reason.len() <= 5
                    && reason.bytes().all(|b| b.is_ascii_alphanumeric())
            });
            if !well_formed {
                v.error(
                    "reason_code",
                    format!("\"{code}\" is not a group and reason code like CO-45"),
                );
            }
        }
        if self.kind == PostingKind::Adjustment && self.reason_code.is_none() {
            // An adjustment without its reason cannot be explained to the patient or
            // reconciled with the payer's remittance (X12 835 CAS).
            v.error(
                "reason_code",
                "is required for an adjustment (a group and reason code like CO-45)",
            );
        }
        v.optional_text("reference", self.reference.as_deref(), 50);
    }
}
