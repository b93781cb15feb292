//! Drug, anesthesia, ambulance and durable medical equipment claims: charts made with
//! their charge details (`records::ChargeDetail`), built and written by the real builder
//! and writers; the golden files are in `golden.rs`. Bad details are refused naming the
//! field, on both backends; the scrubber's rules for these services hold what they must.

use crate::build::{Ids, office_visit};
use claims::{
    RULES, ScrubSettings, Scrubber, build_professional, draft_claim, scrub_claim, write_837i,
};
use records::*;
use store::{Actor, Tx};
use test_support::{TestStore, backend_tests};
use time::OffsetDateTime;
use time::macros::{date, datetime};

fn actor() -> Actor {
    Actor::new("test:biller")
}

fn address(line1: &str, city: &str, zip: &str) -> Address {
    Address {
        line1: Some(line1.into()),
        city: Some(city.into()),
        state: Some("MA".into()),
        postal_code: Some(zip.into()),
        ..Address::default()
    }
}

/// A billed service: code, modifiers (on the procedure the charge bills), cents, units,
/// and its claim details (ids filled in when stored).
pub struct Service {
    pub code: &'static str,
    pub modifiers: &'static [&'static str],
    pub cents: i64,
    pub units: i32,
    pub drug: Option<DrugDetail>,
    pub anesthesia: Option<AnesthesiaDetail>,
    pub transport: Option<AmbulanceTransport>,
    pub equipment: Option<EquipmentDetail>,
}

impl Service {
    pub fn plain(code: &'static str, modifiers: &'static [&'static str], cents: i64) -> Self {
        Self {
            code,
            modifiers,
            cents,
            units: 1,
            drug: None,
            anesthesia: None,
            transport: None,
            equipment: None,
        }
    }
}

/// A finished encounter of the office visit's patient on `at`, of `class` (at `facility`
/// when given), with `diagnoses` (first listed first) and `services`, each charge with
/// its procedure and details.
pub fn encounter_with(
    tx: &mut Tx<'_>,
    ids: &Ids,
    (class, at, facility): (EncounterClass, OffsetDateTime, Option<OrganizationId>),
    diagnoses: &[&str],
    services: Vec<Service>,
) -> store::Result<EncounterId> {
    let actor = actor();
    let encounter = tx.create(
        &actor,
        &Encounter {
            patient_id: ids.patient,
            class,
            status: EncounterStatus::Finished,
            admit_at: at,
            discharge_at: Some(at + time::Duration::hours(2)),
            attending_id: Some(ProviderId(ids.provider)),
            facility_id: facility,
            payer_id: Some(PayerId(ids.payer)),
            discharge_disposition: None,
            reason: None,
            service: None,
        },
    )?;
    let encounter_id = EncounterId(encounter.meta.id);
    for (idx, code) in diagnoses.iter().enumerate() {
        tx.create(
            &actor,
            &Diagnosis {
                patient_id: ids.patient,
                encounter_id,
                code: (*code).into(),
                rank: if idx == 0 {
                    DiagnosisRank::FirstListed
                } else {
                    DiagnosisRank::Secondary
                },
                sequence: i32::try_from(idx + 1).unwrap(),
                poa: None,
                description: None,
                onset_at: None,
            },
        )?;
    }
    for service in services {
        // A revenue code bills the facility's line, no procedure; CPT is five digits.
        let revenue = service.code.len() == 4;
        let code_system = if service.code.starts_with(|c: char| c.is_ascii_digit()) {
            ProcedureCodeSystem::Cpt
        } else {
            ProcedureCodeSystem::Hcpcs
        };
        let procedure = Procedure {
            patient_id: ids.patient,
            encounter_id: Some(encounter_id),
            code_system,
            code: service.code.into(),
            modifiers: service.modifiers.iter().map(|m| (*m).to_owned()).collect(),
            units: service.units,
            performed_at: at,
            performer_id: Some(ProviderId(ids.provider)),
            description: None,
        };
        let procedure_id = if revenue {
            None
        } else {
            Some(ProcedureId(tx.create(&actor, &procedure)?.meta.id))
        };
        let charge = tx.create(
            &actor,
            &Charge {
                patient_id: ids.patient,
                encounter_id: Some(encounter_id),
                procedure_id,
                code: Some(service.code.into()),
                description: "Service".into(),
                service_date: at.date(),
                amount_cents: service.cents,
                units: service.units,
                payer_id: Some(PayerId(ids.payer)),
                due_date: None,
            },
        )?;
        if service.drug.is_some()
            || service.anesthesia.is_some()
            || service.transport.is_some()
            || service.equipment.is_some()
        {
            tx.create(
                &actor,
                &ChargeDetail {
                    patient_id: ids.patient,
                    encounter_id,
                    charge_id: ChargeId(charge.meta.id),
                    drug: service.drug,
                    anesthesia: service.anesthesia,
                    transport: service.transport,
                    equipment: service.equipment,
                },
            )?;
        }
    }
    Ok(encounter_id)
}

/// An outpatient hospital for facility-based services.
fn hospital(tx: &mut Tx<'_>) -> store::Result<OrganizationId> {
    let stored = tx.create(
        &actor(),
        &Organization {
            name: "Springfield General Hospital".into(),
            kind: OrganizationKind::Facility,
            npi: Some(Npi::from_base(198_765_432)),
            address: address("100 Hospital Drive", "Springfield", "01105-1234"),
            phone: None,
        },
    )?;
    Ok(OrganizationId(stored.meta.id))
}

/// A ketorolac injection in the office: the drug's NDC given in the labeler's 10-digit
/// 4-4-2 form, billed with its administration.
pub fn drug_in_office(tx: &mut Tx<'_>, ids: &Ids) -> store::Result<EncounterId> {
    let mut drug = Service::plain("J1885", &[], 1_250);
    drug.units = 2;
    drug.drug = Some(DrugDetail {
        ndc: "0409-3795-01".into(),
        quantity_thousandths: 1_000,
        unit: DrugUnit::Milliliter,
        prescription_number: None,
    });
    encounter_with(
        tx,
        ids,
        (
            EncounterClass::Outpatient,
            datetime!(2026-02-11 10:00 UTC),
            None,
        ),
        &["M54.50"],
        vec![Service::plain("96372", &[], 4_000), drug],
    )
}

/// A laparoscopic cholecystectomy's anesthesia by a nurse anesthetist without medical
/// direction (QZ) for a patient with mild systemic disease (P2): 96 minutes.
pub fn anesthesia_case(tx: &mut Tx<'_>, ids: &Ids) -> store::Result<EncounterId> {
    let hospital = hospital(tx)?;
    let mut case = Service::plain("00790", &["QZ", "P2"], 96_000);
    case.anesthesia = Some(AnesthesiaDetail {
        minutes: 96,
        surgical_procedures: vec!["47562".into()],
    });
    encounter_with(
        tx,
        ids,
        (
            EncounterClass::Outpatient,
            datetime!(2026-02-12 07:30 UTC),
            Some(hospital),
        ),
        &["K80.20", "E11.9"],
        vec![case],
    )
}

/// An emergency ground ambulance (ALS1) from the patient's home to the hospital, 12.4
/// loaded miles, a patient over the stretcher's weight limit, a second patient aboard.
pub fn ambulance_trip(tx: &mut Tx<'_>, ids: &Ids) -> store::Result<EncounterId> {
    let mut base = Service::plain("A0427", &["RH"], 70_000);
    base.transport = Some(AmbulanceTransport {
        mode: TransportMode::Ground,
        reason: "A".into(),
        distance_tenths: 124,
        patient_weight_lbs: Some(410),
        round_trip_purpose: None,
        stretcher_purpose: Some("PATIENT COULD NOT SIT OR STAND".into()),
        conditions: vec!["01".into(), "04".into(), "06".into()],
        pick_up: address("22 Elm Street", "Springfield", "01103-4455"),
        drop_off_name: Some("Springfield General Hospital".into()),
        drop_off: address("100 Hospital Drive", "Springfield", "01105-1234"),
        patient_count: Some(2),
    });
    let mut miles = Service::plain("A0425", &["RH"], 10_168);
    miles.units = 13;
    encounter_with(
        tx,
        ids,
        (
            EncounterClass::Emergency,
            datetime!(2026-02-13 18:20 UTC),
            None,
        ),
        &["S72.001A", "W19.XXXA"],
        vec![base, miles],
    )
}

/// An oxygen concentrator rented for the home (RR, first month KH), ordered by a
/// pulmonologist, initially certified for twelve months. No certificate of medical
/// necessity goes with it: Medicare retired CMNs for dates of service from 2023-01-01.
pub fn oxygen_rental(tx: &mut Tx<'_>, ids: &Ids) -> store::Result<EncounterId> {
    let ordering = tx.create(
        &actor(),
        &Provider {
            npi: Some(Npi::from_base(176_543_210)),
            family_name: "Hart".into(),
            given_name: "Louis".into(),
            credentials: Some("MD".into()),
            taxonomy: Some("207RP1001X".into()),
            specialty: None,
            organization_id: None,
        },
    )?;
    let mut oxygen = Service::plain("E1390", &["RR", "KH"], 25_000);
    oxygen.equipment = Some(EquipmentDetail {
        certification_type: "I".into(),
        months: 12,
        cmn_transmission: None,
        necessity_days: Some(365),
        rental_price_cents: Some(25_000),
        purchase_price_cents: Some(150_000),
        rental_unit: Some("4".into()),
        ordering_provider_id: Some(ProviderId(ordering.meta.id)),
        recertified_on: None,
        therapy_began_on: Some(date!(2026 - 02 - 14)),
        last_certified_on: Some(date!(2026 - 02 - 09)),
    });
    encounter_with(
        tx,
        ids,
        (
            EncounterClass::Outpatient,
            datetime!(2026-02-14 11:00 UTC),
            None,
        ),
        &["J44.9", "R09.02"],
        vec![oxygen],
    )
}

/// `make`'s encounter on the chart of a new office visit patient.
pub fn on_new_chart(
    tx: &mut Tx<'_>,
    make: fn(&mut Tx<'_>, &Ids) -> store::Result<EncounterId>,
) -> store::Result<EncounterId> {
    let ids = office_visit(tx, Relationship::SelfSubscriber)?;
    make(tx, &ids)
}

/// The field paths a refused record names.
fn refused(result: store::Result<impl Sized>) -> Vec<String> {
    match result {
        Err(store::Error::Invalid { errors, .. }) => errors
            .0
            .iter()
            .map(|e| format!("{}: {}", e.path, e.message))
            .collect(),
        Err(other) => panic!("refused for another reason: {other}"),
        Ok(_) => panic!("stored"),
    }
}

fn details_are_stored_versioned_and_bad_ones_refused_naming_the_field(store: &TestStore) {
    let encounter = store.write(|tx| on_new_chart(tx, drug_in_office)).unwrap();
    let detail = store
        .read(|tx| {
            tx.select::<ChargeDetail>(
                "encounter_id = ?",
                &[store::Value::Int(encounter.0)],
                "id",
                10,
            )
        })
        .unwrap()
        .pop()
        .unwrap();
    let drug = detail.record.drug.clone().unwrap();
    assert_eq!(
        (drug.ndc.as_str(), drug.quantity_thousandths, drug.unit),
        ("0409-3795-01", 1_000, DrugUnit::Milliliter)
    );
    // A correction is a new version, kept in the history like any record's.
    let mut corrected = detail.record.clone();
    corrected.drug.as_mut().unwrap().quantity_thousandths = 1_500;
    let updated = store
        .write(|tx| tx.update(&actor(), detail.meta.id, detail.meta.version, &corrected))
        .unwrap();
    assert_eq!(updated.meta.version, detail.meta.version + 1);
    assert_eq!(updated.record.drug.unwrap().quantity_thousandths, 1_500);

    let bad = |change: &dyn Fn(&mut ChargeDetail)| {
        let mut record = detail.record.clone();
        change(&mut record);
        store
            .write(|tx| Ok(tx.update(&actor(), detail.meta.id, updated.meta.version, &record)))
            .unwrap()
    };
    let nine_digits = refused(bad(&|d| d.drug.as_mut().unwrap().ndc = "123456789".into()));
    assert!(
        nine_digits[0].starts_with("drug.ndc: \"123456789\" has 9 digits"),
        "{nine_digits:?}"
    );
    let no_minutes = refused(bad(&|d| {
        d.anesthesia = Some(AnesthesiaDetail {
            minutes: 0,
            surgical_procedures: Vec::new(),
        });
    }));
    assert_eq!(
        no_minutes,
        ["anesthesia.minutes: is 0; anesthesia time is 1 to 1440 minutes"]
    );
    let backwards = refused(bad(&|d| {
        let mut trip = ambulance_detail();
        trip.distance_tenths = -50;
        d.transport = Some(trip);
    }));
    assert_eq!(
        backwards,
        [
            "transport.distance_tenths: is -50; the transport distance (tenths of a mile) must be more than 0"
        ]
    );
    let nothing = refused(bad(&|d| d.drug = None));
    assert!(nothing[0].contains("holds nothing"), "{nothing:?}");
}

fn ambulance_detail() -> AmbulanceTransport {
    AmbulanceTransport {
        mode: TransportMode::Ground,
        reason: "A".into(),
        distance_tenths: 10,
        patient_weight_lbs: None,
        round_trip_purpose: None,
        stretcher_purpose: None,
        conditions: Vec::new(),
        pick_up: address("1 Main Street", "Springfield", "01101"),
        drop_off_name: None,
        drop_off: address("100 Hospital Drive", "Springfield", "01105"),
        patient_count: None,
    }
}

/// The edits of `encounter`'s claim from the rules of these services.
fn service_edits(
    store: &TestStore,
    encounter: EncounterId,
    settings: &ScrubSettings,
) -> Vec<String> {
    let codes = codes::CodeSets::embedded().unwrap();
    let scrubber = Scrubber {
        codes: &codes,
        settings,
        today: date!(2026 - 03 - 01),
    };
    let claim = store
        .write(|tx| {
            let drafted = draft_claim(
                tx,
                &actor(),
                encounter,
                CoverageOrder::Primary,
                ClaimKind::Professional,
            )?
            .unwrap_or_else(|p| panic!("{p:?}"));
            scrub_claim(tx, &actor(), &scrubber, drafted.meta.id)
        })
        .unwrap();
    claim
        .record
        .edits
        .iter()
        .filter(|e| {
            [
                "ndc",
                "anesthesia-time",
                "ambulance-modifier",
                "dme-modifier",
                "modifier",
            ]
            .contains(&e.rule.as_str())
        })
        .map(|e| format!("{} {} {}", e.rule, e.field, e.blocking))
        .collect()
}

fn the_scrubber_holds_drug_anesthesia_ambulance_and_dme_lines_missing_their_data(
    store: &TestStore,
) {
    let settings = ScrubSettings::default();
    // The four claims as the golden files have them pass these rules.
    let ids = store
        .write(|tx| office_visit(tx, Relationship::SelfSubscriber))
        .unwrap();
    for make in [
        drug_in_office,
        anesthesia_case,
        ambulance_trip,
        oxygen_rental,
    ] {
        let encounter = store.write(|tx| make(tx, &ids)).unwrap();
        assert_eq!(
            service_edits(store, encounter, &settings),
            Vec::<String>::new()
        );
    }
    // The same services without their details, or without their modifiers.
    let encounter = store
        .write(|tx| {
            let mut oxygen = Service::plain("E1390", &["KH"], 25_000);
            oxygen.equipment = Some(EquipmentDetail {
                certification_type: "I".into(),
                months: 12,
                cmn_transmission: None,
                necessity_days: None,
                rental_price_cents: None,
                purchase_price_cents: None,
                rental_unit: None,
                ordering_provider_id: None,
                recertified_on: None,
                therapy_began_on: None,
                last_certified_on: None,
            });
            encounter_with(
                tx,
                &ids,
                (
                    EncounterClass::Outpatient,
                    datetime!(2026-02-16 10:00 UTC),
                    None,
                ),
                &["J44.9"],
                vec![
                    Service::plain("J1885", &[], 1_250),
                    Service::plain("00790", &["QZ"], 96_000),
                    Service::plain("A0425", &["RT"], 10_000),
                    oxygen,
                ],
            )
        })
        .unwrap();
    // A commercial plan that does not ask for NDCs: no `ndc` edit.
    assert_eq!(
        service_edits(store, encounter, &settings),
        [
            "anesthesia-time line 2 SV104 true",
            "ambulance-modifier line 3 SV101-3 true",
            "dme-modifier line 4 SV101-3 true",
            "ambulance-modifier 2300 CR1 true",
        ]
    );
    let needs_ndc = ScrubSettings {
        ndc_payer_codes: vec!["EXHP1".into()],
        ..ScrubSettings::default()
    };
    let edits = service_edits(store, encounter, &needs_ndc);
    assert_eq!(edits[0], "ndc line 1 2410 LIN03 true");
    let rule = RULES.iter().find(|r| r.id == "ndc").unwrap();
    assert!(rule.source.contains("Deficit Reduction Act of 2005"));
}

backend_tests!(
    details_are_stored_versioned_and_bad_ones_refused_naming_the_field,
    the_scrubber_holds_drug_anesthesia_ambulance_and_dme_lines_missing_their_data,
);

/// Why the 837P writer refuses `claim`.
/// `claim` alone in an 837P.
fn write_one(claim: claims::ProfessionalClaim) -> x12::Result<String> {
    claims::write_837p(
        &[claim],
        &crate::submitter(),
        claims::Numbers {
            interchange: 1,
            group: 1,
            first_transaction: 1,
        },
        datetime!(2026-03-02 14:05),
        x12::Delimiters::default(),
    )
}

fn refusal(claim: claims::ProfessionalClaim) -> x12::Error {
    write_one(claim).unwrap_err()
}

#[test]
fn hand_made_claims_with_impossible_values_are_refused_naming_the_element() {
    let store = test_support::sqlite_store();
    let (anesthesia, ambulance) = store
        .write(|tx| {
            let ids = office_visit(tx, Relationship::SelfSubscriber)?;
            let a = anesthesia_case(tx, &ids)?;
            let b = ambulance_trip(tx, &ids)?;
            Ok((
                build_professional(tx, a, CoverageOrder::Primary)?.unwrap(),
                build_professional(tx, b, CoverageOrder::Primary)?.unwrap(),
            ))
        })
        .unwrap();
    let mut no_minutes = anesthesia;
    no_minutes.lines[0]
        .details
        .anesthesia
        .as_mut()
        .unwrap()
        .minutes = 0;
    let error = refusal(no_minutes);
    assert!(
        error.to_string().contains("SV104") && error.message.contains("anesthesia minutes are 0"),
        "{error}"
    );
    let mut backwards = ambulance;
    backwards.lines[0]
        .details
        .transport
        .as_mut()
        .unwrap()
        .distance_tenths = -5;
    let error = refusal(backwards);
    assert!(
        error.to_string().contains("CR106") && error.message.contains("-5 tenths"),
        "{error}"
    );
}

#[test]
fn the_facility_claim_carries_the_drug_in_loop_2410() {
    let store = test_support::sqlite_store();
    let claim = store
        .write(|tx| {
            let ids = office_visit(tx, Relationship::SelfSubscriber)?;
            let hospital = hospital(tx)?;
            let mut pharmacy = Service::plain("0636", &[], 3_300);
            pharmacy.drug = Some(DrugDetail {
                ndc: "00409-3795-01".into(),
                quantity_thousandths: 2_500,
                unit: DrugUnit::Milliliter,
                prescription_number: Some("RX448812".into()),
            });
            let visit = encounter_with(
                tx,
                &ids,
                (
                    EncounterClass::Emergency,
                    datetime!(2026-02-17 03:00 UTC),
                    Some(hospital),
                ),
                &["M54.50"],
                vec![Service::plain("0450", &[], 52_000), pharmacy],
            )?;
            claims::build_institutional(tx, visit, CoverageOrder::Primary)
        })
        .unwrap()
        .unwrap_or_else(|p| panic!("{p:?}"));
    let written = write_837i(
        &[claim],
        &crate::submitter(),
        claims::Numbers {
            interchange: 6001,
            group: 6001,
            first_transaction: 6001,
        },
        datetime!(2026-02-18 08:00),
        x12::Delimiters::default(),
    )
    .unwrap();
    crate::keep_for_validator("emergency-drug-837i.x12", &written);
    // TR3 837I 2400: LX, SV2, DTP*472, then loop 2410 LIN/CTP/REF for the drug line only.
    assert!(
        written.contains(
            "LX*2~SV2*0636**33*UN*1~DTP*472*D8*20260217~LIN**N4*00409379501~CTP****2.5*ML~REF*XZ*RX448812~"
        ),
        "{written}"
    );
    assert_eq!(written.matches("~LIN*").count(), 1);
}

/// The certificate of medical necessity's PWK (TR3 2400 "Durable Medical Equipment
/// Certificate of Medical Necessity Indicator") goes after SV5 and before CR3. This file is
/// not kept for pyx12: its map cannot tell this PWK from the Line Supplemental Information
/// PWK before it (both take PWK01 `CT`), so it refuses PWK02 `AD` as it refuses the TR3's
/// own oxygen and wheelchair examples (`X222-oxygen.edi`, `X222-wheelchair.edi`).
#[test]
fn a_certificate_of_medical_necessity_is_named_between_sv5_and_cr3() {
    let store = test_support::sqlite_store();
    let mut claim = store
        .write(|tx| {
            let encounter = on_new_chart(tx, oxygen_rental)?;
            build_professional(tx, encounter, CoverageOrder::Primary)
        })
        .unwrap()
        .unwrap();
    let equipment = claim.lines[0].details.equipment.as_mut().unwrap();
    equipment.detail.cmn_transmission = Some("AD".into());
    let written = crate::write(&[claim]);
    assert!(
        written.contains("~SV5*HC:E1390*DA*365*250*1500*4~PWK*CT*AD~CR3*I*MO*12~DTP*472*"),
        "{written}"
    );
}

/// The segments of an 837P's claim, as `ID*...` strings, from 2300 CLM to the end.
fn claim_segments(claim: claims::ProfessionalClaim) -> Vec<String> {
    let text = write_one(claim).unwrap();
    let segments: Vec<String> = text.split('~').map(|s| s.trim().to_owned()).collect();
    let clm = segments.iter().position(|s| s.starts_with("CLM*")).unwrap();
    segments[clm..].to_vec()
}

#[test]
fn a_second_trip_on_the_claim_carries_its_own_cr1_crc_and_places() {
    let store = test_support::sqlite_store();
    let claim = store
        .write(|tx| {
            let ids = office_visit(tx, Relationship::SelfSubscriber)?;
            let trip = ambulance_trip(tx, &ids)?;
            Ok(build_professional(tx, trip, CoverageOrder::Primary)?.unwrap())
        })
        .unwrap();
    let line_part = |segments: &[String], line: &str| -> Vec<String> {
        let at = segments.iter().position(|s| s == line).unwrap();
        let end = segments[at + 1..]
            .iter()
            .position(|s| s.starts_with("LX*") || s.starts_with("SE*"))
            .map_or(segments.len(), |n| at + 1 + n);
        segments[at..end].to_vec()
    };
    // The mileage line carries the same trip: only its patient count (QTY*PT) is added.
    let mut same = claim.clone();
    same.lines[1].details.transport = same.lines[0].details.transport.clone();
    let plain = claim_segments(claim.clone());
    let same = claim_segments(same);
    assert_eq!(
        line_part(&same, "LX*2")[2..],
        ["DTP*472*D8*20260213", "QTY*PT*2"]
    );
    assert_eq!(line_part(&same, "LX*1"), line_part(&plain, "LX*1"));
    // The way back: another distance, no longer an emergency, from the hospital home.
    let mut back = claim;
    let mut trip = back.lines[0].details.transport.clone().unwrap();
    trip.distance_tenths = 118;
    trip.conditions = vec!["04".into()];
    trip.pick_up = address("100 Hospital Drive", "Springfield", "01105-1234");
    trip.drop_off_name = None;
    trip.drop_off = address("22 Elm Street", "Springfield", "01103-4455");
    back.lines[1].details.transport = Some(trip);
    crate::keep_for_validator(
        "ambulance-two-trips-837p.x12",
        &write_one(back.clone()).unwrap(),
    );
    let segments = claim_segments(back);
    assert_eq!(
        line_part(&segments, "LX*2")[2..],
        [
            "CR1*LB*410**A*DH*11.8****PATIENT COULD NOT SIT OR STAND",
            "CRC*07*Y*04",
            "DTP*472*D8*20260213",
            "QTY*PT*2",
            "NM1*PW*2",
            "N3*100 Hospital Drive",
            "N4*Springfield*MA*011051234",
            "NM1*45*2",
            "N3*22 Elm Street",
            "N4*Springfield*MA*011034455",
        ]
    );
    // The first line keeps the claim's trip, given once in 2300 and 2310E/F.
    assert_eq!(line_part(&segments, "LX*1"), line_part(&plain, "LX*1"),);
    assert_eq!(segments.iter().filter(|s| s.starts_with("CR1*")).count(), 2);
}
