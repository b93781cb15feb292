//! Notes and discharges from the store: a stay discharged long ago without a signed
//! discharge summary, found on the load and gone once the summary is signed, on both
//! backends.

use records::{
    ClinicalNote, Encounter, EncounterClass, EncounterId, EncounterStatus, NoteType, PatientId,
    ProviderId,
};
use store::Actor;
use test_support::{TestStore, backend_tests};
use time::Duration;
use time::macros::datetime;

use crate::derived::{answer, physician, seed};
use crate::lists::mrn_of;

const MISSING: &str = "count encounters where class = inpatient and days_since_discharge > 30 and not has_note(type = discharge_summary, status = signed) as of 2026-01-01";

fn missing_summaries_come_from_the_store(store: &TestStore) {
    seed(store);
    let actor = Actor::new("test");
    let (patient, _) = mrn_of(store, "X1");
    let stay = |admit, discharge| Encounter {
        patient_id: PatientId(patient),
        class: EncounterClass::Inpatient,
        status: EncounterStatus::Finished,
        admit_at: admit,
        discharge_at: Some(discharge),
        attending_id: None,
        facility_id: None,
        payer_id: None,
        discharge_disposition: None,
        reason: None,
        service: None,
    };
    let summary = store
        .write(|tx| {
            let first = tx.create(
                &actor,
                &stay(
                    datetime!(2025-10-01 09:00 UTC),
                    datetime!(2025-10-05 12:00 UTC),
                ),
            )?;
            tx.create(
                &actor,
                &stay(
                    datetime!(2025-11-15 09:00 UTC),
                    datetime!(2025-11-20 12:00 UTC),
                ),
            )?;
            let summary = tx.create(
                &actor,
                &ClinicalNote {
                    patient_id: PatientId(patient),
                    encounter_id: Some(EncounterId(first.meta.id)),
                    note_type: NoteType::DischargeSummary,
                    author_id: None,
                    authored_at: datetime!(2025-10-05 16:00 UTC),
                    text: "Admitted with pneumonia.".into(),
                    signed_at: None,
                    signer_id: None,
                },
            )?;
            Ok(summary)
        })
        .unwrap();
    let (mut engine, mut sync) = reports::load(store).unwrap();
    // Both stays lack a signed summary; the first has an unsigned one, written four
    // days after admission.
    assert_eq!(answer(&engine, MISSING), ["2"]);
    assert_eq!(
        answer(
            &engine,
            "count encounters where not has_note(type = discharge_summary) and discharge_date < 2025-12-01"
        ),
        ["1"]
    );
    assert_eq!(
        answer(
            &engine,
            "count notes where days_after_encounter = 4 group by type, status"
        ),
        ["discharge_summary unsigned 1"]
    );

    store.clock.advance(Duration::seconds(5));
    store
        .write(|tx| {
            let signer = physician(tx, &actor, "Osler")?;
            let mut signed = summary.record.clone();
            signed.signed_at = Some(datetime!(2025-10-06 08:00 UTC));
            signed.signer_id = Some(ProviderId(signer));
            tx.update(&actor, summary.meta.id, summary.meta.version, &signed)?;
            Ok(())
        })
        .unwrap();
    sync.refresh(store, &mut engine).unwrap();
    assert_eq!(answer(&engine, MISSING), ["1"]);
}

backend_tests!(missing_summaries_come_from_the_store);
