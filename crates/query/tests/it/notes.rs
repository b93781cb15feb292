//! Notes and missing documents: note type, signed or not, author, days after the
//! encounter, an encounter's discharge and `has_note(...)` on it, checked against
//! counts made row by row on the generated population, and kept by one-at-a-time
//! writes as a bulk build keeps them.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use query::{EncounterClass, NoteFact};
use time::Duration;
use time::macros::date;

use crate::answers::strings;
use crate::fixture::{AS_OF, Population, Rng, bulk, population};

const TYPES: [&str; 4] = [
    "discharge_summary",
    "progress",
    "operative_report",
    "Progress",
];

/// Zero to two notes per encounter, a few days after it (some written before it on a
/// wrong date), and some with no encounter at all.
fn notes(pop: &Population) -> Vec<NoteFact> {
    let mut rng = Rng::new(17);
    let mut notes = Vec::new();
    for e in &pop.encounters {
        for _ in 0..rng.below(3) {
            let lag = rng.below(12) as i64 - 1;
            let no_encounter = rng.chance(0.05);
            notes.push(NoteFact {
                event_key: notes.len() as i64 + 1,
                patient_key: e.patient_key,
                note_type: rng.pick(&TYPES).to_owned(),
                signed: rng.chance(0.7),
                author_key: 100 + rng.below(5) as i64,
                date: e.date + Duration::days(lag),
                encounter_key: (!no_encounter).then_some(e.event_key),
                days_after_encounter: (!no_encounter).then_some(lag as i32),
            });
        }
    }
    notes
}

fn with_notes(pop: &Population, notes: &[NoteFact]) -> query::Engine {
    let mut builder = query::EngineBuilder::with_capacity(pop.patients.len());
    for patient in &pop.patients {
        builder.add_patient(patient);
    }
    for fact in &pop.encounters {
        builder.add_encounter(fact).unwrap();
    }
    for fact in notes {
        builder.add_note(fact).unwrap();
    }
    builder.build()
}

fn discharge_summaries(notes: &[NoteFact], signed_only: bool) -> HashSet<i64> {
    notes
        .iter()
        .filter(|n| n.note_type.eq_ignore_ascii_case("discharge_summary"))
        .filter(|n| n.signed || !signed_only)
        .filter_map(|n| n.encounter_key)
        .collect()
}

#[test]
fn stays_discharged_without_a_summary_match_the_oracle() {
    let pop = population(4_000, 11);
    let notes = notes(&pop);
    let engine = with_notes(&pop, &notes);
    let summarised = discharge_summaries(&notes, false);
    let missing: Vec<_> = pop
        .encounters
        .iter()
        .filter(|e| e.class == EncounterClass::Inpatient)
        .filter(|e| e.discharge.is_some_and(|d| (AS_OF - d).whole_days() > 30))
        .filter(|e| !summarised.contains(&e.event_key))
        .collect();
    assert!(missing.len() > 50, "{}", missing.len());
    let table = engine
        .query("count encounters where class = inpatient and days_since_discharge > 30 and not has_note(type = discharge_summary) as of 2026-01-01")
        .unwrap();
    assert_eq!(table.scalar(), Some(missing.len() as i64));

    // Per patient, counting only signed summaries, inside `encounter(...)`.
    let signed = discharge_summaries(&notes, true);
    let patients: BTreeSet<i64> = pop
        .encounters
        .iter()
        .filter(|e| e.class == EncounterClass::Inpatient)
        .filter(|e| e.discharge.is_some_and(|d| (AS_OF - d).whole_days() > 30))
        .filter(|e| !signed.contains(&e.event_key))
        .map(|e| e.patient_key)
        .collect();
    let table = engine
        .query("count patients where encounter(class = inpatient, days_since_discharge > 30, not has_note(type = discharge_summary, status = signed)) as of 2026-01-01")
        .unwrap();
    assert_eq!(table.scalar(), Some(patients.len() as i64));

    // Discharged stays that have one, by discharge date: an open stay never matches.
    let having = pop
        .encounters
        .iter()
        .filter(|e| e.discharge.is_some_and(|d| d >= date!(2025 - 06 - 01)))
        .filter(|e| summarised.contains(&e.event_key))
        .count();
    let table = engine
        .query("count encounters where discharge_date >= 2025-06-01 and has_note(type = DISCHARGE_SUMMARY)")
        .unwrap();
    assert_eq!(table.scalar(), Some(having as i64));
    let open = pop
        .encounters
        .iter()
        .filter(|e| e.discharge.is_none())
        .count();
    let table = engine
        .query("count encounters where not discharge_date >= 1900-01-01")
        .unwrap();
    assert_eq!(table.scalar(), Some(open as i64));

    // Without `as of`, days since discharge cannot be measured.
    let error = engine
        .query("count encounters where days_since_discharge > 30")
        .unwrap_err()
        .to_string();
    assert!(error.contains("days_since_discharge"), "{error}");
}

#[test]
fn notes_by_type_author_and_lag_match_the_oracle() {
    let pop = population(3_000, 12);
    let notes = notes(&pop);
    let engine = with_notes(&pop, &notes);
    // Unsigned notes written three or more days after their encounter, by type (case
    // folded: `Progress` and `progress` are one type) and signed state.
    let mut expected: BTreeMap<String, (BTreeSet<i64>, i64)> = BTreeMap::new();
    for n in &notes {
        if !n.signed && n.days_after_encounter.is_some_and(|d| d >= 3) {
            let entry = expected.entry(n.note_type.to_lowercase()).or_default();
            entry.0.insert(n.patient_key);
            entry.1 += 1;
        }
    }
    let table = engine
        .query("count notes where status = unsigned and days_after_encounter >= 3 group by type, status measure patients, count")
        .unwrap();
    let expected: Vec<Vec<String>> = expected
        .into_iter()
        .map(|(t, (p, n))| vec![t, "unsigned".into(), p.len().to_string(), n.to_string()])
        .collect();
    assert_eq!(expected.len(), 3);
    assert_eq!(strings(&table), expected);

    // Patients with a note by author 101 this year, and by author grouped.
    let by_101: BTreeSet<i64> = notes
        .iter()
        .filter(|n| n.author_key == 101 && n.date > date!(2025 - 01 - 01))
        .map(|n| n.patient_key)
        .collect();
    let table = engine
        .query("count patients where note(author = 101, date > 2025-01-01)")
        .unwrap();
    assert_eq!(table.scalar(), Some(by_101.len() as i64));
    let mut by_author: BTreeMap<i64, i64> = BTreeMap::new();
    for n in &notes {
        *by_author.entry(n.author_key).or_default() += 1;
    }
    let table = engine.query("count notes group by author").unwrap();
    let expected: Vec<Vec<String>> = by_author
        .into_iter()
        .map(|(a, n)| vec![a.to_string(), n.to_string()])
        .collect();
    assert_eq!(strings(&table), expected);

    // A note with no encounter has no lag: neither side of a test on it holds.
    let unlinked = notes.iter().filter(|n| n.encounter_key.is_none()).count();
    assert!(unlinked > 0);
    let lagged = engine
        .query("count notes where days_after_encounter >= -100")
        .unwrap()
        .scalar();
    assert_eq!(lagged, Some((notes.len() - unlinked) as i64));
}

#[test]
fn writes_one_at_a_time_equal_the_bulk_build_and_signing_fills_the_gap() {
    let pop = population(1_500, 13);
    let notes = notes(&pop);
    let bulk_engine = with_notes(&pop, &notes);
    let mut engine = bulk(&pop);
    let mut order: Vec<usize> = (0..notes.len()).collect();
    let mut rng = Rng::new(5);
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i as u64 + 1) as usize);
    }
    for &i in &order {
        engine.upsert_note(&notes[i]).unwrap();
    }
    let questions = [
        "count encounters where class = inpatient and days_since_discharge > 30 and not has_note(type = discharge_summary, status = signed) as of 2026-01-01",
        "count notes where status = unsigned group by type, author",
        "count patients where note(days_after_encounter > 5)",
    ];
    for q in questions {
        assert_eq!(
            strings(&engine.query(q).unwrap()),
            strings(&bulk_engine.query(q).unwrap()),
            "{q}"
        );
    }
    // Signing every unsigned discharge summary of the missing stays leaves none missing;
    // removing the summaries brings them all back.
    let q = questions[0];
    let before = engine.query(q).unwrap().scalar().unwrap();
    assert!(before > 0);
    let summaries: Vec<&NoteFact> = notes
        .iter()
        .filter(|n| n.note_type == "discharge_summary")
        .collect();
    for n in &summaries {
        engine
            .upsert_note(&NoteFact {
                signed: true,
                ..(*n).clone()
            })
            .unwrap();
    }
    let signed_all = engine.query(q).unwrap().scalar().unwrap();
    assert!(signed_all < before);
    for n in &summaries {
        assert!(engine.remove_event(query::EventKind::Note, n.event_key));
    }
    let none = engine
        .query("count encounters where class = inpatient and days_since_discharge > 30 as of 2026-01-01")
        .unwrap()
        .scalar();
    assert_eq!(engine.query(q).unwrap().scalar(), none);
}
