//! Possible overlays (schema 32): charts whose identity changed in a way that suggests two
//! people's records in one chart (sex or birth date recorded differently, demographics
//! that no longer look like one person, blood types that disagree), flagged for an HIM
//! technician to review.
//!
//! Invariants:
//! - A chart has at most one open flag: a new finding on a chart already flagged is added
//!   to that flag's findings.
//! - A flag is decided once, with who, when and why, each with its audit entry in the
//!   same transaction; flags are never deleted.

use crate::audit::Audited;
use crate::error::{Error, Result};
use crate::patient_index::{instant, json_of, required};
use crate::tx::Tx;
use crate::value::{Row, Value};
use privacy::{Action, AuditEvent, DataCategory};
use records::PatientId;
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

/// One possible overlay.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverlayFlag {
    /// Row id.
    pub id: i64,
    /// The chart.
    pub patient_id: i64,
    /// When it was (first) flagged.
    #[serde(with = "time::serde::rfc3339")]
    pub found_at: OffsetDateTime,
    /// Who wrote the change that raised it.
    pub found_by: String,
    /// What disagrees, in words, oldest first.
    pub findings: Vec<String>,
    /// `open`, `one_person` or `overlay`.
    pub status: String,
    /// Who decided it.
    pub decided_by: Option<String>,
    /// When.
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
    /// Why.
    pub reason: Option<String>,
}

/// A reviewer's decision on a possible overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OverlayDecision {
    /// The records are one person's after all (a correction): the flag is closed.
    OnePerson,
    /// Two people's records are in the chart: they are to be separated.
    Overlay,
}

impl OverlayDecision {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OnePerson => "one_person",
            Self::Overlay => "overlay",
        }
    }

    /// Reads a decision (`one_person` / `one-person`, `overlay`).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().replace('-', "_").as_str() {
            "one_person" | "correction" => Some(Self::OnePerson),
            "overlay" => Some(Self::Overlay),
            _ => None,
        }
    }
}

const COLUMNS: &str =
    "id, patient_id, found_at, found_by, findings, status, decided_by, decided_at, reason";

fn read_flag(row: &Row) -> Result<OverlayFlag> {
    let findings = match json_of(row.get(4)) {
        serde_json::Value::Array(items) => items
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    Ok(OverlayFlag {
        id: row.int(0),
        patient_id: row.int(1),
        found_at: instant("overlay flag", row, 2)?,
        found_by: row.text(3).unwrap_or_default().to_owned(),
        findings,
        status: row.text(5).unwrap_or_default().to_owned(),
        decided_by: row.text(6).map(str::to_owned),
        decided_at: row.get(7).as_instant(),
        reason: row.text(8).map(str::to_owned),
    })
}

impl Tx<'_> {
    /// The flag with `id`.
    pub fn overlay_flag(&mut self, id: i64) -> Result<OverlayFlag> {
        let rows = self.query(
            &format!("SELECT {COLUMNS} FROM mpi_overlays WHERE id = ?"),
            &[Value::Int(id)],
        )?;
        rows.first()
            .map(read_flag)
            .transpose()?
            .ok_or(Error::NotFound {
                kind: "overlay flag",
                id,
            })
    }

    /// Flags with one of `statuses`, oldest first, at most `limit`.
    pub fn overlay_flags(&mut self, statuses: &[&str], limit: i64) -> Result<Vec<OverlayFlag>> {
        let marks = vec!["?"; statuses.len().max(1)].join(", ");
        let mut params: Vec<Value> = statuses.iter().map(|s| Value::from(*s)).collect();
        if params.is_empty() {
            params.push(Value::from("open"));
        }
        self.query(
            &format!(
                "SELECT {COLUMNS} FROM mpi_overlays WHERE status IN ({marks}) ORDER BY id LIMIT {limit}"
            ),
            &params,
        )?
        .iter()
        .map(read_flag)
        .collect()
    }

    /// Every flag on chart `patient_id`, oldest first.
    pub fn overlay_flags_of(&mut self, patient_id: i64) -> Result<Vec<OverlayFlag>> {
        self.query(
            &format!("SELECT {COLUMNS} FROM mpi_overlays WHERE patient_id = ? ORDER BY id"),
            &[Value::Int(patient_id)],
        )?
        .iter()
        .map(read_flag)
        .collect()
    }
}

impl Audited<'_> {
    /// Flags chart `patient_id` as a possible overlay with `findings` (added to its open
    /// flag when it has one), audited as `by` naming the patient and what was found.
    /// Returns the flag.
    pub fn flag_overlay(
        &mut self,
        patient_id: i64,
        findings: &[String],
        by: AuditEvent,
    ) -> Result<OverlayFlag> {
        let now = self.now();
        let open = self.records().query(
            "SELECT id, findings FROM mpi_overlays WHERE patient_id = ? AND status = 'open' ORDER BY id LIMIT 1",
            &[Value::Int(patient_id)],
        )?;
        let (id, action) = match open.first() {
            Some(row) => {
                let id = row.int(0);
                let mut all = match json_of(row.get(1)) {
                    serde_json::Value::Array(items) => items,
                    _ => Vec::new(),
                };
                for finding in findings {
                    let finding = serde_json::Value::from(finding.as_str());
                    if !all.contains(&finding) {
                        all.push(finding);
                    }
                }
                self.conn().execute(
                    "UPDATE mpi_overlays SET findings = ? WHERE id = ?",
                    &[Value::Json(serde_json::Value::Array(all)), Value::Int(id)],
                )?;
                (id, Action::Update)
            }
            None => {
                let row = self
                    .conn()
                    .query_one(
                        "INSERT INTO mpi_overlays (patient_id, found_at, found_by, findings, status) VALUES (?, ?, ?, ?, 'open') RETURNING id",
                        &[
                            Value::Int(patient_id),
                            Value::Timestamp(now),
                            Value::from(by.user.as_str()),
                            Value::Json(json!(findings)),
                        ],
                    )?
                    .ok_or_else(|| {
                        Error::Database("insert into mpi_overlays returned no row".into())
                    })?;
                (row.int(0), Action::Create)
            }
        };
        let mut event = by
            .patients(&[PatientId(patient_id)])
            .record("mpi_overlay", id)
            .categories(&[DataCategory::Demographics]);
        event.reason = Some(format!("possible overlay: {}", findings.join("; ")));
        event.action = action;
        self.append(&event)?;
        self.records().overlay_flag(id)
    }

    /// Records a reviewer's decision on flag `id` with its reason, audited as a change. A
    /// decided flag is not decided again.
    pub fn decide_overlay(
        &mut self,
        id: i64,
        decision: OverlayDecision,
        reason: &str,
        by: AuditEvent,
    ) -> Result<OverlayFlag> {
        required("overlay decision", "reason", reason)?;
        let flag = self.records().overlay_flag(id)?;
        if flag.status != "open" {
            return Err(Error::Conflict(format!(
                "overlay flag {id} was decided already ({})",
                flag.status.replace('_', " ")
            )));
        }
        let now = self.now();
        self.conn().execute(
            "UPDATE mpi_overlays SET status = ?, decided_by = ?, decided_at = ?, reason = ? WHERE id = ?",
            &[
                Value::from(decision.as_str()),
                Value::from(by.user.as_str()),
                Value::Timestamp(now),
                Value::from(reason.trim()),
                Value::Int(id),
            ],
        )?;
        let mut event = by
            .patients(&[PatientId(flag.patient_id)])
            .record("mpi_overlay", id)
            .categories(&[DataCategory::Demographics])
            .reason(reason.trim())
            .changes(
                Some(json!({ "status": flag.status }).to_string()),
                Some(json!({ "status": decision.as_str() }).to_string()),
            );
        event.action = Action::Update;
        self.append(&event)?;
        self.records().overlay_flag(id)
    }
}
