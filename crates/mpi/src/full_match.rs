//! A full match of the population: block, compare every candidate pair on both cores,
//! estimate the model from those pairs, and keep the pairs worth a look.

use crate::blocking::found_earlier;
use crate::compare::{Vector, compare};
use crate::normalize::Person;
use crate::score::{Class, Model, Scored};
use crate::settings::Settings;
use crate::train::{Session, estimate_u, train};
use rayon::prelude::*;
use std::collections::HashMap;

/// A compared pair: indexes into the people matched, `a < b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// The first person.
    pub a: u32,
    /// The second person.
    pub b: u32,
    /// Their comparison.
    pub vector: Vector,
    /// The index of the blocking rule that found them.
    pub rule: u8,
}

/// What a full match found.
#[derive(Debug, Clone)]
pub struct MatchRun {
    /// The estimated model.
    pub model: Model,
    /// The EM sessions, one per blocking rule.
    pub sessions: Vec<Session>,
    /// Pairs compared.
    pub n_compared: u64,
    /// Blocks skipped for being larger than `blocking.max_block`.
    pub n_blocks_skipped: u64,
    /// Pairs at or above the review threshold, most probable first.
    pub pairs: Vec<(Candidate, Scored)>,
}

impl MatchRun {
    /// How many pairs fell into a class.
    pub fn count(&self, class: Class) -> usize {
        self.pairs
            .iter()
            .filter(|(_, scored)| scored.class == class)
            .count()
    }
}

/// Matches everyone against everyone their blocks reach.
pub fn match_all(persons: &[Person], settings: &Settings) -> MatchRun {
    let rules = &settings.blocking.rules;
    // Every key once per person, so checking "an earlier rule already paired them" is a
    // comparison of numbers rather than a hash of strings per pair.
    let keys_by_person: Vec<Option<u64>> = persons
        .par_iter()
        .flat_map_iter(|person| rules.iter().map(|rule| rule.key(person)))
        .collect();
    let n_rules = rules.len();
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut n_blocks_skipped = 0;
    for rule_idx in 0..n_rules {
        let mut keys: Vec<(u64, u32)> = keys_by_person
            .par_iter()
            .skip(rule_idx)
            .step_by(n_rules)
            .enumerate()
            .filter_map(|(idx, key)| Some(((*key)?, u32::try_from(idx).ok()?)))
            .collect();
        keys.par_sort_unstable();
        let blocks = block_ranges(&keys);
        let (kept, skipped): (Vec<_>, Vec<_>) = blocks
            .into_iter()
            .partition(|range| range.len() <= settings.blocking.max_block);
        n_blocks_skipped += skipped.len() as u64;
        let found: Vec<Candidate> = kept
            .par_iter()
            .flat_map_iter(|range| {
                let members = keys.get(range.clone()).unwrap_or(&[]);
                pairs_in_block(
                    members,
                    persons,
                    &keys_by_person,
                    (n_rules, rule_idx),
                    settings,
                )
            })
            .collect();
        candidates.extend(found);
    }
    let u = estimate_u(persons, settings);
    let mut sessions: Vec<Session> = session_vectors(&candidates, &keys_by_person, n_rules)
        .into_iter()
        .zip(rules)
        .map(|((vectors, found), rule)| Session {
            rule: *rule,
            vectors,
            found,
            match_share: 0.0,
            rounds: 0,
        })
        .collect();
    let model = train(&mut sessions, u, settings, persons.len());
    // Every candidate's vector is among the vectors its rule found first.
    let scores: HashMap<Vector, Scored> = sessions
        .iter()
        .flat_map(|session| session.found.keys())
        .map(|&vector| (vector, model.score(vector)))
        .collect();
    let mut pairs: Vec<(Candidate, Scored)> = candidates
        .par_iter()
        .filter_map(|candidate| {
            let scored = *scores.get(&candidate.vector)?;
            (scored.class != Class::NonMatch).then_some((*candidate, scored))
        })
        .collect();
    pairs.par_sort_unstable_by(|x, y| {
        y.1.weight
            .total_cmp(&x.1.weight)
            .then((x.0.a, x.0.b).cmp(&(y.0.a, y.0.b)))
    });
    MatchRun {
        model,
        sessions,
        n_compared: candidates.len() as u64,
        n_blocks_skipped,
        pairs,
    }
}

/// Each rule's vectors for EM (every candidate sharing its key) and the vectors it found
/// first, counted on both cores.
fn session_vectors(
    candidates: &[Candidate],
    keys_by_person: &[Option<u64>],
    n_rules: usize,
) -> Vec<(VectorCounts, VectorCounts)> {
    let empty = || vec![(VectorCounts::new(), VectorCounts::new()); n_rules];
    candidates
        .par_iter()
        .fold(empty, |mut counts, candidate| {
            let keys = |person: u32| {
                let start = person as usize * n_rules;
                keys_by_person.get(start..start + n_rules).unwrap_or(&[])
            };
            let (a_keys, b_keys) = (keys(candidate.a), keys(candidate.b));
            let found_by = usize::from(candidate.rule);
            for (rule, ((vectors, found), (a_key, b_key))) in
                counts.iter_mut().zip(a_keys.iter().zip(b_keys)).enumerate()
            {
                if rule == found_by {
                    *found.entry(candidate.vector).or_insert(0) += 1;
                }
                if rule == found_by || (rule > found_by && a_key.is_some() && a_key == b_key) {
                    *vectors.entry(candidate.vector).or_insert(0) += 1;
                }
            }
            counts
        })
        .reduce(empty, |mut total, part| {
            for ((vectors, found), (more_vectors, more_found)) in total.iter_mut().zip(part) {
                for (vector, count) in more_vectors {
                    *vectors.entry(vector).or_insert(0) += count;
                }
                for (vector, count) in more_found {
                    *found.entry(vector).or_insert(0) += count;
                }
            }
            total
        })
}

type VectorCounts = HashMap<Vector, u64>;

/// The ranges of equal keys in sorted keys.
fn block_ranges(keys: &[(u64, u32)]) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    for idx in 1..=keys.len() {
        let ends = match (keys.get(idx), keys.get(start)) {
            (Some(next), Some(first)) => next.0 != first.0,
            _ => true,
        };
        if ends {
            if idx - start > 1 {
                ranges.push(start..idx);
            }
            start = idx;
        }
    }
    ranges
}

/// The pairs of one block not already found by an earlier rule, compared.
fn pairs_in_block<'a>(
    members: &'a [(u64, u32)],
    persons: &'a [Person],
    keys_by_person: &'a [Option<u64>],
    (n_rules, rule_idx): (usize, usize),
    settings: &'a Settings,
) -> impl Iterator<Item = Candidate> + 'a {
    let earlier = move |person: u32| {
        let start = person as usize * n_rules;
        keys_by_person.get(start..start + rule_idx).unwrap_or(&[])
    };
    members.iter().enumerate().flat_map(move |(idx, &(_, a))| {
        members.iter().skip(idx + 1).filter_map(move |&(_, b)| {
            let (a, b) = (a.min(b), a.max(b));
            if found_earlier(earlier(a), earlier(b)) {
                return None;
            }
            let (pa, pb) = (persons.get(a as usize)?, persons.get(b as usize)?);
            Some(Candidate {
                a,
                b,
                vector: compare(pa, pb, &settings.bands),
                rule: rule_idx as u8,
            })
        })
    })
}

#[cfg(test)]
mod tests;
