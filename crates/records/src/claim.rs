//! A claim as a stored record: what was billed to which payer for which encounter, where it
//! stands in its lifecycle, what the scrubber found and who overrode what.
//!
//! Lifecycle (every step is a new version, so the claim's history is its audit):
//! draft → scrubbed → submitted → accepted | rejected → paid | denied | partially paid, and
//! corrected or voided once a replacement (frequency 7) or void (frequency 8) that names it
//! has gone out. A rejected claim (999/277CA) never reached adjudication: it is scrubbed and
//! sent again as it is.
//!
//! Invariants:
//! - `check_change` refuses a step the lifecycle does not have (a paid claim is not
//!   scrubbed again; a draft is not paid), on every channel.
//! - A claim is `scrubbed` only when every blocking edit is overridden, each override with
//!   a reason and who gave it.
//! - A replacement or void names the claim it replaces and the payer's claim number
//!   (837 loop 2300 REF*F8 is required for frequency 7 and 8).

use crate::RecordKind;
use crate::dates::{iso_date, rfc3339};
use crate::ids::{ClaimId, EncounterId, PatientId, PayerId};
use crate::patient::CoverageOrder;
use crate::validation::{Validate, ValidationErrors, Validator};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// Where a claim stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimStatus {
    /// Built, not yet scrubbed clean (open edits, or not scrubbed at all).
    Draft,
    /// Scrubbed: no edit left open; ready to submit.
    Scrubbed,
    /// In an 837 sent to the payer or clearinghouse.
    Submitted,
    /// Acknowledged as accepted (999 IK5 A, 277CA A1/A2).
    Accepted,
    /// Acknowledged as rejected (999 IK5 R, 277CA A3...): never adjudicated.
    Rejected,
    /// Paid in full (less contractual adjustments and patient responsibility).
    Paid,
    /// Denied: nothing paid and nothing left to the patient.
    Denied,
    /// Paid, with lines or amounts denied.
    PartiallyPaid,
    /// Replaced by a corrected claim (frequency 7).
    Corrected,
    /// Voided by a void claim (frequency 8).
    Voided,
}

impl ClaimStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [ClaimStatus; 10] = [
        Self::Draft,
        Self::Scrubbed,
        Self::Submitted,
        Self::Accepted,
        Self::Rejected,
        Self::Paid,
        Self::Denied,
        Self::PartiallyPaid,
        Self::Corrected,
        Self::Voided,
    ];

    /// The stored name (`partially_paid`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Scrubbed => "scrubbed",
            Self::Submitted => "submitted",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
            Self::Paid => "paid",
            Self::Denied => "denied",
            Self::PartiallyPaid => "partially_paid",
            Self::Corrected => "corrected",
            Self::Voided => "voided",
        }
    }

    /// The status named `text`, as stored.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Not yet sent: the scrubber may still change it.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Draft | Self::Scrubbed)
    }

    /// With the payer (sent, and not replaced or voided).
    pub fn is_at_payer(self) -> bool {
        matches!(
            self,
            Self::Submitted | Self::Accepted | Self::Paid | Self::Denied | Self::PartiallyPaid
        )
    }

    /// The statuses a claim may move to from this one.
    fn may_become(self, next: Self) -> bool {
        use ClaimStatus::*;
        self == next
            || matches!(
                (self, next),
                (Draft | Rejected, Draft | Scrubbed)
                    | (Scrubbed, Draft | Submitted)
                    | (Submitted, Accepted | Rejected | Paid | Denied | PartiallyPaid)
                    | (Accepted, Rejected | Paid | Denied | PartiallyPaid)
                    // A later 835 (a reversal and re-adjudication, an appeal) changes the outcome.
                    | (Paid | Denied | PartiallyPaid, Accepted | Paid | Denied | PartiallyPaid)
                    | (
                        Submitted | Accepted | Paid | Denied | PartiallyPaid,
                        Corrected | Voided
                    )
            )
    }
}

/// Which claim: the professional services (837P, CMS-1500) or the facility's (837I, UB-04).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimKind {
    /// 837P (005010X222A1): CPT/HCPCS services of the clinicians.
    Professional,
    /// 837I (005010X223A2): the facility's revenue-code lines, type of bill, POA, ICD-10-PCS.
    Institutional,
}

impl ClaimKind {
    /// `837P` or `837I`.
    pub fn transaction(self) -> &'static str {
        match self {
            Self::Professional => "837P",
            Self::Institutional => "837I",
        }
    }
}

/// CLM05-3: the claim frequency type code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimFrequency {
    /// `1`: an original claim.
    Original,
    /// `7`: replaces an earlier claim.
    Replacement,
    /// `8`: voids an earlier claim.
    Void,
}

impl ClaimFrequency {
    /// The CLM05-3 code.
    pub fn code(self) -> char {
        match self {
            Self::Original => '1',
            Self::Replacement => '7',
            Self::Void => '8',
        }
    }
}

/// One thing the scrubber found, naming its rule, the rule's source and the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimEdit {
    /// The rule's id (`npi-check-digit`, `excludes1-pair`).
    pub rule: String,
    /// Where the rule comes from (837P TR3 loop, ICD-10-CM guideline, payer contract).
    pub source: String,
    /// The field at fault (`2010AA NM109`, `line 2 SV101-2`).
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// Whether it stops the claim until fixed or overridden (warnings do not).
    pub blocking: bool,
}

impl ClaimEdit {
    /// The key an override names: rule and field.
    pub fn key(&self) -> String {
        format!("{} @ {}", self.rule, self.field)
    }
}

/// A blocking edit let through, with the reason and who decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditOverride {
    /// The edit's key (`ClaimEdit::key`).
    pub key: String,
    /// Why the claim may go as it is.
    pub reason: String,
    /// Who overrode it (username).
    pub by: String,
    /// When.
    #[serde(with = "rfc3339")]
    pub at: OffsetDateTime,
}

/// A claim to one payer for one encounter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// Whose care.
    pub patient_id: PatientId,
    /// The encounter it bills.
    pub encounter_id: EncounterId,
    /// The payer billed.
    pub payer_id: PayerId,
    /// Which of the patient's coverages (primary, secondary, tertiary).
    pub coverage_order: CoverageOrder,
    /// Professional or institutional (schema 17; earlier claims are professional).
    #[serde(default = "professional")]
    pub kind: ClaimKind,
    /// Where it stands.
    pub status: ClaimStatus,
    /// Original, replacement or void.
    pub frequency: ClaimFrequency,
    /// The claim a replacement or void replaces.
    pub replaces_claim_id: Option<ClaimId>,
    /// CLM01, the patient control number the payer echoes in CLP01.
    pub control_number: String,
    /// The payer's claim control number (835 CLP07), once known.
    pub payer_claim_number: Option<String>,
    /// The first date of service.
    #[serde(with = "iso_date")]
    pub service_date: Date,
    /// CLM02, in cents.
    pub total_cents: i64,
    /// What the payer paid (835 CLP04), in cents.
    pub paid_cents: i64,
    /// What the payer left to the patient (group PR), in cents.
    pub patient_responsibility_cents: i64,
    /// When it went out.
    #[serde(with = "iso_date::option")]
    pub submitted_on: Option<Date>,
    /// ISA13 of the file it went out in.
    pub interchange: Option<i64>,
    /// GS06 of that file's group, which a 999 names (AK102; schema 18).
    #[serde(default)]
    pub group_control: Option<i64>,
    /// ST02 of its transaction set, which a 999 names (AK202; schema 18).
    #[serde(default)]
    pub transaction_control: Option<i64>,
    /// When the payer's decision was posted.
    #[serde(with = "iso_date::option")]
    pub adjudicated_on: Option<Date>,
    /// Why it was rejected or denied, in words (999/277CA text, CARC descriptions).
    pub status_reason: Option<String>,
    /// The payer's adjustments as group-reason (`CO-45`, `PR-2`), most money first.
    pub adjustment_codes: Vec<String>,
    /// What the last scrub found.
    pub edits: Vec<ClaimEdit>,
    /// Blocking edits let through, with their reasons.
    pub overrides: Vec<EditOverride>,
    /// How the payer adjudicated it, claim and lines, as its last 835 said (schema 40):
    /// what a claim to the next payer carries in loops 2320 and 2430.
    #[serde(default)]
    pub adjudication: Option<ClaimAdjudication>,
}

/// One adjustment a payer made (an 835 CAS triplet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdjustmentAmount {
    /// CAS01: `CO`, `PR`, `OA`, `PI` or `CR`.
    pub group: String,
    /// The claim adjustment reason code (CARC).
    pub reason: String,
    /// In cents; negative amounts increase the payment.
    pub amount_cents: i64,
}

/// A payer's decision on one service line (835 loop 2110).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineAdjudication {
    /// SVC01-2: the procedure or revenue code the payer adjudicated.
    pub code: String,
    /// SVC01-3 to -6.
    pub modifiers: Vec<String>,
    /// SVC02.
    pub charge_cents: i64,
    /// SVC03.
    pub paid_cents: i64,
    /// Its CAS adjustments.
    pub adjustments: Vec<AdjustmentAmount>,
    /// DTM*472 of the 835's loop 2110, when the payer gave the line's date of service.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "iso_date::option"
    )]
    pub service_date: Option<Date>,
}

/// A payer's decision on a claim as its 835 gave it (loop 2100): the next payer's claim
/// repeats it (837 loops 2320, 2330B and 2430).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimAdjudication {
    /// The remittance's check or EFT date (BPR16), else the day it was posted.
    #[serde(with = "iso_date")]
    pub remitted_on: Date,
    /// CLP04.
    pub paid_cents: i64,
    /// CLP05: what the payer left to the patient.
    pub patient_responsibility_cents: i64,
    /// Claim-level CAS adjustments.
    pub adjustments: Vec<AdjustmentAmount>,
    /// The service lines, as the payer listed them.
    pub lines: Vec<LineAdjudication>,
}

fn professional() -> ClaimKind {
    ClaimKind::Professional
}

impl RecordKind for Claim {
    const KIND: &'static str = "claim";
}

impl Validate for Claim {
    fn check(&self, v: &mut Validator) {
        v.required("control_number", &self.control_number);
        v.max_len("control_number", &self.control_number, 38);
        if self.total_cents < 0 {
            v.error("total_cents", "must not be negative");
        }
        if self.frequency != ClaimFrequency::Original {
            if self.replaces_claim_id.is_none() {
                v.error(
                    "replaces_claim_id",
                    "a replacement or void names the claim it replaces",
                );
            }
            if self
                .payer_claim_number
                .as_deref()
                .is_none_or(|n| n.trim().is_empty())
            {
                v.error(
                    "payer_claim_number",
                    "a replacement or void needs the payer's claim number (REF*F8)",
                );
            }
        }
        for (idx, o) in self.overrides.iter().enumerate() {
            if o.reason.trim().is_empty() {
                v.error(&format!("overrides[{idx}].reason"), "is required");
            }
            v.max_len(&format!("overrides[{idx}].reason"), &o.reason, 500);
        }
        if let Some(open) = self.open_edits().next()
            && self.status == ClaimStatus::Scrubbed
        {
            v.error(
                "status",
                format!(
                    "cannot be scrubbed with the edit {} open: fix it or override it with a reason",
                    open.key()
                ),
            );
        }
    }

    fn check_change(&self, before: &Self, v: &mut Validator) {
        if !before.status.may_become(self.status) {
            v.error(
                "status",
                format!(
                    "a {} claim cannot become {}",
                    before.status.as_str(),
                    self.status.as_str()
                ),
            );
        }
        if !before.status.is_open() && self.edits != before.edits {
            v.error("edits", "a claim that went out is not scrubbed again");
        }
    }
}

impl Claim {
    /// A new original claim (frequency 1), a draft not yet scrubbed.
    #[allow(clippy::too_many_arguments)] // One per column a new claim starts with.
    pub fn original(
        kind: ClaimKind,
        patient_id: PatientId,
        encounter_id: EncounterId,
        payer_id: PayerId,
        coverage_order: CoverageOrder,
        control_number: &str,
        service_date: Date,
        total_cents: i64,
    ) -> Self {
        Self {
            patient_id,
            encounter_id,
            payer_id,
            coverage_order,
            kind,
            status: ClaimStatus::Draft,
            frequency: ClaimFrequency::Original,
            replaces_claim_id: None,
            control_number: control_number.to_owned(),
            payer_claim_number: None,
            service_date,
            total_cents,
            paid_cents: 0,
            patient_responsibility_cents: 0,
            submitted_on: None,
            interchange: None,
            group_control: None,
            transaction_control: None,
            adjudicated_on: None,
            status_reason: None,
            adjustment_codes: Vec::new(),
            edits: Vec::new(),
            overrides: Vec::new(),
            adjudication: None,
        }
    }

    /// The blocking edits no override covers.
    pub fn open_edits(&self) -> impl Iterator<Item = &ClaimEdit> {
        self.edits
            .iter()
            .filter(|e| e.blocking && !self.overrides.iter().any(|o| o.key == e.key()))
    }

    /// The claim with the scrubber's findings: scrubbed when none is left open, else draft.
    /// Overrides of edits no longer found are dropped.
    pub fn scrubbed(&self, edits: Vec<ClaimEdit>) -> Result<Self, ValidationErrors> {
        let mut next = self.clone();
        next.overrides
            .retain(|o| edits.iter().any(|e| e.key() == o.key));
        next.edits = edits;
        next.status = if next.open_edits().next().is_none() {
            ClaimStatus::Scrubbed
        } else {
            ClaimStatus::Draft
        };
        next.status_reason = None;
        let mut v = Validator::default();
        if !self.status.may_become(next.status) {
            v.error(
                "status",
                format!("a {} claim is not scrubbed again", self.status.as_str()),
            );
        }
        v.finish()?;
        Ok(next)
    }

    /// The claim with the blocking edit `key` overridden by `by` at `at` for `reason`.
    pub fn overridden(
        &self,
        key: &str,
        reason: &str,
        by: &str,
        at: OffsetDateTime,
    ) -> Result<Self, ValidationErrors> {
        let mut v = Validator::default();
        if !self.status.is_open() {
            v.error(
                "status",
                format!(
                    "the claim is {}; only a claim not yet sent takes overrides",
                    self.status.as_str()
                ),
            );
        }
        if !self.edits.iter().any(|e| e.blocking && e.key() == key) {
            v.error("key", format!("no blocking edit {key:?} on this claim"));
        }
        if reason.trim().is_empty() {
            v.error("reason", "is required to override an edit");
        }
        v.finish()?;
        let mut next = self.clone();
        next.overrides.retain(|o| o.key != key);
        next.overrides.push(EditOverride {
            key: key.to_owned(),
            reason: reason.trim().to_owned(),
            by: by.to_owned(),
            at,
        });
        if next.open_edits().next().is_none() {
            next.status = ClaimStatus::Scrubbed;
        }
        Ok(next)
    }

    /// The claim sent on `on` in interchange `interchange`, group `group` and transaction
    /// set `transaction`; only a scrubbed claim goes.
    pub fn submitted(
        &self,
        on: Date,
        interchange: i64,
        group: i64,
        transaction: i64,
    ) -> Result<Self, ValidationErrors> {
        let mut v = Validator::default();
        if self.status != ClaimStatus::Scrubbed {
            v.error(
                "status",
                format!(
                    "is {}; only a scrubbed claim is submitted",
                    self.status.as_str()
                ),
            );
        }
        v.finish()?;
        Ok(Self {
            status: ClaimStatus::Submitted,
            submitted_on: Some(on),
            interchange: Some(interchange),
            group_control: Some(group),
            transaction_control: Some(transaction),
            ..self.clone()
        })
    }

    /// A draft replacement (`ClaimFrequency::Replacement`) or void of this claim, stored as
    /// `id`; the payer must have given its claim number.
    pub fn replacement(
        &self,
        id: ClaimId,
        frequency: ClaimFrequency,
    ) -> Result<Self, ValidationErrors> {
        let mut v = Validator::default();
        if frequency == ClaimFrequency::Original {
            v.error("frequency", "a replacement is frequency 7 or 8");
        }
        if !self.status.is_at_payer() {
            v.error(
                "status",
                format!(
                    "claim {id} is {}; only a claim the payer has can be replaced or voided",
                    self.status.as_str()
                ),
            );
        }
        let next = Self {
            frequency,
            replaces_claim_id: Some(id),
            payer_claim_number: self.payer_claim_number.clone(),
            ..Self::original(
                self.kind,
                self.patient_id,
                self.encounter_id,
                self.payer_id,
                self.coverage_order,
                &self.control_number,
                self.service_date,
                self.total_cents,
            )
        };
        next.check(&mut v);
        v.finish()?;
        Ok(next)
    }
}
