//! Saved queries: a name, an owner, a description and the query's normal form, stored like
//! a record so every change to a report's definition is versioned and kept in history.

use crate::{Error, Result};
use records::{RecordKind, Validate, Validator};
use serde::{Deserialize, Serialize};
use store::{Actor, ColType, Column, Store, Stored, Table, Value};

/// A saved population query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedQuery {
    /// Unique name, used on the command line (`chartroom query run flu-coverage`).
    pub name: String,
    /// Who owns it.
    pub owner: String,
    /// What it answers, in words.
    pub description: Option<String>,
    /// The query in its normal form.
    pub query_text: String,
}

impl RecordKind for SavedQuery {
    const KIND: &'static str = "saved_query";
}

impl Validate for SavedQuery {
    fn check(&self, v: &mut Validator) {
        v.required("name", &self.name);
        v.max_len("name", &self.name, 80);
        if let Some(bad) = self
            .name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        {
            v.error(
                "name",
                format!("contains '{bad}'; use letters, digits, '-', '_' and '.'"),
            );
        }
        v.required("owner", &self.owner);
        v.optional_text("description", self.description.as_deref(), 500);
        if let Err(error) = query::parse(&self.query_text) {
            v.error("query_text", error.to_string());
        }
    }
}

impl Table for SavedQuery {
    const TABLE: &'static str = "saved_queries";
    const COLUMNS: &'static [Column] = &[
        Column {
            name: "name",
            ty: ColType::Text,
        },
        Column {
            name: "owner",
            ty: ColType::Text,
        },
        Column {
            name: "description",
            ty: ColType::Text,
        },
        Column {
            name: "query_text",
            ty: ColType::Text,
        },
    ];
    const UNIQUE: &'static [&'static [&'static str]] = &[&["name"]];
}

/// The saved query called `name`, if any.
pub fn find(store: &Store, name: &str) -> Result<Option<Stored<SavedQuery>>> {
    Ok(store
        .read(|tx| tx.select::<SavedQuery>("name = ?", &[Value::from(name)], "id", 1))?
        .into_iter()
        .next())
}

/// Every saved query, by name.
pub fn list(store: &Store) -> Result<Vec<Stored<SavedQuery>>> {
    Ok(store.read(|tx| tx.select::<SavedQuery>("1 = 1", &[], "name", i64::MAX))?)
}

/// Saves a query under its name (a new version when the name exists). The text is stored
/// in its normal form, so saved queries diff cleanly.
pub fn save(store: &Store, actor: &Actor, mut saved: SavedQuery) -> Result<Stored<SavedQuery>> {
    if let Ok(parsed) = query::parse(&saved.query_text) {
        saved.query_text = parsed.to_string();
    }
    let existing = find(store, &saved.name)?;
    Ok(store.write(|tx| match &existing {
        Some(current) => tx.update(actor, current.meta.id, current.meta.version, &saved),
        None => tx.create(actor, &saved),
    })?)
}

/// Deletes a saved query (softly, with a reason).
pub fn delete(store: &Store, actor: &Actor, name: &str, reason: &str) -> Result<()> {
    let current = find(store, name)?.ok_or_else(|| Error::NoSuchQuery(name.to_owned()))?;
    Ok(store.write(|tx| {
        tx.delete::<SavedQuery>(actor, current.meta.id, current.meta.version, reason)
    })?)
}
