//! Extract rows to records.

use crate::batch::context::{Ctx, Outcome};
use crate::batch::fields::{Fields, MapError, RowError};
use records::*;
use store::Tx;
use time::Duration;

pub fn patient(ctx: &mut Ctx, tx: &mut Tx<'_>, fields: &Fields<'_>) -> Result<Outcome, MapError> {
    let key = fields.req("patient_id")?;
    if ctx.seen(tx, Patient::KIND, key)? {
        return Ok(Outcome::Skipped);
    }
    let sex_text = fields.req("sex")?;
    let sex = AdministrativeSex::parse(sex_text)
        .ok_or_else(|| RowError::column("sex", format!("\"{sex_text}\" is not M, F, O or U")))?;
    let record = Patient {
        mrn: Mrn::parse(&format!("X{key}"))
            .map_err(|reason| RowError::column("patient_id", reason))?,
        mrn_authority: "EXTRACT".into(),
        family_name: "UNKNOWN".into(),
        given_name: "UNKNOWN".into(),
        middle_name: None,
        name_prefix: None,
        name_suffix: None,
        preferred_name: None,
        birth_date: fields.date("birth_date")?,
        sex,
        address: Address {
            postal_code: Some(fields.req("zip")?.to_owned()),
            country: Some("US".into()),
            ..Address::default()
        },
        phone: None,
        email: None,
        language: None,
        race: None,
        ethnicity: None,
        deceased_date: None,
        identifiers: Vec::new(),
    };
    ctx.store(tx, key, &record)
}

pub fn immunization(
    ctx: &mut Ctx,
    tx: &mut Tx<'_>,
    fields: &Fields<'_>,
) -> Result<Outcome, MapError> {
    let key = fields.req("imm_id")?;
    if ctx.seen(tx, Immunization::KIND, key)? {
        return Ok(Outcome::Skipped);
    }
    let status = match fields.req("status")? {
        "completed" => ImmunizationStatus::Completed,
        "entered-in-error" => ImmunizationStatus::EnteredInError,
        "not-done" => ImmunizationStatus::NotDone,
        other => {
            return Err(RowError::column(
                "status",
                format!("\"{other}\" is not completed, entered-in-error or not-done"),
            )
            .into());
        }
    };
    let record = Immunization {
        patient_id: PatientId(ctx.reference(tx, fields, "patient_id", Patient::KIND)?),
        encounter_id: None,
        cvx: fields.req("cvx")?.to_owned(),
        administered_at: fields.date("admin_date")?.midnight().assume_utc(),
        status,
        lot_number: None,
        site: None,
        route: None,
        performer_id: None,
        description: None,
    };
    ctx.store(tx, key, &record)
}

fn whole_cents(fields: &Fields<'_>, column: &str) -> Result<i64, RowError> {
    let text = fields.req(column)?;
    text.parse::<i64>()
        .map_err(|_| RowError::column(column, format!("\"{text}\" is not a whole number of cents")))
}

/// An account item becomes a charge (serviced 30 days before it fell due, the usual
/// statement cycle) and, when part is paid, one payment posting for the paid amount.
pub fn ar_item(ctx: &mut Ctx, tx: &mut Tx<'_>, fields: &Fields<'_>) -> Result<Outcome, MapError> {
    let key = fields.req("item_id")?;
    if ctx.seen(tx, Charge::KIND, key)? {
        return Ok(Outcome::Skipped);
    }
    let patient_id = PatientId(ctx.reference(tx, fields, "patient_id", Patient::KIND)?);
    let amount_cents = whole_cents(fields, "amount_cents")?;
    let paid_cents = whole_cents(fields, "paid_cents")?;
    if paid_cents < 0 || paid_cents > amount_cents {
        return Err(RowError::column(
            "paid_cents",
            format!("{paid_cents} is outside 0..={amount_cents} (the amount)"),
        )
        .into());
    }
    let due_date = fields.date("due_date")?;
    let charge = Charge {
        patient_id,
        encounter_id: None,
        procedure_id: None,
        code: None,
        description: format!("Account item {key}"),
        service_date: due_date - Duration::days(30),
        amount_cents,
        units: 1,
        payer_id: None,
        due_date: Some(due_date),
    };
    let stored = tx.create(&ctx.actor, &charge)?;
    ctx.keys.remember(tx, Charge::KIND, key, stored.meta.id)?;
    if paid_cents > 0 {
        tx.create(
            &ctx.actor,
            &Posting {
                patient_id,
                charge_id: Some(ChargeId(stored.meta.id)),
                kind: PostingKind::Payment,
                source: PostingSource::Patient,
                payer_id: None,
                posted_on: due_date,
                amount_cents: paid_cents,
                reason_code: None,
                reference: None,
            },
        )?;
    }
    Ok(Outcome::Stored)
}
