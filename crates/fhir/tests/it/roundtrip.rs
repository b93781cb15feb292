//! Records to FHIR and back give the same records, for every kind the mapping carries
//! without loss; the kinds that lose detail say which in their assertions.

use fhir::{Mapped, ReferenceResolver, ToFhir};
use store::Stored;
use test_support::{TestStore, backend_tests};

/// Resolves `Type/id` to the id, as the REST API will for records that exist.
struct ById;

impl ReferenceResolver for ById {
    fn resolve(&mut self, _kind: &'static str, reference: &str) -> Option<i64> {
        let (_, id) = reference.split_once('/')?;
        id.trim_start_matches("payer-").parse().ok()
    }
}

fn back<R: store::Table + ToFhir>(stored: &Stored<R>) -> Mapped {
    let json = serde_json::to_string(&R::to_fhir(stored)).unwrap();
    assert!(fhir::validate_resource(&json).is_empty(), "{json}");
    fhir::from_json(&json, &mut ById).unwrap()
}

fn records_survive_a_round_trip(store: &TestStore) {
    crate::fixtures::chart(store);
    store
        .read(|tx| {
            let all =
                |tx: &mut store::Tx<'_>| tx.select::<records::Patient>("1 = 1", &[], "id", 10);
            let patient = all(tx)?.remove(0);
            assert_eq!(back(&patient), Mapped::Patient(patient.record.clone()));
            macro_rules! same {
                ($record:ty, $variant:ident) => {
                    for stored in tx.select::<$record>("1 = 1", &[], "id", 10)? {
                        assert_eq!(
                            back(&stored),
                            Mapped::$variant(stored.record.clone()),
                            "{}",
                            stringify!($record)
                        );
                    }
                };
            }
            same!(records::Organization, Organization);
            same!(records::Payer, Payer);
            same!(records::Coverage, Coverage);
            same!(records::Problem, Problem);
            same!(records::Immunization, Immunization);
            same!(records::Medication, Medication);
            same!(records::Allergy, Allergy);
            same!(records::ClinicalNote, Note);
            for stored in tx.select::<records::Observation>("1 = 1", &[], "id", 10)? {
                assert_eq!(
                    back(&stored),
                    Mapped::Observations(vec![stored.record.clone()])
                );
            }
            // Lossy by design: rank, sequence and POA of a diagnosis, units and modifiers of
            // a procedure, the payer billed for an encounter and a provider's organization have no place in these resources.
            for stored in tx.select::<records::Diagnosis>("1 = 1", &[], "id", 10)? {
                let Mapped::Diagnosis(diagnosis) = back(&stored) else {
                    panic!()
                };
                assert_eq!(diagnosis.code, stored.record.code);
                assert_eq!(diagnosis.encounter_id, stored.record.encounter_id);
            }
            for stored in tx.select::<records::Procedure>("1 = 1", &[], "id", 10)? {
                let Mapped::Procedure(procedure) = back(&stored) else {
                    panic!()
                };
                assert_eq!(
                    (procedure.code_system, procedure.code),
                    (stored.record.code_system, stored.record.code.clone())
                );
            }
            for stored in tx.select::<records::Encounter>("1 = 1", &[], "id", 10)? {
                let expected = records::Encounter {
                    payer_id: None,
                    ..stored.record.clone()
                };
                assert_eq!(
                    back(&stored),
                    Mapped::Encounter(expected),
                    "the billed payer is not carried"
                );
            }
            for stored in tx.select::<records::Provider>("1 = 1", &[], "id", 10)? {
                let Mapped::Provider(provider) = back(&stored) else {
                    panic!()
                };
                assert_eq!(
                    provider,
                    records::Provider {
                        organization_id: None,
                        ..stored.record.clone()
                    }
                );
            }
            Ok(())
        })
        .unwrap();
}

backend_tests!(records_survive_a_round_trip);

/// `Encounter.serviceType` is the encounter's service both ways: the words Chartroom keeps
/// go out as its text, and a coded service sent by another system comes in by its display
/// (or its code when it has none), so a FHIR update no longer clears the service.
#[test]
fn encounter_service_type_is_the_service() {
    let encounter = |service_type: &str| {
        format!(
            r#"{{"resourceType":"Encounter","status":"finished",
                "class":{{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"IMP"}},
                "subject":{{"reference":"Patient/1"}},"period":{{"start":"2026-01-05T08:00:00Z"}}{service_type}}}"#
        )
    };
    let service = |json: &str| match fhir::from_json(json, &mut ById) {
        Ok(Mapped::Encounter(encounter)) => encounter.service,
        other => panic!("{other:?}"),
    };
    assert_eq!(service(&encounter("")), None);
    assert_eq!(
        service(&encounter(r#","serviceType":{"text":"Cardiology"}"#)),
        Some("Cardiology".to_owned())
    );
    assert_eq!(
        service(&encounter(
            r#","serviceType":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/service-type","code":"165","display":"General Medicine"}]}"#
        )),
        Some("General Medicine".to_owned())
    );
    assert_eq!(
        service(&encounter(
            r#","serviceType":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0069","code":"MED"}]}"#
        )),
        Some("MED".to_owned())
    );
}
