//! The incremental count update: encounters with coded diagnoses are written in batches
//! (as a clinic's day arrives), and each batch is counted by `counts::step`, which reads only
//! what was written since its mark; prints the step's time per encounter. Run:
//! `cargo bench -p surveillance --bench counts_step` (release; `--profile dev` unoptimised).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use records::{
    AdministrativeSex, Diagnosis, DiagnosisRank, Encounter, EncounterClass, EncounterId,
    FACILITY_MRN_AUTHORITY, Patient, PatientId,
};
use std::time::{Duration, Instant};
use store::Actor;
use surveillance::SyndromeSet;
use surveillance::counts;

const PATIENTS: usize = 500;
const BATCHES: usize = 40;
const PER_BATCH: usize = 100;
const CODES: [&str; 6] = ["J11.1", "A08.4", "R05.9", "I10", "E11.9", "R50.9"];

fn main() {
    let codes = codes::CodeSets::embedded().unwrap();
    let set = SyndromeSet::defaults(&codes).unwrap();
    let store = test_support::sqlite_store();
    let actor = Actor::new("bench");
    let zips = ["02139", "94110", "60614", "10027", "73301"];
    let patients: Vec<i64> = store
        .write(|tx| {
            (0..PATIENTS)
                .map(|i| {
                    let mrn = tx.assign_mrn()?;
                    let mut p = Patient::new(
                        mrn,
                        FACILITY_MRN_AUTHORITY,
                        "Bench",
                        "Pat",
                        time::macros::date!(1960 - 01 - 01) + time::Duration::days(i as i64 * 37),
                        AdministrativeSex::Female,
                    );
                    p.address.postal_code = Some(zips[i % zips.len()].into());
                    Ok(tx.create(&actor, &p)?.meta.id)
                })
                .collect()
        })
        .unwrap();
    counts::step(&store, &set).unwrap();
    let start = test_support::test_epoch() - time::Duration::days(60);
    let mut stepping = Duration::ZERO;
    let mut n = 0_usize;
    for batch in 0..BATCHES {
        store
            .write(|tx| {
                for k in 0..PER_BATCH {
                    let i = batch * PER_BATCH + k;
                    let patient = patients[i % patients.len()];
                    let at = start + time::Duration::minutes(i as i64 * 20);
                    let encounter = tx.create(
                        &actor,
                        &Encounter::check_in(
                            PatientId(patient),
                            EncounterClass::Emergency,
                            at,
                            None,
                            None,
                        ),
                    )?;
                    tx.create(
                        &actor,
                        &Diagnosis {
                            patient_id: PatientId(patient),
                            encounter_id: EncounterId(encounter.meta.id),
                            code: CODES[i % CODES.len()].into(),
                            rank: DiagnosisRank::FirstListed,
                            sequence: 1,
                            poa: None,
                            description: None,
                            onset_at: None,
                        },
                    )?;
                }
                Ok(())
            })
            .unwrap();
        let t = Instant::now();
        let stepped = counts::step(&store, &set).unwrap();
        stepping += t.elapsed();
        assert!(
            stepped.encounters >= PER_BATCH,
            "batch {batch}: {stepped:?}"
        );
        n += PER_BATCH;
    }
    println!(
        "counts::step: {n} encounters in {BATCHES} batches of {PER_BATCH}: {:.1} ms in all, {:.1} µs per encounter (SQLite in memory)",
        stepping.as_secs_f64() * 1e3,
        stepping.as_secs_f64() * 1e6 / n as f64
    );
}
