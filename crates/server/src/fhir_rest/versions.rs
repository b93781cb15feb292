//! Earlier versions of a record, rebuilt from the store's field-level history: the
//! current values with each later change undone, newest first.
//!
//! Invariant: version 1 is the record as created (`created_at`); version n > 1 is the
//! state after the history entry numbered n, dated by it; a version produced by a delete
//! is marked deleted (FHIR answers 410 for it and shows it as a DELETE in `_history`).

use super::kinds::{Kind, with_record};
use super::outcome::FhirError;
use super::resource::{Found, Serve};
use serde_json::{Map, Value};
use store::{Deletion, Meta, Stored, Tx};

/// One version and how it came about.
pub(crate) struct Version {
    pub found: Found,
    /// `create`, `update`, `delete` or `restore`.
    pub action: String,
}

/// Every version of record `kind` `id`, newest first (empty when there is no record).
pub(crate) fn versions(tx: &mut Tx<'_>, kind: Kind, id: i64) -> Result<Vec<Version>, FhirError> {
    with_record!(kind, R => versions_of::<R>(tx, kind, id))
}

fn versions_of<R: Serve>(tx: &mut Tx<'_>, kind: Kind, id: i64) -> Result<Vec<Version>, FhirError> {
    let Some(current) = tx.find::<R>(id)?.filter(|c| R::shown_as(kind, c)) else {
        return Ok(Vec::new());
    };
    let history = tx.history(kind.store_kind(), id)?;
    let mut object: Map<String, Value> = match serde_json::to_value(&current.record) {
        Ok(Value::Object(object)) => object,
        _ => return Err(FhirError::internal("a record is not a JSON object")),
    };
    let mut deleted = current.meta.deleted.clone();
    let mut out = Vec::new();
    let mut version_of = |object: &Map<String, Value>,
                          meta: Meta,
                          action: &str,
                          tx: &mut Tx<'_>|
     -> Result<(), FhirError> {
        let record: R = serde_json::from_value(Value::Object(object.clone()))
            .map_err(|e| FhirError::internal(format!("rebuilding {kind:?} {id}: {e}")))?;
        let stored = Stored { meta, record };
        // A claim's versions before its 835 are no ExplanationOfBenefit.
        if !R::shown_as(kind, &stored) {
            return Ok(());
        }
        out.push(Version {
            found: Found::of(tx, kind, &stored)?,
            action: action.to_owned(),
        });
        Ok(())
    };
    for entry in history.iter().rev() {
        let meta = Meta {
            version: entry.version,
            updated_at: entry.changed_at,
            updated_by: entry.changed_by.clone(),
            deleted: deleted.clone(),
            ..current.meta.clone()
        };
        version_of(&object, meta, &entry.action, tx)?;
        for change in &entry.changes {
            object.insert(change.field.clone(), change.old.clone());
        }
        deleted = match entry.action.as_str() {
            "delete" => None,
            "restore" => Some(Deletion {
                at: entry.changed_at,
                by: entry.changed_by.clone(),
                reason: String::new(),
            }),
            _ => deleted,
        };
    }
    let first = Meta {
        version: history
            .first()
            .map_or(current.meta.version, |e| e.version - 1),
        updated_at: current.meta.created_at,
        updated_by: current.meta.created_by.clone(),
        deleted: None,
        ..current.meta.clone()
    };
    version_of(&object, first, "create", tx)?;
    Ok(out)
}
