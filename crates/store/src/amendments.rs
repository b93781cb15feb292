//! Patients' amendment requests: recorded, then accepted (linking the changed record) or
//! denied with a reason; each step audited in the same transaction.
//!
//! Invariants:
//! - A request is decided once; it is never deleted or reopened.
//! - A denial needs a reason; every decision names the record it is about (the changed
//!   record, or the disputed one a denial is kept with), a record of that patient's chart.
//! - A patient's amendments are read in one query (`Store::amendments`), so a chart shows
//!   each decided one beside its record without a query per record.

use crate::Store;
use crate::audit::Audited;
use crate::error::{Error, Result};
use crate::value::{Row, Value};
use privacy::{Action, AuditEvent, DataCategory};
use records::PatientId;
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

/// One amendment request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Amendment {
    /// Row id.
    pub id: i64,
    /// The patient asking.
    pub patient_id: i64,
    /// What the patient asks to change, in their words.
    pub description: String,
    /// When it was received.
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    /// Who recorded it.
    pub recorded_by: String,
    /// `pending`, `accepted` or `denied`.
    pub status: String,
    /// The decision, once made.
    pub decision: Option<AmendmentDecision>,
}

/// How a request was decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AmendmentDecision {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who.
    pub by: String,
    /// Why.
    pub reason: String,
    /// The record the decision is about: the one changed (accepted) or the one disputed
    /// (denied). Empty only on decisions made before every decision had to name one.
    pub linked_kind: Option<String>,
    /// Its id.
    pub linked_id: Option<i64>,
}

const COLUMNS: &str = "id, patient_id, description, requested_at, recorded_by, status, decided_at, decided_by, decision_reason, linked_kind, linked_id";

fn read(row: &Row) -> Result<Amendment> {
    let id = row.int(0);
    let requested_at = row.get(3).as_instant().ok_or_else(|| Error::Corrupt {
        kind: "amendment request",
        id,
        message: "requested_at is not an instant".into(),
    })?;
    let text = |idx: usize| row.text(idx).unwrap_or_default().to_owned();
    Ok(Amendment {
        id,
        patient_id: row.int(1),
        description: text(2),
        requested_at,
        recorded_by: text(4),
        status: text(5),
        decision: row.get(6).as_instant().map(|at| AmendmentDecision {
            at,
            by: text(7),
            reason: text(8),
            linked_kind: row.text(9).map(str::to_owned),
            linked_id: row.get(10).as_int(),
        }),
    })
}

fn amendment_event(by: AuditEvent, action: Action, amendment: &Amendment) -> AuditEvent {
    let mut event = by
        .patient(PatientId(amendment.patient_id))
        .record("amendment_request", amendment.id)
        .categories(&[DataCategory::Demographics]);
    event.action = action;
    event
}

impl Audited<'_> {
    /// Records a patient's request; `by` is the base event (who, channel).
    pub fn request_amendment(
        &mut self,
        patient_id: PatientId,
        description: &str,
        by: AuditEvent,
    ) -> Result<Amendment> {
        self.records().get::<records::Patient>(patient_id.0)?;
        let sql = format!(
            "INSERT INTO amendment_requests (patient_id, description, requested_at, recorded_by, status) VALUES (?, ?, ?, ?, 'pending') RETURNING {COLUMNS}"
        );
        let params = [
            Value::Int(patient_id.0),
            Value::from(description),
            Value::Timestamp(self.now()),
            Value::from(by.user.as_str()),
        ];
        let row = self.conn().query_one(&sql, &params)?.ok_or_else(|| {
            Error::Database("insert into amendment_requests returned no row".into())
        })?;
        let amendment = read(&row)?;
        let event = amendment_event(by, Action::Create, &amendment).changes(
            None,
            Some(json!({ "description": description, "status": "pending" }).to_string()),
        );
        self.append(&event)?;
        Ok(amendment)
    }

    /// Accepts (naming the changed record) or denies (with a reason) a pending request.
    pub fn decide_amendment(
        &mut self,
        id: i64,
        accept: bool,
        reason: &str,
        linked: Option<(&str, i64)>,
        by: AuditEvent,
    ) -> Result<Amendment> {
        let current = self
            .conn()
            .query_one(
                &format!("SELECT {COLUMNS} FROM amendment_requests WHERE id = ?"),
                &[Value::Int(id)],
            )?
            .map(|row| read(&row))
            .transpose()?
            .ok_or(Error::NotFound {
                kind: "amendment request",
                id,
            })?;
        if current.status != "pending" {
            return Err(Error::Conflict(format!(
                "amendment request {id} was already {}",
                current.status
            )));
        }
        // Accepted or denied, the decision names the record it is about: the changed one,
        // or the one whose correction was refused, which must then carry the denial
        // (45 CFR 164.526(c)(1) and (d)(4)).
        let Some((kind, record_id)) = linked else {
            return Err(invalid_link(
                "record_kind",
                format!(
                    "a decision names the record it is about (the {} record)",
                    if accept { "changed" } else { "disputed" }
                ),
            ));
        };
        self.check_patients_record(current.patient_id, kind, record_id)?;
        let status = if accept { "accepted" } else { "denied" };
        let sql = format!(
            "UPDATE amendment_requests SET status = ?, decided_at = ?, decided_by = ?, decision_reason = ?, linked_kind = ?, linked_id = ? WHERE id = ? AND status = 'pending' RETURNING {COLUMNS}"
        );
        let params = [
            Value::from(status),
            Value::Timestamp(self.now()),
            Value::from(by.user.as_str()),
            Value::from(reason),
            Value::from(linked.map(|(kind, _)| kind)),
            Value::from(linked.map(|(_, id)| id)),
            Value::Int(id),
        ];
        let row = self.conn().query_one(&sql, &params)?.ok_or_else(|| {
            Error::Conflict(format!("amendment request {id} was decided meanwhile"))
        })?;
        let decided = read(&row)?;
        let event = amendment_event(by, Action::Update, &decided)
            .reason(reason)
            .changes(
                Some(json!({ "status": "pending" }).to_string()),
                Some(
                    json!({
                        "status": status,
                        "linked_kind": linked.map(|(kind, _)| kind),
                        "linked_id": linked.map(|(_, id)| id),
                    })
                    .to_string(),
                ),
            );
        self.append(&event)?;
        Ok(decided)
    }
}

impl Audited<'_> {
    /// Refuses (as invalid `record_id`) a record that does not exist or is another
    /// patient's: an accepted amendment must point at the corrected part of this chart
    /// (45 CFR 164.526(c)), or the patient's record shows a correction that is not there.
    fn check_patients_record(&mut self, patient_id: i64, kind: &str, record_id: i64) -> Result<()> {
        let owner = match kind {
            "patient" => (record_id == patient_id).then_some(patient_id),
            _ => match patient_table(kind) {
                Some(table) => self
                    .conn()
                    .query_one(
                        &format!(
                            "SELECT patient_id FROM {table} WHERE id = ? AND deleted_at IS NULL"
                        ),
                        &[Value::Int(record_id)],
                    )?
                    .map(|row| row.int(0)),
                None => {
                    return Err(invalid_link(
                        "record_kind",
                        format!("\"{kind}\" is not a kind of record in a patient's chart"),
                    ));
                }
            },
        };
        match owner {
            Some(owner) if owner == patient_id => Ok(()),
            Some(_) => Err(invalid_link(
                "record_id",
                format!("{kind} {record_id} belongs to another patient, not patient {patient_id}"),
            )),
            None => Err(invalid_link(
                "record_id",
                format!("patient {patient_id} has no {kind} {record_id}"),
            )),
        }
    }
}

fn invalid_link(path: &str, message: String) -> Error {
    Error::Invalid {
        kind: "amendment request",
        errors: records::ValidationErrors(vec![records::FieldError {
            path: path.into(),
            message,
        }]),
    }
}

/// The table of a kind of record that belongs to one patient (has `patient_id`).
fn patient_table(kind: &str) -> Option<&'static str> {
    use crate::table::Table;
    use records::RecordKind;
    fn of<T: RecordKind + Table>(kind: &str) -> Option<&'static str> {
        (T::KIND == kind && T::COLUMNS.iter().any(|c| c.name == "patient_id")).then_some(T::TABLE)
    }
    use records::{
        Allergy, Charge, ClinicalNote, Coverage, Diagnosis, Encounter, Immunization, Medication,
        Observation, Problem, Procedure,
    };
    of::<Coverage>(kind)
        .or_else(|| of::<Encounter>(kind))
        .or_else(|| of::<Diagnosis>(kind))
        .or_else(|| of::<Procedure>(kind))
        .or_else(|| of::<Immunization>(kind))
        .or_else(|| of::<Observation>(kind))
        .or_else(|| of::<Medication>(kind))
        .or_else(|| of::<Allergy>(kind))
        .or_else(|| of::<Problem>(kind))
        .or_else(|| of::<ClinicalNote>(kind))
        .or_else(|| of::<Charge>(kind))
}

impl Store {
    /// A patient's amendment requests, oldest first.
    pub fn amendments(&self, patient_id: PatientId) -> Result<Vec<Amendment>> {
        let sql =
            format!("SELECT {COLUMNS} FROM amendment_requests WHERE patient_id = ? ORDER BY id");
        self.with_conn(|conn| {
            conn.query(&sql, &[Value::Int(patient_id.0)])?
                .iter()
                .map(read)
                .collect()
        })
    }

    /// Requests not yet decided, across patients, oldest first (at most `limit`).
    pub fn pending_amendments(&self, limit: i64) -> Result<Vec<Amendment>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM amendment_requests WHERE status = 'pending' ORDER BY requested_at, id LIMIT ?"
        );
        self.with_conn(|conn| {
            conn.query(&sql, &[Value::Int(limit)])?
                .iter()
                .map(read)
                .collect()
        })
    }

    /// One amendment request.
    pub fn amendment(&self, id: i64) -> Result<Amendment> {
        let sql = format!("SELECT {COLUMNS} FROM amendment_requests WHERE id = ?");
        self.with_conn(|conn| {
            let row = conn
                .query_one(&sql, &[Value::Int(id)])?
                .ok_or(Error::NotFound {
                    kind: "amendment request",
                    id,
                })?;
            read(&row)
        })
    }
}
