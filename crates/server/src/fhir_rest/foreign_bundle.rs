//! Transaction Bundles that carry resource types Chartroom does not keep, as Synthea's
//! patient bundles do (Claim, ExplanationOfBenefit, Provenance, MedicationRequest,
//! CarePlan...): they go through the same importer as `chartroom import --fhir`, all or
//! nothing, in one audited transaction. What Chartroom keeps is validated, mapped and
//! stored; the other entries are answered `200 OK` with an informational outcome saying
//! they were not kept, so a sender can tell them from stored ones.

use super::kinds::resource_type;
use super::outcome::{FhirError, OutcomeIssue};
use super::trail;
use crate::auth::Principal;
use crate::state::AppState;
use fhir::EntryResult;
use privacy::{Action, DataCategory};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

#[derive(Deserialize)]
struct TypeOnly {
    #[serde(rename = "resourceType", default)]
    resource_type: Option<String>,
}

/// The resource type an entry's resource declares.
pub(crate) fn type_of(resource: Option<&RawValue>) -> Option<String> {
    serde_json::from_str::<TypeOnly>(resource?.get())
        .ok()?
        .resource_type
}

/// Whether a transaction needs the importer: some entry is a type the REST API does not
/// write.
pub(crate) fn is_foreign(types: impl IntoIterator<Item = Option<String>>) -> bool {
    types
        .into_iter()
        .flatten()
        .any(|t| resource_type(&t).is_none_or(|served| served.write.is_none()))
}

/// Imports the Bundle `text` (entries' types in `types`) for `principal` and answers a
/// transaction-response Bundle.
pub(crate) fn import(
    state: &AppState,
    principal: &Principal,
    text: &str,
    types: &[Option<String>],
    base: &str,
) -> Result<String, FhirError> {
    for t in types.iter().flatten() {
        if let Some(served) = resource_type(t)
            && fhir::IMPORTED.contains(&t.as_str())
            && let Some(permission) = served.write
            && !principal.allows(permission)
        {
            return Err(FhirError::forbidden(format!(
                "the Bundle writes {t}, which needs {permission}"
            )));
        }
    }
    let options = fhir::ImportOptions {
        actor: store::Actor::new(format!("user:{}", principal.username)),
    };
    let event = trail::event(principal, state.store.clock().now(), Action::Create)
        .categories(DataCategory::ALL)
        .reason("transaction Bundle imported (types Chartroom does not keep are skipped)");
    let imported = fhir::import_bundle_with("Bundle", text, &options, &mut |work| {
        state.trail.write(&state.store, |audited| {
            work(&mut audited.records())?;
            audited.append(&event).map(|_| ())
        })
    })
    .map_err(FhirError::internal)?;
    if !imported.rejections.is_empty() {
        let issues = imported
            .rejections
            .iter()
            .map(|r| {
                let issue = OutcomeIssue::error("invalid", r.reason.clone());
                match &r.column {
                    Some(expression) => issue.at(expression.clone()),
                    None => issue,
                }
            })
            .collect();
        return Err(FhirError::unprocessable(issues));
    }
    let patients: Vec<i64> = imported
        .entries
        .iter()
        .filter_map(|result| match result {
            EntryResult::Stored {
                kind: "patient",
                id,
            } => Some(*id),
            _ => None,
        })
        .collect();
    if !patients.is_empty() {
        // Checked once the Bundle is stored: probable duplicates to the /mpi review queue.
        let by = trail::event(principal, state.store.clock().now(), Action::Create);
        state.trail.write(&state.store, |audited| {
            let Some(trained) = mpi::model_in_force(&mut audited.records())? else {
                return Ok(());
            };
            for id in &patients {
                mpi::flag_with(audited, *id, &trained, &by, "FHIR Bundle import")?;
            }
            Ok(())
        })?;
    }
    let entries: Vec<Value> = imported
        .entries
        .iter()
        .zip(types)
        .map(|(result, t)| {
            let t = t.as_deref().unwrap_or("Resource");
            match result {
                EntryResult::Stored { kind, id } => json!({"response": {
                    "status": "201 Created",
                    "location": format!("{base}/{t}/{}/_history/1", fhir::resource_id(kind, *id)),
                }}),
                EntryResult::Existing { kind, id } => json!({"response": {
                    "status": "200 OK",
                    "location": format!("{base}/{t}/{}", fhir::resource_id(kind, *id)),
                }}),
                EntryResult::Skipped => json!({"response": {
                    "status": "200 OK",
                    "outcome": {
                        "resourceType": "OperationOutcome",
                        "issue": [{
                            "severity": "information",
                            "code": "informational",
                            "diagnostics": format!("Chartroom does not keep {t}; this entry was not stored"),
                        }],
                    },
                }}),
            }
        })
        .collect();
    Ok(json!({
        "resourceType": "Bundle",
        "type": "transaction-response",
        "entry": entries,
    })
    .to_string())
}
