//! Physician queries: a coder or technician asks the physician to clarify the record,
//! quoting the clinical indicators found in the chart and offering answers that always
//! include "Other" and "Clinically undetermined", so the question never leads (AHIMA/ACDIS
//! Guidelines for Achieving a Compliant Query Practice). The query and its answer stay in
//! the record.

use crate::RecordKind;
use crate::dates::rfc3339;
use crate::ids::{EncounterId, PatientId, ProviderId};
use crate::validation::{Validate, Validator};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The answer every query offers for a finding the options do not name.
pub const OTHER: &str = "Other";
/// The answer every query offers when the clinical picture does not decide.
pub const UNDETERMINED: &str = "Clinically undetermined";

/// Phrasings that ask the physician to confirm one answer instead of choosing: a leading
/// query. Compared lower-case.
const LEADING: &[&str] = &[
    "please document",
    "please confirm",
    "can you confirm",
    "do you agree",
    "please add",
    "would you document",
];

/// Where a query stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryStatus {
    /// Waiting for the physician.
    Open,
    /// Answered.
    Answered,
    /// Taken back by whoever asked.
    Withdrawn,
}

impl QueryStatus {
    /// The status as written on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Answered => "answered",
            Self::Withdrawn => "withdrawn",
        }
    }
}

/// A query to a physician about a chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhysicianQuery {
    /// Whose chart.
    pub patient_id: PatientId,
    /// The encounter it concerns.
    pub encounter_id: Option<EncounterId>,
    /// The deficiency it was asked about, if any.
    pub deficiency_id: Option<i64>,
    /// The physician asked.
    pub provider_id: ProviderId,
    /// Who asked (a username).
    pub asked_by: String,
    /// The clinical indicators, quoted from the chart.
    pub indicators: Vec<String>,
    /// The question.
    pub question: String,
    /// The answers offered, always with `OTHER` and `UNDETERMINED`.
    pub options: Vec<String>,
    /// Where it stands.
    pub status: QueryStatus,
    /// The option the physician chose.
    pub answer: Option<String>,
    /// What the physician added in words.
    pub comment: Option<String>,
    /// When it was asked.
    #[serde(with = "rfc3339")]
    pub asked_at: OffsetDateTime,
    /// When it was answered.
    #[serde(with = "rfc3339::option")]
    pub answered_at: Option<OffsetDateTime>,
    /// Who answered (a username).
    pub answered_by: Option<String>,
}

impl RecordKind for PhysicianQuery {
    const KIND: &'static str = "physician_query";
}

impl PhysicianQuery {
    /// The offered answer `choice` names (ignoring case and surrounding space).
    pub fn option(&self, choice: &str) -> Option<&str> {
        let choice = choice.trim();
        self.options
            .iter()
            .find(|o| o.eq_ignore_ascii_case(choice))
            .map(String::as_str)
    }
}

impl Validate for PhysicianQuery {
    fn check(&self, v: &mut Validator) {
        v.required("asked_by", &self.asked_by);
        v.required("question", &self.question);
        v.max_len("question", &self.question, 1000);
        let lower = self.question.to_lowercase();
        if let Some(lead) = LEADING.iter().find(|l| lower.contains(*l)) {
            v.error(
                "question",
                format!("\"{lead}\" leads the physician to one answer; ask what the indicators show and offer the choices"),
            );
        }
        if self.indicators.is_empty() {
            v.error(
                "indicators",
                "quote at least one clinical indicator from the chart",
            );
        }
        for (idx, indicator) in self.indicators.iter().enumerate() {
            v.required(&format!("indicators[{idx}]"), indicator);
            v.max_len(&format!("indicators[{idx}]"), indicator, 500);
        }
        let clinical = self
            .options
            .iter()
            .filter(|o| !o.eq_ignore_ascii_case(OTHER) && !o.eq_ignore_ascii_case(UNDETERMINED))
            .count();
        if clinical < 1 {
            v.error(
                "options",
                "offer at least one clinical answer besides Other and Clinically undetermined",
            );
        }
        for required in [OTHER, UNDETERMINED] {
            if !self
                .options
                .iter()
                .any(|o| o.eq_ignore_ascii_case(required))
            {
                v.error("options", format!("every query offers \"{required}\""));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (idx, option) in self.options.iter().enumerate() {
            v.required(&format!("options[{idx}]"), option);
            v.max_len(&format!("options[{idx}]"), option, 200);
            if !seen.insert(option.trim().to_lowercase()) {
                v.error(
                    &format!("options[{idx}]"),
                    format!("\"{option}\" is offered twice"),
                );
            }
        }
        match self.status {
            QueryStatus::Answered => {
                match self.answer.as_deref() {
                    Some(answer) if self.option(answer).is_some() => {}
                    Some(answer) => v.error(
                        "answer",
                        format!("\"{answer}\" is not one of the answers offered"),
                    ),
                    None => v.error("answer", "an answered query has its answer"),
                }
                if self.answered_by.is_none() {
                    v.error("answered_by", "an answered query names who answered");
                }
                v.ordered(
                    "answered_at",
                    Some(self.asked_at),
                    self.answered_at,
                    "asked_at",
                );
                if self.answered_at.is_none() {
                    v.error("answered_at", "an answered query has its time");
                }
            }
            QueryStatus::Open | QueryStatus::Withdrawn => {
                if self.answer.is_some() {
                    v.error("answer", "only an answered query has an answer");
                }
            }
        }
        v.optional_text("comment", self.comment.as_deref(), 2000);
    }
}
