//! Duplicate checks where patients arrive without a registrar: HL7 ADT, imports, FHIR
//! `Patient` creates, and edits of a chart's demographics. The chart just written is
//! matched against the index at once (`candidates_for`, scored with the kept model), and
//! each patient on file the model would link or send to review is put into the `/mpi`
//! duplicate queue as a pair with it, with an audit entry naming both patients. Nothing is
//! merged: an HIM technician decides every pair.
//!
//! Invariants: without a kept model nothing is flagged (the name search alone is too
//! loose to fill a queue unattended); a pair decided "not duplicate" is never reopened
//! (`Tx::save_candidate_pairs`); each pair added or rescored has its own audit entry in
//! the caller's transaction, taken from the caller's entry (who, when, which channel).

use crate::incremental::{Trained, candidates_for, model_in_force};
use crate::nicknames::Nicknames;
use crate::score::Class;
use privacy::{Action, AuditEvent, DataCategory};
use records::{Patient, PatientId};
use store::{Audited, FoundPair, Stored, Tx};

/// A pair an arrival put into the duplicate queue (new, or an open pair rescored).
#[derive(Debug, Clone, PartialEq)]
pub struct Flagged {
    /// The queued pair's row id.
    pub pair: i64,
    /// The patient on file it may be.
    pub on_file: i64,
    /// The kept model's match probability.
    pub probability: f64,
    /// Whether the pair is new to the queue (else an open pair was rescored).
    pub added: bool,
}

/// The pairs `patient` (a chart on file, just created or changed) forms with the patients
/// the kept model would link or review, without writing anything.
pub fn probable_duplicates(
    tx: &mut Tx<'_>,
    patient: &Stored<Patient>,
    trained: &Trained,
    nicknames: &Nicknames,
) -> store::Result<Vec<FoundPair>> {
    let found = candidates_for(
        tx,
        &patient.record,
        Some(patient.meta.id),
        Some(trained),
        nicknames,
    )?;
    Ok(found
        .into_iter()
        .filter_map(|m| {
            let score = m.score?;
            let class = match score.class {
                Class::AutoLink => "auto_link",
                Class::Review => "review",
                Class::NonMatch => return None,
            };
            Some(FoundPair {
                patient_a: patient.meta.id,
                patient_b: m.patient.meta.id,
                probability: score.probability,
                weight: score.weight,
                class: class.to_owned(),
                contributions: serde_json::to_value(&m.contributions).unwrap_or_default(),
            })
        })
        .collect())
}

/// Checks chart `patient_id` (just created or changed by `by`'s writer) against the index
/// with the model in force and queues each probable duplicate for review, each pair with
/// its audit entry (`by` with the pair's patients, the pair's record and `why`). Nothing
/// when no model is kept. Returns the pairs queued or rescored.
pub fn flag_duplicates(
    audited: &mut Audited<'_>,
    patient_id: i64,
    by: &AuditEvent,
    why: &str,
) -> store::Result<Vec<Flagged>> {
    let mut tx = audited.records();
    let Some(trained) = model_in_force(&mut tx)? else {
        return Ok(Vec::new());
    };
    flag_with(audited, patient_id, &trained, by, why)
}

/// `flag_duplicates` with the model already read (an import checks many charts with one).
pub fn flag_with(
    audited: &mut Audited<'_>,
    patient_id: i64,
    trained: &Trained,
    by: &AuditEvent,
    why: &str,
) -> store::Result<Vec<Flagged>> {
    let mut flagged = Vec::new();
    {
        let mut tx = audited.records();
        let patient = tx.get::<Patient>(patient_id)?;
        for pair in probable_duplicates(&mut tx, &patient, trained, Nicknames::shared())? {
            let saved = tx.save_candidate_pairs(std::slice::from_ref(&pair))?;
            if saved.added + saved.rescored == 0 {
                continue;
            }
            let Some(kept) = tx.candidate_pair_of(pair.patient_a, pair.patient_b)? else {
                continue;
            };
            flagged.push(Flagged {
                pair: kept.id,
                on_file: pair.patient_b,
                probability: pair.probability,
                added: saved.added > 0,
            });
        }
    }
    for one in &flagged {
        let mut event = by.clone();
        event.patient_id = None;
        event.old_values = None;
        event.new_values = None;
        event.writes = None;
        event.action = if one.added {
            Action::Create
        } else {
            Action::Update
        };
        let event = event
            .patients(&[PatientId(patient_id), PatientId(one.on_file)])
            .record("mpi_candidate", one.pair)
            .categories(&[DataCategory::Demographics])
            .reason(&format!(
                "{why}: possible duplicate queued for review (match probability {:.3})",
                one.probability
            ));
        audited.append(&event)?;
    }
    Ok(flagged)
}
