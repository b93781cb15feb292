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

/// Builds the primary professional claim of `make`'s encounter on a new chart and
/// compares its 837P with `name`.
fn professional_golden(
    name: &str,
    make: fn(&mut Tx<'_>, &crate::build::Ids) -> store::Result<EncounterId>,
) {
    let claim = sqlite_store()
        .write(|tx| {
            let encounter = crate::service_kinds::on_new_chart(tx, make)?;
            build_professional(tx, encounter, CoverageOrder::Primary)
        })
        .unwrap()
        .unwrap_or_else(|problems| panic!("{problems:?}"));
    let written = crate::write(&[claim]);
    golden(name, &written);
    // The payer's side reads it back whole: element syntax, NPIs, CLM02 against SV102.
    let review = claims::review_837(&written);
    assert!(review.problems.is_empty(), "{name}: {:?}", review.problems);
    assert_eq!(review.claims[0].findings, Vec::<String>::new(), "{name}");
}

/// The drug line (checked against 837P TR3 2400/2410 and the TR3's "drug administered in
/// the physician office" example): SV1 bills J1885 in HCPCS units (2 x 15 mg); loop 2410
/// follows DTP*472: LIN01 empty, LIN02 `N4`, LIN03 the NDC entered as 0409-3795-01 (4-4-2)
/// written 00409379501 (5-4-2, the zero before the labeler); CTP04 the quantity given (1),
/// CTP05-1 `ML`; no REF*XZ (not dispensed on a prescription); CLM02 52.5 is the sum of
/// SV102 (40 and 12.5).
#[test]
fn a_drug_in_the_office_837p_is_the_hand_checked_file() {
    professional_golden(
        "drug-in-office-837p.x12",
        crate::service_kinds::drug_in_office,
    );
}

/// Anesthesia (checked against 837P TR3 2300 and 2400 and its anesthesia example): SV1 is
/// HC:00790:QZ:P2 (CRNA without medical direction, physical status P2), SV103 `MJ` and
/// SV104 96 (minutes, not units); HI*BP:47562 (the laparoscopic cholecystectomy it was
/// for) is the Anesthesia Related Procedure HI, after the diagnosis HI and before 2310B;
/// the hospital bills (2010AA) at place of service 22 and the rendering clinician differs,
/// so 2310B is written.
#[test]
fn an_anesthesia_case_837p_is_the_hand_checked_file() {
    professional_golden("anesthesia-837p.x12", crate::service_kinds::anesthesia_case);
}

/// The ambulance (checked against 837P TR3 2300, 2310E/F, 2400 and its ambulance example):
/// CLM05-1 41 (land ambulance) though the visit was an emergency; CR1 after CLM and before
/// HI: CR101 `LB`, CR102 410 (over the stretcher's limit), CR103 empty, CR104 `A`, CR105
/// `DH`, CR106 12.4, CR107-CR109 empty, CR110 the stretcher purpose; CRC*07*Y with the
/// conditions 01, 04, 06; 2310E NM1*PW*2 with N3/N4 (no name: NM103 is not used) and 2310F
/// NM1*45*2 with the hospital's name, N3/N4, after 2310B; A0427 and A0425 each with the
/// origin/destination modifier RH first; QTY*PT*2 after DTP*472 on the trip's line (two
/// patients aboard); the mileage line bills 13 units (12.4 loaded miles rounded up to
/// whole miles on SV104).
#[test]
fn an_ambulance_trip_837p_is_the_hand_checked_file() {
    professional_golden("ambulance-837p.x12", crate::service_kinds::ambulance_trip);
}

/// DME (checked against 837P TR3 2400, 2420E and its oxygen and wheelchair examples):
/// CLM05-1 12 (the patient's home); SV1 HC:E1390:RR:KH; SV5 after SV1: HC:E1390, `DA`,
/// 365 days, rental 250, purchase 1500, `4` monthly; no PWK*CT (no certificate of medical
/// necessity: retired by Medicare for 2023 on; `service_kinds` checks its place when one
/// goes); CR3*I*MO*12 (initial, twelve months); DTP*472,
/// then DTP*463 (therapy began) and DTP*461 (last certified), no DTP*607 on an initial
/// certification; 2420E NM1*DK*1 the ordering pulmonologist with NPI (XX).
#[test]
fn an_oxygen_rental_837p_is_the_hand_checked_file() {
    professional_golden(
        "oxygen-rental-837p.x12",
        crate::service_kinds::oxygen_rental,
    );
}
