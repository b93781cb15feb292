//! Incremental maintenance gives the same answers as a bulk build: the engine is fed the
//! same population one write at a time, in a shuffled order, with extra rows inserted,
//! updated and removed again, crossing several automatic compactions.

use query::{
    ArItemFact, Engine, EventKind, ImmunizationFact, ImmunizationStatus, PatientFacts, Sex,
};
use time::macros::date;

use crate::answers::{Q1, Q2, Q3, Q4, strings};
use crate::fixture::{Population, Rng, bulk, population};

const QUERIES: [&str; 11] = [
    Q1,
    Q2,
    Q3,
    Q4,
    "count patients where diagnosis(code in E08-E13) as of 2026-01-01 group by sex, age_band(0-64,65+)",
    "observations where code = \"2345-7\" group by month(date) measure patients, count, avg(value)",
    "encounters group by class, facility measure patients, count",
    "count patients where deceased or not balance(open_cents > 0)",
    "encounters where date > 2024-06-30 group by service, provider, mmwr_week(date)",
    "count procedures where provider in (200, 203) group by provider, code",
    "balances as of 2026-01-01 group by financial_class, payer, aging_bucket(0-90,91+) measure patients, sum(open_cents)",
];

fn answers(engine: &Engine) -> Vec<Vec<Vec<String>>> {
    QUERIES
        .iter()
        .map(|q| strings(&engine.query(q).unwrap()))
        .collect()
}

fn shuffle<T>(items: &mut [T], rng: &mut Rng) {
    for idx in (1..items.len()).rev() {
        let other = rng.below(idx as u64 + 1) as usize;
        items.swap(idx, other);
    }
}

fn incremental(pop: &Population, rng: &mut Rng) -> Engine {
    let mut engine = Engine::new();
    // A patient who comes and goes, with events, must leave no trace.
    let ghost = PatientFacts {
        patient_key: -1,
        birth_date: date!(1950 - 05 - 05),
        sex: Sex::Other,
        zip: "99999".into(),
        deceased: None,
    };
    engine.upsert_patient(&ghost);
    engine
        .upsert_immunization(&ImmunizationFact {
            event_key: -1,
            patient_key: -1,
            cvx: 140,
            date: date!(2025 - 10 - 01),
            status: ImmunizationStatus::Completed,
        })
        .unwrap();
    for patient in &pop.patients {
        // Insert once with a wrong ZIP, then correct it: upsert must replace.
        let mut wrong = patient.clone();
        wrong.zip = "00000".into();
        engine.upsert_patient(&wrong);
        engine.upsert_patient(patient);
    }
    let mut immunizations = pop.immunizations.clone();
    shuffle(&mut immunizations, rng);
    for (idx, fact) in immunizations.iter().enumerate() {
        if idx % 5 == 0 {
            // A status correction later reverted: the last write wins.
            let mut wrong = fact.clone();
            wrong.status = ImmunizationStatus::EnteredInError;
            wrong.cvx = 3;
            engine.upsert_immunization(&wrong).unwrap();
        }
        engine.upsert_immunization(fact).unwrap();
        if idx % 7 == 0 {
            let extra = ImmunizationFact {
                event_key: 10_000_000 + idx as i64,
                ..fact.clone()
            };
            engine.upsert_immunization(&extra).unwrap();
            assert!(engine.remove_event(EventKind::Immunization, extra.event_key));
        }
    }
    let mut items = pop.ar_items.clone();
    shuffle(&mut items, rng);
    for fact in &items {
        // A partial payment posted before the final figure.
        engine
            .upsert_ar_item(&ArItemFact {
                paid_cents: 0,
                ..fact.clone()
            })
            .unwrap();
        engine.upsert_ar_item(fact).unwrap();
    }
    for fact in &pop.diagnoses {
        engine.upsert_diagnosis(fact).unwrap();
    }
    for fact in &pop.procedures {
        engine.upsert_procedure(fact).unwrap();
    }
    for fact in &pop.observations {
        engine.upsert_observation(fact).unwrap();
    }
    for fact in &pop.encounters {
        engine.upsert_encounter(fact).unwrap();
    }
    assert!(engine.remove_patient(-1));
    assert!(!engine.remove_patient(-1), "a removed patient is gone");
    engine
}

#[test]
fn incremental_writes_answer_like_a_bulk_build() {
    let pop = population(6_000, 11);
    let expected = answers(&bulk(&pop));
    let mut rng = Rng::new(5);
    let mut engine = incremental(&pop, &mut rng);
    assert_eq!(engine.n_patients(), pop.patients.len() as u64);
    assert_eq!(
        engine.n_events(EventKind::Immunization),
        pop.immunizations.len()
    );
    assert_eq!(answers(&engine), expected, "before compaction");
    engine.compact();
    assert_eq!(answers(&engine), expected, "after compaction");
}

#[test]
fn removals_from_a_bulk_build_match_a_build_without_them() {
    let pop = population(6_000, 12);
    let mut engine = bulk(&pop);
    let mut kept = pop.clone();
    // Remove every third immunization and every patient whose key is a multiple of 50,
    // leaving tombstones in the sorted columns (no compaction).
    kept.immunizations.retain(|imm| imm.event_key % 3 != 0);
    for imm in pop
        .immunizations
        .iter()
        .filter(|imm| imm.event_key % 3 == 0)
    {
        assert!(engine.remove_event(EventKind::Immunization, imm.event_key));
    }
    for patient in pop.patients.iter().filter(|p| p.patient_key % 50 == 0) {
        assert!(engine.remove_patient(patient.patient_key));
    }
    let gone = |key: i64| key % 50 == 0;
    kept.patients.retain(|p| !gone(p.patient_key));
    kept.immunizations.retain(|f| !gone(f.patient_key));
    kept.ar_items.retain(|f| !gone(f.patient_key));
    kept.diagnoses.retain(|f| !gone(f.patient_key));
    kept.procedures.retain(|f| !gone(f.patient_key));
    kept.observations.retain(|f| !gone(f.patient_key));
    kept.encounters.retain(|f| !gone(f.patient_key));
    assert_eq!(answers(&engine), answers(&bulk(&kept)));
}

#[test]
fn events_for_an_unknown_patient_are_refused() {
    let mut engine = Engine::new();
    let fact = ImmunizationFact {
        event_key: 1,
        patient_key: 42,
        cvx: 140,
        date: date!(2025 - 10 - 01),
        status: ImmunizationStatus::Completed,
    };
    assert_eq!(
        engine.upsert_immunization(&fact).unwrap_err().to_string(),
        "patient 42 is not in the engine"
    );
}
