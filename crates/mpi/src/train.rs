//! Estimating the weights from the population itself, as Splink does: `u` (how often two
//! different people agree at a level by chance) from random pairs, then `m` (how often the
//! same person agrees at that level) and the share of matches among the candidate pairs by
//! expectation-maximisation over the blocked pairs with `u` held fixed.

use crate::blocking::BlockingRule;
use crate::compare::{FIELDS, TWIN_LEVEL, Vector, compare};
use crate::normalize::Person;
use crate::score::{Level, Model};
use crate::settings::Settings;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use std::collections::HashMap;

/// Random pairs per parallel chunk (each chunk draws from its own seeded generator, so the
/// estimate does not depend on how many threads ran).
const CHUNK: u64 = 50_000;

/// How often each field's levels occur among random pairs, per field, by level, smoothed so
/// a level never seen by chance still has a finite weight.
pub fn estimate_u(persons: &[Person], settings: &Settings) -> Vec<Vec<f64>> {
    let n = persons.len() as u64;
    let mut counts: Vec<Vec<f64>> = FIELDS.iter().map(|f| vec![0.0; f.levels().len()]).collect();
    if n < 2 {
        return smooth(counts);
    }
    let n_chunks = settings.training.random_pairs.div_ceil(CHUNK);
    let tallies: Vec<Vec<Vec<f64>>> = (0..n_chunks)
        .into_par_iter()
        .map(|chunk| {
            let mut rng = StdRng::seed_from_u64(
                settings.training.seed ^ chunk.wrapping_mul(0x9e37_79b9_7f4a_7c15),
            );
            let mut tally: Vec<Vec<f64>> =
                FIELDS.iter().map(|f| vec![0.0; f.levels().len()]).collect();
            for _ in 0..CHUNK {
                let a = rng.random_range(0..n);
                let b = rng.random_range(0..n - 1);
                let b = if b >= a { b + 1 } else { b };
                if let (Some(a), Some(b)) = (persons.get(a as usize), persons.get(b as usize)) {
                    add(&mut tally, compare(a, b, &settings.bands), 1.0);
                }
            }
            tally
        })
        .collect();
    for tally in tallies {
        for (field, levels) in counts.iter_mut().zip(tally) {
            for (count, more) in field.iter_mut().zip(levels) {
                *count += more;
            }
        }
    }
    smooth(counts)
}

fn add(tally: &mut [Vec<f64>], vector: Vector, weight: f64) {
    for (idx, field) in tally.iter_mut().enumerate() {
        if let Some(count) = vector
            .level(idx)
            .and_then(|level| field.get_mut(usize::from(level)))
        {
            *count += weight;
        }
    }
}

/// Counts to shares with half a pair added to every level (Jeffreys' prior), so no share is 0.
fn smooth(counts: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    counts
        .into_iter()
        .map(|levels| {
            let total: f64 = levels.iter().sum::<f64>() + 0.5 * levels.len() as f64;
            levels
                .into_iter()
                .map(|count| (count + 0.5) / total)
                .collect()
        })
        .collect()
}

/// One EM session: the pairs one blocking rule found.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// The rule.
    pub rule: BlockingRule,
    /// Distinct vectors of every compared pair that shares the rule's key, with their
    /// counts, whichever rule found the pair first: EM reads these.
    pub vectors: HashMap<Vector, u64>,
    /// Distinct vectors of the pairs this rule found first (no earlier rule's key shared):
    /// every candidate is in exactly one session's `found`, so the prior counts each once.
    pub found: HashMap<Vector, u64>,
    /// Share of its pairs that are the same person, as estimated.
    pub match_share: f64,
    /// EM rounds taken.
    pub rounds: u32,
}

/// Estimates m by EM, one session per blocking rule as Splink does: within a rule's pairs
/// the rule's own fields agree by construction, so each session leaves them out, and a
/// field's m is the mean over the sessions that could see it. Each session reads every
/// pair its rule blocks, not only those no earlier rule found: without the pairs of the
/// same birth date, the phone session saw no match born the same day and put the birth
/// date's exact m at 0.0004. The prior is the expected matches among the pairs each
/// session found first, over every pair of the `n_persons`.
pub fn train(
    sessions: &mut [Session],
    u: Vec<Vec<f64>>,
    settings: &Settings,
    n_persons: usize,
) -> Model {
    let mut model = Model {
        fields: u
            .into_iter()
            .map(|levels| {
                let n_levels = levels.len();
                levels
                    .into_iter()
                    .enumerate()
                    .map(|(idx, u)| Level {
                        // Start from "the same person mostly agrees exactly".
                        m: if idx == 0 {
                            0.9
                        } else {
                            0.1 / (n_levels - 1) as f64
                        },
                        u,
                    })
                    .collect()
            })
            .collect(),
        match_share: 0.0,
        twin_weight: settings.twins.weight,
        thresholds: settings.thresholds,
    };
    let start = model.clone();
    let mut m_sums: Vec<Vec<f64>> = model
        .fields
        .iter()
        .map(|levels| vec![0.0; levels.len()])
        .collect();
    let mut n_sessions = vec![0u32; FIELDS.len()];
    let mut n_matches = 0.0;
    for session in sessions.iter_mut() {
        let masked: Vec<usize> = session
            .rule
            .fields()
            .iter()
            .filter_map(|field| FIELDS.iter().position(|f| f == field))
            .collect();
        let mut session_model = start.clone();
        session_model.match_share = 0.05;
        let total: f64 = session.vectors.values().map(|&count| count as f64).sum();
        if total == 0.0 {
            continue;
        }
        for _ in 0..settings.training.em_iterations {
            session.rounds += 1;
            let mut matched: Vec<Vec<f64>> = session_model
                .fields
                .iter()
                .map(|levels| vec![0.0; levels.len()])
                .collect();
            let mut share = 0.0;
            for (&vector, &count) in &session.vectors {
                let vector = vector.without(&masked);
                let p = session_model.probability(vector) * count as f64;
                share += p;
                add(&mut matched, vector, p);
            }
            let moved = session_model.maximise(&matched, &masked);
            session_model.match_share = (share / total).clamp(1e-9, 1.0 - 1e-9);
            if moved < 1e-5 {
                break;
            }
        }
        session.match_share = session_model.match_share;
        n_matches += session
            .found
            .iter()
            .map(|(&vector, &count)| {
                session_model.probability(vector.without(&masked)) * count as f64
            })
            .sum::<f64>();
        for (field_idx, (sums, levels)) in m_sums.iter_mut().zip(&session_model.fields).enumerate()
        {
            if masked.contains(&field_idx) {
                continue;
            }
            n_sessions[field_idx] += 1;
            for (sum, level) in sums.iter_mut().zip(levels) {
                *sum += level.m;
            }
        }
    }
    for ((levels, sums), n) in model.fields.iter_mut().zip(&m_sums).zip(&n_sessions) {
        if *n == 0 {
            continue;
        }
        for (level, sum) in levels.iter_mut().zip(sums) {
            level.m = sum / f64::from(*n);
        }
    }
    let n_pairs = n_persons as f64 * (n_persons as f64 - 1.0) / 2.0;
    model.match_share = (n_matches / n_pairs.max(1.0)).clamp(1e-12, 0.5);
    model
}

impl Model {
    /// The M step: each field's m from the expected matches per level (half a pair added to
    /// every level, so a level no match reached keeps a finite weight); returns the largest
    /// change.
    fn maximise(&mut self, matched: &[Vec<f64>], masked: &[usize]) -> f64 {
        let mut moved: f64 = 0.0;
        for (field_idx, (levels, sums)) in self.fields.iter_mut().zip(matched).enumerate() {
            let known: f64 = sums.iter().sum();
            if known <= 0.0 || masked.contains(&field_idx) {
                continue;
            }
            let smoothed = known + 0.5 * sums.len() as f64;
            for (level, sum) in levels.iter_mut().zip(sums) {
                let m = (sum + 0.5) / smoothed;
                moved = moved.max((m - level.m).abs());
                level.m = m;
            }
        }
        moved
    }
}

/// The twins' level is fixed, so EM must not read its m as evidence; kept here so the
/// field index and level stay in one place with the comparison.
pub(crate) const TWIN_FIELD_LEVEL: (usize, u8) = (0, TWIN_LEVEL);

#[cfg(test)]
mod tests;
