//! Providers and services: an encounter's attending and service (department), a
//! procedure's performer (the rendering provider), filtered and grouped, checked against
//! counts made row by row on the generated population.

use std::collections::{BTreeMap, BTreeSet};

use time::macros::date;

use crate::answers::strings;
use crate::fixture::{bulk, population};

#[test]
fn encounters_by_service_and_attending_match_the_oracle() {
    let pop = population(5_000, 5);
    let engine = bulk(&pop);
    // Services compare ignoring case: "Primary Care" was typed, `primary care` asked.
    let mut expected: BTreeMap<i64, (BTreeSet<i64>, i64)> = BTreeMap::new();
    for e in &pop.encounters {
        if e.service.eq_ignore_ascii_case("primary care") && e.date > date!(2025 - 01 - 01) {
            let entry = expected.entry(e.provider_key).or_default();
            entry.0.insert(e.patient_key);
            entry.1 += 1;
        }
    }
    let table = engine
        .query("encounters where service = \"PRIMARY CARE\" and date > 2025-01-01 group by provider measure patients, count")
        .unwrap();
    let expected: Vec<Vec<String>> = expected
        .into_iter()
        .map(|(k, (p, n))| vec![k.to_string(), p.len().to_string(), n.to_string()])
        .collect();
    assert!(expected.len() > 10);
    assert_eq!(strings(&table), expected);

    // Grouped by service: labels as the language writes them (lower case), in order,
    // the unrecorded service as an empty label.
    let mut by_service: BTreeMap<String, i64> = BTreeMap::new();
    for e in &pop.encounters {
        *by_service.entry(e.service.to_lowercase()).or_default() += 1;
    }
    let table = engine.query("count encounters group by service").unwrap();
    let expected: Vec<Vec<String>> = by_service
        .into_iter()
        .map(|(service, n)| vec![service, n.to_string()])
        .collect();
    assert_eq!(strings(&table), expected);
    assert_eq!(
        engine
            .query(
                "count patients where encounter(service in (medicine, surgery), class = inpatient)"
            )
            .unwrap()
            .scalar(),
        Some(
            pop.encounters
                .iter()
                .filter(|e| {
                    matches!(e.service.as_str(), "medicine" | "surgery")
                        && e.class == query::EncounterClass::Inpatient
                })
                .map(|e| e.patient_key)
                .collect::<BTreeSet<_>>()
                .len() as i64
        )
    );
}

#[test]
fn procedures_by_rendering_provider_match_the_oracle() {
    let pop = population(5_000, 5);
    let engine = bulk(&pop);
    let mut expected: BTreeMap<(i64, String), i64> = BTreeMap::new();
    for p in &pop.procedures {
        if p.provider_key == 200 || p.provider_key == 203 {
            *expected
                .entry((p.provider_key, p.code.clone()))
                .or_default() += 1;
        }
    }
    let table = engine
        .query("count procedures where provider in (200, 203) group by provider, code")
        .unwrap();
    let expected: Vec<Vec<String>> = expected
        .into_iter()
        .map(|((provider, code), n)| vec![provider.to_string(), code, n.to_string()])
        .collect();
    assert_eq!(strings(&table), expected);
    let patients: BTreeSet<i64> = pop
        .procedures
        .iter()
        .filter(|p| p.provider_key == 201 && p.code == "99213")
        .map(|p| p.patient_key)
        .collect();
    assert_eq!(
        engine
            .query("count patients where procedure(provider = 201, code = 99213)")
            .unwrap()
            .scalar(),
        Some(patients.len() as i64)
    );
}
