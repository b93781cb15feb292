//! Patients' accounts charge by charge: what insurance paid, what was adjusted, what the
//! patient paid, and whether what is left still waits on insurance or is the patient's to
//! pay. Statements and the aging by patient are both made from this.
//!
//! Definitions (written down because billing offices differ):
//! - A charge's balance is its amount less the payments and adjustments posted to it,
//!   plus refunds. Money posted to no charge is "on account" and is a credit.
//! - A charge waits on insurance while a live claim of its kind (837I for revenue codes,
//!   837P for the rest) for its encounter is not yet decided: drafted, scrubbed, sent,
//!   accepted, rejected or denied (as `receivables::aging` counts insurance A/R). A
//!   secondary claim drafted after the primary's 835 makes it wait again. A charge billed
//!   to an insurer with no claim in Chartroom (the demo's, an import's) waits until the
//!   payer's first posting on it.
//! - Otherwise the balance is the patient's, owed since the payer's decision (the latest
//!   adjudication of its claims, else the latest payer posting on it), or since the date
//!   of service when no insurer was billed.
//! - A patient's credits (a charge overpaid, money on account) pay their oldest patient
//!   balance first, as payments are applied at the desk.

use crate::build::is_revenue_code;
use crate::receivables::bucket;
use records::dates::iso_date;
use records::{Charge, Claim, ClaimKind, ClaimStatus, Payer, PayerKind, Posting, PostingKind};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use store::{Tx, Value};
use time::Date;

/// One charge of an account as it stands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChargeItem {
    /// The charge's record id.
    pub charge_id: i64,
    /// Its encounter.
    pub encounter_id: Option<i64>,
    /// CPT, HCPCS or revenue code.
    pub code: Option<String>,
    /// The service in words.
    pub description: String,
    /// Date of service.
    #[serde(with = "iso_date")]
    pub service_date: Date,
    /// Amount charged, in cents.
    pub charge_cents: i64,
    /// Payers' payments less their refunds, in cents.
    pub insurance_paid_cents: i64,
    /// Adjustments (contractual, write-offs), in cents.
    pub adjusted_cents: i64,
    /// The patient's payments less refunds to the patient, in cents.
    pub patient_paid_cents: i64,
    /// What is left, in cents (negative when overpaid).
    pub balance_cents: i64,
    /// Still waiting on an insurer's decision.
    pub with_insurance: bool,
    /// Since when the balance is the patient's (see the module's definitions).
    #[serde(with = "iso_date")]
    pub owed_since: Date,
    /// The latest posting on it, if any.
    #[serde(with = "iso_date::option")]
    pub last_posted: Option<Date>,
}

/// One patient's account.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Account {
    /// The charges, by date of service.
    pub items: Vec<ChargeItem>,
    /// Money posted to no charge (payments less refunds), in cents: a credit.
    pub on_account_cents: i64,
}

impl Account {
    /// The whole balance, in cents.
    pub fn balance_cents(&self) -> i64 {
        self.items.iter().map(|i| i.balance_cents).sum::<i64>() - self.on_account_cents
    }

    /// What still waits on insurance, in cents.
    pub fn insurance_pending_cents(&self) -> i64 {
        self.items
            .iter()
            .filter(|i| i.with_insurance)
            .map(|i| i.balance_cents.max(0))
            .sum()
    }

    /// What the patient owes now (negative: a credit), in cents.
    pub fn patient_due_cents(&self) -> i64 {
        self.balance_cents() - self.insurance_pending_cents()
    }

    /// The patient's share by age on `as_of` (`AGING_BUCKETS`), credits taken from the
    /// oldest first; all zero when the patient owes nothing.
    pub fn patient_aging(&self, as_of: Date) -> [i64; 5] {
        let mut buckets = [0i64; 5];
        // Overpaid charges of the patient's and money on account are credits; an overpaid
        // charge still with insurance waits for the payer like the rest of it.
        let mut credit = self.on_account_cents;
        for item in self.items.iter().filter(|i| !i.with_insurance) {
            if item.balance_cents < 0 {
                credit -= item.balance_cents;
            } else if let Some(slot) =
                buckets.get_mut(bucket((as_of - item.owed_since).whole_days()))
            {
                *slot += item.balance_cents;
            }
        }
        for slot in buckets.iter_mut().rev() {
            let used = credit.min(*slot).max(0);
            *slot -= used;
            credit -= used;
        }
        buckets
    }
}

#[derive(Deserialize)]
struct ChargeRow {
    id: i64,
    patient_id: i64,
    encounter_id: Option<i64>,
    code: Option<String>,
    description: String,
    #[serde(with = "iso_date")]
    service_date: Date,
    amount_cents: i64,
    payer_id: Option<i64>,
}

#[derive(Deserialize)]
struct PostingRow {
    patient_id: i64,
    charge_id: Option<i64>,
    kind: PostingKind,
    source: records::PostingSource,
    #[serde(with = "iso_date")]
    posted_on: Date,
    amount_cents: i64,
}

#[derive(Deserialize)]
struct ClaimRow {
    encounter_id: i64,
    kind: ClaimKind,
    status: ClaimStatus,
    #[serde(with = "iso_date::option")]
    adjudicated_on: Option<Date>,
}

#[derive(Deserialize)]
struct PayerRow {
    id: i64,
    kind: PayerKind,
}

/// Where an encounter's claims of one kind stand.
#[derive(Default)]
struct ClaimsOf {
    undecided: bool,
    decided_on: Option<Date>,
}

/// The accounts on `as_of` (charges served and postings posted by then) of one patient, or
/// of every patient with a charge; read in one query per kind of record.
pub fn accounts(
    tx: &mut Tx<'_>,
    patient: Option<i64>,
    as_of: Date,
) -> store::Result<BTreeMap<i64, Account>> {
    let (whose, mut params) = match patient {
        Some(id) => ("patient_id = ? AND ", vec![Value::Int(id)]),
        None => ("", Vec::new()),
    };
    params.push(Value::Date(as_of));
    let charges: Vec<ChargeRow> = tx.project::<Charge, ChargeRow>(
        &[
            "id",
            "patient_id",
            "encounter_id",
            "code",
            "description",
            "service_date",
            "amount_cents",
            "payer_id",
        ],
        &format!("{whose}service_date <= ?"),
        &params,
        "patient_id, service_date, id",
    )?;
    let postings: Vec<PostingRow> = tx.project::<Posting, PostingRow>(
        &[
            "patient_id",
            "charge_id",
            "kind",
            "source",
            "posted_on",
            "amount_cents",
        ],
        &format!("{whose}posted_on <= ?"),
        &params,
        "id",
    )?;
    let mut claims: HashMap<(i64, ClaimKind), ClaimsOf> = HashMap::new();
    let claim_params = params.get(..params.len() - 1).unwrap_or_default();
    for claim in tx.project::<Claim, ClaimRow>(
        &["encounter_id", "kind", "status", "adjudicated_on"],
        &format!("{whose}status NOT IN ('corrected', 'voided')"),
        claim_params,
        "id",
    )? {
        let of = claims.entry((claim.encounter_id, claim.kind)).or_default();
        match claim.status {
            ClaimStatus::Paid | ClaimStatus::PartiallyPaid => {
                of.decided_on = of.decided_on.max(claim.adjudicated_on);
            }
            _ => of.undecided = true,
        }
    }
    let self_pay: HashSet<i64> = tx
        .project::<Payer, PayerRow>(&["id", "kind"], "1 = 1", &[], "id")?
        .into_iter()
        .filter(|p| p.kind == PayerKind::SelfPay)
        .map(|p| p.id)
        .collect();

    let mut out: BTreeMap<i64, Account> = BTreeMap::new();
    let mut at: HashMap<i64, (i64, usize)> = HashMap::new();
    let mut payer_posted: HashMap<i64, Date> = HashMap::new();
    let mut billed_to: HashMap<i64, Option<i64>> = HashMap::new();
    for charge in charges {
        let account = out.entry(charge.patient_id).or_default();
        at.insert(charge.id, (charge.patient_id, account.items.len()));
        billed_to.insert(charge.id, charge.payer_id);
        account.items.push(ChargeItem {
            charge_id: charge.id,
            encounter_id: charge.encounter_id,
            code: charge.code,
            description: charge.description,
            service_date: charge.service_date,
            charge_cents: charge.amount_cents,
            insurance_paid_cents: 0,
            adjusted_cents: 0,
            patient_paid_cents: 0,
            balance_cents: charge.amount_cents,
            with_insurance: false,
            owed_since: charge.service_date,
            last_posted: None,
        });
    }
    for posting in postings {
        let item = posting
            .charge_id
            .and_then(|id| at.get(&id))
            .and_then(|(patient, idx)| out.get_mut(patient)?.items.get_mut(*idx));
        let Some(item) = item else {
            // Money on account; a posting on a charge served after `as_of` is left out
            // with its charge.
            if posting.charge_id.is_none() {
                out.entry(posting.patient_id).or_default().on_account_cents -= signed(&posting);
            }
            continue;
        };
        let effect = signed(&posting);
        item.balance_cents += effect;
        item.last_posted = item.last_posted.max(Some(posting.posted_on));
        let by_payer = posting.source == records::PostingSource::Payer;
        match posting.kind {
            PostingKind::Adjustment => item.adjusted_cents += posting.amount_cents,
            PostingKind::Payment | PostingKind::Refund if by_payer => {
                item.insurance_paid_cents -= effect;
            }
            PostingKind::Payment | PostingKind::Refund => item.patient_paid_cents -= effect,
        }
        if by_payer {
            let last = payer_posted
                .entry(item.charge_id)
                .or_insert(posting.posted_on);
            *last = (*last).max(posting.posted_on);
        }
    }
    for account in out.values_mut() {
        for item in &mut account.items {
            let kind = match item.code.as_deref() {
                Some(code) if is_revenue_code(code) => ClaimKind::Institutional,
                _ => ClaimKind::Professional,
            };
            let of = item.encounter_id.and_then(|e| claims.get(&(e, kind)));
            let insured = billed_to
                .get(&item.charge_id)
                .copied()
                .flatten()
                .is_some_and(|payer| !self_pay.contains(&payer));
            let payer_date = payer_posted.get(&item.charge_id).copied();
            (item.with_insurance, item.owed_since) = match of {
                Some(of) if of.undecided => (true, item.service_date),
                Some(of) => (
                    false,
                    of.decided_on.max(payer_date).unwrap_or(item.service_date),
                ),
                None if insured => (
                    payer_date.is_none(),
                    payer_date.unwrap_or(item.service_date),
                ),
                None => (false, item.service_date),
            };
        }
    }
    Ok(out)
}

/// How much `posting` moves its balance: payments and adjustments down, refunds up.
fn signed(posting: &PostingRow) -> i64 {
    match posting.kind {
        PostingKind::Payment | PostingKind::Adjustment => -posting.amount_cents,
        PostingKind::Refund => posting.amount_cents,
    }
}

/// One patient's line of the aging by patient.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PatientAging {
    /// The patient's record id.
    pub patient_id: i64,
    /// "Family, Given".
    pub patient: String,
    /// The MRN.
    pub mrn: String,
    /// What the patient owes per bucket (`AGING_BUCKETS`), in cents.
    pub cents: [i64; 5],
    /// What still waits on insurance, in cents.
    pub insurance_pending_cents: i64,
}

impl PatientAging {
    /// What the patient owes, in cents.
    pub fn total_cents(&self) -> i64 {
        self.cents.iter().sum()
    }
}

/// A/R aging by patient.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PatientAgingReport {
    /// The day it was made for.
    #[serde(with = "iso_date")]
    pub as_of: Date,
    /// The patients who owe something, most owed first.
    pub patients: Vec<PatientAging>,
    /// Cents per bucket over every patient.
    pub totals: [i64; 5],
    /// What waits on insurance over every patient, in cents.
    pub insurance_pending_cents: i64,
}

impl PatientAgingReport {
    /// What patients owe.
    pub fn total_cents(&self) -> i64 {
        self.totals.iter().sum()
    }
}

/// A/R aging by patient on `as_of`: what each patient owes by age (see the module's
/// definitions), most owed first.
pub fn patient_aging(tx: &mut Tx<'_>, as_of: Date) -> store::Result<PatientAgingReport> {
    let mut report = PatientAgingReport {
        as_of,
        patients: Vec::new(),
        totals: [0; 5],
        insurance_pending_cents: 0,
    };
    for (patient_id, account) in accounts(tx, None, as_of)? {
        let cents = account.patient_aging(as_of);
        let pending = account.insurance_pending_cents();
        report.insurance_pending_cents += pending;
        if cents.iter().all(|c| *c == 0) {
            continue;
        }
        for (total, c) in report.totals.iter_mut().zip(cents) {
            *total += c;
        }
        let person = tx.get::<records::Patient>(patient_id)?.record;
        report.patients.push(PatientAging {
            patient_id,
            patient: person.display_name(),
            mrn: person.mrn.to_string(),
            cents,
            insurance_pending_cents: pending,
        });
    }
    report
        .patients
        .sort_by_key(|p| (std::cmp::Reverse(p.total_cents()), p.patient_id));
    Ok(report)
}
