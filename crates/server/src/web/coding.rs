//! What the coding forms (diagnoses, procedures) share: the chart context they need, read
//! and audited once, the encounter chooser and the code picker field, and the patient's
//! sex and age for the code-set edits.

use super::layout::field_error;
use super::text::{day, name};
use crate::auth::Principal;
use crate::error::WebError;
use crate::state::AppState;
use maud::{Markup, html};
use privacy::{Action, DataCategory};
use records::{Encounter, Patient, PatientId};
use store::Stored;

/// The patient and their encounters, as a coding form shows them.
pub(crate) struct Context {
    /// The patient.
    pub patient: Stored<Patient>,
    /// Their encounters, oldest first.
    pub encounters: Vec<Stored<Encounter>>,
}

/// Reads the patient and encounters for a coding form, audited as a read of both.
pub(crate) async fn context(
    state: &AppState,
    principal: &Principal,
    id: i64,
    reason: &'static str,
) -> Result<Context, WebError> {
    let principal = principal.clone();
    state
        .blocking(move |state| {
            let (patient, encounters) = state
                .store
                .read(|tx| Ok((tx.get::<Patient>(id)?, tx.for_patient::<Encounter>(id)?)))?;
            state.trail.write(&state.store, |audited| {
                let event = principal
                    .event(audited.now(), Action::Read)
                    .patient(PatientId(id))
                    .record("patient", id)
                    .categories(&[DataCategory::Demographics, DataCategory::Encounters])
                    .reason(reason);
                audited.append(&event)
            })?;
            Ok(Context {
                patient,
                encounters,
            })
        })
        .await
}

/// The encounter chooser; each option carries its date for the code picker.
pub(crate) fn encounter_select(
    context: &Context,
    chosen: &str,
    errors: &[(String, String)],
) -> Markup {
    html! {
        label for="encounter_id" { "Encounter" }
        select #encounter_id name="encounter_id" { (encounter_options(context, chosen)) }
        (field_error(errors, "encounter_id"))
    }
}

/// The patient's encounters as options, newest first, `chosen` selected; each carries its
/// date for the code picker.
pub(crate) fn encounter_options(context: &Context, chosen: &str) -> Markup {
    html! {
        @for e in context.encounters.iter().rev() {
            @let value = e.meta.id.to_string();
            option value=(value) data-date=(day(e.record.admit_at.date())) selected[chosen == value] {
                (day(e.record.admit_at.date())) " · " (name(&e.record.class)) " · " (e.record.reason.as_deref().unwrap_or(""))
            }
        }
    }
}

/// The code field with typeahead: `system` names the code set, or `system_from` the
/// select that does.
pub(crate) fn code_field(
    label: &str,
    value: &str,
    system: &str,
    system_from: Option<&str>,
    errors: &[(String, String)],
    suggestions: &[codes::CodeTitle],
) -> Markup {
    html! {
        label for="code" { (label) }
        input #code name="code" value=(value) list="code-hits" autocomplete="off" required
            data-code-picker=(system) data-system-from=[system_from] data-date-from="encounter_id"
            aria-describedby="code-title"
            aria-invalid=[errors.iter().any(|(f, _)| f == "code").then_some("true")];
        datalist #code-hits {}
        output #code-title aria-live="polite" {}
        (field_error(errors, "code"))
        @if !suggestions.is_empty() {
            div.suggestions {
                p { "Billable codes under it:" }
                ul { @for s in suggestions { li { code { (s.code) } " " (s.title) } } }
            }
        }
    }
}

/// The chosen encounter, or the problem with the choice.
pub(crate) fn chosen_encounter<'a>(
    context: &'a Context,
    text: &str,
    errors: &mut Vec<(String, String)>,
) -> Option<&'a Stored<Encounter>> {
    let found = find_encounter(context, text);
    if found.is_none() {
        errors.push((
            "encounter_id".to_owned(),
            "choose one of this patient's encounters".to_owned(),
        ));
    }
    found
}

/// The patient's encounter with the id `text`, if it is one of theirs.
pub(crate) fn find_encounter<'a>(
    context: &'a Context,
    text: &str,
) -> Option<&'a Stored<Encounter>> {
    text.trim()
        .parse::<i64>()
        .ok()
        .and_then(|id| context.encounters.iter().find(|e| e.meta.id == id))
}

/// The patient's sex and age on `dos`, as the code-set edits read them.
pub(crate) use review::edits_patient;

/// Validates `code` in `system` on the encounter's date for the patient's sex and age:
/// the code's title when it may be reported, else the problem (and billable children).
pub(crate) fn check_code(
    state: &AppState,
    system: codes::System,
    code: &str,
    patient: &Patient,
    encounter: &Stored<Encounter>,
    errors: &mut Vec<(String, String)>,
    suggestions: &mut Vec<codes::CodeTitle>,
) -> Option<String> {
    let dos = encounter.record.admit_at.date();
    let edits = edits_patient(patient, dos);
    match state.codes.validate(system, code, dos, &edits) {
        Ok(v) if v.valid => v.title,
        Ok(v) => {
            let mut problems = v.problems.clone();
            problems.extend(
                v.edits
                    .iter()
                    .filter(|e| e.conflict)
                    .map(|e| e.message.clone()),
            );
            errors.push((
                "code".to_owned(),
                format!("{code} on {}: {}", day(dos), problems.join("; ")),
            ));
            *suggestions = v.billable_children;
            None
        }
        Err(e) => {
            errors.push(("code".to_owned(), e.to_string()));
            None
        }
    }
}

/// Creates the record `build` makes (inside the transaction, so it may read the chart, as
/// a diagnosis does for its sequence) and its `create` audit entry with the new values,
/// in one transaction.
pub(crate) async fn create_audited<R: store::Table + Send + 'static>(
    state: &AppState,
    principal: Principal,
    patient: i64,
    category: DataCategory,
    build: impl FnOnce(&mut store::Tx<'_>) -> store::Result<R> + Send + 'static,
) -> Result<(), WebError> {
    state
        .blocking(move |state| {
            state.trail.write(&state.store, |audited| {
                let record = build(&mut audited.records())?;
                let actor = store::Actor::new(format!("user:{}", principal.username));
                let stored = audited.records().create(&actor, &record)?;
                let event = principal
                    .event(audited.now(), Action::Create)
                    .patient(PatientId(patient))
                    .record(R::KIND, stored.meta.id)
                    .categories(&[category])
                    .changes(None, serde_json::to_string(&record).ok());
                audited.append(&event)
            })?;
            Ok(())
        })
        .await
}
