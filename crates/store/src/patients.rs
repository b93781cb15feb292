//! Finding patients and reading a whole chart.

use crate::error::Result;
use crate::stats::{AccountBalance, account_balance};
use crate::tx::{Stored, Tx};
use crate::value::Value;
use records::{
    Allergy, Charge, ClinicalNote, Coverage, Diagnosis, Encounter, FACILITY_MRN_AUTHORITY,
    Immunization, Medication, Mrn, Observation, Patient, Posting, Problem, Procedure,
};
use serde::Serialize;
use time::Date;

/// What to look for: free text (name parts or an MRN) and/or a date of birth.
#[derive(Debug, Clone, Default)]
pub struct PatientQuery {
    /// Name parts ("smith jo", "Smith, John") or an MRN.
    pub text: Option<String>,
    /// Exact date of birth.
    pub birth_date: Option<Date>,
    /// Most results to return.
    pub limit: i64,
}

fn like_prefix(token: &str) -> String {
    let escaped: String = token
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("{escaped}%")
}

/// Patients matching the query, best matches first: an exact MRN, then by name.
pub fn search(tx: &mut Tx<'_>, query: &PatientQuery) -> Result<Vec<Stored<Patient>>> {
    let limit = if query.limit <= 0 { 50 } else { query.limit };
    let mut clauses = Vec::new();
    let mut params = Vec::new();
    let mut mrn_first = Vec::new();
    if let Some(text) = query
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        if let Ok(mrn) = Mrn::parse(text) {
            let mut by_mrn: Vec<Stored<Patient>> =
                tx.select("mrn = ?", &[Value::from(mrn.as_str())], "id", limit)?;
            if by_mrn.is_empty() {
                by_mrn = merged_into(tx, mrn.as_str())?;
            }
            if let Some(birth_date) = query.birth_date {
                by_mrn.retain(|p| p.record.birth_date == birth_date);
            }
            mrn_first = by_mrn;
        }
        for token in text.split([' ', ',']).filter(|t| !t.is_empty()) {
            clauses.push(
                "(lower(family_name) LIKE ? ESCAPE '\\' OR lower(given_name) LIKE ? ESCAPE '\\' OR lower(COALESCE(preferred_name, '')) LIKE ? ESCAPE '\\')",
            );
            let pattern = like_prefix(token);
            params.extend([
                Value::from(pattern.clone()),
                Value::from(pattern.clone()),
                Value::from(pattern),
            ]);
        }
    }
    if let Some(birth_date) = query.birth_date {
        clauses.push("birth_date = ?");
        params.push(Value::Date(birth_date));
    }
    if clauses.is_empty() {
        return Ok(mrn_first);
    }
    let by_name: Vec<Stored<Patient>> = tx.select(
        &clauses.join(" AND "),
        &params,
        "lower(family_name), lower(given_name), birth_date, id",
        limit,
    )?;
    let mut results = mrn_first;
    for patient in by_name {
        if !results.iter().any(|p| p.meta.id == patient.meta.id) {
            results.push(patient);
        }
    }
    results.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(results)
}

/// The charts that charts retired with `mrn` were merged into: a retired MRN stays an
/// alias that finds the surviving chart.
fn merged_into(tx: &mut Tx<'_>, mrn: &str) -> Result<Vec<Stored<Patient>>> {
    let retired = tx.query(
        "SELECT id FROM patients WHERE mrn = ? AND deleted_at IS NOT NULL ORDER BY id",
        &[Value::from(mrn)],
    )?;
    let mut found: Vec<Stored<Patient>> = Vec::new();
    for row in retired {
        if let Some(survivor) = tx.surviving_patient(row.int(0))?
            && !found.iter().any(|p| p.meta.id == survivor)
        {
            found.push(tx.get::<Patient>(survivor)?);
        }
    }
    Ok(found)
}

/// A whole chart: the patient and every current record on it.
#[derive(Debug, Clone, Serialize)]
pub struct PatientSummary {
    /// The patient.
    pub patient: Stored<Patient>,
    /// Insurance.
    pub coverages: Vec<Stored<Coverage>>,
    /// Encounters.
    pub encounters: Vec<Stored<Encounter>>,
    /// Coded diagnoses.
    pub diagnoses: Vec<Stored<Diagnosis>>,
    /// Procedures.
    pub procedures: Vec<Stored<Procedure>>,
    /// Immunizations.
    pub immunizations: Vec<Stored<Immunization>>,
    /// Observations.
    pub observations: Vec<Stored<Observation>>,
    /// Medications.
    pub medications: Vec<Stored<Medication>>,
    /// Allergies.
    pub allergies: Vec<Stored<Allergy>>,
    /// Problem list.
    pub problems: Vec<Stored<Problem>>,
    /// Notes.
    pub notes: Vec<Stored<ClinicalNote>>,
    /// Charges.
    pub charges: Vec<Stored<Charge>>,
    /// Payments and adjustments.
    pub postings: Vec<Stored<Posting>>,
    /// Account balance.
    pub balance: AccountBalance,
}

/// Reads a whole chart.
pub fn chart(tx: &mut Tx<'_>, patient_id: i64) -> Result<PatientSummary> {
    Ok(PatientSummary {
        patient: tx.get(patient_id)?,
        coverages: tx.for_patient(patient_id)?,
        encounters: tx.for_patient(patient_id)?,
        diagnoses: tx.for_patient(patient_id)?,
        procedures: tx.for_patient(patient_id)?,
        immunizations: tx.for_patient(patient_id)?,
        observations: tx.for_patient(patient_id)?,
        medications: tx.for_patient(patient_id)?,
        allergies: tx.for_patient(patient_id)?,
        problems: tx.for_patient(patient_id)?,
        notes: tx.for_patient(patient_id)?,
        charges: tx.for_patient(patient_id)?,
        postings: tx.for_patient(patient_id)?,
        balance: account_balance(tx, patient_id)?,
    })
}

impl Tx<'_> {
    /// Patients matching a query (see [`search`]).
    pub fn search_patients(&mut self, query: &PatientQuery) -> Result<Vec<Stored<Patient>>> {
        search(self, query)
    }

    /// Patients matching a query, then close misspellings of its names (see
    /// [`crate::patient_fuzzy::tolerant_search`]).
    pub fn search_patients_tolerant(
        &mut self,
        query: &PatientQuery,
    ) -> Result<Vec<Stored<Patient>>> {
        crate::patient_fuzzy::tolerant_search(self, query)
    }

    /// A whole chart (see [`chart`]).
    pub fn chart(&mut self, patient_id: i64) -> Result<PatientSummary> {
        chart(self, patient_id)
    }
}

impl Tx<'_> {
    /// A new MRN under the facility's authority (`FACILITY_MRN_AUTHORITY`): `M` and eight
    /// digits, the next of the series, skipping any already on file (an MRN typed in by
    /// hand may have taken one). The number is drawn inside this transaction, so two
    /// registrations never get the same one, and a rolled-back one is drawn again.
    pub fn assign_mrn(&mut self) -> Result<Mrn> {
        loop {
            let rows = self.query(
                "INSERT INTO assigned_numbers (series, last) VALUES ('mrn', 1) \
                 ON CONFLICT (series) DO UPDATE SET last = assigned_numbers.last + 1 \
                 RETURNING last",
                &[],
            )?;
            let next = rows.first().map_or(1, |row| row.int(0));
            let text = format!("M{next:08}");
            // An archived chart keeps its MRN: it may come back.
            let taken = self.query(
                "SELECT 1 FROM patients WHERE mrn_authority = ? AND mrn = ? \
                 UNION ALL SELECT 1 FROM archived_charts WHERE mrn_authority = ? AND mrn = ? AND status = 'archived'",
                &[
                    Value::from(FACILITY_MRN_AUTHORITY),
                    Value::from(text.as_str()),
                    Value::from(FACILITY_MRN_AUTHORITY),
                    Value::from(text.as_str()),
                ],
            )?;
            if taken.is_empty() {
                return Mrn::parse(&text).map_err(crate::error::Error::Database);
            }
        }
    }
}
