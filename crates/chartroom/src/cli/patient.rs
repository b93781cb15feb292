//! `chartroom patient search|show`.

use super::audited::CliAuditor;
use crate::output;
use anyhow::{Result, bail};
use privacy::DataCategory;
use records::Patient;
use store::{PatientQuery, Store, Stored};
use time::Date;

#[derive(Debug, clap::Subcommand)]
pub enum PatientCmd {
    /// Find patients by name parts ("smith jo", "Smith, John") or MRN, and/or date of birth.
    Search {
        /// Name parts or MRN.
        text: Option<String>,
        /// Date of birth (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        dob: Option<String>,
        /// Most results.
        #[arg(long, default_value_t = 25)]
        limit: i64,
    },
    /// Show a whole chart by record id or MRN.
    Show {
        /// Record id (a number) or MRN.
        patient: String,
    },
}

fn parse_dob(text: &str) -> Result<Date> {
    match store::Value::Text(text.to_owned()).as_date() {
        Some(date) => Ok(date),
        None => bail!("--dob \"{text}\" is not a date (YYYY-MM-DD)"),
    }
}

fn row(patient: &Stored<Patient>) -> Vec<String> {
    let p = &patient.record;
    vec![
        patient.meta.id.to_string(),
        p.mrn.to_string(),
        p.display_name(),
        p.birth_date.to_string(),
        p.sex.code().to_owned(),
        p.address.city.clone().unwrap_or_default(),
    ]
}

/// The patient a command names by record id or MRN.
pub fn patient_id(store: &Store, patient: &str) -> Result<i64> {
    if let Ok(id) = patient.trim().parse::<i64>() {
        return Ok(id);
    }
    let query = PatientQuery {
        text: Some(patient.to_owned()),
        birth_date: None,
        limit: 2,
    };
    let found = store.read(|tx| tx.search_patients_tolerant(&query))?;
    match found
        .iter()
        .find(|p| p.record.mrn.as_str().eq_ignore_ascii_case(patient.trim()))
    {
        Some(p) => Ok(p.meta.id),
        // An MRN retired by a merge still finds the chart it was merged into.
        None => match store.read(|tx| mpi::find_patient(tx, patient)) {
            Ok(p) if p.meta.deleted.is_none() => Ok(p.meta.id),
            _ => match store
                .read(|tx| tx.archived_charts(Some(patient.trim())))?
                .iter()
                .find(|e| e.mrn.eq_ignore_ascii_case(patient.trim()))
            {
                Some(entry) => bail!(
                    "{}'s chart was archived on {}; read it with `chartroom retention archived --show {}`",
                    entry.mrn,
                    entry.archived_at.date(),
                    entry.mrn
                ),
                None => bail!("no patient has id or MRN \"{patient}\""),
            },
        },
    }
}

pub fn run(store: &Store, auditor: &CliAuditor, cmd: PatientCmd, json: bool) -> Result<()> {
    match cmd {
        PatientCmd::Search { text, dob, limit } => {
            let birth_date = dob.as_deref().map(parse_dob).transpose()?;
            if text.is_none() && birth_date.is_none() {
                bail!("give name parts or an MRN, and/or --dob");
            }
            let query = PatientQuery {
                text,
                birth_date,
                limit,
            };
            let found = store.read(|tx| tx.search_patients_tolerant(&query))?;
            let shown: Vec<i64> = found.iter().map(|p| p.meta.id).collect();
            auditor.shown(
                store,
                &shown,
                &[DataCategory::Demographics],
                "patient search",
            )?;
            if json {
                return output::json(&found);
            }
            if found.is_empty() {
                crate::say!("No patients found.");
                return Ok(());
            }
            let rows: Vec<Vec<String>> = found.iter().map(row).collect();
            output::table(&["id", "mrn", "name", "born", "sex", "city"], &rows);
            Ok(())
        }
        PatientCmd::Show { patient } => {
            let id = patient_id(store, &patient)?;
            let chart = store.read(|tx| tx.chart(id))?;
            auditor.shown(store, &[id], DataCategory::ALL, "chart shown")?;
            if json {
                return output::json(&chart);
            }
            super::stats::print_chart(&chart);
            Ok(())
        }
    }
}
