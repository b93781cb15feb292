//! How well a full match did against a planted population's truth: precision and recall
//! of the automatic links, and of links plus the review queue, recall by kind of change,
//! and the twins (which must never be linked automatically).

use crate::full_match::MatchRun;
use crate::planted::{Change, Plant, Planted};
use crate::score::Class;
use std::collections::{BTreeMap, HashSet};

/// The figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Pairs of records that are one person.
    pub n_true_pairs: usize,
    /// Automatic links, and how many of them are right.
    pub auto: (usize, usize),
    /// Review pairs, and how many of them are right.
    pub review: (usize, usize),
    /// Twin pairs, linked automatically (must be 0).
    pub twins_auto_linked: usize,
    /// Twin pairs sent to review.
    pub twins_in_review: usize,
    /// Twin pairs planted.
    pub n_twins: usize,
    /// Per kind of change: duplicates with it, found automatically, found with review.
    pub by_change: BTreeMap<&'static str, (usize, usize, usize)>,
}

impl Evaluation {
    /// Share of automatic links that are right.
    pub fn auto_precision(&self) -> f64 {
        ratio(self.auto.1, self.auto.0)
    }

    /// Share of true pairs linked automatically.
    pub fn auto_recall(&self) -> f64 {
        ratio(self.auto.1, self.n_true_pairs)
    }

    /// Share of links and review pairs that are right.
    pub fn queue_precision(&self) -> f64 {
        ratio(self.auto.1 + self.review.1, self.auto.0 + self.review.0)
    }

    /// Share of true pairs linked or queued.
    pub fn queue_recall(&self) -> f64 {
        ratio(self.auto.1 + self.review.1, self.n_true_pairs)
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

/// Scores a run against the truth.
pub fn evaluate(run: &MatchRun, planted: &Planted) -> Evaluation {
    let true_pairs: HashSet<(u32, u32)> = planted.true_pairs().into_iter().collect();
    let twins: HashSet<(u32, u32)> = planted.twin_pairs().into_iter().collect();
    let mut found: BTreeMap<(u32, u32), Class> = BTreeMap::new();
    let mut evaluation = Evaluation {
        n_true_pairs: true_pairs.len(),
        auto: (0, 0),
        review: (0, 0),
        twins_auto_linked: 0,
        twins_in_review: 0,
        n_twins: twins.len(),
        by_change: BTreeMap::new(),
    };
    for (candidate, scored) in &run.pairs {
        let pair = (candidate.a, candidate.b);
        let right = usize::from(true_pairs.contains(&pair));
        let twin = twins.contains(&pair);
        found.insert(pair, scored.class);
        match scored.class {
            Class::AutoLink => {
                evaluation.auto.0 += 1;
                evaluation.auto.1 += right;
                evaluation.twins_auto_linked += usize::from(twin);
            }
            Class::Review => {
                evaluation.review.0 += 1;
                evaluation.review.1 += right;
                evaluation.twins_in_review += usize::from(twin);
            }
            Class::NonMatch => {}
        }
    }
    // Each duplicate against its person's first record, by what changed.
    let mut first_of = std::collections::HashMap::new();
    for (idx, (person, plant)) in planted.person.iter().zip(&planted.plant).enumerate() {
        match plant {
            Plant::Original | Plant::Twin => {
                first_of.insert(*person, idx as u32);
            }
            Plant::Duplicate(changes) => {
                let Some(&first) = first_of.get(person) else {
                    continue;
                };
                let class = found.get(&(first, idx as u32)).copied();
                for change in changes.iter().copied().map(Change::label) {
                    let entry = evaluation.by_change.entry(change).or_insert((0, 0, 0));
                    entry.0 += 1;
                    entry.1 += usize::from(class == Some(Class::AutoLink));
                    entry.2 += usize::from(class.is_some());
                }
            }
        }
    }
    evaluation
}

/// One point of the precision-recall curve: the pairs at or above a match probability.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurvePoint {
    /// The match probability the pairs reach.
    pub threshold: f64,
    /// Pairs at or above it.
    pub pairs: usize,
    /// Of those, pairs of one person.
    pub right: usize,
    /// Share of the pairs that are right.
    pub precision: f64,
    /// Share of all true pairs among them.
    pub recall: f64,
}

/// Precision and recall of the pairs a run kept at each threshold (only pairs at or above
/// the run's review threshold are kept, so lower thresholds than that see nothing more):
/// the curve two matchers are compared on at equal precision.
pub fn precision_recall(run: &MatchRun, planted: &Planted, thresholds: &[f64]) -> Vec<CurvePoint> {
    let true_pairs: HashSet<(u32, u32)> = planted.true_pairs().into_iter().collect();
    let scored: Vec<(f64, bool)> = run
        .pairs
        .iter()
        .map(|(candidate, scored)| {
            (
                scored.probability,
                true_pairs.contains(&(candidate.a, candidate.b)),
            )
        })
        .collect();
    thresholds
        .iter()
        .map(|&threshold| {
            let (pairs, right) = scored
                .iter()
                .filter(|(probability, _)| *probability >= threshold)
                .fold((0, 0), |(n, r), (_, right)| {
                    (n + 1, r + usize::from(*right))
                });
            CurvePoint {
                threshold,
                pairs,
                right,
                precision: ratio(right, pairs),
                recall: ratio(right, true_pairs.len()),
            }
        })
        .collect()
}

impl std::fmt::Display for Evaluation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "true pairs          {}", self.n_true_pairs)?;
        writeln!(
            f,
            "automatic links     {} ({} right): precision {:.4}, recall {:.4}",
            self.auto.0,
            self.auto.1,
            self.auto_precision(),
            self.auto_recall()
        )?;
        writeln!(
            f,
            "review queue        {} ({} right)",
            self.review.0, self.review.1
        )?;
        writeln!(
            f,
            "links + review      precision {:.4}, recall {:.4}",
            self.queue_precision(),
            self.queue_recall()
        )?;
        writeln!(
            f,
            "twins               {} planted, {} linked automatically, {} in review",
            self.n_twins, self.twins_auto_linked, self.twins_in_review
        )?;
        for (change, (n, auto, any)) in &self.by_change {
            writeln!(
                f,
                "  {change:<18} {n:>7} duplicates: {:.3} linked, {:.3} linked or queued",
                ratio(*auto, *n),
                ratio(*any, *n)
            )?;
        }
        Ok(())
    }
}
