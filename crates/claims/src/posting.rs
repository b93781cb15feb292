//! Posting an 835: each claim payment matched to the claim Chartroom sent (CLP01 is the
//! CLM01 it wrote, `E` and the encounter id), its payments and CAS adjustments posted
//! against the encounter's charges, patient responsibility left on the patient's balance.
//!
//! Invariants:
//! - One remittance posts whole or not at all: the caller runs this in one store
//!   transaction, and a remittance that does not balance posts nothing.
//! - Reposting the same 835 changes nothing: each claim payment is remembered in
//!   `external_ids` (source `x12-835`, kind `claim-payment`, key trace | payer claim number |
//!   CLP01 | its place in the remittance) and skipped when seen again.
//! - A claim payment that matches no claim is not posted; it is reported for the work queue.
//! - The stored claim the payment answers (`lifecycle::record_adjudication`) takes the
//!   payer's decision: paid, denied or partially paid, the payer's claim number, the amounts
//!   and the adjustment codes with their descriptions.
//! - When the payer leaves the patient a share and the patient has a next payer on the date
//!   of service, the claim to that payer is drafted in the same transaction
//!   (`coordination`), carrying this decision in loops 2320 and 2430.
//! - CARC 23 (prior payers' impact) on a later payer's 835 is not written off: the earlier
//!   payers' 835s posted it.
//! - Adjustments by group: CO, OA and PI are written off as adjustments (reason `CO-45`);
//!   PR (deductible, coinsurance, copay) is not written off: it stays on the patient's
//!   balance, and its total is reported.

use crate::remittance::{Adjustment, ClaimPayment, Remittance};
use records::{
    Charge, ChargeId, Claim, Encounter, EncounterId, PayerId, Posting, PostingKind, PostingSource,
};
use std::collections::HashMap;
use std::fmt;
use store::{Actor, Stored, Tx};
use time::Date;

const SOURCE: &str = "x12-835";
const KIND: &str = "claim-payment";

/// The encounter's charges, each with its id, by date of service.
type Charges = Vec<(ChargeId, Charge)>;

/// What posting one remittance did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostReport {
    /// Claim payments posted now.
    pub posted: usize,
    /// Claim payments already posted by an earlier run.
    pub already_posted: usize,
    /// Payments posted, in cents.
    pub paid_cents: i64,
    /// Adjustments written off, in cents.
    pub adjusted_cents: i64,
    /// Patient responsibility (PR) left on patients' balances, in cents.
    pub patient_responsibility_cents: i64,
    /// Claim payments that match no claim, for the work queue.
    pub unmatched: Vec<Unmatched>,
    /// Stored claims the payer decided on, with their new status (`claims` ids).
    pub adjudicated: Vec<(i64, records::ClaimStatus)>,
    /// Claims decided on that leave the patient a share the patient's next payer is billed
    /// for (coordination of benefits): the decided claim's id and what became of the next.
    pub next_payer: Vec<(i64, crate::coordination::NextPayer)>,
}

/// A claim payment that matches no claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmatched {
    /// CLP01.
    pub claim_id: String,
    /// Segment number of its CLP.
    pub segment: usize,
    /// CLP04: what the payer paid on it, in cents.
    pub paid_cents: i64,
    /// Why it matches nothing.
    pub reason: String,
}

impl fmt::Display for Unmatched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CLP, segment {} (claim {}): {}",
            self.segment, self.claim_id, self.reason
        )
    }
}

/// Why a remittance was not posted.
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    /// It does not balance; nothing was posted.
    #[error("the remittance does not balance, nothing was posted: {}", .0.join("; "))]
    Unbalanced(Vec<String>),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] store::Error),
}

/// Posts `remittance` on `posted_on` as `actor`, inside the caller's transaction.
pub fn post_remittance(
    tx: &mut Tx<'_>,
    actor: &Actor,
    remittance: &Remittance,
    posted_on: Date,
) -> Result<PostReport, PostError> {
    let problems = remittance.balance_problems();
    if !problems.is_empty() {
        return Err(PostError::Unbalanced(problems));
    }
    let mut report = PostReport::default();
    let keys: Vec<String> = remittance
        .claims
        .iter()
        .enumerate()
        .map(|(claim_idx, payment)| {
            format!(
                "{}|{}|{}|{claim_idx}",
                remittance.trace, payment.payer_claim_number, payment.claim_id
            )
        })
        .collect();
    let posted_before = tx.external_ids_among(SOURCE, KIND, &keys)?;
    let mut on_file = OnFile::load(tx, remittance)?;
    for (payment, key) in remittance.claims.iter().zip(keys) {
        if posted_before.contains_key(&key) {
            report.already_posted += 1;
            continue;
        }
        let (encounter_id, charges) = match on_file.matched_charges(payment) {
            Ok(found) => found,
            Err(reason) => {
                report.unmatched.push(Unmatched {
                    claim_id: payment.claim_id.clone(),
                    segment: payment.segment,
                    paid_cents: payment.paid_cents,
                    reason,
                });
                continue;
            }
        };
        let answered =
            crate::lifecycle::answered_claim(on_file.claims(encounter_id), payment).cloned();
        // The payer of the claim answered (a secondary's 835 pays as the secondary), else
        // the visit's for claims sent before claims were records.
        let payer_id = match &answered {
            Some(claim) => Some(claim.record.payer_id),
            None => charges
                .iter()
                .find_map(|(_, c)| c.payer_id)
                .or(on_file.encounter_payer(encounter_id)),
        };
        let Some(payer_id) = payer_id else {
            report.unmatched.push(Unmatched {
                claim_id: payment.claim_id.clone(),
                segment: payment.segment,
                paid_cents: payment.paid_cents,
                reason: format!(
                    "encounter {} has no payer to post the payment from",
                    encounter_id.0
                ),
            });
            continue;
        };
        let mut poster = Poster {
            tx: &mut *tx,
            actor,
            payer_id,
            posted_on,
            reference: remittance.trace.clone(),
            report: &mut report,
        };
        let first_charge = charges.first().map(|(id, c)| (*id, c.clone()));
        let mut unused: Charges = charges;
        for service in &payment.services {
            // A service line is matched to the first not yet matched charge of its code.
            let at = unused
                .iter()
                .position(|(_, c)| c.code.as_deref() == Some(service.code.as_str()));
            let target = match at {
                Some(i) => Some(unused.remove(i)),
                None => first_charge.clone(),
            };
            if let Some(charge) = target {
                poster.payment(&charge, service.paid_cents)?;
                for adjustment in &service.adjustments {
                    poster.adjustment(&charge, adjustment)?;
                }
            }
        }
        if let Some(charge) = &first_charge {
            if payment.services.is_empty() {
                poster.payment(charge, payment.paid_cents)?;
            }
            for adjustment in &payment.adjustments {
                poster.adjustment(charge, adjustment)?;
            }
        }
        if let Some(answered) = answered {
            let remitted_on = remittance.paid_on.unwrap_or(posted_on);
            let claim = crate::lifecycle::record_adjudication(
                tx,
                actor,
                answered,
                payment,
                posted_on,
                remitted_on,
            )?;
            report
                .adjudicated
                .push((claim.meta.id, claim.record.status));
            let next = crate::coordination::draft_next_payer(tx, actor, &claim)?;
            on_file.replace_claim(claim.clone());
            if let Some(next) = next {
                // The next payer's claim is on file now, for a later payment in this 835.
                on_file.reload_claims(tx, encounter_id)?;
                report.next_payer.push((claim.meta.id, next));
            }
        }
        tx.link_external_id(SOURCE, KIND, &key, encounter_id.0)?;
        report.posted += 1;
    }
    Ok(report)
}

/// The encounters a remittance's CLP01s name, read once for the whole remittance: whether
/// each exists (deleted or not) and its payer, its charges, and its claims as posting
/// changes them.
struct OnFile {
    encounters: HashMap<i64, Option<PayerId>>,
    charges: HashMap<i64, Charges>,
    claims: HashMap<i64, Vec<Stored<Claim>>>,
}

impl OnFile {
    fn load(tx: &mut Tx<'_>, remittance: &Remittance) -> store::Result<Self> {
        let ids: Vec<i64> = remittance
            .claims
            .iter()
            .filter_map(|p| crate::lifecycle::parse_control_number(&p.claim_id))
            .map(|(encounter, _)| encounter.0)
            .collect();
        let encounters: HashMap<i64, Option<PayerId>> = tx
            .find_many::<Encounter>(&ids)?
            .into_iter()
            .map(|e| (e.meta.id, e.record.payer_id))
            .collect();
        // The encounters' charges by the encounter index (schema 20), not whole accounts.
        let mut charges: HashMap<i64, Charges> = HashMap::new();
        for charge in tx.select_in::<Charge>("encounter_id", &ids)? {
            if let Some(encounter) = charge.record.encounter_id {
                charges
                    .entry(encounter.0)
                    .or_default()
                    .push((ChargeId(charge.meta.id), charge.record));
            }
        }
        for list in charges.values_mut() {
            list.sort_by_key(|(id, c)| (c.service_date, id.0));
        }
        let mut claims: HashMap<i64, Vec<Stored<Claim>>> = HashMap::new();
        for claim in tx.select_in::<Claim>("encounter_id", &ids)? {
            claims
                .entry(claim.record.encounter_id.0)
                .or_default()
                .push(claim);
        }
        Ok(Self {
            encounters,
            charges,
            claims,
        })
    }

    /// The encounter CLP01 names and its charges, or why there is none.
    fn matched_charges(&self, payment: &ClaimPayment) -> Result<(EncounterId, Charges), String> {
        let Some((EncounterId(id), _)) = crate::lifecycle::parse_control_number(&payment.claim_id)
        else {
            return Err(
                "is not a claim Chartroom sent (its claims are E and the encounter number)".into(),
            );
        };
        if !self.encounters.contains_key(&id) {
            return Err(format!("encounter {id} does not exist"));
        }
        match self.charges.get(&id) {
            Some(charges) if !charges.is_empty() => Ok((EncounterId(id), charges.clone())),
            _ => Err(format!("encounter {id} has no charges to post against")),
        }
    }

    fn encounter_payer(&self, encounter: EncounterId) -> Option<PayerId> {
        self.encounters.get(&encounter.0).copied().flatten()
    }

    fn claims(&self, encounter: EncounterId) -> &[Stored<Claim>] {
        self.claims.get(&encounter.0).map_or(&[], Vec::as_slice)
    }

    fn replace_claim(&mut self, claim: Stored<Claim>) {
        let list = self.claims.entry(claim.record.encounter_id.0).or_default();
        match list.iter_mut().find(|c| c.meta.id == claim.meta.id) {
            Some(found) => *found = claim,
            None => list.push(claim),
        }
    }

    fn reload_claims(&mut self, tx: &mut Tx<'_>, encounter: EncounterId) -> store::Result<()> {
        let claims = crate::lifecycle::claims_of_encounter(tx, encounter)?;
        self.claims.insert(encounter.0, claims);
        Ok(())
    }
}

struct Poster<'t, 'c, 'r> {
    tx: &'t mut Tx<'c>,
    actor: &'r Actor,
    payer_id: PayerId,
    posted_on: Date,
    reference: String,
    report: &'r mut PostReport,
}

impl Poster<'_, '_, '_> {
    fn post(
        &mut self,
        charge: &(ChargeId, Charge),
        kind: PostingKind,
        cents: i64,
        reason: Option<String>,
    ) -> store::Result<()> {
        if cents == 0 {
            return Ok(());
        }
        // A negative amount (a reversal) moves the balance back up: a refund.
        let (kind, amount_cents) = if cents < 0 {
            (PostingKind::Refund, -cents)
        } else {
            (kind, cents)
        };
        self.tx.create(
            self.actor,
            &Posting {
                patient_id: charge.1.patient_id,
                charge_id: Some(charge.0),
                kind,
                source: PostingSource::Payer,
                payer_id: Some(self.payer_id),
                posted_on: self.posted_on,
                amount_cents,
                reason_code: reason,
                reference: Some(self.reference.clone()),
            },
        )?;
        Ok(())
    }

    fn payment(&mut self, charge: &(ChargeId, Charge), cents: i64) -> store::Result<()> {
        self.report.paid_cents += cents;
        self.post(charge, PostingKind::Payment, cents, None)
    }

    fn adjustment(
        &mut self,
        charge: &(ChargeId, Charge),
        adjustment: &Adjustment,
    ) -> store::Result<()> {
        if adjustment.group == "PR" {
            self.report.patient_responsibility_cents += adjustment.amount_cents;
            return Ok(());
        }
        if adjustment.reason == crate::coordination::PRIOR_PAYER_IMPACT {
            // Posted already, from the earlier payer's own 835.
            return Ok(());
        }
        self.report.adjusted_cents += adjustment.amount_cents;
        let reason: String = adjustment.reason.chars().take(5).collect();
        self.post(
            charge,
            PostingKind::Adjustment,
            adjustment.amount_cents,
            Some(format!("{}-{reason}", adjustment.group)),
        )
    }
}
