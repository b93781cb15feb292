//! Patient lists named from the store: MRN and name from the chart, the last visit's
//! attending and payer by name, the open balance; on both backends.

use records::{
    Address, Encounter, EncounterClass, EncounterStatus, Patient, PatientId, Payer, PayerId,
    PayerKind, ProviderId,
};
use store::Actor;
use test_support::{TestStore, backend_tests};
use time::macros::datetime;

use crate::derived::{physician, seed};

pub(crate) fn mrn_of(store: &TestStore, text: &str) -> (i64, Patient) {
    let found = store
        .read(|tx| {
            tx.search_patients(&store::PatientQuery {
                text: Some(text.into()),
                ..Default::default()
            })
        })
        .unwrap();
    (found[0].meta.id, found[0].record.clone())
}

fn a_list_names_its_patients_from_the_chart(store: &TestStore) {
    seed(store);
    let (patient_1, chart_1) = mrn_of(store, "X1");
    let (patient_3, chart_3) = mrn_of(store, "X3");
    let actor = Actor::new("test");
    store
        .write(|tx| {
            let provider = physician(tx, &actor, "Osler")?;
            let payer = tx.create(
                &actor,
                &Payer {
                    name: "Acme Health".into(),
                    payer_code: None,
                    kind: PayerKind::Commercial,
                    address: Address::default(),
                    phone: None,
                },
            )?;
            for (admit, attending) in [
                (datetime!(2025-03-02 09:00 UTC), None),
                (datetime!(2025-10-14 09:00 UTC), Some(ProviderId(provider))),
            ] {
                tx.create(
                    &actor,
                    &Encounter {
                        patient_id: PatientId(patient_1),
                        class: EncounterClass::Outpatient,
                        status: EncounterStatus::Finished,
                        admit_at: admit,
                        discharge_at: None,
                        attending_id: attending,
                        facility_id: None,
                        payer_id: Some(PayerId(payer.meta.id)),
                        discharge_disposition: None,
                        reason: None,
                        service: None,
                    },
                )?;
            }
            Ok(())
        })
        .unwrap();
    let (engine, _) = reports::load(store).unwrap();
    let query = query::parse(
        "list patients columns mrn, name, last_visit, provider, payer, balance order by balance desc limit 3",
    )
    .unwrap();
    let list = reports::list::run(store, &engine, &query, None).unwrap();
    assert_eq!(list.patient_ids[..2], [patient_1, patient_3]);
    assert_eq!(
        list.table.columns,
        ["mrn", "name", "last_visit", "provider", "payer", "balance"]
    );
    let rows: Vec<Vec<String>> = list
        .table
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    query::Cell::Text(t) => t.to_string(),
                    other => format!("{other:?}"),
                })
                .collect()
        })
        .collect();
    let name = |p: &Patient| format!("{}, {}", p.family_name, p.given_name);
    assert_eq!(
        rows[0],
        [
            chart_1.mrn.to_string(),
            name(&chart_1),
            "2025-10-14".into(),
            "Osler, William".into(),
            "Acme Health".into(),
            "100.00".into()
        ]
    );
    assert_eq!(
        rows[1],
        [
            chart_3.mrn.to_string(),
            name(&chart_3),
            String::new(),
            String::new(),
            String::new(),
            "60.00".into()
        ]
    );
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2][5], "0.00");

    // Only what is asked for is read: a list of ages needs no names.
    let ages = query::parse("list patients as of 2026-01-01 columns age order by age desc limit 1")
        .unwrap();
    let oldest = reports::list::run(store, &engine, &ages, None).unwrap();
    assert_eq!(oldest.patient_ids, [patient_1]);
    assert_eq!(oldest.table.rows, [[query::Cell::Int(76)]]);
}

backend_tests!(a_list_names_its_patients_from_the_chart);
