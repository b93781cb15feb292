//! Paper chart volumes: each physical volume's barcode, home and current location, who
//! holds it and until when, and every movement.
//!
//! Invariants:
//! - A volume's barcode is its patient's MRN and volume number (`M00000012-V1`), so a
//!   label read by a scanner names the chart without a lookup table.
//! - Every change of place is a `chart_movements` row written with the volume's new state
//!   in the same transaction; movements are never edited or deleted.
//! - A volume out is checked in or transferred, never checked out twice; one in is never
//!   checked in or transferred.

use crate::error::{Error, Result};
use crate::tx::Tx;
use crate::value::{Row, Value};
use serde::Serialize;
use time::{Date, OffsetDateTime};

/// A physical chart volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChartVolume {
    /// Its number.
    pub id: i64,
    /// The patient.
    pub patient_id: i64,
    /// Volume 1, 2, ... of the patient's paper chart.
    pub volume: i64,
    /// The label's barcode.
    pub barcode: String,
    /// Where it lives (the file room shelf).
    pub home_location: String,
    /// Where it is now.
    pub current_location: String,
    /// Who has it while checked out (a person or department).
    pub holder: Option<String>,
    /// When it is due back while checked out.
    pub due_back: Option<Date>,
    /// When the volume was registered.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// By whom.
    pub created_by: String,
}

impl ChartVolume {
    /// Whether it is checked out.
    pub fn is_out(&self) -> bool {
        self.holder.is_some()
    }
}

/// One movement of a volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChartMovement {
    /// Its number.
    pub id: i64,
    /// The volume.
    pub volume_id: i64,
    /// `created`, `checkout`, `checkin` or `transfer`.
    pub kind: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who recorded it.
    pub by: String,
    /// Where it was.
    pub from_location: Option<String>,
    /// Where it went.
    pub to_location: String,
    /// Who took it (checkout, transfer).
    pub holder: Option<String>,
    /// Due back (checkout, transfer).
    pub due_back: Option<Date>,
    /// A note (the request it answers, say).
    pub note: Option<String>,
}

pub(crate) const VOLUME_COLUMNS: &str = "id, patient_id, volume, barcode, home_location, current_location, holder, due_back, created_at, created_by";
const MOVEMENT_COLUMNS: &str =
    "id, volume_id, kind, at, by_user, from_location, to_location, holder, due_back, note";

pub(crate) fn read_volume(row: &Row) -> Result<ChartVolume> {
    Ok(ChartVolume {
        id: row.int(0),
        patient_id: row.int(1),
        volume: row.int(2),
        barcode: row.text(3).unwrap_or_default().to_owned(),
        home_location: row.text(4).unwrap_or_default().to_owned(),
        current_location: row.text(5).unwrap_or_default().to_owned(),
        holder: row.text(6).map(str::to_owned),
        due_back: row.get(7).as_date(),
        created_at: row.get(8).as_instant().ok_or_else(|| Error::Corrupt {
            kind: "chart volume",
            id: row.int(0),
            message: "created_at is unreadable".into(),
        })?,
        created_by: row.text(9).unwrap_or_default().to_owned(),
    })
}

fn read_movement(row: &Row) -> Result<ChartMovement> {
    Ok(ChartMovement {
        id: row.int(0),
        volume_id: row.int(1),
        kind: row.text(2).unwrap_or_default().to_owned(),
        at: row.get(3).as_instant().ok_or_else(|| Error::Corrupt {
            kind: "chart movement",
            id: row.int(0),
            message: "at is unreadable".into(),
        })?,
        by: row.text(4).unwrap_or_default().to_owned(),
        from_location: row.text(5).map(str::to_owned),
        to_location: row.text(6).unwrap_or_default().to_owned(),
        holder: row.text(7).map(str::to_owned),
        due_back: row.get(8).as_date(),
        note: row.text(9).map(str::to_owned),
    })
}

pub(crate) fn required<'a>(value: &'a str, what: &str) -> Result<&'a str> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::Conflict(format!("{what} is required")));
    }
    Ok(value)
}

fn text_or_null(value: Option<&str>) -> Value {
    value.map_or(Value::Null, Value::from)
}

fn date_or_null(value: Option<Date>) -> Value {
    value.map_or(Value::Null, Value::Date)
}

/// What a movement changes.
struct Move<'a> {
    kind: &'a str,
    to_location: &'a str,
    holder: Option<&'a str>,
    due_back: Option<Date>,
    by: &'a str,
    note: Option<&'a str>,
}

impl Tx<'_> {
    /// Registers the patient's next paper chart volume at its home location.
    pub fn add_chart_volume(
        &mut self,
        patient_id: i64,
        home_location: &str,
        by: &str,
    ) -> Result<ChartVolume> {
        let home = required(home_location, "a home location")?;
        let mrn = self
            .query(
                "SELECT mrn FROM patients WHERE id = ? AND deleted_at IS NULL",
                &[Value::Int(patient_id)],
            )?
            .first()
            .and_then(|r| r.text(0).map(str::to_owned))
            .ok_or(Error::NotFound {
                kind: "patient",
                id: patient_id,
            })?;
        let volume = self
            .query(
                "SELECT CAST(COALESCE(MAX(volume), 0) AS BIGINT) FROM chart_volumes WHERE patient_id = ?",
                &[Value::Int(patient_id)],
            )?
            .first()
            .map_or(0, |r| r.int(0))
            + 1;
        let barcode = format!("{mrn}-V{volume}");
        let now = self.now();
        let row = self
            .query(
                &format!(
                    "INSERT INTO chart_volumes (patient_id, volume, barcode, home_location, current_location, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING {VOLUME_COLUMNS}"
                ),
                &[
                    Value::Int(patient_id),
                    Value::Int(volume),
                    Value::from(barcode.as_str()),
                    Value::from(home),
                    Value::from(home),
                    Value::Timestamp(now),
                    Value::from(by),
                ],
            )?
            .into_iter()
            .next()
            .ok_or_else(|| Error::Database("the new volume was not returned".into()))?;
        let created = read_volume(&row)?;
        self.record_movement(
            &created,
            &Move {
                kind: "created",
                to_location: home,
                holder: None,
                due_back: None,
                by,
                note: None,
            },
        )?;
        Ok(created)
    }

    fn record_movement(&mut self, volume: &ChartVolume, step: &Move<'_>) -> Result<i64> {
        let now = self.now();
        let rows = self.query(
            "INSERT INTO chart_movements (volume_id, kind, at, by_user, from_location, to_location, holder, due_back, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            &[
                Value::Int(volume.id),
                Value::from(step.kind),
                Value::Timestamp(now),
                Value::from(step.by),
                if step.kind == "created" {
                    Value::Null
                } else {
                    Value::from(volume.current_location.as_str())
                },
                Value::from(step.to_location),
                text_or_null(step.holder),
                date_or_null(step.due_back),
                text_or_null(step.note),
            ],
        )?;
        rows.first()
            .map(|r| r.int(0))
            .ok_or_else(|| Error::Database("the new movement was not returned".into()))
    }

    /// The newest movement of a volume (the one a check-out just wrote).
    pub(crate) fn last_movement_id(&mut self, volume_id: i64) -> Result<Option<i64>> {
        Ok(self
            .query(
                "SELECT id FROM chart_movements WHERE volume_id = ? ORDER BY id DESC LIMIT 1",
                &[Value::Int(volume_id)],
            )?
            .first()
            .map(|r| r.int(0)))
    }

    fn move_volume(&mut self, barcode: &str, step: &Move<'_>) -> Result<ChartVolume> {
        let volume = self.chart_volume(barcode)?.ok_or_else(|| {
            Error::Conflict(format!(
                "no chart volume has the barcode \"{}\"",
                barcode.trim()
            ))
        })?;
        match (step.kind, &volume.holder) {
            ("checkout", Some(holder)) => {
                return Err(Error::Conflict(format!(
                    "{} is already checked out to {holder}{}; check it in or transfer it",
                    volume.barcode,
                    volume
                        .due_back
                        .map(|d| format!(", due back {d}"))
                        .unwrap_or_default()
                )));
            }
            ("checkin" | "transfer", None) => {
                return Err(Error::Conflict(format!(
                    "{} is not checked out; it is at {}",
                    volume.barcode, volume.current_location
                )));
            }
            _ => {}
        }
        self.record_movement(&volume, step)?;
        let row = self
            .query(
                &format!(
                    "UPDATE chart_volumes SET current_location = ?, holder = ?, due_back = ? WHERE id = ? RETURNING {VOLUME_COLUMNS}"
                ),
                &[
                    Value::from(step.to_location),
                    text_or_null(step.holder),
                    date_or_null(step.due_back),
                    Value::Int(volume.id),
                ],
            )?
            .into_iter()
            .next()
            .ok_or(Error::NotFound {
                kind: "chart volume",
                id: volume.id,
            })?;
        read_volume(&row)
    }

    /// Checks a volume out to a person or department, at a location, due back on a day.
    pub fn check_out_chart(
        &mut self,
        barcode: &str,
        holder: &str,
        location: &str,
        due_back: Date,
        by: &str,
        note: Option<&str>,
    ) -> Result<ChartVolume> {
        let holder = required(holder, "who takes the chart")?;
        let location = required(location, "where the chart goes")?;
        if due_back < self.now().date() {
            return Err(Error::Conflict(format!(
                "due back {due_back} is in the past"
            )));
        }
        self.move_volume(
            barcode,
            &Move {
                kind: "checkout",
                to_location: location,
                holder: Some(holder),
                due_back: Some(due_back),
                by,
                note,
            },
        )
    }

    /// Hands a checked-out volume on to another holder without returning it.
    pub fn transfer_chart(
        &mut self,
        barcode: &str,
        holder: &str,
        location: &str,
        due_back: Date,
        by: &str,
        note: Option<&str>,
    ) -> Result<ChartVolume> {
        let holder = required(holder, "who takes the chart")?;
        let location = required(location, "where the chart goes")?;
        self.move_volume(
            barcode,
            &Move {
                kind: "transfer",
                to_location: location,
                holder: Some(holder),
                due_back: Some(due_back),
                by,
                note,
            },
        )
    }

    /// Checks a volume back in, at its home location unless another is named.
    pub fn check_in_chart(
        &mut self,
        barcode: &str,
        location: Option<&str>,
        by: &str,
    ) -> Result<ChartVolume> {
        let volume = self.chart_volume(barcode)?.ok_or_else(|| {
            Error::Conflict(format!(
                "no chart volume has the barcode \"{}\"",
                barcode.trim()
            ))
        })?;
        let to = location
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .unwrap_or(&volume.home_location)
            .to_owned();
        self.move_volume(
            barcode,
            &Move {
                kind: "checkin",
                to_location: &to,
                holder: None,
                due_back: None,
                by,
                note: None,
            },
        )
    }

    /// The volume with this barcode (as a scanner types it: case and spaces ignored), or
    /// whose label still says it after a merge relabelled the volume.
    pub fn chart_volume(&mut self, barcode: &str) -> Result<Option<ChartVolume>> {
        let barcode = barcode.trim().to_uppercase();
        let found = self
            .query(
                &format!("SELECT {VOLUME_COLUMNS} FROM chart_volumes WHERE UPPER(barcode) = ?"),
                &[Value::from(barcode.as_str())],
            )?
            .first()
            .map(read_volume)
            .transpose()?;
        match found {
            Some(volume) => Ok(Some(volume)),
            None => self.chart_volume_by_old_label(&barcode),
        }
    }

    /// The volume with record id `id`.
    pub fn chart_volume_by_id(&mut self, id: i64) -> Result<Option<ChartVolume>> {
        self.query(
            &format!("SELECT {VOLUME_COLUMNS} FROM chart_volumes WHERE id = ?"),
            &[Value::Int(id)],
        )?
        .first()
        .map(read_volume)
        .transpose()
    }

    /// A patient's volumes, first volume first.
    pub fn chart_volumes_of(&mut self, patient_id: i64) -> Result<Vec<ChartVolume>> {
        self.query(
            &format!(
                "SELECT {VOLUME_COLUMNS} FROM chart_volumes WHERE patient_id = ? ORDER BY volume"
            ),
            &[Value::Int(patient_id)],
        )?
        .iter()
        .map(read_volume)
        .collect()
    }

    /// A volume's movements, oldest first.
    pub fn chart_movements(&mut self, volume_id: i64) -> Result<Vec<ChartMovement>> {
        self.query(
            &format!(
                "SELECT {MOVEMENT_COLUMNS} FROM chart_movements WHERE volume_id = ? ORDER BY id"
            ),
            &[Value::Int(volume_id)],
        )?
        .iter()
        .map(read_movement)
        .collect()
    }

    /// Volumes checked out and due back before `as_of`, the most overdue first.
    pub fn overdue_charts(&mut self, as_of: Date) -> Result<Vec<ChartVolume>> {
        self.query(
            &format!(
                "SELECT {VOLUME_COLUMNS} FROM chart_volumes WHERE holder IS NOT NULL AND due_back < ? ORDER BY due_back, id"
            ),
            &[Value::Date(as_of)],
        )?
        .iter()
        .map(read_volume)
        .collect()
    }
}
