//! `Patients`: the demographic columns, indexed by a dense patient ordinal.
//!
//! Invariants:
//! - Ordinal `p` is assigned on first insert of a patient key and never changes or goes
//!   to another key (a removed key that comes back gets `p` again); removing a patient clears its bit in `live` and leaves a tombstone, so every
//!   event column that stores `p` stays valid. (Patients are rarely removed from a health
//!   record; a rebuild from the store drops the tombstones.)
//! - Every column has exactly `keys.len()` entries; `live` ranges over the same ordinals.
//! - `zip3[p]` is always the id of the first three characters of `zip[p]`.

use crate::bitset::PatientSet;
use crate::day;
use crate::dictionary::Dictionary;
use crate::facts::{PatientFacts, PatientKey};
use crate::keyindex::KeyIndex;

/// No date of death.
pub(crate) const ALIVE: i32 = i32::MAX;

/// Demographic columns.
#[derive(Debug, Clone)]
pub(crate) struct Patients {
    pub(crate) keys: Vec<PatientKey>,
    ordinal_of: KeyIndex,
    pub(crate) live: PatientSet,
    pub(crate) birth_ymd: Vec<u32>,
    pub(crate) birth_day: Vec<i32>,
    pub(crate) sex: Vec<u8>,
    pub(crate) zip: Vec<u32>,
    pub(crate) zip3: Vec<u32>,
    pub(crate) deceased_day: Vec<i32>,
    pub(crate) zips: Dictionary,
    pub(crate) zip3s: Dictionary,
}

impl Patients {
    pub(crate) fn with_capacity(capacity: usize) -> Patients {
        Patients {
            keys: Vec::with_capacity(capacity),
            ordinal_of: KeyIndex::with_capacity(capacity),
            live: PatientSet::empty(0),
            birth_ymd: Vec::with_capacity(capacity),
            birth_day: Vec::with_capacity(capacity),
            sex: Vec::with_capacity(capacity),
            zip: Vec::with_capacity(capacity),
            zip3: Vec::with_capacity(capacity),
            deceased_day: Vec::with_capacity(capacity),
            zips: Dictionary::default(),
            zip3s: Dictionary::default(),
        }
    }

    /// Number of ordinals ever assigned (live or tombstoned).
    pub(crate) fn len(&self) -> u32 {
        u32::try_from(self.keys.len()).unwrap_or(u32::MAX)
    }

    /// Ordinal of a live patient.
    pub(crate) fn ordinal(&self, key: PatientKey) -> Option<u32> {
        self.ordinal_of
            .get(key)
            .filter(|&ordinal| self.live.contains(ordinal))
    }

    /// Inserts a new patient or replaces the demographics of a known one; returns its ordinal.
    pub(crate) fn upsert(&mut self, facts: &PatientFacts) -> u32 {
        let zip = self.zips.intern(&facts.zip);
        let zip3_text: String = facts.zip.chars().take(3).collect();
        let zip3 = self.zip3s.intern(&zip3_text);
        let birth_ymd = day::ymd(facts.birth_date);
        let birth_day = day::day(facts.birth_date);
        let deceased = facts.deceased.map_or(ALIVE, day::day);
        let sex = facts.sex.code();
        if let Some(ordinal) = self.ordinal_of.get(facts.patient_key) {
            let idx = ordinal as usize;
            set(&mut self.birth_ymd, idx, birth_ymd);
            set(&mut self.birth_day, idx, birth_day);
            set(&mut self.sex, idx, sex);
            set(&mut self.zip, idx, zip);
            set(&mut self.zip3, idx, zip3);
            set(&mut self.deceased_day, idx, deceased);
            self.live.insert(ordinal);
            return ordinal;
        }
        let ordinal = self.len();
        self.keys.push(facts.patient_key);
        self.ordinal_of.insert(facts.patient_key, ordinal);
        self.birth_ymd.push(birth_ymd);
        self.birth_day.push(birth_day);
        self.sex.push(sex);
        self.zip.push(zip);
        self.zip3.push(zip3);
        self.deceased_day.push(deceased);
        self.live.grow(self.len());
        self.live.insert(ordinal);
        ordinal
    }

    /// Tombstones a patient; returns its ordinal if it was live.
    pub(crate) fn remove(&mut self, key: PatientKey) -> Option<u32> {
        let ordinal = self.ordinal(key)?;
        self.live.remove(ordinal);
        Some(ordinal)
    }
}

fn set<T>(column: &mut [T], idx: usize, value: T) {
    if let Some(slot) = column.get_mut(idx) {
        *slot = value;
    }
}
