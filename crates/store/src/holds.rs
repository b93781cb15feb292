//! Legal holds: who placed a hold on which records, when and why, and its release.
//!
//! Invariants:
//! - A hold is never deleted or edited: placing inserts it, releasing fills in the
//!   release once (a second release is refused naming the first), so released holds are
//!   their own history.
//! - A hold lists its patients, or covers every record (a matter hold over the store,
//!   which must name its matter); it always has a reason.

use crate::error::{Error, Result};
use crate::tx::Tx;
use crate::value::{Row, Value};
use serde::Serialize;
use time::OffsetDateTime;

/// A legal hold as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegalHold {
    /// Its number.
    pub id: i64,
    /// The matter (case, investigation, request) it is for.
    pub matter: Option<String>,
    /// Whether it covers every record rather than the patients it lists.
    pub covers_all: bool,
    /// The patients it covers (record ids), when it does not cover every record.
    pub patients: Vec<i64>,
    /// Why it was placed.
    pub reason: String,
    /// Who placed it.
    pub placed_by: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub placed_at: OffsetDateTime,
    /// Its release, once released.
    pub release: Option<HoldRelease>,
}

/// Who released a hold, when and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HoldRelease {
    /// Who.
    pub by: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Why.
    pub reason: String,
}

impl LegalHold {
    /// Whether the hold is in force.
    pub fn active(&self) -> bool {
        self.release.is_none()
    }

    /// Whether it covers the patient's records.
    pub fn covers(&self, patient_id: i64) -> bool {
        self.covers_all || self.patients.binary_search(&patient_id).is_ok()
    }
}

/// A hold to place.
#[derive(Debug, Clone)]
pub struct NewHold<'a> {
    /// The matter.
    pub matter: Option<&'a str>,
    /// Every record rather than listed patients.
    pub covers_all: bool,
    /// The patients (record ids).
    pub patients: &'a [i64],
    /// Why.
    pub reason: &'a str,
    /// Who places it.
    pub placed_by: &'a str,
}

const COLUMNS: &str =
    "id, matter, covers, reason, placed_by, placed_at, released_by, released_at, release_reason";

fn read_hold(row: &Row) -> Result<LegalHold> {
    let id = row.int(0);
    let corrupt = |what: &str| Error::Corrupt {
        kind: "legal hold",
        id,
        message: format!("{what} is unreadable"),
    };
    let placed_at = row
        .get(5)
        .as_instant()
        .ok_or_else(|| corrupt("placed_at"))?;
    let release = row.get(7).as_instant().map(|at| HoldRelease {
        by: row.text(6).unwrap_or_default().to_owned(),
        at,
        reason: row.text(8).unwrap_or_default().to_owned(),
    });
    Ok(LegalHold {
        id,
        matter: row.text(1).map(str::to_owned),
        covers_all: row.text(2) == Some("all"),
        patients: Vec::new(),
        reason: row.text(3).unwrap_or_default().to_owned(),
        placed_by: row.text(4).unwrap_or_default().to_owned(),
        placed_at,
        release,
    })
}

impl Tx<'_> {
    /// Places a hold; refuses one without a reason, without patients (unless it covers
    /// every record, which needs a matter), or naming a patient that does not exist.
    pub fn place_hold(&mut self, hold: &NewHold<'_>) -> Result<LegalHold> {
        let reason = hold.reason.trim();
        if reason.is_empty() {
            return Err(Error::Conflict("a legal hold needs a reason".into()));
        }
        let matter = hold.matter.map(str::trim).filter(|m| !m.is_empty());
        if hold.covers_all && matter.is_none() {
            return Err(Error::Conflict(
                "a hold over every record needs the matter it is for".into(),
            ));
        }
        if hold.covers_all && !hold.patients.is_empty() {
            return Err(Error::Conflict(
                "a hold covers either every record or the patients it lists, not both".into(),
            ));
        }
        if !hold.covers_all && hold.patients.is_empty() {
            return Err(Error::Conflict(
                "a legal hold names at least one patient, or covers every record".into(),
            ));
        }
        let mut patients = hold.patients.to_vec();
        patients.sort_unstable();
        patients.dedup();
        for &patient in &patients {
            if self
                .query(
                    "SELECT id FROM patients WHERE id = ?",
                    &[Value::Int(patient)],
                )?
                .is_empty()
            {
                return Err(Error::NotFound {
                    kind: "patient",
                    id: patient,
                });
            }
        }
        let now = self.now();
        let row = self
            .query(
                &format!(
                    "INSERT INTO legal_holds (matter, covers, reason, placed_by, placed_at) VALUES (?, ?, ?, ?, ?) RETURNING {COLUMNS}"
                ),
                &[
                    matter.map_or(Value::Null, Value::from),
                    Value::from(if hold.covers_all { "all" } else { "patients" }),
                    Value::from(reason),
                    Value::from(hold.placed_by),
                    Value::Timestamp(now),
                ],
            )?
            .into_iter()
            .next()
            .ok_or_else(|| Error::Database("the new hold was not returned".into()))?;
        let mut placed = read_hold(&row)?;
        for &patient in &patients {
            self.query(
                "INSERT INTO legal_hold_patients (hold_id, patient_id) VALUES (?, ?) RETURNING hold_id",
                &[Value::Int(placed.id), Value::Int(patient)],
            )?;
        }
        placed.patients = patients;
        Ok(placed)
    }

    /// Releases a hold in force, with who, when (the transaction's time) and why.
    pub fn release_hold(&mut self, id: i64, by: &str, reason: &str) -> Result<LegalHold> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Error::Conflict(
                "releasing a legal hold needs a reason".into(),
            ));
        }
        let hold = self.legal_hold(id)?.ok_or(Error::NotFound {
            kind: "legal hold",
            id,
        })?;
        if let Some(release) = &hold.release {
            return Err(Error::Conflict(format!(
                "legal hold {id} was already released by {} at {}",
                release.by, release.at
            )));
        }
        let now = self.now();
        self.query(
            "UPDATE legal_holds SET released_by = ?, released_at = ?, release_reason = ? WHERE id = ? AND released_at IS NULL RETURNING id",
            &[
                Value::from(by),
                Value::Timestamp(now),
                Value::from(reason),
                Value::Int(id),
            ],
        )?;
        self.legal_hold(id)?.ok_or(Error::NotFound {
            kind: "legal hold",
            id,
        })
    }

    /// One hold with its patients.
    pub fn legal_hold(&mut self, id: i64) -> Result<Option<LegalHold>> {
        let rows = self.query(
            &format!("SELECT {COLUMNS} FROM legal_holds WHERE id = ?"),
            &[Value::Int(id)],
        )?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let mut hold = read_hold(row)?;
        hold.patients = self
            .query(
                "SELECT patient_id FROM legal_hold_patients WHERE hold_id = ? ORDER BY patient_id",
                &[Value::Int(id)],
            )?
            .iter()
            .map(|r| r.int(0))
            .collect();
        Ok(Some(hold))
    }

    /// Holds, oldest first: those in force, or every hold ever placed.
    pub fn legal_holds(&mut self, include_released: bool) -> Result<Vec<LegalHold>> {
        let filter = if include_released {
            ""
        } else {
            " WHERE released_at IS NULL"
        };
        let mut holds = self
            .query(
                &format!("SELECT {COLUMNS} FROM legal_holds{filter} ORDER BY id"),
                &[],
            )?
            .iter()
            .map(read_hold)
            .collect::<Result<Vec<_>>>()?;
        let links = self.query(
            &format!(
                "SELECT l.hold_id, l.patient_id FROM legal_hold_patients l JOIN legal_holds h ON h.id = l.hold_id{} ORDER BY l.hold_id, l.patient_id",
                filter.replace("released_at", "h.released_at")
            ),
            &[],
        )?;
        for link in &links {
            if let Ok(at) = holds.binary_search_by_key(&link.int(0), |h| h.id) {
                holds[at].patients.push(link.int(1));
            }
        }
        Ok(holds)
    }
}
