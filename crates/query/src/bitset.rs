//! `PatientSet`: a dense bitset over patient ordinals, the currency of filter evaluation.
//!
//! At a million patients a dense set is 125 KiB, so AND / OR / NOT are a few thousand word
//! operations and membership is one shift; that beats compressed sets for the
//! intermediate results of a query, which are usually large. Compressed per-code sets
//! (roaring) live in the event tables, where most codes are rare.

/// A set of patient ordinals in `0..len`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientSet {
    words: Vec<u64>,
    len: u32,
}

impl PatientSet {
    /// The empty set over `len` ordinals.
    pub fn empty(len: u32) -> PatientSet {
        PatientSet {
            words: vec![0; (len as usize).div_ceil(64)],
            len,
        }
    }

    /// Number of ordinals the set ranges over.
    pub fn universe(&self) -> u32 {
        self.len
    }

    /// Adds an ordinal; ordinals out of range are ignored.
    #[inline]
    pub fn insert(&mut self, ordinal: u32) {
        if let Some(word) = self.words.get_mut((ordinal / 64) as usize) {
            *word |= 1u64 << (ordinal % 64);
        }
    }

    /// Removes an ordinal.
    pub fn remove(&mut self, ordinal: u32) {
        if let Some(word) = self.words.get_mut((ordinal / 64) as usize) {
            *word &= !(1u64 << (ordinal % 64));
        }
    }

    /// Membership; out-of-range ordinals are absent.
    #[inline]
    pub fn contains(&self, ordinal: u32) -> bool {
        self.words
            .get((ordinal / 64) as usize)
            .is_some_and(|word| word >> (ordinal % 64) & 1 == 1)
    }

    /// Number of members.
    pub fn count(&self) -> u64 {
        self.words
            .iter()
            .map(|word| u64::from(word.count_ones()))
            .sum()
    }

    /// In-place intersection.
    pub fn and_with(&mut self, other: &PatientSet) {
        for (word, theirs) in self
            .words
            .iter_mut()
            .zip(other.words.iter().chain(std::iter::repeat(&0)))
        {
            *word &= theirs;
        }
    }

    /// In-place union.
    pub fn or_with(&mut self, other: &PatientSet) {
        for (word, theirs) in self.words.iter_mut().zip(&other.words) {
            *word |= theirs;
        }
    }

    /// In-place difference (`self AND NOT other`).
    pub fn and_not_with(&mut self, other: &PatientSet) {
        for (word, theirs) in self.words.iter_mut().zip(&other.words) {
            *word &= !theirs;
        }
    }

    /// Members in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.words.iter().enumerate().flat_map(|(word_idx, &word)| {
            let base = (word_idx as u32) * 64;
            BitIter(word).map(move |bit| base + bit)
        })
    }

    /// Merges a set built over a sub-range of ordinals that starts at a multiple of 64,
    /// as the parallel scans produce.
    pub(crate) fn or_words_at(&mut self, first_word: usize, words: &[u64]) {
        if let Some(target) = self.words.get_mut(first_word..) {
            for (word, theirs) in target.iter_mut().zip(words) {
                *word |= theirs;
            }
        }
    }
}

struct BitIter(u64);

impl Iterator for BitIter {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        if self.0 == 0 {
            return None;
        }
        let bit = self.0.trailing_zeros();
        self.0 &= self.0 - 1;
        Some(bit)
    }
}

impl PatientSet {
    /// Extends the universe to `len` ordinals (new ones absent); never shrinks.
    pub fn grow(&mut self, len: u32) {
        if len > self.len {
            self.len = len;
            self.words.resize((len as usize).div_ceil(64), 0);
        }
    }
}

impl PatientSet {
    /// Members in `lo..hi`, increasing.
    pub fn iter_range(&self, lo: u32, hi: u32) -> impl Iterator<Item = u32> + '_ {
        let first = (lo / 64) as usize;
        let last = (hi.min(self.len).div_ceil(64) as usize).min(self.words.len());
        let words = self.words.get(first..last).unwrap_or(&[]);
        let (lo_bit, hi_end) = (lo, hi);
        words.iter().enumerate().flat_map(move |(offset, &word)| {
            let base = ((first + offset) as u32) * 64;
            // Mask off bits outside `lo..hi` once per word instead of testing each member.
            let mut masked = word;
            if base < lo_bit {
                masked &= u64::MAX.checked_shl(lo_bit - base).unwrap_or(0);
            }
            if hi_end < base.saturating_add(64) {
                masked &=
                    (1u64.checked_shl(hi_end.saturating_sub(base)).unwrap_or(0)).wrapping_sub(1);
            }
            BitIter(masked).map(move |bit| base + bit)
        })
    }
}

#[cfg(test)]
mod tests;
