//! `chartroom hl7`: HL7 v2 messages from the command line; `hl7 vxu PATIENT` prints a
//! VXU^V04 of the patient's immunizations for immunization-registry reporting, `hl7 a40
//! MERGE` the ADT^A40 announcing a patient-index merge to the systems that hold the
//! retired MRN.
//!
//! Invariants: the output re-parses with the `hl7` parser; what it shows is audited before
//! it is printed, like `patient show`.

use super::audited::CliAuditor;
use anyhow::{Result, bail};
use privacy::DataCategory;
use store::{PatientQuery, Store};

#[derive(Debug, clap::Subcommand)]
pub enum Hl7Cmd {
    /// Print a VXU^V04 (immunization history) for one patient.
    Vxu {
        /// Record id (a number) or MRN.
        patient: String,
        /// End segments with CR only, as on the wire (default: LF, for terminals and files).
        #[arg(long)]
        cr: bool,
    },
    /// Print the ADT^A40 (merge patient) announcing a merge (its number from `mpi merge`
    /// or `mpi stats`).
    A40 {
        /// The merge's number.
        merge: i64,
        /// End segments with CR only, as on the wire (default: LF, for terminals and files).
        #[arg(long)]
        cr: bool,
    },
}

fn print(text: &str, cr: bool) -> Result<()> {
    if cr {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(text.as_bytes())?;
        stdout.flush()?;
    } else {
        crate::say!("{}", text.replace('\r', "\n").trim_end());
    }
    Ok(())
}

fn resolve(store: &Store, patient: &str) -> Result<i64> {
    // MRNs are often all digits, so an exact MRN match wins over a record id.
    let query = PatientQuery {
        text: Some(patient.to_owned()),
        birth_date: None,
        limit: 2,
    };
    let found = store.read(|tx| tx.search_patients(&query))?;
    if let Some(p) = found
        .iter()
        .find(|p| p.record.mrn.as_str().eq_ignore_ascii_case(patient.trim()))
    {
        return Ok(p.meta.id);
    }
    match patient.trim().parse::<i64>() {
        Ok(id) => Ok(id),
        Err(_) => bail!("no patient has id or MRN \"{patient}\""),
    }
}

pub fn run(store: &Store, auditor: &CliAuditor, cmd: Hl7Cmd) -> Result<()> {
    match cmd {
        Hl7Cmd::Vxu { patient, cr } => {
            let id = resolve(store, &patient)?;
            let now = store.clock().now();
            let control = format!("VXU{}", now.unix_timestamp());
            let text = store.read(|tx| hl7::outbound_vxu(tx, id, now, &control))?;
            auditor.shown(
                store,
                &[id],
                &[DataCategory::Demographics, DataCategory::Immunizations],
                "VXU^V04 for registry reporting",
            )?;
            print(&text, cr)
        }
        Hl7Cmd::A40 { merge, cr } => {
            let now = store.clock().now();
            let control = format!("A40{}", now.unix_timestamp());
            let (text, merged) = store.read(|tx| {
                let record = tx.merge_record(merge)?;
                let text = hl7::outbound_a40(tx, merge, now, &control)?;
                Ok((text, [record.surviving_id, record.retired_id]))
            })?;
            auditor.shown(
                store,
                &merged,
                &[DataCategory::Demographics],
                "ADT^A40 announcing a merge",
            )?;
            print(&text, cr)
        }
    }
}
