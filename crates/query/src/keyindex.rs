//! `KeyIndex`: the store's row ids (patient keys, event keys) mapped to small values
//! (ordinals, row locations).
//!
//! Store ids are autoincrement integers, so they are mostly dense from near zero: a plain
//! array indexed by the key costs 4 bytes a key, where a hash map at a million keys costs
//! about 35 and more at unlucky capacities. Keys that would make the array less than half
//! full (negative ids, far outliers) go to a hash map instead.
//!
//! Invariant: a key is in at most one of the two parts; `dense[k] == ABSENT` means "look in
//! `sparse`" only while `sparse` is non-empty.

use rustc_hash::FxHashMap;

const ABSENT: u32 = u32::MAX;

/// Integer key to `u32` value (`u32::MAX` is reserved).
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyIndex {
    dense: Vec<u32>,
    sparse: FxHashMap<i64, u32>,
    len: usize,
}

impl KeyIndex {
    pub(crate) fn with_capacity(capacity: usize) -> KeyIndex {
        KeyIndex {
            dense: Vec::with_capacity(capacity + 1),
            sparse: FxHashMap::default(),
            len: 0,
        }
    }

    fn dense_slot(&self, key: i64) -> Option<usize> {
        usize::try_from(key)
            .ok()
            .filter(|&idx| idx < self.dense.len())
    }

    pub(crate) fn get(&self, key: i64) -> Option<u32> {
        match self.dense_slot(key).and_then(|idx| self.dense.get(idx)) {
            Some(&value) if value != ABSENT => Some(value),
            _ if self.sparse.is_empty() => None,
            _ => self.sparse.get(&key).copied(),
        }
    }

    /// Sets `key` to `value`, returning the previous value.
    pub(crate) fn insert(&mut self, key: i64, value: u32) -> Option<u32> {
        let previous = self.remove(key);
        self.len += 1;
        let fits = usize::try_from(key).ok().filter(|&idx| {
            // Grow the array only while it stays at least half full.
            idx < self.dense.len() || idx < 2 * self.len + 4096
        });
        match fits {
            Some(idx) => {
                if idx >= self.dense.len() {
                    self.dense.resize(idx + 1, ABSENT);
                }
                if let Some(slot) = self.dense.get_mut(idx) {
                    *slot = value;
                }
            }
            None => {
                self.sparse.insert(key, value);
            }
        }
        previous
    }

    /// Removes `key`, returning its value.
    pub(crate) fn remove(&mut self, key: i64) -> Option<u32> {
        let in_dense = self
            .dense_slot(key)
            .and_then(|idx| self.dense.get_mut(idx))
            .filter(|slot| **slot != ABSENT);
        let removed = match in_dense {
            Some(slot) => Some(std::mem::replace(slot, ABSENT)),
            None => self.sparse.remove(&key),
        };
        if removed.is_some() {
            self.len -= 1;
        }
        removed
    }
}

#[cfg(test)]
mod tests;
