//! The overlay check: a chart whose identity changes may hold two people's records (a
//! registrar picked the wrong chart, an interface matched the wrong patient). When a
//! chart's demographics change, the old and new versions are compared: a different sex, a
//! different birth date, or old and new demographics the kept model scores as two people
//! flag the chart for review, as do blood type results on the chart that disagree. The
//! flag waits in `/mpi` for an HIM technician (one person after all, or an overlay).
//!
//! Invariants: nothing is changed or moved here, only flagged; each flag (or finding
//! added to an open flag) has its audit entry in the caller's transaction.

use crate::compare::compare;
use crate::incremental::{Trained, model_in_force};
use crate::nicknames::Nicknames;
use crate::normalize::Person;
use crate::score::Class;
use privacy::AuditEvent;
use records::{AdministrativeSex, Observation, ObservationValue, Patient};
use store::{Audited, OverlayFlag, Tx, Value};

/// LOINC codes of blood type results: ABO and Rh group, ABO group, Rh type.
pub const BLOOD_TYPE_CODES: &[&str] = &["882-1", "883-9", "10331-7"];

fn sex_word(sex: AdministrativeSex) -> &'static str {
    match sex {
        AdministrativeSex::Male => "male",
        AdministrativeSex::Female => "female",
        AdministrativeSex::Other => "other",
        AdministrativeSex::Unknown => "unknown",
    }
}

/// What changed in a chart's identity between `before` and `after`, in words: a different
/// sex (both recorded), a different birth date, and (with a kept model) demographics the
/// model scores as two people. Empty for an ordinary correction (an address, a phone, a
/// married name on the same person).
pub fn identity_changes(
    before: &Patient,
    after: &Patient,
    trained: Option<&Trained>,
    nicknames: &Nicknames,
) -> Vec<String> {
    let mut found = Vec::new();
    if before.sex != after.sex
        && before.sex != AdministrativeSex::Unknown
        && after.sex != AdministrativeSex::Unknown
    {
        found.push(format!(
            "sex was {}, now {}",
            sex_word(before.sex),
            sex_word(after.sex)
        ));
    }
    if before.birth_date != after.birth_date {
        found.push(format!(
            "birth date was {}, now {}",
            before.birth_date, after.birth_date
        ));
    }
    if let Some(trained) = trained {
        let vector = compare(
            &Person::from_patient(before, nicknames),
            &Person::from_patient(after, nicknames),
            &trained.bands,
        );
        let scored = trained.model.score(vector);
        if scored.class == Class::NonMatch {
            found.push(format!(
                "{} {} (born {}) became {} {} (born {}): the match model scores them as two people (match probability {:.3})",
                before.given_name,
                before.family_name,
                before.birth_date,
                after.given_name,
                after.family_name,
                after.birth_date,
                scored.probability
            ));
        }
    }
    found
}

fn value_text(value: &ObservationValue) -> String {
    match value {
        ObservationValue::Coded {
            value_code,
            value_display,
        } => value_display.clone().unwrap_or_else(|| value_code.clone()),
        ObservationValue::Text { value_text } => value_text.clone(),
        ObservationValue::Quantity { value_number, .. } => value_number.to_string(),
    }
}

/// Blood type results on chart `patient_id` that disagree, in words (empty when they
/// agree or there are fewer than two), per LOINC code.
pub fn blood_type_disagreements(tx: &mut Tx<'_>, patient_id: i64) -> store::Result<Vec<String>> {
    let mut found = Vec::new();
    for code in BLOOD_TYPE_CODES {
        let results = tx.select::<Observation>(
            "patient_id = ? AND code = ?",
            &[Value::Int(patient_id), Value::from(*code)],
            "id",
            100,
        )?;
        let mut values: Vec<(String, String)> = Vec::new();
        for result in &results {
            let value = value_text(&result.record.value);
            let key = value.trim().to_ascii_lowercase();
            if !values.iter().any(|(k, _)| *k == key) {
                values.push((
                    key,
                    format!("{value} ({})", result.record.effective_at.date()),
                ));
            }
        }
        if values.len() > 1 {
            let listed: Vec<String> = values.into_iter().map(|(_, shown)| shown).collect();
            found.push(format!(
                "blood type results ({code}) disagree: {}",
                listed.join(", ")
            ));
        }
    }
    Ok(found)
}

/// Checks chart `patient_id` after a write by `by`: with `before` (the version the write
/// replaced) its identity changes, and its blood type results. Flags it as a possible
/// overlay when anything disagrees (`why` names the write). Returns the flag, if any.
pub fn check_overlay(
    audited: &mut Audited<'_>,
    patient_id: i64,
    before: Option<&Patient>,
    by: &AuditEvent,
    why: &str,
) -> store::Result<Option<OverlayFlag>> {
    let mut findings = Vec::new();
    {
        let mut tx = audited.records();
        if let Some(before) = before {
            let after = tx.get::<Patient>(patient_id)?;
            if identity_fields_differ(before, &after.record) {
                let trained = model_in_force(&mut tx)?;
                findings =
                    identity_changes(before, &after.record, trained.as_ref(), Nicknames::shared());
            }
        }
        findings.extend(blood_type_disagreements(&mut tx, patient_id)?);
    }
    if findings.is_empty() {
        return Ok(None);
    }
    let findings: Vec<String> = findings
        .into_iter()
        .map(|f| format!("{why}: {f}"))
        .collect();
    let mut event = by.clone();
    event.patient_id = None;
    event.old_values = None;
    event.new_values = None;
    event.writes = None;
    audited.flag_overlay(patient_id, &findings, event).map(Some)
}

/// Whether anything the overlay check compares changed (so most writes skip the model).
fn identity_fields_differ(before: &Patient, after: &Patient) -> bool {
    before.sex != after.sex
        || before.birth_date != after.birth_date
        || before.given_name != after.given_name
        || before.family_name != after.family_name
}
