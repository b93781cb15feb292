//! A seeded population generated with gen.py's logic (../shared/bench/gen.py), scaled
//! down, plus diagnoses, procedures, observations and encounters so every filter kind
//! has data. The random source is a small SplitMix64, so results are stable across
//! platforms without a dependency.

use query::{
    ArItemFact, DiagnosisFact, EncounterClass, EncounterFact, FinancialClass, ImmunizationFact,
    ImmunizationStatus, ObservationFact, PatientFacts, ProcedureFact, Sex,
};
use time::{Date, Duration, macros::date};

pub const AS_OF: Date = date!(2026 - 01 - 01);
pub const FLU: [u16; 9] = [140, 141, 150, 155, 158, 185, 186, 197, 205];
const OTHER: [u16; 18] = [
    3, 8, 10, 20, 21, 33, 43, 62, 83, 94, 113, 115, 133, 207, 208, 212, 213, 217,
];
const ICD: [&str; 8] = [
    "E11.9", "E11.65", "I10", "J45.909", "E08.00", "E13.9", "Z23", "J11.1",
];
const PROCEDURES: [&str; 4] = ["99213", "99214", "90686", "0SR9019"];
const LOINC: [&str; 3] = ["4548-4", "2345-7", "8480-6"];
/// Encounter services as typed, in mixed case, and one not recorded.
pub const SERVICES: [&str; 4] = ["medicine", "Primary Care", "surgery", ""];

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

#[derive(Clone, Default)]
pub struct Population {
    pub patients: Vec<PatientFacts>,
    pub immunizations: Vec<ImmunizationFact>,
    pub ar_items: Vec<ArItemFact>,
    pub diagnoses: Vec<DiagnosisFact>,
    pub procedures: Vec<ProcedureFact>,
    pub observations: Vec<ObservationFact>,
    pub encounters: Vec<EncounterFact>,
}

fn days_before(rng: &mut Rng, max: u64) -> Date {
    AS_OF - Duration::days(rng.below(max) as i64)
}

/// `n` patients with gen.py's distributions (birth up to 95 years back, 0-4 doses with
/// 45% flu and 3% entered-in-error over 5 years, 0-2 A/R items half paid over 2 years).
pub fn population(n: usize, seed: u64) -> Population {
    let mut rng = Rng::new(seed);
    let zips: Vec<String> = (0..300)
        .map(|_| format!("{:05}", 501 + rng.below(99_950 - 501)))
        .collect();
    let mut pop = Population::default();
    let (mut imm_id, mut item_id, mut other_id) = (0i64, 0i64, 0i64);
    for pid in 1..=n as i64 {
        let birth_date = days_before(&mut rng, 95 * 365);
        let sex = if rng.chance(0.5) {
            Sex::Female
        } else {
            Sex::Male
        };
        let deceased = rng.chance(0.02).then(|| days_before(&mut rng, 400));
        pop.patients.push(PatientFacts {
            patient_key: pid,
            birth_date,
            sex,
            zip: zips[rng.below(zips.len() as u64) as usize].clone(),
            deceased,
        });
        for _ in 0..rng.pick(&[0, 1, 1, 2, 2, 3, 4]) {
            imm_id += 1;
            let cvx = if rng.chance(0.45) {
                rng.pick(&FLU)
            } else {
                rng.pick(&OTHER)
            };
            let date = days_before(&mut rng, 5 * 365);
            let status = if rng.chance(0.97) {
                ImmunizationStatus::Completed
            } else {
                ImmunizationStatus::EnteredInError
            };
            pop.immunizations.push(ImmunizationFact {
                event_key: imm_id,
                patient_key: pid,
                cvx,
                date,
                status,
            });
        }
        for _ in 0..rng.pick(&[0, 0, 1, 1, 2]) {
            item_id += 1;
            let amount_cents = 500 + rng.below(250_000 - 500) as i64;
            let paid_cents = if rng.chance(0.5) {
                amount_cents
            } else {
                rng.below(amount_cents as u64) as i64
            };
            let due_date = days_before(&mut rng, 730);
            let payer_key = 1 + rng.below(4) as i64;
            pop.ar_items.push(ArItemFact {
                item_key: item_id,
                patient_key: pid,
                amount_cents,
                paid_cents,
                due_date,
                payer_key,
                // Payers 1-4 are a commercial plan, Medicare, Medicaid and TRICARE.
                financial_class: FinancialClass::ALL[(payer_key - 1) as usize],
            });
        }
        for _ in 0..rng.pick(&[0, 1, 2]) {
            other_id += 1;
            let date = days_before(&mut rng, 3 * 365);
            pop.diagnoses.push(DiagnosisFact {
                event_key: other_id,
                patient_key: pid,
                code: rng.pick(&ICD).to_owned(),
                date,
            });
            let date = days_before(&mut rng, 3 * 365);
            pop.procedures.push(ProcedureFact {
                event_key: other_id,
                patient_key: pid,
                code: rng.pick(&PROCEDURES).to_owned(),
                date,
                // Derived, not drawn, so the random stream (and every other answer)
                // stays as it was.
                provider_key: 200 + other_id % 7,
            });
            let date = days_before(&mut rng, 3 * 365);
            let value = 4.0 + rng.below(100) as f64 / 10.0;
            pop.observations.push(ObservationFact {
                event_key: other_id,
                patient_key: pid,
                code: rng.pick(&LOINC).to_owned(),
                value,
                date,
            });
            let class = rng.pick(&[
                EncounterClass::Ambulatory,
                EncounterClass::Emergency,
                EncounterClass::Inpatient,
                EncounterClass::Virtual,
            ]);
            let date = days_before(&mut rng, 3 * 365);
            pop.encounters.push(EncounterFact {
                event_key: other_id,
                patient_key: pid,
                class,
                date,
                provider_key: 100 + rng.below(20) as i64,
                facility_key: 10 + rng.below(3) as i64,
                payer_key: 1 + rng.below(4) as i64,
                service: SERVICES[(other_id % 4) as usize].to_owned(),
                // From the key, not the random source, so the other facts stay as they
                // were: stays and emergency visits end a few days in, one in ten is
                // still open.
                discharge: match class {
                    EncounterClass::Inpatient | EncounterClass::Emergency if other_id % 10 != 0 => {
                        Some(date + Duration::days(other_id % 6))
                    }
                    _ => None,
                },
            });
        }
    }
    pop
}

/// Builds an engine with the bulk loader.
pub fn bulk(pop: &Population) -> query::Engine {
    let mut builder = query::EngineBuilder::with_capacity(pop.patients.len());
    for patient in &pop.patients {
        builder.add_patient(patient);
    }
    for fact in &pop.immunizations {
        builder.add_immunization(fact).unwrap();
    }
    for fact in &pop.ar_items {
        builder.add_ar_item(fact).unwrap();
    }
    for fact in &pop.diagnoses {
        builder.add_diagnosis(fact).unwrap();
    }
    for fact in &pop.procedures {
        builder.add_procedure(fact).unwrap();
    }
    for fact in &pop.observations {
        builder.add_observation(fact).unwrap();
    }
    for fact in &pop.encounters {
        builder.add_encounter(fact).unwrap();
    }
    builder.build()
}
