//! Reading an 835 (005010X221A1) into payments: the check or transfer (BPR, TRN), each claim
//! payment (CLP, loop 2100) with its adjustments (CAS) and service lines (SVC, loop 2110),
//! and the provider-level adjustments (PLB).
//!
//! Balancing (TR3 1.10.2): BPR02 equals the sum of CLP04 less the PLB amounts; for each
//! claim, CLP03 less CLP04 equals its adjustments (claim and service CAS). A remittance
//! that does not balance is reported, naming the segment, and must not be posted.

use x12::{Error, Segment, Transaction, TransactionKind};

/// One adjustment (a CAS triplet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjustment {
    /// CAS01: `CO`, `PR`, `OA` or `PI`.
    pub group: String,
    /// The claim adjustment reason code.
    pub reason: String,
    /// The amount, in cents (negative amounts increase payment).
    pub amount_cents: i64,
}

/// One service line payment (loop 2110).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePayment {
    /// SVC01-2: the procedure code.
    pub code: String,
    /// SVC01-3 to -6.
    pub modifiers: Vec<String>,
    /// SVC02.
    pub charge_cents: i64,
    /// SVC03.
    pub paid_cents: i64,
    /// Its CAS adjustments.
    pub adjustments: Vec<Adjustment>,
    /// DTM*472 (or the start of the period, DTM*150) of loop 2110: the line's date of
    /// service, when the payer gives it.
    pub service_date: Option<time::Date>,
}

/// One claim payment (loop 2100).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimPayment {
    /// CLP01: the patient control number the provider sent (CLM01).
    pub claim_id: String,
    /// CLP02: `1` processed as primary, `2` secondary, `3` tertiary, `4` denied, `22` reversal ...
    pub status: String,
    /// CLP03.
    pub charge_cents: i64,
    /// CLP04.
    pub paid_cents: i64,
    /// CLP05: the patient's responsibility.
    pub patient_responsibility_cents: i64,
    /// CLP07: the payer's claim control number.
    pub payer_claim_number: String,
    /// Claim-level CAS adjustments.
    pub adjustments: Vec<Adjustment>,
    /// Its service lines.
    pub services: Vec<ServicePayment>,
    /// Segment number of the CLP in the interchange.
    pub segment: usize,
}

impl ClaimPayment {
    /// Every adjustment, claim-level and service-level.
    pub fn all_adjustments(&self) -> impl Iterator<Item = &Adjustment> {
        self.adjustments
            .iter()
            .chain(self.services.iter().flat_map(|s| s.adjustments.iter()))
    }
}

/// One provider-level adjustment (a PLB pair).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderAdjustment {
    /// PLB03-1: the reason (`WO` overpayment recovery, `L6` interest ...).
    pub reason: String,
    /// PLB03-2: the reference.
    pub reference: String,
    /// The amount, in cents (positive reduces the payment).
    pub amount_cents: i64,
}

/// One 835 transaction set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remittance {
    /// BPR02: the total payment, in cents.
    pub payment_cents: i64,
    /// BPR16: the check issue or EFT effective date, when given.
    pub paid_on: Option<time::Date>,
    /// TRN02: the check or EFT trace number.
    pub trace: String,
    /// N102 of loop 1000A.
    pub payer_name: String,
    /// N102 of loop 1000B.
    pub payee_name: String,
    /// The claim payments, in order.
    pub claims: Vec<ClaimPayment>,
    /// The PLB adjustments.
    pub provider_adjustments: Vec<ProviderAdjustment>,
}

/// Reads one 835 transaction set; every unreadable amount or missing segment is named.
pub fn read_835(transaction: &Transaction<'_>) -> std::result::Result<Remittance, Vec<Error>> {
    let mut errors = Vec::new();
    if transaction.kind != TransactionKind::Remittance {
        errors.push(transaction.error(0, 1, "not an 835 transaction set"));
        return Err(errors);
    }
    let mut remittance = Remittance {
        payment_cents: 0,
        paid_on: None,
        trace: String::new(),
        payer_name: String::new(),
        payee_name: String::new(),
        claims: Vec::new(),
        provider_adjustments: Vec::new(),
    };
    let mut saw_bpr = false;
    let mut in_service = false;
    for (idx, segment) in transaction.segments.iter().enumerate() {
        let mut cents = |element: usize| -> i64 {
            segment.cents(element).unwrap_or_else(|e| {
                errors.push(e.in_loop(transaction.loop_of(idx)));
                0
            })
        };
        match segment.id {
            "BPR" => {
                saw_bpr = true;
                remittance.payment_cents = cents(2);
                let date = segment.element(16);
                if !date.is_empty() {
                    match x12::parse_d8(date) {
                        Some(day) => remittance.paid_on = Some(day),
                        None => errors.push(transaction.error(
                            idx,
                            16,
                            format!("BPR16 {date:?} is not a date (CCYYMMDD)"),
                        )),
                    }
                }
            }
            "TRN" => remittance.trace = segment.element(2).to_owned(),
            "N1" if segment.element(1) == "PR" => {
                remittance.payer_name = segment.element(2).to_owned()
            }
            "N1" if segment.element(1) == "PE" => {
                remittance.payee_name = segment.element(2).to_owned()
            }
            "CLP" => {
                in_service = false;
                let payment = ClaimPayment {
                    claim_id: segment.element(1).to_owned(),
                    status: segment.element(2).to_owned(),
                    charge_cents: cents(3),
                    paid_cents: cents(4),
                    patient_responsibility_cents: if segment.element(5).is_empty() {
                        0
                    } else {
                        cents(5)
                    },
                    payer_claim_number: segment.element(7).to_owned(),
                    adjustments: Vec::new(),
                    services: Vec::new(),
                    segment: segment.position.segment,
                };
                if payment.claim_id.is_empty() {
                    errors.push(transaction.error(
                        idx,
                        1,
                        "CLP01 (the claim's patient control number) is empty",
                    ));
                }
                remittance.claims.push(payment);
            }
            "SVC" => {
                in_service = true;
                let service = ServicePayment {
                    code: segment.component(1, 2).to_owned(),
                    modifiers: procedure_modifiers(segment),
                    charge_cents: cents(2),
                    paid_cents: cents(3),
                    adjustments: Vec::new(),
                    service_date: None,
                };
                match remittance.claims.last_mut() {
                    Some(claim) => claim.services.push(service),
                    None => errors.push(transaction.error(idx, 0, "SVC before any CLP")),
                }
            }
            "CAS" => {
                let adjustments = cas(segment, transaction, idx, &mut errors);
                let claim = remittance.claims.last_mut();
                match (claim, in_service) {
                    (Some(claim), true) => {
                        if let Some(service) = claim.services.last_mut() {
                            service.adjustments.extend(adjustments);
                        }
                    }
                    (Some(claim), false) => claim.adjustments.extend(adjustments),
                    (None, _) => errors.push(transaction.error(idx, 0, "CAS before any CLP")),
                }
            }
            // Loop 2110's service date; the claim-level dates of loop 2100 (232/233) are the
            // claim's statement period, not a line's.
            "DTM" if in_service && matches!(segment.element(1), "472" | "150") => {
                let date = segment.element(2);
                match x12::parse_d8(date) {
                    Some(day) => {
                        let line = remittance
                            .claims
                            .last_mut()
                            .and_then(|claim| claim.services.last_mut());
                        // A line's own date (472) wins over the start of its period (150).
                        if let Some(line) = line
                            && (segment.element(1) == "472" || line.service_date.is_none())
                        {
                            line.service_date = Some(day);
                        }
                    }
                    None => errors.push(transaction.error(
                        idx,
                        2,
                        format!("{date:?} is not a date (CCYYMMDD)"),
                    )),
                }
            }
            "PLB" => {
                remittance
                    .provider_adjustments
                    .extend(plb(segment, transaction, idx, &mut errors))
            }
            _ => {}
        }
    }
    if !saw_bpr {
        errors.push(transaction.error(0, 0, "the 835 has no BPR (financial information)"));
    }
    if errors.is_empty() {
        Ok(remittance)
    } else {
        Err(errors)
    }
}

/// The modifiers of a procedure composite in element 1 (SVC01, SV101: components 3 to 6).
pub(crate) fn procedure_modifiers(segment: &Segment<'_>) -> Vec<String> {
    segment
        .components(1)
        .skip(2)
        .filter(|m| !m.is_empty())
        .map(str::to_owned)
        .collect()
}

fn cas(
    segment: &Segment<'_>,
    transaction: &Transaction<'_>,
    idx: usize,
    errors: &mut Vec<Error>,
) -> Vec<Adjustment> {
    let group = segment.element(1);
    if !matches!(group, "CO" | "PR" | "OA" | "PI" | "CR") {
        errors.push(transaction.error(
            idx,
            1,
            format!("{group:?} is not a claim adjustment group code (CO, PR, OA, PI)"),
        ));
    }
    // Up to six reason/amount/quantity triplets: elements 2-4, 5-7, ... 17-19.
    (0..6)
        .map(|i| 2 + 3 * i)
        .filter(|&first| !segment.element(first).is_empty())
        .filter_map(|first| match segment.cents(first + 1) {
            Ok(amount_cents) => Some(Adjustment {
                group: group.to_owned(),
                reason: segment.element(first).to_owned(),
                amount_cents,
            }),
            Err(e) => {
                errors.push(e.in_loop(transaction.loop_of(idx)));
                None
            }
        })
        .collect()
}

fn plb(
    segment: &Segment<'_>,
    transaction: &Transaction<'_>,
    idx: usize,
    errors: &mut Vec<Error>,
) -> Vec<ProviderAdjustment> {
    // Up to six adjustment identifier/amount pairs: elements 3-4, 5-6, ... 13-14.
    (0..6)
        .map(|i| 3 + 2 * i)
        .filter(|&first| !segment.element(first).is_empty())
        .filter_map(|first| match segment.cents(first + 1) {
            Ok(amount_cents) => Some(ProviderAdjustment {
                reason: segment.component(first, 1).to_owned(),
                reference: segment.component(first, 2).to_owned(),
                amount_cents,
            }),
            Err(e) => {
                errors.push(e.in_loop(transaction.loop_of(idx)));
                None
            }
        })
        .collect()
}

impl Remittance {
    /// Where the remittance does not balance, each named with its segment; empty when it does.
    pub fn balance_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let paid: i64 = self.claims.iter().map(|c| c.paid_cents).sum();
        let plb: i64 = self
            .provider_adjustments
            .iter()
            .map(|p| p.amount_cents)
            .sum();
        if self.payment_cents != paid - plb {
            problems.push(format!(
                "BPR02 {} is not the claims' payments {} less the provider adjustments {}",
                x12::format_cents(self.payment_cents),
                x12::format_cents(paid),
                x12::format_cents(plb)
            ));
        }
        for claim in &self.claims {
            let adjusted: i64 = claim.all_adjustments().map(|a| a.amount_cents).sum();
            if claim.charge_cents - claim.paid_cents != adjusted {
                problems.push(format!(
                    "CLP, segment {} (claim {}): charge {} less payment {} is not its adjustments {}",
                    claim.segment,
                    claim.claim_id,
                    x12::format_cents(claim.charge_cents),
                    x12::format_cents(claim.paid_cents),
                    x12::format_cents(adjusted)
                ));
            }
        }
        problems
    }
}

/// Reads every 835 in an interchange; the interchange's own problems come first.
pub fn read_remittances(text: &str) -> std::result::Result<Vec<Remittance>, Vec<Error>> {
    let interchange = x12::read(text).map_err(|e| vec![e])?;
    let mut errors = interchange.problems.clone();
    let mut remittances = Vec::new();
    for transaction in interchange.transactions() {
        match read_835(transaction) {
            Ok(remittance) => remittances.push(remittance),
            Err(found) => errors.extend(found),
        }
    }
    if errors.is_empty() {
        Ok(remittances)
    } else {
        Err(errors)
    }
}
