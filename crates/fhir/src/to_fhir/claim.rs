//! Stored claims (`records::Claim`) as `Claim`, the payer's decision on one as
//! `ExplanationOfBenefit`, and charges as `ChargeItem`. The REST API and the NDJSON export
//! both call these, so a Claim read and one in an `$export` file are the same resource.
//!
//! Invariants:
//! - A Claim is the stored claim: its status, totals, control and payer numbers come from
//!   the record; its diagnoses, procedures and lines are the ones the 837 of that claim
//!   carries (`claims::professional_claim` / `institutional_claim`, built from the chart
//!   in the caller's transaction, as a resubmission would be). When the chart no longer
//!   builds a claim (a diagnosis removed, a restriction agreed since), the Claim still
//!   shows what the record holds, without lines, rather than failing the read.
//! - An ExplanationOfBenefit exists only for a claim whose 835 was posted
//!   (`adjudicated_on`); its lines, amounts and CAS adjustments are the payer's own, as
//!   kept on the claim (`records::ClaimAdjudication`, schema 40), and its totals are the
//!   claim's (net of every 835 posted on it).
//! - Money is exact: cents written as decimal text, never floats.

use super::{ToFhir, instant, meta, patient_ref, reference};
use crate::datatypes::{CodeableConcept, Identifier, Quantity, Reference};
use crate::decimal::Decimal;
use crate::resources as fhir;
use crate::resources::Money;
use crate::systems::*;
use claims::{InstitutionalClaim, ProfessionalClaim};
use records::{
    AdjustmentAmount, Charge, Claim, ClaimFrequency, ClaimKind, ClaimStatus, Coverage,
    CoverageOrder, Encounter,
};
use store::{Stored, Tx};

/// The R4 `Claim.status` of a lifecycle status: not yet sent is `draft`; replaced or
/// voided is `cancelled`; rejected by the payer's front end (999/277CA) is
/// `entered-in-error` until it is fixed and scrubbed again (it then becomes a draft).
pub fn claim_status(status: ClaimStatus) -> &'static str {
    match status {
        ClaimStatus::Draft | ClaimStatus::Scrubbed => "draft",
        ClaimStatus::Submitted
        | ClaimStatus::Accepted
        | ClaimStatus::Paid
        | ClaimStatus::Denied
        | ClaimStatus::PartiallyPaid => "active",
        ClaimStatus::Rejected => "entered-in-error",
        ClaimStatus::Corrected | ClaimStatus::Voided => "cancelled",
    }
}

/// The R4 `ExplanationOfBenefit.status` of a decided claim: `cancelled` once the claim was
/// voided (the void takes the payment back), else `active`.
pub fn benefit_status(status: ClaimStatus) -> &'static str {
    if status == ClaimStatus::Voided {
        "cancelled"
    } else {
        "active"
    }
}

/// The R4 `ExplanationOfBenefit.outcome` of a decided claim: paid in full is `complete`,
/// paid with lines or amounts denied `partial`, denied `error` (the payer found the claim
/// unpayable). A claim whose decision was reversed, or that was replaced or voided since,
/// keeps the outcome of the decision it holds: `complete`.
pub fn benefit_outcome(status: ClaimStatus) -> &'static str {
    match status {
        ClaimStatus::PartiallyPaid => "partial",
        ClaimStatus::Denied => "error",
        _ => "complete",
    }
}

fn claim_type(kind: ClaimKind) -> CodeableConcept {
    match kind {
        ClaimKind::Professional => CodeableConcept::coded(CLAIM_TYPE, "professional", None),
        ClaimKind::Institutional => CodeableConcept::coded(CLAIM_TYPE, "institutional", None),
    }
}

fn identifier(system: &str, value: &str) -> Identifier {
    Identifier {
        system: Some(system.to_owned()),
        value: Some(value.to_owned()),
        ..Identifier::default()
    }
}

/// ICD-10 codes travel without the dot on an 837; FHIR writes ICD-10-CM with it.
fn icd10cm(code: &str) -> String {
    if code.contains('.') || code.len() <= 3 {
        code.to_owned()
    } else {
        format!("{}.{}", &code[..3], &code[3..])
    }
}

/// A CPT code is five digits (or four and a letter: Category II/III); HCPCS Level II
/// starts with a letter.
fn procedure_code(code: &str, display: Option<&str>) -> CodeableConcept {
    let system = if code.starts_with(|c: char| c.is_ascii_alphabetic()) {
        HCPCS
    } else {
        CPT
    };
    CodeableConcept::coded(system, code, display)
}

/// Numeric modifiers (`25`, `59`) are CPT's; lettered ones (`LT`, `GT`) HCPCS Level II.
fn modifier(code: &str) -> CodeableConcept {
    let system = if code.chars().all(|c| c.is_ascii_digit()) {
        CPT
    } else {
        HCPCS
    };
    CodeableConcept::coded(system, code, None)
}

/// A four-digit revenue code line has no CPT/HCPCS code: R4 requires `productOrService`,
/// so it says none applies.
fn no_procedure() -> CodeableConcept {
    CodeableConcept::coded(DATA_ABSENT_REASON, "not-applicable", Some("Not Applicable"))
}

fn units(units: i32) -> Option<Quantity> {
    Some(Quantity {
        value: Decimal::parse(&units.to_string()).ok(),
        ..Quantity::default()
    })
}

/// What the 837 of a stored claim carries, built from the chart.
enum Content {
    Professional(Box<ProfessionalClaim>),
    Institutional(Box<InstitutionalClaim>),
}

impl Content {
    fn of(tx: &mut Tx<'_>, claim: &Claim) -> store::Result<Option<Self>> {
        Ok(match claim.kind {
            ClaimKind::Professional => claims::professional_claim(tx, claim)?
                .ok()
                .map(|claim| Self::Professional(Box::new(claim))),
            ClaimKind::Institutional => claims::institutional_claim(tx, claim)?
                .ok()
                .map(|claim| Self::Institutional(Box::new(claim))),
        })
    }

    fn base(&self) -> &ProfessionalClaim {
        match self {
            Self::Professional(p) => p,
            Self::Institutional(i) => &i.base,
        }
    }
}

/// The billing provider by NPI (it is the facility or the attending's organization, not
/// always an Organization on file), else the encounter's facility.
fn provider(tx: &mut Tx<'_>, claim: &Claim, content: Option<&Content>) -> store::Result<Reference> {
    if let Some(content) = content {
        let billing = &content.base().billing;
        return Ok(Reference {
            identifier: Some(identifier(NPI, &billing.npi.to_string())),
            display: Some(billing.name.clone()),
            ..Reference::default()
        });
    }
    let facility = tx
        .find::<Encounter>(claim.encounter_id.0)?
        .and_then(|e| e.record.facility_id);
    Ok(match facility {
        Some(id) => reference("Organization", "organization", id.0),
        None => Reference::named("the billing provider of the encounter (not on file)"),
    })
}

fn order_rank(order: CoverageOrder) -> u8 {
    match order {
        CoverageOrder::Primary => 1,
        CoverageOrder::Secondary => 2,
        CoverageOrder::Tertiary => 3,
    }
}

/// The patient's coverages in force on the date of service in payer order, the one billed
/// focal; when none is on file any more, the payer billed by name.
fn insurance(tx: &mut Tx<'_>, claim: &Claim) -> store::Result<Vec<fhir::ClaimInsurance>> {
    let mut coverages: Vec<Stored<Coverage>> = tx
        .for_patient::<Coverage>(claim.patient_id.0)?
        .into_iter()
        .filter(|c| c.record.in_force_on(claim.service_date))
        .collect();
    coverages.sort_by_key(|c| (order_rank(c.record.coverage_order), c.meta.id));
    let focal =
        |c: &Coverage| c.coverage_order == claim.coverage_order && c.payer_id == claim.payer_id;
    let mut list: Vec<fhir::ClaimInsurance> = coverages
        .iter()
        .enumerate()
        .map(|(idx, c)| fhir::ClaimInsurance {
            sequence: Some(u32::try_from(idx + 1).unwrap_or(u32::MAX)),
            focal: focal(&c.record),
            coverage: reference("Coverage", "coverage", c.meta.id),
        })
        .collect();
    if !list.iter().any(|i| i.focal) {
        list.push(fhir::ClaimInsurance {
            sequence: Some(u32::try_from(list.len() + 1).unwrap_or(u32::MAX)),
            focal: true,
            coverage: Reference::named(&format!(
                "the {:?} coverage with payer {} (no longer on file)",
                claim.coverage_order, claim.payer_id.0
            )),
        });
    }
    Ok(list)
}

fn related(tx: &mut Tx<'_>, claim: &Claim) -> store::Result<Vec<fhir::ClaimRelated>> {
    let Some(replaced) = claim.replaces_claim_id else {
        return Ok(Vec::new());
    };
    // REF*F8 names the payer's number of the claim replaced, as that claim holds it.
    let number = tx
        .find::<Claim>(replaced.0)?
        .and_then(|c| c.record.payer_claim_number)
        .or_else(|| claim.payer_claim_number.clone());
    Ok(vec![fhir::ClaimRelated {
        claim: Some(Reference::to("Claim", &replaced.0.to_string())),
        relationship: Some(CodeableConcept::coded(RELATED_CLAIM, "prior", None)),
        reference: number.map(|n| identifier(PAYER_CLAIM_NUMBER, &n)),
    }])
}

fn diagnoses(content: &Content) -> Vec<fhir::ClaimDiagnosis> {
    let base = content.base();
    let institutional = match content {
        Content::Institutional(i) => Some(&**i),
        Content::Professional(_) => None,
    };
    base.diagnoses
        .iter()
        .enumerate()
        .map(|(idx, code)| fhir::ClaimDiagnosis {
            sequence: u32::try_from(idx + 1).unwrap_or(u32::MAX),
            diagnosis_codeable_concept: CodeableConcept::coded(ICD10CM, &icd10cm(code), None),
            r#type: match institutional {
                Some(_) if idx == 0 => {
                    vec![CodeableConcept::coded(DIAGNOSIS_TYPE, "principal", None)]
                }
                _ => Vec::new(),
            },
            on_admission: institutional
                .filter(|i| i.inpatient())
                .and_then(|i| i.poa.get(idx).cloned().flatten())
                .map(|poa| CodeableConcept::coded(NUBC_POA, &poa, None)),
        })
        .collect()
}

fn procedures(content: &Content) -> Vec<fhir::ClaimProcedure> {
    let Content::Institutional(claim) = content else {
        return Vec::new();
    };
    claim
        .procedures
        .iter()
        .enumerate()
        .map(|(idx, (code, date))| fhir::ClaimProcedure {
            sequence: u32::try_from(idx + 1).unwrap_or(u32::MAX),
            date: Some(date.to_string()),
            procedure_codeable_concept: CodeableConcept::coded(ICD10PCS, code, None),
        })
        .collect()
}

fn items(content: &Content) -> Vec<fhir::ClaimItem> {
    let base = content.base();
    let professional = matches!(content, Content::Professional(_));
    base.lines
        .iter()
        .enumerate()
        .map(|(idx, line)| {
            let unit_price = (line.units > 0 && line.charge_cents % i64::from(line.units) == 0)
                .then(|| Money::usd(line.charge_cents / i64::from(line.units)));
            fhir::ClaimItem {
                sequence: u32::try_from(idx + 1).unwrap_or(u32::MAX),
                diagnosis_sequence: line.pointers.iter().map(|p| u32::from(*p)).collect(),
                revenue: (!professional)
                    .then(|| CodeableConcept::coded(NUBC_REVENUE, &line.code, None)),
                product_or_service: if professional {
                    procedure_code(&line.code, None)
                } else {
                    no_procedure()
                },
                modifier: line.modifiers.iter().map(|m| modifier(m)).collect(),
                serviced_date: Some(line.service_date.to_string()),
                location_codeable_concept: professional
                    .then(|| CodeableConcept::coded(PLACE_OF_SERVICE, base.place_of_service, None)),
                quantity: units(line.units),
                unit_price,
                net: Some(Money::usd(line.charge_cents)),
                adjudication: Vec::new(),
            }
        })
        .collect()
}

/// The identifiers of a claim: Chartroom's control number (CLM01), and the payer's claim
/// number (CLP07) once an 835 gave one for this claim itself.
fn identifiers(claim: &Claim) -> Vec<Identifier> {
    let mut list = vec![identifier(CLAIM_CONTROL_NUMBER, &claim.control_number)];
    let own_number = claim.frequency == ClaimFrequency::Original || claim.adjudicated_on.is_some();
    if let Some(number) = claim.payer_claim_number.as_deref().filter(|_| own_number) {
        list.push(identifier(PAYER_CLAIM_NUMBER, number));
    }
    list
}

/// The Claim of a stored claim, reading the chart it bills in `tx`.
pub fn stored_claim(tx: &mut Tx<'_>, stored: &Stored<Claim>) -> store::Result<fhir::Claim> {
    let claim = &stored.record;
    let content = Content::of(tx, claim)?;
    Ok(fhir::Claim {
        id: Some(stored.meta.id.to_string()),
        meta: meta(&stored.meta),
        identifier: identifiers(claim),
        status: claim_status(claim.status).into(),
        type_: claim_type(claim.kind),
        use_: "claim".into(),
        patient: patient_ref(claim.patient_id),
        created: instant(stored.meta.created_at),
        insurer: reference("Organization", "payer", claim.payer_id.0),
        provider: provider(tx, claim, content.as_ref())?,
        priority: CodeableConcept::coded(PROCESS_PRIORITY, "normal", None),
        related: related(tx, claim)?,
        diagnosis: content.as_ref().map(diagnoses).unwrap_or_default(),
        procedure: content.as_ref().map(procedures).unwrap_or_default(),
        insurance: insurance(tx, claim)?,
        item: content.as_ref().map(items).unwrap_or_default(),
        total: Some(Money::usd(claim.total_cents)),
        ..fhir::Claim::default()
    })
}

fn category(code: &str) -> CodeableConcept {
    CodeableConcept::coded(ADJUDICATION, code, None)
}

fn amount(code: &str, cents: i64) -> fhir::Adjudication {
    fhir::Adjudication {
        category: category(code),
        reason: None,
        amount: Some(Money::usd(cents)),
    }
}

/// A CAS adjustment: its group as the category, its CARC (described from the X12 list) as
/// the reason.
fn adjustment(a: &AdjustmentAmount) -> fhir::Adjudication {
    fhir::Adjudication {
        category: CodeableConcept::coded(CAS_GROUP, &a.group, claims::group_description(&a.group)),
        reason: Some(CodeableConcept::coded(
            CARC,
            &a.reason,
            claims::reason_description(&a.reason),
        )),
        amount: Some(Money::usd(a.amount_cents)),
    }
}

/// The date of service of each line the payer decided: the 835's own (SVC's DTM*472), else
/// the claim's line it answers (the first not yet matched with its code, as posting matches
/// them), else none.
fn decided_dates(
    decided: &[records::LineAdjudication],
    content: Option<&Content>,
) -> Vec<Option<time::Date>> {
    let mut claimed: Vec<&claims::ServiceLine> = content
        .map(|c| c.base().lines.iter().collect())
        .unwrap_or_default();
    decided
        .iter()
        .map(|line| {
            let answered = claimed
                .iter()
                .position(|c| c.code == line.code)
                .map(|at| claimed.remove(at).service_date);
            line.service_date.or(answered)
        })
        .collect()
}

/// A line as the payer decided it on `date`: charged (`submitted`), allowed (`eligible`:
/// paid plus the patient's share), paid (`benefit`), then each CAS adjustment.
fn decided_line(
    idx: usize,
    kind: ClaimKind,
    line: &records::LineAdjudication,
    date: Option<time::Date>,
) -> fhir::ClaimItem {
    let revenue_line = kind == ClaimKind::Institutional
        && line.code.len() == 4
        && line.code.chars().all(|c| c.is_ascii_digit());
    let patient_share: i64 = line
        .adjustments
        .iter()
        .filter(|a| a.group == "PR")
        .map(|a| a.amount_cents)
        .sum();
    let mut adjudication = vec![
        amount("submitted", line.charge_cents),
        amount("eligible", line.paid_cents + patient_share),
        amount("benefit", line.paid_cents),
    ];
    adjudication.extend(line.adjustments.iter().map(adjustment));
    fhir::ClaimItem {
        sequence: u32::try_from(idx + 1).unwrap_or(u32::MAX),
        revenue: revenue_line.then(|| CodeableConcept::coded(NUBC_REVENUE, &line.code, None)),
        product_or_service: if revenue_line {
            no_procedure()
        } else {
            procedure_code(&line.code, None)
        },
        modifier: line.modifiers.iter().map(|m| modifier(m)).collect(),
        serviced_date: date.map(|d| d.to_string()),
        net: Some(Money::usd(line.charge_cents)),
        adjudication,
        ..fhir::ClaimItem::default()
    }
}

/// The ExplanationOfBenefit of a stored claim the payer decided (an 835 posted on it);
/// `None` for a claim no 835 has answered.
pub fn explanation_of_benefit(
    tx: &mut Tx<'_>,
    stored: &Stored<Claim>,
) -> store::Result<Option<fhir::ExplanationOfBenefit>> {
    let claim = &stored.record;
    let Some(decided) = claim.adjudicated_on else {
        return Ok(None);
    };
    let content = Content::of(tx, claim)?;
    let decision = claim.adjudication.as_ref();
    let insurance = insurance(tx, claim)?
        .into_iter()
        .filter(|i| i.focal)
        .map(|i| fhir::ClaimInsurance {
            sequence: None,
            ..i
        })
        .collect();
    let paid_date = decision.map_or(decided, |d| d.remitted_on);
    Ok(Some(fhir::ExplanationOfBenefit {
        id: Some(stored.meta.id.to_string()),
        meta: meta(&stored.meta),
        identifier: claim
            .payer_claim_number
            .iter()
            .map(|n| identifier(PAYER_CLAIM_NUMBER, n))
            .collect(),
        status: benefit_status(claim.status).into(),
        type_: claim_type(claim.kind),
        use_: "claim".into(),
        patient: patient_ref(claim.patient_id),
        created: decided.to_string(),
        insurer: reference("Organization", "payer", claim.payer_id.0),
        provider: provider(tx, claim, content.as_ref())?,
        claim: Some(Reference::to("Claim", &stored.meta.id.to_string())),
        outcome: benefit_outcome(claim.status).into(),
        disposition: Some(match &claim.status_reason {
            Some(reason) => format!("{}: {reason}", claim.status.as_str()),
            None => claim.status.as_str().to_owned(),
        }),
        insurance,
        item: decision
            .map(|d| {
                let dates = decided_dates(&d.lines, content.as_ref());
                d.lines
                    .iter()
                    .zip(dates)
                    .enumerate()
                    .map(|(idx, (line, date))| decided_line(idx, claim.kind, line, date))
                    .collect()
            })
            .unwrap_or_default(),
        adjudication: decision
            .map(|d| d.adjustments.iter().map(adjustment).collect())
            .unwrap_or_default(),
        total: vec![
            fhir::BenefitTotal {
                category: category("submitted"),
                amount: Money::usd(claim.total_cents),
            },
            fhir::BenefitTotal {
                category: category("benefit"),
                amount: Money::usd(claim.paid_cents),
            },
        ],
        payment: Some(fhir::BenefitPayment {
            r#type: Some(CodeableConcept::coded(
                PAYMENT_TYPE,
                if claim.status == ClaimStatus::Paid {
                    "complete"
                } else {
                    "partial"
                },
                None,
            )),
            date: Some(paid_date.to_string()),
            amount: Some(Money::usd(claim.paid_cents)),
        }),
        ..fhir::ExplanationOfBenefit::default()
    }))
}

/// A charge on the account: billable, its CPT/HCPCS code (or its description), the visit
/// it was for, the date of service, units and amount.
impl ToFhir for Charge {
    type Resource = fhir::ChargeItem;

    fn to_fhir(stored: &Stored<Self>) -> fhir::ChargeItem {
        let charge = &stored.record;
        let code = match charge.code.as_deref().filter(|c| !c.trim().is_empty()) {
            Some(code) => procedure_code(code, Some(&charge.description)),
            None => CodeableConcept::text(&charge.description),
        };
        fhir::ChargeItem {
            id: Some(stored.meta.id.to_string()),
            meta: meta(&stored.meta),
            status: "billable".into(),
            code,
            subject: patient_ref(charge.patient_id),
            context: charge
                .encounter_id
                .map(|e| reference("Encounter", "encounter", e.0))
                .unwrap_or_default(),
            occurrence_date_time: Some(charge.service_date.to_string()),
            quantity: units(charge.units),
            price_override: Some(Money::usd(charge.amount_cents)),
            entered_date: Some(instant(stored.meta.created_at)),
            ..fhir::ChargeItem::default()
        }
    }
}
