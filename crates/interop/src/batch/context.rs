//! What every row mapper shares: the key map, the actor, and reference helpers.

use super::fields::{Fields, MapError, RowError};
use super::keys::Keys;
use store::{Actor, Table, Tx};

/// What a row came to.
pub enum Outcome {
    /// Stored as a new record.
    Stored,
    /// Not stored, on purpose (already imported, or not something Chartroom keeps).
    Skipped,
    /// Not stored on purpose, for a reason the report tallies (a known kind of row that
    /// Chartroom does not keep).
    SkippedBecause(&'static str),
}

/// State shared by the mappers during one import.
pub struct Ctx {
    pub keys: Keys,
    pub actor: Actor,
}

/// A row mapper: one CSV row to zero or more records.
pub type MapFn = fn(&mut Ctx, &mut Tx<'_>, &Fields<'_>) -> Result<Outcome, MapError>;

impl Ctx {
    /// Whether a row with this key was imported before.
    pub fn seen(
        &mut self,
        tx: &mut Tx<'_>,
        kind: &'static str,
        key: &str,
    ) -> Result<bool, MapError> {
        Ok(self.keys.resolve(tx, kind, key)?.is_some())
    }

    /// The id of the record a required reference column names.
    pub fn reference(
        &mut self,
        tx: &mut Tx<'_>,
        fields: &Fields<'_>,
        column: &str,
        kind: &'static str,
    ) -> Result<i64, MapError> {
        let key = fields.req(column)?;
        self.keys.resolve(tx, kind, key)?.ok_or_else(|| {
            MapError::Row(RowError::column(
                column,
                format!("{kind} {key} is not in this import or an earlier one"),
            ))
        })
    }

    /// The id an optional reference column names; an unknown key is an error, an empty one is not.
    pub fn optional_reference(
        &mut self,
        tx: &mut Tx<'_>,
        fields: &Fields<'_>,
        column: &str,
        kind: &'static str,
    ) -> Result<Option<i64>, MapError> {
        match fields.opt(column) {
            None => Ok(None),
            Some(_) => self.reference(tx, fields, column, kind).map(Some),
        }
    }

    /// Stores a record and remembers its key.
    pub fn store<R: Table>(
        &mut self,
        tx: &mut Tx<'_>,
        key: &str,
        record: &R,
    ) -> Result<Outcome, MapError> {
        let stored = tx.create(&self.actor, record)?;
        self.keys.remember(tx, R::KIND, key, stored.meta.id)?;
        Ok(Outcome::Stored)
    }
}
