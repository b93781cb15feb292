//! Golden files: each service kind's claim written by Chartroom compared segment by segment
//! with a file checked by hand against the TR3 (`tests/golden/`). A change to the writers
//! shows here as the first segment that differs; `CHARTROOM_BLESS=1` rewrites the files,
//! which must then be checked by hand again before they are committed.

use crate::build::office_visit;
use crate::{keep_for_validator, submitter};
use claims::{Numbers, build_institutional, build_professional, write_837i};
use records::*;
use store::{Actor, Tx};
use test_support::sqlite_store;
use time::macros::{date, datetime};

/// Compares `written` with `tests/golden/{name}` segment by segment.
fn golden(name: &str, written: &str) {
    keep_for_validator(name, written);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    let as_lines = |text: &str| -> String { text.replace('~', "~\n") };
    if std::env::var_os("CHARTROOM_BLESS").is_some() {
        std::fs::write(&path, as_lines(written)).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (CHARTROOM_BLESS=1 writes it)", path.display()));
    let got = as_lines(written);
    for (idx, (want, have)) in expected.lines().zip(got.lines()).enumerate() {
        assert_eq!(have, want, "{name}: segment {} differs", idx + 1);
    }
    assert_eq!(
        got.lines().count(),
        expected.lines().count(),
        "{name}: segment counts differ"
    );
}

/// A two-night stay at the hospital billed on the facility's 837I: pneumonia (present on
/// admission) with a fall during the stay (not present), a bronchoscopy, room and board,
/// pharmacy and the procedure room by revenue code.
fn inpatient_stay(tx: &mut Tx<'_>) -> store::Result<EncounterId> {
    let actor = Actor::new("test:biller");
    let ids = office_visit(tx, Relationship::SelfSubscriber)?;
    let hospital = tx.create(
        &actor,
        &Organization {
            name: "Springfield General Hospital".into(),
            kind: OrganizationKind::Facility,
            npi: Some(Npi::from_base(198_765_432)),
            address: Address {
                line1: Some("100 Hospital Drive".into()),
                city: Some("Springfield".into()),
                state: Some("MA".into()),
                postal_code: Some("01105-1234".into()),
                ..Address::default()
            },
            phone: None,
        },
    )?;
    let stay = tx.create(
        &actor,
        &Encounter {
            patient_id: ids.patient,
            class: EncounterClass::Inpatient,
            status: EncounterStatus::Finished,
            admit_at: datetime!(2026-02-12 22:15 UTC),
            discharge_at: Some(datetime!(2026-02-14 11:40 UTC)),
            attending_id: Some(ProviderId(ids.provider)),
            facility_id: Some(OrganizationId(hospital.meta.id)),
            payer_id: Some(PayerId(ids.payer)),
            discharge_disposition: Some("01".into()),
            reason: None,
            service: None,
        },
    )?;
    let stay_id = EncounterId(stay.meta.id);
    for (code, rank, sequence, poa) in [
        (
            "J18.9",
            DiagnosisRank::Principal,
            1,
            Some(PoaIndicator::Yes),
        ),
        ("R06.02", DiagnosisRank::Admitting, 1, None),
        (
            "E11.9",
            DiagnosisRank::Secondary,
            2,
            Some(PoaIndicator::Yes),
        ),
        (
            "W19.XXXA",
            DiagnosisRank::Secondary,
            3,
            Some(PoaIndicator::No),
        ),
    ] {
        tx.create(
            &actor,
            &Diagnosis {
                patient_id: ids.patient,
                encounter_id: stay_id,
                code: code.into(),
                rank,
                sequence,
                poa,
                description: None,
                onset_at: None,
            },
        )?;
    }
    tx.create(
        &actor,
        &Procedure {
            patient_id: ids.patient,
            encounter_id: Some(stay_id),
            code_system: ProcedureCodeSystem::Icd10Pcs,
            code: "0BJ08ZZ".into(),
            modifiers: Vec::new(),
            units: 1,
            performed_at: datetime!(2026-02-13 10:00 UTC),
            performer_id: Some(ProviderId(ids.provider)),
            description: None,
        },
    )?;
    for (code, cents, units, day) in [
        ("0110", 240_000, 2, date!(2026 - 02 - 12)),
        ("0250", 18_725, 1, date!(2026 - 02 - 13)),
        ("0360", 95_000, 1, date!(2026 - 02 - 13)),
    ] {
        tx.create(
            &actor,
            &Charge {
                patient_id: ids.patient,
                encounter_id: Some(stay_id),
                procedure_id: None,
                code: Some(code.into()),
                description: "Facility".into(),
                service_date: day,
                amount_cents: cents,
                units,
                payer_id: Some(PayerId(ids.payer)),
                due_date: None,
            },
        )?;
    }
    Ok(stay_id)
}

#[test]
fn an_office_visit_837p_is_the_hand_checked_file() {
    for (relationship, name) in [
        (Relationship::SelfSubscriber, "office-visit-837p.x12"),
        (Relationship::Child, "office-visit-dependent-837p.x12"),
    ] {
        let claim = sqlite_store()
            .write(|tx| {
                let ids = office_visit(tx, relationship)?;
                build_professional(tx, ids.encounter, CoverageOrder::Primary)
            })
            .unwrap()
            .unwrap();
        golden(name, &crate::write(std::slice::from_ref(&claim)));
        // A clinician billing under their own NPI gets no 2310B (TR3: only when it differs).
        let mut solo = claim;
        solo.rendering.as_mut().unwrap().npi = solo.billing.npi;
        assert!(!crate::write(&[solo]).contains("~NM1*82*"));
    }
}

#[test]
fn an_inpatient_stay_837i_is_the_hand_checked_file() {
    let claim = sqlite_store()
        .write(|tx| {
            let stay = inpatient_stay(tx)?;
            build_institutional(tx, stay, CoverageOrder::Primary)
        })
        .unwrap()
        .unwrap_or_else(|problems| panic!("{problems:?}"));
    let written = write_837i(
        &[claim],
        &submitter(),
        Numbers {
            interchange: 5001,
            group: 5001,
            first_transaction: 5001,
        },
        datetime!(2026-02-16 08:30),
        x12::Delimiters::default(),
    )
    .unwrap();
    golden("inpatient-stay-837i.x12", &written);
}
