//! The coding edits of one stored encounter, as its claim would carry them: the diagnoses in
//! their sequence with their POA indicators, the setting from the encounter's class
//! (inpatient stays get the POA and principal-diagnosis rules), the procedures with their
//! modifiers and units (validity on their dates, sex edits, duplicates, NCCI pairs and
//! MUEs), and the patient's sex and age on the date of service. The CLI (`chartroom codes edits ENCOUNTER`), the JSON API
//! and the encounter's coding page all call this, so they list the same findings.
//!
//! Invariants: reads only (the caller audits the read); a deleted diagnosis is not listed;
//! no ICD-10-CM release in force on the date is an error naming the date, never a panic.

use codes::{ClaimDiagnosis, CodeSets, CodingEdit, ProcedureLine, Setting};
use records::{
    AdministrativeSex, Diagnosis, Encounter, EncounterClass, Patient, Procedure,
    ProcedureCodeSystem,
};
use serde::Serialize;
use store::{Stored, Tx};

/// An encounter with what its coding edits read.
#[derive(Debug, Clone)]
pub struct EncounterCoding {
    /// The patient.
    pub patient: Stored<Patient>,
    /// The encounter.
    pub encounter: Stored<Encounter>,
    /// Its live diagnoses in their sequence (ties by id).
    pub diagnoses: Vec<Stored<Diagnosis>>,
    /// Its live procedures in the order they were recorded (by date, then id).
    pub procedures: Vec<Stored<Procedure>>,
}

/// The edits of an encounter and what they were run on.
#[derive(Debug, Clone, Serialize)]
pub struct EncounterEdits {
    /// The encounter's id.
    pub encounter_id: i64,
    /// The patient's id.
    pub patient_id: i64,
    /// The date of service (the admission's date).
    pub date_of_service: String,
    /// `inpatient` (POA and principal rules apply) or `outpatient`.
    pub setting: Setting,
    /// The codes as listed, first-listed first, with their POA indicators.
    pub diagnoses: Vec<ListedDiagnosis>,
    /// The diagnosis findings, each with its rule and source.
    pub edits: Vec<CodingEdit>,
    /// The billable procedures as listed (SNOMED CT clinical procedures are not).
    pub procedures: Vec<ListedProcedure>,
    /// The procedure findings ([`codes::PROCEDURE_RULES`]), each with its rule and source.
    pub procedure_edits: Vec<CodingEdit>,
}

/// One procedure as the edits saw it.
#[derive(Debug, Clone, Serialize)]
pub struct ListedProcedure {
    /// The procedure record's id.
    pub id: i64,
    /// `icd10pcs`, `hcpcs` or `cpt`.
    pub system: codes::System,
    /// The code as stored.
    pub code: String,
    /// Its modifiers.
    pub modifiers: Vec<String>,
    /// Its units.
    pub units: u32,
    /// The date it was performed.
    pub date: String,
}

/// One diagnosis as the edits saw it.
#[derive(Debug, Clone, Serialize)]
pub struct ListedDiagnosis {
    /// The diagnosis record's id.
    pub id: i64,
    /// The code as stored.
    pub code: String,
    /// Its sequence on the encounter.
    pub sequence: i32,
    /// Its POA indicator, if any.
    pub poa: Option<String>,
}

/// Reads the encounter, its patient and its live diagnoses (`NotFound` for an unknown or
/// deleted encounter).
pub fn read_encounter_coding(tx: &mut Tx<'_>, encounter_id: i64) -> store::Result<EncounterCoding> {
    let encounter = tx.get::<Encounter>(encounter_id)?;
    if encounter.meta.deleted.is_some() {
        return Err(store::Error::NotFound {
            kind: "encounter",
            id: encounter_id,
        });
    }
    let patient = tx.get::<Patient>(encounter.record.patient_id.0)?;
    let mut diagnoses: Vec<Stored<Diagnosis>> = tx
        .for_patient::<Diagnosis>(patient.meta.id)?
        .into_iter()
        .filter(|d| d.record.encounter_id.0 == encounter_id)
        .collect();
    diagnoses.sort_by_key(|d| (d.record.sequence, d.meta.id));
    let mut procedures: Vec<Stored<Procedure>> = tx
        .for_patient::<Procedure>(patient.meta.id)?
        .into_iter()
        .filter(|p| p.record.encounter_id.is_some_and(|e| e.0 == encounter_id))
        .collect();
    procedures.sort_by_key(|p| (p.record.performed_at, p.meta.id));
    Ok(EncounterCoding {
        patient,
        encounter,
        diagnoses,
        procedures,
    })
}

/// The patient's sex and age on `dos`, as the code-set edits read them.
pub fn edits_patient(patient: &Patient, dos: time::Date) -> codes::Patient {
    codes::Patient {
        sex: match patient.sex {
            AdministrativeSex::Female => Some(codes::Sex::Female),
            AdministrativeSex::Male => Some(codes::Sex::Male),
            _ => None,
        },
        age_years: u16::try_from(patient.age_on(dos)).ok(),
    }
}

/// Runs the coding-edit tables over the encounter's diagnoses and procedures on its date of
/// service.
pub fn encounter_coding_edits(
    codes: &CodeSets,
    coding: &EncounterCoding,
) -> codes::Result<EncounterEdits> {
    let dos = coding.encounter.record.admit_at.date();
    let setting = match coding.encounter.record.class {
        EncounterClass::Inpatient => Setting::Inpatient,
        _ => Setting::Outpatient,
    };
    let poa_text = |d: &Diagnosis| {
        d.poa.and_then(|p| match serde_json::to_value(p) {
            Ok(serde_json::Value::String(s)) => Some(s),
            _ => None,
        })
    };
    let listed: Vec<ClaimDiagnosis> = coding
        .diagnoses
        .iter()
        .map(|d| ClaimDiagnosis {
            code: d.record.code.clone(),
            poa: poa_text(&d.record),
        })
        .collect();
    let edits = codes.claim_coding_edits(
        &listed,
        setting,
        dos,
        &edits_patient(&coding.patient.record, dos),
    )?;
    Ok(EncounterEdits {
        encounter_id: coding.encounter.meta.id,
        patient_id: coding.patient.meta.id,
        date_of_service: dos.to_string(),
        setting,
        diagnoses: coding
            .diagnoses
            .iter()
            .map(|d| ListedDiagnosis {
                id: d.meta.id,
                code: d.record.code.clone(),
                sequence: d.record.sequence,
                poa: poa_text(&d.record),
            })
            .collect(),
        edits,
        procedures: coding
            .procedures
            .iter()
            .filter_map(|p| {
                procedure_line(&p.record).map(|l| ListedProcedure {
                    id: p.meta.id,
                    system: l.system,
                    code: l.code,
                    modifiers: l.modifiers,
                    units: l.units,
                    date: l.date.to_string(),
                })
            })
            .collect(),
        procedure_edits: encounter_procedure_edits(codes, coding, None)?,
    })
}

/// A stored procedure as the procedure edits see it; `None` for a SNOMED CT procedure (a
/// clinical record, never billed, so no code-set edit applies).
pub fn procedure_line(p: &Procedure) -> Option<ProcedureLine> {
    billed_line(
        p.code_system,
        &p.code,
        &p.modifiers,
        p.units,
        p.performed_at.date(),
    )
}

/// A procedure's code as its claim lists it (units at least 1); `None` for SNOMED CT.
pub(crate) fn billed_line(
    system: ProcedureCodeSystem,
    code: &str,
    modifiers: &[String],
    units: i32,
    date: time::Date,
) -> Option<ProcedureLine> {
    let system = match system {
        ProcedureCodeSystem::Icd10Pcs => codes::System::Icd10Pcs,
        ProcedureCodeSystem::Hcpcs => codes::System::Hcpcs,
        ProcedureCodeSystem::Cpt => codes::System::Cpt,
        ProcedureCodeSystem::Snomed => return None,
    };
    Some(ProcedureLine {
        system,
        code: code.to_owned(),
        modifiers: modifiers.to_vec(),
        units: u32::try_from(units).unwrap_or(0).max(1),
        date,
    })
}

/// The procedure coding edits of the encounter's procedures with `adding` listed after them
/// (the procedure form's check before a code is saved), for the patient's sex and age on
/// the encounter's date; every finding names its rule and source.
pub fn encounter_procedure_edits(
    codes: &CodeSets,
    coding: &EncounterCoding,
    adding: Option<ProcedureLine>,
) -> codes::Result<Vec<CodingEdit>> {
    let dos = coding.encounter.record.admit_at.date();
    let lines: Vec<ProcedureLine> = coding
        .procedures
        .iter()
        .filter_map(|p| procedure_line(&p.record))
        .chain(adding)
        .collect();
    codes.procedure_coding_edits(&lines, &edits_patient(&coding.patient.record, dos))
}

/// The procedure coding edits that adding `line` to the encounter raises: those of its
/// procedures with the line added that the encounter does not already have, so an edit
/// already there (shown on the chart and in `codes edits`) is not asked about again.
pub fn procedure_edits_raised(
    codes: &CodeSets,
    coding: &EncounterCoding,
    line: ProcedureLine,
) -> codes::Result<Vec<CodingEdit>> {
    let mut before = encounter_procedure_edits(codes, coding, None)?;
    let after = encounter_procedure_edits(codes, coding, Some(line))?;
    Ok(after
        .into_iter()
        .filter(|e| match before.iter().position(|b| b == e) {
            Some(i) => {
                before.swap_remove(i);
                false
            }
            None => true,
        })
        .collect())
}

/// A short, stable fingerprint of a list of findings (FNV-1a over each rule, its codes and
/// message), carried by a form so that a save goes ahead only on the findings the coder
/// saw; any change (another code added meanwhile) shows them again.
pub fn edits_fingerprint(edits: &[CodingEdit]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes.iter().chain(&[0x1f]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for e in edits {
        eat(e.rule.as_bytes());
        for c in &e.codes {
            eat(c.as_bytes());
        }
        eat(e.message.as_bytes());
    }
    format!("{h:016x}")
}
