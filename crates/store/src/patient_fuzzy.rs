//! Typo-tolerant patient search: after the exact prefix matches, names within a small
//! edit distance of what was typed ("Jonson" finds Johnson, "Smtih" finds Smith).
//!
//! Candidates come from SQL (a name part that shares the first letter, or the second and
//! third letters, of the longest word typed), so a typo in the first letter still finds
//! the name; the edit distance is scored here, where it is one crate call.

use crate::error::Result;
use crate::patients::{PatientQuery, search};
use crate::tx::{Stored, Tx};
use crate::value::Value;
use records::Patient;

/// The most candidates scored per search; beyond that the first letters are too common
/// to narrow anything and the exact matches are what the user wants.
const MAX_CANDIDATES: i64 = 20_000;

/// Exact matches first (see [`search`]), then close misspellings, up to the limit.
pub fn tolerant_search(tx: &mut Tx<'_>, query: &PatientQuery) -> Result<Vec<Stored<Patient>>> {
    let mut results = search(tx, query)?;
    let limit = usize::try_from(if query.limit <= 0 { 50 } else { query.limit }).unwrap_or(50);
    let words = words(query.text.as_deref().unwrap_or_default());
    if results.len() >= limit || words.is_empty() || words.iter().any(|w| w.chars().count() < 3) {
        return Ok(results);
    }
    let Some(key) = words.iter().max_by_key(|w| w.chars().count()) else {
        return Ok(results);
    };
    let first: String = key.chars().take(1).collect();
    let middle: String = key.chars().skip(1).take(2).collect();
    let mut condition = String::from(
        "(lower(family_name) LIKE ? OR lower(given_name) LIKE ? \
         OR substr(lower(family_name), 2, 2) = ? OR substr(lower(given_name), 2, 2) = ?)",
    );
    let mut params = vec![
        Value::from(format!("{first}%")),
        Value::from(format!("{first}%")),
        Value::from(middle.clone()),
        Value::from(middle),
    ];
    if let Some(birth_date) = query.birth_date {
        condition.push_str(" AND birth_date = ?");
        params.push(Value::Date(birth_date));
    }
    let candidates: Vec<Stored<Patient>> = tx.select(&condition, &params, "id", MAX_CANDIDATES)?;
    let mut scored: Vec<(usize, Stored<Patient>)> = candidates
        .into_iter()
        .filter(|p| !results.iter().any(|r| r.meta.id == p.meta.id))
        .filter_map(|p| distance(&words, &p.record).map(|d| (d, p)))
        .collect();
    scored.sort_by(|(da, a), (db, b)| {
        da.cmp(db)
            .then_with(|| a.record.display_name().cmp(&b.record.display_name()))
    });
    results.extend(
        scored
            .into_iter()
            .map(|(_, p)| p)
            .take(limit - results.len()),
    );
    Ok(results)
}

/// The lower-case letters-only words of a search text.
pub(crate) fn words(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == ',')
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphabetic())
                .flat_map(char::to_lowercase)
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// How many edits each typed word needs to reach some part of the patient's name (as a
/// whole or as a prefix of the same length), summed; `None` when a word is too far.
fn distance(typed: &[String], patient: &Patient) -> Option<usize> {
    let parts: Vec<String> = [
        Some(patient.family_name.as_str()),
        Some(patient.given_name.as_str()),
        patient.preferred_name.as_deref(),
        patient.middle_name.as_deref(),
    ]
    .into_iter()
    .flatten()
    .flat_map(words)
    .collect();
    words_within_reach(typed, &parts)
}

/// The edits each typed word needs to reach one of `parts` (whole, or its prefix of the
/// same length), summed; `None` when a word is out of reach: two edits for words of five
/// letters or more, one for three or four, none for shorter ones (too short to guess at).
pub(crate) fn words_within_reach(typed: &[String], parts: &[String]) -> Option<usize> {
    let mut total = 0;
    for word in typed {
        let allowed = match word.chars().count() {
            0..=2 => 0,
            3 | 4 => 1,
            _ => 2,
        };
        let best = parts
            .iter()
            .map(|part| {
                let prefix: String = part.chars().take(word.chars().count()).collect();
                strsim::damerau_levenshtein(word, part)
                    .min(strsim::damerau_levenshtein(word, &prefix))
            })
            .min()?;
        if best > allowed {
            return None;
        }
        total += best;
    }
    Some(total)
}
