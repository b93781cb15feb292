//! Who sent a message, whether that sender is accepted, and the audit entry of a message
//! that was not stored (answered AE or AR).
//!
//! Invariants:
//! - The sender is MSH-3^MSH-4 (sending application and facility, first components), as
//!   HL7 names it; entries are written as `hl7:APP^FACILITY`, so no sender can pass for
//!   a person's account.
//! - A refusal's entry names positions and table 0357 codes only, never the problem texts,
//!   which may quote patient data.
//! - An unknown sender is refused before anything of its message is looked at further.

use crate::ack::{AckCode, Problem};
use crate::apply::Outcome;
use crate::extract::message_type;
use crate::message::Message;
use privacy::{Action, AuditEvent, Channel};
use std::collections::BTreeSet;
use time::OffsetDateTime;

/// The audit user of a message whose header cannot be read.
pub const UNKNOWN_SENDER: &str = "hl7:unknown";

/// MSH-3^MSH-4 of `msg` (first components), if it has a header.
pub fn sender_of(msg: &Message) -> Option<String> {
    msg.msh()
        .map(|msh| format!("{}^{}", msh.text(3, 1), msh.text(4, 1)))
}

/// The audit user (and record author) for a message from `sender`.
pub fn sender_user(sender: &str) -> String {
    format!("hl7:{sender}")
}

/// The senders a listener accepts: any, or those listed as `APP^FACILITY`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Senders(Option<BTreeSet<String>>);

impl Senders {
    /// Every sender.
    pub fn any() -> Self {
        Self(None)
    }

    /// Only these (`APP^FACILITY` each; case and surrounding spaces as written are
    /// ignored, since senders configure MSH-3/4 by hand). A value without `^` is refused.
    pub fn only<S: AsRef<str>>(list: &[S]) -> Result<Self, String> {
        let mut senders = BTreeSet::new();
        for item in list {
            let item = item.as_ref().trim();
            let Some((app, facility)) = item.split_once('^') else {
                return Err(format!(
                    "\"{item}\" is not APP^FACILITY (MSH-3 and MSH-4 joined by ^)"
                ));
            };
            if app.trim().is_empty() || facility.contains('^') {
                return Err(format!(
                    "\"{item}\" is not APP^FACILITY (MSH-3 and MSH-4 joined by ^)"
                ));
            }
            senders.insert(normalized(item));
        }
        Ok(Self(Some(senders)))
    }

    /// Whether `sender` (`APP^FACILITY`) may send.
    pub fn allows(&self, sender: &str) -> bool {
        self.0
            .as_ref()
            .is_none_or(|set| set.contains(&normalized(sender)))
    }
}

fn normalized(sender: &str) -> String {
    sender
        .split('^')
        .map(|part| part.trim().to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join("^")
}

/// Where each problem is and its table 0357 code, never its text (which may quote
/// patient data): for log lines and audit entries.
pub(crate) fn positions(problems: &[Problem]) -> String {
    let at: Vec<String> = problems
        .iter()
        .map(|p| match &p.location {
            Some(l) => format!("{l} ({})", p.code),
            None => format!("({})", p.code),
        })
        .collect();
    at.join("; ")
}

/// The answer to a message from a sender that is not accepted: AR, at MSH-3 (table 0357
/// code 103: the value is not in the table of accepted senders).
pub(crate) fn unknown_sender(msg: &Message) -> (Outcome, AckCode) {
    let location = msg.msh().map(|msh| msg.locate(msh, 3, 1));
    let problem = Problem {
        location,
        code: 103,
        message: format!(
            "sending application {} of facility {} (MSH-3, MSH-4) is not accepted here",
            msg.msh().map_or("", |msh| msh.text(3, 1)),
            msg.msh().map_or("", |msh| msh.text(4, 1)),
        ),
    };
    (Outcome::Rejected(vec![problem]), AckCode::Reject)
}

/// The audit entry of a message that was not stored (`None` when it was): the action it
/// asked for, by its sender, from `peer`; `denied` when the sender itself was refused.
pub(crate) fn refusal_event(
    now: OffsetDateTime,
    msg: Option<&Message>,
    peer: Option<&str>,
    outcome: &Outcome,
    denied: bool,
) -> Option<AuditEvent> {
    let (problems, answer) = match outcome {
        Outcome::Stored { .. } => return None,
        Outcome::Error(problems) => (problems, "AE"),
        Outcome::Rejected(problems) => (problems, "AR"),
    };
    let sender = msg.and_then(sender_of);
    let user = sender
        .as_deref()
        .map_or_else(|| UNKNOWN_SENDER.to_owned(), sender_user);
    let (kind, event) = msg.map(message_type).unwrap_or_default();
    let action = if event == "A08" {
        Action::Update
    } else {
        Action::Create
    };
    let control = msg.and_then(Message::msh).map_or("", |msh| msh.text(10, 1));
    let what = if kind.is_empty() {
        "HL7 message with an unreadable header".to_owned()
    } else {
        format!("HL7 {kind}^{event} {control}")
    };
    let from = sender.map(|s| format!(" from {s}")).unwrap_or_default();
    let mut entry = AuditEvent::new(now, &user, action, Channel::Hl7)
        .outcome(if denied {
            privacy::Outcome::Denied
        } else {
            privacy::Outcome::Failure
        })
        .reason(&format!(
            "{what}{from} answered {answer}, nothing stored: {}",
            if problems.is_empty() {
                "no MSH segment".to_owned()
            } else {
                positions(problems)
            }
        ));
    entry.source = peer.map(str::to_owned);
    Some(entry)
}
