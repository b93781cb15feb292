//! Claim transactions: charges, payments and adjustments.
//!
//! Synthea's `claims_transactions.csv` holds one row per money movement. CHARGE rows become
//! charges (due 30 days after service, the usual statement cycle); PAYMENT and ADJUSTMENT
//! rows become postings on the charge with the same claim and charge number; TRANSFERIN and
//! TRANSFEROUT only move responsibility between payer and patient and change no balance.

use crate::batch::context::{Ctx, Outcome};
use crate::batch::fields::{Fields, MapError, RowError};
use records::*;
use store::Tx;
use time::Duration;

const CHARGE_KIND: &str = "claim_charge";

pub fn claim_transaction(
    ctx: &mut Ctx,
    tx: &mut Tx<'_>,
    fields: &Fields<'_>,
) -> Result<Outcome, MapError> {
    let key = fields.req("ID")?;
    let kind = fields.req("TYPE")?;
    let posting_kind = match kind {
        "CHARGE" => None,
        "PAYMENT" => Some(PostingKind::Payment),
        "ADJUSTMENT" => Some(PostingKind::Adjustment),
        "TRANSFERIN" | "TRANSFEROUT" => return Ok(Outcome::Skipped),
        other => {
            return Err(RowError::column(
                "TYPE",
                format!(
                    "\"{other}\" is not CHARGE, PAYMENT, ADJUSTMENT, TRANSFERIN or TRANSFEROUT"
                ),
            )
            .into());
        }
    };
    let seen_kind = if posting_kind.is_some() {
        Posting::KIND
    } else {
        Charge::KIND
    };
    if ctx.seen(tx, seen_kind, key)? {
        return Ok(Outcome::Skipped);
    }
    let patient_id = PatientId(ctx.reference(tx, fields, "PATIENTID", Patient::KIND)?);
    let charge_key = format!("{}#{}", fields.req("CLAIMID")?, fields.req("CHARGEID")?);
    let service_date = fields.date("FROMDATE")?;
    match posting_kind {
        None => {
            let record = Charge {
                patient_id,
                encounter_id: ctx
                    .optional_reference(tx, fields, "APPOINTMENTID", Encounter::KIND)?
                    .map(EncounterId),
                procedure_id: None,
                code: fields.opt("PROCEDURECODE").map(str::to_owned),
                description: fields
                    .opt("NOTES")
                    .unwrap_or("Charge")
                    .chars()
                    .take(250)
                    .collect(),
                service_date,
                amount_cents: fields.cents("AMOUNT")?,
                units: fields
                    .opt("UNITS")
                    .and_then(|u| u.parse().ok())
                    .unwrap_or(1),
                payer_id: None,
                due_date: Some(service_date + Duration::days(30)),
            };
            let stored = tx.create(&ctx.actor, &record)?;
            ctx.keys.remember(tx, Charge::KIND, key, stored.meta.id)?;
            ctx.keys
                .remember(tx, CHARGE_KIND, &charge_key, stored.meta.id)?;
            Ok(Outcome::Stored)
        }
        Some(kind) => {
            let column = if kind == PostingKind::Payment {
                "PAYMENTS"
            } else {
                "ADJUSTMENTS"
            };
            let amount_cents = fields.cents(column)?;
            if amount_cents == 0 {
                return Ok(Outcome::Skipped);
            }
            let charge_id = ctx
                .keys
                .resolve(tx, CHARGE_KIND, &charge_key)?
                .map(ChargeId);
            let record = Posting {
                patient_id,
                charge_id,
                kind,
                // Synthea does not say which payer paid; METHOD tells how.
                source: PostingSource::Patient,
                payer_id: None,
                posted_on: service_date,
                amount_cents,
                reason_code: (kind == PostingKind::Adjustment).then(|| "CO-45".to_owned()),
                reference: fields.opt("METHOD").map(str::to_owned),
            };
            ctx.store(tx, key, &record)
        }
    }
}
