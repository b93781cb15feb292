//! Destruction requests and their certificates (schema 35).
//!
//! Invariants:
//! - A request is approved once, by someone other than who requested it; the approval
//!   and the certificate are written in the transaction that destroys the charts.
//! - Rows are never deleted (a trigger refuses it): a certificate is kept forever.

use crate::error::{Error, Result};
use crate::tx::Tx;
use crate::value::{Row, Value};
use serde::Serialize;
use time::OffsetDateTime;

/// A request to destroy charts, and once approved its certificate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DestructionRequest {
    /// Its number.
    pub id: i64,
    /// The patients whose charts it destroys.
    pub patient_ids: Vec<i64>,
    /// How (e.g. `deleted from the store and archive files removed`).
    pub method: String,
    /// Why.
    pub reason: String,
    /// Who asked.
    pub requested_by: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    /// `requested` or `destroyed`.
    pub status: String,
    /// Who approved it.
    pub approved_by: Option<String>,
    /// When.
    #[serde(with = "time::serde::rfc3339::option")]
    pub approved_at: Option<OffsetDateTime>,
    /// The certificate of destruction (JSON), once destroyed.
    pub certificate: Option<serde_json::Value>,
}

const COLUMNS: &str = "id, patient_ids, method, reason, requested_by, requested_at, status, approved_by, approved_at, certificate";

fn read(row: &Row) -> Result<DestructionRequest> {
    let id = row.int(0);
    let text = |idx: usize| row.text(idx).unwrap_or_default().to_owned();
    let corrupt = |message: &str| Error::Corrupt {
        kind: "destruction request",
        id,
        message: message.into(),
    };
    Ok(DestructionRequest {
        id,
        patient_ids: serde_json::from_str(&text(1)).map_err(|_| corrupt("patient_ids"))?,
        method: text(2),
        reason: text(3),
        requested_by: text(4),
        requested_at: row
            .get(5)
            .as_instant()
            .ok_or_else(|| corrupt("requested_at"))?,
        status: text(6),
        approved_by: row.text(7).map(str::to_owned),
        approved_at: row.get(8).as_instant(),
        certificate: row
            .text(9)
            .map(serde_json::from_str)
            .transpose()
            .map_err(|_| corrupt("certificate"))?,
    })
}

impl Tx<'_> {
    /// Records a request to destroy the patients' charts.
    pub fn request_destruction(
        &mut self,
        patient_ids: &[i64],
        method: &str,
        reason: &str,
        requested_by: &str,
    ) -> Result<DestructionRequest> {
        let ids = serde_json::to_string(patient_ids).unwrap_or_default();
        let now = self.now();
        let rows = self.query(
            "INSERT INTO destruction_requests (patient_ids, method, reason, requested_by, requested_at, status) \
             VALUES (?, ?, ?, ?, ?, 'requested') RETURNING id",
            &[
                Value::Text(ids),
                Value::from(method.trim()),
                Value::from(reason.trim()),
                Value::from(requested_by),
                Value::Timestamp(now),
            ],
        )?;
        let id = rows.first().map_or(0, |r| r.int(0));
        self.destruction_request(id)?.ok_or(Error::NotFound {
            kind: "destruction request",
            id,
        })
    }

    /// The request with `id`.
    pub fn destruction_request(&mut self, id: i64) -> Result<Option<DestructionRequest>> {
        self.query(
            &format!("SELECT {COLUMNS} FROM destruction_requests WHERE id = ?"),
            &[Value::Int(id)],
        )?
        .first()
        .map(read)
        .transpose()
    }

    /// Every request, newest first.
    pub fn destruction_requests(&mut self) -> Result<Vec<DestructionRequest>> {
        self.query(
            &format!("SELECT {COLUMNS} FROM destruction_requests ORDER BY id DESC"),
            &[],
        )?
        .iter()
        .map(read)
        .collect()
    }

    /// Marks a request destroyed, approved by `approved_by` now, with its certificate.
    pub fn complete_destruction(
        &mut self,
        id: i64,
        approved_by: &str,
        certificate: &serde_json::Value,
    ) -> Result<DestructionRequest> {
        let now = self.now();
        let changed = self.conn().execute(
            "UPDATE destruction_requests SET status = 'destroyed', approved_by = ?, approved_at = ?, certificate = ? \
             WHERE id = ? AND status = 'requested'",
            &[
                Value::from(approved_by),
                Value::Timestamp(now),
                Value::Text(certificate.to_string()),
                Value::Int(id),
            ],
        )?;
        if changed == 0 {
            return Err(Error::Conflict(format!(
                "destruction request {id} is not waiting for approval"
            )));
        }
        self.destruction_request(id)?.ok_or(Error::NotFound {
            kind: "destruction request",
            id,
        })
    }
}
