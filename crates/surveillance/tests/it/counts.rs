//! Counts follow the records: new visits, diagnoses coded later, a moved patient, a deleted
//! encounter; a step with nothing written changes nothing; changed syndromes rebuild.

use records::*;
use std::sync::OnceLock;
use store::{Actor, Tx};
use surveillance::SyndromeSet;
use surveillance::counts::{self, SeriesQuery};
use test_support::{TestStore, backend_tests};
use time::OffsetDateTime;
use time::macros::{date, datetime};

pub fn codes() -> &'static codes::CodeSets {
    static CODES: OnceLock<codes::CodeSets> = OnceLock::new();
    CODES.get_or_init(|| codes::CodeSets::embedded().unwrap())
}

fn set() -> SyndromeSet {
    SyndromeSet::defaults(codes()).unwrap()
}

pub fn actor() -> Actor {
    Actor::new("test:registrar")
}

pub fn patient(tx: &mut Tx<'_>, zip: &str, birth: time::Date) -> i64 {
    let mrn = tx.assign_mrn().unwrap();
    let mut patient = Patient::new(
        mrn,
        FACILITY_MRN_AUTHORITY,
        "Syndromic",
        "Sam",
        birth,
        AdministrativeSex::Male,
    );
    patient.address.postal_code = Some(zip.into());
    tx.create(&actor(), &patient).unwrap().meta.id
}

fn visit(tx: &mut Tx<'_>, patient: i64, at: OffsetDateTime, codes: &[&str]) -> i64 {
    let encounter = tx
        .create(
            &actor(),
            &Encounter::check_in(
                PatientId(patient),
                EncounterClass::Emergency,
                at,
                None,
                None,
            ),
        )
        .unwrap()
        .meta
        .id;
    for (idx, code) in codes.iter().enumerate() {
        diagnose(tx, patient, encounter, code, idx as i32 + 1);
    }
    encounter
}

pub fn diagnose(tx: &mut Tx<'_>, patient: i64, encounter: i64, code: &str, sequence: i32) -> i64 {
    tx.create(
        &actor(),
        &Diagnosis {
            patient_id: PatientId(patient),
            encounter_id: EncounterId(encounter),
            code: code.into(),
            rank: if sequence == 1 {
                DiagnosisRank::FirstListed
            } else {
                DiagnosisRank::Secondary
            },
            sequence,
            poa: None,
            description: None,
            onset_at: None,
        },
    )
    .unwrap()
    .meta
    .id
}

fn series(store: &TestStore, syndrome: &str, zip3: Option<&str>) -> Vec<(time::Date, i64, i64)> {
    store
        .read(|tx| {
            counts::series(
                tx,
                &SeriesQuery {
                    syndrome: syndrome.into(),
                    zip3: zip3.map(str::to_owned),
                    ..SeriesQuery::default()
                },
            )
        })
        .unwrap()
        .into_iter()
        .map(|d| (d.day, d.visits, d.all_visits))
        .collect()
}

fn counts_follow_the_records(store: &TestStore) {
    let set = set();
    let (alice, encounter) = store
        .write(|tx| {
            let alice = patient(tx, "02139", date!(1990 - 04 - 01));
            let bob = patient(tx, "94110", date!(2020 - 04 - 01));
            let encounter = visit(tx, alice, datetime!(2026-02-01 10:00 UTC), &["J10.1"]);
            visit(tx, bob, datetime!(2026-02-01 11:00 UTC), &["A08.4"]);
            visit(tx, bob, datetime!(2026-02-03 11:00 UTC), &["S52.501A"]);
            Ok((alice, encounter))
        })
        .unwrap();
    let first = counts::step(store, &set).unwrap();
    assert!(first.rebuilt);
    assert_eq!(first.encounters, 3);
    assert_eq!(
        series(store, "ili", None),
        [
            (date!(2026 - 02 - 01), 1, 2),
            (date!(2026 - 02 - 02), 0, 0),
            (date!(2026 - 02 - 03), 0, 1),
        ]
    );
    assert_eq!(
        series(store, "gi", Some("941"))[0],
        (date!(2026 - 02 - 01), 1, 1)
    );
    assert_eq!(
        series(store, "gi", Some("021")),
        [(date!(2026 - 02 - 01), 0, 1)]
    );

    // Nothing written: nothing read, nothing changed.
    let idle = counts::step(store, &set).unwrap();
    assert_eq!((idle.encounters, idle.cells, idle.rebuilt), (0, 0, false));

    // A diagnosis coded later puts Alice's visit in the GI syndrome too.
    store
        .write(|tx| {
            diagnose(tx, alice, encounter, "R11.2", 2);
            Ok(())
        })
        .unwrap();
    let later = counts::step(store, &set).unwrap();
    assert_eq!(later.encounters, 1);
    assert_eq!(series(store, "gi", None)[0], (date!(2026 - 02 - 01), 2, 2));

    // Alice moves: her visits move with her.
    store
        .write(|tx| {
            let stored = tx.get::<Patient>(alice)?;
            let mut moved = stored.record.clone();
            moved.address.postal_code = Some("10001".into());
            tx.update(&actor(), alice, stored.meta.version, &moved)?;
            Ok(())
        })
        .unwrap();
    counts::step(store, &set).unwrap();
    assert_eq!(
        series(store, "ili", Some("100")),
        [(date!(2026 - 02 - 01), 1, 1)]
    );
    assert_eq!(series(store, "ili", Some("021")), []);

    // Her encounter is deleted: it leaves every count.
    store
        .write(|tx| {
            let stored = tx.get::<Encounter>(encounter)?;
            tx.delete::<Encounter>(&actor(), encounter, stored.meta.version, "wrong patient")
        })
        .unwrap();
    counts::step(store, &set).unwrap();
    assert_eq!(series(store, "ili", None)[0], (date!(2026 - 02 - 01), 0, 1));
    assert_eq!(series(store, "gi", None)[0], (date!(2026 - 02 - 01), 1, 1));

    // Changed syndromes: the counts are rebuilt under the new definitions.
    let changed = SyndromeSet::with_facility_file(
        "[syndromes.injury]\nname = \"Injury\"\ncodes = [\"S00-T14\"]\n",
        "syndromes.toml",
        codes(),
    )
    .unwrap();
    let rebuilt = counts::step(store, &changed).unwrap();
    assert!(rebuilt.rebuilt);
    assert_eq!(
        series(store, "injury", None).last().unwrap(),
        &(date!(2026 - 02 - 03), 1, 1)
    );
    assert_eq!(series(store, "gi", None)[0], (date!(2026 - 02 - 01), 1, 1));
}

backend_tests!(counts_follow_the_records);
