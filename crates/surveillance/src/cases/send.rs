//! Sending a case's initial case report: the eICR (`fhir::initial_case_report`) and/or, for
//! a case a laboratory result found, the ORU^R01 of that result (`hl7::outbound_oru`),
//! built and recorded ([`record_report`]: the export audited, the disclosure entered, the
//! case marked reported) in the caller's one transaction. `chartroom report case send`, the
//! `/cases/{id}` page and `POST /api/cases/{id}/send` all call [`send_report`], so they
//! report alike; each then hands the documents on (files, an outbox, the answer) inside the
//! same transaction, so a report that could not be handed on is not recorded as sent.
//!
//! Invariants:
//! - Nothing here reads a clock: the report's time is the transaction's (`Audited::now`).
//! - A refusal (no document asked, no agency named, an ORU^R01 of a diagnosis-found case, a
//!   withdrawn or not-reportable case) writes nothing.

use super::queue::{CaseError, SentReport, record_report};
use privacy::AuditEvent;
use records::{CaseReport, TriggerSource};
use store::{Actor, Audited, Stored};

/// What to send and to whom.
#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    /// The public-health agency, as the accounting names the recipient.
    pub recipient: &'a str,
    /// Send the eICR document Bundle.
    pub eicr: bool,
    /// Send the ORU^R01 of the triggering result (a case a laboratory result found).
    pub oru: bool,
    /// The FHIR base URL the eICR's entries are named under.
    pub fhir_base: &'a str,
    /// The facility's name (the eICR's custodian when the visit names none).
    pub facility_name: &'a str,
}

/// A report sent: the case as it now stands and the documents that went.
#[derive(Debug, Clone)]
pub struct Sent {
    /// The case, marked reported.
    pub case: Stored<CaseReport>,
    /// The eICR document Bundle as JSON text, when asked.
    pub eicr: Option<String>,
    /// The ORU^R01 (segments ended by carriage returns), when asked.
    pub oru: Option<String>,
    /// `case-<id>-<unix time>`, the eICR's `Bundle.identifier` (the ORU^R01's control id
    /// is `ORU<unix time>`); callers name the files they write after it.
    pub document_id: String,
    /// What went, as the accounting says it.
    pub description: String,
    /// The channel the accounting names (`fhir-eicr`, `hl7-oru`, `fhir-eicr+hl7-oru`).
    pub channel: &'static str,
}

/// Builds case `id`'s report as `outgoing` asks and records it sent by `actor` (audit
/// entries from `who`), in the caller's transaction.
pub fn send_report(
    audited: &mut Audited<'_>,
    actor: &Actor,
    id: i64,
    outgoing: &Outgoing<'_>,
    who: AuditEvent,
) -> Result<Sent, CaseError> {
    let recipient = outgoing.recipient.trim();
    if recipient.is_empty() {
        return Err(CaseError::Refused(
            "name the public-health agency the report goes to".into(),
        ));
    }
    if !outgoing.eicr && !outgoing.oru {
        return Err(CaseError::Refused(
            "choose what to send: the eICR, the ORU^R01 or both".into(),
        ));
    }
    let at = audited.now();
    let stamp = at.unix_timestamp();
    let document_id = format!("case-{id}-{stamp}");
    let (eicr, oru) = {
        let mut tx = audited.records();
        let found = tx.get::<CaseReport>(id)?;
        if outgoing.oru && found.record.trigger_source != TriggerSource::Lab {
            return Err(CaseError::Refused(format!(
                "case {id} was found by a diagnosis, not a laboratory result: send its eICR"
            )));
        }
        let eicr = if outgoing.eicr {
            let bundle = fhir::initial_case_report(
                &mut tx,
                &found,
                &fhir::EicrOptions {
                    base: outgoing.fhir_base,
                    facility_name: outgoing.facility_name,
                    document_id: &document_id,
                    at,
                },
            )?;
            Some(bundle.to_string())
        } else {
            None
        };
        let oru = if outgoing.oru {
            Some(hl7::outbound_oru(
                &mut tx,
                found.record.patient_id.0,
                &[found.record.trigger_record_id],
                at,
                &format!("ORU{stamp}"),
            )?)
        } else {
            None
        };
        (eicr, oru)
    };
    let mut parts = Vec::new();
    if eicr.is_some() {
        parts.push(format!("eICR document Bundle {document_id}"));
    }
    if oru.is_some() {
        parts.push(format!("ORU^R01 ORU{stamp} (1 laboratory result)"));
    }
    let channel = match (eicr.is_some(), oru.is_some()) {
        (true, true) => "fhir-eicr+hl7-oru",
        (false, true) => "hl7-oru",
        _ => "fhir-eicr",
    };
    let description = parts.join("; ");
    let case = record_report(
        audited,
        actor,
        id,
        &SentReport {
            recipient,
            description: description.clone(),
            channel,
        },
        who,
    )?;
    Ok(Sent {
        case,
        eicr,
        oru,
        document_id,
        description,
        channel,
    })
}
