//! What the payers owe and what they turned down: A/R aging by payer, days in A/R, and the
//! denials work queue grouped by reason.
//!
//! Definitions (written down because billing offices differ):
//! - Insurance A/R is the total of the claims the payer has not settled: sent and awaiting
//!   a decision (submitted, accepted) and sent back (rejected, denied) until corrected,
//!   voided or written off. Paid and partially paid claims leave A/R: what is left of them
//!   is the patient's or written off.
//! - Age runs from the date of service, in the buckets 0-30, 31-60, 61-90, 91-120, 120+ days.
//! - Days in A/R = the A/R / the average daily charges billed in the last 90 days (claims
//!   with a date of service in those days, voided and replaced ones left out).
//! - A denial's reason is its first adjustment that is neither the patient's (PR) nor the
//!   contract (CO-45, CO-253); a rejection's is the acknowledgment's status.

use crate::adjustment_codes::reason_description;
use records::{Claim, ClaimStatus, Payer, PayerId};
use std::collections::BTreeMap;
use store::{Stored, Tx, Value};
use time::Date;

/// The aging buckets, as the reports label them.
pub const AGING_BUCKETS: [&str; 5] = ["0-30", "31-60", "61-90", "91-120", "120+"];

/// The bucket of a claim `days` old.
pub fn bucket(days: i64) -> usize {
    match days {
        ..=30 => 0,
        31..=60 => 1,
        61..=90 => 2,
        91..=120 => 3,
        _ => 4,
    }
}

/// One payer's line of the aging report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PayerAging {
    /// The payer.
    pub payer_id: PayerId,
    /// Its name.
    pub payer: String,
    /// Cents owed per bucket.
    pub cents: [i64; 5],
    /// Claims per bucket.
    pub claims: [usize; 5],
}

impl PayerAging {
    /// All buckets.
    pub fn total_cents(&self) -> i64 {
        self.cents.iter().sum()
    }
}

/// The aging report.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Aging {
    /// The day it was made for.
    pub as_of: Date,
    /// Per payer, most owed first.
    pub payers: Vec<PayerAging>,
    /// Cents per bucket over every payer.
    pub totals: [i64; 5],
    /// Days in A/R, when anything was billed in the last 90 days.
    pub days_in_ar: Option<f64>,
}

impl Aging {
    /// The whole A/R.
    pub fn total_cents(&self) -> i64 {
        self.totals.iter().sum()
    }
}

const OWED: [ClaimStatus; 4] = [
    ClaimStatus::Submitted,
    ClaimStatus::Accepted,
    ClaimStatus::Rejected,
    ClaimStatus::Denied,
];

fn claims_in(tx: &mut Tx<'_>, statuses: &[ClaimStatus]) -> store::Result<Vec<Stored<Claim>>> {
    let marks = vec!["?"; statuses.len()].join(", ");
    let params: Vec<Value> = statuses.iter().map(|s| Value::from(s.as_str())).collect();
    tx.select::<Claim>(
        &format!("status IN ({marks})"),
        &params,
        "service_date, id",
        i64::MAX,
    )
}

/// A/R aging by payer on `as_of`, with days in A/R.
pub fn aging(tx: &mut Tx<'_>, as_of: Date) -> store::Result<Aging> {
    let owed = claims_in(tx, &OWED)?;
    let mut by_payer: BTreeMap<i64, PayerAging> = BTreeMap::new();
    let mut totals = [0i64; 5];
    for claim in &owed {
        let record = &claim.record;
        let idx = bucket((as_of - record.service_date).whole_days());
        let payer_id = record.payer_id;
        let entry = match by_payer.entry(payer_id.0) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                let payer = tx.get::<Payer>(payer_id.0)?.record.name;
                e.insert(PayerAging {
                    payer_id,
                    payer,
                    cents: [0; 5],
                    claims: [0; 5],
                })
            }
        };
        if let (Some(cents), Some(count), Some(total)) = (
            entry.cents.get_mut(idx),
            entry.claims.get_mut(idx),
            totals.get_mut(idx),
        ) {
            *cents += record.total_cents;
            *count += 1;
            *total += record.total_cents;
        }
    }
    let mut payers: Vec<PayerAging> = by_payer.into_values().collect();
    payers.sort_by_key(|p| std::cmp::Reverse(p.total_cents()));
    let since = as_of - time::Duration::days(90);
    let billed: i64 = tx
        .select::<Claim>(
            "service_date > ? AND service_date <= ?",
            &[Value::Date(since), Value::Date(as_of)],
            "id",
            i64::MAX,
        )?
        .iter()
        .filter(|c| {
            !matches!(
                c.record.status,
                ClaimStatus::Voided | ClaimStatus::Corrected
            ) && c.record.frequency == records::ClaimFrequency::Original
        })
        .map(|c| c.record.total_cents)
        .sum();
    let total: i64 = totals.iter().sum();
    #[allow(clippy::cast_precision_loss)] // Cents of a practice's A/R fit an f64 exactly.
    let days_in_ar = (billed > 0).then(|| total as f64 / (billed as f64 / 90.0));
    Ok(Aging {
        as_of,
        payers,
        totals,
        days_in_ar,
    })
}

/// One reason of the denials queue with its claims.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DenialGroup {
    /// `CO-97`, or the acknowledgment's status for rejections.
    pub reason: String,
    /// The reason in words (CARC description), when known.
    pub description: String,
    /// The claims, oldest date of service first.
    pub claims: Vec<Stored<Claim>>,
    /// Their total charges, in cents.
    pub cents: i64,
}

/// The denial reason of a claim (see the module's definitions).
pub fn denial_reason(claim: &Claim) -> String {
    if claim.status == ClaimStatus::Rejected {
        return claim
            .status_reason
            .as_deref()
            .and_then(|r| r.split(':').next())
            .map_or_else(|| "rejected".to_owned(), str::to_owned);
    }
    claim
        .adjustment_codes
        .iter()
        .find(|code| !code.starts_with("PR-") && !matches!(code.as_str(), "CO-45" | "CO-253"))
        .cloned()
        .unwrap_or_else(|| "no reason given".to_owned())
}

/// The denials queue: denied, partially paid and rejected claims grouped by reason, the
/// reasons with the most money first.
pub fn denials(tx: &mut Tx<'_>) -> store::Result<Vec<DenialGroup>> {
    let claims = claims_in(
        tx,
        &[
            ClaimStatus::Denied,
            ClaimStatus::PartiallyPaid,
            ClaimStatus::Rejected,
        ],
    )?;
    let mut groups: BTreeMap<String, Vec<Stored<Claim>>> = BTreeMap::new();
    for claim in claims {
        groups
            .entry(denial_reason(&claim.record))
            .or_default()
            .push(claim);
    }
    let mut out: Vec<DenialGroup> = groups
        .into_iter()
        .map(|(reason, claims)| {
            let description = reason
                .split_once('-')
                .and_then(|(_, code)| reason_description(code))
                .unwrap_or("")
                .to_owned();
            DenialGroup {
                cents: claims.iter().map(|c| c.record.total_cents).sum(),
                reason,
                description,
                claims,
            }
        })
        .collect();
    out.sort_by_key(|g| std::cmp::Reverse(g.cents));
    Ok(out)
}
