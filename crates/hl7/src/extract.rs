//! From a parsed message to a plan of record changes, with every problem located: the
//! pure half of the mapping (no store, no clock).
//!
//! Invariants:
//! - Every problem names the HL7 position it came from and a table 0357 code.
//! - HL7 null semantics (chapter 2.5.3): an absent field leaves the stored value alone, the
//!   explicit null `""` clears it.
//! - Records built here are validated here (with a placeholder patient id), so the
//!   transaction only meets store-side failures.

use crate::ack::Problem;
use crate::error::Location;
use crate::fields::{parse_date, parse_dtm};
use crate::message::{Message, Segment};
use records::{
    AdministrativeSex, EncounterClass, Immunization, ImmunizationStatus, Mrn, Npi, Observation,
    ObservationValue, PatientId, Validate,
};
use time::{Date, OffsetDateTime};

/// A value as HL7 sends it for an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Val<T> {
    /// Not sent: keep what is stored.
    Absent,
    /// `""`: clear it.
    Null,
    /// A new value.
    Set(T),
}

impl<T: Clone> Val<T> {
    /// The value after applying this change to `old`.
    pub(crate) fn apply(&self, old: Option<T>) -> Option<T> {
        match self {
            Self::Absent => old,
            Self::Null => None,
            Self::Set(v) => Some(v.clone()),
        }
    }
}

fn val(text: &str) -> Val<String> {
    match text.trim() {
        "" => Val::Absent,
        "\"\"" => Val::Null,
        t => Val::Set(t.to_owned()),
    }
}

/// What PID says about the patient.
#[derive(Debug, Clone)]
pub(crate) struct PatientPlan {
    /// `authority|mrn`, the external key.
    pub key: String,
    pub mrn: Mrn,
    pub authority: String,
    pub family: Val<String>,
    pub given: Val<String>,
    pub middle: Val<String>,
    pub suffix: Val<String>,
    pub prefix: Val<String>,
    pub birth_date: Val<Date>,
    pub sex: Val<AdministrativeSex>,
    pub line1: Val<String>,
    pub line2: Val<String>,
    pub city: Val<String>,
    pub state: Val<String>,
    pub postal_code: Val<String>,
    pub country: Val<String>,
    /// PID's position, for problems found against stored values.
    pub pid: Location,
}

/// A provider named in PV1-7 with an NPI.
#[derive(Debug, Clone)]
pub(crate) struct ProviderPlan {
    pub npi: Npi,
    pub family: String,
    pub given: String,
}

/// What PV1 says about the visit.
#[derive(Debug, Clone)]
pub(crate) struct VisitPlan {
    pub class: EncounterClass,
    pub planned: bool,
    pub admit_at: OffsetDateTime,
    pub discharge_at: Option<OffsetDateTime>,
    pub disposition: Option<String>,
    pub attending: Option<ProviderPlan>,
    /// `authority|mrn|visit number` (PV1-19), when sent.
    pub key: Option<String>,
    pub pv1: Location,
}

/// One immunization from an ORC/RXA/RXR group.
#[derive(Debug, Clone)]
pub(crate) struct ShotPlan {
    pub record: Immunization,
    /// RXA-21 (table 0206): A add, U update, D delete.
    pub action: char,
    /// `authority|mrn|ORC-3` (filler order number), or the shot's CVX and time.
    pub key: String,
    pub rxa: Location,
}

/// What a message asks for.
#[derive(Debug, Clone)]
pub(crate) enum Plan {
    /// ADT^A01 / A04: register or update the patient, open an encounter.
    Admit(PatientPlan, VisitPlan),
    /// ADT^A08: update the patient.
    Update(PatientPlan),
    /// ADT^A03: discharge.
    Discharge(PatientPlan, VisitPlan),
    /// ORU^R01: observations.
    Results(PatientPlan, Vec<(Observation, Location)>),
    /// VXU^V04: immunizations.
    Vaccinations(PatientPlan, Vec<ShotPlan>),
    /// ADT^A40: merge the chart MRG-1 names into the one PID-3 names.
    Merge(PatientPlan, RetiredPlan),
    /// ADT^A37: undo the merge of the chart the second PID-3 names into the one the first
    /// PID-3 names.
    Unlink(PatientPlan, RetiredPlan),
}

/// The chart an ADT^A40 retires (MRG-1's medical record number), or the one an ADT^A37
/// restores (the second PID-3's).
#[derive(Debug, Clone)]
pub(crate) struct RetiredPlan {
    /// `authority|mrn`, the external key.
    pub key: String,
    pub mrn: Mrn,
    pub authority: String,
    /// The field's position (MRG-1, or the second PID's PID-3).
    pub at: Location,
}

struct Ctx<'a> {
    msg: &'a Message,
    problems: Vec<Problem>,
}

impl<'a> Ctx<'a> {
    fn problem(&mut self, location: Location, code: u16, message: impl Into<String>) {
        self.problems.push(Problem::at(location, code, message));
    }

    fn required(&mut self, name: &str, after: &str) -> Option<&'a Segment> {
        let found = self.msg.first(name);
        if found.is_none() {
            let line = self.msg.segments.len() + 1;
            self.problem(
                Location::segment(name, 1, line),
                100,
                format!("a {name} segment is required after {after}"),
            );
        }
        found
    }

    /// The first usable time among candidate fields.
    fn time(&mut self, seg: &Segment, candidates: &[(&Segment, usize)]) -> Option<OffsetDateTime> {
        for (s, f) in candidates {
            let text = s.text(*f, 1);
            if text.is_empty() || text == "\"\"" {
                continue;
            }
            match parse_dtm(text) {
                Ok(at) => return Some(at),
                Err(e) => {
                    let loc = self.msg.locate(s, *f, 1);
                    self.problem(loc, 102, e);
                    return None;
                }
            }
        }
        let loc = self
            .msg
            .locate(seg, candidates.first().map_or(0, |c| c.1), 1);
        self.problem(loc, 101, "a time is required");
        None
    }
}

fn patient(cx: &mut Ctx<'_>, pid: &Segment) -> Option<PatientPlan> {
    let msg = cx.msg;
    let msh = msg.msh()?;
    let loc = |f, c| msg.locate(pid, f, c);
    let (mrn, authority) =
        record_number(cx, pid, 3, "PID-3 (patient identifier list) needs an MRN")?;
    // Assigning authority: CX-4 namespace id, else its universal id, else the sender.
    let authority = authority.unwrap_or_else(|| {
        [msh.text(4, 1), msh.text(3, 1)]
            .into_iter()
            .find(|t| !t.is_empty())
            .unwrap_or("HL7")
            .to_owned()
    });
    // PID-5 repeats; the legal name is type L (table 0200), else the first.
    let names = pid.repetitions(5);
    let name = names
        .iter()
        .find(|r| {
            r.get(6)
                .and_then(|c| c.first())
                .is_some_and(|t| t.trim() == "L")
        })
        .or_else(|| names.first());
    // A field that is sent replaces the whole stored value (chapter 2.5.3), so its empty
    // components clear; a field not sent leaves everything alone.
    let sent = |f: usize| {
        pid.repetitions(f)
            .iter()
            .flatten()
            .flatten()
            .any(|s| !s.trim().is_empty())
    };
    let within = |present: bool, text: &str| match (present, val(text)) {
        (false, _) => Val::Absent,
        (true, Val::Absent) => Val::Null,
        (true, v) => v,
    };
    let name_sent = sent(5);
    let part = |c: usize| {
        within(
            name_sent,
            name.and_then(|r| r.get(c)?.first())
                .map_or("", String::as_str),
        )
    };
    let birth_date = match val(pid.text(7, 1)) {
        Val::Set(text) => match parse_date(&text) {
            Ok(date) => Val::Set(date),
            Err(e) => {
                cx.problem(loc(7, 1), 102, format!("birth date {e}"));
                Val::Absent
            }
        },
        Val::Null => Val::Null,
        Val::Absent => Val::Absent,
    };
    // PID-8, table 0001: A (ambiguous) and N (not applicable) have no own value here.
    let sex = match val(pid.text(8, 1)) {
        Val::Set(code) => match code.as_str() {
            "M" => Val::Set(AdministrativeSex::Male),
            "F" => Val::Set(AdministrativeSex::Female),
            "O" | "A" => Val::Set(AdministrativeSex::Other),
            "U" | "N" => Val::Set(AdministrativeSex::Unknown),
            other => {
                cx.problem(
                    loc(8, 1),
                    103,
                    format!("sex \"{other}\" is not in HL7 table 0001 (F, M, O, U, A, N)"),
                );
                Val::Absent
            }
        },
        Val::Null => Val::Set(AdministrativeSex::Unknown),
        Val::Absent => Val::Absent,
    };
    let addr = pid.repetitions(11).first();
    let addr_sent = sent(11);
    let a = |c: usize| {
        within(
            addr_sent,
            addr.and_then(|r| r.get(c)?.first())
                .map_or("", String::as_str),
        )
    };
    Some(PatientPlan {
        key: format!("{authority}|{mrn}"),
        mrn,
        authority,
        family: part(0),
        given: part(1),
        middle: part(2),
        suffix: part(3),
        prefix: part(4),
        birth_date,
        sex,
        line1: a(0),
        line2: a(1),
        city: a(2),
        state: a(3),
        postal_code: a(4),
        country: a(5),
        pid: loc(0, 0),
    })
}

fn visit(cx: &mut Ctx<'_>, patient: &PatientPlan, discharge: bool) -> Option<VisitPlan> {
    let msg = cx.msg;
    let msh = msg.msh()?;
    let pv1 = cx.required("PV1", "PID")?;
    let evn = msg.first("EVN");
    let loc = |f, c| msg.locate(pv1, f, c);
    // PV1-2, table 0004.
    let (class, planned) = match pv1.text(2, 1) {
        "I" | "B" => (EncounterClass::Inpatient, false),
        "O" | "R" => (EncounterClass::Outpatient, false),
        "E" => (EncounterClass::Emergency, false),
        "P" => (EncounterClass::Outpatient, true),
        "" => {
            cx.problem(loc(2, 1), 101, "PV1-2 (patient class) is required");
            (EncounterClass::Outpatient, false)
        }
        other => {
            cx.problem(
                loc(2, 1),
                103,
                format!(
                    "patient class \"{other}\" is not one of I, O, E, P, R, B (HL7 table 0004)"
                ),
            );
            (EncounterClass::Outpatient, false)
        }
    };
    // Admit time: PV1-44, else when the event occurred (EVN-6) or was recorded (EVN-2),
    // else the message time.
    let mut candidates = vec![(pv1, 44)];
    if let Some(evn) = evn {
        candidates.extend([(evn, 6), (evn, 2)]);
    }
    candidates.push((msh, 7));
    let admit_at = if discharge {
        // A03 does not need the admit time; the stored encounter has it.
        OffsetDateTime::UNIX_EPOCH
    } else {
        cx.time(pv1, &candidates)?
    };
    let discharge_at = if discharge {
        let mut candidates = vec![(pv1, 45)];
        if let Some(evn) = evn {
            candidates.extend([(evn, 6), (evn, 2)]);
        }
        candidates.push((msh, 7));
        cx.time(pv1, &candidates)
    } else {
        None
    };
    let disposition = match pv1.text(36, 1) {
        "" => None,
        d => Some(d.to_owned()),
    };
    // PV1-7 attending (XCN): used when its id is an NPI (XCN-13 type NPI, or a valid one).
    let attending = match (pv1.text(7, 1), pv1.text(7, 13)) {
        ("", _) => None,
        (id, kind) => match Npi::parse(id) {
            Ok(npi) => Some(ProviderPlan {
                npi,
                family: pv1.text(7, 2).to_owned(),
                given: pv1.text(7, 3).to_owned(),
            }),
            Err(e) if kind == "NPI" => {
                cx.problem(loc(7, 1), 102, e);
                None
            }
            Err(_) => None,
        },
    };
    let key = match pv1.text(19, 1) {
        "" => None,
        visit => Some(format!("{}|{visit}", patient.key)),
    };
    Some(VisitPlan {
        class,
        planned,
        admit_at,
        discharge_at,
        disposition,
        attending,
        key,
        pv1: loc(0, 0),
    })
}

fn observations(cx: &mut Ctx<'_>) -> Vec<(Observation, Location)> {
    let msg = cx.msg;
    let mut out = Vec::new();
    let mut obr_time: Option<&Segment> = None;
    for seg in &msg.segments {
        if seg.name == "OBR" {
            obr_time = Some(seg);
            continue;
        }
        if seg.name != "OBX" {
            continue;
        }
        let loc = |f, c| msg.locate(seg, f, c);
        let code = seg.text(3, 1).to_owned();
        let system = seg.text(3, 3);
        if !matches!(system, "" | "LN" | "LOINC") {
            cx.problem(
                loc(3, 3),
                103,
                format!("observation code system \"{system}\" is not LOINC (LN)"),
            );
            continue;
        }
        let value = match seg.text(2, 1) {
            "NM" | "SN" => match seg.text(5, 1).parse::<f64>() {
                Ok(n) => ObservationValue::Quantity {
                    value_number: n,
                    value_unit: Some(seg.text(6, 1).to_owned()).filter(|u| !u.is_empty()),
                },
                Err(_) => {
                    cx.problem(
                        loc(5, 1),
                        102,
                        format!("\"{}\" is not an NM number", seg.text(5, 1)),
                    );
                    continue;
                }
            },
            "CE" | "CWE" | "CNE" | "CF" => ObservationValue::Coded {
                value_code: seg.text(5, 1).to_owned(),
                value_display: Some(seg.text(5, 2).to_owned()).filter(|d| !d.is_empty()),
            },
            _ => ObservationValue::Text {
                value_text: seg.text(5, 1).to_owned(),
            },
        };
        // OBX-14, else the order's observation time (OBR-7), else the message time.
        let mut candidates = vec![(seg, 14)];
        if let Some(obr) = obr_time {
            candidates.push((obr, 7));
        }
        if let Some(msh) = msg.msh() {
            candidates.push((msh, 7));
        }
        let Some(effective_at) = cx.time(seg, &candidates) else {
            continue;
        };
        let observation = Observation {
            patient_id: PatientId(0),
            encounter_id: None,
            code,
            description: Some(seg.text(3, 2).to_owned()).filter(|d| !d.is_empty()),
            category: Some("laboratory".into()),
            value,
            effective_at,
        };
        if let Err(errors) = observation.validate() {
            for e in errors.0 {
                let (f, c) = match e.path.as_str() {
                    "code" => (3, 1),
                    "description" => (3, 2),
                    _ => (5, 1),
                };
                cx.problem(loc(f, c), 102, format!("{} {}", e.path, e.message));
            }
            continue;
        }
        out.push((observation, loc(0, 0)));
    }
    out
}

/// RXR-1 route: the code from HL7 table 0162, first or alternate triplet (NIP guides send
/// NCIT first and HL70162 as the alternate).
fn route(rxr: &Segment) -> Option<String> {
    let pick = if rxr.text(1, 6) == "HL70162" { 4 } else { 1 };
    Some(rxr.text(1, pick).to_owned()).filter(|r| !r.is_empty())
}

fn shots(cx: &mut Ctx<'_>, patient: &PatientPlan) -> Vec<ShotPlan> {
    let msg = cx.msg;
    let mut out = Vec::new();
    let mut orc: Option<&Segment> = None;
    for (i, seg) in msg.segments.iter().enumerate() {
        if seg.name == "ORC" {
            orc = Some(seg);
            continue;
        }
        if seg.name != "RXA" {
            continue;
        }
        let loc = |f, c| msg.locate(seg, f, c);
        let rxr = msg.segments.get(i + 1).filter(|s| s.name == "RXR");
        let cvx = seg.text(5, 1).to_owned();
        if !matches!(seg.text(5, 3), "" | "CVX") {
            cx.problem(
                loc(5, 3),
                103,
                format!("vaccine code system \"{}\" is not CVX", seg.text(5, 3)),
            );
            continue;
        }
        let Some(administered_at) = cx.time(seg, &[(seg, 3)]) else {
            continue;
        };
        // RXA-20 completion status, table 0322: CP complete, PA partial, RE refused,
        // NA not administered.
        let status = match seg.text(20, 1) {
            "" | "CP" | "PA" => ImmunizationStatus::Completed,
            "RE" | "NA" => ImmunizationStatus::NotDone,
            other => {
                cx.problem(
                    loc(20, 1),
                    103,
                    format!("completion status \"{other}\" is not one of CP, PA, RE, NA (HL7 table 0322)"),
                );
                continue;
            }
        };
        let action = match seg.text(21, 1) {
            "" | "A" => 'A',
            "U" => 'U',
            "D" => 'D',
            other => {
                cx.problem(
                    loc(21, 1),
                    103,
                    format!("action code \"{other}\" is not one of A, U, D (HL7 table 0206)"),
                );
                continue;
            }
        };
        let record = Immunization {
            patient_id: PatientId(0),
            encounter_id: None,
            cvx,
            administered_at,
            status,
            lot_number: Some(seg.text(15, 1).to_owned()).filter(|l| !l.is_empty()),
            site: rxr.and_then(|r| Some(r.text(2, 1).to_owned()).filter(|s| !s.is_empty())),
            route: rxr.and_then(route),
            performer_id: None,
            description: Some(seg.text(5, 2).to_owned()).filter(|d| !d.is_empty()),
        };
        if let Err(errors) = record.validate() {
            for e in errors.0 {
                let at = match e.path.as_str() {
                    "cvx" => loc(5, 1),
                    "lot_number" => loc(15, 1),
                    "description" => loc(5, 2),
                    "route" => rxr.map_or_else(|| loc(0, 0), |r| msg.locate(r, 1, 1)),
                    "site" => rxr.map_or_else(|| loc(0, 0), |r| msg.locate(r, 2, 1)),
                    _ => loc(0, 0),
                };
                let code = if e.path == "route" { 103 } else { 102 };
                cx.problem(at, code, format!("{} {}", e.path, e.message));
            }
            continue;
        }
        // The filler order number (ORC-3) identifies a shot across updates and deletes.
        let order = orc.map_or("", |o| o.text(3, 1));
        let key = if order.is_empty() {
            format!(
                "{}|{}|{}",
                patient.key,
                record.cvx,
                record.administered_at.unix_timestamp()
            )
        } else {
            format!("{}|{order}", patient.key)
        };
        out.push(ShotPlan {
            record,
            action,
            key,
            rxa: loc(0, 0),
        });
    }
    out
}

/// The medical record number of a CX list (`segment`-`field`): the repetition typed MR
/// (table 0203), else the first; with its assigning authority (CX-4's namespace id, else
/// its universal id) when sent. A missing or malformed number is a problem.
fn record_number(
    cx: &mut Ctx<'_>,
    segment: &Segment,
    field: usize,
    missing: &str,
) -> Option<(Mrn, Option<String>)> {
    let loc = cx.msg.locate(segment, field, 1);
    let reps = segment.repetitions(field);
    let rep = reps
        .iter()
        .find(|r| {
            r.get(4)
                .and_then(|c| c.first())
                .is_some_and(|t| t.trim() == "MR")
        })
        .or_else(|| reps.first());
    let comp = |c: usize, s: usize| rep.and_then(|r| r.get(c)?.get(s)).map_or("", |t| t.trim());
    let text = comp(0, 0);
    if text.is_empty() {
        cx.problem(loc, 101, missing);
        return None;
    }
    let mrn = match Mrn::parse(text) {
        Ok(mrn) => mrn,
        Err(e) => {
            cx.problem(loc, 102, e);
            return None;
        }
    };
    let authority = [comp(3, 0), comp(3, 1)]
        .into_iter()
        .find(|t| !t.is_empty())
        .map(str::to_owned);
    Some((mrn, authority))
}

/// MRG-1 (prior patient identifier list): the MR-typed repetition, else the first; its
/// assigning authority defaults to the surviving patient's.
fn retired(cx: &mut Ctx<'_>, surviving: &PatientPlan) -> Option<RetiredPlan> {
    let mrg = cx.required("MRG", "PID")?;
    other_chart(
        cx,
        surviving,
        (mrg, 1),
        (
            "MRG-1 (prior patient identifier list) needs the MRN merged away",
            "MRG-1 names the same chart as PID-3: a chart is not merged into itself",
        ),
    )
}

/// ADT^A37 (HL7 v2.5.1 chapter 3.3.37, message structure ADT_A37): the second PID names the
/// chart to unlink from the first; its PID-3 as MRG-1 is read for an A40.
fn unlinked(cx: &mut Ctx<'_>, surviving: &PatientPlan) -> Option<RetiredPlan> {
    let Some(second) = cx.msg.all("PID").nth(1) else {
        let line = cx.msg.segments.len() + 1;
        cx.problem(
            Location::segment("PID", 2, line),
            100,
            "an ADT^A37 needs a second PID segment naming the chart to unlink",
        );
        return None;
    };
    other_chart(
        cx,
        surviving,
        (second, 3),
        (
            "the second PID-3 (patient identifier list) needs the MRN to unlink",
            "the second PID-3 names the same chart as the first: a chart is not unlinked from itself",
        ),
    )
}

/// The other chart of a merge or unlink, from the CX list at `field` of `segment`; its
/// assigning authority defaults to the surviving patient's.
fn other_chart(
    cx: &mut Ctx<'_>,
    surviving: &PatientPlan,
    (segment, field): (&Segment, usize),
    (missing, same): (&str, &str),
) -> Option<RetiredPlan> {
    let loc = cx.msg.locate(segment, field, 1);
    let (mrn, authority) = record_number(cx, segment, field, missing)?;
    let authority = authority.unwrap_or_else(|| surviving.authority.clone());
    if mrn == surviving.mrn && authority == surviving.authority {
        cx.problem(loc, 102, same);
        return None;
    }
    Some(RetiredPlan {
        key: format!("{authority}|{mrn}"),
        mrn,
        authority,
        at: loc,
    })
}

/// The message's type as MSH-9 gives it, e.g. `("ADT", "A01")`.
pub(crate) fn message_type(msg: &Message) -> (String, String) {
    let msh = msg.msh();
    let part = |c| msh.map_or("", |m| m.text(9, c)).to_owned();
    (part(1), part(2))
}

/// The plan for a supported message, or the problems that stop it.
pub(crate) fn plan(msg: &Message) -> Result<Plan, Vec<Problem>> {
    let mut cx = Ctx {
        msg,
        problems: Vec::new(),
    };
    let (kind, event) = message_type(msg);
    let pid = cx.required("PID", "MSH");
    let patient = pid.and_then(|pid| patient(&mut cx, pid));
    let plan = match (kind.as_str(), event.as_str(), patient) {
        (_, _, None) => None,
        ("ADT", "A01" | "A04", Some(p)) => visit(&mut cx, &p, false).map(|v| Plan::Admit(p, v)),
        ("ADT", "A08", Some(p)) => Some(Plan::Update(p)),
        ("ADT", "A40", Some(p)) => retired(&mut cx, &p).map(|r| Plan::Merge(p, r)),
        ("ADT", "A37", Some(p)) => unlinked(&mut cx, &p).map(|r| Plan::Unlink(p, r)),
        ("ADT", "A03", Some(p)) => visit(&mut cx, &p, true).map(|v| Plan::Discharge(p, v)),
        ("ORU", "R01", Some(p)) => {
            let obs = observations(&mut cx);
            Some(Plan::Results(p, obs))
        }
        ("VXU", "V04", Some(p)) => {
            let shots = shots(&mut cx, &p);
            Some(Plan::Vaccinations(p, shots))
        }
        _ => None,
    };
    match plan {
        Some(plan) if cx.problems.is_empty() => Ok(plan),
        _ => Err(cx.problems),
    }
}
