//! Sending the outbox: each waiting ADT^A40 (queued by a merge made in Chartroom) or
//! ADT^A37 (queued by the unmerge of a merge whose A40 went out) is built from the merge as
//! it stands, sent over MLLP to the configured destination and its ACK kept; the systems
//! holding the retired MRN then retire it too, or separate the charts again.
//!
//! Invariants:
//! - A message is marked sent only on an AA (or CA) ACK from the destination; AE or AR
//!   marks it refused (a person must look), with the ACK kept; no answer leaves it
//!   waiting with the error, and sending stops there (the destination is down), so the
//!   order of merges is kept.
//! - A merge undone before its A40 went is withdrawn, not sent; an A37 goes after its
//!   merge's A40 (queued later, sent in queue order).
//! - Each message sent (or refused) is one audit entry naming both patients, with the
//!   destination and the ACK code, in the transaction that records the attempt.
//! - Plain MLLP goes to a loopback address only, as the listener accepts it; anything else
//!   goes over TLS (`Destination`).

use crate::a37::outbound_a37;
use crate::a40::outbound_a40;
use crate::destination::Destination;
use crate::message::parse_bytes;
use privacy::{Action, AuditEvent, Channel, DataCategory, Outcome as AuditOutcome};
use records::PatientId;
use std::time::Duration;
use store::{AuditTrail, OutboxAttempt, Store};

/// What one message came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    /// The outbox row.
    pub id: i64,
    /// `ADT^A40` or `ADT^A37`.
    pub message_type: String,
    /// The merge it announced.
    pub merge_id: i64,
    /// `sent`, `refused`, `withdrawn` or `waiting` (not delivered).
    pub status: String,
    /// The ACK code, when answered.
    pub ack_code: Option<String>,
    /// What went wrong, if anything.
    pub error: Option<String>,
}

/// Sends the waiting messages (oldest first, at most `limit`) to `to`, each attempt kept
/// and audited as `user`'s; stops at the first that gets no answer. Returns each message
/// tried.
pub fn send_outbox(
    store: &Store,
    trail: &AuditTrail,
    to: &Destination,
    timeout: Duration,
    user: &str,
    limit: i64,
) -> store::Result<Vec<SentMessage>> {
    let waiting = store.read(|tx| tx.outbox(&["waiting"], limit))?;
    let destination = to.to_string();
    let mut tried = Vec::new();
    for item in waiting {
        let now = store.clock().now();
        let unlink = item.message_type == "ADT^A37";
        let (event, what) = if unlink {
            ("A37", "the unmerge of merge")
        } else {
            ("A40", "merge")
        };
        let control = format!("CR-{event}-{}", item.id);
        let built = store.read(|tx| {
            let merge = tx.merge_record(item.merge_id)?;
            let text = if unlink {
                outbound_a37(tx, item.merge_id, now, &control)?
            } else {
                outbound_a40(tx, item.merge_id, now, &control)?
            };
            Ok((text, [merge.surviving_id, merge.retired_id]))
        });
        let (text, patients) = match built {
            Ok(built) => built,
            Err(store::Error::Conflict(_)) => {
                store.write(|tx| tx.record_outbox_attempt(item.id, OutboxAttempt::Withdrawn))?;
                tried.push(SentMessage {
                    id: item.id,
                    message_type: item.message_type.clone(),
                    merge_id: item.merge_id,
                    status: "withdrawn".into(),
                    ack_code: None,
                    error: None,
                });
                continue;
            }
            Err(e) => return Err(e),
        };
        match to.exchange(&text, timeout) {
            Err(error) => {
                let error = format!("{destination}: {error}");
                store.write(|tx| {
                    tx.record_outbox_attempt(item.id, OutboxAttempt::Failed { error: &error })
                })?;
                tried.push(SentMessage {
                    id: item.id,
                    message_type: item.message_type.clone(),
                    merge_id: item.merge_id,
                    status: "waiting".into(),
                    ack_code: None,
                    error: Some(error),
                });
                break;
            }
            Ok(ack) => {
                let (code, error) = ack_code(&ack);
                let accepted = matches!(code.as_str(), "AA" | "CA");
                let attempt = if accepted {
                    OutboxAttempt::Sent {
                        to: &destination,
                        ack: &ack,
                    }
                } else {
                    OutboxAttempt::Refused {
                        to: &destination,
                        ack: &ack,
                        error: &error,
                    }
                };
                let mut event = AuditEvent::new(now, user, Action::Export, Channel::Hl7)
                    .patients(&[PatientId(patients[0]), PatientId(patients[1])])
                    .record("hl7_outbox", item.id)
                    .categories(&[DataCategory::Demographics])
                    .reason(&format!(
                        "ADT^{event} {control} announcing {what} {} sent to {destination}: ACK {code}{}",
                        item.merge_id,
                        if error.is_empty() {
                            String::new()
                        } else {
                            format!(" ({error})")
                        }
                    ));
                if !accepted {
                    event = event.outcome(AuditOutcome::Failure);
                }
                event.source = Some(destination.clone());
                trail.write(store, |audited| {
                    audited.records().record_outbox_attempt(item.id, attempt)?;
                    audited.append(&event).map(|_| ())
                })?;
                tried.push(SentMessage {
                    id: item.id,
                    message_type: item.message_type.clone(),
                    merge_id: item.merge_id,
                    status: if accepted { "sent" } else { "refused" }.into(),
                    ack_code: Some(code),
                    error: (!error.is_empty()).then_some(error),
                });
            }
        }
    }
    Ok(tried)
}

/// MSA-1 of an ACK, and its ERR or MSA-3 text when it is not an accept.
pub(crate) fn ack_code(ack: &str) -> (String, String) {
    match parse_bytes(ack.as_bytes()) {
        Ok(msg) => {
            let code = msg.first("MSA").map_or("", |msa| msa.text(1, 1)).to_owned();
            let error = msg
                .first("ERR")
                .map(|err| err.text(8, 1).to_owned())
                .filter(|e| !e.is_empty())
                .or_else(|| {
                    msg.first("MSA")
                        .map(|msa| msa.text(3, 1).to_owned())
                        .filter(|e| !e.is_empty())
                })
                .unwrap_or_default();
            if code.is_empty() {
                (code, "the answer has no MSA-1".into())
            } else {
                (code, error)
            }
        }
        Err(e) => (
            String::new(),
            format!("the answer is not an HL7 message: {e}"),
        ),
    }
}
