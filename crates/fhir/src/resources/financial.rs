//! Financial resources: Claim (a stored claim to one payer), ExplanationOfBenefit (the
//! payer's decision on it, from its 835) and ChargeItem (one charge on an account).

use super::{FhirQuantity, Money, resource};
use crate::datatypes::{CodeableConcept, Identifier, Reference};
use crate::decimal::Decimal;
use serde::{Deserialize, Serialize};

resource! {
    /// `Claim`: one encounter's services billed to one payer, as the 837 carries them.
    Claim {
        identifier: Vec<Identifier> = "identifier",
        status: String = "status",
        type_: CodeableConcept = "type",
        use_: String = "use",
        patient: Reference = "patient",
        created: String = "created",
        insurer: Reference = "insurer",
        provider: Reference = "provider",
        priority: CodeableConcept = "priority",
        related: Vec<ClaimRelated> = "related",
        diagnosis: Vec<ClaimDiagnosis> = "diagnosis",
        procedure: Vec<ClaimProcedure> = "procedure",
        insurance: Vec<ClaimInsurance> = "insurance",
        item: Vec<ClaimItem> = "item",
        total: Option<Money> = "total",
    }
}

/// `Claim.related`: the claim a replacement or void replaces.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClaimRelated {
    /// The earlier claim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<Reference>,
    /// How they relate (`prior`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship: Option<CodeableConcept>,
    /// The payer's number for the earlier claim (837 REF*F8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<Identifier>,
}

/// `Claim.diagnosis`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimDiagnosis {
    /// Its number, which item pointers name.
    pub sequence: u32,
    /// The ICD-10-CM code.
    pub diagnosis_codeable_concept: CodeableConcept,
    /// Principal, admitting... (institutional claims).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub r#type: Vec<CodeableConcept>,
    /// Present on admission (inpatient claims).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_admission: Option<CodeableConcept>,
}

/// `Claim.procedure`: an ICD-10-PCS procedure of an inpatient claim.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimProcedure {
    /// Its number (the principal procedure is 1).
    pub sequence: u32,
    /// When it was performed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The ICD-10-PCS code.
    pub procedure_codeable_concept: CodeableConcept,
}

/// `Claim.insurance` and `ExplanationOfBenefit.insurance`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClaimInsurance {
    /// Line number (payer order: the primary coverage first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<u32>,
    /// Whether this is the coverage the claim is billed to.
    pub focal: bool,
    /// The coverage.
    pub coverage: Reference,
}

/// `Claim.item` and `ExplanationOfBenefit.item`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimItem {
    /// Line number.
    pub sequence: u32,
    /// The diagnoses (by sequence) the line is for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnosis_sequence: Vec<u32>,
    /// The revenue code (institutional lines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue: Option<CodeableConcept>,
    /// CPT/HCPCS code (or, on a revenue-code line, that none applies).
    pub product_or_service: CodeableConcept,
    /// CPT/HCPCS modifiers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modifier: Vec<CodeableConcept>,
    /// Date of service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serviced_date: Option<String>,
    /// The place of service (CMS place of service code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_codeable_concept: Option<CodeableConcept>,
    /// Units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<FhirQuantity>,
    /// Charge per unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<Money>,
    /// Line total.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net: Option<Money>,
    /// The payer's decision on the line (ExplanationOfBenefit only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adjudication: Vec<Adjudication>,
}

/// `ExplanationOfBenefit.item.adjudication`: one amount of the payer's decision.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Adjudication {
    /// What the amount is (submitted, eligible, benefit; or the CAS group of an
    /// adjustment).
    pub category: CodeableConcept,
    /// Why (the CARC of an adjustment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<CodeableConcept>,
    /// How much.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
}

/// `ExplanationOfBenefit.total`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BenefitTotal {
    /// submitted, benefit...
    pub category: CodeableConcept,
    /// How much.
    pub amount: Money,
}

/// `ExplanationOfBenefit.payment`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BenefitPayment {
    /// complete or partial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<CodeableConcept>,
    /// The remittance's date (BPR16).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// What the payer paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
}

resource! {
    /// `ExplanationOfBenefit`: the payer's decision on a claim, as its 835 gave it.
    ExplanationOfBenefit {
        identifier: Vec<Identifier> = "identifier",
        status: String = "status",
        type_: CodeableConcept = "type",
        use_: String = "use",
        patient: Reference = "patient",
        created: String = "created",
        insurer: Reference = "insurer",
        provider: Reference = "provider",
        claim: Option<Reference> = "claim",
        outcome: String = "outcome",
        disposition: Option<String> = "disposition",
        insurance: Vec<ClaimInsurance> = "insurance",
        item: Vec<ClaimItem> = "item",
        adjudication: Vec<Adjudication> = "adjudication",
        total: Vec<BenefitTotal> = "total",
        payment: Option<BenefitPayment> = "payment",
    }
}

resource! {
    /// `ChargeItem`: one charge on a patient's account.
    ChargeItem {
        status: String = "status",
        code: CodeableConcept = "code",
        subject: Reference = "subject",
        context: Reference = "context",
        occurrence_date_time: Option<String> = "occurrenceDateTime",
        quantity: Option<FhirQuantity> = "quantity",
        price_override: Option<Money> = "priceOverride",
        entered_date: Option<String> = "enteredDate",
    }
}

impl Money {
    /// US dollars from cents, exact (`-12.05`).
    pub fn usd(cents: i64) -> Self {
        let sign = if cents < 0 { "-" } else { "" };
        let text = format!(
            "{sign}{}.{:02}",
            cents.unsigned_abs() / 100,
            cents.unsigned_abs() % 100
        );
        Self {
            value: Decimal::parse(&text).ok(),
            currency: Some("USD".into()),
        }
    }
}
