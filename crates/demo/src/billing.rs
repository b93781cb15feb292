//! Charges and what happened to them: payer payments with contractual adjustments
//! (CO-45), secondary payers, patient payments, and the open balances left behind.
//!
//! Outcomes are decided against the as-of date, so recent charges are still waiting on
//! the payer while older ones are settled or sit unpaid: every A/R aging bucket
//! (0-30, 31-60, 61-90, 91-120, 121+ days) ends up holding items.

use crate::Counts;
use crate::random::{below, between, chance};
use crate::reference::PayerSlot;
use rand::Rng;
use rand::rngs::StdRng;
use records::{
    Charge, ChargeDetail, ChargeId, DrugDetail, EncounterId, PatientId, PayerId, Posting,
    PostingKind, PostingSource, ProcedureId,
};
use store::{Actor, Tx};
use time::{Date, Duration};

/// Who is billed for an encounter.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Billing {
    pub primary: Option<(PayerSlot, PayerId)>,
    pub secondary: Option<(PayerSlot, PayerId)>,
}

/// One charge line.
pub(crate) struct Line<'a> {
    pub encounter_id: EncounterId,
    pub procedure_id: Option<ProcedureId>,
    pub code: &'a str,
    pub description: &'a str,
    pub service_date: Date,
    pub amount_cents: i64,
    pub units: i32,
}

/// Everything a charge needs besides its line.
pub(crate) struct Ctx<'a> {
    pub actor: &'a Actor,
    pub patient_id: PatientId,
    pub billing: Billing,
    pub as_of: Date,
}

/// Creates the charge and its postings.
pub(crate) fn charge(
    tx: &mut Tx<'_>,
    rng: &mut StdRng,
    ctx: &Ctx<'_>,
    line: &Line<'_>,
    counts: &mut Counts,
) -> store::Result<()> {
    let payer_id = ctx.billing.primary.map(|(_, id)| id);
    let stored = tx.create(
        ctx.actor,
        &Charge {
            patient_id: ctx.patient_id,
            encounter_id: Some(line.encounter_id),
            procedure_id: line.procedure_id,
            code: Some(line.code.to_owned()),
            description: line.description.to_owned(),
            service_date: line.service_date,
            amount_cents: line.amount_cents,
            units: line.units,
            payer_id,
            due_date: Some(line.service_date + Duration::days(30)),
        },
    )?;
    counts.charges += 1;
    let charge_id = ChargeId(stored.meta.id);
    // A drug billed by HCPCS carries its NDC, as Medicaid requires on the claim.
    if let Some((ndc, quantity_thousandths, unit)) = crate::vocab::drug_given(line.code) {
        tx.create(
            ctx.actor,
            &ChargeDetail {
                patient_id: ctx.patient_id,
                encounter_id: line.encounter_id,
                charge_id,
                drug: Some(DrugDetail {
                    ndc: ndc.to_owned(),
                    quantity_thousandths,
                    unit,
                    prescription_number: None,
                }),
                anesthesia: None,
                transport: None,
                equipment: None,
            },
        )?;
    }
    for posting in settle(rng, ctx, charge_id, line) {
        tx.create(ctx.actor, &posting)?;
        counts.postings += 1;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)] // Mirrors the posting's own fields, one per argument.
fn posting(
    ctx: &Ctx<'_>,
    charge_id: ChargeId,
    kind: PostingKind,
    payer: Option<PayerId>,
    on: Date,
    cents: i64,
    reason: Option<&str>,
    reference: String,
) -> Posting {
    Posting {
        patient_id: ctx.patient_id,
        charge_id: Some(charge_id),
        kind,
        source: if payer.is_some() {
            PostingSource::Payer
        } else {
            PostingSource::Patient
        },
        payer_id: payer,
        posted_on: on,
        amount_cents: cents,
        reason_code: reason.map(str::to_owned),
        reference: Some(reference),
    }
}

/// The share of the charge a payer allows, and the patient's share of that.
fn terms(rng: &mut StdRng, slot: PayerSlot) -> (f64, f64) {
    let jitter = 0.9 + 0.2 * rng.random::<f64>();
    match slot {
        PayerSlot::Medicare => (0.40 * jitter, 0.20),
        PayerSlot::Medicaid => (0.30 * jitter, 0.0),
        PayerSlot::Commercial(_) => (
            0.58 * jitter,
            [0.0, 0.1, 0.2, 0.3]
                .get(usize::try_from(below(rng, 4)).unwrap_or(0))
                .copied()
                .unwrap_or(0.2),
        ),
        PayerSlot::SelfPay => (1.0, 1.0),
    }
}

/// What the patient does with what they owe: pay it all, pay some, or not yet.
fn patient_pays(
    rng: &mut StdRng,
    ctx: &Ctx<'_>,
    charge_id: ChargeId,
    owed: i64,
    billed_on: Date,
    out: &mut Vec<Posting>,
) {
    if owed <= 0 {
        return;
    }
    let roll = rng.random::<f64>();
    let on = billed_on + Duration::days(between(rng, 10, 75));
    if on >= ctx.as_of {
        return;
    }
    let receipt = format!("RCPT{:07}", below(rng, 10_000_000));
    if roll < 0.74 {
        out.push(posting(
            ctx,
            charge_id,
            PostingKind::Payment,
            None,
            on,
            owed,
            None,
            receipt,
        ));
    } else if roll < 0.84 && owed >= 200 {
        out.push(posting(
            ctx,
            charge_id,
            PostingKind::Payment,
            None,
            on,
            owed / 2,
            None,
            receipt,
        ));
    }
}

fn settle(rng: &mut StdRng, ctx: &Ctx<'_>, charge_id: ChargeId, line: &Line<'_>) -> Vec<Posting> {
    let mut out = Vec::new();
    let amount = line.amount_cents;
    let age_days = (ctx.as_of - line.service_date).whole_days();
    let Some((slot, payer)) = ctx
        .billing
        .primary
        .filter(|(slot, _)| *slot != PayerSlot::SelfPay)
    else {
        // Self-pay: the statement goes out after the visit; some pay, many do not.
        if age_days > 20 && chance(rng, 0.75) {
            patient_pays(
                rng,
                ctx,
                charge_id,
                amount,
                line.service_date + Duration::days(14),
                &mut out,
            );
        }
        return out;
    };
    // Claims take two to six weeks to adjudicate; a few are denied and sit open.
    let adjudicated = line.service_date + Duration::days(between(rng, 14, 45));
    if adjudicated >= ctx.as_of || chance(rng, 0.03) {
        return out;
    }
    let (allowed_share, coinsurance) = terms(rng, slot);
    let allowed = ((amount as f64) * allowed_share.min(1.0)) as i64;
    let patient_share = ((allowed as f64) * coinsurance) as i64;
    let eft = format!("EFT{:09}", below(rng, 1_000_000_000));
    if allowed - patient_share > 0 {
        out.push(posting(
            ctx,
            charge_id,
            PostingKind::Payment,
            Some(payer),
            adjudicated,
            allowed - patient_share,
            None,
            eft.clone(),
        ));
    }
    if amount - allowed > 0 {
        out.push(posting(
            ctx,
            charge_id,
            PostingKind::Adjustment,
            Some(payer),
            adjudicated,
            amount - allowed,
            Some("CO-45"),
            eft,
        ));
    }
    let mut owed = patient_share;
    if let Some((second_slot, second)) = ctx.billing.secondary
        && owed > 0
    {
        let crossed_over = adjudicated + Duration::days(between(rng, 10, 30));
        if crossed_over < ctx.as_of {
            // Medigap and Medicaid pick up the whole coinsurance; a commercial secondary most of it.
            let pays = if slot == PayerSlot::Medicare || second_slot == PayerSlot::Medicaid {
                owed
            } else {
                owed * 8 / 10
            };
            if pays > 0 {
                out.push(posting(
                    ctx,
                    charge_id,
                    PostingKind::Payment,
                    Some(second),
                    crossed_over,
                    pays,
                    None,
                    format!("EFT{:09}", below(rng, 1_000_000_000)),
                ));
                owed -= pays;
            }
        }
    }
    patient_pays(rng, ctx, charge_id, owed, adjudicated, &mut out);
    out
}
