//! Data-collection follow-up: a task to obtain what a chart lacks from the patient or from
//! another provider (insurance after an emergency visit, a missing consent, outside
//! records), with every contact attempt logged, a due date, and escalation once it is
//! overdue. A task is a record like the others, so each attempt and each change of status
//! is a version in its history.

use crate::RecordKind;
use crate::dates::rfc3339;
use crate::ids::{EncounterId, PatientId};
use crate::validation::{Validate, Validator};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What is to be obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpKind {
    /// Insurance details (after an emergency visit, a lapsed coverage).
    Insurance,
    /// A consent form not signed or not on file.
    Consent,
    /// Records held by another provider.
    OutsideRecords,
    /// Demographic details (address, date of birth).
    Demographics,
    /// Anything else, described in words.
    Other,
}

impl FollowUpKind {
    /// Every kind.
    pub const ALL: [Self; 5] = [
        Self::Insurance,
        Self::Consent,
        Self::OutsideRecords,
        Self::Demographics,
        Self::Other,
    ];

    /// The kind as written on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Insurance => "insurance",
            Self::Consent => "consent",
            Self::OutsideRecords => "outside_records",
            Self::Demographics => "demographics",
            Self::Other => "other",
        }
    }

    /// Reads a kind name (`outside-records` as well as `outside_records`).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim().replace('-', "_");
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// Where a follow-up task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpStatus {
    /// Being chased.
    Open,
    /// Past its due date and raised to the supervisor.
    Escalated,
    /// Obtained.
    Done,
    /// Given up, with the reason.
    Cancelled,
}

impl FollowUpStatus {
    /// Every status.
    pub const ALL: [Self; 4] = [Self::Open, Self::Escalated, Self::Done, Self::Cancelled];

    /// The status as written on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Escalated => "escalated",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
        }
    }

    /// Reads a status name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text.trim())
    }

    /// Whether someone still has to act.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Open | Self::Escalated)
    }
}

/// One attempt to obtain what the task asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactAttempt {
    /// When.
    #[serde(with = "rfc3339")]
    pub at: OffsetDateTime,
    /// Who tried (a username).
    pub by: String,
    /// How: phone, letter, fax, portal, in person...
    pub method: String,
    /// What came of it, in words.
    pub outcome: String,
}

/// A task to obtain missing data for a chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUpTask {
    /// Whose chart.
    pub patient_id: PatientId,
    /// The encounter it concerns.
    pub encounter_id: Option<EncounterId>,
    /// What is to be obtained.
    pub kind: FollowUpKind,
    /// What exactly, in words.
    pub description: String,
    /// From whom (the patient, a named provider).
    pub obtain_from: String,
    /// Who chases it (a username).
    pub assignee: Option<String>,
    /// Where it stands.
    pub status: FollowUpStatus,
    /// When it must be obtained by.
    #[serde(with = "rfc3339")]
    pub due_at: OffsetDateTime,
    /// Every contact attempt, oldest first.
    pub contacts: Vec<ContactAttempt>,
    /// When it was escalated as overdue.
    #[serde(with = "rfc3339::option")]
    pub escalated_at: Option<OffsetDateTime>,
    /// Who opened it (a username).
    pub opened_by: String,
    /// When it was done or cancelled.
    #[serde(with = "rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    /// What was obtained, or why it was given up.
    pub closed_reason: Option<String>,
}

impl RecordKind for FollowUpTask {
    const KIND: &'static str = "follow_up_task";
}

impl Validate for FollowUpTask {
    fn check(&self, v: &mut Validator) {
        v.required("description", &self.description);
        v.max_len("description", &self.description, 1000);
        v.required("obtain_from", &self.obtain_from);
        v.max_len("obtain_from", &self.obtain_from, 200);
        v.required("opened_by", &self.opened_by);
        v.optional_text("assignee", self.assignee.as_deref(), 100);
        for (idx, contact) in self.contacts.iter().enumerate() {
            v.required(&format!("contacts[{idx}].by"), &contact.by);
            v.required(&format!("contacts[{idx}].method"), &contact.method);
            v.max_len(&format!("contacts[{idx}].method"), &contact.method, 100);
            v.required(&format!("contacts[{idx}].outcome"), &contact.outcome);
            v.max_len(&format!("contacts[{idx}].outcome"), &contact.outcome, 1000);
        }
        if self.status.is_open() {
            if self.closed_at.is_some() {
                v.error("closed_at", "an open task has no closing time");
            }
        } else {
            if self.closed_at.is_none() {
                v.error("closed_at", "a closed task has its closing time");
            }
            match self.closed_reason.as_deref().map(str::trim) {
                Some(reason) if !reason.is_empty() => {}
                _ => v.error(
                    "closed_reason",
                    "say what was obtained, or why the task is given up",
                ),
            }
        }
        if self.status == FollowUpStatus::Escalated && self.escalated_at.is_none() {
            v.error("escalated_at", "an escalated task has its escalation time");
        }
        v.optional_text("closed_reason", self.closed_reason.as_deref(), 1000);
    }
}
