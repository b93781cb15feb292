//! The settings of the patient index (`data/settings.toml` as shipped, or a file the caller
//! names): thresholds, similarity bands, blocking rules, training and the twins' weight.

use crate::blocking::BlockingRule;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

const EMBEDDED: &str = include_str!("../data/settings.toml");

/// Everything matching is told rather than estimates.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The threshold pair.
    pub thresholds: Thresholds,
    /// Similarity bands.
    pub bands: Bands,
    /// Which pairs are compared.
    pub blocking: Blocking,
    /// How m and u are estimated.
    pub training: Training,
    /// The twins' guard.
    pub twins: Twins,
}

/// Match probabilities splitting pairs into links, reviews and non-matches.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// At or above: linked automatically.
    pub auto_link: f64,
    /// At or above (below `auto_link`): reviewed by a person.
    pub review: f64,
}

/// Jaro-Winkler similarity bands.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bands {
    /// A name this similar is a small slip.
    pub name_close: f64,
    /// A name this similar is a larger slip.
    pub name_near: f64,
    /// A name this similar may still be a slip (two letters wrong in a short name); below
    /// it the names are different. Settings written before this band get Splink's 0.70.
    #[serde(default = "default_name_far")]
    pub name_far: f64,
    /// A street line this similar is the same street written differently.
    pub street_close: f64,
}

fn default_name_far() -> f64 {
    0.70
}

/// Blocking rules.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Blocking {
    /// Rules in order.
    pub rules: Vec<BlockingRule>,
    /// Blocks with more patients than this are skipped.
    pub max_block: usize,
}

/// Estimation of m and u.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Training {
    /// Random pairs for u.
    pub random_pairs: u64,
    /// At most this many EM rounds.
    pub em_iterations: u32,
    /// Seed of the random pairs.
    pub seed: u64,
}

/// The twins' guard.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Twins {
    /// The fixed weight (log2) of the twins' level.
    pub weight: f64,
}

impl Settings {
    /// The settings shipped with Chartroom.
    pub fn embedded() -> Result<Self> {
        Self::parse("embedded settings", EMBEDDED)
    }

    /// Reads settings from TOML text; `path` names the file in errors.
    pub fn parse(path: &str, text: &str) -> Result<Self> {
        let settings: Self = toml::from_str(text).map_err(|err| Error::SettingsSyntax {
            path: path.to_owned(),
            message: err.to_string().trim_end().to_owned(),
        })?;
        settings.check(path)?;
        Ok(settings)
    }

    fn check(&self, path: &str) -> Result<()> {
        let fail = |field: &str, message: String| {
            Err(Error::Setting {
                path: path.to_owned(),
                field: field.to_owned(),
                message,
            })
        };
        let Thresholds { auto_link, review } = self.thresholds;
        if !(review > 0.0 && review < 1.0) {
            return fail(
                "thresholds.review",
                format!("{review} is not a probability between 0 and 1"),
            );
        }
        if !(auto_link > review && auto_link < 1.0) {
            return fail(
                "thresholds.auto_link",
                format!("{auto_link} must lie between thresholds.review ({review}) and 1"),
            );
        }
        for (field, value) in [
            ("bands.name_close", self.bands.name_close),
            ("bands.name_near", self.bands.name_near),
            ("bands.name_far", self.bands.name_far),
            ("bands.street_close", self.bands.street_close),
        ] {
            if !(value > 0.0 && value <= 1.0) {
                return fail(
                    field,
                    format!("{value} is not a similarity between 0 and 1"),
                );
            }
        }
        let Bands {
            name_close,
            name_near,
            name_far,
            ..
        } = self.bands;
        for ((lower, lower_value), (upper, upper_value)) in [
            (
                ("bands.name_near", name_near),
                ("bands.name_close", name_close),
            ),
            (("bands.name_far", name_far), ("bands.name_near", name_near)),
        ] {
            if lower_value >= upper_value {
                return fail(
                    lower,
                    format!("{lower_value} must be below {upper} ({upper_value})"),
                );
            }
        }
        if self.blocking.rules.is_empty() {
            return fail("blocking.rules", "at least one rule is needed".to_owned());
        }
        if self.blocking.max_block < 2 {
            return fail(
                "blocking.max_block",
                format!("{} leaves no pair to compare", self.blocking.max_block),
            );
        }
        if self.training.random_pairs < 1000 {
            return fail(
                "training.random_pairs",
                format!(
                    "{} is too few to estimate u (at least 1000)",
                    self.training.random_pairs
                ),
            );
        }
        if !(self.twins.weight.is_finite() && self.twins.weight < 0.0) {
            return fail(
                "twins.weight",
                format!("{} must be a negative weight", self.twins.weight),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
