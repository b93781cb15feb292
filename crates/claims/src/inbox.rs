//! Remittances as billing receives them, and billing's daily work in one read.
//!
//! An 835 is kept as a `records::RemittanceAdvice` from the day it arrives (received), and
//! marked posted when its payments are posted, with the claim payments that matched no
//! claim kept on it for the work queue. Posting the same 835 again posts only what did not
//! match before (`post_remittance` skips what it posted), and the unmatched list becomes
//! what is still unmatched, so fixing the claim and reposting clears the queue.
//!
//! `billing_work` is what the billing office has to do today: denied and partly paid
//! claims by reason, claims the scrubber holds, remittances not yet posted and those with
//! payments that matched nothing.
//!
//! Invariants:
//! - One record per payer and trace number; receiving the same 835 twice changes nothing.
//! - Posting and recording happen in the caller's transaction: a remittance that does not
//!   balance posts nothing and records nothing.

use crate::posting::{PostError, PostReport, post_remittance};
use crate::receivables::{DenialGroup, denials};
use crate::remittance::Remittance;
use crate::scrub::work_queue;
use records::{Claim, RemittanceAdvice, RemittanceStatus, UnmatchedPayment};
use store::{Actor, Stored, Tx, Value};
use time::Date;

/// The stored remittance of `remittance`'s payer and trace number, if received.
pub fn received_remittance(
    tx: &mut Tx<'_>,
    remittance: &Remittance,
) -> store::Result<Option<Stored<RemittanceAdvice>>> {
    Ok(tx
        .select::<RemittanceAdvice>(
            "payer_name = ? AND trace = ?",
            &[
                Value::from(remittance.payer_name.as_str()),
                Value::from(remittance.trace.as_str()),
            ],
            "id",
            1,
        )?
        .into_iter()
        .next())
}

/// Keeps `remittance` (from `file_name`) as received on `received_on`, not posted; a
/// remittance received before is returned as it is.
pub fn receive_remittance(
    tx: &mut Tx<'_>,
    actor: &Actor,
    remittance: &Remittance,
    file_name: &str,
    received_on: Date,
) -> store::Result<Stored<RemittanceAdvice>> {
    if let Some(known) = received_remittance(tx, remittance)? {
        return Ok(known);
    }
    let claim_payments = i64::try_from(remittance.claims.len()).unwrap_or(i64::MAX);
    tx.create(
        actor,
        &RemittanceAdvice {
            payer_name: remittance.payer_name.clone(),
            trace: remittance.trace.clone(),
            payment_cents: remittance.payment_cents,
            claim_payments,
            file_name: file_name.to_owned(),
            received_on,
            status: RemittanceStatus::Received,
            posted_on: None,
            unmatched: Vec::new(),
            unmatched_count: 0,
        },
    )
}

/// Posts `remittance` on `posted_on` (`post_remittance`) and records it as posted, with
/// the claim payments still unmatched; receives it first when it was not received.
pub fn post_received(
    tx: &mut Tx<'_>,
    actor: &Actor,
    remittance: &Remittance,
    file_name: &str,
    posted_on: Date,
) -> Result<(PostReport, Stored<RemittanceAdvice>), PostError> {
    let report = post_remittance(tx, actor, remittance, posted_on)?;
    let stored = receive_remittance(tx, actor, remittance, file_name, posted_on)?;
    let unmatched: Vec<UnmatchedPayment> = report
        .unmatched
        .iter()
        .map(|u| UnmatchedPayment {
            claim_id: u.claim_id.clone(),
            segment: i64::try_from(u.segment).unwrap_or(i64::MAX),
            paid_cents: u.paid_cents,
            reason: u.reason.clone(),
        })
        .collect();
    let record = RemittanceAdvice {
        status: RemittanceStatus::Posted,
        posted_on: Some(posted_on),
        unmatched_count: i64::try_from(unmatched.len()).unwrap_or(i64::MAX),
        unmatched,
        ..stored.record.clone()
    };
    let stored = if record == stored.record {
        stored
    } else {
        tx.update(actor, stored.meta.id, stored.meta.version, &record)?
    };
    Ok((report, stored))
}

/// What the billing office has to work.
#[derive(Debug, Clone)]
pub struct BillingWork {
    /// Denied, partly paid and rejected claims by reason, the most money first.
    pub denials: Vec<DenialGroup>,
    /// Drafts the scrubber holds (blocking edits open), oldest date of service first.
    pub held: Vec<Stored<Claim>>,
    /// Remittances received and not posted, oldest first.
    pub unposted: Vec<Stored<RemittanceAdvice>>,
    /// Posted remittances with claim payments that matched no claim, oldest first.
    pub unmatched: Vec<Stored<RemittanceAdvice>>,
}

impl BillingWork {
    /// Nothing to do.
    pub fn is_empty(&self) -> bool {
        self.denials.is_empty()
            && self.held.is_empty()
            && self.unposted.is_empty()
            && self.unmatched.is_empty()
    }
}

/// Billing's work today, at most `limit` held claims and remittances of each kind.
pub fn billing_work(tx: &mut Tx<'_>, limit: i64) -> store::Result<BillingWork> {
    let unposted = tx.select::<RemittanceAdvice>(
        "status = ?",
        &[Value::from(RemittanceStatus::Received.as_str())],
        "received_on, id",
        limit,
    )?;
    let unmatched = tx.select::<RemittanceAdvice>(
        "status = ? AND unmatched_count > 0",
        &[Value::from(RemittanceStatus::Posted.as_str())],
        "received_on, id",
        limit,
    )?;
    Ok(BillingWork {
        denials: denials(tx)?,
        held: work_queue(tx, limit)?,
        unposted,
        unmatched,
    })
}
