//! Change history: what changed in a record, field by field, and who changed it.

use serde::Serialize;
use serde_json::{Map, Value as Json};
use time::OffsetDateTime;

/// One field's old and new value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// Field (column) name.
    pub field: String,
    /// Value before the change.
    pub old: Json,
    /// Value after the change.
    pub new: Json,
}

/// One entry of a record's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    /// Record kind.
    pub kind: String,
    /// Record id.
    pub record_id: i64,
    /// The version this change produced.
    pub version: i64,
    /// `update`, `delete` or `restore`.
    pub action: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub changed_at: OffsetDateTime,
    /// Who.
    pub changed_by: String,
    /// Why, when a reason was given (always for deletes).
    pub reason: Option<String>,
    /// Field changes.
    pub changes: Vec<FieldChange>,
}

/// The fields whose values differ between two serialized versions, in column order.
pub(crate) fn diff(
    columns: &[&str],
    old: &Map<String, Json>,
    new: &Map<String, Json>,
) -> Vec<FieldChange> {
    columns
        .iter()
        .filter_map(|name| {
            let before = old.get(*name).unwrap_or(&Json::Null);
            let after = new.get(*name).unwrap_or(&Json::Null);
            (before != after).then(|| FieldChange {
                field: (*name).to_owned(),
                old: before.clone(),
                new: after.clone(),
            })
        })
        .collect()
}

/// The stored JSON form of a change list: `{"field": {"old": .., "new": ..}}`.
pub(crate) fn changes_json(changes: &[FieldChange]) -> Json {
    let mut object = Map::new();
    for change in changes {
        let mut pair = Map::new();
        pair.insert("old".into(), change.old.clone());
        pair.insert("new".into(), change.new.clone());
        object.insert(change.field.clone(), Json::Object(pair));
    }
    Json::Object(object)
}

/// Reads a stored change list back.
pub(crate) fn parse_changes(json: &Json) -> Vec<FieldChange> {
    json.as_object()
        .map(|object| {
            object
                .iter()
                .map(|(field, pair)| FieldChange {
                    field: field.clone(),
                    old: pair.get("old").cloned().unwrap_or(Json::Null),
                    new: pair.get("new").cloned().unwrap_or(Json::Null),
                })
                .collect()
        })
        .unwrap_or_default()
}
