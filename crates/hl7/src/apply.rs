//! Applying a message to the store and answering it: parse, check the header, plan,
//! write everything in one transaction, then build the ACK.
//!
//! Invariants:
//! - One message, one transaction (or one savepoint of a group commit): it commits whole,
//!   with its audit entry (channel `hl7`, the patient, the categories written), or stores
//!   nothing.
//! - The ACK is built after the transaction returned, so AA means committed.
//! - A message is applied once: its sender, facility and control id (MSH-3, MSH-4, MSH-10)
//!   are kept in `external_ids` in the same transaction, and a resend (the sender never saw
//!   our ACK) is acknowledged AA without being applied again (HL7 v2.5.1 chapter 2.10.2).
//! - Patients are found by PID-3 through `external_ids` (source `hl7`), then by MRN and
//!   assigning authority, so a patient registered elsewhere is updated, not duplicated.

use crate::ack::{AckCode, Problem, build_ack};
use crate::error::{Error as ParseError, Location};
use crate::extract::{
    PatientPlan, Plan, ProviderPlan, RetiredPlan, ShotPlan, VisitPlan, message_type, plan,
};
use crate::group_commit::Opened;
use crate::message::{Message, parse, parse_bytes};
use crate::refusal::{refusal_event, sender_of, unknown_sender};
use privacy::{Action, AuditEvent, Channel, DataCategory};
use records::{
    Address, Encounter, EncounterStatus, Immunization, Observation, Patient, PatientId, Provider,
    ProviderId, Validate,
};
use store::{Actor, AuditTrail, Store, Tx, Value};

/// What happened to one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Stored (or a resend of a stored message).
    Stored {
        /// `ADT^A01` etc.
        message_type: String,
        /// Whether this was a resend that changed nothing.
        duplicate: bool,
    },
    /// Bad data: nothing stored.
    Error(Vec<Problem>),
    /// Unsupported or unreadable: nothing stored.
    Rejected(Vec<Problem>),
}

/// A processed message and its acknowledgement.
#[derive(Debug, Clone)]
pub struct Applied {
    /// MSA-1.
    pub code: AckCode,
    /// What happened.
    pub outcome: Outcome,
    /// The ACK text (segments ended by CR).
    pub ack: String,
}

const SUPPORTED: &[(&str, &str)] = &[
    ("ADT", "A01"),
    ("ADT", "A03"),
    ("ADT", "A04"),
    ("ADT", "A08"),
    ("ADT", "A37"),
    ("ADT", "A40"),
    ("ORU", "R01"),
    ("VXU", "V04"),
];

/// Where a message's writes go: the store, and the audit trail that records them (every
/// production path has one; tests and benches of the mapping alone may leave it out).
#[derive(Clone, Copy)]
#[allow(missing_debug_implementations)] // The store is not Debug.
pub struct Sink<'a> {
    /// The records store.
    pub store: &'a Store,
    /// The audit trail: each stored message is one `hl7`-channel entry naming the patient,
    /// the message and the data categories it wrote, in the same transaction.
    pub trail: Option<&'a AuditTrail>,
    /// The sending peer's address, for the audit entries.
    pub peer: Option<&'a str>,
}

impl<'a> Sink<'a> {
    /// Writes to `store`, audited in `trail`.
    pub fn audited(store: &'a Store, trail: &'a AuditTrail) -> Self {
        Self {
            store,
            trail: Some(trail),
            peer: None,
        }
    }

    /// Writes to `store` without audit entries (tests of the mapping, benches).
    pub fn unaudited(store: &'a Store) -> Self {
        Self {
            store,
            trail: None,
            peer: None,
        }
    }
}

/// Processes one message given as bytes (one MLLP payload).
pub fn process_bytes(sink: Sink<'_>, actor: &Actor, bytes: &[u8]) -> Applied {
    let store = sink.store;
    match parse_bytes(bytes) {
        Ok(msg) => process(sink, actor, &msg),
        Err(e) => {
            let (applied, header) = unreadable(store, bytes, &e);
            if let Some(trail) = sink.trail {
                audit_refusal(
                    store,
                    trail,
                    header.as_ref(),
                    sink.peer,
                    &applied.outcome,
                    false,
                );
            }
            applied
        }
    }
}

/// Records a message that was not stored (nothing when it was). Its answer stands even
/// when the entry cannot be written (the store may be what failed): that is logged.
pub(crate) fn audit_refusal(
    store: &Store,
    trail: &AuditTrail,
    msg: Option<&Message>,
    peer: Option<&str>,
    outcome: &Outcome,
    denied: bool,
) {
    let Some(event) = refusal_event(store.clock().now(), msg, peer, outcome, denied) else {
        return;
    };
    if let Err(e) = trail.record(store, &event) {
        eprintln!("hl7: the refused message could not be audited: {e}");
    }
}

/// The answer to bytes that do not parse, and their header when it alone parses.
fn unreadable(store: &Store, bytes: &[u8], e: &ParseError) -> (Applied, Option<Message>) {
    let now = store.clock().now();
    let problem = Problem::at(e.location(), 100, e.to_string());
    // With a readable MSH the ACK can still name the message; a broken segment later on
    // is the sender's data error (AE), a broken header a reject (AR).
    let text = String::from_utf8_lossy(bytes);
    let header = text
        .split(['\r', '\n'])
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    let (code, original) = match (e, parse(header.trim_start())) {
        (ParseError::SegmentId { .. }, Ok(msh)) => (AckCode::Error, Some(msh)),
        _ => (AckCode::Reject, None),
    };
    let control = original
        .as_ref()
        .map_or("", |m| m.msh().map_or("", |s| s.text(10, 1)));
    let ack = build_ack(
        original.as_ref(),
        code,
        std::slice::from_ref(&problem),
        now,
        &ack_id(control),
    );
    let outcome = match code {
        AckCode::Error => Outcome::Error(vec![problem]),
        _ => Outcome::Rejected(vec![problem]),
    };
    (Applied { code, outcome, ack }, original)
}

/// Our ACK's control id: derived from the original's so that golden tests are stable
/// and a sender can match them by eye (MSH-10 is ST, at most 20 characters in 2.5.1).
fn ack_id(original: &str) -> String {
    let tail: String = original
        .chars()
        .rev()
        .take(17)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("ACK{tail}")
}

/// Processes one parsed message: checks, plans and applies it, and builds the ACK.
pub fn process(sink: Sink<'_>, actor: &Actor, msg: &Message) -> Applied {
    let (outcome, code) = decide(sink, actor, msg);
    if let Some(trail) = sink.trail {
        audit_refusal(sink.store, trail, Some(msg), sink.peer, &outcome, false);
    }
    answered(sink.store, msg, outcome, code)
}

/// Processes one payload from `connection`, whose group commit may write it with other
/// connections' messages. A message from a sender the listener does not accept is
/// answered AR before anything else; every message not stored is audited.
pub(crate) fn process_grouped(connection: &Opened<'_>, bytes: &[u8]) -> Applied {
    let store = connection.store();
    let msg = match parse_bytes(bytes) {
        Ok(msg) => msg,
        Err(e) => {
            let (applied, header) = unreadable(store, bytes, &e);
            connection.audit_refusal(header.as_ref(), &applied.outcome, false);
            return applied;
        }
    };
    let sender = sender_of(&msg).unwrap_or_default();
    let (outcome, code, denied) = if connection.accepts(&sender) {
        let (outcome, code) = match prepare(&msg) {
            Prepared::Answered(outcome, code) => (outcome, code),
            Prepared::Ready(checked) => connection.submit(checked),
        };
        (outcome, code, false)
    } else {
        let (outcome, code) = unknown_sender(&msg);
        (outcome, code, true)
    };
    connection.audit_refusal(Some(&msg), &outcome, denied);
    answered(store, &msg, outcome, code)
}

/// The ACK for `msg`, built once its outcome is final.
fn answered(store: &Store, msg: &Message, outcome: Outcome, code: AckCode) -> Applied {
    let now = store.clock().now();
    let control = msg.msh().map_or("", |m| m.text(10, 1));
    let problems = match &outcome {
        Outcome::Error(p) | Outcome::Rejected(p) => p.as_slice(),
        Outcome::Stored { .. } => &[],
    };
    let ack = build_ack(Some(msg), code, problems, now, &ack_id(control));
    Applied { code, outcome, ack }
}

/// The data categories a message kind writes.
fn categories_of(kind: &str) -> &'static [DataCategory] {
    match kind {
        "ORU" => &[DataCategory::Demographics, DataCategory::Results],
        "VXU" => &[DataCategory::Demographics, DataCategory::Immunizations],
        _ => &[DataCategory::Demographics, DataCategory::Encounters],
    }
}

/// A message that passed every check that needs no store: what to write, and the
/// header fields its audit entry and duplicate check use. Owns its data, so it can be
/// handed to whichever thread commits it.
#[derive(Debug)]
pub(crate) struct Checked {
    kind: String,
    event: String,
    control: String,
    /// MSH-3^MSH-4.
    pub(crate) sender: String,
    message_key: String,
    plan: Plan,
}

impl Checked {
    /// The message in the audit trail's words: `HL7 ADT^A08 C-1 from EHR^NORTH`.
    fn described(&self) -> String {
        let Self {
            kind,
            event,
            control,
            sender,
            ..
        } = self;
        format!("HL7 {kind}^{event} {control} from {sender}")
    }
}

/// Either the answer (the message cannot be applied) or the checked message to write.
pub(crate) enum Prepared {
    Answered(Outcome, AckCode),
    Ready(Box<Checked>),
}

/// The header checks and the plan: everything before the store is touched.
pub(crate) fn prepare(msg: &Message) -> Prepared {
    let Some(msh) = msg.msh() else {
        return Prepared::Answered(Outcome::Rejected(Vec::new()), AckCode::Reject);
    };
    let at = |f| msg.locate(msh, f, 1);
    let (kind, event) = message_type(msg);
    let reject = |loc: Location, code: u16, message: String| {
        Prepared::Answered(
            Outcome::Rejected(vec![Problem::at(loc, code, message)]),
            AckCode::Reject,
        )
    };
    if !SUPPORTED.contains(&(kind.as_str(), event.as_str())) {
        let known = SUPPORTED.iter().any(|(k, _)| *k == kind);
        let (loc, code) = if known {
            (msg.locate(msh, 9, 2), 201)
        } else {
            (at(9), 200)
        };
        return reject(
            loc,
            code,
            format!(
                "message type {kind} {event} is not accepted (ADT A01/A03/A04/A08/A37/A40, ORU R01, VXU V04)"
            ),
        );
    }
    let version = msh.text(12, 1);
    if !version.starts_with("2.") {
        return reject(at(12), 203, format!("version \"{version}\" is not HL7 v2"));
    }
    let control = msh.text(10, 1);
    if control.is_empty() {
        let p = Problem::at(at(10), 101, "MSH-10 (message control id) is required");
        return Prepared::Answered(Outcome::Error(vec![p]), AckCode::Error);
    }
    let plan = match plan(msg) {
        Ok(plan) => plan,
        Err(problems) => return Prepared::Answered(Outcome::Error(problems), AckCode::Error),
    };
    Prepared::Ready(Box::new(Checked {
        message_key: format!("{}|{}|{control}", msh.text(3, 1), msh.text(4, 1)),
        sender: sender_of(msg).unwrap_or_default(),
        control: control.to_owned(),
        kind,
        event,
        plan,
    }))
}

/// What a message did to its patient's chart.
#[derive(Debug)]
enum Changed {
    /// Nothing (the demographics were as on file).
    Untouched,
    /// Registered.
    Created,
    /// Demographics changed from this version.
    Updated(Box<Patient>),
}

/// Applies a checked message unless it was applied before; `Some((patient, changed))`
/// when written.
fn write_records(
    tx: &mut Tx<'_>,
    actor: &Actor,
    checked: &Checked,
    problems: &mut Vec<Problem>,
) -> store::Result<Option<(i64, Changed)>> {
    if tx
        .external_id(crate::SOURCE, "message", &checked.message_key)?
        .is_some()
    {
        return Ok(None);
    }
    let mut changed = Changed::Untouched;
    let patient = apply(tx, actor, &checked.plan, problems, &mut changed)?;
    tx.link_external_id(crate::SOURCE, "message", &checked.message_key, patient)?;
    Ok(Some((patient, changed)))
}

/// Writes a checked message and its audit entry in `audited`; `Ok(true)` for a resend
/// that changed nothing.
pub(crate) fn write_audited(
    audited: &mut store::Audited<'_>,
    actor: &Actor,
    checked: &Checked,
    peer: Option<&str>,
    problems: &mut Vec<Problem>,
) -> store::Result<bool> {
    match &checked.plan {
        Plan::Merge(surviving, retired) => {
            return merge_audited(
                audited,
                actor,
                checked,
                (surviving, retired),
                peer,
                problems,
            );
        }
        Plan::Unlink(surviving, restored) => {
            return unlink_audited(
                audited,
                actor,
                checked,
                (surviving, restored),
                peer,
                problems,
            );
        }
        _ => {}
    }
    let Some((patient, changed)) = write_records(&mut audited.records(), actor, checked, problems)?
    else {
        return Ok(true);
    };
    let action = if checked.event == "A08" {
        Action::Update
    } else {
        Action::Create
    };
    let mut entry = AuditEvent::new(audited.now(), actor.name(), action, Channel::Hl7)
        .patient(PatientId(patient))
        .record("patient", patient)
        .categories(categories_of(&checked.kind))
        .reason(&checked.described());
    entry.source = peer.map(str::to_owned);
    audited.append(&entry)?;
    let why = checked.described();
    if checked.kind == "ADT" && !matches!(changed, Changed::Untouched) {
        // A registration or demographics change from another system: a probable duplicate
        // goes to the patient index's review queue (never merged here).
        mpi::flag_duplicates(audited, patient, &entry, &why)?;
    }
    let blood_typed = matches!(&checked.plan, Plan::Results(_, observations)
        if observations.iter().any(|(o, _)| mpi::BLOOD_TYPE_CODES.contains(&o.code.as_str())));
    if let Changed::Updated(before) = &changed {
        // A chart whose identity changed may now hold two people's records.
        mpi::check_overlay(audited, patient, Some(before), &entry, &why)?;
    } else if blood_typed {
        mpi::check_overlay(audited, patient, None, &entry, &why)?;
    }
    Ok(false)
}

/// A204 (unknown key identifier) for an MRN no current chart has; `purpose` ends the
/// sentence ("for this merge").
fn unknown_chart(
    at: &Location,
    field: &str,
    (mrn, authority): (&records::Mrn, &str),
    purpose: &str,
) -> Problem {
    Problem::at(
        at.clone(),
        204,
        format!("{field}: no chart has MRN {mrn} ({authority}) {purpose}"),
    )
}

/// The chart the (first) PID-3 of a merge or unlink names, or `None` when this message was
/// applied before (a resend); no such chart stops the message with AE 204 at PID-3.
fn surviving_chart(
    tx: &mut Tx<'_>,
    checked: &Checked,
    surviving: &PatientPlan,
    purpose: &str,
    problems: &mut Vec<Problem>,
) -> store::Result<Option<i64>> {
    if tx
        .external_id(crate::SOURCE, "message", &checked.message_key)?
        .is_some()
    {
        return Ok(None);
    }
    match find_patient(tx, surviving)? {
        Some(keep) => Ok(Some(keep)),
        None => {
            let p = unknown_chart(
                &surviving.pid.at(3, 1),
                "PID-3",
                (&surviving.mrn, &surviving.authority),
                purpose,
            );
            stop(problems, vec![p])
        }
    }
}

/// The audit event the patient index's merge or unmerge writes for a message: the
/// sender's, on the `hl7` channel, from the peer.
fn index_event(audited: &store::Audited<'_>, actor: &Actor, peer: Option<&str>) -> AuditEvent {
    let mut by = AuditEvent::new(audited.now(), actor.name(), Action::Update, Channel::Hl7);
    by.source = peer.map(str::to_owned);
    by
}

/// What the patient index's merge or unmerge came to: a refusal (a later merge stands, a
/// pair decided different people, a record moved since) is an AE at `at` with its reason.
fn index_outcome<T>(
    result: store::Result<T>,
    at: &Location,
    problems: &mut Vec<Problem>,
) -> store::Result<bool> {
    match result {
        Ok(_) => Ok(false),
        Err(store::Error::Conflict(message)) => {
            stop(problems, vec![Problem::at(at.clone(), 207, message)])
        }
        Err(e) => Err(e),
    }
}

/// ADT^A40: merges the chart MRG-1 names into the one PID-3 names, through the patient
/// index's merge (every record moves, the retired MRN stays an alias, an unmerge puts it
/// all back), which writes its own audit entry naming both patients. A chart already
/// merged into the surviving one is a resend: nothing changes. `Ok(true)` for a resend.
fn merge_audited(
    audited: &mut store::Audited<'_>,
    actor: &Actor,
    checked: &Checked,
    (surviving, retired): (&PatientPlan, &RetiredPlan),
    peer: Option<&str>,
    problems: &mut Vec<Problem>,
) -> store::Result<bool> {
    let (keep, gone) = {
        let mut tx = audited.records();
        let Some(keep) = surviving_chart(&mut tx, checked, surviving, "for this merge", problems)?
        else {
            return Ok(true);
        };
        let gone = match tx.external_id(crate::SOURCE, "patient", &retired.key)? {
            Some(id) if id != keep => Some(id),
            _ => chart_with_mrn(&mut tx, &retired.mrn, &retired.authority)?,
        };
        let Some(gone) = gone.filter(|id| *id != keep) else {
            // Merged into this chart already (by us or an earlier A40): the key is an alias.
            let merged_before = tx
                .query(
                    "SELECT p.id FROM patients p WHERE p.mrn = ? AND p.mrn_authority = ? AND p.deleted_at IS NOT NULL",
                    &[
                        Value::from(retired.mrn.as_str()),
                        Value::from(retired.authority.as_str()),
                    ],
                )?
                .iter()
                .map(|row| row.int(0))
                .collect::<Vec<_>>();
            for id in merged_before {
                if tx.surviving_patient(id)? == Some(keep) {
                    tx.link_external_id(crate::SOURCE, "message", &checked.message_key, keep)?;
                    return Ok(true);
                }
            }
            let p = unknown_chart(
                &retired.at,
                "MRG-1",
                (&retired.mrn, &retired.authority),
                "for this merge",
            );
            return stop(problems, vec![p]);
        };
        tx.link_external_id(crate::SOURCE, "message", &checked.message_key, keep)?;
        (keep, gone)
    };
    let by = index_event(audited, actor, peer);
    let merged = audited.merge_patients(keep, gone, &checked.described(), actor, by);
    index_outcome(merged, &retired.at, problems)
}

/// ADT^A37: undoes the merge of the chart the second PID names into the one the first PID
/// names, through the patient index's unmerge (every record it moved goes back and the
/// retired chart is restored), which writes its own audit entry naming both patients. A
/// merge of the two undone already (a resend, or undone here first) changes nothing:
/// `Ok(true)`. Charts never merged so, or unknown, are an AE naming the field.
fn unlink_audited(
    audited: &mut store::Audited<'_>,
    actor: &Actor,
    checked: &Checked,
    (surviving, restored): (&PatientPlan, &RetiredPlan),
    peer: Option<&str>,
    problems: &mut Vec<Problem>,
) -> store::Result<bool> {
    let merge_id = {
        let mut tx = audited.records();
        let Some(keep) = surviving_chart(&mut tx, checked, surviving, "to unlink from", problems)?
        else {
            return Ok(true);
        };
        let mrn = [
            Value::from(restored.mrn.as_str()),
            Value::from(restored.authority.as_str()),
        ];
        let latest = tx.query(
            "SELECT m.id, m.status FROM mpi_merges m JOIN patients p ON p.id = m.retired_id WHERE m.surviving_id = ? AND p.mrn = ? AND p.mrn_authority = ? ORDER BY m.id DESC LIMIT 1",
            &[Value::Int(keep), mrn[0].clone(), mrn[1].clone()],
        )?;
        let Some(merge) = latest.first() else {
            let known = !tx
                .query(
                    "SELECT id FROM patients WHERE mrn = ? AND mrn_authority = ? LIMIT 1",
                    &mrn,
                )?
                .is_empty();
            let p = if known {
                Problem::at(
                    restored.at.clone(),
                    207,
                    format!(
                        "the chart with MRN {} ({}) was never merged into the chart with MRN {} ({}): there is no merge to undo",
                        restored.mrn, restored.authority, surviving.mrn, surviving.authority
                    ),
                )
            } else {
                unknown_chart(
                    &restored.at,
                    "PID-3 of the second PID",
                    (&restored.mrn, &restored.authority),
                    "to unlink",
                )
            };
            return stop(problems, vec![p]);
        };
        tx.link_external_id(crate::SOURCE, "message", &checked.message_key, keep)?;
        if merge.text(1) != Some("merged") {
            return Ok(true);
        }
        merge.int(0)
    };
    let by = index_event(audited, actor, peer);
    let unmerged = audited.unmerge_patients(merge_id, &checked.described(), actor, by);
    index_outcome(unmerged, &restored.at, problems)
}

/// The answer to a checked message, from what writing it returned.
pub(crate) fn concluded(
    checked: &Checked,
    written: store::Result<bool>,
    problems: Vec<Problem>,
) -> (Outcome, AckCode) {
    match written {
        Ok(duplicate) => (
            Outcome::Stored {
                message_type: format!("{}^{}", checked.kind, checked.event),
                duplicate,
            },
            AckCode::Accept,
        ),
        Err(_) if !problems.is_empty() => (Outcome::Error(problems), AckCode::Error),
        Err(e) => {
            let p = Problem {
                location: None,
                code: 207,
                message: format!("the message could not be stored: {e}"),
            };
            (Outcome::Error(vec![p]), AckCode::Error)
        }
    }
}

fn decide(sink: Sink<'_>, actor: &Actor, msg: &Message) -> (Outcome, AckCode) {
    let checked = match prepare(msg) {
        Prepared::Answered(outcome, code) => return (outcome, code),
        Prepared::Ready(checked) => checked,
    };
    let mut problems = Vec::new();
    let written = match sink.trail {
        Some(trail) => trail.write(sink.store, |audited| {
            write_audited(audited, actor, &checked, sink.peer, &mut problems)
        }),
        None => sink.store.write(|tx| {
            write_records(tx, actor, &checked, &mut problems).map(|patient| patient.is_none())
        }),
    };
    concluded(&checked, written, problems)
}

/// Ends the transaction with `problems` (the caller turns them into an AE).
fn stop<T>(problems: &mut Vec<Problem>, new: Vec<Problem>) -> store::Result<T> {
    problems.extend(new);
    Err(store::Error::Conflict("the message has errors".into()))
}

fn apply(
    tx: &mut Tx<'_>,
    actor: &Actor,
    plan: &Plan,
    problems: &mut Vec<Problem>,
    changed: &mut Changed,
) -> store::Result<i64> {
    match plan {
        Plan::Admit(p, v) => {
            let id = upsert_patient(tx, actor, p, problems, changed)?;
            admit(tx, actor, id, v, problems)?;
            Ok(id)
        }
        Plan::Update(p) => upsert_patient(tx, actor, p, problems, changed),
        Plan::Discharge(p, v) => {
            let id = upsert_patient(tx, actor, p, problems, changed)?;
            discharge(tx, actor, id, v, problems)?;
            Ok(id)
        }
        Plan::Results(p, observations) => {
            let id = upsert_patient(tx, actor, p, problems, changed)?;
            for (observation, _) in observations {
                tx.create(
                    actor,
                    &Observation {
                        patient_id: PatientId(id),
                        ..observation.clone()
                    },
                )?;
            }
            Ok(id)
        }
        Plan::Merge(_, other) | Plan::Unlink(_, other) => {
            let p = Problem::at(
                other.at.clone(),
                207,
                "an ADT^A40 merge or A37 unlink is applied only where the audit trail records it",
            );
            stop(problems, vec![p])
        }
        Plan::Vaccinations(p, shots) => {
            let id = upsert_patient(tx, actor, p, problems, changed)?;
            for shot in shots {
                vaccinate(tx, actor, id, shot, problems)?;
            }
            Ok(id)
        }
    }
}

/// PID position of a patient field, for validation problems.
fn pid_position(path: &str) -> (usize, usize) {
    match path {
        "mrn" => (3, 1),
        "mrn_authority" => (3, 4),
        "family_name" => (5, 1),
        "given_name" => (5, 2),
        "middle_name" => (5, 3),
        "name_suffix" => (5, 4),
        "name_prefix" => (5, 5),
        "birth_date" => (7, 1),
        "sex" => (8, 1),
        "line1" => (11, 1),
        "line2" => (11, 2),
        "city" => (11, 3),
        "state" => (11, 4),
        "postal_code" => (11, 5),
        "country" => (11, 6),
        _ => (0, 0),
    }
}

fn merged(p: &PatientPlan, old: Option<&Patient>) -> Result<Patient, Vec<Problem>> {
    let mut missing = Vec::new();
    let mut need = |v: Option<String>, path: &str| {
        v.filter(|s| !s.is_empty()).unwrap_or_else(|| {
            missing.push(path.to_owned());
            String::new()
        })
    };
    let family = need(
        p.family.apply(old.map(|o| o.family_name.clone())),
        "family_name",
    );
    let given = need(
        p.given.apply(old.map(|o| o.given_name.clone())),
        "given_name",
    );
    let birth_date = p.birth_date.apply(old.map(|o| o.birth_date));
    if birth_date.is_none() {
        missing.push("birth_date".into());
    }
    let at = |path: &str| {
        let (f, c) = pid_position(path);
        p.pid.at(f, c)
    };
    if !missing.is_empty() {
        return Err(missing
            .iter()
            .map(|path| {
                Problem::at(
                    at(path),
                    101,
                    format!("{path} is required to register a patient"),
                )
            })
            .collect());
    }
    let old_address = old.map(|o| o.address.clone()).unwrap_or_default();
    let patient = Patient {
        mrn: p.mrn.clone(),
        mrn_authority: p.authority.clone(),
        family_name: family,
        given_name: given,
        middle_name: p.middle.apply(old.and_then(|o| o.middle_name.clone())),
        name_prefix: p.prefix.apply(old.and_then(|o| o.name_prefix.clone())),
        name_suffix: p.suffix.apply(old.and_then(|o| o.name_suffix.clone())),
        preferred_name: old.and_then(|o| o.preferred_name.clone()),
        birth_date: birth_date.unwrap_or(time::Date::MIN),
        sex: p
            .sex
            .apply(old.map(|o| o.sex))
            .unwrap_or(records::AdministrativeSex::Unknown),
        address: Address {
            line1: p.line1.apply(old_address.line1),
            line2: p.line2.apply(old_address.line2),
            city: p.city.apply(old_address.city),
            state: p.state.apply(old_address.state),
            postal_code: p.postal_code.apply(old_address.postal_code),
            country: p.country.apply(old_address.country),
        },
        phone: old.and_then(|o| o.phone.clone()),
        email: old.and_then(|o| o.email.clone()),
        language: old.and_then(|o| o.language.clone()),
        race: old.and_then(|o| o.race.clone()),
        ethnicity: old.and_then(|o| o.ethnicity.clone()),
        deceased_date: old.and_then(|o| o.deceased_date),
        identifiers: old.map(|o| o.identifiers.clone()).unwrap_or_default(),
    };
    patient.validate().map_err(|errors| {
        errors
            .0
            .into_iter()
            .map(|e| {
                let code = if e.message.starts_with("is required") {
                    101
                } else {
                    102
                };
                Problem::at(at(&e.path), code, format!("{} {}", e.path, e.message))
            })
            .collect::<Vec<_>>()
    })?;
    Ok(patient)
}

fn find_patient(tx: &mut Tx<'_>, p: &PatientPlan) -> store::Result<Option<i64>> {
    if let Some(id) = tx.external_id(crate::SOURCE, "patient", &p.key)? {
        return Ok(Some(id));
    }
    match chart_with_mrn(tx, &p.mrn, &p.authority)? {
        Some(id) => {
            tx.link_external_id(crate::SOURCE, "patient", &p.key, id)?;
            Ok(Some(id))
        }
        None => Ok(None),
    }
}

/// The current chart with an MRN under an assigning authority.
fn chart_with_mrn(
    tx: &mut Tx<'_>,
    mrn: &records::Mrn,
    authority: &str,
) -> store::Result<Option<i64>> {
    let found = tx.select::<Patient>(
        "mrn = ? AND mrn_authority = ?",
        &[Value::from(mrn.as_str()), Value::from(authority)],
        "id",
        1,
    )?;
    Ok(found.first().map(|p| p.meta.id))
}

/// Registers the patient or updates the stored one (a new version with history).
fn upsert_patient(
    tx: &mut Tx<'_>,
    actor: &Actor,
    p: &PatientPlan,
    problems: &mut Vec<Problem>,
    changed: &mut Changed,
) -> store::Result<i64> {
    match find_patient(tx, p)? {
        Some(id) => {
            let stored = tx.get::<Patient>(id)?;
            match merged(p, Some(&stored.record)) {
                // Most results and immunizations repeat what is on file: nothing to write.
                Ok(patient) if patient == stored.record => Ok(id),
                Ok(patient) => {
                    tx.update(actor, id, stored.meta.version, &patient)?;
                    *changed = Changed::Updated(Box::new(stored.record));
                    Ok(id)
                }
                Err(new) => stop(problems, new),
            }
        }
        None => match merged(p, None) {
            Ok(patient) => {
                let id = tx.create(actor, &patient)?.meta.id;
                tx.link_external_id(crate::SOURCE, "patient", &p.key, id)?;
                *changed = Changed::Created;
                Ok(id)
            }
            Err(new) => stop(problems, new),
        },
    }
}

fn provider(
    tx: &mut Tx<'_>,
    actor: &Actor,
    plan: &ProviderPlan,
) -> store::Result<Option<ProviderId>> {
    let npi = plan.npi.to_string();
    let found = tx.select::<Provider>("npi = ?", &[Value::from(npi.as_str())], "id", 1)?;
    if let Some(stored) = found.first() {
        return Ok(Some(ProviderId(stored.meta.id)));
    }
    if plan.family.is_empty() || plan.given.is_empty() {
        // An unknown NPI without a name cannot make a valid provider record.
        return Ok(None);
    }
    let created = tx.create(
        actor,
        &Provider {
            npi: Some(plan.npi),
            family_name: plan.family.clone(),
            given_name: plan.given.clone(),
            credentials: None,
            taxonomy: None,
            specialty: None,
            organization_id: None,
        },
    )?;
    Ok(Some(ProviderId(created.meta.id)))
}

fn encounter_problems(v: &VisitPlan, errors: records::ValidationErrors) -> Vec<Problem> {
    errors
        .0
        .into_iter()
        .map(|e| {
            let (f, code) = match e.path.as_str() {
                "discharge_at" => (45, 102),
                "discharge_disposition" => (36, 103),
                "admit_at" => (44, 102),
                _ => (0, 102),
            };
            Problem::at(v.pv1.at(f, 1), code, format!("{} {}", e.path, e.message))
        })
        .collect()
}

fn admit(
    tx: &mut Tx<'_>,
    actor: &Actor,
    patient: i64,
    v: &VisitPlan,
    problems: &mut Vec<Problem>,
) -> store::Result<()> {
    let attending_id = match &v.attending {
        Some(plan) => provider(tx, actor, plan)?,
        None => None,
    };
    let encounter = Encounter {
        patient_id: PatientId(patient),
        class: v.class,
        status: if v.planned {
            EncounterStatus::Planned
        } else {
            EncounterStatus::InProgress
        },
        admit_at: v.admit_at,
        discharge_at: None,
        attending_id,
        facility_id: None,
        payer_id: None,
        discharge_disposition: None,
        reason: None,
        service: None,
    };
    if let Err(errors) = encounter.validate() {
        return stop(problems, encounter_problems(v, errors));
    }
    // The same visit number again (an A04 then an A01, or a resend) updates the visit.
    let existing = match &v.key {
        Some(key) => tx.external_id(crate::SOURCE, "encounter", key)?,
        None => None,
    };
    match existing {
        Some(id) => {
            let stored = tx.get::<Encounter>(id)?;
            let updated = Encounter {
                discharge_at: stored.record.discharge_at,
                discharge_disposition: stored.record.discharge_disposition.clone(),
                facility_id: stored.record.facility_id,
                payer_id: stored.record.payer_id,
                reason: stored.record.reason.clone(),
                service: stored.record.service.clone(),
                ..encounter
            };
            tx.update(actor, id, stored.meta.version, &updated)?;
        }
        None => {
            let id = tx.create(actor, &encounter)?.meta.id;
            if let Some(key) = &v.key {
                tx.link_external_id(crate::SOURCE, "encounter", key, id)?;
            }
        }
    }
    Ok(())
}

fn discharge(
    tx: &mut Tx<'_>,
    actor: &Actor,
    patient: i64,
    v: &VisitPlan,
    problems: &mut Vec<Problem>,
) -> store::Result<()> {
    let stored = match &v.key {
        Some(key) => match tx.external_id(crate::SOURCE, "encounter", key)? {
            Some(id) => Some(tx.get::<Encounter>(id)?),
            None => None,
        },
        // Without a visit number, the patient's latest open encounter is the one ending.
        None => tx
            .for_patient::<Encounter>(patient)?
            .into_iter()
            .filter(|e| e.record.status == EncounterStatus::InProgress)
            .max_by_key(|e| e.record.admit_at),
    };
    let Some(stored) = stored else {
        return stop(
            problems,
            vec![Problem::at(
                v.pv1.at(19, 1),
                204,
                "no open encounter for this patient and visit number to discharge",
            )],
        );
    };
    let updated = Encounter {
        status: EncounterStatus::Finished,
        discharge_at: v.discharge_at,
        discharge_disposition: v
            .disposition
            .clone()
            .or(stored.record.discharge_disposition.clone()),
        ..stored.record.clone()
    };
    if let Err(errors) = updated.validate() {
        return stop(problems, encounter_problems(v, errors));
    }
    tx.update(actor, stored.meta.id, stored.meta.version, &updated)?;
    Ok(())
}

fn vaccinate(
    tx: &mut Tx<'_>,
    actor: &Actor,
    patient: i64,
    shot: &ShotPlan,
    problems: &mut Vec<Problem>,
) -> store::Result<()> {
    let record = Immunization {
        patient_id: PatientId(patient),
        ..shot.record.clone()
    };
    let existing = tx.external_id(crate::SOURCE, "immunization", &shot.key)?;
    let live = match existing {
        Some(id) => tx
            .find::<Immunization>(id)?
            .filter(|s| s.meta.deleted.is_none()),
        None => None,
    };
    match (shot.action, live) {
        ('D', Some(stored)) => {
            tx.delete::<Immunization>(
                actor,
                stored.meta.id,
                stored.meta.version,
                "deleted by the sender (VXU RXA-21 D)",
            )?;
        }
        ('D', None) => {
            return stop(
                problems,
                vec![Problem::at(
                    shot.rxa.at(21, 1),
                    204,
                    "no stored immunization matches this order (ORC-3) to delete",
                )],
            );
        }
        (_, Some(stored)) => {
            tx.update(actor, stored.meta.id, stored.meta.version, &record)?;
        }
        (_, None) => {
            let id = tx.create(actor, &record)?.meta.id;
            if existing.is_none() {
                tx.link_external_id(crate::SOURCE, "immunization", &shot.key, id)?;
            }
        }
    }
    Ok(())
}
