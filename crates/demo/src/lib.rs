//! Demo data: a deterministic synthetic population for `chartroom demo`, tests and
//! benchmarks.
//!
//! `generate` writes N patients with insurance, encounters of every class, coded
//! diagnoses, procedures, immunizations, observations, notes, charges and postings. The
//! same seed, patient count and as-of date give the same charts: each patient draws from
//! its own generator seeded by (seed, MRN number), and everything random is decided
//! before database ids exist.
//!
//! Data is shaped for the review work later issues build, as a records department that
//! chases its charts sees them: most charts complete, some with one or two deficiencies,
//! a few delinquent. About 7% of patients have no coverage today (most since a plan ended
//! in the last four months, so their latest visits lack it); half of the last three days'
//! notes are unsigned, few older ones; a third of the last month's stays still lack their
//! discharge summary and a quarter of the last fortnight's procedures their operative
//! report, old ones rarely; open balances spread across every A/R aging bucket.
//!
//! Repeated runs into the same store reuse the demo's organizations, providers and payers
//! and append new patients with fresh MRNs after the highest existing `D` MRN.

mod billing;
mod chart;
mod names;
mod notes;
pub mod outbreaks;
mod plan;
mod population;
mod random;
mod reference;
mod vitals;
mod vocab;

pub use population::MRN_AUTHORITY;

use store::{Actor, Store};

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    /// How many patients.
    pub patients: u32,
    /// The seed: the same seed gives the same population.
    pub seed: u64,
    /// "Today" for the population: history is generated in the three years before it.
    pub as_of: time::Date,
    /// Patients per transaction.
    pub batch_size: u32,
}

/// How many records of each kind were written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoReport {
    /// Patients.
    pub patients: u64,
    /// Encounters of every class.
    pub encounters: u64,
    /// Coded diagnoses.
    pub diagnoses: u64,
    /// Procedures (CPT, HCPCS, ICD-10-PCS).
    pub procedures: u64,
    /// Immunizations (including not-done and entered-in-error).
    pub immunizations: u64,
    /// Observations (vitals and labs).
    pub observations: u64,
    /// Clinical notes.
    pub notes: u64,
    /// Notes left unsigned.
    pub unsigned_notes: u64,
    /// Charges.
    pub charges: u64,
    /// Payments and adjustments.
    pub postings: u64,
}

pub(crate) type Counts = DemoReport;

impl DemoReport {
    fn add(&mut self, other: &Self) {
        self.patients += other.patients;
        self.encounters += other.encounters;
        self.diagnoses += other.diagnoses;
        self.procedures += other.procedures;
        self.immunizations += other.immunizations;
        self.observations += other.observations;
        self.notes += other.notes;
        self.unsigned_notes += other.unsigned_notes;
        self.charges += other.charges;
        self.postings += other.postings;
    }
}

/// The actor demo records are written as.
pub const ACTOR: &str = "demo";

/// Generates `options.patients` patients into `store`, one transaction per batch, calling
/// `progress` with the number of patients done after each batch.
///
/// A failed batch rolls back whole; batches already committed stay.
pub fn generate(
    store: &Store,
    options: &DemoOptions,
    progress: &mut dyn FnMut(u32),
) -> Result<DemoReport, store::Error> {
    let actor = Actor::new(ACTOR);
    let (reference, first_number) = store.write(|tx| {
        let reference = reference::ensure_all(tx, &actor)?;
        Ok((reference, population::next_mrn_number(tx)?))
    })?;
    let run = chart::Run {
        actor: &actor,
        reference: &reference,
        as_of: options.as_of,
        seed: options.seed,
    };
    let batch_size = options.batch_size.max(1);
    let mut report = DemoReport::default();
    let mut done = 0u32;
    while done < options.patients {
        let n = batch_size.min(options.patients - done);
        let batch = store.write(|tx| {
            let mut counts = Counts::default();
            for i in done..done + n {
                chart::patient(tx, &run, first_number + u64::from(i), &mut counts)?;
            }
            Ok(counts)
        })?;
        report.add(&batch);
        done += n;
        progress(done);
    }
    Ok(report)
}
