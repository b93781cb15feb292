//! Organizations, payers, providers, patients and their coverages.

use crate::batch::context::{Ctx, Outcome};
use crate::batch::fields::{Fields, MapError, RowError};
use crate::batch::keys::row_key;
use records::*;
use store::Tx;

fn address(fields: &Fields<'_>, state_column: &str) -> Address {
    let zip = fields.opt("ZIP").map(|zip| {
        // Spreadsheet round-trips drop leading zeros from New England ZIP codes.
        if zip.len() < 5 && zip.bytes().all(|b| b.is_ascii_digit()) {
            format!("{zip:0>5}")
        } else {
            zip.to_owned()
        }
    });
    Address {
        line1: fields.opt("ADDRESS").map(str::to_owned),
        line2: None,
        city: fields.opt("CITY").map(str::to_owned),
        state: fields.opt(state_column).map(str::to_owned),
        postal_code: zip,
        country: Some("US".into()),
    }
}

pub fn organization(
    ctx: &mut Ctx,
    tx: &mut Tx<'_>,
    fields: &Fields<'_>,
) -> Result<Outcome, MapError> {
    let key = fields.req("Id")?;
    if ctx.seen(tx, Organization::KIND, key)? {
        return Ok(Outcome::Skipped);
    }
    let record = Organization {
        name: fields.req("NAME")?.to_owned(),
        kind: OrganizationKind::Facility,
        npi: None,
        address: address(fields, "STATE"),
        phone: fields.opt("PHONE").map(str::to_owned),
    };
    ctx.store(tx, key, &record)
}

pub fn payer(ctx: &mut Ctx, tx: &mut Tx<'_>, fields: &Fields<'_>) -> Result<Outcome, MapError> {
    let key = fields.req("Id")?;
    if ctx.seen(tx, Payer::KIND, key)? {
        return Ok(Outcome::Skipped);
    }
    let name = fields.req("NAME")?;
    let kind = match name.to_ascii_lowercase().as_str() {
        "medicare" => PayerKind::Medicare,
        "medicaid" => PayerKind::Medicaid,
        "dual eligible" => PayerKind::Government,
        "no_insurance" => PayerKind::SelfPay,
        _ => PayerKind::Commercial,
    };
    let record = Payer {
        name: name.to_owned(),
        payer_code: None,
        kind,
        address: address(fields, "STATE_HEADQUARTERED"),
        phone: fields.opt("PHONE").map(str::to_owned),
    };
    ctx.store(tx, key, &record)
}

pub fn provider(ctx: &mut Ctx, tx: &mut Tx<'_>, fields: &Fields<'_>) -> Result<Outcome, MapError> {
    let key = fields.req("Id")?;
    if ctx.seen(tx, Provider::KIND, key)? {
        return Ok(Outcome::Skipped);
    }
    let name = fields.req("NAME")?;
    let (given, family) = name.split_once(' ').unwrap_or(("", name));
    let record = Provider {
        npi: None,
        family_name: family.trim().to_owned(),
        given_name: given.trim().to_owned(),
        credentials: None,
        taxonomy: None,
        specialty: fields.opt("SPECIALITY").map(str::to_owned),
        organization_id: ctx
            .optional_reference(tx, fields, "ORGANIZATION", Organization::KIND)?
            .map(OrganizationId),
    };
    ctx.store(tx, key, &record)
}

/// Synthea patients carry a UUID and no MRN; the MRN is made from the UUID so it is stable
/// across re-imports and fits the 20-character MRN rule.
fn mrn_from_uuid(uuid: &str) -> Result<Mrn, RowError> {
    let hex: String = uuid
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(18)
        .collect();
    Mrn::parse(&format!("SY{hex}")).map_err(|reason| RowError::column("Id", reason))
}

pub fn patient(ctx: &mut Ctx, tx: &mut Tx<'_>, fields: &Fields<'_>) -> Result<Outcome, MapError> {
    let key = fields.req("Id")?;
    if ctx.seen(tx, Patient::KIND, key)? {
        return Ok(Outcome::Skipped);
    }
    let sex_text = fields.opt("GENDER").unwrap_or("");
    let sex = AdministrativeSex::parse(sex_text)
        .ok_or_else(|| RowError::column("GENDER", format!("\"{sex_text}\" is not M, F, O or U")))?;
    let record = Patient {
        mrn: mrn_from_uuid(key)?,
        mrn_authority: "SYNTHEA".into(),
        family_name: fields.req("LAST")?.to_owned(),
        given_name: fields.req("FIRST")?.to_owned(),
        middle_name: fields.opt("MIDDLE").map(str::to_owned),
        name_prefix: fields.opt("PREFIX").map(str::to_owned),
        name_suffix: fields.opt("SUFFIX").map(str::to_owned),
        preferred_name: None,
        birth_date: fields.date("BIRTHDATE")?,
        sex,
        address: address(fields, "STATE"),
        phone: None,
        email: None,
        language: None,
        race: fields.opt("RACE").map(str::to_owned),
        ethnicity: fields.opt("ETHNICITY").map(str::to_owned),
        deceased_date: fields.opt_date("DEATHDATE")?,
        identifiers: Vec::new(),
    };
    ctx.store(tx, key, &record)
}

pub fn coverage(ctx: &mut Ctx, tx: &mut Tx<'_>, fields: &Fields<'_>) -> Result<Outcome, MapError> {
    let key = row_key(fields.record);
    if ctx.seen(tx, Coverage::KIND, &key)? {
        return Ok(Outcome::Skipped);
    }
    let payer_id = ctx.reference(tx, fields, "PAYER", Payer::KIND)?;
    let payer = tx.get::<Payer>(payer_id)?;
    if payer.record.kind == PayerKind::SelfPay {
        // Synthea writes uninsured periods as a "NO_INSURANCE" payer; that is no coverage.
        return Ok(Outcome::Skipped);
    }
    let relationship = match fields.opt("OWNERSHIP").unwrap_or("Self") {
        "Self" => Relationship::SelfSubscriber,
        "Spouse" => Relationship::Spouse,
        "Guardian" => Relationship::Child,
        _ => Relationship::Other,
    };
    let subscriber_name = match relationship {
        Relationship::SelfSubscriber => None,
        _ => Some(
            fields
                .opt("OWNERNAME")
                .unwrap_or("Unknown subscriber")
                .to_owned(),
        ),
    };
    let record = Coverage {
        patient_id: PatientId(ctx.reference(tx, fields, "PATIENT", Patient::KIND)?),
        payer_id: PayerId(payer_id),
        plan_name: None,
        member_id: fields.req("MEMBERID")?.to_owned(),
        group_number: None,
        subscriber_name,
        relationship,
        coverage_order: CoverageOrder::Primary,
        effective_start: fields.date("START_YEAR")?,
        effective_end: fields.opt_date("END_YEAR")?,
    };
    ctx.store(tx, &key, &record)
}
