//! Asking the registry for a patient's immunizations: QBP^Q11 out, RSP^K11 back, as the
//! CDC HL7 2.5.1 Implementation Guide for Immunization Messaging, release 1.5, profiles
//! them (Z34 "Request Immunization History", answered Z32 or Z31 or Z33; Z44 "Request
//! Evaluated History and Forecast", answered Z42 or Z31 or Z33).
//!
//! Invariants:
//! - The query carries only what the IG asks to find the person (PID-3's MRN under its
//!   authority, legal name, mother's maiden name when known, birth date, sex, address).
//! - An answer is read by its profile (MSH-21) and QAK-2, never guessed from its segments:
//!   Z33 NF is "no match", Z33 TM "too many", Z31 a list of candidates to narrow down, so
//!   a person is never told "no immunizations" when the registry could not find them.
//! - The query and its answer are one `registry_messages` row and one export audit entry;
//!   a query is for treatment (164.506(c)), so it enters no accounting of disclosures.

use super::{Delivery, Registry, deliver, export_event};
use crate::message::{Delimiters, Message, parse};
use crate::vxu::pid;
use crate::write::{SegmentWriter, outbound_msh};
use privacy::{AuditEvent, Outcome};
use records::Patient;
use serde::Serialize;
use store::{AuditTrail, NewRegistryMessage, RegistryAttempt, RegistryMessage, Store};

/// Which query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum QueryKind {
    /// Z34: the immunization history.
    History,
    /// Z44: the history evaluated, with the forecast of what is due.
    EvaluatedHistoryAndForecast,
}

impl QueryKind {
    /// The profile id (MSH-21, QPD-1).
    pub fn profile(self) -> &'static str {
        match self {
            Self::History => "Z34",
            Self::EvaluatedHistoryAndForecast => "Z44",
        }
    }

    /// The query name (QPD-1.2).
    pub fn name(self) -> &'static str {
        match self {
            Self::History => "Request Immunization History",
            Self::EvaluatedHistoryAndForecast => "Request Evaluated History and Forecast",
        }
    }
}

/// One immunization the registry holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistryImmunization {
    /// RXA-3, as sent (`YYYYMMDD...`).
    pub administered: String,
    /// RXA-5.1, the CVX code.
    pub cvx: String,
    /// RXA-5.2.
    pub vaccine: String,
    /// RXA-15.
    pub lot: String,
    /// RXA-20 (CP, NA, RE, PA).
    pub completion: String,
}

/// One vaccine the registry forecasts as due (Z42: OBX 30979-9 with 30980-7 after it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForecastDose {
    /// OBX-5 of 30979-9: the vaccine group due, as coded (`107^DTaP^CVX` gives 107).
    pub vaccine: String,
    /// Its text.
    pub vaccine_text: String,
    /// OBX-5 of 30980-7: the date it is due, as sent.
    pub due: String,
}

/// What the registry answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum QueryAnswer {
    /// Z32 or Z42: the one person found and what they were given.
    History {
        /// The response profile (Z32, Z42).
        profile: String,
        /// RXA segments reporting a dose (CVX 998, "no vaccine administered", left out).
        immunizations: Vec<RegistryImmunization>,
        /// The forecast (Z42 only).
        forecast: Vec<ForecastDose>,
    },
    /// Z33 NF: nobody in the registry matches.
    NoMatch,
    /// Z33 TM: more people match than the registry will return; query with more detail.
    TooMany,
    /// Z31: several possible people, none sure; query with more detail.
    Candidates {
        /// How many PID segments the answer listed.
        count: usize,
    },
    /// The registry refused or failed the query (MSA-1 or QAK-2 AE/AR), with its text.
    Refused {
        /// MSA-1, or QAK-2 when MSA-1 was AA.
        code: String,
        /// ERR-8 or MSA-3.
        text: String,
    },
    /// Never answered (the message shows why).
    Undelivered,
    /// Answered with something this does not read, with why.
    Unreadable {
        /// What is wrong, with its position.
        problem: String,
    },
}

impl QueryAnswer {
    /// One line for people.
    pub fn summary(&self) -> String {
        match self {
            Self::History {
                profile,
                immunizations,
                forecast,
            } => format!(
                "{profile}: {} immunization(s) on file at the registry{}",
                immunizations.len(),
                if profile == "Z42" {
                    format!(", {} dose(s) forecast", forecast.len())
                } else {
                    String::new()
                }
            ),
            Self::NoMatch => "Z33 NF: no match, the registry holds nobody with these details".into(),
            Self::TooMany => "Z33 TM: too many matches, query with more detail (MRN, mother's maiden name, address)".into(),
            Self::Candidates { count } => format!(
                "Z31: {count} possible match(es), none certain; query with more detail"
            ),
            Self::Refused { code, text } => format!("refused ({code}): {text}"),
            Self::Undelivered => "not answered".into(),
            Self::Unreadable { problem } => format!("answer not understood: {problem}"),
        }
    }
}

/// The QBP^Q11 asking about `patient`.
pub fn outbound_qbp(
    patient: &Patient,
    kind: QueryKind,
    now: time::OffsetDateTime,
    control: &str,
) -> String {
    let d = Delimiters::default();
    let mut out = String::new();
    outbound_msh(
        &mut out,
        d,
        now,
        &["QBP", "Q11", "QBP_Q11"],
        control,
        &[
            &[],
            &[],
            &["ER"],
            &["AL"],
            &[],
            &[],
            &[],
            &[],
            &[kind.profile(), "CDCPHINVS"],
        ],
    );
    // QPD-3 onwards are PID-3, 5, 6 (mother's maiden name, not kept here), 7, 8, 11.
    let mut pid_text = String::new();
    pid(&mut pid_text, d, patient);
    let fields: Vec<&str> = pid_text.trim_end_matches('\r').split('|').collect();
    let at = |n: usize| fields.get(n).copied().unwrap_or("");
    out.push_str(&format!(
        "QPD|{}^{}^CDCPHINVS|{control}|{}|{}||{}|{}|{}\r",
        kind.profile(),
        kind.name(),
        at(3),
        at(5),
        at(7),
        at(8),
        at(11),
    ));
    // RCP-1 I: answer now; RCP-2: at most 10 records (the IG's usual limit for Z31).
    SegmentWriter::new(&mut out, d, "RCP")
        .field(&["I"])
        .field(&["10", "RD&records&HL70126"])
        .end();
    out
}

/// Reads an RSP^K11.
pub fn read_rsp(answer: &str) -> QueryAnswer {
    let message = match parse(answer) {
        Ok(message) => message,
        Err(e) => {
            return QueryAnswer::Unreadable {
                problem: e.to_string(),
            };
        }
    };
    read_message(&message)
}

fn read_message(message: &Message) -> QueryAnswer {
    let Some(msh) = message.msh() else {
        return QueryAnswer::Unreadable {
            problem: "no MSH".into(),
        };
    };
    let msa_code = message.first("MSA").map_or("", |m| m.text(1, 1));
    let error_text = || {
        message
            .first("ERR")
            .map(|e| e.text(8, 1))
            .filter(|t| !t.is_empty())
            .or_else(|| message.first("MSA").map(|m| m.text(3, 1)))
            .unwrap_or("")
            .to_owned()
    };
    if matches!(msa_code, "AE" | "AR" | "CE" | "CR") {
        return QueryAnswer::Refused {
            code: msa_code.to_owned(),
            text: error_text(),
        };
    }
    let status = message.first("QAK").map_or("", |q| q.text(2, 1));
    let profile = msh.text(21, 1);
    match (profile, status) {
        (_, "AE" | "AR") => QueryAnswer::Refused {
            code: status.to_owned(),
            text: error_text(),
        },
        ("Z33", "NF") | (_, "NF") => QueryAnswer::NoMatch,
        ("Z33", "TM") | (_, "TM") => QueryAnswer::TooMany,
        ("Z31", _) => QueryAnswer::Candidates {
            count: message.all("PID").count(),
        },
        ("Z32" | "Z42", _) => history(message, profile),
        ("", _) => QueryAnswer::Unreadable {
            problem: "MSH-21, the response profile, is empty".into(),
        },
        (other, _) => QueryAnswer::Unreadable {
            problem: format!(
                "MSH-21 response profile {other} is none of Z31, Z32, Z33, Z42 (CDC IG release 1.5)"
            ),
        },
    }
}

fn history(message: &Message, profile: &str) -> QueryAnswer {
    let mut immunizations = Vec::new();
    let mut forecast: Vec<ForecastDose> = Vec::new();
    for segment in &message.segments {
        match segment.name.as_str() {
            // CVX 998 is "no vaccine administered": the RXA that carries a forecast.
            "RXA" if segment.text(5, 1) != "998" => immunizations.push(RegistryImmunization {
                administered: segment.text(3, 1).to_owned(),
                cvx: segment.text(5, 1).to_owned(),
                vaccine: segment.text(5, 2).to_owned(),
                lot: segment.text(15, 1).to_owned(),
                completion: segment.text(20, 1).to_owned(),
            }),
            "OBX" if segment.text(3, 1) == "30979-9" => forecast.push(ForecastDose {
                vaccine: segment.text(5, 1).to_owned(),
                vaccine_text: segment.text(5, 2).to_owned(),
                due: String::new(),
            }),
            "OBX" if segment.text(3, 1) == "30980-7" => {
                if let Some(last) = forecast.last_mut().filter(|f| f.due.is_empty()) {
                    last.due = segment.text(5, 1).to_owned();
                }
            }
            _ => {}
        }
    }
    QueryAnswer::History {
        profile: profile.to_owned(),
        immunizations,
        forecast,
    }
}

/// Asks `registry` about `patient` and reads its answer; the query and the answer are
/// kept and audited. Returns the message as kept and what the answer says.
pub fn query(
    store: &Store,
    trail: &AuditTrail,
    registry: &Registry,
    who: &AuditEvent,
    patient: i64,
    kind: QueryKind,
) -> store::Result<(RegistryMessage, QueryAnswer)> {
    let destination = registry.address.to_string();
    let now = store.clock().now();
    let message = store.write(|tx| {
        tx.add_registry_message(
            NewRegistryMessage {
                message_type: "QBP^Q11",
                patient_id: patient,
                registry: &registry.name,
                destination: &destination,
                created_by: &who.user,
            },
            |tx, id| {
                let control = format!("CR-QBP-{id}");
                let record = tx.get::<Patient>(patient)?.record;
                let text = outbound_qbp(&record, kind, now, &control);
                Ok((control, text))
            },
        )
    })?;
    let delivery = deliver(store, registry, &message)?;
    let control = &message.control_id;
    let answer = match &delivery {
        Delivery::Answered { ack, .. } => read_rsp(ack),
        Delivery::Failed(_) => QueryAnswer::Undelivered,
    };
    let kept = trail.write(store, |audited| {
        let mut event = export_event(who, patient, Some(message.id));
        event.source = Some(destination.clone());
        let attempt = match &delivery {
            Delivery::Answered { ack, code, text } => {
                let accepted = matches!(
                    answer,
                    QueryAnswer::History { .. }
                        | QueryAnswer::NoMatch
                        | QueryAnswer::TooMany
                        | QueryAnswer::Candidates { .. }
                );
                event = event.reason(&format!(
                    "QBP^Q11 {} {control} to {} at {destination}: {}",
                    kind.profile(),
                    registry.name,
                    answer.summary()
                ));
                if !accepted {
                    event = event.outcome(Outcome::Failure);
                }
                RegistryAttempt::Answered {
                    accepted,
                    code,
                    text,
                    ack,
                }
            }
            Delivery::Failed(error) => {
                event = event
                    .reason(&format!(
                        "QBP^Q11 {} {control} to {} at {destination} not answered: {error}",
                        kind.profile(),
                        registry.name
                    ))
                    .outcome(Outcome::Failure);
                RegistryAttempt::Failed { error, last: true }
            }
        };
        audited
            .records()
            .record_registry_attempt(message.id, attempt)?;
        audited.append(&event)?;
        audited.records().registry_message(message.id)
    })?;
    Ok((kept, answer))
}
