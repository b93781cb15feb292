//! The department's queues (waiting for a draft, for editing, for signature; stat first,
//! then oldest) and turnaround: how long dictations took from dictation to draft, to
//! transcribed and to signed.
//!
//! Invariants:
//! - A listing is audited as one read per patient listed; the figures name no patient
//!   (aggregate) and are audited as one read of the notes category.
//! - Turnaround is computed from the dictations' own step times, so it needs no other
//!   bookkeeping and is the same on both engines.

use crate::workflow::queue_of;
use privacy::{Action, AuditEvent, DataCategory};
use records::{Dictation, DictationPriority, DictationStatus, Patient, ProviderId, RecordKind};
use serde::Serialize;
use std::collections::BTreeMap;
use store::{AuditTrail, Store, Stored, Value};
use time::OffsetDateTime;

/// The queues by their names as typed.
pub const QUEUES: &[(&str, DictationStatus)] = &[
    ("draft", DictationStatus::WaitingForDraft),
    ("editing", DictationStatus::Editing),
    ("signature", DictationStatus::WaitingForSignature),
    ("signed", DictationStatus::Signed),
];

/// The status a queue name stands for, or a message listing the names.
pub fn parse_queue(name: &str) -> Result<DictationStatus, String> {
    QUEUES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name.trim()))
        .map(|(_, s)| *s)
        .ok_or_else(|| {
            let names: Vec<&str> = QUEUES.iter().map(|(n, _)| *n).collect();
            format!("unknown queue {name:?}; one of {}", names.join(", "))
        })
}

/// A queue entry with whose it is and how long it has waited.
#[derive(Debug, Clone, Serialize)]
pub struct QueueItem {
    /// The dictation.
    pub dictation: Stored<Dictation>,
    /// "Family, Given".
    pub patient_name: String,
    /// The MRN.
    pub mrn: String,
    /// Minutes since it was dictated.
    pub age_minutes: i64,
}

/// The dictations in `status`'s queue, stat first then oldest, at most `limit`, audited as
/// one read per patient listed.
pub fn queue(
    store: &Store,
    trail: &AuditTrail,
    who: &AuditEvent,
    status: DictationStatus,
    limit: i64,
) -> store::Result<Vec<QueueItem>> {
    queue_for(store, trail, who, status, None, limit)
}

/// As `queue`, only the dictations of `provider` when one is named (a physician's own).
pub fn queue_for(
    store: &Store,
    trail: &AuditTrail,
    who: &AuditEvent,
    status: DictationStatus,
    provider: Option<ProviderId>,
    limit: i64,
) -> store::Result<Vec<QueueItem>> {
    trail.write(store, |audited| {
        let mut tx = audited.records();
        let now = tx.now();
        let found = queue_of(&mut tx, status, provider, limit)?;
        let mut names: BTreeMap<i64, (String, String)> = BTreeMap::new();
        let mut items = Vec::with_capacity(found.len());
        for dictation in found {
            let patient = dictation.record.patient_id.0;
            if let std::collections::btree_map::Entry::Vacant(slot) = names.entry(patient) {
                let stored: Stored<Patient> = tx.get(patient)?;
                slot.insert((stored.record.display_name(), stored.record.mrn.to_string()));
            }
            let (patient_name, mrn) = names.get(&patient).cloned().unwrap_or_default();
            items.push(QueueItem {
                age_minutes: (now - dictation.record.dictated_at).whole_minutes(),
                dictation,
                patient_name,
                mrn,
            });
        }
        drop(tx);
        for patient in names.keys() {
            let mut event = who.clone();
            event.action = Action::Read;
            audited.append(
                &event
                    .patient(records::PatientId(*patient))
                    .categories(&[DataCategory::Demographics, DataCategory::Notes])
                    .reason(&format!("dictation queue: {}", status.as_str())),
            )?;
        }
        Ok(items)
    })
}

/// How many dictations wait in each open queue, and how many of them are stat.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Waiting for a draft.
    pub waiting_for_draft: i64,
    /// Being edited.
    pub editing: i64,
    /// Waiting for signature.
    pub waiting_for_signature: i64,
    /// Stat among them.
    pub stat: i64,
}

/// The open queues' sizes (of `provider`'s dictations, when named). Counts name no
/// patient, so they are not audited (the start page shows them).
pub fn counts(store: &Store, provider: Option<ProviderId>) -> store::Result<Counts> {
    store.read(|tx| {
        let mut sql = "SELECT status, priority, COUNT(*) FROM dictations \
                       WHERE deleted_at IS NULL AND status <> 'signed'"
            .to_owned();
        let mut params = Vec::new();
        if let Some(provider) = provider {
            sql.push_str(" AND provider_id = ?");
            params.push(Value::Int(provider.0));
        }
        sql.push_str(" GROUP BY status, priority");
        let mut counts = Counts::default();
        for row in tx.query(&sql, &params)? {
            let n = row.int(2);
            match row.text(0) {
                Some("waiting_for_draft") => counts.waiting_for_draft += n,
                Some("editing") => counts.editing += n,
                Some("waiting_for_signature") => counts.waiting_for_signature += n,
                _ => continue,
            }
            if row.text(1) == Some("stat") {
                counts.stat += n;
            }
        }
        Ok(counts)
    })
}

/// Median, 90th centile and count of a set of durations, in minutes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Spread {
    /// How many.
    pub count: usize,
    /// Median minutes.
    pub median_minutes: f64,
    /// 90th centile minutes (nearest rank).
    pub p90_minutes: f64,
}

fn spread(mut minutes: Vec<f64>) -> Spread {
    if minutes.is_empty() {
        return Spread::default();
    }
    minutes.sort_by(f64::total_cmp);
    let n = minutes.len();
    let median = if n % 2 == 1 {
        minutes[n / 2]
    } else {
        (minutes[n / 2 - 1] + minutes[n / 2]) / 2.0
    };
    let rank = ((0.9 * n as f64).ceil() as usize).clamp(1, n);
    Spread {
        count: n,
        median_minutes: median,
        p90_minutes: minutes[rank - 1],
    }
}

/// Turnaround of the dictations dictated since a moment.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Turnaround {
    /// Dictations counted.
    pub dictations: usize,
    /// How many are in each queue now, by status name.
    pub waiting: BTreeMap<String, usize>,
    /// Stat ones among them.
    pub stat: usize,
    /// Dictation to draft.
    pub to_draft: Spread,
    /// Dictation to transcribed (handed on for signature).
    pub to_transcribed: Spread,
    /// Dictation to signed.
    pub to_signed: Spread,
    /// Drafts the recogniser could not make.
    pub without_draft: usize,
}

fn minutes(from: OffsetDateTime, to: Option<OffsetDateTime>) -> Option<f64> {
    to.map(|to| (to - from).as_seconds_f64() / 60.0)
}

/// Turnaround of the dictations dictated since `since`, audited as one aggregate read.
pub fn turnaround(
    store: &Store,
    trail: &AuditTrail,
    who: &AuditEvent,
    since: OffsetDateTime,
) -> store::Result<Turnaround> {
    trail.write(store, |audited| {
        let found: Vec<Stored<Dictation>> = audited.records().select(
            "dictated_at >= ?",
            &[Value::Timestamp(since)],
            "id",
            i64::MAX,
        )?;
        let mut figures = Turnaround {
            dictations: found.len(),
            ..Turnaround::default()
        };
        let (mut draft, mut transcribed, mut signed) = (Vec::new(), Vec::new(), Vec::new());
        for d in found.iter().map(|s| &s.record) {
            *figures
                .waiting
                .entry(d.status.as_str().to_owned())
                .or_default() += 1;
            if d.priority == DictationPriority::Stat {
                figures.stat += 1;
            }
            if d.draft_problem.is_some() {
                figures.without_draft += 1;
            }
            draft.extend(minutes(d.dictated_at, d.draft_at));
            transcribed.extend(minutes(d.dictated_at, d.transcribed_at));
            signed.extend(minutes(d.dictated_at, d.signed_at));
        }
        figures.to_draft = spread(draft);
        figures.to_transcribed = spread(transcribed);
        figures.to_signed = spread(signed);
        let mut event = who.clone();
        event.action = Action::Read;
        audited.append(
            &event
                .categories(&[DataCategory::Notes])
                .reason(&format!("{} turnaround (aggregate)", Dictation::KIND)),
        )?;
        Ok(figures)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_takes_the_middle_and_the_nearest_rank() {
        let s = spread(vec![10.0, 1.0, 3.0, 2.0]);
        assert_eq!(s.count, 4);
        assert!((s.median_minutes - 2.5).abs() < 1e-9);
        assert!((s.p90_minutes - 10.0).abs() < 1e-9);
        assert_eq!(spread(Vec::new()), Spread::default());
    }
}
