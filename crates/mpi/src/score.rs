//! Weights and classes: a level's weight is `log2(m/u)`, a pair's match weight is the prior
//! `log2(share/(1-share))` plus its levels' weights, and its probability
//! `1/(1+2^-weight)` falls into a class by the thresholds.

use crate::compare::{FIELDS, Vector};
use crate::settings::Thresholds;
use crate::train::TWIN_FIELD_LEVEL;
use serde::{Deserialize, Serialize};

/// A level's estimated parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Level {
    /// Probability of this level when the two are the same person.
    pub m: f64,
    /// Probability of this level when they are two different people.
    pub u: f64,
}

/// The estimated model: m and u of every level, and the share of matches among candidates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Per field in `FIELDS` order, per level.
    pub fields: Vec<Vec<Level>>,
    /// Share of the candidate pairs that are the same person.
    pub match_share: f64,
    /// The fixed weight of the twins' level.
    pub twin_weight: f64,
    /// The threshold pair.
    pub thresholds: Thresholds,
}

/// What a pair is judged to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// The same person, linked without review.
    AutoLink,
    /// Possibly the same person: a person decides.
    Review,
    /// Different people.
    NonMatch,
}

/// One field's part in a pair's score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// The field.
    pub field: &'static str,
    /// The level reached, or `missing`.
    pub level: &'static str,
    /// Its weight (0 when missing).
    pub weight: f64,
}

/// A pair's score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    /// The match weight (log2 odds).
    pub weight: f64,
    /// The match probability.
    pub probability: f64,
    /// The class by the thresholds (twins never auto-link).
    pub class: Class,
}

impl Model {
    /// The weight of a field's level.
    pub fn level_weight(&self, field_idx: usize, level: u8) -> f64 {
        if (field_idx, level) == TWIN_FIELD_LEVEL {
            return self.twin_weight;
        }
        self.fields
            .get(field_idx)
            .and_then(|levels| levels.get(usize::from(level)))
            .map_or(0.0, |level| (level.m / level.u).log2())
    }

    /// The prior weight: the odds of a match among candidate pairs before comparing.
    pub fn prior_weight(&self) -> f64 {
        (self.match_share / (1.0 - self.match_share)).log2()
    }

    /// The match weight of a vector.
    pub fn weight(&self, vector: Vector) -> f64 {
        self.prior_weight()
            + vector
                .levels()
                .into_iter()
                .enumerate()
                .filter_map(|(idx, level)| level.map(|level| self.level_weight(idx, level)))
                .sum::<f64>()
    }

    /// The match probability of a vector.
    pub fn probability(&self, vector: Vector) -> f64 {
        1.0 / (1.0 + (-self.weight(vector)).exp2())
    }

    /// Scores and classes a vector.
    pub fn score(&self, vector: Vector) -> Scored {
        let weight = self.weight(vector);
        let probability = 1.0 / (1.0 + (-weight).exp2());
        let class = if probability >= self.thresholds.auto_link && !vector.twins() {
            Class::AutoLink
        } else if probability >= self.thresholds.review {
            Class::Review
        } else {
            Class::NonMatch
        };
        Scored {
            weight,
            probability,
            class,
        }
    }

    /// Each field's level and weight, for the queue's side-by-side view.
    pub fn explain(&self, vector: Vector) -> Vec<Contribution> {
        FIELDS
            .iter()
            .enumerate()
            .map(|(idx, field)| match vector.level(idx) {
                Some(level) => Contribution {
                    field: field.name(),
                    level: field
                        .levels()
                        .get(usize::from(level))
                        .copied()
                        .unwrap_or("?"),
                    weight: self.level_weight(idx, level),
                },
                None => Contribution {
                    field: field.name(),
                    level: "missing",
                    weight: 0.0,
                },
            })
            .collect()
    }

    /// The model as TOML: every level with its m, u and weight, and the thresholds, so the
    /// people who tune the settings see what the data said.
    pub fn to_toml(&self) -> String {
        #[derive(Serialize)]
        struct Report<'a> {
            match_share: f64,
            prior_weight: f64,
            auto_link: f64,
            review: f64,
            comparison: Vec<Comparison<'a>>,
        }
        #[derive(Serialize)]
        struct Comparison<'a> {
            field: &'a str,
            level: Vec<LevelReport<'a>>,
        }
        #[derive(Serialize)]
        struct LevelReport<'a> {
            label: &'a str,
            m: f64,
            u: f64,
            weight: f64,
            #[serde(skip_serializing_if = "Option::is_none")]
            note: Option<&'a str>,
        }
        let report = Report {
            match_share: round(self.match_share),
            prior_weight: round(self.prior_weight()),
            auto_link: self.thresholds.auto_link,
            review: self.thresholds.review,
            comparison: FIELDS
                .iter()
                .zip(&self.fields)
                .enumerate()
                .map(|(field_idx, (field, levels))| Comparison {
                    field: field.name(),
                    level: field
                        .levels()
                        .iter()
                        .zip(levels)
                        .enumerate()
                        .map(|(level_idx, (label, level))| {
                            let fixed = (field_idx, level_idx as u8) == TWIN_FIELD_LEVEL;
                            LevelReport {
                                label,
                                m: round(level.m),
                                u: round(level.u),
                                weight: round(self.level_weight(field_idx, level_idx as u8)),
                                note: fixed.then_some("weight fixed by settings (twins.weight)"),
                            }
                        })
                        .collect(),
                })
                .collect(),
        };
        toml::to_string(&report)
            .unwrap_or_else(|err| format!("# the model could not be written: {err}\n"))
    }
}

/// Six significant digits: enough to read, few enough to diff.
fn round(value: f64) -> f64 {
    if value == 0.0 || !value.is_finite() {
        return value;
    }
    let digits = 5 - value.abs().log10().floor() as i32;
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}

#[cfg(test)]
mod tests;
