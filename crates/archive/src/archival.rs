//! Archival: eligible charts moved out of the live tables into one archive file each, read
//! back on demand, and restored.
//!
//! An archive file is `CHARTROOM ARCHIVE 1\n`, the manifest's length (4 bytes, big
//! endian), the manifest (JSON: the patient, when and by whom, the schema version, rows
//! per table, the payload's size and SHA-256), then the payload: the chart's rows
//! (`store::ChartRows`, JSON) compressed with zstd. The store's index keeps the whole
//! file's SHA-256, checked before anything is read from it.
//!
//! Invariants:
//! - One transaction per chart: the chart is read, its file written, flushed and renamed
//!   into place (and the directory flushed) before the live rows are deleted and the index
//!   row and audit entry written, in the same transaction. A crash before the commit
//!   leaves the chart live (a file without an index row is not an archived chart, and the
//!   next run writes it again); after it, archived. Never both, never neither.
//! - A hold in force on the patient, or on every record, is checked inside that
//!   transaction, as is the chart's last activity against the report that chose it.
//! - A file whose checksum fails is refused naming the file and both digests; nothing is
//!   read from it or restored.

use crate::error::{Error, Result, file_error};
use crate::retention::{ChartRetention, Schedule, Status, report};
use privacy::AuditEvent;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use store::{ArchivedChart, AuditTrail, ChartRows, PatientSummary, Store, decode_chart};
use time::Date;

/// The directory, inside the data directory, holding the archive files.
pub const ARCHIVE_DIR: &str = "archive";

const MAGIC: &[u8] = b"CHARTROOM ARCHIVE 1\n";
const FORMAT: u32 = 1;
/// A manifest is a few kilobytes; anything past this is not one.
const MAX_MANIFEST: u32 = 1 << 20;

/// What an archive file says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveManifest {
    /// The file format's version.
    pub format: u32,
    /// The patient's record id.
    pub patient_id: i64,
    /// The MRN.
    pub mrn: String,
    /// Family name.
    pub family_name: String,
    /// Given name.
    pub given_name: String,
    /// When it was archived (RFC 3339).
    pub archived_at: String,
    /// Who archived it.
    pub archived_by: String,
    /// The store's schema version when it was archived.
    pub schema_version: i64,
    /// Rows per table.
    pub rows: BTreeMap<String, usize>,
    /// The uncompressed payload's size.
    pub payload_bytes: u64,
    /// The uncompressed payload's SHA-256, hex.
    pub payload_sha256: String,
}

/// An archived chart read back.
#[derive(Debug, Clone)]
pub struct ArchivedRead {
    /// The index row.
    pub entry: ArchivedChart,
    /// The file's manifest.
    pub manifest: ArchiveManifest,
    /// The chart, as a live chart reads.
    pub chart: PatientSummary,
    /// Its rows.
    pub rows: ChartRows,
}

/// What one archival run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ArchivalReport {
    /// Charts archived.
    pub archived: Vec<ArchivedChart>,
    /// Charts left live, with why.
    pub skipped: Vec<(i64, String, String)>,
}

/// Who archives, restores or reads, where: the audit trail, the store, the data directory
/// (whose `archive/` folder holds the files), and the user named in the index.
#[derive(Clone, Copy)]
pub struct Archivist<'a> {
    /// The audit trail every archival, read and restore is written to.
    pub trail: &'a AuditTrail,
    /// The store.
    pub store: &'a Store,
    /// The data directory.
    pub data_dir: &'a Path,
    /// Who is doing it.
    pub by: &'a str,
}

/// The archive directory of a data directory.
pub fn archive_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(ARCHIVE_DIR)
}

fn file_name(patient_id: i64) -> String {
    format!("chart-{patient_id}.zst")
}

fn hex_sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The bytes of an archive file for `rows`.
fn encode(
    rows: &ChartRows,
    manifest_for: impl FnOnce(u64, String) -> ArchiveManifest,
) -> Result<Vec<u8>> {
    let payload =
        serde_json::to_vec(rows).map_err(|e| Error::Invalid(format!("encoding the chart: {e}")))?;
    let manifest = manifest_for(payload.len() as u64, hex_sha256(&payload));
    let manifest = serde_json::to_vec(&manifest)
        .map_err(|e| Error::Invalid(format!("encoding the manifest: {e}")))?;
    let compressed = zstd::encode_all(payload.as_slice(), 9)?;
    let mut out = Vec::with_capacity(MAGIC.len() + 4 + manifest.len() + compressed.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(
        &u32::try_from(manifest.len())
            .unwrap_or(u32::MAX)
            .to_be_bytes(),
    );
    out.extend_from_slice(&manifest);
    out.extend_from_slice(&compressed);
    Ok(out)
}

/// Reads an archive file's bytes (already checked against the index's SHA-256).
fn decode(path: &Path, bytes: &[u8]) -> Result<(ArchiveManifest, ChartRows)> {
    let bad = |why: &str| Error::Invalid(format!("{}: {why}", path.display()));
    let rest = bytes
        .strip_prefix(MAGIC)
        .ok_or_else(|| bad("not a Chartroom archive file"))?;
    let (length, rest) = rest
        .split_at_checked(4)
        .ok_or_else(|| bad("cut short in its header"))?;
    let length = u32::from_be_bytes(
        length
            .try_into()
            .map_err(|_| bad("cut short in its header"))?,
    );
    if length > MAX_MANIFEST {
        return Err(bad("its manifest length is implausible"));
    }
    let (manifest, compressed) = rest
        .split_at_checked(length as usize)
        .ok_or_else(|| bad("cut short in its manifest"))?;
    let manifest: ArchiveManifest = serde_json::from_slice(manifest)
        .map_err(|e| bad(&format!("its manifest is unreadable: {e}")))?;
    if manifest.format != FORMAT {
        return Err(bad(&format!(
            "format {} is not one this version reads",
            manifest.format
        )));
    }
    let payload = zstd::decode_all(compressed)
        .map_err(|e| bad(&format!("its payload does not decompress: {e}")))?;
    let digest = hex_sha256(&payload);
    if digest != manifest.payload_sha256 || payload.len() as u64 != manifest.payload_bytes {
        return Err(bad(&format!(
            "its payload's SHA-256 is {digest}, the manifest says {}",
            manifest.payload_sha256
        )));
    }
    let rows: ChartRows = serde_json::from_slice(&payload)
        .map_err(|e| bad(&format!("its chart is unreadable: {e}")))?;
    if rows.patient_id != manifest.patient_id {
        return Err(bad("its chart is not the manifest's patient"));
    }
    Ok((manifest, rows))
}

/// Writes `bytes` to `path` durably: a temporary sibling, flushed, renamed into place,
/// then the directory flushed, so the file either is whole or is not there.
fn write_durably(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| file_error(dir, &e))?;
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::File::create(&tmp).map_err(|e| file_error(&tmp, &e))?;
    file.write_all(bytes).map_err(|e| file_error(&tmp, &e))?;
    file.sync_all().map_err(|e| file_error(&tmp, &e))?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(|e| file_error(path, &e))?;
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| file_error(dir, &e))
}

/// Removes temporary files an interrupted run left.
fn sweep_temporaries(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.path().extension().is_some_and(|e| e == "tmp") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// The newest day on the chart's encounters.
fn last_encounter(chart: &PatientSummary) -> Option<Date> {
    chart
        .encounters
        .iter()
        .flat_map(|e| [Some(e.record.admit_at), e.record.discharge_at])
        .flatten()
        .map(|at| at.date())
        .max()
}

/// Runs `f` in one audited transaction, keeping an archive error as itself.
pub(crate) fn audited<T>(
    trail: &AuditTrail,
    store: &Store,
    f: impl FnOnce(&mut store::Audited<'_>) -> Result<T>,
) -> Result<T> {
    let mut failure = None;
    let outcome = trail.write(store, |audited| match f(audited) {
        Ok(value) => Ok(value),
        Err(Error::Store(e)) => Err(e),
        Err(other) => {
            let said = other.to_string();
            failure = Some(other);
            Err(store::Error::Conflict(said))
        }
    });
    match (outcome, failure) {
        (Ok(value), _) => Ok(value),
        (Err(_), Some(failure)) => Err(failure),
        (Err(e), None) => Err(e.into()),
    }
}

/// Archives one chart the retention report found eligible, in one transaction with the
/// audit entry `event` makes of it. Refused when a hold in force covers it, when it had a
/// visit after `eligible.last_activity`, or when the patient index still works on it.
pub fn archive_chart(
    who: Archivist<'_>,
    eligible: &ChartRetention,
    event: &dyn Fn(&ArchivedChart) -> AuditEvent,
) -> Result<ArchivedChart> {
    let Archivist {
        trail,
        store,
        data_dir,
        by,
    } = who;
    let schema_version = store.schema_version()?;
    let dir = archive_dir(data_dir);
    let patient_id = eligible.patient_id;
    audited(trail, store, |audited| {
        let mut tx = audited.records();
        if let Some(hold) = tx
            .legal_holds(false)?
            .into_iter()
            .find(|h| h.covers(patient_id))
        {
            return Err(Error::Invalid(format!(
                "patient {patient_id} is under legal hold {}{}; nothing was archived",
                hold.id,
                hold.matter.map(|m| format!(" ({m})")).unwrap_or_default()
            )));
        }
        let rows = tx.chart_rows(patient_id)?;
        let chart = decode_chart(&rows)?;
        if let Some(day) = last_encounter(&chart).filter(|d| *d > eligible.last_activity) {
            return Err(Error::Invalid(format!(
                "patient {patient_id} had a visit on {day}, after the report's last activity {}; run the report again",
                eligible.last_activity
            )));
        }
        let patient = &chart.patient.record;
        let now = tx.now();
        let bytes = encode(&rows, |payload_bytes, payload_sha256| ArchiveManifest {
            format: FORMAT,
            patient_id,
            mrn: patient.mrn.as_str().to_owned(),
            family_name: patient.family_name.clone(),
            given_name: patient.given_name.clone(),
            archived_at: now
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            archived_by: by.to_owned(),
            schema_version,
            rows: rows
                .tables
                .iter()
                .filter(|t| !t.rows.is_empty())
                .map(|t| (t.table.clone(), t.rows.len()))
                .collect(),
            payload_bytes,
            payload_sha256,
        })?;
        let name = file_name(patient_id);
        write_durably(&dir.join(&name), &bytes)?;
        tx.remove_chart(&rows)?;
        let digest = hex_sha256(&bytes);
        let entry = tx.note_archived(
            &rows,
            (&name, &digest, bytes.len() as u64),
            eligible.destroy_on,
            by,
        )?;
        drop(tx);
        audited.append(&event(&entry))?;
        Ok(entry)
    })
}

/// Archives every chart eligible for archival (or destruction) on `as_of` and under no
/// hold, or only `only` among them; one transaction per chart, so an interrupted run
/// is finished by running it again.
pub fn archive_eligible(
    who: Archivist<'_>,
    schedule: &Schedule,
    as_of: Date,
    only: Option<i64>,
    event: &dyn Fn(&ArchivedChart) -> AuditEvent,
) -> Result<ArchivalReport> {
    sweep_temporaries(&archive_dir(who.data_dir));
    let report = who
        .store
        .read_beside_writers(|tx| report(tx, schedule, as_of))?;
    let mut done = ArchivalReport::default();
    for chart in report
        .charts
        .iter()
        .filter(|c| only.is_none_or(|id| id == c.patient_id))
    {
        if !matches!(
            chart.status,
            Status::EligibleForArchival | Status::EligibleForDestruction
        ) {
            if only.is_some() {
                done.skipped.push((
                    chart.patient_id,
                    chart.mrn.clone(),
                    format!("{}: {}", chart.status.label(), chart.why),
                ));
            }
            continue;
        }
        match archive_chart(who, chart, event) {
            Ok(entry) => done.archived.push(entry),
            Err(Error::Invalid(why)) => {
                done.skipped
                    .push((chart.patient_id, chart.mrn.clone(), why))
            }
            Err(Error::Store(store::Error::Conflict(why))) => {
                done.skipped
                    .push((chart.patient_id, chart.mrn.clone(), why));
            }
            Err(other) => return Err(other),
        }
    }
    if let Some(id) = only
        && done.archived.is_empty()
        && done.skipped.is_empty()
    {
        return Err(Error::Invalid(format!("patient {id} is not a live chart")));
    }
    Ok(done)
}

/// Reads an archived chart's file, checked against the index's SHA-256 and its own
/// manifest. Call it inside the audited transaction that records the read.
pub fn read_archived(
    tx: &mut store::Tx<'_>,
    data_dir: &Path,
    patient_id: i64,
) -> Result<ArchivedRead> {
    let entry = tx
        .archived_chart(patient_id)?
        .filter(|e| e.status == "archived")
        // No archive is nothing on file (404 over HTTP), not a conflict.
        .ok_or(Error::Store(store::Error::NotFound {
            kind: "archived chart",
            id: patient_id,
        }))?;
    let path = archive_dir(data_dir).join(&entry.file);
    let bytes = std::fs::read(&path).map_err(|e| file_error(&path, &e))?;
    let digest = hex_sha256(&bytes);
    if digest != entry.sha256 {
        return Err(Error::Invalid(format!(
            "{}: the archive file fails its checksum (SHA-256 {digest}, the index says {}); nothing was read",
            path.display(),
            entry.sha256
        )));
    }
    let (manifest, rows) = decode(&path, &bytes)?;
    if rows.patient_id != patient_id {
        return Err(Error::Invalid(format!(
            "{}: holds patient {}, not {patient_id}",
            path.display(),
            rows.patient_id
        )));
    }
    let chart = decode_chart(&rows)?;
    Ok(ArchivedRead {
        entry,
        manifest,
        chart,
        rows,
    })
}

/// The archived chart `reference` names: its MRN (any case) or its patient record id.
pub fn archived_patient(tx: &mut store::Tx<'_>, reference: &str) -> store::Result<Option<i64>> {
    let text = reference.trim();
    if let Ok(id) = text.parse::<i64>()
        && tx
            .archived_chart(id)?
            .is_some_and(|e| e.status == "archived")
    {
        return Ok(Some(id));
    }
    Ok(tx
        .archived_charts(Some(text))?
        .iter()
        .find(|e| e.mrn.eq_ignore_ascii_case(text))
        .map(|e| e.patient_id))
}

/// The archived charts found by MRN or name (every one without `search`), in one
/// transaction with the audit entry `event` makes of the patients listed.
pub fn find_archived_audited(
    who: Archivist<'_>,
    search: Option<&str>,
    event: &dyn Fn(&[i64]) -> AuditEvent,
) -> Result<Vec<ArchivedChart>> {
    audited(who.trail, who.store, |audited| {
        let found = audited.records().archived_charts(search)?;
        let shown: Vec<i64> = found.iter().map(|e| e.patient_id).collect();
        audited.append(&event(&shown))?;
        Ok(found)
    })
}

/// Reads an archived chart in one transaction with the audit entry `event` makes of it.
pub fn read_archived_audited(
    who: Archivist<'_>,
    patient_id: i64,
    event: &dyn Fn(&ArchivedChart) -> AuditEvent,
) -> Result<ArchivedRead> {
    audited(who.trail, who.store, |audited| {
        let read = read_archived(&mut audited.records(), who.data_dir, patient_id)?;
        audited.append(&event(&read.entry))?;
        Ok(read)
    })
}

/// Puts an archived chart back into the live store, in one transaction with its audit
/// entry; the file is removed once that committed.
pub fn restore_chart(
    who: Archivist<'_>,
    patient_id: i64,
    event: &dyn Fn(&ArchivedChart) -> AuditEvent,
) -> Result<ArchivedChart> {
    let read = audited(who.trail, who.store, |audited| {
        let mut tx = audited.records();
        let read = read_archived(&mut tx, who.data_dir, patient_id)?;
        tx.put_chart(&read.rows)?;
        tx.set_archive_status(patient_id, "restored", who.by)?;
        let entry = tx.archived_chart(patient_id)?.unwrap_or(read.entry.clone());
        drop(tx);
        audited.append(&event(&entry))?;
        Ok(ArchivedRead { entry, ..read })
    })?;
    let _ = std::fs::remove_file(archive_dir(who.data_dir).join(&read.entry.file));
    Ok(read.entry)
}
