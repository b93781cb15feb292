//! Splitting table scans over threads by patient-ordinal range.
//!
//! Chunks are contiguous ordinal ranges whose bounds are multiples of 64, so each chunk
//! owns whole words of the result `PatientSet` and whole patients of every group: partial
//! results merge by OR and by addition, and distinct-patient counts stay exact. Without
//! the `parallel` feature the same code runs as one chunk on the caller's thread.

use crate::bitset::PatientSet;
use crate::events::EventTable;

use super::filter::Compiled;

/// Ordinal ranges `[lo, hi)` covering `0..universe` in `n` pieces aligned to 64.
pub(crate) fn chunks(universe: u32, n: usize) -> Vec<(u32, u32)> {
    let n = u32::try_from(n.max(1)).unwrap_or(1);
    let words = universe.div_ceil(64);
    let per = words.div_ceil(n).max(1);
    let mut out = Vec::new();
    let mut word = 0;
    while word < words {
        let end = (word + per).min(words);
        out.push((word * 64, if end == words { u32::MAX } else { end * 64 }));
        word = end;
    }
    if out.is_empty() {
        out.push((0, u32::MAX));
    }
    out
}

/// Number of chunks worth scheduling: one per pool thread, and never fewer than two,
/// so the merge path runs (and is tested) on every machine, not only multi-core ones.
pub(crate) fn n_chunks() -> usize {
    #[cfg(feature = "parallel")]
    {
        rayon::current_num_threads().max(2)
    }
    #[cfg(not(feature = "parallel"))]
    {
        2
    }
}

/// Runs `work` on every chunk (in parallel when enabled), returning results in chunk order.
pub(crate) fn map_chunks<T: Send>(universe: u32, work: impl Fn(u32, u32) -> T + Sync) -> Vec<T> {
    let ranges = chunks(universe, n_chunks());
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        ranges
            .into_par_iter()
            .map(|(lo, hi)| work(lo, hi))
            .collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        ranges.into_iter().map(|(lo, hi)| work(lo, hi)).collect()
    }
}

/// Adds to `set` every patient with a row passing `pred`.
pub(crate) fn scan_into_set(
    table: &EventTable,
    universe: u32,
    pred: &Compiled,
    set: &mut PatientSet,
) {
    let parts = map_chunks(universe, |lo, hi| {
        let first_word = (lo / 64) as usize;
        let last = hi.min(universe);
        let mut words = vec![0u64; (last.saturating_sub(lo)).div_ceil(64) as usize];
        table.scan_patients(
            lo,
            hi,
            &|row| pred.test(row),
            &|row| pred.test(row),
            &mut |patient: u32| {
                let offset = patient.wrapping_sub(lo);
                if let Some(word) = words.get_mut((offset / 64) as usize) {
                    *word |= 1u64 << (offset % 64);
                }
            },
        );
        (first_word, words)
    });
    for (first_word, words) in parts {
        set.or_words_at(first_word, &words);
    }
}
