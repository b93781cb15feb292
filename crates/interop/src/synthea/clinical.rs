//! Encounters and the clinical rows that hang off them.

use crate::batch::context::{Ctx, Outcome};
use crate::batch::fields::{Fields, MapError, RowError};
use crate::batch::keys::row_key;
use records::*;
use store::Tx;

fn patient_id(ctx: &mut Ctx, tx: &mut Tx<'_>, fields: &Fields<'_>) -> Result<PatientId, MapError> {
    Ok(PatientId(ctx.reference(
        tx,
        fields,
        "PATIENT",
        Patient::KIND,
    )?))
}

fn encounter_id(
    ctx: &mut Ctx,
    tx: &mut Tx<'_>,
    fields: &Fields<'_>,
) -> Result<Option<EncounterId>, MapError> {
    Ok(ctx
        .optional_reference(tx, fields, "ENCOUNTER", Encounter::KIND)?
        .map(EncounterId))
}

/// Synthea's encounter classes folded into the four settings that decide coding and billing.
fn encounter_class(text: &str) -> Result<EncounterClass, RowError> {
    Ok(match text {
        "inpatient" | "snf" | "hospice" => EncounterClass::Inpatient,
        "emergency" | "urgentcare" => EncounterClass::Emergency,
        "virtual" => EncounterClass::Telehealth,
        "ambulatory" | "wellness" | "outpatient" | "home" => EncounterClass::Outpatient,
        other => {
            return Err(RowError::column(
                "ENCOUNTERCLASS",
                format!("\"{other}\" is not a Synthea encounter class"),
            ));
        }
    })
}

pub fn encounter(ctx: &mut Ctx, tx: &mut Tx<'_>, fields: &Fields<'_>) -> Result<Outcome, MapError> {
    let key = fields.req("Id")?;
    if ctx.seen(tx, Encounter::KIND, key)? {
        return Ok(Outcome::Skipped);
    }
    let discharge_at = fields.opt_instant("STOP")?;
    let record = Encounter {
        patient_id: patient_id(ctx, tx, fields)?,
        class: encounter_class(fields.req("ENCOUNTERCLASS")?)?,
        status: if discharge_at.is_some() {
            EncounterStatus::Finished
        } else {
            EncounterStatus::InProgress
        },
        admit_at: fields.instant("START")?,
        discharge_at,
        attending_id: ctx
            .optional_reference(tx, fields, "PROVIDER", Provider::KIND)?
            .map(ProviderId),
        facility_id: ctx
            .optional_reference(tx, fields, "ORGANIZATION", Organization::KIND)?
            .map(OrganizationId),
        payer_id: ctx
            .optional_reference(tx, fields, "PAYER", Payer::KIND)?
            .map(PayerId),
        discharge_disposition: None,
        reason: fields
            .opt("DESCRIPTION")
            .map(|d| d.chars().take(200).collect()),
        service: None,
    };
    ctx.store(tx, key, &record)
}

pub fn condition(ctx: &mut Ctx, tx: &mut Tx<'_>, fields: &Fields<'_>) -> Result<Outcome, MapError> {
    let key = row_key(fields.record);
    if ctx.seen(tx, Problem::KIND, &key)? {
        return Ok(Outcome::Skipped);
    }
    let resolved_at = fields.opt_instant("STOP")?;
    let record = Problem {
        patient_id: patient_id(ctx, tx, fields)?,
        encounter_id: encounter_id(ctx, tx, fields)?,
        code_system: "snomed".into(),
        code: fields.req("CODE")?.to_owned(),
        description: fields.req("DESCRIPTION")?.to_owned(),
        status: if resolved_at.is_some() {
            ProblemStatus::Resolved
        } else {
            ProblemStatus::Active
        },
        onset_at: fields.opt_instant("START")?,
        resolved_at,
    };
    ctx.store(tx, &key, &record)
}

pub fn procedure(ctx: &mut Ctx, tx: &mut Tx<'_>, fields: &Fields<'_>) -> Result<Outcome, MapError> {
    let key = row_key(fields.record);
    if ctx.seen(tx, Procedure::KIND, &key)? {
        return Ok(Outcome::Skipped);
    }
    let record = Procedure {
        patient_id: patient_id(ctx, tx, fields)?,
        encounter_id: encounter_id(ctx, tx, fields)?,
        code_system: ProcedureCodeSystem::Snomed,
        code: fields.req("CODE")?.to_owned(),
        modifiers: Vec::new(),
        units: 1,
        performed_at: fields.instant("START")?,
        performer_id: None,
        description: fields
            .opt("DESCRIPTION")
            .map(|d| d.chars().take(250).collect()),
    };
    ctx.store(tx, &key, &record)
}

pub fn immunization(
    ctx: &mut Ctx,
    tx: &mut Tx<'_>,
    fields: &Fields<'_>,
) -> Result<Outcome, MapError> {
    let key = row_key(fields.record);
    if ctx.seen(tx, Immunization::KIND, &key)? {
        return Ok(Outcome::Skipped);
    }
    let record = Immunization {
        patient_id: patient_id(ctx, tx, fields)?,
        encounter_id: encounter_id(ctx, tx, fields)?,
        cvx: fields.req("CODE")?.to_owned(),
        administered_at: fields.instant("DATE")?,
        status: ImmunizationStatus::Completed,
        lot_number: None,
        site: None,
        route: None,
        performer_id: None,
        description: fields.opt("DESCRIPTION").map(str::to_owned),
    };
    ctx.store(tx, &key, &record)
}

/// Synthea's simulation summaries, written as observations without a LOINC code: the
/// quality-adjusted and disability-adjusted life years it computes, and its quality-of-life
/// score. They are not clinical observations, so they are skipped on purpose, not refused.
fn synthea_summary_measure(code: &str) -> Option<&'static str> {
    match code {
        "QALY" => Some("QALY: Synthea's quality-adjusted life years, a simulation summary"),
        "DALY" => Some("DALY: Synthea's disability-adjusted life years, a simulation summary"),
        "QOLS" => Some("QOLS: Synthea's quality-of-life score, a simulation summary"),
        _ => None,
    }
}

pub fn observation(
    ctx: &mut Ctx,
    tx: &mut Tx<'_>,
    fields: &Fields<'_>,
) -> Result<Outcome, MapError> {
    let key = row_key(fields.record);
    if ctx.seen(tx, Observation::KIND, &key)? {
        return Ok(Outcome::Skipped);
    }
    if let Some(reason) = fields.opt("CODE").and_then(synthea_summary_measure) {
        return Ok(Outcome::SkippedBecause(reason));
    }
    let raw = fields.req("VALUE")?;
    let value = match fields.opt("TYPE").unwrap_or("text") {
        "numeric" => ObservationValue::Quantity {
            value_number: raw.parse().map_err(|_| {
                RowError::column(
                    "VALUE",
                    format!("\"{raw}\" is not a number, yet TYPE is numeric"),
                )
            })?,
            value_unit: fields.opt("UNITS").map(str::to_owned),
        },
        _ => ObservationValue::Text {
            value_text: raw.to_owned(),
        },
    };
    let record = Observation {
        patient_id: patient_id(ctx, tx, fields)?,
        encounter_id: encounter_id(ctx, tx, fields)?,
        code: fields.req("CODE")?.to_owned(),
        description: fields
            .opt("DESCRIPTION")
            .map(|d| d.chars().take(250).collect()),
        category: fields.opt("CATEGORY").map(str::to_owned),
        value,
        effective_at: fields.instant("DATE")?,
    };
    ctx.store(tx, &key, &record)
}

pub fn medication(
    ctx: &mut Ctx,
    tx: &mut Tx<'_>,
    fields: &Fields<'_>,
) -> Result<Outcome, MapError> {
    let key = row_key(fields.record);
    if ctx.seen(tx, Medication::KIND, &key)? {
        return Ok(Outcome::Skipped);
    }
    let end_at = fields.opt_instant("STOP")?;
    let record = Medication {
        patient_id: patient_id(ctx, tx, fields)?,
        encounter_id: encounter_id(ctx, tx, fields)?,
        code: fields.req("CODE")?.to_owned(),
        description: fields.req("DESCRIPTION")?.chars().take(250).collect(),
        status: if end_at.is_some() {
            MedicationStatus::Completed
        } else {
            MedicationStatus::Active
        },
        start_at: fields.instant("START")?,
        end_at,
        dosage: None,
        prescriber_id: None,
    };
    ctx.store(tx, &key, &record)
}

pub fn allergy(ctx: &mut Ctx, tx: &mut Tx<'_>, fields: &Fields<'_>) -> Result<Outcome, MapError> {
    let key = row_key(fields.record);
    if ctx.seen(tx, Allergy::KIND, &key)? {
        return Ok(Outcome::Skipped);
    }
    let category = match fields.opt("CATEGORY").unwrap_or("") {
        "food" => AllergyCategory::Food,
        "medication" => AllergyCategory::Medication,
        "environment" => AllergyCategory::Environment,
        "biologic" => AllergyCategory::Biologic,
        other => {
            return Err(RowError::column(
                "CATEGORY",
                format!("\"{other}\" is not food, medication, environment or biologic"),
            )
            .into());
        }
    };
    let criticality = match fields.opt("SEVERITY1") {
        Some("SEVERE") => Some(AllergyCriticality::High),
        Some("MILD" | "MODERATE") => Some(AllergyCriticality::Low),
        _ => None,
    };
    let record = Allergy {
        patient_id: patient_id(ctx, tx, fields)?,
        code: fields.opt("CODE").map(str::to_owned),
        substance: fields.req("DESCRIPTION")?.to_owned(),
        category,
        criticality,
        reaction: fields.opt("DESCRIPTION1").map(str::to_owned),
        status: if fields.opt("STOP").is_some() {
            ProblemStatus::Resolved
        } else {
            ProblemStatus::Active
        },
        onset_at: fields.opt_instant("START")?,
    };
    ctx.store(tx, &key, &record)
}
