//! The records desk: every look at and change of a paper chart volume or request, a legal
//! hold or the retention report, each in
//! one transaction with its audit entry, for the command line and the web alike.
//!
//! The store keeps volumes, movements and requests (`store::chart_volumes`,
//! `store::chart_requests`); `chartlabel` draws labels. This module joins them to the audit
//! trail: a change's entry carries the volume's old and new values and names the patient; a
//! read (where is, overdue, the queue, a label) is recorded before anything is returned, in
//! the same transaction that read it.

use crate::archival::audited;
use crate::error::{Error, Result};
use crate::retention::{RetentionReport, Schedule};
pub use chartlabel::Format as LabelFormat;
pub use chartlabel::Symbol as LabelSymbol;
use chartlabel::Symbol;
use chartlabel::{Format, Label};
pub use chartlabel::{PhotoError as LabelPhotoError, read_photo as read_label_photo};
use privacy::{Action, AuditEvent, DataCategory};
use records::PatientId;
use store::{
    AuditTrail, ChartMovement, ChartRequest, ChartVolume, LegalHold, NewHold, PullLine,
    RequestFilter, Store, Tx,
};
use time::Date;

/// Who works the desk, and how their audit entries begin.
pub struct RecordsDesk<'a> {
    /// The audit trail.
    pub trail: &'a AuditTrail,
    /// The store.
    pub store: &'a Store,
    /// Who records movements and requests (`user:NAME`, or a login).
    pub by: &'a str,
    /// A blank audit entry for this person and channel with the action given.
    pub event: &'a dyn Fn(Action) -> AuditEvent,
}

/// A volume with whose chart it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VolumeView {
    /// The volume.
    pub volume: ChartVolume,
    /// The patient's MRN.
    pub mrn: String,
    /// The patient's name ("Family, Given").
    pub name: String,
    /// Every movement, oldest first (empty in lists).
    pub movements: Vec<ChartMovement>,
    /// Its requests, newest first (empty in lists).
    pub requests: Vec<ChartRequest>,
}

/// A volume a merge (or its unmerge) gave a new barcode, whose label still says the old one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ToRelabel {
    /// The volume with its chart, as it is now.
    pub view: VolumeView,
    /// What the label on it says.
    pub label: String,
    /// The merge that moved it last.
    pub merge_id: i64,
}

fn values<T: serde::Serialize>(value: &T) -> Option<String> {
    serde_json::to_string(value).ok()
}

/// Where a volume is, in words.
pub fn place(volume: &ChartVolume) -> String {
    match &volume.holder {
        Some(holder) => format!(
            "checked out to {holder} at {}{}",
            volume.current_location,
            volume
                .due_back
                .map(|d| format!(", due back {d}"))
                .unwrap_or_default()
        ),
        None => format!("at {}", volume.current_location),
    }
}

fn patient_of(tx: &mut Tx<'_>, patient_id: i64) -> Result<(String, String)> {
    let rows = tx.query(
        "SELECT mrn, family_name, given_name FROM patients WHERE id = ?",
        &[store::Value::Int(patient_id)],
    )?;
    let row = rows.first().ok_or(store::Error::NotFound {
        kind: "patient",
        id: patient_id,
    })?;
    Ok((
        row.text(0).unwrap_or_default().to_owned(),
        format!(
            "{}, {}",
            row.text(1).unwrap_or_default(),
            row.text(2).unwrap_or_default()
        ),
    ))
}

fn view(tx: &mut Tx<'_>, volume: ChartVolume, whole: bool) -> Result<VolumeView> {
    let (mrn, name) = patient_of(tx, volume.patient_id)?;
    let (movements, requests) = if whole {
        (
            tx.chart_movements(volume.id)?,
            tx.chart_requests_of(volume.id)?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(VolumeView {
        volume,
        mrn,
        name,
        movements,
        requests,
    })
}

fn no_volume(barcode: &str) -> Error {
    Error::Invalid(format!(
        "no chart volume has the barcode \"{}\"",
        barcode.trim()
    ))
}

impl RecordsDesk<'_> {
    fn read_event(&self, patients: &[PatientId], reason: &str) -> AuditEvent {
        (self.event)(Action::Read)
            .patients(patients)
            .categories(&[DataCategory::Demographics])
            .reason(reason)
    }

    /// One movement with its audit entry (the volume's old and new values).
    fn movement(
        &self,
        barcode: &str,
        what: &str,
        step: impl FnOnce(&mut Tx<'_>) -> store::Result<ChartVolume>,
    ) -> Result<ChartVolume> {
        audited(self.trail, self.store, |audited| {
            let before = if barcode.is_empty() {
                None
            } else {
                audited.records().chart_volume(barcode)?
            };
            let after = step(&mut audited.records())?;
            let event = (self.event)(if before.is_some() {
                Action::Update
            } else {
                Action::Create
            })
            .record("chart_volume", after.id)
            .patient(PatientId(after.patient_id))
            .categories(&[DataCategory::Demographics])
            .reason(&format!(
                "paper chart {} {what}: {}",
                after.barcode,
                place(&after)
            ))
            .changes(before.as_ref().and_then(values), values(&after));
            audited.append(&event)?;
            Ok(after)
        })
    }

    /// Registers the patient's next volume at `home`.
    pub fn register(&self, patient_id: i64, home: &str) -> Result<ChartVolume> {
        self.movement("", "registered", |tx| {
            tx.add_chart_volume(patient_id, home, self.by)
        })
    }

    /// Checks a volume out.
    pub fn check_out(
        &self,
        barcode: &str,
        holder: &str,
        location: &str,
        due_back: Date,
        note: Option<&str>,
    ) -> Result<ChartVolume> {
        self.movement(barcode, "checked out", |tx| {
            tx.check_out_chart(barcode, holder, location, due_back, self.by, note)
        })
    }

    /// Hands a checked-out volume on.
    pub fn transfer(
        &self,
        barcode: &str,
        holder: &str,
        location: &str,
        due_back: Date,
        note: Option<&str>,
    ) -> Result<ChartVolume> {
        self.movement(barcode, "transferred", |tx| {
            tx.transfer_chart(barcode, holder, location, due_back, self.by, note)
        })
    }

    /// Checks a volume in (home unless `location` names another place).
    pub fn check_in(&self, barcode: &str, location: Option<&str>) -> Result<ChartVolume> {
        self.movement(barcode, "checked in", |tx| {
            tx.check_in_chart(barcode, location, self.by)
        })
    }

    /// The volume a scanner read (case and spaces ignored), with its patient, movements and
    /// requests; audited as a read of the patient's demographics. `Ok(None)` when no volume
    /// has that barcode (nothing is recorded then).
    pub fn find(&self, barcode: &str) -> Result<Option<VolumeView>> {
        audited(self.trail, self.store, |audited| {
            let mut tx = audited.records();
            let Some(volume) = tx.chart_volume(barcode)? else {
                return Ok(None);
            };
            let found = view(&mut tx, volume, true)?;
            drop(tx);
            audited.append(&self.read_event(
                &[PatientId(found.volume.patient_id)],
                &format!("where is paper chart {}", found.volume.barcode),
            ))?;
            Ok(Some(found))
        })
    }

    /// Volume `id` (as a page links it), as `find` reads it.
    pub fn find_id(&self, id: i64) -> Result<Option<VolumeView>> {
        let barcode = self
            .store
            .read(|tx| tx.chart_volume_by_id(id))?
            .map(|v| v.barcode);
        match barcode {
            Some(barcode) => self.find(&barcode),
            None => Ok(None),
        }
    }

    /// A patient's volumes with their movements and requests, audited as a read.
    pub fn volumes_of(&self, patient_id: i64) -> Result<Vec<VolumeView>> {
        audited(self.trail, self.store, |audited| {
            let mut tx = audited.records();
            let mut found = Vec::new();
            for volume in tx.chart_volumes_of(patient_id)? {
                found.push(view(&mut tx, volume, true)?);
            }
            drop(tx);
            audited.append(&self.read_event(
                &[PatientId(patient_id)],
                "paper chart volumes of the patient",
            ))?;
            Ok(found)
        })
    }

    /// Volumes checked out past their due date on `as_of`, most overdue first; audited as a
    /// read of every patient listed.
    pub fn overdue(&self, as_of: Date) -> Result<Vec<VolumeView>> {
        audited(self.trail, self.store, |audited| {
            let mut tx = audited.records();
            let mut found = Vec::new();
            for volume in tx.overdue_charts(as_of)? {
                found.push(view(&mut tx, volume, false)?);
            }
            drop(tx);
            let patients: Vec<PatientId> = found
                .iter()
                .map(|v| PatientId(v.volume.patient_id))
                .collect();
            audited.append(
                &self.read_event(&patients, &format!("overdue paper charts as of {as_of}")),
            )?;
            Ok(found)
        })
    }

    /// Volumes whose printed label no longer says their barcode, since a merge moved them to
    /// the surviving chart or an unmerge moved them back (`store::Tx::volumes_to_relabel`);
    /// printing a volume's label takes it off the list. Audited as a read of every patient
    /// listed; an empty list reads no patient's data and writes no entry (the desk page asks
    /// on every view).
    pub fn to_relabel(&self) -> Result<Vec<ToRelabel>> {
        audited(self.trail, self.store, |audited| {
            let mut tx = audited.records();
            let mut found = Vec::new();
            for relabel in tx.volumes_to_relabel()? {
                found.push(ToRelabel {
                    view: view(&mut tx, relabel.volume, false)?,
                    label: relabel.label,
                    merge_id: relabel.merge_id,
                });
            }
            drop(tx);
            let patients: Vec<PatientId> = found
                .iter()
                .map(|r| PatientId(r.view.volume.patient_id))
                .collect();
            if !patients.is_empty() {
                audited.append(
                    &self.read_event(&patients, "paper chart labels to print after a merge"),
                )?;
            }
            Ok(found)
        })
    }

    /// The label of a volume in `format`, audited as a print of the patient's demographics.
    pub fn label(&self, barcode: &str, format: Format) -> Result<(ChartVolume, Vec<u8>)> {
        self.label_with(barcode, format, Symbol::Code128)
    }

    /// The label of a volume in `format` with `symbol` (Code 128 or QR), audited as
    /// `label` is.
    pub fn label_with(
        &self,
        barcode: &str,
        format: Format,
        symbol: Symbol,
    ) -> Result<(ChartVolume, Vec<u8>)> {
        audited(self.trail, self.store, |audited| {
            let mut tx = audited.records();
            let volume = tx
                .chart_volume(barcode)?
                .ok_or_else(|| no_volume(barcode))?;
            let (mrn, name) = patient_of(&mut tx, volume.patient_id)?;
            drop(tx);
            let bytes = chartlabel::render_symbol(
                &Label {
                    barcode: &volume.barcode,
                    name: &name,
                    mrn: &mrn,
                    volume: volume.volume,
                    home: &volume.home_location,
                },
                format,
                symbol,
            )
            .map_err(|e| Error::Invalid(e.to_string()))?;
            audited.append(
                &(self.event)(Action::Print)
                    .record("chart_volume", volume.id)
                    .patient(PatientId(volume.patient_id))
                    .categories(&[DataCategory::Demographics])
                    .reason(&format!(
                        "paper chart label {} ({})",
                        volume.barcode,
                        format.extension()
                    )),
            )?;
            Ok((volume, bytes))
        })
    }

    fn request_event(
        &self,
        action: Action,
        request: &ChartRequest,
        patient_id: i64,
        what: &str,
    ) -> AuditEvent {
        (self.event)(action)
            .record("chart_request", request.id)
            .patient(PatientId(patient_id))
            .categories(&[DataCategory::Demographics])
            .reason(what)
    }

    fn patient_of_volume(tx: &mut Tx<'_>, volume_id: i64) -> Result<(i64, String)> {
        let rows = tx.query(
            "SELECT patient_id, barcode FROM chart_volumes WHERE id = ?",
            &[store::Value::Int(volume_id)],
        )?;
        let row = rows.first().ok_or(store::Error::NotFound {
            kind: "chart volume",
            id: volume_id,
        })?;
        Ok((row.int(0), row.text(1).unwrap_or_default().to_owned()))
    }

    /// Records a request for the volume `barcode`, with its audit entry.
    pub fn request(
        &self,
        barcode: &str,
        requester: &str,
        deliver_to: &str,
        needed_by: Date,
        reason: &str,
    ) -> Result<ChartRequest> {
        audited(self.trail, self.store, |audited| {
            let mut tx = audited.records();
            let request =
                tx.request_chart(barcode, requester, deliver_to, needed_by, reason, self.by)?;
            let (patient, barcode) = Self::patient_of_volume(&mut tx, request.volume_id)?;
            drop(tx);
            audited.append(
                &self
                    .request_event(
                        Action::Create,
                        &request,
                        patient,
                        &format!(
                            "paper chart {barcode} requested by {} for {} at {}: {}",
                            request.requester,
                            request.needed_by,
                            request.deliver_to,
                            request.reason
                        ),
                    )
                    .changes(None, values(&request)),
            )?;
            Ok(request)
        })
    }

    /// Fills request `id`: its volume checked out to the requester, due back `due_back`; one
    /// entry for the request and one for the volume's movement.
    pub fn fill(&self, id: i64, due_back: Date) -> Result<(ChartRequest, ChartVolume)> {
        audited(self.trail, self.store, |audited| {
            let mut tx = audited.records();
            let before_request = tx.chart_request(id)?;
            let before_volume = match &before_request {
                Some(r) => {
                    let (_, barcode) = Self::patient_of_volume(&mut tx, r.volume_id)?;
                    tx.chart_volume(&barcode)?
                }
                None => None,
            };
            let (request, volume) = tx.fill_chart_request(id, due_back, self.by)?;
            drop(tx);
            audited.append(
                &self
                    .request_event(
                        Action::Update,
                        &request,
                        volume.patient_id,
                        &format!(
                            "chart request {id} filled: {} {}",
                            volume.barcode,
                            place(&volume)
                        ),
                    )
                    .changes(before_request.as_ref().and_then(values), values(&request)),
            )?;
            audited.append(
                &(self.event)(Action::Update)
                    .record("chart_volume", volume.id)
                    .patient(PatientId(volume.patient_id))
                    .categories(&[DataCategory::Demographics])
                    .reason(&format!(
                        "paper chart {} checked out for request {id}: {}",
                        volume.barcode,
                        place(&volume)
                    ))
                    .changes(before_volume.as_ref().and_then(values), values(&volume)),
            )?;
            Ok((request, volume))
        })
    }

    /// Cancels request `id`, saying why, with its audit entry.
    pub fn cancel(&self, id: i64, reason: &str) -> Result<ChartRequest> {
        audited(self.trail, self.store, |audited| {
            let mut tx = audited.records();
            let before = tx.chart_request(id)?;
            let request = tx.cancel_chart_request(id, reason, self.by)?;
            let (patient, barcode) = Self::patient_of_volume(&mut tx, request.volume_id)?;
            drop(tx);
            audited.append(
                &self
                    .request_event(
                        Action::Update,
                        &request,
                        patient,
                        &format!(
                            "chart request {id} for {barcode} cancelled: {}",
                            reason.trim()
                        ),
                    )
                    .changes(before.as_ref().and_then(values), values(&request)),
            )?;
            Ok(request)
        })
    }

    /// The request queue (open requests, or every one) or, with `through`, the pull list for
    /// that day; audited as a read of every patient listed.
    pub fn requests(&self, filter: RequestFilter, through: Option<Date>) -> Result<Vec<PullLine>> {
        audited(self.trail, self.store, |audited| {
            let lines = audited.records().chart_requests(filter, through)?;
            let patients: Vec<PatientId> = lines
                .iter()
                .map(|l| PatientId(l.volume.patient_id))
                .collect();
            let what = match (filter, through) {
                (RequestFilter::Open, Some(day)) => format!("paper chart pull list for {day}"),
                (RequestFilter::Open, None) => "paper chart request queue".to_owned(),
                (RequestFilter::All, _) => "paper chart requests, all".to_owned(),
            };
            audited.append(&self.read_event(&patients, &what))?;
            Ok(lines)
        })
    }
}

fn hold_values(hold: &LegalHold) -> Option<String> {
    serde_json::to_string(hold).ok()
}

/// A legal hold with the MRNs of the patients it names.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HoldView {
    /// The hold.
    pub hold: LegalHold,
    /// The MRN of each patient named, in the hold's order.
    pub mrns: Vec<String>,
}

impl RecordsDesk<'_> {
    /// Places a legal hold with its audit entry (the hold's values, every patient named).
    pub fn place_hold(
        &self,
        matter: Option<&str>,
        covers_all: bool,
        patients: &[i64],
        reason: &str,
    ) -> Result<LegalHold> {
        audited(self.trail, self.store, |audited| {
            let hold = audited.records().place_hold(&NewHold {
                matter,
                covers_all,
                patients,
                reason,
                placed_by: self.by,
            })?;
            let people: Vec<PatientId> = hold.patients.iter().map(|&id| PatientId(id)).collect();
            audited.append(
                &(self.event)(Action::Create)
                    .record("legal_hold", hold.id)
                    .patients(&people)
                    .categories(&[DataCategory::Demographics])
                    .reason(&format!("legal hold placed: {}", hold.reason))
                    .changes(None, hold_values(&hold)),
            )?;
            Ok(hold)
        })
    }

    /// Releases hold `id` with its audit entry (old and new values).
    pub fn release_hold(&self, id: i64, reason: &str) -> Result<LegalHold> {
        audited(self.trail, self.store, |audited| {
            let before = audited.records().legal_hold(id)?;
            let hold = audited.records().release_hold(id, self.by, reason)?;
            let people: Vec<PatientId> = hold.patients.iter().map(|&id| PatientId(id)).collect();
            audited.append(
                &(self.event)(Action::Update)
                    .record("legal_hold", hold.id)
                    .patients(&people)
                    .categories(&[DataCategory::Demographics])
                    .reason(&format!("legal hold released: {}", reason.trim()))
                    .changes(before.as_ref().and_then(hold_values), hold_values(&hold)),
            )?;
            Ok(hold)
        })
    }

    /// Legal holds (in force, or every one ever placed) with the MRNs they name, audited
    /// as a read of those patients.
    pub fn holds(&self, include_released: bool) -> Result<Vec<HoldView>> {
        audited(self.trail, self.store, |audited| {
            let mut tx = audited.records();
            let mut shown = Vec::new();
            for hold in tx.legal_holds(include_released)? {
                let mut mrns = Vec::new();
                for &id in &hold.patients {
                    mrns.push(patient_of(&mut tx, id).map_or_else(|_| format!("#{id}"), |p| p.0));
                }
                shown.push(HoldView { hold, mrns });
            }
            drop(tx);
            let people: Vec<PatientId> = shown
                .iter()
                .flat_map(|h| h.hold.patients.iter().map(|&id| PatientId(id)))
                .collect();
            audited.append(&self.read_event(
                &people,
                if include_released {
                    "legal holds, all"
                } else {
                    "legal holds in force"
                },
            ))?;
            Ok(shown)
        })
    }

    /// The retention report as of `as_of`, audited as a read of demographics and
    /// encounters before it is computed (as the command line does).
    pub fn retention_report(&self, schedule: &Schedule, as_of: Date) -> Result<RetentionReport> {
        self.trail.record(
            self.store,
            &(self.event)(Action::Read)
                .categories(&[DataCategory::Demographics, DataCategory::Encounters])
                .reason(&format!("retention report as of {as_of}")),
        )?;
        Ok(self
            .store
            .read_beside_writers(|tx| crate::retention::report(tx, schedule, as_of))?)
    }
}
