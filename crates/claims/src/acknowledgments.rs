//! Acknowledgments read back onto the claims: the 999 (005010X231A1) says whether each
//! 837 transaction set was accepted as X12 (IK5; a rejected one rejects every claim in it,
//! with the segment and element errors of IK3/IK4 as the reason); the 277CA (005010X214)
//! says per claim whether the payer accepted it into adjudication (STC01-1 category A1/A2
//! accepted, A3/A4/A6/A7/A8 rejected), naming the claim by its CLM01 (TRN02 of loop 2200D)
//! and giving the payer's claim number (REF*1K).
//!
//! Invariants:
//! - A damaged file changes nothing: every problem is named, with its position.
//! - Applying is idempotent: a claim already in the acknowledged status is left as it is;
//!   a claim the payer already decided on (paid, denied) is not moved back.
//! - What matches no claim sent is reported, never guessed.

use crate::lifecycle::parse_control_number;
use records::{Claim, ClaimStatus};
use store::{Actor, Stored, Tx, Value};
use x12::{Error, TransactionKind};

/// One acknowledgment, per transaction set (999) or per claim (277CA).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acknowledgment {
    /// A 999 answer to one 837 transaction set.
    TransactionSet {
        /// AK102: the group control number of the 837.
        group: i64,
        /// AK202: the transaction set control number.
        transaction: i64,
        /// IK501: `A` accepted, `E` accepted with errors, `R` rejected (and `M`, `W`, `X`).
        code: String,
        /// IK3/IK4 errors, in words with their positions.
        errors: Vec<String>,
        /// Segment number of the AK2.
        segment: usize,
    },
    /// A 277CA answer to one claim.
    Claim {
        /// TRN02: the CLM01 that was sent.
        control_number: String,
        /// STC01-1 and STC01-2 (`A3:21`).
        status: String,
        /// Accepted into adjudication.
        accepted: bool,
        /// REF*1K: the payer's claim number.
        payer_claim_number: Option<String>,
        /// STC12: the payer's words, when it gave some.
        message: Option<String>,
        /// Segment number of the STC.
        segment: usize,
    },
}

/// Reads every acknowledgment in a 999 or 277CA file; a damaged file gives its problems.
pub fn read_acknowledgments(text: &str) -> Result<Vec<Acknowledgment>, Vec<Error>> {
    let interchange = x12::read(text).map_err(|e| vec![e])?;
    if !interchange.problems.is_empty() {
        return Err(interchange.problems);
    }
    let mut acks = Vec::new();
    let mut errors = Vec::new();
    for transaction in interchange.transactions() {
        match transaction.kind {
            TransactionKind::Acknowledgment => read_999(transaction, &mut acks, &mut errors),
            TransactionKind::ClaimStatus => read_277(transaction, &mut acks, &mut errors),
            _ => errors.push(transaction.error(0, 1, "not a 999 or 277 transaction set")),
        }
    }
    if errors.is_empty() {
        Ok(acks)
    } else {
        Err(errors)
    }
}

fn number(
    transaction: &x12::Transaction<'_>,
    idx: usize,
    element: usize,
    errors: &mut Vec<Error>,
) -> i64 {
    let text = transaction
        .segments
        .get(idx)
        .map_or("", |s| s.element(element));
    text.trim().parse().unwrap_or_else(|_| {
        errors.push(transaction.error(idx, element, format!("{text:?} is not a control number")));
        0
    })
}

fn read_999(
    transaction: &x12::Transaction<'_>,
    acks: &mut Vec<Acknowledgment>,
    errors: &mut Vec<Error>,
) {
    let mut group = None;
    let mut open: Option<(i64, usize, Vec<String>)> = None;
    for (idx, segment) in transaction.segments.iter().enumerate() {
        match segment.id {
            "AK1" => group = Some(number(transaction, idx, 2, errors)),
            "AK2" => {
                open = Some((
                    number(transaction, idx, 2, errors),
                    segment.position.segment,
                    Vec::new(),
                ))
            }
            "IK3" => {
                if let Some((_, _, found)) = open.as_mut() {
                    let loop_id = segment.element(3);
                    found.push(format!(
                        "{} segment {}{}: error {}",
                        segment.element(1),
                        segment.element(2),
                        if loop_id.is_empty() {
                            String::new()
                        } else {
                            format!(" (loop {loop_id})")
                        },
                        segment.element(4)
                    ));
                }
            }
            "IK4" => {
                if let Some((_, _, found)) = open.as_mut() {
                    found.push(format!(
                        "element {}: error {}{}",
                        segment.element(1),
                        segment.element(3),
                        if segment.element(4).is_empty() {
                            String::new()
                        } else {
                            format!(" ({:?})", segment.element(4))
                        }
                    ));
                }
            }
            "IK5" => match (group, open.take()) {
                (Some(group), Some((transaction_number, at, found))) => {
                    acks.push(Acknowledgment::TransactionSet {
                        group,
                        transaction: transaction_number,
                        code: segment.element(1).to_owned(),
                        errors: found,
                        segment: at,
                    });
                }
                _ => errors.push(transaction.error(idx, 0, "IK5 without its AK1 and AK2")),
            },
            _ => {}
        }
    }
}

fn read_277(
    transaction: &x12::Transaction<'_>,
    acks: &mut Vec<Acknowledgment>,
    errors: &mut Vec<Error>,
) {
    // Loop 2200D (claim status tracking) follows the patient level (HL03 `PT`).
    let mut in_claim = false;
    let mut control_number: Option<String> = None;
    for (idx, segment) in transaction.segments.iter().enumerate() {
        match segment.id {
            "HL" => {
                in_claim = segment.element(3) == "PT";
                control_number = None;
            }
            "TRN" if in_claim && segment.element(1) == "2" => {
                control_number = Some(segment.element(2).to_owned());
            }
            "STC" if in_claim => {
                let Some(clm01) = control_number.clone() else {
                    errors.push(transaction.error(idx, 0, "STC before the claim's TRN"));
                    continue;
                };
                let category = segment.component(1, 1);
                let code = segment.component(1, 2);
                acks.push(Acknowledgment::Claim {
                    control_number: clm01,
                    status: format!("{category}:{code}"),
                    accepted: matches!(category, "A1" | "A2" | "A5"),
                    payer_claim_number: None,
                    message: Some(segment.element(12).trim())
                        .filter(|m| !m.is_empty())
                        .map(str::to_owned),
                    segment: segment.position.segment,
                });
            }
            "REF" if in_claim && segment.element(1) == "1K" => {
                if let Some(Acknowledgment::Claim {
                    payer_claim_number, ..
                }) = acks.last_mut()
                {
                    *payer_claim_number = Some(segment.element(2).to_owned());
                }
            }
            _ => {}
        }
    }
}

/// What applying acknowledgments did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AckReport {
    /// Claims whose status changed: id and new status.
    pub changed: Vec<(i64, ClaimStatus)>,
    /// Claims already in that status.
    pub unchanged: usize,
    /// Acknowledgments that match no claim sent, with why (segment and reason).
    pub unmatched: Vec<String>,
}

/// A claim as read and as written, for its audit entry.
pub type ClaimChange = (Stored<Claim>, Stored<Claim>);

/// Applies `acks` to the claims they name, in the caller's transaction; gives what it did
/// and each change.
pub fn apply_acknowledgments(
    tx: &mut Tx<'_>,
    actor: &Actor,
    acks: &[Acknowledgment],
) -> store::Result<(AckReport, Vec<ClaimChange>)> {
    let mut report = AckReport::default();
    let mut changes = Vec::new();
    for ack in acks {
        let (claims, status, reason, payer_number) = match ack {
            Acknowledgment::TransactionSet {
                group,
                transaction,
                code,
                errors,
                segment,
            } => {
                let claims = tx.select::<Claim>(
                    "group_control = ? AND transaction_control = ?",
                    &[Value::Int(*group), Value::Int(*transaction)],
                    "id",
                    i64::MAX,
                )?;
                if claims.is_empty() {
                    report.unmatched.push(format!(
                        "AK2, segment {segment}: no claim went out in group {group}, transaction set {transaction}"
                    ));
                    continue;
                }
                // A 999 acceptance is of the X12 only; the payer's acceptance is the 277CA's.
                if code != "R" {
                    report.unchanged += claims.len();
                    continue;
                }
                let reason = format!("999 rejected the transaction set: {}", errors.join("; "));
                (claims, ClaimStatus::Rejected, reason, None)
            }
            Acknowledgment::Claim {
                control_number,
                status,
                accepted,
                payer_claim_number,
                message,
                segment,
            } => {
                let claims: Vec<Stored<Claim>> = tx
                    .select::<Claim>(
                        "control_number = ?",
                        &[Value::from(control_number.as_str())],
                        "id DESC",
                        i64::MAX,
                    )?
                    .into_iter()
                    .filter(|c| {
                        matches!(
                            c.record.status,
                            ClaimStatus::Submitted | ClaimStatus::Accepted | ClaimStatus::Rejected
                        )
                    })
                    .take(1)
                    .collect();
                if claims.is_empty() {
                    let why = if parse_control_number(control_number).is_none() {
                        "is not a claim Chartroom sent"
                    } else {
                        "matches no claim awaiting acknowledgment"
                    };
                    report.unmatched.push(format!(
                        "STC, segment {segment} (claim {control_number}): {why}"
                    ));
                    continue;
                }
                let (new_status, reason) = if *accepted {
                    (ClaimStatus::Accepted, format!("277CA {status}"))
                } else {
                    let said = message
                        .as_deref()
                        .map(|m| format!(" ({m})"))
                        .unwrap_or_default();
                    (
                        ClaimStatus::Rejected,
                        format!("277CA rejected: {status}{said}"),
                    )
                };
                (claims, new_status, reason, payer_claim_number.clone())
            }
        };
        for before in claims {
            let record = &before.record;
            let moved = record.status == status
                || matches!(
                    record.status,
                    ClaimStatus::Paid
                        | ClaimStatus::Denied
                        | ClaimStatus::PartiallyPaid
                        | ClaimStatus::Corrected
                        | ClaimStatus::Voided
                );
            if moved || (record.status == ClaimStatus::Rejected && status == ClaimStatus::Accepted)
            {
                report.unchanged += 1;
                continue;
            }
            let next = Claim {
                status,
                status_reason: Some(reason.clone()),
                payer_claim_number: payer_number
                    .clone()
                    .or_else(|| record.payer_claim_number.clone()),
                ..record.clone()
            };
            let after = tx.update(actor, before.meta.id, before.meta.version, &next)?;
            report.changed.push((after.meta.id, status));
            changes.push((before, after));
        }
    }
    Ok((report, changes))
}
