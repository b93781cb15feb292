//! Deficiencies: what chart review found missing or wrong in a chart, who must fix it and by
//! when, and where it stands. A deficiency is a record like the others, so each step
//! (assigned, queried, resolved, waived, reopened) is a version in its history.

use crate::RecordKind;
use crate::dates::rfc3339;
use crate::ids::{EncounterId, PatientId, ProviderId};
use crate::validation::{Validate, Validator};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Where a deficiency stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeficiencyStatus {
    /// Found and not yet taken up.
    Open,
    /// Given to someone to chase.
    Assigned,
    /// A physician query about it awaits an answer.
    Queried,
    /// The query was answered; the chart still needs the fix.
    Answered,
    /// Its cause is gone (the note signed, the summary written).
    Resolved,
    /// Set aside on purpose, with a reason.
    Waived,
}

impl DeficiencyStatus {
    /// Every status, in workflow order.
    pub const ALL: [Self; 6] = [
        Self::Open,
        Self::Assigned,
        Self::Queried,
        Self::Answered,
        Self::Resolved,
        Self::Waived,
    ];

    /// The status as written in files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Assigned => "assigned",
            Self::Queried => "queried",
            Self::Answered => "answered",
            Self::Resolved => "resolved",
            Self::Waived => "waived",
        }
    }

    /// Reads a status name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text.trim())
    }

    /// Whether someone still has to act.
    pub fn is_open(self) -> bool {
        !matches!(self, Self::Resolved | Self::Waived)
    }
}

/// How much a deficiency matters to the record's completeness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Blocks billing or accreditation: chase first.
    High,
    /// Needed for a complete record.
    Medium,
    /// Worth fixing.
    Low,
}

impl Severity {
    /// The severity as written in files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
        }
    }
}

/// Who must act on a deficiency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Responsible {
    /// The encounter's attending physician (or the note's author).
    Attending,
    /// A health information technician (coding, abstracting, chart assembly).
    HimTechnician,
    /// Billing staff.
    Billing,
    /// Front desk (registration, insurance).
    FrontDesk,
}

impl Responsible {
    /// The role as written in files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Attending => "attending",
            Self::HimTechnician => "him_technician",
            Self::Billing => "billing",
            Self::FrontDesk => "front_desk",
        }
    }
}

/// One finding of chart review, tracked until it is resolved or waived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deficiency {
    /// Whose chart.
    pub patient_id: PatientId,
    /// The encounter it concerns, if any (demographic gaps concern none).
    pub encounter_id: Option<EncounterId>,
    /// The review rule that found it.
    pub rule_id: String,
    /// What exactly it is about, unique per finding (`note:12`, `diagnosis:7`, the
    /// encounter itself, or a code), so a re-review finds the same deficiency again.
    pub subject: String,
    /// Where it stands.
    pub status: DeficiencyStatus,
    /// How much it matters.
    pub severity: Severity,
    /// Who must act.
    pub responsible: Responsible,
    /// The physician who must act, when one does.
    pub provider_id: Option<ProviderId>,
    /// The user it is assigned to.
    pub assignee: Option<String>,
    /// What is wrong, in plain words.
    pub message: String,
    /// When the clock started (the note written, the patient discharged).
    #[serde(with = "rfc3339")]
    pub since: OffsetDateTime,
    /// When it becomes delinquent.
    #[serde(with = "rfc3339")]
    pub due_at: OffsetDateTime,
    /// When it was resolved or waived.
    #[serde(with = "rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    /// Why it was resolved or waived.
    pub closed_reason: Option<String>,
}

impl RecordKind for Deficiency {
    const KIND: &'static str = "deficiency";
}

impl Deficiency {
    /// Whether it is past its due time at `now` and still open.
    pub fn is_delinquent(&self, now: OffsetDateTime) -> bool {
        self.status.is_open() && now > self.due_at
    }
}

impl Validate for Deficiency {
    fn check(&self, v: &mut Validator) {
        v.required("rule_id", &self.rule_id);
        v.max_len("rule_id", &self.rule_id, 60);
        v.required("subject", &self.subject);
        v.max_len("subject", &self.subject, 120);
        v.required("message", &self.message);
        v.max_len("message", &self.message, 1000);
        v.optional_text("assignee", self.assignee.as_deref(), 64);
        v.optional_text("closed_reason", self.closed_reason.as_deref(), 1000);
        v.ordered("due_at", Some(self.since), Some(self.due_at), "since");
        match (self.status.is_open(), self.closed_at, &self.closed_reason) {
            (true, Some(_), _) => v.error("closed_at", "an open deficiency has no closing time"),
            (false, None, _) => v.error("closed_at", "a closed deficiency needs its closing time"),
            (false, _, None) if self.status == DeficiencyStatus::Waived => {
                v.error("closed_reason", "a waiver needs a reason")
            }
            _ => {}
        }
        if self.status == DeficiencyStatus::Assigned && self.assignee.is_none() {
            v.error(
                "assignee",
                "an assigned deficiency names who it is assigned to",
            );
        }
    }
}
