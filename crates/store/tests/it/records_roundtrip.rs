//! Every record kind is written and read back unchanged, on both backends.

use crate::fixtures::{actor, full_chart, patient};
use store::Error;
use test_support::{TestStore, backend_tests};

fn every_kind_round_trips(store: &TestStore) {
    let chart = store.write(full_chart).unwrap();
    let read = store.read(|tx| tx.chart(chart.patient.meta.id)).unwrap();
    assert_eq!(read.patient.record, chart.patient.record);
    assert_eq!(read.patient.meta.version, 1);
    assert_eq!(read.patient.meta.created_by, "test:clerk");
    assert_eq!(read.patient.meta.created_at, test_support::test_epoch());
    assert_eq!(read.encounters.len(), 1);
    assert_eq!(read.encounters[0].record, chart.encounter.record);
    assert_eq!(read.coverages.len(), 1);
    assert_eq!(read.diagnoses[0].record.code, "I21.4");
    assert_eq!(
        read.diagnoses[0].record.poa,
        Some(records::PoaIndicator::Yes)
    );
    assert_eq!(read.procedures[0].record.code, "4A023N7");
    assert_eq!(read.immunizations[0].record.cvx, "158");
    assert_eq!(
        read.observations[0].record.value,
        records::ObservationValue::Quantity {
            value_number: 72.5,
            value_unit: Some("/min".into())
        }
    );
    assert_eq!(read.medications.len(), 1);
    assert_eq!(read.allergies.len(), 1);
    assert_eq!(read.problems.len(), 1);
    assert!(read.notes[0].record.is_unsigned());
    assert_eq!(read.charges[0].record, chart.charge.record);
    assert_eq!(read.postings.len(), 2);
    assert_eq!(read.balance.charges_cents, 250_000);
    assert_eq!(read.balance.balance_cents, 20_000);
    let stats = store.read(|tx| tx.stats()).unwrap();
    assert_eq!(stats.unsigned_notes, 1);
    assert_eq!(stats.patients_without_coverage, 0);
    assert!(
        stats.records.iter().all(|(_, n)| *n >= 1),
        "{:?}",
        stats.records
    );
}

fn invalid_record_reports_every_field(store: &TestStore) {
    let mut bad = patient("MRN-2", " ", "");
    bad.address.postal_code = Some("ABCDE".into());
    let error = store.write(|tx| tx.create(&actor(), &bad)).unwrap_err();
    let Error::Invalid { errors, .. } = error else {
        panic!("expected Invalid, got {error:?}")
    };
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["family_name", "given_name", "postal_code"]);
    let count = store.read(|tx| tx.stats()).unwrap().records[0].1;
    assert_eq!(count, 0, "nothing was written");
}

fn duplicate_mrn_is_refused(store: &TestStore) {
    store
        .write(|tx| tx.create(&actor(), &patient("MRN-7", "One", "First")))
        .unwrap();
    let error = store
        .write(|tx| tx.create(&actor(), &patient("mrn-7", "Two", "Second")))
        .unwrap_err();
    assert!(
        error.to_string().contains("mrn MRN-7 already exists"),
        "{error}"
    );
}

fn unknown_reference_names_the_field(store: &TestStore) {
    let error = store
        .write(|tx| {
            tx.create(
                &actor(),
                &records::Coverage {
                    patient_id: records::PatientId(999),
                    payer_id: records::PayerId(5),
                    plan_name: None,
                    member_id: "A1".into(),
                    group_number: None,
                    subscriber_name: None,
                    relationship: records::Relationship::SelfSubscriber,
                    coverage_order: records::CoverageOrder::Primary,
                    effective_start: time::macros::date!(2024 - 01 - 01),
                    effective_end: None,
                },
            )
        })
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "coverage.patient_id: patient 999 does not exist"
    );
}

fn failed_transaction_writes_nothing(store: &TestStore) {
    let outcome = store.write(|tx| {
        tx.create(&actor(), &patient("MRN-50", "Kept", "Never"))?;
        tx.create(&actor(), &patient("MRN-50", "Clash", "Same"))
    });
    assert!(outcome.is_err());
    let found = store
        .read(|tx| {
            tx.search_patients(&store::PatientQuery {
                text: Some("MRN-50".into()),
                ..Default::default()
            })
        })
        .unwrap();
    assert!(
        found.is_empty(),
        "the first insert rolled back with the second"
    );
}

fn reopening_keeps_schema(store: &TestStore) {
    assert_eq!(store.schema_version().unwrap(), store::latest_version());
}

backend_tests!(
    every_kind_round_trips,
    invalid_record_reports_every_field,
    duplicate_mrn_is_refused,
    unknown_reference_names_the_field,
    failed_transaction_writes_nothing,
    reopening_keeps_schema,
);
