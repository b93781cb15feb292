//! Lines per hour per transcriptionist: 65-character lines produced per hour of editing,
//! worked out from the saved text versions (`dictation_texts`).
//!
//! Editing time is not recorded as such, so it is read from the versions: each save a
//! transcriptionist makes counts the time since the version before it (the draft, or any
//! earlier save), at most `MAX_GAP_MINUTES` (a longer gap is time away, or the dictation
//! waiting in the queue before it was opened). The lines are those of the last version the
//! transcriptionist saved of each dictation, 65 characters to a line counting spaces but
//! not line breaks (the industry's line), rounded up per dictation.
//!
//! Invariants:
//! - The figures name no patient: computed from versions, audited as one aggregate read.
//! - Only saves of kind `edit` count; the recogniser's draft is nobody's work.

use privacy::{Action, AuditEvent, DataCategory};
use records::DictationText;
use serde::Serialize;
use std::collections::BTreeMap;
use store::{AuditTrail, Store, Stored, Value};
use time::OffsetDateTime;

/// Characters to a line.
pub const LINE_CHARACTERS: usize = 65;

/// The longest gap between two saves counted as editing.
pub const MAX_GAP_MINUTES: i64 = 30;

/// One transcriptionist's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Productivity {
    /// Who (the user who saved).
    pub transcriptionist: String,
    /// Dictations they saved at least once.
    pub dictations: usize,
    /// Lines of their last version of each.
    pub lines: u64,
    /// Editing minutes counted.
    pub editing_minutes: f64,
    /// Lines per hour of editing (none without editing time).
    pub lines_per_hour: Option<f64>,
}

/// The 65-character lines of `text`.
pub fn lines_of(text: &str) -> u64 {
    let characters = text.chars().filter(|c| *c != '\n' && *c != '\r').count();
    characters.div_ceil(LINE_CHARACTERS) as u64
}

/// The figures over `versions` (any order), counting the edits saved at or after `since`.
pub fn figures(versions: &[&DictationText], since: OffsetDateTime) -> Vec<Productivity> {
    let mut by_dictation: BTreeMap<i64, Vec<&DictationText>> = BTreeMap::new();
    for v in versions {
        by_dictation.entry(v.dictation_id).or_default().push(v);
    }
    // (transcriptionist, dictation) -> (editing seconds, last text's lines)
    let mut work: BTreeMap<(&str, i64), (f64, u64)> = BTreeMap::new();
    for (dictation, mut saved) in by_dictation {
        saved.sort_by_key(|v| v.number);
        let mut previous: Option<OffsetDateTime> = None;
        for v in saved {
            if v.kind == "edit" && v.saved_at >= since {
                let gap = previous.map_or(0.0, |p| {
                    (v.saved_at - p)
                        .as_seconds_f64()
                        .clamp(0.0, (MAX_GAP_MINUTES * 60) as f64)
                });
                let slot = work.entry((v.saved_by.as_str(), dictation)).or_default();
                slot.0 += gap;
                slot.1 = lines_of(&v.text);
            }
            previous = Some(v.saved_at);
        }
    }
    let mut by_person: BTreeMap<&str, Productivity> = BTreeMap::new();
    for ((who, _), (seconds, lines)) in work {
        let p = by_person.entry(who).or_insert_with(|| Productivity {
            transcriptionist: who.to_owned(),
            dictations: 0,
            lines: 0,
            editing_minutes: 0.0,
            lines_per_hour: None,
        });
        p.dictations += 1;
        p.lines += lines;
        p.editing_minutes += seconds / 60.0;
    }
    by_person
        .into_values()
        .map(|mut p| {
            p.lines_per_hour =
                (p.editing_minutes > 0.0).then(|| p.lines as f64 / (p.editing_minutes / 60.0));
            p
        })
        .collect()
}

/// Lines per hour per transcriptionist over the edits saved since `since`, audited as one
/// aggregate read.
pub fn productivity(
    store: &Store,
    trail: &AuditTrail,
    who: &AuditEvent,
    since: OffsetDateTime,
) -> store::Result<Vec<Productivity>> {
    trail.write(store, |audited| {
        // Every version of the dictations edited since then: an edit's time runs from the
        // version before it, which may be older.
        let found: Vec<Stored<DictationText>> = audited.records().select(
            "dictation_id IN (SELECT dictation_id FROM dictation_texts WHERE saved_at >= ? AND kind = 'edit')",
            &[Value::Timestamp(since)],
            "dictation_id, number",
            i64::MAX,
        )?;
        let versions: Vec<&DictationText> = found.iter().map(|s| &s.record).collect();
        let out = figures(&versions, since);
        let mut event = who.clone();
        event.action = Action::Read;
        audited.append(
            &event
                .categories(&[DataCategory::Notes])
                .reason("dictation lines per hour (aggregate)"),
        )?;
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use records::PatientId;
    use time::macros::datetime;

    fn saved(
        dictation: i64,
        number: i64,
        kind: &str,
        by: &str,
        at: OffsetDateTime,
        chars: usize,
    ) -> DictationText {
        DictationText {
            dictation_id: dictation,
            patient_id: PatientId(1),
            number,
            kind: kind.into(),
            text: "x".repeat(chars),
            saved_by: by.into(),
            saved_at: at,
        }
    }

    #[test]
    fn lines_count_65_characters_without_line_breaks() {
        assert_eq!(lines_of(""), 0);
        assert_eq!(lines_of(&"a".repeat(65)), 1);
        assert_eq!(lines_of(&format!("{}\n{}", "a".repeat(65), "b")), 2);
    }

    #[test]
    fn editing_time_runs_from_the_version_before_and_long_gaps_are_capped() {
        let t0 = datetime!(2026-03-01 08:00 UTC);
        let m = time::Duration::minutes;
        let versions = [
            // Drafted, waits two hours, then Ann saves twice (capped 30 + 10 minutes).
            saved(1, 1, "draft", "job:transcription", t0, 100),
            saved(1, 2, "edit", "ann", t0 + m(120), 600),
            saved(1, 3, "edit", "ann", t0 + m(130), 650),
            // Bo edits another for 20 minutes.
            saved(2, 1, "draft", "job:transcription", t0, 100),
            saved(2, 2, "edit", "bo", t0 + m(20), 1300),
        ];
        let refs: Vec<&DictationText> = versions.iter().collect();
        let out = figures(&refs, t0);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].transcriptionist, "ann");
        assert_eq!(out[0].lines, 10);
        assert!((out[0].editing_minutes - 40.0).abs() < 1e-9);
        assert!((out[0].lines_per_hour.unwrap_or_default() - 15.0).abs() < 1e-9);
        assert_eq!(out[1].transcriptionist, "bo");
        assert_eq!(out[1].lines, 20);
        assert!((out[1].lines_per_hour.unwrap_or_default() - 60.0).abs() < 1e-9);
    }
}
