//! Latencies kept whole (microseconds) per kind of operation, so percentiles are exact rather
//! than bucketed: a 60-second run at a few thousand requests a second is a few MB.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::mix::Operation;

#[derive(Default)]
pub struct Tally {
    pub micros: Vec<Vec<u32>>,
    /// (operation, status or 0 for a failed connection) -> count, with the first answer seen.
    pub errors: BTreeMap<(usize, u16), (u64, String)>,
}

impl Tally {
    pub fn new() -> Tally {
        Tally {
            micros: vec![Vec::new(); Operation::ALL.len()],
            errors: BTreeMap::new(),
        }
    }

    pub fn record(&mut self, op: Operation, elapsed: Duration) {
        let micros = u32::try_from(elapsed.as_micros()).unwrap_or(u32::MAX);
        self.micros[op.index()].push(micros);
    }

    pub fn error(&mut self, op: Operation, status: u16, detail: String) {
        let entry = self
            .errors
            .entry((op.index(), status))
            .or_insert((0, detail));
        entry.0 += 1;
    }

    pub fn merge(&mut self, other: Tally) {
        for (mine, theirs) in self.micros.iter_mut().zip(other.micros) {
            mine.extend(theirs);
        }
        for (key, (count, detail)) in other.errors {
            self.errors.entry(key).or_insert((0, detail)).0 += count;
        }
    }

    pub fn error_count(&self) -> u64 {
        self.errors.values().map(|(count, _)| count).sum()
    }
}

/// Summary of one set of latencies, in milliseconds.
pub struct Summary {
    pub count: usize,
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

/// Nearest-rank percentiles (the value at or below which `p`% of the requests finished).
pub fn summarise(micros: &mut [u32]) -> Option<Summary> {
    if micros.is_empty() {
        return None;
    }
    micros.sort_unstable();
    let rank = |p: f64| {
        let index = ((p / 100.0) * micros.len() as f64).ceil() as usize;
        f64::from(micros[index.clamp(1, micros.len()) - 1]) / 1000.0
    };
    Some(Summary {
        count: micros.len(),
        p50: rank(50.0),
        p99: rank(99.0),
        max: f64::from(micros[micros.len() - 1]) / 1000.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut micros: Vec<u32> = (1..=100).map(|ms| ms * 1000).collect();
        micros.reverse();
        let summary = summarise(&mut micros).unwrap();
        assert_eq!(summary.count, 100);
        assert_eq!(summary.p50, 50.0);
        assert_eq!(summary.p99, 99.0);
        assert_eq!(summary.max, 100.0);
        assert!(summarise(&mut []).is_none());
        let mut one = vec![1500];
        let summary = summarise(&mut one).unwrap();
        assert_eq!((summary.p50, summary.p99), (1.5, 1.5));
    }
}
