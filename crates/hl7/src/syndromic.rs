//! Syndromic surveillance export: a day's visits as HL7 v2.5.1 ADT messages in the shape
//! of the PHIN Messaging Guide for Syndromic Surveillance, release 2.0 (A04 registration of
//! an emergency or outpatient visit, A01 admission, A03 discharge, A08 update), batched
//! in one file (FHS, BHS, the messages, BTS, FTS).
//!
//! What leaves, and what does not (the guide's data is a limited data set, 164.514(e)):
//! - PID-3 is the chart's record number in Chartroom (`PI`, patient internal identifier),
//!   unique in the facility and stable across visits as the guide requires for linking,
//!   never the MRN; PID-5 is the guide's empty name (`~^^^^^^S`).
//! - PID-7 is the birth date cut to its month (DTM allows reduced precision); the age on
//!   the visit day goes in OBX 21612-7 (days under a month, months under two years,
//!   years after), which is what surveillance counts by.
//! - PID-11 carries only city, state, ZIP and country: no street.
//! - No phone, no e-mail, no provider names.
//!
//! Invariants: every message and the whole batch re-parse with `parse` and `parse_batch`;
//! cancelled and entered-in-error visits are not sent; nothing here writes.

use crate::escape::escape;
use crate::message::{Delimiters, Message, parse};
use crate::write::{SegmentWriter, format_ts, outbound_msh};
use records::{Diagnosis, Encounter, EncounterClass, EncounterStatus, Patient};
use store::{Stored, Tx, Value};
use time::{Date, OffsetDateTime, Time};

/// The facility the visits happened at (MSH-4, EVN-7, the authority of PID-3 and PV1-19).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facility {
    /// Its name.
    pub name: String,
    /// Its NPI, when it has one.
    pub npi: Option<String>,
}

/// Which ADT event a visit's message reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A01: an inpatient admitted.
    A01,
    /// A03: a visit ended (discharge).
    A03,
    /// A04: an emergency or outpatient visit registered.
    A04,
    /// A08: a visit's data changed (a diagnosis coded later).
    A08,
}

impl Event {
    /// The trigger event code.
    pub fn code(self) -> &'static str {
        match self {
            Self::A01 => "A01",
            Self::A03 => "A03",
            Self::A04 => "A04",
            Self::A08 => "A08",
        }
    }

    fn structure(self) -> &'static str {
        match self {
            Self::A03 => "ADT_A03",
            _ => "ADT_A01",
        }
    }
}

/// One message of the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyndromicMessage {
    /// The visit.
    pub encounter_id: i64,
    /// Whose visit.
    pub patient_id: i64,
    /// Which event.
    pub event: Event,
    /// The message (segments end with CR).
    pub text: String,
}

/// A day's batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyndromicBatch {
    /// The day.
    pub day: Date,
    /// BHS-11, the batch control id.
    pub control_id: String,
    /// The messages, in visit then event order.
    pub messages: Vec<SyndromicMessage>,
    /// The whole file: FHS, BHS, the messages, BTS, FTS.
    pub text: String,
}

fn hd(facility: &Facility) -> Vec<&str> {
    match &facility.npi {
        Some(npi) => vec![facility.name.as_str(), npi.as_str(), "NPI"],
        None => vec![facility.name.as_str()],
    }
}

fn ymd(day: Date) -> String {
    format!(
        "{:04}{:02}{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

/// Age on `day` as the guide's OBX 21612-7 wants it: value and UCUM unit.
fn age(birth: Date, day: Date) -> (i64, &'static str, &'static str) {
    let mut months = i64::from(day.year() - birth.year()) * 12 + i64::from(u8::from(day.month()))
        - i64::from(u8::from(birth.month()));
    if day.day() < birth.day() {
        months -= 1;
    }
    if months < 1 {
        ((day - birth).whole_days().max(0), "d", "day")
    } else if months < 24 {
        (months, "mo", "month")
    } else {
        (months / 12, "a", "year")
    }
}

/// The guide's facility / visit type (SS003, HSLOC and NUCC codes).
fn visit_type(class: EncounterClass) -> [&'static str; 3] {
    match class {
        EncounterClass::Emergency => ["1108-0", "Emergency Care", "HSLOC"],
        EncounterClass::Inpatient => ["1021-5", "Inpatient Practice Setting", "HSLOC"],
        EncounterClass::Outpatient | EncounterClass::Telehealth => {
            ["261QP2300X", "Primary Care", "HCPTNUCC"]
        }
    }
}

/// One visit's message for `event`.
pub fn syndromic_message(
    facility: &Facility,
    patient: &Stored<Patient>,
    encounter: &Stored<Encounter>,
    diagnoses: &[Stored<Diagnosis>],
    event: Event,
    now: OffsetDateTime,
    control_id: &str,
) -> String {
    let d = Delimiters::default();
    let mut out = String::new();
    let e = &encounter.record;
    let p = &patient.record;
    outbound_msh(
        &mut out,
        d,
        now,
        &["ADT", event.code(), event.structure()],
        control_id,
        &[
            &[],
            &[],
            &["NE"],
            &["NE"],
            &[],
            &[],
            &[],
            &[],
            &[
                "PH_SS-NoAck",
                "SS Sender",
                "2.16.840.1.114222.4.10.3",
                "ISO",
            ],
        ],
    );
    let facility_hd = hd(facility);
    let recorded = match event {
        Event::A01 | Event::A04 => e.admit_at,
        Event::A03 => e.discharge_at.unwrap_or(encounter.meta.updated_at),
        Event::A08 => encounter.meta.updated_at,
    };
    SegmentWriter::new(&mut out, d, "EVN")
        .skip(1)
        .field(&[&format_ts(recorded)])
        .skip(4)
        .field(&facility_hd)
        .end();
    // PID is written by hand: CX-4 carries subcomponents (`name&npi&NPI`) and PID-5 a
    // repetition, which the segment writer would escape; every value is escaped here.
    let esc = |v: &str| escape(v, &d);
    let authority = match &facility.npi {
        Some(npi) => format!("{}&{}&NPI", esc(&facility.name), esc(npi)),
        None => esc(&facility.name),
    };
    let birth_month = format!(
        "{:04}{:02}",
        p.birth_date.year(),
        u8::from(p.birth_date.month())
    );
    let a = &p.address;
    let s = |v: &Option<String>| esc(v.as_deref().unwrap_or_default());
    let zip: String = a
        .postal_code
        .as_deref()
        .unwrap_or_default()
        .chars()
        .take(5)
        .collect();
    let mut pid = format!(
        "PID|1||{}^^^{authority}^PI||~^^^^^^S||{birth_month}|{}|||^^{}^{}^{}^{}",
        patient.meta.id,
        esc(p.sex.code()),
        s(&a.city),
        s(&a.state),
        esc(&zip),
        s(&a.country),
    );
    if let Some(died) = p.deceased_date {
        // PID-29 and PID-30 follow PID-11 after seventeen fields.
        pid.push_str(&"|".repeat(18));
        pid.push_str(&format!("{}|Y", ymd(died)));
    }
    out.push_str(&pid);
    out.push('\r');
    let class = match e.class {
        EncounterClass::Emergency => "E",
        EncounterClass::Inpatient => "I",
        EncounterClass::Outpatient | EncounterClass::Telehealth => "O",
    };
    let visit = format!("{}", encounter.meta.id);
    let mut pv1 = SegmentWriter::new(&mut out, d, "PV1");
    pv1.field(&["1"])
        .field(&[class])
        .skip(16)
        .field(&[&visit, "", "", "", "VN"]);
    pv1.skip(16)
        .field(&[if event == Event::A03 {
            e.discharge_disposition.as_deref().unwrap_or("")
        } else {
            ""
        }])
        .skip(7)
        .field(&[&format_ts(e.admit_at)])
        .field(&[&e
            .discharge_at
            .filter(|_| event == Event::A03)
            .map(format_ts)
            .unwrap_or_default()])
        .end();
    let reason = e.reason.clone().unwrap_or_default();
    if !reason.is_empty() {
        SegmentWriter::new(&mut out, d, "PV2")
            .skip(2)
            .field(&["", &reason])
            .end();
    }
    let (age_value, unit, unit_name) = age(p.birth_date, e.admit_at.date());
    let age_value = age_value.to_string();
    let mut obx = 0;
    let mut next = || {
        obx += 1;
        obx.to_string()
    };
    SegmentWriter::new(&mut out, d, "OBX")
        .field(&[&next()])
        .field(&["CWE"])
        .field(&["SS003", "Facility / Visit Type", "PHINQUESTION"])
        .skip(1)
        .field(&visit_type(e.class))
        .skip(5)
        .field(&["F"])
        .end();
    SegmentWriter::new(&mut out, d, "OBX")
        .field(&[&next()])
        .field(&["NM"])
        .field(&["21612-7", "Age Time Patient Reported", "LN"])
        .skip(1)
        .field(&[&age_value])
        .field(&[unit, unit_name, "UCUM"])
        .skip(4)
        .field(&["F"])
        .end();
    if !reason.is_empty() {
        SegmentWriter::new(&mut out, d, "OBX")
            .field(&[&next()])
            .field(&["TX"])
            .field(&["8661-1", "Chief Complaint - Reported", "LN"])
            .skip(1)
            .field(&[&reason])
            .skip(5)
            .field(&["F"])
            .end();
    }
    // DG1-6 (table 0052): F once the visit is finished, W (working) before.
    let kind = if e.status == EncounterStatus::Finished {
        "F"
    } else {
        "W"
    };
    for (idx, diagnosis) in diagnoses.iter().enumerate() {
        let dx = &diagnosis.record;
        SegmentWriter::new(&mut out, d, "DG1")
            .field(&[&(idx + 1).to_string()])
            .skip(1)
            .field(&[
                &dx.code,
                dx.description.as_deref().unwrap_or_default(),
                "I10C",
            ])
            .skip(2)
            .field(&[kind])
            .end();
    }
    out
}

fn day_bounds(day: Date) -> (OffsetDateTime, OffsetDateTime) {
    let start = day.with_time(Time::MIDNIGHT).assume_utc();
    (start, start + time::Duration::days(1))
}

/// The events a visit had on `day` (UTC): registered (A04) or admitted (A01) that day,
/// discharged that day (A03), or else changed that day (A08).
fn events_of(encounter: &Stored<Encounter>, day: Date, coded_that_day: bool) -> Vec<Event> {
    let e = &encounter.record;
    let mut events = Vec::new();
    if e.admit_at.date() == day {
        events.push(if e.class == EncounterClass::Inpatient {
            Event::A01
        } else {
            Event::A04
        });
    }
    if e.discharge_at.is_some_and(|at| at.date() == day) {
        events.push(Event::A03);
    }
    if events.is_empty() && (coded_that_day || encounter.meta.updated_at.date() == day) {
        events.push(Event::A08);
    }
    events
}

/// The day's batch: every visit registered, admitted, discharged or changed on `day`
/// (UTC), each event one message, in one FHS/BHS file.
pub fn syndromic_batch(
    tx: &mut Tx<'_>,
    facility: &Facility,
    day: Date,
    now: OffsetDateTime,
    batch_control: &str,
) -> store::Result<SyndromicBatch> {
    let (start, end) = day_bounds(day);
    let at = |v: OffsetDateTime| Value::Timestamp(v);
    let mut visits = tx.select::<Encounter>(
        "(admit_at >= ? AND admit_at < ?) OR (discharge_at >= ? AND discharge_at < ?) OR (updated_at >= ? AND updated_at < ?)",
        &[at(start), at(end), at(start), at(end), at(start), at(end)],
        "id",
        i64::MAX / 2,
    )?;
    let coded = tx.select::<Diagnosis>(
        "created_at >= ? AND created_at < ?",
        &[at(start), at(end)],
        "id",
        i64::MAX / 2,
    )?;
    let coded_visits: std::collections::BTreeSet<i64> =
        coded.iter().map(|d| d.record.encounter_id.0).collect();
    for id in &coded_visits {
        if !visits.iter().any(|v| v.meta.id == *id) {
            visits.push(tx.get::<Encounter>(*id)?);
        }
    }
    visits.sort_by_key(|v| v.meta.id);
    let d = Delimiters::default();
    let mut messages = Vec::new();
    // A visit deleted, cancelled or entered in error was no visit.
    for visit in visits.iter().filter(|v| {
        v.meta.deleted.is_none()
            && !matches!(
                v.record.status,
                EncounterStatus::Cancelled | EncounterStatus::EnteredInError
            )
    }) {
        let events = events_of(visit, day, coded_visits.contains(&visit.meta.id));
        if events.is_empty() {
            continue;
        }
        let patient = tx.get::<Patient>(visit.record.patient_id.0)?;
        let mut diagnoses = tx.select::<Diagnosis>(
            "encounter_id = ?",
            &[Value::Int(visit.meta.id)],
            "sequence, id",
            1000,
        )?;
        diagnoses.retain(|dx| dx.meta.created_at < end);
        for event in events {
            let control = format!("{batch_control}-{}", messages.len() + 1);
            messages.push(SyndromicMessage {
                encounter_id: visit.meta.id,
                patient_id: patient.meta.id,
                event,
                text: syndromic_message(
                    facility, &patient, visit, &diagnoses, event, now, &control,
                ),
            });
        }
    }
    let ts = format_ts(now);
    let facility_hd = hd(facility);
    let mut text = String::new();
    for (name, control) in [
        ("FHS", format!("{batch_control}-F")),
        ("BHS", batch_control.to_owned()),
    ] {
        text.push_str(name);
        text.push(d.field);
        text.push_str(&d.encoding_characters());
        SegmentWriter::new(&mut text, d, "")
            .field(&["CHARTROOM"])
            .field(&facility_hd)
            .skip(2)
            .field(&[&ts])
            .skip(3)
            .field(&[&control])
            .end();
    }
    for message in &messages {
        text.push_str(&message.text);
    }
    SegmentWriter::new(&mut text, d, "BTS")
        .field(&[&messages.len().to_string()])
        .end();
    SegmentWriter::new(&mut text, d, "FTS").field(&["1"]).end();
    Ok(SyndromicBatch {
        day,
        control_id: batch_control.to_owned(),
        messages,
        text,
    })
}

/// A batch file read back: its messages parsed, BTS-1 and FTS-1 checked against what is
/// there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedBatch {
    /// FHS-11 (file control id).
    pub file_control: String,
    /// BHS-11 (batch control id).
    pub batch_control: String,
    /// The messages.
    pub messages: Vec<Message>,
}

/// Reads an HL7 batch file (FHS, BHS, messages, BTS, FTS; segments ending with CR or LF):
/// each message parsed, the counts in BTS-1 and FTS-1 checked; a problem is named with
/// its line.
pub fn parse_batch(text: &str) -> Result<ParsedBatch, String> {
    let lines: Vec<(usize, &str)> = text
        .split(['\r', '\n'])
        .enumerate()
        .map(|(idx, line)| (idx + 1, line))
        .filter(|(_, line)| !line.trim().is_empty())
        .collect();
    let header = |idx: usize, name: &str| -> Result<String, String> {
        let (line, text) = lines
            .get(idx)
            .ok_or_else(|| format!("{name}: missing (the file ends early)"))?;
        if !text.starts_with(name) {
            return Err(format!("line {line}: expected {name}, found {:.3}", text));
        }
        // The header declares its delimiters like MSH: read it as one.
        let as_msh = format!("MSH{}", &text[3..]);
        let parsed = parse(&as_msh).map_err(|e| format!("line {line}: {name}: {e}"))?;
        Ok(parsed
            .msh()
            .map(|m| m.text(11, 1).to_owned())
            .unwrap_or_default())
    };
    let file_control = header(0, "FHS")?;
    let batch_control = header(1, "BHS")?;
    let mut messages = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let mut trailers: Vec<(usize, &str)> = Vec::new();
    let mut flush = |current: &mut Vec<&str>, line: usize| -> Result<(), String> {
        if current.is_empty() {
            return Ok(());
        }
        let text = current.join("\r");
        current.clear();
        let message =
            parse(&text).map_err(|e| format!("message ending before line {line}: {e}"))?;
        messages.push(message);
        Ok(())
    };
    for &(line, text) in lines.iter().skip(2) {
        if text.starts_with("BTS") || text.starts_with("FTS") {
            flush(&mut current, line)?;
            trailers.push((line, text));
        } else if !trailers.is_empty() {
            return Err(format!("line {line}: a segment after the batch trailer"));
        } else {
            if text.starts_with("MSH") {
                flush(&mut current, line)?;
            }
            current.push(text);
        }
    }
    flush(&mut current, lines.len() + 1)?;
    let count = |name: &str| -> Result<(usize, usize), String> {
        let (line, text) = trailers
            .iter()
            .find(|(_, t)| t.starts_with(name))
            .ok_or_else(|| format!("{name}: missing"))?;
        let value = text
            .split('|')
            .nth(1)
            .unwrap_or("")
            .split('^')
            .next()
            .unwrap_or("");
        value
            .trim()
            .parse::<usize>()
            .map(|n| (*line, n))
            .map_err(|_| format!("line {line}: {name}-1 \"{value}\" is not a count"))
    };
    let (line, bts) = count("BTS")?;
    if bts != messages.len() {
        return Err(format!(
            "line {line}: BTS-1 says {bts} message(s), the batch holds {}",
            messages.len()
        ));
    }
    let (line, fts) = count("FTS")?;
    if fts != 1 {
        return Err(format!(
            "line {line}: FTS-1 says {fts} batch(es), the file holds 1"
        ));
    }
    Ok(ParsedBatch {
        file_control,
        batch_control,
        messages,
    })
}

/// Makes the day's batch, audits it and enters each patient's disclosure to `recipient`
/// (public health, 164.512(b); a limited data set is still accountable), then hands the
/// batch to `deliver` (writing the file, or `send` over MLLP) inside the same transaction,
/// so a batch that cannot be delivered leaves no accounting line and an accounting line
/// never lacks its delivery. `via` says how it went, in the audit entry (`written to
/// FILE`, `sent over MLLP to ...`).
#[allow(clippy::too_many_arguments)]
pub fn export_syndromic(
    store: &store::Store,
    trail: &store::AuditTrail,
    who: &privacy::AuditEvent,
    facility: &Facility,
    day: Date,
    recipient: &str,
    via: &str,
    deliver: impl FnOnce(&SyndromicBatch) -> std::io::Result<()>,
) -> store::Result<SyndromicBatch> {
    let now = store.clock().now();
    let control = format!("CR-SS-{}-{}", ymd(day), now.unix_timestamp());
    trail.write(store, |audited| {
        let batch = syndromic_batch(&mut audited.records(), facility, day, now, &control)?;
        let mut patients: Vec<i64> = batch.messages.iter().map(|m| m.patient_id).collect();
        patients.sort_unstable();
        patients.dedup();
        let ids: Vec<records::PatientId> = patients.iter().map(|p| records::PatientId(*p)).collect();
        audited.append(
            &who.clone()
                .patients(&ids)
                .categories(&[
                    privacy::DataCategory::Demographics,
                    privacy::DataCategory::Encounters,
                    privacy::DataCategory::Diagnoses,
                ])
                .reason(&format!(
                    "syndromic surveillance batch {control} for {day} to {recipient}: {} message(s), {} patient(s), {via}",
                    batch.messages.len(),
                    patients.len()
                )),
        )?;
        for patient in &patients {
            let visits = batch.messages.iter().filter(|m| m.patient_id == *patient).count();
            disclosures::enter_disclosure(
                audited,
                who,
                records::Disclosure {
                    patient_id: records::PatientId(*patient),
                    disclosed_at: audited.now(),
                    recipient: recipient.to_owned(),
                    recipient_address: None,
                    description: format!(
                        "syndromic surveillance, limited data set (age, sex, city, ZIP, visit times and type, chief complaint, diagnoses): {visits} ADT message(s) for {day} in batch {control}"
                    ),
                    purpose: "public health syndromic surveillance".into(),
                    legal_basis: records::LegalBasis::PublicHealth,
                    accountable: records::LegalBasis::PublicHealth.accountable(),
                    request_id: None,
                    channel: "hl7-syndromic".into(),
                    made_by: who.user.clone(),
                },
            )?;
        }
        deliver(&batch).map_err(|e| {
            store::Error::Conflict(format!("the batch could not be delivered ({via}): {e}"))
        })?;
        Ok(batch)
    })
}

/// Sends the batch's messages to `destination` over MLLP, each in its own frame on one
/// connection (what an interface engine or the state's MLLP receiver takes; the FHS/BHS
/// envelope is for files). The messages declare `PH_SS-NoAck` (MSH-21), so none is
/// waited for: a completed write is the delivery. For `export_syndromic`'s `deliver`.
pub fn send(
    destination: &crate::Destination,
    batch: &SyndromicBatch,
    timeout: std::time::Duration,
) -> std::io::Result<()> {
    let texts: Vec<&str> = batch.messages.iter().map(|m| m.text.as_str()).collect();
    destination.send_unacknowledged(&texts, timeout)
}
