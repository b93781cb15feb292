//! HL7 messages waiting to be sent (schema 33): the ADT^A40 of each merge made in
//! Chartroom, queued in the merge's transaction, and the ADT^A37 (unlink) of its unmerge
//! once the A40 went out; sent by `hl7::send_outbox`.
//!
//! Invariants:
//! - A merge an inbound ADT^A40 asked for, or an unmerge an inbound ADT^A37 asked for, is
//!   not queued (its sender knows already).
//! - An unmerge withdraws its merge's A40 while it still waits untried; when the A40 was
//!   sent, or tried without an answer (it may have arrived), the unmerge queues an A37, so
//!   a receiver never keeps a merge Chartroom undid.
//! - Each attempt is kept on the row (attempts, last error, the ACK); rows are never
//!   deleted.

use crate::error::{Error, Result};
use crate::patient_index::instant;
use crate::tx::Tx;
use crate::value::{Row, Value};
use serde::Serialize;
use time::OffsetDateTime;

/// One outbound message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxItem {
    /// Row id.
    pub id: i64,
    /// `ADT^A40` (the merge) or `ADT^A37` (its unmerge).
    pub message_type: String,
    /// The merge it announces, or whose unmerge it announces.
    pub merge_id: i64,
    /// When it was queued.
    #[serde(with = "time::serde::rfc3339")]
    pub queued_at: OffsetDateTime,
    /// `waiting`, `sent`, `refused` (the receiver answered AE or AR) or `withdrawn` (the
    /// merge was undone before it was sent).
    pub status: String,
    /// Attempts so far.
    pub attempts: i64,
    /// When it was last tried.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_attempt_at: Option<OffsetDateTime>,
    /// What went wrong last.
    pub last_error: Option<String>,
    /// Where it went.
    pub sent_to: Option<String>,
    /// The receiver's ACK.
    pub ack: Option<String>,
}

/// What came of one attempt to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxAttempt<'a> {
    /// Acknowledged AA (or CA) by `to`, with its ACK.
    Sent {
        /// The destination.
        to: &'a str,
        /// The ACK text.
        ack: &'a str,
    },
    /// Answered AE or AR: a person must look.
    Refused {
        /// The destination.
        to: &'a str,
        /// The ACK text.
        ack: &'a str,
        /// Why, in words.
        error: &'a str,
    },
    /// Not delivered (no connection, no answer): tried again later.
    Failed {
        /// Why.
        error: &'a str,
    },
    /// The merge was undone (or, for an A37, stands again): nothing to announce.
    Withdrawn,
}

const COLUMNS: &str = "id, message_type, merge_id, queued_at, status, attempts, last_attempt_at, last_error, sent_to, ack";

fn read_item(row: &Row) -> Result<OutboxItem> {
    Ok(OutboxItem {
        id: row.int(0),
        message_type: row.text(1).unwrap_or_default().to_owned(),
        merge_id: row.int(2),
        queued_at: instant("outbound message", row, 3)?,
        status: row.text(4).unwrap_or_default().to_owned(),
        attempts: row.int(5),
        last_attempt_at: row.get(6).as_instant(),
        last_error: row.text(7).map(str::to_owned),
        sent_to: row.text(8).map(str::to_owned),
        ack: row.text(9).map(str::to_owned),
    })
}

impl Tx<'_> {
    /// Queues the `message_type` message about merge `merge_id`.
    fn queue_message(&mut self, message_type: &str, merge_id: i64) -> Result<()> {
        let now = self.now();
        self.conn().execute(
            "INSERT INTO hl7_outbox (message_type, merge_id, queued_at, status, attempts) VALUES (?, ?, ?, 'waiting', 0)",
            &[
                Value::from(message_type),
                Value::Int(merge_id),
                Value::Timestamp(now),
            ],
        )?;
        Ok(())
    }

    /// Queues the ADT^A40 announcing merge `merge_id`.
    pub(crate) fn queue_a40(&mut self, merge_id: i64) -> Result<()> {
        self.queue_message("ADT^A40", merge_id)
    }

    /// Merge `merge_id` was undone: its waiting messages are withdrawn, and when its ADT^A40
    /// was sent or tried (a try without an answer may have arrived) and `announce`, the
    /// ADT^A37 unlinking the two charts is queued.
    pub(crate) fn announce_unmerge(&mut self, merge_id: i64, announce: bool) -> Result<()> {
        let reached = self.query(
            "SELECT id FROM hl7_outbox WHERE merge_id = ? AND message_type = 'ADT^A40' AND (status = 'sent' OR (status = 'waiting' AND attempts > 0)) LIMIT 1",
            &[Value::Int(merge_id)],
        )?;
        self.conn().execute(
            "UPDATE hl7_outbox SET status = 'withdrawn' WHERE merge_id = ? AND status = 'waiting'",
            &[Value::Int(merge_id)],
        )?;
        if announce && !reached.is_empty() {
            self.queue_message("ADT^A37", merge_id)?;
        }
        Ok(())
    }

    /// Outbound messages with one of `statuses`, oldest first, at most `limit`.
    pub fn outbox(&mut self, statuses: &[&str], limit: i64) -> Result<Vec<OutboxItem>> {
        let marks = vec!["?"; statuses.len().max(1)].join(", ");
        let mut params: Vec<Value> = statuses.iter().map(|s| Value::from(*s)).collect();
        if params.is_empty() {
            params.push(Value::from("waiting"));
        }
        self.query(
            &format!(
                "SELECT {COLUMNS} FROM hl7_outbox WHERE status IN ({marks}) ORDER BY id LIMIT {limit}"
            ),
            &params,
        )?
        .iter()
        .map(read_item)
        .collect()
    }

    /// The outbound message with `id`.
    pub fn outbox_item(&mut self, id: i64) -> Result<OutboxItem> {
        let rows = self.query(
            &format!("SELECT {COLUMNS} FROM hl7_outbox WHERE id = ?"),
            &[Value::Int(id)],
        )?;
        rows.first()
            .map(read_item)
            .transpose()?
            .ok_or(Error::NotFound {
                kind: "outbound message",
                id,
            })
    }

    /// Keeps what came of an attempt to send message `id`.
    pub fn record_outbox_attempt(&mut self, id: i64, attempt: OutboxAttempt<'_>) -> Result<()> {
        let now = self.now();
        let (status, error, to, ack) = match attempt {
            OutboxAttempt::Sent { to, ack } => ("sent", None, Some(to), Some(ack)),
            OutboxAttempt::Refused { to, ack, error } => {
                ("refused", Some(error), Some(to), Some(ack))
            }
            OutboxAttempt::Failed { error } => ("waiting", Some(error), None, None),
            OutboxAttempt::Withdrawn => ("withdrawn", None, None, None),
        };
        let text = |v: Option<&str>| v.map_or(Value::Null, Value::from);
        self.conn().execute(
            "UPDATE hl7_outbox SET status = ?, attempts = attempts + 1, last_attempt_at = ?, last_error = COALESCE(?, last_error), sent_to = COALESCE(?, sent_to), ack = COALESCE(?, ack) WHERE id = ?",
            &[
                Value::from(status),
                Value::Timestamp(now),
                text(error),
                text(to),
                text(ack),
                Value::Int(id),
            ],
        )?;
        Ok(())
    }
}
