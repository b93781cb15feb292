//! Claims as stored records (`records::Claim`): drafted from a finished encounter, scrubbed,
//! sent in an 837P, replaced or voided (frequency 7/8 naming the payer's claim number), and
//! adjudicated by the 835s that come back.
//!
//! Invariants:
//! - One live claim per encounter and coverage order: drafting again returns the claim on
//!   file (refreshed while it is still open) instead of a second one.
//! - Everything happens in the caller's transaction: a submission reserves its control
//!   numbers, moves its claims to `submitted` and marks what they replace, or does nothing.
//! - Only scrubbed claims are sent; the others are held with the reason.

use crate::adjustment_codes::reason_description;
use crate::build::{Built, Side, build_claim};
use crate::claim::ProfessionalClaim;
use crate::institutional::build_facility;
use crate::institutional::{InstitutionalClaim, write_837i};
use crate::professional::{MAX_CLAIMS_PER_TRANSACTION, Numbers, write_837p};
use crate::remittance::ClaimPayment;
use crate::sources::Sources;
use crate::submitter::Submitter;
use records::{
    AdjustmentAmount, Claim, ClaimAdjudication, ClaimFrequency, ClaimId, ClaimKind, ClaimStatus,
    CoverageOrder, EncounterId, LineAdjudication, ValidationErrors,
};
use std::collections::HashMap;
use store::{Actor, ControlKind, Stored, Tx, Value};
use time::PrimitiveDateTime;

/// The encounter and kind a CLM01 Chartroom wrote names: `E12` the professional claim of
/// encounter 12, `E12I` its institutional claim.
pub fn parse_control_number(clm01: &str) -> Option<(EncounterId, ClaimKind)> {
    let number = clm01.strip_prefix('E')?;
    let (digits, kind) = match number.strip_suffix('I') {
        Some(digits) => (digits, ClaimKind::Institutional),
        None => (number, ClaimKind::Professional),
    };
    Some((EncounterId(digits.parse().ok()?), kind))
}

/// The claims of one encounter, oldest first.
pub fn claims_of_encounter(
    tx: &mut Tx<'_>,
    encounter_id: EncounterId,
) -> store::Result<Vec<Stored<Claim>>> {
    tx.select::<Claim>(
        "encounter_id = ?",
        &[Value::Int(encounter_id.0)],
        "id",
        i64::MAX,
    )
}

/// The live claim (open, or with the payer) of `kind` for `encounter_id` to the payer of
/// `order`.
pub fn live_claim(
    tx: &mut Tx<'_>,
    encounter_id: EncounterId,
    order: CoverageOrder,
    kind: ClaimKind,
) -> store::Result<Option<Stored<Claim>>> {
    Ok(live_among(&claims_of_encounter(tx, encounter_id)?, order, kind).cloned())
}

/// The live claim of `kind` to the payer of `order` among one encounter's claims.
fn live_among(
    claims: &[Stored<Claim>],
    order: CoverageOrder,
    kind: ClaimKind,
) -> Option<&Stored<Claim>> {
    claims
        .iter()
        .filter(|c| {
            c.record.coverage_order == order
                && c.record.kind == kind
                && (c.record.status.is_open()
                    || c.record.status.is_at_payer()
                    || c.record.status == ClaimStatus::Rejected)
        })
        .max_by_key(|c| c.meta.id)
}

fn invalid(errors: ValidationErrors) -> store::Error {
    store::Error::Invalid {
        kind: "claim",
        errors,
    }
}

/// Drafts the claim of `kind` for `encounter_id` to the payer of `order`, or returns the
/// live one on file (an open one refreshed from the chart: its total, payer and date of
/// service, and back to draft when they changed, so it is scrubbed again); the inner error
/// is every reason the claim cannot be built.
pub fn draft_claim(
    tx: &mut Tx<'_>,
    actor: &Actor,
    encounter_id: EncounterId,
    order: CoverageOrder,
    kind: ClaimKind,
) -> store::Result<Built<Stored<Claim>>> {
    let sources = Sources::load(tx, &[encounter_id])?;
    let live = live_claim(tx, encounter_id, order, kind)?;
    draft_from(tx, actor, &sources, live, (encounter_id, order, kind))
}

/// Drafts the claims of `kind` for `encounters` to the payers of `order`, as `draft_claim`
/// does each, reading the chart and the claims on file once for the whole batch: each
/// encounter with its claim or every reason it cannot be built.
pub fn draft_claims(
    tx: &mut Tx<'_>,
    actor: &Actor,
    encounters: &[EncounterId],
    order: CoverageOrder,
    kind: ClaimKind,
) -> store::Result<Vec<(EncounterId, Built<Stored<Claim>>)>> {
    let sources = Sources::load(tx, encounters)?;
    let ids: Vec<i64> = encounters.iter().map(|e| e.0).collect();
    let mut on_file: HashMap<i64, Vec<Stored<Claim>>> = HashMap::new();
    for claim in tx.select_in::<Claim>("encounter_id", &ids)? {
        on_file
            .entry(claim.record.encounter_id.0)
            .or_default()
            .push(claim);
    }
    let mut drafted = Vec::with_capacity(encounters.len());
    for &encounter_id in encounters {
        let claims = on_file.entry(encounter_id.0).or_default();
        let live = live_among(claims, order, kind).cloned();
        let draft = draft_from(tx, actor, &sources, live, (encounter_id, order, kind))?;
        // An encounter named twice finds the claim drafted the first time.
        if let Ok(claim) = &draft {
            claims.retain(|c| c.meta.id != claim.meta.id);
            claims.push(claim.clone());
        }
        drafted.push((encounter_id, draft));
    }
    Ok(drafted)
}

/// Drafts one claim built from `sources`, given the live claim on file.
fn draft_from(
    tx: &mut Tx<'_>,
    actor: &Actor,
    sources: &Sources,
    live: Option<Stored<Claim>>,
    (encounter_id, order, kind): (EncounterId, CoverageOrder, ClaimKind),
) -> store::Result<Built<Stored<Claim>>> {
    let built = match kind {
        ClaimKind::Professional => {
            build_claim(tx, sources, encounter_id, order, Side::Professional)?
        }
        ClaimKind::Institutional => {
            build_facility(tx, sources, encounter_id, order)?.map(|claim| claim.base)
        }
    };
    let built = match built {
        Ok(built) => built,
        Err(problems) => return Ok(Err(problems)),
    };
    let service_date = first_service_date(&built);
    if let Some(live) = live {
        let record = &live.record;
        let fresh = record.total_cents == built.total_cents()
            && record.payer_id == built.payer_id
            && record.service_date == service_date;
        if fresh || !record.status.is_open() {
            return Ok(Ok(live));
        }
        let refreshed = Claim {
            total_cents: built.total_cents(),
            payer_id: built.payer_id,
            service_date,
            status: ClaimStatus::Draft,
            ..record.clone()
        };
        return tx
            .update(actor, live.meta.id, live.meta.version, &refreshed)
            .map(Ok);
    }
    let claim = Claim::original(
        kind,
        built.patient_id,
        encounter_id,
        built.payer_id,
        order,
        &built.claim_id,
        service_date,
        built.total_cents(),
    );
    tx.create(actor, &claim).map(Ok)
}

fn first_service_date(built: &ProfessionalClaim) -> time::Date {
    built
        .lines
        .iter()
        .map(|l| l.service_date)
        .min()
        .unwrap_or(time::Date::MIN)
}

/// Drafts a replacement (frequency 7) or void (frequency 8) of claim `id`, which the payer
/// must have (its claim number known from an 835).
pub fn draft_replacement(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: ClaimId,
    frequency: ClaimFrequency,
) -> store::Result<Stored<Claim>> {
    let original = tx.get::<Claim>(id.0)?;
    let replacement = original
        .record
        .replacement(id, frequency)
        .map_err(invalid)?;
    tx.create(actor, &replacement)
}

/// Gives a claim built from the chart the stored claim's CLM01, frequency and REF*F8.
fn as_stored(built: &mut ProfessionalClaim, claim: &Claim) {
    built.claim_id = claim.control_number.clone();
    built.frequency = claim.frequency.code();
    built.payer_claim_number = match claim.frequency {
        ClaimFrequency::Original => None,
        _ => claim.payer_claim_number.clone(),
    };
}

/// Overrides blocking edit `key` of claim `id` with `reason`, by `by` at `at`: the claim as
/// read and as written (scrubbed once no blocking edit is left open).
pub fn override_edit(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: ClaimId,
    key: &str,
    reason: &str,
    by: &str,
    at: time::OffsetDateTime,
) -> store::Result<(Stored<Claim>, Stored<Claim>)> {
    let before = tx.get::<Claim>(id.0)?;
    let next = before
        .record
        .overridden(key, reason, by, at)
        .map_err(invalid)?;
    let after = tx.update(actor, id.0, before.meta.version, &next)?;
    Ok((before, after))
}

/// The 837P claim of a stored professional claim, built from the chart as it is now, with
/// the stored claim's CLM01, frequency and payer claim number.
pub fn professional_claim(
    tx: &mut Tx<'_>,
    claim: &Claim,
) -> store::Result<Built<ProfessionalClaim>> {
    let sources = Sources::load(tx, &[claim.encounter_id])?;
    professional_from(tx, &sources, claim)
}

/// The 837I claim of a stored institutional claim, as `professional_claim` does it.
pub fn institutional_claim(
    tx: &mut Tx<'_>,
    claim: &Claim,
) -> store::Result<Built<InstitutionalClaim>> {
    let sources = Sources::load(tx, &[claim.encounter_id])?;
    institutional_from(tx, &sources, claim)
}

/// `professional_claim` from the chart as `sources` read it.
pub(crate) fn professional_from(
    tx: &mut Tx<'_>,
    sources: &Sources,
    claim: &Claim,
) -> store::Result<Built<ProfessionalClaim>> {
    let built = build_claim(
        tx,
        sources,
        claim.encounter_id,
        claim.coverage_order,
        Side::Professional,
    )?;
    Ok(built.map(|mut built| {
        as_stored(&mut built, claim);
        built
    }))
}

/// `institutional_claim` from the chart as `sources` read it.
pub(crate) fn institutional_from(
    tx: &mut Tx<'_>,
    sources: &Sources,
    claim: &Claim,
) -> store::Result<Built<InstitutionalClaim>> {
    let built = build_facility(tx, sources, claim.encounter_id, claim.coverage_order)?;
    Ok(built.map(|mut built| {
        as_stored(&mut built.base, claim);
        built
    }))
}

/// The stored claims with these ids, in the order given; an id not on file is `NotFound`.
pub(crate) fn claims_by_id(tx: &mut Tx<'_>, ids: &[i64]) -> store::Result<Vec<Stored<Claim>>> {
    let found: HashMap<i64, Stored<Claim>> = tx
        .find_many::<Claim>(ids)?
        .into_iter()
        .map(|c| (c.meta.id, c))
        .collect();
    ids.iter()
        .map(|id| {
            found.get(id).cloned().ok_or(store::Error::NotFound {
                kind: "claim",
                id: *id,
            })
        })
        .collect()
}

/// One 837 file of a submission.
#[derive(Debug, Clone)]
pub struct SentFile {
    /// 837P or 837I.
    pub kind: ClaimKind,
    /// The X12 text.
    pub text: String,
    /// Its control numbers.
    pub numbers: Numbers,
}

/// What one submission did.
#[derive(Debug, Clone, Default)]
pub struct Submission {
    /// The files written: an 837P for professional claims, an 837I for institutional ones.
    pub files: Vec<SentFile>,
    /// The claims sent, as stored now (`submitted`).
    pub sent: Vec<Stored<Claim>>,
    /// The claims held back, each with why.
    pub held: Vec<(ClaimId, String)>,
}

/// Sends the scrubbed claims among `ids` created `at`, in the caller's transaction: one
/// 837P for the professional claims and one 837I for the institutional ones, each with
/// its reserved control numbers; each claim `submitted`, and the claims a replacement or
/// void names marked `corrected` or `voided`.
pub fn submit_claims(
    tx: &mut Tx<'_>,
    actor: &Actor,
    ids: &[ClaimId],
    submitter: &Submitter,
    at: PrimitiveDateTime,
    delimiters: x12::Delimiters,
) -> store::Result<Submission> {
    let mut submission = Submission::default();
    let mut professional = Vec::new();
    let mut institutional = Vec::new();
    // A claim named twice is sent once.
    let mut ids = ids.to_vec();
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.0));
    let raw: Vec<i64> = ids.iter().map(|id| id.0).collect();
    let claims = claims_by_id(tx, &raw)?;
    let encounters: Vec<EncounterId> = claims
        .iter()
        .filter(|c| c.record.status == ClaimStatus::Scrubbed)
        .map(|c| c.record.encounter_id)
        .collect();
    let sources = Sources::load(tx, &encounters)?;
    for (id, stored) in ids.iter().zip(claims) {
        if stored.record.status != ClaimStatus::Scrubbed {
            let open = stored.record.open_edits().count();
            submission.held.push((
                *id,
                format!(
                    "is {}{}; only a scrubbed claim is sent",
                    stored.record.status.as_str(),
                    if open > 0 {
                        format!(" with {open} open edits")
                    } else {
                        String::new()
                    }
                ),
            ));
            continue;
        }
        let built = match stored.record.kind {
            ClaimKind::Professional => professional_from(tx, &sources, &stored.record)?
                .map(|b| professional.push((stored.clone(), b))),
            ClaimKind::Institutional => institutional_from(tx, &sources, &stored.record)?
                .map(|b| institutional.push((stored.clone(), b))),
        };
        if let Err(problems) = built {
            let reasons: Vec<String> = problems.iter().map(ToString::to_string).collect();
            submission.held.push((*id, reasons.join("; ")));
        }
    }
    if !professional.is_empty() {
        let numbers = reserve(tx, submitter, professional.len())?;
        let built: Vec<ProfessionalClaim> = professional.iter().map(|(_, b)| b.clone()).collect();
        let text = write_837p(&built, submitter, numbers, at, delimiters)
            .map_err(|e| store::Error::Conflict(format!("the 837P cannot be written: {e}")))?;
        let stored = professional.into_iter().map(|(s, _)| s).collect();
        sent(tx, actor, stored, numbers, at, &mut submission)?;
        submission.files.push(SentFile {
            kind: ClaimKind::Professional,
            text,
            numbers,
        });
    }
    if !institutional.is_empty() {
        let numbers = reserve(tx, submitter, institutional.len())?;
        let built: Vec<InstitutionalClaim> = institutional.iter().map(|(_, b)| b.clone()).collect();
        let text = write_837i(&built, submitter, numbers, at, delimiters)
            .map_err(|e| store::Error::Conflict(format!("the 837I cannot be written: {e}")))?;
        let stored = institutional.into_iter().map(|(s, _)| s).collect();
        sent(tx, actor, stored, numbers, at, &mut submission)?;
        submission.files.push(SentFile {
            kind: ClaimKind::Institutional,
            text,
            numbers,
        });
    }
    Ok(submission)
}

/// Reserves the numbers of one file of `n_claims` claims.
fn reserve(tx: &mut Tx<'_>, submitter: &Submitter, n_claims: usize) -> store::Result<Numbers> {
    Ok(Numbers {
        interchange: tx.reserve_control_numbers(&submitter.id, ControlKind::Interchange, 1)?,
        group: tx.reserve_control_numbers(&submitter.id, ControlKind::Group, 1)?,
        first_transaction: tx.reserve_control_numbers(
            &submitter.id,
            ControlKind::Transaction,
            Numbers::transactions_for(n_claims),
        )?,
    })
}

/// Marks `claims` sent in the file of `numbers`, and what they replace.
fn sent(
    tx: &mut Tx<'_>,
    actor: &Actor,
    claims: Vec<Stored<Claim>>,
    numbers: Numbers,
    at: PrimitiveDateTime,
    submission: &mut Submission,
) -> store::Result<()> {
    for (claim_idx, stored) in claims.into_iter().enumerate() {
        let transaction = u32::try_from(claim_idx / MAX_CLAIMS_PER_TRANSACTION)
            .map_or(u32::MAX, |n| numbers.first_transaction.saturating_add(n));
        let sent = stored
            .record
            .submitted(
                at.date(),
                i64::from(numbers.interchange),
                i64::from(numbers.group),
                i64::from(transaction),
            )
            .map_err(invalid)?;
        let sent = tx.update_stored(actor, stored, &sent)?;
        if let Some(replaced) = sent.record.replaces_claim_id {
            let old = tx.get::<Claim>(replaced.0)?;
            let status = match sent.record.frequency {
                ClaimFrequency::Void => ClaimStatus::Voided,
                _ => ClaimStatus::Corrected,
            };
            let changed = Claim {
                status,
                ..old.record.clone()
            };
            tx.update(actor, old.meta.id, old.meta.version, &changed)?;
        }
        submission.sent.push(sent);
    }
    Ok(())
}

/// CARC codes that are no denial: the contract at work (45: charge exceeds the fee
/// schedule; 253: sequestration) and, on a later payer's 835, what the earlier payers
/// already settled (23: the impact of prior payers' adjudication).
const NOT_DENIALS: &[&str] = &["45", "253", crate::coordination::PRIOR_PAYER_IMPACT];

/// The payer's decision on a claim payment (CLP02, amounts and adjustments).
fn outcome(payment: &ClaimPayment) -> ClaimStatus {
    match payment.status.as_str() {
        "4" => return ClaimStatus::Denied,
        // A reversal takes back an earlier decision; the corrected one follows.
        "22" => return ClaimStatus::Accepted,
        _ => {}
    }
    if payment.paid_cents <= 0 && payment.patient_responsibility_cents <= 0 {
        return ClaimStatus::Denied;
    }
    let line_denied = payment
        .services
        .iter()
        .any(|s| s.paid_cents == 0 && s.charge_cents > 0)
        && payment.paid_cents > 0;
    let denied_amount = payment.all_adjustments().any(|a| {
        a.group != "PR" && !NOT_DENIALS.contains(&a.reason.as_str()) && a.amount_cents > 0
    });
    if line_denied || denied_amount {
        ClaimStatus::PartiallyPaid
    } else {
        ClaimStatus::Paid
    }
}

/// The coverage order an 835 claim status names (CLP02 1/19 primary, 2/20 secondary, 3/21
/// tertiary), if any.
fn order_of(payment: &ClaimPayment) -> Option<CoverageOrder> {
    match payment.status.as_str() {
        "1" | "19" => Some(CoverageOrder::Primary),
        "2" | "20" => Some(CoverageOrder::Secondary),
        "3" | "21" => Some(CoverageOrder::Tertiary),
        _ => None,
    }
}

/// The stored claim `payment` answers among its encounter's claims: the newest with the payer,
/// of the kind CLP01 and the order CLP02 name; `None` for claims sent before claims were
/// records.
pub(crate) fn answered_claim<'c>(
    claims: &'c [Stored<Claim>],
    payment: &ClaimPayment,
) -> Option<&'c Stored<Claim>> {
    let order = order_of(payment);
    let kind = parse_control_number(&payment.claim_id).map(|(_, kind)| kind);
    claims
        .iter()
        .filter(|c| {
            c.record.status.is_at_payer()
                && kind.is_none_or(|k| k == c.record.kind)
                && c.record.frequency != ClaimFrequency::Void
                && order.is_none_or(|o| o == c.record.coverage_order)
        })
        .max_by_key(|c| c.meta.id)
}

fn amounts(adjustments: &[crate::remittance::Adjustment]) -> Vec<AdjustmentAmount> {
    adjustments
        .iter()
        .map(|a| AdjustmentAmount {
            group: a.group.clone(),
            reason: a.reason.clone(),
            amount_cents: a.amount_cents,
        })
        .collect()
}

/// The payer's decision as the next payer's claim repeats it; none after a reversal,
/// whose corrected payment follows.
fn adjudication_of(payment: &ClaimPayment, remitted_on: time::Date) -> Option<ClaimAdjudication> {
    (payment.status != "22").then(|| ClaimAdjudication {
        remitted_on,
        paid_cents: payment.paid_cents,
        patient_responsibility_cents: payment.patient_responsibility_cents,
        adjustments: amounts(&payment.adjustments),
        lines: payment
            .services
            .iter()
            .map(|s| LineAdjudication {
                code: s.code.clone(),
                modifiers: s.modifiers.clone(),
                charge_cents: s.charge_cents,
                paid_cents: s.paid_cents,
                adjustments: amounts(&s.adjustments),
                service_date: s.service_date,
            })
            .collect(),
    })
}

/// Records the payer's decision in `payment` on `stored`, the claim it answers, posted on
/// `posted_on` from a remittance dated `remitted_on`.
pub(crate) fn record_adjudication(
    tx: &mut Tx<'_>,
    actor: &Actor,
    stored: Stored<Claim>,
    payment: &ClaimPayment,
    posted_on: time::Date,
    remitted_on: time::Date,
) -> store::Result<Stored<Claim>> {
    let status = outcome(payment);
    let mut adjustments: Vec<(&str, &str, i64)> = Vec::new();
    for a in payment.all_adjustments() {
        match adjustments
            .iter_mut()
            .find(|(g, r, _)| *g == a.group && *r == a.reason)
        {
            Some(found) => found.2 += a.amount_cents,
            None => adjustments.push((&a.group, &a.reason, a.amount_cents)),
        }
    }
    adjustments.sort_by_key(|a| std::cmp::Reverse(a.2));
    let reasons: Vec<String> = adjustments
        .iter()
        .filter(|(g, r, _)| *g != "PR" && !NOT_DENIALS.contains(r))
        .map(|(g, r, _)| {
            let described = reason_description(r).unwrap_or("no description on file");
            format!("{g}-{r}: {described}")
        })
        .collect();
    let record = &stored.record;
    let changed = Claim {
        status,
        payer_claim_number: Some(payment.payer_claim_number.clone())
            .filter(|n| !n.trim().is_empty())
            .or_else(|| record.payer_claim_number.clone()),
        paid_cents: record.paid_cents + payment.paid_cents,
        patient_responsibility_cents: record.patient_responsibility_cents
            + payment.patient_responsibility_cents,
        adjudicated_on: Some(posted_on),
        status_reason: if reasons.is_empty() {
            None
        } else {
            Some(reasons.join("; "))
        },
        adjustment_codes: adjustments
            .iter()
            .map(|(g, r, _)| format!("{g}-{r}"))
            .collect(),
        adjudication: adjudication_of(payment, remitted_on),
        ..record.clone()
    };
    tx.update_stored(actor, stored, &changed)
}
