//! Clinical notes: short templated text naming the reason and the coded diagnoses. Some are
//! left unsigned (and any whose signature would fall after the as-of date), as a records
//! department sees them: half of the last three days' notes, a tenth of the rest of the
//! fortnight's, few older ones, almost none from past years (those were chased long ago),
//! so review has a living queue with a few delinquent charts rather than years of
//! unsigned notes. Procedure notes (operative reports) follow the same rule of thumb:
//! `missing_share`.

use crate::Counts;
use crate::random::{between, chance};
use crate::vocab::Dx;
use rand::rngs::StdRng;
use records::{ClinicalNote, EncounterId, NoteType, PatientId, ProviderId};
use store::{Actor, Tx};
use time::{Date, Duration, OffsetDateTime};

/// One note to write.
pub(crate) struct Note<'a> {
    pub note_type: NoteType,
    pub author: Option<ProviderId>,
    pub at: OffsetDateTime,
    pub setting: &'a str,
    pub reason: &'a str,
    pub diagnoses: &'a [Dx],
    pub plan: &'a str,
}

/// Writes a note, signed or not.
#[allow(clippy::too_many_arguments)] // Where the note goes (ids, as-of) plus the note itself.
pub(crate) fn write(
    tx: &mut Tx<'_>,
    rng: &mut StdRng,
    actor: &Actor,
    patient_id: PatientId,
    encounter_id: EncounterId,
    as_of: Date,
    note: &Note<'_>,
    counts: &mut Counts,
) -> store::Result<()> {
    let mut text = format!(
        "{} — {} on {}.\nReason: {}.\nAssessment:\n",
        note.note_type.label(),
        note.setting,
        note.at.date(),
        note.reason
    );
    for dx in note.diagnoses {
        text.push_str(&format!("- {} {}\n", dx.code, dx.title));
    }
    text.push_str(&format!(
        "Plan: {}.\n[Synthetic demo note; not a real patient.]",
        note.plan
    ));
    let signed_at = note.at + Duration::minutes(between(rng, 5, 48 * 60));
    let left_unsigned = chance(rng, unsigned_share((as_of - note.at.date()).whole_days()));
    let signed = note.author.is_some() && !left_unsigned && signed_at.date() < as_of;
    tx.create(
        actor,
        &ClinicalNote {
            patient_id,
            encounter_id: Some(encounter_id),
            note_type: note.note_type,
            author_id: note.author,
            authored_at: note.at,
            text,
            signed_at: signed.then_some(signed_at),
            signer_id: if signed { note.author } else { None },
        },
    )?;
    counts.notes += 1;
    if !signed {
        counts.unsigned_notes += 1;
    }
    Ok(())
}

/// The share of notes written `age_days` before the as-of date still unsigned.
pub(crate) fn unsigned_share(age_days: i64) -> f64 {
    match age_days {
        ..=3 => 0.50,
        4..=14 => 0.10,
        15..=45 => 0.03,
        46..=180 => 0.005,
        _ => 0.001,
    }
}

/// The share of visits `age_days` before the as-of date whose operative report or
/// discharge summary is still missing: recent ones often (they are being dictated), old
/// ones rarely (the department chased them).
pub(crate) fn missing_share(age_days: i64) -> f64 {
    match age_days {
        ..=14 => 0.25,
        15..=30 => 0.15,
        31..=365 => 0.02,
        _ => 0.005,
    }
}
