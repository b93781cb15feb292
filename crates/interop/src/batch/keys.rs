//! Source ids (Synthea UUIDs, extract ids) to Chartroom ids, remembered in the store's `external_ids` so references
//! resolve across files and a re-run skips what it already imported.
//!
//! Keys made in a transaction that rolls back must be forgotten, so new keys stay
//! "pending" until the caller says the batch committed.

use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use store::Tx;

/// Import keys of one source (`external_ids.source`: `synthea`, `extract`).
pub struct Keys {
    source: &'static str,
    loaded: HashSet<&'static str>,
    // Keyed by kind, then source key, so a lookup by `&str` allocates nothing.
    committed: HashMap<&'static str, HashMap<String, i64>>,
    pending: HashMap<&'static str, HashMap<String, i64>>,
}

impl Keys {
    /// Keys of `source`.
    pub fn new(source: &'static str) -> Self {
        Self {
            source,
            loaded: HashSet::new(),
            committed: HashMap::new(),
            pending: HashMap::new(),
        }
    }

    fn load(&mut self, tx: &mut Tx<'_>, kind: &'static str) -> store::Result<()> {
        if self.loaded.insert(kind) {
            for (key, id) in tx.external_ids(self.source, kind)? {
                self.committed.entry(kind).or_default().insert(key, id);
            }
        }
        Ok(())
    }

    /// The Chartroom id of a Synthea key, if it was imported.
    pub fn resolve(
        &mut self,
        tx: &mut Tx<'_>,
        kind: &'static str,
        key: &str,
    ) -> store::Result<Option<i64>> {
        if let Some(id) = self.pending.get(kind).and_then(|keys| keys.get(key)) {
            return Ok(Some(*id));
        }
        self.load(tx, kind)?;
        Ok(self
            .committed
            .get(kind)
            .and_then(|keys| keys.get(key))
            .copied())
    }

    /// Records that `key` became record `id` (in the current transaction).
    pub fn remember(
        &mut self,
        tx: &mut Tx<'_>,
        kind: &'static str,
        key: &str,
        id: i64,
    ) -> store::Result<()> {
        tx.link_external_id(self.source, kind, key, id)?;
        self.pending
            .entry(kind)
            .or_default()
            .insert(key.to_owned(), id);
        Ok(())
    }

    /// The batch committed: pending keys are now real.
    pub fn commit(&mut self) {
        for (kind, keys) in self.pending.drain() {
            self.committed.entry(kind).or_default().extend(keys);
        }
    }

    /// The batch rolled back: forget its keys.
    pub fn discard(&mut self) {
        self.pending.clear();
    }
}

/// A stable key for rows that have no id of their own (conditions, observations, ...):
/// a digest of the whole row, so the same row in a re-run maps to the same key.
pub fn row_key(record: &csv::StringRecord) -> String {
    let mut hasher = Sha256::new();
    for field in record {
        hasher.update(field.as_bytes());
        hasher.update([0x1f]);
    }
    let digest = hasher.finalize();
    digest.iter().take(12).map(|b| format!("{b:02x}")).collect()
}
