//! Providers and services from the store: an encounter's attending and service, a
//! procedure's performer (the rendering provider), on both backends.

use records::{
    Encounter, EncounterClass, EncounterStatus, PatientId, Procedure, ProcedureCodeSystem,
    ProviderId,
};
use store::Actor;
use test_support::{TestStore, backend_tests};
use time::macros::datetime;

use crate::derived::{answer, physician, seed};
use crate::lists::mrn_of;

fn services_and_rendering_providers_come_from_the_store(store: &TestStore) {
    seed(store);
    let actor = Actor::new("test");
    let (patient, _) = mrn_of(store, "X1");
    let surgeon = store
        .write(|tx| {
            let surgeon = physician(tx, &actor, "Halsted")?;
            for (admit, service) in [
                (datetime!(2025-03-02 09:00 UTC), Some("Surgery")),
                (datetime!(2025-03-03 09:00 UTC), Some("surgery")),
                (datetime!(2025-04-01 09:00 UTC), None),
            ] {
                tx.create(
                    &actor,
                    &Encounter {
                        patient_id: PatientId(patient),
                        class: EncounterClass::Outpatient,
                        status: EncounterStatus::Finished,
                        admit_at: admit,
                        discharge_at: None,
                        attending_id: Some(ProviderId(surgeon)),
                        facility_id: None,
                        payer_id: None,
                        discharge_disposition: None,
                        reason: None,
                        service: service.map(str::to_owned),
                    },
                )?;
            }
            tx.create(
                &actor,
                &Procedure {
                    patient_id: PatientId(patient),
                    encounter_id: None,
                    code_system: ProcedureCodeSystem::Cpt,
                    code: "44950".into(),
                    modifiers: Vec::new(),
                    units: 1,
                    performed_at: datetime!(2025-03-02 11:00 UTC),
                    performer_id: Some(ProviderId(surgeon)),
                    description: None,
                },
            )?;
            Ok(surgeon)
        })
        .unwrap();
    let (engine, _) = reports::load(store).unwrap();
    assert_eq!(
        answer(&engine, "count encounters group by service, provider"),
        [format!(" {surgeon} 1"), format!("surgery {surgeon} 2")]
    );
    assert_eq!(
        answer(
            &engine,
            &format!("count patients where procedure(provider = {surgeon}, code = 44950)")
        ),
        ["1"]
    );
}

backend_tests!(services_and_rendering_providers_come_from_the_store);
