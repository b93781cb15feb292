//! A public-health surveillance alert: a detection method found a syndrome's daily count in
//! a place above what it expected. Alerts are aggregate (a syndrome, a place, a day; never a
//! patient) and are records like the others, so each step of the public-health work queue
//! (investigated, dismissed, escalated, each with its note) is a version in their history.

use crate::RecordKind;
use crate::dates::{iso_date, rfc3339};
use crate::validation::{Validate, Validator};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// How unusual the count is, as ESSENCE colours it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertLevel {
    /// A warning.
    Yellow,
    /// An alert.
    Red,
}

impl AlertLevel {
    /// The level's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Yellow => "yellow",
            Self::Red => "red",
        }
    }
}

/// Where an alert stands in the public-health work queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    /// Not looked at yet.
    Open,
    /// Looked into; the note says what was found.
    Investigated,
    /// Not a signal worth pursuing (a data artefact, a known event).
    Dismissed,
    /// Raised to the health department or an epidemiologist.
    Escalated,
}

impl AlertStatus {
    /// Every status.
    pub const ALL: [Self; 4] = [
        Self::Open,
        Self::Investigated,
        Self::Dismissed,
        Self::Escalated,
    ];

    /// The status's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Investigated => "investigated",
            Self::Dismissed => "dismissed",
            Self::Escalated => "escalated",
        }
    }

    /// Reads a status name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text.trim())
    }
}

/// The detection methods an alert can come from.
pub const ALERT_METHODS: &[&str] = &[
    "c1",
    "c2",
    "c3",
    "ewma",
    "cusum",
    "regression",
    "switch",
    "nbinom",
    "serfling",
    "farrington",
];

/// One alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveillanceAlert {
    /// The syndrome's id (`ili`).
    pub syndrome: String,
    /// The place: a ZIP3, or `all` for every place together.
    pub place: String,
    /// The day counted.
    #[serde(with = "iso_date")]
    pub day: Date,
    /// The method that alerted (`c2`, `ewma`).
    pub method: String,
    /// The syndrome's visits that day.
    pub observed: i64,
    /// The visits expected.
    pub expected: f64,
    /// The method's statistic, where defined.
    pub statistic: Option<f64>,
    /// The count above which the method alerts, where it defines one.
    pub threshold: Option<f64>,
    /// The p-value, where the method defines one.
    pub p_value: Option<f64>,
    /// How unusual.
    pub level: AlertLevel,
    /// Where it stands.
    pub status: AlertStatus,
    /// What was found or done, required once it is worked.
    pub note: Option<String>,
    /// Who worked it last (a username).
    pub worked_by: Option<String>,
    /// When.
    #[serde(with = "rfc3339::option")]
    pub worked_at: Option<OffsetDateTime>,
}

impl RecordKind for SurveillanceAlert {
    const KIND: &'static str = "surveillance_alert";
}

impl Validate for SurveillanceAlert {
    fn check(&self, v: &mut Validator) {
        v.required("syndrome", &self.syndrome);
        v.max_len("syndrome", &self.syndrome, 40);
        v.required("place", &self.place);
        v.max_len("place", &self.place, 10);
        if !ALERT_METHODS.contains(&self.method.as_str()) {
            v.error(
                "method",
                format!(
                    "\"{}\" is not one of {}",
                    self.method,
                    ALERT_METHODS.join(", ")
                ),
            );
        }
        if self.observed < 0 {
            v.error("observed", "a count is never negative");
        }
        for (field, value) in [
            ("expected", Some(self.expected)),
            ("statistic", self.statistic),
            ("threshold", self.threshold),
            ("p_value", self.p_value),
        ] {
            if value.is_some_and(|x| !x.is_finite()) {
                v.error(field, "not a finite number");
            }
        }
        v.optional_text("note", self.note.as_deref(), 2000);
        if self.status != AlertStatus::Open {
            if self.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
                v.error(
                    "note",
                    format!(
                        "say what was found when an alert is {}",
                        self.status.as_str()
                    ),
                );
            }
            if self.worked_by.is_none() || self.worked_at.is_none() {
                v.error("worked_by", "a worked alert names who worked it and when");
            }
        }
    }
}
