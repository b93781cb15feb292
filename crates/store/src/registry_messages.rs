//! Messages exchanged with an immunization registry (schema 42): each VXU^V04 sent and
//! each QBP^Q11 asked, kept with every attempt and the registry's answer.
//!
//! Invariants:
//! - A message keeps its control id (MSH-10) across attempts, so a registry that got it
//!   before the connection broke can tell a resend (HL7 v2.5.1 chapter 2.10.2).
//! - The answer is kept whole beside its MSA-1 code and error text; rows are never deleted.
//! - Only `sending` rows change: an answered or failed message is final.

use crate::error::{Error, Result};
use crate::patient_index::instant;
use crate::tx::Tx;
use crate::value::{Row, Value};
use serde::Serialize;
use time::OffsetDateTime;

/// One message to a registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistryMessage {
    /// Row id.
    pub id: i64,
    /// `VXU^V04` or `QBP^Q11`.
    pub message_type: String,
    /// The patient it carries or asks about.
    pub patient_id: i64,
    /// The registry, as the accounting of disclosures names the recipient.
    pub registry: String,
    /// `host:port` it went to.
    pub destination: String,
    /// MSH-10.
    pub control_id: String,
    /// The message as sent (segments end with CR).
    pub message: String,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Who made it.
    pub created_by: String,
    /// `sending`, `accepted` (AA or CA), `rejected` (AE or AR) or `failed` (never answered).
    pub status: String,
    /// Attempts made.
    pub attempts: i64,
    /// When it was last tried.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_attempt_at: Option<OffsetDateTime>,
    /// When the registry's answer came.
    #[serde(with = "time::serde::rfc3339::option")]
    pub answered_at: Option<OffsetDateTime>,
    /// MSA-1 of the answer.
    pub ack_code: Option<String>,
    /// The answer's error text (ERR-8, else MSA-3).
    pub ack_text: Option<String>,
    /// The answer as received.
    pub ack: Option<String>,
    /// Why the last attempt failed (connection refused, timeout ...).
    pub last_error: Option<String>,
}

/// What came of one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryAttempt<'a> {
    /// The registry answered; `accepted` is MSA-1 AA or CA.
    Answered {
        /// Whether the registry accepted the message.
        accepted: bool,
        /// MSA-1.
        code: &'a str,
        /// ERR-8 or MSA-3, empty when none.
        text: &'a str,
        /// The answer as received.
        ack: &'a str,
    },
    /// No answer; `last` says whether the message is now given up.
    Failed {
        /// Why.
        error: &'a str,
        /// No more attempts will be made.
        last: bool,
    },
}

/// What a new message is.
#[derive(Debug, Clone, Copy)]
pub struct NewRegistryMessage<'a> {
    /// `VXU^V04` or `QBP^Q11`.
    pub message_type: &'a str,
    /// The patient.
    pub patient_id: i64,
    /// The registry's name.
    pub registry: &'a str,
    /// `host:port`.
    pub destination: &'a str,
    /// Who makes it.
    pub created_by: &'a str,
}

const COLUMNS: &str = "id, message_type, patient_id, registry, destination, control_id, message, created_at, created_by, status, attempts, last_attempt_at, answered_at, ack_code, ack_text, ack, last_error";

fn read_message(row: &Row) -> Result<RegistryMessage> {
    let text = |idx| row.text(idx).unwrap_or_default().to_owned();
    let optional = |idx| row.text(idx).map(str::to_owned);
    Ok(RegistryMessage {
        id: row.int(0),
        message_type: text(1),
        patient_id: row.int(2),
        registry: text(3),
        destination: text(4),
        control_id: text(5),
        message: text(6),
        created_at: instant("registry message", row, 7)?,
        created_by: text(8),
        status: text(9),
        attempts: row.int(10),
        last_attempt_at: row.get(11).as_instant(),
        answered_at: row.get(12).as_instant(),
        ack_code: optional(13),
        ack_text: optional(14),
        ack: optional(15),
        last_error: optional(16),
    })
}

impl Tx<'_> {
    /// Keeps a new message, `sending`, with the control id and text `build` makes from
    /// its row id (so the control id is unique without a counter of its own).
    pub fn add_registry_message(
        &mut self,
        new: NewRegistryMessage<'_>,
        build: impl FnOnce(&mut Tx<'_>, i64) -> Result<(String, String)>,
    ) -> Result<RegistryMessage> {
        let now = self.now();
        let id = self
            .query(
                "INSERT INTO registry_messages (message_type, patient_id, registry, destination, control_id, message, created_at, created_by, status, attempts) VALUES (?, ?, ?, ?, '', '', ?, ?, 'sending', 0) RETURNING id",
                &[
                    Value::from(new.message_type),
                    Value::Int(new.patient_id),
                    Value::from(new.registry),
                    Value::from(new.destination),
                    Value::Timestamp(now),
                    Value::from(new.created_by),
                ],
            )?
            .first()
            .map(|r| r.int(0))
            .ok_or_else(|| Error::Database("the new registry message was not returned".into()))?;
        let (control_id, message) = build(self, id)?;
        self.conn().execute(
            "UPDATE registry_messages SET control_id = ?, message = ? WHERE id = ?",
            &[
                Value::from(control_id.as_str()),
                Value::from(message.as_str()),
                Value::Int(id),
            ],
        )?;
        self.registry_message(id)
    }

    /// Keeps what came of an attempt to send message `id` (still `sending`).
    pub fn record_registry_attempt(&mut self, id: i64, attempt: RegistryAttempt<'_>) -> Result<()> {
        let now = self.now();
        let text = |v: &str| {
            if v.is_empty() {
                Value::Null
            } else {
                Value::from(v)
            }
        };
        let changed = match attempt {
            RegistryAttempt::Answered {
                accepted,
                code,
                text: why,
                ack,
            } => self.query(
                "UPDATE registry_messages SET status = ?, attempts = attempts + 1, last_attempt_at = ?, answered_at = ?, ack_code = ?, ack_text = ?, ack = ? WHERE id = ? AND status = 'sending' RETURNING id",
                &[
                    Value::from(if accepted { "accepted" } else { "rejected" }),
                    Value::Timestamp(now),
                    Value::Timestamp(now),
                    text(code),
                    text(why),
                    Value::from(ack),
                    Value::Int(id),
                ],
            )?,
            RegistryAttempt::Failed { error, last } => self.query(
                "UPDATE registry_messages SET status = ?, attempts = attempts + 1, last_attempt_at = ?, last_error = ? WHERE id = ? AND status = 'sending' RETURNING id",
                &[
                    Value::from(if last { "failed" } else { "sending" }),
                    Value::Timestamp(now),
                    Value::from(error),
                    Value::Int(id),
                ],
            )?,
        };
        if changed.is_empty() {
            return Err(Error::Conflict(format!(
                "registry message {id} is not being sent (answered or given up already)"
            )));
        }
        Ok(())
    }

    /// The registry message with `id`.
    pub fn registry_message(&mut self, id: i64) -> Result<RegistryMessage> {
        let rows = self.query(
            &format!("SELECT {COLUMNS} FROM registry_messages WHERE id = ?"),
            &[Value::Int(id)],
        )?;
        rows.first()
            .map(read_message)
            .transpose()?
            .ok_or(Error::NotFound {
                kind: "registry message",
                id,
            })
    }

    /// Registry messages, newest first, at most `limit`: one patient's when `patient_id`
    /// is given, and only those with `status` when it is.
    pub fn registry_messages(
        &mut self,
        patient_id: Option<i64>,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<RegistryMessage>> {
        let mut clauses = Vec::new();
        let mut params = Vec::new();
        if let Some(patient_id) = patient_id {
            clauses.push("patient_id = ?");
            params.push(Value::Int(patient_id));
        }
        if let Some(status) = status {
            clauses.push("status = ?");
            params.push(Value::from(status));
        }
        let filter = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        self.query(
            &format!(
                "SELECT {COLUMNS} FROM registry_messages {filter} ORDER BY id DESC LIMIT {}",
                limit.max(0)
            ),
            &params,
        )?
        .iter()
        .map(read_message)
        .collect()
    }
}
