//! The facility's claim, 837I (005010X223A2): the stay or visit billed by revenue code with
//! its type of bill, statement dates, admission and discharge, patient status, diagnoses
//! with present-on-admission indicators and the ICD-10-PCS procedures.
//!
//! Rules (837I TR3):
//! - CLM05-1 is the type of bill's first two digits: `11` hospital inpatient, `13` hospital
//!   outpatient (an emergency or outpatient visit at a facility); CLM05-2 is `A`.
//! - Statement dates (DTP*434) always; admission date and hour (DTP*435) and discharge hour
//!   (DTP*096) on inpatient claims; CL1 always, CL103 the patient status (UB-04 FL17).
//! - The principal diagnosis (HI ABK) and the other diagnoses (ABF, twelve per HI) carry POA
//!   (HI0n-9) on inpatient claims; the admitting diagnosis (ABJ) on inpatient claims; the
//!   patient's reason for visit (APR) on outpatient claims; ICD-10-PCS procedures as BBR
//!   (principal, the first performed) and BBQ on inpatient claims.
//! - Lines (2400) are the encounter's revenue-code charges (SV201), with the service date.

use crate::build::{BuildProblem, Built, Side, build_claim};
use crate::claim::{ClaimFiling, ProfessionalClaim, RenderingProvider};
use crate::professional::{Numbers, clinician, write_837, write_parties};
use crate::sources::Sources;
use crate::submitter::Submitter;
use records::{CoverageOrder, DiagnosisRank, EncounterClass, EncounterId, ProcedureCodeSystem};
use store::Tx;
use time::{Date, PrimitiveDateTime, Time};
use x12::{Delimiters, InterchangeWriter, Result, d8};

/// The implementation convention written in GS08 and ST03.
const VERSION: &str = "005010X223A2";

/// An institutional claim: the parties, diagnoses and revenue-code lines as the 837P
/// carries them (`base`; a line's `code` is its revenue code), and what only the 837I has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstitutionalClaim {
    /// Parties, CLM01, frequency, REF*F8, diagnoses (principal first) and lines.
    pub base: ProfessionalClaim,
    /// CLM05-1: facility type and bill classification (`11`, `13`).
    pub type_of_bill: &'static str,
    /// DTP*434: from and through.
    pub statement: (Date, Date),
    /// DTP*435 (inpatient).
    pub admission: Option<PrimitiveDateTime>,
    /// DTP*096 (inpatient).
    pub discharge_hour: Option<Time>,
    /// CL101: admission type (`1` emergency, `9` not available).
    pub admission_type: &'static str,
    /// CL102: point of origin (`7` emergency room... `9` not available).
    pub admission_source: &'static str,
    /// CL103: patient status (UB-04 FL17, `01` home).
    pub patient_status: String,
    /// The POA indicator per diagnosis of `base.diagnoses`, on inpatient claims (`1`,
    /// exempt, is written as an empty HI0n-9).
    pub poa: Vec<Option<String>>,
    /// HI ABJ (inpatient).
    pub admitting_diagnosis: Option<String>,
    /// HI BBR then BBQ: ICD-10-PCS codes and dates, the principal first (inpatient).
    pub procedures: Vec<(String, Date)>,
    /// Loop 2310A: the attending provider.
    pub attending: RenderingProvider,
}

impl InstitutionalClaim {
    /// Whether it bills an inpatient stay.
    pub fn inpatient(&self) -> bool {
        self.type_of_bill == "11"
    }
}

/// Builds the facility claim for `encounter_id` to the payer of coverage `order`; the
/// inner error is every reason it cannot be built.
pub fn build_institutional(
    tx: &mut Tx<'_>,
    encounter_id: EncounterId,
    order: CoverageOrder,
) -> store::Result<Built<InstitutionalClaim>> {
    let sources = Sources::load(tx, &[encounter_id])?;
    build_facility(tx, &sources, encounter_id, order)
}

/// The facility claim for `encounter_id`, from the chart as `sources` read it.
pub(crate) fn build_facility(
    tx: &mut Tx<'_>,
    sources: &Sources,
    encounter_id: EncounterId,
    order: CoverageOrder,
) -> store::Result<Built<InstitutionalClaim>> {
    let mut base = match build_claim(tx, sources, encounter_id, order, Side::Facility)? {
        Ok(base) => base,
        Err(problems) => return Ok(Err(problems)),
    };
    // The facility's claim of an encounter is told from the professional one by its CLM01
    // (echoed in 835 CLP01 and 277CA TRN02).
    base.claim_id = format!("E{}I", encounter_id.0);
    let encounter = sources.encounter(encounter_id)?;
    let source = format!("encounter {}", encounter_id.0);
    let inpatient = encounter.class == EncounterClass::Inpatient;
    let mut problems = Vec::new();
    let discharge = encounter.discharge_at.unwrap_or(encounter.admit_at);
    let patient_status = match encounter.discharge_disposition.as_deref().map(str::trim) {
        Some(code) if code.len() == 2 && code.bytes().all(|b| b.is_ascii_digit()) => {
            code.to_owned()
        }
        _ if !inpatient => "01".to_owned(),
        other => {
            problems.push(BuildProblem {
                source: source.clone(),
                field: "discharge_disposition",
                message: format!(
                    "{}; CL103 needs the two-digit patient status (UB-04 FL17) of an inpatient stay",
                    other.map_or_else(|| "missing".to_owned(), |c| format!("{c:?}"))
                ),
            });
            String::new()
        }
    };
    let Some(attending) = base.rendering.clone() else {
        problems.push(BuildProblem {
            source,
            field: "attending_id",
            message: "no attending provider for loop 2310A".into(),
        });
        return Ok(Err(problems));
    };
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let coded = sources.diagnoses(encounter_id);
    let poa = base
        .diagnoses
        .iter()
        .map(|code| {
            coded
                .iter()
                .find(|d| d.rank != DiagnosisRank::Admitting && d.code.replace('.', "") == *code)
                .and_then(|d| d.poa)
                .and_then(|p| serde_json::to_value(p).ok())
                .and_then(|v| v.as_str().map(str::to_owned))
                .filter(|_| inpatient)
        })
        .collect();
    let admitting_diagnosis = coded
        .iter()
        .find(|d| d.rank == DiagnosisRank::Admitting)
        .map(|d| d.code.replace('.', ""))
        .filter(|_| inpatient);
    let mut procedures: Vec<(time::OffsetDateTime, String)> = sources
        .procedures(encounter_id)
        .iter()
        .map(|p| &p.record)
        .filter(|p| inpatient && p.code_system == ProcedureCodeSystem::Icd10Pcs)
        .map(|p| (p.performed_at, p.code.clone()))
        .collect();
    procedures.sort();
    let emergency = encounter.class == EncounterClass::Emergency;
    Ok(Ok(InstitutionalClaim {
        type_of_bill: if inpatient { "11" } else { "13" },
        statement: (encounter.admit_at.date(), discharge.date()),
        admission: inpatient
            .then(|| PrimitiveDateTime::new(encounter.admit_at.date(), encounter.admit_at.time())),
        discharge_hour: inpatient.then(|| discharge.time()),
        admission_type: if emergency { "1" } else { "9" },
        admission_source: if emergency { "7" } else { "9" },
        patient_status,
        poa,
        admitting_diagnosis,
        procedures: procedures
            .into_iter()
            .take(25)
            .map(|(at, code)| (code.replace('.', ""), at.date()))
            .collect(),
        attending,
        base,
    }))
}

/// Writes `claims` as one 837I interchange created `at`.
pub fn write_837i(
    claims: &[InstitutionalClaim],
    submitter: &Submitter,
    numbers: Numbers,
    at: PrimitiveDateTime,
    delimiters: Delimiters,
) -> Result<String> {
    write_837(
        claims,
        VERSION,
        submitter,
        numbers,
        at,
        delimiters,
        |claim| &claim.base.claim_id,
        write_claim,
    )
}

/// An ICD-10-CM external cause of morbidity (chapter 20: V00-Y99).
fn is_external_cause(code: &str) -> bool {
    code.starts_with(['V', 'W', 'X', 'Y'])
}

/// SBR09 of the 837I: Medicare is billed to Part A.
fn filing(filing: ClaimFiling) -> &'static str {
    match filing {
        ClaimFiling::MedicareB => "MA",
        other => other.code(),
    }
}

fn write_claim(
    w: &mut InterchangeWriter,
    claim: &InstitutionalClaim,
    submitter: &Submitter,
    hl: &mut u32,
) -> Result<()> {
    let base = &claim.base;
    write_parties(w, base, submitter, hl, filing(base.subscriber.filing))?;
    let frequency = base.frequency.to_string();
    w.segment("CLM")
        .el(&base.claim_id)
        .cents(base.total_cents())
        .empty()
        .empty()
        .composite(&[claim.type_of_bill, "A", &frequency])
        .empty()
        .el("A")
        .el("Y")
        .el("Y")
        .end()?;
    if let Some(hour) = claim.discharge_hour {
        w.segment("DTP")
            .el("096")
            .el("TM")
            .el(&format!("{:02}{:02}", hour.hour(), hour.minute()))
            .end()?;
    }
    let (from, through) = claim.statement;
    w.segment("DTP")
        .el("434")
        .el("RD8")
        .el(&format!("{}-{}", d8(from), d8(through)))
        .end()?;
    if let Some(at) = claim.admission {
        w.segment("DTP")
            .el("435")
            .el("DT")
            .el(&format!(
                "{}{:02}{:02}",
                d8(at.date()),
                at.hour(),
                at.minute()
            ))
            .end()?;
    }
    w.segment("CL1")
        .el(claim.admission_type)
        .el(claim.admission_source)
        .el(&claim.patient_status)
        .end()?;
    if let Some(number) = &base.payer_claim_number {
        w.segment("REF").el("F8").el(number).end()?;
    }
    // 5010 has no exempt value (4010's `1`): an exempt diagnosis leaves HI0n-9 empty.
    let poa = |idx: usize| {
        claim
            .poa
            .get(idx)
            .cloned()
            .flatten()
            .filter(|p| p != "1")
            .unwrap_or_default()
    };
    if let Some(principal) = base.diagnoses.first() {
        w.segment("HI")
            .composite(&["ABK", principal, "", "", "", "", "", "", &poa(0)])
            .end()?;
    }
    if let Some(admitting) = &claim.admitting_diagnosis {
        w.segment("HI").composite(&["ABJ", admitting]).end()?;
    }
    if !claim.inpatient()
        && let Some(reason) = base.diagnoses.first()
    {
        w.segment("HI").composite(&["APR", reason]).end()?;
    }
    // External causes of injury (ICD-10-CM chapter 20, V00-Y99) have their own HI (ABN),
    // before the other diagnoses (ABF), as the 837I TR3 orders loop 2300.
    type Listed<'c> = Vec<(usize, &'c String)>;
    let (external, others): (Listed<'_>, Listed<'_>) = base
        .diagnoses
        .iter()
        .enumerate()
        .skip(1)
        .partition(|(_, code)| is_external_cause(code));
    for (qualifier, listed) in [("ABN", &external), ("ABF", &others)] {
        for chunk in listed.chunks(12) {
            let mut hi = w.segment("HI");
            for (idx, code) in chunk {
                hi = hi.composite(&[qualifier, code, "", "", "", "", "", "", &poa(*idx)]);
            }
            hi.end()?;
        }
    }
    if let Some((code, date)) = claim.procedures.first() {
        w.segment("HI")
            .composite(&["BBR", code, "D8", &d8(*date)])
            .end()?;
    }
    let other_procedures: Vec<&(String, Date)> = claim.procedures.iter().skip(1).collect();
    for chunk in other_procedures.chunks(12) {
        let mut hi = w.segment("HI");
        for (code, date) in chunk {
            hi = hi.composite(&["BBQ", code, "D8", &d8(*date)]);
        }
        hi.end()?;
    }
    clinician(w, "71", "AT", &claim.attending)?;
    let matched = crate::coordination::write_other_payers(w, base)?;
    for (idx, line) in base.lines.iter().enumerate() {
        w.segment("LX")
            .int(i64::try_from(idx + 1).unwrap_or(i64::MAX))
            .end()?;
        w.segment("SV2")
            .el(&line.code)
            .empty()
            .cents(line.charge_cents)
            .el("UN")
            .int(i64::from(line.units))
            .end()?;
        w.segment("DTP")
            .el("472")
            .el("D8")
            .el(&d8(line.service_date))
            .end()?;
        crate::service_segments::write_drug(w, line)?;
        crate::coordination::write_line_adjudications(w, base, &matched, idx, Some(&line.code))?;
    }
    Ok(())
}
