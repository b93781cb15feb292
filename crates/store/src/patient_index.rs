//! The master patient index's work list: candidate pairs found by matching, and the
//! reviewers' decisions on them (schema 23).
//!
//! Invariants:
//! - A pair is one row, lower patient id first, whatever order matching found it in.
//! - A later match rescores an open pair (or one waiting for more information) and never
//!   reopens a decided one: a pair decided "not duplicate" is never proposed again.
//! - Decisions are appended, never changed or deleted; the pair's status is its latest.
//! - Every decision is written with its audit entry in the same transaction.

use crate::Store;
use crate::audit::Audited;
use crate::error::{Error, Result};
use crate::tx::Tx;
use crate::value::{Row, Value};
use privacy::{Action, AuditEvent, DataCategory};
use records::{FieldError, PatientId, ValidationErrors};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

/// A pair matching found worth keeping: both patients' ids, the score and its reasons.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FoundPair {
    /// One patient.
    pub patient_a: i64,
    /// The other.
    pub patient_b: i64,
    /// Match probability.
    pub probability: f64,
    /// Match weight (log2 odds).
    pub weight: f64,
    /// `auto_link` or `review`.
    pub class: String,
    /// Each field's level and weight, as matching explained it.
    pub contributions: serde_json::Value,
}

/// What saving a match's pairs did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SavedPairs {
    /// Pairs new to the queue.
    pub added: u64,
    /// Open pairs whose score was refreshed.
    pub rescored: u64,
    /// Pairs left alone because a reviewer decided them already.
    pub already_decided: u64,
}

/// A reviewer's decision on a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PairDecision {
    /// The same person: the charts should be merged.
    Duplicate,
    /// Two people: never propose the pair again.
    NotDuplicate,
    /// Cannot tell yet; the pair stays in the queue.
    NeedsInfo,
}

impl PairDecision {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Duplicate => "duplicate",
            Self::NotDuplicate => "not_duplicate",
            Self::NeedsInfo => "needs_info",
        }
    }

    /// Reads a decision (`duplicate`, `not_duplicate` / `not-duplicate`, `needs_info` /
    /// `needs-info`).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().replace('-', "_").as_str() {
            "duplicate" | "same" => Some(Self::Duplicate),
            "not_duplicate" | "different" => Some(Self::NotDuplicate),
            "needs_info" => Some(Self::NeedsInfo),
            _ => None,
        }
    }
}

/// One pair in the queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CandidatePair {
    /// Row id.
    pub id: i64,
    /// The pair, lower id first.
    pub patient_a: i64,
    /// The other.
    pub patient_b: i64,
    /// Match probability at the last match.
    pub probability: f64,
    /// Match weight.
    pub weight: f64,
    /// `auto_link` or `review`.
    pub class: String,
    /// Each field's level and weight.
    pub contributions: serde_json::Value,
    /// When matching found (or last rescored) it.
    #[serde(with = "time::serde::rfc3339")]
    pub found_at: OffsetDateTime,
    /// `open`, `needs_info`, `duplicate`, `not_duplicate` or `merged`.
    pub status: String,
}

/// One decision as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecisionRecord {
    /// Row id.
    pub id: i64,
    /// The pair.
    pub candidate_id: i64,
    /// `duplicate`, `not_duplicate` or `needs_info`.
    pub decision: String,
    /// Who.
    pub decided_by: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub decided_at: OffsetDateTime,
    /// Why.
    pub reason: String,
}

const PAIR_COLUMNS: &str =
    "id, patient_a, patient_b, probability, weight, class, contributions, found_at, status";
const DECISION_COLUMNS: &str = "id, candidate_id, decision, decided_by, decided_at, reason";

pub(crate) fn json_of(value: &Value) -> serde_json::Value {
    match value {
        Value::Json(json) => json.clone(),
        Value::Text(text) => serde_json::from_str(text).unwrap_or(serde_json::Value::Null),
        _ => serde_json::Value::Null,
    }
}

fn real(value: &Value) -> f64 {
    match value {
        Value::Real(x) => *x,
        Value::Int(n) => *n as f64,
        _ => 0.0,
    }
}

pub(crate) fn instant(kind: &'static str, row: &Row, idx: usize) -> Result<OffsetDateTime> {
    row.get(idx).as_instant().ok_or_else(|| Error::Corrupt {
        kind,
        id: row.int(0),
        message: format!("column {idx} is not an instant"),
    })
}

fn read_pair(row: &Row) -> Result<CandidatePair> {
    Ok(CandidatePair {
        id: row.int(0),
        patient_a: row.int(1),
        patient_b: row.int(2),
        probability: real(row.get(3)),
        weight: real(row.get(4)),
        class: row.text(5).unwrap_or_default().to_owned(),
        contributions: json_of(row.get(6)),
        found_at: instant("candidate pair", row, 7)?,
        status: row.text(8).unwrap_or_default().to_owned(),
    })
}

fn read_decision(row: &Row) -> Result<DecisionRecord> {
    Ok(DecisionRecord {
        id: row.int(0),
        candidate_id: row.int(1),
        decision: row.text(2).unwrap_or_default().to_owned(),
        decided_by: row.text(3).unwrap_or_default().to_owned(),
        decided_at: instant("pair decision", row, 4)?,
        reason: row.text(5).unwrap_or_default().to_owned(),
    })
}

/// The one number a `COUNT` query answers.
fn count(tx: &mut Tx<'_>, sql: &str, params: &[Value]) -> Result<i64> {
    Ok(tx.query(sql, params)?.first().map_or(0, |row| row.int(0)))
}

/// A required text field that is blank, as a validation error naming it.
pub(crate) fn required(kind: &'static str, field: &str, text: &str) -> Result<()> {
    if text.trim().is_empty() {
        return Err(Error::Invalid {
            kind,
            errors: ValidationErrors(vec![FieldError {
                path: field.into(),
                message: "is required".into(),
            }]),
        });
    }
    Ok(())
}

impl Tx<'_> {
    /// Saves the pairs of a match: new pairs join the queue open, open ones are rescored,
    /// decided ones are left as decided.
    pub fn save_candidate_pairs(&mut self, pairs: &[FoundPair]) -> Result<SavedPairs> {
        let mut saved = SavedPairs::default();
        let now = self.now();
        for pair in pairs {
            let (a, b) = if pair.patient_a <= pair.patient_b {
                (pair.patient_a, pair.patient_b)
            } else {
                (pair.patient_b, pair.patient_a)
            };
            if a == b {
                continue;
            }
            let existing = self.query(
                "SELECT id, status FROM mpi_candidates WHERE patient_a = ? AND patient_b = ?",
                &[Value::Int(a), Value::Int(b)],
            )?;
            let values = [
                Value::Real(pair.probability),
                Value::Real(pair.weight),
                Value::from(pair.class.as_str()),
                Value::Json(pair.contributions.clone()),
                Value::Timestamp(now),
            ];
            match existing.first() {
                None => {
                    let mut params = vec![Value::Int(a), Value::Int(b)];
                    params.extend(values);
                    self.conn().execute(
                        "INSERT INTO mpi_candidates (patient_a, patient_b, probability, weight, class, contributions, found_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'open')",
                        &params,
                    )?;
                    saved.added += 1;
                }
                Some(row) if matches!(row.text(1), Some("open" | "needs_info")) => {
                    let mut params = values.to_vec();
                    params.push(Value::Int(row.int(0)));
                    self.conn().execute(
                        "UPDATE mpi_candidates SET probability = ?, weight = ?, class = ?, contributions = ?, found_at = ? WHERE id = ?",
                        &params,
                    )?;
                    saved.rescored += 1;
                }
                Some(_) => saved.already_decided += 1,
            }
        }
        Ok(saved)
    }

    /// The pair with `id`.
    pub fn candidate_pair(&mut self, id: i64) -> Result<CandidatePair> {
        let rows = self.query(
            &format!("SELECT {PAIR_COLUMNS} FROM mpi_candidates WHERE id = ?"),
            &[Value::Int(id)],
        )?;
        rows.first()
            .map(read_pair)
            .transpose()?
            .ok_or(Error::NotFound {
                kind: "candidate pair",
                id,
            })
    }

    /// Pairs by status (`open`, `needs_info`, ...), most probable first, at most `limit`;
    /// pairs naming a retired (merged or deleted) patient are left out.
    pub fn candidate_pairs(&mut self, statuses: &[&str], limit: i64) -> Result<Vec<CandidatePair>> {
        if statuses.is_empty() {
            return Ok(Vec::new());
        }
        let marks = vec!["?"; statuses.len()].join(", ");
        let params: Vec<Value> = statuses.iter().map(|s| Value::from(*s)).collect();
        self.query(
            &format!(
                "SELECT {PAIR_COLUMNS} FROM mpi_candidates WHERE status IN ({marks}) AND NOT EXISTS (SELECT 1 FROM patients p WHERE p.id IN (patient_a, patient_b) AND p.deleted_at IS NOT NULL) ORDER BY probability DESC, id LIMIT {}",
                limit.max(0)
            ),
            &params,
        )?
        .iter()
        .map(read_pair)
        .collect()
    }

    /// Every pair naming a patient, whatever its status.
    pub fn candidate_pairs_of(&mut self, patient_id: i64) -> Result<Vec<CandidatePair>> {
        self.query(
            &format!(
                "SELECT {PAIR_COLUMNS} FROM mpi_candidates WHERE (patient_a = ? OR patient_b = ?) ORDER BY id"
            ),
            &[Value::Int(patient_id), Value::Int(patient_id)],
        )?
        .iter()
        .map(read_pair)
        .collect()
    }

    /// A pair's decisions, oldest first.
    pub fn pair_decisions(&mut self, candidate_id: i64) -> Result<Vec<DecisionRecord>> {
        self.query(
            &format!(
                "SELECT {DECISION_COLUMNS} FROM mpi_decisions WHERE candidate_id = ? ORDER BY id"
            ),
            &[Value::Int(candidate_id)],
        )?
        .iter()
        .map(read_decision)
        .collect()
    }

    /// The pair of two patients, if matching ever found it.
    pub fn candidate_pair_of(&mut self, one: i64, other: i64) -> Result<Option<CandidatePair>> {
        let (a, b) = (one.min(other), one.max(other));
        let rows = self.query(
            &format!(
                "SELECT {PAIR_COLUMNS} FROM mpi_candidates WHERE patient_a = ? AND patient_b = ?"
            ),
            &[Value::Int(a), Value::Int(b)],
        )?;
        rows.first().map(read_pair).transpose()
    }

    /// A patient's current encounters: the queue shows each chart's size beside the pair.
    pub fn encounter_count(&mut self, patient_id: i64) -> Result<i64> {
        count(
            self,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM encounters WHERE patient_id = ? AND deleted_at IS NULL",
            &[Value::Int(patient_id)],
        )
    }
}

impl Audited<'_> {
    /// Records a reviewer's decision on pair `candidate_id` with its reason, and audits it
    /// as a change touching both patients. A merged pair is not decided again.
    pub fn decide_pair(
        &mut self,
        candidate_id: i64,
        decision: PairDecision,
        reason: &str,
        by: AuditEvent,
    ) -> Result<DecisionRecord> {
        required("pair decision", "reason", reason)?;
        let pair = self.records().candidate_pair(candidate_id)?;
        if pair.status == "merged" {
            return Err(Error::Conflict(format!(
                "candidate pair {candidate_id} was merged already; unmerge it to decide again"
            )));
        }
        let status = decision.as_str();
        let now = self.now();
        let row = self
            .conn()
            .query_one(
                &format!(
                    "INSERT INTO mpi_decisions (candidate_id, decision, decided_by, decided_at, reason) VALUES (?, ?, ?, ?, ?) RETURNING {DECISION_COLUMNS}"
                ),
                &[
                    Value::Int(candidate_id),
                    Value::from(status),
                    Value::from(by.user.as_str()),
                    Value::Timestamp(now),
                    Value::from(reason.trim()),
                ],
            )?
            .ok_or_else(|| Error::Database("insert into mpi_decisions returned no row".into()))?;
        let record = read_decision(&row)?;
        self.conn().execute(
            "UPDATE mpi_candidates SET status = ? WHERE id = ?",
            &[Value::from(status), Value::Int(candidate_id)],
        )?;
        let mut event = by
            .patients(&[PatientId(pair.patient_a), PatientId(pair.patient_b)])
            .record("mpi_candidate", candidate_id)
            .categories(&[DataCategory::Demographics])
            .reason(reason.trim())
            .changes(
                Some(json!({ "status": pair.status }).to_string()),
                Some(json!({ "status": status, "decision_id": record.id }).to_string()),
            );
        event.action = Action::Update;
        self.append(&event)?;
        Ok(record)
    }
}

/// A trained match model as kept (schema 30): the newest is in force.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SavedModel {
    /// Row id.
    pub id: i64,
    /// When the match that estimated it ran.
    #[serde(with = "time::serde::rfc3339")]
    pub trained_at: OffsetDateTime,
    /// Who ran it.
    pub trained_by: String,
    /// Patients matched.
    pub n_patients: i64,
    /// Pairs compared.
    pub n_compared: i64,
    /// The model (the `mpi` crate's JSON).
    pub model: serde_json::Value,
}

impl Tx<'_> {
    /// Keeps a trained model; it is in force from now on. Returns its id.
    pub fn save_mpi_model(
        &mut self,
        trained_by: &str,
        n_patients: i64,
        n_compared: i64,
        model: &serde_json::Value,
    ) -> Result<i64> {
        let now = self.now();
        let row = self
            .conn()
            .query_one(
                "INSERT INTO mpi_models (trained_at, trained_by, n_patients, n_compared, model) VALUES (?, ?, ?, ?, ?) RETURNING id",
                &[
                    Value::Timestamp(now),
                    Value::from(trained_by),
                    Value::Int(n_patients),
                    Value::Int(n_compared),
                    Value::Json(model.clone()),
                ],
            )?
            .ok_or_else(|| Error::Database("insert into mpi_models returned no row".into()))?;
        Ok(row.int(0))
    }

    /// The model in force: the newest kept, if any.
    pub fn latest_mpi_model(&mut self) -> Result<Option<SavedModel>> {
        let rows = self.query(
            "SELECT id, trained_at, trained_by, n_patients, n_compared, model FROM mpi_models ORDER BY id DESC LIMIT 1",
            &[],
        )?;
        rows.first()
            .map(|row| {
                Ok(SavedModel {
                    id: row.int(0),
                    trained_at: instant("match model", row, 1)?,
                    trained_by: row.text(2).unwrap_or_default().to_owned(),
                    n_patients: row.int(3),
                    n_compared: row.int(4),
                    model: json_of(row.get(5)),
                })
            })
            .transpose()
    }
}

/// The index's figures (see `Store::patient_index_figures`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexFigures {
    /// Current patients.
    pub n_patients: i64,
    /// Open pairs (and those waiting for information) by class: `(class, count, sum of
    /// probabilities)`.
    pub open_by_class: Vec<(String, i64, f64)>,
    /// Pairs waiting for more information.
    pub n_needs_info: i64,
    /// When the oldest open pair was found.
    #[serde(with = "time::serde::rfc3339::option")]
    pub oldest_open: Option<OffsetDateTime>,
    /// Decisions by kind.
    pub decisions: Vec<(String, i64)>,
    /// Every merge's time and whether it still stands.
    pub merges: Vec<(OffsetDateTime, bool)>,
}

impl Store {
    /// The counts the index's metrics are made of, in one snapshot.
    pub fn patient_index_figures(&self) -> Result<IndexFigures> {
        self.read(|tx| {
            let n_patients = count(
                tx,
                "SELECT CAST(COUNT(*) AS BIGINT) FROM patients WHERE deleted_at IS NULL",
                &[],
            )?;
            let open_by_class = tx
                .query(
                    "SELECT class, CAST(COUNT(*) AS BIGINT), SUM(probability) FROM mpi_candidates WHERE status IN ('open', 'needs_info') GROUP BY class ORDER BY class",
                    &[],
                )?
                .iter()
                .map(|row| {
                    (
                        row.text(0).unwrap_or_default().to_owned(),
                        row.int(1),
                        real(row.get(2)),
                    )
                })
                .collect();
            let n_needs_info = count(
                tx,
                "SELECT CAST(COUNT(*) AS BIGINT) FROM mpi_candidates WHERE status = 'needs_info'",
                &[],
            )?;
            let oldest_open = tx
                .query(
                    "SELECT found_at FROM mpi_candidates WHERE status IN ('open', 'needs_info') ORDER BY found_at LIMIT 1",
                    &[],
                )?
                .first()
                .and_then(|row| row.get(0).as_instant());
            let decisions = tx
                .query(
                    "SELECT decision, CAST(COUNT(*) AS BIGINT) FROM mpi_decisions GROUP BY decision ORDER BY decision",
                    &[],
                )?
                .iter()
                .map(|row| (row.text(0).unwrap_or_default().to_owned(), row.int(1)))
                .collect();
            let merges = tx
                .query("SELECT merged_at, status FROM mpi_merges ORDER BY id", &[])?
                .iter()
                .filter_map(|row| {
                    Some((row.get(0).as_instant()?, row.text(1) == Some("merged")))
                })
                .collect();
            Ok(IndexFigures {
                n_patients,
                open_by_class,
                n_needs_info,
                oldest_open,
                decisions,
                merges,
            })
        })
    }
}
