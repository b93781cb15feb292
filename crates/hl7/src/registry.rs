//! The immunization-registry client: a VXU^V04 sent over MLLP to the registry's address
//! with bounded retries and its ACK kept (`send_vxu`), and the registry asked for a
//! patient's history (`query`, QBP^Q11 answered by RSP^K11).
//!
//! Invariants:
//! - Every message is a `registry_messages` row before it goes; its control id
//!   (`CR-VXU-<row>`) is the same on every attempt, so a registry that stored it before
//!   the connection broke recognises the resend (HL7 v2.5.1 chapter 2.10.2).
//! - Only a missing answer is retried (refused connection, timeout, connection closed, an
//!   answer that is not an HL7 message); a registry that answered AE or AR has read the
//!   message and said no, so sending it again would be refused again: a person must look.
//! - The accounting of disclosures gets a line only for a message the registry accepted
//!   (MSA-1 AA or CA), in the transaction that keeps the ACK; every final outcome, accepted
//!   or not, is one export audit entry naming the patient, registry and ACK code (a
//!   rejected or undelivered message is a failure entry), so the audit trail shows every
//!   time the patient's data went on the wire.
//! - The wait between attempts doubles from `Retry::backoff`; nothing here reads the
//!   clock but the store's.

mod query;

pub use query::{
    ForecastDose, QueryAnswer, QueryKind, RegistryImmunization, outbound_qbp, query, read_rsp,
};

use crate::destination::Destination;
use crate::outbox::ack_code;
use crate::vxu::outbound_vxu;
use privacy::{AuditEvent, DataCategory, Outcome};
use records::{Disclosure, LegalBasis, PatientId};
use std::time::Duration;
use store::{AuditTrail, Audited, NewRegistryMessage, RegistryAttempt, RegistryMessage, Store};

/// How many times to try and how long to wait between tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Attempts in all, at least 1.
    pub attempts: u32,
    /// The wait after the first failed attempt; each later wait is twice the one before.
    pub backoff: Duration,
}

impl Default for Retry {
    /// Three attempts, 2 s then 4 s apart: a registry restarting or a brief network
    /// outage is ridden out, a registry down for longer leaves the message failed in
    /// seconds for a person to send again, not a sender stuck for minutes.
    fn default() -> Self {
        Self {
            attempts: 3,
            backoff: Duration::from_secs(2),
        }
    }
}

/// Where the registry is.
#[derive(Debug, Clone)]
pub struct Registry {
    /// Its name, as the accounting of disclosures names the recipient.
    pub name: String,
    /// Where its MLLP listener is (plain on this machine, or over TLS).
    pub address: Destination,
    /// How long to wait for a connection and for each answer.
    pub timeout: Duration,
    /// Retries of an unanswered message.
    pub retry: Retry,
}

/// The audit entry of a registry message leaving for `registry`: demographics and
/// immunizations of `patient`, exported.
pub fn export_event(who: &AuditEvent, patient: i64, registry_message: Option<i64>) -> AuditEvent {
    let mut event = who
        .clone()
        .patient(PatientId(patient))
        .categories(&[DataCategory::Demographics, DataCategory::Immunizations]);
    event = match registry_message {
        Some(id) => event.record("registry_message", id),
        None => event.record("patient", patient),
    };
    event
}

/// Enters a VXU^V04 sent to `registry` in the patient's accounting of disclosures (public
/// health, 164.512(b); accountable under 164.528), in the caller's audited transaction.
pub fn enter_registry_disclosure(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    patient: i64,
    registry: &str,
    control: &str,
    text: &str,
) -> store::Result<()> {
    let shots = text.split('\r').filter(|s| s.starts_with("RXA|")).count();
    disclosures::enter_disclosure(
        audited,
        who,
        Disclosure {
            patient_id: PatientId(patient),
            disclosed_at: audited.now(),
            recipient: registry.to_owned(),
            recipient_address: None,
            description: format!(
                "immunization history: demographics and {shots} immunization(s) (VXU^V04 {control})"
            ),
            purpose: "immunization registry reporting".into(),
            legal_basis: LegalBasis::PublicHealth,
            accountable: LegalBasis::PublicHealth.accountable(),
            request_id: None,
            channel: "hl7-vxu".into(),
            made_by: who.user.clone(),
        },
    )?;
    Ok(())
}

/// What the attempts came to.
pub(crate) enum Delivery {
    /// The registry answered with this ACK.
    Answered {
        /// The answer as received.
        ack: String,
        /// MSA-1.
        code: String,
        /// ERR-8 or MSA-3.
        text: String,
    },
    /// Never answered; the last attempt's reason.
    Failed(String),
}

/// Sends `message` until it is answered or the attempts are spent, keeping each failed
/// attempt but the last (the caller keeps that one with its audit entry).
pub(crate) fn deliver(
    store: &Store,
    registry: &Registry,
    message: &RegistryMessage,
) -> store::Result<Delivery> {
    let attempts = registry.retry.attempts.max(1);
    let mut wait = registry.retry.backoff;
    let mut attempt = 1;
    loop {
        let error = match registry
            .address
            .exchange(&message.message, registry.timeout)
        {
            Ok(ack) => {
                let (code, text) = ack_code(&ack);
                if !code.is_empty() {
                    return Ok(Delivery::Answered { ack, code, text });
                }
                text
            }
            Err(error) => error.to_string(),
        };
        let error = format!(
            "attempt {attempt} of {attempts} to {}: {error}",
            registry.address
        );
        if attempt == attempts {
            return Ok(Delivery::Failed(error));
        }
        store.write(|tx| {
            tx.record_registry_attempt(
                message.id,
                RegistryAttempt::Failed {
                    error: &error,
                    last: false,
                },
            )
        })?;
        std::thread::sleep(wait);
        wait = wait.saturating_mul(2);
        attempt += 1;
    }
}

/// Makes `patient`'s VXU^V04, sends it to `registry` (retrying an unanswered one) and keeps
/// the outcome with its audit entry, and the disclosure when the registry accepted it.
/// Returns the message as kept: `accepted`, `rejected` (with the registry's error) or
/// `failed` (with the last attempt's reason).
pub fn send_vxu(
    store: &Store,
    trail: &AuditTrail,
    registry: &Registry,
    who: &AuditEvent,
    patient: i64,
) -> store::Result<RegistryMessage> {
    let destination = registry.address.to_string();
    let now = store.clock().now();
    let message = store.write(|tx| {
        tx.add_registry_message(
            NewRegistryMessage {
                message_type: "VXU^V04",
                patient_id: patient,
                registry: &registry.name,
                destination: &destination,
                created_by: &who.user,
            },
            |tx, id| {
                let control = format!("CR-VXU-{id}");
                let text = outbound_vxu(tx, patient, now, &control)?;
                Ok((control, text))
            },
        )
    })?;
    let delivery = deliver(store, registry, &message)?;
    let control = &message.control_id;
    trail.write(store, |audited| {
        let mut event = export_event(who, patient, Some(message.id));
        event.source = Some(destination.clone());
        let (attempt, accepted) = match &delivery {
            Delivery::Answered { ack, code, text } => {
                let accepted = matches!(code.as_str(), "AA" | "CA");
                event = event.reason(&format!(
                    "VXU^V04 {control} to {} at {destination}: ACK {code}{}",
                    registry.name,
                    if text.is_empty() {
                        String::new()
                    } else {
                        format!(" ({text})")
                    }
                ));
                (
                    RegistryAttempt::Answered {
                        accepted,
                        code,
                        text,
                        ack,
                    },
                    accepted,
                )
            }
            Delivery::Failed(error) => {
                event = event.reason(&format!(
                    "VXU^V04 {control} to {} at {destination} not delivered: {error}",
                    registry.name
                ));
                (RegistryAttempt::Failed { error, last: true }, false)
            }
        };
        if !accepted {
            event = event.outcome(Outcome::Failure);
        }
        audited
            .records()
            .record_registry_attempt(message.id, attempt)?;
        audited.append(&event)?;
        if accepted {
            enter_registry_disclosure(
                audited,
                who,
                patient,
                &registry.name,
                control,
                &message.message,
            )?;
        }
        audited.records().registry_message(message.id)
    })
}
