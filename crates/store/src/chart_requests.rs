//! The paper chart request queue: a clinic asks for a volume by a day; the file room pulls
//! it (the pull list, by home location) and fills the request by checking the volume out to
//! the requester, or cancels it with a reason.
//!
//! Invariants:
//! - A request is `open`, then `filled` (with the check-out movement it caused) or
//!   `cancelled` (with why), once; rows are never deleted.
//! - Filling checks the volume out in the same transaction, so a request is never filled
//!   while its volume stays on the shelf, and a volume already out is refused naming its
//!   holder (as any check-out is).

use crate::chart_volumes::{VOLUME_COLUMNS, read_volume, required};
use crate::error::{Error, Result};
use crate::tx::Tx;
use crate::value::{Row, Value};
use crate::{ChartVolume, fold_name};
use serde::Serialize;
use time::{Date, OffsetDateTime};

/// One request for a chart volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChartRequest {
    /// Its number.
    pub id: i64,
    /// The volume asked for.
    pub volume_id: i64,
    /// Who asks (a person or clinic), and so who takes the chart.
    pub requester: String,
    /// Where the chart goes.
    pub deliver_to: String,
    /// The day it is needed by.
    pub needed_by: Date,
    /// Why (the appointment, the review).
    pub reason: String,
    /// `open`, `filled` or `cancelled`.
    pub status: String,
    /// When it was asked.
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    /// Who recorded it.
    pub requested_by: String,
    /// When it was filled or cancelled.
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    /// By whom.
    pub closed_by: Option<String>,
    /// The check-out movement that filled it.
    pub movement_id: Option<i64>,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
}

/// A line of the pull list: the request, its volume (where it is now) and whose it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PullLine {
    /// The request.
    pub request: ChartRequest,
    /// Its volume as it is now.
    pub volume: ChartVolume,
    /// The patient's MRN.
    pub mrn: String,
    /// The patient's name ("Family, Given").
    pub name: String,
}

const REQUEST_COLUMNS: &str = "r.id, r.volume_id, r.requester, r.deliver_to, r.needed_by, r.reason, r.status, r.requested_at, r.requested_by, r.closed_at, r.closed_by, r.movement_id, r.cancel_reason";
const REQUEST_WIDTH: usize = 13;

fn read_request(row: &Row, at: usize) -> Result<ChartRequest> {
    let corrupt = |what: &str| Error::Corrupt {
        kind: "chart request",
        id: row.int(at),
        message: format!("{what} is unreadable"),
    };
    Ok(ChartRequest {
        id: row.int(at),
        volume_id: row.int(at + 1),
        requester: row.text(at + 2).unwrap_or_default().to_owned(),
        deliver_to: row.text(at + 3).unwrap_or_default().to_owned(),
        needed_by: row
            .get(at + 4)
            .as_date()
            .ok_or_else(|| corrupt("needed_by"))?,
        reason: row.text(at + 5).unwrap_or_default().to_owned(),
        status: row.text(at + 6).unwrap_or_default().to_owned(),
        requested_at: row
            .get(at + 7)
            .as_instant()
            .ok_or_else(|| corrupt("requested_at"))?,
        requested_by: row.text(at + 8).unwrap_or_default().to_owned(),
        closed_at: row.get(at + 9).as_instant(),
        closed_by: row.text(at + 10).map(str::to_owned),
        movement_id: row.get(at + 11).as_int(),
        cancel_reason: row.text(at + 12).map(str::to_owned),
    })
}

/// Which requests to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RequestFilter {
    /// Open requests only (the queue).
    #[default]
    Open,
    /// Every request, newest first.
    All,
}

impl Tx<'_> {
    /// Records a request for the volume with `barcode`, needed by `needed_by` (today or
    /// later), for `requester` at `deliver_to`. An open request for the same volume by the
    /// same requester for the same day is refused, naming it.
    #[allow(clippy::too_many_arguments)]
    pub fn request_chart(
        &mut self,
        barcode: &str,
        requester: &str,
        deliver_to: &str,
        needed_by: Date,
        reason: &str,
        by: &str,
    ) -> Result<ChartRequest> {
        let requester = required(requester, "who asks for the chart")?;
        let deliver_to = required(deliver_to, "where the chart goes")?;
        let reason = required(reason, "why the chart is needed")?;
        let today = self.now().date();
        if needed_by < today {
            return Err(Error::Conflict(format!(
                "needed by {needed_by} is in the past (today is {today})"
            )));
        }
        let volume = self.chart_volume(barcode)?.ok_or_else(|| {
            Error::Conflict(format!(
                "no chart volume has the barcode \"{}\"",
                barcode.trim()
            ))
        })?;
        let same = self.query(
            "SELECT id, requester FROM chart_requests WHERE volume_id = ? AND status = 'open' AND needed_by = ?",
            &[Value::Int(volume.id), Value::Date(needed_by)],
        )?;
        if let Some(row) = same
            .iter()
            .find(|r| fold_name(r.text(1).unwrap_or_default()) == fold_name(requester))
        {
            return Err(Error::Conflict(format!(
                "{} is already requested by {requester} for {needed_by} (request {}); fill or cancel that one",
                volume.barcode,
                row.int(0)
            )));
        }
        let now = self.now();
        let id = self
            .query(
                "INSERT INTO chart_requests (volume_id, requester, deliver_to, needed_by, reason, status, requested_at, requested_by) VALUES (?, ?, ?, ?, ?, 'open', ?, ?) RETURNING id",
                &[
                    Value::Int(volume.id),
                    Value::from(requester),
                    Value::from(deliver_to),
                    Value::Date(needed_by),
                    Value::from(reason),
                    Value::Timestamp(now),
                    Value::from(by),
                ],
            )?
            .first()
            .map(|r| r.int(0))
            .ok_or_else(|| Error::Database("the new request was not returned".into()))?;
        self.chart_request(id)?.ok_or(Error::NotFound {
            kind: "chart request",
            id,
        })
    }

    /// Request `id`.
    pub fn chart_request(&mut self, id: i64) -> Result<Option<ChartRequest>> {
        self.query(
            &format!("SELECT {REQUEST_COLUMNS} FROM chart_requests r WHERE r.id = ?"),
            &[Value::Int(id)],
        )?
        .first()
        .map(|r| read_request(r, 0))
        .transpose()
    }

    fn open_request(&mut self, id: i64) -> Result<ChartRequest> {
        let request = self
            .chart_request(id)?
            .ok_or_else(|| Error::Conflict(format!("there is no chart request {id}")))?;
        if request.status != "open" {
            return Err(Error::Conflict(format!(
                "chart request {id} is already {} ({} by {})",
                request.status,
                request
                    .closed_at
                    .map(|t| t.date().to_string())
                    .unwrap_or_default(),
                request.closed_by.as_deref().unwrap_or("?")
            )));
        }
        Ok(request)
    }

    /// Fills request `id`: checks its volume out to the requester at the place asked for,
    /// due back on `due_back`, and links the movement. Returns the request and the volume.
    pub fn fill_chart_request(
        &mut self,
        id: i64,
        due_back: Date,
        by: &str,
    ) -> Result<(ChartRequest, ChartVolume)> {
        let request = self.open_request(id)?;
        let barcode = self
            .query(
                "SELECT barcode FROM chart_volumes WHERE id = ?",
                &[Value::Int(request.volume_id)],
            )?
            .first()
            .and_then(|r| r.text(0).map(str::to_owned))
            .ok_or(Error::NotFound {
                kind: "chart volume",
                id: request.volume_id,
            })?;
        let note = format!("request {id}: {}", request.reason);
        let volume = self.check_out_chart(
            &barcode,
            &request.requester,
            &request.deliver_to,
            due_back,
            by,
            Some(&note),
        )?;
        let movement = self.last_movement_id(volume.id)?;
        let now = self.now();
        self.query(
            "UPDATE chart_requests SET status = 'filled', closed_at = ?, closed_by = ?, movement_id = ? WHERE id = ? AND status = 'open' RETURNING id",
            &[
                Value::Timestamp(now),
                Value::from(by),
                movement.map_or(Value::Null, Value::Int),
                Value::Int(id),
            ],
        )?;
        let request = self.chart_request(id)?.ok_or(Error::NotFound {
            kind: "chart request",
            id,
        })?;
        Ok((request, volume))
    }

    /// Cancels open request `id`, saying why.
    pub fn cancel_chart_request(
        &mut self,
        id: i64,
        reason: &str,
        by: &str,
    ) -> Result<ChartRequest> {
        let reason = required(reason, "why the request is cancelled")?.to_owned();
        self.open_request(id)?;
        let now = self.now();
        self.query(
            "UPDATE chart_requests SET status = 'cancelled', closed_at = ?, closed_by = ?, cancel_reason = ? WHERE id = ? AND status = 'open' RETURNING id",
            &[
                Value::Timestamp(now),
                Value::from(by),
                Value::from(reason.as_str()),
                Value::Int(id),
            ],
        )?;
        self.chart_request(id)?.ok_or(Error::NotFound {
            kind: "chart request",
            id,
        })
    }

    /// Requests with their volumes and patients: open ones needed by `through` (every open
    /// one when `None`), or every request, newest first.
    pub fn chart_requests(
        &mut self,
        filter: RequestFilter,
        through: Option<Date>,
    ) -> Result<Vec<PullLine>> {
        let volume_columns = VOLUME_COLUMNS
            .split(", ")
            .map(|c| format!("v.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let (condition, order, params) = match (filter, through) {
            (RequestFilter::Open, Some(day)) => (
                "r.status = 'open' AND r.needed_by <= ?",
                "v.home_location, v.barcode, r.needed_by, r.id",
                vec![Value::Date(day)],
            ),
            (RequestFilter::Open, None) => (
                "r.status = 'open'",
                "r.needed_by, v.home_location, v.barcode, r.id",
                vec![],
            ),
            (RequestFilter::All, _) => ("1 = 1", "r.id DESC", vec![]),
        };
        let rows = self.query(
            &format!(
                "SELECT {REQUEST_COLUMNS}, {volume_columns}, p.mrn, p.family_name, p.given_name FROM chart_requests r JOIN chart_volumes v ON v.id = r.volume_id JOIN patients p ON p.id = v.patient_id WHERE {condition} ORDER BY {order}"
            ),
            &params,
        )?;
        rows.iter()
            .map(|row| {
                let volume_at = REQUEST_WIDTH;
                let tail = volume_at + VOLUME_COLUMNS.split(", ").count();
                Ok(PullLine {
                    request: read_request(row, 0)?,
                    volume: read_volume_at(row, volume_at)?,
                    mrn: row.text(tail).unwrap_or_default().to_owned(),
                    name: format!(
                        "{}, {}",
                        row.text(tail + 1).unwrap_or_default(),
                        row.text(tail + 2).unwrap_or_default()
                    ),
                })
            })
            .collect()
    }

    /// The pull list for `day`: open requests needed by that day (earlier ones still open
    /// too), in the order a file clerk walks the shelves (home location, then barcode).
    pub fn pull_list(&mut self, day: Date) -> Result<Vec<PullLine>> {
        self.chart_requests(RequestFilter::Open, Some(day))
    }

    /// The requests of one volume, newest first.
    pub fn chart_requests_of(&mut self, volume_id: i64) -> Result<Vec<ChartRequest>> {
        self.query(
            &format!(
                "SELECT {REQUEST_COLUMNS} FROM chart_requests r WHERE r.volume_id = ? ORDER BY r.id DESC"
            ),
            &[Value::Int(volume_id)],
        )?
        .iter()
        .map(|r| read_request(r, 0))
        .collect()
    }
}

fn read_volume_at(row: &Row, at: usize) -> Result<ChartVolume> {
    let values: Vec<Value> = (at..at + VOLUME_COLUMNS.split(", ").count())
        .map(|i| row.get(i).clone())
        .collect();
    read_volume(&Row(values))
}
