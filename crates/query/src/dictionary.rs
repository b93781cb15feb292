//! `Dictionary`: text values (ZIP codes, ICD/CVX/LOINC codes) mapped to dense ids, so
//! columns hold small integers and a code filter becomes a bitset over ids.
//!
//! Invariant: ids are assigned in first-seen order and never change or get reused, so a
//! column written before a later insert still decodes correctly.

use rustc_hash::FxHashMap;

/// Text to dense id and back.
#[derive(Debug, Clone, Default)]
pub(crate) struct Dictionary {
    ids: FxHashMap<String, u32>,
    texts: Vec<String>,
}

impl Dictionary {
    /// The id of `text`, adding it if new.
    pub(crate) fn intern(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        let id = u32::try_from(self.texts.len()).unwrap_or(u32::MAX);
        self.ids.insert(text.to_owned(), id);
        self.texts.push(text.to_owned());
        id
    }

    /// The text of an id ("" for an unknown id, which no column holds).
    pub(crate) fn text(&self, id: u32) -> &str {
        self.texts.get(id as usize).map_or("", String::as_str)
    }

    /// Number of distinct values.
    pub(crate) fn len(&self) -> usize {
        self.texts.len()
    }

    /// All `(id, text)` pairs.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, &str)> {
        self.texts
            .iter()
            .enumerate()
            .map(|(id, text)| (id as u32, text.as_str()))
    }
}
