//! `list patients`: which patients, in which order, with which values, checked against
//! the fact vectors read row by row.

use std::collections::{BTreeMap, BTreeSet};

use query::{EncounterClass, EncounterFact, ImmunizationStatus, ListedPatient, parse};
use time::{Date, macros::date};

use crate::fixture::{AS_OF, FLU, Population, bulk, population};
use crate::naive;

/// The oracle's view of one patient: last visit (the latest date, the higher key on a
/// tie) with its provider and payer, and the open balance.
struct Expected {
    last_visit: Option<(Date, i64, i64, i64)>,
    balance: i64,
}

fn expected(pop: &Population) -> BTreeMap<i64, Expected> {
    let mut by_patient: BTreeMap<i64, Expected> = pop
        .patients
        .iter()
        .map(|p| {
            (
                p.patient_key,
                Expected {
                    last_visit: None,
                    balance: 0,
                },
            )
        })
        .collect();
    for encounter in &pop.encounters {
        if let Some(entry) = by_patient.get_mut(&encounter.patient_key) {
            let candidate = (
                encounter.date,
                encounter.event_key,
                encounter.provider_key,
                encounter.payer_key,
            );
            if entry
                .last_visit
                .is_none_or(|(d, k, _, _)| (candidate.0, candidate.1) > (d, k))
            {
                entry.last_visit = Some(candidate);
            }
        }
    }
    for item in &pop.ar_items {
        if item.paid_cents < item.amount_cents
            && let Some(entry) = by_patient.get_mut(&item.patient_key)
        {
            entry.balance += item.amount_cents - item.paid_cents;
        }
    }
    by_patient
}

fn unvaccinated(pop: &Population, after: Date) -> BTreeSet<i64> {
    let vaccinated: BTreeSet<i64> = pop
        .immunizations
        .iter()
        .filter(|i| {
            FLU.contains(&i.cvx) && i.status == ImmunizationStatus::Completed && i.date > after
        })
        .map(|i| i.patient_key)
        .collect();
    pop.patients
        .iter()
        .map(|p| p.patient_key)
        .filter(|k| !vaccinated.contains(k))
        .collect()
}

#[test]
fn a_list_without_order_is_every_kept_patient_in_registration_order() {
    let pop = population(5_000, 11);
    let engine = bulk(&pop);
    let query = parse(
        "list patients where not immunization(cvx in flu, status = completed, date > 2025-09-01)",
    )
    .unwrap();
    let listed = engine.list(&query).unwrap();
    let keys: Vec<i64> = listed.iter().map(|p| p.key).collect();
    let expected: Vec<i64> = pop
        .patients
        .iter()
        .map(|p| p.patient_key)
        .filter(|k| unvaccinated(&pop, date!(2025 - 09 - 01)).contains(k))
        .collect();
    assert!(
        expected.len() > 1_000,
        "fixture too small: {}",
        expected.len()
    );
    assert_eq!(keys, expected);
    // The list and the count agree on how many.
    let count = engine
        .query("count patients where not immunization(cvx in flu, status = completed, date > 2025-09-01)")
        .unwrap()
        .scalar();
    assert_eq!(count, Some(keys.len() as i64));
}

#[test]
fn ordered_limited_list_matches_the_oracle_value_for_value() {
    let pop = population(20_000, 7);
    let engine = bulk(&pop);
    let oracle = expected(&pop);
    let query = parse(
        "list patients where sex = F and age >= 50 as of 2026-01-01 columns mrn, age, zip, last_visit, provider, payer, balance order by balance desc, last_visit limit 200",
    )
    .unwrap();
    let listed = engine.list(&query).unwrap();
    assert_eq!(listed.len(), 200);
    let mut candidates: Vec<(i64, Option<Date>, usize, i64)> = pop
        .patients
        .iter()
        .enumerate()
        .filter(|(_, p)| p.sex == query::Sex::Female && naive::age(p.birth_date, AS_OF) >= 50)
        .map(|(ordinal, p)| {
            let e = &oracle[&p.patient_key];
            (e.balance, e.last_visit.map(|v| v.0), ordinal, p.patient_key)
        })
        .collect();
    // Balance largest first; then last visit earliest first with no visit last; then
    // registration order.
    candidates.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| match (a.1, b.1) {
                (Some(x), Some(y)) => x.cmp(&y),
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then(a.2.cmp(&b.2))
    });
    let want: Vec<i64> = candidates.iter().take(200).map(|c| c.3).collect();
    let got: Vec<i64> = listed.iter().map(|p| p.key).collect();
    assert_eq!(got, want);
    for patient in &listed {
        let facts = pop
            .patients
            .iter()
            .find(|p| p.patient_key == patient.key)
            .unwrap();
        let e = &oracle[&patient.key];
        assert_eq!(
            patient.age,
            Some(naive::age(facts.birth_date, AS_OF) as u32)
        );
        assert_eq!(patient.birth_date, Some(facts.birth_date));
        assert_eq!(patient.zip, facts.zip);
        assert_eq!(patient.balance_cents, e.balance);
        assert_eq!(patient.last_visit, e.last_visit.map(|v| v.0));
        assert_eq!(
            patient.provider_key,
            e.last_visit.map(|v| v.2).filter(|&k| k != 0)
        );
        assert_eq!(
            patient.payer_key,
            e.last_visit.map(|v| v.3).filter(|&k| k != 0)
        );
    }
    assert!(listed.first().unwrap().balance_cents > 0);
}

#[test]
fn a_write_after_the_build_moves_the_last_visit_and_the_order() {
    let pop = population(2_000, 3);
    let mut engine = bulk(&pop);
    let query =
        parse("list patients columns mrn, last_visit, provider order by last_visit desc limit 1")
            .unwrap();
    let before: Vec<ListedPatient> = engine.list(&query).unwrap();
    let target = pop.patients[1_234].patient_key;
    assert_ne!(before[0].key, target);
    let visit = date!(2026 - 03 - 01);
    engine
        .upsert_encounter(&EncounterFact {
            event_key: 9_000_000,
            patient_key: target,
            class: EncounterClass::Ambulatory,
            date: visit,
            provider_key: 4242,
            facility_key: 1,
            payer_key: 77,
            service: String::new(),
            discharge: None,
        })
        .unwrap();
    let after = engine.list(&query).unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].key, target);
    assert_eq!(after[0].last_visit, Some(visit));
    assert_eq!(after[0].provider_key, Some(4242));
    assert_eq!(after[0].payer_key, Some(77));
}

#[test]
fn a_list_within_a_set_never_names_a_patient_outside_it() {
    let pop = population(3_000, 5);
    let engine = bulk(&pop);
    let allowed: Vec<i64> = pop
        .patients
        .iter()
        .step_by(7)
        .map(|p| p.patient_key)
        .collect();
    let within = engine.patient_set(allowed.iter().copied());
    let query = parse("list patients order by birth_date").unwrap();
    let listed = engine.list_within(&query, &within).unwrap();
    assert_eq!(listed.len(), allowed.len());
    assert!(listed.iter().all(|p| allowed.contains(&p.key)));
    assert!(
        listed
            .windows(2)
            .all(|w| w[0].birth_date <= w[1].birth_date)
    );
}

#[test]
fn counting_and_listing_entry_points_refuse_each_other() {
    let engine = bulk(&population(100, 1));
    let list = parse("list patients").unwrap();
    let count = parse("count patients").unwrap();
    assert!(engine.run(&list).unwrap_err().to_string().contains("list"));
    assert!(
        engine
            .list(&count)
            .unwrap_err()
            .to_string()
            .contains("list patients")
    );
}
