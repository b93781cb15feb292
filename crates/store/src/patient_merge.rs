//! Merging two charts of one person, and undoing it (schema 23).
//!
//! A merge moves every record of the retired patient (encounters, codes, notes, results,
//! coverages, charges, postings, claims, review work, release requests, consents,
//! amendment requests; soft-deleted ones too) to the surviving patient, moves the retired
//! patient's external keys and group memberships with them, and retires the patient
//! (a soft delete naming the merge). An unmerge puts each of them back.
//!
//! Invariants:
//! - A merge or an unmerge is one transaction with its audit entry: it happens whole or
//!   not at all.
//! - Nothing is physically deleted. Every moved record gets a new version with a
//!   `record_history` row (action `merge`, then `unmerge`) naming the chart it came from,
//!   so its history shows both and its earlier versions are kept as they were; versions
//!   are never rewound (a FHIR client holding the merge's version may still read it).
//! - `mpi_merge_moves` lists exactly what a merge moved, so an unmerge moves back those
//!   records and no others: a record entered on the surviving chart after the merge stays.
//! - Merges are undone newest first: an unmerge is refused while a later merge that
//!   involves either chart stands.
//! - A pair decided "not duplicate" is not merged until a reviewer decides it again.

use crate::audit::Audited;
use crate::conn::Dialect;
use crate::error::{Error, Result};
use crate::patient_index::{instant, json_of, required};
use crate::table::Table;
use crate::tx::{Actor, Tx};
use crate::value::{Row, Value};
use privacy::{Action, AuditEvent, DataCategory};
use records::{
    Allergy, CaseReport, Charge, ChargeDetail, Claim, ClinicalNote, Consent, Coverage, Deficiency,
    Diagnosis, Dictation, DictationText, Disclosure, Encounter, EncounterParticipant, FollowUpTask,
    Immunization, Medication, Observation, Patient, PatientGroup, PatientId, PhysicianQuery,
    Posting, Problem, Procedure, RecordKind, RoiRequest, ScannedDocument, WriteOffRequest,
};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

/// Every record table that belongs to a patient's chart, as `(table, kind)`: a merge moves
/// the rows of each. The storage suite checks that no table with a `patient_id` column is
/// missing from this list or from the deliberate exceptions.
pub fn chart_tables() -> Vec<(&'static str, &'static str)> {
    fn of<T: Table>() -> (&'static str, &'static str) {
        (T::TABLE, T::KIND)
    }
    vec![
        of::<Coverage>(),
        of::<Encounter>(),
        of::<EncounterParticipant>(),
        of::<Diagnosis>(),
        of::<Procedure>(),
        of::<Immunization>(),
        of::<Observation>(),
        of::<Medication>(),
        of::<Allergy>(),
        of::<Problem>(),
        of::<ClinicalNote>(),
        of::<Charge>(),
        of::<ChargeDetail>(),
        of::<Posting>(),
        of::<WriteOffRequest>(),
        of::<Claim>(),
        of::<Deficiency>(),
        of::<PhysicianQuery>(),
        of::<FollowUpTask>(),
        of::<RoiRequest>(),
        of::<Disclosure>(),
        of::<Consent>(),
        of::<Dictation>(),
        of::<DictationText>(),
        of::<ScannedDocument>(),
        of::<CaseReport>(),
    ]
}

/// Tables with a `patient_id` a merge leaves alone, and why: they record what happened to
/// a patient at the time (who looked, who broke the glass, earlier versions), or are the
/// patient's own lookup rows, or the index's own work. A legal hold keeps naming the chart
/// it was placed on (its history stays as placed); the retention report extends a hold on
/// a retired chart to the chart it was merged into. Paper chart volumes
/// are not a record table: `chart_relabel` renumbers them onto the surviving chart.
/// The index of archived charts names each chart as it was archived. A message to the
/// immunization registry records what was sent about the chart it was built from.
pub const NOT_MOVED: &[&str] = &[
    "archived_charts",
    "audit_log",
    "audit_patient_writes",
    "audit_patients",
    "break_glass_grants",
    "legal_hold_patients",
    "mpi_overlays",
    "patient_identifiers",
    "record_history",
    "registry_messages",
];

/// One merge.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MergeRecord {
    /// Row id.
    pub id: i64,
    /// The chart that stays.
    pub surviving_id: i64,
    /// The chart retired into it.
    pub retired_id: i64,
    /// The candidate pair it settled, if matching had found the two.
    pub candidate_id: Option<i64>,
    /// Who merged.
    pub merged_by: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub merged_at: OffsetDateTime,
    /// Why.
    pub reason: String,
    /// `merged` or `unmerged`.
    pub status: String,
    /// Who undid it.
    pub unmerged_by: Option<String>,
    /// When.
    #[serde(with = "time::serde::rfc3339::option")]
    pub unmerged_at: Option<OffsetDateTime>,
    /// Why.
    pub unmerge_reason: Option<String>,
    /// What it moved: `(kind, count)`, kinds in chart order.
    pub moved: Vec<(String, i64)>,
}

const MERGE_COLUMNS: &str = "id, surviving_id, retired_id, candidate_id, merged_by, merged_at, reason, status, unmerged_by, unmerged_at, unmerge_reason";

fn read_merge(row: &Row) -> Result<MergeRecord> {
    let text = |idx: usize| row.text(idx).map(str::to_owned);
    Ok(MergeRecord {
        id: row.int(0),
        surviving_id: row.int(1),
        retired_id: row.int(2),
        candidate_id: row.get(3).as_int(),
        merged_by: text(4).unwrap_or_default(),
        merged_at: instant("merge", row, 5)?,
        reason: text(6).unwrap_or_default(),
        status: text(7).unwrap_or_default(),
        unmerged_by: text(8),
        unmerged_at: row.get(9).as_instant(),
        unmerge_reason: text(10),
        moved: Vec::new(),
    })
}

/// The JSON of a history row's change of `patient_id`, built by the database from the
/// merge row (`m`), old and new being its columns.
fn patient_change_sql(dialect: Dialect, old: &str, new: &str) -> String {
    match dialect {
        Dialect::Sqlite => {
            format!("json_object('patient_id', json_object('old', m.{old}, 'new', m.{new}))")
        }
        Dialect::Postgres => format!(
            "jsonb_build_object('patient_id', jsonb_build_object('old', m.{old}, 'new', m.{new}))"
        ),
    }
}

impl Tx<'_> {
    /// The merge with `id`, with what it moved.
    pub fn merge_record(&mut self, id: i64) -> Result<MergeRecord> {
        let rows = self.query(
            &format!("SELECT {MERGE_COLUMNS} FROM mpi_merges WHERE id = ?"),
            &[Value::Int(id)],
        )?;
        let mut merge = rows
            .first()
            .map(read_merge)
            .transpose()?
            .ok_or(Error::NotFound { kind: "merge", id })?;
        merge.moved = self
            .query(
                "SELECT kind, CAST(COUNT(*) AS BIGINT) FROM mpi_merge_moves WHERE merge_id = ? GROUP BY kind",
                &[Value::Int(id)],
            )?
            .iter()
            .map(|row| (row.text(0).unwrap_or_default().to_owned(), row.int(1)))
            .collect();
        let order = |kind: &str| {
            chart_tables()
                .iter()
                .position(|(_, k)| *k == kind)
                .unwrap_or(usize::MAX)
        };
        merge
            .moved
            .sort_by_key(|(kind, _)| (order(kind), kind.clone()));
        Ok(merge)
    }

    /// Merges, newest first, at most `limit`.
    pub fn merges(&mut self, limit: i64) -> Result<Vec<MergeRecord>> {
        self.query(
            &format!(
                "SELECT {MERGE_COLUMNS} FROM mpi_merges ORDER BY id DESC LIMIT {}",
                limit.max(0)
            ),
            &[],
        )?
        .iter()
        .map(read_merge)
        .collect()
    }

    /// The charts merged into `patient_id` by merges that still stand, oldest first.
    pub fn patients_merged_into(&mut self, patient_id: i64) -> Result<Vec<i64>> {
        Ok(self
            .query(
                "SELECT retired_id FROM mpi_merges WHERE surviving_id = ? AND status = 'merged' ORDER BY id",
                &[Value::Int(patient_id)],
            )?
            .iter()
            .map(|row| row.int(0))
            .collect())
    }

    /// The chart a retired patient now lives on (following merges that still stand), or
    /// `None` when the patient was never merged away.
    pub fn surviving_patient(&mut self, patient_id: i64) -> Result<Option<i64>> {
        let mut current = patient_id;
        let mut found = None;
        // Each step goes to a chart retired later, so the chain ends; the bound only
        // guards against a hand-edited table.
        for _ in 0..64 {
            let row = self.query(
                "SELECT surviving_id FROM mpi_merges WHERE retired_id = ? AND status = 'merged' ORDER BY id DESC LIMIT 1",
                &[Value::Int(current)],
            )?;
            match row.first() {
                Some(row) => {
                    current = row.int(0);
                    found = Some(current);
                }
                None => break,
            }
        }
        Ok(found)
    }

    /// Moves the chart rows listed for `merge_id` of one kind to the patient in column
    /// `to` of the merge, a new version each with a history row (action `action`).
    fn move_listed(
        &mut self,
        merge_id: i64,
        (table, kind): (&'static str, &'static str),
        actor: &Actor,
        (from, to, action, reason_column): (&str, &str, &str, &str),
    ) -> Result<()> {
        let now = self.now();
        self.conn().execute(
            &format!(
                "UPDATE {table} SET patient_id = (SELECT {to} FROM mpi_merges WHERE id = ?), version = version + 1, updated_at = ?, updated_by = ? WHERE id IN (SELECT record_id FROM mpi_merge_moves WHERE merge_id = ? AND kind = '{kind}')"
            ),
            &[
                Value::Int(merge_id),
                Value::Timestamp(now),
                Value::from(actor.name()),
                Value::Int(merge_id),
            ],
        )?;
        let changes = patient_change_sql(self.dialect(), from, to);
        self.conn().execute(
            &format!(
                "INSERT INTO record_history (kind, record_id, patient_id, version, action, changed_at, changed_by, reason, changes) \
                 SELECT '{kind}', t.id, t.patient_id, t.version, '{action}', t.updated_at, t.updated_by, m.{reason_column}, {changes} \
                 FROM {table} t JOIN mpi_merge_moves mv ON mv.record_id = t.id AND mv.kind = '{kind}' JOIN mpi_merges m ON m.id = mv.merge_id \
                 WHERE mv.merge_id = ? ORDER BY t.id"
            ),
            &[Value::Int(merge_id)],
        )?;
        Ok(())
    }

    pub(crate) fn list_move(
        &mut self,
        merge_id: i64,
        kind: &str,
        record_id: i64,
        detail: Option<serde_json::Value>,
    ) -> Result<()> {
        self.conn().execute(
            "INSERT INTO mpi_merge_moves (merge_id, kind, record_id, detail) VALUES (?, ?, ?, ?)",
            &[
                Value::Int(merge_id),
                Value::from(kind),
                Value::Int(record_id),
                detail.map_or(Value::Null, Value::Json),
            ],
        )?;
        Ok(())
    }

    /// Sets a patient's soft delete (a reason) or clears it (`None`), a new version with
    /// its history row.
    fn set_retired(
        &mut self,
        actor: &Actor,
        patient_id: i64,
        retired: Option<&str>,
        action: &str,
        reason: &str,
    ) -> Result<()> {
        let now = self.now();
        let version = self.get::<Patient>(patient_id)?.meta.version;
        let (at, by) = match retired {
            Some(_) => (Value::Timestamp(now), Value::from(actor.name())),
            None => (Value::Null, Value::Null),
        };
        self.conn().execute(
            "UPDATE patients SET deleted_at = ?, deleted_by = ?, deleted_reason = ?, version = version + 1, updated_at = ?, updated_by = ? WHERE id = ? AND version = ?",
            &[
                at,
                by,
                Value::from(retired),
                Value::Timestamp(now),
                Value::from(actor.name()),
                Value::Int(patient_id),
                Value::Int(version),
            ],
        )?;
        self.append_history(
            Patient::KIND,
            patient_id,
            Value::Int(patient_id),
            version + 1,
            action,
            actor,
            Some(reason),
            json!({}),
            None,
        )
    }

    /// Rewrites a group's roster, a new version with its history row.
    fn set_members(
        &mut self,
        actor: &Actor,
        group_id: i64,
        members: &[i64],
        action: &str,
        reason: &str,
    ) -> Result<()> {
        let current = self.get::<PatientGroup>(group_id)?;
        let old: Vec<i64> = current.record.members.iter().map(|p| p.0).collect();
        let now = self.now();
        self.conn().execute(
            "UPDATE patient_groups SET members = ?, version = version + 1, updated_at = ?, updated_by = ? WHERE id = ?",
            &[
                Value::Json(json!(members)),
                Value::Timestamp(now),
                Value::from(actor.name()),
                Value::Int(group_id),
            ],
        )?;
        self.append_history(
            PatientGroup::KIND,
            group_id,
            Value::Null,
            current.meta.version + 1,
            action,
            actor,
            Some(reason),
            json!({ "members": { "old": old, "new": members } }),
            None,
        )
    }
}

/// A roster with `retired` replaced by `surviving` (dropped when already listed).
fn merged_roster(members: &[i64], surviving: i64, retired: i64) -> Vec<i64> {
    let has_surviving = members.contains(&surviving);
    members
        .iter()
        .filter_map(|&member| match member {
            m if m == retired && has_surviving => None,
            m if m == retired => Some(surviving),
            m => Some(m),
        })
        .collect()
}

impl Audited<'_> {
    /// Merges `retired_id`'s chart into `surviving_id`'s: everything moves, the retired
    /// patient is soft-deleted naming the merge, and the audit entry names both.
    pub fn merge_patients(
        &mut self,
        surviving_id: i64,
        retired_id: i64,
        reason: &str,
        actor: &Actor,
        by: AuditEvent,
    ) -> Result<MergeRecord> {
        required("merge", "reason", reason)?;
        if surviving_id == retired_id {
            return Err(Error::Conflict(format!(
                "patient {surviving_id} cannot be merged into itself"
            )));
        }
        let mut tx = self.records();
        let check_live = |tx: &mut Tx<'_>, id: i64| -> Result<Patient> {
            let patient = tx.get::<Patient>(id)?;
            if patient.meta.deleted.is_some() {
                return Err(match tx.surviving_patient(id)? {
                    Some(survivor) => Error::Conflict(format!(
                        "patient {id} was merged into patient {survivor} already"
                    )),
                    None => Error::Deleted {
                        kind: Patient::KIND,
                        id,
                    },
                });
            }
            Ok(patient.record)
        };
        let surviving = check_live(&mut tx, surviving_id)?;
        check_live(&mut tx, retired_id)?;
        let pair = tx.candidate_pair_of(surviving_id, retired_id)?;
        if let Some(pair) = &pair
            && pair.status == "not_duplicate"
        {
            return Err(Error::Conflict(format!(
                "patients {} and {} were decided to be different people (candidate pair {}); decide the pair again before merging",
                pair.patient_a, pair.patient_b, pair.id
            )));
        }
        let now = tx.now();
        let row = tx
            .conn()
            .query_one(
                &format!(
                    "INSERT INTO mpi_merges (surviving_id, retired_id, candidate_id, merged_by, merged_at, reason, status) VALUES (?, ?, ?, ?, ?, ?, 'merged') RETURNING {MERGE_COLUMNS}"
                ),
                &[
                    Value::Int(surviving_id),
                    Value::Int(retired_id),
                    Value::from(pair.as_ref().map(|p| p.id)),
                    Value::from(actor.name()),
                    Value::Timestamp(now),
                    Value::from(reason.trim()),
                ],
            )?
            .ok_or_else(|| Error::Database("insert into mpi_merges returned no row".into()))?;
        let merge_id = read_merge(&row)?.id;
        if by.channel != privacy::Channel::Hl7 {
            // The systems holding the retired MRN are told (ADT^A40, sent from the outbox);
            // a merge an inbound A40 asked for is known to its sender already.
            tx.queue_a40(merge_id)?;
        }
        for (table, kind) in chart_tables() {
            // A chart-wide deficiency both charts have (same rule and subject) stays on the
            // retired chart: the surviving chart's own finding stands for it.
            let keep = if table == Deficiency::TABLE {
                " AND NOT EXISTS (SELECT 1 FROM deficiencies kept WHERE kept.patient_id = m.surviving_id AND kept.rule_id = t.rule_id AND kept.subject = t.subject)"
            } else {
                ""
            };
            tx.conn().execute(
                &format!(
                    "INSERT INTO mpi_merge_moves (merge_id, kind, record_id) SELECT m.id, '{kind}', t.id FROM {table} t, mpi_merges m WHERE m.id = ? AND t.patient_id = m.retired_id{keep} ORDER BY t.id"
                ),
                &[Value::Int(merge_id)],
            )?;
            tx.move_listed(
                merge_id,
                (table, kind),
                actor,
                ("retired_id", "surviving_id", "merge", "reason"),
            )?;
        }
        tx.relabel_volumes(merge_id, (surviving_id, surviving.mrn.as_str()), retired_id)?;
        tx.conn().execute(
            "INSERT INTO mpi_merge_moves (merge_id, kind, record_id) SELECT m.id, 'amendment_request', a.id FROM amendment_requests a, mpi_merges m WHERE m.id = ? AND a.patient_id = m.retired_id ORDER BY a.id",
            &[Value::Int(merge_id)],
        )?;
        tx.conn().execute(
            "UPDATE amendment_requests SET patient_id = ? WHERE id IN (SELECT record_id FROM mpi_merge_moves WHERE merge_id = ? AND kind = 'amendment_request')",
            &[Value::Int(surviving_id), Value::Int(merge_id)],
        )?;
        // Later messages and imports naming the retired chart's keys land on the surviving
        // chart (what HL7 ADT^A40 asks of a receiver).
        let keys = tx.query(
            "SELECT source, kind, source_key FROM external_ids WHERE kind = ? AND record_id = ? ORDER BY source, source_key",
            &[Value::from(Patient::KIND), Value::Int(retired_id)],
        )?;
        for key in &keys {
            let (source, kind, source_key) = (
                key.text(0).unwrap_or_default(),
                key.text(1).unwrap_or_default(),
                key.text(2).unwrap_or_default(),
            );
            tx.list_move(
                merge_id,
                "external_id",
                retired_id,
                Some(json!({ "source": source, "kind": kind, "key": source_key })),
            )?;
            tx.conn().execute(
                "UPDATE external_ids SET record_id = ? WHERE source = ? AND kind = ? AND source_key = ?",
                &[
                    Value::Int(surviving_id),
                    Value::from(source),
                    Value::from(kind),
                    Value::from(source_key),
                ],
            )?;
        }
        let history_reason = format!("merge {merge_id}: {}", reason.trim());
        let groups = tx.select::<PatientGroup>("1 = 1", &[], "id", i64::MAX)?;
        for group in groups {
            let members: Vec<i64> = group.record.members.iter().map(|p| p.0).collect();
            if !members.contains(&retired_id) {
                continue;
            }
            tx.list_move(merge_id, "group", group.meta.id, Some(json!(members)))?;
            let roster = merged_roster(&members, surviving_id, retired_id);
            tx.set_members(actor, group.meta.id, &roster, "merge", &history_reason)?;
        }
        if let Some(pair) = &pair {
            tx.list_move(
                merge_id,
                "candidate",
                pair.id,
                Some(json!({ "status": pair.status })),
            )?;
            tx.conn().execute(
                "UPDATE mpi_candidates SET status = 'merged' WHERE id = ?",
                &[Value::Int(pair.id)],
            )?;
        }
        let retired_reason = format!(
            "merged into patient {surviving_id} (MRN {}), merge {merge_id}: {}",
            surviving.mrn,
            reason.trim()
        );
        tx.set_retired(
            actor,
            retired_id,
            Some(&retired_reason),
            "merge",
            &history_reason,
        )?;
        let merge = tx.merge_record(merge_id)?;
        drop(tx);
        self.append(&merge_event(by, &merge, reason.trim(), true))?;
        Ok(merge)
    }

    /// Undoes merge `merge_id`: every record it moved goes back to the retired chart, which
    /// is restored; records entered on the surviving chart since stay there.
    pub fn unmerge_patients(
        &mut self,
        merge_id: i64,
        reason: &str,
        actor: &Actor,
        by: AuditEvent,
    ) -> Result<MergeRecord> {
        required("unmerge", "reason", reason)?;
        let mut tx = self.records();
        let merge = tx.merge_record(merge_id)?;
        if merge.status != "merged" {
            return Err(Error::Conflict(format!(
                "merge {merge_id} was undone already"
            )));
        }
        let later = tx.query(
            "SELECT id FROM mpi_merges WHERE id > ? AND status = 'merged' AND (surviving_id IN (?, ?) OR retired_id IN (?, ?)) ORDER BY id DESC LIMIT 1",
            &[
                Value::Int(merge_id),
                Value::Int(merge.surviving_id),
                Value::Int(merge.retired_id),
                Value::Int(merge.surviving_id),
                Value::Int(merge.retired_id),
            ],
        )?;
        if let Some(row) = later.first() {
            return Err(Error::Conflict(format!(
                "merge {} is later and involves these charts; unmerge it first",
                row.int(0)
            )));
        }
        for (table, kind) in chart_tables() {
            let strayed = tx.query(
                &format!(
                    "SELECT t.id FROM {table} t JOIN mpi_merge_moves mv ON mv.record_id = t.id AND mv.kind = '{kind}' WHERE mv.merge_id = ? AND t.patient_id <> ? ORDER BY t.id LIMIT 1"
                ),
                &[Value::Int(merge_id), Value::Int(merge.surviving_id)],
            )?;
            if let Some(row) = strayed.first() {
                return Err(Error::Conflict(format!(
                    "{kind} {} is no longer on patient {}'s chart; it cannot be moved back by this unmerge",
                    row.int(0),
                    merge.surviving_id
                )));
            }
        }
        let now = tx.now();
        tx.conn().execute(
            "UPDATE mpi_merges SET status = 'unmerged', unmerged_by = ?, unmerged_at = ?, unmerge_reason = ? WHERE id = ? AND status = 'merged'",
            &[
                Value::from(actor.name()),
                Value::Timestamp(now),
                Value::from(reason.trim()),
                Value::Int(merge_id),
            ],
        )?;
        // The systems told of the merge are told of its undoing (ADT^A37, from the outbox);
        // an unmerge an inbound A37 asked for is known to its sender already.
        tx.announce_unmerge(merge_id, by.channel != privacy::Channel::Hl7)?;
        let history_reason = format!("unmerge of merge {merge_id}: {}", reason.trim());
        tx.set_retired(actor, merge.retired_id, None, "unmerge", &history_reason)?;
        for (table, kind) in chart_tables() {
            tx.move_listed(
                merge_id,
                (table, kind),
                actor,
                ("surviving_id", "retired_id", "unmerge", "unmerge_reason"),
            )?;
        }
        tx.conn().execute(
            "UPDATE amendment_requests SET patient_id = ? WHERE id IN (SELECT record_id FROM mpi_merge_moves WHERE merge_id = ? AND kind = 'amendment_request')",
            &[Value::Int(merge.retired_id), Value::Int(merge_id)],
        )?;
        tx.restore_volumes(merge_id)?;
        let moves = tx.query(
            "SELECT kind, record_id, detail FROM mpi_merge_moves WHERE merge_id = ? AND kind IN ('external_id', 'group', 'candidate') ORDER BY kind, record_id",
            &[Value::Int(merge_id)],
        )?;
        for row in &moves {
            let detail = json_of(row.get(2));
            let record_id = row.int(1);
            match row.text(0) {
                Some("external_id") => {
                    let field = |name: &str| {
                        detail
                            .get(name)
                            .and_then(|v| v.as_str())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    tx.conn().execute(
                        "UPDATE external_ids SET record_id = ? WHERE source = ? AND kind = ? AND source_key = ? AND record_id = ?",
                        &[
                            Value::Int(merge.retired_id),
                            Value::from(field("source")),
                            Value::from(field("kind")),
                            Value::from(field("key")),
                            Value::Int(merge.surviving_id),
                        ],
                    )?;
                }
                Some("group") => {
                    let before: Vec<i64> = serde_json::from_value(detail).unwrap_or_default();
                    let Some(group) = tx.find::<PatientGroup>(record_id)? else {
                        continue;
                    };
                    if group.meta.deleted.is_some() {
                        continue;
                    }
                    let now_members: Vec<i64> = group.record.members.iter().map(|p| p.0).collect();
                    let roster = if now_members
                        == merged_roster(&before, merge.surviving_id, merge.retired_id)
                    {
                        before
                    } else if before.contains(&merge.surviving_id) {
                        // Changed since the merge: put the retired patient back beside the
                        // members as they are now.
                        let mut roster = now_members.clone();
                        if !roster.contains(&merge.retired_id) {
                            roster.push(merge.retired_id);
                        }
                        roster
                    } else {
                        now_members
                            .iter()
                            .map(|&m| {
                                if m == merge.surviving_id {
                                    merge.retired_id
                                } else {
                                    m
                                }
                            })
                            .collect()
                    };
                    if roster != now_members {
                        tx.set_members(actor, record_id, &roster, "unmerge", &history_reason)?;
                    }
                }
                Some("candidate") => {
                    let status = detail
                        .get("status")
                        .and_then(|v| v.as_str())
                        .unwrap_or("open")
                        .to_owned();
                    tx.conn().execute(
                        "UPDATE mpi_candidates SET status = ? WHERE id = ? AND status = 'merged'",
                        &[Value::from(status), Value::Int(record_id)],
                    )?;
                }
                _ => {}
            }
        }
        let merge = tx.merge_record(merge_id)?;
        drop(tx);
        self.append(&merge_event(by, &merge, reason.trim(), false))?;
        Ok(merge)
    }
}

fn merge_event(by: AuditEvent, merge: &MergeRecord, reason: &str, merging: bool) -> AuditEvent {
    let moved: serde_json::Map<String, serde_json::Value> = merge
        .moved
        .iter()
        .map(|(kind, n)| (kind.clone(), json!(n)))
        .collect();
    let (old, new) = if merging {
        (
            json!({ "retired_id": merge.retired_id, "status": "separate" }),
            json!({ "merge_id": merge.id, "surviving_id": merge.surviving_id, "status": "merged", "moved": moved }),
        )
    } else {
        (
            json!({ "merge_id": merge.id, "surviving_id": merge.surviving_id, "status": "merged" }),
            json!({ "retired_id": merge.retired_id, "status": "unmerged", "moved_back": moved }),
        )
    };
    let mut event = by
        .patients(&[PatientId(merge.surviving_id), PatientId(merge.retired_id)])
        .record("mpi_merge", merge.id)
        .categories(DataCategory::ALL)
        .reason(reason)
        .changes(Some(old.to_string()), Some(new.to_string()));
    event.action = Action::Update;
    event
}
