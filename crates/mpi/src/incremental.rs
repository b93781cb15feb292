//! One patient against the index at once: the model a full match estimated is kept
//! (`store` schema 30), and a registration (or any new or changed chart) is compared with
//! the patients its blocking keys reach on file and scored with that model, so the
//! registrar sees who it may already be before a second chart is opened, and a pair the
//! registrar asks about joins the duplicate queue.
//!
//! Invariants: the patients compared are found by indexed look-ups only (same, transposed
//! or neighbouring birth date, same phone, the tolerant name search), never a scan of the
//! population; a kept model whose shape no longer fits the comparisons is not used (a new
//! full match keeps a new one); nothing here audits: callers audit what they show.

use crate::compare::{FIELDS, compare};
use crate::full_match::MatchRun;
use crate::nicknames::Nicknames;
use crate::normalize::Person;
use crate::score::{Class, Contribution, Model, Scored};
use crate::settings::{Bands, Settings};
use records::Patient;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use store::{CandidatePair, FoundPair, Likeness, Stored, Tx, Value};
use time::{Date, Month};

/// Most patients listed for one registration.
const MAX_LISTED: usize = 10;

/// Most patients read from each look-up.
const PER_LOOKUP: i64 = 50;

/// A model as kept: the estimate and the bands its comparisons used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trained {
    /// The estimated weights and thresholds.
    pub model: Model,
    /// The similarity bands of the settings it was estimated with.
    pub bands: Bands,
}

impl Trained {
    /// The model of a full match run with `settings`.
    pub fn of_run(run: &MatchRun, settings: &Settings) -> Self {
        Self {
            model: run.model.clone(),
            bands: settings.bands,
        }
    }

    /// Whether the kept shape still fits the comparisons (one list of levels per field, as
    /// many levels as each field has).
    fn fits(&self) -> bool {
        self.model.fields.len() == FIELDS.len()
            && FIELDS
                .iter()
                .zip(&self.model.fields)
                .all(|(field, levels)| field.levels().len() == levels.len())
    }
}

/// Keeps the model of a full match; it is in force from now on. Returns its id.
pub fn save_model(
    tx: &mut Tx<'_>,
    run: &MatchRun,
    settings: &Settings,
    n_patients: usize,
    by: &str,
) -> store::Result<i64> {
    let json = serde_json::to_value(Trained::of_run(run, settings))
        .map_err(|err| store::Error::Database(format!("the match model: {err}")))?;
    tx.save_mpi_model(
        by,
        i64::try_from(n_patients).unwrap_or(i64::MAX),
        i64::try_from(run.n_compared).unwrap_or(i64::MAX),
        &json,
    )
}

/// The model in force, if a full match kept one that still fits.
pub fn model_in_force(tx: &mut Tx<'_>) -> store::Result<Option<Trained>> {
    Ok(tx
        .latest_mpi_model()?
        .and_then(|saved| serde_json::from_value::<Trained>(saved.model).ok())
        .filter(Trained::fits))
}

/// A patient on file who may be the one registered.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// The patient on file.
    pub patient: Stored<Patient>,
    /// How alike the names and birth dates are, when the name search found them.
    pub likeness: Option<Likeness>,
    /// The model's score, when a model is in force.
    pub score: Option<Scored>,
    /// Each field's level and weight, when scored.
    pub contributions: Vec<Contribution>,
}

impl Match {
    /// Why the registrar is shown this patient, in words.
    pub fn why(&self) -> String {
        let class = |class: Class| match class {
            Class::AutoLink => "very likely the same person",
            Class::Review => "possibly the same person",
            Class::NonMatch => "unlikely the same person",
        };
        match (&self.score, self.likeness) {
            (Some(score), Some(likeness)) => format!(
                "{}: match probability {:.3} ({})",
                likeness.label(),
                score.probability,
                class(score.class)
            ),
            (Some(score), None) => format!(
                "match probability {:.3} ({})",
                score.probability,
                class(score.class)
            ),
            (None, Some(likeness)) => likeness.label().to_owned(),
            (None, None) => String::new(),
        }
    }
}

/// The other birth dates a slip at the desk makes of `born`: day and month transposed, and
/// the year one off.
fn slipped_dates(born: Date) -> Vec<Date> {
    let mut dates = vec![born];
    if let Ok(month) = Month::try_from(born.day())
        && let Ok(date) = Date::from_calendar_date(born.year(), month, u8::from(born.month()))
    {
        dates.push(date);
    }
    for year in [born.year() - 1, born.year() + 1] {
        if let Ok(date) = born.replace_year(year) {
            dates.push(date);
        }
    }
    dates.sort();
    dates.dedup();
    dates
}

/// The patients on file who may be `patient` (leaving out chart `itself`, when it is on
/// file already), most probable first: found as the blocking rules would pair them and by
/// the tolerant name search, scored with `trained` when a model is in force. Without a
/// model, the name search's finds are listed by likeness.
pub fn candidates_for(
    tx: &mut Tx<'_>,
    patient: &Patient,
    itself: Option<i64>,
    trained: Option<&Trained>,
    nicknames: &Nicknames,
) -> store::Result<Vec<Match>> {
    let mut found: HashMap<i64, Match> = HashMap::new();
    let mut keep = |stored: Stored<Patient>, likeness: Option<Likeness>| {
        if Some(stored.meta.id) == itself {
            return;
        }
        let entry = found.entry(stored.meta.id).or_insert(Match {
            patient: stored,
            likeness: None,
            score: None,
            contributions: Vec::new(),
        });
        entry.likeness = entry.likeness.or(likeness);
    };
    for (stored, likeness) in tx.possible_duplicates(
        &patient.family_name,
        &patient.given_name,
        patient.birth_date,
    )? {
        keep(stored, Some(likeness));
    }
    if trained.is_some() {
        for date in slipped_dates(patient.birth_date) {
            for stored in
                tx.select::<Patient>("birth_date = ?", &[Value::Date(date)], "id", PER_LOOKUP)?
            {
                keep(stored, None);
            }
        }
        if let Some(phone) = patient.phone.as_deref().filter(|p| !p.trim().is_empty()) {
            for stored in
                tx.select::<Patient>("phone = ?", &[Value::from(phone.trim())], "id", PER_LOOKUP)?
            {
                keep(stored, None);
            }
        }
    }
    let mut matches: Vec<Match> = found.into_values().collect();
    if let Some(trained) = trained {
        let person = Person::from_patient(patient, nicknames);
        for candidate in &mut matches {
            let other = Person::from_patient(&candidate.patient.record, nicknames);
            let vector = compare(&person, &other, &trained.bands);
            candidate.score = Some(trained.model.score(vector));
            candidate.contributions = trained.model.explain(vector);
        }
        matches.retain(|m| {
            m.likeness.is_some() || m.score.is_some_and(|s| s.class != Class::NonMatch)
        });
    }
    matches.sort_by(|x, y| {
        let p = |m: &Match| m.score.map_or(0.0, |s| s.probability);
        p(y).total_cmp(&p(x))
            .then(x.likeness.is_none().cmp(&y.likeness.is_none()))
            .then(x.likeness.cmp(&y.likeness))
            .then(x.patient.meta.id.cmp(&y.patient.meta.id))
    });
    matches.truncate(MAX_LISTED);
    Ok(matches)
}

/// Puts the pair of a new chart and a chart on file that the registrar asked about into the
/// duplicate queue, scored with `trained` when a model is in force (class `requested`
/// unless the model itself would queue it). Returns the pair as queued.
pub fn request_merge(
    tx: &mut Tx<'_>,
    new: &Stored<Patient>,
    on_file: &Stored<Patient>,
    trained: Option<&Trained>,
    nicknames: &Nicknames,
) -> store::Result<CandidatePair> {
    let (probability, weight, class, contributions) = match trained {
        Some(trained) => {
            let vector = compare(
                &Person::from_patient(&new.record, nicknames),
                &Person::from_patient(&on_file.record, nicknames),
                &trained.bands,
            );
            let scored = trained.model.score(vector);
            let class = match scored.class {
                Class::AutoLink => "auto_link",
                Class::Review => "review",
                Class::NonMatch => "requested",
            };
            (
                scored.probability,
                scored.weight,
                class,
                serde_json::to_value(trained.model.explain(vector)).unwrap_or_default(),
            )
        }
        None => (0.0, 0.0, "requested", serde_json::json!([])),
    };
    tx.save_candidate_pairs(&[FoundPair {
        patient_a: new.meta.id,
        patient_b: on_file.meta.id,
        probability,
        weight,
        class: class.to_owned(),
        contributions,
    }])?;
    tx.candidate_pair_of(new.meta.id, on_file.meta.id)?
        .ok_or_else(|| store::Error::Database("the requested pair was not kept".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn desk_slips_of_a_birth_date() {
        assert_eq!(
            slipped_dates(date!(1980 - 04 - 12)),
            [
                date!(1979 - 04 - 12),
                date!(1980 - 04 - 12),
                date!(1980 - 12 - 04),
                date!(1981 - 04 - 12)
            ]
        );
        // No thirteenth month; a leap day has no neighbour years.
        assert_eq!(
            slipped_dates(date!(2000 - 02 - 29)),
            [date!(2000 - 02 - 29)]
        );
    }
}
